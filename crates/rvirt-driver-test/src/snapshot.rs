//! Domain snapshots of the test driver: metadata plus the captured state and definition,
//! so reverting brings both back.

use crate::domain::Events;
use crate::state::{DriverState, SnapshotObj};
use rvirt_core::event::{DomainEventKind, Event};
use rvirt_core::types::event::lifecycle as ev;
use rvirt_core::types::flags::{snapshot_create as C, snapshot_revert as R};
use rvirt_core::types::{reason, DomainState};
use rvirt_core::{DomainRef, DomainSnapshotRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::FormatCtx;
use rvirt_xml::snapshot::SnapshotDef;

/// Lifecycle details for snapshot reverts (`STARTED_FROM_SNAPSHOT`, `STOPPED_FROM_SNAPSHOT`).
const STARTED_FROM_SNAPSHOT: i32 = 3;
const STOPPED_FROM_SNAPSHOT: i32 = 6;

fn state_name(s: DomainState) -> &'static str {
    match s {
        DomainState::Running => "running",
        DomainState::Paused => "paused",
        DomainState::Shutoff => "shutoff",
        DomainState::Shutdown => "shutdown",
        DomainState::Crashed => "crashed",
        DomainState::PmSuspended => "pmsuspended",
        DomainState::Blocked => "blocked",
        DomainState::NoState => "nostate",
    }
}

fn no_snapshot(name: &str) -> Error {
    Error::new(
        ErrorDomain::DOMAIN_SNAPSHOT,
        ErrorCode::NO_DOMAIN_SNAPSHOT,
        Some(format!("no domain snapshot with matching name '{name}'")),
    )
}

impl DriverState {
    pub fn snapshot_create(
        &mut self,
        r: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<(DomainSnapshotRef, Events)> {
        let allowed = C::NO_METADATA
            | C::HALT
            | C::DISK_ONLY
            | C::LIVE
            | C::VALIDATE
            | C::ATOMIC
            | C::QUIESCE;
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            allowed,
            "testDomainSnapshotCreateXML",
        )?;
        let i = self.dom_index(r)?;
        let mut def = SnapshotDef::parse_request(xml)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let d = &self.domains[i];
        let name = def.name.clone().unwrap_or_else(|| now.to_string());
        if d.snapshots
            .iter()
            .any(|s| s.def.name.as_deref() == Some(name.as_str()))
        {
            return Err(Error::new(
                ErrorDomain::DOMAIN_SNAPSHOT,
                ErrorCode::INVALID_ARG,
                Some(format!("domain snapshot '{name}' already exists")),
            ));
        }
        def.name = Some(name.clone());
        def.state = Some(state_name(d.state).to_string());
        def.creation_time = Some(now);
        def.parent = d.current_snapshot.clone();
        if def.memory.is_none() {
            def.memory = Some(if d.is_active() { "internal" } else { "no" }.to_string());
        }
        if def.disks.is_empty() {
            def.disks = d
                .def
                .devices
                .disks
                .iter()
                .map(|disk| {
                    (
                        disk.target.dev.clone(),
                        if disk.readonly { "no" } else { "internal" }.to_string(),
                    )
                })
                .collect();
        }
        def.domain = Some(d.def.clone());
        let snap = SnapshotObj {
            def,
            state: d.state,
        };
        let mut events = Vec::new();
        if flags & C::NO_METADATA == 0 {
            let d = &mut self.domains[i];
            d.snapshots.push(snap);
            d.current_snapshot = Some(name.clone());
        }
        if flags & C::HALT != 0 && self.domains[i].is_active() {
            events.extend(self.destroy(r, 0)?);
        }
        let dom = self.domains.get(i).map_or(r.clone(), |d| d.reference());
        Ok((DomainSnapshotRef { name, dom }, events))
    }

    fn snap_index(&self, s: &DomainSnapshotRef) -> Result<(usize, usize)> {
        let i = self.dom_index(&s.dom)?;
        let j = self.domains[i]
            .snapshots
            .iter()
            .position(|x| x.def.name.as_deref() == Some(s.name.as_str()))
            .ok_or_else(|| no_snapshot(&s.name))?;
        Ok((i, j))
    }

