//! The host side of a character device (libvirt's `virDomainChrSourceDef`): where the bytes
//! of a serial port, console, channel, smartcard passthrough, EGD rng backend or USB
//! redirection go.
//!
//! The source is spread over sibling elements of the owning device (`<source>`, `<log>`,
//! `<protocol>`), and its type comes from an attribute the owner names differently
//! (`type=` on `<serial>`, on `<backend>`, on `<redirdev>`), so owners read the type
//! themselves and hand it to [`ChrSource::parse`] with the element holding those children.

use crate::domain::ctx::{FormatCtx, ParseCtx};
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

use super::disk_source::DeviceSeclabel;
use crate::num;

xml_enum! {
    /// The chardev backend type.
    pub enum ChrType {
        Null = "null",
        Vc = "vc",
        Pty = "pty",
        Dev = "dev",
        File = "file",
        Pipe = "pipe",
        Stdio = "stdio",
        Udp = "udp",
        Tcp = "tcp",
        Unix = "unix",
        Spicevmc = "spicevmc",
        Spiceport = "spiceport",
        Nmdm = "nmdm",
        QemuVdagent = "qemu-vdagent",
        Dbus = "dbus",
    }
}

xml_enum! {
    /// Whether a socket source listens (`bind`) or connects.
    pub enum SourceMode {
        Connect = "connect",
        Bind = "bind",
    }
}

xml_enum! {
    /// The wire protocol of a TCP chardev; libvirt always prints it, `raw` by default.
    pub enum TcpProtocol {
        Raw = "raw",
        Telnet = "telnet",
        Telnets = "telnets",
        Tls = "tls",
    }
}

xml_enum! {
    /// qemu-vdagent mouse mode (`default` is refused, as libvirt refuses it).
    pub enum MouseMode {
        Server = "server",
        Client = "client",
    }
}

/// `<reconnect>` of a connecting socket (`virDomainChrSourceReconnectDef`), shared by
/// chardevs, vhost-user interfaces and vhost-user disks, which libvirt 9.0 all read with the
/// same function. It keeps the tri-state: absent `enabled` prints nothing, and `timeout` is
/// only read (and printed) when enabled, so `enabled='no' timeout='3'` is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Reconnect {
    pub enabled: Option<bool>,
    pub timeout: u32,
}

impl Reconnect {
    /// Reads the `<reconnect>` child of `source`, if any.
    pub fn parse_child(source: &Element) -> Result<Option<Reconnect>> {
        let Some(r) = source.child("reconnect") else {
            return Ok(None);
        };
        let enabled = r.yes_no_attr("enabled")?;
        let timeout = if enabled == Some(true) {
            num::req_uint_attr(r, "timeout", 10)?
        } else {
            0
        };
        Ok(Some(Reconnect { enabled, timeout }))
    }

    /// `None` when libvirt prints nothing (enabled unset).
    pub fn format(&self) -> Option<Out> {
        let enabled = self.enabled?;
        let mut o = Out::new("reconnect").attr("enabled", yes_no(enabled));
        if enabled {
            o.set("timeout", self.timeout);
        }
        Some(o)
    }

    /// Whether `r` asks for reconnection (libvirt refuses that on listening sockets).
    pub fn is_enabled(r: &Option<Reconnect>) -> bool {
        r.is_some_and(|r| r.enabled == Some(true))
    }
}

/// The type-specific part of a chardev source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChrSourceData {
    Null,
    Vc,
    Stdio,
    /// The pty path exists only while running; it is read from live XML only.
    Pty {
        path: Option<String>,
    },
    Dev {
        path: Option<String>,
    },
    File {
        path: Option<String>,
        append: Option<bool>,
    },
    Pipe {
        path: Option<String>,
    },
    Udp {
        bind_host: Option<String>,
        bind_service: Option<String>,
        connect_host: Option<String>,
        connect_service: Option<String>,
    },
    Tcp {
        mode: SourceMode,
        host: Option<String>,
        service: Option<String>,
        tls: Option<bool>,
        reconnect: Option<Reconnect>,
        protocol: TcpProtocol,
    },
    Unix {
        mode: SourceMode,
        path: Option<String>,
        reconnect: Option<Reconnect>,
    },
    Spicevmc,
    Spiceport {
        channel: Option<String>,
    },
    Nmdm {
        master: Option<String>,
        slave: Option<String>,
    },
    QemuVdagent {
        clipboard: Option<bool>,
        mouse: Option<MouseMode>,
    },
    Dbus {
        channel: Option<String>,
    },
}

