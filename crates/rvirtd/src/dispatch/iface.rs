//! Host network interface procedures.

use super::convert::{check_list_max, iface_in, iface_out, list_all};
use super::Table;
use rvirt_rpc::protocol::remote::*;

/// `REMOTE_INTERFACE_LIST_MAX`.
const LIST_MAX: i32 = 16384;

pub fn register(t: &mut Table) {
    t.add::<ConnectListAllInterfaces>(|c, a| {
        let ifaces = c.conn()?.list_all_interfaces(a.flags)?;
        let (ifaces, ret) = list_all(&ifaces, a.need_results, iface_out);
        Ok(ConnectListAllInterfacesRet { ifaces, ret })
    });
    t.add::<ConnectNumOfInterfaces>(|c, ()| {
        Ok(ConnectNumOfInterfacesRet {
            num: c.conn()?.num_of_interfaces()?,
        })
    });
    t.add::<ConnectListInterfaces>(|c, a| {
        check_list_max(
            a.maxnames,
            LIST_MAX,
            "maxnames",
            "REMOTE_INTERFACE_LIST_MAX",
        )?;
        Ok(ConnectListInterfacesRet {
            names: c.conn()?.list_interfaces(a.maxnames)?,
        })
    });
    t.add::<ConnectNumOfDefinedInterfaces>(|c, ()| {
        Ok(ConnectNumOfDefinedInterfacesRet {
            num: c.conn()?.num_of_defined_interfaces()?,
        })
    });
    t.add::<ConnectListDefinedInterfaces>(|c, a| {
        check_list_max(
            a.maxnames,
            LIST_MAX,
            "maxnames",
            "REMOTE_INTERFACE_LIST_MAX",
        )?;
        Ok(ConnectListDefinedInterfacesRet {
            names: c.conn()?.list_defined_interfaces(a.maxnames)?,
        })
    });
    t.add::<InterfaceLookupByName>(|c, a| {
        Ok(InterfaceLookupByNameRet {
            iface: iface_out(&c.conn()?.interface_lookup_by_name(&a.name)?),
        })
    });
    t.add::<InterfaceLookupByMacString>(|c, a| {
        Ok(InterfaceLookupByMacStringRet {
            iface: iface_out(&c.conn()?.interface_lookup_by_mac_string(&a.mac)?),
        })
    });
    t.add::<InterfaceDefineXml>(|c, a| {
        Ok(InterfaceDefineXmlRet {
            iface: iface_out(&c.conn()?.interface_define_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<InterfaceUndefine>(|c, a| iface_in(c, &a.iface)?.undefine());
    t.add::<InterfaceCreate>(|c, a| iface_in(c, &a.iface)?.create(a.flags));
    t.add::<InterfaceDestroy>(|c, a| iface_in(c, &a.iface)?.destroy(a.flags));
    t.add::<InterfaceChangeBegin>(|c, a| c.conn()?.interface_change_begin(a.flags));
    t.add::<InterfaceChangeCommit>(|c, a| c.conn()?.interface_change_commit(a.flags));
    t.add::<InterfaceChangeRollback>(|c, a| c.conn()?.interface_change_rollback(a.flags));
    t.add::<InterfaceGetXmlDesc>(|c, a| {
        Ok(InterfaceGetXmlDescRet {
            xml: iface_in(c, &a.iface)?.xml_desc(a.flags)?,
        })
    });
    t.add::<InterfaceIsActive>(|c, a| {
        Ok(InterfaceIsActiveRet {
            active: iface_in(c, &a.iface)?.is_active()? as i32,
        })
    });
}