    pub fn snapshot_list(&self, r: &DomainRef) -> Result<Vec<DomainSnapshotRef>> {
        let i = self.dom_index(r)?;
        let d = &self.domains[i];
        Ok(d.snapshots
            .iter()
            .filter_map(|s| s.def.name.clone())
            .map(|name| DomainSnapshotRef {
                name,
                dom: d.reference(),
            })
            .collect())
    }

    pub fn snapshot_lookup(&self, r: &DomainRef, name: &str) -> Result<DomainSnapshotRef> {
        let i = self.dom_index(r)?;
        let d = &self.domains[i];
        if !d
            .snapshots
            .iter()
            .any(|s| s.def.name.as_deref() == Some(name))
        {
            return Err(no_snapshot(name));
        }
        Ok(DomainSnapshotRef {
            name: name.to_string(),
            dom: d.reference(),
        })
    }

    pub fn snapshot_current(&self, r: &DomainRef) -> Result<Option<DomainSnapshotRef>> {
        let i = self.dom_index(r)?;
        let d = &self.domains[i];
        Ok(d.current_snapshot.clone().map(|name| DomainSnapshotRef {
            name,
            dom: d.reference(),
        }))
    }

    pub fn snapshot_xml(&self, s: &DomainSnapshotRef, flags: u32) -> Result<String> {
        let (i, j) = self.snap_index(s)?;
        let ctx = FormatCtx {
            inactive: true,
            secure: flags & 1 != 0,
            migratable: false,
        };
        Ok(self.domains[i].snapshots[j].def.format(&ctx))
    }

    /// Puts the domain back into the snapshot's state with the snapshot's definition.
    pub fn snapshot_revert(&mut self, s: &DomainSnapshotRef, flags: u32) -> Result<Events> {
        let allowed = R::RUNNING | R::PAUSED | R::FORCE;
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            allowed,
            "testDomainRevertToSnapshot",
        )?;
        let (i, j) = self.snap_index(s)?;
        let snap = self.domains[i].snapshots[j].clone();
        let mut events = Vec::new();
        let want_running = flags & (R::RUNNING | R::PAUSED) != 0
            || matches!(snap.state, DomainState::Running | DomainState::Paused);
        if let Some(def) = snap.def.domain.clone() {
            let d = &mut self.domains[i];
            if d.is_active() {
                d.def = def;
            } else {
                d.def = def;
                d.def.id = None;
            }
        }
        if want_running {
            if !self.domains[i].is_active() {
                self.start_from_snapshot(i);
                events.push(Event::Domain {
                    dom: self.domains[i].reference(),
                    kind: DomainEventKind::Lifecycle {
                        event: ev::STARTED,
                        detail: STARTED_FROM_SNAPSHOT,
                    },
                });
            } else {
                self.domains[i].reason = reason::running::FROM_SNAPSHOT;
            }
            let d = &mut self.domains[i];
            if flags & R::PAUSED != 0
                || (snap.state == DomainState::Paused && flags & R::RUNNING == 0)
            {
                d.state = DomainState::Paused;
                d.reason = reason::paused::FROM_SNAPSHOT;
            } else {
                d.state = DomainState::Running;
                d.reason = reason::running::FROM_SNAPSHOT;
            }
        } else if self.domains[i].is_active() {
            let before = self.domains[i].reference();
            self.stop_for_snapshot(i);
            events.push(Event::Domain {
                dom: before,
                kind: DomainEventKind::Lifecycle {
                    event: ev::STOPPED,
                    detail: STOPPED_FROM_SNAPSHOT,
                },
            });
        } else {
            self.domains[i].reason = reason::shutoff::FROM_SNAPSHOT;
        }
        if let Some(d) = self.domains.get_mut(i) {
            d.current_snapshot = snap.def.name.clone();
        }
        Ok(events)
    }

    pub fn snapshot_delete(&mut self, s: &DomainSnapshotRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 7, "testDomainSnapshotDelete")?;
        let (i, j) = self.snap_index(s)?;
        let d = &mut self.domains[i];
        let removed = d.snapshots.remove(j);
        if d.current_snapshot == removed.def.name {
            d.current_snapshot = None;
        }
        Ok(())
    }
}
