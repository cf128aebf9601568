//! Real guests for the QEMU driver's tests: the test guest built once per machine from
//! Debian packages (tests/guest/build-guest.sh), domain XML for it, and a terminal to run
//! `virsh console` in.

use super::{run, workspace};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The built guest's files.
#[derive(Clone, Debug)]
pub struct Guest {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub stub: PathBuf,
}

/// Why real guests cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
    if !super::is_root() {
        return Some("not running as root".into());
    }
    if !Path::new("/usr/bin/qemu-system-x86_64").exists() {
        return Some("qemu-system-x86_64 is not installed".into());
    }
    None
}

/// Builds the guest (once per machine; later calls reuse it) and returns its files.
pub fn guest() -> Result<Guest, String> {
    let dir = std::env::temp_dir().join("rvirt-test-guest");
    let g = Guest {
        kernel: dir.join("vmlinuz"),
        initrd: dir.join("initrd.gz"),
        stub: dir.join("stub.elf"),
    };
    let ready = || g.kernel.exists() && g.initrd.exists() && g.stub.exists();
    if ready() {
        return Ok(g);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // One build at a time across test processes.
    let lock = std::fs::File::create(dir.join(".lock")).map_err(|e| e.to_string())?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| e.to_string())?;
    if ready() {
        return Ok(g);
    }
    let script = workspace().join("tests/guest/build-guest.sh");
    let mut c = Command::new("bash");
    c.arg(&script).arg(&dir);
    let o = run(c, None, Duration::from_secs(600));
    if o.rc != 0 || !ready() {
        return Err(format!(
            "building the test guest failed: {}{}",
            o.stdout, o.stderr
        ));
    }
    Ok(g)
}

/// XML of a domain booting `kernel` (the stub or the Linux guest) with a pty serial
/// console, ACPI, and `extra` devices.
pub fn domain_xml(name: &str, virt: &str, g: &Guest, linux: bool, extra: &str) -> String {
    let boot = if linux {
        format!(
            "<kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0</cmdline>",
            g.kernel.display(),
            g.initrd.display()
        )
    } else {
        format!("<kernel>{}</kernel>", g.stub.display())
    };
    let mem = if linux { 256 } else { 64 };
    format!(
        "<domain type='{virt}'>\n  <name>{name}</name>\n  <memory unit='MiB'>{mem}</memory>\n  \
         <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n    {boot}\n  \
         </os>\n  <features>\n    <acpi/>\n  </features>\n  <devices>\n    \
         <serial type='pty'/>\n    <console type='pty'/>\n{extra}  </devices>\n</domain>\n"
    )
}

/// A program running on a pseudo-terminal of its own, its output collected.
pub struct OnTty {
    child: Child,
    master: OwnedFd,
    pub output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Set when the reader met the terminal's end: everything printed is in `output`.
    drained: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl OnTty {
    /// Starts `cmd` with a new terminal as its standard input, output and error.
    pub fn spawn(mut cmd: Command) -> Result<OnTty, String> {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .map_err(|e| e.to_string())?;
        grantpt(&master).map_err(|e| e.to_string())?;
        unlockpt(&master).map_err(|e| e.to_string())?;
        let name = ptsname(&master, Vec::new()).map_err(|e| e.to_string())?;
        let path = PathBuf::from(name.to_string_lossy().into_owned());
        let open = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|e| e.to_string())
        };
        cmd.stdin(Stdio::from(open()?))
            .stdout(Stdio::from(open()?))
            .stderr(Stdio::from(open()?));
        // A session of its own, so the terminal becomes its controlling terminal.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|e| e.to_string())?;
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let reader = master.try_clone().map_err(|e| e.to_string())?;
        let out2 = output.clone();
        let drained = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let drained2 = drained.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::File::from(reader);
            let mut buf = [0u8; 4096];
            loop {
                match f.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => out2
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&buf[..n]),
                }
            }
            drained2.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Ok(OnTty {
            child,
            master,
            output,
            drained,
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Waits until the output holds `what` `times` times.
    pub fn wait_for(&self, what: &str, times: usize, limit: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < limit {
            if self.text().matches(what).count() >= times {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Types bytes at the terminal.
    pub fn send(&self, bytes: &[u8]) {
        let _ = rustix::io::write(self.master.as_fd(), bytes);
    }

    /// Whether the terminal echoes and edits lines, as a fresh one does (raw mode does
    /// neither). Read on the master, which reports the terminal's settings.
    pub fn cooked(&self) -> bool {
        use rustix::termios::{tcgetattr, LocalModes};
        tcgetattr(self.master.as_fd())
            .map(|t| {
                t.local_modes
                    .contains(LocalModes::ECHO | LocalModes::ICANON)
            })
            .unwrap_or(false)
    }

    /// Sends a signal to the program.
    pub fn signal(&self, sig: rustix::process::Signal) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process(pid, sig);
        }
    }

    /// Waits for the program to end; its status, or `None` if it did not end in time.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let t = Instant::now();
        while t.elapsed() < limit {
            if let Ok(Some(st)) = self.child.try_wait() {
                // The program's last words may still be in the terminal: read them to
                // the end (the reader sees EIO once no one holds the terminal open).
                let t = Instant::now();
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst)
                    && t.elapsed() < Duration::from_secs(2)
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Some(st.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for OnTty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
