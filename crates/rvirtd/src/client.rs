//! One connected client: reading its packets, running its calls on the worker pool,
//! writing replies and events, keepalive, and cleanup when it goes away.

pub mod fds;
mod streams;

use crate::dispatch::{self, Table};
use crate::settings::Auth;
use rvirt_rpc::packet::{encode_packet, keepalive, program, Header, MsgType, Status};
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::transport::{read_packet, FrameError};
use rvirt_rpc::xdr;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};

pub use streams::OpenedStream;

/// How many unsolicited packets (events, pings) may wait for the writer before further
/// events are dropped for a client that does not read.
const OUT_QUEUE: usize = 4096;

/// How long the replies of a client that went away (or half-closed) may take to drain
/// before its connection is torn down regardless.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// A packet waiting for the writer.
struct Outgoing {
    bytes: Vec<u8>,
    /// For a reply: the client's request slot, given back only once the reply is written,
    /// so a client that does not read its replies stops being read (as libvirt does)
    /// instead of piling replies up in memory.
    permit: Option<OwnedSemaphorePermit>,
    /// Counted against `OUT_QUEUE` (events and pings).
    unsolicited: bool,
    /// For a read stream's data: the stream's credit, given back once written (see
    /// [`streams`]), which bounds what a stream queues for a slow reader.
    credit: Option<streams::Credit>,
}

/// Read buffer per client: most calls fit whole, so a packet usually costs one read system
/// call; bigger ones are read straight into their own buffer. Small because it is paid per
/// connected client.
const READ_BUFFER: usize = 512;

/// The packets waiting for a client's writer. A plain queue rather than a channel: an
/// idle client costs no memory for it, which matters with thousands of clients.
#[derive(Default)]
struct OutQueue {
    items: Mutex<(VecDeque<Outgoing>, bool)>,
    ready: Notify,
}

impl OutQueue {
    fn lock(&self) -> MutexGuard<'_, (VecDeque<Outgoing>, bool)> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a packet; false once the queue is closed.
    fn push(&self, item: Outgoing) -> bool {
        {
            let mut q = self.lock();
            if q.1 {
                return false;
            }
            q.0.push_back(item);
        }
        self.ready.notify_one();
        true
    }

    /// No more packets will be queued; the writer drains what is there and ends.
    fn close(&self) {
        self.lock().1 = true;
        self.ready.notify_one();
    }

    /// The next packet, or `None` once the queue is closed and empty.
    async fn pop(&self) -> Option<Outgoing> {
        loop {
            {
                let mut q = self.lock();
                if let Some(item) = q.0.pop_front() {
                    return Some(item);
                }
                if q.1 {
                    return None;
                }
            }
            // notify_one stores a permit when nobody waits, so a push between the check
            // above and this wait is not lost.
            self.ready.notified().await;
        }
    }

    /// Drops everything queued (freeing the request slots replies hold).
    fn clear(&self) {
        let items = std::mem::take(&mut self.lock().0);
        drop(items);
    }
}

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
    /// Unbounded: replies are bounded by the request slots they hold, unsolicited packets
    /// by `queued`.
    out: Arc<OutQueue>,
    /// Unsolicited packets queued and not yet written.
    queued: AtomicUsize,
    pub registrations: Mutex<Vec<Registration>>,
    /// Streams opened by the client's calls and not yet finished or aborted.
    streams: Arc<streams::StreamTable>,
    pub keepalive: AtomicBool,
    pub close_callback: AtomicBool,
    /// The admin program's CONNECT_OPEN was made (its other calls need it).
    pub admin_open: AtomicBool,
    last_rx: AtomicU64,
    pings_unanswered: AtomicU32,
    started: Instant,
    /// Set to drop the client (a dead peer that stopped answering pings); the reader, the
    /// writer and any write in progress all stop on it.
    kill: watch::Sender<bool>,
}

