//! Opening the socket the protocol runs over: a UNIX socket, TCP, TLS over TCP, or the
//! standard input and output of a child process (`ssh`, or `+ext`'s command).
//!
//! Whatever the transport, the connection core gets a plain connected socket it can read
//! from one thread while another writes: UNIX and TCP sockets are used as they are; a
//! child process gets one end of a socket pair as its standard input and output; TLS is
//! spoken by a pump thread ([`crate::tls`]) between the TCP connection and one end of a
//! socket pair.
//!
//! Errors read like libvirt's for the same failure ("Failed to connect socket to ...",
//! "unable to connect to server at ...", "Cannot recv data: <what ssh said>: ..."), since
//! users and scripts match on them.

use crate::target::{pick_socket, Endpoint, Target};
use rvirt_core::error::os_error_text;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How much of a child's standard error is kept for error messages.
const STDERR_KEEP: usize = 16 * 1024;

/// How long an error built when the connection ended waits for the helper to finish
/// explaining why.
const SETTLE: Duration = Duration::from_millis(500);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the helper behind a connection said about its end: a child process's standard
/// error (ssh's "Permission denied", "Could not resolve hostname", ...) or the TLS pump's
/// reason for stopping. Kept to explain a connection that ends.
#[derive(Default)]
pub struct Stderr {
    inner: Mutex<StderrState>,
    finished: Condvar,
}

#[derive(Default)]
struct StderrState {
    text: Vec<u8>,
    done: bool,
}

impl Stderr {
    /// The text so far, trimmed, if any.
    pub fn text(&self) -> Option<String> {
        let st = lock(&self.inner);
        let s = String::from_utf8_lossy(&st.text).trim().to_string();
        (!s.is_empty()).then_some(s)
    }

