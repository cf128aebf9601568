//! Robustness: raw UNIX-socket clients send what no well-behaved client sends (bad length
//! words, truncated and stalled packets, unknown programs and procedures, undecodable
//! arguments, floods of connections) and the daemon must answer like the real libvirtd
//! where libvirt answers, drop the client where libvirt drops it, keep serving everyone
//! else, never panic, and give back every descriptor and (nearly) all memory afterwards.
//!
//! Where the real libvirtd is available the protocol-level scenarios run against both
//! daemons and the outcomes (error code, domain and message, or "connection closed")
//! are compared.

mod common;

use common::{Libvirtd, Rvirtd};
use rvirt_rpc::packet::{encode_packet, program, Header, MsgType, Status, MESSAGE_MAX};
use rvirt_rpc::protocol::remote::{
    ConnectOpenArgs, ConnectSupportsFeatureArgs, DomainHasManagedSaveImageArgs,
    DomainLookupByNameArgs,
};
use rvirt_rpc::protocol::types::{Dom, RemoteError};
use rvirt_rpc::xdr;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

const CONNECT_OPEN: i32 = 1;
const CONNECT_CLOSE: i32 = 2;
const CONNECT_GET_TYPE: i32 = 3;
const DOMAIN_LOOKUP_BY_NAME: i32 = 23;
const CONNECT_SUPPORTS_FEATURE: i32 = 60;
const DOMAIN_HAS_MANAGED_SAVE_IMAGE: i32 = 183;
const CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: i32 = 316;
/// `VIR_DRV_FEATURE_PROGRAM_KEEPALIVE`.
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;

/// A reply as seen by the raw client.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    /// A reply with status OK (payload length).
    Ok(usize),
    /// An error reply: code, domain, message.
    Error(i32, i32, String),
    /// A packet that is not a reply to the call (type, proc).
    Other(i32, i32),
    /// The daemon closed the connection.
    Closed,
    /// Nothing arrived within the time limit and the connection is still open.
    Silent,
}

/// A client speaking raw packets.
struct Raw {
    s: UnixStream,
    serial: u32,
}

impl Raw {
    fn connect(sock: &Path) -> std::io::Result<Raw> {
        let s = UnixStream::connect(sock)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.set_write_timeout(Some(Duration::from_secs(10)))?;
        Ok(Raw { s, serial: 1 })
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.s.write_all(bytes)
    }

    fn header(&mut self, prog: u32, vers: u32, proc_: i32, kind: i32, status: i32) -> Header {
        self.serial += 1;
        Header {
            prog,
            vers,
            proc_,
            kind,
            serial: self.serial,
            status,
        }
    }

    /// Reads one packet; `Ok(None)` when the daemon closed the connection.
    fn read_packet(&mut self) -> std::io::Result<Option<(Header, Vec<u8>)>> {
        let mut len = [0u8; 4];
        match self.s.read_exact(&mut len) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
        let n = u32::from_be_bytes(len) as usize;
        if !(28..=MESSAGE_MAX + 4).contains(&n) {
            return Err(std::io::Error::other(format!(
                "bad length word {n} from the daemon"
            )));
        }
        let mut body = vec![0u8; n - 4];
        self.s.read_exact(&mut body)?;
        let mut r = xdr::Reader::new(&body);
        let h = Header::decode(&mut r).map_err(std::io::Error::other)?;
        Ok(Some((h, body[24..].to_vec())))
    }

