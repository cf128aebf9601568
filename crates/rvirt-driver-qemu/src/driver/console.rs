//! `virDomainOpenConsole`: a bidirectional stream on the pseudo-terminal QEMU opened for
//! a serial port or console. One session per device at a time, as libvirt allows; a forced
//! open ends the session that was there.

use super::Inner;
use crate::domobj::{not_running, Domain};
use rvirt_core::stream::{DriverStream, StreamChunk, StreamSink, StreamSource};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::chr_source::ChrSourceData;
use rvirt_xml::domain::devices::Chr;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// `VIR_DOMAIN_CONSOLE_FORCE` and `VIR_DOMAIN_CONSOLE_SAFE`.
pub const FORCE: u32 = 1;
pub const SAFE: u32 = 2;

/// One open console: its end, shared by both halves of the stream.
struct Session {
    pty: std::fs::File,
    /// Written to wake a reader blocked in poll when the session ends.
    wake_w: OwnedFd,
    wake_r: OwnedFd,
    closed: AtomicBool,
}

impl Session {
    fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            let _ = rustix::io::write(&self.wake_w, &[1]);
        }
    }
}

/// The open sessions, by domain and device alias.
#[derive(Default)]
pub struct Consoles {
    open: Mutex<HashMap<(Uuid, String), Arc<Session>>>,
}

struct Source(Arc<Session>);
struct Sink(Arc<Session>);

impl StreamSource for Source {
    fn recv(&self, max: usize) -> Result<Option<StreamChunk>> {
        use rustix::event::{poll, PollFd, PollFlags};
        loop {
            if self.0.closed.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let mut fds = [
                PollFd::new(&self.0.pty, PollFlags::IN),
                PollFd::new(&self.0.wake_r, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(stream_err(format!("cannot wait for console output: {e}"))),
            }
            if !fds[1].revents().is_empty() || self.0.closed.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let rev = fds[0].revents();
            if rev.intersects(PollFlags::IN) {
                let mut buf = vec![0u8; max.clamp(1, 65536)];
                match (&self.0.pty).read(&mut buf) {
                    Ok(0) => return Ok(None),
                    Ok(n) => {
                        buf.truncate(n);
                        return Ok(Some(StreamChunk::Data(buf)));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    // EIO: the other end (QEMU) closed the terminal.
                    Err(_) => return Ok(None),
                }
            }
            if rev.intersects(PollFlags::HUP | PollFlags::ERR) {
                // Nobody holds the terminal's other side right now; wait a little.
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }

    fn abort(&self) -> Result<()> {
        self.0.close();
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        self.0.close();
        Ok(())
    }
}

impl StreamSink for Sink {
    fn send(&self, data: &[u8]) -> Result<()> {
        if self.0.closed.load(Ordering::SeqCst) {
            return Err(stream_err("the console session was closed".to_string()));
        }
        (&self.0.pty)
            .write_all(data)
            .map_err(|e| stream_err(format!("cannot write to the console: {e}")))
    }

    fn finish(&self) -> Result<()> {
        self.0.close();
        Ok(())
    }

    fn abort(&self) -> Result<()> {
        self.0.close();
        Ok(())
    }
}

fn stream_err(msg: String) -> Error {
    Error::new(ErrorDomain::STREAMS, ErrorCode::INTERNAL_ERROR, Some(msg))
}

/// The device a console stream attaches to: the named alias, or the first console (the
/// first serial port when there is no console).
fn pick<'a>(def: &'a rvirt_xml::domain::DomainDef, dev: Option<&str>) -> Result<&'a Chr> {
    let d = &def.devices;
    let found = match dev {
        None => d.consoles.first().or(d.serials.first()),
        Some(name) => d
            .consoles
            .iter()
            .chain(d.serials.iter())
            .chain(d.parallels.iter())
            .find(|c| c.info.alias.as_deref() == Some(name)),
    };
    found.ok_or_else(|| {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::INTERNAL_ERROR,
            Some(match dev {
                Some(n) => format!("cannot find character device {n}"),
                None => "cannot find default console device".to_string(),
            }),
        )
    })
}

/// Opens a console stream on a running domain.
pub fn open(
    inner: &Inner,
    dom: &Arc<Domain>,
    dev: Option<&str>,
    flags: u32,
) -> Result<DriverStream> {
    Error::check_flags(
        ErrorDomain::QEMU,
        flags,
        FORCE | SAFE,
        "qemuDomainOpenConsole",
    )?;
    let (uuid, alias, path) = {
        let st = dom.lock();
        let live = st.live.as_ref().ok_or_else(not_running)?;
        let chr = pick(&live.def, dev)?;
        let alias =
            chr.info.alias.clone().ok_or_else(|| {
                Error::internal(ErrorDomain::QEMU, "character device has no alias")
            })?;
        let path = match &chr.source.data {
            ChrSourceData::Pty { path: Some(p) } => p.clone(),
            _ => {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::OPERATION_FAILED,
                    Some(format!("character device {alias} is not using a PTY")),
                ))
            }
        };
        (st.uuid, alias, path)
    };
    let key = (uuid, alias);
    let mut open = inner
        .consoles
        .open
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(old) = open.get(&key) {
        if !old.closed.load(Ordering::SeqCst) {
            if flags & FORCE == 0 {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::OPERATION_FAILED,
                    Some("Active console session exists for this domain".to_string()),
                ));
            }
            old.close();
        }
    }
    let pty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&path)
        .map_err(|e| Error::system(ErrorDomain::QEMU, format!("Unable to open tty {path}"), &e))?;
    // Raw, so the host side of the terminal passes bytes through untouched.
    if let Ok(mut t) = rustix::termios::tcgetattr(pty.as_fd()) {
        t.make_raw();
        let _ = rustix::termios::tcsetattr(pty.as_fd(), rustix::termios::OptionalActions::Now, &t);
    }
    let (wake_r, wake_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| stream_err(format!("cannot make a pipe: {e}")))?;
    let s = Arc::new(Session {
        pty,
        wake_w,
        wake_r,
        closed: AtomicBool::new(false),
    });
    open.insert(key, s.clone());
    Ok(DriverStream::duplex(
        Arc::new(Source(s.clone())),
        Arc::new(Sink(s)),
    ))
}

use std::os::unix::fs::OpenOptionsExt;
