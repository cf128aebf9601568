//! Starting a user's own daemon on demand, as libvirt's client starts a session daemon:
//! `qemu:///session` with nobody listening runs `rvirtd --timeout 120 --daemon`, which
//! returns once its sockets serve (and exits by itself after two idle minutes with no
//! guest running).

use rvirt_core::{Error, ErrorDomain, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an idle session daemon lives (libvirt's value).
const IDLE_TIMEOUT: &str = "120";

/// The daemon to start: `$RVIRTD_PATH`, else `rvirtd` beside this program, else on the
/// search path.
fn daemon_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("RVIRTD_PATH") {
        return PathBuf::from(p);
    }
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("rvirtd")))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("rvirtd"))
}

/// Starts the session daemon whose socket is `sock` and waits until it answers there.
pub fn start_session_daemon(sock: &Path) -> Result<()> {
    let bin = daemon_binary();
    let out = Command::new(&bin)
        .args(["--timeout", IDLE_TIMEOUT, "--daemon"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| {
            Error::system(
                ErrorDomain::RPC,
                format!("Failed to start the session daemon '{}'", bin.display()),
                &e,
            )
        })?;
    // A daemon another client started at the same moment is as good as ours.
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        if std::os::unix::net::UnixStream::connect(sock).is_ok() {
            return Ok(());
        }
        if !out.status.success() && t.elapsed() > Duration::from_millis(500) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Err(Error::internal(
        ErrorDomain::RPC,
        if why.is_empty() {
            format!(
                "the session daemon did not start listening on '{}'",
                sock.display()
            )
        } else {
            format!("the session daemon could not start: {why}")
        },
    ))
}
