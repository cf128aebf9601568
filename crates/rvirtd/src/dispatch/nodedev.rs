//! Node (host) device procedures. Most of them name the device by a plain string; like
//! libvirt's dispatchers, each looks the device up first, so a missing device fails the same
//! way whatever was asked of it.

use super::convert::{check_list_max, list_all, nodedev_out};
use super::Table;
use crate::client::ClientCtx;
use rvirt_rpc::protocol::remote::*;
use std::sync::Arc;

/// `REMOTE_NODE_DEVICE_LIST_MAX`.
const LIST_MAX: i32 = 65536;
/// `REMOTE_NODE_DEVICE_CAPS_LIST_MAX`.
const CAPS_LIST_MAX: i32 = 65536;

fn device(c: &Arc<ClientCtx>, name: &str) -> rvirt::Result<rvirt::NodeDevice> {
    c.conn()?.node_device_lookup_by_name(name)
}

/// The device named, not looked up: libvirtd answers the state queries (active,
/// persistent, autostart) of a driver without them "not supported" whether the device
/// exists or not, and a driver with them looks the device up itself.
fn named(c: &Arc<ClientCtx>, name: &str) -> rvirt::Result<rvirt::NodeDevice> {
    let r = rvirt::NodeDeviceRef {
        name: name.to_string(),
    };
    Ok(rvirt::NodeDevice::from_ref(c.conn()?, r))
}

pub fn register(t: &mut Table) {
    t.add::<ConnectListAllNodeDevices>(|c, a| {
        let devs = c.conn()?.list_all_node_devices(a.flags)?;
        let (devices, ret) = list_all(&devs, a.need_results, nodedev_out);
        Ok(ConnectListAllNodeDevicesRet { devices, ret })
    });
    t.add::<NodeNumOfDevices>(|c, a| {
        Ok(NodeNumOfDevicesRet {
            num: c.conn()?.node_num_of_devices(a.cap.as_deref(), a.flags)?,
        })
    });
    t.add::<NodeListDevices>(|c, a| {
        check_list_max(
            a.maxnames,
            LIST_MAX,
            "maxnames",
            "REMOTE_NODE_DEVICE_LIST_MAX",
        )?;
        Ok(NodeListDevicesRet {
            names: c
                .conn()?
                .node_list_devices(a.cap.as_deref(), a.maxnames, a.flags)?,
        })
    });
    t.add::<NodeDeviceCreateXml>(|c, a| {
        Ok(NodeDeviceCreateXmlRet {
            dev: nodedev_out(&c.conn()?.node_device_create_xml(&a.xml_desc, a.flags)?),
        })
    });
    t.add::<NodeDeviceDestroy>(|c, a| device(c, &a.name)?.destroy());
    t.add::<NodeDeviceLookupScsiHostByWwn>(|c, a| {
        Ok(NodeDeviceLookupScsiHostByWwnRet {
            dev: nodedev_out(
                &c.conn()?
                    .node_device_lookup_scsi_host_by_wwn(&a.wwnn, &a.wwpn, a.flags)?,
            ),
        })
    });
    t.add::<NodeDeviceIsActive>(|c, a| {
        Ok(NodeDeviceIsActiveRet {
            active: named(c, &a.name)?.is_active()? as i32,
        })
    });
    t.add::<NodeDeviceIsPersistent>(|c, a| {
        Ok(NodeDeviceIsPersistentRet {
            persistent: named(c, &a.name)?.is_persistent()? as i32,
        })
    });
    t.add::<NodeDeviceGetAutostart>(|c, a| {
        Ok(NodeDeviceGetAutostartRet {
            autostart: named(c, &a.name)?.autostart()? as i32,
        })
    });
    t.add::<NodeDeviceLookupByName>(|c, a| {
        Ok(NodeDeviceLookupByNameRet {
            dev: nodedev_out(&device(c, &a.name)?),
        })
    });
    t.add::<NodeDeviceGetXmlDesc>(|c, a| {
        Ok(NodeDeviceGetXmlDescRet {
            xml: device(c, &a.name)?.xml_desc(a.flags)?,
        })
    });
    // A device without a parent answers NULL, not an error.
    t.add::<NodeDeviceGetParent>(|c, a| {
        Ok(NodeDeviceGetParentRet {
            parent_name: device(c, &a.name)?.parent()?,
        })
    });
    t.add::<NodeDeviceNumOfCaps>(|c, a| {
        Ok(NodeDeviceNumOfCapsRet {
            num: device(c, &a.name)?.num_of_caps()?,
        })
    });
    t.add::<NodeDeviceListCaps>(|c, a| {
        check_list_max(
            a.maxnames,
            CAPS_LIST_MAX,
            "maxnames",
            "REMOTE_NODE_DEVICE_CAPS_LIST_MAX",
        )?;
        let dev = device(c, &a.name)?;
        if a.maxnames < 0 {
            return Err(rvirt::Error::invalid_arg(
                rvirt::ErrorDomain::NODEDEV,
                "maxnames in virNodeDeviceListCaps must be greater than or equal to 0",
            ));
        }
        let mut names = dev.list_caps()?;
        names.truncate(a.maxnames as usize);
        Ok(NodeDeviceListCapsRet { names })
    });
}
