//! The client's streams against a scripted server: data filed in order and the end,
//! packets for no open stream ignored, the server's error reaching the receiver (and the
//! finish, which then sends nothing), a hole on a stream that is not sparse refused, a
//! stream packet right behind a failed call's reply dropped, the connection's end failing
//! a waiting receiver, and what finish and abort put on the wire.

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::stream::StreamChunk;
use rvirt_core::{ConnectUri, DomainRef, Error, ErrorCode, ErrorDomain};
use rvirt_driver_remote::RemoteConnectDriver;
use rvirt_rpc::packet::{body_len, encode_packet, program, Header, MsgType, Packet, Status};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::stream::StreamKey;
use rvirt_rpc::xdr::{from_bytes, to_bytes};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn read_packet(s: &mut UnixStream) -> Option<Packet> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let n = body_len(len).ok()?;
    let mut body = vec![0u8; n];
    s.read_exact(&mut body).ok()?;
    Packet::parse(&body).ok()
}

fn reply(s: &mut UnixStream, h: &Header, body: Vec<u8>) {
    let _ = s.write_all(&encode_packet(&h.reply(Status::Ok), &body));
}

fn remote_error(msg: &str) -> RemoteError {
    RemoteError::from(&Error::raw(ErrorDomain::STREAMS, ErrorCode::RPC, msg))
}

/// The stream packets the client sent: (serial, status).
type Seen = Arc<Mutex<Vec<(u32, i32)>>>;

/// Serves one client. `DOMAIN_SCREENSHOT`'s screen number picks the script.
fn serve(mut s: UnixStream, seen: Seen) {
    while let Some(p) = read_packet(&mut s) {
        let h = p.header;
        if h.prog == program::KEEPALIVE {
            continue;
        }
        if h.kind == MsgType::Stream as i32 {
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((h.serial, h.status));
            // Finish and abort are confirmed.
            if h.status != Status::Continue as i32 {
                let _ = s.write_all(&StreamKey::of(&h).ok());
            }
            continue;
        }
        match h.proc_ {
            AuthList::NUM => reply(&mut s, &h, to_bytes(&AuthListRet { types: vec![0] })),
            ConnectSupportsFeature::NUM => reply(
                &mut s,
                &h,
                to_bytes(&ConnectSupportsFeatureRet { supported: 0 }),
            ),
            ConnectOpen::NUM | ConnectClose::NUM => reply(&mut s, &h, Vec::new()),
            DomainScreenshot::NUM => {
                let a: DomainScreenshotArgs = from_bytes(&p.payload).expect("args");
                let k = StreamKey::of(&h);
                let other = StreamKey {
                    serial: h.serial + 1000,
                    ..k
                };
                let ok = to_bytes(&DomainScreenshotRet {
                    mime: Some("image/x-test".into()),
                });
                let mut out = Vec::new();
                match a.screen {
                    0 => {
                        out.extend(encode_packet(&h.reply(Status::Ok), &ok));
                        out.extend(other.data(b"not mine"));
                        out.extend(k.data(b"hello "));
                        out.extend(other.eof());
                        out.extend(k.data(b"world"));
                        out.extend(k.eof());
                    }
                    1 => {
                        out.extend(encode_packet(&h.reply(Status::Ok), &ok));
                        out.extend(k.data(b"x"));
                        out.extend(k.error(&remote_error("boom")));
                    }
                    2 => {
                        out.extend(encode_packet(&h.reply(Status::Ok), &ok));
                        out.extend(k.hole(4096));
                    }
                    3 => {
                        out.extend(encode_packet(&h.reply(Status::Ok), &ok));
                        out.extend(k.data(b"partial"));
                        let _ = s.write_all(&out);
                        // Gone mid-stream.
                        return;
                    }
                    _ => {
                        out.extend(encode_packet(
                            &h.reply(Status::Error),
                            &to_bytes(&remote_error("no screenshot")),
                        ));
                        out.extend(k.data(b"stray"));
                    }
                }
                let _ = s.write_all(&out);
            }
            other => panic!("unexpected procedure {other}"),
        }
    }
}

