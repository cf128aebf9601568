//! Host interfaces and node devices of the test driver.

use crate::state::{DriverState, IfaceObj};
use rvirt_core::{Error, ErrorCode, ErrorDomain, InterfaceRef, NodeDeviceRef, Result};
use rvirt_xml::host_interface::InterfaceDef;
use rvirt_xml::nodedev::{CapType, Capability, NodeDeviceDef, ParseMode};
use rvirt_xml::XmlEnum;

/// `VIR_INTERFACE_DEFINE_VALIDATE` and `VIR_NODE_DEVICE_CREATE_XML_VALIDATE`.
const VALIDATE: u32 = 1;

fn no_interface(name: &str) -> Error {
    Error::new(
        ErrorDomain::TEST,
        ErrorCode::NO_INTERFACE,
        Some(format!("no interface with matching name '{name}'")),
    )
}

fn nodedev_error(msg: impl Into<String>) -> Error {
    Error::internal(ErrorDomain::NODEDEV, msg)
}

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
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            L::ACTIVE | L::INACTIVE,
            "testConnectListAllInterfaces",
        )?;
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
            .ok_or_else(|| no_interface(name))?;
        Ok(self.iface_ref(i))
    }

    /// libvirt 9.0 compares the MAC of every interface with the one asked for, and an
    /// interface without a MAC (bridge, bond, vlan) compares equal to any: such an interface
    /// makes every lookup by MAC match it. The handle carries the MAC as asked.
    pub fn iface_by_mac(&self, mac: &str) -> Result<InterfaceRef> {
        let found: Vec<usize> = (0..self.interfaces.len())
            .filter(|&i| {
                self.interfaces[i]
                    .def
                    .mac()
                    .is_none_or(|m| m.eq_ignore_ascii_case(mac))
            })
            .collect();
        match found.as_slice() {
            [] => Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::NO_INTERFACE,
                Some(format!("no interface with matching mac '{mac}'")),
            )),
            [i] => Ok(InterfaceRef {
                name: self.interfaces[*i].def.name.clone(),
                mac: mac.to_string(),
            }),
            _ => Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::MULTIPLE_INTERFACES,
                None,
            )),
        }
    }

    fn iface_index(&self, r: &InterfaceRef) -> Result<usize> {
        self.interfaces
            .iter()
            .position(|x| x.def.name == r.name)
            .ok_or_else(|| no_interface(&r.name))
    }

    pub fn iface_xml(&self, r: &InterfaceRef, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testInterfaceGetXMLDesc")?;
        Ok(self.interfaces[self.iface_index(r)?].def.format())
    }

    pub fn iface_active(&self, r: &InterfaceRef) -> Result<bool> {
        Ok(self.interfaces[self.iface_index(r)?].active)
    }

    /// Defines an interface, or replaces the definition of the one with the same name (which
    /// keeps its state).
    pub fn iface_define(&mut self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        Error::check_flags(ErrorDomain::TEST, flags, VALIDATE, "testInterfaceDefineXML")?;
        let def = InterfaceDef::parse(xml)?;
        let i = match self.interfaces.iter().position(|x| x.def.name == def.name) {
            Some(i) => {
                self.interfaces[i].def = def;
                i
            }
            None => {
                self.interfaces.push(IfaceObj { def, active: false });
                self.interfaces.len() - 1
            }
        };
        Ok(self.iface_ref(i))
    }

    /// Removes an interface, active or not (libvirt 9.0's test driver does not check).
    pub fn iface_undefine(&mut self, r: &InterfaceRef) -> Result<()> {
        let i = self.iface_index(r)?;
        self.interfaces.remove(i);
        Ok(())
    }

    /// Starts (`up`) or stops an interface; the wrong state is refused without a detail.
    pub fn iface_set_active(&mut self, r: &InterfaceRef, flags: u32, up: bool) -> Result<()> {
        let function = if up {
            "testInterfaceCreate"
        } else {
            "testInterfaceDestroy"
        };
        Error::check_flags(ErrorDomain::TEST, flags, 0, function)?;
        let i = self.iface_index(r)?;
        if self.interfaces[i].active == up {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::OPERATION_INVALID,
                None,
            ));
        }
        self.interfaces[i].active = up;
        Ok(())
    }

    /// `virInterfaceChangeBegin`: remembers the interfaces for a later rollback. libvirt
    /// copies the definitions into new objects, so the saved interfaces are all inactive
    /// (a rollback leaves every interface stopped).
    pub fn iface_change_begin(&mut self, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testInterfaceChangeBegin")?;
        if self.iface_backup.is_some() {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "there is another transaction running.",
            ));
        }
        let saved = self
            .interfaces
            .iter()
            .map(|i| IfaceObj {
                def: i.def.clone(),
                active: false,
            })
            .collect();
        self.iface_backup = Some(saved);
        Ok(())
    }

    /// `virInterfaceChangeCommit`: keeps the changes and forgets the saved state.
    pub fn iface_change_commit(&mut self, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testInterfaceChangeCommit")?;
        if self.iface_backup.take().is_none() {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "no transaction running, nothing to be committed.",
            ));
        }
        Ok(())
    }

    /// `virInterfaceChangeRollback`: returns to the interfaces saved at begin.
    pub fn iface_change_rollback(&mut self, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testInterfaceChangeRollback")?;
        match self.iface_backup.take() {
            Some(saved) => {
                self.interfaces = saved;
                Ok(())
            }
            None => Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "no transaction running, nothing to rollback.",
            )),
        }
    }

    pub fn nodedevs(&self, flags: u32) -> Result<Vec<NodeDeviceRef>> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            NODEDEV_CAP_FILTERS,
            "testConnectListAllNodeDevices",
        )?;
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
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testNodeDeviceGetXMLDesc")?;
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