/// A chardev source: type-specific data, per-source security labels and the optional log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChrSource {
    pub data: ChrSourceData,
    /// Only character devices proper (serial, parallel, console, channel) read these.
    pub seclabels: Vec<DeviceSeclabel>,
    pub log_file: Option<String>,
    pub log_append: Option<bool>,
}

impl ChrSource {
    /// An empty source of type `ty`, as libvirt has before reading any `<source>`.
    pub fn new(ty: ChrType) -> ChrSource {
        let data = match ty {
            ChrType::Null => ChrSourceData::Null,
            ChrType::Vc => ChrSourceData::Vc,
            ChrType::Stdio => ChrSourceData::Stdio,
            ChrType::Pty => ChrSourceData::Pty { path: None },
            ChrType::Dev => ChrSourceData::Dev { path: None },
            ChrType::File => ChrSourceData::File {
                path: None,
                append: None,
            },
            ChrType::Pipe => ChrSourceData::Pipe { path: None },
            ChrType::Udp => ChrSourceData::Udp {
                bind_host: None,
                bind_service: None,
                connect_host: None,
                connect_service: None,
            },
            ChrType::Tcp => ChrSourceData::Tcp {
                mode: SourceMode::Connect,
                host: None,
                service: None,
                tls: None,
                reconnect: None,
                protocol: TcpProtocol::Raw,
            },
            ChrType::Unix => ChrSourceData::Unix {
                mode: SourceMode::Connect,
                path: None,
                reconnect: None,
            },
            ChrType::Spicevmc => ChrSourceData::Spicevmc,
            ChrType::Spiceport => ChrSourceData::Spiceport { channel: None },
            ChrType::Nmdm => ChrSourceData::Nmdm {
                master: None,
                slave: None,
            },
            ChrType::QemuVdagent => ChrSourceData::QemuVdagent {
                clipboard: None,
                mouse: None,
            },
            ChrType::Dbus => ChrSourceData::Dbus { channel: None },
        };
        ChrSource {
            data,
            seclabels: Vec::new(),
            log_file: None,
            log_append: None,
        }
    }

    pub fn chr_type(&self) -> ChrType {
        match &self.data {
            ChrSourceData::Null => ChrType::Null,
            ChrSourceData::Vc => ChrType::Vc,
            ChrSourceData::Stdio => ChrType::Stdio,
            ChrSourceData::Pty { .. } => ChrType::Pty,
            ChrSourceData::Dev { .. } => ChrType::Dev,
            ChrSourceData::File { .. } => ChrType::File,
            ChrSourceData::Pipe { .. } => ChrType::Pipe,
            ChrSourceData::Udp { .. } => ChrType::Udp,
            ChrSourceData::Tcp { .. } => ChrType::Tcp,
            ChrSourceData::Unix { .. } => ChrType::Unix,
            ChrSourceData::Spicevmc => ChrType::Spicevmc,
            ChrSourceData::Spiceport { .. } => ChrType::Spiceport,
            ChrSourceData::Nmdm { .. } => ChrType::Nmdm,
            ChrSourceData::QemuVdagent { .. } => ChrType::QemuVdagent,
            ChrSourceData::Dbus { .. } => ChrType::Dbus,
        }
    }

