//! Packets: the length word, the 24-byte header, and the payload.

use crate::xdr::{Reader, Writer, XdrError};

/// `VIR_NET_MESSAGE_MAX`: header plus payload, not counting the length word.
pub const MESSAGE_MAX: usize = 33_554_432;
/// `VIR_NET_MESSAGE_HEADER_MAX`.
pub const HEADER_SIZE: usize = 24;
/// The length word.
pub const LEN_SIZE: usize = 4;
/// `VIR_NET_MESSAGE_PAYLOAD_MAX`.
pub const PAYLOAD_MAX: usize = MESSAGE_MAX - HEADER_SIZE;
/// `VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX`: the chunk size of stream data.
pub const STREAM_CHUNK: usize = 262_120;
/// `VIR_NET_MESSAGE_NUM_FDS_MAX`.
pub const NUM_FDS_MAX: usize = 32;

/// Program numbers.
pub mod program {
    pub const REMOTE: u32 = 0x2000_8086;
    pub const QEMU: u32 = 0x2000_8087;
    pub const LXC: u32 = 0x0006_8000;
    pub const ADMIN: u32 = 0x0690_0690;
    pub const KEEPALIVE: u32 = 0x6b65_6570;
}

/// Keepalive procedures.
pub mod keepalive {
    pub const PING: i32 = 1;
    pub const PONG: i32 = 2;
}

/// `virNetMessageType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgType {
    Call = 0,
    Reply = 1,
    Message = 2,
    Stream = 3,
    CallWithFds = 4,
    ReplyWithFds = 5,
    StreamHole = 6,
}

impl MsgType {
    pub fn from_i32(v: i32) -> Option<MsgType> {
        Some(match v {
            0 => MsgType::Call,
            1 => MsgType::Reply,
            2 => MsgType::Message,
            3 => MsgType::Stream,
            4 => MsgType::CallWithFds,
            5 => MsgType::ReplyWithFds,
            6 => MsgType::StreamHole,
            _ => return None,
        })
    }
}

/// `virNetMessageStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    Error = 1,
    Continue = 2,
}

impl Status {
    pub fn from_i32(v: i32) -> Option<Status> {
        Some(match v {
            0 => Status::Ok,
            1 => Status::Error,
            2 => Status::Continue,
            _ => return None,
        })
    }
}

/// The fixed header of every packet. `kind` and `status` stay raw so a packet with values
/// this side does not know can still be answered with an error that echoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub prog: u32,
    pub vers: u32,
    pub proc_: i32,
    pub kind: i32,
    pub serial: u32,
    pub status: i32,
}

impl Header {
    pub fn new(prog: u32, proc_: i32, kind: MsgType, serial: u32, status: Status) -> Header {
        Header {
            prog,
            vers: 1,
            proc_,
            kind: kind as i32,
            serial,
            status: status as i32,
        }
    }

    pub fn msg_type(&self) -> Option<MsgType> {
        MsgType::from_i32(self.kind)
    }

    pub fn msg_status(&self) -> Option<Status> {
        Status::from_i32(self.status)
    }

    /// The header of the reply to this call. Only a successful reply to a call that
    /// passed descriptors is `REPLY_WITH_FDS` (it carries a descriptor count); errors are
    /// plain replies, as libvirtd sends them, and a client reading a count from an error
    /// would drop the connection.
    pub fn reply(&self, status: Status) -> Header {
        let kind = if self.kind == MsgType::CallWithFds as i32 && status == Status::Ok {
            MsgType::ReplyWithFds
        } else {
            MsgType::Reply
        };
        Header {
            kind: kind as i32,
            status: status as i32,
            ..*self
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Header, XdrError> {
        Ok(Header {
            prog: r.u32()?,
            vers: r.u32()?,
            proc_: r.i32()?,
            kind: r.i32()?,
            serial: r.u32()?,
            status: r.i32()?,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.prog);
        w.u32(self.vers);
        w.i32(self.proc_);
        w.i32(self.kind);
        w.u32(self.serial);
        w.i32(self.status);
    }
}

/// Why a length word was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthError {
    TooShort(u32),
    TooLong(u32),
}

impl std::fmt::Display for LengthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LengthError::TooShort(n) => write!(f, "packet length {n} is shorter than a header"),
            LengthError::TooLong(n) => {
                write!(
                    f,
                    "packet length {n} exceeds the maximum of {}",
                    MESSAGE_MAX + LEN_SIZE
                )
            }
        }
    }
}

/// Checks a length word and returns how many bytes follow it.
pub fn body_len(len_word: [u8; 4]) -> Result<usize, LengthError> {
    let n = u32::from_be_bytes(len_word);
    if (n as usize) < LEN_SIZE + HEADER_SIZE {
        return Err(LengthError::TooShort(n));
    }
    if n as usize > MESSAGE_MAX + LEN_SIZE {
        return Err(LengthError::TooLong(n));
    }
    Ok(n as usize - LEN_SIZE)
}

/// A whole packet: header and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub header: Header,
    pub payload: Vec<u8>,
}

impl Packet {
    /// Splits the bytes after the length word into header and payload.
    pub fn parse(body: &[u8]) -> Result<Packet, XdrError> {
        let mut r = Reader::new(body);
        let header = Header::decode(&mut r)?;
        Ok(Packet {
            header,
            payload: body[HEADER_SIZE..].to_vec(),
        })
    }

    /// The packet as it goes on the wire, length word first.
    pub fn to_wire(&self) -> Vec<u8> {
        encode_packet(&self.header, &self.payload)
    }
}

/// Serializes a header and an already-encoded payload, with the length word.
pub fn encode_packet(header: &Header, payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_buf(Vec::with_capacity(LEN_SIZE + HEADER_SIZE + payload.len()));
    w.u32((LEN_SIZE + HEADER_SIZE + payload.len()) as u32);
    header.encode(&mut w);
    w.buf.extend_from_slice(payload);
    w.buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_word_bounds() {
        assert!(body_len(0u32.to_be_bytes()).is_err());
        assert!(body_len(3u32.to_be_bytes()).is_err());
        assert!(body_len(27u32.to_be_bytes()).is_err());
        assert_eq!(body_len(28u32.to_be_bytes()), Ok(24));
        assert!(body_len(((MESSAGE_MAX + 5) as u32).to_be_bytes()).is_err());
    }

    #[test]
    fn packet_round_trips() {
        let h = Header::new(program::REMOTE, 66, MsgType::Call, 0, Status::Ok);
        let wire = encode_packet(&h, &[1, 2, 3, 4]);
        assert_eq!(wire.len(), 32);
        let p = Packet::parse(&wire[4..]).expect("parse");
        assert_eq!(p.header, h);
        assert_eq!(p.payload, vec![1, 2, 3, 4]);
    }
}
