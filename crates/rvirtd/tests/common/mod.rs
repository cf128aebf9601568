//! Shared by the daemon's acceptance tests: private temporary directories, an `rvirtd`
//! started under its own `--root`, a real libvirtd started with the oracle scripts, and
//! running the real `virsh` against either.
//!
//! Every daemon is owned by a guard that kills it (by its own pid) when dropped, so a
//! failing assertion does not leave daemons behind.

#![allow(dead_code)]

pub mod guest;
pub mod storage;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The workspace root (for `scripts/` and `tests/data/`).
pub fn workspace() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// A directory under the system temp dir, unique to this process and call, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("rvirtd-t-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        TempDir(p.canonicalize().unwrap_or(p))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether this process runs as root (the real libvirtd and rvirtd's privileged layout
/// need it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Why the real libvirtd cannot be used here, if it cannot.
pub fn libvirtd_unavailable() -> Option<String> {
    if !is_root() {
        return Some("not running as root".into());
    }
    if !Path::new("/usr/sbin/libvirtd").exists() {
        return Some("/usr/sbin/libvirtd is not installed".into());
    }
    if Command::new("virsh")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        return Some("virsh is not installed".into());
    }
    None
}

/// Whether the real `virsh` can be run.
pub fn virsh_unavailable() -> Option<String> {
    match Command::new("virsh")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => None,
        _ => Some("virsh is not installed".into()),
    }
}

/// The client URI of a daemon socket, for the QEMU driver's system instance (with its
/// storage driver).
pub fn qemu_uri(sock: &Path) -> String {
    format!("qemu+unix:///system?socket={}", sock.display())
}

/// The client URI of a daemon socket, for the test driver's shared default instance.
pub fn test_uri(sock: &Path) -> String {
    format!("test+unix:///default?socket={}", sock.display())
}

/// What a process printed and how it ended.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// The exit status; 124 when it was killed for taking too long, -1 when killed by a
    /// signal or not started.
    pub rc: i32,
    pub timed_out: bool,
}

/// Runs a prepared command with stdin text (or /dev/null) and a time limit.
pub fn run(mut cmd: Command, stdin: Option<&str>, limit: Duration) -> Outcome {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                stderr: format!("cannot start {cmd:?}: {e}"),
                rc: -1,
                ..Outcome::default()
            }
        }
    };
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let text = text.to_string();
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let readers = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .map(|p| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut v);
            }
            String::from_utf8_lossy(&v).into_owned()
        })
    });
    let start = Instant::now();
    let mut timed_out = false;
    let rc = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.code().unwrap_or(-1),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                timed_out = true;
                break 124;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break -1,
        }
    };
    let [out, err] = readers.map(|t| t.join().unwrap_or_default());
    Outcome {
        stdout: out,
        stderr: err,
        rc,
        timed_out,
    }
}

/// A `virsh` command in the C locale with an otherwise empty environment, like the
/// golden recordings.
pub fn virsh_cmd(cwd: &Path, home: &Path) -> Command {
    let mut c = Command::new("virsh");
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", home)
        .env("TMPDIR", home)
        .env("LC_ALL", "C");
    c
}

/// Every run of digits as one `N`, so counters, ports and their widths compare equal.
#[allow(dead_code)]
pub fn mask_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_num = false;
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(ch);
        }
    }
    out
}

/// The `rvirsh` built beside the test binaries, when it is.
#[allow(dead_code)]
pub fn rvirsh_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("rvirsh");
    p.is_file().then_some(p)
}

/// `virsh` or `rvirsh` (`bin`) as [`virsh_cmd`] runs virsh: C locale, empty environment.
#[allow(dead_code)]
pub fn client_cmd(bin: &Path, cwd: &Path, home: &Path) -> Command {
    let mut c = Command::new(bin);
    c.current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", home)
        .env("TMPDIR", home)
        .env("LC_ALL", "C");
    c
}

/// Runs `virsh -c URI ARGS...` (10 s limit).
pub fn virsh(uri: &str, args: &[&str]) -> Outcome {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    run(c, None, Duration::from_secs(10))
}

/// Waits until `path` exists.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// An `rvirtd` serving under a private `--root`.
pub struct Rvirtd {
    child: Child,
    pub dir: TempDir,
    pub sock: PathBuf,
    pub ro_sock: PathBuf,
    stderr_path: PathBuf,
    cwd: PathBuf,
}

impl Rvirtd {
    /// Starts `rvirtd --root DIR` with the current directory `/`, like a daemon.
    pub fn start(tag: &str) -> Rvirtd {
        Rvirtd::start_in(tag, Path::new("/"), &[])
    }

