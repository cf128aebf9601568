//! The driver registry: which backend serves which URI.
//!
//! Drivers are tried in order and the first that accepts the URI opens it, as libvirt's
//! `virConnectOpen` walks its driver table. The order is the routing decision: in-process
//! drivers first (today the test driver, so `test:///default` stays in the process as in
//! libvirt), then the remote driver, which takes every URI with a transport or a host and,
//! outside the daemon, every other local URI (`qemu:///system`), sending it to the local
//! daemon's socket as libvirt does. Built-in drivers are registered on first use; an
//! embedding application may add its own with [`register`].

use rvirt_core::driver::ConnectDriver;
use std::sync::{Arc, OnceLock, RwLock};

fn table() -> &'static RwLock<Vec<Arc<dyn ConnectDriver>>> {
    static TABLE: OnceLock<RwLock<Vec<Arc<dyn ConnectDriver>>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(builtin()))
}

fn builtin() -> Vec<Arc<dyn ConnectDriver>> {
    vec![
        // In-process drivers.
        Arc::new(rvirt_driver_test::TestConnectDriver::default()),
        // Everything else goes to a daemon.
        Arc::new(rvirt_driver_remote::RemoteConnectDriver::default()),
    ]
}

/// Adds a driver ahead of the built-in ones.
pub fn register(driver: Arc<dyn ConnectDriver>) {
    let mut t = table().write().unwrap_or_else(|p| p.into_inner());
    t.insert(0, driver);
}

/// The drivers in the order they are tried.
pub fn drivers() -> Vec<Arc<dyn ConnectDriver>> {
    table().read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Declares that this process is the daemon: local URIs that no in-process driver serves
/// must then fail instead of being routed to the local daemon, which would be this process
/// itself.
pub fn set_daemon_mode() {
    rvirt_driver_remote::set_local_routing(false);
}
