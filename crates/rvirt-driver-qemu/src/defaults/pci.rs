//! The PCI address allocator: which slots of which buses are taken, what each bus accepts,
//! and where the next device of a kind goes, with libvirt's rules, so automatically
//! assigned addresses are the ones libvirt assigns.
//!
//! A bus accepts devices by *connection type* (conventional PCI endpoint, PCI Express
//! endpoint, root port, bridge, ...), and a device asks for the types it can use
//! ([`Connect`]). Searching goes bus by bus, slot by slot, from the lowest number. In a
//! *dry run* the set grows instead of failing: when no bus has room, buses are appended
//! (PCIe root ports, or a PCIe-to-PCI bridge behind its own root port for conventional
//! devices on a PCIe machine, or PCI bridges), which is how the caller learns which
//! controllers to add before the real assignment pass.

use super::{internal, xml_error};
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::PciModel;
use rvirt_xml::XmlEnum;
use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};

/// Connection flags: the kinds of connection a device needs or a bus offers, plus how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Connect(pub u32);

impl Connect {
    pub const NONE: Connect = Connect(0);
    /// The device may be placed automatically / the bus takes automatic placements.
    pub const AUTOASSIGN: Connect = Connect(1 << 0);
    /// Hot-plug capable.
    pub const HOTPLUGGABLE: Connect = Connect(1 << 1);
    pub const PCI_DEVICE: Connect = Connect(1 << 2);
    pub const PCIE_DEVICE: Connect = Connect(1 << 3);
    pub const PCIE_ROOT_PORT: Connect = Connect(1 << 4);
    pub const PCIE_SWITCH_UPSTREAM_PORT: Connect = Connect(1 << 5);
    pub const PCIE_SWITCH_DOWNSTREAM_PORT: Connect = Connect(1 << 6);
    pub const DMI_TO_PCI_BRIDGE: Connect = Connect(1 << 7);
    pub const PCI_EXPANDER_BUS: Connect = Connect(1 << 8);
    pub const PCIE_EXPANDER_BUS: Connect = Connect(1 << 9);
    pub const PCI_BRIDGE: Connect = Connect(1 << 10);
    pub const PCIE_TO_PCI_BRIDGE: Connect = Connect(1 << 11);
    /// Several such devices may share one slot on different functions (root ports).
    pub const AGGREGATE_SLOT: Connect = Connect(1 << 12);
    /// Must sit directly on the root bus.
    pub const INTEGRATED: Connect = Connect(1 << 13);

    /// Every connection type (as opposed to the how-flags).
    pub const TYPES: Connect = Connect(0b1111_1111_1100);
    /// Endpoint devices of either kind.
    pub const ENDPOINT: Connect = Connect((1 << 2) | (1 << 3));

    pub fn has(self, other: Connect) -> bool {
        self.0 & other.0 != 0
    }

    /// The flags a PCI controller of `model` needs upstream (0 for the roots).
    pub fn of_controller(model: PciModel) -> Connect {
        match model {
            PciModel::PciRoot | PciModel::PcieRoot => Connect::NONE,
            PciModel::PciBridge => Connect::PCI_BRIDGE,
            PciModel::PciExpanderBus => Connect::PCI_EXPANDER_BUS,
            PciModel::PcieExpanderBus => Connect::PCIE_EXPANDER_BUS,
            PciModel::DmiToPciBridge => Connect::DMI_TO_PCI_BRIDGE,
            PciModel::PcieToPciBridge => Connect::PCIE_TO_PCI_BRIDGE,
            PciModel::PcieRootPort => Connect::PCIE_ROOT_PORT | Connect::AGGREGATE_SLOT,
            PciModel::PcieSwitchUpstreamPort => Connect::PCIE_SWITCH_UPSTREAM_PORT,
            PciModel::PcieSwitchDownstreamPort => Connect::PCIE_SWITCH_DOWNSTREAM_PORT,
        }
    }

