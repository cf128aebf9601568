//! `-name`, the master key, `-machine` and `-accel`: what QEMU needs before any device.

use super::json::{escape_comma, Props};
use super::{unsupported, Cmd};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::memory::MemoryModel;
use rvirt_xml::domain::features::Feature;
use rvirt_xml::domain::{DomainDef, VirtType};

/// Whether the machine is a q35 (PCI Express, built-in SATA and LPC).
pub fn is_q35(def: &DomainDef) -> bool {
    def.os.machine.as_deref().is_some_and(QemuCaps::is_q35)
}

/// Whether the machine is an i440FX PC, whose first IDE controller is built in.
pub fn is_i440fx(def: &DomainDef) -> bool {
    def.os.machine.as_deref().is_some_and(QemuCaps::is_i440fx)
}

/// libvirt's `qemuDomainHasBuiltinIDE`: i440FX and the old ISA PC.
pub fn has_builtin_ide(def: &DomainDef) -> bool {
    is_i440fx(def) || def.os.machine.as_deref() == Some("isapc")
}

/// The feature `f` picks out, if present.
pub fn feature<'a, T>(def: &'a DomainDef, f: impl Fn(&'a Feature) -> Option<T>) -> Option<T> {
    def.features.0.iter().find_map(f)
}

/// `-name guest=NAME,debug-threads=on` (`guest=` lets names contain `=`).
pub fn name(c: &mut Cmd) {
    let mut v = format!("guest={}", escape_comma(&c.def.name));
    if c.rt.conf.set_process_name {
        v.push_str(&format!(",process=qemu:{}", c.def.name));
    }
    v.push_str(",debug-threads=on");
    c.pair("-name", v);
}

/// The secret object other secrets are encrypted with; its key file is written into the
/// domain's directory before QEMU starts.
pub fn master_key(c: &mut Cmd) {
    let mut p = Props::new();
    p.str("qom-type", "secret")
        .str("id", "masterKey0")
        .str("format", "raw")
        .str("file", &format!("{}/master-key.aes", c.rt.lib_dir));
    c.object(&p);
}

/// `-machine TYPE,usb=off,...`. libvirt always turns QEMU's own USB off (it adds the
/// controllers itself) and points the machine at the RAM backend object it creates.
pub fn machine(c: &mut Cmd) -> Result<()> {
    let def = c.def;
    let machine = def
        .os
        .machine
        .as_deref()
        .ok_or_else(|| super::internal("missing machine type"))?;
    let mut m = machine.to_string();
    m.push_str(",usb=off");
    // Features that map to machine properties, in libvirt's feature order.
    for f in &def.features.0 {
        match f {
            Feature::Vmport(on) => m.push_str(&format!(",vmport={}", on_off(*on))),
            Feature::Smm { on, .. } => m.push_str(&format!(",smm={}", on_off(*on))),
            Feature::Ioapic { driver } => match driver.as_str() {
                "qemu" => m.push_str(",kernel_irqchip=split"),
                "kvm" => m.push_str(",kernel_irqchip=on"),
                _ => {}
            },
            Feature::Htm(on) => m.push_str(&format!(",cap-htm={}", on_off(*on))),
            Feature::NestedHv(on) => m.push_str(&format!(",cap-nested-hv={}", on_off(*on))),
            Feature::CcfAssist(on) => m.push_str(&format!(",cap-ccf-assist={}", on_off(*on))),
            _ => {}
        }
    }
    let dump = def.dump_core.unwrap_or(c.rt.conf.dump_guest_core);
    m.push_str(&format!(",dump-guest-core={}", on_off(dump)));
    if def.memory_backing.as_ref().is_some_and(|b| b.nosharepages) {
        m.push_str(",mem-merge=off");
    }
    if def
        .devices
        .memories
        .iter()
        .any(|d| d.model == MemoryModel::Nvdimm)
    {
        m.push_str(",nvdimm=on");
    }
    let numa = def.cpu.as_ref().is_some_and(|c| !c.numa.is_empty());
    if !numa {
        if let Some(id) = default_ram_id(c) {
            m.push_str(&format!(",memory-backend={id}"));
        }
    }
    if def.os.bios_useserial == Some(true) {
        m.push_str(",graphics=off");
    }
    c.pair("-machine", m);
    Ok(())
}

/// The id QEMU gives the machine's RAM region (`pc.ram`), which libvirt reuses for its
/// backend object so migration streams match.
pub fn default_ram_id<'a>(c: &Cmd<'a>) -> Option<&'a str> {
    let machine = c.def.os.machine.as_deref()?;
    c.caps.machine(machine)?.default_ram_id.as_deref()
}

/// `-accel tcg` or `-accel kvm`.
pub fn accel(c: &mut Cmd) -> Result<()> {
    let accel = match c.def.virt_type {
        VirtType::Qemu => {
            let tb = feature(c.def, |f| match f {
                Feature::Tcg { tb_cache_kib } => *tb_cache_kib,
                _ => None,
            });
            match tb {
                Some(kib) => format!("tcg,tb-size={}", kib / 1024),
                None => "tcg".to_string(),
            }
        }
        VirtType::Kvm => "kvm".to_string(),
        other => {
            return Err(unsupported(format!(
                "the QEMU binary does not support {}",
                rvirt_xml::XmlEnum::as_xml(&other)
            )))
        }
    };
    c.pair("-accel", accel);
    Ok(())
}

pub fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}