fn start() -> (DriverSet, Seen, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "rvirt-stream-fake-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let sock = dir.join("sock");
    let l = UnixListener::bind(&sock).expect("bind");
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            serve(s, seen2);
        }
    });
    let uri =
        ConnectUri::parse(&format!("test+unix:///default?socket={}", sock.display())).expect("uri");
    let c = RemoteConnectDriver::default().open(&uri, 0).expect("open");
    (c, seen, dir)
}

fn dom() -> DomainRef {
    DomainRef {
        name: "d".into(),
        uuid: uuid::Uuid::nil(),
        id: 1,
    }
}

fn recv_all(ds: &rvirt_core::stream::DriverStream) -> Result<Vec<u8>, Error> {
    let src = ds.source.as_ref().expect("readable");
    let mut v = Vec::new();
    while let Some(c) = src.recv(4)? {
        match c {
            StreamChunk::Data(d) => v.extend(d),
            StreamChunk::Hole(_) => panic!("no holes here"),
        }
    }
    Ok(v)
}

#[test]
fn stream_scripts() {
    let (c, seen, dir) = start();
    let hv = &c.hypervisor;

    // Data in order, small reads, foreign packets ignored; finish sends OK and gets OK.
    let (mime, ds) = hv.domain_screenshot(&dom(), 0, 0).expect("screenshot");
    assert_eq!(mime, "image/x-test");
    assert_eq!(recv_all(&ds).expect("data"), b"hello world");
    ds.finish().expect("finish");
    let first_serial = seen.lock().map(|s| s[0].0).unwrap_or(0);
    assert_eq!(
        *seen.lock().expect("seen"),
        vec![(first_serial, Status::Ok as i32)]
    );

    // The server's error comes to the receiver; finish reports it and sends nothing.
    let (_, ds) = hv.domain_screenshot(&dom(), 1, 0).expect("screenshot");
    let e = recv_all(&ds).expect_err("the server failed the stream");
    assert_eq!(e.message, "boom");
    assert_eq!(e.domain, ErrorDomain::STREAMS);
    assert_eq!(ds.finish().expect_err("finish").message, "boom");
    assert_eq!(seen.lock().expect("seen").len(), 1);

    // A hole on a stream that is not sparse.
    let (_, ds) = hv.domain_screenshot(&dom(), 2, 0).expect("screenshot");
    let e = recv_all(&ds).expect_err("hole");
    assert_eq!(e.message, "Unexpected stream hole");
    assert_eq!(e.code, ErrorCode::RPC);
    // Aborting a failed stream sends nothing either.
    ds.abort().expect("abort");
    assert_eq!(seen.lock().expect("seen").len(), 1);

    // A failed call leaves no stream behind; its stray packet is dropped.
    let e = hv.domain_screenshot(&dom(), 9, 0).expect_err("failed call");
    assert_eq!(e.message, "no screenshot");
    assert_eq!(
        hv.domain_screenshot(&dom(), 0, 0).map(|(m, _)| m).ok(),
        Some("image/x-test".into())
    );

    // Aborting sends ERROR and gets its OK.
    let (_, ds) = hv.domain_screenshot(&dom(), 0, 0).expect("screenshot");
    ds.abort().expect("abort");
    let last = seen.lock().expect("seen").last().copied();
    assert_eq!(last.map(|l| l.1), Some(Status::Error as i32));

    // The connection ends mid-stream: the receiver hears it.
    let (_, ds) = hv.domain_screenshot(&dom(), 3, 0).expect("screenshot");
    let src = ds.source.as_ref().expect("readable");
    let mut got = Vec::new();
    let e = loop {
        match src.recv(64) {
            Ok(Some(StreamChunk::Data(d))) => got.extend(d),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, b"partial");
    assert!(
        e.message.starts_with("End of file while reading data"),
        "{}",
        e.message
    );
    assert!(ds.finish().is_err());
    std::thread::sleep(Duration::from_millis(10));
    let _ = std::fs::remove_dir_all(&dir);
}
