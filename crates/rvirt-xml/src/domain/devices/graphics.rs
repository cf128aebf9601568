//! `<graphics>`: how the guest display is exported (VNC, SPICE, SDL, RDP, desktop,
//! headless EGL, D-Bus), with listen addresses and passwords.
//!
//! The legacy `listen=`/`socket=` attributes are folded into `<listen>` elements at parse
//! time, as libvirt does, and printed back from the first listen.

use super::sound::parse_audio_ref;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::error::{internal, unsupported, xml_error};
use crate::num;
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::Result;

xml_enum! {
    /// How a display server listens.
    pub enum ListenType { None = "none", Address = "address", Network = "network", Socket = "socket" }
}

/// One `<listen>` of a VNC, SPICE or RDP display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphicsListen {
    pub kind: ListenType,
    pub address: Option<String>,
    pub network: Option<String>,
    pub socket: Option<String>,
}

xml_enum! {
    /// What happens to connected clients when the password changes.
    pub enum AuthConnected { Fail = "fail", Disconnect = "disconnect", Keep = "keep" }
}

/// Password settings shared by VNC and SPICE.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GraphicsAuth {
    /// Printed only in secure output.
    pub passwd: Option<String>,
    /// Expiry as seconds since the Unix epoch (UTC).
    pub valid_to: Option<i64>,
    pub connected: Option<AuthConnected>,
}

xml_enum! {
    /// VNC sharing policy.
    pub enum SharePolicy { AllowExclusive = "allow-exclusive", ForceShared = "force-shared", Ignore = "ignore" }
}

xml_enum! {
    /// SPICE channel.
    pub enum SpiceChannel {
        Main = "main",
        Display = "display",
        Inputs = "inputs",
        Cursor = "cursor",
        Playback = "playback",
        Record = "record",
        Smartcard = "smartcard",
        Usbredir = "usbredir",
    }
}

/// SPICE channels in libvirt's print order.
pub const SPICE_CHANNELS: [SpiceChannel; 8] = [
    SpiceChannel::Main,
    SpiceChannel::Display,
    SpiceChannel::Inputs,
    SpiceChannel::Cursor,
    SpiceChannel::Playback,
    SpiceChannel::Record,
    SpiceChannel::Smartcard,
    SpiceChannel::Usbredir,
];

xml_enum! {
    /// Whether a SPICE channel must, may or must not use TLS (`any` is the default).
    pub enum ChannelMode { Any = "any", Secure = "secure", Insecure = "insecure" }
}

xml_enum! {
    /// SPICE image compression.
    pub enum ImageCompression {
        AutoGlz = "auto_glz",
        AutoLz = "auto_lz",
        Quic = "quic",
        Glz = "glz",
        Lz = "lz",
        Off = "off",
    }
}

xml_enum! {
    /// SPICE jpeg/zlib compression.
    pub enum WanCompression { Auto = "auto", Never = "never", Always = "always" }
}

xml_enum! {
    /// SPICE video streaming detection.
    pub enum StreamingMode { Filter = "filter", All = "all", Off = "off" }
}

xml_enum! {
    /// SPICE mouse mode.
    pub enum MouseMode { Server = "server", Client = "client" }
}

/// SPICE settings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Spice {
    pub port: i32,
    pub tls_port: i32,
    pub autoport: bool,
    /// `None` is `any`.
    pub default_mode: Option<ChannelMode>,
    pub keymap: Option<String>,
    pub auth: GraphicsAuth,
    /// Per channel, indexed like [`SPICE_CHANNELS`]; `any` is not printed.
    pub channels: [Option<ChannelMode>; 8],
    pub image: Option<ImageCompression>,
    pub jpeg: Option<WanCompression>,
    pub zlib: Option<WanCompression>,
    pub playback: Option<bool>,
    pub streaming: Option<StreamingMode>,
    pub mouse: Option<MouseMode>,
    pub copypaste: Option<bool>,
    pub filetransfer: Option<bool>,
    pub gl: Option<bool>,
    pub rendernode: Option<String>,
}

