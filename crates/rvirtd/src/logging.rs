//! Logging through `tracing`, configured the way libvirtd is: `log_level` (1 debug, 2 info,
//! 3 warning, 4 error), `log_filters` (`LEVEL:MATCH ...`: the first filter whose MATCH occurs
//! in a message's source decides its level; `*` matches everything) and `log_outputs`
//! (`LEVEL:stderr`, `LEVEL:file:PATH`, `LEVEL:syslog:NAME`, `LEVEL:journald`, several
//! separated by spaces, each with its own level).
//!
//! A message's source is its `tracing` target with `::` written as `.`
//! (`rvirtd.client`, `rvirt_driver_test.domain`), so `1:client` or `1:rvirtd` select
//! messages as libvirt's `1:rpc` or `1:qemu` do.

use std::fs::File;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::Mutex;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

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

fn parse_level(s: &str, what: &str, item: &str) -> Result<u8, String> {
    match s.parse::<u8>() {
        Ok(n @ 1..=4) => Ok(n),
        _ => Err(format!(
            "invalid log {what} '{item}': the level must be 1 (debug) to 4 (error)"
        )),
    }
}

/// One entry of `log_filters`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub level: u8,
    pub pattern: String,
}

/// Parses `log_filters`. A leading `+` on MATCH (libvirt's "with stack trace") is accepted
/// and ignored.
pub fn parse_filters(text: &str) -> Result<Vec<Filter>, String> {
    text.split_whitespace()
        .map(|item| {
            let (n, m) = item
                .split_once(':')
                .ok_or_else(|| format!("invalid log filter '{item}': expected LEVEL:MATCH"))?;
            let m = m.strip_prefix('+').unwrap_or(m);
            if m.is_empty() {
                return Err(format!("invalid log filter '{item}': MATCH is empty"));
            }
            Ok(Filter {
                level: parse_level(n, "filter", item)?,
                pattern: m.to_string(),
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

/// Parses `log_outputs`.
pub fn parse_outputs(text: &str) -> Result<Vec<OutputSpec>, String> {
    text.split_whitespace()
        .map(|item| {
            let mut parts = item.splitn(3, ':');
            let n = parts.next().unwrap_or_default();
            let kind = parts.next().ok_or_else(|| {
                format!("invalid log output '{item}': expected LEVEL:stderr, LEVEL:file:PATH, LEVEL:syslog:NAME or LEVEL:journald")
            })?;
            let arg = parts.next();
            let dest = match (kind, arg) {
                ("stderr", None) => Dest::Stderr,
                ("journald", None) => Dest::Journald,
                ("file", Some(p)) if p.starts_with('/') => Dest::File(p.to_string()),
                ("file", _) => {
                    return Err(format!(
                        "invalid log output '{item}': a file output needs an absolute path"
                    ))
                }
                ("syslog", Some(n)) if !n.is_empty() => Dest::Syslog(n.to_string()),
                ("syslog", _) => {
                    return Err(format!(
                        "invalid log output '{item}': a syslog output needs a name"
                    ))
                }
                _ => return Err(format!("invalid log output '{item}': unknown destination '{kind}'")),
            };
            Ok(OutputSpec {
                level: parse_level(n, "output", item)?,
                dest,
            })
        })
        .collect()
}

/// An open output.
enum Sink {
    Stderr,
    File(Mutex<File>),
    /// A datagram socket to the local syslog daemon, with the name messages carry.
    Syslog(UnixDatagram, String),
    Journald(UnixDatagram),
}

struct Output {
    level: u8,
    sink: Sink,
}

/// Everything that decides where a message goes.
struct Routes {
    default_level: u8,
    filters: Vec<Filter>,
    outputs: Vec<Output>,
}

impl Routes {
    /// The level a message from `target` must reach: the first matching filter's, else
    /// the default.
    fn threshold(&self, target: &str) -> u8 {
        let source = target.replace("::", ".");
        self.filters
            .iter()
            .find(|f| f.pattern == "*" || source.contains(&f.pattern))
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
            .filter(|(_, o)| p >= o.level)
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    /// The most verbose level anything could let through, so `tracing` skips the rest
    /// before formatting.
    fn floor(&self) -> u8 {
        let filters = self.filters.iter().map(|f| f.level).min().unwrap_or(4);
        let wanted = self.default_level.min(filters);
        let outputs = self.outputs.iter().map(|o| o.level).min().unwrap_or(4);
        wanted.max(outputs)
    }
}

/// Collects one formatted message and hands it to the outputs that take it when dropped,
/// so every output gets whole lines.
pub struct LineWriter<'a> {
    routes: &'a Routes,
    mask: u64,
    level: u8,
    buf: Vec<u8>,
}

impl Write for LineWriter<'_> {
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

impl Drop for LineWriter<'_> {
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
                    let _ = sock.send(msg.as_bytes());
                }
                Sink::Journald(sock) => {
                    let sev = [7, 6, 4, 3][usize::from(self.level.clamp(1, 4) - 1)];
                    let text = String::from_utf8_lossy(&self.buf);
                    let text = text.trim_end().replace('\n', " ");
                    let msg = format!("MESSAGE={text}\nPRIORITY={sev}\nSYSLOG_IDENTIFIER=rvirtd\n");
                    let _ = sock.send(msg.as_bytes());
                }
            }
        }
    }
}

