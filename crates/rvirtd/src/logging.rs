//! Logging through `tracing`, configured the way libvirtd is: `log_level` (1 debug, 2 info,
//! 3 warning, 4 error), `log_filters` (`LEVEL:MATCH ...`: the first filter whose MATCH occurs
//! in a message's source decides its level; `*` matches everything) and `log_outputs`
//! (`LEVEL:stderr`, `LEVEL:file:PATH`, `LEVEL:syslog:NAME`, `LEVEL:journald`, several
//! separated by spaces, each with its own level).
//!
//! A message's source is its `tracing` target with `::` written as `.`
//! (`rvirtd.client`, `rvirt_driver_test.domain`), so `1:client` or `1:rvirtd` select
//! messages as libvirt's `1:rpc` or `1:qemu` do. MATCH is a glob (`*MATCH*`, as libvirt 9
//! stores it).
//!
//! Filters and outputs change while the daemon runs (`virt-admin daemon-log-filters` and
//! `daemon-log-outputs`); a change that does not parse or whose outputs do not open leaves
//! the logging as it was.

use std::fs::File;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use tracing::{Level, Metadata};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Registry;

/// The least severe level of libvirt's scale, as `tracing`'s level.
fn level(n: u8) -> Level {
    match n {
        1 => Level::DEBUG,
        2 => Level::INFO,
        3 => Level::WARN,
        _ => Level::ERROR,
    }
}

/// libvirt's number for a `tracing` level (trace counts as debug).
fn priority(l: &Level) -> u8 {
    match *l {
        Level::TRACE | Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 3,
        _ => 4,
    }
}

/// One entry of `log_filters`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub level: u8,
    /// A glob over the message's source (`*` and `?`).
    pub pattern: String,
}

/// Parses `log_filters`. libvirt 9 matches a filter's MATCH anywhere in a message's
/// source, as the glob `*MATCH*`, and shows it that way; a leading `+` (once "with stack
/// trace") is accepted and dropped.
pub fn parse_filters(text: &str) -> Result<Vec<Filter>, String> {
    text.split_whitespace()
        .map(|item| {
            let (n, m) = item
                .split_once(':')
                .ok_or_else(|| format!("Malformed format for filter '{item}'"))?;
            let level = match n.parse::<u8>() {
                Ok(l @ 1..=4) => l,
                _ => return Err(format!("Invalid priority '{n}' for filter '{item}'")),
            };
            let m = m.strip_prefix('+').unwrap_or(m);
            if m.is_empty() {
                return Err(format!("Invalid match string '{m}'"));
            }
            Ok(Filter {
                level,
                pattern: format!("*{m}*"),
            })
        })
        .collect()
}

/// Where one output writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    Stderr,
    File(String),
    Syslog(String),
    Journald,
}

/// One entry of `log_outputs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub level: u8,
    pub dest: Dest,
}

impl std::fmt::Display for OutputSpec {
    /// libvirt's spelling, which `virt-admin daemon-log-outputs` shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.dest {
            Dest::Stderr => write!(f, "{}:stderr", self.level),
            Dest::Journald => write!(f, "{}:journald", self.level),
            Dest::File(p) => write!(f, "{}:file:{p}", self.level),
            Dest::Syslog(n) => write!(f, "{}:syslog:{n}", self.level),
        }
    }
}

/// Parses `log_outputs`. A destination named twice keeps its last entry, as in libvirt.
pub fn parse_outputs(text: &str) -> Result<Vec<OutputSpec>, String> {
    let mut out: Vec<OutputSpec> = Vec::new();
    for item in text.split_whitespace() {
        let mut parts = item.splitn(3, ':');
        let n = parts.next().unwrap_or_default();
        let Some(kind) = parts.next() else {
            return Err(format!("Malformed format for log output '{item}'"));
        };
        let level = match n.parse::<u8>() {
            Ok(l @ 1..=4) => l,
            _ => return Err(format!("Invalid priority '{n}' for output '{item}'")),
        };
        let arg = parts.next();
        let unmet = || {
            format!(
                "Log output '{item}' does not meet the format requirements for destination \
                 type '{kind}'"
            )
        };
        let dest = match (kind, arg) {
            ("stderr", None) => Dest::Stderr,
            ("journald", None) => Dest::Journald,
            ("file", Some(p)) if p.starts_with('/') => Dest::File(p.to_string()),
            ("file", Some(p)) if !p.is_empty() => {
                return Err(format!(
                    "Log output '{item}' names the relative path '{p}': a file output needs \
                     an absolute path"
                ))
            }
            ("syslog", Some(n)) if !n.is_empty() => Dest::Syslog(n.to_string()),
            ("stderr" | "journald" | "file" | "syslog", _) => return Err(unmet()),
            _ => return Err(format!("Invalid destination '{kind}' for output '{item}'")),
        };
        out.retain(|o| o.dest != dest);
        out.push(OutputSpec { level, dest });
    }
    Ok(out)
}

