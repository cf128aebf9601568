//! [`Stream`]: libvirt's `virStream`, the handle bulk data travels through.
//!
//! As in libvirt, an application makes a stream with [`Connect::new_stream`], hands it
//! to a call that opens one ([`crate::Domain::screenshot`],
//! [`crate::StorageVol::download`], [`crate::StorageVol::upload`],
//! [`crate::Domain::open_console`], ...), then moves the data with [`Stream::recv`] /
//! [`Stream::send`] (or the whole of it with [`Stream::recv_all`], [`Stream::send_all`],
//! [`Stream::download_to`], [`Stream::upload_from`]) and ends with [`Stream::finish`] (or
//! [`Stream::abort`]). The call attaches the driver's [`DriverStream`] to the handle.
//!
//! Reading and writing may happen on two threads at once (a console), and `abort` from a
//! third interrupts both. A stream dropped while still open is aborted.

use crate::Connect;
use rvirt_core::stream::{DriverStream, StreamChunk};
use rvirt_core::types::flags;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// How much [`Stream::recv_all`] and friends move at a time: one full stream packet's
/// payload (libvirt's client moves 64 KiB, a quarter packet, paying the per-message cost
/// four times as often).
const ALL_CHUNK: usize = 262_120;

/// What [`Stream::recv_flags`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// This many bytes were stored in the buffer.
    Data(usize),
    /// The stream is at a hole (only with `STOP_AT_HOLE`); [`Stream::recv_hole`] takes it.
    Hole,
    /// The end of the stream.
    End,
}

/// What a [`Stream::sparse_send_all`] source produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SparseRead {
    /// This many bytes were stored in the buffer.
    Data(usize),
    /// A hole of this many bytes comes next.
    Hole(u64),
    /// Nothing more.
    End,
}

/// A stream, like libvirt's `virStreamPtr`: cheap to clone, all clones are the same stream.
#[derive(Clone)]
pub struct Stream {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connect,
    flags: u32,
    backend: Mutex<Backend>,
    /// The receiving side's leftover: a chunk a caller's buffer did not take whole, or a
    /// hole waiting for `recv_hole`. Held during a receive, so receives are serialized
    /// (sends and `abort` do not take it).
    rx: Mutex<Option<StreamChunk>>,
}

enum Backend {
    /// Not yet handed to a stream-opening call.
    Unattached,
    Open(DriverStream),
    /// Finished or aborted.
    Closed,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// libvirt's error for a stream used after its finish or abort.
fn closed() -> Error {
    Error::new(
        ErrorDomain::RPC,
        ErrorCode::OPERATION_FAILED,
        Some("stream is closed".to_string()),
    )
}

fn io_error(action: &str, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::STREAMS, action, e)
}

impl Drop for Inner {
    /// An open stream nobody finished is aborted, so the far side lets go of it.
    fn drop(&mut self) {
        let backend = std::mem::replace(
            self.backend.get_mut().unwrap_or_else(|p| p.into_inner()),
            Backend::Closed,
        );
        if let Backend::Open(ds) = backend {
            let _ = ds.abort();
        }
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &*lock(&self.inner.backend) {
            Backend::Unattached => "unattached".to_string(),
            Backend::Open(ds) => format!("{ds:?}"),
            Backend::Closed => "closed".to_string(),
        };
        f.debug_struct("Stream").field("state", &state).finish()
    }
}

impl Connect {
    /// `virStreamNew`: a stream for a stream-opening call on this connection.
    /// `VIR_STREAM_NONBLOCK` is not supported yet (every stream blocks).
    pub fn new_stream(&self, flags: u32) -> Result<Stream> {
        if flags & flags::stream::NONBLOCK != 0 {
            return Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some("non-blocking streams are not supported".to_string()),
            ));
        }
        Ok(Stream {
            inner: Arc::new(Inner {
                conn: self.clone(),
                flags,
                backend: Mutex::new(Backend::Unattached),
                rx: Mutex::new(None),
            }),
        })
    }
}

impl Stream {
    pub fn connect(&self) -> &Connect {
        &self.inner.conn
    }

    /// The flags the stream was made with.
    pub fn flags(&self) -> u32 {
        self.inner.flags
    }

    /// Whether the stream was made on `conn` (libvirt refuses a stream of another
    /// connection).
    pub(crate) fn belongs_to(&self, conn: &Connect) -> bool {
        self.inner.conn.same(conn)
    }

