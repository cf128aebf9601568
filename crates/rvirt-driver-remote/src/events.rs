//! Events: decoding event messages from the wire into [`Event`]s, the table of local
//! registrations, and the thread that runs their callbacks.
//!
//! Callbacks never run on the thread that read the event (a caller in the middle of its
//! own call, or the connection's watcher): it decodes the message and hands it to a
//! per-connection dispatcher thread, so a callback may call back into the connection and
//! a slow callback holds up no call. The dispatcher looks registrations up under the
//! table's lock, and a registration holds that lock from before its call goes out until
//! its id is recorded, so an event that follows the reply immediately still finds the
//! callback it is meant for.
//!
//! Two registration styles exist on the wire. With the callback style (the server
//! supports feature 14) every local registration has a server-side twin whose id the event
//! messages carry. The legacy style has one server registration per event id and no ids in
//! messages: the table fans events out to every local registration for that event id and
//! applies the per-domain filter here.

use crate::convert::{dom_ref, net_ref, pool_ref};
use rvirt_core::event::{DomainEventKind, Event, EventCallback, EventFamily};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{
    Dom, DomainEventCallbackDeviceRemovedMsg, DomainEventCallbackLifecycleMsg,
    DomainEventCallbackRebootMsg,
};
use rvirt_rpc::protocol::EventMessage;
use rvirt_rpc::xdr::from_bytes;
use rvirt_rpc::xdr_struct;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

xdr_struct! {
    /// The legacy `DOMAIN_EVENT_DEVICE_REMOVED` message (311), which the shared protocol
    /// tables do not declare.
    pub struct DomainEventDeviceRemovedMsg {
        pub dom: Dom,
        pub dev_alias: String,
    }
}

/// Legacy device-removed event message number.
const LEGACY_DEVICE_REMOVED: i32 = 311;

/// A decoded event message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// Callback style: for the server registration `id` of `family`.
    Callback {
        family: EventFamily,
        id: i32,
        event: Event,
    },
    /// Legacy style: for every registration of domain event `event_id`.
    Legacy { event_id: i32, event: Event },
}

fn domain(dom: Dom, kind: DomainEventKind) -> Event {
    Event::Domain {
        dom: dom_ref(dom),
        kind,
    }
}

