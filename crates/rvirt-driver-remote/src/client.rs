//! The connection core: one socket, calls that do their own I/O, and a watcher thread for
//! the time between calls.
//!
//! Calls are synchronous for their caller and may come from many threads at once. A call
//! takes the next serial, registers a slot for its reply and writes its whole packet
//! straight to the socket (a write lock keeps packets whole). Then it needs someone to
//! read: at most one thread at a time holds the *reader role*. A caller that finds the
//! role free takes it and reads the socket itself, blocking, until its own reply arrives;
//! on the way it files other callers' replies in their slots (waking them), hands event
//! messages to the connection's event thread and answers keepalive pings. When it has its
//! reply it hands the role to one of the callers still waiting, if any. A caller that
//! finds the role taken sleeps until its reply is filed or the role is handed to it. So a
//! single thread calling in a loop never involves another thread: each call is one write
//! and (usually) one read.
//!
//! Between calls the *watcher* thread reads: once nobody has held the role for
//! [`IDLE`], it takes the role and polls the socket together with an eventfd, so events,
//! the server's keepalive pings and the end of the connection are noticed while the
//! program makes no calls. A caller that finds the watcher reading pokes the eventfd and
//! the watcher hands the role over. The watcher also runs the client's keepalive: after
//! an interval without traffic it pings the server, and gives the connection up when too
//! many pings go unanswered.
//!
//! When the connection ends, every waiting call fails with the reason (end of file, a
//! read or write error, keepalive timeout) and later calls with libvirt's "client socket
//! is closed"; a connection that ends while no call is waiting reports the reason to the
//! next call.

mod streams;

pub use streams::RemoteStream;

use crate::events::Incoming;
use crate::transport::{spawn_thread, Conn, Stderr};
use rustix::event::{EventfdFlags, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::{RecvFlags, SendFlags, Shutdown};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::packet::{
    body_len, encode_packet, keepalive, program, Header, LengthError, MsgType, Packet, Status,
    HEADER_SIZE, LEN_SIZE, MESSAGE_MAX,
};
use rvirt_rpc::protocol::types::RemoteError;
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::stream::StreamKey;
use rvirt_rpc::transport::FrameError;
use rvirt_rpc::xdr;
use std::collections::HashMap;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// virsh's keepalive defaults: a ping after 5 idle seconds, the connection given up after
/// 6 unanswered pings.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
pub const KEEPALIVE_COUNT: u32 = 6;

/// How long closing a connection waits for the server to acknowledge `CONNECT_CLOSE`.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// How long closing then waits for the daemon to hang up (libvirtd and rvirtd do so at
/// once after the `CONNECT_CLOSE` reply).
const HANGUP_WAIT: Duration = Duration::from_secs(1);

/// How long the reader role must have been free before the watcher takes it. Long enough
/// that a program calling in a loop never meets the watcher, short enough that events
/// and pings between calls are read promptly.
pub const IDLE: Duration = Duration::from_millis(5);

/// The read buffer's usual size; it grows for a larger packet and shrinks back after.
const READ_CHUNK: usize = 64 * 1024;

type Reply = Result<Packet>;

/// Who reads the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Free,
    /// A caller, until its reply arrives.
    Caller,
    /// The watcher thread, until a caller pokes it.
    Watcher,
}

/// One call in flight.
struct Call {
    reply: Option<Reply>,
    /// Its caller sleeps on this while `waiting`.
    cv: Arc<Condvar>,
    waiting: bool,
}

struct Keepalive {
    interval: Duration,
    count: u32,
    /// When the watcher next checks.
    next: Instant,
}

struct State {
    calls: HashMap<u32, Call>,
    /// Open streams, by the key of the call that opened them (see [`streams`]).
    streams: HashMap<StreamKey, streams::StreamSlot>,
    serial: u32,
    role: Role,
    /// Whether the eventfd was poked since the watcher took the role.
    poked: bool,
    /// When a caller last gave the role up.
    last_active: Instant,
    /// When something last arrived, and how many pings went out since.
    last_rx: Instant,
    unanswered: u32,
    keepalive: Option<Keepalive>,
    /// Set once the connection is down.
    closed: bool,
    /// Why it went down, while no call has been told yet: the next call reports it, as a
    /// libvirt client that finds the broken socket on its next call would; calls after
    /// that get "client socket is closed".
    unreported: Option<Error>,
}

