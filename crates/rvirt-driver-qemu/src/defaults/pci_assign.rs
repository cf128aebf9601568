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

use super::pci::{AddressSet, Connect, PciAddr};
use super::{internal, unsupported};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::SerialTargetType;
use rvirt_xml::domain::devices::controller::{
    ControllerModel, ControllerType, PciModel, PciModelName, ScsiModel, UsbModel,
};
use rvirt_xml::domain::devices::disk::DiskBus;
use rvirt_xml::domain::devices::hostdev::HostdevSource;
use rvirt_xml::domain::devices::input::InputBus;
use rvirt_xml::domain::devices::interface_parts::NetSource;
use rvirt_xml::domain::devices::memory::MemoryModel;
use rvirt_xml::domain::devices::misc::{IommuModel, WatchdogModel};
use rvirt_xml::domain::devices::sound::SoundModel;
use rvirt_xml::domain::devices::video::VideoModel;
use rvirt_xml::domain::devices::Controller;
use rvirt_xml::domain::info::Address;
use rvirt_xml::domain::DomainDef;

use super::pci_chipset::{chipset, is_piix3_builtin};
use super::pci_devices::*;

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

/// Gives the device the next free slot for its kind (written down only in the real pass).
pub(super) fn take(def: &mut DomainDef, set: &mut AddressSet, key: Key, k: &Kinds) -> Result<()> {
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
