//! Descriptors passed by UNIX clients (`CALL_WITH_FDS`): every read of such a client's
//! socket is a `recvmsg` whose `SCM_RIGHTS` descriptors are queued, since a plain read of
//! the one-byte message that carries a descriptor would silently close it.
//!
//! libvirt's client writes the call's packet and then one `sendmsg` per descriptor, each
//! with one zero byte; the reader takes the packet, then that many bytes, then that many
//! queued descriptors. The descriptors of the call being dispatched are lent to its
//! handler through [`CallFds`] on the dispatching thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

/// `VIR_NET_MESSAGE_NUM_FDS_MAX`: at most this many descriptors per call.
pub const MAX_FDS: usize = 32;

/// Descriptors received and not yet claimed by a call, oldest first.
#[derive(Default)]
pub struct FdQueue(Mutex<VecDeque<OwnedFd>>);

impl FdQueue {
    fn push(&self, fd: OwnedFd) {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // A client that sends descriptors no call claims gets them closed, not hoarded.
        if q.len() >= MAX_FDS {
            q.pop_front();
        }
        q.push_back(fd);
    }

    /// The oldest `n` descriptors, or `None` when fewer arrived.
    pub fn take(&self, n: usize) -> Option<Vec<OwnedFd>> {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() < n {
            return None;
        }
        Some(q.drain(..n).collect())
    }
}

/// A UNIX client's socket, read with `recvmsg` so passed descriptors are kept.
pub struct UnixFdStream {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    fds: Arc<FdQueue>,
}

impl UnixFdStream {
    pub fn new(s: UnixStream) -> (UnixFdStream, Arc<FdQueue>) {
        let (rd, wr) = s.into_split();
        let fds = Arc::new(FdQueue::default());
        (
            UnixFdStream {
                rd,
                wr,
                fds: fds.clone(),
            },
            fds,
        )
    }
}

impl AsyncRead for UnixFdStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let sock: &UnixStream = me.rd.as_ref();
        loop {
            ready!(sock.poll_read_ready(cx))?;
            let dst = buf.initialize_unfilled();
            let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
            let mut anc = rustix::net::RecvAncillaryBuffer::new(&mut space);
            let got = sock.try_io(Interest::READABLE, || {
                let mut iov = [io::IoSliceMut::new(dst)];
                rustix::net::recvmsg(
                    sock,
                    &mut iov,
                    &mut anc,
                    rustix::net::RecvFlags::CMSG_CLOEXEC,
                )
                .map(|r| r.bytes)
                .map_err(io::Error::from)
            });
            for msg in anc.drain() {
                if let rustix::net::RecvAncillaryMessage::ScmRights(fds) = msg {
                    for fd in fds {
                        me.fds.push(fd);
                    }
                }
            }
            match got {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for UnixFdStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().wr).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().wr).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().wr).poll_shutdown(cx)
    }
}

thread_local! {
    static CURRENT: RefCell<Vec<OwnedFd>> = const { RefCell::new(Vec::new()) };
}

/// The descriptors of the call being dispatched on this thread.
pub struct CallFds;

impl CallFds {
    /// Lends `fds` to the handler run by `f` on this thread; what it leaves is closed.
    pub fn with<T>(fds: Vec<OwnedFd>, f: impl FnOnce() -> T) -> T {
        CURRENT.with(|c| *c.borrow_mut() = fds);
        let out = f();
        CURRENT.with(|c| c.borrow_mut().clear());
        out
    }

    /// Takes the current call's descriptors (a handler's first and only claim).
    pub fn take() -> Vec<OwnedFd> {
        CURRENT.with(|c| std::mem::take(&mut *c.borrow_mut()))
    }
}
