//! What an installed QEMU binary can do, learnt by asking it over QMP once and cached.
//!
//! Everything the driver decides per binary (machine types and their aliases, whether KVM
//! works, which CPU models and devices exist) comes from here, never from a version table:
//! the same rvirt works with whatever QEMU the host has, and says so honestly in the
//! capabilities XML.

pub mod cache;
#[rustfmt::skip]
pub mod cpu_map;
pub mod cpu_x86;
pub mod domcaps;
pub mod firmware;
pub mod host_cpu;
pub mod host_numa;
pub mod probe;
pub mod xml;

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One machine type of `query-machines`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    /// The short name that points at this machine (`pc`, `q35`).
    pub alias: Option<String>,
    /// The machine QEMU picks without `-machine`.
    pub is_default: bool,
    pub max_cpus: u32,
    pub deprecated: bool,
    /// The memory backend id QEMU gives main RAM (`pc.ram`), when it names one.
    pub default_ram_id: Option<String>,
    pub default_cpu_type: Option<String>,
    pub hotpluggable_cpus: bool,
}

/// One CPU model of `query-cpu-definitions` under one accelerator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuModel {
    pub name: String,
    pub deprecated: bool,
    /// Host features the model needs that the accelerator cannot give (empty: usable).
    pub unavailable: Vec<String>,
}

/// What QEMU says its `host` CPU (under KVM) or `max` CPU (under TCG) is: what libvirt
/// names the `host-model` CPU from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandedCpu {
    /// The CPUID vendor string (`AuthenticAMD`).
    pub vendor: String,
    pub family: u32,
    pub model: u32,
    pub stepping: u32,
    /// The boolean properties that are on, in QEMU's spelling, sorted.
    pub features: Vec<String>,
}

impl ExpandedCpu {
    fn to_json(&self) -> Value {
        json!({
            "vendor": self.vendor,
            "family": self.family,
            "model": self.model,
            "stepping": self.stepping,
            "features": self.features,
        })
    }

    fn from_json(v: &Value) -> Option<ExpandedCpu> {
        let n = |k: &str| v.get(k).and_then(Value::as_u64).map(|x| x as u32);
        Some(ExpandedCpu {
            vendor: v.get("vendor")?.as_str()?.to_string(),
            family: n("family")?,
            model: n("model")?,
            stepping: n("stepping")?,
            features: v
                .get("features")?
                .as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()?,
        })
    }
}

/// Everything probed from one binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QemuCaps {
    pub binary: PathBuf,
    /// The guest architecture (`query-target`), in libvirt's spelling.
    pub arch: String,
    pub version: (u32, u32, u32),
    pub package: String,
    /// Whether KVM could be used with this binary on this host.
    pub kvm: bool,
    pub machines: Vec<Machine>,
    /// CPU models with TCG, and with KVM when it works.
    pub tcg_cpus: Vec<CpuModel>,
    pub kvm_cpus: Vec<CpuModel>,
    /// Device types (`qom-list-types` of non-abstract devices).
    pub devices: BTreeSet<String>,
    /// Monitor commands.
    pub commands: BTreeSet<String>,
    /// Non-device object types (`memory-backend-memfd`, `rng-builtin`, `iothread`, ...).
    pub objects: BTreeSet<String>,
    /// The `host` CPU under KVM, the `max` CPU under TCG (x86 targets only).
    pub kvm_host_cpu: Option<ExpandedCpu>,
    pub tcg_host_cpu: Option<ExpandedCpu>,
    /// Hyper-V enlightenments KVM's `host` CPU offers (`hv-*` properties that are set,
    /// without the prefix: `spinlocks`, `vendor-id`).
    pub hyperv: Vec<String>,
    /// Whether the `max-x86_64-cpu` type has the `migratable` and the
    /// `unavailable-features` properties (libvirt asks that type only, so an i386 binary
    /// has neither).
    pub cpu_migratable: bool,
    pub cpu_unavailable_features: bool,
    /// The display types `query-display-options` can answer with (`sdl`, `dbus`, ...).
    pub display_types: Vec<String>,
    /// `query-tpm-models` and `query-tpm-types`.
    pub tpm_models: Vec<String>,
    pub tpm_types: Vec<String>,
    /// Whether `query-sev-capabilities` and `query-sgx-capabilities` answered.
    pub sev: bool,
    pub sgx: bool,
}

