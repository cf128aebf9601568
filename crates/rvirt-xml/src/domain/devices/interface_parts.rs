//! Sub-elements of `<interface>`: the per-type `<source>`, the host device behind
//! `type='hostdev'`, the virtio `<driver>`, `<backend>`, `<filterref>`, `<portForward>`,
//! `<teaming>` and `<coalesce>`.

pub use super::chr_source::Reconnect;
pub use super::interface_hostdev::{
    HostdevDriver, NetHostdev, NetHostdevSource, StartupPolicy, UsbGuestReset,
};
use super::netdev::{format_ip, nonempty_attr, parse_ip};
use super::virtio::VirtioOptions;
use crate::error::{unsupported, xml_error};
use crate::num;
use crate::paths::sanitize_path;
use crate::read::invalid_value;
use crate::tree::Element;
use crate::uuids::parse_uuid;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use crate::ElementExt;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::collections::BTreeMap;
use std::net::IpAddr;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// per-type <source>

xml_enum! {
    /// `<source mode=...>` of a macvtap (`type='direct'`) interface.
    pub enum MacvlanMode { Vepa = "vepa", Private = "private", Bridge = "bridge", Passthrough = "passthrough" }
}

xml_enum! {
    /// Which side of a vhost-user socket listens.
    pub enum VhostUserMode { Server = "server", Client = "client" }
}

/// The endpoint of a socket-type interface (server, client, mcast, udp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketSource {
    /// Optional only for `server`.
    pub address: Option<String>,
    pub port: i32,
    /// `<local address= port=>`, for `udp` only.
    pub local: Option<(String, i32)>,
}

/// An interface's connection to the host, one variant per `type=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetSource {
    User,
    Ethernet,
    VhostUser {
        path: String,
        mode: VhostUserMode,
        reconnect: Option<Reconnect>,
    },
    Server(SocketSource),
    Client(SocketSource),
    Mcast(SocketSource),
    Udp(SocketSource),
    Network {
        network: String,
        portgroup: Option<String>,
        /// Runtime only: dropped on inactive parse and inactive format.
        portid: Option<Uuid>,
    },
    Bridge {
        bridge: String,
    },
    Internal {
        name: String,
    },
    Direct {
        dev: String,
        mode: MacvlanMode,
    },
    Hostdev(NetHostdev),
    Vdpa {
        dev: String,
    },
    Null,
    Vds {
        switch_id: Uuid,
        port_id: i64,
        portgroup_id: String,
        connection_id: i64,
    },
}