    /// The controller model a device of these flags is itself (for error messages).
    fn as_controller(self) -> Option<PciModel> {
        [
            (Connect::PCIE_ROOT_PORT, PciModel::PcieRootPort),
            (
                Connect::PCIE_SWITCH_UPSTREAM_PORT,
                PciModel::PcieSwitchUpstreamPort,
            ),
            (
                Connect::PCIE_SWITCH_DOWNSTREAM_PORT,
                PciModel::PcieSwitchDownstreamPort,
            ),
            (Connect::DMI_TO_PCI_BRIDGE, PciModel::DmiToPciBridge),
            (Connect::PCI_EXPANDER_BUS, PciModel::PciExpanderBus),
            (Connect::PCIE_EXPANDER_BUS, PciModel::PcieExpanderBus),
            (Connect::PCI_BRIDGE, PciModel::PciBridge),
        ]
        .into_iter()
        .find(|(f, _)| self.has(*f))
        .map(|(_, m)| m)
    }

    /// How libvirt names the connection a device needs, in "It requires a controller
    /// that accepts a ..." messages.
    fn describe(self) -> Option<&'static str> {
        [
            (Connect::PCI_DEVICE, "standard PCI device"),
            (Connect::PCIE_DEVICE, "PCI Express device"),
            (Connect::PCIE_ROOT_PORT, "pcie-root-port"),
            (
                Connect::PCIE_SWITCH_UPSTREAM_PORT,
                "pcie-switch-upstream-port",
            ),
            (
                Connect::PCIE_SWITCH_DOWNSTREAM_PORT,
                "pcie-switch-downstream-port",
            ),
            (Connect::DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"),
            (Connect::PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"),
            (Connect::PCI_EXPANDER_BUS, "pci-expander-bus"),
            (Connect::PCIE_EXPANDER_BUS, "pcie-expander-bus"),
            (Connect::PCI_BRIDGE, "pci-bridge"),
        ]
        .into_iter()
        .find(|(f, _)| self.has(*f))
        .map(|(_, s)| s)
    }
}

impl BitOr for Connect {
    type Output = Connect;
    fn bitor(self, o: Connect) -> Connect {
        Connect(self.0 | o.0)
    }
}

impl BitOrAssign for Connect {
    fn bitor_assign(&mut self, o: Connect) {
        self.0 |= o.0;
    }
}

impl BitAnd for Connect {
    type Output = Connect;
    fn bitand(self, o: Connect) -> Connect {
        Connect(self.0 & o.0)
    }
}

/// One PCI function's address (domain 0 only: libvirt supports no other).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciAddr {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
}

impl PciAddr {
    pub fn new(bus: u32, slot: u32, function: u32) -> PciAddr {
        PciAddr {
            domain: 0,
            bus,
            slot,
            function,
        }
    }
}

impl fmt::Display for PciAddr {
    /// libvirt's `virPCIDeviceAddressAsString`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }
}

/// The highest slot and function numbers.
const SLOT_LAST: u32 = 31;
const FUNCTION_LAST: u32 = 7;

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// Bit N set: function N is taken.
    functions: u8,
    /// The slot's first user accepts company on its other functions.
    aggregate: bool,
}

/// One bus: what it accepts and which of its slots are taken.
#[derive(Clone, Debug)]
pub struct Bus {
    pub model: Option<PciModel>,
    pub flags: Connect,
    pub min_slot: u32,
    pub max_slot: u32,
    slots: [Slot; 32],
}

impl Default for Bus {
    fn default() -> Bus {
        Bus {
            model: None,
            flags: Connect::NONE,
            min_slot: 0,
            max_slot: 0,
            slots: [Slot::default(); 32],
        }
    }
}

