//! libvirt's test driver for rvirt: `test:///default` and `test:///ABSOLUTE/PATH.xml`.
//!
//! An in-memory hypervisor with libvirt's real state machine (states, reasons, ids, managed
//! save, autostart), networks, storage pools and volumes, host interfaces and node devices.
//! It is a real libvirt feature that applications test against, not a mock. All connections
//! to `test:///default` in one process share one state, which lives while any of them is
//! open; each custom-file connection has its own.

mod caps;
mod conn;
mod defaults;
mod domain;
mod domstats;
mod loader;
mod misc;
mod network;
mod snapshot;
mod state;
mod stats;
mod storage;

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::{ConnectUri, Error, ErrorDomain, Result};
use std::sync::{Arc, Mutex, Weak};

pub use defaults::TestDefaults;

/// The registry entry for the `test` URI scheme.
#[derive(Default)]
pub struct TestConnectDriver {
    shared_default: Mutex<Weak<state::Shared>>,
}

impl ConnectDriver for TestConnectDriver {
    fn name(&self) -> &'static str {
        "test"
    }

    fn accepts(&self, uri: &ConnectUri) -> bool {
        uri.driver == "test" && uri.is_local()
    }

    fn open(&self, uri: &ConnectUri, flags: u32) -> Result<DriverSet> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            rvirt_core::types::flags::connect::RO,
            "testConnectOpen",
        )?;
        let path = uri.path.as_str();
        if path.is_empty() || path == "/" {
            return Err(Error::new(
                ErrorDomain::TEST,
                rvirt_core::ErrorCode::INVALID_ARG,
                Some("testOpen: supply a path or use test:///default".to_string()),
            ));
        }
        let shared = if path == "/default" {
            let mut slot = self
                .shared_default
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            match slot.upgrade() {
                Some(s) => s,
                None => {
                    let s = Arc::new(state::Shared::new(loader::load_default()?));
                    *slot = Arc::downgrade(&s);
                    s
                }
            }
        } else {
            Arc::new(state::Shared::new(loader::load_file(path)?))
        };
        let c = Arc::new(conn::TestConn::new(shared, uri.as_str().to_string()));
        Ok(DriverSet {
            hypervisor: c.clone(),
            network: Some(c.clone()),
            storage: Some(c.clone()),
            interface: Some(c.clone()),
            node_device: Some(c),
            secret: None,
            nwfilter: None,
            native: None,
        })
    }
}