    /// Waits for the reply to `serial` (or anything else that shows what happened).
    fn wait(&mut self, serial: u32, limit: Duration) -> Seen {
        let _ = self.s.set_read_timeout(Some(limit));
        let seen = loop {
            match self.read_packet() {
                Ok(None) => break Seen::Closed,
                Ok(Some((h, payload))) => {
                    if h.prog == program::KEEPALIVE {
                        continue;
                    }
                    if h.kind == MsgType::Reply as i32 && h.serial == serial {
                        if h.status == Status::Error as i32 {
                            break match xdr::from_bytes::<RemoteError>(&payload) {
                                Ok(e) => {
                                    Seen::Error(e.code, e.domain, e.message.unwrap_or_default())
                                }
                                Err(e) => Seen::Error(-1, -1, format!("undecodable error: {e}")),
                            };
                        }
                        break Seen::Ok(payload.len());
                    }
                    break Seen::Other(h.kind, h.proc_);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    break Seen::Silent
                }
                Err(_) => break Seen::Closed,
            }
        };
        let _ = self.s.set_read_timeout(Some(Duration::from_secs(10)));
        seen
    }

    /// Sends a packet with the given header fields and waits for what comes back.
    #[allow(clippy::too_many_arguments)] // one per header field, as on the wire
    fn exchange(
        &mut self,
        prog: u32,
        vers: u32,
        proc_: i32,
        kind: i32,
        status: i32,
        payload: &[u8],
        limit: Duration,
    ) -> Seen {
        let h = self.header(prog, vers, proc_, kind, status);
        if self.send(&encode_packet(&h, payload)).is_err() {
            return Seen::Closed;
        }
        self.wait(h.serial, limit)
    }

    fn call(&mut self, proc_: i32, payload: &[u8]) -> Seen {
        self.exchange(
            program::REMOTE,
            1,
            proc_,
            MsgType::Call as i32,
            Status::Ok as i32,
            payload,
            Duration::from_secs(10),
        )
    }

    fn open(&mut self) -> Seen {
        let args = ConnectOpenArgs {
            name: Some("test:///default".into()),
            flags: 0,
        };
        self.call(CONNECT_OPEN, &xdr::to_bytes(&args))
    }

    fn lookup(&mut self, name: &str) -> Seen {
        let args = DomainLookupByNameArgs { name: name.into() };
        self.call(DOMAIN_LOOKUP_BY_NAME, &xdr::to_bytes(&args))
    }

    /// Whether the daemon closes the connection (without sending anything) within `limit`.
    fn closed_within(&mut self, limit: Duration) -> bool {
        let _ = self.s.set_read_timeout(Some(limit));
        let mut b = [0u8; 64];
        let r = self.s.read(&mut b);
        matches!(r, Ok(0)) || matches!(&r, Err(e) if e.kind() == ErrorKind::ConnectionReset)
    }
}

/// A full normal session works: open, a lookup, close.
fn assert_serves(sock: &Path, what: &str) {
    let mut c = Raw::connect(sock).unwrap_or_else(|e| panic!("after {what}: connect: {e}"));
    assert!(
        matches!(c.open(), Seen::Ok(_)),
        "after {what}: CONNECT_OPEN failed"
    );
    assert!(
        matches!(c.lookup("test"), Seen::Ok(_)),
        "after {what}: lookup of 'test' failed"
    );
    assert!(
        matches!(c.call(CONNECT_CLOSE, &[]), Seen::Ok(_)),
        "after {what}: CONNECT_CLOSE failed"
    );
}

/// A protocol scenario on a fresh connection: what the daemon answers, and whether the
/// same connection still serves a call afterwards.
type Scenario = fn(&mut Raw) -> Seen;