impl NetSource {
    /// The `type=` spelling.
    pub fn type_name(&self) -> &'static str {
        match self {
            NetSource::User => "user",
            NetSource::Ethernet => "ethernet",
            NetSource::VhostUser { .. } => "vhostuser",
            NetSource::Server(_) => "server",
            NetSource::Client(_) => "client",
            NetSource::Mcast(_) => "mcast",
            NetSource::Udp(_) => "udp",
            NetSource::Network { .. } => "network",
            NetSource::Bridge { .. } => "bridge",
            NetSource::Internal { .. } => "internal",
            NetSource::Direct { .. } => "direct",
            NetSource::Hostdev(_) => "hostdev",
            NetSource::Vdpa { .. } => "vdpa",
            NetSource::Null => "null",
            NetSource::Vds { .. } => "vds",
        }
    }

    /// Reads the source for `type_name` from the interface element.
    pub fn parse(type_name: &str, iface: &Element, inactive: bool) -> Result<NetSource> {
        let src = iface.child("source");
        let need = || {
            src.ok_or_else(|| {
                xml_error(format!(
                    "interface type='{type_name}' requires a 'source' element"
                ))
            })
        };
        let req_str =
            |s: &Element, name: &str| -> Result<String> { Ok(s.req_attr(name)?.to_string()) };
        Ok(match type_name {
            "user" => NetSource::User,
            "ethernet" => NetSource::Ethernet,
            "null" => NetSource::Null,
            "network" => {
                let s = need()?;
                let network = req_str(s, "network")?;
                let portgroup = s.string_attr("portgroup");
                let portid =
                    if inactive {
                        None
                    } else {
                        match s.attr("portid") {
                            None => None,
                            Some(v) => Some(parse_uuid(v).ok_or_else(|| {
                                invalid_value(s, "portid", v, Some("Expected UUID"))
                            })?),
                        }
                    };
                NetSource::Network {
                    network,
                    portgroup,
                    portid,
                }
            }
            "vds" => {
                let s = need()?;
                let sw = s.req_attr("switchid")?;
                let switch_id = parse_uuid(sw)
                    .ok_or_else(|| invalid_value(s, "switchid", sw, Some("Expected UUID")))?;
                let port_id = num::required(s, "portid", num::llong_attr(s, "portid", 0)?)?;
                let portgroup_id = req_str(s, "portgroupid")?;
                let connection_id =
                    num::required(s, "connectionid", num::llong_attr(s, "connectionid", 0)?)?;
                NetSource::Vds {
                    switch_id,
                    port_id,
                    portgroup_id,
                    connection_id,
                }
            }
            "internal" => NetSource::Internal {
                name: req_str(need()?, "name")?,
            },
            "bridge" => NetSource::Bridge {
                bridge: req_str(need()?, "bridge")?,
            },
            "direct" => {
                let s = need()?;
                NetSource::Direct {
                    dev: req_str(s, "dev")?,
                    mode: s.enum_attr("mode")?.unwrap_or(MacvlanMode::Vepa),
                }
            }
            "vhostuser" => {
                let s = need()?;
                let t = s.req_attr("type")?;
                if t != "unix" {
                    return Err(unsupported(format!(
                        "Type='{t}' unsupported for <interface type='vhostuser'>"
                    )));
                }
                let path = req_str(s, "path")?;
                let mode = s.req_enum_attr::<VhostUserMode>("mode")?;
                NetSource::VhostUser {
                    path,
                    mode,
                    reconnect: Reconnect::parse_child(s)?,
                }
            }
            "vdpa" => NetSource::Vdpa {
                dev: req_str(need()?, "dev")?,
            },
            "server" | "client" | "mcast" | "udp" => {
                let s = need()?;
                let address = if type_name == "server" {
                    s.string_attr("address")
                } else {
                    Some(req_str(s, "address")?)
                };
                let port = num::required(s, "port", num::int_attr(s, "port", 10)?)?;
                let mut sock = SocketSource {
                    address,
                    port,
                    local: None,
                };
                match type_name {
                    "server" => NetSource::Server(sock),
                    "client" => NetSource::Client(sock),
                    "mcast" => NetSource::Mcast(sock),
                    _ => {
                        let l = s.child("local").ok_or_else(|| {
                            xml_error("'<local>' element missing for 'udp' socket interface")
                        })?;
                        let la = req_str(l, "address")?;
                        let lp = num::required(l, "port", num::int_attr(l, "port", 10)?)?;
                        sock.local = Some((la, lp));
                        NetSource::Udp(sock)
                    }
                }
            }
            "hostdev" => NetSource::Hostdev(NetHostdev::parse(iface)?),
            other => {
                return Err(invalid_value(iface, "type", other, None));
            }
        })
    }

    /// Fills a `<source>` element being built (attributes and type-specific children).
    /// Hostdev sources are printed separately by [`NetHostdev::format_into`].
    pub fn write_source(&self, s: &mut Out, inactive: bool) {
        match self {
            NetSource::Network {
                network,
                portgroup,
                portid,
            } => {
                s.set("network", network);
                s.set_opt("portgroup", portgroup.as_ref());
                if !inactive {
                    s.set_opt("portid", portid.map(|u| u.hyphenated()));
                }
            }
            NetSource::VhostUser {
                path,
                mode,
                reconnect,
            } => {
                s.set("type", "unix");
                s.set("path", path);
                s.set("mode", mode);
                s.push_opt(reconnect.and_then(|r| r.format()));
            }
            NetSource::Bridge { bridge } => s.set("bridge", bridge),
            NetSource::Server(k)
            | NetSource::Client(k)
            | NetSource::Mcast(k)
            | NetSource::Udp(k) => {
                s.set_opt("address", k.address.as_ref());
                s.set("port", k.port);
                if let Some((a, p)) = &k.local {
                    s.push(Out::new("local").attr("address", a).attr("port", p));
                }
            }
            NetSource::Internal { name } => s.set("name", name),
            NetSource::Direct { dev, mode } => {
                s.set("dev", dev);
                s.set("mode", mode);
            }
            NetSource::Vdpa { dev } => s.set("dev", dev),
            NetSource::Vds {
                switch_id,
                port_id,
                portgroup_id,
                connection_id,
            } => {
                s.set("switchid", switch_id.hyphenated());
                s.set("portid", port_id);
                s.set("portgroupid", portgroup_id);
                s.set("connectionid", connection_id);
            }
            NetSource::User | NetSource::Ethernet | NetSource::Null | NetSource::Hostdev(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// <model> and virtio <driver>

xml_enum! {
    /// NIC models libvirt knows by name (any other `[A-Za-z0-9_-]+` name is kept as given).
    pub enum NetModelKind {
        Netfront = "netfront",
        Rtl8139 = "rtl8139",
        Virtio = "virtio",
        E1000 = "e1000",
        E1000e = "e1000e",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
        UsbNet = "usb-net",
        SpaprVlan = "spapr-vlan",
        Lan9118 = "lan9118",
        Scm91c111 = "scm91c111",
        Vlance = "vlance",
        Vmxnet = "vmxnet",
        Vmxnet2 = "vmxnet2",
        Vmxnet3 = "vmxnet3",
        Am79C970A = "Am79C970A",
        Am79C973 = "Am79C973",
        I82540EM = "82540EM",
        I82545EM = "82545EM",
        I82543GC = "82543GC",
    }
}

const NET_MODEL_KINDS: [NetModelKind; 20] = [
    NetModelKind::Netfront,
    NetModelKind::Rtl8139,
    NetModelKind::Virtio,
    NetModelKind::E1000,
    NetModelKind::E1000e,
    NetModelKind::VirtioTransitional,
    NetModelKind::VirtioNonTransitional,
    NetModelKind::UsbNet,
    NetModelKind::SpaprVlan,
    NetModelKind::Lan9118,
    NetModelKind::Scm91c111,
    NetModelKind::Vlance,
    NetModelKind::Vmxnet,
    NetModelKind::Vmxnet2,
    NetModelKind::Vmxnet3,
    NetModelKind::Am79C970A,
    NetModelKind::Am79C973,
    NetModelKind::I82540EM,
    NetModelKind::I82545EM,
    NetModelKind::I82543GC,
];

/// `<model type=...>`: a known model, or a hypervisor-specific name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetModel {
    Known(NetModelKind),
    Other(String),
}

impl NetModel {
    /// Known names match case-insensitively (and print in libvirt's spelling); `unknown`
    /// means no model. Other names must be `[A-Za-z0-9_-]+`.
    pub fn parse(s: &str) -> Result<Option<NetModel>> {
        if s.eq_ignore_ascii_case("unknown") {
            return Ok(None);
        }
        use crate::XmlEnum;
        if let Some(k) = NET_MODEL_KINDS
            .iter()
            .find(|k| k.as_xml().eq_ignore_ascii_case(s))
        {
            return Ok(Some(NetModel::Known(*k)));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::INVALID_ARG,
                Some("Model name contains invalid characters".to_string()),
            ));
        }
        Ok(Some(NetModel::Other(s.to_string())))
    }

    pub fn name(&self) -> &str {
        use crate::XmlEnum;
        match self {
            NetModel::Known(k) => k.as_xml(),
            NetModel::Other(s) => s,
        }
    }

    pub fn is_virtio(&self) -> bool {
        matches!(
            self,
            NetModel::Known(
                NetModelKind::Virtio
                    | NetModelKind::VirtioTransitional
                    | NetModelKind::VirtioNonTransitional
            )
        )
    }
}