/// VNC settings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Vnc {
    /// 0 when unset (and always 0 with autoport in inactive definitions).
    pub port: i32,
    pub autoport: bool,
    pub websocket: i32,
    pub websocket_generated: bool,
    pub share_policy: Option<SharePolicy>,
    pub power_control: Option<bool>,
    pub keymap: Option<String>,
    pub auth: GraphicsAuth,
    pub audio_id: Option<u32>,
}

/// The display type and its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphicsKind {
    Sdl {
        display: Option<String>,
        xauth: Option<String>,
        fullscreen: bool,
        gl: Option<bool>,
    },
    Vnc(Vnc),
    Rdp {
        port: i32,
        autoport: bool,
        replace_user: bool,
        multi_user: bool,
    },
    Desktop {
        display: Option<String>,
        fullscreen: bool,
    },
    Spice(Box<Spice>),
    EglHeadless {
        rendernode: Option<String>,
    },
    Dbus {
        p2p: bool,
        address: Option<String>,
        gl: Option<bool>,
        rendernode: Option<String>,
        audio_id: Option<u32>,
    },
}

/// A graphics device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graphics {
    pub kind: GraphicsKind,
    /// For VNC, SPICE and RDP: at least one after parsing.
    pub listens: Vec<GraphicsListen>,
}