fn scenarios() -> Vec<(&'static str, bool, Scenario)> {
    // (name, open the connection first, scenario)
    let v: Vec<(&'static str, bool, Scenario)> = vec![
        ("unknown program", true, |c| {
            c.exchange(0x1234_5678, 1, 1, 0, 0, &[], Duration::from_secs(5))
        }),
        ("unknown program with the high bit set", true, |c| {
            c.exchange(0x8000_0001, 1, 1, 0, 0, &[], Duration::from_secs(5))
        }),
        ("wrong version", true, |c| {
            c.exchange(
                program::REMOTE,
                2,
                CONNECT_GET_TYPE,
                0,
                0,
                &[],
                Duration::from_secs(5),
            )
        }),
        ("unknown procedure", true, |c| c.call(9999, &[])),
        ("procedure 0", true, |c| c.call(0, &[])),
        ("negative procedure", true, |c| c.call(-5, &[])),
        ("status error in a call", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                0,
                Status::Error as i32,
                &[],
                Duration::from_secs(5),
            )
        }),
        ("status 7 in a call", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                0,
                7,
                &[],
                Duration::from_secs(5),
            )
        }),
        ("status -1 in a call", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                0,
                -1,
                &[],
                Duration::from_secs(5),
            )
        }),
        ("unknown procedure with a bad status", true, |c| {
            c.exchange(program::REMOTE, 1, 9999, 0, 1, &[], Duration::from_secs(5))
        }),
        ("call with fds but none sent", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                MsgType::CallWithFds as i32,
                0,
                &[0, 0, 0, 0],
                Duration::from_secs(5),
            )
        }),
        ("call claiming more fds than allowed", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                MsgType::CallWithFds as i32,
                0,
                &[0, 0, 0, 33],
                Duration::from_secs(5),
            )
        }),
        ("stream data with no stream", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                3,
                2,
                &[1, 2, 3, 4],
                Duration::from_secs(1),
            )
        }),
        ("keepalive ping as a call", true, |c| {
            c.exchange(program::KEEPALIVE, 1, 1, 0, 0, &[], Duration::from_secs(1))
        }),
        ("message type 9", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                9,
                0,
                &[],
                Duration::from_secs(1),
            )
        }),
        ("reply sent by the client", true, |c| {
            c.exchange(
                program::REMOTE,
                1,
                CONNECT_GET_TYPE,
                1,
                0,
                &[],
                Duration::from_secs(1),
            )
        }),
        ("truncated arguments", true, |c| {
            c.call(DOMAIN_LOOKUP_BY_NAME, &[0, 0, 0])
        }),
        ("string longer than the packet", true, |c| {
            c.call(
                DOMAIN_LOOKUP_BY_NAME,
                &[0xff, 0xff, 0xff, 0xf0, b'a', b'b', 0, 0],
            )
        }),
        ("no arguments where some are needed", true, |c| {
            c.call(DOMAIN_LOOKUP_BY_NAME, &[])
        }),
        ("bad optional marker", true, |c| {
            c.call(CONNECT_OPEN, &[0, 0, 0, 7, 0, 0, 0, 0])
        }),
        ("call before CONNECT_OPEN", false, |c| {
            c.call(CONNECT_GET_TYPE, &[])
        }),
        ("lookup before CONNECT_OPEN", false, |c| c.lookup("test")),
        ("CONNECT_OPEN twice", true, |c| c.open()),
        ("unknown event id", true, |c| {
            let mut w = xdr::Writer::new();
            w.i32(9999);
            w.u32(0);
            c.call(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &w.buf)
        }),
    ];
    v
}

/// Runs every scenario against one daemon: `(name, answer, next call on the same connection)`.
fn probe(sock: &Path) -> Vec<(&'static str, Seen, Seen)> {
    scenarios()
        .into_iter()
        .map(|(name, open, f)| {
            let mut c = Raw::connect(sock).unwrap_or_else(|e| panic!("{name}: connect: {e}"));
            if open {
                assert!(
                    matches!(c.open(), Seen::Ok(_)),
                    "{name}: CONNECT_OPEN failed"
                );
            }
            let seen = f(&mut c);
            let after = if seen == Seen::Closed {
                Seen::Closed
            } else {
                c.lookup("test")
            };
            (name, seen, after)
        })
        .collect()
}

