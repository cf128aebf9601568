//! A client's open streams: packets routed by (program, procedure, serial), read streams
//! pumped onto the wire with flow control, write streams fed to their backend in order,
//! and finish, abort and failure answered as libvirtd answers them.
//!
//! A stream-opening call (screenshot, console, volume upload/download) returns an
//! [`OpenedStream`]; the client registers it under the call's key *before* the reply is
//! queued, so nothing the client sends after the reply can miss it, and starts its threads
//! after, so no data overtakes the reply.
//!
//! - **Reading** (daemon to client): a thread of the stream's own (a console may stay
//!   open for days, so streams never hold one of the call workers) receives from the
//!   backend and queues data packets of at most 262120 bytes in the client's outgoing
//!   queue. At most [`WINDOW`] of them wait unwritten: each holds a credit given back
//!   when the writer has written it, so a client that does not read makes the thread wait
//!   instead of the daemon buffering the stream. At the end it queues an empty data packet
//!   and the stream waits for the client's finish.
//! - **Writing** (client to daemon): the client's reader hands data and holes to a bounded
//!   queue consumed by the stream's writer thread, which calls the backend; when the
//!   queue is full the reader waits, so the client is not read further (as libvirtd stops
//!   reading a client whose stream backlog is full). The finish goes through the same
//!   queue, after the data.
//! - **Finish** (`OK`) is confirmed with an empty `OK` after the backend finished, or
//!   answered with the backend's error; **abort** (`ERROR`) aborts the backend at once and
//!   is confirmed with `OK`. A backend failure is sent as a stream `ERROR` with the error
//!   and ends the stream. Packets for no open stream are dropped silently, data sent to a
//!   stream that cannot take it fails the stream with "stream had unexpected termination",
//!   and a hole on a stream that is not sparse drops the client, all as libvirtd does.
//! - When the client goes away every stream is aborted, which ends its threads.

use super::{ClientCtx, OutQueue, Outgoing};
use rvirt::StreamChunk;
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::stream::{classify, StreamKey, StreamMsg, StreamMsgError, STREAM_CHUNK};
use rvirt_rpc::Header;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

/// Data packets of one read stream that may wait in the outgoing queue at once (about
/// 1 MiB): enough to keep the writer busy while the next chunk is read.
pub const WINDOW: usize = 4;

/// Incoming packets of one write stream waiting for its backend.
const WRITE_QUEUE: usize = 4;

/// What a stream-opening handler hands back besides its reply.
pub struct OpenedStream {
    pub stream: rvirt::Stream,
    /// Whether holes may travel (the call's `SPARSE_STREAM` flag).
    pub sparse: bool,
}

impl OpenedStream {
    pub fn new(stream: rvirt::Stream, sparse: bool) -> OpenedStream {
        OpenedStream { stream, sparse }
    }
}

/// Work for a write stream's thread, in arrival order.
enum Incoming {
    Data(Vec<u8>),
    Hole(u64),
    Finish,
}

/// What the client's reader does after routing a stream packet.
pub enum Route {
    /// Nothing more.
    Done,
    /// Hand this to the stream's writer thread, waiting while its queue is full.
    Feed(Feeder),
    /// The client broke the protocol beyond repair.
    Drop(String),
}

/// A write stream's queue, with what to put in it.
pub struct Feeder {
    tx: mpsc::Sender<Incoming>,
    item: Incoming,
}

