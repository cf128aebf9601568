//! USB ports for USB devices (hubs, host devices, disks, CCID, inputs, USB serial ports,
//! USB audio, redirection): each takes the first free port of the first controller with
//! one, in libvirt's device order, so `<address type='usb' bus='0' port='N'/>` is fixed
//! at define time. Hubs come first and add their own ports (as `port='1.N'`); when the
//! controllers have too few ports, hubs are added.

use super::{internal, unsupported, xml_error};
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::SerialTargetType;
use rvirt_xml::domain::devices::controller::{ControllerModel, ControllerType, UsbModel};
use rvirt_xml::domain::devices::disk::DiskBus;
use rvirt_xml::domain::devices::input::InputBus;
use rvirt_xml::domain::devices::misc::HubType;
use rvirt_xml::domain::devices::sound::SoundModel;
use rvirt_xml::domain::devices::{Controller, Hub};
use rvirt_xml::domain::info::{Address, DeviceInfo};
use rvirt_xml::domain::DomainDef;

/// Ports of a USB hub.
const HUB_PORTS: usize = 8;
/// How deep port paths go (`1.2.3.4`).
const MAX_DEPTH: usize = 4;

/// The root ports a controller model provides (ICH9 UHCI companions provide none: their
/// EHCI counts for them).
fn ports_of(c: &Controller) -> usize {
    let model = match c.model {
        Some(ControllerModel::Usb(m)) => Some(m),
        _ => None,
    };
    match model {
        None | Some(UsbModel::Piix3Uhci | UsbModel::Piix4Uhci | UsbModel::Vt82c686bUhci) => 2,
        Some(UsbModel::Ehci | UsbModel::Ich9Ehci1) => 6,
        Some(UsbModel::Ich9Uhci1 | UsbModel::Ich9Uhci2 | UsbModel::Ich9Uhci3) => 0,
        Some(UsbModel::PciOhci) => 3,
        Some(UsbModel::NecXhci | UsbModel::QemuXhci) => c.ports.map_or(4, |p| p as usize),
        Some(UsbModel::Qusb1 | UsbModel::Qusb2) => c.ports.map_or(8, |p| p as usize),
        Some(UsbModel::None) => 0,
    }
}

/// A controller's root hub or a USB hub: which ports are taken, and the hubs on them.
#[derive(Clone, Debug)]
struct PortHub {
    taken: Vec<bool>,
    hubs: Vec<Option<PortHub>>,
}

impl PortHub {
    fn new(n: usize) -> PortHub {
        PortHub {
            taken: vec![false; n],
            hubs: vec![None; n],
        }
    }

    /// The first free port here, else on the hubs plugged in here (depth first).
    fn free_port(&self, level: usize) -> Option<Vec<usize>> {
        if let Some(p) = self.taken.iter().position(|t| !t) {
            return Some(vec![p + 1]);
        }
        if level + 1 >= MAX_DEPTH {
            return None;
        }
        self.hubs.iter().enumerate().find_map(|(i, h)| {
            let mut rest = h.as_ref()?.free_port(level + 1)?;
            rest.insert(0, i + 1);
            Some(rest)
        })
    }
}

/// USB devices by family and index.
#[derive(Clone, Copy)]
enum Family {
    Hub,
    Hostdev,
    Disk,
    Ccid,
    Input,
    Serial,
    Sound,
    Redirdev,
}

/// Every USB device in libvirt's order (hubs first unless `skip_hubs`).
fn usb_devices(def: &DomainDef, skip_hubs: bool) -> Vec<(Family, usize)> {
    let d = &def.devices;
    let mut out = Vec::new();
    fn pick<T>(out: &mut Vec<(Family, usize)>, f: Family, list: &[T], keep: impl Fn(&T) -> bool) {
        out.extend(
            list.iter()
                .enumerate()
                .filter(|(_, x)| keep(x))
                .map(|(i, _)| (f, i)),
        );
    }
    if !skip_hubs {
        pick(&mut out, Family::Hub, &d.hubs, |h| {
            h.hub_type == HubType::Usb
        });
    }
    pick(&mut out, Family::Hostdev, &d.hostdevs, |h| h.is_usb());
    pick(&mut out, Family::Disk, &d.disks, |x| {
        x.target.bus == Some(DiskBus::Usb)
    });
    pick(&mut out, Family::Ccid, &d.controllers, |c| {
        c.kind == ControllerType::Ccid
    });
    pick(&mut out, Family::Input, &d.inputs, |x| {
        x.bus == Some(InputBus::Usb)
    });
    pick(&mut out, Family::Serial, &d.serials, |x| {
        x.serial_target_type() == Some(SerialTargetType::UsbSerial)
    });
    pick(&mut out, Family::Sound, &d.sounds, |x| {
        x.model == SoundModel::Usb
    });
    pick(&mut out, Family::Redirdev, &d.redirdevs, |_| true);
    out
}