xml_enum! {
    /// Backend of a virtio NIC.
    pub enum NetDriverName { Qemu = "qemu", Vhost = "vhost" }
}

xml_enum! {
    /// When a userspace virtio-net transmits.
    pub enum TxMode { Iothread = "iothread", Timer = "timer" }
}

/// Host-side offloads (`<driver><host .../>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct HostOffloads {
    pub csum: Option<bool>,
    pub gso: Option<bool>,
    pub tso4: Option<bool>,
    pub tso6: Option<bool>,
    pub ecn: Option<bool>,
    pub ufo: Option<bool>,
    pub mrg_rxbuf: Option<bool>,
}

/// Guest-side offloads (`<driver><guest .../>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GuestOffloads {
    pub csum: Option<bool>,
    pub tso4: Option<bool>,
    pub tso6: Option<bool>,
    pub ecn: Option<bool>,
    pub ufo: Option<bool>,
}

/// virtio-net tuning from `<driver>`; libvirt reads (and prints) it only for virtio models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VirtioNetDriver {
    pub name: Option<NetDriverName>,
    pub txmode: Option<TxMode>,
    pub ioeventfd: Option<bool>,
    pub event_idx: Option<bool>,
    /// One queue is the default and is stored as unset.
    pub queues: Option<u32>,
    pub rx_queue_size: Option<u32>,
    pub tx_queue_size: Option<u32>,
    pub rss: Option<bool>,
    pub rss_hash_report: Option<bool>,
    pub host: HostOffloads,
    pub guest: GuestOffloads,
}

