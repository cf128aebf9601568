//! `-cpu` (model, features, paravirtual timers, Hyper-V and KVM switches) and `-smp`.

use super::machine::feature;
use super::{internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::clock::TimerName;
use rvirt_xml::domain::cpu::{CacheMode, CpuMode, FeaturePolicy};
use rvirt_xml::domain::devices::misc::PanicModel;
use rvirt_xml::domain::features::Feature;

/// libvirt spells a few x86 feature names differently from QEMU.
fn qemu_feature_name(name: &str) -> &str {
    match name {
        "cmp_legacy" => "cmp-legacy",
        "ds_cpl" => "ds-cpl",
        "fxsr_opt" => "fxsr-opt",
        "lahf_lm" => "lahf-lm",
        "nodeid_msr" => "nodeid-msr",
        "pclmuldq" => "pclmulqdq",
        "perfctr_core" => "perfctr-core",
        "perfctr_nb" => "perfctr-nb",
        "tsc_adjust" => "tsc-adjust",
        other => other,
    }
}

/// The model part of `-cpu`: a named model with its features, `host` or `max`.
fn model(c: &Cmd) -> Result<Option<String>> {
    let def = c.def;
    let Some(cpu) = def.cpu.as_deref() else {
        return Ok(default_model(c).map(str::to_string));
    };
    let mode = cpu.mode.unwrap_or(CpuMode::Custom);
    if mode == CpuMode::Custom && cpu.model.is_none() {
        return Ok(default_model(c).map(str::to_string));
    }
    let mut s = match mode {
        CpuMode::HostPassthrough | CpuMode::Maximum => {
            let mut s = if mode == CpuMode::Maximum {
                "max"
            } else {
                "host"
            }
            .to_string();
            if let Some(m) = cpu.migratable {
                s.push_str(if m {
                    ",migratable=on"
                } else {
                    ",migratable=off"
                });
            }
            s
        }
        CpuMode::HostModel => {
            return Err(internal(format!(
                "unexpected host-model CPU for {} architecture",
                def.os.arch.as_deref().unwrap_or("")
            )))
        }
        CpuMode::Custom => cpu.model.clone().unwrap_or_default(),
    };
    if let Some(v) = &cpu.vendor_id {
        s.push_str(&format!(",vendor={v}"));
    }
    for (policy, name) in &cpu.features {
        let n = qemu_feature_name(name);
        match policy {
            FeaturePolicy::Force | FeaturePolicy::Require => s.push_str(&format!(",{n}=on")),
            FeaturePolicy::Disable | FeaturePolicy::Forbid => s.push_str(&format!(",{n}=off")),
            FeaturePolicy::Optional => {}
        }
    }
    Ok(Some(s))
}

/// Without a CPU model, a 32-bit guest on the 64-bit emulator needs `qemu32`.
fn default_model(c: &Cmd) -> Option<&'static str> {
    let emulator = c.def.devices.emulator.as_deref().unwrap_or("");
    (c.def.os.arch.as_deref() == Some("i686") && emulator.contains("x86_64")).then_some("qemu32")
}

