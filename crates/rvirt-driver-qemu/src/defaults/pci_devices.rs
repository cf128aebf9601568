//! The devices of a domain as the PCI address code sees them: one key per device in
//! libvirt's iteration order, its device address, and the connection it needs
//! ([`Connect`]) given the machine (PCI Express or not) and what the binary makes of
//! virtio devices.

use super::pci::{Connect, PciAddr};
use crate::caps::QemuCaps;
use rvirt_xml::domain::devices::chr::{ChrTarget, SerialTargetType};
use rvirt_xml::domain::devices::controller::{
    ControllerModel, ControllerType, PciModel, ScsiModel, UsbModel,
};
use rvirt_xml::domain::devices::disk::{DiskBus, VirtioModel};
use rvirt_xml::domain::devices::filesystem::FsDriverType;
use rvirt_xml::domain::devices::hostdev::HostdevSource;
use rvirt_xml::domain::devices::input::{InputBus, InputModel};
use rvirt_xml::domain::devices::interface_parts::{NetModel, NetModelKind, NetSource};
use rvirt_xml::domain::devices::memory::MemoryModel;
use rvirt_xml::domain::devices::misc::{IommuModel, MemballoonModel, WatchdogModel};
use rvirt_xml::domain::devices::rng::RngModel;
use rvirt_xml::domain::devices::sound::SoundModel;
use rvirt_xml::domain::devices::video::VideoModel;
use rvirt_xml::domain::devices::Controller;
use rvirt_xml::domain::info::{Address, DeviceInfo, PciAddress};
use rvirt_xml::domain::DomainDef;

/// A device family of the domain; with an index it names one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    Disk,
    Net,
    Sound,
    Hostdev,
    Video,
    Controller,
    Smartcard,
    Serial,
    Parallel,
    Channel,
    Console,
    Input,
    Fs,
    Watchdog,
    Memballoon,
    Hub,
    Shmem,
    Tpm,
    Panic,
    Memory,
    Redirdev,
    Rng,
    Iommu,
    Vsock,
}

pub(super) type Key = (Family, usize);

/// Every device that has a device address, in libvirt's iteration order.
pub(super) fn keys(def: &DomainDef) -> Vec<Key> {
    let d = &def.devices;
    let mut out = Vec::new();
    let mut add = |f: Family, n: usize| out.extend((0..n).map(|i| (f, i)));
    add(Family::Disk, d.disks.len());
    add(Family::Net, d.interfaces.len());
    add(Family::Sound, d.sounds.len());
    add(Family::Hostdev, d.hostdevs.len());
    add(Family::Video, d.videos.len());
    add(Family::Controller, d.controllers.len());
    add(Family::Smartcard, d.smartcards.len());
    add(Family::Serial, d.serials.len());
    add(Family::Parallel, d.parallels.len());
    add(Family::Channel, d.channels.len());
    add(Family::Console, d.consoles.len());
    add(Family::Input, d.inputs.len());
    add(Family::Fs, d.filesystems.len());
    add(Family::Watchdog, d.watchdogs.len());
    add(
        Family::Memballoon,
        usize::from(
            d.memballoon
                .as_ref()
                .is_some_and(|m| m.model != MemballoonModel::None),
        ),
    );
    add(Family::Hub, d.hubs.len());
    add(Family::Shmem, d.shmems.len());
    add(Family::Tpm, d.tpms.len());
    add(Family::Panic, d.panics.len());
    add(Family::Memory, d.memories.len());
    add(Family::Redirdev, d.redirdevs.len());
    add(Family::Rng, d.rngs.len());
    add(Family::Iommu, usize::from(d.iommu.is_some()));
    add(Family::Vsock, usize::from(d.vsock.is_some()));
    out
}

