//! Virtual network procedures.

use super::convert::{check_list_max, list_all, net_in, net_out};
use super::Table;
use rvirt_rpc::protocol::remote::*;

/// `REMOTE_NETWORK_LIST_MAX`: the most names one legacy list reply carries.
const LIST_MAX: i32 = 16384;

pub fn register(t: &mut Table) {
    register_lists(t);
    register_lifecycle(t);
    register_info(t);
}

fn register_lists(t: &mut Table) {
    t.add::<ConnectListAllNetworks>(|c, a| {
        let nets = c.conn()?.list_all_networks(a.flags)?;
        let (nets, ret) = list_all(&nets, a.need_results, net_out);
        Ok(ConnectListAllNetworksRet { nets, ret })
    });
    t.add::<ConnectNumOfNetworks>(|c, ()| {
        Ok(ConnectNumOfNetworksRet {
            num: c.conn()?.num_of_networks()?,
        })
    });
    t.add::<ConnectListNetworks>(|c, a| {
        check_list_max(a.maxnames, LIST_MAX, "maxnames", "REMOTE_NETWORK_LIST_MAX")?;
        Ok(ConnectListNetworksRet {
            names: c.conn()?.list_networks(a.maxnames)?,
        })
    });
    t.add::<ConnectNumOfDefinedNetworks>(|c, ()| {
        Ok(ConnectNumOfDefinedNetworksRet {
            num: c.conn()?.num_of_defined_networks()?,
        })
    });
    t.add::<ConnectListDefinedNetworks>(|c, a| {
        check_list_max(a.maxnames, LIST_MAX, "maxnames", "REMOTE_NETWORK_LIST_MAX")?;
        Ok(ConnectListDefinedNetworksRet {
            names: c.conn()?.list_defined_networks(a.maxnames)?,
        })
    });
    t.add::<NetworkLookupByName>(|c, a| {
        Ok(NetworkLookupByNameRet {
            net: net_out(&c.conn()?.network_lookup_by_name(&a.name)?),
        })
    });
    t.add::<NetworkLookupByUuid>(|c, a| {
        Ok(NetworkLookupByUuidRet {
            net: net_out(&c.conn()?.network_lookup_by_uuid(&a.uuid)?),
        })
    });
}

fn register_lifecycle(t: &mut Table) {
    t.add::<NetworkDefineXml>(|c, a| {
        Ok(NetworkDefineXmlRet {
            net: net_out(&c.conn()?.network_define_xml(&a.xml)?),
        })
    });
    t.add::<NetworkDefineXmlFlags>(|c, a| {
        Ok(NetworkDefineXmlFlagsRet {
            net: net_out(&c.conn()?.network_define_xml_flags(&a.xml, a.flags)?),
        })
    });
    t.add::<NetworkCreateXml>(|c, a| {
        Ok(NetworkCreateXmlRet {
            net: net_out(&c.conn()?.network_create_xml(&a.xml)?),
        })
    });
    t.add::<NetworkCreateXmlFlags>(|c, a| {
        Ok(NetworkCreateXmlFlagsRet {
            net: net_out(&c.conn()?.network_create_xml_flags(&a.xml, a.flags)?),
        })
    });
    t.add::<NetworkUndefine>(|c, a| net_in(c, &a.net)?.undefine());
    t.add::<NetworkCreate>(|c, a| net_in(c, &a.net)?.create());
    t.add::<NetworkDestroy>(|c, a| net_in(c, &a.net)?.destroy());
    t.add::<NetworkSetAutostart>(|c, a| net_in(c, &a.net)?.set_autostart(a.autostart != 0));
    t.add::<NetworkUpdate>(|c, a| {
        net_in(c, &a.net)?.update(a.command, a.section, a.parent_index, &a.xml, a.flags)
    });
}

fn register_info(t: &mut Table) {
    t.add::<NetworkGetXmlDesc>(|c, a| {
        Ok(NetworkGetXmlDescRet {
            xml: net_in(c, &a.net)?.xml_desc(a.flags)?,
        })
    });
    t.add::<NetworkGetBridgeName>(|c, a| {
        Ok(NetworkGetBridgeNameRet {
            name: net_in(c, &a.net)?.bridge_name()?,
        })
    });
    t.add::<NetworkIsActive>(|c, a| {
        Ok(NetworkIsActiveRet {
            active: net_in(c, &a.net)?.is_active()? as i32,
        })
    });
    t.add::<NetworkIsPersistent>(|c, a| {
        Ok(NetworkIsPersistentRet {
            persistent: net_in(c, &a.net)?.is_persistent()? as i32,
        })
    });
    t.add::<NetworkGetAutostart>(|c, a| {
        Ok(NetworkGetAutostartRet {
            autostart: net_in(c, &a.net)?.autostart()? as i32,
        })
    });
}
