//! Secrets and network filters, plus the REMOTE procedures rvirt-rpc's table does not declare
//! yet, declared here with libvirt's numbers and layouts so the daemon can serve them.
//!
//! Procedures of these object families that the public API has no call for are answered
//! the way libvirt answers a driver without that entry point ("not supported", naming the
//! public function), since no rvirt driver can implement them either.
//!
//! virsh asks for a list-all procedure first and, when the driver answers "not supported",
//! falls back to the old count call; its error is the one the user sees. So the old calls must
//! be served (with the driver's own answer) for `secret-list` and `nwfilter-list` to print
//! what they print against libvirt.

use super::convert::{check_list_max, list_all, nwfilter_out, secret_out};
use super::Table;
use rvirt_rpc::packet::program;
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{Net, NodeDev, NwFilter, Secret, Vol};
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::xdr::{Reader, Writer, Xdr, XdrError};
use uuid::Uuid;

/// `REMOTE_SECRET_LIST_MAX`.
const SECRET_LIST_MAX: i32 = 16384;
/// `REMOTE_NWFILTER_LIST_MAX`.
const NWFILTER_LIST_MAX: i32 = 16384;

rvirt_rpc::xdr_struct! {
    /// `remote_connect_num_of_secrets_ret` / `remote_connect_num_of_nwfilters_ret`.
    pub struct NumRet {
        pub num: i32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_connect_list_secrets_args`.
    pub struct ListSecretsArgs {
        pub maxuuids: i32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_connect_list_secrets_ret`.
    pub struct ListSecretsRet {
        pub uuids: Vec<String>,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_connect_list_nwfilters_args`.
    pub struct ListNwfiltersArgs {
        pub maxnames: i32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_connect_list_nwfilters_ret`.
    pub struct ListNwfiltersRet {
        pub names: Vec<String>,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_secret_lookup_by_uuid_args`.
    pub struct SecretLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_secret_lookup_by_uuid_ret`.
    pub struct SecretLookupByUuidRet {
        pub secret: Secret,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_network_update_args`: `command` before `section`, the corrected order.
    pub struct NetworkUpdateArgs {
        pub net: Net,
        pub command: u32,
        pub section: u32,
        pub parent_index: i32,
        pub xml: String,
        pub flags: u32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_node_device_create_xml_args`.
    pub struct NodeDeviceCreateXmlArgs {
        pub xml_desc: String,
        pub flags: u32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_node_device_create_xml_ret`.
    pub struct NodeDeviceCreateXmlRet {
        pub dev: NodeDev,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_node_device_destroy_args`.
    pub struct NodeDeviceDestroyArgs {
        pub name: String,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_storage_vol_get_info_flags_args`.
    pub struct StorageVolGetInfoFlagsArgs {
        pub vol: Vol,
        pub flags: u32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_storage_vol_get_info_flags_ret` (`type` is a `char`, four bytes on the wire).
    pub struct StorageVolGetInfoFlagsRet {
        pub r#type: i32,
        pub capacity: u64,
        pub allocation: u64,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_secret_define_xml_args`.
    pub struct SecretDefineXmlArgs {
        pub xml: String,
        pub flags: u32,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_secret_define_xml_ret`.
    pub struct SecretDefineXmlRet {
        pub secret: Secret,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_nwfilter_lookup_by_name_args`.
    pub struct NwfilterLookupByNameArgs {
        pub name: String,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_nwfilter_lookup_by_uuid_args`.
    pub struct NwfilterLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_nwfilter_define_xml_args`.
    pub struct NwfilterDefineXmlArgs {
        pub xml: String,
    }
}

rvirt_rpc::xdr_struct! {
    /// The reply of the nwfilter lookups and definition: `{ nwfilter }`.
    pub struct NwfilterRet {
        pub nwfilter: NwFilter,
    }
}

rvirt_rpc::xdr_struct! {
    /// `remote_nwfilter_define_xml_flags_args`.
    pub struct NwfilterDefineXmlFlagsArgs {
        pub xml: String,
        pub flags: u32,
    }
}

/// The arguments of a procedure answered without looking at them.
pub struct Ignored;

impl Xdr for Ignored {
    fn encode(&self, _w: &mut Writer) {}
    fn decode(r: &mut Reader<'_>) -> Result<Self, XdrError> {
        let n = r.remaining();
        r.fixed(n - n % 4)?;
        Ok(Ignored)
    }
    const MIN_SIZE: usize = 0;
}

/// Procedure `N`, answered "not supported".
pub struct Unsupported<const N: i32>;

impl<const N: i32> Procedure for Unsupported<N> {
    const PROG: u32 = program::REMOTE;
    const NUM: i32 = N;
    const NAME: &'static str = "Unsupported";
    const HIGH_PRIORITY: bool = false;
    type Args = Ignored;
    type Ret = ();
}

/// Registers "not supported" answers, each naming its public function, for procedures no
/// other module serves (a handler registered before keeps its place).
macro_rules! unsupported {
    ($t:expr, $domain:ident; $($num:literal => $function:literal,)*) => {
        $(
            if !$t.handlers.contains_key(&(program::REMOTE, $num)) {
                $t.add::<Unsupported<$num>>(|_, _| {
                    let mut e = rvirt::Error::no_support($function);
                    e.domain = rvirt::ErrorDomain::$domain;
                    Err(e)
                });
            }
        )*
    };
}

macro_rules! procedure {
    ($name:ident = $num:literal, $args:ty => $ret:ty, $high:literal) => {
        #[doc = concat!("REMOTE procedure ", stringify!($num), ".")]
        pub struct $name;
        impl Procedure for $name {
            const PROG: u32 = program::REMOTE;
            const NUM: i32 = $num;
            const NAME: &'static str = stringify!($name);
            const HIGH_PRIORITY: bool = $high;
            type Args = $args;
            type Ret = $ret;
        }
    };
}

procedure!(NodeDeviceCreateXml = 123, NodeDeviceCreateXmlArgs => NodeDeviceCreateXmlRet, false);
procedure!(NodeDeviceDestroy = 124, NodeDeviceDestroyArgs => (), true);
procedure!(ConnectNumOfSecrets = 139, () => NumRet, true);
procedure!(ConnectListSecrets = 140, ListSecretsArgs => ListSecretsRet, true);
procedure!(SecretLookupByUuid = 141, SecretLookupByUuidArgs => SecretLookupByUuidRet, true);
procedure!(SecretDefineXml = 142, SecretDefineXmlArgs => SecretDefineXmlRet, true);
procedure!(NwfilterLookupByName = 175, NwfilterLookupByNameArgs => NwfilterRet, true);
procedure!(NwfilterLookupByUuid = 176, NwfilterLookupByUuidArgs => NwfilterRet, true);
procedure!(ConnectNumOfNwfilters = 178, () => NumRet, true);
procedure!(ConnectListNwfilters = 179, ListNwfiltersArgs => ListNwfiltersRet, true);
procedure!(NwfilterDefineXml = 180, NwfilterDefineXmlArgs => NwfilterRet, true);
procedure!(NwfilterDefineXmlFlags = 431, NwfilterDefineXmlFlagsArgs => NwfilterRet, true);
procedure!(NetworkUpdate = 291, NetworkUpdateArgs => (), true);
procedure!(StorageVolGetInfoFlags = 378, StorageVolGetInfoFlagsArgs => StorageVolGetInfoFlagsRet, true);

pub fn register(t: &mut Table) {
    t.add::<ConnectListAllSecrets>(|c, a| {
        let secrets = c.conn()?.list_all_secrets(a.flags)?;
        let (secrets, ret) = list_all(&secrets, a.need_results, secret_out);
        Ok(ConnectListAllSecretsRet { secrets, ret })
    });
    t.add::<ConnectNumOfSecrets>(|c, ()| {
        Ok(NumRet {
            num: c.conn()?.num_of_secrets()?,
        })
    });
    t.add::<ConnectListSecrets>(|c, a| {
        check_list_max(
            a.maxuuids,
            SECRET_LIST_MAX,
            "maxuuids",
            "REMOTE_SECRET_LIST_MAX",
        )?;
        Ok(ListSecretsRet {
            uuids: c.conn()?.list_secrets(a.maxuuids)?,
        })
    });
    t.add::<SecretLookupByUuid>(|c, a| {
        Ok(SecretLookupByUuidRet {
            secret: secret_out(&c.conn()?.secret_lookup_by_uuid(&a.uuid)?),
        })
    });
    t.add::<SecretDefineXml>(|c, a| {
        Ok(SecretDefineXmlRet {
            secret: secret_out(&c.conn()?.secret_define_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<NwfilterLookupByName>(|c, a| {
        Ok(NwfilterRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_lookup_by_name(&a.name)?),
        })
    });
    t.add::<NwfilterLookupByUuid>(|c, a| {
        Ok(NwfilterRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_lookup_by_uuid(&a.uuid)?),
        })
    });
    t.add::<NwfilterDefineXml>(|c, a| {
        Ok(NwfilterRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_define_xml(&a.xml)?),
        })
    });
    t.add::<NwfilterDefineXmlFlags>(|c, a| {
        Ok(NwfilterRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_define_xml_flags(&a.xml, a.flags)?),
        })
    });
    t.add::<ConnectListAllNwfilters>(|c, a| {
        let filters = c.conn()?.list_all_nwfilters(a.flags)?;
        let (filters, ret) = list_all(&filters, a.need_results, nwfilter_out);
        Ok(ConnectListAllNwfiltersRet { filters, ret })
    });
    t.add::<ConnectNumOfNwfilters>(|c, ()| {
        Ok(NumRet {
            num: c.conn()?.num_of_nwfilters()?,
        })
    });
    t.add::<ConnectListNwfilters>(|c, a| {
        check_list_max(
            a.maxnames,
            NWFILTER_LIST_MAX,
            "maxnames",
            "REMOTE_NWFILTER_LIST_MAX",
        )?;
        Ok(ListNwfiltersRet {
            names: c.conn()?.list_nwfilters(a.maxnames)?,
        })
    });
    register_unsupported(t);
}

fn register_unsupported(t: &mut Table) {
    unsupported!(t, NODEDEV;
        118 => "virNodeDeviceDettach",
        119 => "virNodeDeviceReAttach",
        120 => "virNodeDeviceReset",
        297 => "virNodeDeviceLookupSCSIHostByWWN",
        301 => "virNodeDeviceDetachFlags",
        428 => "virNodeDeviceDefineXML",
        429 => "virNodeDeviceUndefine",
        430 => "virNodeDeviceCreate",
        433 => "virNodeDeviceGetAutostart",
        434 => "virNodeDeviceSetAutostart",
        435 => "virNodeDeviceIsPersistent",
        436 => "virNodeDeviceIsActive",
    );
    unsupported!(t, SECRET;
        143 => "virSecretGetXMLDesc",
        144 => "virSecretSetValue",
        145 => "virSecretGetValue",
        146 => "virSecretUndefine",
        147 => "virSecretLookupByUsage",
    );
    unsupported!(t, NWFILTER;
        177 => "virNWFilterGetXMLDesc",
        181 => "virNWFilterUndefine",
        397 => "virNWFilterBindingLookupByPortDev",
        398 => "virNWFilterBindingGetXMLDesc",
        399 => "virNWFilterBindingCreateXML",
        400 => "virNWFilterBindingDelete",
        401 => "virConnectListAllNWFilterBindings",
    );
    unsupported!(t, NETWORK;
        341 => "virNetworkGetDHCPLeases",
        404 => "virNetworkListAllPorts",
        405 => "virNetworkPortLookupByUUID",
        406 => "virNetworkPortCreateXML",
        407 => "virNetworkPortGetParameters",
        408 => "virNetworkPortSetParameters",
        409 => "virNetworkPortGetXMLDesc",
        410 => "virNetworkPortDelete",
    );
    unsupported!(t, STORAGE;
        208 => "virStorageVolUpload",
        209 => "virStorageVolDownload",
        391 => "virStoragePoolLookupByTargetPath",
        403 => "virConnectGetStoragePoolCapabilities",
    );
}
