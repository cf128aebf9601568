//! The client side of streams, inside the connection core.
//!
//! A stream lives in a *slot* of the connection's state, keyed by the program, procedure
//! and serial of the call that opened it; the slot is made before that call is sent, so
//! data the server sends right behind its reply always finds it. Whoever holds the
//! reader role files incoming stream packets into their slot (data and holes in order,
//! the end, the server's error, the confirmation of a finish or abort) and wakes the
//! stream's waiter, exactly as replies are filed for calls.
//!
//! Receiving waits like a call waits for its reply: with the reader role free, the
//! receiver reads the socket itself until its slot has something; otherwise it sleeps
//! until the holder of the role files something or hands the role over. Sending writes
//! its packets straight to the socket (the server stops reading when its backend lags, so
//! the socket's buffer is the flow control). Finish and abort send their packet and wait
//! for the server's confirmation the same way.
//!
//! Buffering is bounded where nobody asked for the data: the watcher, which reads between
//! calls, stops reading while a stream holds more than [`BACKLOG`] unreceived bytes, so
//! the socket fills and the server's own flow control holds the rest back. A caller that
//! reads for its reply still files stream data past that mark (it must get past it).
//! (libvirt's client buffers without a bound instead. The price here: while nobody reads,
//! the server's keepalive pings are not read either, so a stream left unread for longer
//! than the server's keepalive allowance may cost the connection.)

use super::{closed_error, rpc, Core, Role, State};
use rvirt_core::stream::{StreamChunk, StreamSink, StreamSource};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::packet::Packet;
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::stream::{classify, StreamKey, StreamMsg, STREAM_CHUNK};
use rvirt_rpc::xdr;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar};
use std::time::{Duration, Instant};

/// Unreceived bytes of one stream past which the watcher stops reading the socket.
pub const BACKLOG: usize = 4 << 20;

/// How long the watcher sleeps at a time while a stream is backlogged (a receive that
/// takes the stream below [`BACKLOG`] wakes it sooner).
pub const BACKLOG_WAIT: Duration = Duration::from_millis(500);

/// What a stream's waiter waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StreamWant {
    /// Data, a hole, the end or an error.
    Data,
    /// The server's answer to a finish or abort.
    Confirm,
}

/// One open stream's incoming side.
pub(super) struct StreamSlot {
    rx: VecDeque<StreamChunk>,
    rx_bytes: usize,
    /// The server sent the end of the data.
    eof: bool,
    /// The stream failed (the server's error, or the connection's end); it is over.
    error: Option<Error>,
    /// Whether holes are allowed (the sparse flags of vol upload/download).
    sparse: bool,
    /// A finish or abort was sent and waits for `confirm`.
    closing: bool,
    confirm: Option<Result<()>>,
    cv: Arc<Condvar>,
    /// What the stream's waiter sleeps for, while it sleeps.
    pub(super) waiting: Option<StreamWant>,
}

impl StreamSlot {
    pub(super) fn new(sparse: bool) -> StreamSlot {
        StreamSlot {
            rx: VecDeque::new(),
            rx_bytes: 0,
            eof: false,
            error: None,
            sparse,
            closing: false,
            confirm: None,
            cv: Arc::new(Condvar::new()),
            waiting: None,
        }
    }

    pub(super) fn ready(&self, want: StreamWant) -> bool {
        match want {
            // A finish or abort under way ends a receive waiting on another thread.
            StreamWant::Data => {
                !self.rx.is_empty() || self.eof || self.error.is_some() || self.closing
            }
            StreamWant::Confirm => self.confirm.is_some() || self.error.is_some(),
        }
    }

    /// Whether the slot's sleeper waits for something not there yet (a candidate for the
    /// reader role).
    pub(super) fn needs_reader(&self) -> bool {
        self.waiting.is_some_and(|w| !self.ready(w))
    }

    pub(super) fn backlogged(&self) -> bool {
        self.rx_bytes > BACKLOG
    }

    /// The connection went down.
    pub(super) fn fail(&mut self, why: &Error) -> bool {
        let told = self.error.is_none();
        if told {
            self.error = Some(why.clone());
        }
        self.cv.notify_all();
        told
    }

    fn wake(&self) {
        if self.waiting.is_some() {
            self.cv.notify_all();
        }
    }

    /// Wakes the sleeper to take the reader role.
    pub(super) fn notify(&self) {
        self.cv.notify_all();
    }
}

