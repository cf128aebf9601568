//! Streams, the driver side of libvirt's `virStream`.
//!
//! A few calls move bulk data instead of returning a value: a screenshot, a volume's
//! contents (download and upload, optionally sparse), a guest's console or channel (both
//! directions at once, for as long as the guest runs). A driver answers such a call with a
//! [`DriverStream`]: a [`StreamSource`] the consumer pulls chunks from, a [`StreamSink`] it
//! pushes chunks into, or both for a bidirectional stream.
//!
//! The halves are separate objects so a console can be read on one thread while another
//! writes to it, and both take `&self`: `abort` (and `finish`) must be callable from another
//! thread while `recv` or `send` blocks, and must make the blocked call return promptly.
//! That is how the daemon tears down a stream whose guest never sends anything, and how an
//! application cancels a download.
//!
//! Data travels as [`StreamChunk`]s: bytes, or, on sparse streams only, a hole of a given
//! length (vol upload/download with `SPARSE_STREAM`), which the far side recreates without
//! the zeros travelling. Errors are ordinary [`Error`]s with libvirt's numbers; a source
//! fails the consumer's next receive, a sink the producer's next send or its finish.
//!
//! The remote driver implements both halves over the wire (the daemon's stream packets);
//! the daemon drives the halves a local driver returns. Holders of a `DriverStream` call
//! [`StreamSink::finish`] and [`StreamSource::finish`] once, or `abort`, and then drop it.

use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, MutexGuard};

/// One piece of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamChunk {
    /// Bytes (never empty: the end of a stream is `None`, not an empty chunk).
    Data(Vec<u8>),
    /// A run of zeros that is not sent as data (sparse streams only).
    Hole(u64),
}

/// The producing half a consumer reads from (screenshot, download, console output).
pub trait StreamSource: Send + Sync {
    /// Blocks until the next chunk, at most `max` bytes of data; `Ok(None)` is the end of
    /// the stream. After an error or the end, the stream only waits for `finish`/`abort`.
    fn recv(&self, max: usize) -> Result<Option<StreamChunk>>;

    /// The consumer is done (`virStreamFinish`), normally after the end, possibly before
    /// it. A source reports errors it only learns at the end here (a helper's exit status).
    fn finish(&self) -> Result<()> {
        Ok(())
    }

    /// The consumer gives up (`virStreamAbort`, or its connection went away). A `recv`
    /// blocked in another thread returns soon after, with any result.
    fn abort(&self) -> Result<()> {
        Ok(())
    }
}

/// The consuming half a producer writes to (upload, console input).
pub trait StreamSink: Send + Sync {
    /// Writes bytes; blocks while the backend cannot take more.
    fn send(&self, data: &[u8]) -> Result<()>;

    /// Skips `length` bytes, leaving a hole (sparse streams only). `flags` is the hole
    /// packet's flags word, 0 today.
    fn send_hole(&self, length: u64, flags: u32) -> Result<()> {
        let _ = (length, flags);
        Err(Error::new(
            ErrorDomain::STREAMS,
            ErrorCode::OPERATION_INVALID,
            Some("Skipping is not supported with this stream".to_string()),
        ))
    }

    /// All data was sent: commit it (flush, truncate to size, wait for a helper) and
    /// report whether that worked. The producer learns of a failure here.
    fn finish(&self) -> Result<()>;

    /// The producer gives up: drop what was not committed. A blocked `send` in another
    /// thread returns soon after.
    fn abort(&self) -> Result<()> {
        Ok(())
    }
}

/// What a stream-opening driver call returns: the halves that exist for its direction.
#[derive(Clone)]
pub struct DriverStream {
    pub source: Option<Arc<dyn StreamSource>>,
    pub sink: Option<Arc<dyn StreamSink>>,
    /// Whether hole chunks may travel in either direction (the `SPARSE_STREAM` flags of
    /// volume upload and download).
    pub sparse: bool,
}

impl std::fmt::Debug for DriverStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverStream")
            .field("source", &self.source.is_some())
            .field("sink", &self.sink.is_some())
            .field("sparse", &self.sparse)
            .finish()
    }
}

impl DriverStream {
    /// A read stream (screenshot, download).
    pub fn reader(source: Arc<dyn StreamSource>) -> DriverStream {
        DriverStream {
            source: Some(source),
            sink: None,
            sparse: false,
        }
    }

    /// A write stream (upload).
    pub fn writer(sink: Arc<dyn StreamSink>) -> DriverStream {
        DriverStream {
            source: None,
            sink: Some(sink),
            sparse: false,
        }
    }

    /// A bidirectional stream (console, channel).
    pub fn duplex(source: Arc<dyn StreamSource>, sink: Arc<dyn StreamSink>) -> DriverStream {
        DriverStream {
            source: Some(source),
            sink: Some(sink),
            sparse: false,
        }
    }

    /// The same stream, allowing holes or not.
    pub fn sparse(mut self, sparse: bool) -> DriverStream {
        self.sparse = sparse;
        self
    }

