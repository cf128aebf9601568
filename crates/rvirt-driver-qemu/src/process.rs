//! Starting QEMU so it outlives the daemon, and learning the moment it ends.
//!
//! QEMU runs in a process group of its own (terminal signals aimed at the daemon miss it)
//! and is never tied to the daemon's life: if rvirtd is killed the guest keeps running and
//! the next rvirtd re-attaches to it. While this daemon started it, QEMU is its child and a
//! thread waits for it, so its end is seen (and the process reaped) at once; a QEMU found
//! running after a restart is watched through a pidfd. No polling either way: this
//! machine's init reaps orphans only every second or two.

use rvirt_core::{Error, ErrorDomain, Result};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Only one process is spawned at a time: descriptors meant for one QEMU are inheritable
/// only while it is being started, and must not leak into another child.
static SPAWN: Mutex<()> = Mutex::new(());

/// What to start.
pub struct Launch<'a> {
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    /// Standard output and error (the domain log).
    pub log: OwnedFd,
    /// Descriptors QEMU inherits at their current numbers (the command line names them).
    pub keep: &'a [BorrowedFd<'a>],
    pub cwd: &'a std::path::Path,
}

/// Starts QEMU.
pub fn spawn(l: Launch<'_>) -> Result<Child> {
    let Some((exe, args)) = l.argv.split_first() else {
        return Err(Error::internal(ErrorDomain::QEMU, "empty command line"));
    };
    let err_log = l
        .log
        .try_clone()
        .map_err(|e| Error::system(ErrorDomain::QEMU, "cannot duplicate the log descriptor", &e))?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env_clear()
        .envs(l.env.iter().map(|(k, v)| (k, v)))
        .current_dir(l.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(l.log))
        .stderr(Stdio::from(err_log))
        .process_group(0);
    let _one_at_a_time = SPAWN.lock().unwrap_or_else(|p| p.into_inner());
    for fd in l.keep {
        set_cloexec(*fd, false)?;
    }
    let r = cmd.spawn();
    for fd in l.keep {
        let _ = set_cloexec(*fd, true);
    }
    r.map_err(|e| {
        Error::system(
            ErrorDomain::QEMU,
            format!("cannot execute binary {exe}"),
            &e,
        )
    })
}

fn set_cloexec(fd: BorrowedFd<'_>, on: bool) -> Result<()> {
    let flags = if on {
        rustix::io::FdFlags::CLOEXEC
    } else {
        rustix::io::FdFlags::empty()
    };
    rustix::io::fcntl_setfd(fd, flags).map_err(|e| {
        Error::system(
            ErrorDomain::QEMU,
            "cannot pass a descriptor to QEMU",
            &std::io::Error::from(e),
        )
    })
}

/// Set once when the process has ended; waiters wake then.
#[derive(Default)]
pub struct Exit {
    done: Mutex<Option<i32>>,
    cv: Condvar,
}

impl Exit {
    fn set(&self, status: i32) {
        *self.done.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
        self.cv.notify_all();
    }