/// Decodes REMOTE event message `proc_`; `None` for kinds rvirt has no [`Event`] for and
/// for bodies that do not decode.
pub fn decode(proc_: i32, body: &[u8]) -> Option<Incoming> {
    let cb = |id: i32, event: Event| Incoming::Callback {
        family: EventFamily::Domain,
        id,
        event,
    };
    let legacy = |event: Event| Incoming::Legacy {
        event_id: match &event {
            Event::Domain { kind, .. } => kind.event_id(),
            _ => -1,
        },
        event,
    };
    Some(match proc_ {
        DomainEventLifecycle::NUM => {
            let m: DomainEventLifecycleMsg = from_bytes(body).ok()?;
            legacy(domain(
                m.dom,
                DomainEventKind::Lifecycle {
                    event: m.event,
                    detail: m.detail,
                },
            ))
        }
        DomainEventReboot::NUM => {
            let m: DomainEventRebootMsg = from_bytes(body).ok()?;
            legacy(domain(m.dom, DomainEventKind::Reboot))
        }
        LEGACY_DEVICE_REMOVED => {
            let m: DomainEventDeviceRemovedMsg = from_bytes(body).ok()?;
            legacy(domain(
                m.dom,
                DomainEventKind::DeviceRemoved { alias: m.dev_alias },
            ))
        }
        DomainEventCallbackLifecycle::NUM => {
            let m: DomainEventCallbackLifecycleMsg = from_bytes(body).ok()?;
            cb(
                m.callback_id,
                domain(
                    m.msg.dom,
                    DomainEventKind::Lifecycle {
                        event: m.msg.event,
                        detail: m.msg.detail,
                    },
                ),
            )
        }
        DomainEventCallbackReboot::NUM => {
            let m: DomainEventCallbackRebootMsg = from_bytes(body).ok()?;
            cb(m.callback_id, domain(m.dom, DomainEventKind::Reboot))
        }
        DomainEventCallbackDeviceRemoved::NUM => {
            let m: DomainEventCallbackDeviceRemovedMsg = from_bytes(body).ok()?;
            cb(
                m.callback_id,
                domain(m.dom, DomainEventKind::DeviceRemoved { alias: m.dev_alias }),
            )
        }
        DomainEventCallbackDeviceAdded::NUM => {
            let m: DomainEventCallbackDeviceAddedMsg = from_bytes(body).ok()?;
            cb(
                m.callback_id,
                domain(m.dom, DomainEventKind::DeviceAdded { alias: m.dev_alias }),
            )
        }
        DomainEventCallbackMetadataChange::NUM => {
            let m: DomainEventCallbackMetadataChangeMsg = from_bytes(body).ok()?;
            cb(
                m.callback_id,
                domain(
                    m.dom,
                    DomainEventKind::MetadataChange {
                        kind: m.r#type,
                        nsuri: m.nsuri,
                    },
                ),
            )
        }
        NetworkEventLifecycle::NUM => {
            let m: NetworkEventLifecycleMsg = from_bytes(body).ok()?;
            Incoming::Callback {
                family: EventFamily::Network,
                id: m.callback_id,
                event: Event::NetworkLifecycle {
                    net: net_ref(m.net),
                    event: m.event,
                    detail: m.detail,
                },
            }
        }
        StoragePoolEventLifecycle::NUM => {
            let m: StoragePoolEventLifecycleMsg = from_bytes(body).ok()?;
            Incoming::Callback {
                family: EventFamily::StoragePool,
                id: m.callback_id,
                event: Event::PoolLifecycle {
                    pool: pool_ref(m.pool),
                    event: m.event,
                    detail: m.detail,
                },
            }
        }
        StoragePoolEventRefresh::NUM => {
            let m: StoragePoolEventRefreshMsg = from_bytes(body).ok()?;
            Incoming::Callback {
                family: EventFamily::StoragePool,
                id: m.callback_id,
                event: Event::PoolRefresh {
                    pool: pool_ref(m.pool),
                },
            }
        }
        _ => return None,
    })
}

/// How a local registration is known to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remote {
    /// Callback style, with the server's id.
    Callback(i32),
    /// Legacy style: shared by every local registration of the same domain event id.
    Legacy,
}

/// One local registration.
pub struct Reg {
    pub family: EventFamily,
    pub event_id: i32,
    /// Only events of this object (applied here for legacy registrations; the server
    /// filters callback-style ones).
    pub only: Option<uuid::Uuid>,
    pub remote: Remote,
    pub callback: EventCallback,
}

/// The registrations of one connection.
#[derive(Default)]
pub struct Table {
    next_id: i32,
    regs: BTreeMap<i32, Reg>,
}

impl Table {
    /// Records a registration and returns its local id.
    pub fn insert(&mut self, reg: Reg) -> i32 {
        let id = self.next_id;
        self.next_id += 1;
        self.regs.insert(id, reg);
        id
    }

    pub fn get(&self, id: i32) -> Option<&Reg> {
        self.regs.get(&id)
    }

    pub fn remove(&mut self, id: i32) -> Option<Reg> {
        self.regs.remove(&id)
    }

    /// Puts back a registration whose removal failed on the server.
    pub fn restore(&mut self, id: i32, reg: Reg) {
        self.regs.insert(id, reg);
    }

    /// Whether a legacy registration for domain event `event_id` exists (so the server
    /// already sends those events).
    pub fn has_legacy(&self, event_id: i32) -> bool {
        self.regs
            .values()
            .any(|r| r.remote == Remote::Legacy && r.event_id == event_id)
    }

