//! Virtual networks over the wire.

use super::{yes, Remote};
use crate::convert::*;
use crate::events::Remote as RemoteKey;
use rvirt_core::driver::NetworkDriver;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::refs::*;
use rvirt_core::Result;
use rvirt_rpc::protocol::remote::*;

/// `VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER`.
const FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER: i32 = 16;

impl NetworkDriver for Remote {
    fn connect_list_all_networks(&self, flags: u32) -> Result<Vec<NetworkRef>> {
        let r = self.call::<ConnectListAllNetworks>(ConnectListAllNetworksArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.nets.into_iter().map(net_ref).collect())
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        Ok(net_ref(
            self.call::<NetworkLookupByName>(NetworkLookupByNameArgs {
                name: name.to_string(),
            })?
            .net,
        ))
    }
    fn network_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NetworkRef> {
        Ok(net_ref(
            self.call::<NetworkLookupByUuid>(NetworkLookupByUuidArgs { uuid: *uuid })?
                .net,
        ))
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        let xml = xml.to_string();
        let n = if flags == 0 {
            self.call::<NetworkDefineXml>(NetworkDefineXmlArgs { xml })?
                .net
        } else {
            self.call::<NetworkDefineXmlFlags>(NetworkDefineXmlFlagsArgs { xml, flags })?
                .net
        };
        Ok(net_ref(n))
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        let xml = xml.to_string();
        let n = if flags == 0 {
            self.call::<NetworkCreateXml>(NetworkCreateXmlArgs { xml })?
                .net
        } else {
            self.call::<NetworkCreateXmlFlags>(NetworkCreateXmlFlagsArgs { xml, flags })?
                .net
        };
        Ok(net_ref(n))
    }
    fn network_undefine(&self, n: &NetworkRef) -> Result<()> {
        self.call::<NetworkUndefine>(NetworkUndefineArgs { net: net(n) })
    }
    fn network_create(&self, n: &NetworkRef) -> Result<()> {
        self.call::<NetworkCreate>(NetworkCreateArgs { net: net(n) })
    }
    fn network_destroy(&self, n: &NetworkRef) -> Result<()> {
        self.call::<NetworkDestroy>(NetworkDestroyArgs { net: net(n) })
    }
    fn network_get_xml_desc(&self, n: &NetworkRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<NetworkGetXmlDesc>(NetworkGetXmlDescArgs { net: net(n), flags })?
            .xml)
    }
    fn network_get_bridge_name(&self, n: &NetworkRef) -> Result<String> {
        Ok(self
            .call::<NetworkGetBridgeName>(NetworkGetBridgeNameArgs { net: net(n) })?
            .name)
    }
    fn network_is_active(&self, n: &NetworkRef) -> Result<bool> {
        Ok(yes(self
            .call::<NetworkIsActive>(NetworkIsActiveArgs { net: net(n) })?
            .active))
    }
    fn network_is_persistent(&self, n: &NetworkRef) -> Result<bool> {
        Ok(yes(self
            .call::<NetworkIsPersistent>(NetworkIsPersistentArgs { net: net(n) })?
            .persistent))
    }
    fn network_get_autostart(&self, n: &NetworkRef) -> Result<bool> {
        Ok(yes(self
            .call::<NetworkGetAutostart>(NetworkGetAutostartArgs { net: net(n) })?
            .autostart))
    }
    fn network_set_autostart(&self, n: &NetworkRef, autostart: bool) -> Result<()> {
        self.call::<NetworkSetAutostart>(NetworkSetAutostartArgs {
            net: net(n),
            autostart: autostart as i32,
        })
    }
    /// As `virNetworkUpdate` does over a remote connection: the daemon is asked whether it
    /// takes `command` and `section` in their corrected order
    /// (`VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER`); an older one gets them swapped,
    /// the order it was built to expect.
    fn network_update(
        &self,
        n: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        let correct = yes(self
            .call::<ConnectSupportsFeature>(ConnectSupportsFeatureArgs {
                feature: FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER,
            })?
            .supported);
        let (command, section) = if correct {
            (command, section)
        } else {
            (section, command)
        };
        self.call::<NetworkUpdate>(NetworkUpdateArgs {
            net: net(n),
            command,
            section,
            parent_index,
            xml: xml.to_string(),
            flags,
        })
    }
    fn network_event_register_any(
        &self,
        n: Option<&NetworkRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        let only = n.map(|n| n.uuid);
        self.register(EventFamily::Network, event_id, only, callback, |_| {
            let r =
                self.call::<ConnectNetworkEventRegisterAny>(ConnectNetworkEventRegisterAnyArgs {
                    event_id,
                    net: n.map(net),
                })?;
            Ok(RemoteKey::Callback(r.callback_id))
        })
    }
    fn network_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.deregister(EventFamily::Network, callback_id, |_, reg| {
            match reg.remote {
                RemoteKey::Callback(id) => self.call::<ConnectNetworkEventDeregisterAny>(
                    ConnectNetworkEventDeregisterAnyArgs { callback_id: id },
                ),
                RemoteKey::Legacy => Ok(()),
            }
        })
    }
}
