//! Host interfaces and node devices.

use crate::Connect;
use rvirt_core::{InterfaceRef, NodeDeviceRef, Result};

/// A host network interface, like libvirt's `virInterfacePtr`.
#[derive(Clone, Debug)]
pub struct Interface {
    conn: Connect,
    r: InterfaceRef,
}

impl Interface {
    pub(crate) fn new(conn: Connect, r: InterfaceRef) -> Interface {
        Interface { conn, r }
    }

    pub fn from_ref(conn: Connect, r: InterfaceRef) -> Interface {
        Interface { conn, r }
    }

    pub fn reference(&self) -> &InterfaceRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn mac(&self) -> &str {
        &self.r.mac
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn
            .iface("virInterfaceGetXMLDesc")?
            .interface_get_xml_desc(&self.r, flags)
    }

    pub fn is_active(&self) -> Result<bool> {
        self.conn
            .iface("virInterfaceIsActive")?
            .interface_is_active(&self.r)
    }
}

/// A host device, like libvirt's `virNodeDevicePtr`.
#[derive(Clone, Debug)]
pub struct NodeDevice {
    conn: Connect,
    r: NodeDeviceRef,
}

impl NodeDevice {
    pub(crate) fn new(conn: Connect, r: NodeDeviceRef) -> NodeDevice {
        NodeDevice { conn, r }
    }

    pub fn from_ref(conn: Connect, r: NodeDeviceRef) -> NodeDevice {
        NodeDevice { conn, r }
    }

    pub fn reference(&self) -> &NodeDeviceRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn
            .nodedev("virNodeDeviceGetXMLDesc")?
            .node_device_get_xml_desc(&self.r, flags)
    }

    pub fn parent(&self) -> Result<Option<String>> {
        self.conn
            .nodedev("virNodeDeviceGetParent")?
            .node_device_get_parent(&self.r)
    }

    pub fn list_caps(&self) -> Result<Vec<String>> {
        self.conn
            .nodedev("virNodeDeviceListCaps")?
            .node_device_list_caps(&self.r)
    }
}

impl NodeDevice {
    /// `virNodeDeviceNumOfCaps`: how many capabilities [`NodeDevice::list_caps`] reports.
    pub fn num_of_caps(&self) -> Result<i32> {
        self.conn
            .nodedev("virNodeDeviceNumOfCaps")?
            .node_device_list_caps(&self.r)
            .map(|v| v.len() as i32)
    }
}

impl Interface {
    fn w(&self, f: &str) -> Result<()> {
        self.conn.writable(f, rvirt_core::ErrorDomain::INTERFACE)
    }

    pub fn undefine(&self) -> Result<()> {
        self.w("virInterfaceUndefine")?;
        self.conn
            .iface("virInterfaceUndefine")?
            .interface_undefine(&self.r)
    }

    pub fn create(&self, flags: u32) -> Result<()> {
        self.w("virInterfaceCreate")?;
        self.conn
            .iface("virInterfaceCreate")?
            .interface_create(&self.r, flags)
    }

    pub fn destroy(&self, flags: u32) -> Result<()> {
        self.w("virInterfaceDestroy")?;
        self.conn
            .iface("virInterfaceDestroy")?
            .interface_destroy(&self.r, flags)
    }
}

impl NodeDevice {
    pub fn destroy(&self) -> Result<()> {
        self.conn
            .writable("virNodeDeviceDestroy", rvirt_core::ErrorDomain::NODEDEV)?;
        self.conn
            .nodedev("virNodeDeviceDestroy")?
            .node_device_destroy(&self.r)
    }
}

/// State queries of node devices (libvirt's test driver answers none of them).
impl NodeDevice {
    pub fn is_active(&self) -> Result<bool> {
        self.conn
            .nodedev("virNodeDeviceIsActive")?
            .node_device_is_active(&self.r)
    }

    pub fn is_persistent(&self) -> Result<bool> {
        self.conn
            .nodedev("virNodeDeviceIsPersistent")?
            .node_device_is_persistent(&self.r)
    }

    pub fn autostart(&self) -> Result<bool> {
        self.conn
            .nodedev("virNodeDeviceGetAutostart")?
            .node_device_get_autostart(&self.r)
    }
}

impl Connect {
    /// `virNodeDeviceLookupSCSIHostByWWN`: the SCSI host (HBA) with these WWNs.
    pub fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDevice> {
        let r = self
            .nodedev("virNodeDeviceLookupSCSIHostByWWN")?
            .node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, flags)?;
        Ok(NodeDevice::new(self.clone(), r))
    }
}
