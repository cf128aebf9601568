//! The connection core: one stream, a writer task, a reader task that matches replies to
//! calls by serial, routes events and answers keepalive pings, and a keepalive task that
//! pings an idle server.
//!
//! Calls are synchronous for their caller and may come from many threads at once: each
//! takes the next serial, parks a one-shot channel under it, queues its packet for the
//! writer and waits. The reader completes whichever call a reply names, in whatever order
//! replies come. When the connection ends, every waiting call fails with the reason (end of
//! file, a read or write error, keepalive timeout) and later calls with libvirt's "client
//! socket is closed".

use crate::events::Incoming;
use crate::runtime;
use crate::transport::{Conn, Io, Stderr};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::packet::{
    encode_packet, keepalive, program, Header, MsgType, Packet, Status, LEN_SIZE, MESSAGE_MAX,
};
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::transport::{read_packet, write_all, FrameError};
use rvirt_rpc::xdr;
use std::collections::HashMap;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};

/// virsh's keepalive defaults: a ping after 5 idle seconds, the connection given up after
/// 6 unanswered ones.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
pub const KEEPALIVE_COUNT: u32 = 6;

/// How long closing a connection waits for the server to acknowledge `CONNECT_CLOSE`.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

type Reply = Result<Packet>;

#[derive(Default)]
struct State {
    pending: HashMap<u32, SyncSender<Reply>>,
    /// Set once the connection is down.
    closed: bool,
    /// Why it went down, while no call has been told yet: the next call reports it, as a
    /// libvirt client that finds the broken socket on its next call would; calls after
    /// that get "client socket is closed".
    unreported: Option<Error>,
}

struct Shared {
    out: mpsc::UnboundedSender<Vec<u8>>,
    state: Mutex<State>,
    serial: AtomicU32,
    /// Milliseconds since `started` when something last arrived.
    last_rx: AtomicU64,
    unanswered: AtomicU32,
    started: Instant,
    stop: watch::Sender<bool>,
    events: Mutex<Option<Sender<Incoming>>>,
    stderr: Option<Arc<Stderr>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// libvirt's error for a call on a connection that is already down.
pub fn closed_error() -> Error {
    Error::new(
        ErrorDomain::RPC,
        ErrorCode::INTERNAL_ERROR,
        Some("client socket is closed".to_string()),
    )
}

fn rpc(msg: impl Into<String>) -> Error {
    Error::raw(ErrorDomain::RPC, ErrorCode::RPC, msg)
}

impl Shared {
    fn touch(&self) {
        self.last_rx
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.unanswered.store(0, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let now = self.started.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_rx.load(Ordering::Relaxed)))
    }

    fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Takes the connection down: waiting calls get `why`, the tasks stop.
    fn close(&self, why: Error) {
        let pending = {
            let mut st = lock(&self.state);
            if st.closed {
                return;
            }
            st.closed = true;
            if st.pending.is_empty() {
                st.unreported = Some(why.clone());
            }
            std::mem::take(&mut st.pending)
        };
        for (_, tx) in pending {
            let _ = tx.try_send(Err(why.clone()));
        }
        let _ = self.stop.send(true);
        // The event dispatcher ends once its channel is gone.
        lock(&self.events).take();
    }

    /// What the child process (ssh) said, prefixed for an error message.
    async fn stderr_suffix(&self) -> String {
        match &self.stderr {
            Some(s) => {
                s.settle().await;
                s.text().map(|t| format!(": {t}")).unwrap_or_default()
            }
            None => String::new(),
        }
    }

    async fn read_failed(&self, e: FrameError) -> Error {
        let extra = self.stderr_suffix().await;
        match e {
            FrameError::Io(e) => {
                Error::system(ErrorDomain::RPC, format!("Cannot recv data{extra}"), &e)
            }
            FrameError::Truncated { .. } => eof(&extra),
            // libvirt counts the packet without its length word.
            FrameError::Length(rvirt_rpc::packet::LengthError::TooLong(n)) => rpc(format!(
                "packet {} bytes received from server too large, want {MESSAGE_MAX}",
                n as usize - LEN_SIZE
            )),
            FrameError::Length(rvirt_rpc::packet::LengthError::TooShort(n)) => rpc(format!(
                "packet {} bytes received from server too small, want {}",
                (n as usize).saturating_sub(LEN_SIZE),
                rvirt_rpc::packet::HEADER_SIZE
            )),
            FrameError::Header(_) => rpc("Unable to decode message header"),
        }
    }