fn show(s: &Seen) -> String {
    match s {
        Seen::Ok(n) => format!("ok ({n} bytes)"),
        Seen::Error(c, d, m) => format!("error code {c} domain {d}: {m}"),
        Seen::Other(k, p) => format!("packet type {k} proc {p}"),
        Seen::Closed => "connection closed".into(),
        Seen::Silent => "no answer".into(),
    }
}

/// The same as `Seen`, with error messages left out (where only libvirt's wording differs).
fn shape(s: &Seen) -> Seen {
    match s {
        Seen::Error(c, d, _) => Seen::Error(*c, *d, String::new()),
        other => other.clone(),
    }
}

#[test]
fn protocol_errors_are_answered_like_libvirtd() {
    let mut rv = Rvirtd::start("proto");
    let got = probe(&rv.sock);
    rv.assert_healthy();
    assert_serves(&rv.sock, "the protocol scenarios");
    let lv = match Libvirtd::start("proto") {
        Ok(l) => Some(l),
        Err(e) => {
            common::skip("comparison with the real libvirtd", &e);
            None
        }
    };
    let want = lv.as_ref().map(|l| probe(&l.sock));
    let mut diffs = Vec::new();
    for (i, (name, seen, after)) in got.iter().enumerate() {
        eprintln!("{name}:\n  rvirtd:   {} / then {}", show(seen), show(after));
        if let Some(want) = &want {
            let (_, wseen, wafter) = &want[i];
            eprintln!("  libvirtd: {} / then {}", show(wseen), show(wafter));
            // Same error code and domain, same message, and the connection in the same
            // state afterwards.
            if seen != wseen || after != wafter {
                let what = if shape(seen) == shape(wseen) && shape(after) == shape(wafter) {
                    "message differs"
                } else {
                    "outcome differs"
                };
                diffs.push(format!(
                    "{name} ({what}):\n  rvirtd   {} / then {}\n  libvirtd {} / then {}",
                    show(seen),
                    show(after),
                    show(wseen),
                    show(wafter)
                ));
            }
        }
    }
    // The messages of unknown procedures are libvirt's exactly.
    let unknown = got
        .iter()
        .find(|(n, _, _)| *n == "unknown procedure")
        .map(|(_, s, _)| s.clone());
    assert_eq!(
        unknown,
        Some(Seen::Error(
            rvirt::ErrorCode::RPC.0,
            rvirt::ErrorDomain::RPC.0,
            "unknown procedure: 9999".into()
        ))
    );
    rv.assert_healthy();
    assert!(
        diffs.is_empty(),
        "outcomes differ from libvirtd:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn bad_length_words_drop_the_client() {
    let mut rv = Rvirtd::start("len");
    let cases: [(&str, Vec<u8>); 5] = [
        ("length 0", 0u32.to_be_bytes().to_vec()),
        ("length 3", 3u32.to_be_bytes().to_vec()),
        ("length 27", {
            let mut v = 27u32.to_be_bytes().to_vec();
            v.extend_from_slice(&[0u8; 23]);
            v
        }),
        (
            "length over 32 MiB + 4",
            ((MESSAGE_MAX + 5) as u32).to_be_bytes().to_vec(),
        ),
        ("length 0xffffffff", u32::MAX.to_be_bytes().to_vec()),
    ];
    for (what, bytes) in &cases {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(matches!(c.open(), Seen::Ok(_)), "{what}: open");
        let _ = c.send(bytes);
        assert!(
            c.closed_within(Duration::from_secs(5)),
            "{what}: the daemon kept the connection"
        );
        rv.assert_healthy();
        assert_serves(&rv.sock, what);
    }
}

#[test]
fn largest_packet_is_read_and_answered() {
    let mut rv = Rvirtd::start("max");
    let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(c.open(), Seen::Ok(_)));
    // A lookup whose name is longer than any string may be: the whole 32 MiB packet is
    // read, the argument refused, and the connection stays usable.
    let payload_len = MESSAGE_MAX - 24;
    let mut payload = Vec::with_capacity(payload_len);
    payload.extend_from_slice(&((payload_len - 4) as u32).to_be_bytes());
    payload.resize(payload_len, b'a');
    let seen = c.call(DOMAIN_LOOKUP_BY_NAME, &payload);
    assert!(
        matches!(seen, Seen::Error(..)),
        "expected an error reply, got {}",
        show(&seen)
    );
    assert!(matches!(c.lookup("test"), Seen::Ok(_)));
    rv.assert_healthy();
}