impl VirtioNetDriver {
    pub fn parse(d: &Element) -> Result<VirtioNetDriver> {
        let mut v = VirtioNetDriver {
            name: d.enum_attr("name")?,
            txmode: d.enum_attr("txmode")?,
            ioeventfd: d.on_off_attr("ioeventfd")?,
            event_idx: d.on_off_attr("event_idx")?,
            queues: num::uint_attr(d, "queues", 10, false)?.filter(|q| *q != 0 && *q != 1),
            rx_queue_size: num::uint_attr(d, "rx_queue_size", 10, false)?.filter(|q| *q != 0),
            tx_queue_size: num::uint_attr(d, "tx_queue_size", 10, false)?.filter(|q| *q != 0),
            rss: d.on_off_attr("rss")?,
            rss_hash_report: d.on_off_attr("rss_hash_report")?,
            ..Default::default()
        };
        if let Some(h) = d.child("host") {
            v.host = HostOffloads {
                csum: h.on_off_attr("csum")?,
                gso: h.on_off_attr("gso")?,
                tso4: h.on_off_attr("tso4")?,
                tso6: h.on_off_attr("tso6")?,
                ecn: h.on_off_attr("ecn")?,
                ufo: h.on_off_attr("ufo")?,
                mrg_rxbuf: h.on_off_attr("mrg_rxbuf")?,
            };
        }
        if let Some(g) = d.child("guest") {
            v.guest = GuestOffloads {
                csum: g.on_off_attr("csum")?,
                tso4: g.on_off_attr("tso4")?,
                tso6: g.on_off_attr("tso6")?,
                ecn: g.on_off_attr("ecn")?,
                ufo: g.on_off_attr("ufo")?,
            };
        }
        Ok(v)
    }

