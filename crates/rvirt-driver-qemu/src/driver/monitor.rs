//! What QEMU tells the driver on its own: monitor events become state changes and libvirt
//! events, and the end of the process becomes the domain's stop.
//!
//! Event handlers run on the monitor's reader thread, which must never wait for a monitor
//! reply (the reply could only be read by that same thread): anything that needs a
//! command (resetting for a reboot, killing QEMU after a guest power-off) runs on a thread
//! of its own.

use super::Inner;
use crate::domobj::Domain;
use crate::events::{self, detail, kind};
use crate::qmp::Event as QmpEvent;
use rvirt_core::types::{reason, DomainState};
use rvirt_xml::domain::lifecycle::LifecycleAction;
use std::sync::{Arc, Weak};
use uuid::Uuid;

/// Handles one QMP event of domain `uuid`.
pub fn on_event(inner: &Weak<Inner>, uuid: Uuid, ev: QmpEvent) {
    let Some(inner) = inner.upgrade() else { return };
    let Some(dom) = inner.doms.by_uuid(&uuid) else {
        return;
    };
    tracing::debug!(domain = %uuid, event = %ev.name, "monitor event");
    match ev.name.as_str() {
        "STOP" => on_stop(&inner, &dom),
        "RESUME" => on_resume(&inner, &dom),
        "SHUTDOWN" => on_shutdown(&inner, &dom, &ev.data),
        "RESET" => {
            let r = dom.lock().reference();
            events::reboot_event(&inner.events, r);
        }
        "GUEST_PANICKED" => on_panic(&inner, &dom),
        "DEVICE_DELETED" => {
            if let Some(alias) = ev.data.get("device").and_then(|d| d.as_str()) {
                super::lifecycle::device_deleted(&inner, &dom, alias);
            }
        }
        "BALLOON_CHANGE" => {
            if let Some(actual) = ev.data.get("actual").and_then(|a| a.as_u64()) {
                if let Some(l) = dom.lock().live.as_mut() {
                    l.balloon_kib = Some(actual / 1024);
                }
            }
        }
        _ => {}
    }
}

/// QEMU stopped its vCPUs. When the driver did it (suspend, save) it already changed the
/// state; otherwise the guest or an error paused it.
fn on_stop(inner: &Inner, dom: &Arc<Domain>) {
    let r = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_mut() else { return };
        if l.paused_by_us || st.state != DomainState::Running {
            return;
        }
        st.state = DomainState::Paused;
        st.reason = reason::paused::UNKNOWN;
        st.reference()
    };
    super::start::save_status_or_warn(inner, dom);
    events::lifecycle_event(&inner.events, r, kind::SUSPENDED, detail::suspended::PAUSED);
}

fn on_resume(inner: &Inner, dom: &Arc<Domain>) {
    let r = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_mut() else { return };
        if l.paused_by_us || st.state != DomainState::Paused {
            return;
        }
        st.state = DomainState::Running;
        st.reason = reason::running::UNPAUSED;
        st.reference()
    };
    super::start::save_status_or_warn(inner, dom);
    events::lifecycle_event(&inner.events, r, kind::RESUMED, detail::resumed::UNPAUSED);
}

/// The guest powered off (or a reboot asked for one). QEMU stays up (`-no-shutdown`): the
/// domain's `on_poweroff` decides, or a pending reboot resets it.
fn on_shutdown(inner: &Arc<Inner>, dom: &Arc<Domain>, data: &serde_json::Value) {
    let guest = data.get("guest").and_then(|g| g.as_bool());
    let (r, action, reboot) = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_mut() else { return };
        let reboot = std::mem::take(&mut l.fake_reboot);
        if !reboot {
            l.got_shutdown = true;
        }
        let action = l.def.lifecycle.on_poweroff;
        if !reboot {
            st.state = DomainState::Shutdown;
            st.reason = reason::shutdown::USER;
        }
        (st.reference(), action, reboot)
    };
    if reboot {
        let (inner, dom) = (inner.clone(), dom.clone());
        std::thread::spawn(move || super::lifecycle::reset_and_continue(&inner, &dom));
        return;
    }
    super::start::save_status_or_warn(inner, dom);
    let d = match guest {
        Some(true) => detail::shutdown::GUEST,
        Some(false) => detail::shutdown::HOST,
        None => detail::shutdown::FINISHED,
    };
    events::lifecycle_event(&inner.events, r, kind::SHUTDOWN, d);
    match action {
        LifecycleAction::Restart | LifecycleAction::RenameRestart => {
            {
                let mut st = dom.lock();
                if let Some(l) = st.live.as_mut() {
                    l.got_shutdown = false;
                }
            }
            let (inner, dom) = (inner.clone(), dom.clone());
            std::thread::spawn(move || super::lifecycle::reset_and_continue(&inner, &dom));
        }
        LifecycleAction::Preserve => {}
        _ => {
            let dom = dom.clone();
            std::thread::spawn(move || super::lifecycle::kill_after_shutdown(&dom));
        }
    }
}

fn on_panic(inner: &Arc<Inner>, dom: &Arc<Domain>) {
    let (r, action) = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_ref() else { return };
        let action = l.def.lifecycle.on_crash;
        st.state = DomainState::Crashed;
        st.reason = reason::crashed::PANICKED;
        (st.reference(), action)
    };
    super::start::save_status_or_warn(inner, dom);
    events::lifecycle_event(&inner.events, r, kind::CRASHED, detail::crashed::PANICKED);
    match action {
        LifecycleAction::Preserve => {}
        LifecycleAction::Restart | LifecycleAction::RenameRestart => {
            let (inner, dom) = (inner.clone(), dom.clone());
            std::thread::spawn(move || super::lifecycle::reset_and_continue(&inner, &dom));
        }
        _ => {
            let dom = dom.clone();
            std::thread::spawn(move || super::lifecycle::kill_after_shutdown(&dom));
        }
    }
}

/// QEMU's process `pid` ended: the domain stops, with the reason its end had. Runs on the
/// process watcher's thread.
pub fn on_exit(inner: &Weak<Inner>, uuid: Uuid, pid: u32) {
    let Some(inner) = inner.upgrade() else { return };
    let Some(dom) = inner.doms.by_uuid(&uuid) else {
        return;
    };
    let (shutoff_reason, event_detail) = {
        let st = dom.lock();
        match st.live.as_ref() {
            Some(l) if l.pid == pid => {
                if l.being_destroyed {
                    (reason::shutoff::DESTROYED, detail::stopped::DESTROYED)
                } else if l.saving {
                    (reason::shutoff::SAVED, detail::stopped::SAVED)
                } else if l.got_shutdown {
                    (reason::shutoff::SHUTDOWN, detail::stopped::SHUTDOWN)
                } else {
                    // The monitor closed without a shutdown first: QEMU died.
                    (reason::shutoff::CRASHED, detail::stopped::FAILED)
                }
            }
            _ => return,
        }
    };
    super::lifecycle::finish_stop(&inner, &dom, shutoff_reason, Some(event_detail));
}
