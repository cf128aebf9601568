//! Acceptance: nothing is lost when the daemon dies. Ten guests run; rvirtd is killed
//! with SIGKILL and started again; all ten are listed running with the same ids and obey
//! a shutdown. A QEMU killed with SIGKILL makes its domain shut off (crashed) at once, and
//! a client watching events (real `virsh event --loop --all`) hears it.

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable};
use common::{run, skip, virsh_cmd, Rvirtd, TempDir};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const GUESTS: usize = 10;

fn virsh(uri: &str, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(Path::new("/"), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc, o.stdout, o.stderr)
}

/// `(id, name, state)` rows of `virsh list --all`.
fn listing(uri: &str) -> Vec<(String, String, String)> {
    let (rc, out, err) = virsh(uri, &["list", "--all"]);
    assert_eq!(rc, 0, "{err}");
    out.lines()
        .skip(2)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((
                w.next()?.to_string(),
                w.next()?.to_string(),
                w.collect::<Vec<_>>().join(" "),
            ))
        })
        .collect()
}

fn wait_for<F: Fn() -> bool>(f: F, limit: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    f()
}

struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn guests_survive_a_killed_daemon_and_crashes_are_reported() {
    let name = "guests_survive_a_killed_daemon_and_crashes_are_reported";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = guest().unwrap_or_else(|e| panic!("{e}"));
    let work = TempDir::new("qemu-restart");
    let mut rv = Rvirtd::start("qemu-restart");
    let uri = qemu_uri(&rv.sock);
    for i in 0..GUESTS {
        let f = work.path().join(format!("g{i}.xml"));
        std::fs::write(&f, domain_xml(&format!("g{i}"), "qemu", &g, false, "")).expect("xml");
        let f = f.to_string_lossy().into_owned();
        let (rc, _, err) = virsh(&uri, &["define", &f]);
        assert_eq!(rc, 0, "{err}");
        let (rc, _, err) = virsh(&uri, &["start", &format!("g{i}")]);
        assert_eq!(rc, 0, "{err}");
    }
    let before = listing(&uri);
    assert_eq!(before.len(), GUESTS);
    assert!(before.iter().all(|(_, _, s)| s == "running"), "{before:?}");
    let pids_before = rv.qemu_pids();
    assert_eq!(pids_before.len(), GUESTS);

    rv.kill_and_restart();
    rv.assert_healthy();
    let after = listing(&uri);
    assert_eq!(after, before, "the list changed across the restart");
    let mut pids_after = rv.qemu_pids();
    let mut pb = pids_before.clone();
    pids_after.sort();
    pb.sort();
    assert_eq!(pids_after, pb, "QEMU processes were replaced");

    // A watcher, then a crash.
    let out = work.path().join("events.out");
    let home = TempDir::new("home-events");
    let mut cmd = virsh_cmd(Path::new("/"), home.path());
    cmd.arg("-c").arg(&uri).args(["event", "--loop", "--all"]);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("events file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("virsh event");
    let _w = Watcher(child);
    std::thread::sleep(Duration::from_millis(500));
    let victim_pid = std::fs::read_to_string(rv.dir.path().join("run/rvirt/qemu/g0.pid"))
        .expect("pid file")
        .trim()
        .to_string();
    let t = Instant::now();
    let _ = std::process::Command::new("kill")
        .args(["-9", &victim_pid])
        .status();
    assert!(
        wait_for(
            || virsh(&uri, &["domstate", "--reason", "g0"]).1.trim() == "shut off (crashed)",
            Duration::from_secs(5)
        ),
        "g0 is not shut off (crashed): {:?}",
        virsh(&uri, &["domstate", "--reason", "g0"])
    );
    let noticed = t.elapsed();
    assert!(
        wait_for(
            || std::fs::read_to_string(&out)
                .unwrap_or_default()
                .contains("event 'lifecycle' for domain 'g0': Stopped Failed"),
            Duration::from_secs(5)
        ),
        "no event: {}",
        std::fs::read_to_string(&out).unwrap_or_default()
    );
    eprintln!("a killed QEMU was noticed within {noticed:?}");

    // The survivors obey.
    for i in 1..GUESTS {
        let (rc, _, err) = virsh(&uri, &["shutdown", &format!("g{i}")]);
        assert_eq!(rc, 0, "g{i}: {err}");
    }
    assert!(
        wait_for(
            || listing(&uri).iter().all(|(_, _, s)| s == "shut off"),
            Duration::from_secs(20)
        ),
        "{:?}",
        listing(&uri)
    );
    for i in 1..GUESTS {
        assert_eq!(
            virsh(&uri, &["domstate", "--reason", &format!("g{i}")])
                .1
                .trim(),
            "shut off (shutdown)"
        );
    }
    assert!(rv.qemu_pids().is_empty(), "{:?}", rv.qemu_pids());
}