// --- password expiry -------------------------------------------------------------------

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Reads `YYYY-MM-DDTHH:MM:SS` (fields need not be zero-padded) as libvirt does; an
/// impossible date becomes the epoch, as it does in libvirt.
fn parse_valid_to(s: &str) -> Option<i64> {
    let mut rest = s;
    let mut fields = [0i64; 6];
    let seps = ['-', '-', 'T', ':', ':'];
    for (i, f) in fields.iter_mut().enumerate() {
        let t = rest.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
        let digits_start = usize::from(t.starts_with(['+', '-']));
        let len = t[digits_start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(t.len() - digits_start);
        if len == 0 {
            return None;
        }
        let num = num::to_ll(&t[..digits_start + len], 10).and_then(|n| i32::try_from(n).ok())?;
        *f = num as i64;
        rest = &t[digits_start + len..];
        if i < 5 {
            rest = rest.strip_prefix(seps[i])?;
        } else if !rest.is_empty() {
            return None;
        }
    }
    let [y, mo, d, h, mi, sec] = fields;
    let mdays = [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = (1..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && d >= 1
        && d <= mdays[(mo - 1) as usize]
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..60).contains(&sec);
    if !valid {
        return Some(0);
    }
    Some(rvirt_core::civil::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec)
}

fn format_valid_to(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (y, m, d) = rvirt_core::civil::civil_from_days(days);
    format!(
        "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

impl GraphicsAuth {
    fn parse(el: &Element, vnc: bool) -> Result<GraphicsAuth> {
        let Some(passwd) = el.string_attr("passwd") else {
            return Ok(GraphicsAuth::default());
        };
        let mut auth = GraphicsAuth {
            passwd: Some(passwd),
            ..Default::default()
        };
        if let Some(v) = el.attr("passwdValidTo") {
            auth.valid_to = Some(parse_valid_to(v).ok_or_else(|| {
                internal(format!(
                    "cannot parse password validity time '{v}', expect YYYY-MM-DDTHH:MM:SS"
                ))
            })?);
        }
        if let Some(c) = el.attr("connected") {
            let action = AuthConnected::from_xml(c)
                .ok_or_else(|| unsupported(format!("unknown connected value {c}")))?;
            if vnc && action != AuthConnected::Keep {
                return Err(unsupported("VNC supports connected='keep' only"));
            }
            auth.connected = Some(action);
        }
        Ok(auth)
    }

    fn write_attrs(&self, o: &mut Out, ctx: &FormatCtx) {
        if self.passwd.is_none() {
            return;
        }
        if ctx.secure {
            o.set_opt("passwd", self.passwd.as_ref());
        }
        o.set_opt("passwdValidTo", self.valid_to.map(format_valid_to));
        o.set_opt("connected", self.connected);
    }
}

// --- listens ---------------------------------------------------------------------------

impl GraphicsListen {
    /// An address listen without an address: "the hypervisor's default".
    pub fn default_address() -> GraphicsListen {
        GraphicsListen {
            kind: ListenType::Address,
            address: None,
            network: None,
            socket: None,
        }
    }

    /// `parent` is the `<graphics>` element for the first listen, whose legacy
    /// `listen=`/`socket=` attributes must agree with it.
    fn parse(el: &Element, parent: Option<&Element>, inactive: bool) -> Result<GraphicsListen> {
        let mut address = el.attr("address");
        let network = el.attr("network");
        let mut socket = el.attr("socket");
        let address_compat = parent.and_then(|p| p.attr("listen"));
        let socket_compat = parent.and_then(|p| p.attr("socket"));
        let kind = el.req_enum_attr::<ListenType>("type")?;
        if kind == ListenType::Address {
            if let (Some(a), Some(c)) = (address, address_compat) {
                if a != c {
                    return Err(unsupported(format!(
                        "graphics 'listen' attribute '{c}' must match 'address' attribute of first listen element (found '{a}')"
                    )));
                }
            }
            address = address.or(address_compat);
        }
        if kind == ListenType::Socket {
            if let (Some(s), Some(c)) = (socket, socket_compat) {
                if s != c {
                    return Err(unsupported(format!(
                        "graphics 'socket' attribute '{c}' must match 'socket' attribute of first listen element (found '{s}')"
                    )));
                }
            }
            socket = socket.or(socket_compat);
        }
        let mut l = GraphicsListen {
            kind,
            address: None,
            network: None,
            socket: None,
        };
        if let Some(a) = address.filter(|a| !a.is_empty()) {
            if kind == ListenType::Address || (kind == ListenType::Network && !inactive) {
                l.address = Some(a.to_string());
            }
        }
        if let Some(n) = network.filter(|n| !n.is_empty()) {
            if kind != ListenType::Network {
                return Err(xml_error(
                    "'network' attribute is valid only for listen type 'network'",
                ));
            }
            l.network = Some(n.to_string());
        }
        if let Some(s) = socket.filter(|s| !s.is_empty()) {
            if kind != ListenType::Socket {
                return Err(xml_error(
                    "'socket' attribute is valid only for listen type 'socket'",
                ));
            }
            l.socket = Some(s.to_string());
        }
        Ok(l)
    }

    fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("listen").attr("type", self.kind);
        if let Some(a) = &self.address {
            if self.kind == ListenType::Address
                || (self.kind == ListenType::Network && !ctx.inactive)
            {
                o.set("address", a);
            }
        }
        if self.kind == ListenType::Network {
            o.set_opt("network", self.network.as_ref());
        }
        if self.kind == ListenType::Socket {
            o.set_opt("socket", self.socket.as_ref());
        }
        o
    }
}

fn parse_listens(el: &Element, vnc: bool, inactive: bool) -> Result<Vec<GraphicsListen>> {
    let mut listens = Vec::new();
    for (i, l) in el.children_named("listen").enumerate() {
        listens.push(GraphicsListen::parse(l, (i == 0).then_some(el), inactive)?);
    }
    let socket = if vnc { el.attr("socket") } else { None };
    let compat = match socket {
        Some(s) => GraphicsListen {
            kind: ListenType::Socket,
            address: None,
            network: None,
            socket: Some(s.to_string()),
        },
        None => GraphicsListen {
            address: el
                .attr("listen")
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            ..GraphicsListen::default_address()
        },
    };
    match listens.first_mut() {
        None => listens.push(compat),
        Some(first) => {
            if matches!(first.kind, ListenType::Address | ListenType::Network)
                && compat.kind == ListenType::Socket
            {
                *first = compat;
            }
        }
    }
    Ok(listens)
}

/// The legacy `listen=` attribute, from the first listen.
fn legacy_listen_attr(o: &mut Out, first: &GraphicsListen, ctx: &FormatCtx) {
    if first.kind == ListenType::Network && (ctx.inactive || ctx.migratable) {
        return;
    }
    o.set_opt("listen", first.address.as_ref());
}

fn parse_port(el: &Element, what: &str) -> Result<Option<i32>> {
    match el.attr("port") {
        None => Ok(None),
        Some(p) => num::to_ll(p, 10)
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| internal(format!("cannot parse {what} port {p}"))),
    }
}

fn gl_child(el: &Element) -> Result<Option<(bool, Option<String>)>> {
    match el.child("gl") {
        None => Ok(None),
        Some(g) => {
            let rendernode = g.string_attr("rendernode");
            let enable = g
                .yes_no_attr("enable")?
                .ok_or_else(|| xml_error("Missing required attribute 'enable' in element 'gl'"))?;
            Ok(Some((enable, rendernode)))
        }
    }
}

fn required_enum<T: XmlEnum>(parent: &Element, child: &str, attr: &str) -> Result<Option<T>> {
    match parent.child(child) {
        None => Ok(None),
        Some(c) => Ok(Some(c.req_enum_attr::<T>(attr)?)),
    }
}

impl Graphics {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            GraphicsKind::Sdl { .. } => "sdl",
            GraphicsKind::Vnc(_) => "vnc",
            GraphicsKind::Rdp { .. } => "rdp",
            GraphicsKind::Desktop { .. } => "desktop",
            GraphicsKind::Spice(_) => "spice",
            GraphicsKind::EglHeadless { .. } => "egl-headless",
            GraphicsKind::Dbus { .. } => "dbus",
        }
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Graphics> {
        let t = el.req_attr("type")?;
        let inactive = ctx.inactive;
        let mut listens = Vec::new();
        let kind = match t {
            "vnc" => {
                listens = parse_listens(el, true, inactive)?;
                let mut v = Vnc::default();
                match parse_port(el, "vnc")? {
                    Some(p) => {
                        v.port = p;
                        if p == -1 {
                            if inactive {
                                v.port = 0;
                            }
                            v.autoport = true;
                        }
                    }
                    None => v.autoport = true,
                }
                match el.attr("autoport") {
                    Some("yes") => v.autoport = true,
                    Some("no") => v.autoport = false,
                    _ => {}
                }
                if el.attr("autoport").is_some() && v.autoport && inactive {
                    v.port = 0;
                }
                v.websocket = num::int_attr(el, "websocket", 10)?.unwrap_or(0);
                v.websocket_generated = el.attr("websocketGenerated") == Some("yes");
                v.share_policy = match el.attr("sharePolicy") {
                    None | Some("default") => None,
                    Some(_) => el.enum_attr("sharePolicy")?,
                };
                v.power_control = el.yes_no_attr("powerControl")?;
                v.keymap = el.string_attr("keymap");
                v.audio_id = parse_audio_ref(el)?;
                v.auth = GraphicsAuth::parse(el, true)?;
                GraphicsKind::Vnc(v)
            }
            "sdl" => GraphicsKind::Sdl {
                fullscreen: el.yes_no_attr("fullscreen")?.unwrap_or(false),
                xauth: el.string_attr("xauth"),
                display: el.string_attr("display"),
                gl: gl_child(el)?.map(|(e, _)| e),
            },
            "rdp" => {
                listens = parse_listens(el, false, inactive)?;
                let (mut port, mut autoport) = match parse_port(el, "rdp")? {
                    Some(p) => (p, p == -1),
                    None => (0, true),
                };
                if el.attr("autoport") == Some("yes") {
                    autoport = true;
                }
                if autoport && inactive {
                    port = 0;
                }
                GraphicsKind::Rdp {
                    port,
                    autoport,
                    replace_user: el.attr("replaceUser") == Some("yes"),
                    multi_user: el.attr("multiUser") == Some("yes"),
                }
            }
            "desktop" => GraphicsKind::Desktop {
                fullscreen: el.yes_no_attr("fullscreen")?.unwrap_or(false),
                display: el.string_attr("display"),
            },
            "spice" => {
                listens = parse_listens(el, false, inactive)?;
                let mut s = Spice {
                    port: num::int_attr(el, "port", 10)?.unwrap_or(0),
                    tls_port: num::int_attr(el, "tlsPort", 10)?.unwrap_or(0),
                    autoport: el.yes_no_attr("autoport")?.unwrap_or(false),
                    ..Default::default()
                };
                s.default_mode = el
                    .enum_attr::<ChannelMode>("defaultMode")?
                    .filter(|m| *m != ChannelMode::Any);
                if s.port == -1 && s.tls_port == -1 {
                    s.autoport = true;
                }
                if s.autoport && inactive {
                    s.port = 0;
                    s.tls_port = 0;
                }
                s.keymap = el.string_attr("keymap");
                s.auth = GraphicsAuth::parse(el, false)?;
                for c in el.children_named("channel") {
                    let name = c.req_enum_attr::<SpiceChannel>("name")?;
                    let mode = c.req_enum_attr::<ChannelMode>("mode")?;
                    if let Some(i) = SPICE_CHANNELS.iter().position(|n| *n == name) {
                        s.channels[i] = Some(mode);
                    }
                }
                s.image = required_enum(el, "image", "compression")?;
                s.jpeg = required_enum(el, "jpeg", "compression")?;
                s.zlib = required_enum(el, "zlib", "compression")?;
                if let Some(p) = el.child("playback") {
                    s.playback = Some(p.on_off_attr("compression")?.ok_or_else(|| {
                        xml_error("Missing required attribute 'compression' in element 'playback'")
                    })?);
                }
                s.streaming = required_enum(el, "streaming", "mode")?;
                if let Some(c) = el.child("clipboard") {
                    s.copypaste = Some(c.yes_no_attr("copypaste")?.ok_or_else(|| {
                        xml_error("Missing required attribute 'copypaste' in element 'clipboard'")
                    })?);
                }
                if let Some(f) = el.child("filetransfer") {
                    s.filetransfer = Some(f.yes_no_attr("enable")?.ok_or_else(|| {
                        xml_error("Missing required attribute 'enable' in element 'filetransfer'")
                    })?);
                }
                if let Some((enable, rendernode)) = gl_child(el)? {
                    s.gl = Some(enable);
                    s.rendernode = rendernode;
                }
                s.mouse = required_enum(el, "mouse", "mode")?;
                GraphicsKind::Spice(Box::new(s))
            }
            "egl-headless" => GraphicsKind::EglHeadless {
                rendernode: el.child("gl").and_then(|g| g.string_attr("rendernode")),
            },
            "dbus" => {
                let p2p = el.yes_no_attr("p2p")?.unwrap_or(false);
                let address = el.string_attr("address");
                let (gl, rendernode) = match gl_child(el)? {
                    Some((e, r)) => (Some(e), r),
                    None => (None, None),
                };
                GraphicsKind::Dbus {
                    p2p,
                    address,
                    gl,
                    rendernode,
                    audio_id: parse_audio_ref(el)?,
                }
            }
            other => return Err(crate::read::invalid_value(el, "type", other, None)),
        };
        Ok(Graphics { kind, listens })
    }

    /// A SPICE display with an address listen but no ports and no autoport does not
    /// listen at all; libvirt rewrites it to `<listen type='none'/>`.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if let GraphicsKind::Spice(s) = &self.kind {
            if let Some(first) = self.listens.first_mut() {
                if first.kind == ListenType::Address
                    && s.port == 0
                    && s.tls_port == 0
                    && !s.autoport
                {
                    first.address = None;
                    first.kind = ListenType::None;
                }
            }
        }
        Ok(())
    }

    /// Per-device checks libvirt makes when validating a definition.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if let GraphicsKind::Dbus {
            p2p: true,
            address: Some(_),
            ..
        } = &self.kind
        {
            return Err(xml_error("D-Bus p2p with an address is not supported"));
        }
        Ok(())
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("graphics").attr("type", self.type_name());
        let first = self.listens.first();
        match &self.kind {
            GraphicsKind::Vnc(v) => {
                if let Some(l) = first {
                    match l.kind {
                        ListenType::Socket => o.set_opt("socket", l.socket.as_ref()),
                        ListenType::Address | ListenType::Network => {
                            if v.port != 0 && (!v.autoport || !ctx.inactive) {
                                o.set("port", v.port);
                            } else if v.autoport {
                                o.set("port", -1);
                            }
                            o.set("autoport", yes_no(v.autoport));
                            if v.websocket_generated && ctx.inactive {
                                o.set("websocket", -1);
                            } else if v.websocket != 0 {
                                o.set("websocket", v.websocket);
                            }
                            legacy_listen_attr(&mut o, l, ctx);
                        }
                        ListenType::None => {}
                    }
                }
                o.set_opt("keymap", v.keymap.as_ref());
                o.set_opt("sharePolicy", v.share_policy);
                o.set_opt("powerControl", v.power_control.map(yes_no));
                v.auth.write_attrs(&mut o, ctx);
            }
            GraphicsKind::Sdl {
                display,
                xauth,
                fullscreen,
                gl,
            } => {
                o.set_opt("display", display.as_ref());
                o.set_opt("xauth", xauth.as_ref());
                if *fullscreen {
                    o.set("fullscreen", "yes");
                }
                if let Some(g) = gl {
                    o.push(Out::new("gl").attr("enable", yes_no(*g)));
                }
            }
            GraphicsKind::Rdp {
                port,
                autoport,
                replace_user,
                multi_user,
            } => {
                if *port != 0 {
                    o.set("port", port);
                } else if *autoport {
                    o.set("port", 0);
                }
                if *autoport {
                    o.set("autoport", "yes");
                }
                if *replace_user {
                    o.set("replaceUser", "yes");
                }
                if *multi_user {
                    o.set("multiUser", "yes");
                }
                if let Some(l) = first {
                    legacy_listen_attr(&mut o, l, ctx);
                }
            }
            GraphicsKind::Desktop {
                display,
                fullscreen,
            } => {
                o.set_opt("display", display.as_ref());
                if *fullscreen {
                    o.set("fullscreen", "yes");
                }
            }
            GraphicsKind::Spice(s) => {
                if let Some(l) = first {
                    match l.kind {
                        ListenType::Address | ListenType::Network => {
                            if s.port != 0 {
                                o.set("port", s.port);
                            }
                            if s.tls_port != 0 {
                                o.set("tlsPort", s.tls_port);
                            }
                            o.set("autoport", yes_no(s.autoport));
                            legacy_listen_attr(&mut o, l, ctx);
                        }
                        ListenType::None if ctx.migratable => o.set("autoport", "no"),
                        _ => {}
                    }
                }
                o.set_opt("keymap", s.keymap.as_ref());
                o.set_opt("defaultMode", s.default_mode);
                s.auth.write_attrs(&mut o, ctx);
            }
            GraphicsKind::EglHeadless { rendernode } => {
                if let Some(r) = rendernode {
                    o.push(Out::new("gl").attr("rendernode", r));
                }
            }
            GraphicsKind::Dbus {
                p2p,
                address,
                gl,
                rendernode,
                audio_id,
            } => {
                if *p2p {
                    o.set("p2p", "yes");
                }
                o.set_opt("address", address.as_ref());
                if let Some(g) = gl {
                    o.push(
                        Out::new("gl")
                            .attr("enable", yes_no(*g))
                            .attr_opt("rendernode", rendernode.as_ref()),
                    );
                }
                if let Some(id) = audio_id {
                    o.push(Out::new("audio").attr("id", id));
                }
            }
        }
        let is_vnc = matches!(self.kind, GraphicsKind::Vnc(_));
        let is_spice = matches!(self.kind, GraphicsKind::Spice(_));
        for l in &self.listens {
            if ctx.migratable
                && ((is_vnc && l.kind == ListenType::Socket && l.socket.is_some())
                    || (is_spice && l.kind == ListenType::None))
            {
                continue;
            }
            o.push(l.format(ctx));
        }
        match &self.kind {
            GraphicsKind::Spice(s) => {
                for (name, mode) in SPICE_CHANNELS.iter().zip(s.channels.iter()) {
                    if let Some(m) = mode.filter(|m| *m != ChannelMode::Any) {
                        o.push(Out::new("channel").attr("name", name).attr("mode", m));
                    }
                }
                if let Some(v) = s.image {
                    o.push(Out::new("image").attr("compression", v));
                }
                if let Some(v) = s.jpeg {
                    o.push(Out::new("jpeg").attr("compression", v));
                }
                if let Some(v) = s.zlib {
                    o.push(Out::new("zlib").attr("compression", v));
                }
                if let Some(v) = s.playback {
                    o.push(Out::new("playback").attr("compression", on_off(v)));
                }
                if let Some(v) = s.streaming {
                    o.push(Out::new("streaming").attr("mode", v));
                }
                if let Some(v) = s.mouse {
                    o.push(Out::new("mouse").attr("mode", v));
                }
                if let Some(v) = s.copypaste {
                    o.push(Out::new("clipboard").attr("copypaste", yes_no(v)));
                }
                if let Some(v) = s.filetransfer {
                    o.push(Out::new("filetransfer").attr("enable", yes_no(v)));
                }
                if let Some(g) = s.gl {
                    o.push(
                        Out::new("gl")
                            .attr("enable", yes_no(g))
                            .attr_opt("rendernode", s.rendernode.as_ref()),
                    );
                }
            }
            GraphicsKind::Vnc(v) => {
                if let Some(id) = v.audio_id {
                    o.push(Out::new("audio").attr("id", id));
                }
                o = o.keep_open();
            }
            _ => {}
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(x: &str) -> Result<Graphics> {
        Graphics::parse(
            &parse_document(x, "domain_definition").expect("well-formed"),
            &ParseCtx { inactive: true },
        )
    }

    fn fmt(x: &str) -> String {
        let mut g = parse(x).expect("parses");
        g.post_parse(&DomainEnv::default()).expect("pp");
        g.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn vnc_defaults_and_listen_synthesis() {
        assert_eq!(
            fmt("<graphics type='vnc'/>"),
            "<graphics type='vnc' port='-1' autoport='yes'>\n  <listen type='address'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='vnc' port='5910' autoport='no' listen='127.0.0.1'/>"),
            "<graphics type='vnc' port='5910' autoport='no' listen='127.0.0.1'>\n  <listen type='address' address='127.0.0.1'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='vnc' port='-1' autoport='no'/>"),
            "<graphics type='vnc' autoport='no'>\n  <listen type='address'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='vnc' socket='/s'><listen type='address' address='1.2.3.5'/></graphics>"),
            "<graphics type='vnc' socket='/s'>\n  <listen type='socket' socket='/s'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='vnc' listen='1.2.3.4'><listen type='network' network='n' address='9.9.9.9'/></graphics>"),
            "<graphics type='vnc' port='-1' autoport='yes'>\n  <listen type='network' network='n'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='vnc'><listen type='none'/></graphics>"),
            "<graphics type='vnc'>\n  <listen type='none'/>\n</graphics>\n"
        );
    }

    #[test]
    fn passwd_only_when_secure() {
        let g = parse("<graphics type='vnc' port='5920' autoport='no' passwd='s3cr3t' passwdValidTo='2030-1-1T0:0:0' connected='keep'/>").expect("ok");
        let plain = g
            .format(&FormatCtx {
                inactive: true,
                ..Default::default()
            })
            .render(0);
        assert!(
            plain.contains("autoport='no' passwdValidTo='2030-01-01T00:00:00' connected='keep'>"),
            "{plain}"
        );
        assert!(!plain.contains("passwd='"), "{plain}");
        let secure = g
            .format(&FormatCtx {
                inactive: true,
                secure: true,
                ..Default::default()
            })
            .render(0);
        assert!(
            secure.contains("passwd='s3cr3t' passwdValidTo="),
            "{secure}"
        );
        assert_eq!(
            format_valid_to(parse_valid_to("2010-1-2T3:4:5").expect("ok")),
            "2010-01-02T03:04:05"
        );
        assert_eq!(parse_valid_to("2020-13-01T00:00:00"), Some(0));
    }

    #[test]
    fn spice_post_parse_and_order() {
        assert_eq!(
            fmt("<graphics type='spice'/>"),
            "<graphics type='spice'>\n  <listen type='none'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='spice' autoport='yes' passwd='p' keymap='en-us' connected='disconnect'><clipboard copypaste='no'/><mouse mode='client'/><channel name='display' mode='any'/><channel name='main' mode='secure'/></graphics>"),
            "<graphics type='spice' autoport='yes' keymap='en-us' connected='disconnect'>\n  <listen type='address'/>\n  <channel name='main' mode='secure'/>\n  <mouse mode='client'/>\n  <clipboard copypaste='no'/>\n</graphics>\n"
        );
        assert_eq!(
            fmt("<graphics type='spice' port='-1' tlsPort='-1'/>"),
            "<graphics type='spice' autoport='yes'>\n  <listen type='address'/>\n</graphics>\n"
        );
    }

    #[test]
    fn other_types() {
        assert_eq!(
            fmt("<graphics type='rdp' port='3389' autoport='no' replaceUser='yes' multiUser='yes' listen='0.0.0.0'/>"),
            "<graphics type='rdp' port='3389' replaceUser='yes' multiUser='yes' listen='0.0.0.0'>\n  <listen type='address' address='0.0.0.0'/>\n</graphics>\n"
        );
        assert_eq!(fmt("<graphics type='rdp'/>"), "<graphics type='rdp' port='0' autoport='yes'>\n  <listen type='address'/>\n</graphics>\n");
        assert_eq!(
            fmt("<graphics type='desktop' display=':0' fullscreen='no'/>"),
            "<graphics type='desktop' display=':0'/>\n"
        );
        assert_eq!(
            fmt("<graphics type='egl-headless'/>"),
            "<graphics type='egl-headless'/>\n"
        );
        assert_eq!(
            fmt("<graphics type='dbus' address='unix:path=/tmp/dbus.sock' p2p='no'><gl enable='yes' rendernode='/dev/dri/renderD129'/><audio id='1'/></graphics>"),
            "<graphics type='dbus' address='unix:path=/tmp/dbus.sock'>\n  <gl enable='yes' rendernode='/dev/dri/renderD129'/>\n  <audio id='1'/>\n</graphics>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<graphics type='x11'/>", "XML error: Invalid value for attribute 'type' in element 'graphics': 'x11'."),
            ("<graphics/>", "XML error: Missing required attribute 'type' in element 'graphics'"),
            ("<graphics type='vnc' port='notaport'/>", "internal error: cannot parse vnc port notaport"),
            ("<graphics type='rdp' port='x'/>", "internal error: cannot parse rdp port x"),
            ("<graphics type='vnc' websocket='x'/>", "XML error: Invalid value for attribute 'websocket' in element 'graphics': 'x'. Expected integer value"),
            ("<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='1.2.3.5'/></graphics>", "unsupported configuration: graphics 'listen' attribute '1.2.3.4' must match 'address' attribute of first listen element (found '1.2.3.5')"),
            ("<graphics type='vnc'><listen/></graphics>", "XML error: Missing required attribute 'type' in element 'listen'"),
            ("<graphics type='vnc'><listen type='address' network='x'/></graphics>", "XML error: 'network' attribute is valid only for listen type 'network'"),
            ("<graphics type='vnc' passwd='x' connected='disconnect'/>", "unsupported configuration: VNC supports connected='keep' only"),
            ("<graphics type='vnc' passwd='x' passwdValidTo='bad'/>", "internal error: cannot parse password validity time 'bad', expect YYYY-MM-DDTHH:MM:SS"),
            ("<graphics type='spice' passwd='p' connected='default'/>", "unsupported configuration: unknown connected value default"),
            ("<graphics type='spice' autoport='x'/>", "XML error: Invalid value for attribute 'autoport' in element 'graphics': 'x'."),
            ("<graphics type='spice'><channel name='main'/></graphics>", "XML error: Missing required attribute 'mode' in element 'channel'"),
            ("<graphics type='spice'><image compression='default'/></graphics>", "XML error: Invalid value for attribute 'compression' in element 'image': 'default'."),
            ("<graphics type='sdl'><gl/></graphics>", "XML error: Missing required attribute 'enable' in element 'gl'"),
            ("<graphics type='dbus'><audio id='0'/></graphics>", "XML error: Invalid value for attribute 'id' in element 'audio': Zero is not permitted"),
        ];
        for (x, m) in cases {
            assert_eq!(parse(x).expect_err(x).message, m);
        }
    }
}
