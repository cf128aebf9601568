//! The pools one daemon knows, their volumes, and the files that keep them across daemon
//! restarts. One lock guards the table; slow work on a volume (making, cloning, wiping,
//! streaming it) runs outside it with the volume marked busy, so other calls go on.

use crate::backend;
use crate::paths::Paths;
use rvirt_core::event::{Event, EventBus};
use rvirt_core::fsutil::write_atomic;
use rvirt_core::types::event::object_lifecycle as ev;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, StoragePoolRef, StorageVolRef};
use rvirt_xml::storage::{Perms, PoolDef, VolDef};
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// One volume and what is happening to it.
pub struct Vol {
    pub def: VolDef,
    /// Being made (create or clone): not usable yet.
    pub building: bool,
    /// Streams, wipes and clones reading it.
    pub in_use: u32,
}

pub struct Pool {
    /// The running definition (the persistent one while inactive).
    pub def: PoolDef,
    /// A definition saved while the pool runs, taking effect once it stops.
    pub next: Option<PoolDef>,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
    /// Target permissions read at start, shown while active.
    pub live_perms: Option<Perms>,
    pub vols: Vec<Vol>,
    /// Volume jobs running outside the lock.
    pub jobs: u32,
}

impl Pool {
    pub fn reference(&self) -> StoragePoolRef {
        StoragePoolRef {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }

    pub fn vol_ref(&self, v: &Vol) -> StorageVolRef {
        StorageVolRef {
            pool: self.def.name.clone(),
            name: v.def.name.clone(),
            key: v.def.key.clone().unwrap_or_default(),
        }
    }

    pub fn vol(&self, name: &str) -> Option<usize> {
        self.vols.iter().position(|v| v.def.name == name)
    }

    /// A job that held volume `name` in use ended: release it and re-read its file.
    pub fn release_vol(&mut self, name: &str) {
        let dir = self.def.target_path.clone().unwrap_or_default();
        if let Some(i) = self.vol(name) {
            let v = &mut self.vols[i];
            v.in_use = v.in_use.saturating_sub(1);
            let _ = crate::filevol::refresh(&mut v.def, &dir, false);
        }
    }

    /// Recomputes the sizes from the host.
    pub fn update_sizes(&mut self) {
        let u = backend::usage(&self.def);
        self.apply_usage(u);
    }

    fn apply_usage(&mut self, u: Result<(backend::Sizes, backend::FreeExtents)>) {
        if let Ok(((c, a, v), free)) = u {
            self.def.capacity = c;
            self.def.allocation = a;
            self.def.available = v;
            if let (Some(free), Some(d)) = (free, self.def.source.devices.first_mut()) {
                d.free_extents = free;
            }
        }
    }

    /// The XML libvirt prints: target permissions only while active; sizes while active and,
    /// stale, after a stop.
    pub fn xml(&self, inactive: bool) -> String {
        let mut d = if inactive {
            self.next.clone().unwrap_or_else(|| self.def.clone())
        } else {
            self.def.clone()
        };
        if self.active {
            if inactive {
                (d.capacity, d.allocation, d.available) = (0, 0, 0);
            }
            if let Some(p) = &self.live_perms {
                if d.target_perms == Perms::default() {
                    d.target_perms = p.clone();
                }
            }
        }
        // A stopped pool shows the figures of its last run, as libvirt keeps them.
        if inactive && self.active {
            for dev in &mut d.source.devices {
                dev.free_extents.clear();
            }
        }
        d.format()
    }
}

pub struct Shared {
    pub paths: Paths,
    pub events: EventBus,
    table: Mutex<Vec<Pool>>,
}

pub type Table<'a> = MutexGuard<'a, Vec<Pool>>;

pub fn st_err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::STORAGE, code, Some(msg.into()))
}

pub fn no_pool_uuid(r: &StoragePoolRef) -> Error {
    st_err(
        ErrorCode::NO_STORAGE_POOL,
        format!(
            "no storage pool with matching uuid '{}' ({})",
            r.uuid.hyphenated(),
            r.name
        ),
    )
}

