//! Controllers: PCI bridges and root ports, USB, SCSI, SATA, virtio-serial and CCID.
//!
//! They come before the devices plugged into them, by type in libvirt's order (PCI first,
//! since everything else may sit on a PCI bus). Controllers built into the machine (the
//! PCI/PCIe root, the i440FX IDE, the q35 SATA) are not on the command line.

use super::json::Props;
use super::machine::{has_builtin_ide, is_q35};
use super::virtio::{self, Flavour};
use super::{address, alias, internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::{
    ControllerModel, ControllerType, PciModel, ScsiModel, UsbModel,
};
use rvirt_xml::domain::devices::disk::VirtioModel;
use rvirt_xml::domain::devices::Controller;
use rvirt_xml::XmlEnum;

/// `-global ...pci-hole64-size=` of root controllers that set it.
pub fn global_pci_hole(c: &mut Cmd) -> Result<()> {
    for ctl in &c.def.devices.controllers {
        let Some(kib) = ctl.pcihole64.filter(|_| ctl.kind == ControllerType::Pci) else {
            continue;
        };
        let host = match ctl.model {
            Some(ControllerModel::Pci(PciModel::PciRoot)) => "i440FX-pcihost",
            Some(ControllerModel::Pci(PciModel::PcieRoot)) => "q35-pcihost",
            _ => {
                return Err(internal(
                    "64-bit PCI hole setting is only for root PCI controllers",
                ))
            }
        };
        c.pair("-global", format!("{host}.pci-hole64-size={kib}K"));
    }
    Ok(())
}

/// Whether the controller is part of the machine rather than a device.
fn builtin(c: &Cmd, ctl: &Controller) -> bool {
    let idx = ctl.index.unwrap_or(0);
    match (ctl.kind, ctl.model) {
        (
            ControllerType::Pci,
            Some(ControllerModel::Pci(PciModel::PcieRoot | PciModel::PciRoot)),
        ) => true,
        (ControllerType::Sata, _) => idx == 0 && is_q35(c.def),
        (ControllerType::Ide, _) => idx == 0 && has_builtin_ide(c.def),
        _ => false,
    }
}

/// All controllers, by type, then `-usb` when the guest has no USB controller at all.
pub fn controllers(c: &mut Cmd) -> Result<()> {
    let order = [
        ControllerType::Pci,
        ControllerType::Usb,
        ControllerType::Scsi,
        ControllerType::Ide,
        ControllerType::Sata,
        ControllerType::VirtioSerial,
    ];
    for kind in order {
        by_type(c, kind)?;
    }
    let usb: Vec<&Controller> = c
        .def
        .devices
        .controllers
        .iter()
        .filter(|x| x.kind == ControllerType::Usb)
        .collect();
    if usb
        .iter()
        .any(|x| x.model == Some(ControllerModel::Usb(UsbModel::None)))
    {
        return Ok(());
    }
    if usb.iter().filter(|x| x.model.is_none()).count() > 1 {
        return Err(unsupported(
            "Multiple legacy USB controllers are not supported",
        ));
    }
    if usb.iter().all(|x| x.model.is_none()) && !is_q35(c.def) {
        c.arg("-usb");
    }
    Ok(())
}

/// CCID (smartcard) controllers, which sit on USB hubs and so come after them.
pub fn ccid(c: &mut Cmd) -> Result<()> {
    by_type(c, ControllerType::Ccid)
}

fn by_type(c: &mut Cmd, kind: ControllerType) -> Result<()> {
    for ctl in &c.def.devices.controllers {
        if ctl.kind != kind {
            continue;
        }
        if ctl.kind == ControllerType::Pci
            && ctl.model == Some(ControllerModel::Pci(PciModel::PciRoot))
            && ctl.index.unwrap_or(0) == 0
        {
            if let Some(h) = ctl.pci_target.hotplug {
                c.pair(
                    "-global",
                    format!(
                        "PIIX4_PM.acpi-root-pci-hotplug={}",
                        if h { "on" } else { "off" }
                    ),
                );
            }
        }
        if builtin(c, ctl) {
            continue;
        }
        match (ctl.kind, ctl.model) {
            (ControllerType::Usb, Some(ControllerModel::Usb(UsbModel::None))) => continue,
            (ControllerType::Usb, None) if !is_q35(c.def) => continue,
            _ => {}
        }
        let mut p = props(c, ctl)?;
        address::add(&mut p, c.def, &ctl.info, None)?;
        c.device(&p);
    }
    Ok(())
}

/// QEMU's device name of a USB controller model.
fn usb_driver(m: UsbModel) -> &'static str {
    match m {
        UsbModel::Piix3Uhci => "piix3-usb-uhci",
        UsbModel::Piix4Uhci => "piix4-usb-uhci",
        UsbModel::Ehci => "usb-ehci",
        UsbModel::Ich9Ehci1 => "ich9-usb-ehci1",
        UsbModel::Ich9Uhci1 => "ich9-usb-uhci1",
        UsbModel::Ich9Uhci2 => "ich9-usb-uhci2",
        UsbModel::Ich9Uhci3 => "ich9-usb-uhci3",
        UsbModel::Vt82c686bUhci => "vt82c686b-usb-uhci",
        UsbModel::PciOhci => "pci-ohci",
        UsbModel::NecXhci => "nec-usb-xhci",
        UsbModel::Qusb1 => "qusb1",
        UsbModel::Qusb2 => "qusb2",
        UsbModel::QemuXhci => "qemu-xhci",
        UsbModel::None => "none",
    }
}

