//! The state one virsh session carries between commands: the connection, global options,
//! the last library error, and the output channels.
//!
//! virsh reports library errors lazily: a failing call leaves its error "saved", and the
//! command runner prints it (as `error: <message>`) only when the command as a whole fails.
//! Handlers mirror that with [`Ctl::set_error`] / [`Ctl::reset_error`].

use crate::cli::defs::Group;
use rvirt::{Connect, Error};
use std::fs::File;
use std::io::Write;

/// The name virsh prints for itself (banner, usage).
pub const PROGNAME: &str = "virsh";

/// The libvirt version rvirsh behaves like.
pub const VERSION: &str = "9.0.0";

pub struct Ctl {
    pub groups: &'static [Group],
    conn: Option<Connect>,
    /// The URI to (re)connect to; `None` means the library default.
    pub connname: Option<String>,
    /// Whether the current connection is read-only (drives the shell prompt).
    pub readonly: bool,
    pub quiet: bool,
    pub timing: bool,
    /// -1 when not set; 0 (most verbose) .. 4.
    pub debug: i32,
    /// True while reading commands in the shell (enables `cd`).
    pub interactive: bool,
    pub keepalive_interval: i32,
    pub keepalive_count: i32,
    pub keepalive_forced: bool,
    /// The console escape sequence as given with `-e` (`^]` by default).
    pub escape: String,
    log: Option<File>,
    last_error: Option<Error>,
}

impl Ctl {
    pub fn new(groups: &'static [Group]) -> Ctl {
        Ctl {
            groups,
            conn: None,
            connname: None,
            readonly: false,
            quiet: false,
            timing: false,
            debug: -1,
            interactive: false,
            keepalive_interval: 5,
            keepalive_count: 6,
            keepalive_forced: false,
            escape: "^]".to_string(),
            log: None,
            last_error: None,
        }
    }

    pub fn set_log(&mut self, f: File) {
        self.log = Some(f);
    }

    // ---- output ----

    /// Normal output (always printed).
    pub fn print(&mut self, s: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(s.as_bytes());
    }

    /// Informational output, suppressed by `-q`.
    pub fn print_extra(&mut self, s: &str) {
        if !self.quiet {
            self.print(s);
        }
    }

    pub fn flush(&mut self) {
        let _ = std::io::stdout().lock().flush();
    }

    /// Prints `error: <msg>` on stderr (after flushing stdout so ordering holds).
    pub fn error(&mut self, msg: &str) {
        self.log_line("ERROR", msg);
        self.flush();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(format!("error: {msg}\n").as_bytes());
        let _ = err.flush();
    }

    /// Writes raw text to stderr (used for messages that are not `error:` lines).
    pub fn eprint(&mut self, s: &str) {
        self.flush();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
    }

    /// Debug output at `level` (0 = most detailed), shown when `-d` asks for it.
    pub fn debug(&mut self, level: i32, msg: &str) {
        if self.debug >= 0 && level >= self.debug {
            self.print(msg);
        }
    }

    fn log_line(&mut self, level: &str, msg: &str) {
        let Some(f) = self.log.as_mut() else {
            return;
        };
        let line = format!(
            "[{} {} {}] {} {}\n",
            timestamp(),
            PROGNAME,
            std::process::id(),
            level,
            msg
        );
        let _ = f.write_all(line.as_bytes());
    }

    // ---- library errors ----

    /// Remembers a library error for the runner to report if the command fails.
    pub fn set_error(&mut self, e: Error) {
        self.last_error = Some(e);
    }

    /// Forgets the saved library error (virsh does this where it replaces the library's
    /// message with its own).
    pub fn reset_error(&mut self) {
        self.last_error = None;
    }

    /// Prints and clears the saved error, as the runner does after a failed command.
    pub fn report_error(&mut self) {
        if let Some(e) = self.last_error.take() {
            if e.code == rvirt::ErrorCode::OK {
                self.error("unknown error");
            } else {
                self.error(&e.message);
            }
        }
    }

    /// Unwraps a library result, saving the error on failure.
    pub fn check<T>(&mut self, r: rvirt::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.set_error(e);
                None
            }
        }
    }

    // ---- connection ----

    pub fn conn(&self) -> Option<Connect> {
        self.conn.clone()
    }

    /// Drops the connection (at exit).
    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    /// Closes any current connection and opens `name` (or the current URI). Returns false
    /// after printing virsh's failure line; the library error stays saved.
    pub fn reconnect(&mut self, name: Option<&str>, readonly: bool, force: bool) -> bool {
        let readonly = if !readonly && name.is_none() {
            self.readonly
        } else {
            readonly
        };
        let connected = self.conn.is_some();
        // Close first: a fresh open of the same test URI must start from fresh state.
        self.conn = None;
        let target = name.map(str::to_string).or_else(|| self.connname.clone());
        match self.open(target.as_deref(), readonly) {
            Some(c) => {
                self.conn = Some(c);
                if let Some(n) = name {
                    self.connname = Some(n.to_string());
                }
                self.readonly = readonly;
                if connected && !force {
                    self.error("Reconnected to the hypervisor");
                }
                true
            }
            None => {
                self.error("failed to connect to the hypervisor");
                false
            }
        }
    }

    fn open(&mut self, uri: Option<&str>, readonly: bool) -> Option<Connect> {
        let r = if readonly {
            Connect::open_read_only(uri)
        } else {
            Connect::open(uri)
        };
        let c = match r {
            Ok(c) => c,
            Err(e) => {
                // The warning comes from the process that read the file: a daemon's, for a
                // remote URI.
                let local = uri
                    .and_then(|u| rvirt::ConnectUri::parse(u).ok())
                    .is_none_or(|u| u.is_local());
                if local {
                    libxml_load_warning(&e);
                }
                self.set_error(e);
                return None;
            }
        };
        if self.keepalive_interval > 0 {
            // No rvirt driver supports keepalive; libvirt's local drivers answer the same.
            let e = Error::no_support("virConnectSetKeepAlive");
            if self.keepalive_forced {
                self.set_error(e);
                self.error("Cannot setup keepalive on connection as requested, disconnecting");
                return None;
            }
            self.debug(1, "Failed to setup keepalive on connection\n");
            self.reset_error();
        }
        Some(c)
    }

    /// Makes sure a connection exists before a command that needs one.
    pub fn ensure_connected(&mut self) -> bool {
        if self.conn.is_some() {
            return true;
        }
        self.reconnect(None, false, false)
    }
}

/// `YYYY.MM.DD HH:MM:SS` in UTC for log lines.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let (y, m, d) = rvirt_core::civil::civil_from_days(days);
    format!(
        "{:04}.{:02}.{:02} {:02}:{:02}:{:02}",
        y,
        m,
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// libvirt's XML library prints a warning of its own when a test-driver node file cannot be
/// read, before virsh reports the failed connection; users (and scripts comparing output)
/// see it, so rvirsh prints the same line.
fn libxml_load_warning(e: &Error) {
    let path = e
        .message
        .strip_prefix("XML error: failed to parse xml document '")
        .and_then(|rest| rest.strip_suffix('\''));
    if let Some(path) = path {
        if std::fs::metadata(path).is_err() {
            eprintln!("I/O warning : failed to load external entity \"{path}\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use rvirt_core::civil::civil_from_days;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19723), (2024, 1, 1));
    }
}