#[test]
fn truncated_and_interrupted_packets() {
    let mut rv = Rvirtd::start("trunc");
    // Half a length word, then gone.
    {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        let _ = c.send(&[0, 0]);
    }
    // A length word promising more than ever comes, then gone.
    {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        let mut v = 100u32.to_be_bytes().to_vec();
        v.extend_from_slice(&[0u8; 30]);
        let _ = c.send(&v);
    }
    // Half a header, the write side shut: the daemon must close its side.
    {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        let h = c.header(program::REMOTE, 1, CONNECT_GET_TYPE, 0, 0);
        let p = encode_packet(&h, &[]);
        let _ = c.send(&p[..14]);
        let _ = c.s.shutdown(std::net::Shutdown::Write);
        assert!(
            c.closed_within(Duration::from_secs(5)),
            "daemon kept a half-closed client with half a packet"
        );
    }
    // A whole call, then gone before the reply.
    for _ in 0..20 {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        let h = c.header(program::REMOTE, 1, DOMAIN_LOOKUP_BY_NAME, 0, 0);
        let args = DomainLookupByNameArgs {
            name: "test".into(),
        };
        let _ = c.send(&encode_packet(&h, &xdr::to_bytes(&args)));
    }
    // Half a call after a whole one, then gone.
    {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        let h = c.header(program::REMOTE, 1, CONNECT_GET_TYPE, 0, 0);
        let p = encode_packet(&h, &[]);
        let mut v = p.clone();
        v.extend_from_slice(&p[..20]);
        let _ = c.send(&v);
    }
    std::thread::sleep(Duration::from_millis(200));
    rv.assert_healthy();
    assert_serves(&rv.sock, "truncated packets");
}

#[test]
fn stalled_client_does_not_block_others() {
    let mut rv = Rvirtd::start("stall");
    let base_fds = settle_fds(&rv, None);
    let mut stalled = Vec::new();
    for i in 0..10 {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        // Half a packet (or a huge promised length) and then nothing.
        let bytes = if i % 2 == 0 {
            let h = c.header(program::REMOTE, 1, DOMAIN_LOOKUP_BY_NAME, 0, 0);
            let p = encode_packet(
                &h,
                &xdr::to_bytes(&DomainLookupByNameArgs { name: "t".into() }),
            );
            p[..p.len() / 2].to_vec()
        } else {
            let mut v = ((MESSAGE_MAX + 4) as u32).to_be_bytes().to_vec();
            v.extend_from_slice(&[0u8; 100]);
            v
        };
        let _ = c.send(&bytes);
        stalled.push(c);
    }
    // A client that sends many calls and never reads its replies.
    let mut deaf = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(deaf.open(), Seen::Ok(_)));
    let _ = deaf.s.set_nonblocking(true);
    let args = xdr::to_bytes(&DomainLookupByNameArgs {
        name: "test".into(),
    });
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < Duration::from_secs(3) && sent < 200_000 {
        let h = deaf.header(program::REMOTE, 1, DOMAIN_LOOKUP_BY_NAME, 0, 0);
        match deaf.s.write_all(&encode_packet(&h, &args)) {
            Ok(()) => sent += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => break,
        }
    }
    eprintln!("deaf client queued {sent} calls before the daemon stopped reading");
    let t = Instant::now();
    for _ in 0..20 {
        assert_serves(&rv.sock, "stalled clients");
    }
    eprintln!(
        "20 sessions beside the stalled clients took {:?}",
        t.elapsed()
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "stalled clients slowed everyone down"
    );
    rv.assert_healthy();
    drop(stalled);
    drop(deaf);
    let after = settle_fds(&rv, Some(base_fds));
    assert!(
        after <= base_fds + 2,
        "descriptors not given back after the stalled clients left: {base_fds} -> {after}"
    );
    assert_serves(&rv.sock, "stalled clients left");
}

