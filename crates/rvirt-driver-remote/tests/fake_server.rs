//! The connection core against a scripted server: replies matched by serial when they come
//! back out of order, the legacy event registration (one server registration per event id,
//! fanned out and filtered here), an event that follows its registration's reply at once,
//! the server's keepalive ping answered, and `CONNECT_CLOSE` on drop; the client's
//! keepalive giving up on a silent server, between calls and during one.

use rvirt_core::driver::ConnectDriver;
use rvirt_core::event::{Event, EventCallback};
use rvirt_core::{ConnectUri, DomainRef};
use rvirt_driver_remote::{Options, RemoteConnectDriver};
use rvirt_rpc::packet::{
    body_len, encode_packet, keepalive, program, Header, MsgType, Packet, Status,
};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::Dom;
use rvirt_rpc::protocol::{EventMessage, Procedure};
use rvirt_rpc::xdr::{from_bytes, to_bytes};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// What the server saw: `(program, procedure)` of each packet.
type Seen = Arc<Mutex<Vec<(u32, i32)>>>;

/// Serves one client; with `keepalive`, claims keepalive support and then never answers a
/// ping.
fn serve(mut s: UnixStream, seen: Seen, keepalive: bool) {
    let mut held: Vec<(Header, String)> = Vec::new();
    while let Some(p) = read_packet(&mut s) {
        let h = p.header;
        seen.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((h.prog, h.proc_));
        if h.prog == program::KEEPALIVE {
            continue;
        }
        match h.proc_ {
            AuthList::NUM => reply(&mut s, &h, to_bytes(&AuthListRet { types: vec![0] })),
            // No keepalive, no callback-style events: the legacy paths are exercised.
            ConnectSupportsFeature::NUM => {
                let a: ConnectSupportsFeatureArgs = from_bytes(&p.payload).expect("args");
                let supported = (keepalive && a.feature == 10) as i32;
                reply(
                    &mut s,
                    &h,
                    to_bytes(&ConnectSupportsFeatureRet { supported }),
                )
            }
            ConnectOpen::NUM | ConnectClose::NUM | ConnectDomainEventDeregisterAny::NUM => {
                reply(&mut s, &h, Vec::new())
            }
            DomainLookupByName::NUM => {
                let a: DomainLookupByNameArgs = from_bytes(&p.payload).expect("args");
                held.push((h, a.name));
                // Answer two lookups at once, the later one first.
                if held.len() == 2 {
                    for (h, name) in held.drain(..).rev() {
                        let dom = Dom {
                            name,
                            uuid: uuid::Uuid::nil(),
                            id: 7,
                        };
                        reply(&mut s, &h, to_bytes(&DomainLookupByNameRet { dom }));
                    }
                }
            }
            ConnectDomainEventRegisterAny::NUM => {
                reply(&mut s, &h, Vec::new());
                // An event right behind the reply, then a ping.
                let ev = Header::new(
                    program::REMOTE,
                    DomainEventLifecycle::NUM,
                    MsgType::Message,
                    1,
                    Status::Ok,
                );
                let msg = DomainEventLifecycleMsg {
                    dom: Dom {
                        name: "ev".into(),
                        uuid: uuid::Uuid::nil(),
                        id: 3,
                    },
                    event: 2,
                    detail: 0,
                };
                let _ = s.write_all(&encode_packet(&ev, &to_bytes(&msg)));
                let ping = Header::new(
                    program::KEEPALIVE,
                    keepalive::PING,
                    MsgType::Message,
                    0,
                    Status::Ok,
                );
                let _ = s.write_all(&encode_packet(&ping, &[]));
            }
            other => panic!("unexpected procedure {other}"),
        }
    }
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn scripted_server() {
    let dir = std::env::temp_dir().join(format!("rvirt-remote-fake-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let sock = dir.join("sock");
    let listener = UnixListener::bind(&sock).expect("bind");
    let seen: Seen = Arc::default();
    let server_seen = seen.clone();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().expect("accept");
        serve(s, server_seen, false);
    });

    let uri =
        ConnectUri::parse(&format!("test+unix:///default?socket={}", sock.display())).expect("uri");
    let d = RemoteConnectDriver::default().open(&uri, 0).expect("open");

    // Two concurrent lookups, answered in reverse order: each gets its own reply.
    let hv = d.hypervisor.clone();
    let a = std::thread::spawn(move || hv.domain_lookup_by_name("alpha").expect("alpha"));
    assert!(wait_until(Duration::from_secs(5), || seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&(program::REMOTE, DomainLookupByName::NUM))));
    let b = d.hypervisor.domain_lookup_by_name("beta").expect("beta");
    let a = a.join().expect("thread");
    assert_eq!((a.name.as_str(), b.name.as_str()), ("alpha", "beta"));

    // Legacy registrations: one on the server for three local ones.
    let got: Arc<Mutex<Vec<(i32, String)>>> = Arc::default();
    let cb = |tag: &'static str| -> EventCallback {
        let got = got.clone();
        Arc::new(move |_, ev: &Event| {
            if let Event::Domain { dom, .. } = ev {
                got.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((dom.id, format!("{tag}:{}", dom.name)));
            }
        })
    };
    let r1 = d
        .hypervisor
        .domain_event_register_any(None, 0, cb("all"))
        .expect("register");
    // The event sent right after the first registration's reply reached it.
    assert!(wait_until(Duration::from_secs(5), || !got
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()));
    assert_eq!(
        got.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        vec![(3, "all:ev".to_string())]
    );
    let other = DomainRef {
        name: "other".into(),
        uuid: uuid::Uuid::from_u128(1),
        id: -1,
    };
    let r2 = d
        .hypervisor
        .domain_event_register_any(Some(&other), 0, cb("other-only"))
        .expect("register");
    let r3 = d
        .hypervisor
        .domain_event_register_any(None, 0, cb("all-2"))
        .expect("register");
    for id in [r1, r2, r3] {
        d.hypervisor
            .domain_event_deregister_any(id)
            .expect("deregister");
    }
    let e = d
        .hypervisor
        .domain_event_deregister_any(r1)
        .expect_err("gone");
    assert_eq!(e.message, "could not find event callback 0 for deletion");

    // The ping was answered.
    assert!(wait_until(Duration::from_secs(5), || seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&(program::KEEPALIVE, keepalive::PONG))));

    drop(d);
    server.join().expect("server");
    let procs: Vec<i32> = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(prog, _)| *prog == program::REMOTE)
        .map(|(_, p)| *p)
        .collect();
    assert_eq!(
        procs,
        vec![
            AuthList::NUM,
            ConnectSupportsFeature::NUM,
            ConnectOpen::NUM,
            ConnectSupportsFeature::NUM,
            ConnectSupportsFeature::NUM,
            DomainLookupByName::NUM,
            DomainLookupByName::NUM,
            ConnectDomainEventRegisterAny::NUM,
            ConnectDomainEventDeregisterAny::NUM,
            ConnectClose::NUM,
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn client_gives_up_on_a_silent_server() {
    let dir = std::env::temp_dir().join(format!("rvirt-remote-silent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let sock = dir.join("sock");
    let listener = UnixListener::bind(&sock).expect("bind");
    let seen: Seen = Arc::default();
    let server_seen = seen.clone();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().expect("accept");
        serve(s, server_seen, true);
    });
    let uri =
        ConnectUri::parse(&format!("test+unix:///default?socket={}", sock.display())).expect("uri");
    let driver = RemoteConnectDriver {
        options: Options {
            keepalive_interval: Duration::from_millis(100),
            keepalive_count: 2,
        },
    };
    let d = driver.open(&uri, 0).expect("open");
    std::thread::sleep(Duration::from_millis(1000));
    let e = d
        .hypervisor
        .domain_lookup_by_name("x")
        .expect_err("given up");
    assert_eq!(
        (e.code.0, e.domain.0, e.message.as_str()),
        (
            1,
            7,
            "internal error: connection closed due to keepalive timeout"
        )
    );
    let e = d.hypervisor.domain_lookup_by_name("x").expect_err("closed");
    assert_eq!(e.message, "internal error: client socket is closed");
    drop(d);
    server.join().expect("server");
    let pings = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|p| **p == (program::KEEPALIVE, keepalive::PING))
        .count();
    assert_eq!(pings, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn client_keepalive_runs_during_a_call() {
    let dir = std::env::temp_dir().join(format!("rvirt-remote-busy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let sock = dir.join("sock");
    let listener = UnixListener::bind(&sock).expect("bind");
    let seen: Seen = Arc::default();
    let server_seen = seen.clone();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().expect("accept");
        serve(s, server_seen, true);
    });
    let uri =
        ConnectUri::parse(&format!("test+unix:///default?socket={}", sock.display())).expect("uri");
    let driver = RemoteConnectDriver {
        options: Options {
            keepalive_interval: Duration::from_millis(100),
            keepalive_count: 2,
        },
    };
    let d = driver.open(&uri, 0).expect("open");
    // The server holds a lone lookup forever and ignores pings: the client's keepalive,
    // not the call, ends the wait.
    let t = Instant::now();
    let e = d
        .hypervisor
        .domain_lookup_by_name("held")
        .expect_err("given up");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(
        e.message,
        "internal error: connection closed due to keepalive timeout"
    );
    let e = d.hypervisor.domain_lookup_by_name("x").expect_err("closed");
    assert_eq!(e.message, "internal error: client socket is closed");
    drop(d);
    server.join().expect("server");
    let pings = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|p| **p == (program::KEEPALIVE, keepalive::PING))
        .count();
    assert_eq!(pings, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
