//! Stopping, pausing and rebooting running domains, with libvirt's states, reasons and
//! events.

use super::Inner;
use crate::domobj::{not_running, Domain};
use crate::events::{self, detail, kind};
use crate::process;
use crate::qmp::{Monitor, QmpError};
use crate::store;
use rvirt_core::types::{reason, DomainState};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::sync::Arc;
use std::time::Duration;

/// How long destroy waits for QEMU to end after SIGTERM before SIGKILL (libvirt waits 10 s,
/// longer with host devices).
const TERM_GRACE: Duration = Duration::from_secs(10);

/// Turns a monitor failure into libvirt's error for it.
pub fn qmp_error(e: QmpError) -> Error {
    match e {
        QmpError::Closed => not_running(),
        QmpError::Timeout(_) => Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_TIMEOUT,
            Some("monitor did not answer in time".to_string()),
        ),
        QmpError::Command { desc, .. } => Error::internal(ErrorDomain::QEMU, desc),
        other => Error::internal(ErrorDomain::QEMU, other.to_string()),
    }
}

/// The running domain's monitor, or "domain is not running".
pub fn monitor(dom: &Domain) -> Result<Monitor> {
    let st = dom.lock();
    st.live
        .as_ref()
        .and_then(|l| l.monitor.clone())
        .filter(|m| !m.is_closed())
        .ok_or_else(not_running)
}

/// The common end of every stop: the live state goes, the host resources and run-time
/// files are removed, a transient domain leaves the list, and the STOPPED event is
/// queued (when `event` names its detail).
pub fn finish_stop(inner: &Inner, dom: &Arc<Domain>, why: i32, event: Option<i32>) {
    let (r, name, transient, dir, uuid) = {
        let mut st = dom.lock();
        let Some(live) = st.live.take() else { return };
        if let Some(m) = &live.monitor {
            m.close();
        }
        let r = rvirt_core::DomainRef {
            name: st.name.clone(),
            uuid: st.uuid,
            id: live.id,
        };
        st.state = DomainState::Shutoff;
        st.reason = why;
        inner.ports.release(&live.ports);
        (r, st.name.clone(), st.config.is_none(), live.dir, st.uuid)
    };
    store::remove_status(&inner.paths, &name);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(inner.paths.domain_ram_dir(r.id, &name));
    append_log(
        inner,
        &name,
        &format!("shutting down, reason={}", reason_word(why)),
    );
    if transient {
        inner.doms.remove(&uuid);
    }
    if let Some(d) = event {
        events::lifecycle_event(&inner.events, r, kind::STOPPED, d);
    }
}

fn reason_word(why: i32) -> &'static str {
    match why {
        reason::shutoff::SHUTDOWN => "shutdown",
        reason::shutoff::DESTROYED => "destroyed",
        reason::shutoff::CRASHED => "crashed",
        reason::shutoff::SAVED => "saved",
        reason::shutoff::FAILED => "failed",
        reason::shutoff::DAEMON => "daemon",
        _ => "unknown",
    }
}

/// Adds a timestamped line to the domain's log, as libvirt marks start and stop there.
pub fn append_log(inner: &Inner, name: &str, what: &str) {
    use std::io::Write;
    let path = inner.paths.log_file(name);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{}: {what}", crate::timefmt::now_log());
    }
}

/// `virDomainDestroy`: SIGTERM, then SIGKILL after a grace period unless `graceful`.
/// Interrupts any job on the domain: its monitor commands fail once QEMU is gone.
pub fn destroy(dom: &Arc<Domain>, graceful: bool) -> Result<()> {
    let (pid, exit) = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_mut() else {
            return Err(not_running());
        };
        l.being_destroyed = true;
        (l.pid, l.exit.clone())
    };
    let Some(exit) = exit else {
        return Err(Error::internal(
            ErrorDomain::QEMU,
            "no watcher for the QEMU process",
        ));
    };
    process::signal(pid, rustix::process::Signal::TERM);
    if !exit.wait(TERM_GRACE) {
        if graceful {
            let mut st = dom.lock();
            if let Some(l) = st.live.as_mut() {
                l.being_destroyed = false;
            }
            return Err(Error::system(
                ErrorDomain::QEMU,
                format!("Failed to terminate process {pid} with SIGTERM"),
                &std::io::Error::from_raw_os_error(libc::EBUSY),
            ));
        }
        process::signal(pid, rustix::process::Signal::KILL);
        if !exit.wait(TERM_GRACE) {
            return Err(Error::system(
                ErrorDomain::QEMU,
                format!("Failed to kill process {pid}"),
                &std::io::Error::from_raw_os_error(libc::EBUSY),
            ));
        }
    }
    Ok(())
}

