//! Listening sockets and the accept loops: UNIX read-write, read-only and admin sockets,
//! and optionally TCP and TLS.

use crate::client::{self, ClientCtx, Limits};
use crate::dispatch::Table;
use crate::settings::{Auth, DaemonSettings};
use crate::workers::WorkerPool;
use rvirt_rpc::protocol::admin::transport;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener};

/// One of the daemon's servers ("rvirtd" for the hypervisor API, "admin" for the admin
/// program): its procedures, its limits, its worker pool and its clients, each of which an
/// administrator can inspect and change while it runs.
pub struct Server {
    pub name: &'static str,
    pub table: Arc<Table>,
    pub limits: Arc<Limits>,
    pub max_clients: AtomicUsize,
    /// Clients still to authenticate that the server accepts at once
    /// (`max_anonymous_clients`).
    pub max_unauth: AtomicUsize,
    pub clients: AtomicUsize,
    next_id: AtomicU64,
    /// Bumped on every connect and disconnect, for the idle timeout.
    pub activity: AtomicU64,
    pub registry: Arc<Registry>,
    /// The TLS listener's configuration, swapped by `server-update-tls`.
    pub tls: Mutex<Option<TlsService>>,
}

/// A TLS listener's certificates: read again from the same files on request.
pub struct TlsService {
    pub config: Arc<std::sync::RwLock<Arc<rustls::ServerConfig>>>,
    pub settings: DaemonSettings,
}

/// What the server knows of a connected client, for `client-list` and `client-info`.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// UNIX peers: uid, gid and pid from the socket's credentials.
    pub unix: Option<(u32, u32, Option<i32>)>,
    /// TCP and TLS peers: the address, as libvirt writes it (`ADDR;PORT`).
    pub sock_addr: Option<String>,
}

/// One connected client.
pub struct ClientEntry {
    pub id: u64,
    /// Seconds since the epoch at which it connected.
    pub timestamp: i64,
    /// `VIR_CLIENT_TRANS_*`.
    pub transport: u32,
    pub readonly: bool,
    pub identity: Identity,
    ctx: Weak<ClientCtx>,
}

impl ClientEntry {
    /// Whether the client still has to authenticate.
    pub fn unauthenticated(&self) -> bool {
        self.ctx
            .upgrade()
            .is_some_and(|c| !c.authenticated.load(Ordering::Acquire))
    }

    /// Drops the client's connection.
    pub fn close(&self) {
        if let Some(c) = self.ctx.upgrade() {
            c.close();
        }
    }
}

/// A server's connected clients, by id.
#[derive(Default)]
pub struct Registry {
    clients: Mutex<BTreeMap<u64, Arc<ClientEntry>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<ClientEntry>>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a client until the returned guard is dropped.
    pub fn enter(self: &Arc<Self>, entry: ClientEntry) -> Registered {
        let id = entry.id;
        self.lock().insert(id, Arc::new(entry));
        Registered {
            registry: self.clone(),
            id,
        }
    }

    /// The clients in the order they connected.
    pub fn list(&self) -> Vec<Arc<ClientEntry>> {
        self.lock().values().cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientEntry>> {
        self.lock().get(&id).cloned()
    }

    pub fn unauthenticated(&self) -> usize {
        self.lock().values().filter(|e| e.unauthenticated()).count()
    }
}

/// Removes a client from its registry when the connection ends.
pub struct Registered {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

/// The limits and pool of one server.
pub struct ServerShape {
    pub max_clients: usize,
    pub max_unauth: usize,
    pub max_client_requests: usize,
    pub min_workers: usize,
    pub max_workers: usize,
    pub prio_workers: usize,
}

impl ServerShape {
    /// The hypervisor server, from the daemon's settings.
    pub fn main(s: &DaemonSettings) -> ServerShape {
        ServerShape {
            max_clients: s.max_clients,
            max_unauth: s.max_anonymous_clients,
            max_client_requests: s.max_client_requests,
            min_workers: s.min_workers,
            max_workers: s.max_workers,
            prio_workers: s.prio_workers,
        }
    }

    /// The admin server: no anonymous clients and no priority workers, as in libvirtd.
    pub fn admin(s: &DaemonSettings) -> ServerShape {
        ServerShape {
            max_clients: s.admin.max_clients,
            max_unauth: 0,
            max_client_requests: s.admin.max_client_requests,
            min_workers: s.admin.min_workers,
            max_workers: s.admin.max_workers,
            prio_workers: 0,
        }
    }
}

/// How a stream reached the daemon, for the client registry.
pub struct Arrival {
    pub readonly: bool,
    pub auth: Auth,
    /// UNIX and TLS transports are private.
    pub secure: bool,
    pub transport: u32,
    pub identity: Identity,
    pub passed: Option<Arc<client::fds::FdQueue>>,
}

impl Server {
    pub fn new(
        name: &'static str,
        table: Table,
        s: &DaemonSettings,
        shape: ServerShape,
    ) -> Arc<Server> {
        Arc::new(Server {
            name,
            table: Arc::new(table),
            limits: Arc::new(Limits {
                max_client_requests: shape.max_client_requests,
                keepalive_interval: s.keepalive_interval,
                keepalive_count: s.keepalive_count,
                workers: WorkerPool::new(
                    name,
                    shape.min_workers,
                    shape.max_workers,
                    shape.prio_workers,
                ),
            }),
            max_clients: AtomicUsize::new(shape.max_clients),
            max_unauth: AtomicUsize::new(shape.max_unauth),
            clients: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            activity: AtomicU64::new(0),
            registry: Arc::default(),
            tls: Mutex::new(None),
        })
    }

