//! [`Connect`]: an open connection to one driver.

use crate::{Domain, Interface, Network, NodeDevice, StoragePool, StorageVol};
use rvirt_core::driver::{
    DriverSet, HypervisorDriver, InterfaceDriver, NetworkDriver, NodeDeviceDriver, StorageDriver,
};
use rvirt_core::event::EventCallback;
use rvirt_core::types::flags;
use rvirt_core::types::{NodeInfo, SecurityModel};
use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};
use std::sync::Arc;

struct Inner {
    uri: ConnectUri,
    drivers: DriverSet,
    read_only: bool,
}

/// A connection to a hypervisor (and its network, storage, ... drivers), like libvirt's
/// `virConnectPtr`. Cheap to clone; the connection closes when the last clone and the last
/// object handle made from it are dropped.
#[derive(Clone)]
pub struct Connect {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connect")
            .field("uri", &self.inner.uri.as_str())
            .field("read_only", &self.inner.read_only)
            .finish()
    }
}

impl Connect {
    /// Opens a read-write connection. With `None`, the URI comes from `RVIRT_DEFAULT_URI` or
    /// `LIBVIRT_DEFAULT_URI`.
    pub fn open(uri: Option<&str>) -> Result<Connect> {
        Connect::open_flags(uri, 0)
    }

    /// Opens a connection on which every change is refused.
    pub fn open_read_only(uri: Option<&str>) -> Result<Connect> {
        Connect::open_flags(uri, flags::connect::RO)
    }

    /// Opens with `virConnectOpenFlags`.
    pub fn open_flags(uri: Option<&str>, open_flags: u32) -> Result<Connect> {
        let name = match uri {
            Some(u) if !u.is_empty() => u.to_string(),
            _ => rvirt_core::uri::default_uri_from_env().ok_or_else(|| {
                Error::new(
                    ErrorDomain::NONE,
                    ErrorCode::NO_CONNECT,
                    Some("<null>".to_string()),
                )
            })?,
        };
        let parsed = ConnectUri::parse(&name)?;
        for d in crate::registry::drivers() {
            if d.accepts(&parsed) {
                let drivers = d.open(&parsed, open_flags)?;
                return Ok(Connect {
                    inner: Arc::new(Inner {
                        uri: parsed,
                        drivers,
                        read_only: open_flags & flags::connect::RO != 0,
                    }),
                });
            }
        }
        Err(Error::new(
            ErrorDomain::NONE,
            ErrorCode::NO_CONNECT,
            Some(name),
        ))
    }

    /// Wraps already-opened drivers (used by the daemon and by drivers that stack).
    pub fn from_drivers(uri: ConnectUri, drivers: DriverSet, read_only: bool) -> Connect {
        Connect {
            inner: Arc::new(Inner {
                uri,
                drivers,
                read_only,
            }),
        }
    }

    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The URI as the caller gave it.
    pub fn requested_uri(&self) -> &ConnectUri {
        &self.inner.uri
    }

    /// The drivers behind this connection.
    pub fn drivers(&self) -> &DriverSet {
        &self.inner.drivers
    }

    pub(crate) fn hv(&self) -> &dyn HypervisorDriver {
        self.inner.drivers.hypervisor.as_ref()
    }