/// After a guest power-off (or crash) whose action is to destroy: QEMU is stopped, and its
/// end is counted as a shutdown.
pub fn kill_after_shutdown(dom: &Arc<Domain>) {
    let (pid, exit) = {
        let st = dom.lock();
        match st.live.as_ref() {
            Some(l) => (l.pid, l.exit.clone()),
            None => return,
        }
    };
    if let Ok(m) = monitor(dom) {
        let _ = m.with_timeout(Duration::from_secs(5)).execute("quit", None);
    }
    let Some(exit) = exit else { return };
    if !exit.wait(TERM_GRACE) {
        process::signal(pid, rustix::process::Signal::TERM);
        if !exit.wait(TERM_GRACE) {
            process::signal(pid, rustix::process::Signal::KILL);
        }
    }
}

/// The second half of a reboot done by power-off: reset the machine and let it run.
pub fn reset_and_continue(inner: &Inner, dom: &Arc<Domain>) {
    let Ok(m) = monitor(dom) else { return };
    if m.execute("system_reset", None).is_err() {
        return;
    }
    let _ = m.execute("cont", None);
    let r = {
        let mut st = dom.lock();
        if st.live.is_none() {
            return;
        }
        st.state = DomainState::Running;
        st.reason = reason::running::BOOTED;
        st.reference()
    };
    super::start::save_status_or_warn(inner, dom);
    events::reboot_event(&inner.events, r);
}

/// `virDomainShutdown` with the ACPI power button.
pub fn shutdown(dom: &Arc<Domain>) -> Result<()> {
    let m = monitor(dom)?;
    m.execute("system_powerdown", None)
        .map(|_| ())
        .map_err(qmp_error)
}

/// `virDomainReboot` by ACPI: press the power button and reset when the guest has shut down.
pub fn reboot(dom: &Arc<Domain>) -> Result<()> {
    let m = monitor(dom)?;
    {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.fake_reboot = true;
        }
    }
    m.execute("system_powerdown", None)
        .map(|_| ())
        .map_err(|e| {
            if let Some(l) = dom.lock().live.as_mut() {
                l.fake_reboot = false;
            }
            qmp_error(e)
        })
}

/// `virDomainReset`: a hard reset.
pub fn reset(dom: &Arc<Domain>) -> Result<()> {
    monitor(dom)?
        .execute("system_reset", None)
        .map(|_| ())
        .map_err(qmp_error)
}

/// `virDomainSuspend`.
pub fn suspend(inner: &Inner, dom: &Arc<Domain>) -> Result<()> {
    {
        let st = dom.lock();
        if st.live.is_none() {
            return Err(not_running());
        }
        if st.state == DomainState::Paused {
            // libvirt accepts suspending a paused domain without doing anything.
            return Ok(());
        }
    }
    let m = monitor(dom)?;
    if let Some(l) = dom.lock().live.as_mut() {
        l.paused_by_us = true;
    }
    let r = m.execute("stop", None);
    let r2 = {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.paused_by_us = false;
        }
        if r.is_ok() {
            st.state = DomainState::Paused;
            st.reason = reason::paused::USER;
        }
        st.reference()
    };
    r.map_err(qmp_error)?;
    super::start::save_status_or_warn(inner, dom);
    events::lifecycle_event(
        &inner.events,
        r2,
        kind::SUSPENDED,
        detail::suspended::PAUSED,
    );
    Ok(())
}

/// `virDomainResume`.
pub fn resume(inner: &Inner, dom: &Arc<Domain>) -> Result<()> {
    {
        let st = dom.lock();
        if st.live.is_none() {
            return Err(not_running());
        }
        if st.state == DomainState::Running {
            return Err(Error::operation_invalid(
                ErrorDomain::QEMU,
                "domain is already running",
            ));
        }
    }
    let m = monitor(dom)?;
    if let Some(l) = dom.lock().live.as_mut() {
        l.paused_by_us = true;
    }
    let r = m.execute("cont", None);
    let r2 = {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.paused_by_us = false;
        }
        if r.is_ok() {
            st.state = DomainState::Running;
            st.reason = reason::running::UNPAUSED;
        }
        st.reference()
    };
    r.map_err(|e| {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_FAILED,
            Some(format!("resume operation failed: {}", qmp_error(e).message)),
        )
    })?;
    super::start::save_status_or_warn(inner, dom);
    events::lifecycle_event(&inner.events, r2, kind::RESUMED, detail::resumed::UNPAUSED);
    Ok(())
}

/// QEMU finished unplugging `alias`: the device leaves the live definition.
pub fn device_deleted(inner: &Inner, dom: &Arc<Domain>, alias: &str) {
    let r = {
        let mut st = dom.lock();
        let Some(l) = st.live.as_mut() else { return };
        let before = l.unplugging.len();
        l.unplugging.retain(|a| a != alias);
        let was_ours = l.unplugging.len() != before;
        crate::hotplug::remove_alias(&mut l.def, alias);
        if !was_ours {
            tracing::debug!(alias, "QEMU removed a device nobody unplugged");
        }
        st.reference()
    };
    super::start::save_status_or_warn(inner, dom);
    events::device_removed_event(&inner.events, r, alias.to_string());
}
