//! rvirt's storage driver: storage pools and their volumes on the host.
//!
//! Where things are:
//! - [`state`]: the pool table, its files (configs, state, autostart) and daemon start-up.
//! - [`driver`]: the [`rvirt_core::driver::StorageDriver`] calls.
//! - [`backend`]: what each pool type does to the host (directories, mounts).
//! - [`filevol`]: file volumes: making, cloning, resizing, wiping, deleting them.
//! - [`probe`]: image headers (format, virtual size, backing file).
//! - [`stream`]: volume upload and download.
//! - [`cmd`]: helper programs and their errors.

pub mod backend;
pub mod caps;
pub mod cmd;
pub mod disk;
pub mod diskpool;
pub mod driver;
pub mod filevol;
pub mod logical;
pub mod lvpool;
pub mod paths;
pub mod probe;
pub mod qcow2;
pub mod state;
pub mod stream;

use rvirt_core::driver::StorageDriver;
use std::sync::Arc;

/// The daemon's storage state, shared by the connections of every hypervisor driver.
#[derive(Clone)]
pub struct Storage {
    shared: Arc<state::Shared>,
}

impl Storage {
    /// Loads pools under `paths`: what was active is active again, autostart runs once
    /// per host boot.
    pub fn start(paths: paths::Paths) -> Storage {
        let shared = Arc::new(state::Shared::new(paths));
        shared.load();
        Storage { shared }
    }

    /// The driver a new connection gets.
    pub fn connection(&self) -> Arc<dyn StorageDriver> {
        Arc::new(driver::StorageConn::new(self.shared.clone()))
    }
}