    /// Whether the process has ended.
    pub fn ended(&self) -> bool {
        self.done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Waits up to `limit` for the end; true if it came.
    pub fn wait(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut g = self.done.lock().unwrap_or_else(|p| p.into_inner());
        while g.is_none() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            g = self
                .cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

/// Waits for a child in a thread of its own; `on_exit` runs there when it ends.
pub fn watch_child(mut child: Child, on_exit: impl FnOnce(i32) + Send + 'static) -> Arc<Exit> {
    let exit = Arc::new(Exit::default());
    let e2 = exit.clone();
    let spawned = std::thread::Builder::new()
        .name("qemu-reaper".into())
        .spawn(move || {
            let status = child.wait().map(|s| s.code().unwrap_or(-1)).unwrap_or(-1);
            // Clean-up first: whoever waits for the end then finds it done.
            on_exit(status);
            e2.set(status);
        });
    if spawned.is_err() {
        tracing::error!("cannot start a thread to wait for QEMU");
    }
    exit
}

/// Watches a process that is not this daemon's child (found running after a restart)
/// through a pidfd, which becomes readable when it ends.
pub fn watch_pid(pid: u32, on_exit: impl FnOnce(i32) + Send + 'static) -> Result<Arc<Exit>> {
    let p = rustix::process::Pid::from_raw(pid as i32)
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, format!("invalid pid {pid}")))?;
    let fd: OwnedFd = rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())
        .map_err(|e| {
            Error::system(
                ErrorDomain::QEMU,
                format!("cannot watch process {pid}"),
                &std::io::Error::from(e),
            )
        })?;
    let exit = Arc::new(Exit::default());
    let e2 = exit.clone();
    std::thread::Builder::new()
        .name("qemu-watch".into())
        .spawn(move || {
            loop {
                let mut fds = [rustix::event::PollFd::new(
                    &fd,
                    rustix::event::PollFlags::IN,
                )];
                match rustix::event::poll(&mut fds, None) {
                    Ok(n) if n > 0 => break,
                    Ok(_) => continue,
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => break,
                }
            }
            // Not our child: its exit status belongs to whoever reaps it.
            on_exit(-1);
            e2.set(-1);
        })
        .map_err(|e| Error::system(ErrorDomain::QEMU, "cannot start a watcher thread", &e))?;
    Ok(exit)
}

/// Whether `pid` is alive and its command line mentions `marker` (the domain's UUID), so a
/// recycled pid is never mistaken for the guest.
pub fn is_our_qemu(pid: u32, marker: &str) -> bool {
    let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // A zombie has ended already.
        if stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z'))
        {
            return false;
        }
    }
    String::from_utf8_lossy(&raw).contains(marker)
}

/// Sends `sig` to `pid`; false when there is no such process.
pub fn signal(pid: u32, sig: rustix::process::Signal) -> bool {
    rustix::process::Pid::from_raw(pid as i32)
        .is_some_and(|p| rustix::process::kill_process(p, sig).is_ok())
}

/// A borrowed view of an owned descriptor, for [`Launch::keep`].
pub fn borrow(fd: &impl AsFd) -> BorrowedFd<'_> {
    fd.as_fd()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_exit_is_seen_at_once() {
        let log = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("null");
        let argv = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            "exit 3".to_string(),
        ];
        let child = spawn(Launch {
            argv: &argv,
            env: &[],
            log: log.into(),
            keep: &[],
            cwd: std::path::Path::new("/"),
        })
        .expect("spawn");
        let (tx, rx) = std::sync::mpsc::channel();
        let exit = watch_child(child, move |st| {
            let _ = tx.send(st);
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(3));
        assert!(exit.wait(Duration::from_secs(1)));
    }

    #[test]
    fn pidfd_sees_the_end_of_a_process_that_is_not_ours_to_reap() {
        let mut child = Command::new("/bin/sleep")
            .arg("0.2")
            .spawn()
            .expect("sleep");
        let pid = child.id();
        let exit = watch_pid(pid, |_| {}).expect("watch");
        assert!(!exit.ended());
        let _ = child.wait();
        assert!(exit.wait(Duration::from_secs(5)));
    }

    #[test]
    fn inherited_descriptors_reach_the_child_and_only_it() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().expect("pair");
        let fd = std::os::fd::AsRawFd::as_raw_fd(&a);
        let log = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("null");
        let argv = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            format!("test -e /proc/self/fd/{fd}"),
        ];
        let keep = [borrow(&a)];
        let child = spawn(Launch {
            argv: &argv,
            env: &[],
            log: log.into(),
            keep: &keep,
            cwd: std::path::Path::new("/"),
        })
        .expect("spawn");
        let (tx, rx) = std::sync::mpsc::channel();
        watch_child(child, move |st| {
            let _ = tx.send(st);
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(0));
        // Close-on-exec again for everyone else.
        let flags = rustix::io::fcntl_getfd(&a).expect("getfd");
        assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
    }
}