impl Bus {
    /// Sets what a bus provided by a controller of `model` accepts downstream.
    pub fn set_model(&mut self, model: PciModel, hotplug: bool) {
        let hp = if hotplug {
            Connect::HOTPLUGGABLE
        } else {
            Connect::NONE
        };
        let auto_pci = Connect::AUTOASSIGN | Connect::PCI_DEVICE | Connect::PCI_BRIDGE;
        let (flags, min, max) = match model {
            PciModel::PciRoot => (auto_pci | Connect::PCI_EXPANDER_BUS | hp, 1, SLOT_LAST),
            PciModel::PciBridge | PciModel::PcieToPciBridge => (auto_pci | hp, 1, SLOT_LAST),
            PciModel::PciExpanderBus => (auto_pci | hp, 0, SLOT_LAST),
            PciModel::PcieRoot => (
                Connect::PCIE_DEVICE
                    | Connect::PCIE_ROOT_PORT
                    | Connect::DMI_TO_PCI_BRIDGE
                    | Connect::PCIE_EXPANDER_BUS,
                1,
                SLOT_LAST,
            ),
            PciModel::DmiToPciBridge => (Connect::PCI_DEVICE | Connect::PCI_BRIDGE, 0, SLOT_LAST),
            PciModel::PcieRootPort | PciModel::PcieSwitchDownstreamPort => (
                Connect::AUTOASSIGN
                    | Connect::PCIE_DEVICE
                    | Connect::PCIE_SWITCH_UPSTREAM_PORT
                    | Connect::PCIE_TO_PCI_BRIDGE
                    | hp,
                0,
                0,
            ),
            PciModel::PcieSwitchUpstreamPort => {
                (Connect::PCIE_SWITCH_DOWNSTREAM_PORT, 0, SLOT_LAST)
            }
            PciModel::PcieExpanderBus => (
                Connect::PCIE_ROOT_PORT | Connect::DMI_TO_PCI_BRIDGE,
                0,
                SLOT_LAST,
            ),
        };
        self.model = Some(model);
        self.flags = flags;
        self.min_slot = min;
        self.max_slot = max;
    }

    fn is_fully_reserved(&self) -> bool {
        (self.min_slot..=self.max_slot).all(|s| self.slots[s as usize].functions != 0)
    }
}

/// Whether a device of `dev` flags may use address `addr` on a bus offering `bus` flags;
/// the error explains why not. Addresses written in the XML (`from_config`) may put
/// conventional devices on Express slots and vice versa.
fn compatible(
    addr: &PciAddr,
    bus_flags: Connect,
    dev: Connect,
    from_config: bool,
) -> std::result::Result<(), String> {
    let mut bus_flags = bus_flags;
    let mut dev = dev;
    if dev.has(Connect::INTEGRATED) {
        if addr.bus != 0 {
            return Err(format!(
                "The device at PCI address {addr} needs to be an integrated device (bus=0)"
            ));
        }
        bus_flags |= Connect::AUTOASSIGN;
    }
    if from_config {
        if bus_flags.has(Connect::ENDPOINT) {
            bus_flags |= Connect::ENDPOINT;
        }
        if dev.has(Connect::PCI_BRIDGE) {
            dev |= Connect::PCI_DEVICE;
        }
    } else if dev.has(Connect::AUTOASSIGN) && !bus_flags.has(Connect::AUTOASSIGN) {
        return Err(format!(
            "The device at PCI address {addr} was auto-assigned this address, but the PCI controller with index='{}' doesn't allow auto-assignment",
            addr.bus
        ));
    }
    if dev.has(Connect::HOTPLUGGABLE) && !bus_flags.has(Connect::HOTPLUGGABLE) {
        return Err(format!(
            "The device at PCI address {addr} requires hotplug capability, but the PCI controller with index='{}' doesn't support hotplug",
            addr.bus
        ));
    }
    if !(dev & bus_flags).has(Connect::TYPES) {
        return Err(match dev.describe() {
            Some(what) => format!(
                "The device at PCI address {addr} cannot be plugged into the PCI controller with index='{}'. It requires a controller that accepts a {what}.",
                addr.bus
            ),
            None => format!(
                "The device at PCI address {addr} has unrecognized connection type flags 0x{:02x}",
                (dev & Connect::TYPES).0
            ),
        });
    }
    Ok(())
}

/// The set of PCI buses of a domain and their occupancy.
#[derive(Clone, Debug, Default)]
pub struct AddressSet {
    pub buses: Vec<Bus>,
    /// Grow instead of failing when full (the first of libvirt's two passes).
    pub dry_run: bool,
    /// The binary has `pcie-pci-bridge`, preferred over a DMI-to-PCI bridge.
    pub pcie_to_pci_bridge: bool,
}

