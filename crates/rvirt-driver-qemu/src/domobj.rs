//! The domains the driver knows, each with its state and a job lock.
//!
//! Locking: the list's lock is held only to find or add a domain; each domain's state has
//! its own short-held lock (never held across a monitor command or a process start), and a
//! job lock serializes what changes a domain (start, stop, save, device changes) without
//! blocking readers. Lookups, lists, `dominfo` and `dumpxml` take only the short locks, so
//! they answer at once even while a domain boots or saves (the daemon answers them inline).

use crate::qmp::Monitor;
use rvirt_core::types::DomainState;
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What a running domain has that a defined one does not.
pub struct Live {
    /// The definition it runs with (aliases, pty paths, ports filled in).
    pub def: DomainDef,
    pub id: i32,
    pub pid: u32,
    pub monitor: Option<Monitor>,
    /// The private directory (`domain-ID-NAME`).
    pub dir: PathBuf,
    /// Set by destroy before it kills QEMU: the monitor's end is then expected.
    pub being_destroyed: bool,
    /// QEMU reported SHUTDOWN: the guest (or we) powered it off.
    pub got_shutdown: bool,
    /// A reboot was asked for: the next SHUTDOWN resets the guest instead.
    pub fake_reboot: bool,
    /// Host tap devices made for the guest's interfaces (removed at stop).
    pub taps: Vec<String>,
    /// When it started, for CPU time bookkeeping and the log.
    pub started: Instant,
    /// Balloon size QEMU last reported, KiB.
    pub balloon_kib: Option<u64>,
    /// Set when QEMU has ended (waiters of destroy and shutdown wait on it).
    pub exit: Option<Arc<crate::process::Exit>>,
    /// A save to a file is in progress: QEMU's end then counts as "saved".
    pub saving: bool,
    /// The state QEMU was in when the daemon last knew (for reasons of STOP/RESUME events
    /// the daemon did not cause).
    pub paused_by_us: bool,
    /// Aliases of devices being unplugged, removed from the live definition when QEMU
    /// reports DEVICE_DELETED.
    pub unplugging: Vec<String>,
    /// Display ports taken for it, released when it stops.
    pub ports: Vec<u16>,
    /// The persistent definition was changed while it ran (`virDomainIsUpdated`).
    pub config_changed: bool,
    /// Started with `--autodestroy` by the connection with this id.
    pub autodestroy: Option<u64>,
}

/// One domain's state.
pub struct DomState {
    pub name: String,
    pub uuid: Uuid,
    /// The persistent definition; `None` for a transient domain.
    pub config: Option<DomainDef>,
    pub live: Option<Live>,
    pub state: DomainState,
    pub reason: i32,
    pub autostart: bool,
    pub managed_save: bool,
    /// Set when the domain is removed from the list (undefined, or a transient one that
    /// stopped): callers holding it must not bring it back.
    pub removed: bool,
}

impl DomState {
    pub fn is_active(&self) -> bool {
        self.live.is_some()
    }

    pub fn id(&self) -> i32 {
        self.live.as_ref().map_or(-1, |l| l.id)
    }

    pub fn reference(&self) -> DomainRef {
        DomainRef {
            name: self.name.clone(),
            uuid: self.uuid,
            id: self.id(),
        }
    }

    /// The definition to show: the live one while running, else the persistent one.
    pub fn current_def(&self) -> Option<&DomainDef> {
        self.live.as_ref().map(|l| &l.def).or(self.config.as_ref())
    }
}

/// A domain: its state and its job lock.
pub struct Domain {
    /// Never changes, so lookups by UUID need no lock.
    pub uuid: Uuid,
    state: Mutex<DomState>,
    job: Mutex<Option<&'static str>>,
    job_done: Condvar,
}

/// How long a call waits for another job on the same domain, as libvirt waits.
pub const JOB_WAIT: Duration = Duration::from_secs(30);

/// A held job; the next caller may start when it is dropped.
pub struct Job<'a> {
    dom: &'a Domain,
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        *self.dom.job.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.dom.job_done.notify_all();
    }
}