    /// Finishes both halves, the sink first (so written data is committed before the
    /// source is closed); the first failure is reported.
    pub fn finish(&self) -> Result<()> {
        let sink = self.sink.as_ref().map(|s| s.finish());
        let source = self.source.as_ref().map(|s| s.finish());
        sink.unwrap_or(Ok(())).and(source.unwrap_or(Ok(())))
    }

    /// Aborts both halves; the first failure is reported.
    pub fn abort(&self) -> Result<()> {
        let sink = self.sink.as_ref().map(|s| s.abort());
        let source = self.source.as_ref().map(|s| s.abort());
        sink.unwrap_or(Ok(())).and(source.unwrap_or(Ok(())))
    }
}

/// A source reading a file (a screenshot image, a volume), from an offset and for at most
/// a length (0: to the end), as libvirt's file streams do.
pub struct FileSource {
    path: String,
    state: Mutex<FileState>,
}

struct FileState {
    file: Option<std::fs::File>,
    /// Bytes still to read; `None` without a limit.
    left: Option<u64>,
}

impl FileSource {
    /// Opens `path` for reading. Errors are libvirt's for a file stream that cannot be
    /// opened ("Unable to open stream for 'PATH': ...").
    pub fn open(path: &str, offset: u64, length: u64) -> Result<FileSource> {
        let fail = |e: &std::io::Error| {
            Error::system(
                ErrorDomain::STREAMS,
                format!("Unable to open stream for '{path}'"),
                e,
            )
        };
        let mut file = std::fs::File::open(path).map_err(|e| fail(&e))?;
        if offset > 0 {
            file.seek(SeekFrom::Start(offset)).map_err(|e| {
                Error::system(
                    ErrorDomain::STREAMS,
                    format!("Unable to seek {path} to {offset}"),
                    &e,
                )
            })?;
        }
        Ok(FileSource {
            path: path.to_string(),
            state: Mutex::new(FileState {
                file: Some(file),
                left: (length > 0).then_some(length),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, FileState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl StreamSource for FileSource {
    fn recv(&self, max: usize) -> Result<Option<StreamChunk>> {
        let mut st = self.lock();
        let want = match st.left {
            Some(0) => return Ok(None),
            Some(n) => max.min(usize::try_from(n).unwrap_or(usize::MAX)),
            None => max,
        };
        let Some(file) = st.file.as_mut() else {
            return Ok(None);
        };
        let mut buf = vec![0u8; want.max(1)];
        let n = loop {
            match file.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::system(
                        ErrorDomain::STREAMS,
                        format!("Unable to read from {}", self.path),
                        &e,
                    ))
                }
            }
        };
        if n == 0 {
            st.file = None;
            return Ok(None);
        }
        buf.truncate(n);
        if let Some(left) = st.left.as_mut() {
            *left -= n as u64;
        }
        Ok(Some(StreamChunk::Data(buf)))
    }

    fn finish(&self) -> Result<()> {
        self.lock().file = None;
        Ok(())
    }

    fn abort(&self) -> Result<()> {
        self.lock().file = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(s: &dyn StreamSource, max: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = s.recv(max).expect("recv") {
            match c {
                StreamChunk::Data(d) => {
                    assert!(!d.is_empty() && d.len() <= max);
                    out.extend(d);
                }
                StreamChunk::Hole(_) => panic!("no holes in a file source"),
            }
        }
        out
    }

    fn scratch(tag: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("rvirt-core-{}-{tag}", std::process::id()));
        std::fs::write(&p, bytes).expect("write scratch file");
        p
    }

    #[test]
    fn file_source_reads_in_chunks_with_offset_and_length() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let p = scratch("file-source", &bytes);
        let path = p.to_string_lossy().to_string();
        let whole = FileSource::open(&path, 0, 0).expect("open");
        assert_eq!(drain(&whole, 4096), bytes);
        // The end stays the end.
        assert_eq!(whole.recv(10).expect("recv"), None);
        let part = FileSource::open(&path, 100, 1000).expect("open");
        assert_eq!(drain(&part, 333), bytes[100..1100].to_vec());
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn file_source_missing_file_is_libvirts_error() {
        let e = match FileSource::open("/nonexistent/rvirt-x.png", 0, 0) {
            Err(e) => e,
            Ok(_) => panic!("opened a missing file"),
        };
        assert_eq!(e.code, ErrorCode::SYSTEM_ERROR);
        assert_eq!(e.domain, ErrorDomain::STREAMS);
        assert_eq!(
            e.message,
            "Unable to open stream for '/nonexistent/rvirt-x.png': No such file or directory"
        );
    }

    #[test]
    fn aborted_file_source_ends() {
        let p = scratch("abort", b"some bytes");
        let s = FileSource::open(&p.to_string_lossy(), 0, 0).expect("open");
        s.abort().expect("abort");
        assert_eq!(s.recv(4).expect("recv"), None);
        let _ = std::fs::remove_file(&p);
    }
}