    /// The callbacks an incoming event is for, with their local ids.
    fn targets(&self, inc: &Incoming) -> Vec<(i32, EventCallback)> {
        self.regs
            .iter()
            .filter(|(_, r)| match inc {
                Incoming::Callback { family, id, .. } => {
                    r.family == *family && r.remote == Remote::Callback(*id)
                }
                Incoming::Legacy { event_id, event } => {
                    r.family == EventFamily::Domain
                        && r.remote == Remote::Legacy
                        && r.event_id == *event_id
                        && match (r.only, event) {
                            (Some(u), Event::Domain { dom, .. }) => dom.uuid == u,
                            _ => true,
                        }
                }
            })
            .map(|(k, r)| (*k, r.callback.clone()))
            .collect()
    }
}

/// The table shared by the driver (which registers) and the dispatcher (which delivers).
#[derive(Clone, Default)]
pub struct Registrations(Arc<Mutex<Table>>);

impl Registrations {
    pub fn lock(&self) -> MutexGuard<'_, Table> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts the dispatcher thread; events sent on the returned channel reach the
    /// callbacks. The thread ends when the sender is dropped (the connection closed).
    pub fn start_dispatcher(&self) -> Option<std::sync::mpsc::Sender<Incoming>> {
        let (tx, rx) = std::sync::mpsc::channel::<Incoming>();
        let me = self.clone();
        std::thread::Builder::new()
            .name("rvirt-remote-events".into())
            .spawn(move || {
                for inc in rx {
                    let targets = me.lock().targets(&inc);
                    let event = match &inc {
                        Incoming::Callback { event, .. } | Incoming::Legacy { event, .. } => event,
                    };
                    for (id, cb) in targets {
                        cb(id, event);
                    }
                }
            })
            .ok()?;
        Some(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt_rpc::protocol::types::{self as wire, DomainEventLifecycleMsg as LcMsg};
    use rvirt_rpc::xdr::to_bytes;

    fn wdom() -> wire::Dom {
        wire::Dom {
            name: "d".into(),
            uuid: uuid::Uuid::from_u128(7),
            id: 3,
        }
    }

    #[test]
    fn callback_lifecycle_decodes() {
        let body = to_bytes(&DomainEventCallbackLifecycleMsg {
            callback_id: 4,
            msg: LcMsg {
                dom: wdom(),
                event: 2,
                detail: 0,
            },
        });
        let inc = decode(DomainEventCallbackLifecycle::NUM, &body).expect("decodes");
        let Incoming::Callback { family, id, event } = inc else {
            panic!("callback style")
        };
        assert_eq!(family, EventFamily::Domain);
        assert_eq!(id, 4);
        assert_eq!(
            event,
            Event::Domain {
                dom: rvirt_core::DomainRef {
                    name: "d".into(),
                    uuid: uuid::Uuid::from_u128(7),
                    id: 3
                },
                kind: DomainEventKind::Lifecycle {
                    event: 2,
                    detail: 0
                }
            }
        );
    }

    #[test]
    fn legacy_events_fan_out_with_local_filters() {
        let body = to_bytes(&DomainEventLifecycleMsg {
            dom: wdom(),
            event: 5,
            detail: 1,
        });
        let inc = decode(DomainEventLifecycle::NUM, &body).expect("decodes");
        let mut t = Table::default();
        let cb: EventCallback = Arc::new(|_, _| {});
        let reg = |only| Reg {
            family: EventFamily::Domain,
            event_id: 0,
            only,
            remote: Remote::Legacy,
            callback: cb.clone(),
        };
        let a = t.insert(reg(None));
        let b = t.insert(reg(Some(uuid::Uuid::from_u128(7))));
        let _c = t.insert(reg(Some(uuid::Uuid::from_u128(8))));
        let ids: Vec<i32> = t.targets(&inc).into_iter().map(|(i, _)| i).collect();
        assert_eq!(ids, vec![a, b]);
        assert!(t.has_legacy(0));
        assert!(!t.has_legacy(1));
    }

    #[test]
    fn garbage_and_unknown_messages_are_dropped() {
        assert_eq!(decode(DomainEventCallbackLifecycle::NUM, &[0, 0]), None);
        assert_eq!(decode(9999, &[]), None);
    }
}
