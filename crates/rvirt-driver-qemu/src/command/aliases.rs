//! Device aliases as libvirt's QEMU driver assigns them at start (`qemuAssignDeviceAliases`).
//!
//! The alias is QEMU's `id=` of a device, names the chardev (`char` + alias) and the host
//! side of a NIC (`host` + alias), and appears in the live XML, so it must be exactly
//! libvirt's. Aliases already present (user aliases, or a live definition read back) are
//! kept.

use rvirt_xml::domain::devices::chr::{ChrTarget, ConsoleTargetType};
use rvirt_xml::domain::devices::controller::{ControllerModel, ControllerType, PciModel};
use rvirt_xml::domain::devices::disk::{disk_name_to_index, DiskBus};
use rvirt_xml::domain::devices::interface_parts::NetSource;
use rvirt_xml::domain::devices::misc::MemballoonModel;
use rvirt_xml::domain::devices::Disk;
use rvirt_xml::domain::info::{Address, DeviceInfo};
use rvirt_xml::domain::DomainDef;
use rvirt_xml::XmlEnum;

use super::machine::{has_builtin_ide, is_q35};

fn set(info: &mut DeviceInfo, alias: impl FnOnce() -> String) {
    if info.alias.is_none() {
        info.alias = Some(alias());
    }
}

/// Numbers a family `prefix0`, `prefix1`, ... in definition order.
fn number<'a>(infos: impl Iterator<Item = &'a mut DeviceInfo>, prefix: &str) {
    for (i, info) in infos.enumerate() {
        set(info, || format!("{prefix}{i}"));
    }
}

/// Assigns every alias libvirt assigns.
pub fn assign(def: &mut DomainDef) {
    let q35 = is_q35(def);
    let builtin_ide = has_builtin_ide(def);
    let scsi_models: Vec<(u32, Option<ControllerModel>)> = def
        .devices
        .controllers
        .iter()
        .filter(|c| c.kind == ControllerType::Scsi)
        .map(|c| (c.index.unwrap_or(0), c.model))
        .collect();
    let d = &mut def.devices;
    for disk in &mut d.disks {
        let a = disk_alias(disk, &scsi_models);
        set(&mut disk.info, || a);
    }
    // NICs of type hostdev are host devices and share their numbering.
    let mut nets = 0;
    let mut hostdevs = 0;
    for n in &mut d.interfaces {
        if matches!(n.source, NetSource::Hostdev(_)) {
            set(&mut n.info, || format!("hostdev{hostdevs}"));
            hostdevs += 1;
        } else {
            set(&mut n.info, || format!("net{nets}"));
            nets += 1;
        }
    }
    number(d.filesystems.iter_mut().map(|x| &mut x.info), "fs");
    number(d.sounds.iter_mut().map(|x| &mut x.info), "sound");
    for h in &mut d.hostdevs {
        set(&mut h.info, || format!("hostdev{hostdevs}"));
        hostdevs += 1;
    }
    number(d.redirdevs.iter_mut().map(|x| &mut x.info), "redir");
    number(d.videos.iter_mut().map(|x| &mut x.info), "video");
    for c in &mut d.controllers {
        let idx = c.index.unwrap_or(0);
        let a = match (c.kind, c.model) {
            (ControllerType::Pci, Some(ControllerModel::Pci(PciModel::PcieRoot))) => {
                "pcie.0".to_string()
            }
            (ControllerType::Pci, Some(ControllerModel::Pci(PciModel::PciRoot))) => {
                "pci.0".to_string()
            }
            (ControllerType::Pci, _) => format!("pci.{idx}"),
            (ControllerType::Ide, _) if idx == 0 && builtin_ide => "ide".to_string(),
            (ControllerType::Sata, _) if idx == 0 && q35 => "ide".to_string(),
            (ControllerType::Usb, _) if idx == 0 => "usb".to_string(),
            (kind, _) => format!("{}{idx}", kind.as_xml()),
        };
        set(&mut c.info, || a);
    }
    number(d.inputs.iter_mut().map(|x| &mut x.info), "input");
    number(d.parallels.iter_mut().map(|x| &mut x.info), "parallel");
    number(d.serials.iter_mut().map(|x| &mut x.info), "serial");
    number(d.channels.iter_mut().map(|x| &mut x.info), "channel");
    let serial0 = d.serials.first().and_then(|s| s.info.alias.clone());
    for (i, con) in d.consoles.iter_mut().enumerate() {
        let mirrors_serial = i == 0
            && matches!(
                con.target,
                ChrTarget::Console {
                    target_type: ConsoleTargetType::Serial,
                    ..
                }
            );
        match (&serial0, mirrors_serial) {
            (Some(s), true) => set(&mut con.info, || s.clone()),
            _ => set(&mut con.info, || format!("console{i}")),
        }
    }
    number(d.hubs.iter_mut().map(|x| &mut x.info), "hub");
    number(d.shmems.iter_mut().map(|x| &mut x.info), "shmem");
    number(d.smartcards.iter_mut().map(|x| &mut x.info), "smartcard");
    number(d.watchdogs.iter_mut().map(|x| &mut x.info), "watchdog");
    if let Some(b) = d
        .memballoon
        .as_deref_mut()
        .filter(|b| b.model != MemballoonModel::None)
    {
        set(&mut b.info, || "balloon0".to_string());
    }
    number(d.rngs.iter_mut().map(|x| &mut x.info), "rng");
    number(d.tpms.iter_mut().map(|x| &mut x.info), "tpm");
    number(d.memories.iter_mut().map(|x| &mut x.info), "dimm");
    if let Some(v) = &mut d.vsock {
        set(&mut v.info, || "vsock0".to_string());
    }
    if let Some(i) = &mut d.iommu {
        set(&mut i.info, || "iommu0".to_string());
    }
}

/// `ide0-1-0` style for drive-addressed buses (four numbers on SCSI controllers other than
/// lsilogic), `virtio-disk2` style from the target name otherwise.
fn disk_alias(disk: &Disk, scsi_models: &[(u32, Option<ControllerModel>)]) -> String {
    let bus = disk.target.bus.unwrap_or(DiskBus::Ide);
    let prefix = bus.as_xml();
    match &disk.info.address {
        Some(Address::Drive {
            controller,
            bus: b,
            target,
            unit,
        }) => {
            let lsi = scsi_models.iter().any(|(i, m)| {
                i == controller
                    && *m
                        == Some(ControllerModel::Scsi(
                            rvirt_xml::domain::devices::controller::ScsiModel::Lsilogic,
                        ))
            });
            if bus != DiskBus::Scsi || lsi {
                format!("{prefix}{controller}-{b}-{unit}")
            } else {
                format!("{prefix}{controller}-{b}-{target}-{unit}")
            }
        }
        _ => {
            let idx = disk_name_to_index(&disk.target.dev).unwrap_or(0);
            format!("{prefix}-disk{idx}")
        }
    }
}
