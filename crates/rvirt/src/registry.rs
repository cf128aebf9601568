//! The driver registry: which backend serves which URI.
//!
//! Drivers are tried in order and the first that accepts the URI opens it, as libvirt's
//! `virConnectOpen` walks its driver table. Built-in drivers are registered on first use;
//! an embedding application may add its own with [`register`].

use rvirt_core::driver::ConnectDriver;
use std::sync::{Arc, OnceLock, RwLock};

fn table() -> &'static RwLock<Vec<Arc<dyn ConnectDriver>>> {
    static TABLE: OnceLock<RwLock<Vec<Arc<dyn ConnectDriver>>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(builtin()))
}

fn builtin() -> Vec<Arc<dyn ConnectDriver>> {
    vec![Arc::new(rvirt_driver_test::TestConnectDriver::default())]
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
