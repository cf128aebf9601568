//! Domain operations of the test driver: the lifecycle state machine, definitions, tuning
//! and the save-file format.

use crate::defaults::TestDefaults;
use crate::state::{DomainObj, DriverState};
use rvirt_core::event::{DomainEventKind, Event};
use rvirt_core::types::event::lifecycle as ev;
use rvirt_core::types::{flags, reason, DomainState};
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, FormatCtx, ParseCtx};

/// Lifecycle event details (`virDomainEvent*DetailType`).
pub mod detail {
    pub const DEFINED_ADDED: i32 = 0;
    pub const DEFINED_UPDATED: i32 = 1;
    pub const UNDEFINED_REMOVED: i32 = 0;
    pub const STARTED_BOOTED: i32 = 0;
    pub const STARTED_RESTORED: i32 = 2;
    pub const SUSPENDED_PAUSED: i32 = 0;
    pub const RESUMED_UNPAUSED: i32 = 0;
    pub const STOPPED_SHUTDOWN: i32 = 0;
    pub const STOPPED_DESTROYED: i32 = 1;
    pub const STOPPED_SAVED: i32 = 4;
}

/// The magic that starts a test driver save file.
pub const SAVE_MAGIC: &[u8; 15] = b"TestGuestMagic\0";

fn lifecycle(obj: &DomainObj, event: i32, detail: i32) -> Event {
    Event::Domain {
        dom: obj.reference(),
        kind: DomainEventKind::Lifecycle { event, detail },
    }
}

/// Events produced by an operation, to be emitted after the state lock is released.
pub type Events = Vec<Event>;

impl DriverState {
    pub fn find_by_uuid(&self, uuid: &uuid::Uuid) -> Option<usize> {
        self.domains.find_uuid(uuid)
    }

    /// The index of the domain a handle names, or libvirt's "no domain with matching uuid".
    pub fn dom_index(&self, r: &DomainRef) -> Result<usize> {
        self.find_by_uuid(&r.uuid).ok_or_else(|| {
            Error::new(
                ErrorDomain::TEST,
                ErrorCode::NO_DOMAIN,
                Some(format!(
                    "no domain with matching uuid '{}' ({})",
                    r.uuid.hyphenated(),
                    r.name
                )),
            )
        })
    }

    /// Makes a domain running with a fresh id.
    fn start_obj(&mut self, i: usize, why: i32) {
        let id = self.next_id;
        self.next_id += 1;
        let d = &mut self.domains[i];
        if d.persistent && d.new_def.is_none() {
            d.new_def = Some(d.def.clone());
        }
        d.state = DomainState::Running;
        d.reason = why;
        d.id = id;
        d.def.id = Some(id);
        d.has_managed_save = false;
    }

    /// Starts a domain as a snapshot revert does (the caller sets the final state).
    pub fn start_from_snapshot(&mut self, i: usize) {
        self.start_obj(i, reason::running::FROM_SNAPSHOT);
    }

    /// Stops a domain as a snapshot revert to a shut-off snapshot does.
    pub fn stop_for_snapshot(&mut self, i: usize) {
        self.stop_obj(i, reason::shutoff::FROM_SNAPSHOT);
    }

    /// Stops a domain: the live definition is dropped, and a transient domain disappears.
    /// Returns the domain's reference as it was while running (for events).
    fn stop_obj(&mut self, i: usize, why: i32) -> DomainObj {
        let snapshot = self.domains[i].clone();
        let d = &mut self.domains[i];
        if let Some(nd) = d.new_def.take() {
            d.def = nd;
        }
        d.def.id = None;
        d.state = DomainState::Shutoff;
        d.reason = why;
        d.id = -1;
        if !d.persistent {
            self.domains.remove(i);
        }
        snapshot
    }

