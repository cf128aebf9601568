//! One connected client: reading its packets, running its calls on the worker pool,
//! writing replies and events, keepalive, and cleanup when it goes away.

use crate::dispatch::{self, Table};
use crate::settings::Auth;
use rvirt_rpc::packet::{encode_packet, keepalive, program, Header, MsgType, Status};
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::transport::{read_packet, FrameError};
use rvirt_rpc::xdr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Semaphore};

/// How many packets may wait for the writer before events are dropped for a client that
/// does not read.
const OUT_QUEUE: usize = 4096;

/// An event registration a client holds, so it can be undone when the client leaves.
#[derive(Clone, Debug)]
pub struct Registration {
    /// The id the client knows (the driver's callback id).
    pub remote_id: i32,
    pub family: rvirt::EventFamily,
    /// For legacy domain registrations, the event id they were made for.
    pub legacy_event: Option<i32>,
}

/// Everything the daemon knows about one client.
pub struct ClientCtx {
    pub id: u64,
    pub readonly: bool,
    pub auth: Auth,
    pub authenticated: AtomicBool,
    /// Whether the transport is one libvirt calls secure (UNIX, TLS, SSH).
    pub secure: bool,
    conn: Mutex<Option<rvirt::Connect>>,
    out: mpsc::Sender<Vec<u8>>,
    pub registrations: Mutex<Vec<Registration>>,
    pub keepalive: AtomicBool,
    pub close_callback: AtomicBool,
    last_rx: AtomicU64,
    pings_unanswered: AtomicU32,
    started: Instant,
}

impl ClientCtx {
    fn lock_conn(&self) -> MutexGuard<'_, Option<rvirt::Connect>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client's open hypervisor connection, or libvirt's "connection not open".
    pub fn conn(&self) -> rvirt::Result<rvirt::Connect> {
        self.lock_conn()
            .clone()
            .ok_or_else(|| rvirt::Error::internal(rvirt::ErrorDomain::RPC, "connection not open"))
    }

    pub fn has_conn(&self) -> bool {
        self.lock_conn().is_some()
    }

    pub fn set_conn(&self, c: Option<rvirt::Connect>) {
        *self.lock_conn() = c;
    }

    /// Queues an event message for the client; dropped if its queue is full.
    pub fn send_event(&self, prog: u32, proc_: i32, body: Vec<u8>) {
        let h = Header::new(prog, proc_, MsgType::Message, 1, Status::Ok);
        let _ = self.out.try_send(encode_packet(&h, &body));
    }

    /// Queues a packet that must not be dropped (a reply), waiting for room.
    pub fn send_blocking(&self, bytes: Vec<u8>) {
        let _ = self.out.blocking_send(bytes);
    }

    fn touch(&self) {
        self.last_rx
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.pings_unanswered.store(0, Ordering::Relaxed);
    }

    /// Undoes every event registration (the client is gone or closed its connection).
    pub fn drop_registrations(&self) {
        let regs =
            std::mem::take(&mut *self.registrations.lock().unwrap_or_else(|p| p.into_inner()));
        if let Ok(c) = self.conn() {
            for r in regs {
                let _ = dispatch::events::deregister(&c, &r);
            }
        }
    }
}

/// Limits shared by all clients.
pub struct Limits {
    pub max_client_requests: usize,
    pub keepalive_interval: i64,
    pub keepalive_count: u32,
}

/// The error reply for a call.
pub fn error_reply(h: &Header, e: &rvirt::Error) -> Vec<u8> {
    let body = xdr::to_bytes(&RemoteError::from(e));
    encode_packet(&h.reply(Status::Error), &body)
}

/// libvirt's RPC-level error (code and domain `VIR_ERR_RPC`/`VIR_FROM_RPC`), used for
/// protocol violations.
pub fn rpc_error(msg: impl Into<String>) -> rvirt::Error {
    rvirt::Error::raw(rvirt::ErrorDomain::RPC, rvirt::ErrorCode::RPC, msg)
}

