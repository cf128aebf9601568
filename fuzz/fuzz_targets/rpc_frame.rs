//! Fuzz target: bytes as they arrive on a daemon's socket. The length word is checked,
//! the packet is split into header and payload, and the payload is decoded the way the
//! daemon would: as the arguments of the procedure the header names (for a REMOTE call),
//! and also as that procedure's reply, an error reply and the event messages. Nothing may
//! panic, and whatever decodes must encode back to bytes that decode to the same value.
//!
//! Run with `cargo fuzz run rpc_frame` from the repository root (nightly toolchain).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rvirt_rpc::packet::{body_len, program, Packet, LEN_SIZE};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{RemoteError, TypedParam};
use rvirt_rpc::protocol::EventMessage;
use rvirt_rpc::stream::{classify, StreamHole, StreamMsg};
use rvirt_rpc::xdr::{self, Xdr};

/// Decodes `bytes` as `T`; on success, encodes the value again and checks that decodes
/// and encodes to the same bytes (compared as bytes: a decoded NaN is not equal to itself).
fn check<T: Xdr>(bytes: &[u8]) {
    if let Ok(v) = xdr::from_bytes::<T>(bytes) {
        let again = xdr::to_bytes(&v);
        match xdr::from_bytes::<T>(&again) {
            Ok(back) => assert_eq!(xdr::to_bytes(&back), again, "encoding is not stable"),
            Err(e) => panic!("a decoded value encodes to bytes that do not decode: {e}"),
        }
    }
}

macro_rules! events {
    ($num:expr, $payload:expr; $($e:ident),* $(,)?) => {
        match $num {
            $(n if n == <$e as EventMessage>::NUM => check::<<$e as EventMessage>::Msg>($payload),)*
            _ => {}
        }
    };
}

fuzz_target!(|data: &[u8]| {
    if data.len() < LEN_SIZE {
        return;
    }
    let Ok(n) = body_len([data[0], data[1], data[2], data[3]]) else {
        return;
    };
    let body = &data[LEN_SIZE..];
    let body = &body[..n.min(body.len())];
    let Ok(pkt) = Packet::parse(body) else {
        return;
    };
    let h = pkt.header;
    let payload = &pkt.payload[..];
    check::<RemoteError>(payload);
    check::<Vec<TypedParam>>(payload);
    // Stream packets: classified as the daemon and the client route them.
    if let Ok(StreamMsg::Hole(hole)) = classify(&h, payload) {
        let again = xdr::to_bytes(&hole);
        assert_eq!(xdr::from_bytes::<StreamHole>(&again).ok(), Some(hole));
    }
    check::<StreamHole>(payload);
    if h.prog != program::REMOTE {
        return;
    }
    events!(h.proc_, payload;
        DomainEventLifecycle, DomainEventReboot, NetworkEventLifecycle,
        DomainEventCallbackLifecycle, DomainEventCallbackReboot,
        DomainEventCallbackDeviceRemoved, DomainEventCallbackDeviceAdded,
        ConnectEventConnectionClosed, StoragePoolEventLifecycle, StoragePoolEventRefresh,
        DomainEventCallbackMetadataChange,
    );
    // Every declared procedure, from the table itself (no list here to fall behind).
    if let Some(Err(e)) = check_round_trip(h.proc_, payload) {
        panic!("{e}");
    }
});