impl Domain {
    pub fn new(st: DomState) -> Arc<Domain> {
        Arc::new(Domain {
            uuid: st.uuid,
            state: Mutex::new(st),
            job: Mutex::new(None),
            job_done: Condvar::new(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, DomState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the domain's job lock (at most [`JOB_WAIT`]) and takes it for `what`.
    pub fn begin_job(&self, what: &'static str) -> Result<Job<'_>> {
        self.begin_job_within(what, JOB_WAIT)
    }

    pub fn begin_job_within(&self, what: &'static str, wait: Duration) -> Result<Job<'_>> {
        let deadline = Instant::now() + wait;
        let mut cur = self.job.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(holder) = *cur {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::OPERATION_TIMEOUT,
                    Some(format!(
                        "cannot acquire state change lock (held by {holder})"
                    )),
                ));
            }
            cur = self
                .job_done
                .wait_timeout(cur, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *cur = Some(what);
        Ok(Job { dom: self })
    }
}

/// Every domain, in definition order.
#[derive(Default)]
pub struct DomainList {
    doms: Mutex<Vec<Arc<Domain>>>,
    next_id: Mutex<i32>,
}

impl DomainList {
    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Domain>>> {
        self.doms.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn all(&self) -> Vec<Arc<Domain>> {
        self.lock().clone()
    }

    pub fn by_uuid(&self, uuid: &Uuid) -> Option<Arc<Domain>> {
        self.lock().iter().find(|d| d.uuid == *uuid).cloned()
    }

    pub fn by_name(&self, name: &str) -> Option<Arc<Domain>> {
        self.lock().iter().find(|d| d.lock().name == name).cloned()
    }

    pub fn by_id(&self, id: i32) -> Option<Arc<Domain>> {
        self.lock()
            .iter()
            .find(|d| {
                let s = d.lock();
                s.is_active() && s.id() == id
            })
            .cloned()
    }

    /// Adds a domain, unless its name or UUID is taken (the caller checked, under
    /// `reserve`, so this only races with nothing).
    pub fn add(&self, d: Arc<Domain>) {
        self.lock().push(d);
    }

    /// Runs `f` with the list locked, so a check for a free name or UUID and the add that
    /// follows happen as one step.
    pub fn reserve<T>(&self, f: impl FnOnce(&mut Vec<Arc<Domain>>) -> T) -> T {
        f(&mut self.lock())
    }

    pub fn remove(&self, uuid: &Uuid) {
        let gone: Vec<Arc<Domain>> = {
            let mut list = self.lock();
            let (gone, kept) = std::mem::take(&mut *list)
                .into_iter()
                .partition(|d| d.uuid == *uuid);
            *list = kept;
            gone
        };
        // Marked outside the list's lock (callers must not hold the domain's own lock).
        for d in gone {
            d.lock().removed = true;
        }
    }

    /// The next domain id (ids grow for the daemon's lifetime and continue after a restart
    /// above the highest id of the domains found running).
    pub fn allocate_id(&self) -> i32 {
        let mut n = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        *n
    }

    /// Makes later ids larger than `id` (for domains re-attached after a restart).
    pub fn seen_id(&self, id: i32) {
        let mut n = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
        if id > *n {
            *n = id;
        }
    }
}

/// libvirt's "Domain not found" for a reference that matches nothing.
pub fn no_domain(r: &DomainRef) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::NO_DOMAIN,
        Some(format!(
            "no domain with matching uuid '{}' ({})",
            r.uuid, r.name
        )),
    )
}

/// libvirt's refusal for a call that needs a running domain.
pub fn not_running() -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::OPERATION_INVALID,
        Some("domain is not running".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom() -> Arc<Domain> {
        Domain::new(DomState {
            name: "a".into(),
            uuid: Uuid::nil(),
            config: None,
            live: None,
            state: DomainState::Shutoff,
            reason: 0,
            autostart: false,
            managed_save: false,
            removed: false,
        })
    }

    #[test]
    fn jobs_serialize_and_time_out() {
        let d = dom();
        let j = d.begin_job("start").expect("first job");
        let e = d
            .begin_job_within("stop", Duration::from_millis(50))
            .err()
            .expect("second job must wait");
        assert_eq!(e.code, ErrorCode::OPERATION_TIMEOUT);
        assert!(e.message.contains("held by start"));
        drop(j);
        assert!(d
            .begin_job_within("stop", Duration::from_millis(50))
            .is_ok());
    }

    #[test]
    fn ids_grow_past_reattached_ones() {
        let l = DomainList::default();
        assert_eq!(l.allocate_id(), 1);
        l.seen_id(7);
        assert_eq!(l.allocate_id(), 8);
    }
}
