//! Shared by the remote driver's tests: private temporary directories, an `rvirtd` under
//! its own `--root`, a real libvirtd in a mount namespace of its own (started with the
//! oracle scripts), and running programs with a time limit.
//!
//! Every daemon is owned by a guard that stops it (by its own pid) when dropped.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// A binary of the workspace built next to this test (`target/debug/NAME`).
pub fn workspace_bin(name: &str) -> Option<PathBuf> {
    let beside_test = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(|d| d.join(name)));
    let in_target = workspace().join("target/debug").join(name);
    [beside_test, Some(in_target)]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
}

/// Prints why a test is skipped.
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIP {test}: {why}");
}

/// A directory unique to this process and call, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("rvirt-remote-{}-{n}-{tag}", std::process::id()));
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

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether `cmd --version` runs.
pub fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// What a process printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub rc: i32,
}

/// Runs a prepared command with no input and a time limit (status 124 when killed).
pub fn run(mut cmd: Command, limit: Duration) -> Outcome {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
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
    let pipes = [
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
    let rc = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.code().unwrap_or(-1),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break 124;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break -1,
        }
    };
    let [stdout, stderr] = pipes.map(|t| t.join().unwrap_or_default());
    Outcome { stdout, stderr, rc }
}

fn wait_for(paths: &[&Path], limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if paths.iter().all(|p| p.exists()) {
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
}

impl Rvirtd {
    /// Starts one, with configuration lines when given; `Err` only when the binary is not
    /// built (a daemon that fails to start panics).
    pub fn start(tag: &str, conf: &[String]) -> Result<Rvirtd, String> {
        let bin = workspace_bin("rvirtd")
            .ok_or("target/debug/rvirtd is not built (cargo build -p rvirtd)")?;
        let dir = TempDir::new(&format!("rvirtd-{tag}"));
        let mut cmd = Command::new(bin);
        cmd.arg("--root").arg(dir.path());
        if !conf.is_empty() {
            let conf_path = dir.path().join("rvirtd.conf");
            std::fs::write(&conf_path, conf.join("\n") + "\n").map_err(|e| e.to_string())?;
            cmd.arg("--listen").arg("-f").arg(&conf_path);
        }
        // Unprivileged, the layout follows XDG_RUNTIME_DIR; pin it so the sockets land
        // under --root either way.
        cmd.current_dir("/")
            .env("XDG_RUNTIME_DIR", "/run")
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start rvirtd: {e}"));
        let run = dir.path().join("run/rvirt");
        let sock = run.join("rvirt-sock");
        let ro_sock = run.join("rvirt-sock-ro");
        // A daemon that is there but does not come up is a failure, never a skip.
        if !wait_for(&[&sock, &ro_sock], Duration::from_secs(20)) {
            let st = child.try_wait();
            let _ = child.kill();
            let _ = child.wait();
            panic!("rvirtd did not create its sockets ({st:?})");
        }
        Ok(Rvirtd {
            child,
            dir,
            sock,
            ro_sock,
        })
    }

    pub fn uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.sock.display())
    }

    /// Stops the daemon abruptly (as a crash would).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Rvirtd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A real libvirtd started by `scripts/oracle/start-libvirtd.sh`, in a mount namespace
/// with private /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt
/// (libvirtd locks driver pid files there, so only one could run per namespace).
pub struct Libvirtd {
    pub dir: TempDir,
    pub sock: PathBuf,
}

impl Libvirtd {
    pub fn start(tag: &str) -> Result<Libvirtd, String> {
        Libvirtd::start_with(tag, &[])
    }

    /// Starts one with extra `libvirtd.conf` lines; with any, it also listens on TCP/TLS
    /// as they configure (`--listen`).
    pub fn start_with(tag: &str, extra_conf: &[String]) -> Result<Libvirtd, String> {
        if !is_root() {
            return Err("not running as root".into());
        }
        if !Path::new("/usr/sbin/libvirtd").exists() {
            return Err("/usr/sbin/libvirtd is not installed".into());
        }
        if !have("virsh") {
            return Err("virsh is not installed (the start script uses it)".into());
        }
        let dir = TempDir::new(&format!("libvirtd-{tag}"));
        let extra = dir.path().join("extra.conf");
        std::fs::write(&extra, extra_conf.join("\n") + "\n")
            .map_err(|e| format!("{}: {e}", extra.display()))?;
        let listen = if extra_conf.is_empty() {
            ""
        } else {
            "--listen"
        };
        let wrapper = dir.path().join("libvirtd-fg");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/bash\n\
                 # Runs libvirtd in the foreground of this process, in /, with the extra\n\
                 # configuration appended to the file the start script wrote.\n\
                 cd / || exit 1\n\
                 args=(); conf=; prev=\n\
                 for a in \"$@\"; do [ \"$a\" = -d ] || args+=(\"$a\"); [ \"$prev\" = -f ] && conf=$a; prev=$a; done\n\
                 [ -n \"$conf\" ] && cat {} >> \"$conf\"\n\
                 exec /usr/sbin/libvirtd {listen} \"${{args[@]}}\"\n",
                extra.display()
            ),
        )
        .map_err(|e| format!("{}: {e}", wrapper.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", wrapper.display()))?;
        let script = workspace().join("scripts/oracle/start-libvirtd.sh");
        let private =
            "for d in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do \
                       mkdir -p \"$d\" && mount -t tmpfs tmpfs \"$d\" || exit 97; done; \
                       exec \"$0\" \"$1\"";
        let mut cmd = Command::new("unshare");
        cmd.args(["-m", "--propagation", "private", "sh", "-c", private])
            .arg(&script)
            .arg(dir.path())
            .env("LIBVIRTD", &wrapper)
            .env("LC_ALL", "C");
        let out = run(cmd, Duration::from_secs(60));
        let sock = dir.path().join("libvirt-sock");
        let me = Libvirtd { dir, sock };
        if out.rc != 0 || !wait_for(&[&me.sock], Duration::from_secs(5)) {
            let log =
                std::fs::read_to_string(me.dir.path().join("libvirtd.log")).unwrap_or_default();
            return Err(format!(
                "start-libvirtd.sh failed (status {}): {}{} log tail: {}",
                out.rc,
                out.stdout,
                out.stderr,
                log.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
            ));
        }
        Ok(me)
    }

    pub fn uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.sock.display())
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let mut cmd = Command::new("bash");
        cmd.arg(workspace().join("scripts/oracle/stop-libvirtd.sh"))
            .arg(self.dir.path());
        let _ = run(cmd, Duration::from_secs(20));
    }
}

/// A line diff of two texts (`-` left only, `+` right only).
pub fn diff(left: &str, right: &str) -> String {
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("  + {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("  - {}\n", a[i]));
            i += 1;
        }
    }
    out
}
