//! Object events and the bus that delivers them to registered callbacks.
//!
//! Drivers emit events while they change state; callbacks run later on the bus's own
//! dispatcher thread, never under a driver lock, so a callback may call back into the driver
//! (libvirt delivers events from its event loop for the same reason).

use crate::refs::{DomainRef, NetworkRef, StoragePoolRef};
use crate::types::event::domain_id;
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

/// What happened to a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainEventKind {
    /// `event` and `detail` are `virDomainEventType` and its detail enum.
    Lifecycle {
        event: i32,
        detail: i32,
    },
    Reboot,
    /// `kind` is a `virDomainMetadataType`; `nsuri` is set for element metadata.
    MetadataChange {
        kind: i32,
        nsuri: Option<String>,
    },
    DeviceRemoved {
        alias: String,
    },
    DeviceAdded {
        alias: String,
    },
}

impl DomainEventKind {
    /// The `virDomainEventID` a callback registers for to receive this kind.
    pub fn event_id(&self) -> i32 {
        match self {
            DomainEventKind::Lifecycle { .. } => domain_id::LIFECYCLE,
            DomainEventKind::Reboot => domain_id::REBOOT,
            DomainEventKind::MetadataChange { .. } => domain_id::METADATA_CHANGE,
            DomainEventKind::DeviceRemoved { .. } => domain_id::DEVICE_REMOVED,
            DomainEventKind::DeviceAdded { .. } => domain_id::DEVICE_ADDED,
        }
    }
}

/// Any event a driver can emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Domain {
        dom: DomainRef,
        kind: DomainEventKind,
    },
    /// `event`/`detail`: `virNetworkEventLifecycleType`.
    NetworkLifecycle {
        net: NetworkRef,
        event: i32,
        detail: i32,
    },
    /// `event`/`detail`: `virStoragePoolEventLifecycleType`.
    PoolLifecycle {
        pool: StoragePoolRef,
        event: i32,
        detail: i32,
    },
    PoolRefresh {
        pool: StoragePoolRef,
    },
}

/// Which family of objects a registration listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventFamily {
    Domain,
    Network,
    StoragePool,
}

/// Network event ids (`virNetworkEventID`).
pub const NETWORK_EVENT_ID_LIFECYCLE: i32 = 0;
/// Storage pool event ids (`virStoragePoolEventID`).
pub const POOL_EVENT_ID_LIFECYCLE: i32 = 0;
pub const POOL_EVENT_ID_REFRESH: i32 = 1;

impl Event {
    fn family_and_id(&self) -> (EventFamily, i32) {
        match self {
            Event::Domain { kind, .. } => (EventFamily::Domain, kind.event_id()),
            Event::NetworkLifecycle { .. } => (EventFamily::Network, NETWORK_EVENT_ID_LIFECYCLE),
            Event::PoolLifecycle { .. } => (EventFamily::StoragePool, POOL_EVENT_ID_LIFECYCLE),
            Event::PoolRefresh { .. } => (EventFamily::StoragePool, POOL_EVENT_ID_REFRESH),
        }
    }

    fn object_uuid(&self) -> uuid::Uuid {
        match self {
            Event::Domain { dom, .. } => dom.uuid,
            Event::NetworkLifecycle { net, .. } => net.uuid,
            Event::PoolLifecycle { pool, .. } | Event::PoolRefresh { pool } => pool.uuid,
        }
    }
}

/// A registered callback. It receives the registration's id and the event.
pub type EventCallback = Arc<dyn Fn(i32, &Event) + Send + Sync>;

struct Registration {
    family: EventFamily,
    event_id: i32,
    only: Option<uuid::Uuid>,
    callback: EventCallback,
}

#[derive(Default)]
struct BusState {
    next_id: i32,
    regs: BTreeMap<i32, Registration>,
    sender: Option<mpsc::Sender<Event>>,
}

/// Registrations plus a dispatcher thread, shared by all connections to one driver state.
#[derive(Clone, Default)]
pub struct EventBus {
    state: Arc<Mutex<BusState>>,
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus::default()
    }

    fn lock(&self) -> MutexGuard<'_, BusState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a callback for `event_id` events of `family`, optionally limited to one object,
    /// and returns its id.
    pub fn register(
        &self,
        family: EventFamily,
        event_id: i32,
        only: Option<uuid::Uuid>,
        callback: EventCallback,
    ) -> i32 {
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.regs.insert(
            id,
            Registration {
                family,
                event_id,
                only,
                callback,
            },
        );
        id
    }

    /// Removes a registration; false when there was none with that id.
    pub fn deregister(&self, id: i32) -> bool {
        self.lock().regs.remove(&id).is_some()
    }

    /// Queues an event for delivery. Cheap when nobody listens.
    pub fn emit(&self, event: Event) {
        let mut st = self.lock();
        if st.regs.is_empty() {
            return;
        }
        if st.sender.is_none() {
            let (tx, rx) = mpsc::channel::<Event>();
            let weak = Arc::downgrade(&self.state);
            let spawned = std::thread::Builder::new()
                .name("rvirt-events".into())
                .spawn(move || {
                    for ev in rx {
                        let Some(state) = weak.upgrade() else { break };
                        let targets = matching(&state, &ev);
                        drop(state);
                        for (id, cb) in targets {
                            cb(id, &ev);
                        }
                    }
                });
            if spawned.is_err() {
                return;
            }
            st.sender = Some(tx);
        }
        if let Some(tx) = &st.sender {
            let _ = tx.send(event);
        }
    }
}

fn matching(state: &Mutex<BusState>, ev: &Event) -> Vec<(i32, EventCallback)> {
    let st = state.lock().unwrap_or_else(|p| p.into_inner());
    let (family, id) = ev.family_and_id();
    let uuid = ev.object_uuid();
    st.regs
        .iter()
        .filter(|(_, r)| r.family == family && r.event_id == id && r.only.is_none_or(|u| u == uuid))
        .map(|(k, r)| (*k, r.callback.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn emit_reaches_matching_registration_only() {
        let bus = EventBus::new();
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let cb: EventCallback = Arc::new(move |id, ev| {
            let _ = tx.lock().map(|t| t.send((id, ev.clone())));
        });
        let id = bus.register(EventFamily::Domain, domain_id::LIFECYCLE, None, cb);
        let dom = DomainRef {
            name: "a".into(),
            uuid: uuid::Uuid::nil(),
            id: 1,
        };
        bus.emit(Event::Domain {
            dom: dom.clone(),
            kind: DomainEventKind::Reboot,
        });
        bus.emit(Event::Domain {
            dom,
            kind: DomainEventKind::Lifecycle {
                event: 2,
                detail: 0,
            },
        });
        let (got_id, ev) = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("event delivered");
        assert_eq!(got_id, id);
        assert!(matches!(
            ev,
            Event::Domain {
                kind: DomainEventKind::Lifecycle { .. },
                ..
            }
        ));
    }
}
