//! The devices an x86 machine always has, written into the definition so the XML shows
//! the guest's real hardware: the PS/2 mouse and keyboard, the PCI root (`pci-root` on
//! i440FX, `pcie-root` on Q35), the USB controller, Q35's SATA controller, the memory
//! balloon and the audio backend. They are appended after the devices of the XML, before
//! the generic rules add their own implicit controllers.

use super::machine::{is_x86, Chipset};
use super::xml_error;
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::{ControllerModel, ControllerType, PciModel, UsbModel};
use rvirt_xml::domain::devices::graphics::GraphicsKind;
use rvirt_xml::domain::devices::input::{InputBus, InputSource, InputType};
use rvirt_xml::domain::devices::misc::MemballoonModel;
use rvirt_xml::domain::devices::sound::{AudioBackendAttrs, AudioIo, AudioType};
use rvirt_xml::domain::devices::{Audio, Controller, Input, Memballoon};
use rvirt_xml::domain::DomainDef;
use rvirt_xml::XmlEnum;

/// Adds what the machine type implies (libvirt's `qemuDomainDefAddDefaultDevices`).
pub fn add_default_devices(def: &mut DomainDef, caps: &QemuCaps) -> Result<()> {
    let machine = def.os.machine.clone().unwrap_or_default();
    let x86 = is_x86(def);
    let chipset = Chipset::of(def);
    if x86 && machine != "microvm" {
        maybe_add_input(def, InputType::Mouse, InputBus::Ps2);
        maybe_add_input(def, InputType::Keyboard, InputBus::Ps2);
    }
    let full_pc = x86 && machine != "isapc" && machine != "microvm";
    if full_pc {
        let usb_model = default_usb_model(chipset, caps);
        let has_usb0 = def
            .devices
            .controllers
            .iter()
            .any(|c| c.kind == ControllerType::Usb && c.index == Some(0));
        if let (Some(model), false) = (usb_model, has_usb0) {
            let mut c = Controller::new_implicit(ControllerType::Usb, 0);
            c.model = Some(ControllerModel::Usb(model));
            def.devices.controllers.push(c);
        }
        if chipset == Chipset::Q35 {
            maybe_add_controller(def, ControllerType::Sata, 0);
        }
        let root = match chipset {
            Chipset::Q35 => Some(PciModel::PcieRoot),
            Chipset::I440fx => Some(PciModel::PciRoot),
            Chipset::Other => None,
        };
        if let Some(root) = root {
            add_pci_root(def, root)?;
        }
        if def.devices.memballoon.is_none() {
            def.devices.memballoon = Some(Box::new(Memballoon {
                model: MemballoonModel::Virtio,
                autodeflate: None,
                free_page_reporting: None,
                stats_period: 0,
                info: Default::default(),
                virtio: Default::default(),
            }));
        }
    }
    if def.devices.audios.is_empty() {
        // Each display in turn decides, so the last one wins (libvirt 9.0 does the same):
        // SPICE carries the sound, any other display gets none.
        let spice = def
            .devices
            .graphics
            .last()
            .is_some_and(|g| matches!(g.kind, GraphicsKind::Spice(_)));
        def.devices.audios.push(Audio {
            id: 1,
            kind: if spice {
                AudioType::Spice
            } else {
                AudioType::None
            },
            timer_period: None,
            attrs: AudioBackendAttrs::default(),
            input: AudioIo::default(),
            output: AudioIo::default(),
        });
    }
    Ok(())
}

/// The USB controller model libvirt adds on its own: the chipset's built-in one.
fn default_usb_model(chipset: Chipset, caps: &QemuCaps) -> Option<UsbModel> {
    match chipset {
        Chipset::Q35 if caps.has_device("qemu-xhci") => Some(UsbModel::QemuXhci),
        Chipset::Q35 if caps.has_device("nec-usb-xhci") => Some(UsbModel::NecXhci),
        Chipset::Q35 if caps.has_device("ich9-usb-ehci1") => Some(UsbModel::Ich9Ehci1),
        _ if caps.has_device("piix3-usb-uhci") => Some(UsbModel::Piix3Uhci),
        _ => None,
    }
}

fn maybe_add_input(def: &mut DomainDef, kind: InputType, bus: InputBus) {
    if def
        .devices
        .inputs
        .iter()
        .any(|i| i.kind == kind && i.bus == Some(bus))
    {
        return;
    }
    def.devices.inputs.push(Input {
        kind,
        bus: Some(bus),
        model: None,
        source: InputSource::default(),
        virtio: Default::default(),
        info: Default::default(),
    });
}

fn maybe_add_controller(def: &mut DomainDef, kind: ControllerType, index: u32) {
    if def
        .devices
        .controllers
        .iter()
        .any(|c| c.kind == kind && c.index == Some(index))
    {
        return;
    }
    def.devices
        .controllers
        .push(Controller::new_implicit(kind, index));
}

/// Adds the PCI root controller, or checks that the one in the XML is the right model.
fn add_pci_root(def: &mut DomainDef, root: PciModel) -> Result<()> {
    let existing = def
        .devices
        .controllers
        .iter()
        .find(|c| c.kind == ControllerType::Pci && c.index == Some(0));
    match existing {
        Some(c) => {
            let model = match c.model {
                Some(ControllerModel::Pci(m)) => Some(m),
                _ => None,
            };
            if model != Some(root) {
                return Err(xml_error(format!(
                    "The PCI controller with index='0' must be model='{}' for this machine type, but model='{}' was found instead",
                    root.as_xml(),
                    model.map_or("", |m| m.as_xml())
                )));
            }
        }
        None => {
            let mut c = Controller::new_implicit(ControllerType::Pci, 0);
            c.model = Some(ControllerModel::Pci(root));
            def.devices.controllers.push(c);
        }
    }
    Ok(())
}
