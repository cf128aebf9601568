//! The daemon's command line and start-up: `--daemon`, the pid file lock, sockets owned by
//! another daemon, stale sockets, `--timeout`, logging outputs and filters, and bad
//! configuration files.

mod common;

use common::{is_root, run, test_uri, TempDir};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn rvirtd_bin() -> PathBuf {
    std::env::var_os("RVIRTD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rvirtd")))
}

/// `rvirtd --root DIR ARGS...` with the user layout pinned under DIR as well.
fn rvirtd(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(rvirtd_bin());
    c.arg("--root")
        .arg(root)
        .args(args)
        .current_dir("/")
        .env("XDG_RUNTIME_DIR", "/run")
        .env("XDG_CACHE_HOME", "/var/log")
        .env("HOME", root);
    c
}

fn sock(root: &Path) -> PathBuf {
    root.join("run/rvirt/rvirt-sock")
}

fn pid_file(root: &Path) -> PathBuf {
    root.join("run/rvirt/rvirtd.pid")
}

/// Where a background daemon logs by default under `root` (see [`rvirtd`]).
fn default_log(root: &Path) -> PathBuf {
    if is_root() {
        root.join("var/log/rvirt/rvirtd.log")
    } else {
        root.join("var/log/rvirt/log/rvirtd.log")
    }
}