/// Errors are XML errors when the address came from the XML, internal ones otherwise.
fn addr_error(from_config: bool, msg: String) -> rvirt_core::Error {
    if from_config {
        xml_error(msg)
    } else {
        internal(msg)
    }
}

impl AddressSet {
    pub fn new(nbuses: usize, dry_run: bool) -> AddressSet {
        AddressSet {
            buses: vec![Bus::default(); nbuses],
            dry_run,
            pcie_to_pci_bridge: false,
        }
    }

    /// Whether any function of `addr`'s slot is taken.
    pub fn slot_in_use(&self, addr: &PciAddr) -> bool {
        self.buses
            .get(addr.bus as usize)
            .is_some_and(|b| b.slots[addr.slot as usize & 31].functions != 0)
    }

    /// Whether every slot of every bus is taken.
    pub fn all_fully_reserved(&self) -> bool {
        self.buses.iter().all(Bus::is_fully_reserved)
    }

    /// Checks that `addr` exists and that its bus accepts a device of `flags`.
    pub fn validate(&self, addr: &PciAddr, flags: Connect, from_config: bool) -> Result<()> {
        let err = |m: String| Err(addr_error(from_config, m));
        if self.buses.is_empty() {
            return err("No PCI buses available".to_string());
        }
        if addr.domain != 0 {
            return err(format!(
                "Invalid PCI address {addr}. Only PCI domain 0 is available"
            ));
        }
        let Some(bus) = self.buses.get(addr.bus as usize) else {
            return err(format!(
                "Invalid PCI address {addr}. Only PCI buses up to {} are available",
                self.buses.len() - 1
            ));
        };
        if let Err(m) = compatible(addr, bus.flags, flags, from_config) {
            return err(m);
        }
        if bus.min_slot > 0 && addr.slot < bus.min_slot {
            return err(format!(
                "Invalid PCI address {addr}. slot must be >= {}",
                bus.min_slot
            ));
        }
        if addr.slot > bus.max_slot {
            return err(format!(
                "Invalid PCI address {addr}. slot must be <= {}",
                bus.max_slot
            ));
        }
        if addr.function > FUNCTION_LAST {
            return err(format!(
                "Invalid PCI address {addr}. function must be <= {FUNCTION_LAST}"
            ));
        }
        Ok(())
    }

    /// Takes the function at `addr` for a device of `flags` (growing the set first in a
    /// dry run when the address names a bus beyond the last).
    pub fn reserve(&mut self, addr: &mut PciAddr, flags: Connect, from_config: bool) -> Result<()> {
        if self.dry_run {
            self.grow(addr, flags)?;
        }
        self.validate(addr, flags, from_config)?;
        let slot = &mut self.buses[addr.bus as usize].slots[addr.slot as usize];
        if slot.functions & (1 << addr.function) != 0 {
            return Err(addr_error(
                from_config,
                format!("Attempted double use of PCI Address {addr}"),
            ));
        }
        if slot.functions == 0 && flags.has(Connect::AGGREGATE_SLOT) {
            slot.aggregate = true;
        }
        slot.functions |= 1 << addr.function;
        Ok(())
    }

    /// The first free place for a device of `flags`: a wholly free slot, or a free
    /// function of a slot shared by aggregating devices. `function` asks for a given
    /// function number (`None`: any, which is 0 on a free slot).
    pub fn next_addr(&mut self, flags: Connect, function: Option<u32>) -> Result<PciAddr> {
        if self.buses.is_empty() {
            return Err(xml_error("No PCI buses available"));
        }
        let mut a = PciAddr::new(0, 0, function.unwrap_or(0));
        for (b, bus) in self.buses.iter().enumerate() {
            a.bus = b as u32;
            a.slot = bus.min_slot;
            a.function = function.unwrap_or(0);
            if compatible(&a, bus.flags, flags, false).is_err() {
                continue;
            }
            while a.slot <= bus.max_slot {
                let slot = bus.slots[a.slot as usize];
                if slot.functions == 0 {
                    return Ok(a);
                }
                if flags.has(Connect::AGGREGATE_SLOT) && slot.aggregate {
                    if slot.functions & (1 << a.function) == 0 {
                        return Ok(a);
                    }
                    if function.is_none() {
                        if let Some(f) =
                            (a.function..=FUNCTION_LAST).find(|f| slot.functions & (1 << f) == 0)
                        {
                            a.function = f;
                            return Ok(a);
                        }
                        a.function = 0;
                    }
                }
                a.slot += 1;
            }
        }
        if self.dry_run {
            a = PciAddr::new(self.buses.len() as u32, 0, function.unwrap_or(0));
            self.grow(&mut a, flags)?;
            a.slot = self.buses[a.bus as usize].min_slot;
            return Ok(a);
        }
        Err(internal("No more available PCI slots"))
    }

