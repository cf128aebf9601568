//! Secrets and network filters (their procedures are declared with the others in
//! `rvirt_rpc::protocol::remote`), and "not supported" answers for procedures no module serves.
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
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::xdr::{Reader, Writer, Xdr, XdrError};

/// `REMOTE_SECRET_LIST_MAX`.
const SECRET_LIST_MAX: i32 = 16384;
/// `REMOTE_NWFILTER_LIST_MAX`.
const NWFILTER_LIST_MAX: i32 = 16384;

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

pub fn register(t: &mut Table) {
    t.add::<ConnectListAllSecrets>(|c, a| {
        let secrets = c.conn()?.list_all_secrets(a.flags)?;
        let (secrets, ret) = list_all(&secrets, a.need_results, secret_out);
        Ok(ConnectListAllSecretsRet { secrets, ret })
    });
    t.add::<ConnectNumOfSecrets>(|c, ()| {
        Ok(ConnectNumOfSecretsRet {
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
        Ok(ConnectListSecretsRet {
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
        Ok(NwfilterLookupByNameRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_lookup_by_name(&a.name)?),
        })
    });
    t.add::<NwfilterLookupByUuid>(|c, a| {
        Ok(NwfilterLookupByUuidRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_lookup_by_uuid(&a.uuid)?),
        })
    });
    t.add::<NwfilterDefineXml>(|c, a| {
        Ok(NwfilterDefineXmlRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_define_xml(&a.xml)?),
        })
    });
    t.add::<NwfilterDefineXmlFlags>(|c, a| {
        Ok(NwfilterDefineXmlFlagsRet {
            nwfilter: nwfilter_out(&c.conn()?.nwfilter_define_xml_flags(&a.xml, a.flags)?),
        })
    });
    t.add::<ConnectListAllNwfilters>(|c, a| {
        let filters = c.conn()?.list_all_nwfilters(a.flags)?;
        let (filters, ret) = list_all(&filters, a.need_results, nwfilter_out);
        Ok(ConnectListAllNwfiltersRet { filters, ret })
    });
    t.add::<ConnectNumOfNwfilters>(|c, ()| {
        Ok(ConnectNumOfNwfiltersRet {
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
        Ok(ConnectListNwfiltersRet {
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
        301 => "virNodeDeviceDetachFlags",
        428 => "virNodeDeviceDefineXML",
        429 => "virNodeDeviceUndefine",
        430 => "virNodeDeviceCreate",
        434 => "virNodeDeviceSetAutostart",
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
    );
}