    /// Adds to the text, up to the kept maximum.
    pub fn append(&self, bytes: &[u8]) {
        let mut st = lock(&self.inner);
        let room = STDERR_KEEP.saturating_sub(st.text.len());
        st.text.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Marks the text complete (the helper closed its side).
    pub fn finish(&self) {
        lock(&self.inner).done = true;
        self.finished.notify_all();
    }

    /// Waits (briefly) until the helper finished, so an error built right after the
    /// connection ended includes everything it said.
    pub fn settle(&self) {
        let limit = Instant::now() + SETTLE;
        let mut st = lock(&self.inner);
        while !st.done {
            let now = Instant::now();
            if now >= limit {
                return;
            }
            st = self
                .finished
                .wait_timeout(st, limit - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// An open connection: the socket the core works on, plus the child process behind it
/// and what a helper had to say, if any.
pub struct Conn {
    pub sock: OwnedFd,
    pub child: Option<Child>,
    pub stderr: Option<Arc<Stderr>>,
    /// The socket reaches the daemon itself (a UNIX socket), so descriptors can travel.
    pub pass_fds: bool,
}

fn rpc_system(action: String, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::RPC, action, e)
}

/// Opens the connection for `target` (blocking).
pub fn connect(target: &Target) -> Result<Conn> {
    let plain = |sock: OwnedFd| Conn {
        sock,
        child: None,
        stderr: None,
        pass_fds: false,
    };
    let local = |sock: OwnedFd| Conn {
        pass_fds: true,
        ..plain(sock)
    };
    match &target.endpoint {
        Endpoint::Unix(candidates) => {
            let Some(path) = pick_socket(candidates) else {
                return Err(Error::internal(ErrorDomain::RPC, "no socket to connect to"));
            };
            let failed = |path: &Path, e: &std::io::Error| {
                rpc_system(
                    format!("Failed to connect socket to '{}'", path.display()),
                    e,
                )
            };
            match UnixStream::connect(path) {
                Ok(s) => Ok(local(s.into())),
                Err(e)
                    if target.autostart
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                        ) =>
                {
                    // Nobody serves this user yet: start their daemon and try its socket.
                    let own = candidates.first().map(PathBuf::as_path).unwrap_or(path);
                    crate::autostart::start_session_daemon(own)?;
                    UnixStream::connect(own)
                        .map(|s| local(s.into()))
                        .map_err(|e| failed(own, &e))
                }
                Err(e) => Err(failed(path, &e)),
            }
        }
        Endpoint::Tcp { host, port } => Ok(plain(tcp(host, *port)?.into())),
        Endpoint::Tls { host, port } => {
            let s = tcp(host, *port)?;
            let (sock, why) = crate::tls::connect(s, host, target)?;
            Ok(Conn {
                sock,
                child: None,
                stderr: Some(why),
                pass_fds: false,
            })
        }
        Endpoint::Command(argv) => spawn(argv),
    }
}

/// Connects to the first address of `host` that answers.
fn tcp(host: &str, port: u16) -> Result<TcpStream> {
    let addrs: Vec<std::net::SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| {
            let text = os_error_text(&e);
            let text = text
                .strip_prefix("failed to lookup address information: ")
                .unwrap_or(&text)
                .to_string();
            Error::raw(
                ErrorDomain::RPC,
                ErrorCode::SYSTEM_ERROR,
                format!("Unable to resolve address '{host}' service '{port}': {text}"),
            )
        })?
        .collect();
    let mut last = std::io::Error::from(std::io::ErrorKind::AddrNotAvailable);
    for a in addrs {
        match TcpStream::connect(a) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(rpc_system(
        format!("unable to connect to server at '{host}:{port}'"),
        &last,
    ))
}

/// A connected pair of UNIX stream sockets.
pub fn socket_pair() -> Result<(UnixStream, UnixStream)> {
    UnixStream::pair().map_err(|e| rpc_system("Unable to create socket pair".into(), &e))
}

/// Runs `f` on a new thread named `name` with a small stack.
pub fn spawn_thread(name: &str, f: impl FnOnce() + Send + 'static) -> Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(256 * 1024)
        .spawn(f)
        .map(|_| ())
        .map_err(|e| rpc_system(format!("Unable to start thread '{name}'"), &e))
}

/// Starts `argv` with a socket pair as its standard input and output (so the end of the
/// connection reads exactly as it would on a socket) and another for its standard error.
fn spawn(argv: &[String]) -> Result<Conn> {
    let Some(program) = argv.first() else {
        return Err(Error::internal(ErrorDomain::RPC, "no command to run"));
    };
    let (ours, theirs) = socket_pair()?;
    let (mut err_ours, err_theirs) = socket_pair()?;
    let theirs_in = theirs
        .try_clone()
        .map_err(|e| rpc_system("Unable to duplicate socket".into(), &e))?;
    let mut cmd = Command::new(program);
    cmd.args(&argv[1..])
        .stdin(Stdio::from(OwnedFd::from(theirs_in)))
        .stdout(Stdio::from(OwnedFd::from(theirs)))
        .stderr(Stdio::from(OwnedFd::from(err_theirs)));
    let child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            rpc_system(format!("Cannot find '{program}' in path"), &e)
        } else {
            rpc_system(format!("Cannot run '{program}'"), &e)
        }
    })?;
    // The child holds its own copies now; ours are dropped with `cmd`.
    drop(cmd);
    let stderr = Arc::new(Stderr::default());
    let sink = stderr.clone();
    let collect = move || {
        let mut buf = [0u8; 4096];
        loop {
            match err_ours.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => sink.append(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        sink.finish();
    };
    if let Err(e) = spawn_thread("rvirt-remote-stderr", collect) {
        reap(child);
        return Err(e);
    }
    Ok(Conn {
        sock: ours.into(),
        child: Some(child),
        stderr: Some(stderr),
        pass_fds: false,
    })
}

/// Reaps a child process after its connection closed: it normally exits once its input
/// ends; one that does not is killed. Runs on its own short-lived thread so closing a
/// connection never waits for a slow ssh.
pub fn reap(mut child: Child) {
    let _ = std::thread::Builder::new()
        .name("rvirt-remote-reap".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        });
}
