//! Per-device defaults of the QEMU driver (libvirt's `qemuDomainDeviceDefPostParse`): the
//! concrete model of every device the XML leaves open, chosen from what the binary has.
//! Each rule only fills what is unset, so running it again for devices the generic rules
//! added later changes nothing else.

use super::machine::{is_x86, Chipset};
use super::{unsupported, xml_error};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::{ChrTarget, SerialTargetModel, SerialTargetType};
use rvirt_xml::domain::devices::controller::{
    ControllerModel, ControllerType, PciModel, ScsiModel, UsbModel,
};
use rvirt_xml::domain::devices::disk_source::{SourceKind, StorageFormat};
use rvirt_xml::domain::devices::interface_parts::{NetModel, NetModelKind, NetSource};
use rvirt_xml::domain::devices::video::VideoModel;
use rvirt_xml::domain::devices::{Chr, Controller};
use rvirt_xml::domain::DomainDef;
use rvirt_xml::XmlEnum;

/// QXL's default VGA memory, KiB.
const QXL_VGAMEM_KIB: u32 = 16 * 1024;
/// The most ports an XHCI controller has.
const XHCI_MAX_PORTS: u32 = 15;

/// Applies the device defaults to every device of the definition. Serial target types
/// wait for the `late` run: the generic rules number ports of serials that name no
/// target type as plain ports, not as the ISA ports they become.
pub fn apply(def: &mut DomainDef, caps: &QemuCaps, late: bool) -> Result<()> {
    disks(def);
    nets(def, caps);
    for v in &mut def.devices.videos {
        if v.model == Some(VideoModel::Qxl) && v.vgamem == 0 {
            v.vgamem = QXL_VGAMEM_KIB;
        }
    }
    let chipset = Chipset::of(def);
    let x86 = is_x86(def);
    for c in &mut def.devices.controllers {
        controller(c, chipset, caps)?;
    }
    if x86 && late {
        for s in &mut def.devices.serials {
            serial_target(s);
        }
    }
    Ok(())
}

/// QEMU opens every image itself: driver `qemu`, raw unless said otherwise.
fn disks(def: &mut DomainDef) {
    for d in &mut def.devices.disks {
        if d.driver.name.is_none() {
            d.driver.name = Some("qemu".to_string());
        }
        if d.driver.format.is_none() && !matches!(d.source.kind, SourceKind::Volume(_)) {
            d.driver.format = Some(StorageFormat::Raw);
        }
    }
}

/// The NIC model guests know best among those the binary has (rtl8139, then e1000, then
/// virtio).
fn nets(def: &mut DomainDef, caps: &QemuCaps) {
    let default = if caps.has_device("rtl8139") {
        NetModelKind::Rtl8139
    } else if caps.has_device("e1000") {
        NetModelKind::E1000
    } else if caps.has_device("virtio-net-pci") {
        NetModelKind::Virtio
    } else {
        NetModelKind::Rtl8139
    };
    for n in &mut def.devices.interfaces {
        if n.model.is_some() {
            continue;
        }
        n.model = Some(match n.source {
            NetSource::VhostUser { .. } => NetModel::Known(NetModelKind::Virtio),
            NetSource::Hostdev(_) => continue,
            _ => NetModel::Known(default),
        });
    }
}

fn controller(c: &mut Controller, chipset: Chipset, caps: &QemuCaps) -> Result<()> {
    match c.kind {
        ControllerType::Scsi => {
            if matches!(c.model, None | Some(ControllerModel::Scsi(ScsiModel::Auto))) {
                let model = if caps.has_device("lsi53c895a") {
                    ScsiModel::Lsilogic
                } else {
                    ScsiModel::VirtioScsi
                };
                c.model = Some(ControllerModel::Scsi(model));
            }
        }
        ControllerType::Usb => {
            if c.model.is_none() {
                let model = match chipset {
                    Chipset::Q35 if caps.has_device("qemu-xhci") => UsbModel::QemuXhci,
                    _ => UsbModel::Piix3Uhci,
                };
                c.model = Some(ControllerModel::Usb(model));
            }
            let model = match c.model {
                Some(ControllerModel::Usb(m)) => m,
                _ => UsbModel::Piix3Uhci,
            };
            if model == UsbModel::None {
                c.info.address = None;
            }
            if matches!(model, UsbModel::Qusb1 | UsbModel::Qusb2) {
                return Err(unsupported(
                    "USB controller model type 'qusb1' or 'qusb2' is not supported in qemu",
                ));
            }
            if matches!(model, UsbModel::NecXhci | UsbModel::QemuXhci)
                && c.ports.is_some_and(|p| p > XHCI_MAX_PORTS)
            {
                return Err(unsupported(format!(
                    "'{}' controller only supports up to '{XHCI_MAX_PORTS}' ports",
                    model.as_xml()
                )));
            }
        }
        ControllerType::Pci => {
            let model = match c.model {
                Some(ControllerModel::Pci(m)) => Some(m),
                _ => None,
            };
            if matches!(model, Some(PciModel::PciRoot | PciModel::PcieRoot)) && c.index != Some(0) {
                return Err(xml_error(
                    "pci-root and pcie-root controllers should have index 0",
                ));
            }
            if model == Some(PciModel::PciExpanderBus) && chipset != Chipset::I440fx {
                return Err(unsupported(
                    "pci-expander-bus controllers are only supported on 440fx-based machinetypes",
                ));
            }
            if model == Some(PciModel::PcieExpanderBus) && chipset != Chipset::Q35 {
                return Err(unsupported(
                    "pcie-expander-bus controllers are not supported with this machine type",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// x86 serial ports are ISA 16550s unless the XML picks another kind.
fn serial_target(s: &mut Chr) {
    if let ChrTarget::Serial {
        target_type, model, ..
    } = &mut s.target
    {
        let ty = *target_type.get_or_insert(SerialTargetType::IsaSerial);
        if model.is_none() {
            *model = match ty {
                SerialTargetType::IsaSerial => Some(SerialTargetModel::IsaSerial),
                SerialTargetType::UsbSerial => Some(SerialTargetModel::UsbSerial),
                SerialTargetType::PciSerial => Some(SerialTargetModel::PciSerial),
                SerialTargetType::IsaDebug => Some(SerialTargetModel::IsaDebugcon),
                _ => None,
            };
        }
    }
}
