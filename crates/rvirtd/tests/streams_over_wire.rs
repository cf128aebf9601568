//! Streams over the wire: the test driver's screenshot fetched by real virsh, by rvirsh
//! (through the remote driver) and by python3-libvirt from rvirtd and from the real
//! libvirtd, which must give the same bytes and print the same; raw stream packets
//! (abort midway, finish before the end, data on a read stream, unknown statuses and
//! serials) answered as libvirtd answers them; and clients that leave with streams open,
//! after which the daemon keeps serving and gives back every descriptor and thread.

mod common;

use common::*;
use rvirt_rpc::packet::{encode_packet, program, Header, MsgType, Status};
use rvirt_rpc::protocol::remote::{
    ConnectOpenArgs, DomainLookupByNameArgs, DomainLookupByNameRet, DomainScreenshotArgs,
};
use rvirt_rpc::protocol::types::{Dom, RemoteError};
use rvirt_rpc::xdr;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";
const DOMAIN_SCREENSHOT: i32 = 211;

fn reference() -> Option<Vec<u8>> {
    std::fs::read(SCREENSHOT).ok()
}

/// rvirsh, built beside this test.
fn rvirsh_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("rvirsh");
    p.is_file().then_some(p)
}

/// Runs a virsh-compatible client in `cwd` with the golden recordings' environment.
fn client(bin: &Path, cwd: &Path, args: &[&str]) -> Outcome {
    let mut c = Command::new(bin);
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", cwd)
        .env("LC_ALL", "C")
        .args(args);
    run(c, None, Duration::from_secs(20))
}

/// What one client printed for each screenshot case against one daemon, and whether the
/// files it wrote hold the reference image.
fn screenshot_cases(bin: &Path, uri: &str, ro_uri: &str) -> Vec<String> {
    let want = reference().expect("reference image");
    let dir = TempDir::new("shots");
    let cwd = dir.path();
    let mut t = Vec::new();
    let mut case = |name: &str, uri: &str, cmd: &str, file: Option<&str>| {
        let out = client(bin, cwd, &["-c", uri, cmd]);
        let stdout = mask_time(&out.stdout);
        t.push(format!(
            "{name}: rc={} stdout={stdout:?} stderr={:?}",
            out.rc, out.stderr
        ));
        if let Some(f) = file {
            let got = std::fs::read(cwd.join(f)).ok();
            t.push(format!(
                "{name}: file {f}: {}",
                match got {
                    Some(b) if b == want => "the reference image".to_string(),
                    Some(b) => format!("{} other bytes", b.len()),
                    None => "missing".to_string(),
                }
            ));
            let _ = std::fs::remove_file(cwd.join(f));
        }
    };
    case("named", uri, "screenshot test shot.png", Some("shot.png"));
    case(
        "options",
        uri,
        "screenshot --domain 1 --file opt.png --screen 3",
        Some("opt.png"),
    );
    std::fs::write(
        cwd.join("old.png"),
        b"previous contents, longer than nothing",
    )
    .expect("write");
    case("overwrite", uri, "screenshot test old.png", Some("old.png"));
    case(
        "inactive",
        uri,
        "destroy test; screenshot test off.png; start test",
        Some("off.png"),
    );
    case("nosuch", uri, "screenshot nosuch x.png", Some("x.png"));
    case(
        "read-only",
        ro_uri,
        "screenshot test ro.png",
        Some("ro.png"),
    );
    case("bad dir", uri, "screenshot test /nonexistent/x.png", None);
    // The default name: NAME-<local time>.png in the working directory.
    case("default name", uri, "screenshot test", None);
    let made: Vec<String> = std::fs::read_dir(cwd)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    t.push(format!(
        "default name: files {:?}",
        mask_time(&made.join(","))
    ));
    for f in made {
        let ok = std::fs::read(cwd.join(&f)).ok().as_deref() == Some(&want[..]);
        t.push(format!(
            "default name: {} holds the image: {ok}",
            mask_time(&f)
        ));
    }
    t
}