/// Waits until the daemon's fd count stops changing (or reaches `target`) and returns it.
fn settle_fds(rv: &Rvirtd, target: Option<usize>) -> usize {
    let start = Instant::now();
    let mut last = rv.fd_count();
    let mut stable = 0;
    while start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        let n = rv.fd_count();
        if target.is_some_and(|t| n <= t) {
            return n;
        }
        if n == last {
            stable += 1;
            if stable >= 6 && target.is_none() {
                return n;
            }
        } else {
            stable = 0;
            last = n;
        }
    }
    last
}

#[test]
fn thousand_clients_at_once() {
    let mut rv = Rvirtd::start("flood");
    let fds0 = settle_fds(&rv, None);
    let sock = rv.sock.clone();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(1000));
    let start = Instant::now();
    let handles: Vec<_> = (0..1000)
        .map(|_| {
            let (sock, barrier) = (sock.clone(), barrier.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    barrier.wait();
                    let mut c = match Raw::connect(&sock) {
                        Ok(c) => c,
                        Err(e) => return Err(format!("refused: {e}")),
                    };
                    match c.open() {
                        Seen::Ok(_) => {}
                        Seen::Closed => return Err("closed".into()),
                        other => return Ok(Some(format!("open answered {}", show(&other)))),
                    }
                    match c.lookup("test") {
                        Seen::Ok(_) => Ok(None),
                        Seen::Closed => Err("closed".into()),
                        other => Ok(Some(format!("lookup answered {}", show(&other)))),
                    }
                })
        })
        .filter_map(|h| h.ok())
        .collect();
    let mut served = 0;
    let mut refused = 0;
    let mut wrong = Vec::new();
    let spawned = handles.len();
    for h in handles {
        match h.join() {
            Ok(Ok(None)) => served += 1,
            Ok(Ok(Some(w))) => wrong.push(w),
            Ok(Err(_)) => refused += 1,
            Err(_) => wrong.push("client thread panicked".into()),
        }
    }
    eprintln!(
        "{spawned} clients: {served} served, {refused} refused cleanly, {} wrong, in {:?}",
        wrong.len(),
        start.elapsed()
    );
    assert!(wrong.is_empty(), "{wrong:?}");
    assert_eq!(served + refused, spawned);
    // The daemon takes up to max_clients (5000 by default) and the kernel's backlog holds
    // a thousand waiting connections: every client must be served.
    assert_eq!(served, 1000, "{refused} clients were refused or dropped");
    rv.assert_healthy();
    assert_serves(&rv.sock, "1000 clients");
    let fds1 = settle_fds(&rv, Some(fds0));
    assert!(
        fds1 <= fds0 + 1,
        "descriptors not given back after 1000 clients: {fds0} -> {fds1}"
    );
}

