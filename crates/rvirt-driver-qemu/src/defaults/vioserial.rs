//! Ports on virtio-serial controllers for virtio channels and consoles. Port 0 of a
//! controller is for consoles; channels take ports from 1. The consoles' port is taken
//! but never written into the XML (QEMU numbers consoles itself), and when every
//! controller is full a new one is added.

use super::{internal, xml_error};
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::{ChannelTarget, ChrTarget, ConsoleTargetType};
use rvirt_xml::domain::devices::controller::ControllerType;
use rvirt_xml::domain::devices::{Chr, Controller};
use rvirt_xml::domain::info::Address;
use rvirt_xml::domain::DomainDef;

/// The ports of a controller without `ports=`.
const DEFAULT_PORTS: u32 = 31;

/// The controllers and their taken ports, by controller index.
struct Ports {
    controllers: Vec<(u32, Vec<bool>)>,
}

impl Ports {
    fn add(&mut self, c: &Controller) -> Result<()> {
        let idx = c.index.unwrap_or(0);
        let ports = c.ports.unwrap_or(DEFAULT_PORTS) as usize;
        if self.controllers.iter().any(|(i, _)| *i == idx) {
            return Err(internal(format!(
                "virtio serial controller with index {idx} already exists in the address set"
            )));
        }
        let at = self
            .controllers
            .iter()
            .position(|(i, _)| *i > idx)
            .unwrap_or(self.controllers.len());
        self.controllers.insert(at, (idx, vec![false; ports]));
        Ok(())
    }

    fn reserve(&mut self, controller: u32, port: u32) -> Result<()> {
        let Some((_, map)) = self.controllers.iter_mut().find(|(i, _)| *i == controller) else {
            return Err(xml_error(format!(
                "virtio serial controller {controller} is missing"
            )));
        };
        match map.get_mut(port as usize) {
            None => Err(xml_error(format!(
                "virtio serial controller {controller} does not have port {port}"
            ))),
            Some(true) => Err(xml_error(format!(
                "virtio serial port {port} on controller {controller} is already occupied"
            ))),
            Some(b) => {
                *b = true;
                Ok(())
            }
        }
    }
}

fn first_free(map: &[bool], from: usize) -> Option<usize> {
    (from..map.len()).find(|p| !map[*p])
}

/// A complete virtio-serial address (a port other than 0).
fn complete(c: &Chr) -> Option<(u32, u32)> {
    match c.info.address {
        Some(Address::VirtioSerial {
            controller, port, ..
        }) if port != 0 => Some((controller, port)),
        _ => None,
    }
}

fn is_virtio_console(c: &Chr) -> bool {
    c.console_target_type() == Some(ConsoleTargetType::Virtio)
}

fn is_virtio_channel(c: &Chr) -> bool {
    matches!(c.target, ChrTarget::Channel(ChannelTarget::Virtio { .. }))
}

/// Assigns virtio-serial ports to the consoles and channels that need them.
pub fn assign(def: &mut DomainDef) -> Result<()> {
    let mut ports = Ports {
        controllers: Vec::new(),
    };
    for c in &def.devices.controllers {
        if c.kind == ControllerType::VirtioSerial {
            ports.add(c)?;
        }
    }
    let d = &def.devices;
    for c in d
        .serials
        .iter()
        .chain(&d.parallels)
        .chain(&d.channels)
        .chain(&d.consoles)
    {
        if let Some((ctrl, port)) = complete(c) {
            ports.reserve(ctrl, port)?;
        }
    }
    // Virtio consoles are numbered by QEMU on port 0 upwards and only keep port 0 from
    // channels (libvirt 9.0 reserves it once, however many consoles there are).
    let console = def
        .devices
        .consoles
        .iter()
        .position(|c| is_virtio_console(c) && complete(c).is_none());
    if let Some(i) = console {
        next(def, &mut ports, Family::Console, i)?;
    }
    for i in 0..def.devices.channels.len() {
        let c = &def.devices.channels[i];
        if is_virtio_channel(c) && complete(c).is_none() {
            next(def, &mut ports, Family::Channel, i)?;
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Console,
    Channel,
}

fn chr(def: &mut DomainDef, f: Family, i: usize) -> &mut Chr {
    match f {
        Family::Console => &mut def.devices.consoles[i],
        Family::Channel => &mut def.devices.channels[i],
    }
}

/// Takes the next port for one console or channel.
fn next(def: &mut DomainDef, ports: &mut Ports, f: Family, i: usize) -> Result<()> {
    let console = f == Family::Console;
    let from = usize::from(!console);
    let given = match chr(def, f, i).info.address {
        Some(Address::VirtioSerial { controller, .. }) => Some(controller),
        _ => None,
    };
    let (controller, port) = match given {
        Some(ctrl) => {
            let Some((_, map)) = ports.controllers.iter().find(|(c, _)| *c == ctrl) else {
                return Err(internal(format!(
                    "virtio-serial controller {ctrl} not available"
                )));
            };
            match first_free(map, 1) {
                Some(p) => (ctrl, p as u32),
                None => {
                    return Err(xml_error(format!(
                        "Unable to find a free port on virtio-serial controller {ctrl}"
                    )))
                }
            }
        }
        None => {
            if ports.controllers.is_empty() {
                return Err(internal("no virtio-serial controllers are available"));
            }
            let found = ports
                .controllers
                .iter()
                .find_map(|(c, map)| first_free(map, from).map(|p| (*c, p as u32)));
            match found {
                Some(x) => x,
                None => {
                    let idx = (0..)
                        .find(|n| {
                            !def.devices.controllers.iter().any(|c| {
                                c.kind == ControllerType::VirtioSerial && c.index == Some(*n)
                            })
                        })
                        .unwrap_or(0);
                    let c = Controller::new_implicit(ControllerType::VirtioSerial, idx);
                    ports.add(&c)?;
                    def.devices.controllers.push(c);
                    (idx, from as u32)
                }
            }
        }
    };
    ports.reserve(controller, port)?;
    if !console {
        chr(def, f, i).info.address = Some(Address::VirtioSerial {
            controller,
            bus: 0,
            port,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ports: u32) -> Ports {
        let mut p = Ports {
            controllers: Vec::new(),
        };
        let mut c = Controller::new_implicit(ControllerType::VirtioSerial, 0);
        c.ports = Some(ports);
        p.add(&c).expect("add");
        p
    }

    #[test]
    fn reservations_are_checked_like_libvirt() {
        let mut p = set(2);
        p.reserve(0, 1).expect("free");
        assert_eq!(
            p.reserve(0, 1).expect_err("taken").message,
            "XML error: virtio serial port 1 on controller 0 is already occupied"
        );
        assert_eq!(
            p.reserve(0, 2).expect_err("beyond").message,
            "XML error: virtio serial controller 0 does not have port 2"
        );
        assert_eq!(
            p.reserve(3, 1).expect_err("missing").message,
            "XML error: virtio serial controller 3 is missing"
        );
        let dup = Controller::new_implicit(ControllerType::VirtioSerial, 0);
        assert!(p.add(&dup).is_err());
    }

    #[test]
    fn controllers_stay_sorted_by_index() {
        let mut p = set(4);
        p.add(&Controller::new_implicit(ControllerType::VirtioSerial, 5))
            .expect("add");
        p.add(&Controller::new_implicit(ControllerType::VirtioSerial, 2))
            .expect("add");
        let order: Vec<u32> = p.controllers.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![0, 2, 5]);
        assert_eq!(first_free(&p.controllers[0].1, 1), Some(1));
    }
}