pub fn no_vol(what: &str, value: &str) -> Error {
    let shown = if what == "key" {
        value.to_string()
    } else {
        format!("'{value}'")
    };
    st_err(
        ErrorCode::NO_STORAGE_VOL,
        format!("no storage vol with matching {what} {shown}"),
    )
}

pub fn not_active(name: &str) -> Error {
    Error::operation_invalid(
        ErrorDomain::STORAGE,
        format!("storage pool '{name}' is not active"),
    )
}

/// Writes a file atomically, readable by root only (mode 0600, as libvirt keeps them).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    write_atomic(path, bytes)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// The head of every file the driver writes.
fn header(name: &str) -> String {
    format!(
        "<!--\nWritten by rvirt's storage driver; edit with 'virsh pool-edit {name}' or \
         another libvirt API client instead.\n-->\n\n"
    )
}

impl Shared {
    pub fn new(paths: Paths) -> Shared {
        Shared {
            paths,
            events: EventBus::new(),
            table: Mutex::new(Vec::new()),
        }
    }

    pub fn lock(&self) -> Table<'_> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn emit(&self, p: &Pool, event: i32) {
        self.events.emit(Event::PoolLifecycle {
            pool: p.reference(),
            event,
            detail: 0,
        });
    }

    pub fn save_config(&self, def: &PoolDef) -> Result<()> {
        let mut d = def.clone();
        (d.capacity, d.allocation, d.available) = (0, 0, 0);
        let path = self.paths.config_file(&d.name);
        let text = format!("{}{}", header(&d.name), d.format());
        write_private(&path, text.as_bytes()).map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!("cannot write config file '{}'", path.display()),
                &e,
            )
        })?;
        Ok(())
    }

    pub fn delete_config(&self, name: &str) -> Result<()> {
        let _ = std::fs::remove_file(self.paths.autostart_link(name));
        let path = self.paths.config_file(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::system(
                ErrorDomain::STORAGE,
                format!("cannot remove config {}", path.display()),
                &e,
            )),
        }
    }

    pub fn set_autostart_link(&self, name: &str, on: bool) -> Result<()> {
        let link = self.paths.autostart_link(name);
        if !on {
            return match std::fs::remove_file(&link) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::system(
                    ErrorDomain::STORAGE,
                    format!("Failed to delete symlink '{}'", link.display()),
                    &e,
                )),
                _ => Ok(()),
            };
        }
        let target = self.paths.config_file(name);
        let made = link
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| {
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(&target, &link)
            });
        made.map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!(
                    "Failed to create symlink '{}' to '{}'",
                    link.display(),
                    target.display()
                ),
                &e,
            )
        })
    }

    /// Records an active pool so a restarted daemon finds it active again.
    pub fn save_state(&self, p: &Pool) {
        let inner = p.def.format();
        let mut text = header(&p.def.name);
        text.push_str("<poolstate>\n");
        for l in inner.lines() {
            text.push_str("  ");
            text.push_str(l);
            text.push('\n');
        }
        text.push_str("</poolstate>\n");
        if let Err(e) = write_private(&self.paths.state_file(&p.def.name), text.as_bytes()) {
            tracing::warn!(pool = %p.def.name, "cannot write the pool's state file: {e}");
        }
    }

    pub fn remove_state(&self, name: &str) {
        let _ = std::fs::remove_file(self.paths.state_file(name));
    }

    /// Reads configurations and states, makes active what was active (and what libvirt
    /// finds usable), scans their volumes, then autostarts once per host boot.
    pub fn load(self: &Arc<Self>) {
        let mut pools: Vec<Pool> = Vec::new();
        for (path, def) in read_defs(&self.paths.config_dir, false) {
            let name = def.name.clone();
            if path
                .file_stem()
                .is_some_and(|s| s.to_string_lossy() != name)
            {
                tracing::warn!(file = %path.display(), "pool config file name does not match the pool '{name}'");
            }
            let autostart = std::fs::symlink_metadata(self.paths.autostart_link(&name)).is_ok();
            pools.push(Pool {
                def,
                next: None,
                active: false,
                persistent: true,
                autostart,
                live_perms: None,
                vols: Vec::new(),
                jobs: 0,
            });
        }
        for (_, def) in read_defs(&self.paths.state_dir, true) {
            match pools.iter_mut().find(|p| p.def.uuid == def.uuid) {
                Some(p) => {
                    if p.def != def {
                        p.next = Some(std::mem::replace(&mut p.def, def));
                    }
                    p.active = true;
                }
                None => pools.push(Pool {
                    def,
                    next: None,
                    active: true,
                    persistent: false,
                    autostart: false,
                    live_perms: None,
                    vols: Vec::new(),
                    jobs: 0,
                }),
            }
        }
        let mut gone = Vec::new();
        for p in pools.iter_mut() {
            // libvirt 9.0 also counts a defined pool active when its storage is usable.
            let usable = backend::supported(p.def.pool_type) && backend::check(&p.def);
            if p.active && !usable {
                tracing::warn!(pool = %p.def.name, "pool was active but its storage is gone");
                p.active = false;
                self.remove_state(&p.def.name);
                if !p.persistent {
                    gone.push(p.def.uuid);
                }
                continue;
            }
            if usable {
                p.active = true;
                refresh_pool(p);
            }
        }
        pools.retain(|p| !gone.contains(&p.def.uuid));
        *self.lock() = pools;
        self.autostart();
    }

    fn autostart(self: &Arc<Self>) {
        let marker = self.paths.autostarted_marker();
        if marker.exists() {
            return;
        }
        let mut t = self.lock();
        for p in t.iter_mut().filter(|p| p.autostart && !p.active) {
            match start_pool(self, p) {
                Ok(()) => self.emit(p, ev::STARTED),
                Err(e) => tracing::warn!(pool = %p.def.name, "autostart failed: {}", e.message),
            }
        }
        drop(t);
        let _ = std::fs::create_dir_all(&self.paths.state_dir);
        let _ = std::fs::write(&marker, b"");
    }

    pub fn find_uuid<'a>(t: &'a mut Table<'_>, uuid: &Uuid) -> Option<&'a mut Pool> {
        t.iter_mut().find(|p| p.def.uuid == *uuid)
    }
}

