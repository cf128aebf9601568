//! The QEMU driver's state and its `HypervisorDriver` entry points.
//!
//! One [`QemuDriver`] lives per daemon and mode (system or session), created when the
//! daemon starts: it loads the persistent definitions, takes back the guests the previous
//! daemon left running ([`recover`]), and starts the autostart ones. Connections share it.

pub mod autodestroy;
pub mod conflicts;
pub mod console;
pub mod devices;
pub mod hv;
pub mod lifecycle;
pub mod monitor;
pub mod native;
pub mod pin;
pub mod ports;
pub mod ptys;
pub mod recover;
pub mod save;
pub mod start;
pub mod stats;
pub mod tune;
pub mod volumes;

use crate::caps::cache::CapsCache;
use crate::caps::QemuCaps;
use crate::defaults::{CapsLookup, QemuDefaults};
use crate::domobj::{no_domain, Domain, DomainList};
use crate::paths::Paths;
use rvirt_core::event::EventBus;
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The capability cache as the defaults and the start path reach it.
pub struct CacheLookup {
    pub cache: CapsCache,
}

/// Where libvirt looks for `qemu-system-*` besides the search path.
const EXTRA_BIN_DIRS: [&str; 3] = ["/usr/libexec", "/usr/bin", "/usr/local/bin"];

impl CapsLookup for CacheLookup {
    fn default_emulator(&self, arch: &str) -> Option<String> {
        let name = format!("qemu-system-{}", crate::caps::qemu_target(arch));
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(EXTRA_BIN_DIRS.iter().map(PathBuf::from))
            .map(|d| d.join(&name))
            .find(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned())
    }

    fn caps(&self, path: &str) -> Result<Arc<QemuCaps>> {
        self.cache.get(Path::new(path)).map_err(|e| {
            if !Path::new(path).exists() {
                return Error::raw(
                    ErrorDomain::QEMU,
                    ErrorCode::INTERNAL_ERROR,
                    format!("Cannot check QEMU binary {path}: No such file or directory"),
                );
            }
            Error::internal(ErrorDomain::QEMU, e.0)
        })
    }
}

/// Everything the driver shares between connections.
pub struct Inner {
    pub paths: Paths,
    pub lookup: Arc<CacheLookup>,
    pub defaults: QemuDefaults,
    pub doms: DomainList,
    pub events: EventBus,
    /// Display ports held by running domains.
    pub ports: ports::PortSet,
    /// Open console sessions.
    pub consoles: console::Consoles,
    /// The daemon's storage driver, for disks that name a pool's volume.
    pub storage: Option<crate::StorageFactory>,
    /// The start-up probe of the QEMU binaries is over.
    pub probed: std::sync::atomic::AtomicBool,
}

impl Inner {
    /// The domain a reference names (by UUID, as libvirt looks it up), or libvirt's error.
    pub fn find(&self, r: &DomainRef) -> Result<Arc<Domain>> {
        self.doms.by_uuid(&r.uuid).ok_or_else(|| no_domain(r))
    }

    /// The canonical URI of this driver's connections.
    pub fn uri(&self) -> &'static str {
        if self.paths.privileged {
            "qemu:///system"
        } else {
            "qemu:///session"
        }
    }
}

/// The driver a daemon hosts.
#[derive(Clone)]
pub struct QemuDriver {
    pub inner: Arc<Inner>,
    /// The connection this handle serves (None for the daemon's own handle).
    pub conn: Option<Arc<autodestroy::ConnGuard>>,
}

impl QemuDriver {
    /// A handle for one new connection (its guests started with `--autodestroy` end
    /// with it).
    pub fn for_connection(&self) -> QemuDriver {
        QemuDriver {
            inner: self.inner.clone(),
            conn: Some(autodestroy::ConnGuard::new(&self.inner)),
        }
    }

    /// Opens the driver's state: definitions, running guests, autostart.
    pub fn start(paths: Paths, storage: Option<crate::StorageFactory>) -> QemuDriver {
        let lookup = Arc::new(CacheLookup {
            cache: CapsCache::new(paths.capabilities_dir()),
        });
        let defaults = QemuDefaults::new(lookup.clone(), std::env::consts::ARCH);
        for d in [
            &paths.config_dir,
            &paths.state_dir,
            &paths.lib_dir,
            &paths.log_dir,
            &paths.cache_dir,
        ] {
            if let Err(e) = std::fs::create_dir_all(d) {
                tracing::warn!("cannot create {}: {e}", d.display());
            }
        }
        let drv = QemuDriver {
            inner: Arc::new(Inner {
                paths,
                lookup,
                defaults,
                doms: DomainList::default(),
                events: EventBus::new(),
                ports: ports::PortSet::default(),
                consoles: console::Consoles::default(),
                storage,
                probed: std::sync::atomic::AtomicBool::new(false),
            }),
            conn: None,
        };
        // Probing a binary takes a QEMU start or two: do it now, in the background, so
        // the first define or capabilities call finds it done.
        let inner = drv.inner.clone();
        let probe = std::thread::Builder::new()
            .name("qemu-probe".into())
            .spawn(move || {
                for arch in ["x86_64", "i686"] {
                    if let Some(bin) = inner.lookup.default_emulator(arch) {
                        let _ = inner.lookup.caps(&bin);
                    }
                }
                inner
                    .probed
                    .store(true, std::sync::atomic::Ordering::Release);
            });
        if probe.is_err() {
            // Without the thread the first call that needs a binary probes it.
            drv.inner
                .probed
                .store(true, std::sync::atomic::Ordering::Release);
        }
        recover::load_and_reattach(&drv.inner);
        // Guests take seconds to start: clients are served meanwhile, as libvirtd does.
        let inner = drv.inner.clone();
        let _ = std::thread::Builder::new()
            .name("qemu-autostart".into())
            .spawn(move || start::autostart_all(&inner));
        drv
    }

    /// How many domains run (a daemon with `--timeout` stays while any does).
    pub fn active_count(&self) -> usize {
        self.inner
            .doms
            .all()
            .iter()
            .filter(|d| d.lock().is_active())
            .count()
    }
}