    /// The `<driver>` element, or `None` when nothing would be printed.
    pub fn format(&self, virtio: &VirtioOptions) -> Option<Out> {
        let mut d = Out::new("driver")
            .attr_opt("name", self.name)
            .attr_opt("txmode", self.txmode)
            .attr_opt("ioeventfd", self.ioeventfd.map(on_off))
            .attr_opt("event_idx", self.event_idx.map(on_off))
            .attr_opt("queues", self.queues)
            .attr_opt("rx_queue_size", self.rx_queue_size)
            .attr_opt("tx_queue_size", self.tx_queue_size)
            .attr_opt("rss", self.rss.map(on_off))
            .attr_opt("rss_hash_report", self.rss_hash_report.map(on_off));
        virtio.write_attrs(&mut d);
        let h = &self.host;
        d.push_nonempty(
            Out::new("host")
                .attr_opt("csum", h.csum.map(on_off))
                .attr_opt("gso", h.gso.map(on_off))
                .attr_opt("tso4", h.tso4.map(on_off))
                .attr_opt("tso6", h.tso6.map(on_off))
                .attr_opt("ecn", h.ecn.map(on_off))
                .attr_opt("ufo", h.ufo.map(on_off))
                .attr_opt("mrg_rxbuf", h.mrg_rxbuf.map(on_off)),
        );
        let g = &self.guest;
        d.push_nonempty(
            Out::new("guest")
                .attr_opt("csum", g.csum.map(on_off))
                .attr_opt("tso4", g.tso4.map(on_off))
                .attr_opt("tso6", g.tso6.map(on_off))
                .attr_opt("ecn", g.ecn.map(on_off))
                .attr_opt("ufo", g.ufo.map(on_off)),
        );
        (!d.is_empty()).then_some(d)
    }
}

// ---------------------------------------------------------------------------------------
// <backend>

/// `<backend>`: host device nodes to use instead of the defaults, and a log file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetBackend {
    pub tap: Option<String>,
    /// Kept only for virtio models on non-hostdev interfaces.
    pub vhost: Option<String>,
    pub log_file: Option<String>,
}

impl NetBackend {
    pub fn parse(b: &Element, keep_vhost: bool) -> Result<NetBackend> {
        // libvirt 9.0 knows no backend type besides the default, so any value is refused.
        if let Some(t) = b.attr("type") {
            return Err(invalid_value(b, "type", t, None));
        }
        Ok(NetBackend {
            tap: b.attr("tap").map(sanitize_path),
            vhost: if keep_vhost {
                b.attr("vhost").map(sanitize_path)
            } else {
                None
            },
            log_file: b.string_attr("logFile"),
        })
    }

    pub fn format(&self) -> Out {
        Out::new("backend")
            .attr_opt("tap", self.tap.as_ref())
            .attr_opt("vhost", self.vhost.as_ref())
            .attr_opt("logFile", self.log_file.as_ref())
    }
}

// ---------------------------------------------------------------------------------------
// <filterref>

/// `<filterref>`: an nwfilter with its variables. Parameters are grouped by name and
/// printed sorted by name, each name's values in document order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FilterRef {
    pub filter: String,
    pub params: BTreeMap<String, Vec<String>>,
}

fn valid_var_name(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn valid_var_value(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':')
}

impl FilterRef {
    /// `None` without a `filter` attribute. Parameters with an invalid name or value are
    /// skipped silently, as libvirt does.
    pub fn parse(el: &Element) -> Option<FilterRef> {
        let filter = el.string_attr("filter")?;
        let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in el.children_named("parameter") {
            let (Some(n), Some(v)) = (p.attr("name"), p.attr("value")) else {
                continue;
            };
            if !valid_var_name(n) || !valid_var_value(v) {
                continue;
            }
            params.entry(n.to_string()).or_default().push(v.to_string());
        }
        Some(FilterRef { filter, params })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("filterref").attr("filter", &self.filter);
        for (n, vals) in &self.params {
            for v in vals {
                o.push(Out::new("parameter").attr("name", n).attr("value", v));
            }
        }
        o
    }
}

// ---------------------------------------------------------------------------------------
// <portForward>

xml_enum! {
    /// Protocol of a forwarded port range.
    pub enum PortForwardProto { Tcp = "tcp", Udp = "udp" }
}

/// `<range>` of a `<portForward>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PortForwardRange {
    pub start: Option<u32>,
    pub end: Option<u32>,
    pub to: Option<u32>,
    pub exclude: Option<bool>,
}

/// `<portForward>` of a user-mode (passt) interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortForward {
    pub proto: PortForwardProto,
    pub address: Option<IpAddr>,
    pub dev: Option<String>,
    pub ranges: Vec<PortForwardRange>,
}