fn info_mut(def: &mut DomainDef, (f, i): (Family, usize)) -> Option<&mut DeviceInfo> {
    let d = &mut def.devices;
    Some(match f {
        Family::Hub => &mut d.hubs.get_mut(i)?.info,
        Family::Hostdev => &mut d.hostdevs.get_mut(i)?.info,
        Family::Disk => &mut d.disks.get_mut(i)?.info,
        Family::Ccid => &mut d.controllers.get_mut(i)?.info,
        Family::Input => &mut d.inputs.get_mut(i)?.info,
        Family::Serial => &mut d.serials.get_mut(i)?.info,
        Family::Sound => &mut d.sounds.get_mut(i)?.info,
        Family::Redirdev => &mut d.redirdevs.get_mut(i)?.info,
    })
}

/// A USB address with a port path, as (bus, path).
fn usb_path(info: &DeviceInfo) -> Option<(usize, Vec<usize>)> {
    match &info.address {
        Some(Address::Usb { bus, port: Some(p) }) => {
            let path: Option<Vec<usize>> = p.split('.').map(|x| x.parse().ok()).collect();
            path.filter(|v| !v.is_empty() && v[0] != 0)
                .map(|v| (*bus as usize, v))
        }
        _ => None,
    }
}

/// All the controllers' root hubs, by controller index.
struct Buses(Vec<Option<PortHub>>);

impl Buses {
    /// The hub a port path ends on, and the port's index there.
    fn find(&mut self, bus: usize, path: &[usize]) -> Result<(&mut PortHub, usize)> {
        let shown = path
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let Some(Some(root)) = self.0.get_mut(bus) else {
            return Err(xml_error(format!("Missing USB bus {bus}")));
        };
        let mut hub: &mut PortHub = root;
        let (last, hops) = path.split_last().unwrap_or((&0, &[]));
        for p in hops {
            let idx = p.wrapping_sub(1);
            if idx >= hub.hubs.len() {
                return Err(xml_error(format!(
                    "port {p} out of range in USB address bus: {bus} port: {shown}"
                )));
            }
            hub = match hub.hubs[idx].as_mut() {
                Some(h) => h,
                None => {
                    return Err(xml_error(format!(
                        "there is no hub at port {p} in USB address bus: {bus} port: {shown}"
                    )))
                }
            };
        }
        let target = last.wrapping_sub(1);
        if target >= hub.taken.len() {
            return Err(xml_error(format!(
                "requested USB port {shown} not present on USB bus {bus}"
            )));
        }
        Ok((hub, target))
    }

    fn reserve(&mut self, bus: usize, path: &[usize]) -> Result<()> {
        let shown = path
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let (hub, p) = self.find(bus, path)?;
        if hub.taken[p] {
            return Err(xml_error(format!(
                "Duplicate USB address bus {bus} port {shown}"
            )));
        }
        hub.taken[p] = true;
        Ok(())
    }

    fn add_hub(&mut self, bus: usize, path: &[usize]) -> Result<()> {
        let shown = path
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let (hub, p) = self.find(bus, path)?;
        if hub.hubs[p].is_some() {
            return Err(xml_error(format!(
                "Duplicate USB hub on bus {bus} port {shown}"
            )));
        }
        hub.taken[p] = true;
        hub.hubs[p] = Some(PortHub::new(HUB_PORTS));
        Ok(())
    }

    /// Takes a free port (on bus `only` when given) and writes it into `info`.
    fn assign(
        &mut self,
        info: &mut DeviceInfo,
        only: Option<usize>,
    ) -> Result<(usize, Vec<usize>)> {
        let buses: Vec<usize> = match only {
            Some(b) => {
                if !matches!(self.0.get(b), Some(Some(_))) {
                    return Err(xml_error(format!(
                        "USB bus {b} requested but no controller with that index is present"
                    )));
                }
                vec![b]
            }
            None => (0..self.0.len()).collect(),
        };
        for b in buses {
            let Some(Some(hub)) = self.0.get(b) else {
                continue;
            };
            let Some(path) = hub.free_port(0) else {
                continue;
            };
            self.reserve(b, &path)?;
            info.address = Some(Address::Usb {
                bus: b as u32,
                port: Some(
                    path.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join("."),
                ),
            });
            return Ok((b, path));
        }
        Err(internal("No free USB ports"))
    }
}

/// The bus a device asks for without naming a port, `None` when any bus will do;
/// `Err(())` when the device already has its port.
fn wanted_bus(info: &DeviceInfo) -> std::result::Result<Option<usize>, ()> {
    match &info.address {
        None => Ok(None),
        Some(Address::Usb { bus, .. }) if usb_path(info).is_none() => Ok(Some(*bus as usize)),
        _ => Err(()),
    }
}