/// An open output.
enum Sink {
    Stderr,
    File(Mutex<File>),
    Syslog(UnixDatagram, String),
    Journald(UnixDatagram),
}

struct Output {
    spec: OutputSpec,
    sink: Sink,
}

impl Output {
    fn level(&self) -> u8 {
        self.spec.level
    }
}

/// Everything that decides where a message goes. Replaced whole when an administrator
/// changes the filters or outputs, so a message in flight keeps the routes it started with.
struct Routes {
    default_level: u8,
    filters: Vec<Filter>,
    outputs: Arc<Vec<Output>>,
}

impl Routes {
    /// The level a message from `target` must reach: the first matching filter's, else
    /// the default.
    fn threshold(&self, target: &str) -> u8 {
        let source = target.replace("::", ".");
        self.filters
            .iter()
            .find(|f| glob(f.pattern.as_bytes(), source.as_bytes()))
            .map_or(self.default_level, |f| f.level)
    }

    /// Which outputs take a message: a bit per output.
    fn mask(&self, meta: &Metadata<'_>) -> u64 {
        let p = priority(meta.level());
        if p < self.threshold(meta.target()) {
            return 0;
        }
        self.outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| p >= o.level())
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    /// The most verbose level anything could let through, so `tracing` skips the rest
    /// before formatting.
    fn floor(&self) -> u8 {
        let filters = self.filters.iter().map(|f| f.level).min().unwrap_or(4);
        let wanted = self.default_level.min(filters);
        let outputs = self.outputs.iter().map(Output::level).min().unwrap_or(4);
        wanted.max(outputs)
    }
}

/// Whether `text` matches the glob `pat` (`*` any run, `?` any one byte).
fn glob(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was and the text position it has swallowed up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Collects one formatted message and hands it to the outputs that take it when dropped,
/// so every output gets whole lines.
pub struct LineWriter {
    routes: Arc<Routes>,
    mask: u64,
    level: u8,
    buf: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.mask != 0 {
            self.buf.extend_from_slice(b);
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if self.mask == 0 || self.buf.is_empty() {
            return;
        }
        for (i, o) in self.routes.outputs.iter().enumerate() {
            if self.mask & (1 << i) == 0 {
                continue;
            }
            // A log line that cannot be written is dropped: logging must never take the
            // daemon down.
            match &o.sink {
                Sink::Stderr => {
                    let _ = std::io::stderr().write_all(&self.buf);
                }
                Sink::File(f) => {
                    let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = f.write_all(&self.buf);
                }
                Sink::Syslog(sock, name) => {
                    // Facility "daemon" (3); severities debug 7, info 6, warning 4, error 3.
                    let sev = [7, 6, 4, 3][usize::from(self.level.clamp(1, 4) - 1)];
                    let text = String::from_utf8_lossy(&self.buf);
                    let msg = format!(
                        "<{}>{name}[{}]: {}",
                        3 * 8 + sev,
                        std::process::id(),
                        text.trim_end()
                    );
                    let _ = sock.send_to(msg.as_bytes(), SYSLOG_SOCKET);
                }
                Sink::Journald(sock) => {
                    let sev = [7, 6, 4, 3][usize::from(self.level.clamp(1, 4) - 1)];
                    let text = String::from_utf8_lossy(&self.buf);
                    let text = text.trim_end().replace('\n', " ");
                    let msg = format!("MESSAGE={text}\nPRIORITY={sev}\nSYSLOG_IDENTIFIER=rvirtd\n");
                    let _ = sock.send_to(msg.as_bytes(), JOURNAL_SOCKET);
                }
            }
        }
    }
}

const SYSLOG_SOCKET: &str = "/dev/log";
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

type Shared = Arc<RwLock<Arc<Routes>>>;

fn current(routes: &Shared) -> Arc<Routes> {
    routes.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The `tracing` writer factory over the routes in force.
pub struct Router(Shared);

impl<'a> MakeWriter<'a> for Router {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter {
            routes: current(&self.0),
            mask: 0,
            level: 4,
            buf: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> LineWriter {
        let routes = current(&self.0);
        LineWriter {
            mask: routes.mask(meta),
            routes,
            level: priority(meta.level()),
            buf: Vec::new(),
        }
    }
}

fn open(spec: &OutputSpec) -> Result<Output, String> {
    // Not connected: each line is sent to the path, so a syslog or journal daemon that
    // starts (or restarts) later still gets the lines that follow, as with libvirt.
    let datagram = || -> Result<UnixDatagram, String> {
        UnixDatagram::unbound().map_err(|e| format!("cannot open a log socket: {e}"))
    };
    let sink = match &spec.dest {
        Dest::Stderr => Sink::Stderr,
        Dest::File(p) => {
            if let Some(dir) = std::path::Path::new(p).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            Sink::File(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("cannot open log file '{p}': {e}"))?,
            ))
        }
        Dest::Syslog(name) => Sink::Syslog(datagram()?, name.clone()),
        Dest::Journald => Sink::Journald(datagram()?),
    };
    Ok(Output {
        spec: spec.clone(),
        sink,
    })
}

/// What the daemon's logging is set up from.
pub struct LogSettings<'a> {
    pub log_level: Option<u8>,
    pub outputs: Option<&'a str>,
    pub filters: Option<&'a str>,
    /// `-v`: the default level becomes info, as `libvirtd -v`.
    pub verbose: bool,
    /// Where to log when `outputs` names nothing: standard error in the foreground, a
    /// file when the daemon runs in the background.
    pub fallback: Dest,
}

