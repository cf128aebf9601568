//! The interactive console session behind `console`, `start --console` and
//! `create --console`, behaving as virsh 9.0's does:
//!
//! - standard input is put in raw mode for the session and put back as it was on every
//!   way out (a guard restores it, also when a panic unwinds);
//! - SIGQUIT, SIGTERM, SIGINT, SIGHUP and SIGPIPE are caught by a handler that does
//!   nothing while the session runs, so none of them ends the program with the terminal
//!   left raw (virsh ignores them the same way); the previous handlers come back after;
//! - what the guest sends is written to standard output as it arrives, and each read of
//!   standard input (at most 1 KiB) goes to the guest unless its first byte is the escape
//!   character, which ends the session: the stream is finished and the command succeeds;
//! - the end of the guest's output (the guest went away) also finishes the stream and
//!   succeeds; a failing stream (another client forced the console away), the end of
//!   standard input or a failed write abort it, and the command fails with that error.

use crate::ctl::Ctl;
use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::termios::{tcgetattr, tcsetattr, OptionalActions, Termios};
use rvirt::{Domain, Error, ErrorCode, ErrorDomain, Stream};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// How much one read of standard input takes, as virsh reads it.
const STDIN_CHUNK: usize = 1024;

/// The byte the escape sequence stands for: `^X` is the control character of `X`,
/// anything else its first byte.
pub fn escape_byte(seq: &str) -> u8 {
    match seq.as_bytes() {
        [b'^', c, ..] => c.to_ascii_uppercase() ^ 0x40,
        [c, ..] => *c,
        [] => 0x1d,
    }
}

/// How a session ended.
enum Outcome {
    /// The escape character or the end of the guest's output: the stream is finished.
    Done,
    /// Something failed: the stream is aborted and the command reports this.
    Failed(Error),
}

/// The first outcome wins; later ones (the other side noticing the end) are dropped.
#[derive(Clone, Default)]
struct End(Arc<Mutex<Option<Outcome>>>);

impl End {
    fn set(&self, o: Outcome) -> bool {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_some() {
            return false;
        }
        *g = Some(o);
        true
    }