    /// Refuses a stream that is already attached (or was used and closed): each stream
    /// carries one transfer.
    pub(crate) fn check_unused(&self) -> Result<()> {
        match &*lock(&self.inner.backend) {
            Backend::Unattached => Ok(()),
            _ => Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::OPERATION_INVALID,
                Some("the stream is already in use".to_string()),
            )),
        }
    }

    /// Attaches what a driver returned. Public for the daemon and for drivers' tests; a
    /// stream-opening API call does this itself.
    pub fn attach(&self, ds: DriverStream) -> Result<()> {
        let mut b = lock(&self.inner.backend);
        match &*b {
            Backend::Unattached => {
                *b = Backend::Open(ds);
                Ok(())
            }
            _ => {
                drop(b);
                let _ = ds.abort();
                Err(Error::new(
                    ErrorDomain::STREAMS,
                    ErrorCode::OPERATION_INVALID,
                    Some("the stream is already in use".to_string()),
                ))
            }
        }
    }

    /// Whether the stream carries holes (a sparse upload or download).
    pub fn is_sparse(&self) -> bool {
        matches!(&*lock(&self.inner.backend), Backend::Open(ds) if ds.sparse)
    }

    /// Whether the stream can be read from / written to (false once closed).
    pub fn is_readable(&self) -> bool {
        matches!(&*lock(&self.inner.backend), Backend::Open(ds) if ds.source.is_some())
    }

    pub fn is_writable(&self) -> bool {
        matches!(&*lock(&self.inner.backend), Backend::Open(ds) if ds.sink.is_some())
    }

    /// The open backend, or libvirt's answers for a stream without one: "not supported"
    /// (naming the function) before any call attached one, "stream is closed" after
    /// finish or abort (as libvirt's remote client says).
    fn open(&self, function: &str) -> Result<DriverStream> {
        match &*lock(&self.inner.backend) {
            Backend::Open(ds) => Ok(ds.clone()),
            Backend::Unattached => Err(Error::no_support_in(ErrorDomain::STREAMS, function)),
            Backend::Closed => Err(closed()),
        }
    }

    fn wrong_direction(what: &str) -> Error {
        Error::new(
            ErrorDomain::STREAMS,
            ErrorCode::OPERATION_INVALID,
            Some(format!("the stream is not open for {what}")),
        )
    }

    /// The next chunk as the driver produced it (holes stay holes), at most `max` bytes of
    /// data; `None` at the end. What the daemon relays onto the wire.
    pub fn recv_chunk(&self, max: usize) -> Result<Option<StreamChunk>> {
        let ds = self.open("virStreamRecv")?;
        let Some(source) = ds.source else {
            return Err(Stream::wrong_direction("reading"));
        };
        let mut rx = lock(&self.inner.rx);
        match rx.take() {
            Some(StreamChunk::Data(mut d)) if d.len() > max.max(1) => {
                let rest = d.split_off(max.max(1));
                *rx = Some(StreamChunk::Data(rest));
                Ok(Some(StreamChunk::Data(d)))
            }
            Some(c) => Ok(Some(c)),
            None => source.recv(max.max(1)),
        }
    }

    /// `virStreamRecv`: reads into `buf`, returning how many bytes; 0 is the end. Holes
    /// read as zeros.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        match self.recv_inner(buf, false)? {
            Received::Data(n) => Ok(n),
            Received::End => Ok(0),
            // Not asked to stop at holes.
            Received::Hole => Ok(0),
        }
    }

    /// `virStreamRecvFlags`: with `VIR_STREAM_RECV_STOP_AT_HOLE`, stops at a hole instead
    /// of reading it as zeros.
    pub fn recv_flags(&self, buf: &mut [u8], flags: u32) -> Result<Received> {
        Error::check_flags(
            ErrorDomain::STREAMS,
            flags,
            flags::stream_recv::STOP_AT_HOLE,
            "virStreamRecvFlags",
        )?;
        self.recv_inner(buf, flags & flags::stream_recv::STOP_AT_HOLE != 0)
    }

    fn recv_inner(&self, buf: &mut [u8], stop_at_hole: bool) -> Result<Received> {
        let ds = self.open("virStreamRecv")?;
        let Some(source) = ds.source else {
            return Err(Stream::wrong_direction("reading"));
        };
        if buf.is_empty() {
            return Ok(Received::Data(0));
        }
        let mut rx = lock(&self.inner.rx);
        let chunk = match rx.take() {
            Some(c) => c,
            None => match source.recv(buf.len())? {
                Some(c) => c,
                None => return Ok(Received::End),
            },
        };
        match chunk {
            StreamChunk::Data(d) => {
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                if n < d.len() {
                    *rx = Some(StreamChunk::Data(d[n..].to_vec()));
                }
                Ok(Received::Data(n))
            }
            StreamChunk::Hole(len) if stop_at_hole => {
                *rx = Some(StreamChunk::Hole(len));
                Ok(Received::Hole)
            }
            StreamChunk::Hole(len) => {
                let n = usize::try_from(len).unwrap_or(usize::MAX).min(buf.len());
                buf[..n].fill(0);
                if (n as u64) < len {
                    *rx = Some(StreamChunk::Hole(len - n as u64));
                }
                Ok(Received::Data(n))
            }
        }
    }

    /// `virStreamRecvHole`: takes the hole the stream is at (0 when it is not at one).
    pub fn recv_hole(&self, flags: u32) -> Result<u64> {
        Error::check_flags(ErrorDomain::STREAMS, flags, 0, "virStreamRecvHole")?;
        let ds = self.open("virStreamRecvHole")?;
        if !ds.sparse {
            return Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::OPERATION_INVALID,
                Some("Holes are not supported with this stream".to_string()),
            ));
        }
        let mut rx = lock(&self.inner.rx);
        match rx.take() {
            Some(StreamChunk::Hole(n)) => Ok(n),
            other => {
                *rx = other;
                Ok(0)
            }
        }
    }

    /// `virStreamSend`: writes all of `data`, returning its length.
    pub fn send(&self, data: &[u8]) -> Result<usize> {
        let ds = self.open("virStreamSend")?;
        let Some(sink) = ds.sink else {
            return Err(Stream::wrong_direction("writing"));
        };
        if !data.is_empty() {
            sink.send(data)?;
        }
        Ok(data.len())
    }

    /// `virStreamSendHole`: a hole of `length` bytes (sparse streams only).
    pub fn send_hole(&self, length: i64, flags: u32) -> Result<()> {
        if length < 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::STREAMS,
                "length in virStreamSendHole must be greater than or equal to 0",
            ));
        }
        let ds = self.open("virStreamSendHole")?;
        let Some(sink) = ds.sink else {
            return Err(Stream::wrong_direction("writing"));
        };
        if !ds.sparse {
            return Err(Error::new(
                ErrorDomain::STREAMS,
                ErrorCode::OPERATION_INVALID,
                Some("Skipping is not supported with this stream".to_string()),
            ));
        }
        sink.send_hole(length as u64, flags)
    }

    /// `virStreamFinish`: the transfer is complete; reports whether the far side agrees
    /// (an upload was committed). The stream is closed afterwards either way.
    pub fn finish(&self) -> Result<()> {
        let ds = self.close("virStreamFinish")?;
        ds.finish()
    }

    /// `virStreamAbort`: cancels the transfer; calls blocked in other threads return.
    pub fn abort(&self) -> Result<()> {
        let ds = self.close("virStreamAbort")?;
        ds.abort()
    }

    fn close(&self, function: &str) -> Result<DriverStream> {
        let mut b = lock(&self.inner.backend);
        match std::mem::replace(&mut *b, Backend::Closed) {
            Backend::Open(ds) => Ok(ds),
            Backend::Closed => Err(closed()),
            Backend::Unattached => {
                *b = Backend::Unattached;
                Err(Error::no_support_in(ErrorDomain::STREAMS, function))
            }
        }
    }

    /// Aborts after a failure, keeping the failure as the error to report.
    fn fail<T>(&self, e: Error) -> Result<T> {
        let _ = self.abort();
        Err(e)
    }

    /// `virStreamRecvAll`: reads to the end, handing each piece to `handler` (holes as
    /// zeros). On any failure the stream is aborted and the failure returned. The caller
    /// still calls [`Stream::finish`].
    pub fn recv_all(&self, mut handler: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let mut buf = vec![0u8; ALL_CHUNK];
        loop {
            let n = match self.recv(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) => return self.fail(e),
            };
            if let Err(e) = handler(&buf[..n]) {
                return self.fail(e);
            }
        }
    }

    /// `virStreamSparseRecvAll`: as [`Stream::recv_all`], with holes handed to `hole`.
    pub fn sparse_recv_all(
        &self,
        mut data: impl FnMut(&[u8]) -> Result<()>,
        mut hole: impl FnMut(u64) -> Result<()>,
    ) -> Result<()> {
        let mut buf = vec![0u8; ALL_CHUNK];
        loop {
            let step = match self.recv_flags(&mut buf, flags::stream_recv::STOP_AT_HOLE) {
                Ok(Received::End) => return Ok(()),
                Ok(Received::Data(n)) => data(&buf[..n]),
                Ok(Received::Hole) => match self.recv_hole(0) {
                    Ok(n) => hole(n),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                return self.fail(e);
            }
        }
    }

    /// `virStreamSendAll`: sends what `source` produces until it returns 0. On any
    /// failure the stream is aborted and the failure returned. The caller still calls
    /// [`Stream::finish`].
    pub fn send_all(&self, mut source: impl FnMut(&mut [u8]) -> Result<usize>) -> Result<()> {
        let mut buf = vec![0u8; ALL_CHUNK];
        loop {
            let n = match source(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n.min(buf.len()),
                Err(e) => return self.fail(e),
            };
            if let Err(e) = self.send(&buf[..n]) {
                return self.fail(e);
            }
        }
    }

    /// `virStreamSparseSendAll`: as [`Stream::send_all`], the source also reporting holes.
    pub fn sparse_send_all(
        &self,
        mut source: impl FnMut(&mut [u8]) -> Result<SparseRead>,
    ) -> Result<()> {
        let mut buf = vec![0u8; ALL_CHUNK];
        loop {
            let step = match source(&mut buf) {
                Ok(SparseRead::End) => return Ok(()),
                Ok(SparseRead::Data(n)) => self.send(&buf[..n.min(buf.len())]).map(drop),
                Ok(SparseRead::Hole(n)) => i64::try_from(n)
                    .map_err(|_| {
                        Error::invalid_arg(ErrorDomain::STREAMS, "hole length out of range")
                    })
                    .and_then(|n| self.send_hole(n, 0)),
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                return self.fail(e);
            }
        }
    }

    /// A whole download: everything into `w`, then [`Stream::finish`]. Returns the number
    /// of bytes written (holes are written as zeros).
    pub fn download_to(&self, w: &mut dyn Write) -> Result<u64> {
        let mut total = 0u64;
        self.recv_all(|d| {
            w.write_all(d)
                .map_err(|e| io_error("cannot write stream data", &e))?;
            total += d.len() as u64;
            Ok(())
        })?;
        if let Err(e) = w.flush() {
            return self.fail(io_error("cannot write stream data", &e));
        }
        self.finish()?;
        Ok(total)
    }

    /// A whole upload: everything `r` yields, then [`Stream::finish`] (whose answer says
    /// whether the far side committed it). Returns the number of bytes sent.
    pub fn upload_from(&self, r: &mut dyn Read) -> Result<u64> {
        let mut total = 0u64;
        self.send_all(|buf| loop {
            match r.read(buf) {
                Ok(n) => {
                    total += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error("cannot read stream data", &e)),
            }
        })?;
        self.finish()?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt_core::stream::{StreamSink, StreamSource};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A source handing out prepared chunks.
    struct Chunks(Mutex<Vec<StreamChunk>>);

    impl StreamSource for Chunks {
        fn recv(&self, max: usize) -> Result<Option<StreamChunk>> {
            let mut v = lock(&self.0);
            if v.is_empty() {
                return Ok(None);
            }
            match v.remove(0) {
                StreamChunk::Data(mut d) if d.len() > max => {
                    let rest = d.split_off(max);
                    v.insert(0, StreamChunk::Data(rest));
                    Ok(Some(StreamChunk::Data(d)))
                }
                c => Ok(Some(c)),
            }
        }
    }

    /// A sink recording what it got.
    #[derive(Default)]
    struct Record {
        got: Mutex<Vec<StreamChunk>>,
        finished: AtomicBool,
        aborted: AtomicBool,
    }

    impl StreamSink for Record {
        fn send(&self, data: &[u8]) -> Result<()> {
            lock(&self.got).push(StreamChunk::Data(data.to_vec()));
            Ok(())
        }
        fn send_hole(&self, length: u64, _flags: u32) -> Result<()> {
            lock(&self.got).push(StreamChunk::Hole(length));
            Ok(())
        }
        fn finish(&self) -> Result<()> {
            self.finished.store(true, Ordering::SeqCst);
            Ok(())
        }
        fn abort(&self) -> Result<()> {
            self.aborted.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    fn conn() -> Connect {
        Connect::open(Some("test:///default")).expect("open test:///default")
    }

    fn reader(chunks: Vec<StreamChunk>, sparse: bool) -> Stream {
        let st = conn().new_stream(0).expect("new stream");
        st.attach(DriverStream::reader(Arc::new(Chunks(Mutex::new(chunks)))).sparse(sparse))
            .expect("attach");
        st
    }

    #[test]
    fn unattached_streams_answer_not_supported() {
        let st = conn().new_stream(0).expect("new stream");
        let e = st.recv(&mut [0u8; 4]).expect_err("recv");
        assert_eq!(e.code, ErrorCode::NO_SUPPORT);
        assert_eq!(e.domain, ErrorDomain::STREAMS);
        assert!(e.message.ends_with("virStreamRecv"), "{}", e.message);
        assert_eq!(st.finish().expect_err("finish").code, ErrorCode::NO_SUPPORT);
        assert!(conn().new_stream(flags::stream::NONBLOCK).is_err());
    }

    #[test]
    fn recv_splits_chunks_and_reads_holes_as_zeros() {
        let st = reader(
            vec![
                StreamChunk::Data(b"hello".to_vec()),
                StreamChunk::Hole(3),
                StreamChunk::Data(b"!".to_vec()),
            ],
            true,
        );
        let mut buf = [9u8; 2];
        let mut out = Vec::new();
        loop {
            let n = st.recv(&mut buf).expect("recv");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"hello\0\0\0!");
        st.finish().expect("finish");
        let e = st.recv(&mut buf).expect_err("after finish");
        assert_eq!(e.message, "operation failed: stream is closed");
        assert_eq!(e.domain, ErrorDomain::RPC);
        assert_eq!(
            st.finish().expect_err("finish again").code,
            ErrorCode::OPERATION_FAILED
        );
    }

    #[test]
    fn sparse_recv_all_keeps_holes() {
        let st = reader(
            vec![
                StreamChunk::Data(b"ab".to_vec()),
                StreamChunk::Hole(1 << 40),
                StreamChunk::Data(b"c".to_vec()),
            ],
            true,
        );
        let mut seen = Vec::new();
        let seen2 = Mutex::new(Vec::new());
        st.sparse_recv_all(
            |d| {
                seen.push(StreamChunk::Data(d.to_vec()));
                Ok(())
            },
            |n| {
                lock(&seen2).push(n);
                Ok(())
            },
        )
        .expect("sparse recv");
        assert_eq!(
            seen,
            vec![
                StreamChunk::Data(b"ab".to_vec()),
                StreamChunk::Data(b"c".to_vec())
            ]
        );
        assert_eq!(*lock(&seen2), vec![1u64 << 40]);
    }

    #[test]
    fn handler_failure_aborts() {
        let sink = Arc::new(Record::default());
        let st = conn().new_stream(0).expect("new stream");
        st.attach(DriverStream::writer(sink.clone()))
            .expect("attach");
        let mut calls = 0;
        let e = st
            .send_all(|buf| {
                calls += 1;
                if calls == 1 {
                    buf[0] = 7;
                    Ok(1)
                } else {
                    Err(Error::internal(ErrorDomain::STREAMS, "source broke"))
                }
            })
            .expect_err("send_all");
        assert_eq!(e.message, "internal error: source broke");
        assert!(sink.aborted.load(Ordering::SeqCst));
        assert!(!sink.finished.load(Ordering::SeqCst));
        assert_eq!(*lock(&sink.got), vec![StreamChunk::Data(vec![7])]);
    }

    #[test]
    fn upload_and_holes() {
        let sink = Arc::new(Record::default());
        let st = conn().new_stream(0).expect("new stream");
        st.attach(DriverStream::writer(sink.clone()))
            .expect("attach");
        assert_eq!(
            st.send_hole(5, 0).expect_err("not sparse").code,
            ErrorCode::OPERATION_INVALID
        );
        assert_eq!(
            st.recv(&mut [0u8; 1]).expect_err("write only").code,
            ErrorCode::OPERATION_INVALID
        );
        let n = st.upload_from(&mut &b"abcdef"[..]).expect("upload");
        assert_eq!(n, 6);
        assert!(sink.finished.load(Ordering::SeqCst));

        let sparse = Arc::new(Record::default());
        let st = conn().new_stream(0).expect("new stream");
        st.attach(DriverStream::writer(sparse.clone()).sparse(true))
            .expect("attach");
        assert_eq!(
            st.send_hole(-1, 0).expect_err("negative").code,
            ErrorCode::INVALID_ARG
        );
        st.send_hole(4096, 0).expect("hole");
        drop(st);
        // Dropped while open: aborted.
        assert!(sparse.aborted.load(Ordering::SeqCst));
        assert_eq!(*lock(&sparse.got), vec![StreamChunk::Hole(4096)]);
    }

    #[test]
    fn a_stream_carries_one_transfer() {
        let st = reader(vec![], false);
        assert!(st.check_unused().is_err());
        let again = DriverStream::reader(Arc::new(Chunks(Mutex::new(vec![]))));
        assert!(st.attach(again).is_err());
    }
}
