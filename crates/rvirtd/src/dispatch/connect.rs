//! Connection, host and authentication procedures.

use super::convert::c_chars;
use super::Table;
use crate::client::{rpc_error, ClientCtx};
use crate::settings::Auth;
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::NodeGetInfoRet;
use rvirt_rpc::xdr::CharArray;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `virDrvFeature` numbers the daemon answers itself.
const FEATURE_FD_PASSING: i32 = 8;
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;
const FEATURE_REMOTE_EVENT_CALLBACK: i32 = 14;
const FEATURE_REMOTE_CLOSE_CALLBACK: i32 = 15;

fn open(ctx: &Arc<ClientCtx>, a: ConnectOpenArgs) -> rvirt::Result<()> {
    if ctx.has_conn() {
        // As libvirtd does, the connection already open does not survive a second open.
        ctx.drop_registrations();
        ctx.set_conn(None);
        return Err(rvirt::Error::internal(
            rvirt::ErrorDomain::RPC,
            "connection already open",
        ));
    }
    // A client with no URI of its own leaves the choice to the daemon, like libvirtd's
    // probing: the QEMU driver of the daemon's own mode.
    let name = a.name.filter(|n| !n.is_empty()).unwrap_or_else(|| {
        if rustix::process::geteuid().is_root() {
            "qemu:///system".to_string()
        } else {
            "qemu:///session".to_string()
        }
    });
    let uri = rvirt::ConnectUri::parse(&name)?;
    if !uri.is_local() {
        // The daemon serves local drivers only; relaying to another host is the client's job.
        return Err(rvirt::Error::new(
            rvirt::ErrorDomain::NONE,
            rvirt::ErrorCode::NO_CONNECT,
            Some(name),
        ));
    }
    let mut flags = a.flags;
    if ctx.readonly {
        flags |= rvirt::flags::connect::RO;
    }
    let c = rvirt::Connect::open_flags(Some(&name), flags)?;
    ctx.set_conn(Some(c));
    Ok(())
}

fn security_model(ctx: &Arc<ClientCtx>) -> rvirt::Result<NodeGetSecurityModelRet> {
    let m = ctx.conn()?.node_security_model()?;
    let chars = |s: &str| {
        if s.is_empty() {
            CharArray(Vec::new())
        } else {
            c_chars(s)
        }
    };
    Ok(NodeGetSecurityModelRet {
        model: chars(&m.model),
        doi: chars(&m.doi),
    })
}

