//! A client of QEMU's machine protocol (QMP): JSON objects over a UNIX socket, one per line.
//!
//! Replies and events arrive interleaved on the same socket, so one reader thread per
//! monitor owns the read side: it hands each reply to the caller waiting for its `id` and
//! each event to the owner's callback, in the order QEMU sent them. When the socket closes
//! (QEMU exited or crashed) every waiting caller gets [`QmpError::Closed`] at once and the
//! close callback runs: this is how the driver notices a guest's end without polling.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a monitor command did not return a value.
#[derive(Clone, Debug, PartialEq)]
pub enum QmpError {
    /// The socket could not be used.
    Io(String),
    /// The monitor went away (QEMU exited) before answering.
    Closed,
    /// No answer within the time allowed.
    Timeout(Duration),
    /// QEMU refused the command: its error class and description.
    Command { class: String, desc: String },
    /// QEMU sent something that is not QMP.
    Protocol(String),
}

impl std::fmt::Display for QmpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QmpError::Io(e) => write!(f, "monitor socket: {e}"),
            QmpError::Closed => write!(f, "the monitor closed (QEMU exited)"),
            QmpError::Timeout(d) => {
                write!(f, "no answer from the monitor within {} s", d.as_secs())
            }
            QmpError::Command { desc, .. } => write!(f, "{desc}"),
            QmpError::Protocol(e) => write!(f, "unexpected data from the monitor: {e}"),
        }
    }
}

impl std::error::Error for QmpError {}

/// An asynchronous event QEMU reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub data: Value,
    /// When QEMU emitted it: seconds and microseconds since the epoch.
    pub seconds: i64,
    pub micros: i64,
}

/// What QEMU announces when a client connects.
#[derive(Clone, Debug, PartialEq)]
pub struct Greeting {
    pub major: u64,
    pub minor: u64,
    pub micro: u64,
    pub package: String,
}

/// A reply: its value (or QEMU's error) and the line exactly as QEMU sent it.
type Reply = (Result<Value, QmpError>, String);
type Pending = Mutex<HashMap<u64, mpsc::Sender<Reply>>>;

struct Shared {
    writer: Mutex<UnixStream>,
    pending: Pending,
    closed: AtomicBool,
    next_id: AtomicU64,
}

impl Shared {
    fn fail_all(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let waiting = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        for (_, tx) in waiting {
            let _ = tx.send((Err(QmpError::Closed), String::new()));
        }
    }
}

/// One connected monitor. Cloning gives another handle to the same connection.
#[derive(Clone)]
pub struct Monitor {
    shared: Arc<Shared>,
    timeout: Duration,
}

/// The default time a command may take (libvirt waits about as long for a job to get the
/// monitor; a command itself answers in milliseconds unless QEMU is stuck).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Called for every event, on the monitor's reader thread.
pub type EventFn = Box<dyn Fn(Event) + Send + 'static>;
/// Called once when the monitor's socket closes, on the reader thread.
pub type CloseFn = Box<dyn FnOnce() + Send + 'static>;

impl Monitor {
    /// Connects to the monitor socket at `path`, reads the greeting and enters command
    /// mode.
    pub fn connect(
        path: &Path,
        on_event: EventFn,
        on_close: CloseFn,
    ) -> Result<(Monitor, Greeting), QmpError> {
        let s = UnixStream::connect(path)
            .map_err(|e| QmpError::Io(format!("cannot connect to '{}': {e}", path.display())))?;
        Monitor::over(s, on_event, on_close)
    }

