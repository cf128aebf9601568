//! Host interfaces, node devices, secrets, network filters and native configuration over
//! the wire.

use super::{yes, Remote};
use crate::convert::*;
use rvirt_core::driver::{
    InterfaceDriver, NWFilterDriver, NativeConfigDriver, NodeDeviceDriver, SecretDriver,
};
use rvirt_core::refs::*;
use rvirt_core::Result;
use rvirt_rpc::protocol::remote::*;

impl InterfaceDriver for Remote {
    fn connect_list_all_interfaces(&self, flags: u32) -> Result<Vec<InterfaceRef>> {
        let r = self.call::<ConnectListAllInterfaces>(ConnectListAllInterfacesArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.ifaces.into_iter().map(iface_ref).collect())
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        Ok(iface_ref(
            self.call::<InterfaceLookupByName>(InterfaceLookupByNameArgs {
                name: name.to_string(),
            })?
            .iface,
        ))
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        Ok(iface_ref(
            self.call::<InterfaceLookupByMacString>(InterfaceLookupByMacStringArgs {
                mac: mac.to_string(),
            })?
            .iface,
        ))
    }
    fn interface_get_xml_desc(&self, i: &InterfaceRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<InterfaceGetXmlDesc>(InterfaceGetXmlDescArgs {
                iface: iface(i),
                flags,
            })?
            .xml)
    }
    fn interface_is_active(&self, i: &InterfaceRef) -> Result<bool> {
        Ok(yes(self
            .call::<InterfaceIsActive>(InterfaceIsActiveArgs { iface: iface(i) })?
            .active))
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        Ok(iface_ref(
            self.call::<InterfaceDefineXml>(InterfaceDefineXmlArgs {
                xml: xml.to_string(),
                flags,
            })?
            .iface,
        ))
    }
    fn interface_undefine(&self, i: &InterfaceRef) -> Result<()> {
        self.call::<InterfaceUndefine>(InterfaceUndefineArgs { iface: iface(i) })
    }
    fn interface_create(&self, i: &InterfaceRef, flags: u32) -> Result<()> {
        self.call::<InterfaceCreate>(InterfaceCreateArgs {
            iface: iface(i),
            flags,
        })
    }
    fn interface_destroy(&self, i: &InterfaceRef, flags: u32) -> Result<()> {
        self.call::<InterfaceDestroy>(InterfaceDestroyArgs {
            iface: iface(i),
            flags,
        })
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        self.call::<InterfaceChangeBegin>(InterfaceChangeBeginArgs { flags })
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        self.call::<InterfaceChangeCommit>(InterfaceChangeCommitArgs { flags })
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        self.call::<InterfaceChangeRollback>(InterfaceChangeRollbackArgs { flags })
    }
}

