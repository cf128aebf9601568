//! The emulator and the machine type: which binary runs the guest, and which of its
//! machine types (an alias such as `pc` becomes the versioned machine it points at, so the
//! guest keeps its hardware when QEMU is upgraded).

use super::{unsupported, CapsLookup};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::DomainDef;

/// Sets `<emulator>` to the architecture's default binary when the XML names none.
pub fn emulator(def: &mut DomainDef, lookup: &dyn CapsLookup) -> Result<()> {
    if def.devices.emulator.is_some() {
        return Ok(());
    }
    let arch = def.os.arch.clone().unwrap_or_default();
    match lookup.default_emulator(&arch) {
        Some(e) => {
            def.devices.emulator = Some(e);
            Ok(())
        }
        None => Err(unsupported(format!("No emulator found for arch '{arch}'"))),
    }
}

/// Picks the binary's default machine when none is given, and resolves aliases to the
/// machine they stand for. Unknown names are kept (validation refuses them).
pub fn machine(def: &mut DomainDef, caps: &QemuCaps) -> Result<()> {
    if def.os.machine.is_none() {
        def.os.machine = caps.default_machine().map(|m| m.name.clone());
    }
    if let Some(m) = &def.os.machine {
        if let Some(canon) = caps.canonical_machine(m) {
            if canon != m {
                def.os.machine = Some(canon.to_string());
            }
        }
    }
    Ok(())
}

/// The machine families the defaults and the address rules tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chipset {
    /// i440FX + PIIX3: conventional PCI, IDE and UHCI built in.
    I440fx,
    /// Q35 + ICH9: PCI Express, SATA built in.
    Q35,
    /// Anything else (isapc, microvm, unknown names).
    Other,
}

impl Chipset {
    /// The family of the definition's machine type.
    pub fn of(def: &DomainDef) -> Chipset {
        let m = def.os.machine.as_deref().unwrap_or("");
        if QemuCaps::is_q35(m) {
            Chipset::Q35
        } else if QemuCaps::is_i440fx(m) {
            Chipset::I440fx
        } else {
            Chipset::Other
        }
    }
}

/// Whether the definition's architecture is an x86 one.
pub fn is_x86(def: &DomainDef) -> bool {
    matches!(def.os.arch.as_deref(), Some("i686" | "x86_64"))
}
