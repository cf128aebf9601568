//! Stream packets: the data, holes, end, finish, abort and errors of a stream, which travel
//! with the program, procedure and serial of the call that opened the stream.
//!
//! - Data: type `STREAM`, status `CONTINUE`, the raw bytes as the payload (at most
//!   [`STREAM_CHUNK`] of them per packet).
//! - A hole (sparse streams only): type `STREAM_HOLE`, status `CONTINUE`, payload
//!   [`StreamHole`].
//! - The end of a read stream: `STREAM`, `CONTINUE`, empty.
//! - Finish (client) and its confirmation (server): `STREAM`, `OK`, empty.
//! - Abort (client): `STREAM`, `ERROR`, empty; the server confirms with `OK`.
//! - A failure (server): `STREAM`, `ERROR`, a `remote_error` payload; the stream is over.
//!
//! Both sides share these helpers so they agree on every packet.

use crate::packet::{encode_packet, Header, MsgType, Status};
use crate::protocol::types::RemoteError;
use crate::xdr::{self, Xdr};
use crate::xdr_struct;

pub use crate::packet::STREAM_CHUNK;

xdr_struct! {
    /// `virNetStreamHole`: the body of a `STREAM_HOLE` packet.
    pub struct StreamHole {
        pub length: i64,
        pub flags: u32,
    }
}

/// Which stream a packet belongs to: the opening call's program, procedure and serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub prog: u32,
    pub proc_: i32,
    pub serial: u32,
}

impl StreamKey {
    pub fn of(h: &Header) -> StreamKey {
        StreamKey {
            prog: h.prog,
            proc_: h.proc_,
            serial: h.serial,
        }
    }

    fn header(&self, kind: MsgType, status: Status) -> Header {
        Header::new(self.prog, self.proc_, kind, self.serial, status)
    }

    /// A data packet (`data` must not be empty: an empty one means the end).
    pub fn data(&self, data: &[u8]) -> Vec<u8> {
        encode_packet(&self.header(MsgType::Stream, Status::Continue), data)
    }

    /// The end of the data of a read stream.
    pub fn eof(&self) -> Vec<u8> {
        encode_packet(&self.header(MsgType::Stream, Status::Continue), &[])
    }

    /// A hole of `length` bytes.
    pub fn hole(&self, length: i64) -> Vec<u8> {
        let body = xdr::to_bytes(&StreamHole { length, flags: 0 });
        encode_packet(&self.header(MsgType::StreamHole, Status::Continue), &body)
    }

    /// The client's finish, and the server's confirmation of a finish or an abort.
    pub fn ok(&self) -> Vec<u8> {
        encode_packet(&self.header(MsgType::Stream, Status::Ok), &[])
    }

    /// The client's abort.
    pub fn abort(&self) -> Vec<u8> {
        encode_packet(&self.header(MsgType::Stream, Status::Error), &[])
    }

    /// The server's report that the stream failed.
    pub fn error(&self, e: &RemoteError) -> Vec<u8> {
        encode_packet(
            &self.header(MsgType::Stream, Status::Error),
            &xdr::to_bytes(e),
        )
    }
}

/// A stream packet, classified.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamMsg<'a> {
    /// Bytes.
    Data(&'a [u8]),
    /// The end of the data (an empty `CONTINUE`).
    Eof,
    Hole(StreamHole),
    /// Status `OK`: a finish (from a client) or a confirmation (from a server).
    Ok,
    /// Status `ERROR`: an abort (from a client; the payload is ignored) or a failure (from
    /// a server; the payload is a `remote_error`).
    Error(&'a [u8]),
}

/// Why a stream packet makes no sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamMsgError {
    /// The header is not a stream packet's.
    NotStream,
    /// A status other than `CONTINUE`, `OK` and `ERROR`.
    Status(i32),
    /// A hole packet whose body is not a `virNetStreamHole`, or whose status is not
    /// `CONTINUE`.
    BadHole,
}

impl std::fmt::Display for StreamMsgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamMsgError::NotStream => f.write_str("not a stream packet"),
            StreamMsgError::Status(s) => write!(f, "unexpected stream packet status {s}"),
            StreamMsgError::BadHole => f.write_str("malformed stream hole packet"),
        }
    }
}

impl std::error::Error for StreamMsgError {}

/// Classifies a stream packet. Trailing bytes after a hole body are ignored, as libvirt's
/// decoder ignores them.
pub fn classify<'a>(h: &Header, payload: &'a [u8]) -> Result<StreamMsg<'a>, StreamMsgError> {
    let status = h.msg_status().ok_or(StreamMsgError::Status(h.status))?;
    match h.msg_type() {
        Some(MsgType::Stream) => Ok(match status {
            Status::Continue if payload.is_empty() => StreamMsg::Eof,
            Status::Continue => StreamMsg::Data(payload),
            Status::Ok => StreamMsg::Ok,
            Status::Error => StreamMsg::Error(payload),
        }),
        Some(MsgType::StreamHole) => {
            if status != Status::Continue {
                return Err(StreamMsgError::BadHole);
            }
            let mut r = xdr::Reader::new(payload);
            StreamHole::decode(&mut r)
                .map(StreamMsg::Hole)
                .map_err(|_| StreamMsgError::BadHole)
        }
        _ => Err(StreamMsgError::NotStream),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{program, Packet};

    fn parse(wire: &[u8]) -> Packet {
        Packet::parse(&wire[4..]).expect("parse")
    }

    #[test]
    fn packets_classify_back() {
        let k = StreamKey {
            prog: program::REMOTE,
            proc_: 211,
            serial: 7,
        };
        let p = parse(&k.data(b"abc"));
        assert_eq!(StreamKey::of(&p.header), k);
        assert_eq!(
            classify(&p.header, &p.payload),
            Ok(StreamMsg::Data(&b"abc"[..]))
        );
        let p = parse(&k.eof());
        assert_eq!(classify(&p.header, &p.payload), Ok(StreamMsg::Eof));
        let p = parse(&k.ok());
        assert_eq!(classify(&p.header, &p.payload), Ok(StreamMsg::Ok));
        let p = parse(&k.abort());
        assert_eq!(
            classify(&p.header, &p.payload),
            Ok(StreamMsg::Error(&[][..]))
        );
        let p = parse(&k.hole(20_967_424));
        assert_eq!(p.header.kind, 6);
        // The body libvirtd sent for a 20967424-byte hole.
        assert_eq!(p.payload, [0, 0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0]);
        assert_eq!(
            classify(&p.header, &p.payload),
            Ok(StreamMsg::Hole(StreamHole {
                length: 20_967_424,
                flags: 0
            }))
        );
    }

    #[test]
    fn bad_packets_are_refused() {
        let k = StreamKey {
            prog: program::REMOTE,
            proc_: 208,
            serial: 1,
        };
        let mut p = parse(&k.hole(5));
        p.payload.truncate(6);
        assert_eq!(
            classify(&p.header, &p.payload),
            Err(StreamMsgError::BadHole)
        );
        let mut p = parse(&k.data(b"x"));
        p.header.status = 7;
        assert_eq!(
            classify(&p.header, &p.payload),
            Err(StreamMsgError::Status(7))
        );
        p.header.status = 0;
        p.header.kind = 1;
        assert_eq!(
            classify(&p.header, &p.payload),
            Err(StreamMsgError::NotStream)
        );
    }
}