impl NodeDeviceDriver for Remote {
    fn connect_list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDeviceRef>> {
        let r = self.call::<ConnectListAllNodeDevices>(ConnectListAllNodeDevicesArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.devices.into_iter().map(nodedev_ref).collect())
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        Ok(nodedev_ref(
            self.call::<NodeDeviceLookupByName>(NodeDeviceLookupByNameArgs {
                name: name.to_string(),
            })?
            .dev,
        ))
    }
    fn node_device_get_xml_desc(&self, d: &NodeDeviceRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<NodeDeviceGetXmlDesc>(NodeDeviceGetXmlDescArgs {
                name: d.name.clone(),
                flags,
            })?
            .xml)
    }
    fn node_device_get_parent(&self, d: &NodeDeviceRef) -> Result<Option<String>> {
        Ok(self
            .call::<NodeDeviceGetParent>(NodeDeviceGetParentArgs {
                name: d.name.clone(),
            })?
            .parent_name)
    }
    /// The count first, then the names, as libvirt's list-caps calls go.
    fn node_device_list_caps(&self, d: &NodeDeviceRef) -> Result<Vec<String>> {
        let n = self
            .call::<NodeDeviceNumOfCaps>(NodeDeviceNumOfCapsArgs {
                name: d.name.clone(),
            })?
            .num;
        if n <= 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .call::<NodeDeviceListCaps>(NodeDeviceListCapsArgs {
                name: d.name.clone(),
                maxnames: n,
            })?
            .names)
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        Ok(nodedev_ref(
            self.call::<NodeDeviceCreateXml>(NodeDeviceCreateXmlArgs {
                xml_desc: xml.to_string(),
                flags,
            })?
            .dev,
        ))
    }
    fn node_device_destroy(&self, d: &NodeDeviceRef) -> Result<()> {
        self.call::<NodeDeviceDestroy>(NodeDeviceDestroyArgs {
            name: d.name.clone(),
        })
    }
    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDeviceRef> {
        Ok(nodedev_ref(
            self.call::<NodeDeviceLookupScsiHostByWwn>(NodeDeviceLookupScsiHostByWwnArgs {
                wwnn: wwnn.to_string(),
                wwpn: wwpn.to_string(),
                flags,
            })?
            .dev,
        ))
    }
    fn node_device_is_active(&self, d: &NodeDeviceRef) -> Result<bool> {
        Ok(yes(self
            .call::<NodeDeviceIsActive>(NodeDeviceIsActiveArgs {
                name: d.name.clone(),
            })?
            .active))
    }
    fn node_device_is_persistent(&self, d: &NodeDeviceRef) -> Result<bool> {
        Ok(yes(self
            .call::<NodeDeviceIsPersistent>(NodeDeviceIsPersistentArgs {
                name: d.name.clone(),
            })?
            .persistent))
    }
    fn node_device_get_autostart(&self, d: &NodeDeviceRef) -> Result<bool> {
        Ok(yes(self
            .call::<NodeDeviceGetAutostart>(NodeDeviceGetAutostartArgs {
                name: d.name.clone(),
            })?
            .autostart))
    }
}

impl SecretDriver for Remote {
    fn connect_list_all_secrets(&self, flags: u32) -> Result<Vec<SecretRef>> {
        let r = self.call::<ConnectListAllSecrets>(ConnectListAllSecretsArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.secrets.into_iter().map(secret_ref).collect())
    }
    fn secret_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<SecretRef> {
        Ok(secret_ref(
            self.call::<SecretLookupByUuid>(SecretLookupByUuidArgs { uuid: *uuid })?
                .secret,
        ))
    }
    fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<SecretRef> {
        Ok(secret_ref(
            self.call::<SecretDefineXml>(SecretDefineXmlArgs {
                xml: xml.to_string(),
                flags,
            })?
            .secret,
        ))
    }
}

impl NWFilterDriver for Remote {
    fn connect_list_all_nwfilters(&self, flags: u32) -> Result<Vec<NWFilterRef>> {
        let r = self.call::<ConnectListAllNwfilters>(ConnectListAllNwfiltersArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.filters.into_iter().map(nwfilter_ref).collect())
    }
    fn nwfilter_lookup_by_name(&self, name: &str) -> Result<NWFilterRef> {
        Ok(nwfilter_ref(
            self.call::<NwfilterLookupByName>(NwfilterLookupByNameArgs {
                name: name.to_string(),
            })?
            .nwfilter,
        ))
    }
    fn nwfilter_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NWFilterRef> {
        Ok(nwfilter_ref(
            self.call::<NwfilterLookupByUuid>(NwfilterLookupByUuidArgs { uuid: *uuid })?
                .nwfilter,
        ))
    }
    /// `virNWFilterDefineXML`'s procedure without flags, `virNWFilterDefineXMLFlags`'s with.
    fn nwfilter_define_xml(&self, xml: &str, flags: u32) -> Result<NWFilterRef> {
        let xml = xml.to_string();
        let f = if flags == 0 {
            self.call::<NwfilterDefineXml>(NwfilterDefineXmlArgs { xml })?
                .nwfilter
        } else {
            self.call::<NwfilterDefineXmlFlags>(NwfilterDefineXmlFlagsArgs { xml, flags })?
                .nwfilter
        };
        Ok(nwfilter_ref(f))
    }
}

impl NativeConfigDriver for Remote {
    fn connect_domain_xml_to_native(&self, format: &str, xml: &str, flags: u32) -> Result<String> {
        Ok(self
            .call::<ConnectDomainXmlToNative>(ConnectDomainXmlToNativeArgs {
                native_format: format.to_string(),
                domain_xml: xml.to_string(),
                flags,
            })?
            .native_config)
    }
}