pub(super) fn info(def: &DomainDef, (f, i): Key) -> Option<&DeviceInfo> {
    let d = &def.devices;
    Some(match f {
        Family::Disk => &d.disks.get(i)?.info,
        Family::Net => &d.interfaces.get(i)?.info,
        Family::Sound => &d.sounds.get(i)?.info,
        Family::Hostdev => &d.hostdevs.get(i)?.info,
        Family::Video => &d.videos.get(i)?.info,
        Family::Controller => &d.controllers.get(i)?.info,
        Family::Smartcard => &d.smartcards.get(i)?.info,
        Family::Serial => &d.serials.get(i)?.info,
        Family::Parallel => &d.parallels.get(i)?.info,
        Family::Channel => &d.channels.get(i)?.info,
        Family::Console => &d.consoles.get(i)?.info,
        Family::Input => &d.inputs.get(i)?.info,
        Family::Fs => &d.filesystems.get(i)?.info,
        Family::Watchdog => &d.watchdogs.get(i)?.info,
        Family::Memballoon => &d.memballoon.as_ref()?.info,
        Family::Hub => &d.hubs.get(i)?.info,
        Family::Shmem => &d.shmems.get(i)?.info,
        Family::Tpm => &d.tpms.get(i)?.info,
        Family::Panic => &d.panics.get(i)?.info,
        Family::Memory => &d.memories.get(i)?.info,
        Family::Redirdev => &d.redirdevs.get(i)?.info,
        Family::Rng => &d.rngs.get(i)?.info,
        Family::Iommu => &d.iommu.as_ref()?.info,
        Family::Vsock => &d.vsock.as_ref()?.info,
    })
}

pub(super) fn info_mut(def: &mut DomainDef, (f, i): Key) -> Option<&mut DeviceInfo> {
    let d = &mut def.devices;
    Some(match f {
        Family::Disk => &mut d.disks.get_mut(i)?.info,
        Family::Net => &mut d.interfaces.get_mut(i)?.info,
        Family::Sound => &mut d.sounds.get_mut(i)?.info,
        Family::Hostdev => &mut d.hostdevs.get_mut(i)?.info,
        Family::Video => &mut d.videos.get_mut(i)?.info,
        Family::Controller => &mut d.controllers.get_mut(i)?.info,
        Family::Smartcard => &mut d.smartcards.get_mut(i)?.info,
        Family::Serial => &mut d.serials.get_mut(i)?.info,
        Family::Parallel => &mut d.parallels.get_mut(i)?.info,
        Family::Channel => &mut d.channels.get_mut(i)?.info,
        Family::Console => &mut d.consoles.get_mut(i)?.info,
        Family::Input => &mut d.inputs.get_mut(i)?.info,
        Family::Fs => &mut d.filesystems.get_mut(i)?.info,
        Family::Watchdog => &mut d.watchdogs.get_mut(i)?.info,
        Family::Memballoon => &mut d.memballoon.as_mut()?.info,
        Family::Hub => &mut d.hubs.get_mut(i)?.info,
        Family::Shmem => &mut d.shmems.get_mut(i)?.info,
        Family::Tpm => &mut d.tpms.get_mut(i)?.info,
        Family::Panic => &mut d.panics.get_mut(i)?.info,
        Family::Memory => &mut d.memories.get_mut(i)?.info,
        Family::Redirdev => &mut d.redirdevs.get_mut(i)?.info,
        Family::Rng => &mut d.rngs.get_mut(i)?.info,
        Family::Iommu => &mut d.iommu.as_mut()?.info,
        Family::Vsock => &mut d.vsock.as_mut()?.info,
    })
}

/// The PCI address written in the XML, when there is a real one.
pub(super) fn present(info: &DeviceInfo) -> Option<PciAddr> {
    match &info.address {
        Some(Address::Pci(p)) if !p.is_empty() => Some(PciAddr {
            domain: p.domain,
            bus: p.bus,
            slot: p.slot,
            function: p.function,
        }),
        _ => None,
    }
}

/// Whether the device still needs a PCI address (none, or `<address type='pci'/>`).
pub(super) fn wanted(info: &DeviceInfo) -> bool {
    match &info.address {
        None => true,
        Some(Address::Pci(p)) => p.is_empty(),
        _ => false,
    }
}

pub(super) fn set_addr(info: &mut DeviceInfo, a: PciAddr, multifunction: Option<bool>) {
    let zpci = match &info.address {
        Some(Address::Pci(p)) => p.zpci,
        _ => None,
    };
    info.address = Some(Address::Pci(PciAddress {
        domain: a.domain,
        bus: a.bus,
        slot: a.slot,
        function: a.function,
        multifunction,
        zpci,
    }));
}