impl QemuCaps {
    /// libvirt's version number of the binary: major * 1,000,000 + minor * 1,000 + micro.
    pub fn version_number(&self) -> u64 {
        let (a, b, c) = self.version;
        u64::from(a) * 1_000_000 + u64::from(b) * 1_000 + u64::from(c)
    }

    pub fn has_device(&self, name: &str) -> bool {
        self.devices.contains(name)
    }

    /// The machine `name` or the machine `name` is an alias of.
    pub fn machine(&self, name: &str) -> Option<&Machine> {
        self.machines.iter().find(|m| m.name == name).or_else(|| {
            self.machines
                .iter()
                .find(|m| m.alias.as_deref() == Some(name))
        })
    }

    /// The canonical name of a machine or alias (`pc` -> `pc-i440fx-7.2`).
    pub fn canonical_machine(&self, name: &str) -> Option<&str> {
        self.machine(name).map(|m| m.name.as_str())
    }

    /// The machine libvirt picks when the XML names none: QEMU's default, else the first.
    pub fn default_machine(&self) -> Option<&Machine> {
        self.machines
            .iter()
            .find(|m| m.is_default)
            .or(self.machines.first())
    }

    /// Whether machine `name` is a q35 (PCI Express) machine.
    pub fn is_q35(name: &str) -> bool {
        name == "q35" || name.starts_with("pc-q35")
    }

    /// Whether machine `name` is an i440FX (PCI) machine.
    pub fn is_i440fx(name: &str) -> bool {
        name == "pc"
            || name.starts_with("pc-i440fx")
            || name.starts_with("pc-0.")
            || name.starts_with("pc-1.")
    }

    /// The form kept in the cache file.
    pub fn to_json(&self) -> Value {
        let cpus = |v: &[CpuModel]| {
            v.iter()
                .map(|c| json!({"name": c.name, "deprecated": c.deprecated, "unavailable": c.unavailable}))
                .collect::<Vec<_>>()
        };
        json!({
            "binary": self.binary.to_string_lossy(),
            "arch": self.arch,
            "version": [self.version.0, self.version.1, self.version.2],
            "package": self.package,
            "kvm": self.kvm,
            "machines": self.machines.iter().map(|m| json!({
                "name": m.name,
                "alias": m.alias,
                "is-default": m.is_default,
                "cpu-max": m.max_cpus,
                "deprecated": m.deprecated,
                "default-ram-id": m.default_ram_id,
                "default-cpu-type": m.default_cpu_type,
                "hotpluggable-cpus": m.hotpluggable_cpus,
            })).collect::<Vec<_>>(),
            "tcg-cpus": cpus(&self.tcg_cpus),
            "kvm-cpus": cpus(&self.kvm_cpus),
            "devices": self.devices,
            "commands": self.commands,
            "objects": self.objects,
            "kvm-host-cpu": self.kvm_host_cpu.as_ref().map(ExpandedCpu::to_json),
            "tcg-host-cpu": self.tcg_host_cpu.as_ref().map(ExpandedCpu::to_json),
            "hyperv": self.hyperv,
            "cpu-migratable": self.cpu_migratable,
            "cpu-unavailable-features": self.cpu_unavailable_features,
            "display-types": self.display_types,
            "tpm-models": self.tpm_models,
            "tpm-types": self.tpm_types,
            "sev": self.sev,
            "sgx": self.sgx,
        })
    }