    pub(crate) fn net(&self, function: &str) -> Result<&dyn NetworkDriver> {
        self.inner
            .drivers
            .network
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::NETWORK))
    }

    pub(crate) fn storage(&self, function: &str) -> Result<&dyn StorageDriver> {
        self.inner
            .drivers
            .storage
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::STORAGE))
    }

    pub(crate) fn iface(&self, function: &str) -> Result<&dyn InterfaceDriver> {
        self.inner
            .drivers
            .interface
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::INTERFACE))
    }

    pub(crate) fn nodedev(&self, function: &str) -> Result<&dyn NodeDeviceDriver> {
        self.inner
            .drivers
            .node_device
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::NODEDEV))
    }

    /// Whether two handles are the same connection (not merely the same URI).
    pub(crate) fn same(&self, other: &Connect) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Refuses a change on a read-only connection, naming the public function as libvirt does.
    pub(crate) fn writable(&self, function: &str, domain: ErrorDomain) -> Result<()> {
        if self.inner.read_only {
            let mut e = Error::read_only(function);
            e.domain = domain;
            return Err(e);
        }
        Ok(())
    }

    // ---- connection and host ----

    /// `virConnectGetURI`: the driver's canonical URI.
    pub fn uri(&self) -> Result<String> {
        match self.hv().connect_get_uri() {
            Ok(u) => Ok(u),
            Err(e) if e.code == ErrorCode::NO_SUPPORT => Ok(self.inner.uri.as_str().to_string()),
            Err(e) => Err(e),
        }
    }

    pub fn get_type(&self) -> Result<String> {
        self.hv().connect_get_type()
    }

    pub fn get_version(&self) -> Result<u64> {
        self.hv().connect_get_version()
    }

    pub fn get_lib_version(&self) -> Result<u64> {
        self.hv().connect_get_lib_version()
    }

    pub fn get_hostname(&self) -> Result<String> {
        self.hv().connect_get_hostname()
    }

    pub fn get_capabilities(&self) -> Result<String> {
        self.hv().connect_get_capabilities()
    }

    pub fn get_sysinfo(&self, flags: u32) -> Result<String> {
        self.hv().connect_get_sysinfo(flags)
    }

    pub fn get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        self.hv().connect_get_max_vcpus(kind)
    }

    pub fn is_secure(&self) -> Result<bool> {
        self.hv().connect_is_secure()
    }

    pub fn is_encrypted(&self) -> Result<bool> {
        self.hv().connect_is_encrypted()
    }

    pub fn supports_feature(&self, feature: i32) -> Result<bool> {
        self.hv().connect_supports_feature(feature)
    }

    pub fn node_info(&self) -> Result<NodeInfo> {
        self.hv().node_get_info()
    }

    pub fn node_security_model(&self) -> Result<SecurityModel> {
        self.hv().node_get_security_model()
    }

    pub fn node_free_memory(&self) -> Result<u64> {
        self.hv().node_get_free_memory()
    }

    pub fn node_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        self.hv().node_get_cells_free_memory(start, max)
    }

    // ---- domains ----

    pub fn list_all_domains(&self, flags: u32) -> Result<Vec<Domain>> {
        Ok(self
            .hv()
            .connect_list_all_domains(flags)?
            .into_iter()
            .map(|r| Domain::new(self.clone(), r))
            .collect())
    }

    pub fn num_of_domains(&self) -> Result<i32> {
        self.hv().connect_num_of_domains()
    }

    pub fn list_domains(&self, max: i32) -> Result<Vec<i32>> {
        self.hv().connect_list_domains(max)
    }

    pub fn num_of_defined_domains(&self) -> Result<i32> {
        self.hv().connect_num_of_defined_domains()
    }

    pub fn list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        self.hv().connect_list_defined_domains(max)
    }

    pub fn domain_lookup_by_name(&self, name: &str) -> Result<Domain> {
        Ok(Domain::new(
            self.clone(),
            self.hv().domain_lookup_by_name(name)?,
        ))
    }

    pub fn domain_lookup_by_id(&self, id: i32) -> Result<Domain> {
        if id < 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "id in virDomainLookupByID must be greater than or equal to 0",
            ));
        }
        Ok(Domain::new(
            self.clone(),
            self.hv().domain_lookup_by_id(id)?,
        ))
    }

    pub fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<Domain> {
        Ok(Domain::new(
            self.clone(),
            self.hv().domain_lookup_by_uuid(uuid)?,
        ))
    }

    /// `virDomainLookupByUUIDString`.
    pub fn domain_lookup_by_uuid_string(&self, s: &str) -> Result<Domain> {
        let u = parse_uuid_arg(s, "virDomainLookupByUUIDString", ErrorDomain::DOMAIN)?;
        self.domain_lookup_by_uuid(&u)
    }

    /// `virConnectDomainXMLToNative`: the hypervisor's own configuration for domain XML
    /// `xml` in format `format` (the QEMU driver's `qemu-argv`: its command line).
    pub fn domain_xml_to_native(&self, format: &str, xml: &str, flags: u32) -> Result<String> {
        const F: &str = "virConnectDomainXMLToNative";
        self.writable(F, ErrorDomain::DOMAIN)?;
        match self.inner.drivers.native.as_deref() {
            Some(d) => d.connect_domain_xml_to_native(format, xml, flags),
            None => Err(Error::no_support(F)),
        }
    }

    pub fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        let f = if flags == 0 {
            "virDomainDefineXML"
        } else {
            "virDomainDefineXMLFlags"
        };
        self.writable(f, ErrorDomain::DOMAIN)?;
        Ok(Domain::new(
            self.clone(),
            self.hv().domain_define_xml(xml, flags)?,
        ))
    }

    pub fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        self.writable("virDomainCreateXML", ErrorDomain::DOMAIN)?;
        Ok(Domain::new(
            self.clone(),
            self.hv().domain_create_xml(xml, flags)?,
        ))
    }

    pub fn domain_restore(&self, from: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        let f = if flags == 0 && dxml.is_none() {
            "virDomainRestore"
        } else {
            "virDomainRestoreFlags"
        };
        self.writable(f, ErrorDomain::DOMAIN)?;
        self.hv().domain_restore(from, dxml, flags)
    }

    pub fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        if flags & flags::domain_xml::SECURE != 0 {
            self.writable("virDomainSaveImageGetXMLDesc", ErrorDomain::DOMAIN)?;
        }
        self.hv().domain_save_image_get_xml_desc(file, flags)
    }

    /// Registers `callback` for domain events `event_id` (optionally of one domain).
    pub fn domain_event_register_any(
        &self,
        dom: Option<&Domain>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        if !(0..rvirt_core::types::event::domain_id::LAST).contains(&event_id) {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                format!(
                    "eventID in virConnectDomainEventRegisterAny must be less than {}",
                    rvirt_core::types::event::domain_id::LAST
                ),
            ));
        }
        self.hv()
            .domain_event_register_any(dom.map(Domain::reference), event_id, callback)
    }

    pub fn domain_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.hv().domain_event_deregister_any(callback_id)
    }

    // ---- networks ----

    pub fn list_all_networks(&self, flags: u32) -> Result<Vec<Network>> {
        Ok(self
            .net("virConnectListAllNetworks")?
            .connect_list_all_networks(flags)?
            .into_iter()
            .map(|r| Network::new(self.clone(), r))
            .collect())
    }

    pub fn network_lookup_by_name(&self, name: &str) -> Result<Network> {
        let r = self
            .net("virNetworkLookupByName")?
            .network_lookup_by_name(name)?;
        Ok(Network::new(self.clone(), r))
    }

    pub fn network_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<Network> {
        let r = self
            .net("virNetworkLookupByUUID")?
            .network_lookup_by_uuid(uuid)?;
        Ok(Network::new(self.clone(), r))
    }

    pub fn network_lookup_by_uuid_string(&self, s: &str) -> Result<Network> {
        let u = parse_uuid_arg(s, "virNetworkLookupByUUIDString", ErrorDomain::NETWORK)?;
        self.network_lookup_by_uuid(&u)
    }

    pub fn network_define_xml(&self, xml: &str) -> Result<Network> {
        self.writable("virNetworkDefineXML", ErrorDomain::NETWORK)?;
        let r = self
            .net("virNetworkDefineXML")?
            .network_define_xml(xml, 0)?;
        Ok(Network::new(self.clone(), r))
    }

    pub fn network_create_xml(&self, xml: &str) -> Result<Network> {
        self.writable("virNetworkCreateXML", ErrorDomain::NETWORK)?;
        let r = self
            .net("virNetworkCreateXML")?
            .network_create_xml(xml, 0)?;
        Ok(Network::new(self.clone(), r))
    }

    pub fn network_event_register_any(
        &self,
        net: Option<&Network>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        self.net("virConnectNetworkEventRegisterAny")?
            .network_event_register_any(net.map(Network::reference), event_id, callback)
    }

    pub fn network_event_deregister_any(&self, id: i32) -> Result<()> {
        self.net("virConnectNetworkEventDeregisterAny")?
            .network_event_deregister_any(id)
    }

    // ---- storage ----

    pub fn list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePool>> {
        Ok(self
            .storage("virConnectListAllStoragePools")?
            .connect_list_all_storage_pools(flags)?
            .into_iter()
            .map(|r| StoragePool::new(self.clone(), r))
            .collect())
    }

    pub fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool> {
        let r = self
            .storage("virStoragePoolLookupByName")?
            .storage_pool_lookup_by_name(name)?;
        Ok(StoragePool::new(self.clone(), r))
    }

    pub fn storage_pool_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePool> {
        let r = self
            .storage("virStoragePoolLookupByUUID")?
            .storage_pool_lookup_by_uuid(uuid)?;
        Ok(StoragePool::new(self.clone(), r))
    }

    pub fn storage_pool_lookup_by_uuid_string(&self, s: &str) -> Result<StoragePool> {
        let u = parse_uuid_arg(s, "virStoragePoolLookupByUUIDString", ErrorDomain::STORAGE)?;
        self.storage_pool_lookup_by_uuid(&u)
    }

    pub fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePool> {
        self.writable("virStoragePoolDefineXML", ErrorDomain::STORAGE)?;
        let r = self
            .storage("virStoragePoolDefineXML")?
            .storage_pool_define_xml(xml, flags)?;
        Ok(StoragePool::new(self.clone(), r))
    }

    pub fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePool> {
        self.writable("virStoragePoolCreateXML", ErrorDomain::STORAGE)?;
        let r = self
            .storage("virStoragePoolCreateXML")?
            .storage_pool_create_xml(xml, flags)?;
        Ok(StoragePool::new(self.clone(), r))
    }

    pub fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVol> {
        let r = self
            .storage("virStorageVolLookupByKey")?
            .storage_vol_lookup_by_key(key)?;
        Ok(StorageVol::new(self.clone(), r))
    }

    pub fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVol> {
        let r = self
            .storage("virStorageVolLookupByPath")?
            .storage_vol_lookup_by_path(path)?;
        Ok(StorageVol::new(self.clone(), r))
    }

    pub fn storage_pool_event_register_any(
        &self,
        pool: Option<&StoragePool>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        self.storage("virConnectStoragePoolEventRegisterAny")?
            .storage_pool_event_register_any(pool.map(StoragePool::reference), event_id, callback)
    }

    pub fn storage_pool_event_deregister_any(&self, id: i32) -> Result<()> {
        self.storage("virConnectStoragePoolEventDeregisterAny")?
            .storage_pool_event_deregister_any(id)
    }

    // ---- host interfaces and node devices ----

    pub fn list_all_interfaces(&self, flags: u32) -> Result<Vec<Interface>> {
        Ok(self
            .iface("virConnectListAllInterfaces")?
            .connect_list_all_interfaces(flags)?
            .into_iter()
            .map(|r| Interface::new(self.clone(), r))
            .collect())
    }

    pub fn interface_lookup_by_name(&self, name: &str) -> Result<Interface> {
        let r = self
            .iface("virInterfaceLookupByName")?
            .interface_lookup_by_name(name)?;
        Ok(Interface::new(self.clone(), r))
    }

    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<Interface> {
        let r = self
            .iface("virInterfaceLookupByMACString")?
            .interface_lookup_by_mac_string(mac)?;
        Ok(Interface::new(self.clone(), r))
    }

    pub fn list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDevice>> {
        Ok(self
            .nodedev("virConnectListAllNodeDevices")?
            .connect_list_all_node_devices(flags)?
            .into_iter()
            .map(|r| NodeDevice::new(self.clone(), r))
            .collect())
    }

    pub fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDevice> {
        let r = self
            .nodedev("virNodeDeviceLookupByName")?
            .node_device_lookup_by_name(name)?;
        Ok(NodeDevice::new(self.clone(), r))
    }
}