/// The connection types of the domain: how PCI Express devices and virtio devices
/// connect (as conventional PCI devices on machines without PCI Express).
#[derive(Clone, Copy)]
pub(super) struct Kinds {
    pub pci: Connect,
    pub pcie: Connect,
    pub virtio: Connect,
}

impl Kinds {
    pub(super) fn of(def: &DomainDef, caps: &QemuCaps) -> Kinds {
        let pci = Connect::PCI_DEVICE | Connect::AUTOASSIGN;
        let pcie = if has_root(def, PciModel::PcieRoot) {
            Connect::PCIE_DEVICE | Connect::AUTOASSIGN
        } else {
            pci
        };
        // Modern virtio devices are PCI Express devices when QEMU can make them so.
        let virtio = if caps.has_device("virtio-blk-pci-transitional") {
            pcie
        } else {
            pci
        };
        Kinds { pci, pcie, virtio }
    }

    fn virtio_model(&self, transitional: bool) -> Connect {
        if transitional {
            self.pci
        } else {
            self.virtio
        }
    }
}

pub(super) fn pci_model(c: &Controller) -> Option<PciModel> {
    match c.model {
        Some(ControllerModel::Pci(m)) => Some(m),
        _ => None,
    }
}

pub(super) fn usb_model(c: &Controller) -> Option<UsbModel> {
    match c.model {
        Some(ControllerModel::Usb(m)) => Some(m),
        _ => None,
    }
}

pub(super) fn has_root(def: &DomainDef, root: PciModel) -> bool {
    def.devices
        .controllers
        .iter()
        .any(|c| c.kind == ControllerType::Pci && pci_model(c) == Some(root))
}

/// What a controller needs upstream.
pub(super) fn controller_flags(c: &Controller, k: &Kinds) -> Connect {
    match c.kind {
        ControllerType::Pci => pci_model(c).map_or(Connect::NONE, Connect::of_controller),
        ControllerType::Sata | ControllerType::Ide => k.pci,
        ControllerType::Usb => match usb_model(c) {
            None => k.pci,
            Some(UsbModel::NecXhci | UsbModel::QemuXhci) => k.pcie,
            Some(UsbModel::Qusb1 | UsbModel::Qusb2 | UsbModel::None) => Connect::NONE,
            Some(_) => k.pci,
        },
        ControllerType::Scsi => match c.model {
            None | Some(ControllerModel::Scsi(ScsiModel::Ncr53c90)) => Connect::NONE,
            Some(ControllerModel::Scsi(
                ScsiModel::VirtioScsi | ScsiModel::VirtioNonTransitional,
            )) => k.virtio,
            Some(_) => k.pci,
        },
        ControllerType::VirtioSerial => match c.model {
            Some(ControllerModel::VirtioSerial(VirtioModel::Transitional)) => k.pci,
            _ => k.virtio,
        },
        _ => Connect::NONE,
    }
}

