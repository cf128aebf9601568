//! Between rvirt's object references and their wire handles; both name objects the same
//! way (a domain is name + UUID + id, and so on), so these are field copies.

use rvirt_core::refs::*;
use rvirt_rpc::protocol::types as wire;

pub fn dom(r: &DomainRef) -> wire::Dom {
    wire::Dom {
        name: r.name.clone(),
        uuid: r.uuid,
        id: r.id,
    }
}

pub fn dom_ref(d: wire::Dom) -> DomainRef {
    DomainRef {
        name: d.name,
        uuid: d.uuid,
        id: d.id,
    }
}

pub fn net(r: &NetworkRef) -> wire::Net {
    wire::Net {
        name: r.name.clone(),
        uuid: r.uuid,
    }
}

pub fn net_ref(n: wire::Net) -> NetworkRef {
    NetworkRef {
        name: n.name,
        uuid: n.uuid,
    }
}

pub fn pool(r: &StoragePoolRef) -> wire::Pool {
    wire::Pool {
        name: r.name.clone(),
        uuid: r.uuid,
    }
}

pub fn pool_ref(p: wire::Pool) -> StoragePoolRef {
    StoragePoolRef {
        name: p.name,
        uuid: p.uuid,
    }
}

pub fn vol(r: &StorageVolRef) -> wire::Vol {
    wire::Vol {
        pool: r.pool.clone(),
        name: r.name.clone(),
        key: r.key.clone(),
    }
}

pub fn vol_ref(v: wire::Vol) -> StorageVolRef {
    StorageVolRef {
        pool: v.pool,
        name: v.name,
        key: v.key,
    }
}

pub fn iface(r: &InterfaceRef) -> wire::Iface {
    wire::Iface {
        name: r.name.clone(),
        mac: r.mac.clone(),
    }
}

pub fn iface_ref(i: wire::Iface) -> InterfaceRef {
    InterfaceRef {
        name: i.name,
        mac: i.mac,
    }
}

pub fn nodedev_ref(d: wire::NodeDev) -> NodeDeviceRef {
    NodeDeviceRef { name: d.name }
}

pub fn snap(r: &DomainSnapshotRef) -> wire::Snap {
    wire::Snap {
        name: r.name.clone(),
        dom: dom(&r.dom),
    }
}

pub fn snap_ref(s: wire::Snap) -> DomainSnapshotRef {
    DomainSnapshotRef {
        name: s.name,
        dom: dom_ref(s.dom),
    }
}

pub fn secret_ref(s: wire::Secret) -> SecretRef {
    SecretRef {
        uuid: s.uuid,
        usage_type: s.usage_type,
        usage_id: s.usage_id,
    }
}

pub fn nwfilter_ref(f: wire::NwFilter) -> NWFilterRef {
    NWFilterRef {
        name: f.name,
        uuid: f.uuid,
    }
}
