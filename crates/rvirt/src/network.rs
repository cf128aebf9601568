//! [`Network`]: a handle on one virtual network.

use crate::Connect;
use rvirt_core::{ErrorDomain, NetworkRef, Result};

/// A virtual network, like libvirt's `virNetworkPtr`.
#[derive(Clone, Debug)]
pub struct Network {
    conn: Connect,
    r: NetworkRef,
}

impl Network {
    pub(crate) fn new(conn: Connect, r: NetworkRef) -> Network {
        Network { conn, r }
    }

    pub fn from_ref(conn: Connect, r: NetworkRef) -> Network {
        Network { conn, r }
    }

    pub fn reference(&self) -> &NetworkRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn uuid(&self) -> uuid::Uuid {
        self.r.uuid
    }

    pub fn uuid_string(&self) -> String {
        self.r.uuid.hyphenated().to_string()
    }

    fn w(&self, f: &str) -> Result<()> {
        self.conn.writable(f, ErrorDomain::NETWORK)
    }

    pub fn create(&self) -> Result<()> {
        self.w("virNetworkCreate")?;
        self.conn.net("virNetworkCreate")?.network_create(&self.r)
    }

    pub fn destroy(&self) -> Result<()> {
        self.w("virNetworkDestroy")?;
        self.conn.net("virNetworkDestroy")?.network_destroy(&self.r)
    }

    pub fn undefine(&self) -> Result<()> {
        self.w("virNetworkUndefine")?;
        self.conn
            .net("virNetworkUndefine")?
            .network_undefine(&self.r)
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn
            .net("virNetworkGetXMLDesc")?
            .network_get_xml_desc(&self.r, flags)
    }

    pub fn bridge_name(&self) -> Result<String> {
        self.conn
            .net("virNetworkGetBridgeName")?
            .network_get_bridge_name(&self.r)
    }

    pub fn is_active(&self) -> Result<bool> {
        self.conn
            .net("virNetworkIsActive")?
            .network_is_active(&self.r)
    }

    pub fn is_persistent(&self) -> Result<bool> {
        self.conn
            .net("virNetworkIsPersistent")?
            .network_is_persistent(&self.r)
    }

    pub fn autostart(&self) -> Result<bool> {
        self.conn
            .net("virNetworkGetAutostart")?
            .network_get_autostart(&self.r)
    }

    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        self.w("virNetworkSetAutostart")?;
        self.conn
            .net("virNetworkSetAutostart")?
            .network_set_autostart(&self.r, autostart)
    }
}

impl Network {
    /// `virNetworkUpdate`: `command` is a `virNetworkUpdateCommand`, `section` a
    /// `virNetworkUpdateSection`, `parent_index` -1 for "any".
    pub fn update(
        &self,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        self.w("virNetworkUpdate")?;
        self.conn.net("virNetworkUpdate")?.network_update(
            &self.r,
            command,
            section,
            parent_index,
            xml,
            flags,
        )
    }
}
