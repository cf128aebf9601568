//! Between wire handles and API handles.

use crate::client::ClientCtx;
use rvirt_rpc::protocol::types::{Dom, Iface, Net, NodeDev, Pool, Snap, Vol};
use std::sync::Arc;

pub fn dom_out(d: &rvirt::Domain) -> Dom {
    let r = d.reference();
    Dom {
        name: r.name.clone(),
        uuid: r.uuid,
        id: r.id,
    }
}

pub fn dom_ref(d: &Dom) -> rvirt::DomainRef {
    rvirt::DomainRef {
        name: d.name.clone(),
        uuid: d.uuid,
        id: d.id,
    }
}

/// The API handle for a wire handle on this client's connection.
pub fn dom_in(ctx: &Arc<ClientCtx>, d: &Dom) -> rvirt::Result<rvirt::Domain> {
    Ok(rvirt::Domain::from_ref(ctx.conn()?, dom_ref(d)))
}

pub fn net_out(n: &rvirt::Network) -> Net {
    Net {
        name: n.name().to_string(),
        uuid: n.uuid(),
    }
}

pub fn net_in(ctx: &Arc<ClientCtx>, n: &Net) -> rvirt::Result<rvirt::Network> {
    Ok(rvirt::Network::from_ref(
        ctx.conn()?,
        rvirt::NetworkRef {
            name: n.name.clone(),
            uuid: n.uuid,
        },
    ))
}

pub fn pool_out(p: &rvirt::StoragePool) -> Pool {
    Pool {
        name: p.name().to_string(),
        uuid: p.uuid(),
    }
}

pub fn pool_in(ctx: &Arc<ClientCtx>, p: &Pool) -> rvirt::Result<rvirt::StoragePool> {
    Ok(rvirt::StoragePool::from_ref(
        ctx.conn()?,
        rvirt::StoragePoolRef {
            name: p.name.clone(),
            uuid: p.uuid,
        },
    ))
}

pub fn vol_out(v: &rvirt::StorageVol) -> Vol {
    Vol {
        pool: v.pool_name().to_string(),
        name: v.name().to_string(),
        key: v.key().to_string(),
    }
}

pub fn vol_in(ctx: &Arc<ClientCtx>, v: &Vol) -> rvirt::Result<rvirt::StorageVol> {
    Ok(rvirt::StorageVol::from_ref(
        ctx.conn()?,
        rvirt::StorageVolRef {
            pool: v.pool.clone(),
            name: v.name.clone(),
            key: v.key.clone(),
        },
    ))
}

pub fn iface_out(i: &rvirt::Interface) -> Iface {
    Iface {
        name: i.name().to_string(),
        mac: i.mac().to_string(),
    }
}

pub fn nodedev_out(d: &rvirt::NodeDevice) -> NodeDev {
    NodeDev {
        name: d.name().to_string(),
    }
}

pub fn snap_out(s: &rvirt::DomainSnapshot) -> Snap {
    let r = s.reference();
    Snap {
        name: r.name.clone(),
        dom: Dom {
            name: r.dom.name.clone(),
            uuid: r.dom.uuid,
            id: r.dom.id,
        },
    }
}

pub fn snap_in(ctx: &Arc<ClientCtx>, s: &Snap) -> rvirt::Result<rvirt::DomainSnapshot> {
    Ok(rvirt::DomainSnapshot::from_ref(
        ctx.conn()?,
        rvirt::DomainSnapshotRef {
            name: s.name.clone(),
            dom: dom_ref(&s.dom),
        },
    ))
}

/// A C string as `char<>` on the wire: the bytes plus the terminating NUL.
pub fn c_chars(s: &str) -> rvirt_rpc::xdr::CharArray {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    rvirt_rpc::xdr::CharArray(v)
}

pub fn iface_in(ctx: &Arc<ClientCtx>, i: &Iface) -> rvirt::Result<rvirt::Interface> {
    Ok(rvirt::Interface::from_ref(
        ctx.conn()?,
        rvirt::InterfaceRef {
            name: i.name.clone(),
            mac: i.mac.clone(),
        },
    ))
}

pub fn secret_out(s: &rvirt::SecretRef) -> rvirt_rpc::protocol::types::Secret {
    rvirt_rpc::protocol::types::Secret {
        uuid: s.uuid,
        usage_type: s.usage_type,
        usage_id: s.usage_id.clone(),
    }
}

pub fn nwfilter_out(f: &rvirt::NWFilterRef) -> rvirt_rpc::protocol::types::NwFilter {
    rvirt_rpc::protocol::types::NwFilter {
        name: f.name.clone(),
        uuid: f.uuid,
    }
}

/// The answer to a list-all call: the handles only when the client asked for them
/// (`need_results`), the count always.
pub fn list_all<T, W>(items: &[T], need_results: i32, out: impl Fn(&T) -> W) -> (Vec<W>, u32) {
    let handles = if need_results != 0 {
        items.iter().map(out).collect()
    } else {
        Vec::new()
    };
    (handles, items.len() as u32)
}

/// Refuses a legacy list call asking for more names than the protocol carries, as libvirt's
/// generated dispatchers do (`limit` names the protocol constant).
pub fn check_list_max(max: i32, bound: i32, arg: &str, limit: &str) -> rvirt::Result<()> {
    if max > bound {
        return Err(crate::client::rpc_error(format!("{arg} > {limit}")));
    }
    Ok(())
}
