//! PCI addresses for a whole domain, as libvirt's QEMU driver assigns them on define.
//!
//! Two passes over an [`AddressSet`]: a dry run that places every device and grows the
//! set where it is full, telling which PCI controllers (root ports, bridges) must be
//! added; then the real pass over the completed controller list, which writes the
//! addresses. Before each pass the chipset's fixed devices are placed (PIIX3's IDE and
//! UHCI at 00:01.x and the first video at 00:02.0 on i440FX; ICH9's SATA at 00:1f.2 and
//! the first video at 00:01.0 on Q35), then devices take slots family by family in
//! libvirt's order: PCI controllers, filesystems, NICs, sound, other controllers, virtio
//! disks, host devices, balloon, RNGs, watchdog, videos, shared memory, virtio inputs,
//! PCI serial ports, IOMMU, vsock, memory devices.

use super::machine::Chipset;
use super::pci::{AddressSet, Connect, PciAddr};
use super::{internal, unsupported};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::{ChrTarget, SerialTargetType};
use rvirt_xml::domain::devices::controller::{
    ControllerModel, ControllerType, PciModel, PciModelName, ScsiModel, UsbModel,
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
enum Family {
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

type Key = (Family, usize);

/// Every device that has a device address, in libvirt's iteration order.
fn keys(def: &DomainDef) -> Vec<Key> {
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

fn info(def: &DomainDef, (f, i): Key) -> Option<&DeviceInfo> {
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

fn info_mut(def: &mut DomainDef, (f, i): Key) -> Option<&mut DeviceInfo> {
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
fn present(info: &DeviceInfo) -> Option<PciAddr> {
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
fn wanted(info: &DeviceInfo) -> bool {
    match &info.address {
        None => true,
        Some(Address::Pci(p)) => p.is_empty(),
        _ => false,
    }
}

fn set_addr(info: &mut DeviceInfo, a: PciAddr, multifunction: Option<bool>) {
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
struct Kinds {
    pci: Connect,
    pcie: Connect,
    virtio: Connect,
}

impl Kinds {
    fn of(def: &DomainDef, caps: &QemuCaps) -> Kinds {
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

fn pci_model(c: &Controller) -> Option<PciModel> {
    match c.model {
        Some(ControllerModel::Pci(m)) => Some(m),
        _ => None,
    }
}

fn usb_model(c: &Controller) -> Option<UsbModel> {
    match c.model {
        Some(ControllerModel::Usb(m)) => Some(m),
        _ => None,
    }
}

fn has_root(def: &DomainDef, root: PciModel) -> bool {
    def.devices
        .controllers
        .iter()
        .any(|c| c.kind == ControllerType::Pci && pci_model(c) == Some(root))
}

/// What a controller needs upstream.
fn controller_flags(c: &Controller, k: &Kinds) -> Connect {
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
fn flags(def: &DomainDef, key: Key, k: &Kinds) -> Connect {
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

/// The PIIX3 functions libvirt never reserves from the XML: they are placed by the
/// chipset step.
fn is_piix3_builtin(c: &Controller, a: &PciAddr) -> bool {
    if a.domain != 0 || a.bus != 0 || a.slot != 1 || c.index != Some(0) {
        return false;
    }
    (c.kind == ControllerType::Ide && a.function == 1)
        || (c.kind == ControllerType::Usb
            && matches!(usb_model(c), None | Some(UsbModel::Piix3Uhci))
            && a.function == 2)
}

/// A new address set with a bus per PCI controller and every address of the XML taken.
fn create(def: &DomainDef, caps: &QemuCaps, nbuses: usize, dry_run: bool) -> Result<AddressSet> {
    let mut set = AddressSet::new(nbuses, dry_run);
    set.pcie_to_pci_bridge = caps.has_device("pcie-pci-bridge");
    let mut pcie_root = false;
    for c in def
        .devices
        .controllers
        .iter()
        .filter(|c| c.kind == ControllerType::Pci)
    {
        let idx = c.index.unwrap_or(0) as usize;
        let Some(bus) = set.buses.get_mut(idx) else {
            return Err(internal(format!(
                "Inappropriate new pci controller index {idx} exceeds addrs array length"
            )));
        };
        let Some(model) = pci_model(c) else {
            return Err(internal("PCI controller model was not set correctly"));
        };
        bus.set_model(model, c.pci_target.hotplug != Some(false));
        pcie_root |= model == PciModel::PcieRoot;
    }
    if let Some(b0) = set.buses.first_mut() {
        if b0.model.is_none() {
            b0.set_model(PciModel::PciRoot, true);
        }
    }
    let default = if pcie_root {
        PciModel::PcieRootPort
    } else {
        PciModel::PciBridge
    };
    for b in set.buses.iter_mut().skip(1) {
        if b.model.is_none() {
            b.set_model(default, true);
        }
    }
    let k = Kinds::of(def, caps);
    for key in keys(def) {
        let Some(mut a) = info(def, key).and_then(present) else {
            continue;
        };
        let mut fl = flags(def, key, &k);
        if fl == Connect::NONE {
            fl = Connect::PCI_DEVICE;
        }
        if key.0 == Family::Controller {
            if let Some(c) = def.devices.controllers.get(key.1) {
                if is_piix3_builtin(c, &a) {
                    if set
                        .buses
                        .first()
                        .is_some_and(|b| !b.flags.has(Connect::PCI_DEVICE))
                    {
                        return Err(internal(
                            "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers",
                        ));
                    }
                    continue;
                }
            }
        }
        set.reserve(&mut a, fl, true)?;
    }
    Ok(set)
}

/// Places the i440FX chipset's fixed functions and the first video card.
fn chipset_i440fx(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
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
fn primary_video(
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
fn chipset_q35(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
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

fn chipset(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
    match Chipset::of(def) {
        Chipset::I440fx => chipset_i440fx(def, set, k),
        Chipset::Q35 => chipset_q35(def, set, k),
        Chipset::Other => Ok(()),
    }
}

/// Gives the device the next free slot for its kind (written down only in the real pass).
fn take(def: &mut DomainDef, set: &mut AddressSet, key: Key, k: &Kinds) -> Result<()> {
    let fl = flags(def, key, k);
    let a = set.reserve_next(fl, None)?;
    if !set.dry_run {
        if let Some(i) = info_mut(def, key) {
            set_addr(i, a, None);
        }
    }
    Ok(())
}

/// Takes a slot for every device of `family` that wants one and passes `pick`.
fn take_all(
    def: &mut DomainDef,
    set: &mut AddressSet,
    k: &Kinds,
    family: Family,
    pick: impl Fn(&DomainDef, usize) -> bool,
) -> Result<()> {
    let all: Vec<Key> = keys(def)
        .into_iter()
        .filter(|(f, _)| *f == family)
        .collect();
    for key in all {
        if pick(def, key.1) && info(def, key).is_some_and(wanted) {
            take(def, set, key, k)?;
        }
    }
    Ok(())
}

fn is_usb2(c: &Controller) -> bool {
    c.kind == ControllerType::Usb
        && matches!(
            usb_model(c),
            Some(
                UsbModel::Ich9Ehci1
                    | UsbModel::Ich9Uhci1
                    | UsbModel::Ich9Uhci2
                    | UsbModel::Ich9Uhci3
            )
        )
}

/// USB2 controllers of one index share a slot: EHCI on function 7, UHCIs on 0 to 2.
fn take_usb2(def: &mut DomainDef, set: &mut AddressSet, i: usize, k: &Kinds) -> Result<()> {
    let c = &def.devices.controllers[i];
    let (function, multi) = match usb_model(c) {
        Some(UsbModel::Ich9Ehci1) => (7, None),
        Some(UsbModel::Ich9Uhci1) => (0, Some(true)),
        Some(UsbModel::Ich9Uhci2) => (1, None),
        _ => (2, None),
    };
    let fl = controller_flags(c, k);
    let sibling = def
        .devices
        .controllers
        .iter()
        .filter(|o| is_usb2(o) && o.index == c.index)
        .find_map(|o| present(&o.info));
    match sibling {
        Some(s) => {
            let mut a = PciAddr { function, ..s };
            set.reserve(&mut a, fl, true)?;
            set_addr(&mut def.devices.controllers[i].info, a, multi);
        }
        None => {
            let a = set.reserve_next(fl, Some(function))?;
            if !set.dry_run {
                set_addr(&mut def.devices.controllers[i].info, a, multi);
            }
        }
    }
    Ok(())
}

/// Every device that wants a slot gets one, family by family.
fn assign_slots(def: &mut DomainDef, set: &mut AddressSet, k: &Kinds) -> Result<()> {
    take_all(def, set, k, Family::Controller, |d, i| {
        let c = &d.devices.controllers[i];
        c.kind == ControllerType::Pci
            && !matches!(pci_model(c), Some(PciModel::PciRoot | PciModel::PcieRoot))
    })?;
    take_all(def, set, k, Family::Fs, |_, _| true)?;
    take_all(def, set, k, Family::Net, |d, i| {
        !matches!(d.devices.interfaces[i].source, NetSource::Hostdev(_))
    })?;
    take_all(def, set, k, Family::Sound, |d, i| {
        !matches!(
            d.devices.sounds[i].model,
            SoundModel::Sb16 | SoundModel::Pcspk | SoundModel::Usb
        )
    })?;
    for i in 0..def.devices.controllers.len() {
        let c = &def.devices.controllers[i];
        let skip = match c.kind {
            ControllerType::Pci | ControllerType::Fdc | ControllerType::Ccid => true,
            ControllerType::Usb => usb_model(c) == Some(UsbModel::None),
            ControllerType::Ide => c.index == Some(0),
            ControllerType::Scsi => c.model == Some(ControllerModel::Scsi(ScsiModel::Ncr53c90)),
            _ => false,
        };
        if skip || !wanted(&c.info) {
            continue;
        }
        if is_usb2(c) {
            take_usb2(def, set, i, k)?;
        } else {
            take(def, set, (Family::Controller, i), k)?;
        }
    }
    for i in 0..def.devices.disks.len() {
        let d = &def.devices.disks[i];
        if d.target.bus != Some(DiskBus::Virtio)
            || present(&d.info).is_some()
            || matches!(
                d.info.address,
                Some(Address::Ccw { .. } | Address::VirtioMmio)
            )
        {
            continue;
        }
        if !wanted(&d.info) {
            let ty = d.info.address.as_ref().map_or("none", address_type);
            return Err(unsupported(format!(
                "virtio disk cannot have an address of type '{ty}'"
            )));
        }
        take(def, set, (Family::Disk, i), k)?;
    }
    take_all(def, set, k, Family::Hostdev, |d, i| {
        matches!(d.devices.hostdevs[i].source, HostdevSource::Pci(_))
    })?;
    take_all(def, set, k, Family::Memballoon, |_, _| true)?;
    take_all(def, set, k, Family::Rng, |_, _| true)?;
    take_all(def, set, k, Family::Watchdog, |d, i| {
        d.devices.watchdogs[i].model == WatchdogModel::I6300esb
    })?;
    take_all(def, set, k, Family::Video, |d, i| {
        !matches!(
            d.devices.videos[i].model,
            Some(VideoModel::None | VideoModel::Ramfb)
        )
    })?;
    take_all(def, set, k, Family::Shmem, |_, _| true)?;
    take_all(def, set, k, Family::Input, |d, i| {
        d.devices.inputs[i].bus == Some(InputBus::Virtio)
    })?;
    take_all(def, set, k, Family::Serial, |d, i| {
        d.devices.serials[i].serial_target_type() == Some(SerialTargetType::PciSerial)
    })?;
    take_all(def, set, k, Family::Iommu, |d, _| {
        d.devices
            .iommu
            .as_ref()
            .is_some_and(|x| x.model == IommuModel::Virtio)
    })?;
    take_all(def, set, k, Family::Vsock, |_, _| true)?;
    take_all(def, set, k, Family::Memory, |d, i| {
        matches!(
            d.devices.memories[i].model,
            MemoryModel::VirtioPmem | MemoryModel::VirtioMem
        )
    })?;
    Ok(())
}

/// libvirt's name of an address type, for messages.
fn address_type(a: &Address) -> &'static str {
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

/// Marks function 0 of every slot that has other functions in use as multifunction
/// (unless the XML said off).
fn set_all_multi(def: &mut DomainDef) {
    let all = keys(def);
    let shared: Vec<(u32, u32, u32)> = all
        .iter()
        .filter_map(|k| info(def, *k).and_then(present))
        .filter(|a| a.function != 0)
        .map(|a| (a.domain, a.bus, a.slot))
        .collect();
    for key in all {
        let Some(i) = info_mut(def, key) else {
            continue;
        };
        if let Some(Address::Pci(p)) = &mut i.address {
            if p.function == 0
                && p.multifunction.is_none()
                && shared.contains(&(p.domain, p.bus, p.slot))
            {
                p.multifunction = Some(true);
            }
        }
    }
}

/// The concrete device, chassis and port numbers of each PCI controller.
fn controller_defaults(def: &mut DomainDef, caps: &QemuCaps) -> Result<()> {
    for c in &mut def.devices.controllers {
        if c.kind != ControllerType::Pci {
            continue;
        }
        let Some(model) = pci_model(c) else { continue };
        let idx = c.index.unwrap_or(0);
        let addr = present(&c.info).unwrap_or_default();
        if c.pci_model_name.is_none() {
            c.pci_model_name = match model {
                PciModel::PciBridge => Some(PciModelName::PciBridge),
                PciModel::DmiToPciBridge => Some(PciModelName::I82801b11Bridge),
                PciModel::PcieToPciBridge => Some(PciModelName::PciePciBridge),
                PciModel::PcieRootPort if caps.has_device("pcie-root-port") => {
                    Some(PciModelName::PcieRootPort)
                }
                PciModel::PcieRootPort => Some(PciModelName::Ioh3420),
                PciModel::PcieSwitchUpstreamPort => Some(PciModelName::X3130Upstream),
                PciModel::PcieSwitchDownstreamPort => Some(PciModelName::Xio3130Downstream),
                PciModel::PciExpanderBus => Some(PciModelName::Pxb),
                PciModel::PcieExpanderBus => Some(PciModelName::PxbPcie),
                PciModel::PciRoot | PciModel::PcieRoot => None,
            };
        }
        let t = &mut c.pci_target;
        let byte = |v: u32| u8::try_from(v).ok();
        match model {
            PciModel::PciBridge if t.chassis_nr.is_none() => t.chassis_nr = byte(idx),
            PciModel::PcieRootPort => {
                t.chassis = t.chassis.or(byte(idx));
                t.port = t.port.or(byte((addr.slot << 3) + addr.function));
            }
            PciModel::PcieSwitchDownstreamPort => {
                t.chassis = t.chassis.or(byte(idx));
                t.port = t.port.or(byte(addr.slot));
            }
            _ => {}
        }
        if model == PciModel::PciBridge && idx <= addr.bus {
            return Err(unsupported(format!(
                "PCI controller at index {idx} (0x{idx:02x}) has bus='0x{:02x}', but index must be larger than bus",
                addr.bus
            )));
        }
    }
    Ok(())
}

/// Assigns PCI addresses to the whole domain, adding the PCI controllers it needs.
pub fn assign(def: &mut DomainDef, caps: &QemuCaps) -> Result<()> {
    let max_idx = def
        .devices
        .controllers
        .iter()
        .filter(|c| c.kind == ControllerType::Pci)
        .filter_map(|c| c.index)
        .max();
    let mut nbuses = max_idx.map_or(0, |m| m as usize + 1);
    let k = Kinds::of(def, caps);
    if nbuses > 0 {
        let mut set = create(def, caps, nbuses, true)?;
        chipset(def, &mut set, &k)?;
        if has_root(def, PciModel::PciRoot) && !set.all_fully_reserved() {
            // A spare slot, so a bridge can always be plugged in later.
            set.reserve_next(Connect::PCI_DEVICE | Connect::AUTOASSIGN, None)?;
        }
        assign_slots(def, &mut set, &k)?;
        if max_idx == Some(0) && set.buses.len() > nbuses && has_root(def, PciModel::PcieRoot) {
            // libvirt chose the topology: leave one empty root port for hot-plug.
            set.reserve_next(Connect::PCIE_DEVICE | Connect::AUTOASSIGN, None)?;
        }
        for i in 1..set.buses.len() {
            let exists = def
                .devices
                .controllers
                .iter()
                .any(|c| c.kind == ControllerType::Pci && c.index == Some(i as u32));
            let Some(model) = set.buses[i].model else {
                continue;
            };
            if exists {
                continue;
            }
            let mut c = Controller::new_implicit(ControllerType::Pci, i as u32);
            c.model = Some(ControllerModel::Pci(model));
            def.devices.controllers.push(c);
            if !matches!(model, PciModel::PciRoot | PciModel::PcieRoot) {
                set.reserve_next(Connect::of_controller(model), None)?;
            }
        }
        nbuses = set.buses.len();
    }
    let mut set = create(def, caps, nbuses, false)?;
    chipset(def, &mut set, &k)?;
    assign_slots(def, &mut set, &k)?;
    set_all_multi(def);
    controller_defaults(def, caps)
}
