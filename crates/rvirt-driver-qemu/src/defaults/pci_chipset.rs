//! The chipsets' fixed PCI functions, placed before anything else is: on i440FX the PIIX3
//! at 00:01 (ISA bridge, IDE, UHCI, ACPI) and the first video card at 00:02.0; on Q35 the
//! ICH9's LPC bridge, SATA and SMBus at 00:1f, the first video card at 00:01.0, and
//! ICH9 USB2, DMI bridge and HDA audio at their real-hardware slots when free.

use super::internal;
use super::machine::Chipset;
use super::pci::{AddressSet, Connect, PciAddr};
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::{ControllerType, PciModel, UsbModel};
use rvirt_xml::domain::devices::sound::SoundModel;
use rvirt_xml::domain::devices::video::VideoModel;
use rvirt_xml::domain::devices::Controller;
use rvirt_xml::domain::DomainDef;

use super::pci_assign::take;
use super::pci_devices::*;

/// The PIIX3 functions libvirt never reserves from the XML: they are placed by the
/// chipset step.
pub(super) fn is_piix3_builtin(c: &Controller, a: &PciAddr) -> bool {
    if a.domain != 0 || a.bus != 0 || a.slot != 1 || c.index != Some(0) {
        return false;
    }
    (c.kind == ControllerType::Ide && a.function == 1)
        || (c.kind == ControllerType::Usb
            && matches!(usb_model(c), None | Some(UsbModel::Piix3Uhci))
            && a.function == 2)
}

/// Places the i440FX chipset's fixed functions and the first video card.
pub(super) fn chipset_i440fx(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
    let fixed = Connect::AUTOASSIGN | Connect::PCI_DEVICE;
    let have_buses = !set.buses.is_empty();
    for c in &mut def.devices.controllers {
        let (want, what) = if c.kind == ControllerType::Ide && c.index == Some(0) {
            (
                PciAddr::new(0, 1, 1),
                "Primary IDE controller must have PCI address 0:0:1.1",
            )
        } else if c.kind == ControllerType::Usb
            && c.index == Some(0)
            && matches!(usb_model(c), None | Some(UsbModel::Piix3Uhci))
        {
            (
                PciAddr::new(0, 1, 2),
                "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2",
            )
        } else {
            continue;
        };
        match present(&c.info) {
            Some(a) if a != want => return Err(internal(what)),
            Some(_) => {}
            None => set_addr(&mut c.info, want, None),
        }
        if have_buses {
            set.reserve(&mut want.clone(), fixed, true)?;
        }
    }
    if have_buses {
        // The ISA bridge (00:01.0) and the PIIX3's ACPI function (00:01.3).
        set.reserve(&mut PciAddr::new(0, 1, 0), fixed, true)?;
        set.reserve(&mut PciAddr::new(0, 1, 3), fixed, true)?;
    }
    primary_video(def, set, k, PciAddr::new(0, 2, 0), fixed)
}

/// QEMU gives the first VGA device the first free slot after the built-in ones; libvirt
/// writes that slot down so the address stays put.
pub(super) fn primary_video(
    def: &mut DomainDef,
    set: &mut AddressSet,
    k: &Kinds,
    slot: PciAddr,
    fixed: Connect,
) -> Result<()> {
    let Some(v) = def.devices.videos.first() else {
        return Ok(());
    };
    if matches!(v.model, Some(VideoModel::None | VideoModel::Ramfb)) || !wanted(&v.info) {
        return Ok(());
    }
    set.validate(&slot, fixed, true)?;
    if set.slot_in_use(&slot) {
        take(def, set, (Family::Video, 0), k)
    } else {
        set.reserve(&mut slot.clone(), fixed, true)?;
        if let Some(v) = def.devices.videos.first_mut() {
            set_addr(&mut v.info, slot, None);
        }
        Ok(())
    }
}

/// Places the Q35 chipset's fixed functions, the first video card, USB2 and ICH9 audio at
/// their real-hardware slots.
pub(super) fn chipset_q35(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
    let fixed = Connect::PCIE_DEVICE;
    for c in &mut def.devices.controllers {
        match c.kind {
            ControllerType::Sata if c.index == Some(0) => {
                let want = PciAddr::new(0, 0x1f, 2);
                match present(&c.info) {
                    Some(a) if a != want => {
                        return Err(internal(
                            "Primary SATA controller must have PCI address 0:0:1f.2",
                        ))
                    }
                    Some(_) => {}
                    None => set_addr(&mut c.info, want, None),
                }
            }
            ControllerType::Usb
                if usb_model(c) == Some(UsbModel::Ich9Uhci1) && c.info.address.is_none() =>
            {
                let spot = [0x1d, 0x1a]
                    .into_iter()
                    .map(|s| PciAddr::new(0, s, 0))
                    .find(|a| !set.slot_in_use(a));
                if let Some(mut a) = spot {
                    set.reserve(&mut a, fixed, true)?;
                    set_addr(&mut c.info, a, Some(true));
                }
            }
            ControllerType::Pci
                if pci_model(c) == Some(PciModel::DmiToPciBridge) && c.info.address.is_none() =>
            {
                let mut a = PciAddr::new(0, 0x1e, 0);
                if !set.slot_in_use(&a) {
                    set.reserve(&mut a, fixed, true)?;
                    set_addr(&mut c.info, a, None);
                }
            }
            _ => {}
        }
    }
    if !set.buses.is_empty() {
        // The LPC/ISA bridge (00:1f.0) and the SMBus controller (00:1f.3).
        set.reserve(&mut PciAddr::new(0, 0x1f, 0), fixed, true)?;
        set.reserve(&mut PciAddr::new(0, 0x1f, 3), fixed, true)?;
    }
    primary_video(def, set, k, PciAddr::new(0, 1, 0), fixed)?;
    let hda = PciAddr::new(0, 0x1b, 0);
    if !set.slot_in_use(&hda) {
        let first = def
            .devices
            .sounds
            .iter()
            .position(|s| s.model == SoundModel::Ich9 && wanted(&s.info));
        if let Some(i) = first {
            set.reserve(&mut hda.clone(), fixed, true)?;
            set_addr(&mut def.devices.sounds[i].info, hda, None);
        }
    }
    Ok(())
}

pub(super) fn chipset(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
    match Chipset::of(def) {
        Chipset::I440fx => chipset_i440fx(def, set, k),
        Chipset::Q35 => chipset_q35(def, set, k),
        Chipset::Other => Ok(()),
    }
}