/// The `tracing` writer factory over the configured routes.
pub struct Router(Routes);

impl<'a> MakeWriter<'a> for Router {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter {
            routes: &self.0,
            mask: 0,
            level: 4,
            buf: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> LineWriter<'a> {
        LineWriter {
            routes: &self.0,
            mask: self.0.mask(meta),
            level: priority(meta.level()),
            buf: Vec::new(),
        }
    }
}

fn open(spec: &OutputSpec) -> Result<Output, String> {
    let datagram = |path: &str| -> Result<UnixDatagram, String> {
        let s = UnixDatagram::unbound().map_err(|e| format!("cannot open a log socket: {e}"))?;
        s.connect(path)
            .map_err(|e| format!("cannot connect to '{path}' for logging: {e}"))?;
        Ok(s)
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
        Dest::Syslog(name) => Sink::Syslog(datagram("/dev/log")?, name.clone()),
        Dest::Journald => Sink::Journald(datagram("/run/systemd/journal/socket")?),
    };
    Ok(Output {
        level: spec.level,
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

/// Sets up the global subscriber.
pub fn init(s: LogSettings<'_>) -> Result<(), String> {
    let mut default_level = s.log_level.unwrap_or(3);
    if s.verbose {
        default_level = default_level.min(2);
    }
    let filters = parse_filters(s.filters.unwrap_or_default())?;
    let mut specs = parse_outputs(s.outputs.unwrap_or_default())?;
    if specs.is_empty() {
        specs.push(OutputSpec {
            level: default_level,
            dest: s.fallback,
        });
    }
    if specs.len() > 64 {
        return Err("too many log outputs (at most 64)".to_string());
    }
    let outputs = specs.iter().map(open).collect::<Result<Vec<_>, _>>()?;
    let ansi = specs.iter().all(|o| o.dest == Dest::Stderr);
    let routes = Routes {
        default_level,
        filters,
        outputs,
    };
    let floor = level(routes.floor());
    tracing_subscriber::fmt()
        .with_max_level(floor)
        .with_target(true)
        .with_ansi(ansi && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(Router(routes))
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))
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
                pattern: "remote".into()
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
            outputs: outs
                .iter()
                .map(|&level| Output {
                    level,
                    sink: Sink::Stderr,
                })
                .collect(),
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
    fn outputs_keep_their_own_levels() {
        let r = routes(1, "", &[1, 3]);
        assert_eq!(r.floor(), 1);
        let r = routes(1, "", &[3, 4]);
        assert_eq!(r.floor(), 3);
        let r = routes(4, "", &[1]);
        assert_eq!(r.floor(), 4);
    }
}
