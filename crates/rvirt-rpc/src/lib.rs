//! libvirt's remote protocol, written in Rust from the protocol's facts.
//!
//! - [`xdr`]: the encoding.
//! - [`packet`]: framing (length word + header + payload), message types and limits.
//! - [`protocol`]: the REMOTE program's types and the procedure table, declared once and
//!   used by both the client (the remote driver) and the server (`rvirtd`).
//! - [`stream`]: the packets of streams (data, holes, end, finish, abort, errors).
//! - [`readonly`]: the procedures a read-only connection may not call.

pub mod packet;
pub mod xdr;

pub use packet::{Header, MsgType, Packet, Status};
pub use xdr::{Reader, Writer, Xdr, XdrError};
pub mod names;
pub mod protocol;
pub mod readonly;
pub mod stream;
pub mod transport;