/// What a device needs to connect, `NONE` for devices that are not PCI devices.
pub(super) fn flags(def: &DomainDef, key: Key, k: &Kinds) -> Connect {
    let d = &def.devices;
    let (f, i) = key;
    match f {
        Family::Controller => d
            .controllers
            .get(i)
            .map_or(Connect::NONE, |c| controller_flags(c, k)),
        Family::Fs => match d.filesystems.get(i) {
            Some(fs) => match fs.driver.kind {
                None | Some(FsDriverType::Path | FsDriverType::Handle) => {
                    k.virtio_model(fs.model == Some(VirtioModel::Transitional))
                }
                Some(FsDriverType::Virtiofs) => k.virtio,
                Some(_) => Connect::NONE,
            },
            None => Connect::NONE,
        },
        Family::Net => match d.interfaces.get(i) {
            Some(n) if matches!(n.source, NetSource::Hostdev(_)) => Connect::NONE,
            Some(n) => match &n.model {
                Some(NetModel::Known(
                    NetModelKind::Virtio | NetModelKind::VirtioNonTransitional,
                )) => k.virtio,
                Some(NetModel::Known(NetModelKind::VirtioTransitional)) => k.pci,
                Some(NetModel::Known(NetModelKind::E1000e)) | None => k.pcie,
                Some(m) if m.name() == "usb-net" => Connect::NONE,
                Some(_) => k.pci,
            },
            None => Connect::NONE,
        },
        Family::Sound => match d.sounds.get(i).map(|s| s.model) {
            Some(SoundModel::Es1370 | SoundModel::Ac97 | SoundModel::Ich6 | SoundModel::Ich9) => {
                k.pci
            }
            _ => Connect::NONE,
        },
        Family::Disk => match d.disks.get(i) {
            Some(x) if x.target.bus == Some(DiskBus::Virtio) => {
                k.virtio_model(x.model == Some(VirtioModel::Transitional))
            }
            _ => Connect::NONE,
        },
        Family::Hostdev => match d.hostdevs.get(i).map(|h| &h.source) {
            Some(HostdevSource::Pci(_)) => k.pcie,
            _ => Connect::NONE,
        },
        Family::Memballoon => match d.memballoon.as_ref().map(|m| m.model) {
            Some(MemballoonModel::VirtioTransitional) => k.pci,
            Some(MemballoonModel::Virtio | MemballoonModel::VirtioNonTransitional) => k.virtio,
            _ => Connect::NONE,
        },
        Family::Rng => match d.rngs.get(i).map(|r| r.model) {
            Some(RngModel::VirtioTransitional) => k.pci,
            Some(_) => k.virtio,
            None => Connect::NONE,
        },
        Family::Watchdog => match d.watchdogs.get(i).map(|w| w.model) {
            Some(WatchdogModel::I6300esb) => k.pci,
            _ => Connect::NONE,
        },
        Family::Video => match d.videos.get(i).and_then(|v| v.model) {
            Some(VideoModel::Virtio) => k.virtio,
            Some(
                VideoModel::Vga
                | VideoModel::Cirrus
                | VideoModel::Vmvga
                | VideoModel::Xen
                | VideoModel::Vbox
                | VideoModel::Qxl
                | VideoModel::Parallels,
            ) => k.pci,
            Some(VideoModel::Bochs) => k.pcie,
            _ => Connect::NONE,
        },
        Family::Shmem => k.pci,
        Family::Input => match d.inputs.get(i) {
            Some(x) if x.bus == Some(InputBus::Virtio) => {
                k.virtio_model(x.model == Some(InputModel::VirtioTransitional))
            }
            _ => Connect::NONE,
        },
        Family::Serial => match d.serials.get(i).map(|s| &s.target) {
            Some(ChrTarget::Serial {
                target_type: Some(SerialTargetType::PciSerial),
                ..
            }) => k.pci,
            _ => Connect::NONE,
        },
        Family::Iommu => match d.iommu.as_ref().map(|x| x.model) {
            Some(IommuModel::Virtio) => k.virtio | Connect::INTEGRATED,
            _ => Connect::NONE,
        },
        Family::Vsock => match d.vsock.as_ref().and_then(|v| v.model) {
            Some(rvirt_xml::domain::devices::misc::VsockModel::VirtioTransitional) => k.pci,
            Some(_) => k.virtio,
            None => Connect::NONE,
        },
        Family::Memory => match d.memories.get(i).map(|m| m.model) {
            Some(MemoryModel::VirtioPmem | MemoryModel::VirtioMem) => k.virtio,
            _ => Connect::NONE,
        },
        Family::Smartcard
        | Family::Parallel
        | Family::Channel
        | Family::Console
        | Family::Hub
        | Family::Tpm
        | Family::Panic
        | Family::Redirdev => Connect::NONE,
    }
}

/// libvirt's name of an address type, for messages.
pub(super) fn address_type(a: &Address) -> &'static str {
    match a {
        Address::Pci(_) => "pci",
        Address::Drive { .. } => "drive",
        Address::VirtioSerial { .. } => "virtio-serial",
        Address::Ccid { .. } => "ccid",
        Address::Usb { .. } => "usb",
        Address::SpaprVio { .. } => "spapr-vio",
        Address::VirtioS390 => "virtio-s390",
        Address::Ccw { .. } => "ccw",
        Address::VirtioMmio => "virtio-mmio",
        Address::Isa { .. } => "isa",
        Address::Dimm { .. } => "dimm",
        Address::Unassigned => "unassigned",
    }
}