/// `test-2026-12-07-01:59:31.png` -> `test-@TIME@.png`.
fn mask_time(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(".png") {
        let head = &rest[..i];
        let cut = head.len().saturating_sub(20);
        let tail = &head[cut..];
        let shaped = tail.len() == 20
            && tail.bytes().enumerate().all(|(j, c)| match j {
                0 | 5 | 8 | 11 => c == b'-',
                14 | 17 => c == b':',
                _ => c.is_ascii_digit(),
            });
        if shaped {
            out.push_str(&head[..cut]);
            out.push_str("-@TIME@.png");
        } else {
            out.push_str(head);
            out.push_str(".png");
        }
        rest = &rest[i + 4..];
    }
    out.push_str(rest);
    out
}

fn compare(what: &str, want: &[String], got: &[String]) {
    let (w, g) = (want.join("\n"), got.join("\n"));
    assert!(
        w == g,
        "{what}: rvirtd differs from libvirtd (- libvirtd, + rvirtd):\n{}",
        diff(&w, &g)
    );
}

#[test]
fn screenshots_by_virsh_rvirsh_and_python_match_libvirtd() {
    if reference().is_none() {
        skip("screenshots", "no /usr/share/libvirt/test-screenshot.png");
        return;
    }
    let mut rv = Rvirtd::start("shots");
    let virsh = PathBuf::from("/usr/bin/virsh");
    let rvirsh = rvirsh_bin();
    let have_virsh = virsh_unavailable().is_none();
    let rv_virsh = have_virsh.then(|| screenshot_cases(&virsh, &rv.uri(), &rv.ro_uri()));
    let rv_rvirsh = rvirsh
        .as_ref()
        .map(|b| screenshot_cases(b, &rv.uri(), &rv.ro_uri()));
    let rv_py = python_summary("rvirtd", &rv.uri(), &rv.ro_uri());
    rv.assert_healthy();
    if let Some(t) = &rv_virsh {
        assert!(
            t.iter()
                .any(|l| l == "named: file shot.png: the reference image"),
            "{t:#?}"
        );
    }
    // rvirsh against rvirtd prints what virsh prints against it.
    if let (Some(v), Some(r)) = (&rv_virsh, &rv_rvirsh) {
        compare("rvirsh vs virsh on rvirtd", v, r);
    }
    let lv = match Libvirtd::start("shots") {
        Ok(l) => l,
        Err(e) => {
            skip("comparison with libvirtd", &e);
            return;
        }
    };
    if let Some(got) = &rv_virsh {
        compare(
            "virsh",
            &screenshot_cases(&virsh, &lv.uri(), &lv.ro_uri()),
            got,
        );
    }
    if let (Some(b), Some(got)) = (&rvirsh, &rv_rvirsh) {
        // rvirsh against libvirtd, the remote driver against the real daemon.
        compare("rvirsh", &screenshot_cases(b, &lv.uri(), &lv.ro_uri()), got);
    }
    if let Some(got) = &rv_py {
        let want =
            python_summary("libvirtd", &lv.uri(), &lv.ro_uri()).expect("python ran against rvirtd");
        compare("python3-libvirt", &want, got);
    }
}

/// The JSON lines `tests/python/stream_check.py` prints, or `None` without
/// python3-libvirt.
fn python_summary(who: &str, uri: &str, ro_uri: &str) -> Option<Vec<String>> {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import libvirt"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        skip(
            "python3-libvirt streams",
            "python3-libvirt is not installed",
        );
        return None;
    }
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.arg(workspace().join("tests/python/stream_check.py"))
        .arg(uri)
        .arg(ro_uri)
        .env("LC_ALL", "C");
    let out = run(cmd, None, Duration::from_secs(60));
    assert_eq!(
        out.rc, 0,
        "stream_check.py against {who}: {}{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("\"equals_file\": true"),
        "{}",
        out.stdout
    );
    Some(out.stdout.lines().map(str::to_string).collect())
}

/// A client speaking raw packets.
struct Raw {
    s: UnixStream,
    serial: u32,
}

/// One packet as the raw client saw it: type, status, and the error message if any.
type Seen = (i32, i32, Option<String>);

impl Raw {
    fn connect(sock: &Path) -> Raw {
        let s = UnixStream::connect(sock).unwrap_or_else(|e| panic!("{}: {e}", sock.display()));
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Raw { s, serial: 0 }
    }