    /// Reads a source of type `ty` from the children of `parent` (`<source>`, `<log>`,
    /// `<protocol>`). `seclabels` is set for character devices proper, the only owners whose
    /// source may carry `<seclabel>` overrides.
    pub fn parse(
        ty: ChrType,
        parent: &Element,
        ctx: &ParseCtx,
        seclabels: bool,
    ) -> Result<ChrSource> {
        let mut src = ChrSource::new(ty);
        let sources: Vec<&Element> = parent.children_named("source").collect();
        if sources.len() > 1 && ty != ChrType::Udp {
            return Err(xml_error(
                "only one source element is allowed for character device",
            ));
        }
        if sources.len() > 2 {
            return Err(xml_error(
                "only two source elements are allowed for character device",
            ));
        }
        if let Some(first) = sources.first() {
            for s in &sources {
                src.read_source(s, ctx)?;
                if ty != ChrType::Udp {
                    break;
                }
            }
            if seclabels {
                src.seclabels = DeviceSeclabel::parse_all(first, ctx)?;
            }
        }
        let logs: Vec<&Element> = parent.children_named("log").collect();
        match logs.as_slice() {
            [] => {}
            [log] => {
                src.log_file = log.string_attr("file");
                src.log_append = log.on_off_attr("append")?;
            }
            _ => {
                return Err(xml_error(
                    "only one log element is allowed for character device",
                ))
            }
        }
        let protocols: Vec<&Element> = parent.children_named("protocol").collect();
        match protocols.as_slice() {
            [] => {}
            [p] => {
                if let ChrSourceData::Tcp { protocol, .. } = &mut src.data {
                    if let Some(v) = p.attr("type") {
                        *protocol = TcpProtocol::from_xml(v)
                            .ok_or_else(|| unsupported(format!("Unknown protocol '{v}'")))?;
                    }
                }
            }
            _ => {
                return Err(xml_error(
                    "only one protocol element is allowed for character device",
                ))
            }
        }
        Ok(src)
    }

    fn read_source(&mut self, s: &Element, ctx: &ParseCtx) -> Result<()> {
        let mode = || -> Result<SourceMode> {
            Ok(s.enum_attr::<SourceMode>("mode")?
                .unwrap_or(SourceMode::Connect))
        };
        match &mut self.data {
            ChrSourceData::Null
            | ChrSourceData::Vc
            | ChrSourceData::Stdio
            | ChrSourceData::Spicevmc => {}
            ChrSourceData::Pty { path } => {
                if !ctx.inactive {
                    *path = s.string_attr("path");
                }
            }
            ChrSourceData::Dev { path } | ChrSourceData::Pipe { path } => {
                *path = s.string_attr("path");
            }
            ChrSourceData::File { path, append } => {
                *path = s.string_attr("path");
                *append = s.on_off_attr("append")?;
            }
            ChrSourceData::Udp {
                bind_host,
                bind_service,
                connect_host,
                connect_service,
            } => match mode()? {
                SourceMode::Connect if connect_host.is_none() && connect_service.is_none() => {
                    *connect_host = s.string_attr("host");
                    *connect_service = s.string_attr("service");
                }
                SourceMode::Bind if bind_host.is_none() && bind_service.is_none() => {
                    *bind_host = s.string_attr("host");
                    *bind_service = s.string_attr("service");
                }
                _ => {}
            },
            ChrSourceData::Tcp {
                mode: m,
                host,
                service,
                tls,
                reconnect,
                ..
            } => {
                *m = mode()?;
                *host = s.string_attr("host");
                *service = s.string_attr("service");
                *tls = s.yes_no_attr("tls")?;
                *reconnect = Reconnect::parse_child(s)?;
            }
            ChrSourceData::Unix {
                mode: m,
                path,
                reconnect,
            } => {
                *m = mode()?;
                *path = s.string_attr("path");
                *reconnect = Reconnect::parse_child(s)?;
            }
            ChrSourceData::Spiceport { channel } | ChrSourceData::Dbus { channel } => {
                *channel = s.string_attr("channel");
            }
            ChrSourceData::Nmdm { master, slave } => {
                *master = s.string_attr("master");
                *slave = s.string_attr("slave");
            }
            ChrSourceData::QemuVdagent { clipboard, mouse } => {
                if let Some(c) = s.child("clipboard") {
                    *clipboard = Some(c.yes_no_attr("copypaste")?.ok_or_else(|| {
                        xml_error("Missing required attribute 'copypaste' in element 'clipboard'")
                    })?);
                }
                if let Some(m) = s.child("mouse") {
                    *mouse = Some(m.req_enum_attr::<MouseMode>("mode")?);
                }
            }
        }
        Ok(())
    }