/// Definitions in `dir` (state files when `state`), skipping what does not parse.
fn read_defs(dir: &std::path::Path, state: bool) -> Vec<(std::path::PathBuf, PoolDef)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut paths: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml") && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let xml = if state {
            strip_poolstate(&text)
        } else {
            Some(text.clone())
        };
        match xml.map(|x| PoolDef::parse(&x)) {
            Some(Ok(d)) => out.push((path, d)),
            Some(Err(e)) => {
                tracing::warn!(file = %path.display(), "skipping pool file: {}", e.message)
            }
            None => {
                tracing::warn!(file = %path.display(), "skipping pool state file without <poolstate>")
            }
        }
    }
    out
}

fn strip_poolstate(text: &str) -> Option<String> {
    let start = text.find("<poolstate>")? + "<poolstate>".len();
    let end = text.rfind("</poolstate>")?;
    text.get(start..end).map(str::to_string)
}

/// Starts a pool's storage and reads its volumes (the caller raises the event).
pub fn start_pool(sh: &Shared, p: &mut Pool) -> Result<()> {
    if !backend::supported(p.def.pool_type) {
        return Err(backend::unsupported_type(p.def.pool_type));
    }
    backend::start(&p.def)?;
    p.active = true;
    refresh_pool(p);
    sh.save_state(p);
    Ok(())
}

/// Re-reads volumes and sizes; volumes being made are kept as they are.
pub fn refresh_pool(p: &mut Pool) {
    p.live_perms = backend::target_perms(&p.def);
    let (found, usage) = backend::survey(&p.def);
    let found = found.unwrap_or_default();
    let building: Vec<Vol> = p
        .vols
        .drain(..)
        .filter(|v| v.building || v.in_use > 0)
        .collect();
    let mut vols: Vec<Vol> = found
        .into_iter()
        .filter(|d| !building.iter().any(|b| b.def.name == d.name))
        .map(|def| Vol {
            def,
            building: false,
            in_use: 0,
        })
        .collect();
    vols.extend(building);
    vols.sort_by(|a, b| a.def.name.cmp(&b.def.name));
    p.vols = vols;
    p.apply_usage(usage);
}
