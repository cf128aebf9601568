//! The QEMU program (`libvirt-qemu`) on the wire: every procedure, called with all-zero
//! arguments and with a few real ones on the read-write and the read-only socket of each
//! daemon (test driver behind both), gets the same answer from rvirtd as from libvirtd:
//! the same code, error domain and message (libvirt-qemu's errors carry no domain), and
//! unknown procedures get libvirtd's "unknown procedure".

mod common;

use common::{skip, Libvirtd, Rvirtd};
use rvirt_rpc::packet::{encode_packet, program, Header, MsgType, Status};
use rvirt_rpc::protocol::qemu::*;
use rvirt_rpc::protocol::remote::ConnectOpenArgs;
use rvirt_rpc::protocol::types::{Dom, RemoteError};
use rvirt_rpc::xdr;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Ok(Vec<u8>),
    Error(i32, i32, String),
    Gone,
}

struct Conn {
    s: UnixStream,
    serial: u32,
}

impl Conn {
    fn open(sock: &Path) -> Conn {
        let s = UnixStream::connect(sock).unwrap_or_else(|e| panic!("{}: {e}", sock.display()));
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut c = Conn { s, serial: 0 };
        let args = ConnectOpenArgs {
            name: Some("test:///default".into()),
            flags: 0,
        };
        let open = c.call(program::REMOTE, 1, &xdr::to_bytes(&args));
        assert_eq!(open, Answer::Ok(Vec::new()), "open");
        c
    }

    fn call(&mut self, prog: u32, proc_: i32, payload: &[u8]) -> Answer {
        self.serial += 1;
        let h = Header::new(prog, proc_, MsgType::Call, self.serial, Status::Ok);
        if self.s.write_all(&encode_packet(&h, payload)).is_err() {
            return Answer::Gone;
        }
        loop {
            let mut len = [0u8; 4];
            if self.s.read_exact(&mut len).is_err() {
                return Answer::Gone;
            }
            let n = u32::from_be_bytes(len) as usize;
            if n < 28 {
                return Answer::Gone;
            }
            let mut body = vec![0u8; n - 4];
            if self.s.read_exact(&mut body).is_err() {
                return Answer::Gone;
            }
            let Ok(rh) = Header::decode(&mut xdr::Reader::new(&body)) else {
                return Answer::Gone;
            };
            if rh.kind != MsgType::Reply as i32 || rh.serial != self.serial {
                continue;
            }
            if rh.status == Status::Ok as i32 {
                return Answer::Ok(body[24..].to_vec());
            }
            return match xdr::from_bytes::<RemoteError>(&body[24..]) {
                Ok(e) => Answer::Error(e.code, e.domain, e.message.unwrap_or_default()),
                Err(e) => Answer::Error(-1, -1, format!("undecodable error: {e}")),
            };
        }
    }
}

/// The calls made on each socket: `(label, procedure, arguments)`.
fn calls() -> Vec<(String, i32, Vec<u8>)> {
    let test = Dom {
        name: "test".into(),
        uuid: uuid::Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap_or_default(),
        id: 1,
    };
    // Declared procedures get their own all-zero encoding (rvirtd does not read past
    // the arguments), the others a block of zeros.
    let mut v: Vec<(String, i32, Vec<u8>)> = (1..=9)
        .map(|n| {
            let args = default_args(n).unwrap_or_else(|| vec![0u8; 256]);
            (format!("zeros {n}"), n, args)
        })
        .collect();
    let cmd = QemuDomainMonitorCommandArgs {
        dom: test.clone(),
        cmd: r#"{"execute":"query-status"}"#.into(),
        flags: 0,
    };
    v.push(("monitor command".into(), 1, xdr::to_bytes(&cmd)));
    v.push((
        "monitor command with files, none".into(),
        7,
        xdr::to_bytes(&cmd),
    ));
    let hmp = QemuDomainMonitorCommandArgs { flags: 1, ..cmd };
    v.push(("hmp".into(), 1, xdr::to_bytes(&hmp)));
    let agent = QemuDomainAgentCommandArgs {
        dom: test,
        cmd: "{}".into(),
        timeout: -2,
        flags: 0,
    };
    v.push(("agent".into(), 3, xdr::to_bytes(&agent)));
    for pid in [1u32, 4242] {
        let a = QemuDomainAttachArgs {
            pid_value: pid,
            flags: 0,
        };
        v.push((format!("attach {pid}"), 2, xdr::to_bytes(&a)));
    }
    let reg = QemuConnectDomainMonitorEventRegisterArgs {
        dom: None,
        event: Some("SHUTDOWN".into()),
        flags: 0,
    };
    v.push(("event register".into(), 4, xdr::to_bytes(&reg)));
    let dereg = QemuConnectDomainMonitorEventDeregisterArgs { callback_id: 3 };
    v.push(("event deregister".into(), 5, xdr::to_bytes(&dereg)));
    v
}

fn sweep(sock: &Path) -> Vec<(String, Answer)> {
    let mut c = Conn::open(sock);
    let mut out = Vec::new();
    for (label, n, args) in calls() {
        let a = c.call(program::QEMU, n, &args);
        if a == Answer::Gone {
            c = Conn::open(sock);
        }
        out.push((label, a));
    }
    out
}

#[test]
fn qemu_program_is_answered_as_libvirtd_answers_it() {
    let lv = match Libvirtd::start("qemu-prog") {
        Ok(l) => l,
        Err(why) => return skip("qemu program", &why),
    };
    let mut rv = Rvirtd::start("qemu-prog");
    let mut wrong = Vec::new();
    for (theirs, ours, which) in [
        (&lv.sock, &rv.sock, "read-write"),
        (&lv.ro_sock, &rv.ro_sock, "read-only"),
    ] {
        let want = sweep(theirs);
        let got = sweep(ours);
        for ((label, w), (_, g)) in want.iter().zip(&got) {
            if w != g {
                wrong.push(format!("{which} {label}: libvirtd {w:?}, rvirtd {g:?}"));
            }
        }
        // Sanity: the refusals really are libvirt-qemu's (no error domain).
        assert!(want
            .iter()
            .any(|(_, a)| matches!(a, Answer::Error(_, 0, m) if m.contains("virDomainQemu"))));
    }
    rv.assert_healthy();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