    /// Appends `<source>` (and for TCP `<protocol>`) and `<log>` to `out`, in libvirt's order.
    pub fn format_into(&self, out: &mut Out, ctx: &FormatCtx) {
        let seclabels = |o: &mut Out| {
            for s in &self.seclabels {
                o.push_opt(s.format(ctx));
            }
        };
        match &self.data {
            ChrSourceData::Null
            | ChrSourceData::Vc
            | ChrSourceData::Stdio
            | ChrSourceData::Spicevmc => {}
            ChrSourceData::QemuVdagent { clipboard, mouse } => {
                if clipboard.is_some() || mouse.is_some() {
                    let mut o = Out::new("source");
                    if let Some(c) = clipboard {
                        o.push(Out::new("clipboard").attr("copypaste", yes_no(*c)));
                    }
                    if let Some(m) = mouse {
                        o.push(Out::new("mouse").attr("mode", m));
                    }
                    out.push(o);
                }
            }
            ChrSourceData::Pty { path } => {
                if let (Some(p), false) = (path, ctx.inactive) {
                    let mut o = Out::new("source").attr("path", p);
                    seclabels(&mut o);
                    out.push(o);
                }
            }
            ChrSourceData::Dev { path } | ChrSourceData::Pipe { path } => {
                let mut o = Out::new("source").attr_opt("path", path.as_ref());
                seclabels(&mut o);
                out.push_nonempty(o);
            }
            ChrSourceData::File { path, append } => {
                let mut o = Out::new("source")
                    .attr_opt("path", path.as_ref())
                    .attr_opt("append", append.map(on_off));
                seclabels(&mut o);
                out.push_nonempty(o);
            }
            ChrSourceData::Nmdm { master, slave } => {
                out.push_nonempty(
                    Out::new("source")
                        .attr_opt("master", master.as_ref())
                        .attr_opt("slave", slave.as_ref()),
                );
            }
            ChrSourceData::Udp {
                bind_host,
                bind_service,
                connect_host,
                connect_service,
            } => {
                if bind_host.is_some() || bind_service.is_some() {
                    out.push(
                        Out::new("source")
                            .attr("mode", "bind")
                            .attr_opt("host", bind_host.as_ref())
                            .attr_opt("service", bind_service.as_ref()),
                    );
                }
                if connect_host.is_some() || connect_service.is_some() {
                    out.push(
                        Out::new("source")
                            .attr("mode", "connect")
                            .attr_opt("host", connect_host.as_ref())
                            .attr_opt("service", connect_service.as_ref()),
                    );
                }
            }
            ChrSourceData::Tcp {
                mode,
                host,
                service,
                tls,
                reconnect,
                protocol,
            } => {
                let mut o = Out::new("source")
                    .attr("mode", mode)
                    .attr_opt("host", host.as_ref())
                    .attr_opt("service", service.as_ref())
                    .attr_opt("tls", tls.map(yes_no));
                o.push_opt(reconnect.and_then(|r| r.format()));
                out.push(o);
                out.push(Out::new("protocol").attr("type", protocol));
            }
            ChrSourceData::Unix {
                mode,
                path,
                reconnect,
            } => {
                if let Some(p) = path {
                    let mut o = Out::new("source").attr("mode", mode).attr("path", p);
                    seclabels(&mut o);
                    o.push_opt(reconnect.and_then(|r| r.format()));
                    out.push(o);
                }
            }
            ChrSourceData::Spiceport { channel } | ChrSourceData::Dbus { channel } => {
                out.push_nonempty(Out::new("source").attr_opt("channel", channel.as_ref()));
            }
        }
        if let Some(f) = &self.log_file {
            out.push(
                Out::new("log")
                    .attr("file", f)
                    .attr_opt("append", self.log_append.map(on_off)),
            );
        }
    }

