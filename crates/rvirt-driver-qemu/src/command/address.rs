//! Where a device sits, as `-device` properties: `bus`/`addr` on PCI, `bus`/`port` on USB,
//! `bus`/`unit` (or SCSI ids) for drives, `bus`/`nr` on virtio-serial, `iobase` on ISA.
//!
//! Buses are named after the alias of the controller providing them, so aliases must be
//! assigned first.

use super::json::Props;
use super::machine::{has_builtin_ide, is_q35};
use super::{internal, Result};
use rvirt_xml::domain::devices::controller::{ControllerModel, ControllerType, ScsiModel};
use rvirt_xml::domain::devices::disk::DiskBus;
use rvirt_xml::domain::info::{Address, DeviceInfo};
use rvirt_xml::domain::DomainDef;

/// The alias of controller `kind` number `index`.
pub fn controller_alias(def: &DomainDef, kind: ControllerType, index: u32) -> Result<&str> {
    def.devices
        .controllers
        .iter()
        .find(|c| c.kind == kind && c.index.unwrap_or(0) == index && !c.is_usb2_companion())
        .and_then(|c| c.info.alias.as_deref())
        .ok_or_else(|| {
            internal(format!(
                "Could not find {} controller with index {index} required for device",
                rvirt_xml::XmlEnum::as_xml(&kind)
            ))
        })
}

/// The model of SCSI controller `index`.
fn scsi_model(def: &DomainDef, index: u32) -> Option<ScsiModel> {
    def.devices.controllers.iter().find_map(|c| match c.model {
        Some(ControllerModel::Scsi(m))
            if c.kind == ControllerType::Scsi && c.index.unwrap_or(0) == index =>
        {
            Some(m)
        }
        _ => None,
    })
}

/// Adds the address properties of `info`. `disk_bus` tells drive addresses which bus they
/// are on.
pub fn add(
    p: &mut Props,
    def: &DomainDef,
    info: &DeviceInfo,
    disk_bus: Option<DiskBus>,
) -> Result<()> {
    let Some(addr) = &info.address else {
        return Ok(());
    };
    match addr {
        Address::Pci(pci) => {
            let bus = controller_alias(def, ControllerType::Pci, pci.bus).map_err(|_| {
                internal(format!(
                    "Could not find PCI controller with index '{}' required for device at address '{:04x}:{:02x}:{:02x}.{:x}'",
                    pci.bus, pci.domain, pci.bus, pci.slot, pci.function
                ))
            })?;
            let a = if pci.function != 0 {
                format!("0x{:x}.0x{:x}", pci.slot, pci.function)
            } else {
                format!("0x{:x}", pci.slot)
            };
            p.str("bus", bus)
                .opt_bool("multifunction", pci.multifunction)
                .str("addr", &a)
                .opt_num("acpi-index", info.acpi_index.filter(|i| *i != 0));
        }
        Address::Usb { bus, port } => {
            let alias = controller_alias(def, ControllerType::Usb, *bus)?;
            p.str("bus", &format!("{alias}.0"))
                .opt_str("port", port.as_deref());
        }
        Address::Drive {
            controller,
            bus,
            target,
            unit,
        } => match disk_bus {
            Some(DiskBus::Ide) => {
                let alias = if has_builtin_ide(def) {
                    "ide"
                } else {
                    controller_alias(def, ControllerType::Ide, *controller)?
                };
                p.str("bus", &format!("{alias}.{bus}")).num("unit", *unit);
            }
            Some(DiskBus::Sata) => {
                let alias = if is_q35(def) && *controller == 0 {
                    "ide"
                } else {
                    controller_alias(def, ControllerType::Sata, *controller)?
                };
                p.str("bus", &format!("{alias}.{unit}"));
            }
            Some(DiskBus::Fdc) => {
                p.num("unit", *unit);
            }
            Some(DiskBus::Scsi) => {
                let alias =
                    controller_alias(def, ControllerType::Scsi, *controller).map_err(|_| {
                        internal(format!(
                            "unable to find a SCSI controller for idx={controller}"
                        ))
                    })?;
                match scsi_model(def, *controller) {
                    Some(
                        ScsiModel::Lsilogic
                        | ScsiModel::Ncr53c90
                        | ScsiModel::Dc390
                        | ScsiModel::Am53c974,
                    ) => {
                        p.str("bus", &format!("{alias}.{bus}"))
                            .num("scsi-id", *unit);
                    }
                    Some(_) => {
                        p.str("bus", &format!("{alias}.0"))
                            .num("channel", *bus)
                            .num("scsi-id", *target)
                            .num("lun", *unit);
                    }
                    None => {
                        return Err(internal(format!(
                            "Unexpected SCSI controller model for idx={controller}"
                        )))
                    }
                }
            }
            other => {
                return Err(internal(format!(
                    "address type drive is not supported for bus '{}'",
                    other.map(|b| rvirt_xml::XmlEnum::as_xml(&b)).unwrap_or("")
                )))
            }
        },
        Address::VirtioSerial {
            controller,
            bus,
            port,
        } => {
            let alias = controller_alias(def, ControllerType::VirtioSerial, *controller)?;
            p.str("bus", &format!("{alias}.{bus}")).num("nr", *port);
        }
        Address::Isa { iobase, irq } => {
            p.num("iobase", iobase.unwrap_or(0))
                .opt_num("irq", irq.filter(|i| *i != 0));
        }
        Address::Ccw { cssid, ssid, devno } => {
            p.str("devno", &format!("{cssid:x}.{ssid:x}.{devno:04x}"));
        }
        Address::Dimm { slot, base } => {
            p.num("slot", *slot)
                .opt_num("addr", base.filter(|b| *b != 0));
        }
        Address::SpaprVio { reg } => {
            p.opt_num("reg", *reg);
        }
        Address::Ccid { .. } | Address::VirtioS390 | Address::VirtioMmio | Address::Unassigned => {}
    }
    Ok(())
}