    fn check_conflicts(&self, def: &DomainDef) -> Result<Option<usize>> {
        if let Some(i) = self.find_by_uuid(&def.uuid) {
            let existing = &self.domains[i];
            if existing.def.name != def.name {
                return Err(Error::new(
                    ErrorDomain::DOMAIN,
                    ErrorCode::OPERATION_FAILED,
                    Some(format!(
                        "domain '{}' is already defined with uuid {}",
                        existing.def.name,
                        def.uuid.hyphenated()
                    )),
                ));
            }
            return Ok(Some(i));
        }
        if let Some(existing) = self.domains.find_name(&def.name).map(|i| &self.domains[i]) {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::OPERATION_FAILED,
                Some(format!(
                    "domain '{}' already exists with uuid {}",
                    def.name,
                    existing.def.uuid.hyphenated()
                )),
            ));
        }
        Ok(None)
    }

    /// Places a definition that is about to run: an inactive domain of the same name and
    /// UUID takes it as its live definition, otherwise it becomes a new transient domain.
    /// Returns the domain's index.
    fn add_for_start(&mut self, def: DomainDef) -> Result<usize> {
        match self.check_conflicts(&def)? {
            Some(i) => {
                if self.domains[i].is_active() {
                    return Err(Error::operation_invalid(
                        ErrorDomain::DOMAIN,
                        format!("domain '{}' is already active", def.name),
                    ));
                }
                let d = &mut self.domains[i];
                d.new_def = Some(d.def.clone());
                d.def = def;
                Ok(i)
            }
            None => {
                self.domains.push(DomainObj {
                    def,
                    new_def: None,
                    state: DomainState::Shutoff,
                    reason: 0,
                    id: -1,
                    persistent: false,
                    autostart: false,
                    has_managed_save: false,
                    snapshots: Vec::new(),
                    current_snapshot: None,
                });
                Ok(self.domains.len() - 1)
            }
        }
    }

    pub fn define(&mut self, xml: &str, flags: u32) -> Result<(DomainRef, Events)> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            flags::define::VALIDATE,
            "testDomainDefineXMLFlags",
        )?;
        let def = parse_def(xml)?;
        let existing = self.check_conflicts(&def)?;
        let (i, detail) = match existing {
            Some(i) => {
                let d = &mut self.domains[i];
                if d.is_active() {
                    d.new_def = Some(def);
                } else {
                    d.def = def;
                }
                d.persistent = true;
                (i, detail::DEFINED_UPDATED)
            }
            None => {
                self.domains.push(DomainObj {
                    def,
                    new_def: None,
                    state: DomainState::Shutoff,
                    reason: reason::shutoff::UNKNOWN,
                    id: -1,
                    persistent: true,
                    autostart: false,
                    has_managed_save: false,
                    snapshots: Vec::new(),
                    current_snapshot: None,
                });
                (self.domains.len() - 1, detail::DEFINED_ADDED)
            }
        };
        let d = &self.domains[i];
        Ok((d.reference(), vec![lifecycle(d, ev::DEFINED, detail)]))
    }

    pub fn create_xml(&mut self, xml: &str, flags: u32) -> Result<(DomainRef, Events)> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            flags::create::VALIDATE,
            "testDomainCreateXML",
        )?;
        let def = parse_def(xml)?;
        let i = self.add_for_start(def)?;
        self.start_obj(i, reason::running::BOOTED);
        let d = &self.domains[i];
        Ok((
            d.reference(),
            vec![lifecycle(d, ev::STARTED, detail::STARTED_BOOTED)],
        ))
    }

    pub fn start(&mut self, r: &DomainRef, flags: u32) -> Result<(DomainRef, Events)> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainCreateWithFlags")?;
        let i = self.dom_index(r)?;
        if self.domains[i].state != DomainState::Shutoff {
            return Err(Error::internal(
                ErrorDomain::TEST,
                format!("Domain '{}' is already running", self.domains[i].def.name),
            ));
        }
        self.start_obj(i, reason::running::BOOTED);
        let d = &self.domains[i];
        Ok((
            d.reference(),
            vec![lifecycle(d, ev::STARTED, detail::STARTED_BOOTED)],
        ))
    }

    fn require_active(&self, i: usize) -> Result<()> {
        if !self.domains[i].is_active() {
            return Err(Error::operation_invalid(
                ErrorDomain::DOMAIN,
                "domain is not running",
            ));
        }
        Ok(())
    }

    pub fn destroy(&mut self, r: &DomainRef, flags: u32) -> Result<Events> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            flags::destroy::GRACEFUL,
            "testDomainDestroyFlags",
        )?;
        let i = self.dom_index(r)?;
        self.require_active(i)?;
        let before = self.stop_obj(i, reason::shutoff::DESTROYED);
        Ok(vec![lifecycle(
            &before,
            ev::STOPPED,
            detail::STOPPED_DESTROYED,
        )])
    }

    pub fn suspend(&mut self, r: &DomainRef) -> Result<Events> {
        let i = self.dom_index(r)?;
        let d = &mut self.domains[i];
        if matches!(d.state, DomainState::Shutoff | DomainState::Paused) {
            return Err(Error::internal(
                ErrorDomain::TEST,
                format!("domain '{}' not running", d.def.name),
            ));
        }
        d.state = DomainState::Paused;
        d.reason = reason::paused::USER;
        Ok(vec![lifecycle(d, ev::SUSPENDED, detail::SUSPENDED_PAUSED)])
    }

    pub fn resume(&mut self, r: &DomainRef) -> Result<Events> {
        let i = self.dom_index(r)?;
        let d = &mut self.domains[i];
        if d.state != DomainState::Paused {
            return Err(Error::internal(
                ErrorDomain::TEST,
                format!("domain '{}' not paused", d.def.name),
            ));
        }
        d.state = DomainState::Running;
        d.reason = reason::running::UNPAUSED;
        Ok(vec![lifecycle(d, ev::RESUMED, detail::RESUMED_UNPAUSED)])
    }

    pub fn shutdown(&mut self, r: &DomainRef, flags: u32) -> Result<Events> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainShutdownFlags")?;
        let i = self.dom_index(r)?;
        if self.domains[i].state == DomainState::Shutoff {
            return Err(Error::internal(
                ErrorDomain::TEST,
                format!("domain '{}' not running", self.domains[i].def.name),
            ));
        }
        use rvirt_xml::domain::lifecycle::LifecycleAction as A;
        match self.domains[i].def.lifecycle.on_poweroff {
            A::Restart | A::RenameRestart => {
                let d = &mut self.domains[i];
                d.state = DomainState::Running;
                d.reason = reason::running::BOOTED;
                Ok(Vec::new())
            }
            _ => {
                let before = self.stop_obj(i, reason::shutoff::SHUTDOWN);
                Ok(vec![lifecycle(
                    &before,
                    ev::STOPPED,
                    detail::STOPPED_SHUTDOWN,
                )])
            }
        }
    }

    pub fn reboot(&mut self, r: &DomainRef) -> Result<Events> {
        let i = self.dom_index(r)?;
        self.require_active(i)?;
        use rvirt_xml::domain::lifecycle::LifecycleAction as A;
        match self.domains[i].def.lifecycle.on_reboot {
            A::Restart | A::RenameRestart => {
                let d = &mut self.domains[i];
                d.state = DomainState::Running;
                d.reason = reason::running::BOOTED;
                Ok(Vec::new())
            }
            _ => {
                let before = self.stop_obj(i, reason::shutoff::SHUTDOWN);
                Ok(vec![lifecycle(
                    &before,
                    ev::STOPPED,
                    detail::STOPPED_SHUTDOWN,
                )])
            }
        }
    }

    pub fn reset(&mut self, r: &DomainRef) -> Result<()> {
        let i = self.dom_index(r)?;
        self.require_active(i)
    }

    pub fn undefine(&mut self, r: &DomainRef, flags: u32) -> Result<Events> {
        let allowed = flags::undefine::MANAGED_SAVE | flags::undefine::SNAPSHOTS_METADATA;
        Error::check_flags(ErrorDomain::TEST, flags, allowed, "testDomainUndefineFlags")?;
        let i = self.dom_index(r)?;
        let d = &mut self.domains[i];
        if d.has_managed_save && flags & flags::undefine::MANAGED_SAVE == 0 {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "Refusing to undefine while domain managed save image exists",
            ));
        }
        let snapshots = d.snapshots.len();
        if snapshots > 0 && !d.is_active() && flags & flags::undefine::SNAPSHOTS_METADATA == 0 {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("cannot delete inactive domain with {snapshots} snapshots"),
            ));
        }
        d.has_managed_save = false;
        let event = lifecycle(d, ev::UNDEFINED, detail::UNDEFINED_REMOVED);
        if d.is_active() {
            d.persistent = false;
            d.new_def = None;
        } else {
            self.domains.remove(i);
        }
        Ok(vec![event])
    }

    /// Writes the save file and stops the domain.
    pub fn save(
        &mut self,
        r: &DomainRef,
        path: &str,
        dxml: Option<&str>,
        flags: u32,
    ) -> Result<Events> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainSaveFlags")?;
        if dxml.is_some() {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some("xml modification unsupported".to_string()),
            ));
        }
        let i = self.dom_index(r)?;
        self.require_active(i)?;
        let d = &self.domains[i];
        let xml = d.def.format(&FormatCtx {
            inactive: false,
            secure: true,
            migratable: false,
        });
        let mut data = Vec::with_capacity(19 + xml.len());
        data.extend_from_slice(SAVE_MAGIC);
        data.extend_from_slice(&(xml.len() as i32).to_le_bytes());
        data.extend_from_slice(xml.as_bytes());
        write_private(path, &data).map_err(|(stage, e)| {
            Error::system(
                ErrorDomain::TEST,
                format!("saving domain '{}' to '{path}': {stage} failed", d.def.name),
                &e,
            )
        })?;
        let before = self.stop_obj(i, reason::shutoff::SAVED);
        Ok(vec![lifecycle(&before, ev::STOPPED, detail::STOPPED_SAVED)])
    }

    pub fn restore(&mut self, path: &str, dxml: Option<&str>, flags: u32) -> Result<Events> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainRestoreFlags")?;
        if dxml.is_some() {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some("xml modification unsupported".to_string()),
            ));
        }
        let xml = read_save_file(path)?;
        let def = parse_def(&xml)?;
        let i = self.add_for_start(def)?;
        self.start_obj(i, reason::running::RESTORED);
        Ok(vec![lifecycle(
            &self.domains[i],
            ev::STARTED,
            detail::STARTED_RESTORED,
        )])
    }

    pub fn managed_save(&mut self, r: &DomainRef, flags: u32) -> Result<Events> {
        let allowed = flags::save::BYPASS_CACHE | flags::save::RUNNING | flags::save::PAUSED;
        Error::check_flags(ErrorDomain::TEST, flags, allowed, "testDomainManagedSave")?;
        let i = self.dom_index(r)?;
        self.require_active(i)?;
        if !self.domains[i].persistent {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "cannot do managed save for transient domain",
            ));
        }
        let before = self.stop_obj(i, reason::shutoff::SAVED);
        self.domains[i].has_managed_save = true;
        Ok(vec![lifecycle(&before, ev::STOPPED, detail::STOPPED_SAVED)])
    }

    /// Picks the definition a setter with `affect` flags changes: `(is_live, index)`.
    pub(crate) fn one_def(&self, i: usize, affect: u32) -> Result<bool> {
        let d = &self.domains[i];
        let live = affect & flags::affect::LIVE != 0;
        let config = affect & flags::affect::CONFIG != 0;
        if live && config {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
            ));
        }
        if live && !d.is_active() {
            return Err(Error::operation_invalid(
                ErrorDomain::DOMAIN,
                "domain is not running",
            ));
        }
        if config && !d.persistent {
            return Err(Error::operation_invalid(
                ErrorDomain::DOMAIN,
                "transient domains do not have any persistent config",
            ));
        }
        Ok(live || (!config && d.is_active()))
    }

    pub(crate) fn def_mut(&mut self, i: usize, live: bool) -> &mut DomainDef {
        let d = &mut self.domains[i];
        if live || !d.is_active() {
            &mut d.def
        } else {
            if d.new_def.is_none() {
                d.new_def = Some(d.def.clone());
            }
            d.new_def.get_or_insert_with(|| d.def.clone())
        }
    }

    pub fn set_memory(&mut self, r: &DomainRef, kib: u64, fl: u32) -> Result<()> {
        let allowed = flags::affect::LIVE | flags::affect::CONFIG | flags::memory::MAXIMUM;
        Error::check_flags(ErrorDomain::TEST, fl, allowed, "testDomainSetMemoryFlags")?;
        let i = self.dom_index(r)?;
        let live = self.one_def(i, fl)?;
        let def = self.def_mut(i, live);
        if fl & flags::memory::MAXIMUM != 0 {
            if live {
                return Err(Error::operation_invalid(
                    ErrorDomain::TEST,
                    "cannot resize the maximum memory on an active domain",
                ));
            }
            if def.cpu.as_ref().is_some_and(|c| !c.numa.is_empty()) {
                return Err(Error::operation_invalid(
                    ErrorDomain::TEST,
                    "initial memory size of a domain with NUMA nodes cannot be modified with this API",
                ));
            }
            if def.max_memory.as_ref().is_some_and(|m| m.kib < kib) {
                return Err(Error::operation_invalid(
                    ErrorDomain::TEST,
                    "cannot set initial memory size greater than the maximum memory size",
                ));
            }
            def.memory_kib = kib;
            def.current_memory_kib = def.current_memory_kib.min(kib);
        } else {
            if kib > def.memory_kib {
                return Err(Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::INVALID_ARG,
                    Some("cannot set memory higher than max memory".to_string()),
                ));
            }
            def.current_memory_kib = kib;
        }
        Ok(())
    }

    pub fn set_vcpus(&mut self, r: &DomainRef, n: u32, fl: u32) -> Result<()> {
        let allowed = flags::affect::LIVE | flags::affect::CONFIG | flags::vcpu::MAXIMUM;
        Error::check_flags(ErrorDomain::TEST, fl, allowed, "testDomainSetVcpusFlags")?;
        if fl & flags::vcpu::MAXIMUM != 0 && fl & flags::affect::CONFIG == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'",
            ));
        }
        if n > 32 {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "requested cpu amount exceeds maximum supported amount ({n} > 32)"
                )),
            ));
        }
        let i = self.dom_index(r)?;
        let (live, config) = self.defs(i, fl)?;
        let exceeds = |max: u32| {
            Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "requested cpu amount exceeds maximum ({n} > {max})"
                )),
            )
        };
        if live && self.domains[i].def.vcpus.max < n {
            return Err(exceeds(self.domains[i].def.vcpus.max));
        }
        if config && fl & flags::vcpu::MAXIMUM == 0 {
            let max = self.domains[i].persistent_def().vcpus.max;
            if max < n {
                return Err(exceeds(max));
            }
        }
        if live {
            self.domains[i].def.vcpus.set_online(n);
        }
        if config {
            let def = self.def_mut(i, false);
            if fl & flags::vcpu::MAXIMUM != 0 {
                def.vcpus.set_max(n);
            } else {
                def.vcpus.set_online(n);
            }
        }
        Ok(())
    }

    /// libvirt's `virDomainObjGetDefs`: which of (live, persistent) a call touches.
    fn defs(&self, i: usize, fl: u32) -> Result<(bool, bool)> {
        let d = &self.domains[i];
        let mut live = fl & flags::affect::LIVE != 0;
        let mut config = fl & flags::affect::CONFIG != 0;
        if !live && !config {
            if d.is_active() {
                live = true;
            } else {
                config = true;
            }
        }
        if live && !d.is_active() {
            return Err(Error::operation_invalid(
                ErrorDomain::DOMAIN,
                "domain is not running",
            ));
        }
        if config && !d.persistent {
            return Err(Error::operation_invalid(
                ErrorDomain::DOMAIN,
                "transient domains do not have any persistent config",
            ));
        }
        Ok((live, config))
    }

    pub fn get_vcpus_flags(&self, r: &DomainRef, fl: u32) -> Result<i32> {
        let allowed = flags::affect::LIVE | flags::affect::CONFIG | flags::vcpu::MAXIMUM;
        Error::check_flags(ErrorDomain::TEST, fl, allowed, "testDomainGetVcpusFlags")?;
        let i = self.dom_index(r)?;
        let live = self.one_def(i, fl & (flags::affect::LIVE | flags::affect::CONFIG))?;
        let d = &self.domains[i];
        let def = if live { &d.def } else { d.persistent_def() };
        Ok(if fl & flags::vcpu::MAXIMUM != 0 {
            def.vcpus.max
        } else {
            def.vcpus.current
        } as i32)
    }

    pub fn get_metadata(
        &self,
        r: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        fl: u32,
    ) -> Result<String> {
        let i = self.dom_index(r)?;
        let live = self.one_def(i, fl)?;
        let d = &self.domains[i];
        let def = if live { &d.def } else { d.persistent_def() };
        rvirt_xml::domain::metadata::lookup(def, kind, uri)
    }

    pub fn set_metadata(
        &mut self,
        r: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        fl: u32,
    ) -> Result<Events> {
        let i = self.dom_index(r)?;
        let (live, config) = self.defs(i, fl)?;
        let change = rvirt_xml::domain::metadata::MetadataChange::parse(kind, metadata, key, uri)?;
        if live {
            change.apply(&mut self.domains[i].def);
        }
        if config {
            change.apply(self.def_mut(i, false));
        }
        let d = &self.domains[i];
        Ok(vec![Event::Domain {
            dom: d.reference(),
            kind: DomainEventKind::MetadataChange {
                kind,
                nsuri: if kind == flags::metadata::ELEMENT {
                    uri.map(str::to_string)
                } else {
                    None
                },
            },
        }])
    }
}