fn remote_error(payload: &[u8]) -> Error {
    match xdr::from_bytes::<RemoteError>(payload) {
        Ok(e) => e.into(),
        Err(_) => rpc("Unable to decode message payload"),
    }
}

impl Core {
    /// Files a stream packet in its slot. Packets for no open stream are dropped: data may
    /// still arrive after a stream was finished or aborted.
    pub(super) fn file_stream(&self, p: &Packet) {
        let key = StreamKey::of(&p.header);
        let mut st = self.state();
        st.last_rx = Instant::now();
        st.unanswered = 0;
        let Some(slot) = st.streams.get_mut(&key) else {
            return;
        };
        match classify(&p.header, &p.payload) {
            Ok(StreamMsg::Data(d)) => {
                if !slot.closing && slot.error.is_none() {
                    slot.rx_bytes += d.len();
                    slot.rx.push_back(StreamChunk::Data(d.to_vec()));
                }
            }
            Ok(StreamMsg::Eof) => slot.eof = true,
            Ok(StreamMsg::Hole(h)) => {
                if slot.closing || slot.error.is_some() {
                } else if !slot.sparse {
                    slot.error = Some(rpc("Unexpected stream hole"));
                } else {
                    match u64::try_from(h.length) {
                        Ok(n) => slot.rx.push_back(StreamChunk::Hole(n)),
                        Err(_) => {
                            slot.error = Some(Error::internal(
                                ErrorDomain::RPC,
                                "Malformed stream hole packet",
                            ))
                        }
                    }
                }
            }
            Err(_) => {
                slot.error = Some(Error::internal(
                    ErrorDomain::RPC,
                    "Malformed stream hole packet",
                ))
            }
            Ok(StreamMsg::Ok) => {
                // A confirmation nobody asked for is a server bug; libvirt's client drops
                // the connection, this one just notes it.
                slot.confirm = Some(Ok(()));
            }
            Ok(StreamMsg::Error(payload)) => {
                let e = remote_error(payload);
                if slot.closing {
                    slot.confirm = Some(Err(e));
                } else {
                    slot.error = Some(e);
                }
            }
        }
        slot.wake();
    }

    /// Whether some stream holds so much unreceived data that the watcher should stop
    /// reading.
    pub(super) fn backlogged(st: &State) -> bool {
        st.streams.values().any(StreamSlot::backlogged)
    }

    fn stream_ready(&self, key: &StreamKey, want: StreamWant) -> bool {
        let st = self.state();
        st.closed
            || st
                .streams
                .get(key)
                .is_none_or(|s| s.ready(want) || s.error.is_some())
    }

    /// Reads as the holder of the reader role until the stream's slot has what is wanted,
    /// the connection ends or something fails.
    fn read_for_stream(&self, key: &StreamKey, want: StreamWant) {
        self.read_until(None, None, &mut || self.stream_ready(key, want));
    }

    /// Waits until the stream's slot has what is wanted, reading for it when the role is
    /// free. Returns with the state locked.
    fn wait_stream(&self, key: &StreamKey, want: StreamWant) -> std::sync::MutexGuard<'_, State> {
        let mut st = self.state();
        loop {
            let role = st.role;
            let Some(slot) = st.streams.get_mut(key) else {
                return st;
            };
            slot.waiting = None;
            if slot.ready(want) || st.closed {
                if role == Role::Free {
                    Core::hand_off(&st);
                }
                return st;
            }
            match role {
                Role::Free => {
                    st.role = Role::Caller;
                    drop(st);
                    self.read_for_stream(key, want);
                    st = self.state();
                    self.release(&mut st, true);
                    continue;
                }
                Role::Watcher if !st.poked => {
                    st.poked = true;
                    self.poke();
                }
                Role::Watcher | Role::Caller => {}
            }
            let Some(slot) = st.streams.get_mut(key) else {
                return st;
            };
            slot.waiting = Some(want);
            let cv = slot.cv.clone();
            st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// The client's end of one stream: both halves of a [`rvirt_core::stream::DriverStream`].
pub struct RemoteStream {
    core: Arc<Core>,
    key: StreamKey,
    sparse: bool,
}

impl RemoteStream {
    pub(super) fn new(core: Arc<Core>, key: StreamKey, sparse: bool) -> RemoteStream {
        RemoteStream { core, key, sparse }
    }

    /// The failure that ended the stream, if any; a stream that is gone (finished,
    /// aborted, or never registered) answers libvirt's "client socket is closed" when the
    /// connection is down and nothing otherwise.
    fn check(&self) -> Result<()> {
        let st = self.core.state();
        match st.streams.get(&self.key) {
            Some(slot) => match &slot.error {
                Some(e) => Err(e.clone()),
                None if st.closed => Err(closed_error()),
                None => Ok(()),
            },
            None => Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::OPERATION_INVALID,
                Some("the stream is closed".to_string()),
            )),
        }
    }

