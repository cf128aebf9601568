//! Acceptance: `qemu:///session`. An unprivileged user (`nobody`, with a home and runtime
//! directory of its own) runs rvirsh with no daemon listening: rvirsh starts the user's
//! own `rvirtd --timeout 120`, which keeps its files under the user's XDG directories and
//! runs the guest as that user.

mod common;

use common::guest::{domain_xml, guest, unavailable};
use common::{run, skip, TempDir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const NOBODY: u32 = 65534;

fn rvirsh_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("rvirsh");
    p.is_file().then_some(p)
}

/// rvirsh as `nobody` in `dir`'s home and runtime directory.
fn as_user(dir: &Path, cmd: &str) -> (i32, String, String) {
    let rvirsh = rvirsh_bin().unwrap_or_else(|| PathBuf::from("rvirsh"));
    let mut c = Command::new("setpriv");
    c.args([
        &format!("--reuid={NOBODY}"),
        &format!("--regid={NOBODY}"),
        "--clear-groups",
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        "LC_ALL=C",
    ])
    .arg(format!("HOME={}", dir.join("home").display()))
    .arg(format!("XDG_RUNTIME_DIR={}", dir.join("run").display()))
    .arg(format!("RVIRTD_PATH={}", env!("CARGO_BIN_EXE_rvirtd")))
    .arg(&rvirsh)
    .args(["-c", "qemu:///session", cmd]);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc, o.stdout, o.stderr)
}

fn uid_of(pid: &str) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn session_uri_starts_the_users_own_daemon_and_runs_guests_as_the_user() {
    let name = "session_uri_starts_the_users_own_daemon_and_runs_guests_as_the_user";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    if rvirsh_bin().is_none() {
        return skip(
            name,
            "target/debug/rvirsh is not built (cargo build -p rvirsh)",
        );
    }
    let g = guest().unwrap_or_else(|e| panic!("{e}"));
    let work = TempDir::new("sess");
    for d in ["home", "run"] {
        std::fs::create_dir_all(work.path().join(d)).expect("mkdir");
    }
    let xml = work.path().join("u.xml");
    std::fs::write(&xml, domain_xml("ustub", "qemu", &g, false, "")).expect("xml");
    let _ = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(work.path())
        .status();
    let runtime = work.path().join("run/rvirt");
    let pid_file = runtime.join("rvirtd.pid");
    struct Stop(PathBuf);
    impl Drop for Stop {
        fn drop(&mut self) {
            if let Ok(p) = std::fs::read_to_string(&self.0) {
                let _ = Command::new("kill").arg(p.trim()).status();
            }
        }
    }
    let _stop = Stop(pid_file.clone());

    let (rc, out, err) = as_user(work.path(), "list --all");
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("Id   Name   State"), "{out}");
    let daemon = std::fs::read_to_string(&pid_file).expect("the session daemon's pid file");
    assert_eq!(
        uid_of(daemon.trim()),
        Some(NOBODY),
        "the daemon does not run as the user"
    );

    let (rc, out, err) = as_user(
        work.path(),
        &format!("define {}; start ustub; domstate ustub", xml.display()),
    );
    assert_eq!(rc, 0, "{out}{err}");
    assert!(out.contains("running"), "{out}");
    let qemu_pid = std::fs::read_to_string(runtime.join("qemu/run/ustub.pid")).expect("pid");
    assert_eq!(
        uid_of(qemu_pid.trim()),
        Some(NOBODY),
        "QEMU does not run as the user"
    );
    // The user's files, where libvirt keeps a session's (with rvirt's name).
    let home = work.path().join("home");
    assert!(home.join(".config/rvirt/qemu/ustub.xml").exists());
    assert!(home.join(".cache/rvirt/qemu/log/ustub.log").exists());

    let (rc, _, err) = as_user(work.path(), "destroy ustub; undefine ustub");
    assert_eq!(rc, 0, "{err}");
}