fn no_support(function: &str, domain: ErrorDomain) -> Error {
    let mut e = Error::no_support(function);
    e.domain = domain;
    e
}

/// Parses a UUID argument of a `...LookupByUUIDString` call.
pub(crate) fn parse_uuid_arg(s: &str, function: &str, domain: ErrorDomain) -> Result<uuid::Uuid> {
    let hex: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::invalid_arg(
            domain,
            format!("uuidstr in {function} must be a valid UUID"),
        ));
    }
    uuid::Uuid::parse_str(&hex).map_err(|_| {
        Error::invalid_arg(
            domain,
            format!("uuidstr in {function} must be a valid UUID"),
        )
    })
}

/// The `...Flags` creation calls, the legacy count/list-names calls of the object families and
/// secret/nwfilter listing. The legacy calls are answered from the list-all entry point with
/// libvirt's state filter, so every driver that lists also counts, and the daemon can serve
/// clients that fall back to them.
impl Connect {
    pub fn network_define_xml_flags(&self, xml: &str, flags: u32) -> Result<Network> {
        self.writable("virNetworkDefineXMLFlags", ErrorDomain::NETWORK)?;
        let r = self
            .net("virNetworkDefineXMLFlags")?
            .network_define_xml(xml, flags)?;
        Ok(Network::new(self.clone(), r))
    }