#[test]
fn no_leak_over_many_connections() {
    let mut rv = Rvirtd::start("leak");
    let cycle = |rv: &Rvirtd, i: usize| {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        match i % 4 {
            0 => {
                // An event registration left behind on disconnect.
                let mut w = xdr::Writer::new();
                w.i32(0);
                w.u32(0);
                assert!(matches!(
                    c.call(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &w.buf),
                    Seen::Ok(_)
                ));
            }
            1 => {
                let _ = c.lookup("nosuch");
            }
            2 => {
                // Gone with a call in flight.
                let h = c.header(program::REMOTE, 1, DOMAIN_LOOKUP_BY_NAME, 0, 0);
                let _ = c.send(&encode_packet(
                    &h,
                    &xdr::to_bytes(&DomainLookupByNameArgs {
                        name: "test".into(),
                    }),
                ));
            }
            _ => {
                assert!(matches!(c.lookup("test"), Seen::Ok(_)));
                let _ = c.call(CONNECT_CLOSE, &[]);
            }
        }
    };
    for i in 0..400 {
        cycle(&rv, i);
    }
    let fds0 = settle_fds(&rv, None);
    std::thread::sleep(Duration::from_millis(300));
    let rss0 = rv.rss_kib();
    let threads0 = rv.threads();
    let t = Instant::now();
    let n = 4000;
    for i in 0..n {
        cycle(&rv, i);
    }
    let elapsed = t.elapsed();
    let fds1 = settle_fds(&rv, Some(fds0));
    std::thread::sleep(Duration::from_millis(300));
    let rss1 = rv.rss_kib();
    let threads1 = rv.threads();
    eprintln!(
        "{n} sessions in {elapsed:?}: fds {fds0} -> {fds1}, RSS {rss0} -> {rss1} KiB, threads {threads0} -> {threads1}"
    );
    assert!(fds1 <= fds0 + 1, "descriptors leak: {fds0} -> {fds1}");
    assert!(
        rss1 <= rss0 + 4096,
        "memory grows with connections: {rss0} -> {rss1} KiB"
    );
    rv.assert_healthy();
}

/// The arguments of a call the daemon runs on its worker pool (not in line), about the
/// test driver's initial domain.
fn pool_call_args() -> Vec<u8> {
    xdr::to_bytes(&DomainHasManagedSaveImageArgs {
        dom: Dom {
            name: "test".into(),
            uuid: uuid::Uuid::from_u128(0x6695eb01_f6a4_8304_79aa_97f2502e193f),
            id: 1,
        },
        flags: 0,
    })
}

/// Sends pool-dispatched calls without ever reading, until the daemon stops reading them
/// (the socket buffers are full) or `limit` passes. Returns how many were sent.
fn flood_without_reading(c: &mut Raw, limit: Duration) -> usize {
    let args = pool_call_args();
    let _ = c.s.set_nonblocking(true);
    let start = Instant::now();
    let mut sent = 0;
    let mut pending: Vec<u8> = Vec::new();
    while start.elapsed() < limit {
        if pending.is_empty() {
            let h = c.header(program::REMOTE, 1, DOMAIN_HAS_MANAGED_SAVE_IMAGE, 0, 0);
            pending = encode_packet(&h, &args);
        }
        match c.s.write(&pending) {
            Ok(n) => {
                pending.drain(..n);
                if pending.is_empty() {
                    sent += 1;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                // Full for a moment, or for good: give the daemon a chance, then stop
                // once nothing moves any more.
                std::thread::sleep(Duration::from_millis(20));
                match c.s.write(&pending) {
                    Ok(n) => {
                        pending.drain(..n);
                        if pending.is_empty() {
                            sent += 1;
                        }
                    }
                    Err(_) => break,
                }
            }
            Err(_) => break,
        }
    }
    let _ = c.s.set_nonblocking(false);
    sent
}

#[test]
fn clients_that_never_read_do_not_starve_the_workers() {
    // More clients, each with its full share of requests in flight, than the daemon has
    // worker threads: none of them may hold a worker while its replies cannot be written.
    let mut rv = Rvirtd::start_in(
        "deaf",
        Path::new("/"),
        &["max_workers = 4", "max_client_requests = 5"],
    );
    let mut deaf = Vec::new();
    for _ in 0..8 {
        let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.open(), Seen::Ok(_)));
        let sent = flood_without_reading(&mut c, Duration::from_secs(3));
        deaf.push((c, sent));
    }
    eprintln!(
        "calls sent by the deaf clients before the daemon stopped reading: {:?}",
        deaf.iter().map(|(_, n)| *n).collect::<Vec<_>>()
    );
    let t = Instant::now();
    let mut c = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(c.open(), Seen::Ok(_)));
    let seen = c.exchange(
        program::REMOTE,
        1,
        DOMAIN_HAS_MANAGED_SAVE_IMAGE,
        0,
        0,
        &pool_call_args(),
        Duration::from_secs(5),
    );
    assert!(
        matches!(seen, Seen::Ok(_)),
        "a worker-pool call of a normal client was not answered beside clients that do not \
         read: {}",
        show(&seen)
    );
    eprintln!(
        "pool call beside 8 deaf clients answered in {:?}",
        t.elapsed()
    );
    rv.assert_healthy();
    drop(deaf);
    assert_serves(&rv.sock, "deaf clients left");
}