    /// Finds and takes the next free place for a device of `flags`.
    pub fn reserve_next(&mut self, flags: Connect, function: Option<u32>) -> Result<PciAddr> {
        let mut a = self.next_addr(flags, function)?;
        self.reserve(&mut a, flags, false)?;
        Ok(a)
    }

    /// Appends buses so that `addr.bus` exists, choosing controllers that can take a
    /// device of `flags` (and moving `addr` to the bus that does).
    fn grow(&mut self, addr: &mut PciAddr, flags: Connect) -> Result<()> {
        let have = self.buses.len();
        if (addr.bus as usize) < have {
            return Ok(());
        }
        let mut add = addr.bus as usize + 1 - have;
        let model;
        let mut need_dmi = false;
        let mut need_pcie_bridge = false;
        if flags.has(Connect::PCI_DEVICE) {
            model = PciModel::PciBridge;
            let has_bridge_home = self.buses.iter().any(|b| b.flags.has(Connect::PCI_BRIDGE));
            if !has_bridge_home {
                if self.pcie_to_pci_bridge {
                    need_pcie_bridge = true;
                } else {
                    need_dmi = true;
                }
                if add == 1 {
                    add += 1;
                    addr.bus += 1;
                }
            }
        } else if flags.has(Connect::PCIE_DEVICE | Connect::PCIE_SWITCH_UPSTREAM_PORT) {
            model = PciModel::PcieRootPort;
        } else {
            return Err(match flags.as_controller() {
                Some(m) => internal(format!(
                    "a PCI slot is needed to connect a PCI controller model='{}', but none is available, and it cannot be automatically added",
                    m.as_xml()
                )),
                None => internal(format!(
                    "Cannot automatically add a new PCI bus for a device with connect flags {:02x}",
                    flags.0
                )),
            });
        }
        let mut i = have;
        self.buses.resize_with(have + add, Bus::default);
        if need_dmi {
            self.buses[i].set_model(PciModel::DmiToPciBridge, false);
            i += 1;
        }
        if need_pcie_bridge {
            // The root port is only for the bridge: later PCIe devices must not take it.
            self.buses[i].set_model(PciModel::PcieRootPort, true);
            self.buses[i].flags = Connect::PCIE_TO_PCI_BRIDGE;
            i += 1;
            self.buses[i].set_model(PciModel::PcieToPciBridge, true);
            i += 1;
        }
        while i < self.buses.len() {
            self.buses[i].set_model(model, true);
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PCI: Connect = Connect(Connect::PCI_DEVICE.0 | Connect::AUTOASSIGN.0);
    const PCIE: Connect = Connect(Connect::PCIE_DEVICE.0 | Connect::AUTOASSIGN.0);

    fn pc() -> AddressSet {
        let mut s = AddressSet::new(1, false);
        s.buses[0].set_model(PciModel::PciRoot, true);
        s
    }

    fn q35(dry_run: bool) -> AddressSet {
        let mut s = AddressSet::new(1, dry_run);
        s.buses[0].set_model(PciModel::PcieRoot, false);
        s.pcie_to_pci_bridge = true;
        s
    }

    #[test]
    fn conventional_devices_fill_slots_from_one_upwards() {
        let mut s = pc();
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(0, 1, 0)));
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(0, 2, 0)));
        let mut a = PciAddr::new(0, 4, 0);
        s.reserve(&mut a, PCI, true).expect("free");
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(0, 3, 0)));
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(0, 5, 0)));
    }

    #[test]
    fn double_use_and_bad_addresses_are_refused_in_libvirts_words() {
        let mut s = pc();
        let mut a = PciAddr::new(0, 5, 0);
        s.reserve(&mut a, PCI, true).expect("free");
        let e = s.reserve(&mut a, PCI, true).expect_err("taken");
        assert_eq!(
            e.message,
            "XML error: Attempted double use of PCI Address 0000:00:05.0"
        );
        let mut far = PciAddr::new(3, 1, 0);
        let e = s.reserve(&mut far, PCI, true).expect_err("no bus 3");
        assert_eq!(
            e.message,
            "XML error: Invalid PCI address 0000:03:01.0. Only PCI buses up to 0 are available"
        );
        let mut zero = PciAddr::new(0, 0, 0);
        let e = s.reserve(&mut zero, PCI, true).expect_err("slot 0");
        assert_eq!(
            e.message,
            "XML error: Invalid PCI address 0000:00:00.0. slot must be >= 1"
        );
    }

    #[test]
    fn a_full_set_fails_unless_dry_run() {
        let mut s = pc();
        for _ in 1..=31 {
            s.reserve_next(PCI, None).expect("room");
        }
        assert!(s.all_fully_reserved());
        assert_eq!(
            s.reserve_next(PCI, None).expect_err("full").message,
            "internal error: No more available PCI slots"
        );
        s.dry_run = true;
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(1, 1, 0)));
        assert_eq!(s.buses[1].model, Some(PciModel::PciBridge));
    }

    #[test]
    fn pcie_root_takes_no_endpoints_so_root_ports_are_added() {
        let mut s = q35(true);
        assert_eq!(s.reserve_next(PCIE, None).ok(), Some(PciAddr::new(1, 0, 0)));
        assert_eq!(s.reserve_next(PCIE, None).ok(), Some(PciAddr::new(2, 0, 0)));
        assert_eq!(s.buses[2].model, Some(PciModel::PcieRootPort));
        let port = Connect::of_controller(PciModel::PcieRootPort);
        // Root ports share slot 1 of the root bus, one function each.
        for f in 0..3 {
            assert_eq!(s.reserve_next(port, None).ok(), Some(PciAddr::new(0, 1, f)));
        }
    }

    #[test]
    fn a_conventional_device_on_pcie_gets_a_bridge_behind_its_own_port() {
        let mut s = q35(true);
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(2, 1, 0)));
        assert_eq!(s.buses[1].model, Some(PciModel::PcieRootPort));
        assert_eq!(s.buses[1].flags, Connect::PCIE_TO_PCI_BRIDGE);
        assert_eq!(s.buses[2].model, Some(PciModel::PcieToPciBridge));
        // The bridge's port takes nothing else; the next PCIe device gets a new port.
        assert_eq!(s.reserve_next(PCIE, None).ok(), Some(PciAddr::new(3, 0, 0)));
        // More conventional devices share the bridge.
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(2, 2, 0)));
    }

    #[test]
    fn without_pcie_pci_bridge_a_dmi_bridge_and_pci_bridge_are_used() {
        let mut s = q35(true);
        s.pcie_to_pci_bridge = false;
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(2, 1, 0)));
        assert_eq!(s.buses[1].model, Some(PciModel::DmiToPciBridge));
        assert_eq!(s.buses[2].model, Some(PciModel::PciBridge));
    }

    #[test]
    fn a_requested_function_gets_a_fresh_slot() {
        let mut s = pc();
        assert_eq!(
            s.reserve_next(PCI, Some(7)).ok(),
            Some(PciAddr::new(0, 1, 7))
        );
        assert!(s.slot_in_use(&PciAddr::new(0, 1, 0)));
        assert_eq!(s.reserve_next(PCI, None).ok(), Some(PciAddr::new(0, 2, 0)));
    }

    #[test]
    fn xml_addresses_may_mix_pci_and_pcie() {
        let mut s = q35(false);
        let mut a = PciAddr::new(0, 5, 0);
        s.reserve(&mut a, PCI, true).expect("from config");
        let e = s
            .validate(&PciAddr::new(0, 6, 0), PCI, false)
            .expect_err("auto");
        assert!(
            e.message.contains("doesn't allow auto-assignment"),
            "{}",
            e.message
        );
    }
}
