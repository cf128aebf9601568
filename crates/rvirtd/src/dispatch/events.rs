//! Event registration procedures and the relay that turns driver events into event
//! messages on the client's connection.

use super::convert::{dom_in, net_in, pool_in};
use super::Table;
use crate::client::{ClientCtx, Registration};
use rvirt::{DomainEventKind, Event, EventCallback, EventFamily};
use rvirt_rpc::packet::program;
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{
    self as wire, DomainEventCallbackDeviceRemovedMsg, DomainEventCallbackLifecycleMsg,
    DomainEventCallbackRebootMsg,
};
use rvirt_rpc::protocol::EventMessage;
use rvirt_rpc::xdr::to_bytes;
use std::sync::{Arc, Weak};

/// The last domain event id the legacy registration accepts (`DEVICE_REMOVED`).
const LEGACY_EVENT_MAX: i32 = 15;

fn wdom(d: &rvirt::DomainRef) -> wire::Dom {
    wire::Dom {
        name: d.name.clone(),
        uuid: d.uuid,
        id: d.id,
    }
}

/// Encodes an event for a callback-style registration: `(procedure, body)`.
fn callback_message(id: i32, e: &Event) -> Option<(i32, Vec<u8>)> {
    Some(match e {
        Event::Domain { dom, kind } => match kind {
            DomainEventKind::Lifecycle { event, detail } => (
                DomainEventCallbackLifecycle::NUM,
                to_bytes(&DomainEventCallbackLifecycleMsg {
                    callback_id: id,
                    msg: wire::DomainEventLifecycleMsg {
                        dom: wdom(dom),
                        event: *event,
                        detail: *detail,
                    },
                }),
            ),
            DomainEventKind::Reboot => (
                DomainEventCallbackReboot::NUM,
                to_bytes(&DomainEventCallbackRebootMsg {
                    callback_id: id,
                    dom: wdom(dom),
                }),
            ),
            DomainEventKind::MetadataChange { kind, nsuri } => (
                DomainEventCallbackMetadataChange::NUM,
                to_bytes(&DomainEventCallbackMetadataChangeMsg {
                    callback_id: id,
                    dom: wdom(dom),
                    r#type: *kind,
                    nsuri: nsuri.clone(),
                }),
            ),
            DomainEventKind::DeviceRemoved { alias } => (
                DomainEventCallbackDeviceRemoved::NUM,
                to_bytes(&DomainEventCallbackDeviceRemovedMsg {
                    callback_id: id,
                    dom: wdom(dom),
                    dev_alias: alias.clone(),
                }),
            ),
            DomainEventKind::DeviceAdded { alias } => (
                DomainEventCallbackDeviceAdded::NUM,
                to_bytes(&DomainEventCallbackDeviceAddedMsg {
                    callback_id: id,
                    dom: wdom(dom),
                    dev_alias: alias.clone(),
                }),
            ),
        },
        Event::NetworkLifecycle { net, event, detail } => (
            NetworkEventLifecycle::NUM,
            to_bytes(&NetworkEventLifecycleMsg {
                callback_id: id,
                net: wire::Net {
                    name: net.name.clone(),
                    uuid: net.uuid,
                },
                event: *event,
                detail: *detail,
            }),
        ),
        Event::PoolLifecycle {
            pool,
            event,
            detail,
        } => (
            StoragePoolEventLifecycle::NUM,
            to_bytes(&StoragePoolEventLifecycleMsg {
                callback_id: id,
                pool: wire::Pool {
                    name: pool.name.clone(),
                    uuid: pool.uuid,
                },
                event: *event,
                detail: *detail,
            }),
        ),
        Event::PoolRefresh { pool } => (
            StoragePoolEventRefresh::NUM,
            to_bytes(&StoragePoolEventRefreshMsg {
                callback_id: id,
                pool: wire::Pool {
                    name: pool.name.clone(),
                    uuid: pool.uuid,
                },
            }),
        ),
    })
}

/// Encodes an event for a legacy registration (no callback id, old procedure numbers).
fn legacy_message(e: &Event) -> Option<(i32, Vec<u8>)> {
    match e {
        Event::Domain {
            dom,
            kind: DomainEventKind::Lifecycle { event, detail },
        } => Some((
            DomainEventLifecycle::NUM,
            to_bytes(&DomainEventLifecycleMsg {
                dom: wdom(dom),
                event: *event,
                detail: *detail,
            }),
        )),
        Event::Domain {
            dom,
            kind: DomainEventKind::Reboot,
        } => Some((
            DomainEventReboot::NUM,
            to_bytes(&DomainEventRebootMsg { dom: wdom(dom) }),
        )),
        _ => None,
    }
}

/// The callback that relays driver events to `ctx` while it is still connected.
fn relay(ctx: &Arc<ClientCtx>, legacy: bool) -> EventCallback {
    let weak: Weak<ClientCtx> = Arc::downgrade(ctx);
    Arc::new(move |id, e| {
        let Some(c) = weak.upgrade() else { return };
        let msg = if legacy {
            legacy_message(e)
        } else {
            callback_message(id, e)
        };
        if let Some((proc_, body)) = msg {
            c.send_event(program::REMOTE, proc_, body);
        }
    })
}

fn remember(ctx: &ClientCtx, remote_id: i32, family: EventFamily, legacy_event: Option<i32>) {
    ctx.registrations
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Registration {
            remote_id,
            family,
            legacy_event,
        });
}