pub fn register(t: &mut Table) {
    t.add::<ConnectOpen>(open);
    t.add::<ConnectClose>(|c, ()| {
        c.drop_registrations();
        c.set_conn(None);
        Ok(())
    });
    t.add::<AuthList>(|c, ()| {
        let kind = match c.auth {
            Auth::None => 0,
            Auth::Sasl => 1,
            Auth::Polkit => 2,
        };
        Ok(AuthListRet { types: vec![kind] })
    });
    t.add::<AuthSaslInit>(|_, ()| -> rvirt::Result<AuthSaslInitRet> {
        Err(rvirt::Error::new(
            rvirt::ErrorDomain::AUTH,
            rvirt::ErrorCode::AUTH_FAILED,
            Some(
                "SASL authentication is not supported by rvirtd; use auth none over UNIX or TLS"
                    .to_string(),
            ),
        ))
    });
    t.add::<AuthPolkit>(|_, ()| -> rvirt::Result<AuthPolkitRet> {
        Err(rvirt::Error::new(
            rvirt::ErrorDomain::AUTH,
            rvirt::ErrorCode::AUTH_FAILED,
            Some("polkit authentication is not supported by rvirtd".to_string()),
        ))
    });
    t.add::<ConnectSupportsFeature>(|c, a| {
        let supported = match a.feature {
            FEATURE_PROGRAM_KEEPALIVE => {
                c.keepalive.store(true, Ordering::Relaxed);
                true
            }
            FEATURE_FD_PASSING | FEATURE_REMOTE_EVENT_CALLBACK | FEATURE_REMOTE_CLOSE_CALLBACK => {
                true
            }
            f => c.conn()?.supports_feature(f)?,
        };
        Ok(ConnectSupportsFeatureRet {
            supported: supported as i32,
        })
    });
    t.add::<ConnectRegisterCloseCallback>(|c, ()| {
        c.conn()?;
        c.close_callback.store(true, Ordering::Relaxed);
        Ok(())
    });
    t.add::<ConnectUnregisterCloseCallback>(|c, ()| {
        c.conn()?;
        c.close_callback.store(false, Ordering::Relaxed);
        Ok(())
    });
    t.add::<ConnectGetType>(|c, ()| {
        Ok(ConnectGetTypeRet {
            r#type: c.conn()?.get_type()?,
        })
    });
    t.add::<ConnectGetVersion>(|c, ()| {
        Ok(ConnectGetVersionRet {
            hv_ver: c.conn()?.get_version()?,
        })
    });
    t.add::<ConnectGetLibVersion>(|c, ()| {
        Ok(ConnectGetLibVersionRet {
            lib_ver: c.conn()?.get_lib_version()?,
        })
    });
    t.add::<ConnectGetHostname>(|c, ()| {
        Ok(ConnectGetHostnameRet {
            hostname: c.conn()?.get_hostname()?,
        })
    });
    t.add::<ConnectGetUri>(|c, ()| {
        Ok(ConnectGetUriRet {
            uri: c.conn()?.uri()?,
        })
    });
    t.add::<ConnectGetCapabilities>(|c, ()| {
        Ok(ConnectGetCapabilitiesRet {
            capabilities: c.conn()?.get_capabilities()?,
        })
    });
    t.add::<ConnectDomainXmlToNative>(|c, a| {
        Ok(ConnectDomainXmlToNativeRet {
            native_config: c.conn()?.domain_xml_to_native(
                &a.native_format,
                &a.domain_xml,
                a.flags,
            )?,
        })
    });
    t.add::<ConnectGetSysinfo>(|c, a| {
        Ok(ConnectGetSysinfoRet {
            sysinfo: c.conn()?.get_sysinfo(a.flags)?,
        })
    });
    t.add::<ConnectGetMaxVcpus>(|c, a| {
        Ok(ConnectGetMaxVcpusRet {
            max_vcpus: c.conn()?.get_max_vcpus(a.r#type.as_deref())?,
        })
    });
    t.add::<ConnectIsSecure>(|c, ()| {
        let driver_secure = c.conn()?.is_secure()?;
        Ok(ConnectIsSecureRet {
            secure: (driver_secure && c.secure) as i32,
        })
    });
    t.add::<NodeGetInfo>(|c, ()| {
        let n = c.conn()?.node_info()?;
        let mut model = n.model.into_bytes();
        model.truncate(31);
        Ok(NodeGetInfoRet {
            model: CharArray(model),
            memory: n.memory,
            cpus: n.cpus as i32,
            mhz: n.mhz as i32,
            nodes: n.nodes as i32,
            sockets: n.sockets as i32,
            cores: n.cores as i32,
            threads: n.threads as i32,
        })
    });
    t.add::<NodeGetSecurityModel>(|c, ()| security_model(c));
    t.add::<NodeGetFreeMemory>(|c, ()| {
        Ok(NodeGetFreeMemoryRet {
            free_mem: c.conn()?.node_free_memory()?,
        })
    });
    t.add::<NodeGetCellsFreeMemory>(|c, a| {
        if a.maxcells > 1024 {
            return Err(rpc_error("maxCells > REMOTE_NODE_MAX_CELLS"));
        }
        Ok(NodeGetCellsFreeMemoryRet {
            cells: c.conn()?.node_cells_free_memory(a.start_cell, a.maxcells)?,
        })
    });
}