impl ClientCtx {
    fn lock_conn(&self) -> MutexGuard<'_, Option<rvirt::Connect>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client's open hypervisor connection, or libvirt's "hypervisor connection not
    /// open".
    pub fn conn(&self) -> rvirt::Result<rvirt::Connect> {
        self.lock_conn().clone().ok_or_else(|| {
            rvirt::Error::internal(rvirt::ErrorDomain::RPC, "hypervisor connection not open")
        })
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
        self.send_unsolicited(encode_packet(&h, &body));
    }

    /// Queues an event or ping unless `OUT_QUEUE` of them already wait.
    fn send_unsolicited(&self, bytes: Vec<u8>) {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= OUT_QUEUE {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return;
        }
        let item = Outgoing {
            bytes,
            permit: None,
            unsolicited: true,
            credit: None,
        };
        if !self.out.push(item) {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Queues a reply; its request slot is released once it is written (or dropped with
    /// the connection). Never blocks, so a worker thread never waits on a slow client.
    fn send_reply(&self, bytes: Vec<u8>, permit: OwnedSemaphorePermit) {
        self.out.push(Outgoing {
            bytes,
            permit: Some(permit),
            unsolicited: false,
            credit: None,
        });
    }

    /// Drops the client's connection (`virt-admin client-disconnect`).
    pub fn close(&self) {
        self.kill();
    }

    /// Drops the client.
    fn kill(&self) {
        self.kill.send_replace(true);
    }

    /// Resolves once the client is being dropped.
    fn killed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.kill.subscribe();
        async move {
            let _ = rx.wait_for(|k| *k).await;
        }
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

impl Drop for ClientCtx {
    /// Nothing can queue packets once the client's context is gone: let the writer finish.
    fn drop(&mut self) {
        self.out.close();
    }
}

/// Limits shared by all clients.
pub struct Limits {
    pub max_client_requests: usize,
    /// Runs the calls that may wait.
    pub workers: crate::workers::WorkerPool,
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

/// How a client reached the daemon: which socket and what its transport can do.
pub struct Peer {
    /// Came in on the read-only socket.
    pub readonly: bool,
    pub auth: Auth,
    /// The transport is private (UNIX or TLS).
    pub secure: bool,
    /// Descriptors the transport received beside the bytes (UNIX sockets only).
    pub passed: Option<Arc<fds::FdQueue>>,
    /// The server's list of clients, which this one joins while it is connected.
    pub registry: Arc<crate::server::Registry>,
    pub entry: EntryInfo,
}

/// What the client list shows about a client beside its id.
pub struct EntryInfo {
    pub timestamp: i64,
    pub transport: u32,
    pub identity: crate::server::Identity,
}

/// Serves one client until it disconnects or misbehaves beyond repair.
pub async fn serve<S>(stream: S, id: u64, peer: Peer, table: Arc<Table>, limits: Arc<Limits>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let Peer {
        readonly,
        auth,
        secure,
        passed,
        registry,
        entry,
    } = peer;
    let (rd, wr) = tokio::io::split(stream);
    // Buffered so a packet usually costs one read system call, not two.
    let mut rd = tokio::io::BufReader::with_capacity(READ_BUFFER, rd);
    // Shared by the writer task (events, pool replies, pings) and the reader, which writes
    // the replies of inline calls and protocol errors itself; the lock keeps packets whole.
    let wr = Arc::new(tokio::sync::Mutex::new(wr));
    let out = Arc::new(OutQueue::default());
    let ctx = Arc::new(ClientCtx {
        id,
        readonly,
        auth,
        authenticated: AtomicBool::new(auth == Auth::None),
        secure,
        conn: Mutex::new(None),
        out: out.clone(),
        queued: AtomicUsize::new(0),
        registrations: Mutex::new(Vec::new()),
        streams: Arc::default(),
        keepalive: AtomicBool::new(false),
        close_callback: AtomicBool::new(false),
        admin_open: AtomicBool::new(false),
        last_rx: AtomicU64::new(0),
        pings_unanswered: AtomicU32::new(0),
        started: Instant::now(),
        kill: watch::Sender::new(false),
    });
    let registered = registry.enter(crate::server::ClientEntry::new(id, entry, readonly, &ctx));
    let writer = tokio::spawn(writer(
        wr.clone(),
        out,
        Arc::downgrade(&ctx),
        ctx.killed(),
        limits.clone(),
    ));
    // Calls whose replies are not written yet (libvirt's max_client_requests)...
    let in_flight = Arc::new(Semaphore::new(limits.max_client_requests));
    // ...and calls still running on the worker pool, waited for before cleaning up.
    let running = Arc::new(Semaphore::new(limits.max_client_requests));
    let killed = ctx.killed();
    tokio::pin!(killed);
    loop {
        let next = tokio::select! {
            r = read_packet(&mut rd) => r,
            _ = &mut killed => break,
        };
        let pkt = match next {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(FrameError::Io(_)) | Err(FrameError::Truncated { .. }) => break,
            Err(e) => {
                tracing::warn!(client = id, "dropping client: {e}");
                break;
            }
        };
        ctx.touch();
        let mut h = pkt.header;
        let mut payload = pkt.payload;
        let mut call_fds: Vec<std::os::fd::OwnedFd> = Vec::new();
        if h.prog == program::KEEPALIVE {
            if h.proc_ == keepalive::PING && h.kind == MsgType::Message as i32 {
                let pong = Header::new(
                    program::KEEPALIVE,
                    keepalive::PONG,
                    MsgType::Message,
                    0,
                    Status::Ok,
                );
                ctx.send_unsolicited(encode_packet(&pong, &[]));
            }
            continue;
        }
        if h.kind == MsgType::Stream as i32 || h.kind == MsgType::StreamHole as i32 {
            match streams::route(&ctx, &h, &payload) {
                streams::Route::Done => {}
                // A full write queue stops the reading of this client until the stream's
                // backend catches up.
                streams::Route::Feed(f) => {
                    tokio::select! {
                        _ = f.feed() => {}
                        _ = &mut killed => break,
                    }
                }
                streams::Route::Drop(why) => {
                    tracing::warn!(client = id, "dropping client: {why}");
                    break;
                }
            }
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
        // Protocol errors are answered in line, so a client that sends them without
        // reading the answers is simply not read any further.
        let refuse = |e: rvirt::Error| error_reply(&h, &e);
        let early = if !table.serves(h.prog) || h.vers != 1 {
            // libvirt looks programs up by number and version together and prints both
            // as signed decimals.
            Some(refuse(rpc_error(format!(
                "Cannot find program {} version {}",
                h.prog as i32, h.vers as i32
            ))))
        } else if h.status != Status::Ok as i32 {
            Some(refuse(rpc_error(format!(
                "Unexpected message status {}",
                h.status as u32
            ))))
        } else if h.kind == MsgType::CallWithFds as i32 {
            // The payload starts with the number of descriptors passed beside it; they
            // follow the packet, one byte each. A call passing none is an ordinary call
            // (and answered as one, as libvirt does).
            match payload
                .get(..4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            {
                None => Some(refuse(rpc_error("Unable to decode number of FDs"))),
                Some(n) if n as usize > fds::MAX_FDS => {
                    // The bytes that carry them cannot be told from the next packet, so
                    // the client is dropped without an answer, as libvirtd drops it.
                    tracing::warn!(
                        client = id,
                        "dropping client: {n} descriptors passed, at most {} allowed",
                        fds::MAX_FDS
                    );
                    break;
                }
                Some(0) => {
                    payload.drain(..4);
                    h.kind = MsgType::Call as i32;
                    None
                }
                Some(n) => match &passed {
                    None => Some(refuse(rpc_error(
                        "Receiving file descriptors is not supported on this socket",
                    ))),
                    Some(q) => {
                        let mut marks = vec![0u8; n as usize];
                        let read = tokio::select! {
                            r = tokio::io::AsyncReadExt::read_exact(&mut rd, &mut marks) => r,
                            _ = &mut killed => break,
                        };
                        if read.is_err() {
                            break;
                        }
                        match q.take(n as usize) {
                            Some(v) => {
                                payload.drain(..4);
                                call_fds = v;
                                None
                            }
                            None => Some(refuse(rpc_error(format!(
                                "Expected {n} file descriptors with the call, received fewer"
                            )))),
                        }
                    }
                },
            }
        } else {
            None
        };
        if let Some(reply) = early {
            if !write_or_killed(&wr, &reply, &mut killed).await {
                break;
            }
            continue;
        }
        // After CONNECT_CLOSE the client is closed once its reply is out, as libvirtd
        // does: a client waiting for that end knows its connection is released.
        let closing =
            (h.prog == program::REMOTE || h.prog == program::ADMIN) && h.proc_ == CONNECT_CLOSE;
        if table.runs_inline(h.prog, h.proc_) {
            // Stream-opening calls never run inline (`Table::add_stream`).
            let reply = dispatch_guarded(&table, &ctx, &h, &payload, call_fds).reply;
            if !write_or_killed(&wr, &reply, &mut killed).await || closing {
                break;
            }
            continue;
        }
        let permit = tokio::select! {
            p = in_flight.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut killed => break,
        };
        let Ok(run_permit) = running.clone().acquire_owned().await else {
            break;
        };
        let (c, t) = (ctx.clone(), table.clone());
        let high = table.is_high_priority(h.prog, h.proc_);
        limits.workers.submit(
            high,
            Box::new(move |finishing| {
                let done = dispatch_guarded(&t, &c, &h, &payload, call_fds);
                finishing.now();
                match done.stream {
                    Some(opened) => streams::start(&c, &h, opened, done.reply, permit),
                    None => c.send_reply(done.reply, permit),
                }
                drop(run_permit);
            }),
        );
        if closing {
            break;
        }
    }
    // Wait for calls still running so the registrations they made are accounted for,
    // then clean up.
    let _ = running
        .acquire_many(limits.max_client_requests as u32)
        .await;
    let c = ctx.clone();
    let _ = tokio::task::spawn_blocking(move || {
        c.streams.abort_all();
        c.drop_registrations();
        c.set_conn(None);
    })
    .await;
    // Replies already queued may still drain to a client that only half-closed, but a
    // client that does not read them must not keep its connection alive.
    let stop = ctx.kill.clone();
    drop(registered);
    drop(ctx);
    let mut writer = writer;
    if tokio::time::timeout(DRAIN_GRACE, &mut writer)
        .await
        .is_err()
    {
        stop.send_replace(true);
        if tokio::time::timeout(Duration::from_secs(2), &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }
}

/// `REMOTE_PROC_CONNECT_CLOSE`, and the admin program's too.
const CONNECT_CLOSE: i32 = 2;

/// Runs a call, turning a panic in its handler into an internal error reply, so one bad
/// handler costs one call, not the client's connection (and the daemon's client count).
fn dispatch_guarded(
    table: &Table,
    ctx: &Arc<ClientCtx>,
    h: &Header,
    payload: &[u8],
    call_fds: Vec<std::os::fd::OwnedFd>,
) -> dispatch::Dispatched {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fds::CallFds::with(call_fds, || table.dispatch(ctx, h, payload))
    })) {
        Ok(done) => done,
        Err(_) => {
            tracing::error!(client = ctx.id, proc_ = h.proc_, "a call handler panicked");
            dispatch::Dispatched::reply(error_reply(
                h,
                &rvirt::Error::internal(
                    rvirt::ErrorDomain::RPC,
                    format!("procedure {} failed unexpectedly", h.proc_),
                ),
            ))
        }
    }
}

/// Writes one whole packet; false when the peer is gone.
async fn write_packet<W: AsyncWrite + Unpin>(wr: &tokio::sync::Mutex<W>, bytes: &[u8]) -> bool {
    let mut w = wr.lock().await;
    w.write_all(bytes).await.is_ok() && w.flush().await.is_ok()
}

/// Writes a packet from the reader, giving up when the client is being dropped (a peer
/// that stopped reading must not keep the reader waiting forever).
async fn write_or_killed<W, K>(
    wr: &tokio::sync::Mutex<W>,
    bytes: &[u8],
    killed: &mut std::pin::Pin<&mut K>,
) -> bool
where
    W: AsyncWrite + Unpin,
    K: std::future::Future<Output = ()>,
{
    tokio::select! {
        ok = write_packet(wr, bytes) => ok,
        _ = killed.as_mut() => false,
    }
}

/// The client's writer: events, pool replies and pings in queue order, and keepalive.
///
/// Keepalive lives here rather than in a task of its own to keep an idle client cheap; it
/// keeps ticking while a write is stuck, so a peer that stopped reading is still dropped.
async fn writer<W, K>(
    wr: Arc<tokio::sync::Mutex<W>>,
    out: Arc<OutQueue>,
    ctx: Weak<ClientCtx>,
    killed: K,
    limits: Arc<Limits>,
) where
    W: AsyncWrite + Unpin,
    K: std::future::Future<Output = ()>,
{
    let interval = (limits.keepalive_interval > 0)
        .then(|| Duration::from_secs(limits.keepalive_interval as u64));
    // Without keepalive the timer never fires (a far deadline, re-armed after each tick).
    let period = interval.unwrap_or(Duration::from_secs(86_400));
    let tick = tokio::time::sleep(period);
    tokio::pin!(tick, killed);
    'outer: loop {
        let item = tokio::select! {
            biased;
            _ = &mut killed => break,
            _ = &mut tick => {
                tick.as_mut().reset(tokio::time::Instant::now() + period);
                if interval.is_some() {
                    keepalive_tick(&ctx, period, limits.keepalive_count);
                }
                continue;
            }
            item = out.pop() => item,
        };
        let Some(item) = item else { break };
        let write = write_packet(&wr, &item.bytes);
        tokio::pin!(write);
        let ok = loop {
            tokio::select! {
                biased;
                _ = &mut killed => break 'outer,
                ok = &mut write => break ok,
                _ = &mut tick => {
                    tick.as_mut().reset(tokio::time::Instant::now() + period);
                    if interval.is_some() {
                        keepalive_tick(&ctx, period, limits.keepalive_count);
                    }
                }
            }
        };
        if item.unsolicited {
            if let Some(c) = ctx.upgrade() {
                c.queued.fetch_sub(1, Ordering::AcqRel);
            }
        }
        // The request slot of a reply is free once the reply is on its way, and so is a
        // stream's credit for its data.
        drop(item.permit);
        drop(item.credit);
        if !ok {
            break;
        }
    }
    // Queued replies still hold request slots: dropping them frees the slots.
    out.close();
    out.clear();
    let mut w = wr.lock().await;
    let _ = tokio::time::timeout(Duration::from_secs(1), w.shutdown()).await;
}

/// One keepalive interval passed: once the client asked for keepalive, ping it if it was
/// idle that long, and drop it after too many unanswered pings.
fn keepalive_tick(ctx: &Weak<ClientCtx>, interval: Duration, count: u32) {
    let Some(ctx) = ctx.upgrade() else { return };
    if !ctx.keepalive.load(Ordering::Relaxed) {
        return;
    }
    // The reader may record a packet between the two reads: never underflow.
    let idle = (ctx.started.elapsed().as_millis() as u64)
        .saturating_sub(ctx.last_rx.load(Ordering::Relaxed));
    if idle < interval.as_millis() as u64 {
        return;
    }
    let n = ctx.pings_unanswered.fetch_add(1, Ordering::Relaxed);
    if count > 0 && n >= count {
        tracing::info!(client = ctx.id, "no keepalive response, closing");
        ctx.kill();
        return;
    }
    let ping = Header::new(
        program::KEEPALIVE,
        keepalive::PING,
        MsgType::Message,
        0,
        Status::Ok,
    );
    ctx.send_unsolicited(encode_packet(&ping, &[]));
}