/// Bytes read from the socket and not yet taken as packets; owned by the reader role's
/// holder (the lock is never contended).
struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl ReadBuf {
    fn new() -> ReadBuf {
        ReadBuf {
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
        }
    }

    /// The length of the packet at the front, once its length word is in.
    fn front_len(&self) -> Option<std::result::Result<usize, LengthError>> {
        if self.end - self.start < LEN_SIZE {
            return None;
        }
        let word = self.buf.get(self.start..self.start + LEN_SIZE)?;
        let word: [u8; LEN_SIZE] = word.try_into().ok()?;
        Some(body_len(word).map(|n| n + LEN_SIZE))
    }

    /// The next whole packet, if one is in.
    fn next(&mut self) -> std::result::Result<Option<Packet>, FrameError> {
        let Some(len) = self.front_len() else {
            return Ok(None);
        };
        let len = len.map_err(FrameError::Length)?;
        if self.end - self.start < len {
            return Ok(None);
        }
        let body = &self.buf[self.start + LEN_SIZE..self.start + len];
        let p = Packet::parse(body).map_err(FrameError::Header)?;
        self.start += len;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > 4 * READ_CHUNK {
                self.buf = vec![0; READ_CHUNK];
            }
        }
        Ok(Some(p))
    }

    /// Free space to read into, with room for the whole packet at the front.
    fn room(&mut self) -> &mut [u8] {
        if self.end == self.buf.len() && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // Only an incomplete packet larger than the buffer fills it from the start;
            // its length word passed the size check.
            let want = match self.front_len() {
                Some(Ok(n)) => n,
                _ => self.buf.len() + READ_CHUNK,
            };
            self.buf.resize(want.max(self.buf.len() + READ_CHUNK), 0);
        }
        &mut self.buf[self.end..]
    }
}

/// The shared core of one connection.
struct Core {
    sock: OwnedFd,
    /// Descriptors can be passed on `sock` (a UNIX socket to the daemon itself).
    pass_fds: bool,
    /// Poked by a caller that wants the reader role back from the watcher.
    wake: OwnedFd,
    write: Mutex<()>,
    state: Mutex<State>,
    rbuf: Mutex<ReadBuf>,
    /// The watcher sleeps on this (with `state`) while it does not read.
    watcher: Condvar,
    events: Mutex<Option<Sender<Incoming>>>,
    stderr: Option<Arc<Stderr>>,
}