    /// Starts `rvirtd --root DIR` with the given current directory (paths the test driver
    /// opens, such as save files, are relative to it) and configuration lines.
    pub fn start_in(tag: &str, cwd: &Path, conf: &[&str]) -> Rvirtd {
        let dir = TempDir::new(&format!("rvirtd-{tag}"));
        let stderr_path = dir.path().join("rvirtd.stderr");
        if !conf.is_empty() {
            let conf_path = dir.path().join("rvirtd.conf");
            std::fs::write(&conf_path, conf.join("\n") + "\n")
                .unwrap_or_else(|e| panic!("{}: {e}", conf_path.display()));
        }
        let child = Rvirtd::spawn(dir.path(), cwd, &stderr_path);
        let run = dir.path().join("run/rvirt");
        let sock = run.join("rvirt-sock");
        let ro_sock = run.join("rvirt-sock-ro");
        Rvirtd {
            child,
            dir,
            sock,
            ro_sock,
            stderr_path,
            cwd: cwd.to_path_buf(),
        }
    }

    /// Starts the daemon process on `root` and waits until it answers on its socket.
    fn spawn(root: &Path, cwd: &Path, stderr_path: &Path) -> Child {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(stderr_path)
            .unwrap_or_else(|e| panic!("{}: {e}", stderr_path.display()));
        // RVIRTD_BIN runs the tests against another build (a release build, an older one).
        let bin = std::env::var_os("RVIRTD_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rvirtd")));
        let mut cmd = Command::new(bin);
        cmd.arg("--root").arg(root);
        let conf_path = root.join("rvirtd.conf");
        if conf_path.exists() {
            cmd.arg("-f").arg(&conf_path);
        }
        // Unprivileged, the layout follows XDG_RUNTIME_DIR; pin it so the socket lands in
        // the same place under --root either way.
        cmd.current_dir(cwd)
            .env("XDG_RUNTIME_DIR", "/run")
            .env("HOME", root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start rvirtd: {e}"));
        let run = root.join("run/rvirt");
        let sock = run.join("rvirt-sock");
        let ro_sock = run.join("rvirt-sock-ro");
        let start = Instant::now();
        // A socket left by a killed daemon exists already: wait until one answers.
        while !(ro_sock.exists() && std::os::unix::net::UnixStream::connect(&sock).is_ok()) {
            if let Ok(Some(st)) = child.try_wait() {
                let err = std::fs::read_to_string(stderr_path).unwrap_or_default();
                panic!("rvirtd exited during start-up ({st}): {err}");
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("rvirtd did not create {} in time", sock.display());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child
    }

    /// Kills the daemon abruptly (SIGKILL, as a crash) and starts a new one on the same
    /// directories; guests it ran keep running meanwhile.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Rvirtd::spawn(self.dir.path(), &self.cwd, &self.stderr_path);
    }

    /// The pids of the QEMU processes the daemon's QEMU driver records as running.
    pub fn qemu_pids(&self) -> Vec<u32> {
        let dir = self.dir.path().join("run/rvirt/qemu");
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .filter_map(|t| t.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn uri(&self) -> String {
        test_uri(&self.sock)
    }

    pub fn ro_uri(&self) -> String {
        test_uri(&self.ro_sock)
    }

    /// Everything the daemon wrote to its standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Why the daemon is not healthy: it exited, or printed a panic message.
    pub fn health(&mut self) -> Option<String> {
        if let Ok(Some(st)) = self.child.try_wait() {
            return Some(format!("rvirtd exited ({st}); stderr:\n{}", self.stderr()));
        }
        let err = self.stderr();
        err.contains("panicked")
            .then(|| format!("rvirtd panicked; stderr:\n{err}"))
    }

    /// Panics if the daemon died or printed a panic message.
    pub fn assert_healthy(&mut self) {
        if let Some(why) = self.health() {
            panic!("{why}");
        }
    }

    /// How many file descriptors the daemon has open.
    pub fn fd_count(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// The daemon's resident set size in KiB.
    pub fn rss_kib(&self) -> u64 {
        proc_status_kib(self.pid(), "VmRSS:")
    }

    /// The number of threads of the daemon.
    pub fn threads(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Threads:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }
}

/// A `KiB` field of /proc/PID/status.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

impl Drop for Rvirtd {
    /// Stops the daemon and the guests it ran (they would outlive it on purpose).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in self.qemu_pids() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// A real libvirtd started with `scripts/oracle/start-libvirtd.sh`.
///
/// The privileged libvirtd locks driver pid files under /run/libvirt, so only one can run
/// per mount namespace. Each one here runs in a mount namespace of its own with private
/// /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt, so tests (and
/// other work on the machine) can run several at once. The daemon is started through a
/// small wrapper (the script's `LIBVIRTD` variable) that keeps it in the foreground of
/// its own process so its working directory stays the one asked for, as for `rvirtd`.
pub struct Libvirtd {
    pub dir: TempDir,
    pub sock: PathBuf,
    pub ro_sock: PathBuf,
}

impl Libvirtd {
    /// Starts one with the working directory `/` (as `libvirtd -d` has).
    pub fn start(tag: &str) -> Result<Libvirtd, String> {
        Libvirtd::start_in(tag, Path::new("/"))
    }

    pub fn start_in(tag: &str, cwd: &Path) -> Result<Libvirtd, String> {
        if let Some(why) = libvirtd_unavailable() {
            return Err(why);
        }
        let dir = TempDir::new(&format!("libvirtd-{tag}"));
        let wrapper = dir.path().join("libvirtd-fg");
        std::fs::write(
            &wrapper,
            "#!/bin/bash\n\
             # Runs libvirtd without -d so it keeps the working directory given here.\n\
             cd \"$RVIRT_TEST_LIBVIRTD_CWD\" || exit 1\n\
             args=()\n\
             for a in \"$@\"; do [ \"$a\" = -d ] || args+=(\"$a\"); done\n\
             exec /usr/sbin/libvirtd \"${args[@]}\"\n",
        )
        .map_err(|e| format!("{}: {e}", wrapper.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", wrapper.display()))?;
        let script = workspace().join("scripts/oracle/start-libvirtd.sh");
        let private = "for d in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt \
                       /etc/libvirt/qemu /etc/libvirt/storage /etc/libvirt/secrets \
                       /etc/libvirt/nwfilter; do \
                       mkdir -p \"$d\" && mount -t tmpfs tmpfs \"$d\" || exit 97; done; \
                       exec \"$0\" \"$1\"";
        let mut cmd = Command::new("unshare");
        cmd.args(["-m", "--propagation", "private", "sh", "-c", private])
            .arg(&script)
            .arg(dir.path());
        cmd.env("LIBVIRTD", &wrapper)
            .env("RVIRT_TEST_LIBVIRTD_CWD", cwd)
            .env("LC_ALL", "C");
        let out = run(cmd, None, Duration::from_secs(60));
        let sock = dir.path().join("libvirt-sock");
        let ro_sock = dir.path().join("libvirt-sock-ro");
        let me = Libvirtd { dir, sock, ro_sock };
        if out.rc != 0 || !wait_for(&me.sock, Duration::from_secs(5)) {
            let log =
                std::fs::read_to_string(me.dir.path().join("libvirtd.log")).unwrap_or_default();
            return Err(format!(
                "start-libvirtd.sh failed (status {}): {}{}\nlog tail: {}",
                out.rc,
                out.stdout,
                out.stderr,
                log.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
            ));
        }
        Ok(me)
    }

    pub fn uri(&self) -> String {
        test_uri(&self.sock)
    }

    pub fn ro_uri(&self) -> String {
        test_uri(&self.ro_sock)
    }

    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.path().join("libvirtd.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let script = workspace().join("scripts/oracle/stop-libvirtd.sh");
        let mut cmd = Command::new("bash");
        cmd.arg(&script).arg(self.dir.path());
        let _ = run(cmd, None, Duration::from_secs(20));
    }
}

/// Prints why a test is skipped (visible with `--nocapture` and in the test's output).
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIP {test}: {why}");
}

/// Replaces every occurrence of each `(from, to)` pair, longest `from` first (the
/// read-only socket's path has the read-write one as a prefix).
pub fn mask_paths(text: &str, pairs: &[(String, &str)]) -> String {
    let mut pairs: Vec<&(String, &str)> = pairs.iter().filter(|(f, _)| !f.is_empty()).collect();
    pairs.sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
    let mut s = text.to_string();
    for (from, to) in pairs {
        s = s.replace(from.as_str(), to);
    }
    s
}

/// A line diff (longest common subsequence), `-` left, `+` right.
pub fn diff(left: &str, right: &str) -> String {
    let e: Vec<&str> = left.split('\n').collect();
    let a: Vec<&str> = right.split('\n').collect();
    let (n, m) = (e.len(), a.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && e[i] == a[j] {
            out.push_str(&format!("     {:?}\n", a[j]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("   + {:?}\n", a[j]));
            j += 1;
        } else {
            out.push_str(&format!("   - {:?}\n", e[i]));
            i += 1;
        }
    }
    out
}

/// The procedure numbers rvirtd answered "unknown procedure" for, by name.
pub fn unknown_procedures(text: &str, into: &mut std::collections::BTreeMap<String, usize>) {
    let mut rest = text;
    while let Some(i) = rest.find("unknown procedure: ") {
        let after = &rest[i + "unknown procedure: ".len()..];
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse::<i32>() {
            let name = rvirt_rpc::names::remote_procedure_name(n)
                .map(|s| format!("{n} {s}"))
                .unwrap_or_else(|| n.to_string());
            *into.entry(name).or_default() += 1;
        }
        rest = &after[digits.len()..];
    }
}
