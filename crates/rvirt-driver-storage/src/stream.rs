//! Volume upload and download streams. An upload writes at its offset and never truncates
//! (except at a hole of a sparse upload, which cuts the file where the hole ends, as
//! libvirt does); a
//! download reads a byte range and, when sparse, reports holes instead of sending zeros.
//! Either holds its volume busy until it ends, so the volume cannot be deleted or resized
//! under it; the end also re-reads the volume.

use rvirt_core::stream::{StreamChunk, StreamSink, StreamSource};
use rvirt_core::{Error, ErrorDomain, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Mutex, MutexGuard};

/// Runs once when the stream ends (finished, aborted or dropped).
pub struct OnEnd(Option<Box<dyn FnOnce() + Send>>);

impl OnEnd {
    pub fn new(f: impl FnOnce() + Send + 'static) -> OnEnd {
        OnEnd(Some(Box::new(f)))
    }
    fn fire(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

impl Drop for OnEnd {
    fn drop(&mut self) {
        self.fire();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_err(path: &str, e: &std::io::Error) -> Error {
    Error::system(
        ErrorDomain::STREAMS,
        format!("Unable to open stream for '{path}'"),
        e,
    )
}

struct Up {
    file: Option<File>,
    pos: u64,
    left: Option<u64>,
    end: OnEnd,
}

pub struct Upload {
    path: String,
    st: Mutex<Up>,
}

impl Upload {
    pub fn open(path: &str, offset: u64, length: u64, end: OnEnd) -> Result<Upload> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| open_err(path, &e))?;
        f.seek(SeekFrom::Start(offset)).map_err(|e| {
            Error::system(
                ErrorDomain::STREAMS,
                format!("Unable to seek {path} to {offset}"),
                &e,
            )
        })?;
        Ok(Upload {
            path: path.to_string(),
            st: Mutex::new(Up {
                file: Some(f),
                pos: offset,
                left: (length > 0).then_some(length),
                end,
            }),
        })
    }

    fn take(st: &mut Up, n: u64) -> Result<()> {
        if let Some(left) = st.left.as_mut() {
            if n > *left {
                return Err(Error::system(
                    ErrorDomain::STREAMS,
                    "cannot write to stream",
                    &std::io::Error::from_raw_os_error(28),
                ));
            }
            *left -= n;
        }
        Ok(())
    }
}

impl StreamSink for Upload {
    fn send(&self, data: &[u8]) -> Result<()> {
        let mut st = lock(&self.st);
        Upload::take(&mut st, data.len() as u64)?;
        let Some(f) = st.file.as_mut() else {
            return Ok(());
        };
        f.write_all(data)
            .map_err(|e| Error::system(ErrorDomain::STREAMS, "cannot write to stream", &e))?;
        st.pos += data.len() as u64;
        Ok(())
    }

    fn send_hole(&self, length: u64, _flags: u32) -> Result<()> {
        let mut st = lock(&self.st);
        Upload::take(&mut st, length)?;
        st.pos += length;
        let pos = st.pos;
        if let Some(f) = st.file.as_mut() {
            // As libvirt does, the file is cut (or grown) to where the hole ends, so a
            // sparse upload into a larger file leaves it the size of the data sent.
            f.set_len(pos)
                .and_then(|_| f.seek(SeekFrom::Start(pos)))
                .map_err(|e| {
                    Error::system(
                        ErrorDomain::STREAMS,
                        format!("unable to seek in {}", self.path),
                        &e,
                    )
                })?;
        }
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        let mut st = lock(&self.st);
        let r = match st.file.take() {
            Some(f) => f.sync_all().map_err(|e| {
                Error::system(
                    ErrorDomain::STREAMS,
                    format!("Unable to close {}", self.path),
                    &e,
                )
            }),
            None => Ok(()),
        };
        st.end.fire();
        r
    }

    fn abort(&self) -> Result<()> {
        let mut st = lock(&self.st);
        st.file = None;
        st.end.fire();
        Ok(())
    }
}

struct Down {
    file: Option<File>,
    pos: u64,
    /// Where the range ends.
    stop: u64,
    sparse: bool,
    end: OnEnd,
}

pub struct Download {
    path: String,
    st: Mutex<Down>,
}

impl Download {
    pub fn open(
        path: &str,
        offset: u64,
        length: u64,
        sparse: bool,
        end: OnEnd,
    ) -> Result<Download> {
        let f = File::open(path).map_err(|e| open_err(path, &e))?;
        let size = {
            let mut g = &f;
            g.seek(SeekFrom::End(0)).map_err(|e| open_err(path, &e))?
        };
        let stop = if length > 0 {
            size.min(offset.saturating_add(length))
        } else {
            size
        };
        Ok(Download {
            path: path.to_string(),
            st: Mutex::new(Down {
                file: Some(f),
                pos: offset,
                stop,
                sparse,
                end,
            }),
        })
    }
}

impl StreamSource for Download {
    fn recv(&self, max: usize) -> Result<Option<StreamChunk>> {
        let mut st = lock(&self.st);
        let (pos, stop, sparse) = (st.pos, st.stop, st.sparse);
        let Some(f) = st.file.as_mut() else {
            return Ok(None);
        };
        if pos >= stop {
            return Ok(None);
        }
        let mut run = stop - pos;
        if sparse {
            let data = rustix::fs::seek(&*f, rustix::fs::SeekFrom::Data(pos)).unwrap_or(stop);
            if data > pos {
                let hole = data.min(stop) - pos;
                st.pos += hole;
                return Ok(Some(StreamChunk::Hole(hole)));
            }
            let hole = rustix::fs::seek(&*f, rustix::fs::SeekFrom::Hole(pos)).unwrap_or(stop);
            run = run.min(hole.saturating_sub(pos).max(1));
        }
        let want = (max as u64).min(run) as usize;
        let mut buf = vec![0u8; want];
        f.seek(SeekFrom::Start(pos)).map_err(|e| {
            Error::system(
                ErrorDomain::STREAMS,
                format!("Unable to seek {}", self.path),
                &e,
            )
        })?;
        let n = loop {
            match f.read(&mut buf) {
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
            return Ok(None);
        }
        buf.truncate(n);
        st.pos += n as u64;
        Ok(Some(StreamChunk::Data(buf)))
    }

    fn finish(&self) -> Result<()> {
        let mut st = lock(&self.st);
        st.file = None;
        st.end.fire();
        Ok(())
    }

    fn abort(&self) -> Result<()> {
        self.finish()
    }
}
