//! The driver state shared by connections: every object and the counters libvirt keeps.

use rvirt_core::event::EventBus;
use rvirt_core::types::{DomainState, NodeInfo};
use rvirt_core::DomainRef;
use rvirt_xml::domain::DomainDef;
use std::sync::{Mutex, MutexGuard};

/// One domain as the test driver tracks it.
#[derive(Clone, Debug)]
pub struct DomainObj {
    /// The live definition while running; the only definition otherwise.
    pub def: DomainDef,
    /// The persistent definition while running (changes for the next start).
    pub new_def: Option<DomainDef>,
    pub state: DomainState,
    pub reason: i32,
    pub id: i32,
    pub persistent: bool,
    pub autostart: bool,
    pub has_managed_save: bool,
    /// Snapshots in creation order, and the name of the current one.
    pub snapshots: Vec<SnapshotObj>,
    pub current_snapshot: Option<String>,
}

/// A snapshot the test driver keeps: metadata plus the state and definition to go back to.
#[derive(Clone, Debug)]
pub struct SnapshotObj {
    pub def: rvirt_xml::snapshot::SnapshotDef,
    /// The domain state when it was taken.
    pub state: DomainState,
}

impl DomainObj {
    pub fn reference(&self) -> DomainRef {
        DomainRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
            id: self.id,
        }
    }

    pub fn is_active(&self) -> bool {
        self.state != DomainState::Shutoff
    }

    /// The persistent definition: `new_def` while running with pending changes, else `def`.
    pub fn persistent_def(&self) -> &DomainDef {
        self.new_def.as_ref().unwrap_or(&self.def)
    }
}

/// A virtual network.
#[derive(Clone, Debug)]
pub struct NetworkObj {
    pub def: rvirt_xml::network::NetworkDef,
    /// The persistent definition while active with pending changes.
    pub new_def: Option<rvirt_xml::network::NetworkDef>,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

impl NetworkObj {
    pub fn reference(&self) -> rvirt_core::NetworkRef {
        rvirt_core::NetworkRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }
}

/// A storage volume inside a pool.
#[derive(Clone, Debug)]
pub struct VolObj {
    pub def: rvirt_xml::storage::VolDef,
}

/// A storage pool and its volumes.
#[derive(Clone, Debug)]
pub struct PoolObj {
    pub def: rvirt_xml::storage::PoolDef,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
    pub volumes: Vec<VolObj>,
}

impl PoolObj {
    pub fn reference(&self) -> rvirt_core::StoragePoolRef {
        rvirt_core::StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }
}

/// A host network interface.
#[derive(Clone, Debug)]
pub struct IfaceObj {
    pub def: rvirt_xml::host_interface::InterfaceDef,
    pub active: bool,
}

/// Domains in insertion order, indexed by UUID and name so that lookups stay constant-time
/// with thousands of domains. Reads go through the slice; changes that add or remove go
/// through [`DomainList::push`] and [`DomainList::remove`], which keep the indexes right.
#[derive(Debug, Default)]
pub struct DomainList {
    list: Vec<DomainObj>,
    by_uuid: std::collections::HashMap<uuid::Uuid, usize>,
    by_name: std::collections::HashMap<String, usize>,
}

impl DomainList {
    pub fn push(&mut self, d: DomainObj) {
        self.by_uuid.insert(d.def.uuid, self.list.len());
        self.by_name.insert(d.def.name.clone(), self.list.len());
        self.list.push(d);
    }

    pub fn remove(&mut self, i: usize) -> DomainObj {
        let d = self.list.remove(i);
        self.by_uuid.remove(&d.def.uuid);
        self.by_name.remove(&d.def.name);
        for (j, o) in self.list.iter().enumerate().skip(i) {
            self.by_uuid.insert(o.def.uuid, j);
            self.by_name.insert(o.def.name.clone(), j);
        }
        d
    }

    pub fn find_uuid(&self, uuid: &uuid::Uuid) -> Option<usize> {
        self.by_uuid.get(uuid).copied()
    }

    pub fn find_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

impl std::ops::Deref for DomainList {
    type Target = [DomainObj];
    fn deref(&self) -> &[DomainObj] {
        &self.list
    }
}

impl std::ops::DerefMut for DomainList {
    /// Mutable access for changes that keep a domain's name and UUID (which is every change
    /// the driver makes in place).
    fn deref_mut(&mut self) -> &mut [DomainObj] {
        &mut self.list
    }
}

/// Everything the driver holds.
#[derive(Debug, Default)]
pub struct DriverState {
    pub domains: DomainList,
    pub networks: Vec<NetworkObj>,
    pub pools: Vec<PoolObj>,
    pub interfaces: Vec<IfaceObj>,
    /// The interfaces as they were at `virInterfaceChangeBegin`, while a transaction runs.
    pub iface_backup: Option<Vec<IfaceObj>>,
    pub node_devices: Vec<rvirt_xml::nodedev::NodeDeviceDef>,
    pub next_id: i32,
    pub node: NodeInfo,
    /// Number of NUMA cells reported (2 for the default config, 0 for custom files).
    pub cells: u32,
}

/// State plus its event bus; shared by all connections to one URI.
pub struct Shared {
    state: Mutex<DriverState>,
    pub events: EventBus,
}

impl Shared {
    pub fn new(state: DriverState) -> Shared {
        Shared {
            state: Mutex::new(state),
            events: EventBus::new(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, DriverState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The default node: what libvirt's test driver reports for `nodeinfo`.
pub fn default_node_info() -> NodeInfo {
    NodeInfo {
        model: "i686".to_string(),
        memory: 3_145_728,
        cpus: 16,
        mhz: 1400,
        nodes: 2,
        sockets: 2,
        cores: 2,
        threads: 2,
    }
}
