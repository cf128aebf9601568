//! References to driver objects, shaped like the handles on libvirt's wire
//! (`remote_nonnull_domain` is name + UUID + id, and so on).
//!
//! Every driver call names its object with one of these, so the remote driver can pass them
//! through unchanged and a local driver can find the object again by UUID.

use uuid::Uuid;

/// A domain as the caller last saw it. `id` is -1 while the domain is not running.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DomainRef {
    pub name: String,
    pub uuid: Uuid,
    pub id: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NetworkRef {
    pub name: String,
    pub uuid: Uuid,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StoragePoolRef {
    pub name: String,
    pub uuid: Uuid,
}

/// A storage volume: the pool's name, the volume's name, and its key (for file volumes, the
/// path).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StorageVolRef {
    pub pool: String,
    pub name: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InterfaceRef {
    pub name: String,
    pub mac: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeDeviceRef {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretRef {
    pub uuid: Uuid,
    pub usage_type: i32,
    pub usage_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NWFilterRef {
    pub name: String,
    pub uuid: Uuid,
}

/// A domain snapshot: its name and the domain it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DomainSnapshotRef {
    pub name: String,
    pub dom: DomainRef,
}