    /// The same over an already connected stream.
    pub fn over(
        stream: UnixStream,
        on_event: EventFn,
        on_close: CloseFn,
    ) -> Result<(Monitor, Greeting), QmpError> {
        let read_side = stream
            .try_clone()
            .map_err(|e| QmpError::Io(e.to_string()))?;
        read_side
            .set_read_timeout(Some(DEFAULT_TIMEOUT))
            .map_err(|e| QmpError::Io(e.to_string()))?;
        let mut reader = BufReader::new(read_side);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|e| QmpError::Io(format!("reading the greeting: {e}")))?;
        let greeting = parse_greeting(&line)?;
        // Commands and events come at any time from here on.
        reader
            .get_ref()
            .set_read_timeout(None)
            .map_err(|e| QmpError::Io(e.to_string()))?;
        let shared = Arc::new(Shared {
            writer: Mutex::new(stream),
            pending: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        });
        let s2 = shared.clone();
        std::thread::Builder::new()
            .name("qmp-reader".into())
            .spawn(move || read_loop(reader, s2, on_event, on_close))
            .map_err(|e| QmpError::Io(format!("cannot start the monitor reader: {e}")))?;
        let m = Monitor {
            shared,
            timeout: DEFAULT_TIMEOUT,
        };
        m.execute("qmp_capabilities", None)?;
        Ok((m, greeting))
    }

    /// The same handle with another command time limit.
    pub fn with_timeout(&self, timeout: Duration) -> Monitor {
        Monitor {
            shared: self.shared.clone(),
            timeout,
        }
    }

    /// Whether the monitor's socket has closed.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Runs a command and returns its `return` value.
    pub fn execute(&self, command: &str, arguments: Option<Value>) -> Result<Value, QmpError> {
        self.execute_passing(command, arguments, None)
    }

    /// Runs a command with a descriptor passed beside it (`getfd`, `add-fd`): QEMU takes
    /// the descriptor that arrives with the command's bytes.
    pub fn execute_with_fd(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: std::os::fd::BorrowedFd<'_>,
    ) -> Result<Value, QmpError> {
        self.execute_passing(command, arguments, Some(fd))
    }

    /// Runs a command given as QMP text (`virsh qemu-monitor-command`) and returns QEMU's
    /// reply line as it came, QEMU's own errors included (they are the caller's answer).
    pub fn execute_text(&self, command: &str) -> Result<String, QmpError> {
        self.execute_text_with_fd(command, None)
    }

    /// [`Monitor::execute_text`] with a descriptor passed beside the command.
    pub fn execute_text_with_fd(
        &self,
        command: &str,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
    ) -> Result<String, QmpError> {
        let v: Value = serde_json::from_str(command)
            .map_err(|e| QmpError::Protocol(format!("cannot parse json {command}: {e}")))?;
        let Value::Object(o) = v else {
            return Err(QmpError::Protocol(format!(
                "cannot parse json {command}: not an object"
            )));
        };
        self.send_and_wait(Value::Object(o), fd).map(|(_, raw)| raw)
    }

    fn execute_passing(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
    ) -> Result<Value, QmpError> {
        let mut msg = json!({ "execute": command });
        if let Some(a) = arguments {
            msg["arguments"] = a;
        }
        self.send_and_wait(msg, fd).and_then(|(r, _)| r)
    }

    /// Sends a command object (its `id` set here) and waits for the reply.
    fn send_and_wait(
        &self,
        mut msg: Value,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
    ) -> Result<Reply, QmpError> {
        if self.is_closed() {
            return Err(QmpError::Closed);
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        // libvirt's id form, so replies passed through look the same.
        msg["id"] = Value::String(format!("libvirt-{id}"));
        let (tx, rx) = mpsc::channel();
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let text = msg.to_string() + "\n";
        let sent = {
            let mut w = self.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
            match fd {
                None => w.write_all(text.as_bytes()),
                Some(fd) => send_with_fd(&w, text.as_bytes(), fd),
            }
        };
        if let Err(e) = sent {
            self.forget(id);
            return Err(if self.is_closed() {
                QmpError::Closed
            } else {
                QmpError::Io(e.to_string())
            });
        }
        // The reader may have failed everything between the check above and the insert.
        if self.is_closed() {
            self.forget(id);
            return Err(QmpError::Closed);
        }
        match rx.recv_timeout(self.timeout) {
            Ok((Err(QmpError::Closed), _)) => Err(QmpError::Closed),
            Ok(r) => Ok(r),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.forget(id);
                Err(QmpError::Timeout(self.timeout))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(QmpError::Closed),
        }
    }

    fn forget(&self, id: u64) {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// Closes the connection; the reader thread ends and runs the close callback.
    pub fn close(&self) {
        let w = self.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _ = w.shutdown(std::net::Shutdown::Both);
    }
}

/// Writes `bytes` with `fd` attached to the first of them (the rest follow plainly).
fn send_with_fd(
    s: &UnixStream,
    bytes: &[u8],
    fd: std::os::fd::BorrowedFd<'_>,
) -> std::io::Result<()> {
    use rustix::net::{sendmsg, SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    use std::mem::MaybeUninit;
    let fds = [fd];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(std::io::Error::other("cannot attach a descriptor"));
    }
    let iov = [std::io::IoSlice::new(bytes)];
    let n = sendmsg(s, &iov, &mut control, SendFlags::NOSIGNAL).map_err(std::io::Error::from)?;
    let mut w = s;
    w.write_all(&bytes[n..])
}

fn parse_greeting(line: &str) -> Result<Greeting, QmpError> {
    let v: Value = serde_json::from_str(line.trim())
        .map_err(|e| QmpError::Protocol(format!("greeting is not JSON: {e}")))?;
    let ver = v
        .pointer("/QMP/version")
        .ok_or_else(|| QmpError::Protocol(format!("no QMP greeting in {}", line.trim())))?;
    let n = |k: &str| ver.pointer(&format!("/qemu/{k}")).and_then(Value::as_u64);
    Ok(Greeting {
        major: n("major").unwrap_or(0),
        minor: n("minor").unwrap_or(0),
        micro: n("micro").unwrap_or(0),
        package: ver
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string(),
    })
}

/// What one line from QEMU is.
#[derive(Debug, PartialEq)]
enum Incoming {
    Reply(u64, Result<Value, QmpError>),
    Event(Event),
    /// A reply without an id (not ours) or something unknown; ignored.
    Other,
}

fn classify(line: &str) -> Result<Incoming, QmpError> {
    let v: Value = serde_json::from_str(line)
        .map_err(|e| QmpError::Protocol(format!("not JSON ({e}): {line}")))?;
    let Value::Object(mut o) = v else {
        return Err(QmpError::Protocol(format!("not an object: {line}")));
    };
    if let Some(name) = o.get("event").and_then(Value::as_str).map(str::to_string) {
        let ts = o.get("timestamp");
        let t = |k: &str| {
            ts.and_then(|t| t.get(k))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        let (seconds, micros) = (t("seconds"), t("microseconds"));
        return Ok(Incoming::Event(Event {
            name,
            data: o.remove("data").unwrap_or(Value::Object(Map::new())),
            seconds,
            micros,
        }));
    }
    let id = match o.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(t)) => t.strip_prefix("libvirt-").and_then(|n| n.parse().ok()),
        _ => None,
    };
    let Some(id) = id else {
        return Ok(Incoming::Other);
    };
    if let Some(r) = o.remove("return") {
        return Ok(Incoming::Reply(id, Ok(r)));
    }
    if let Some(e) = o.get("error") {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        return Ok(Incoming::Reply(
            id,
            Err(QmpError::Command {
                class: s("class"),
                desc: s("desc"),
            }),
        ));
    }
    Ok(Incoming::Other)
}