    fn send(&mut self, proc_: i32, kind: MsgType, serial: u32, status: i32, body: &[u8]) {
        let mut h = Header::new(program::REMOTE, proc_, kind, serial, Status::Ok);
        h.status = status;
        self.s
            .write_all(&encode_packet(&h, body))
            .expect("send a packet");
    }

    fn call(&mut self, proc_: i32, body: &[u8]) -> u32 {
        self.serial += 1;
        let serial = self.serial;
        self.send(proc_, MsgType::Call, serial, Status::Ok as i32, body);
        serial
    }

    /// The next packet, or `None` when nothing comes within `limit` or the daemon closed.
    fn next(&mut self, limit: Duration) -> Option<(Header, Vec<u8>)> {
        let _ = self.s.set_read_timeout(Some(limit));
        let mut len = [0u8; 4];
        match self.s.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None
            }
            Err(_) => return None,
        }
        let n = u32::from_be_bytes(len) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        self.s.read_exact(&mut body).ok()?;
        let mut r = xdr::Reader::new(&body);
        let h = Header::decode(&mut r).ok()?;
        Some((h, body[24..].to_vec()))
    }

    /// The reply to `serial` (skipping anything else).
    fn reply(&mut self, serial: u32) -> (Header, Vec<u8>) {
        loop {
            let (h, p) = self.next(Duration::from_secs(10)).expect("a reply");
            if h.kind == MsgType::Reply as i32 && h.serial == serial {
                return (h, p);
            }
        }
    }

    fn open(&mut self) -> Dom {
        let args = ConnectOpenArgs {
            name: Some("test:///default".into()),
            flags: 0,
        };
        let s = self.call(1, &xdr::to_bytes(&args));
        assert_eq!(self.reply(s).0.status, 0, "CONNECT_OPEN");
        let s = self.call(
            23,
            &xdr::to_bytes(&DomainLookupByNameArgs {
                name: "test".into(),
            }),
        );
        let (h, p) = self.reply(s);
        assert_eq!(h.status, 0, "lookup");
        xdr::from_bytes::<DomainLookupByNameRet>(&p)
            .expect("lookup reply")
            .dom
    }

    fn screenshot(&mut self, dom: &Dom) -> u32 {
        let args = DomainScreenshotArgs {
            dom: dom.clone(),
            screen: 0,
            flags: 0,
        };
        let s = self.call(DOMAIN_SCREENSHOT, &xdr::to_bytes(&args));
        let (h, _) = self.reply(s);
        assert_eq!(h.status, 0, "DOMAIN_SCREENSHOT");
        s
    }

    /// The stream packets of `serial` until nothing more comes, with data and the end
    /// left out (how many of them come before an abort is a matter of timing).
    fn stream_outcome(&mut self, serial: u32) -> Vec<Seen> {
        let mut seen = Vec::new();
        while let Some((h, p)) = self.next(Duration::from_millis(700)) {
            if h.serial != serial || h.prog != program::REMOTE {
                continue;
            }
            if h.status == Status::Continue as i32 {
                continue;
            }
            let msg = (h.status == Status::Error as i32)
                .then(|| xdr::from_bytes::<RemoteError>(&p).ok()?.message)
                .flatten();
            seen.push((h.kind, h.status, msg));
        }
        seen
    }

    /// Whether the connection still answers a call.
    fn serves(&mut self) -> bool {
        let s = self.call(3, &[]);
        loop {
            match self.next(Duration::from_secs(10)) {
                Some((h, _)) if h.kind == MsgType::Reply as i32 && h.serial == s => {
                    return h.status == 0
                }
                Some(_) => continue,
                None => return false,
            }
        }
    }
}

