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

/// Everything the driver holds.
#[derive(Debug, Default)]
pub struct DriverState {
    pub domains: Vec<DomainObj>,
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
