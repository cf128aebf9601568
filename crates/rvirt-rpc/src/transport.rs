//! Reading and writing whole packets on an async byte stream (UNIX socket, TCP, TLS, or a
//! child's pipes). Shared by the daemon and the client.

use crate::packet::{body_len, LengthError, Packet, LEN_SIZE};
use crate::xdr::XdrError;
use std::fmt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Why a packet could not be read.
#[derive(Debug)]
pub enum FrameError {
    Io(std::io::Error),
    /// The peer closed the stream in the middle of a packet.
    Truncated {
        got: usize,
        wanted: usize,
    },
    Length(LengthError),
    Header(XdrError),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Truncated { got, wanted } => {
                write!(
                    f,
                    "connection closed after {got} of {wanted} bytes of a packet"
                )
            }
            FrameError::Length(e) => write!(f, "{e}"),
            FrameError::Header(e) => write!(f, "bad packet header: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

async fn read_full<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
) -> Result<usize, std::io::Error> {
    let mut got = 0;
    while got < buf.len() {
        let n = r.read(&mut buf[got..]).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// Reads one packet. `Ok(None)` is a clean end of stream between packets.
pub async fn read_packet<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<Packet>, FrameError> {
    let mut len = [0u8; LEN_SIZE];
    let got = read_full(r, &mut len).await.map_err(FrameError::Io)?;
    if got == 0 {
        return Ok(None);
    }
    if got < LEN_SIZE {
        return Err(FrameError::Truncated {
            got,
            wanted: LEN_SIZE,
        });
    }
    let n = body_len(len).map_err(FrameError::Length)?;
    let mut body = vec![0u8; n];
    let got = read_full(r, &mut body).await.map_err(FrameError::Io)?;
    if got < n {
        return Err(FrameError::Truncated { got, wanted: n });
    }
    Packet::parse(&body).map(Some).map_err(FrameError::Header)
}

/// Writes already-framed bytes and flushes.
pub async fn write_all<W: AsyncWrite + Unpin>(
    w: &mut W,
    bytes: &[u8],
) -> Result<(), std::io::Error> {
    w.write_all(bytes).await?;
    w.flush().await
}