/// What changing the logging at run time needs.
struct Control {
    routes: Shared,
    floor: reload::Handle<LevelFilter, Registry>,
    /// The output used when none is named.
    fallback: OutputSpec,
    /// Serialises changes, so two administrators cannot interleave theirs.
    change: Mutex<()>,
}

static CONTROL: OnceLock<Control> = OnceLock::new();

/// Opens the outputs `text` names, or the fallback when it names none.
fn open_outputs(text: &str, fallback: &OutputSpec) -> Result<Vec<Output>, LogError> {
    let mut specs = parse_outputs(text).map_err(LogError::Invalid)?;
    if specs.is_empty() {
        specs.push(fallback.clone());
    }
    if specs.len() > 64 {
        return Err(LogError::Invalid(
            "too many log outputs (at most 64)".to_string(),
        ));
    }
    specs
        .iter()
        .map(|s| open(s).map_err(LogError::Open))
        .collect()
}

/// Why new logging settings were refused.
#[derive(Debug)]
pub enum LogError {
    /// The text does not parse.
    Invalid(String),
    /// An output cannot be opened.
    Open(String),
    /// Logging is not set up (only in tests that never called `init`).
    NotReady,
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogError::Invalid(m) | LogError::Open(m) => f.write_str(m),
            LogError::NotReady => f.write_str("logging is not set up"),
        }
    }
}

/// Sets up the global subscriber.
pub fn init(s: LogSettings<'_>) -> Result<(), String> {
    let mut default_level = s.log_level.unwrap_or(3);
    if s.verbose {
        default_level = default_level.min(2);
    }
    let fallback = OutputSpec {
        level: default_level,
        dest: s.fallback,
    };
    let filters =
        parse_filters(s.filters.unwrap_or_default()).map_err(|e| format!("log_filters: {e}"))?;
    let outputs = open_outputs(s.outputs.unwrap_or_default(), &fallback)
        .map_err(|e| format!("log_outputs: {e}"))?;
    let routes = Routes {
        default_level,
        filters,
        outputs: Arc::new(outputs),
    };
    let (floor, handle) = reload::Layer::new(LevelFilter::from_level(level(routes.floor())));
    let shared: Shared = Arc::new(RwLock::new(Arc::new(routes)));
    // No colours: outputs can change to files and syslog while the daemon runs.
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(true)
        .with_ansi(false)
        .with_writer(Router(shared.clone()));
    tracing_subscriber::registry()
        .with(floor)
        .with(fmt)
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))?;
    let _ = CONTROL.set(Control {
        routes: shared,
        floor: handle,
        fallback,
        change: Mutex::new(()),
    });
    Ok(())
}

/// Replaces the routes with `make(current)`, and the level `tracing` lets through.
fn change(
    make: impl FnOnce(&Routes, &Control) -> Result<Routes, LogError>,
) -> Result<(), LogError> {
    let c = CONTROL.get().ok_or(LogError::NotReady)?;
    let _serial = c.change.lock().unwrap_or_else(|p| p.into_inner());
    let next = make(&current(&c.routes), c)?;
    let floor = LevelFilter::from_level(level(next.floor()));
    *c.routes.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    // The routes still filter exactly; a failed reload only costs formatting time.
    let _ = c.floor.reload(floor);
    Ok(())
}