impl Feeder {
    /// Waits for room; a stream that ended meanwhile takes nothing.
    pub async fn feed(self) {
        let _ = self.tx.send(self.item).await;
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// libvirtd's error for a packet a stream cannot take.
fn unexpected_termination() -> rvirt::Error {
    rvirt::Error::raw(
        rvirt::ErrorDomain::STREAMS,
        rvirt::ErrorCode::RPC,
        "stream had unexpected termination",
    )
}

/// The open streams of one client.
#[derive(Default)]
pub struct StreamTable {
    map: Mutex<HashMap<StreamKey, Arc<ServerStream>>>,
}

impl StreamTable {
    fn get(&self, key: &StreamKey) -> Option<Arc<ServerStream>> {
        lock(&self.map).get(key).cloned()
    }

    fn remove(&self, key: &StreamKey) -> Option<Arc<ServerStream>> {
        lock(&self.map).remove(key)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.map).len()
    }

    /// Aborts every stream (the client is gone): no more packets, the backends let go, the
    /// threads end. Blocks on the backends' aborts, so it runs on a worker thread.
    pub fn abort_all(&self) {
        let all: Vec<Arc<ServerStream>> = lock(&self.map).drain().map(|(_, s)| s).collect();
        for s in all {
            s.stop(true);
            let _ = s.stream.abort();
        }
    }
}

/// One open stream.
pub struct ServerStream {
    key: StreamKey,
    stream: rvirt::Stream,
    sparse: bool,
    out: Arc<OutQueue>,
    table: Weak<StreamTable>,
    state: Mutex<StreamState>,
    /// Signalled when a credit comes back or the stream stops.
    changed: Condvar,
    /// The writer thread's queue (write streams); taken when the stream stops so the
    /// thread sees the end.
    writes: Mutex<Option<mpsc::Sender<Incoming>>>,
    writable: bool,
}

#[derive(Default)]
struct StreamState {
    /// Data packets queued and not yet written.
    in_flight: usize,
    /// No more data packets: finished, aborted or failed.
    stopped: bool,
    /// Aborted: queued writes are discarded.
    aborted: bool,
    /// The stream's last packet (confirmation or error) was queued.
    done: bool,
}

/// A read stream's credit for one queued data packet, given back when the packet has
/// been written (or dropped with the connection).
pub struct Credit(Arc<ServerStream>);

impl Drop for Credit {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
        drop(st);
        self.0.changed.notify_all();
    }
}

impl ServerStream {
    fn lock(&self) -> MutexGuard<'_, StreamState> {
        lock(&self.state)
    }

    /// Queues a data packet (or the end) unless the stream stopped; false when it did.
    fn push_data(self: &Arc<Self>, bytes: Vec<u8>) -> bool {
        let mut st = self.lock();
        if st.stopped {
            return false;
        }
        st.in_flight += 1;
        drop(st);
        let item = Outgoing {
            bytes,
            permit: None,
            unsolicited: false,
            credit: Some(Credit(self.clone())),
        };
        if !self.out.push(item) {
            self.stop(true);
            return false;
        }
        true
    }

    /// Queues the stream's last packet, once.
    fn push_last(&self, bytes: Vec<u8>) {
        {
            let mut st = self.lock();
            if st.done {
                return;
            }
            st.done = true;
            st.stopped = true;
        }
        self.changed.notify_all();
        self.out.push(Outgoing {
            bytes,
            permit: None,
            unsolicited: false,
            credit: None,
        });
    }

    /// No more packets; with `abort`, queued writes are dropped and no confirmation is
    /// owed any more.
    fn stop(&self, abort: bool) {
        {
            let mut st = self.lock();
            st.stopped = true;
            if abort {
                st.aborted = true;
                st.done = true;
            }
        }
        if abort {
            lock(&self.writes).take();
        }
        self.changed.notify_all();
    }

    fn unregister(&self) {
        if let Some(t) = self.table.upgrade() {
            let mut map = lock(&t.map);
            if map.get(&self.key).is_some_and(|s| std::ptr::eq(&**s, self)) {
                map.remove(&self.key);
            }
        }
    }

    /// The backend failed: the client gets the error, the stream ends.
    fn fail(&self, e: &rvirt::Error) {
        tracing::debug!(
            proc_ = self.key.proc_,
            serial = self.key.serial,
            "stream failed: {e}"
        );
        self.push_last(self.key.error(&RemoteError::from(e)));
        self.stop(true);
        self.unregister();
        let _ = self.stream.abort();
    }

    /// The client finished: the backend finishes, the client gets its answer.
    fn finish(&self) {
        self.stop(false);
        let r = self.stream.finish();
        self.confirm(r);
    }

    /// The client aborted.
    fn abort(&self) {
        {
            let mut st = self.lock();
            st.stopped = true;
            st.aborted = true;
        }
        lock(&self.writes).take();
        self.changed.notify_all();
        let r = self.stream.abort();
        self.confirm(r);
    }

    fn confirm(&self, r: rvirt::Result<()>) {
        match r {
            Ok(()) => self.push_last(self.key.ok()),
            Err(e) => self.push_last(self.key.error(&RemoteError::from(&e))),
        }
    }

    /// Waits for a credit; false once the stream stopped.
    fn wait_credit(&self) -> bool {
        let mut st = self.lock();
        while !st.stopped && st.in_flight >= WINDOW {
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        !st.stopped
    }
}