/// Assigns USB ports (libvirt's address cache of a new domain).
pub fn assign(def: &mut DomainDef) -> Result<()> {
    let all = usb_devices(def, false);
    let has_usb = def.devices.controllers.iter().any(|c| {
        c.kind == ControllerType::Usb && c.model != Some(ControllerModel::Usb(UsbModel::None))
    });
    if !all.is_empty() && !has_usb {
        // Inputs, host devices and hubs have their own messages in the generic checks.
        let generic = def
            .devices
            .inputs
            .iter()
            .any(|i| i.bus == Some(InputBus::Usb))
            || def.devices.hostdevs.iter().any(|h| h.is_usb())
            || !def.devices.hubs.is_empty()
            || !def.devices.redirdevs.is_empty();
        if generic {
            return Ok(());
        }
        return Err(unsupported(
            "USB is disabled for this domain, but USB devices are present in the domain XML",
        ));
    }
    let controllers: Vec<&Controller> = def
        .devices
        .controllers
        .iter()
        .filter(|c| c.kind == ControllerType::Usb)
        .collect();
    let available: usize = controllers.iter().map(|c| ports_of(c)).sum::<usize>()
        + HUB_PORTS
            * def
                .devices
                .hubs
                .iter()
                .filter(|h| h.hub_type == HubType::Usb)
                .count();
    if all.len() > available {
        let needed = (all.len() - available + 1).div_ceil(HUB_PORTS - 1);
        for _ in 0..needed {
            def.devices.hubs.push(Hub {
                hub_type: HubType::Usb,
                info: DeviceInfo::default(),
            });
        }
    }
    let mut buses = Buses(Vec::new());
    for c in def
        .devices
        .controllers
        .iter()
        .filter(|c| c.kind == ControllerType::Usb)
    {
        let n = ports_of(c);
        if n == 0 {
            continue;
        }
        let idx = c.index.unwrap_or(0) as usize;
        if buses.0.len() <= idx {
            buses.0.resize(idx + 1, None);
        } else if buses.0[idx].is_some() {
            return Err(xml_error(format!(
                "Duplicate USB controllers with index {idx}"
            )));
        }
        buses.0[idx] = Some(PortHub::new(n));
    }
    for h in def
        .devices
        .hubs
        .iter()
        .filter(|h| h.hub_type == HubType::Usb)
    {
        if let Some((b, path)) = usb_path(&h.info) {
            buses.add_hub(b, &path)?;
        }
    }
    for key in usb_devices(def, true) {
        let Some(info) = info_mut(def, key) else {
            continue;
        };
        if let Some((b, path)) = usb_path(info) {
            buses.reserve(b, &path)?;
        }
    }
    for i in 0..def.devices.hubs.len() {
        let h = &mut def.devices.hubs[i];
        if h.hub_type != HubType::Usb {
            continue;
        }
        let Ok(only) = wanted_bus(&h.info) else {
            continue;
        };
        let (b, path) = buses.assign(&mut h.info, only)?;
        // The port is taken by the hub itself, which brings ports of its own.
        let (hub, p) = buses.find(b, &path)?;
        hub.hubs[p] = Some(PortHub::new(HUB_PORTS));
    }
    for key in usb_devices(def, true) {
        let Some(info) = info_mut(def, key) else {
            continue;
        };
        let Ok(only) = wanted_bus(info) else { continue };
        buses.assign(info, only)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_searched_on_the_root_then_on_hubs() {
        let mut root = PortHub::new(2);
        assert_eq!(root.free_port(0), Some(vec![1]));
        root.taken = vec![true, true];
        assert_eq!(root.free_port(0), None);
        let mut hub = PortHub::new(HUB_PORTS);
        hub.taken[0] = true;
        root.hubs[1] = Some(hub);
        assert_eq!(root.free_port(0), Some(vec![2, 2]));
    }

    #[test]
    fn reserving_checks_paths_like_libvirt() {
        let mut buses = Buses(vec![Some(PortHub::new(2))]);
        buses.reserve(0, &[1]).expect("free");
        assert_eq!(
            buses.reserve(0, &[1]).expect_err("taken").message,
            "XML error: Duplicate USB address bus 0 port 1"
        );
        assert_eq!(
            buses.reserve(0, &[3]).expect_err("no port 3").message,
            "XML error: requested USB port 3 not present on USB bus 0"
        );
        assert_eq!(
            buses.reserve(0, &[2, 1]).expect_err("no hub").message,
            "XML error: there is no hub at port 2 in USB address bus: 0 port: 2.1"
        );
        assert_eq!(
            buses.reserve(1, &[1]).expect_err("no bus").message,
            "XML error: Missing USB bus 1"
        );
        buses.add_hub(0, &[2]).expect("hub");
        buses.reserve(0, &[2, 8]).expect("hub port");
    }
}
