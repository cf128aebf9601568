//! Acceptance: on the read-only socket every REMOTE procedure is answered as the real
//! libvirtd answers it. Each of libvirt 9.0's 443 procedures is called once on each
//! daemon's read-only socket, with arguments that decode (every field zero or empty), and
//! the answers are compared: a call libvirtd refuses with "operation forbidden" must be
//! refused by rvirtd with the same code, error domain and message, and a call libvirtd
//! lets through must not be refused by rvirtd. (`SWEEP_DUMP=1` prints every answer.)

mod common;

use common::{skip, Libvirtd, Rvirtd};
use rvirt_rpc::packet::{encode_packet, program, Header, MsgType, Status};
use rvirt_rpc::protocol::remote::{default_args, ConnectOpenArgs};
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::xdr;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// `VIR_ERR_OPERATION_DENIED`.
const DENIED: i32 = 29;

/// Procedures not probed: opening and closing the connection and authentication change
/// the session itself rather than asking the driver for something.
const NOT_PROBED: [i32; 7] = [1, 2, 66, 67, 68, 69, 70];

#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Ok,
    /// Code, error domain, message.
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
        assert_eq!(c.call(1, &xdr::to_bytes(&args)), Answer::Ok, "open");
        c
    }

    fn call(&mut self, proc_: i32, payload: &[u8]) -> Answer {
        self.serial += 1;
        let h = Header::new(
            program::REMOTE,
            proc_,
            MsgType::Call,
            self.serial,
            Status::Ok,
        );
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
                continue; // events, keepalive, stream data of an earlier call
            }
            if rh.status == Status::Ok as i32 {
                return Answer::Ok;
            }
            return match xdr::from_bytes::<RemoteError>(&body[24..]) {
                Ok(e) => Answer::Error(e.code, e.domain, e.message.unwrap_or_default()),
                Err(e) => Answer::Error(-1, -1, format!("undecodable error: {e}")),
            };
        }
    }
}

/// Calls every procedure on `sock`, reconnecting when a call drops the connection.
fn sweep(sock: &Path) -> BTreeMap<i32, Answer> {
    let mut out = BTreeMap::new();
    let mut c = Conn::open(sock);
    for n in 1..=443 {
        if NOT_PROBED.contains(&n) {
            continue;
        }
        // Declared procedures get their own argument encoding; the others a block of
        // zeros, which libvirt's decoders read as the same all-zero arguments.
        let args = default_args(n).unwrap_or_else(|| vec![0u8; 256]);
        let a = c.call(n, &args);
        if a == Answer::Gone {
            c = Conn::open(sock);
        }
        out.insert(n, a);
    }
    out
}

fn denied(a: &Answer) -> bool {
    matches!(a, Answer::Error(DENIED, _, _))
}

#[test]
fn every_procedure_is_refused_or_served_on_the_read_only_socket_as_libvirtd_does() {
    let lv = match Libvirtd::start("ro-sweep") {
        Ok(l) => l,
        Err(why) => return skip("readonly sweep", &why),
    };
    let mut rv = Rvirtd::start("ro-sweep");
    let theirs = sweep(&lv.ro_sock);
    let ours = sweep(&rv.ro_sock);
    rv.assert_healthy();
    let mut wrong = Vec::new();
    let mut refused = 0;
    for (n, want) in &theirs {
        let got = &ours[n];
        let name = rvirt_rpc::names::remote_procedure_name(*n).unwrap_or("?");
        if denied(want) {
            refused += 1;
            if got != want {
                wrong.push(format!("{n} {name}: libvirtd {want:?}, rvirtd {got:?}"));
            }
        } else if denied(got) {
            wrong.push(format!(
                "{n} {name}: libvirtd {want:?}, rvirtd refused: {got:?}"
            ));
        }
    }
    if std::env::var_os("SWEEP_DUMP").is_some() {
        for (n, a) in &theirs {
            eprintln!("{n} lv={a:?} rv={:?}", ours[n]);
        }
    }
    assert!(refused > 150, "libvirtd refused only {refused} procedures");
    assert!(
        wrong.is_empty(),
        "{} of {} procedures answered differently on the read-only socket:\n{}",
        wrong.len(),
        theirs.len(),
        wrong.join("\n")
    );
}
