//! A volume in use by a transfer is locked against delete, resize and wipe, and free again
//! once the transfer ends: real virsh uploads from a FIFO the test holds open (the stream
//! stays open) and downloads into a FIFO the test does not read yet, while a second virsh
//! tries the volume. rvirtd only: libvirtd 9.0 does not lock a volume during a transfer
//! (its vol-delete of a volume being uploaded succeeds), which the issue asks rvirt to do.
//! Needs root and virsh.

mod common;

use common::qemu_uri;

use common::{run, skip, virsh_cmd, Rvirtd, TempDir};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn mkfifo(p: &Path) {
    rustix::fs::mkfifoat(rustix::fs::CWD, p, rustix::fs::Mode::from_raw_mode(0o600))
        .unwrap_or_else(|e| panic!("mkfifo {}: {e}", p.display()));
}

/// Opens a FIFO without waiting for the other side (which may have failed).
fn open_fifo(p: &Path, write: bool) -> std::fs::File {
    use rustix::fs::{fcntl_setfl, open, Mode, OFlags};
    let mode = if write {
        OFlags::WRONLY
    } else {
        OFlags::RDONLY
    };
    let t = Instant::now();
    loop {
        match open(p, mode | OFlags::NONBLOCK | OFlags::CLOEXEC, Mode::empty()) {
            Ok(fd) => {
                fcntl_setfl(&fd, mode).expect("blocking again");
                return std::fs::File::from(fd);
            }
            // A writer with no reader yet.
            Err(rustix::io::Errno::NXIO) if t.elapsed() < Duration::from_secs(20) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("open {}: {e}", p.display()),
        }
    }
}

struct Session<'a> {
    uri: &'a str,
    home: TempDir,
}

impl Session<'_> {
    fn v(&self, args: &[&str]) -> (i32, String) {
        let mut c = virsh_cmd(self.home.path(), self.home.path());
        c.arg("-c").arg(self.uri).args(args);
        let o = run(c, None, Duration::from_secs(60));
        (o.rc, format!("{}{}", o.stdout, o.stderr))
    }

    fn spawn(&self, args: &[&str]) -> Child {
        let mut c = virsh_cmd(self.home.path(), self.home.path());
        c.arg("-c").arg(self.uri).args(args);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().expect("virsh")
    }
}

fn finished(mut c: Child, what: &str) -> i32 {
    let t = Instant::now();
    loop {
        if let Ok(Some(st)) = c.try_wait() {
            let mut e = String::new();
            if let Some(mut x) = c.stderr.take() {
                let _ = x.read_to_string(&mut e);
            }
            assert_eq!(st.code(), Some(0), "{what}: {e}");
            return 0;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "{what} did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn busy(vol: &str, action: &str) -> String {
    // stdout's blank line, then stderr.
    format!("\nerror: Failed to {action}\nerror: Requested operation is not valid: volume '{vol}' is still in use.\n")
}

#[test]
fn busy_volumes_are_locked_during_transfers() {
    let name = "busy_volumes_are_locked_during_transfers";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    if let Some(why) = common::virsh_unavailable() {
        return skip(name, &why);
    }
    let rv = Rvirtd::start("storage-locks");
    let uri = qemu_uri(&rv.sock);
    let s = Session {
        uri: &uri,
        home: TempDir::new("home"),
    };
    let work = TempDir::new("locks");
    let w = work.path().display().to_string();
    let ok = |r: (i32, String)| assert_eq!(r.0, 0, "{}", r.1);
    ok(s.v(&[
        "pool-create-as",
        "lk",
        "dir",
        "--target",
        &format!("{w}/pool"),
        "--build",
    ]));
    ok(s.v(&["vol-create-as", "lk", "v1", "4M"]));

    let fifo = work.path().join("in.fifo");
    mkfifo(&fifo);
    let up = s.spawn(&["vol-upload", "v1", &fifo.to_string_lossy(), "--pool", "lk"]);
    let mut writer = open_fifo(&fifo, true);
    writer.write_all(&[7u8; 65536]).expect("write");
    std::thread::sleep(Duration::from_millis(300));
    let (rc, text) = s.v(&["vol-delete", "v1", "--pool", "lk"]);
    assert_eq!(
        (rc, text.as_str()),
        (1, busy("v1", "delete vol v1").as_str())
    );
    let (rc, text) = s.v(&["vol-wipe", "v1", "--pool", "lk"]);
    assert_eq!((rc, text.as_str()), (1, busy("v1", "wipe vol v1").as_str()));
    let (rc, text) = s.v(&["vol-resize", "v1", "8M", "--pool", "lk"]);
    assert_eq!(rc, 1, "{text}");
    assert!(text.contains("volume 'v1' is still in use."), "{text}");
    let (rc, text) = s.v(&["pool-destroy", "lk"]);
    assert_eq!(rc, 1, "a pool with a transfer running stays: {text}");
    drop(writer);
    finished(up, "vol-upload");
    let (_, info) = s.v(&["vol-info", "v1", "--pool", "lk", "--bytes"]);
    assert!(info.contains("Capacity:       4194304 bytes"), "{info}");

    ok(s.v(&["vol-create-as", "lk", "v2", "4M"]));
    let fifo = work.path().join("out.fifo");
    mkfifo(&fifo);
    let down = s.spawn(&[
        "vol-download",
        "v2",
        &fifo.to_string_lossy(),
        "--pool",
        "lk",
    ]);
    let mut reader = open_fifo(&fifo, false);
    std::thread::sleep(Duration::from_millis(300));
    let (rc, text) = s.v(&["vol-delete", "v2", "--pool", "lk"]);
    assert_eq!(
        (rc, text.as_str()),
        (1, busy("v2", "delete vol v2").as_str())
    );
    let mut all = Vec::new();
    reader.read_to_end(&mut all).expect("read");
    finished(down, "vol-download");
    assert_eq!(all.len(), 4 << 20);
    // Free again.
    ok(s.v(&["vol-delete", "v2", "--pool", "lk"]));
    ok(s.v(&["vol-delete", "v1", "--pool", "lk"]));
    ok(s.v(&["pool-destroy", "lk"]));
}