fn alive(pid: i32) -> bool {
    // Zombies count as gone: the process has exited.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}

/// Kills a background daemon by the pid its pid file names, when dropped.
struct Background(PathBuf);

impl Background {
    fn pid(&self) -> i32 {
        std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let pid = self.pid();
        if pid > 0 {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            let t = Instant::now();
            while alive(pid) && t.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Whether real virsh lists the test driver's domain through the daemon's socket.
fn can_list(socket: &Path) -> bool {
    let o = common::virsh(&test_uri(socket), &["list"]);
    o.rc == 0 && o.stdout.contains("test")
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn daemon_flag_returns_once_serving_and_writes_the_pid_file() {
    let dir = TempDir::new("cli-daemon");
    let o = run(
        rvirtd(dir.path(), &["--daemon"]),
        None,
        Duration::from_secs(30),
    );
    let bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "rvirtd --daemon failed: {}", o.stderr);
    assert!(o.stdout.is_empty(), "stdout: {}", o.stdout);
    // No waiting: the daemon serves as soon as --daemon returns.
    assert!(can_list(&sock(dir.path())));
    assert!(alive(bg.pid()), "pid file names pid {}", bg.pid());
}

#[test]
fn second_daemon_on_the_same_root_fails_and_the_first_keeps_serving() {
    let dir = TempDir::new("cli-twice");
    let o = run(
        rvirtd(dir.path(), &["--daemon"]),
        None,
        Duration::from_secs(30),
    );
    let bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    let second = run(
        rvirtd(dir.path(), &["--daemon"]),
        None,
        Duration::from_secs(30),
    );
    assert_eq!(second.rc, 1, "second daemon: {second:?}");
    assert!(
        second
            .stderr
            .contains("another rvirtd is running with pid file")
            && second.stderr.contains(&bg.pid().to_string()),
        "{}",
        second.stderr
    );
    assert!(can_list(&sock(dir.path())));
}

#[test]
fn daemon_with_another_pid_file_does_not_take_over_live_sockets() {
    let dir = TempDir::new("cli-steal");
    let o = run(
        rvirtd(dir.path(), &["--daemon"]),
        None,
        Duration::from_secs(30),
    );
    let _bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    let other_pid = dir.path().join("other.pid");
    let p = other_pid.display().to_string();
    let second = run(
        rvirtd(dir.path(), &["--pid-file", &p]),
        None,
        Duration::from_secs(30),
    );
    assert_eq!(second.rc, 1, "{second:?}");
    assert!(
        second
            .stderr
            .contains("another daemon is already listening on")
            && second.stderr.contains("rvirt-sock"),
        "{}",
        second.stderr
    );
    assert!(!other_pid.exists(), "the refused daemon left its pid file");
    assert!(can_list(&sock(dir.path())));
}

#[test]
fn stale_socket_files_from_a_crash_are_replaced() {
    let dir = TempDir::new("cli-stale");
    let s = sock(dir.path());
    std::fs::create_dir_all(s.parent().expect("parent")).expect("mkdir");
    // A socket nobody listens on any more, as a killed daemon leaves it.
    drop(std::os::unix::net::UnixListener::bind(&s).expect("bind"));
    assert!(s.exists());
    let o = run(
        rvirtd(dir.path(), &["--daemon"]),
        None,
        Duration::from_secs(30),
    );
    let _bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    assert!(can_list(&s));
}

#[test]
fn timeout_exits_after_the_last_client_leaves() {
    let dir = TempDir::new("cli-timeout");
    let mut child = rvirtd(dir.path(), &["--timeout", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rvirtd");
    let s = sock(dir.path());
    let t = Instant::now();
    while !s.exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    // A connected client keeps the daemon up past the timeout...
    let client = std::os::unix::net::UnixStream::connect(&s).expect("connect");
    std::thread::sleep(Duration::from_millis(1800));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "exited with a client connected"
    );
    // ...and it goes about a second after the client does.
    drop(client);
    let gone_at = Instant::now();
    let st = wait_exit(&mut child, Duration::from_secs(10));
    let _ = child.kill();
    let st = st.expect("rvirtd did not exit after its timeout");
    assert!(st.success(), "{st}");
    assert!(gone_at.elapsed() >= Duration::from_millis(900));
    assert!(!s.exists(), "the socket was left behind");
}

#[test]
fn background_daemon_logs_to_its_log_directory() {
    let dir = TempDir::new("cli-log");
    let o = run(
        rvirtd(dir.path(), &["--daemon", "--verbose"]),
        None,
        Duration::from_secs(30),
    );
    let _bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    let log = std::fs::read_to_string(default_log(dir.path())).unwrap_or_default();
    assert!(log.contains("rvirtd ready"), "log: {log:?}");
}

#[test]
fn log_filters_pick_sources_and_outputs_keep_their_levels() {
    let dir = TempDir::new("cli-filters");
    let debug = dir.path().join("debug.log");
    let errors = dir.path().join("errors.log");
    let quiet = dir.path().join("quiet.log");
    let conf = dir.path().join("rvirtd.conf");
    std::fs::write(
        &conf,
        format!(
            "log_filters = \"4:rvirtd.client 2:rvirtd\"\n\
             log_outputs = \"1:file:{} 4:file:{}\"\n",
            debug.display(),
            errors.display()
        ),
    )
    .expect("conf");
    let c = conf.display().to_string();
    let o = run(
        rvirtd(dir.path(), &["--daemon", "-f", &c]),
        None,
        Duration::from_secs(30),
    );
    let _bg = Background(pid_file(dir.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&debug).unwrap_or_default();
    assert!(text.contains("rvirtd ready"), "{text:?}");
    assert_eq!(std::fs::read_to_string(&errors).unwrap_or_default(), "");
    // A filter above the message's level silences it.
    let dir2 = TempDir::new("cli-filters-quiet");
    let conf2 = dir2.path().join("rvirtd.conf");
    std::fs::write(
        &conf2,
        format!(
            "log_filters = \"4:rvirtd\"\nlog_outputs = \"1:file:{}\"\n",
            quiet.display()
        ),
    )
    .expect("conf");
    let c2 = conf2.display().to_string();
    let o = run(
        rvirtd(dir2.path(), &["--daemon", "-f", &c2]),
        None,
        Duration::from_secs(30),
    );
    let _bg2 = Background(pid_file(dir2.path()));
    assert_eq!(o.rc, 0, "{}", o.stderr);
    assert!(!std::fs::read_to_string(&quiet)
        .unwrap_or_default()
        .contains("rvirtd ready"));
}

#[test]
fn bad_configuration_is_refused_with_its_line() {
    let dir = TempDir::new("cli-badconf");
    let conf = dir.path().join("rvirtd.conf");
    for (text, want) in [
        ("listen_tls = 0\nmax_clients = \n", "line 2"),
        (
            "log_outputs = \"1:tape\"\n",
            "log_outputs: Invalid destination 'tape' for output '1:tape'",
        ),
        (
            "log_filters = \"7:qemu\"\n",
            "log_filters: Invalid priority '7' for filter '7:qemu'",
        ),
        (
            "auth_unix_rw = \"kerberos\"\n",
            "unknown authentication type 'kerberos'",
        ),
    ] {
        std::fs::write(&conf, text).expect("conf");
        let c = conf.display().to_string();
        let o = run(
            rvirtd(dir.path(), &["--daemon", "-f", &c]),
            None,
            Duration::from_secs(30),
        );
        let _bg = Background(pid_file(dir.path()));
        assert_eq!(o.rc, 1, "{text:?}: {o:?}");
        assert!(o.stderr.contains(want), "{text:?}: {}", o.stderr);
        assert!(!sock(dir.path()).exists(), "{text:?} left a socket");
    }
    let o = run(
        rvirtd(dir.path(), &["-f", "/nonexistent/rvirtd.conf"]),
        None,
        Duration::from_secs(30),
    );
    assert_eq!(o.rc, 1);
    assert!(
        o.stderr
            .contains("cannot read configuration file '/nonexistent/rvirtd.conf'"),
        "{}",
        o.stderr
    );
}