/// One descriptor in an `SCM_RIGHTS` message with a one-byte payload.
fn send_fd(sock: &OwnedFd, fd: BorrowedFd<'_>) -> std::io::Result<()> {
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut anc = rustix::net::SendAncillaryBuffer::new(&mut space);
    let one = [fd];
    if !anc.push(rustix::net::SendAncillaryMessage::ScmRights(&one)) {
        return Err(std::io::Error::other("no room for a descriptor"));
    }
    loop {
        match rustix::net::sendmsg(
            sock,
            &[std::io::IoSlice::new(&[0])],
            &mut anc,
            SendFlags::NOSIGNAL,
        ) {
            Ok(1) => return Ok(()),
            Ok(_) => return Err(std::io::Error::other("descriptor message cut short")),
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
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

fn eof(extra: &str) -> Error {
    Error::system(
        ErrorDomain::RPC,
        format!("End of file while reading data{extra}"),
        &std::io::Error::from_raw_os_error(5),
    )
}

fn keepalive_packet(proc_: i32) -> Vec<u8> {
    let h = Header::new(program::KEEPALIVE, proc_, MsgType::Message, 0, Status::Ok);
    encode_packet(&h, &[])
}

impl Core {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// What the helper behind the connection (ssh, the TLS pump) said, prefixed for an
    /// error message.
    fn stderr_suffix(&self) -> String {
        match &self.stderr {
            Some(s) => {
                s.settle();
                s.text().map(|t| format!(": {t}")).unwrap_or_default()
            }
            None => String::new(),
        }
    }

    fn poke(&self) {
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
    }

    /// Takes the connection down: calls in flight get `why`, a blocked reader wakes up
    /// (the socket is shut down), the watcher and the event thread end.
    fn close(&self, why: Error) {
        {
            let mut st = self.state();
            if st.closed {
                return;
            }
            st.closed = true;
            let mut told = false;
            for c in st.calls.values_mut() {
                if c.reply.is_none() {
                    c.reply = Some(Err(why.clone()));
                    told = true;
                }
                c.cv.notify_one();
            }
            for s in st.streams.values_mut() {
                told |= s.fail(&why);
            }
            if !told {
                st.unreported = Some(why);
            }
        }
        let _ = rustix::net::shutdown(&self.sock, Shutdown::Both);
        self.poke();
        self.watcher.notify_all();
        // The event dispatcher ends once its channel is gone.
        lock(&self.events).take();
    }

    fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Waits (at most `limit`) for the daemon to end the connection, which it does after
    /// answering `CONNECT_CLOSE` and releasing the connection's driver state. Without
    /// this, a program that closes and reopens `test:///default` could reach a daemon
    /// that has not yet let go of the old instance, and see its state again.
    fn wait_for_hangup(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut peek = [0u8; 1];
        while !self.is_closed() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            let mut fds = [PollFd::new(&self.sock, PollFlags::IN | PollFlags::RDHUP)];
            let timeout = rustix::event::Timespec::try_from(left).ok();
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(0) => return,
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(_) => return,
            }
            match rustix::net::recv(&self.sock, &mut peek, RecvFlags::PEEK | RecvFlags::DONTWAIT) {
                // The end, or our own shutdown after the watcher read it.
                Ok((0, _)) => return,
                // A late event or ping: the watcher takes it; look again shortly.
                Ok(_) | Err(Errno::AGAIN) | Err(Errno::INTR) => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(_) => return,
            }
        }
    }

    /// Closes the connection because reading failed (unless it is already down, when the
    /// failure is only the consequence).
    fn read_failed(&self, e: FrameError) {
        if self.is_closed() {
            return;
        }
        let err = match e {
            FrameError::Io(e) => {
                let extra = self.stderr_suffix();
                Error::system(ErrorDomain::RPC, format!("Cannot recv data{extra}"), &e)
            }
            FrameError::Truncated { .. } => eof(&self.stderr_suffix()),
            // libvirt counts the packet without its length word.
            FrameError::Length(LengthError::TooLong(n)) => rpc(format!(
                "packet {} bytes received from server too large, want {MESSAGE_MAX}",
                n as usize - LEN_SIZE
            )),
            FrameError::Length(LengthError::TooShort(n)) => rpc(format!(
                "packet {} bytes received from server too small, want {HEADER_SIZE}",
                (n as usize).saturating_sub(LEN_SIZE),
            )),
            FrameError::Header(_) => rpc("Unable to decode message header"),
        };
        self.close(err);
    }

    /// The end of the stream (between packets or in the middle of one, both read as
    /// libvirt's end of file).
    fn ended(&self) {
        if !self.is_closed() {
            let extra = self.stderr_suffix();
            self.close(eof(&extra));
        }
    }

    /// Writes one whole packet; a failure takes the connection down.
    fn send(&self, frame: &[u8]) {
        self.send_with_fds(frame, &[]);
    }

    /// Writes `frame`, then each descriptor as libvirt's client passes it: one `sendmsg`
    /// of a single zero byte carrying that descriptor. Nothing else is written between
    /// them.
    fn send_with_fds(&self, frame: &[u8], fds: &[BorrowedFd<'_>]) {
        let r = {
            let _whole = lock(&self.write);
            let mut off = 0;
            let mut r = loop {
                if off == frame.len() {
                    break Ok(());
                }
                match rustix::net::send(&self.sock, &frame[off..], SendFlags::NOSIGNAL) {
                    Ok(n) => off += n,
                    Err(Errno::INTR) => {}
                    Err(e) => break Err(std::io::Error::from(e)),
                }
            };
            for fd in fds {
                if r.is_err() {
                    break;
                }
                r = send_fd(&self.sock, *fd);
            }
            r
        };
        if let Err(e) = r {
            if !self.is_closed() {
                let extra = self.stderr_suffix();
                self.close(Error::system(
                    ErrorDomain::RPC,
                    format!("Cannot write data{extra}"),
                    &e,
                ));
            }
        }
    }

    /// Handles one packet from the server; returns it when it is the reply to `mine`.
    fn dispatch(&self, p: Packet, mine: Option<u32>) -> Option<Packet> {
        let h = p.header;
        if h.prog == program::KEEPALIVE {
            self.received();
            if h.proc_ == keepalive::PING {
                self.send(&keepalive_packet(keepalive::PONG));
            }
            return None;
        }
        match h.msg_type() {
            Some(MsgType::Reply) | Some(MsgType::ReplyWithFds) => {
                if mine == Some(h.serial) {
                    // The reader notes the arrival when it gives the role up.
                    return Some(p);
                }
                let mut st = self.state();
                st.last_rx = Instant::now();
                st.unanswered = 0;
                if let Some(c) = st.calls.get_mut(&h.serial) {
                    if c.reply.is_none() {
                        c.reply = Some(Ok(p));
                        if c.waiting {
                            c.cv.notify_one();
                        }
                    }
                }
            }
            Some(MsgType::Message) if h.prog == program::REMOTE => {
                self.received();
                let inc = crate::events::decode(h.proc_, &p.payload)?;
                if let Some(tx) = lock(&self.events).as_ref() {
                    let _ = tx.send(inc);
                }
            }
            Some(MsgType::Stream) | Some(MsgType::StreamHole) => self.file_stream(&p),
            _ => self.received(),
        }
        None
    }

    fn received(&self) {
        let mut st = self.state();
        st.last_rx = Instant::now();
        st.unanswered = 0;
    }

    /// Gives the reader role up and hands it to a caller still waiting for its reply.
    fn release(&self, st: &mut State, by_caller: bool) {
        st.role = Role::Free;
        if by_caller {
            st.last_active = Instant::now();
        }
        Self::hand_off(st);
    }

    fn hand_off(st: &State) {
        if let Some(c) = st.calls.values().find(|c| c.waiting && c.reply.is_none()) {
            c.cv.notify_one();
        } else if let Some(s) = st.streams.values().find(|s| s.needs_reader()) {
            s.notify();
        }
    }

    /// Reads as the holder of the reader role until the reply to `serial` arrives
    /// (returned), the connection ends or `deadline` passes (`None`; a failure was
    /// filed in the call's slot).
    fn read_for(&self, serial: u32, deadline: Option<Instant>) -> Option<Packet> {
        self.read_until(Some(serial), deadline, &mut || false)
    }

    /// Reads as the holder of the reader role until the reply to `serial` arrives
    /// (returned), `done` says what the reader waits for was filed, the connection ends
    /// or `deadline` passes.
    fn read_until(
        &self,
        serial: Option<u32>,
        deadline: Option<Instant>,
        done: &mut dyn FnMut() -> bool,
    ) -> Option<Packet> {
        let mut rb = lock(&self.rbuf);
        let mut mine = None;
        loop {
            loop {
                match rb.next() {
                    Ok(Some(p)) => {
                        if let Some(p) = self.dispatch(p, serial) {
                            mine = Some(p);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.read_failed(e);
                        // A reply that came before the garbage still counts.
                        return mine;
                    }
                }
            }
            if mine.is_some() || done() {
                return mine;
            }
            let flags = match deadline {
                None => RecvFlags::empty(),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    let timeout = rustix::event::Timespec::try_from(left).ok();
                    let mut fds = [PollFd::new(&self.sock, PollFlags::IN)];
                    match rustix::event::poll(&mut fds, timeout.as_ref()) {
                        Ok(0) | Err(Errno::INTR) => continue,
                        Ok(_) => {}
                        Err(e) => {
                            self.read_failed(FrameError::Io(e.into()));
                            return None;
                        }
                    }
                    RecvFlags::DONTWAIT
                }
            };
            match rustix::net::recv(&self.sock, rb.room(), flags) {
                Ok((0, _)) => {
                    self.ended();
                    return None;
                }
                Ok((n, _)) => rb.end += n,
                Err(Errno::INTR) | Err(Errno::AGAIN) => {}
                Err(e) => {
                    self.read_failed(FrameError::Io(e.into()));
                    return None;
                }
            }
        }
    }

    /// Waits for the reply to `serial`, reading for it when the role is free.
    fn wait_reply(&self, serial: u32, deadline: Option<Instant>) -> Reply {
        let mut st = self.state();
        loop {
            let role = st.role;
            let Some(call) = st.calls.get_mut(&serial) else {
                return Err(closed_error());
            };
            call.waiting = false;
            if let Some(r) = call.reply.take() {
                st.calls.remove(&serial);
                if role == Role::Free {
                    Self::hand_off(&st);
                }
                return r;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                st.calls.remove(&serial);
                if role == Role::Free {
                    Self::hand_off(&st);
                }
                return Err(closed_error());
            }
            match role {
                Role::Free => {
                    st.role = Role::Caller;
                    drop(st);
                    let got = self.read_for(serial, deadline);
                    st = self.state();
                    if got.is_some() {
                        st.last_rx = Instant::now();
                        st.unanswered = 0;
                    }
                    self.release(&mut st, true);
                    if let Some(p) = got {
                        st.calls.remove(&serial);
                        return Ok(p);
                    }
                    continue;
                }
                Role::Watcher if !st.poked => {
                    st.poked = true;
                    self.poke();
                }
                Role::Watcher | Role::Caller => {}
            }
            let Some(call) = st.calls.get_mut(&serial) else {
                return Err(closed_error());
            };
            call.waiting = true;
            let cv = call.cv.clone();
            st = match deadline {
                None => cv.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    cv.wait_timeout(st, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }

    /// Reads as the watcher until a caller wants the role, `until` passes or the
    /// connection ends.
    fn watch_socket(&self, until: Option<Instant>) {
        let mut rb = lock(&self.rbuf);
        loop {
            loop {
                match rb.next() {
                    Ok(Some(p)) => {
                        self.dispatch(p, None);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.read_failed(e);
                        return;
                    }
                }
            }
            // Nobody asked for a stream's data yet: leave the rest in the socket, so the
            // server holds it back instead of this process buffering it.
            if Core::backlogged(&self.state()) {
                return;
            }
            let timeout = match until {
                Some(u) => {
                    let left = u.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    rustix::event::Timespec::try_from(left).ok()
                }
                None => None,
            };
            let mut fds = [
                PollFd::new(&self.sock, PollFlags::IN),
                PollFd::new(&self.wake, PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(0) => return,
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => {
                    self.read_failed(FrameError::Io(e.into()));
                    return;
                }
            }
            if fds[1].revents().contains(PollFlags::IN) {
                let mut count = [0u8; 8];
                let _ = rustix::io::read(&self.wake, &mut count);
                return;
            }
            if fds[0]
                .revents()
                .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
            {
                match rustix::net::recv(&self.sock, rb.room(), RecvFlags::DONTWAIT) {
                    Ok((0, _)) => {
                        self.ended();
                        return;
                    }
                    Ok((n, _)) => rb.end += n,
                    Err(Errno::INTR) | Err(Errno::AGAIN) => {}
                    Err(e) => {
                        self.read_failed(FrameError::Io(e.into()));
                        return;
                    }
                }
            }
        }
    }
}

/// The watcher thread: reads while the connection is idle and runs the client's
/// keepalive, until the connection is down.
fn watch(core: Arc<Core>) {
    let mut st = core.state();
    loop {
        if st.closed {
            return;
        }
        let now = Instant::now();
        let (last_rx, unanswered) = (st.last_rx, st.unanswered);
        if let Some(ka) = st.keepalive.as_mut() {
            if now >= ka.next {
                ka.next = now + ka.interval;
                if now.duration_since(last_rx) >= ka.interval {
                    if unanswered >= ka.count {
                        drop(st);
                        core.close(Error::new(
                            ErrorDomain::RPC,
                            ErrorCode::INTERNAL_ERROR,
                            Some("connection closed due to keepalive timeout".to_string()),
                        ));
                        return;
                    }
                    st.unanswered += 1;
                    drop(st);
                    core.send(&keepalive_packet(keepalive::PING));
                    st = core.state();
                    continue;
                }
            }
        }
        let idle_for = now.duration_since(st.last_active);
        let backlogged = Core::backlogged(&st);
        if st.role == Role::Free && idle_for >= IDLE && !backlogged {
            st.role = Role::Watcher;
            st.poked = false;
            let until = st.keepalive.as_ref().map(|k| k.next);
            drop(st);
            core.watch_socket(until);
            st = core.state();
            core.release(&mut st, false);
            continue;
        }
        let mut wait = if backlogged {
            // Until a stream's reader takes some of its backlog (it notifies).
            streams::BACKLOG_WAIT
        } else if st.role == Role::Free {
            IDLE.saturating_sub(idle_for)
        } else {
            IDLE
        };
        if let Some(ka) = &st.keepalive {
            wait = wait.min(ka.next.saturating_duration_since(now));
        }
        st = core
            .watcher
            .wait_timeout(st, wait)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// One connection to a daemon.
pub struct Client {
    core: Arc<Core>,
    child: Mutex<Option<Child>>,
    /// Whether `CONNECT_OPEN` succeeded, so closing should send `CONNECT_CLOSE`.
    opened: AtomicBool,
}

impl Client {
    /// Dials `target` and starts the connection's watcher.
    pub fn connect(target: crate::target::Target) -> Result<Client> {
        let conn = crate::transport::connect(&target)?;
        Client::start(conn)
    }

    fn start(conn: Conn) -> Result<Client> {
        let Conn {
            sock,
            child,
            stderr,
            pass_fds,
        } = conn;
        let started = (|| {
            let wake = rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
                .map_err(|e| {
                    Error::system(
                        ErrorDomain::RPC,
                        "Unable to create eventfd",
                        &std::io::Error::from(e),
                    )
                })?;
            let now = Instant::now();
            let core = Arc::new(Core {
                sock,
                pass_fds,
                wake,
                write: Mutex::new(()),
                state: Mutex::new(State {
                    calls: HashMap::new(),
                    streams: HashMap::new(),
                    serial: 0,
                    role: Role::Free,
                    poked: false,
                    last_active: now,
                    last_rx: now,
                    unanswered: 0,
                    keepalive: None,
                    closed: false,
                    unreported: None,
                }),
                rbuf: Mutex::new(ReadBuf::new()),
                watcher: Condvar::new(),
                events: Mutex::new(None),
                stderr,
            });
            let watcher = core.clone();
            spawn_thread("rvirt-remote-watch", move || watch(watcher))?;
            Ok(core)
        })();
        match started {
            Ok(core) => Ok(Client {
                core,
                child: Mutex::new(child),
                opened: AtomicBool::new(false),
            }),
            Err(e) => {
                if let Some(c) = child {
                    crate::transport::reap(c);
                }
                Err(e)
            }
        }
    }

    /// Starts pinging the server when the connection is idle.
    pub fn start_keepalive(&self, interval: Duration, count: u32) -> Result<()> {
        if interval.is_zero() {
            return Ok(());
        }
        let mut st = self.core.state();
        st.keepalive = Some(Keepalive {
            interval,
            count,
            next: Instant::now() + interval,
        });
        // A watcher polling without a time limit learns about the new schedule.
        if st.role == Role::Watcher && !st.poked {
            st.poked = true;
            self.core.poke();
        }
        drop(st);
        self.core.watcher.notify_all();
        Ok(())
    }

    /// Marks the connection as opened (`CONNECT_OPEN` succeeded).
    pub fn set_opened(&self) {
        self.opened.store(true, Ordering::Relaxed);
    }

    /// Routes event messages to `tx` from now on.
    pub fn set_event_sink(&self, tx: Sender<Incoming>) {
        if !self.core.is_closed() {
            *lock(&self.core.events) = Some(tx);
        }
    }

    pub fn has_event_sink(&self) -> bool {
        lock(&self.core.events).is_some()
    }

    /// Sends one call and waits for its reply, at most `limit` when given.
    fn call_raw(
        &self,
        prog: u32,
        proc_: i32,
        payload: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<Vec<u8>> {
        self.call_with(prog, proc_, payload, limit, None, &[])
            .map(|(r, _)| r)
    }

    /// Calls procedure `P` passing `fds` beside it (`CALL_WITH_FDS`); the daemon's reply
    /// must hand none back.
    pub fn call_with_fds<P: Procedure>(
        &self,
        args: P::Args,
        fds: &[BorrowedFd<'_>],
    ) -> Result<P::Ret> {
        if fds.is_empty() {
            return self.call::<P>(args);
        }
        if !self.core.pass_fds {
            return Err(Error::invalid_arg(
                ErrorDomain::RPC,
                "Unable to pass file descriptors on this connection",
            ));
        }
        let mut payload = (fds.len() as u32).to_be_bytes().to_vec();
        payload.extend(xdr::to_bytes(&args));
        let (reply, _) = self.call_with(P::PROG, P::NUM, payload, None, None, fds)?;
        xdr::from_bytes(&reply).map_err(|_| rpc("Unable to decode message payload"))
    }

    /// Sends one call and waits for its reply; with `stream` (whether it is sparse), a
    /// stream slot is registered under the call's key before the call goes out and taken
    /// away again when the call fails.
    fn call_with(
        &self,
        prog: u32,
        proc_: i32,
        payload: Vec<u8>,
        limit: Option<Duration>,
        stream: Option<bool>,
        fds: &[BorrowedFd<'_>],
    ) -> Result<(Vec<u8>, u32)> {
        let deadline = limit.map(|d| Instant::now() + d);
        let len = LEN_SIZE + HEADER_SIZE + payload.len();
        if len > MESSAGE_MAX + LEN_SIZE {
            return Err(rpc(format!(
                "message of {len} bytes exceeds the maximum of {}",
                MESSAGE_MAX + LEN_SIZE
            )));
        }
        let core = &self.core;
        let serial = {
            let mut st = core.state();
            if st.closed {
                return Err(st.unreported.take().unwrap_or_else(closed_error));
            }
            let serial = st.serial;
            st.serial = serial.wrapping_add(1);
            st.calls.insert(
                serial,
                Call {
                    reply: None,
                    cv: Arc::new(Condvar::new()),
                    waiting: false,
                },
            );
            if let Some(sparse) = stream {
                let key = StreamKey {
                    prog,
                    proc_,
                    serial,
                };
                st.streams.insert(key, streams::StreamSlot::new(sparse));
            }
            serial
        };
        let kind = if fds.is_empty() {
            MsgType::Call
        } else {
            MsgType::CallWithFds
        };
        let h = Header::new(prog, proc_, kind, serial, Status::Ok);
        core.send_with_fds(&encode_packet(&h, &payload), fds);
        let r = Self::reply_body(core.wait_reply(serial, deadline));
        if r.is_err() && stream.is_some() {
            core.state().streams.remove(&StreamKey::of(&h));
        }
        r.map(|body| (body, serial))
    }

    fn reply_body(reply: Reply) -> Result<Vec<u8>> {
        let mut reply = reply?;
        match reply.header.msg_status() {
            Some(Status::Ok) if reply.header.kind == MsgType::ReplyWithFds as i32 => {
                // The descriptor count comes first; no call rvirt makes gets any back.
                match reply.payload.get(..4).map(|b| [b[0], b[1], b[2], b[3]]) {
                    Some(n) if u32::from_be_bytes(n) == 0 => {
                        reply.payload.drain(..4);
                        Ok(reply.payload)
                    }
                    Some(_) => Err(rpc(
                        "the daemon returned file descriptors, which this client does not take",
                    )),
                    None => Err(rpc("Unable to decode number of FDs")),
                }
            }
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

    /// Calls stream-opening procedure `P` and returns its reply and the client's end of
    /// the stream (`sparse`: whether holes may travel).
    pub fn open_stream<P: Procedure>(
        &self,
        args: P::Args,
        sparse: bool,
    ) -> Result<(P::Ret, Arc<RemoteStream>)> {
        let (reply, serial) = self.call_with(
            P::PROG,
            P::NUM,
            xdr::to_bytes(&args),
            None,
            Some(sparse),
            &[],
        )?;
        let key = StreamKey {
            prog: P::PROG,
            proc_: P::NUM,
            serial,
        };
        // From here the handle owns the slot: dropping it aborts the stream.
        let stream = Arc::new(RemoteStream::new(self.core.clone(), key, sparse));
        let ret = xdr::from_bytes(&reply).map_err(|_| rpc("Unable to decode message payload"))?;
        Ok((ret, stream))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.opened.load(Ordering::Relaxed) && !self.core.is_closed() {
            let closed = self
                .call_limited::<rvirt_rpc::protocol::remote::ConnectClose>((), Some(CLOSE_WAIT));
            if closed.is_ok() {
                self.core.wait_for_hangup(HANGUP_WAIT);
            }
        }
        self.core.close(closed_error());
        if let Some(child) = lock(&self.child).take() {
            crate::transport::reap(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(serial: u32, payload: &[u8]) -> Vec<u8> {
        let h = Header::new(program::REMOTE, 1, MsgType::Reply, serial, Status::Ok);
        encode_packet(&h, payload)
    }

    fn feed(rb: &mut ReadBuf, bytes: &[u8]) {
        let mut off = 0;
        while off < bytes.len() {
            let room = rb.room();
            let n = room.len().min(bytes.len() - off);
            room[..n].copy_from_slice(&bytes[off..off + n]);
            rb.end += n;
            off += n;
        }
    }

    #[test]
    fn read_buffer_splits_packets_and_grows_for_large_ones() {
        let mut rb = ReadBuf::new();
        let mut wire = packet(1, &[1, 2, 3, 4]);
        let big = vec![7u8; 3 * READ_CHUNK];
        wire.extend(packet(2, &big));
        wire.extend(packet(3, &[]));
        // Half of the first packet: nothing yet.
        feed(&mut rb, &wire[..10]);
        assert!(rb.next().expect("ok").is_none());
        // The rest arrives in pieces smaller than the big packet.
        let mut got = Vec::new();
        for chunk in wire[10..].chunks(READ_CHUNK / 2) {
            feed(&mut rb, chunk);
            while let Some(p) = rb.next().expect("ok") {
                got.push((p.header.serial, p.payload.len()));
            }
        }
        assert_eq!(got, vec![(1, 4), (2, big.len()), (3, 0)]);
        assert_eq!(rb.start, rb.end);
        // Back to the usual size once the large packet is gone.
        assert_eq!(rb.buf.len(), READ_CHUNK);
    }

    #[test]
    fn read_buffer_rejects_bad_lengths() {
        let mut rb = ReadBuf::new();
        feed(&mut rb, &[0, 0, 0, 8, 0, 0, 0, 0]);
        assert!(matches!(
            rb.next(),
            Err(FrameError::Length(LengthError::TooShort(8)))
        ));
    }
}