/// The filters in force, in libvirt's spelling (each followed by a space), and how many.
pub fn filters() -> (String, usize) {
    let Some(c) = CONTROL.get() else {
        return (String::new(), 0);
    };
    let r = current(&c.routes);
    let text = r
        .filters
        .iter()
        .map(|f| format!("{}:{} ", f.level, f.pattern))
        .collect();
    (text, r.filters.len())
}

/// The outputs in force, in libvirt's spelling, and how many.
pub fn outputs() -> (String, usize) {
    let Some(c) = CONTROL.get() else {
        return (String::new(), 0);
    };
    let r = current(&c.routes);
    let text: Vec<String> = r.outputs.iter().map(|o| o.spec.to_string()).collect();
    (text.join(" "), text.len())
}

/// New filters; empty clears them.
pub fn set_filters(text: &str) -> Result<(), LogError> {
    let filters = parse_filters(text).map_err(LogError::Invalid)?;
    change(|r, _| {
        Ok(Routes {
            default_level: r.default_level,
            filters,
            outputs: r.outputs.clone(),
        })
    })
}

/// New outputs; empty restores the default output. Nothing changes unless every output
/// opens.
pub fn set_outputs(text: &str) -> Result<(), LogError> {
    change(|r, c| {
        Ok(Routes {
            default_level: r.default_level,
            filters: r.filters.clone(),
            outputs: Arc::new(open_outputs(text, &c.fallback)?),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_levels_and_matches() {
        let f = parse_filters("1:qemu  3:+remote 4:*").expect("filters");
        assert_eq!(f.len(), 3);
        assert_eq!(
            f[1],
            Filter {
                level: 3,
                pattern: "*remote*".into()
            }
        );
        assert!(parse_filters("9:qemu").is_err());
        assert!(parse_filters("qemu").is_err());
        assert!(parse_filters("1:").is_err());
    }

    #[test]
    fn outputs_parse_each_destination() {
        let o = parse_outputs("1:file:/tmp/x.log 3:stderr 2:syslog:rvirtd 4:journald")
            .expect("outputs");
        assert_eq!(o[0].dest, Dest::File("/tmp/x.log".into()));
        assert_eq!(o[1].dest, Dest::Stderr);
        assert_eq!(o[2].dest, Dest::Syslog("rvirtd".into()));
        assert_eq!(o[3].dest, Dest::Journald);
        for bad in [
            "1:file:relative.log",
            "1:file",
            "1:syslog",
            "1:tape",
            "0:stderr",
        ] {
            assert!(parse_outputs(bad).is_err(), "{bad}");
        }
    }

    fn routes(default_level: u8, filters: &str, outs: &[u8]) -> Routes {
        Routes {
            default_level,
            filters: parse_filters(filters).expect("filters"),
            outputs: Arc::new(
                outs.iter()
                    .map(|&level| Output {
                        spec: OutputSpec {
                            level,
                            dest: Dest::Stderr,
                        },
                        sink: Sink::Stderr,
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn the_first_matching_filter_decides() {
        let r = routes(3, "1:client 4:rvirtd", &[1]);
        assert_eq!(r.threshold("rvirtd::client"), 1);
        assert_eq!(r.threshold("rvirtd::server"), 4);
        assert_eq!(r.threshold("rvirt_driver_test::domain"), 3);
        assert_eq!(r.floor(), 1);
    }

    #[test]
    fn globs_match_like_fnmatch() {
        assert!(glob(b"*util*", b"rvirtd.util.x"));
        assert!(glob(b"**util**", b"util"));
        assert!(glob(b"*a?c*", b"xxabcxx"));
        assert!(!glob(b"*util*", b"rvirtd.client"));
        assert!(glob(b"***", b""));
        assert!(!glob(b"a*", b"ba"));
    }

    #[test]
    fn a_destination_named_twice_keeps_its_last_entry() {
        let o = parse_outputs("1:stderr 3:file:/tmp/a 2:stderr").expect("outputs");
        let shown: Vec<String> = o.iter().map(|o| o.to_string()).collect();
        assert_eq!(shown, ["3:file:/tmp/a", "2:stderr"]);
    }

    #[test]
    fn outputs_keep_their_own_levels() {
        let r = routes(1, "", &[1, 3]);
        assert_eq!(r.floor(), 1);
        let r = routes(1, "", &[3, 4]);
        assert_eq!(r.floor(), 3);
        let r = routes(4, "", &[1]);
        assert_eq!(r.floor(), 4);
    }
}