    /// Source equality as libvirt judges it when pairing `<console>` 0 with `<serial>` 0:
    /// the endpoint only (type, paths, hosts, modes); logs, labels, TLS and reconnect
    /// settings do not count.
    pub fn is_equal(&self, other: &ChrSource) -> bool {
        use ChrSourceData as D;
        match (&self.data, &other.data) {
            (D::File { path: a, append: x }, D::File { path: b, append: y }) => a == b && x == y,
            (D::Pty { path: a }, D::Pty { path: b })
            | (D::Dev { path: a }, D::Dev { path: b })
            | (D::Pipe { path: a }, D::Pipe { path: b }) => a == b,
            (
                D::Nmdm {
                    master: a,
                    slave: b,
                },
                D::Nmdm {
                    master: c,
                    slave: d,
                },
            ) => a == c && b == d,
            (
                D::Udp {
                    bind_host: a1,
                    bind_service: a2,
                    connect_host: a3,
                    connect_service: a4,
                },
                D::Udp {
                    bind_host: b1,
                    bind_service: b2,
                    connect_host: b3,
                    connect_service: b4,
                },
            ) => a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4,
            (
                D::Tcp {
                    mode: m1,
                    host: h1,
                    service: s1,
                    protocol: p1,
                    ..
                },
                D::Tcp {
                    mode: m2,
                    host: h2,
                    service: s2,
                    protocol: p2,
                    ..
                },
            ) => m1 == m2 && h1 == h2 && s1 == s2 && p1 == p2,
            (
                D::Unix {
                    mode: m1, path: p1, ..
                },
                D::Unix {
                    mode: m2, path: p2, ..
                },
            ) => m1 == m2 && p1 == p2,
            (D::Spiceport { channel: a }, D::Spiceport { channel: b })
            | (D::Dbus { channel: a }, D::Dbus { channel: b }) => a == b,
            (
                D::QemuVdagent {
                    clipboard: a,
                    mouse: b,
                },
                D::QemuVdagent {
                    clipboard: c,
                    mouse: d,
                },
            ) => a == c && b == d,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }

    /// libvirt's source checks at define time (`virDomainChrSourceDefValidate`).
    /// `unix_path_optional` is set for virtio and xen channels, whose socket path the
    /// hypervisor driver may generate.
    pub fn validate(&self, unix_path_optional: bool) -> Result<()> {
        let missing =
            |what: &str| internal(format!("Missing source {what} attribute for char device"));
        match &self.data {
            ChrSourceData::File { path, .. }
            | ChrSourceData::Dev { path }
            | ChrSourceData::Pipe { path } => {
                if path.is_none() {
                    return Err(missing("path"));
                }
            }
            ChrSourceData::Nmdm { master, slave } => {
                if master.is_some() != slave.is_some() {
                    return Err(internal(
                        "Should define both master and slave path attributes for nmdm device",
                    ));
                }
            }
            ChrSourceData::Tcp {
                mode,
                host,
                service,
                reconnect,
                ..
            } => {
                if host.is_none() {
                    return Err(missing("host"));
                }
                if service.is_none() {
                    return Err(missing("service"));
                }
                if *mode == SourceMode::Bind && Reconnect::is_enabled(reconnect) {
                    return Err(internal(
                        "chardev reconnect is possible only for connect mode",
                    ));
                }
            }
            ChrSourceData::Udp {
                connect_service, ..
            } => {
                if connect_service.is_none() {
                    return Err(missing("service"));
                }
            }
            ChrSourceData::Unix {
                mode,
                path,
                reconnect,
            } => {
                if path.is_none() && !unix_path_optional {
                    return Err(missing("path"));
                }
                if *mode == SourceMode::Bind && Reconnect::is_enabled(reconnect) {
                    return Err(internal(
                        "chardev reconnect is possible only for connect mode",
                    ));
                }
            }
            ChrSourceData::Spiceport { channel } | ChrSourceData::Dbus { channel } => {
                let Some(c) = channel else {
                    return Err(unsupported(
                        "Missing source channel attribute for char device",
                    ));
                };
                let ok = c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'));
                if !ok {
                    return Err(Error::new(
                        ErrorDomain::DOMAIN,
                        ErrorCode::INVALID_ARG,
                        Some("Invalid character in source channel for char device".into()),
                    ));
                }
            }
            ChrSourceData::Null
            | ChrSourceData::Vc
            | ChrSourceData::Stdio
            | ChrSourceData::Pty { .. }
            | ChrSourceData::Spicevmc
            | ChrSourceData::QemuVdagent { .. } => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(ty: ChrType, xml: &str, inactive: bool) -> Result<ChrSource> {
        let el = parse_document(xml, "t").expect("well-formed");
        ChrSource::parse(ty, &el, &ParseCtx { inactive }, true)
    }

    fn render(src: &ChrSource, inactive: bool) -> String {
        let mut o = Out::new("x");
        src.format_into(
            &mut o,
            &FormatCtx {
                inactive,
                ..Default::default()
            },
        );
        o.render(0)
    }

    #[test]
    fn tcp_always_prints_protocol_and_mode() {
        let s = parse(ChrType::Tcp, "<x><source host='h' service='1'/></x>", true).expect("ok");
        assert_eq!(
            render(&s, true),
            "<x>\n  <source mode='connect' host='h' service='1'/>\n  <protocol type='raw'/>\n</x>\n"
        );
    }

    #[test]
    fn reconnect_timeout_only_with_enabled() {
        let s = parse(
            ChrType::Unix,
            "<x><source path='/a'><reconnect enabled='no' timeout='3'/></source></x>",
            true,
        )
        .expect("ok");
        assert!(render(&s, true).contains("<reconnect enabled='no'/>"));
        let e = parse(
            ChrType::Tcp,
            "<x><source host='h' service='1'><reconnect enabled='yes'/></source></x>",
            true,
        )
        .expect_err("timeout required");
        assert_eq!(
            e.message,
            "XML error: Missing required attribute 'timeout' in element 'reconnect'"
        );
    }

    #[test]
    fn pty_path_is_live_only() {
        let xml = "<x><source path='/dev/pts/3'/></x>";
        let s = parse(ChrType::Pty, xml, true).expect("ok");
        assert_eq!(render(&s, false), "<x/>\n");
        let s = parse(ChrType::Pty, xml, false).expect("ok");
        assert_eq!(render(&s, true), "<x/>\n");
        assert_eq!(
            render(&s, false),
            "<x>\n  <source path='/dev/pts/3'/>\n</x>\n"
        );
    }

    #[test]
    fn udp_keeps_first_of_each_mode() {
        let s = parse(
            ChrType::Udp,
            "<x><source mode='connect' host='a' service='1'/><source mode='bind' service='2'/></x>",
            true,
        )
        .expect("ok");
        assert_eq!(
            render(&s, true),
            "<x>\n  <source mode='bind' service='2'/>\n  <source mode='connect' host='a' service='1'/>\n</x>\n"
        );
    }

    #[test]
    fn seclabels_follow_libvirt_rules() {
        let s = parse(
            ChrType::File,
            "<x><source path='/a'><seclabel model='selinux'/><seclabel model='dac' relabel='no'/><seclabel model='x'><label>l</label></seclabel></source></x>",
            true,
        )
        .expect("ok");
        assert_eq!(
            render(&s, true),
            "<x>\n  <source path='/a'>\n    <seclabel model='dac' relabel='no'/>\n    <seclabel model='x' relabel='yes'>\n      <label>l</label>\n    </seclabel>\n  </source>\n</x>\n"
        );
        let e = parse(
            ChrType::File,
            "<x><source path='/a'><seclabel model='x'/><seclabel model='x'/></source></x>",
            true,
        )
        .expect_err("dup");
        assert_eq!(e.message, "seclabel for model x is already provided");
        let e = parse(
            ChrType::File,
            "<x><source path='/a'><seclabel model='x' relabel='no'><label>l</label></seclabel></source></x>",
            true,
        )
        .expect_err("label");
        assert_eq!(
            e.message,
            "XML error: Cannot specify a label if relabelling is turned off. model=x"
        );
    }

    #[test]
    fn source_count_and_protocol_errors() {
        let e = parse(
            ChrType::File,
            "<x><source path='/a'/><source path='/b'/></x>",
            true,
        )
        .expect_err("two");
        assert_eq!(
            e.message,
            "XML error: only one source element is allowed for character device"
        );
        let e = parse(
            ChrType::Tcp,
            "<x><source host='h' service='1'/><protocol type='bogus'/></x>",
            true,
        )
        .expect_err("proto");
        assert_eq!(
            e.message,
            "unsupported configuration: Unknown protocol 'bogus'"
        );
    }

    #[test]
    fn validation_messages() {
        let s = parse(
            ChrType::Tcp,
            "<x><source mode='bind' service='1'/></x>",
            true,
        )
        .expect("ok");
        assert_eq!(
            s.validate(false).expect_err("host").message,
            "internal error: Missing source host attribute for char device"
        );
        let s = parse(
            ChrType::Tcp,
            "<x><source mode='bind' host='h' service='1'><reconnect enabled='yes' timeout='3'/></source></x>",
            true,
        )
        .expect("ok");
        assert_eq!(
            s.validate(false).expect_err("reconnect").message,
            "internal error: chardev reconnect is possible only for connect mode"
        );
        let s = parse(ChrType::Unix, "<x/>", true).expect("ok");
        assert!(s.validate(true).is_ok());
        assert!(s.validate(false).is_err());
    }
}