/// Registers a stream a call opened, queues the call's reply (and frees its request slot
/// once written), then starts the stream's threads.
pub fn start(
    ctx: &ClientCtx,
    h: &Header,
    opened: OpenedStream,
    reply: Vec<u8>,
    permit: OwnedSemaphorePermit,
) {
    let key = StreamKey::of(h);
    let readable = opened.stream.is_readable();
    let writable = opened.stream.is_writable();
    let (tx, rx) = if writable {
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let s = Arc::new(ServerStream {
        key,
        stream: opened.stream,
        sparse: opened.sparse,
        out: ctx.out.clone(),
        table: Arc::downgrade(&ctx.streams),
        state: Mutex::new(StreamState::default()),
        changed: Condvar::new(),
        writes: Mutex::new(tx),
        writable,
    });
    // A client reusing the serial of a stream it left open loses the old one.
    let old = lock(&ctx.streams.map).insert(key, s.clone());
    if let Some(old) = old {
        old.stop(true);
        let _ = old.stream.abort();
    }
    ctx.out.push(Outgoing {
        bytes: reply,
        permit: Some(permit),
        unsolicited: false,
        credit: None,
    });
    if readable {
        let pumped = s.clone();
        if let Err(e) = spawn("rvirtd-stream-rd", move || pump(pumped)) {
            s.fail(&e);
            return;
        }
    }
    if let Some(rx) = rx {
        let fed = s.clone();
        if let Err(e) = spawn("rvirtd-stream-wr", move || write_loop(fed, rx)) {
            s.fail(&e);
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> rvirt::Result<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .map(drop)
        .map_err(|e| {
            rvirt::Error::system(
                rvirt::ErrorDomain::STREAMS,
                "Unable to create stream thread",
                &e,
            )
        })
}

/// A read stream's thread: backend chunks onto the wire, within the credit window.
fn pump(s: Arc<ServerStream>) {
    loop {
        if !s.wait_credit() {
            return;
        }
        match s.stream.recv_chunk(STREAM_CHUNK) {
            Ok(Some(StreamChunk::Data(d))) => {
                // A backend may hand over more than one packet takes.
                for piece in d.chunks(STREAM_CHUNK) {
                    if !s.push_data(s.key.data(piece)) {
                        return;
                    }
                }
            }
            Ok(Some(StreamChunk::Hole(n))) => {
                if !s.sparse {
                    s.fail(&rvirt::Error::internal(
                        rvirt::ErrorDomain::STREAMS,
                        "the stream produced a hole but is not sparse",
                    ));
                    return;
                }
                let n = i64::try_from(n).unwrap_or(i64::MAX);
                if !s.push_data(s.key.hole(n)) {
                    return;
                }
            }
            Ok(None) => {
                // The end; the stream stays open until the client finishes.
                s.push_data(s.key.eof());
                return;
            }
            Err(e) => {
                if !s.lock().stopped {
                    s.fail(&e);
                }
                return;
            }
        }
    }
}

/// A write stream's thread: the client's data and holes into the backend, then the
/// finish.
fn write_loop(s: Arc<ServerStream>, mut rx: mpsc::Receiver<Incoming>) {
    while let Some(item) = rx.blocking_recv() {
        if s.lock().aborted {
            return;
        }
        let r = match item {
            Incoming::Data(d) => s.stream.send(&d).map(drop),
            Incoming::Hole(n) => i64::try_from(n)
                .map_err(|_| unexpected_termination())
                .and_then(|n| s.stream.send_hole(n, 0)),
            Incoming::Finish => {
                s.finish();
                return;
            }
        };
        if let Err(e) = r {
            if !s.lock().aborted {
                s.fail(&e);
            }
            return;
        }
    }
}

/// Routes one stream packet from the client. Never blocks: finishing and aborting run on
/// the worker pool, writes on the stream's thread.
pub fn route(ctx: &ClientCtx, h: &Header, payload: &[u8]) -> Route {
    let key = StreamKey::of(h);
    let msg = classify(h, payload);
    let Some(s) = ctx.streams.get(&key) else {
        // Streams are not acknowledged packet by packet, so data may still come after a
        // stream ended; libvirtd drops it silently.
        tracing::debug!(
            client = ctx.id,
            proc_ = h.proc_,
            serial = h.serial,
            "ignoring a packet for no open stream"
        );
        return Route::Done;
    };
    let msg = match msg {
        Ok(m) => m,
        Err(StreamMsgError::Status(status)) => {
            s.fail(&rvirt::Error::raw(
                rvirt::ErrorDomain::STREAMS,
                rvirt::ErrorCode::RPC,
                format!("stream aborted with unexpected status {status}"),
            ));
            return Route::Done;
        }
        Err(StreamMsgError::BadHole) | Err(StreamMsgError::NotStream) => {
            return Route::Drop("malformed stream hole packet".into());
        }
    };
    match msg {
        StreamMsg::Ok => {
            ctx.streams.remove(&key);
            let tx = if s.writable {
                lock(&s.writes).clone()
            } else {
                None
            };
            match tx {
                Some(tx) => Route::Feed(Feeder {
                    tx,
                    item: Incoming::Finish,
                }),
                None => {
                    tokio::task::spawn_blocking(move || s.finish());
                    Route::Done
                }
            }
        }
        StreamMsg::Error(_) => {
            ctx.streams.remove(&key);
            tokio::task::spawn_blocking(move || s.abort());
            Route::Done
        }
        StreamMsg::Data(_) | StreamMsg::Eof | StreamMsg::Hole(_) if !s.writable => {
            tokio::task::spawn_blocking(move || s.fail(&unexpected_termination()));
            Route::Done
        }
        StreamMsg::Hole(_) if !s.sparse => Route::Drop("Unexpected stream hole".into()),
        // An empty data packet carries nothing for a write stream.
        StreamMsg::Eof => Route::Done,
        StreamMsg::Data(d) => feed(&s, Incoming::Data(d.to_vec())),
        StreamMsg::Hole(hole) => match u64::try_from(hole.length) {
            Ok(n) => feed(&s, Incoming::Hole(n)),
            Err(_) => {
                tokio::task::spawn_blocking(move || {
                    s.fail(&rvirt::Error::invalid_arg(
                        rvirt::ErrorDomain::STREAMS,
                        "hole length cannot be negative",
                    ))
                });
                Route::Done
            }
        },
    }
}

fn feed(s: &ServerStream, item: Incoming) -> Route {
    match lock(&s.writes).clone() {
        Some(tx) => Route::Feed(Feeder { tx, item }),
        None => Route::Done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt::{DriverStream, StreamSource};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    /// A source producing `total` bytes in chunks of `chunk`, counting what it produced.
    struct Generator {
        total: u64,
        chunk: usize,
        produced: AtomicU64,
        aborted: AtomicBool,
    }

    impl StreamSource for Generator {
        fn recv(&self, max: usize) -> rvirt::Result<Option<StreamChunk>> {
            if self.aborted.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let done = self.produced.load(Ordering::SeqCst);
            if done >= self.total {
                return Ok(None);
            }
            let n = (self.total - done).min(max.min(self.chunk) as u64) as usize;
            self.produced.fetch_add(n as u64, Ordering::SeqCst);
            Ok(Some(StreamChunk::Data(vec![0x5a; n])))
        }
        fn abort(&self) -> rvirt::Result<()> {
            self.aborted.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    fn queued(out: &OutQueue) -> (usize, usize) {
        let q = out.lock();
        (q.0.len(), q.0.iter().map(|o| o.bytes.len()).sum())
    }

    fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        f()
    }

    #[test]
    fn a_client_that_does_not_read_holds_back_a_large_stream() {
        const TOTAL: u64 = 64 << 20;
        let gen = Arc::new(Generator {
            total: TOTAL,
            chunk: 1 << 20,
            produced: AtomicU64::new(0),
            aborted: AtomicBool::new(false),
        });
        let conn = rvirt::Connect::open(Some("test:///default")).expect("open");
        let st = conn.new_stream(0).expect("stream");
        st.attach(DriverStream::reader(gen.clone()))
            .expect("attach");
        let out = Arc::new(OutQueue::default());
        let table = Arc::new(StreamTable::default());
        let s = Arc::new(ServerStream {
            key: StreamKey {
                prog: rvirt_rpc::packet::program::REMOTE,
                proc_: 209,
                serial: 3,
            },
            stream: st,
            sparse: false,
            out: out.clone(),
            table: Arc::downgrade(&table),
            state: Mutex::new(StreamState::default()),
            changed: Condvar::new(),
            writes: Mutex::new(None),
            writable: false,
        });
        lock(&table.map).insert(s.key, s.clone());
        let pumped = s.clone();
        let t = std::thread::spawn(move || pump(pumped));
        // Nobody writes: the pump fills its window and waits.
        assert!(wait_until(Duration::from_secs(5), || queued(&out).0 == WINDOW));
        std::thread::sleep(Duration::from_millis(200));
        let (packets, bytes) = queued(&out);
        assert_eq!(packets, WINDOW);
        assert!(
            bytes <= WINDOW * (STREAM_CHUNK + 28),
            "{bytes} bytes queued"
        );
        // The backend was not drained into memory either (one chunk may be in hand).
        assert!(gen.produced.load(Ordering::SeqCst) <= (WINDOW as u64 + 1) * (1 << 20));

        // A reader that takes packets as the writer would lets all of it through, in
        // chunks no larger than a packet takes, ending with the empty packet.
        let mut got = 0u64;
        let mut eof = false;
        let start = Instant::now();
        while !eof && start.elapsed() < Duration::from_secs(60) {
            let item = out.lock().0.pop_front();
            match item {
                Some(item) => {
                    let p = rvirt_rpc::Packet::parse(&item.bytes[4..]).expect("packet");
                    assert!(p.payload.len() <= STREAM_CHUNK);
                    assert!(queued(&out).0 < WINDOW);
                    if p.payload.is_empty() {
                        eof = true;
                    }
                    got += p.payload.len() as u64;
                }
                None => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        assert!(eof, "no end of stream");
        assert_eq!(got, TOTAL);
        t.join().expect("pump thread");
        // Still registered until the client finishes.
        assert_eq!(table.len(), 1);
        s.finish();
        let last = out.lock().0.pop_front().expect("confirmation");
        let p = rvirt_rpc::Packet::parse(&last.bytes[4..]).expect("packet");
        assert_eq!(p.header.status, rvirt_rpc::Status::Ok as i32);
        assert!(p.payload.is_empty());
    }

    /// A sink recording what it got, failing the send of `fail_on` if set.
    #[derive(Default)]
    struct Record {
        got: Mutex<Vec<StreamChunk>>,
        finished: AtomicBool,
        fail_on: Option<&'static [u8]>,
    }

    impl rvirt::StreamSink for Record {
        fn send(&self, data: &[u8]) -> rvirt::Result<()> {
            if self.fail_on == Some(data) {
                return Err(rvirt::Error::internal(
                    rvirt::ErrorDomain::STORAGE,
                    "disk full",
                ));
            }
            lock(&self.got).push(StreamChunk::Data(data.to_vec()));
            Ok(())
        }
        fn send_hole(&self, length: u64, _flags: u32) -> rvirt::Result<()> {
            lock(&self.got).push(StreamChunk::Hole(length));
            Ok(())
        }
        fn finish(&self) -> rvirt::Result<()> {
            self.finished.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    fn write_stream(sink: Arc<Record>) -> (Arc<ServerStream>, Arc<OutQueue>, Feeders) {
        let conn = rvirt::Connect::open(Some("test:///default")).expect("open");
        let st = conn.new_stream(0).expect("stream");
        st.attach(DriverStream::writer(sink).sparse(true))
            .expect("attach");
        let out = Arc::new(OutQueue::default());
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let s = Arc::new(ServerStream {
            key: StreamKey {
                prog: rvirt_rpc::packet::program::REMOTE,
                proc_: 208,
                serial: 5,
            },
            stream: st,
            sparse: true,
            out: out.clone(),
            table: Weak::new(),
            state: Mutex::new(StreamState::default()),
            changed: Condvar::new(),
            writes: Mutex::new(Some(tx.clone())),
            writable: true,
        });
        let fed = s.clone();
        let t = std::thread::spawn(move || write_loop(fed, rx));
        (s, out, Feeders { tx, t })
    }

    struct Feeders {
        tx: mpsc::Sender<Incoming>,
        t: std::thread::JoinHandle<()>,
    }

    fn last_packet(out: &OutQueue) -> rvirt_rpc::Packet {
        let item = out.lock().0.pop_front().expect("a packet");
        rvirt_rpc::Packet::parse(&item.bytes[4..]).expect("packet")
    }

    #[test]
    fn write_streams_feed_the_backend_in_order_then_confirm() {
        let sink = Arc::new(Record::default());
        let (_s, out, f) = write_stream(sink.clone());
        for item in [
            Incoming::Data(b"abc".to_vec()),
            Incoming::Hole(1 << 20),
            Incoming::Data(b"d".to_vec()),
            Incoming::Finish,
        ] {
            f.tx.blocking_send(item).expect("queue");
        }
        f.t.join().expect("writer thread");
        assert_eq!(
            *lock(&sink.got),
            vec![
                StreamChunk::Data(b"abc".to_vec()),
                StreamChunk::Hole(1 << 20),
                StreamChunk::Data(b"d".to_vec())
            ]
        );
        assert!(sink.finished.load(Ordering::SeqCst));
        let p = last_packet(&out);
        assert_eq!(p.header.kind, rvirt_rpc::MsgType::Stream as i32);
        assert_eq!(p.header.status, rvirt_rpc::Status::Ok as i32);
        assert_eq!((p.header.proc_, p.header.serial), (208, 5));
        assert!(p.payload.is_empty());
    }

    #[test]
    fn a_failing_backend_ends_the_stream_with_its_error() {
        let sink = Arc::new(Record {
            fail_on: Some(b"bad"),
            ..Record::default()
        });
        let (s, out, f) = write_stream(sink.clone());
        f.tx.blocking_send(Incoming::Data(b"ok".to_vec()))
            .expect("queue");
        f.tx.blocking_send(Incoming::Data(b"bad".to_vec()))
            .expect("queue");
        f.t.join().expect("writer thread");
        let p = last_packet(&out);
        assert_eq!(p.header.status, rvirt_rpc::Status::Error as i32);
        let e: RemoteError = rvirt_rpc::xdr::from_bytes(&p.payload).expect("error body");
        assert_eq!(e.message.as_deref(), Some("internal error: disk full"));
        assert_eq!(e.domain, rvirt::ErrorDomain::STORAGE.0);
        // Nothing more is sent for it, and the backend was told.
        s.finish();
        assert!(out.lock().0.is_empty());
        assert!(!sink.finished.load(Ordering::SeqCst));
    }

    #[test]
    fn aborting_wakes_a_pump_waiting_for_credit() {
        let gen = Arc::new(Generator {
            total: u64::MAX,
            chunk: 4096,
            produced: AtomicU64::new(0),
            aborted: AtomicBool::new(false),
        });
        let conn = rvirt::Connect::open(Some("test:///default")).expect("open");
        let st = conn.new_stream(0).expect("stream");
        st.attach(DriverStream::reader(gen.clone()))
            .expect("attach");
        let out = Arc::new(OutQueue::default());
        let table = Arc::new(StreamTable::default());
        let s = Arc::new(ServerStream {
            key: StreamKey {
                prog: rvirt_rpc::packet::program::REMOTE,
                proc_: 211,
                serial: 9,
            },
            stream: st,
            sparse: false,
            out: out.clone(),
            table: Arc::downgrade(&table),
            state: Mutex::new(StreamState::default()),
            changed: Condvar::new(),
            writes: Mutex::new(None),
            writable: false,
        });
        lock(&table.map).insert(s.key, s.clone());
        let pumped = s.clone();
        let t = std::thread::spawn(move || pump(pumped));
        assert!(wait_until(Duration::from_secs(5), || queued(&out).0 == WINDOW));
        table.abort_all();
        t.join().expect("pump ends");
        assert!(gen.aborted.load(Ordering::SeqCst));
        assert_eq!(table.len(), 0);
        // Dropping the queued packets gives every credit back.
        out.clear();
        assert_eq!(s.lock().in_flight, 0);
    }
}