    /// The hypervisor server alone (`--stdio` serves one client and no admin program).
    pub fn main(s: &DaemonSettings) -> Arc<Server> {
        Server::new("rvirtd", Table::new(), s, ServerShape::main(s))
    }

    /// Serves one accepted stream, unless the daemon is full.
    pub fn spawn_client<S>(self: &Arc<Self>, stream: S, readonly: bool, auth: Auth, secure: bool)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
    {
        self.spawn_client_with(
            stream,
            Arrival {
                readonly,
                auth,
                secure,
                transport: if secure {
                    transport::UNIX
                } else {
                    transport::TCP
                },
                identity: Identity::default(),
                passed: None,
            },
        )
    }

    /// Serves a stream, with what the transport told about the peer.
    pub fn spawn_client_with<S>(self: &Arc<Self>, stream: S, a: Arrival)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
    {
        if self.clients.fetch_add(1, Ordering::SeqCst) >= self.max_clients.load(Ordering::SeqCst) {
            self.clients.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(
                server = self.name,
                "refusing a client: max_clients ({}) reached",
                self.max_clients.load(Ordering::SeqCst)
            );
            return;
        }
        if a.auth != Auth::None
            && self.registry.unauthenticated() >= self.max_unauth.load(Ordering::SeqCst)
        {
            self.clients.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(
                server = self.name,
                "refusing a client: max_anonymous_clients ({}) are still to authenticate",
                self.max_unauth.load(Ordering::SeqCst)
            );
            return;
        }
        self.activity.fetch_add(1, Ordering::SeqCst);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let me = self.clone();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        tracing::debug!(
            server = self.name,
            client = id,
            transport = a.transport,
            readonly = a.readonly,
            "client connected"
        );
        tokio::spawn(async move {
            let peer = client::Peer {
                readonly: a.readonly,
                auth: a.auth,
                secure: a.secure,
                passed: a.passed,
                registry: me.registry.clone(),
                entry: client::EntryInfo {
                    timestamp,
                    transport: a.transport,
                    identity: a.identity,
                },
            };
            client::serve(stream, id, peer, me.table.clone(), me.limits.clone()).await;
            tracing::debug!(server = me.name, client = id, "client gone");
            me.clients.fetch_sub(1, Ordering::SeqCst);
            me.activity.fetch_add(1, Ordering::SeqCst);
        });
    }
}

impl ClientEntry {
    /// The entry for a client context the client module just made.
    pub fn new(id: u64, info: client::EntryInfo, readonly: bool, ctx: &Arc<ClientCtx>) -> Self {
        ClientEntry {
            id,
            timestamp: info.timestamp,
            transport: info.transport,
            readonly,
            identity: info.identity,
            ctx: Arc::downgrade(ctx),
        }
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
                let unix = s.peer_cred().ok().map(|c| (c.uid(), c.gid(), c.pid()));
                let (s, passed) = client::fds::UnixFdStream::new(s);
                server.spawn_client_with(
                    s,
                    Arrival {
                        readonly,
                        auth,
                        secure: true,
                        transport: transport::UNIX,
                        identity: Identity {
                            unix,
                            sock_addr: None,
                        },
                        passed: Some(passed),
                    },
                )
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
            Ok((s, peer)) => {
                let _ = s.set_nodelay(true);
                server.spawn_client_with(
                    s,
                    Arrival {
                        readonly: false,
                        auth,
                        secure: false,
                        transport: transport::TCP,
                        identity: Identity {
                            unix: None,
                            sock_addr: Some(sock_addr(&peer)),
                        },
                        passed: None,
                    },
                )
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
    cfg: Arc<std::sync::RwLock<Arc<rustls::ServerConfig>>>,
    auth: Auth,
) {
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
        // Read at every connection, so renewed certificates apply to the next client.
        let acceptor =
            tokio_rustls::TlsAcceptor::from(cfg.read().unwrap_or_else(|p| p.into_inner()).clone());
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
            server.spawn_client_with(
                tls,
                Arrival {
                    readonly: false,
                    auth,
                    secure: true,
                    transport: transport::TLS,
                    identity: Identity {
                        unix: None,
                        sock_addr: Some(sock_addr(&peer)),
                    },
                    passed: None,
                },
            );
        });
    }
}

/// A peer's address as libvirt shows it: `ADDR;PORT`.
fn sock_addr(a: &std::net::SocketAddr) -> String {
    format!("{};{}", a.ip(), a.port())
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