/// Asks for keepalive (the daemon pings it from then on).
fn enable_keepalive(c: &mut Raw) {
    let args = xdr::to_bytes(&ConnectSupportsFeatureArgs {
        feature: FEATURE_PROGRAM_KEEPALIVE,
    });
    assert!(matches!(
        c.call(CONNECT_SUPPORTS_FEATURE, &args),
        Seen::Ok(_)
    ));
}

#[test]
fn keepalive_drops_silent_and_stuck_clients() {
    let mut rv = Rvirtd::start_in(
        "keepalive",
        Path::new("/"),
        &["keepalive_interval = 1", "keepalive_count = 2"],
    );
    let base = settle_fds(&rv, None);
    // A client that asked for keepalive and then never answers a ping.
    let mut silent = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(silent.open(), Seen::Ok(_)));
    enable_keepalive(&mut silent);
    // A client that asked for keepalive, filled its socket with calls and never reads:
    // the daemon cannot even write its pings, and must drop it all the same.
    let mut stuck = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(stuck.open(), Seen::Ok(_)));
    enable_keepalive(&mut stuck);
    let sent = flood_without_reading(&mut stuck, Duration::from_secs(2));
    eprintln!("the stuck client sent {sent} calls");
    // A client that answers pings stays.
    let mut alive = Raw::connect(&rv.sock).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(alive.open(), Seen::Ok(_)));
    enable_keepalive(&mut alive);

    let start = Instant::now();
    let mut silent_closed = None;
    let _ = silent.s.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = alive.s.set_read_timeout(Some(Duration::from_millis(200)));
    let mut pings = 0;
    while start.elapsed() < Duration::from_secs(12) && silent_closed.is_none() {
        // The silent client reads (so it sees pings and the close) but never answers.
        match silent.read_packet() {
            Ok(None) => silent_closed = Some(start.elapsed()),
            Ok(Some((h, _))) if h.prog == program::KEEPALIVE => pings += 1,
            _ => {}
        }
        // The live client answers every ping with a pong.
        if let Ok(Some((h, _))) = alive.read_packet() {
            if h.prog == program::KEEPALIVE && h.proc_ == 1 {
                let pong = Header::new(program::KEEPALIVE, 2, MsgType::Message, 0, Status::Ok);
                let _ = alive.send(&encode_packet(&pong, &[]));
            }
        }
    }
    eprintln!("silent client: {pings} pings, closed after {silent_closed:?}");
    assert!(
        silent_closed.is_some(),
        "a client that never answered pings was not dropped"
    );
    // The stuck client's descriptor is given back although the client still holds its
    // end open: the daemon gave up writing to it.
    let after = settle_fds(&rv, Some(base + 1));
    assert!(
        after <= base + 1,
        "the stuck client was not dropped: {base} -> {after} descriptors"
    );
    let _ = alive.s.set_read_timeout(Some(Duration::from_secs(10)));
    assert!(
        matches!(alive.lookup("test"), Seen::Ok(_)),
        "the client answering pings was dropped"
    );
    rv.assert_healthy();
    drop(stuck);
}