/// Serves one client until it disconnects or misbehaves beyond repair.
pub async fn serve<S>(
    stream: S,
    id: u64,
    readonly: bool,
    auth: Auth,
    secure: bool,
    table: Arc<Table>,
    limits: Arc<Limits>,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(OUT_QUEUE);
    let ctx = Arc::new(ClientCtx {
        id,
        readonly,
        auth,
        authenticated: AtomicBool::new(auth == Auth::None),
        secure,
        conn: Mutex::new(None),
        out: tx,
        registrations: Mutex::new(Vec::new()),
        keepalive: AtomicBool::new(false),
        close_callback: AtomicBool::new(false),
        last_rx: AtomicU64::new(0),
        pings_unanswered: AtomicU32::new(0),
        started: Instant::now(),
    });
    let writer = tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if wr.write_all(&bytes).await.is_err() || wr.flush().await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });
    let keepalive = tokio::spawn(keepalive_task(ctx.clone(), limits.clone()));
    let in_flight = Arc::new(Semaphore::new(limits.max_client_requests));
    loop {
        let pkt = match read_packet(&mut rd).await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(FrameError::Io(_)) | Err(FrameError::Truncated { .. }) => break,
            Err(e) => {
                tracing::warn!(client = id, "dropping client: {e}");
                break;
            }
        };
        ctx.touch();
        let h = pkt.header;
        if h.prog == program::KEEPALIVE {
            if h.proc_ == keepalive::PING && h.kind == MsgType::Message as i32 {
                let pong = Header::new(
                    program::KEEPALIVE,
                    keepalive::PONG,
                    MsgType::Message,
                    0,
                    Status::Ok,
                );
                let _ = ctx.out.send(encode_packet(&pong, &[])).await;
            }
            continue;
        }
        if h.kind == MsgType::Stream as i32 || h.kind == MsgType::StreamHole as i32 {
            // No stream is open in this version of the daemon: nothing to route the data to.
            continue;
        }
        if h.kind != MsgType::Call as i32 && h.kind != MsgType::CallWithFds as i32 {
            tracing::debug!(
                client = id,
                kind = h.kind,
                "ignoring packet that is not a call"
            );
            continue;
        }
        if h.prog != program::REMOTE && h.prog != program::QEMU {
            let e = rpc_error(format!("unknown program 0x{:x}", h.prog));
            let _ = ctx.out.send(error_reply(&h, &e)).await;
            continue;
        }
        if h.vers != 1 {
            let e = rpc_error(format!(
                "unsupported version {} of program 0x{:x}",
                h.vers, h.prog
            ));
            let _ = ctx.out.send(error_reply(&h, &e)).await;
            continue;
        }
        if h.status != Status::Ok as i32 {
            let e = rpc_error(format!("unexpected status {} in a call", h.status));
            let _ = ctx.out.send(error_reply(&h, &e)).await;
            continue;
        }
        if h.kind == MsgType::CallWithFds as i32 {
            let e = rpc_error("passing file descriptors is not supported by this daemon");
            let _ = ctx.out.send(error_reply(&h, &e)).await;
            continue;
        }
        // CONNECT_CLOSE is answered in order, after every earlier call of this client.
        let permit = match in_flight.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => break,
        };
        let (c, t) = (ctx.clone(), table.clone());
        tokio::task::spawn_blocking(move || {
            let reply = t.dispatch(&c, &h, &pkt.payload);
            c.send_blocking(reply);
            drop(permit);
        });
    }
    // Wait for calls still running so their replies and the registrations they made are
    // accounted for, then clean up.
    let _ = in_flight
        .acquire_many(limits.max_client_requests as u32)
        .await;
    let c = ctx.clone();
    let _ = tokio::task::spawn_blocking(move || {
        c.drop_registrations();
        c.set_conn(None);
    })
    .await;
    keepalive.abort();
    drop(ctx);
    let _ = writer.await;
}

/// Sends a ping after each idle interval once the client asked for keepalive, and drops the
/// client after too many unanswered ones.
async fn keepalive_task(ctx: Arc<ClientCtx>, limits: Arc<Limits>) {
    if limits.keepalive_interval <= 0 {
        return;
    }
    let interval = Duration::from_secs(limits.keepalive_interval as u64);
    loop {
        tokio::time::sleep(interval).await;
        if !ctx.keepalive.load(Ordering::Relaxed) {
            continue;
        }
        let idle = ctx.started.elapsed().as_millis() as u64 - ctx.last_rx.load(Ordering::Relaxed);
        if idle < interval.as_millis() as u64 {
            continue;
        }
        let n = ctx.pings_unanswered.fetch_add(1, Ordering::Relaxed);
        if limits.keepalive_count > 0 && n >= limits.keepalive_count {
            tracing::info!(client = ctx.id, "no keepalive response, closing");
            // Closing the queue ends the writer; the reader then sees the socket go away.
            let _ = ctx.out.try_send(Vec::new());
            return;
        }
        let ping = Header::new(
            program::KEEPALIVE,
            keepalive::PING,
            MsgType::Message,
            0,
            Status::Ok,
        );
        let _ = ctx.out.try_send(encode_packet(&ping, &[]));
    }
}
