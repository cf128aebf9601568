//! Opening the byte stream the protocol runs over: a UNIX socket, TCP, TLS over TCP, or
//! the standard input and output of a child process (`ssh`, or `+ext`'s command).
//!
//! Errors read like libvirt's for the same failure ("Failed to connect socket to ...",
//! "unable to connect to server at ...", "Cannot recv data: <what ssh said>: ..."), since
//! users and scripts match on them.

use crate::target::{pick_socket, Endpoint, Target};
use rvirt_core::error::os_error_text;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::os::fd::OwnedFd;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::Notify;

/// Any bidirectional stream the client can run over.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// How much of a child's standard error is kept for error messages.
const STDERR_KEEP: usize = 16 * 1024;

/// What a child process wrote on its standard error (ssh's "Permission denied", "Could not
/// resolve hostname", ...), kept to explain a connection that ends.
#[derive(Default)]
pub struct Stderr {
    text: Mutex<Vec<u8>>,
    done: Mutex<bool>,
    finished: Notify,
}

impl Stderr {
    /// The text so far, trimmed, if any.
    pub fn text(&self) -> Option<String> {
        let t = self.text.lock().unwrap_or_else(|p| p.into_inner());
        let s = String::from_utf8_lossy(&t).trim().to_string();
        (!s.is_empty()).then_some(s)
    }

    /// Waits (briefly) until the child closed its standard error, so an error built right
    /// after its output ended includes everything it said.
    pub async fn settle(&self) {
        let wait = async {
            loop {
                let notified = self.finished.notified();
                if *self.done.lock().unwrap_or_else(|p| p.into_inner()) {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), wait).await;
    }
}

/// An open stream, plus the child process behind it, if any.
pub struct Conn {
    pub io: Box<dyn Io>,
    pub child: Option<Child>,
    pub stderr: Option<Arc<Stderr>>,
}

fn rpc_system(action: String, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::RPC, action, e)
}

/// Opens the stream for `target` (run on the remote runtime).
pub async fn connect(target: &Target) -> Result<Conn> {
    let plain = |io: Box<dyn Io>| Conn {
        io,
        child: None,
        stderr: None,
    };
    match &target.endpoint {
        Endpoint::Unix(candidates) => {
            let Some(path) = pick_socket(candidates) else {
                return Err(Error::internal(ErrorDomain::RPC, "no socket to connect to"));
            };
            let s = tokio::net::UnixStream::connect(path).await.map_err(|e| {
                rpc_system(
                    format!("Failed to connect socket to '{}'", path.display()),
                    &e,
                )
            })?;
            Ok(plain(Box::new(s)))
        }
        Endpoint::Tcp { host, port } => Ok(plain(Box::new(tcp(host, *port).await?))),
        Endpoint::Tls { host, port } => {
            let s = tcp(host, *port).await?;
            Ok(plain(Box::new(
                crate::tls::handshake(s, host, target).await?,
            )))
        }
        Endpoint::Command(argv) => spawn(argv),
    }
}

/// Connects to the first address of `host` that answers.
async fn tcp(host: &str, port: u16) -> Result<tokio::net::TcpStream> {
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
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
        match tokio::net::TcpStream::connect(a).await {
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

/// Starts `argv` with a socket pair as its standard input and output (so the end of the
/// connection reads exactly as it would on a socket) and another for its standard error.
fn spawn(argv: &[String]) -> Result<Conn> {
    let Some(program) = argv.first() else {
        return Err(Error::internal(ErrorDomain::RPC, "no command to run"));
    };
    let pair = || {
        std::os::unix::net::UnixStream::pair()
            .map_err(|e| rpc_system("Unable to create socket pair".into(), &e))
    };
    let (ours, theirs) = pair()?;
    let (err_ours, err_theirs) = pair()?;
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
    let to_tokio = |s: std::os::unix::net::UnixStream| {
        s.set_nonblocking(true)
            .and_then(|()| tokio::net::UnixStream::from_std(s))
            .map_err(|e| rpc_system("Unable to watch socket".into(), &e))
    };
    let io = to_tokio(ours)?;
    let mut err_io = to_tokio(err_ours)?;
    let stderr = Arc::new(Stderr::default());
    let sink = stderr.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        loop {
            match err_io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let mut t = sink.text.lock().unwrap_or_else(|p| p.into_inner());
                    let room = STDERR_KEEP.saturating_sub(t.len());
                    t.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        *sink.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        sink.finished.notify_waiters();
    });
    Ok(Conn {
        io: Box::new(io),
        child: Some(child),
        stderr: Some(stderr),
    })
}

/// Reaps a child process after its connection closed: it normally exits once its input
/// ends; one that does not is killed. Runs on its own short-lived thread so closing a
/// connection never waits for a slow ssh.
pub fn reap(mut child: Child) {
    let _ = std::thread::Builder::new()
        .name("rvirt-remote-reap".into())
        .spawn(move || {
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        });
}