    pub fn network_create_xml_flags(&self, xml: &str, flags: u32) -> Result<Network> {
        self.writable("virNetworkCreateXMLFlags", ErrorDomain::NETWORK)?;
        let r = self
            .net("virNetworkCreateXMLFlags")?
            .network_create_xml(xml, flags)?;
        Ok(Network::new(self.clone(), r))
    }

    /// `virConnectNumOfNetworks`: active networks.
    pub fn num_of_networks(&self) -> Result<i32> {
        self.network_names("virConnectNumOfNetworks", true, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListNetworks`: names of at most `max` active networks.
    pub fn list_networks(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListNetworks",
            ErrorDomain::NETWORK,
        )?;
        self.network_names("virConnectListNetworks", true, max)
    }

    /// `virConnectNumOfDefinedNetworks`: inactive networks.
    pub fn num_of_defined_networks(&self) -> Result<i32> {
        self.network_names("virConnectNumOfDefinedNetworks", false, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListDefinedNetworks`: names of at most `max` inactive networks.
    pub fn list_defined_networks(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListDefinedNetworks",
            ErrorDomain::NETWORK,
        )?;
        self.network_names("virConnectListDefinedNetworks", false, max)
    }

    fn network_names(&self, function: &str, active: bool, max: i32) -> Result<Vec<String>> {
        use flags::list_networks as L;
        let f = if active { L::ACTIVE } else { L::INACTIVE };
        Ok(self
            .net(function)?
            .connect_list_all_networks(f)?
            .into_iter()
            .take(max.max(0) as usize)
            .map(|r| r.name)
            .collect())
    }

    /// `virConnectNumOfStoragePools`: active pools.
    pub fn num_of_storage_pools(&self) -> Result<i32> {
        self.pool_names("virConnectNumOfStoragePools", true, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListStoragePools`: names of at most `max` active pools.
    pub fn list_storage_pools(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListStoragePools",
            ErrorDomain::STORAGE,
        )?;
        self.pool_names("virConnectListStoragePools", true, max)
    }

    /// `virConnectNumOfDefinedStoragePools`: inactive pools.
    pub fn num_of_defined_storage_pools(&self) -> Result<i32> {
        self.pool_names("virConnectNumOfDefinedStoragePools", false, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListDefinedStoragePools`: names of at most `max` inactive pools.
    pub fn list_defined_storage_pools(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListDefinedStoragePools",
            ErrorDomain::STORAGE,
        )?;
        self.pool_names("virConnectListDefinedStoragePools", false, max)
    }

    fn pool_names(&self, function: &str, active: bool, max: i32) -> Result<Vec<String>> {
        use flags::list_pools as L;
        let f = if active { L::ACTIVE } else { L::INACTIVE };
        Ok(self
            .storage(function)?
            .connect_list_all_storage_pools(f)?
            .into_iter()
            .take(max.max(0) as usize)
            .map(|r| r.name)
            .collect())
    }

    /// `virConnectNumOfInterfaces`: active host interfaces.
    pub fn num_of_interfaces(&self) -> Result<i32> {
        self.iface_names("virConnectNumOfInterfaces", true, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListInterfaces`: names of at most `max` active host interfaces.
    pub fn list_interfaces(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListInterfaces",
            ErrorDomain::INTERFACE,
        )?;
        self.iface_names("virConnectListInterfaces", true, max)
    }

    /// `virConnectNumOfDefinedInterfaces`: inactive host interfaces.
    pub fn num_of_defined_interfaces(&self) -> Result<i32> {
        self.iface_names("virConnectNumOfDefinedInterfaces", false, i32::MAX)
            .map(|v| v.len() as i32)
    }

    /// `virConnectListDefinedInterfaces`: names of at most `max` inactive host interfaces.
    pub fn list_defined_interfaces(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListDefinedInterfaces",
            ErrorDomain::INTERFACE,
        )?;
        self.iface_names("virConnectListDefinedInterfaces", false, max)
    }

    fn iface_names(&self, function: &str, active: bool, max: i32) -> Result<Vec<String>> {
        use flags::list_interfaces as L;
        let f = if active { L::ACTIVE } else { L::INACTIVE };
        Ok(self
            .iface(function)?
            .connect_list_all_interfaces(f)?
            .into_iter()
            .take(max.max(0) as usize)
            .map(|r| r.name)
            .collect())
    }

    /// `virNodeNumOfDevices`: devices having capability `cap` (all devices without one).
    pub fn node_num_of_devices(&self, cap: Option<&str>, flags: u32) -> Result<i32> {
        self.node_device_names("virNodeNumOfDevices", cap, i32::MAX, flags)
            .map(|v| v.len() as i32)
    }

    /// `virNodeListDevices`: names of at most `max` devices having capability `cap`.
    pub fn node_list_devices(
        &self,
        cap: Option<&str>,
        max: i32,
        flags: u32,
    ) -> Result<Vec<String>> {
        non_negative(max, "maxnames", "virNodeListDevices", ErrorDomain::NODEDEV)?;
        self.node_device_names("virNodeListDevices", cap, max, flags)
    }

    /// A capability name selects the devices the list-all call returns for the matching
    /// capability filter bit, so nested capabilities (`fc_host`, `vports`) count as they do
    /// in libvirt; a name that is no capability type matches nothing.
    fn node_device_names(
        &self,
        function: &str,
        cap: Option<&str>,
        max: i32,
        flags: u32,
    ) -> Result<Vec<String>> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::NODEDEV,
                flags,
                function,
            ));
        }
        let d = self.nodedev(function)?;
        let filter = match cap {
            None => 0,
            Some(c) => match NODE_DEVICE_CAP_TYPES.iter().position(|t| *t == c) {
                Some(bit) => 1u32 << bit,
                None => return Ok(Vec::new()),
            },
        };
        Ok(d.connect_list_all_node_devices(filter)?
            .into_iter()
            .take(max.max(0) as usize)
            .map(|r| r.name)
            .collect())
    }

    pub(crate) fn secret_driver(
        &self,
        function: &str,
    ) -> Result<&dyn rvirt_core::driver::SecretDriver> {
        self.inner
            .drivers
            .secret
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::SECRET))
    }

    pub(crate) fn nwfilter_driver(
        &self,
        function: &str,
    ) -> Result<&dyn rvirt_core::driver::NWFilterDriver> {
        self.inner
            .drivers
            .nwfilter
            .as_deref()
            .ok_or_else(|| no_support(function, ErrorDomain::NWFILTER))
    }

    /// `virConnectListAllSecrets`.
    pub fn list_all_secrets(&self, flags: u32) -> Result<Vec<rvirt_core::SecretRef>> {
        self.secret_driver("virConnectListAllSecrets")?
            .connect_list_all_secrets(flags)
    }

    /// `virConnectNumOfSecrets`.
    pub fn num_of_secrets(&self) -> Result<i32> {
        Ok(self
            .secret_driver("virConnectNumOfSecrets")?
            .connect_list_all_secrets(0)?
            .len() as i32)
    }

    /// `virConnectListSecrets`: UUID strings of at most `max` secrets.
    pub fn list_secrets(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxuuids",
            "virConnectListSecrets",
            ErrorDomain::SECRET,
        )?;
        Ok(self
            .secret_driver("virConnectListSecrets")?
            .connect_list_all_secrets(0)?
            .into_iter()
            .take(max as usize)
            .map(|r| r.uuid.hyphenated().to_string())
            .collect())
    }

    /// `virConnectListAllNWFilters`.
    pub fn list_all_nwfilters(&self, flags: u32) -> Result<Vec<rvirt_core::NWFilterRef>> {
        self.nwfilter_driver("virConnectListAllNWFilters")?
            .connect_list_all_nwfilters(flags)
    }

    /// `virConnectNumOfNWFilters`.
    pub fn num_of_nwfilters(&self) -> Result<i32> {
        Ok(self
            .nwfilter_driver("virConnectNumOfNWFilters")?
            .connect_list_all_nwfilters(0)?
            .len() as i32)
    }

    /// `virConnectListNWFilters`: names of at most `max` network filters.
    pub fn list_nwfilters(&self, max: i32) -> Result<Vec<String>> {
        non_negative(
            max,
            "maxnames",
            "virConnectListNWFilters",
            ErrorDomain::NWFILTER,
        )?;
        Ok(self
            .nwfilter_driver("virConnectListNWFilters")?
            .connect_list_all_nwfilters(0)?
            .into_iter()
            .take(max as usize)
            .map(|r| r.name)
            .collect())
    }
}

/// `virNodeDevCapType` names in enum order; bit N of `virConnectListAllNodeDevices`'s
/// capability filter selects type N.
const NODE_DEVICE_CAP_TYPES: [&str; 22] = [
    "system",
    "pci",
    "usb_device",
    "usb",
    "net",
    "scsi_host",
    "scsi_target",
    "scsi",
    "storage",
    "fc_host",
    "vports",
    "scsi_generic",
    "drm",
    "mdev_types",
    "mdev",
    "ccw",
    "css",
    "vdpa",
    "ap_card",
    "ap_queue",
    "ap_matrix",
    "vpd",
];

/// libvirt's check of a count argument of the public API.
fn non_negative(v: i32, arg: &str, function: &str, domain: ErrorDomain) -> Result<()> {
    if v < 0 {
        return Err(Error::invalid_arg(
            domain,
            format!("{arg} in {function} must be greater than or equal to 0"),
        ));
    }
    Ok(())
}

/// Host interface transactions and definitions, storage source discovery, node device
/// creation and secret lookup.
impl Connect {
    pub fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<Interface> {
        self.writable("virInterfaceDefineXML", ErrorDomain::INTERFACE)?;
        let r = self
            .iface("virInterfaceDefineXML")?
            .interface_define_xml(xml, flags)?;
        Ok(Interface::new(self.clone(), r))
    }

    pub fn interface_change_begin(&self, flags: u32) -> Result<()> {
        self.writable("virInterfaceChangeBegin", ErrorDomain::INTERFACE)?;
        self.iface("virInterfaceChangeBegin")?
            .interface_change_begin(flags)
    }

    pub fn interface_change_commit(&self, flags: u32) -> Result<()> {
        self.writable("virInterfaceChangeCommit", ErrorDomain::INTERFACE)?;
        self.iface("virInterfaceChangeCommit")?
            .interface_change_commit(flags)
    }

    pub fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        self.writable("virInterfaceChangeRollback", ErrorDomain::INTERFACE)?;
        self.iface("virInterfaceChangeRollback")?
            .interface_change_rollback(flags)
    }

    /// `virConnectFindStoragePoolSources`: an XML `<sources>` document.
    pub fn find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        self.writable("virConnectFindStoragePoolSources", ErrorDomain::STORAGE)?;
        self.storage("virConnectFindStoragePoolSources")?
            .connect_find_storage_pool_sources(kind, src_spec, flags)
    }

    /// `virConnectGetStoragePoolCapabilities`: a `<storagepoolCapabilities>` document
    /// (allowed on read-only connections).
    pub fn storage_pool_capabilities(&self, flags: u32) -> Result<String> {
        self.storage("virConnectGetStoragePoolCapabilities")?
            .connect_get_storage_pool_capabilities(flags)
    }

    pub fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDevice> {
        self.writable("virNodeDeviceCreateXML", ErrorDomain::NODEDEV)?;
        let r = self
            .nodedev("virNodeDeviceCreateXML")?
            .node_device_create_xml(xml, flags)?;
        Ok(NodeDevice::new(self.clone(), r))
    }

    pub fn secret_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<rvirt_core::SecretRef> {
        self.secret_driver("virSecretLookupByUUID")?
            .secret_lookup_by_uuid(uuid)
    }
}

/// Secret definition and network filter lookups.
impl Connect {
    pub fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<rvirt_core::SecretRef> {
        self.writable("virSecretDefineXML", ErrorDomain::SECRET)?;
        self.secret_driver("virSecretDefineXML")?
            .secret_define_xml(xml, flags)
    }

    pub fn nwfilter_lookup_by_name(&self, name: &str) -> Result<rvirt_core::NWFilterRef> {
        self.nwfilter_driver("virNWFilterLookupByName")?
            .nwfilter_lookup_by_name(name)
    }

    pub fn nwfilter_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<rvirt_core::NWFilterRef> {
        self.nwfilter_driver("virNWFilterLookupByUUID")?
            .nwfilter_lookup_by_uuid(uuid)
    }

    pub fn nwfilter_define_xml(&self, xml: &str) -> Result<rvirt_core::NWFilterRef> {
        self.writable("virNWFilterDefineXML", ErrorDomain::NWFILTER)?;
        self.nwfilter_driver("virNWFilterDefineXML")?
            .nwfilter_define_xml(xml, 0)
    }

    pub fn nwfilter_define_xml_flags(
        &self,
        xml: &str,
        flags: u32,
    ) -> Result<rvirt_core::NWFilterRef> {
        self.writable("virNWFilterDefineXMLFlags", ErrorDomain::NWFILTER)?;
        self.nwfilter_driver("virNWFilterDefineXMLFlags")?
            .nwfilter_define_xml(xml, flags)
    }
}
