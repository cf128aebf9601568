//! libvirt's XML formats as typed Rust values.
//!
//! Each document kind (domain, network, storage pool and volume, capabilities, node device,
//! secret, interface) is parsed once into structs, with units normalized and enumerations
//! typed, and formatted back in libvirt's canonical layout. Nothing here does I/O; drivers
//! add their own defaults through the hooks each model offers.

pub mod error;
pub mod mac;
pub mod num;
pub mod paths;
pub mod read;
pub mod tree;
pub mod uuids;
pub mod writer;

pub use read::{ElementExt, XmlEnum};
pub use tree::{parse_document, Element, Node};
pub use writer::Out;
pub mod bitmap;
pub mod capabilities;
pub mod domain;
pub mod host_interface;
pub mod network;
pub mod network_update;
pub mod nodedev;
pub mod secret;
pub mod snapshot;
pub mod storage;