/// Parses domain XML for the test driver (inactive parse, test defaults).
pub fn parse_def(xml: &str) -> Result<DomainDef> {
    DomainDef::parse(xml, &ParseCtx { inactive: true }, &TestDefaults)
}

/// Creates `path` with mode 0600 and writes `data`; an error says which step failed.
fn write_private(path: &str, data: &[u8]) -> Result<(), (&'static str, std::io::Error)> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| ("open", e))?;
    f.write_all(data).map_err(|e| ("write", e))?;
    f.sync_all().map_err(|e| ("write", e))
}

/// Reads a test driver save file and returns the domain XML it holds.
pub fn read_save_file(path: &str) -> Result<String> {
    let data = std::fs::read(path).map_err(|e| {
        Error::system(
            ErrorDomain::TEST,
            format!("cannot read domain image '{path}'"),
            &e,
        )
    })?;
    if data.len() < SAVE_MAGIC.len() {
        return Err(Error::raw(
            ErrorDomain::TEST,
            ErrorCode::SYSTEM_ERROR,
            format!("incomplete save header in '{path}': Success"),
        ));
    }
    if &data[..SAVE_MAGIC.len()] != SAVE_MAGIC {
        return Err(Error::internal(
            ErrorDomain::TEST,
            "mismatched header magic",
        ));
    }
    let len_bytes: [u8; 4] = data
        .get(15..19)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Error::raw(
                ErrorDomain::TEST,
                ErrorCode::SYSTEM_ERROR,
                format!("failed to read metadata length in '{path}': Success"),
            )
        })?;
    let len = i32::from_le_bytes(len_bytes);
    if !(1..=8192).contains(&len) {
        return Err(Error::internal(
            ErrorDomain::TEST,
            "length of metadata out of range",
        ));
    }
    let xml = data.get(19..19 + len as usize).ok_or_else(|| {
        Error::raw(
            ErrorDomain::TEST,
            ErrorCode::SYSTEM_ERROR,
            format!("incomplete metadata in '{path}': Success"),
        )
    })?;
    String::from_utf8(xml.to_vec())
        .map_err(|_| Error::internal(ErrorDomain::TEST, "save file metadata is not UTF-8"))
}