/// Each raw scenario's outcome on one daemon.
fn raw_scenarios(sock: &Path) -> Vec<String> {
    let mut t = Vec::new();
    let mut c = Raw::connect(sock);
    let dom = c.open();
    let stream = MsgType::Stream;
    let mut scenario = |name: &str, act: &dyn Fn(&mut Raw, u32)| {
        let s = c.screenshot(&dom);
        act(&mut c, s);
        let seen = c.stream_outcome(s);
        let serves = c.serves();
        t.push(format!("{name}: {seen:?} serves={serves}"));
    };
    scenario("read to the end and finish", &|c, s| {
        // The whole image comes, then the end; then the finish is confirmed.
        let mut bytes = 0;
        loop {
            let (h, p) = c.next(Duration::from_secs(10)).expect("stream data");
            if h.serial != s {
                continue;
            }
            assert_eq!(h.kind, stream as i32);
            if p.is_empty() {
                break;
            }
            bytes += p.len();
        }
        assert_eq!(bytes, 33_443);
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
    });
    scenario("abort at once", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Error as i32, &[])
    });
    scenario("abort with a body", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Error as i32, b"junk")
    });
    scenario("finish before the end", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[])
    });
    scenario("data on a read stream", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Continue as i32, b"hi")
    });
    scenario("an empty data packet on a read stream", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Continue as i32, &[])
    });
    scenario("unknown status", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, 7, &[])
    });
    scenario("finish twice", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
    });
    scenario("abort after finish", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Error as i32, &[]);
    });
    scenario("packets for no open stream", &|c, s| {
        for status in [0, 1, 2, 7] {
            c.send(DOMAIN_SCREENSHOT, stream, s + 500, status, b"x");
        }
        c.send(9999, stream, s, 0, &[]);
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
    });
    scenario("a reply-typed packet with the stream's serial", &|c, s| {
        c.send(DOMAIN_SCREENSHOT, MsgType::Reply, s, 0, &[]);
        c.send(DOMAIN_SCREENSHOT, stream, s, Status::Ok as i32, &[]);
    });
    t
}

#[test]
fn raw_stream_packets_are_answered_like_libvirtd() {
    if reference().is_none() {
        skip("raw stream packets", "no test screenshot");
        return;
    }
    let mut rv = Rvirtd::start("raw-streams");
    let got = raw_scenarios(&rv.sock);
    rv.assert_healthy();
    assert!(got.iter().all(|l| l.ends_with("serves=true")), "{got:#?}");
    let lv = match Libvirtd::start("raw-streams") {
        Ok(l) => l,
        Err(e) => {
            skip("comparison with libvirtd", &e);
            return;
        }
    };
    compare("raw stream packets", &raw_scenarios(&lv.sock), &got);
}

#[test]
fn clients_leaving_with_open_streams_leak_nothing() {
    if reference().is_none() {
        skip("clients leaving with open streams", "no test screenshot");
        return;
    }
    let mut rv = Rvirtd::start("stream-leaks");
    // Warm up (the driver's first connection, the worker pool).
    {
        let mut c = Raw::connect(&rv.sock);
        let dom = c.open();
        let s = c.screenshot(&dom);
        c.send(DOMAIN_SCREENSHOT, MsgType::Stream, s, 0, &[]);
        let _ = c.stream_outcome(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    let fds = rv.fd_count();
    let threads = rv.threads();
    for round in 0..40 {
        let mut c = Raw::connect(&rv.sock);
        let dom = c.open();
        // Several streams left open, some partly read, one aborted, one half-finished.
        let streams: Vec<u32> = (0..5).map(|_| c.screenshot(&dom)).collect();
        if round % 2 == 0 {
            let _ = c.next(Duration::from_millis(50));
        }
        if round % 3 == 0 {
            c.send(
                DOMAIN_SCREENSHOT,
                MsgType::Stream,
                streams[0],
                Status::Error as i32,
                &[],
            );
        }
        if round % 5 == 0 {
            // A disconnect in the middle of a packet.
            let _ = c.s.write_all(&[0, 0, 1, 0, 0x20, 0, 0x80]);
        }
        drop(c);
    }
    // Everything comes back once the daemon has seen the clients go.
    let start = Instant::now();
    loop {
        let (f, t) = (rv.fd_count(), rv.threads());
        if f <= fds && t <= threads + 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "descriptors {f} (before {fds}), threads {t} (before {threads})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut c = Raw::connect(&rv.sock);
    let dom = c.open();
    let s = c.screenshot(&dom);
    c.send(DOMAIN_SCREENSHOT, MsgType::Stream, s, 1, &[]);
    assert!(c.serves());
    rv.assert_healthy();
}