fn read_loop(
    mut reader: BufReader<UnixStream>,
    shared: Arc<Shared>,
    on_event: EventFn,
    on_close: CloseFn,
) {
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match classify(text) {
            Ok(Incoming::Reply(id, r)) => {
                let tx = shared
                    .pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                if let Some(tx) = tx {
                    let _ = tx.send((r, text.to_string()));
                }
            }
            Ok(Incoming::Event(e)) => on_event(e),
            Ok(Incoming::Other) => {}
            Err(e) => tracing::warn!("{e}"),
        }
    }
    shared.fail_all();
    on_close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_replies_errors_or_events() {
        assert_eq!(
            classify(r#"{"return": {"running": true}, "id": 7}"#),
            Ok(Incoming::Reply(7, Ok(json!({"running": true}))))
        );
        assert_eq!(
            classify(r#"{"id": 3, "error": {"class": "GenericError", "desc": "no such device"}}"#),
            Ok(Incoming::Reply(
                3,
                Err(QmpError::Command {
                    class: "GenericError".into(),
                    desc: "no such device".into()
                })
            ))
        );
        let e = classify(
            r#"{"timestamp": {"seconds": 1700000000, "microseconds": 42}, "event": "STOP"}"#,
        );
        assert_eq!(
            e,
            Ok(Incoming::Event(Event {
                name: "STOP".into(),
                data: json!({}),
                seconds: 1_700_000_000,
                micros: 42
            }))
        );
        assert!(classify("not json").is_err());
        assert_eq!(classify(r#"{"return": {}}"#), Ok(Incoming::Other));
    }

    #[test]
    fn greeting_gives_the_version() {
        let g = parse_greeting(
            r#"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}"#,
        )
        .expect("greeting");
        assert_eq!((g.major, g.minor, g.micro), (7, 2, 22));
        assert!(parse_greeting("{}").is_err());
    }

    /// A fake QEMU on a socket pair: greeting, capabilities, a command, an event in
    /// between, then the socket closes with a command still waiting.
    #[test]
    fn replies_and_events_interleave_and_close_fails_waiters() {
        let (ours, theirs) = UnixStream::pair().expect("pair");
        let fake = std::thread::spawn(move || {
            let mut w = theirs.try_clone().expect("clone");
            let mut r = BufReader::new(theirs);
            let mut line = String::new();
            w.write_all(b"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\n")
                .expect("greeting");
            r.read_line(&mut line).expect("caps");
            w.write_all(b"{\"return\": {}, \"id\": 1}\n")
                .expect("caps reply");
            line.clear();
            r.read_line(&mut line).expect("query-status");
            w.write_all(
                b"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\n",
            )
            .expect("event");
            w.write_all(b"{\"return\": {\"status\": \"running\"}, \"id\": \"libvirt-2\"}\n")
                .expect("reply");
            line.clear();
            r.read_line(&mut line).expect("last command");
            // QEMU dies without answering.
        });
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev2 = events.clone();
        let (closed_tx, closed_rx) = mpsc::channel();
        let (m, g) = Monitor::over(
            ours,
            Box::new(move |e| ev2.lock().expect("lock").push(e.name)),
            Box::new(move || {
                let _ = closed_tx.send(());
            }),
        )
        .expect("connect");
        assert_eq!(g.minor, 2);
        let r = m.execute("query-status", None).expect("status");
        assert_eq!(r["status"], "running");
        assert_eq!(*events.lock().expect("lock"), vec!["RESUME".to_string()]);
        assert_eq!(m.execute("cont", None), Err(QmpError::Closed));
        closed_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("close callback");
        assert!(m.is_closed());
        assert_eq!(m.execute("cont", None), Err(QmpError::Closed));
        fake.join().expect("fake qemu");
    }
}