    fn send(&self, frame: Vec<u8>) -> bool {
        self.out.send(frame).is_ok()
    }

    /// Handles one packet from the server.
    fn dispatch(&self, p: Packet) {
        let h = p.header;
        if h.prog == program::KEEPALIVE {
            if h.proc_ == keepalive::PING {
                let pong = Header::new(
                    program::KEEPALIVE,
                    keepalive::PONG,
                    MsgType::Message,
                    0,
                    Status::Ok,
                );
                self.send(encode_packet(&pong, &[]));
            }
            return;
        }
        match h.msg_type() {
            Some(MsgType::Reply) | Some(MsgType::ReplyWithFds) => {
                let waiter = lock(&self.state).pending.remove(&h.serial);
                if let Some(tx) = waiter {
                    let _ = tx.try_send(Ok(p));
                }
            }
            Some(MsgType::Message) if h.prog == program::REMOTE => {
                let Some(inc) = crate::events::decode(h.proc_, &p.payload) else {
                    return;
                };
                if let Some(tx) = lock(&self.events).as_ref() {
                    let _ = tx.send(inc);
                }
            }
            // Streams are not opened by this client; anything else is not for us.
            _ => {}
        }
    }
}

fn eof(extra: &str) -> Error {
    Error::system(
        ErrorDomain::RPC,
        format!("End of file while reading data{extra}"),
        &std::io::Error::from_raw_os_error(5),
    )
}

async fn reader(mut rd: ReadHalf<Box<dyn Io>>, shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    loop {
        let r = tokio::select! {
            _ = stop.changed() => return,
            r = read_packet(&mut rd) => r,
        };
        match r {
            Ok(Some(p)) => {
                shared.touch();
                shared.dispatch(p);
            }
            Ok(None) => {
                let extra = shared.stderr_suffix().await;
                shared.close(eof(&extra));
                return;
            }
            Err(e) => {
                let err = shared.read_failed(e).await;
                shared.close(err);
                return;
            }
        }
    }
}

async fn writer(
    mut wr: WriteHalf<Box<dyn Io>>,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    shared: std::sync::Weak<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let frame = tokio::select! {
            _ = stop.changed() => break,
            f = rx.recv() => f,
        };
        let Some(frame) = frame else { break };
        if let Err(e) = write_all(&mut wr, &frame).await {
            if let Some(s) = shared.upgrade() {
                let extra = s.stderr_suffix().await;
                s.close(Error::system(
                    ErrorDomain::RPC,
                    format!("Cannot write data{extra}"),
                    &e,
                ));
            }
            break;
        }
    }
    let _ = wr.shutdown().await;
}

async fn keepalive_task(shared: Arc<Shared>, interval: Duration, count: u32) {
    let mut stop = shared.stop.subscribe();
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        if shared.is_closed() {
            return;
        }
        if shared.idle() < interval {
            continue;
        }
        if shared.unanswered.fetch_add(1, Ordering::Relaxed) >= count {
            shared.close(Error::new(
                ErrorDomain::RPC,
                ErrorCode::INTERNAL_ERROR,
                Some("connection closed due to keepalive timeout".to_string()),
            ));
            return;
        }
        let ping = Header::new(
            program::KEEPALIVE,
            keepalive::PING,
            MsgType::Message,
            0,
            Status::Ok,
        );
        shared.send(encode_packet(&ping, &[]));
    }
}

/// One connection to a daemon.
pub struct Client {
    shared: Arc<Shared>,
    child: Mutex<Option<Child>>,
    /// Whether `CONNECT_OPEN` succeeded, so closing should send `CONNECT_CLOSE`.
    opened: AtomicBool,
}

