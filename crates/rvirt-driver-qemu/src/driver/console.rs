//! `virDomainOpenConsole`: a bidirectional stream on the pseudo-terminal QEMU opened for
//! a serial port or console. One session per terminal at a time, as libvirt allows; a
//! forced open ends the session that was there, whose client sees its stream fail as
//! libvirtd's clients do ("stream had I/O failure").

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
    /// Ended by another client's forced open rather than by its own.
    forced: AtomicBool,
}

impl Session {
    /// What a receive answers once the session is over: the end, or the failure
    /// libvirtd's stream layer reports for a stream its backend aborted.
    fn ended(&self) -> Result<Option<StreamChunk>> {
        if self.forced.load(Ordering::SeqCst) {
            return Err(Error::raw(
                ErrorDomain::STREAMS,
                ErrorCode::RPC,
                "stream had I/O failure",
            ));
        }
        Ok(None)
    }

    fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            let _ = rustix::io::write(&self.wake_w, &[1]);
        }
    }
}

/// The open sessions, by domain and terminal (a console mirroring a serial port shares
/// its terminal, and its session).
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
                return self.0.ended();
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
                return self.0.ended();
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
            .enumerate()
            .find(|(i, c)| c.info.alias.as_deref() == Some(name) || mirror_name(*i, c) == name)
            .map(|(_, c)| c)
            .or_else(|| {
                d.serials
                    .iter()
                    .chain(d.parallels.iter())
                    .find(|c| c.info.alias.as_deref() == Some(name))
            }),
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

/// The name libvirt also knows the first console by when it mirrors the first serial
/// port (whose alias its XML shows): `console0`.
fn mirror_name(i: usize, c: &Chr) -> &'static str {
    use rvirt_xml::domain::devices::chr::{ChrTarget, ConsoleTargetType};
    match &c.target {
        ChrTarget::Console {
            target_type: ConsoleTargetType::Serial,
            ..
        } if i == 0 => "console0",
        _ => "",
    }
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
    let (uuid, path) = {
        let st = dom.lock();
        let live = st.live.as_ref().ok_or_else(not_running)?;
        let chr = pick(&live.def, dev)?;
        let path = match &chr.source.data {
            ChrSourceData::Pty { path: Some(p) } => p.clone(),
            _ => {
                let shown = dev.or(chr.info.alias.as_deref()).unwrap_or("<null>");
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::INTERNAL_ERROR,
                    Some(format!("character device {shown} is not using a PTY")),
                ));
            }
        };
        (st.uuid, path)
    };
    let key = (uuid, path.clone());
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
            old.forced.store(true, Ordering::SeqCst);
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
        forced: AtomicBool::new(false),
    });
    open.insert(key, s.clone());
    Ok(DriverStream::duplex(
        Arc::new(Source(s.clone())),
        Arc::new(Sink(s)),
    ))
}

use std::os::unix::fs::OpenOptionsExt;
