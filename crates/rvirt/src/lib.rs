//! rvirt's public API: the handles applications use.
//!
//! A [`Connect`] is opened from a libvirt URI; the URI picks a driver from the registry
//! (see [`registry`]). Object handles ([`Domain`], [`Network`], [`StoragePool`],
//! [`StorageVol`], [`Interface`], [`NodeDevice`]) name their object the way libvirt's wire
//! does and forward every call to the connection's driver through the traits of
//! [`rvirt_core::driver`]. This layer owns the rules that hold for every driver: read-only
//! connections refuse changes, and argument checks happen before a driver is called.
//! Bulk data (screenshots, volume contents, consoles) moves through a [`Stream`].
//!
//! ```
//! use rvirt::Connect;
//! let conn = Connect::open(Some("test:///default"))?;
//! for dom in conn.list_all_domains(0)? {
//!     println!("{} {:?}", dom.name(), dom.state()?.0);
//! }
//! # Ok::<(), rvirt::Error>(())
//! ```

mod connect;
mod devices;
mod domain;
mod domstats;
mod network;
mod other;
pub mod qemu;
pub mod registry;
mod snapshot;
mod stats;
mod storage;
mod stream;

pub use connect::Connect;
pub use domain::Domain;
pub use domstats::DomainStats;
pub use network::Network;
pub use other::{Interface, NodeDevice};
pub use rvirt_core::domstats::{
    self as domain_stats, BlockInfo, BlockStats, CpuStats, InterfaceStats,
};
pub use rvirt_core::event::{DomainEventKind, Event, EventCallback, EventFamily};
pub use rvirt_core::refs::*;
pub use rvirt_core::stream::{DriverStream, StreamChunk, StreamSink, StreamSource};
pub use rvirt_core::types::*;
pub use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, ErrorLevel, Result};
pub use snapshot::DomainSnapshot;
pub use storage::{StoragePool, StorageVol};
pub use stream::{Received, SparseRead, Stream};
