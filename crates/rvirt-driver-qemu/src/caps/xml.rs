//! `virConnectGetCapabilities` for the QEMU driver: the `<host>` part from the host
//! ([`super::host_cpu`], [`super::host_numa`]) and one `<guest>` per architecture an
//! installed `qemu-system-*` binary serves, as libvirt 9.0 prints them.
//!
//! Guests come in libvirt's architecture order, each with the binary's machine types
//! (QEMU's default first, an alias right after the machine it stands for, `none` left
//! out), `qemu` and, when KVM works with the binary, `kvm` domains, and the x86 features
//! libvirt lists.

use super::host_numa::{self, HostRoot};
use super::QemuCaps;
use crate::defaults::CapsLookup;
use rvirt_xml::capabilities::{
    Capabilities, GuestCaps, GuestDomain, GuestFeature, GuestFeatureCap, HostCaps, HostCpuModel,
    Machine, SecModel,
};
use std::sync::{Arc, OnceLock};

/// libvirt's architectures in its enum order (the order of `<guest>` sections), with
/// their word size.
pub const ARCHES: &[(&str, u32)] = &[
    ("alpha", 64),
    ("armv6l", 32),
    ("armv7l", 32),
    ("armv7b", 32),
    ("aarch64", 64),
    ("cris", 32),
    ("i686", 32),
    ("ia64", 64),
    ("lm32", 32),
    ("loongarch64", 64),
    ("m68k", 32),
    ("microblaze", 32),
    ("microblazeel", 32),
    ("mips", 32),
    ("mipsel", 32),
    ("mips64", 64),
    ("mips64el", 64),
    ("or32", 32),
    ("parisc", 32),
    ("parisc64", 64),
    ("ppc", 32),
    ("ppcle", 32),
    ("ppc64", 64),
    ("ppc64le", 64),
    ("ppcemb", 32),
    ("riscv32", 32),
    ("riscv64", 64),
    ("s390", 32),
    ("s390x", 64),
    ("sh4", 32),
    ("sh4eb", 32),
    ("sparc", 32),
    ("sparc64", 64),
    ("unicore32", 32),
    ("x86_64", 64),
    ("xtensa", 32),
    ("xtensaeb", 32),
];

/// Whether `arch` is one of libvirt's architecture names.
pub fn known_arch(arch: &str) -> bool {
    ARCHES.iter().any(|(a, _)| *a == arch)
}

/// The host architecture in libvirt's spelling.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc",
        "arm" => "armv7l",
        other => other,
    }
}

/// The binary libvirt uses for guests of `arch`: `qemu-system-TARGET`; ppc64le guests run
/// on `qemu-system-ppc64`, and i686 guests of an x86_64 host on the x86_64 binary when
/// there is no i386 one.
pub fn binary_for_arch(lookup: &dyn CapsLookup, arch: &str) -> Option<String> {
    if arch == "ppc64le" {
        return lookup.default_emulator("ppc64");
    }
    lookup.default_emulator(arch).or_else(|| {
        (arch == "i686" && host_arch() == "x86_64")
            .then(|| lookup.default_emulator("x86_64"))
            .flatten()
    })
}

/// The machine list of a guest, as libvirt prints it.
pub fn machines(caps: &QemuCaps) -> Vec<Machine> {
    let mut list: Vec<&super::Machine> =
        caps.machines.iter().filter(|m| m.name != "none").collect();
    if let Some(i) = list.iter().position(|m| m.is_default) {
        let d = list.remove(i);
        list.insert(0, d);
    }
    let mut out = Vec::new();
    for m in list {
        out.push(Machine {
            name: m.name.clone(),
            canonical: None,
            max_cpus: m.max_cpus,
            deprecated: m.deprecated,
        });
        if let Some(a) = &m.alias {
            out.push(Machine {
                name: a.clone(),
                canonical: Some(m.name.clone()),
                max_cpus: m.max_cpus,
                deprecated: m.deprecated,
            });
        }
    }
    out
}