fn forget(ctx: &ClientCtx, pick: impl Fn(&Registration) -> bool) -> Option<Registration> {
    let mut regs = ctx.registrations.lock().unwrap_or_else(|p| p.into_inner());
    let i = regs.iter().position(pick)?;
    Some(regs.remove(i))
}

/// Undoes a registration on the driver.
pub fn deregister(c: &rvirt::Connect, r: &Registration) -> rvirt::Result<()> {
    match r.family {
        EventFamily::Domain => c.domain_event_deregister_any(r.remote_id),
        EventFamily::Network => c.network_event_deregister_any(r.remote_id),
        EventFamily::StoragePool => c.storage_pool_event_deregister_any(r.remote_id),
    }
}

fn internal(msg: String) -> rvirt::Error {
    rvirt::Error::internal(rvirt::ErrorDomain::RPC, msg)
}

fn legacy_register(ctx: &Arc<ClientCtx>, event_id: i32) -> rvirt::Result<()> {
    if !(0..=LEGACY_EVENT_MAX).contains(&event_id) {
        return Err(internal(format!("unsupported event ID {event_id}")));
    }
    let conn = ctx.conn()?;
    let id = conn.domain_event_register_any(None, event_id, relay(ctx, true))?;
    remember(ctx, id, EventFamily::Domain, Some(event_id));
    Ok(())
}

fn legacy_deregister(ctx: &Arc<ClientCtx>, event_id: i32) -> rvirt::Result<()> {
    if !(0..=LEGACY_EVENT_MAX).contains(&event_id) {
        return Err(internal(format!("unsupported event ID {event_id}")));
    }
    let conn = ctx.conn()?;
    let r = forget(ctx, |r| r.legacy_event == Some(event_id))
        .ok_or_else(|| internal(format!("domain event {event_id} not registered")))?;
    deregister(&conn, &r)
}

fn callback_deregister(
    ctx: &Arc<ClientCtx>,
    id: i32,
    family: EventFamily,
    what: &str,
) -> rvirt::Result<()> {
    let conn = ctx.conn()?;
    let r = forget(ctx, |r| {
        r.remote_id == id && r.family == family && r.legacy_event.is_none()
    })
    .ok_or_else(|| internal(format!("{what} event callback {id} not registered")))?;
    deregister(&conn, &r)
}

pub fn register(t: &mut Table) {
    t.add::<ConnectDomainEventRegister>(|c, ()| {
        legacy_register(c, 0)?;
        Ok(ConnectDomainEventRegisterRet { cb_registered: 0 })
    });
    t.add::<ConnectDomainEventDeregister>(|c, ()| {
        legacy_deregister(c, 0)?;
        Ok(ConnectDomainEventDeregisterRet { cb_registered: 0 })
    });
    t.add::<ConnectDomainEventRegisterAny>(|c, a| legacy_register(c, a.event_id));
    t.add::<ConnectDomainEventDeregisterAny>(|c, a| legacy_deregister(c, a.event_id));
    t.add::<ConnectDomainEventCallbackRegisterAny>(|c, a| {
        if !(0..rvirt::event::domain_id::LAST).contains(&a.event_id) {
            return Err(internal(format!("unsupported event ID {}", a.event_id)));
        }
        let conn = c.conn()?;
        let dom = a.dom.as_ref().map(|d| dom_in(c, d)).transpose()?;
        let id = conn.domain_event_register_any(dom.as_ref(), a.event_id, relay(c, false))?;
        remember(c, id, EventFamily::Domain, None);
        Ok(ConnectDomainEventCallbackRegisterAnyRet { callback_id: id })
    });
    t.add::<ConnectDomainEventCallbackDeregisterAny>(|c, a| {
        callback_deregister(c, a.callback_id, EventFamily::Domain, "domain")
    });
    t.add::<ConnectNetworkEventRegisterAny>(|c, a| {
        if a.event_id != 0 {
            return Err(internal(format!(
                "unsupported network event ID {}",
                a.event_id
            )));
        }
        let conn = c.conn()?;
        let net = a.net.as_ref().map(|n| net_in(c, n)).transpose()?;
        let id = conn.network_event_register_any(net.as_ref(), a.event_id, relay(c, false))?;
        remember(c, id, EventFamily::Network, None);
        Ok(ConnectNetworkEventRegisterAnyRet { callback_id: id })
    });
    t.add::<ConnectNetworkEventDeregisterAny>(|c, a| {
        callback_deregister(c, a.callback_id, EventFamily::Network, "network")
    });
    t.add::<ConnectStoragePoolEventRegisterAny>(|c, a| {
        if !(0..=1).contains(&a.event_id) {
            return Err(internal(format!(
                "unsupported storage pool event ID {}",
                a.event_id
            )));
        }
        let conn = c.conn()?;
        let pool = a.pool.as_ref().map(|p| pool_in(c, p)).transpose()?;
        let id =
            conn.storage_pool_event_register_any(pool.as_ref(), a.event_id, relay(c, false))?;
        remember(c, id, EventFamily::StoragePool, None);
        Ok(ConnectStoragePoolEventRegisterAnyRet { callback_id: id })
    });
    t.add::<ConnectStoragePoolEventDeregisterAny>(|c, a| {
        callback_deregister(c, a.callback_id, EventFamily::StoragePool, "storage pool")
    });
}