impl DriverState {
    /// The number of the SCSI host of a vport-capable parent, or libvirt's error for a
    /// parent that cannot create vports.
    fn vport_host(&self, i: usize) -> Result<u32> {
        let d = &self.node_devices[i];
        d.caps
            .iter()
            .find_map(|c| match c {
                Capability::ScsiHost(h) if h.vport_ops.is_some() => Some(h.host),
                _ => None,
            })
            .ok_or_else(|| {
                nodedev_error(format!(
                    "Parent device {} is not capable of vport operations",
                    d.name
                ))
            })
    }

    /// libvirt's choice of the HBA a new vHBA hangs off: the named parent, the one with the
    /// given WWNs or fabric, or else any vport-capable one.
    fn vhba_parent(&self, def: &NodeDeviceDef) -> Result<u32> {
        let not_found =
            || nodedev_error(format!("Could not find parent device for '{}'", def.name));
        let p = &def.parent;
        let find = |f: &dyn Fn(&NodeDeviceDef) -> bool| self.node_devices.iter().position(f);
        let i = if let Some(name) = &p.name {
            find(&|d| d.name == *name).ok_or_else(not_found)?
        } else if let (Some(wwnn), Some(wwpn)) = (&p.wwnn, &p.wwpn) {
            find(&|d| {
                d.fc_host()
                    .is_some_and(|f| f.wwnn.as_ref() == Some(wwnn) && f.wwpn.as_ref() == Some(wwpn))
            })
            .ok_or_else(not_found)?
        } else if let Some(fabric) = &p.fabric_wwn {
            find(&|d| {
                d.fc_host()
                    .is_some_and(|f| f.fabric_wwn.as_ref() == Some(fabric))
            })
            .ok_or_else(not_found)?
        } else {
            find(&|d| cap_bits(d) & VPORTS_BIT != 0)
                .ok_or_else(|| nodedev_error("Could not find any vport capable device"))?
        };
        self.vport_host(i)
    }

    /// `virNodeDeviceCreateXML`: the test driver mocks the creation of a vHBA by copying
    /// `scsi_host11` as `scsi_host12` with the WWNs asked for.
    pub fn nodedev_create(&mut self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            VALIDATE,
            "testNodeDeviceCreateXML",
        )?;
        let def = NodeDeviceDef::parse(xml, ParseMode::Create)?;
        let (wwnn, wwpn) = match def.fc_host() {
            Some(f) => (f.wwnn.clone(), f.wwpn.clone()),
            None => return Err(nodedev_error("Device is not a fibre channel HBA")),
        };
        self.vhba_parent(&def)?;
        let template = self
            .node_devices
            .iter()
            .find(|d| d.name == "scsi_host11")
            .cloned()
            .ok_or_else(|| {
                Error::raw(
                    ErrorDomain::NONE,
                    ErrorCode::INTERNAL_ERROR,
                    "An error occurred, but the cause is unknown",
                )
            })?;
        let mut new = template;
        new.name = "scsi_host12".to_string();
        for c in &mut new.caps {
            if let Capability::ScsiHost(h) = c {
                match &mut h.fc_host {
                    Some(f) => {
                        f.wwnn = wwnn.clone();
                        f.wwpn = wwpn.clone();
                    }
                    None => {
                        h.host += 1;
                        h.unique_id += 1;
                    }
                }
            }
        }
        let r = NodeDeviceRef {
            name: new.name.clone(),
        };
        match self.node_devices.iter().position(|d| d.name == new.name) {
            Some(i) => self.node_devices[i] = new,
            None => self.node_devices.push(new),
        }
        Ok(r)
    }

    /// `virNodeDeviceDestroy`. Like libvirt 9.0's test driver, a device that is no fibre
    /// channel HBA, or whose parent is gone, is left alone and the call still succeeds.
    pub fn nodedev_destroy(&mut self, r: &NodeDeviceRef) -> Result<()> {
        let i = self.nodedev_index(&r.name)?;
        let d = &self.node_devices[i];
        if d.fc_host().is_none() {
            return Ok(());
        }
        let parent_exists = d
            .parent
            .name
            .as_ref()
            .is_some_and(|p| self.node_devices.iter().any(|x| x.name == *p));
        if parent_exists {
            self.node_devices.remove(i);
        }
        Ok(())
    }
}

/// The `vports` filter bit of `virConnectListAllNodeDevices`.
const VPORTS_BIT: u32 = 1 << 10;

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