/// The `<guest>` of `arch` served by the binary `caps` describes.
pub fn guest(caps: &QemuCaps, arch: &str) -> GuestCaps {
    let wordsize = ARCHES
        .iter()
        .find(|(a, _)| *a == arch)
        .map_or(64, |(_, w)| *w);
    let x86 = matches!(arch, "i686" | "x86_64");
    let mut domains = vec![GuestDomain {
        virt_type: "qemu".to_string(),
        emulator: None,
        loader: None,
        machines: Vec::new(),
    }];
    if caps.kvm {
        domains.push(GuestDomain {
            virt_type: "kvm".to_string(),
            emulator: None,
            loader: None,
            machines: Vec::new(),
        });
    }
    let feat = |feature, default_on, toggle| GuestFeatureCap {
        feature,
        default_on,
        toggle,
    };
    let mut features = Vec::new();
    if arch == "i686" {
        features.push(feat(GuestFeature::Pae, None, None));
        features.push(feat(GuestFeature::Nonpae, None, None));
    }
    if x86 || arch == "aarch64" {
        features.push(feat(GuestFeature::Acpi, Some(true), Some(true)));
    }
    if x86 {
        features.push(feat(GuestFeature::Apic, Some(true), Some(false)));
    }
    features.push(feat(GuestFeature::CpuSelection, None, None));
    features.push(feat(GuestFeature::DeviceBoot, None, None));
    features.push(feat(GuestFeature::DiskSnapshot, Some(true), Some(false)));
    GuestCaps {
        os_type: "hvm".to_string(),
        arch: arch.to_string(),
        wordsize,
        emulator: Some(caps.binary.to_string_lossy().into_owned()),
        loader: None,
        machines: machines(caps),
        domains,
        features,
    }
}

/// Every guest the installed binaries serve, in libvirt's order; binaries that cannot be
/// probed are left out (libvirt logs them and goes on).
pub fn guests(lookup: &dyn CapsLookup) -> Vec<GuestCaps> {
    let mut out = Vec::new();
    for (arch, _) in ARCHES {
        let Some(bin) = binary_for_arch(lookup, arch) else {
            continue;
        };
        let caps: Arc<QemuCaps> = match lookup.caps(&bin) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("cannot probe {bin}: {e}");
                continue;
            }
        };
        // A binary serves its own architecture and the ones libvirt maps onto it.
        let serves = caps.arch == *arch
            || (caps.arch == "x86_64" && *arch == "i686")
            || (caps.arch == "armv7l" && *arch == "armv6l")
            || (caps.arch == "ppc64" && *arch == "ppc64le");
        if serves {
            out.push(guest(&caps, arch));
        }
    }
    out
}

/// The host CPU's description, worked out once: CPUID and the TSC do not change.
fn host_cpu() -> &'static HostCpuModel {
    static CPU: OnceLock<HostCpuModel> = OnceLock::new();
    CPU.get_or_init(super::host_cpu::host_cpu_model)
}

/// The `<host>` part.
pub fn host(root: &HostRoot) -> HostCaps {
    let mut cpu = host_cpu().clone();
    cpu.topology = Some(host_numa::cpu_topology(root));
    let label = host_numa::dac_label();
    HostCaps {
        uuid: Some(host_numa::host_uuid(root)),
        arch: Some(host_arch().to_string()),
        cpu_features: Vec::new(),
        cpu,
        page_sizes: host_numa::page_sizes(root),
        power_management: host_numa::power_management(root),
        iommu: host_numa::iommu(root),
        migration_live: Some(true),
        migration_transports: vec!["tcp".to_string(), "rdma".to_string()],
        netprefix: None,
        cells: Some(host_numa::cells(root)),
        interconnects: Vec::new(),
        cache_banks: host_numa::cache_banks(root),
        cache_monitor: None,
        membw_nodes: Vec::new(),
        membw_monitor: None,
        secmodels: vec![
            SecModel {
                model: "none".to_string(),
                doi: "0".to_string(),
                base_labels: Vec::new(),
            },
            SecModel {
                model: "dac".to_string(),
                doi: "0".to_string(),
                base_labels: vec![
                    ("kvm".to_string(), label.clone()),
                    ("qemu".to_string(), label),
                ],
            },
        ],
    }
}

/// The whole document.
pub fn capabilities(lookup: &dyn CapsLookup, root: &HostRoot) -> Capabilities {
    Capabilities {
        host: host(root),
        guests: guests(lookup),
        pool_types: Vec::new(),
    }
}

/// The capabilities document of this host and the binaries `lookup` finds.
pub fn document(lookup: &dyn CapsLookup) -> String {
    capabilities(lookup, &HostRoot::default()).format()
}
