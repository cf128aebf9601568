//! rvirt's QEMU/KVM driver: real virtual machines under `qemu:///system` and
//! `qemu:///session`.
//!
//! Where things are:
//! - [`caps`]: what each installed QEMU binary can do, probed over QMP and cached.
//! - [`qmp`]: the monitor protocol client (replies and events on one socket).
//! - [`fsutil`]: crash-safe file writes.
//! - [`defaults`]: what defining a domain adds (machine, implicit devices, addresses).
//! - [`command`]: a completed definition becomes QEMU's command line (pure, golden-tested).

pub mod caps;
pub mod command;
pub mod defaults;
pub mod domobj;
pub mod fsutil;
pub mod paths;
pub mod process;
pub mod qmp;
pub mod store;
pub mod sys;
