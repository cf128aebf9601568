//! rvirt's shared vocabulary.
//!
//! Everything that more than one layer must agree on lives here: the [`Error`] type with
//! libvirt's numbers, connection URIs, object references, plain info types, events, and the
//! driver traits that the public API calls and every backend implements.

pub mod civil;
pub mod domstats;
pub mod driver;
pub mod error;
pub mod event;
pub mod fsutil;
pub mod listing;
mod messages;
pub mod refs;
pub mod stream;
pub mod types;
pub mod uri;

pub use error::{Error, ErrorCode, ErrorDomain, ErrorLevel, Result};
pub use refs::*;
pub use uri::ConnectUri;

/// The libvirt library version rvirt speaks for (9.0.0, encoded as libvirt does:
/// major * 1,000,000 + minor * 1,000 + micro).
pub const LIB_VERSION: u64 = 9_000_000;
