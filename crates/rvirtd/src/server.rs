//! Listening sockets and the accept loops: UNIX read-write, read-only and admin sockets,
//! and optionally TCP and TLS.

use crate::client::{self, Limits};
use crate::dispatch::Table;
use crate::settings::{Auth, DaemonSettings};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener};

/// Shared by every accept loop.
pub struct Server {
    pub table: Arc<Table>,
    pub limits: Arc<Limits>,
    pub max_clients: usize,
    pub clients: AtomicUsize,
    next_id: AtomicU64,
    /// Bumped on every connect and disconnect, for the idle timeout.
    pub activity: AtomicU64,
}

impl Server {
    pub fn new(s: &DaemonSettings) -> Arc<Server> {
        Arc::new(Server {
            table: Arc::new(Table::new()),
            limits: Arc::new(Limits {
                max_client_requests: s.max_client_requests,
                keepalive_interval: s.keepalive_interval,
                keepalive_count: s.keepalive_count,
            }),
            max_clients: s.max_clients,
            clients: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            activity: AtomicU64::new(0),
        })
    }

    /// Serves one accepted stream, unless the daemon is full.
    pub fn spawn_client<S>(self: &Arc<Self>, stream: S, readonly: bool, auth: Auth, secure: bool)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
    {
        self.spawn_client_with(stream, readonly, auth, secure, None)
    }

    /// [`Server::spawn_client`] for a transport that receives passed descriptors.
    pub fn spawn_client_with<S>(
        self: &Arc<Self>,
        stream: S,
        readonly: bool,
        auth: Auth,
        secure: bool,
        passed: Option<Arc<client::fds::FdQueue>>,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
    {
        if self.clients.fetch_add(1, Ordering::SeqCst) >= self.max_clients {
            self.clients.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(
                "refusing a client: max_clients ({}) reached",
                self.max_clients
            );
            return;
        }
        self.activity.fetch_add(1, Ordering::SeqCst);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let me = self.clone();
        tokio::spawn(async move {
            let peer = client::Peer {
                readonly,
                auth,
                secure,
                passed,
            };
            client::serve(stream, id, peer, me.table.clone(), me.limits.clone()).await;
            me.clients.fetch_sub(1, Ordering::SeqCst);
            me.activity.fetch_add(1, Ordering::SeqCst);
        });
    }
}

/// Binds a UNIX socket with the given permissions, replacing a stale socket file.
pub fn bind_unix(path: &Path, mode: u32, group: Option<&str>) -> Result<UnixListener, String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
    }
    if std::fs::symlink_metadata(path).is_ok() {
        // A socket file someone still answers on belongs to a running daemon: replacing it
        // would steal that daemon's clients. One nobody answers on is left from a crash.
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(format!(
                "another daemon is already listening on '{}'",
                path.display()
            ));
        }
        let _ = std::fs::remove_file(path);
    }
    let l =
        UnixListener::bind(path).map_err(|e| format!("cannot bind '{}': {e}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set permissions of '{}': {e}", path.display()))?;
    if let Some(g) = group {
        crate::sys::chown_group(path, g)?;
    }
    Ok(l)
}

/// Accepts on a UNIX socket forever.
pub async fn accept_unix(server: Arc<Server>, l: UnixListener, readonly: bool, auth: Auth) {
    loop {
        match l.accept().await {
            Ok((s, _)) => {
                let (s, passed) = client::fds::UnixFdStream::new(s);
                server.spawn_client_with(s, readonly, auth, true, Some(passed))
            }
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Accepts plain TCP forever.
pub async fn accept_tcp(server: Arc<Server>, l: TcpListener, auth: Auth) {
    loop {
        match l.accept().await {
            Ok((s, _)) => {
                let _ = s.set_nodelay(true);
                server.spawn_client(s, false, auth, false)
            }
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Accepts TLS forever: handshake, client certificate check by rustls, then the
/// confirmation byte, then the protocol.
pub async fn accept_tls(
    server: Arc<Server>,
    l: TcpListener,
    cfg: Arc<rustls::ServerConfig>,
    auth: Auth,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
    loop {
        let (s, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = s.set_nodelay(true);
        let acceptor = acceptor.clone();
        let server = server.clone();
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(Duration::from_secs(30), acceptor.accept(s)).await;
            let mut tls = match handshake {
                Ok(Ok(t)) => t,
                Ok(Err(e)) => {
                    tracing::info!(%peer, "TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::info!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            if tls.write_all(&[crate::tls::CONFIRMATION]).await.is_err()
                || tls.flush().await.is_err()
            {
                return;
            }
            server.spawn_client(tls, false, auth, true);
        });
    }
}

/// The socket paths of a daemon.
pub struct SocketPaths {
    pub rw: PathBuf,
    pub ro: PathBuf,
    pub admin: PathBuf,
}

impl SocketPaths {
    pub fn in_dir(dir: &Path) -> SocketPaths {
        SocketPaths {
            rw: dir.join("rvirt-sock"),
            ro: dir.join("rvirt-sock-ro"),
            admin: dir.join("rvirt-admin-sock"),
        }
    }
}
