//! Daemon start: the persistent definitions are loaded, and every guest the previous daemon
//! left running is taken back from its status file (same id, same live definition, its
//! monitor reconnected and its process watched). A guest that died meanwhile is cleaned
//! up and shown shut off (crashed).

use super::Inner;
use crate::domobj::{DomState, Domain, Live};
use crate::process;
use crate::qmp::Monitor;
use crate::store;
use rvirt_core::types::{reason, DomainState};
use rvirt_xml::domain::devices::graphics::GraphicsKind;
use std::sync::Arc;
use std::time::Instant;

pub fn load_and_reattach(inner: &Arc<Inner>) {
    for def in store::load_configs(&inner.paths, &inner.defaults) {
        let name = def.name.clone();
        let d = Domain::new(DomState {
            name: name.clone(),
            uuid: def.uuid,
            autostart: store::autostart(&inner.paths, &name),
            managed_save: inner.paths.managed_save_file(&name).exists(),
            config: Some(def),
            live: None,
            state: DomainState::Shutoff,
            reason: reason::shutoff::UNKNOWN,
            removed: false,
        });
        inner.doms.add(d);
    }
    for path in store::status_files(&inner.paths) {
        let st = match store::read_status(&path, &inner.defaults) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("{}: {e}; removed", path.display());
                let _ = std::fs::remove_file(&path);
                continue;
            }
        };
        reattach(inner, st);
    }
}

fn reattach(inner: &Arc<Inner>, st: store::Status) {
    let name = st.def.name.clone();
    let uuid = st.def.uuid;
    let dom = match inner.doms.by_uuid(&uuid) {
        Some(d) => d,
        None => {
            // A transient domain: it exists only while it runs.
            let d = Domain::new(DomState {
                name: name.clone(),
                uuid,
                config: None,
                live: None,
                state: DomainState::Shutoff,
                reason: reason::shutoff::UNKNOWN,
                autostart: false,
                managed_save: false,
                removed: false,
            });
            inner.doms.add(d.clone());
            d
        }
    };
    inner.doms.seen_id(st.id);
    let alive = process::is_our_qemu(st.pid, &uuid.hyphenated().to_string());
    let weak = Arc::downgrade(inner);
    let mon = if alive {
        let w2 = weak.clone();
        Monitor::connect(
            &st.monitor,
            Box::new(move |ev| super::monitor::on_event(&w2, uuid, ev)),
            Box::new(|| {}),
        )
        .map_err(|e| tracing::warn!("domain '{name}': cannot reconnect to its monitor: {e}"))
        .ok()
    } else {
        None
    };
    let Some((m, _)) = mon else {
        // Died while no daemon watched it (or cannot be reached): stop it for good.
        if alive {
            process::signal(st.pid, rustix::process::Signal::KILL);
        }
        store::remove_status(&inner.paths, &name);
        let _ = std::fs::remove_dir_all(&st.dir);
        let mut s = dom.lock();
        s.state = DomainState::Shutoff;
        s.reason = reason::shutoff::CRASHED;
        let transient = s.config.is_none();
        drop(s);
        if transient {
            inner.doms.remove(&uuid);
        }
        tracing::info!("domain '{name}' ended while the daemon was away");
        return;
    };
    let pid = st.pid;
    let exit = match process::watch_pid(pid, move |_| super::monitor::on_exit(&weak, uuid, pid)) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("domain '{name}': {e}");
            return;
        }
    };
    // What QEMU says now wins over what the file says (it may have paused meanwhile).
    let running = m
        .execute("query-status", None)
        .ok()
        .and_then(|v| v.get("running").and_then(|r| r.as_bool()));
    let mut ports = Vec::new();
    for g in &st.def.devices.graphics {
        let held = match &g.kind {
            GraphicsKind::Vnc(v) => [v.port, v.websocket],
            GraphicsKind::Spice(s) => [s.port, s.tls_port],
            _ => continue,
        };
        {
            for p in held {
                if let Ok(p) = u16::try_from(p) {
                    if p > 0 {
                        inner.ports.hold(p);
                        ports.push(p);
                    }
                }
            }
        }
    }
    let mut s = dom.lock();
    s.state = match running {
        Some(true) => DomainState::Running,
        Some(false) if st.state == DomainState::Running => DomainState::Paused,
        _ => st.state,
    };
    s.reason = if s.state == st.state {
        st.reason
    } else {
        reason::paused::UNKNOWN
    };
    s.live = Some(Live {
        def: st.def,
        id: st.id,
        pid,
        monitor: Some(m),
        dir: st.dir,
        being_destroyed: false,
        got_shutdown: false,
        fake_reboot: false,
        taps: st.taps,
        started: Instant::now(),
        balloon_kib: None,
        exit: Some(exit),
        saving: false,
        paused_by_us: false,
        unplugging: Vec::new(),
        ports,
        config_changed: false,
        autodestroy: None,
    });
    tracing::info!("domain '{name}' (id {}) re-attached", st.id);
}