    fn is_set(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    fn take(&self) -> Option<Outcome> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

fn internal(msg: &str) -> Error {
    Error::new(
        ErrorDomain::NONE,
        ErrorCode::INTERNAL_ERROR,
        Some(msg.to_string()),
    )
}

fn system(action: &str, e: Errno) -> Error {
    Error::system(ErrorDomain::NONE, action, &std::io::Error::from(e))
}

/// Standard input's terminal settings, put back when dropped.
struct RawTty {
    saved: Termios,
}

impl RawTty {
    /// Raw mode as cfmakeraw sets it, applied after the pending input is discarded (as
    /// virsh does); `Err` after printing virsh's message.
    fn enter(ctl: &mut Ctl) -> Result<RawTty, ()> {
        let stdin = std::io::stdin();
        let Ok(saved) = tcgetattr(stdin.as_fd()) else {
            ctl.error("unable to make terminal raw: console isn't a tty");
            return Err(());
        };
        let mut raw = saved.clone();
        raw.make_raw();
        if let Err(e) = tcsetattr(stdin.as_fd(), OptionalActions::Flush, &raw) {
            ctl.error(&format!(
                "unable to set tty attributes: {}",
                rvirt_core::error::os_error_text(&std::io::Error::from(e))
            ));
            // virsh restores the settings on this path too.
            let _ = tcsetattr(stdin.as_fd(), OptionalActions::Flush, &saved);
            return Err(());
        }
        Ok(RawTty { saved })
    }
}

impl Drop for RawTty {
    fn drop(&mut self) {
        let _ = tcsetattr(
            std::io::stdin().as_fd(),
            OptionalActions::Flush,
            &self.saved,
        );
    }
}

/// Writes all of `data` to standard output, unbuffered.
fn write_stdout(mut data: &[u8]) -> Result<(), Errno> {
    let out = std::io::stdout();
    while !data.is_empty() {
        match rustix::io::write(out.as_fd(), data) {
            Ok(0) => return Err(Errno::IO),
            Ok(n) => data = &data[n..],
            Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The guest's output to standard output until the stream ends, fails or the session
/// is over; then a byte on `wake` tells the terminal side.
fn pump_output(st: Stream, end: End, wake: OwnedFd, done: mpsc::Sender<()>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match st.recv(&mut buf) {
            Ok(0) => {
                end.set(Outcome::Done);
                break;
            }
            Ok(n) => {
                if end.is_set() {
                    break;
                }
                if let Err(e) = write_stdout(&buf[..n]) {
                    end.set(Outcome::Failed(system("cannot write to stdout", e)));
                    break;
                }
            }
            Err(e) => {
                end.set(Outcome::Failed(e));
                break;
            }
        }
    }
    let _ = rustix::io::write(&wake, &[1]);
    let _ = done.send(());
}

/// Standard input to the guest until the escape character, the end of input, or word
/// from the output side that the session is over.
fn pump_input(st: &Stream, end: &End, escape: u8, wake: &OwnedFd) {
    let stdin = std::io::stdin();
    let mut buf = [0u8; STDIN_CHUNK];
    while !end.is_set() {
        let mut fds = [
            PollFd::new(&stdin, PollFlags::IN),
            PollFd::new(wake, PollFlags::IN),
        ];
        match poll(&mut fds, None) {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(e) => {
                end.set(Outcome::Failed(system("cannot read from stdin", e)));
                return;
            }
        }
        if !fds[1].revents().is_empty() {
            return;
        }
        let rev = fds[0].revents();
        if rev.contains(PollFlags::IN) {
            match rustix::io::read(stdin.as_fd(), &mut buf) {
                Err(Errno::INTR) | Err(Errno::AGAIN) => continue,
                Err(e) => {
                    end.set(Outcome::Failed(system("cannot read from stdin", e)));
                    return;
                }
                Ok(0) => {
                    end.set(Outcome::Failed(internal("EOF on stdin")));
                    return;
                }
                // virsh looks at the first byte of each read only.
                Ok(_) if buf[0] == escape => {
                    end.set(Outcome::Done);
                    return;
                }
                Ok(n) => {
                    if let Err(e) = st.send(&buf[..n]) {
                        end.set(Outcome::Failed(e));
                        return;
                    }
                }
            }
        }
        if rev.intersects(PollFlags::ERR | PollFlags::NVAL) {
            end.set(Outcome::Failed(internal("IO error on stdin")));
            return;
        }
        if rev.contains(PollFlags::HUP) && !rev.contains(PollFlags::IN) {
            end.set(Outcome::Failed(internal("EOF on stdin")));
            return;
        }
    }
}

/// Runs a console session on `dom`'s device `dev` (its first console when `None`) with
/// `virDomainOpenConsole` `flags`. True when it ended by the escape character or the
/// end of the guest's output; otherwise the error is saved (or was printed) for the
/// runner, as virsh leaves it.
pub fn run(ctl: &mut Ctl, dom: &Domain, dev: Option<&str>, flags: u32) -> bool {
    ctl.flush();
    let Ok(tty) = RawTty::enter(ctl) else {
        return false;
    };
    let signals = signals::Quiet::install();
    let escape = escape_byte(&ctl.escape);
    let r = session(dom, dev, flags, escape);
    drop(signals);
    drop(tty);
    match r {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

fn session(dom: &Domain, dev: Option<&str>, flags: u32, escape: u8) -> rvirt::Result<()> {
    let st = dom.connect().new_stream(0)?;
    dom.open_console(dev, &st, flags)?;
    let (wake_r, wake_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| system("cannot create pipe", e))?;
    let end = End::default();
    let (done_tx, done_rx) = mpsc::channel();
    let reader = {
        let (st, end) = (st.clone(), end.clone());
        std::thread::Builder::new()
            .name("console-output".into())
            .spawn(move || pump_output(st, end, wake_w, done_tx))
            .map_err(|e| Error::system(ErrorDomain::NONE, "cannot start thread", &e))?
    };
    pump_input(&st, &end, escape, &wake_r);
    let outcome = end.take().unwrap_or(Outcome::Done);
    match &outcome {
        // A failure to finish does not change the outcome, as in virsh.
        Outcome::Done => {
            let _ = st.finish();
        }
        Outcome::Failed(_) => {
            let _ = st.abort();
        }
    }
    // The output side ends with the stream; it is not waited for without bound.
    if done_rx.recv_timeout(Duration::from_secs(2)).is_ok() {
        let _ = reader.join();
    }
    match outcome {
        Outcome::Done => Ok(()),
        Outcome::Failed(e) => Err(e),
    }
}

/// Catching the signals that would end the program during a session.
mod signals {
    #![allow(unsafe_code)]

    const CAUGHT: [libc::c_int; 5] = [
        libc::SIGQUIT,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGPIPE,
    ];

    extern "C" fn nothing(_: libc::c_int) {}

    /// The handlers in place before; put back when dropped.
    pub struct Quiet {
        old: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl Quiet {
        pub fn install() -> Quiet {
            let mut old = Vec::new();
            for sig in CAUGHT {
                // SAFETY: sigaction is plain data; all-zero is a valid value that the
                // calls below fill in.
                let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
                let mut prev: libc::sigaction = unsafe { std::mem::zeroed() };
                act.sa_sigaction = nothing as extern "C" fn(libc::c_int) as usize;
                // Restarted, so blocking calls on other threads carry on untouched.
                act.sa_flags = libc::SA_RESTART;
                // SAFETY: `act.sa_mask` is a valid sigset_t owned here; the handler does
                // nothing, so it is async-signal-safe; `prev` receives the old action.
                let ok = unsafe {
                    libc::sigemptyset(&mut act.sa_mask);
                    libc::sigaction(sig, &act, &mut prev) == 0
                };
                if ok {
                    old.push((sig, prev));
                }
            }
            Quiet { old }
        }
    }

    impl Drop for Quiet {
        fn drop(&mut self) {
            for (sig, prev) in self.old.drain(..).rev() {
                // SAFETY: `prev` is the action the kernel reported for `sig`.
                unsafe {
                    libc::sigaction(sig, &prev, std::ptr::null_mut());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape_byte;

    #[test]
    fn escape_bytes() {
        assert_eq!(escape_byte("^]"), 0x1d);
        assert_eq!(escape_byte("^a"), 0x01);
        assert_eq!(escape_byte("^A"), 0x01);
        assert_eq!(escape_byte("^@"), 0x00);
        assert_eq!(escape_byte("^_"), 0x1f);
        assert_eq!(escape_byte("x"), b'x');
    }
}
