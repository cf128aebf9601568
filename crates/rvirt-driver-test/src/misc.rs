//! Host interfaces and node devices of the test driver.

use crate::state::DriverState;
use rvirt_core::{Error, ErrorCode, ErrorDomain, InterfaceRef, NodeDeviceRef, Result};
use rvirt_xml::nodedev::{CapType, Capability, NodeDeviceDef};
use rvirt_xml::XmlEnum;

/// Flag bits of `virConnectListAllNodeDevices` the 9.0 test driver accepts (the capability
/// filters).
const NODEDEV_CAP_FILTERS: u32 = (1 << 22) - 1;

impl DriverState {
    fn iface_ref(&self, i: usize) -> InterfaceRef {
        let d = &self.interfaces[i].def;
        InterfaceRef {
            name: d.name.clone(),
            mac: d.mac().unwrap_or_default().to_string(),
        }
    }

    pub fn ifaces(&self, flags: u32) -> Result<Vec<InterfaceRef>> {
        use rvirt_core::types::flags::list_interfaces as L;
        if flags & !(L::ACTIVE | L::INACTIVE) != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testConnectListAllInterfaces",
            ));
        }
        Ok((0..self.interfaces.len())
            .filter(|&i| {
                let a = self.interfaces[i].active;
                flags & (L::ACTIVE | L::INACTIVE) == 0
                    || (flags & L::ACTIVE != 0 && a)
                    || (flags & L::INACTIVE != 0 && !a)
            })
            .map(|i| self.iface_ref(i))
            .collect())
    }

    pub fn iface_by_name(&self, name: &str) -> Result<InterfaceRef> {
        let i = self
            .interfaces
            .iter()
            .position(|x| x.def.name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_INTERFACE,
                    Some(format!("no interface with matching name '{name}'")),
                )
            })?;
        Ok(self.iface_ref(i))
    }

    pub fn iface_by_mac(&self, mac: &str) -> Result<InterfaceRef> {
        let i = self
            .interfaces
            .iter()
            .position(|x| x.def.mac().is_some_and(|m| m.eq_ignore_ascii_case(mac)))
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_INTERFACE,
                    Some(format!("no interface with matching mac '{mac}'")),
                )
            })?;
        Ok(self.iface_ref(i))
    }

    fn iface_index(&self, r: &InterfaceRef) -> Result<usize> {
        self.interfaces
            .iter()
            .position(|x| x.def.name == r.name)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_INTERFACE,
                    Some(format!("no interface with matching name '{}'", r.name)),
                )
            })
    }

    pub fn iface_xml(&self, r: &InterfaceRef, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testInterfaceGetXMLDesc",
            ));
        }
        Ok(self.interfaces[self.iface_index(r)?].def.format())
    }

    pub fn iface_active(&self, r: &InterfaceRef) -> Result<bool> {
        Ok(self.interfaces[self.iface_index(r)?].active)
    }

    pub fn nodedevs(&self, flags: u32) -> Result<Vec<NodeDeviceRef>> {
        if flags & !NODEDEV_CAP_FILTERS != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testConnectListAllNodeDevices",
            ));
        }
        Ok(self
            .node_devices
            .iter()
            .filter(|d| flags == 0 || cap_bits(d) & flags != 0)
            .map(|d| NodeDeviceRef {
                name: d.name.clone(),
            })
            .collect())
    }

    fn nodedev_index(&self, name: &str) -> Result<usize> {
        self.node_devices
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_NODE_DEVICE,
                    Some(format!("no node device with matching name '{name}'")),
                )
            })
    }

    pub fn nodedev_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        self.nodedev_index(name).map(|_| NodeDeviceRef {
            name: name.to_string(),
        })
    }

    pub fn nodedev_xml(&self, r: &NodeDeviceRef, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testNodeDeviceGetXMLDesc",
            ));
        }
        // libvirt refreshes vport counters from sysfs before formatting; the test driver has
        // none, so they read as zero.
        let mut d = self.node_devices[self.nodedev_index(&r.name)?].clone();
        for c in &mut d.caps {
            if let Capability::ScsiHost(h) = c {
                if h.vport_ops.is_some() {
                    h.vport_ops = Some((0, 0));
                }
            }
        }
        Ok(d.format())
    }

    pub fn nodedev_parent(&self, r: &NodeDeviceRef) -> Result<Option<String>> {
        Ok(self.node_devices[self.nodedev_index(&r.name)?]
            .parent
            .name
            .clone())
    }

    pub fn nodedev_caps(&self, r: &NodeDeviceRef) -> Result<Vec<String>> {
        let d = &self.node_devices[self.nodedev_index(&r.name)?];
        let mut caps = Vec::new();
        for c in &d.caps {
            caps.push(c.cap_type().as_xml().to_string());
            if let Capability::ScsiHost(h) = c {
                if h.fc_host.is_some() {
                    caps.push("fc_host".to_string());
                }
                if h.vport_ops.is_some() {
                    caps.push("vports".to_string());
                }
            }
        }
        Ok(caps)
    }
}

/// The `virConnectListAllNodeDevices` filter bits a device matches.
fn cap_bits(d: &NodeDeviceDef) -> u32 {
    let mut bits = 0;
    for c in &d.caps {
        bits |= 1
            << match c.cap_type() {
                CapType::System => 0,
                CapType::Pci => 1,
                CapType::UsbDevice => 2,
                CapType::Usb => 3,
                CapType::Net => 4,
                CapType::ScsiHost => 5,
                CapType::ScsiTarget => 6,
                CapType::Scsi => 7,
                CapType::Storage => 8,
                CapType::ScsiGeneric => 11,
                CapType::Drm => 12,
                CapType::Mdev => 14,
                CapType::Ccw => 15,
                CapType::Css => 16,
                CapType::Vdpa => 17,
                CapType::ApCard => 18,
                CapType::ApQueue => 19,
                CapType::ApMatrix => 20,
            };
        if let Capability::ScsiHost(h) = c {
            if h.fc_host.is_some() {
                bits |= 1 << 9;
            }
            if h.vport_ops.is_some() {
                bits |= 1 << 10;
            }
        }
    }
    bits
}