impl PortForward {
    pub fn parse(el: &Element) -> Result<PortForward> {
        let proto = el.req_enum_attr::<PortForwardProto>("proto")?;
        let address = match el.attr("address") {
            None => None,
            Some(a) => Some(
                parse_ip(a, None)
                    .ok_or_else(|| xml_error(format!("Invalid address '{a}' in <portForward>")))?,
            ),
        };
        let dev = el.string_attr("dev");
        let mut ranges = Vec::new();
        for r in el.children_named("range") {
            ranges.push(PortForwardRange {
                start: num::uint_attr(r, "start", 10, true)?,
                end: num::uint_attr(r, "end", 10, true)?,
                to: num::uint_attr(r, "to", 10, true)?,
                exclude: r.yes_no_attr("exclude")?,
            });
        }
        Ok(PortForward {
            proto,
            address,
            dev,
            ranges,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("portForward")
            .attr("proto", self.proto)
            .attr_opt("address", self.address.as_ref().map(format_ip))
            .attr_opt("dev", self.dev.as_ref());
        for r in &self.ranges {
            let mut ro = Out::new("range");
            if let Some(s) = r.start {
                ro.set("start", s);
                ro.set_opt("end", r.end);
                ro.set_opt("to", r.to);
            }
            ro.set_opt("exclude", r.exclude.map(yes_no));
            o.push_nonempty(ro);
        }
        o
    }
}

// ---------------------------------------------------------------------------------------
// <teaming>, <coalesce>

xml_enum! {
    /// Role of an interface in a failover team.
    pub enum TeamingType { Persistent = "persistent", Transient = "transient" }
}

/// `<teaming type= [persistent=]>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Teaming {
    pub kind: TeamingType,
    /// Alias of the persistent partner (for transient members).
    pub persistent: Option<String>,
}

impl Teaming {
    pub fn parse(iface: &Element) -> Result<Option<Teaming>> {
        let Some(t) = iface.child("teaming") else {
            return Ok(None);
        };
        let kind_s = nonempty_attr(t, "type");
        let persistent = nonempty_attr(t, "persistent");
        if kind_s.is_none() && persistent.is_none() {
            return Ok(None);
        }
        use crate::XmlEnum;
        let kind = kind_s
            .as_deref()
            .and_then(TeamingType::from_xml)
            .ok_or_else(|| {
                unsupported(format!(
                    "unknown teaming type '{}'",
                    kind_s.as_deref().unwrap_or("(null)")
                ))
            })?;
        Ok(Some(Teaming { kind, persistent }))
    }

    pub fn format(&self) -> Out {
        Out::new("teaming")
            .attr("type", self.kind)
            .attr_opt("persistent", self.persistent.as_ref())
    }
}

/// Reads `<coalesce><rx><frames max=.../></rx></coalesce>`; `None` when not given.
pub fn parse_coalesce(el: &Element) -> Result<Option<u32>> {
    let Some(v) = el
        .child("rx")
        .and_then(|r| r.child("frames"))
        .and_then(|f| nonempty_attr(f, "max"))
    else {
        return Ok(None);
    };
    let n = num::to_ullp(&v, 10).ok_or_else(|| {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::XML_DETAIL,
            Some(format!("cannot parse value '{v}' for coalesce parameter")),
        )
    })?;
    let n = u32::try_from(n).map_err(|_| {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::OVERFLOW,
            Some(format!(
                "value '{n}' is too big for coalesce parameter, maximum is '{}'",
                u32::MAX
            )),
        )
    })?;
    Ok(Some(n))
}

/// Prints `<coalesce>` for a nonzero frame count.
pub fn format_coalesce(frames: Option<u32>) -> Option<Out> {
    let f = frames.filter(|f| *f != 0)?;
    let mut rx = Out::new("rx");
    rx.push(Out::new("frames").attr("max", f));
    let mut c = Out::new("coalesce");
    c.push(rx);
    Some(c)
}