    /// Sends a finish (`abort` false) or an abort and waits for the server's answer.
    fn close(&self, abort: bool) -> Result<()> {
        {
            let mut st = self.core.state();
            let closed = st.closed;
            let Some(slot) = st.streams.get_mut(&self.key) else {
                // Already finished or aborted (the other half of a duplex stream).
                return Ok(());
            };
            if let Some(e) = slot.error.clone() {
                // The server already ended the stream: nothing to send.
                st.streams.remove(&self.key);
                return if abort { Ok(()) } else { Err(e) };
            }
            if closed {
                st.streams.remove(&self.key);
                return Err(closed_error());
            }
            slot.closing = true;
            slot.rx.clear();
            slot.rx_bytes = 0;
            // A receiver asleep on the other half returns now.
            slot.notify();
        }
        let pkt = if abort {
            self.key.abort()
        } else {
            self.key.ok()
        };
        self.core.send(&pkt);
        let mut st = self.core.wait_stream(&self.key, StreamWant::Confirm);
        let slot = st.streams.remove(&self.key);
        drop(st);
        match slot {
            Some(StreamSlot {
                confirm: Some(r), ..
            }) => r,
            Some(StreamSlot { error: Some(e), .. }) => Err(e),
            _ => Err(closed_error()),
        }
    }
}

impl StreamSource for RemoteStream {
    fn recv(&self, max: usize) -> Result<Option<StreamChunk>> {
        self.check()?;
        let mut st = self.core.wait_stream(&self.key, StreamWant::Data);
        let closed = st.closed;
        let Some(slot) = st.streams.get_mut(&self.key) else {
            return Err(closed_error());
        };
        if let Some(e) = &slot.error {
            return Err(e.clone());
        }
        match slot.rx.pop_front() {
            Some(StreamChunk::Data(mut d)) => {
                if d.len() > max.max(1) {
                    let rest = d.split_off(max.max(1));
                    slot.rx.push_front(StreamChunk::Data(rest));
                }
                let was = slot.backlogged();
                slot.rx_bytes -= d.len();
                if was && !slot.backlogged() {
                    // The watcher may read again.
                    self.core.watcher.notify_all();
                }
                Ok(Some(StreamChunk::Data(d)))
            }
            Some(hole) => Ok(Some(hole)),
            None if slot.eof => Ok(None),
            None if closed => Err(closed_error()),
            None if slot.closing => Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::OPERATION_INVALID,
                Some("the stream is closed".to_string()),
            )),
            None => Err(Error::internal(ErrorDomain::RPC, "no stream data")),
        }
    }

    fn finish(&self) -> Result<()> {
        self.close(false)
    }

    fn abort(&self) -> Result<()> {
        self.close(true)
    }
}

impl StreamSink for RemoteStream {
    fn send(&self, data: &[u8]) -> Result<()> {
        self.check()?;
        for piece in data.chunks(STREAM_CHUNK) {
            self.core.send(&self.key.data(piece));
        }
        self.check()
    }

    fn send_hole(&self, length: u64, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::RPC, flags, 0, "virNetClientStreamSendHole")?;
        if !self.sparse {
            return Err(Error::new(
                ErrorDomain::RPC,
                ErrorCode::OPERATION_INVALID,
                Some("Skipping is not supported with this stream".to_string()),
            ));
        }
        self.check()?;
        let length = i64::try_from(length)
            .map_err(|_| Error::invalid_arg(ErrorDomain::RPC, "hole length out of range"))?;
        self.core.send(&self.key.hole(length));
        self.check()
    }

    fn finish(&self) -> Result<()> {
        self.close(false)
    }

    fn abort(&self) -> Result<()> {
        self.close(true)
    }
}

impl Drop for RemoteStream {
    /// A stream dropped while open is aborted without waiting for the answer (which is
    /// dropped when it comes, as a packet for no open stream).
    fn drop(&mut self) {
        let open = {
            let mut st = self.core.state();
            let slot = st.streams.remove(&self.key);
            !st.closed && slot.is_some_and(|s| s.error.is_none())
        };
        if open {
            self.core.send(&self.key.abort());
        }
    }
}
