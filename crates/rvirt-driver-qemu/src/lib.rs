//! rvirt's QEMU/KVM driver: real virtual machines under `qemu:///system` and
//! `qemu:///session`.
//!
//! Where things are:
//! - [`caps`]: what each installed QEMU binary can do, probed over QMP and cached.
//! - [`qmp`]: the monitor protocol client (replies and events on one socket).
//! - [`fsutil`]: crash-safe file writes (shared with the storage driver, in rvirt-core).
//! - [`defaults`]: what defining a domain adds (machine, implicit devices, addresses).
//! - [`command`]: a completed definition becomes QEMU's command line (pure, golden-tested).

pub mod caps;
pub mod command;
pub mod defaults;
pub mod domobj;
pub mod driver;
pub mod events;
pub use rvirt_core::fsutil;
pub mod host;
pub mod hotplug;
pub mod imgprobe;
pub mod paths;
pub mod process;
pub mod qmp;
pub mod store;
pub mod sys;
pub mod timefmt;

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::{ConnectUri, Error, ErrorDomain, Result};
use std::sync::Arc;

/// The registry entry for `qemu:///system` (a privileged daemon) or `qemu:///session` (a
/// user's daemon), sharing one driver state between connections.
pub struct QemuConnectDriver {
    driver: driver::QemuDriver,
}

/// Makes a connection to the daemon's storage driver: each client connection gets one
/// for its pools and volumes, and the driver takes one to find a volume disk's image.
pub type StorageFactory = Arc<dyn Fn() -> Arc<dyn rvirt_core::driver::StorageDriver> + Send + Sync>;

impl QemuConnectDriver {
    /// Starts the driver's state (recovery and autostart included) under `paths`; volume
    /// disks are looked up through `storage`. The storage driver must be running first,
    /// since autostarted guests may use its volumes.
    pub fn new(paths: paths::Paths, storage: Option<StorageFactory>) -> QemuConnectDriver {
        QemuConnectDriver {
            driver: driver::QemuDriver::start(paths, storage),
        }
    }

    /// Whether the work of starting up is over (the QEMU binaries are probed), so the
    /// daemon knows when the memory that work used is free to give back.
    pub fn settled(&self) -> bool {
        self.driver
            .inner
            .probed
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// How many of its domains run.
    pub fn active_count(&self) -> usize {
        self.driver.active_count()
    }

    fn wanted_path(&self) -> &'static str {
        if self.driver.inner.paths.privileged {
            "/system"
        } else {
            "/session"
        }
    }
}

impl ConnectDriver for QemuConnectDriver {
    fn name(&self) -> &'static str {
        "QEMU"
    }

    fn accepts(&self, uri: &ConnectUri) -> bool {
        uri.driver == "qemu" && uri.is_local()
    }

    fn open(&self, uri: &ConnectUri, flags: u32) -> Result<DriverSet> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            rvirt_core::types::flags::connect::RO,
            "qemuConnectOpen",
        )?;
        let want = self.wanted_path();
        // A privileged driver takes qemu:///session as well (root's session is the
        // system, as in libvirt); a user's takes only its session.
        let ok = uri.path == want || (self.driver.inner.paths.privileged && uri.path == "/session");
        if !ok {
            return Err(Error::internal(
                ErrorDomain::QEMU,
                format!("unexpected QEMU URI path '{}', try qemu://{want}", uri.path),
            ));
        }
        let conn = self.driver.for_connection();
        Ok(DriverSet {
            hypervisor: Arc::new(conn.clone()),
            network: None,
            storage: self.driver.inner.storage.as_ref().map(|make| make()),
            interface: None,
            node_device: None,
            secret: None,
            nwfilter: None,
            native: Some(Arc::new(conn)),
        })
    }
}
