//! Acceptance: events cross the wire. `virsh event --loop --all` (and `net-event`,
//! `pool-event`) stay attached to the daemon while a second virsh defines, starts,
//! suspends, destroys and undefines domains, networks and pools; the watchers must print
//! the same lines against rvirtd as against the real libvirtd.

mod common;

use common::{diff, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the second client does, in the virsh golden files' directory.
const ACTIONS: &str = "define d1.xml; start d1; suspend d1; resume d1; reboot d1; \
    desc d1 --title --live --new-desc hello; destroy d1; undefine d1; \
    create t1.xml; destroy t1; suspend test; resume test; \
    net-define n1.xml; net-start n1; net-destroy n1; net-undefine n1; \
    pool-define p1.xml; pool-start p1; pool-refresh p1; pool-destroy p1; pool-undefine p1";

/// The watchers: each is one virsh process.
const WATCHERS: [&[&str]; 3] = [
    &["event", "--loop", "--all"],
    &["net-event", "--loop", "--event", "lifecycle"],
    &["pool-event", "--loop", "--event", "lifecycle"],
];

fn files_dir() -> std::path::PathBuf {
    common::workspace().join("tests/data/virsh/files")
}

struct Watcher {
    child: Child,
    out: std::path::PathBuf,
    err: std::path::PathBuf,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the watchers and the actions against one daemon; returns each watcher's
/// `(stdout, stderr, status)` and the actor's output.
fn observe(
    uri: &str,
    sock: &Path,
    daemon_pid: Option<u32>,
    scratch: &Path,
) -> (Vec<(String, String, i32)>, String) {
    let files = files_dir();
    let fds = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let base = daemon_pid.map(fds);
    let mut watchers = Vec::new();
    for (i, args) in WATCHERS.iter().enumerate() {
        let out = scratch.join(format!("w{i}.out"));
        let err = scratch.join(format!("w{i}.err"));
        let mut cmd = virsh_cmd(&files, scratch);
        cmd.arg("-c").arg(uri).args(*args);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap_or_else(|e| panic!("{e}")))
            .stderr(std::fs::File::create(&err).unwrap_or_else(|e| panic!("{e}")))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run virsh: {e}"));
        watchers.push(Watcher { child, out, err });
    }
    // The watchers register their callbacks right after connecting: wait until the daemon
    // holds their three connections, then give them a moment more.
    if let (Some(pid), Some(base)) = (daemon_pid, base) {
        let start = Instant::now();
        while fds(pid) < base + WATCHERS.len() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
    } else {
        std::thread::sleep(Duration::from_millis(1500));
    }
    let mut actor = virsh_cmd(&files, scratch);
    actor.arg("-c").arg(uri).arg(ACTIONS);
    let acted = common::run(actor, None, Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(600));
    let mut results = Vec::new();
    for mut w in watchers {
        // SIGINT ends `--loop` cleanly: virsh prints its summary and flushes.
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(w.child.id().to_string())
            .status();
        let start = Instant::now();
        let rc = loop {
            match w.child.try_wait() {
                Ok(Some(st)) => break st.code().unwrap_or(-1),
                Ok(None) if start.elapsed() > Duration::from_secs(5) => break 124,
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => break -1,
            }
        };
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .replace(&sock.to_string_lossy().into_owned(), "@SOCK@")
        };
        results.push((read(&w.out), read(&w.err), rc));
    }
    let actor_text = format!(
        "{}{}status {}",
        acted
            .stdout
            .replace(&sock.to_string_lossy().into_owned(), "@SOCK@"),
        acted
            .stderr
            .replace(&sock.to_string_lossy().into_owned(), "@SOCK@"),
        acted.rc
    );
    (results, actor_text)
}

#[test]
fn virsh_event_sees_other_clients_changes() {
    if let Some(why) = common::virsh_unavailable() {
        skip("virsh_event_sees_other_clients_changes", &why);
        return;
    }
    let t = Instant::now();
    let mut rv = Rvirtd::start("events");
    let scratch = TempDir::new("events-rv");
    let (got, got_actor) = observe(&rv.uri(), &rv.sock, Some(rv.pid()), scratch.path());
    rv.assert_healthy();
    eprintln!("rvirtd watchers:");
    for (out, err, rc) in &got {
        eprintln!("{out}{err}(status {rc})");
    }
    assert!(
        got[0]
            .0
            .contains("event 'lifecycle' for domain 'd1': Defined Added"),
        "virsh event saw nothing from rvirtd:\n{}{}\nactor: {got_actor}",
        got[0].0,
        got[0].1
    );
    let lv = match Libvirtd::start("events") {
        Ok(l) => l,
        Err(e) => {
            skip("comparison with the real libvirtd", &e);
            return;
        }
    };
    let scratch = TempDir::new("events-lv");
    let (want, want_actor) = observe(&lv.uri(), &lv.sock, lv.pid(), scratch.path());
    drop(lv);
    let mut report = String::new();
    if want_actor != got_actor {
        report.push_str(&format!(
            "the acting virsh (- libvirtd, + rvirtd):\n{}",
            diff(&want_actor, &got_actor)
        ));
    }
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        let name = WATCHERS[i].join(" ");
        if w.0 != g.0 {
            report.push_str(&format!(
                "virsh {name} stdout (- libvirtd, + rvirtd):\n{}",
                diff(&w.0, &g.0)
            ));
        }
        if w.1 != g.1 {
            report.push_str(&format!(
                "virsh {name} stderr (- libvirtd, + rvirtd):\n{}",
                diff(&w.1, &g.1)
            ));
        }
        if w.2 != g.2 {
            report.push_str(&format!(
                "virsh {name} status: libvirtd {}, rvirtd {}\n",
                w.2, g.2
            ));
        }
    }
    eprintln!("events_over_wire: {:?}", t.elapsed());
    assert!(report.is_empty(), "{report}");
}