    /// Reads the cache file's form back; `None` if anything is missing or malformed (the
    /// binary is then probed again).
    pub fn from_json(v: &Value) -> Option<QemuCaps> {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let b = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        let strings = |k: &str| -> Option<BTreeSet<String>> {
            v.get(k)?
                .as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        let cpus = |k: &str| -> Option<Vec<CpuModel>> {
            v.get(k)?
                .as_array()?
                .iter()
                .map(|c| {
                    Some(CpuModel {
                        name: s(c, "name")?,
                        deprecated: b(c, "deprecated"),
                        unavailable: c
                            .get("unavailable")?
                            .as_array()?
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect(),
                    })
                })
                .collect()
        };
        let list = |k: &str| -> Option<Vec<String>> {
            v.get(k)?
                .as_array()?
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        // Absent from files written before the field existed: `None` re-probes them.
        let host_cpu = |k: &str| -> Option<Option<ExpandedCpu>> {
            match v.get(k)? {
                Value::Null => Some(None),
                c => ExpandedCpu::from_json(c).map(Some),
            }
        };
        let ver = v.get("version")?.as_array()?;
        let n = |i: usize| ver.get(i).and_then(Value::as_u64).map(|x| x as u32);
        Some(QemuCaps {
            binary: PathBuf::from(s(v, "binary")?),
            arch: s(v, "arch")?,
            version: (n(0)?, n(1)?, n(2)?),
            package: s(v, "package").unwrap_or_default(),
            kvm: b(v, "kvm"),
            machines: v
                .get("machines")?
                .as_array()?
                .iter()
                .map(|m| {
                    Some(Machine {
                        name: s(m, "name")?,
                        alias: s(m, "alias"),
                        is_default: b(m, "is-default"),
                        max_cpus: m.get("cpu-max").and_then(Value::as_u64).unwrap_or(1) as u32,
                        deprecated: b(m, "deprecated"),
                        default_ram_id: s(m, "default-ram-id"),
                        default_cpu_type: s(m, "default-cpu-type"),
                        hotpluggable_cpus: b(m, "hotpluggable-cpus"),
                    })
                })
                .collect::<Option<Vec<_>>>()?,
            tcg_cpus: cpus("tcg-cpus")?,
            kvm_cpus: cpus("kvm-cpus")?,
            devices: strings("devices")?,
            commands: strings("commands")?,
            objects: strings("objects")?,
            kvm_host_cpu: host_cpu("kvm-host-cpu")?,
            tcg_host_cpu: host_cpu("tcg-host-cpu")?,
            hyperv: list("hyperv")?,
            cpu_migratable: v.get("cpu-migratable")?.as_bool()?,
            cpu_unavailable_features: v.get("cpu-unavailable-features")?.as_bool()?,
            display_types: list("display-types")?,
            tpm_models: list("tpm-models")?,
            tpm_types: list("tpm-types")?,
            sev: b(v, "sev"),
            sgx: b(v, "sgx"),
        })
    }
}

/// libvirt's name for a QEMU target architecture.
pub fn libvirt_arch(qemu_target: &str) -> String {
    match qemu_target {
        "i386" => "i686".to_string(),
        "ppc64" => "ppc64".to_string(),
        "arm" => "armv7l".to_string(),
        other => other.to_string(),
    }
}

/// The binary name QEMU uses for a libvirt architecture.
pub fn qemu_target(arch: &str) -> &str {
    match arch {
        "i686" => "i386",
        "armv7l" | "armv6l" => "arm",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The capabilities of Debian 12's qemu-system-x86_64 7.2, probed on a host with KVM
    /// (recorded with `cargo run -p rvirt-driver-qemu --example probe`).
    pub fn fixture() -> QemuCaps {
        let text = include_str!("../../../../tests/data/qemu/caps/qemu-system-x86_64-7.2.json");
        let v: Value = serde_json::from_str(text).expect("fixture is JSON");
        QemuCaps::from_json(&v).expect("fixture parses")
    }

    #[test]
    fn cache_form_round_trips() {
        let c = fixture();
        assert_eq!(QemuCaps::from_json(&c.to_json()), Some(c.clone()));
        assert_eq!(c.arch, "x86_64");
        assert_eq!(c.canonical_machine("pc"), Some("pc-i440fx-7.2"));
        assert_eq!(c.canonical_machine("q35"), Some("pc-q35-7.2"));
        assert!(c.has_device("virtio-blk-pci"));
        assert_eq!(c.version_number(), 7_002_022);
    }
}