fn props(c: &Cmd, ctl: &Controller) -> Result<Props> {
    let id = alias(&ctl.info, "controller")?;
    let mut p = Props::new();
    match (ctl.kind, ctl.model) {
        (ControllerType::Pci, Some(ControllerModel::Pci(model))) => {
            let name = ctl
                .pci_model_name
                .map(|n| n.as_xml())
                .ok_or_else(|| internal("Unknown virDomainControllerPCIModelName value"))?;
            let t = &ctl.pci_target;
            match model {
                PciModel::PciBridge => {
                    p.str("driver", name)
                        .num("chassis_nr", t.chassis_nr.unwrap_or(0))
                        .str("id", id);
                }
                PciModel::PciExpanderBus | PciModel::PcieExpanderBus => {
                    p.str("driver", name)
                        .num("bus_nr", t.bus_nr.unwrap_or(0))
                        .str("id", id)
                        .opt_num("numa_node", t.numa_node);
                }
                PciModel::DmiToPciBridge
                | PciModel::PcieSwitchUpstreamPort
                | PciModel::PcieToPciBridge => {
                    p.str("driver", name).str("id", id);
                }
                PciModel::PcieRootPort | PciModel::PcieSwitchDownstreamPort => {
                    p.str("driver", name)
                        .num("port", t.port.unwrap_or(0))
                        .num("chassis", t.chassis.unwrap_or(0))
                        .str("id", id)
                        .opt_bool("hotplug", t.hotplug);
                }
                PciModel::PciRoot => {
                    p.str("driver", name)
                        .num("index", t.index.unwrap_or(0))
                        .str("id", id)
                        .opt_num("numa_node", t.numa_node);
                }
                PciModel::PcieRoot => {
                    return Err(unsupported("Unsupported PCI Express root controller"))
                }
            }
        }
        (ControllerType::Usb, Some(ControllerModel::Usb(m))) => {
            let driver = usb_driver(m);
            if !c.caps.has_device(driver) {
                return Err(unsupported(format!(
                    "USB controller model '{}' not supported in this QEMU binary",
                    m.as_xml()
                )));
            }
            if ctl.ports.is_some() && !matches!(m, UsbModel::NecXhci | UsbModel::QemuXhci) {
                return Err(unsupported(format!(
                    "usb controller type '{}' doesn't support 'ports' with this QEMU binary",
                    m.as_xml()
                )));
            }
            p.str("driver", driver)
                .opt_num("p2", ctl.ports)
                .opt_num("p3", ctl.ports);
            match ctl.info.master_startport {
                Some(start) => {
                    let master = master_alias(c, ctl)?;
                    p.str("masterbus", &format!("{master}.0"))
                        .num("firstport", start);
                }
                None => {
                    p.str("id", id);
                }
            }
        }
        (ControllerType::Usb, None) => {
            return Err(unsupported("no model provided for USB controller"));
        }
        (ControllerType::Scsi, model) => match model {
            Some(ControllerModel::Scsi(
                m @ (ScsiModel::VirtioScsi
                | ScsiModel::VirtioTransitional
                | ScsiModel::VirtioNonTransitional),
            )) => {
                let flavour = match m {
                    ScsiModel::VirtioTransitional => Flavour::Transitional,
                    ScsiModel::VirtioNonTransitional => Flavour::NonTransitional,
                    _ => Flavour::Plain,
                };
                p = virtio::props("virtio-scsi", &ctl.info, flavour, &ctl.driver.virtio, true)?;
                let d = &ctl.driver;
                p.opt_str(
                    "iothread",
                    d.iothread.map(|t| format!("iothread{t}")).as_deref(),
                )
                .str("id", id)
                .opt_num("num_queues", d.queues)
                .opt_num("cmd_per_lun", d.cmd_per_lun)
                .opt_num("max_sectors", d.max_sectors)
                .opt_bool("ioeventfd", d.ioeventfd);
            }
            Some(ControllerModel::Scsi(m)) => {
                let driver = match m {
                    ScsiModel::Lsilogic => "lsi",
                    ScsiModel::Ibmvscsi => "spapr-vscsi",
                    ScsiModel::Lsisas1068 => "mptsas1068",
                    ScsiModel::Lsisas1078 => "megasas",
                    ScsiModel::Vmpvscsi => "pvscsi",
                    ScsiModel::Am53c974 => "am53c974",
                    ScsiModel::Dc390 => "dc-390",
                    other => {
                        return Err(unsupported(format!(
                            "Unsupported controller model: {}",
                            other.as_xml()
                        )))
                    }
                };
                p.str("driver", driver).str("id", id);
            }
            _ => return Err(internal("Unexpected SCSI controller model")),
        },
        (ControllerType::VirtioSerial, model) => {
            let flavour = match model {
                Some(ControllerModel::VirtioSerial(VirtioModel::Transitional)) => {
                    Flavour::Transitional
                }
                Some(ControllerModel::VirtioSerial(VirtioModel::NonTransitional)) => {
                    Flavour::NonTransitional
                }
                _ => Flavour::Plain,
            };
            p = virtio::props(
                "virtio-serial",
                &ctl.info,
                flavour,
                &ctl.driver.virtio,
                true,
            )?;
            p.str("id", id)
                .opt_num("max_ports", ctl.ports)
                .opt_num("vectors", ctl.vectors);
        }
        (ControllerType::Ccid, _) => {
            p.str("driver", "usb-ccid").str("id", id);
        }
        (ControllerType::Sata, _) => {
            p.str("driver", "ahci").str("id", id);
        }
        (kind, _) => {
            return Err(unsupported(format!(
                "Unsupported controller type: {}",
                kind.as_xml()
            )))
        }
    }
    Ok(p)
}

/// The alias of the EHCI controller a USB companion attaches to.
fn master_alias<'d>(c: &Cmd<'d>, ctl: &Controller) -> Result<&'d str> {
    c.def
        .devices
        .controllers
        .iter()
        .find(|m| {
            m.kind == ControllerType::Usb
                && m.index == ctl.index
                && m.info.master_startport.is_none()
        })
        .and_then(|m| m.info.alias.as_deref())
        .ok_or_else(|| internal("masterbus not found"))
}