impl Client {
    /// Starts the tasks for an open stream (on the runtime).
    fn start(conn: Conn) -> Client {
        let (out, rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            out,
            state: Mutex::new(State::default()),
            serial: AtomicU32::new(0),
            last_rx: AtomicU64::new(0),
            unanswered: AtomicU32::new(0),
            started: Instant::now(),
            stop,
            events: Mutex::new(None),
            stderr: conn.stderr,
        });
        let (rd, wr) = tokio::io::split(conn.io);
        tokio::spawn(reader(rd, shared.clone()));
        tokio::spawn(writer(wr, rx, Arc::downgrade(&shared), stop_rx));
        Client {
            shared,
            child: Mutex::new(conn.child),
            opened: AtomicBool::new(false),
        }
    }

    /// Dials `target` and starts the connection's tasks.
    pub fn connect(target: crate::target::Target) -> Result<Client> {
        runtime::block_on(async move {
            let conn = crate::transport::connect(&target).await?;
            Ok(Client::start(conn))
        })?
    }

    /// Starts pinging the server when the connection is idle.
    pub fn start_keepalive(&self, interval: Duration, count: u32) -> Result<()> {
        let h = runtime::handle()?;
        h.spawn(keepalive_task(self.shared.clone(), interval, count));
        Ok(())
    }

    /// Marks the connection as opened (`CONNECT_OPEN` succeeded).
    pub fn set_opened(&self) {
        self.opened.store(true, Ordering::Relaxed);
    }

    /// Routes event messages to `tx` from now on.
    pub fn set_event_sink(&self, tx: Sender<Incoming>) {
        if !self.shared.is_closed() {
            *lock(&self.shared.events) = Some(tx);
        }
    }

    pub fn has_event_sink(&self) -> bool {
        lock(&self.shared.events).is_some()
    }

    /// Sends one call and waits for its reply, at most `limit` when given.
    fn call_raw(
        &self,
        prog: u32,
        proc_: i32,
        payload: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<Vec<u8>> {
        if runtime::on_runtime_thread() {
            return Err(Error::internal(
                ErrorDomain::RPC,
                "a remote call was made from the remote driver's own thread",
            ));
        }
        let serial = self.shared.serial.fetch_add(1, Ordering::Relaxed);
        let h = Header::new(prog, proc_, MsgType::Call, serial, Status::Ok);
        let frame = encode_packet(&h, &payload);
        if frame.len() > MESSAGE_MAX + LEN_SIZE {
            return Err(rpc(format!(
                "message of {} bytes exceeds the maximum of {}",
                frame.len(),
                MESSAGE_MAX + LEN_SIZE
            )));
        }
        let (tx, rx) = sync_channel::<Reply>(1);
        {
            let mut st = lock(&self.shared.state);
            if st.closed {
                return Err(st.unreported.take().unwrap_or_else(closed_error));
            }
            st.pending.insert(serial, tx);
        }
        if !self.shared.send(frame) {
            lock(&self.shared.state).pending.remove(&serial);
            return Err(closed_error());
        }
        let reply = match limit {
            None => rx.recv().map_err(|_| closed_error())?,
            Some(d) => rx.recv_timeout(d).map_err(|_| {
                lock(&self.shared.state).pending.remove(&serial);
                closed_error()
            })?,
        }?;
        match reply.header.msg_status() {
            Some(Status::Ok) => Ok(reply.payload),
            Some(Status::Error) => {
                let e: RemoteError = xdr::from_bytes(&reply.payload)
                    .map_err(|_| rpc("Unable to decode message payload"))?;
                Err(e.into())
            }
            _ => Err(rpc(format!(
                "Unexpected message status {}",
                reply.header.status
            ))),
        }
    }

    /// Calls procedure `P`.
    pub fn call<P: Procedure>(&self, args: P::Args) -> Result<P::Ret> {
        self.call_limited::<P>(args, None)
    }

    fn call_limited<P: Procedure>(&self, args: P::Args, limit: Option<Duration>) -> Result<P::Ret> {
        let reply = self.call_raw(P::PROG, P::NUM, xdr::to_bytes(&args), limit)?;
        xdr::from_bytes(&reply).map_err(|_| rpc("Unable to decode message payload"))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.opened.load(Ordering::Relaxed)
            && !self.shared.is_closed()
            && !runtime::on_runtime_thread()
        {
            let _ = self
                .call_limited::<rvirt_rpc::protocol::remote::ConnectClose>((), Some(CLOSE_WAIT));
        }
        self.shared.close(closed_error());
        if let Some(child) = lock(&self.child).take() {
            crate::transport::reap(child);
        }
    }
}