/// Paravirtualisation flags appended to the model.
fn flags(c: &Cmd) -> String {
    let def = c.def;
    let mut f = String::new();
    for t in &def.clock.timers {
        match t.name {
            TimerName::Kvmclock => {
                if let Some(p) = t.present {
                    f.push_str(if p { ",kvmclock=on" } else { ",kvmclock=off" });
                }
            }
            TimerName::Hypervclock if t.present == Some(true) => f.push_str(",hv-time=on"),
            TimerName::Tsc => {
                if let Some(hz) = t.frequency.filter(|hz| *hz > 0) {
                    f.push_str(&format!(",tsc-frequency={hz}"));
                }
            }
            _ => {}
        }
    }
    if let Some(Some(eoi)) = feature(def, |x| match x {
        Feature::Apic { eoi } => Some(*eoi),
        _ => None,
    }) {
        f.push_str(if eoi {
            ",kvm-pv-eoi=on"
        } else {
            ",kvm-pv-eoi=off"
        });
    }
    if let Some(on) = feature(def, |x| match x {
        Feature::Pvspinlock(on) => Some(*on),
        _ => None,
    }) {
        f.push_str(if on {
            ",kvm-pv-unhalt=on"
        } else {
            ",kvm-pv-unhalt=off"
        });
    }
    if let Some((mode, items)) = feature(def, |x| match x {
        Feature::Hyperv { mode, items } => Some((mode, items)),
        _ => None,
    }) {
        if mode == "passthrough" {
            f.push_str(",hv-passthrough=on");
        }
        for it in items.iter().filter(|i| i.on) {
            match it.name {
                "spinlocks" => {
                    f.push_str(&format!(",hv-spinlocks=0x{:x}", it.retries.unwrap_or(0)))
                }
                "vendor_id" => f.push_str(&format!(
                    ",hv-vendor-id={}",
                    it.value.as_deref().unwrap_or("")
                )),
                name => {
                    f.push_str(&format!(",hv-{name}=on"));
                    if name == "stimer" && it.direct == Some(true) {
                        f.push_str(",hv-stimer-direct=on");
                    }
                }
            }
        }
    }
    if def
        .devices
        .panics
        .iter()
        .any(|p| p.model == Some(PanicModel::Hyperv))
    {
        f.push_str(",hv-crash");
    }
    if let Some(kvm) = feature(def, |x| match x {
        Feature::Kvm(items) => Some(items),
        _ => None,
    }) {
        for (name, _, _) in kvm.iter().filter(|(_, on, _)| *on) {
            match name.as_str() {
                "hidden" => f.push_str(",kvm=off"),
                "hint-dedicated" => f.push_str(",kvm-hint-dedicated=on"),
                "poll-control" => f.push_str(",kvm-poll-control=on"),
                _ => {}
            }
        }
        if kvm.iter().any(|(n, on, _)| n == "pv-ipi" && !*on) {
            f.push_str(",kvm-pv-ipi=off");
        }
    }
    if let Some(on) = feature(def, |x| match x {
        Feature::Pmu(on) => Some(*on),
        _ => None,
    }) {
        f.push_str(if on { ",pmu=on" } else { ",pmu=off" });
    }
    if let Some(cpu) = &def.cpu {
        if let Some((_, mode)) = cpu.cache {
            let passthrough = matches!(cpu.mode, Some(CpuMode::HostPassthrough | CpuMode::Maximum));
            let (host_off, l3_off) = match mode {
                CacheMode::Emulate => {
                    f.push_str(",l3-cache=on");
                    (true, false)
                }
                CacheMode::Passthrough => {
                    f.push_str(",host-cache-info=on");
                    (false, true)
                }
                CacheMode::Disable => (true, true),
            };
            if host_off && passthrough {
                f.push_str(",host-cache-info=off");
            }
            if l3_off {
                f.push_str(",l3-cache=off");
            }
        }
    }
    f
}

/// `-cpu MODEL[,flags]`; left out when there is neither a model nor a flag.
pub fn cpu(c: &mut Cmd) -> Result<()> {
    let flags = flags(c);
    let model = match model(c)? {
        Some(m) => m,
        None if flags.is_empty() => return Ok(()),
        None => match c.def.os.arch.as_deref() {
            Some("i686") => "qemu32".to_string(),
            Some("x86_64") => "qemu64".to_string(),
            other => {
                return Err(unsupported(format!(
                    "CPU flags requested but can't determine default CPU for arch {}",
                    other.unwrap_or("")
                )))
            }
        },
    };
    c.pair("-cpu", format!("{model}{flags}"));
    Ok(())
}

/// `-smp N[,maxcpus=M],sockets=...,cores=...,threads=...`; `dies` only with a topology.
pub fn smp(c: &mut Cmd) -> Result<()> {
    let v = &c.def.vcpus;
    let online = match &v.individual {
        Some(states) => states
            .iter()
            .filter(|s| s.online && s.hotpluggable != Some(true))
            .count() as u32,
        None => v.current,
    };
    let mut s = format!("{online}");
    if online != v.max {
        s.push_str(&format!(",maxcpus={}", v.max));
    }
    match c.def.cpu.as_ref().and_then(|cpu| cpu.topology.as_ref()) {
        Some(t) if t.sockets > 0 => s.push_str(&format!(
            ",sockets={},dies={},cores={},threads={}",
            t.sockets, t.dies, t.cores, t.threads
        )),
        _ => s.push_str(&format!(",sockets={},cores=1,threads=1", v.max)),
    }
    c.pair("-smp", s);
    Ok(())
}
