//! `<interface>`: a guest NIC of any type (network, bridge, direct, user, ethernet,
//! vhostuser, socket types, hostdev, vdpa, internal, null, vds).
//!
//! Parsing follows libvirt 9.0's order of checks so the first error reported is the same;
//! a missing MAC is generated at parse time (libvirt does it there too, before post-parse).

use super::interface_parts::{
    format_coalesce, parse_coalesce, FilterRef, NetBackend, NetModel, NetSource, PortForward,
    Teaming, VirtioNetDriver,
};
pub use super::interface_parts::{
    HostdevDriver, MacvlanMode, NetHostdev, NetHostdevSource, NetModelKind, Reconnect,
    SocketSource, VhostUserMode,
};
use super::netdev::{
    format_port_isolated, nonempty_attr, parse_port_isolated, Bandwidth, NetIpInfo, VirtualPort,
    VirtualPortFlags, Vlan,
};
use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::mac::MacAddr;
use crate::num;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::ElementExt;
use rvirt_core::Result;

xml_enum! {
    /// Whether the MAC was generated or chosen (`<mac type=...>`).
    pub enum MacType { Generated = "generated", Static = "static" }
}

xml_enum! {
    /// `<link state=...>`.
    pub enum LinkState { Up = "up", Down = "down" }
}

/// Prefixes of host device names libvirt generates itself; such names are not part of
/// a persistent definition.
pub const GENERATED_IFNAME_PREFIXES: [&str; 3] = ["vnet", "macvtap", "macvlan"];

/// A guest network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub mac: MacAddr,
    /// True when no `<mac address>` was given and one was generated.
    pub mac_generated: bool,
    pub mac_type: Option<MacType>,
    pub mac_check: Option<bool>,
    pub trust_guest_rx_filters: Option<bool>,
    /// The type and its host-side connection.
    pub source: NetSource,
    /// Host-side `<ip>`/`<route>` inside `<source>`.
    pub host_ip: NetIpInfo,
    pub vlan: Option<Vlan>,
    pub virtualport: Option<VirtualPort>,
    pub bandwidth: Option<Bandwidth>,
    pub port_isolated: Option<bool>,
    /// Guest-side `<ip>`/`<route>`.
    pub guest_ip: NetIpInfo,
    pub port_forwards: Vec<PortForward>,
    pub script: Option<String>,
    pub downscript: Option<String>,
    pub backend_domain: Option<String>,
    /// `<target dev=...>`, the host-side device name.
    pub target_dev: Option<String>,
    /// `<target managed=...>`: whether libvirt creates the tap device.
    pub target_managed: Option<bool>,
    pub guest_dev: Option<String>,
    pub guest_actual: Option<String>,
    pub model: Option<NetModel>,
    /// virtio-net `<driver>` settings (only read for virtio models).
    pub driver: VirtioNetDriver,
    pub virtio: VirtioOptions,
    pub backend: NetBackend,
    pub filterref: Option<FilterRef>,
    pub sndbuf: Option<u64>,
    pub teaming: Option<Teaming>,
    pub link_state: Option<LinkState>,
    /// Zero is unset.
    pub mtu: Option<u32>,
    /// `<coalesce><rx><frames max=>`.
    pub coalesce_rx_frames: Option<u32>,
    pub info: DeviceInfo,
}

fn is_generated_ifname(name: &str) -> bool {
    GENERATED_IFNAME_PREFIXES
        .iter()
        .any(|p| name.starts_with(p))
}

impl Interface {
    /// The `type=` attribute value.
    pub fn type_name(&self) -> &'static str {
        self.source.type_name()
    }

    pub fn is_virtio_model(&self) -> bool {
        self.model.as_ref().is_some_and(NetModel::is_virtio)
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Interface> {
        let type_name = match el.attr("type") {
            None => "user",
            Some(t) => match t {
                "user" | "ethernet" | "vhostuser" | "server" | "client" | "mcast" | "network"
                | "bridge" | "internal" | "direct" | "hostdev" | "udp" | "vdpa" | "null"
                | "vds" => t,
                other => return Err(crate::read::invalid_value(el, "type", other, None)),
            },
        };
        let trust_guest_rx_filters = el.yes_no_attr("trustGuestRxFilters")?;
        let model = match el.child("model").and_then(|m| nonempty_attr(m, "type")) {
            None => None,
            Some(m) => NetModel::parse(&m)?,
        };
        let host_ip = match el.child("source") {
            Some(s) => NetIpInfo::parse(s, "interface host IP")?,
            None => NetIpInfo::default(),
        };
        let source = NetSource::parse(type_name, el, ctx.inactive)?;

        let virtualport = match el.child("virtualport") {
            None => None,
            Some(vp) => {
                let flags = match type_name {
                    "network" => VirtualPortFlags {
                        generate_missing: true,
                        ..Default::default()
                    },
                    "bridge" | "direct" | "hostdev" => VirtualPortFlags {
                        generate_missing: true,
                        require_all: true,
                        require_type: true,
                    },
                    t => {
                        return Err(unsupported(format!(
                            "<virtualport> element unsupported for <interface type='{t}'>"
                        )))
                    }
                };
                Some(VirtualPort::parse(vp, flags)?)
            }
        };

        let (mut target_dev, target_managed) = match el.child("target") {
            None => (None, None),
            Some(t) => (t.string_attr("dev"), t.yes_no_attr("managed")?),
        };
        let guest = el.child("guest");
        let guest_dev = guest.and_then(|g| nonempty_attr(g, "dev"));
        let guest_actual = guest.and_then(|g| nonempty_attr(g, "actual"));
        let link_s = el.child("link").and_then(|l| nonempty_attr(l, "state"));
        let script = el.child("script").and_then(|s| nonempty_attr(s, "path"));
        let downscript = el
            .child("downscript")
            .and_then(|s| nonempty_attr(s, "path"));
        let backend_domain = el
            .child("backenddomain")
            .and_then(|s| nonempty_attr(s, "name"));
        let filterref = match type_name {
            "network" | "bridge" | "ethernet" => el.child("filterref").and_then(FilterRef::parse),
            _ => None,
        };
        let bandwidth = match el.child("bandwidth") {
            None => None,
            Some(b) => Bandwidth::parse(b, false, type_name == "network")?,
        };
        let vlan = el.child("vlan").map(Vlan::parse).transpose()?;

        let mut mac = None;
        let mut mac_type = None;
        let mut mac_check = None;
        if let Some(m) = el.child("mac") {
            if let Some(a) = m.attr("address") {
                mac = Some(MacAddr::parse_unicast(a)?);
            }
            mac_type = m.enum_attr::<MacType>("type")?;
            mac_check = m.yes_no_attr("check")?;
        }
        let mac_generated = mac.is_none();
        let mac = match mac {
            Some(m) => m,
            None => MacAddr::random_qemu()?,
        };

        let info = DeviceInfo::parse(
            el,
            ctx,
            InfoAllow {
                boot: true,
                rom: true,
            },
        )?;
        let guest_ip = NetIpInfo::parse(el, "guest interface")?;
        let port_forwards = el
            .children_named("portForward")
            .map(PortForward::parse)
            .collect::<Result<Vec<_>>>()?;

        if target_managed != Some(false)
            && ctx.inactive
            && target_dev.as_deref().is_some_and(is_generated_ifname)
        {
            target_dev = None;
        }

        let is_virtio = model.as_ref().is_some_and(NetModel::is_virtio);
        let driver_el = el.child("driver");
        let virtio = VirtioOptions::parse_child(el)?;
        let driver = match driver_el {
            Some(d) if type_name != "hostdev" && is_virtio => VirtioNetDriver::parse(d)?,
            _ => VirtioNetDriver::default(),
        };
        let backend = match el.child("backend") {
            None => NetBackend::default(),
            Some(b) => NetBackend::parse(b, type_name != "hostdev" && is_virtio)?,
        };

        let link_state = match link_s {
            None => None,
            Some(s) => Some(
                <LinkState as crate::XmlEnum>::from_xml(&s)
                    .ok_or_else(|| unsupported(format!("unknown interface link state '{s}'")))?,
            ),
        };
        let teaming = Teaming::parse(el)?;
        let sndbuf = match el
            .child("tune")
            .and_then(|t| t.child("sndbuf"))
            .map(|s| s.text())
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => Some(
                num::to_ullp(&s, 10)
                    .ok_or_else(|| xml_error("sndbuf must be a positive integer"))?,
            ),
        };
        let mtu = match el.child("mtu").and_then(|m| nonempty_attr(m, "size")) {
            None => None,
            Some(s) => Some(
                num::to_ullp(&s, 10)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| xml_error("malformed mtu size"))?,
            )
            .filter(|m| *m != 0),
        };
        let coalesce_rx_frames = match el.child("coalesce") {
            None => None,
            Some(c) => parse_coalesce(c)?,
        };
        let port_isolated = parse_port_isolated(el)?;

        Ok(Interface {
            mac,
            mac_generated,
            mac_type,
            mac_check,
            trust_guest_rx_filters,
            source,
            host_ip,
            vlan,
            virtualport,
            bandwidth,
            port_isolated,
            guest_ip,
            port_forwards,
            script,
            downscript,
            backend_domain,
            target_dev,
            target_managed,
            guest_dev,
            guest_actual,
            model,
            driver,
            virtio,
            backend,
            filterref,
            sndbuf,
            teaming,
            link_state,
            mtu,
            coalesce_rx_frames,
            info,
        })
    }

    /// libvirt's device post-parse has no defaults for interfaces beyond what parsing
    /// already filled in (generated MAC, virtualport ids, direct mode).
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// Per-device checks libvirt makes when validating a definition (after post-parse).
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        let t = self.type_name();
        if !self.host_ip.is_empty() && t != "ethernet" {
            return Err(unsupported(format!(
                "Invalid attempt to set network interface host-side IP route and/or address info on interface of type '{t}'. This is only supported on interfaces of type 'ethernet'"
            )));
        }
        if self.target_managed == Some(false) && t != "ethernet" {
            return Err(unsupported(format!(
                "unmanaged target dev is not supported on interfaces of type '{t}'"
            )));
        }
        if self.port_isolated == Some(true) {
            if t != "network" && t != "bridge" {
                return Err(unsupported(format!(
                    "interface {} - <port isolated='yes'/> is not supported for network interfaces with type='{t}'",
                    self.mac
                )));
            }
            if let Some(k) = self.virtualport.as_ref().and_then(|v| v.kind) {
                return Err(unsupported(format!(
                    "interface {} - <port isolated='yes'/> is not supported for network interfaces with virtualport type='{k}'",
                    self.mac
                )));
            }
        }
        if let Some(tm) = &self.teaming {
            use super::interface_parts::TeamingType;
            match (tm.kind, &tm.persistent) {
                (TeamingType::Transient, None) => {
                    return Err(unsupported(
                        "teaming persistent attribute must be set if teaming type is 'transient'",
                    ))
                }
                (TeamingType::Persistent, Some(_)) => {
                    return Err(unsupported(
                        "teaming persistent attribute not allowed if teaming type is 'persistent'",
                    ))
                }
                _ => {}
            }
        }
        if t == "vhostuser" && !self.is_virtio_model() {
            return Err(crate::error::internal(
                "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend",
            ));
        }
        if !self.is_virtio_model() {
            self.virtio.check_absent()?;
        }
        Ok(())
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("interface").attr("type", self.type_name());
        if let NetSource::Hostdev(h) = &self.source {
            if h.managed {
                o.set("managed", "yes");
            }
        }
        o.set_opt(
            "trustGuestRxFilters",
            self.trust_guest_rx_filters.map(yes_no),
        );
        o.push(
            Out::new("mac")
                .attr("address", self.mac)
                .attr_opt("type", self.mac_type)
                .attr_opt("check", self.mac_check.map(yes_no)),
        );
        match &self.source {
            NetSource::Hostdev(h) => h.format_into(&mut o),
            src => {
                let mut s = Out::new("source");
                src.write_source(&mut s, ctx.inactive);
                self.host_ip.format_into(&mut s);
                o.push_nonempty(s);
            }
        }
        o.push_opt(self.vlan.as_ref().and_then(Vlan::format));
        o.push_opt(self.virtualport.as_ref().and_then(VirtualPort::format));
        o.push_opt(self.bandwidth.as_ref().map(Bandwidth::format));
        o.push_opt(format_port_isolated(self.port_isolated));
        self.guest_ip.format_into(&mut o);
        for pf in &self.port_forwards {
            o.push(pf.format());
        }
        if let Some(p) = &self.script {
            o.push(Out::new("script").attr("path", p));
        }
        if let Some(p) = &self.downscript {
            o.push(Out::new("downscript").attr("path", p));
        }
        if let Some(n) = &self.backend_domain {
            o.push(Out::new("backenddomain").attr("name", n));
        }
        let mut t = Out::new("target");
        if let Some(dev) = &self.target_dev {
            if self.target_managed == Some(false) || !(ctx.inactive && is_generated_ifname(dev)) {
                t.set("dev", dev);
            }
        }
        t.set_opt("managed", self.target_managed.map(yes_no));
        o.push_nonempty(t);
        o.push_nonempty(
            Out::new("guest")
                .attr_opt("dev", self.guest_dev.as_ref())
                .attr_opt("actual", self.guest_actual.as_ref()),
        );
        if let Some(m) = &self.model {
            o.push(Out::new("model").attr("type", m.name()));
            if m.is_virtio() {
                o.push_opt(self.driver.format(&self.virtio));
            }
        }
        o.push_nonempty(self.backend.format());
        if let Some(f) = &self.filterref {
            o.push(f.format());
        }
        if let Some(s) = self.sndbuf {
            let mut tune = Out::new("tune");
            tune.text_child("sndbuf", s);
            o.push(tune);
        }
        if let Some(t) = &self.teaming {
            o.push(t.format());
        }
        if let Some(l) = self.link_state {
            o.push(Out::new("link").attr("state", l));
        }
        if let Some(m) = self.mtu.filter(|m| *m != 0) {
            o.push(Out::new("mtu").attr("size", m));
        }
        o.push_opt(format_coalesce(self.coalesce_rx_frames));
        self.info.format_into(&mut o, ctx);
        o.keep_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(x: &str) -> Result<Interface> {
        let el = parse_document(x, "domain_definition").expect("well-formed");
        Interface::parse(&el, &ParseCtx { inactive: true })
    }

    fn roundtrip(x: &str) -> String {
        parse(x)
            .expect("parses")
            .format(&FormatCtx {
                inactive: true,
                ..Default::default()
            })
            .render(0)
    }

    #[test]
    fn canonical_order_and_defaults() {
        let got = roundtrip(
            "<interface type='ethernet'><target dev='tap0' managed='no'/><mac address='52:54:00:00:06:01'/>\
             <ip address='192.168.122.5' prefix='24'/><route family='ipv6' address='2001:db8::' prefix='32' gateway='fe80::ff'/>\
             <script path='/up'/><model type='VIRTIO'/></interface>",
        );
        assert_eq!(
            got,
            "<interface type='ethernet'>\n  <mac address='52:54:00:00:06:01'/>\n  \
             <ip address='192.168.122.5' family='ipv4' prefix='24'/>\n  \
             <route family='ipv6' address='2001:db8::' prefix='32' gateway='fe80::ff'/>\n  \
             <script path='/up'/>\n  <target dev='tap0' managed='no'/>\n  <model type='virtio'/>\n</interface>\n"
        );
        let got = roundtrip("<interface type='direct'><mac address='52:54:00:00:03:10'/><source dev='eth9'/></interface>");
        assert!(got.contains("<source dev='eth9' mode='vepa'/>"), "{got}");
    }

    #[test]
    fn generated_target_names_are_dropped_when_inactive() {
        let got = roundtrip("<interface type='network'><mac address='52:54:00:00:00:01'/><source network='d'/><target dev='vnet3'/></interface>");
        assert!(!got.contains("<target"), "{got}");
        let got = roundtrip("<interface type='ethernet'><mac address='52:54:00:00:00:01'/><target dev='macvtap3' managed='no'/></interface>");
        assert!(
            got.contains("<target dev='macvtap3' managed='no'/>"),
            "{got}"
        );
    }

    #[test]
    fn missing_mac_is_generated() {
        let i = parse("<interface type='user'/>").expect("ok");
        assert!(i.mac_generated);
        assert!(i.mac.to_string().starts_with("52:54:00:"));
    }

    #[test]
    fn driver_only_for_virtio_models() {
        let got = roundtrip("<interface type='user'><mac address='52:54:00:00:00:01'/><model type='e1000'/><driver name='vhost' queues='4'/><backend tap='/dev//net/tun/' vhost='/dev/vhost-net'/></interface>");
        assert!(!got.contains("<driver"), "{got}");
        assert!(got.contains("<backend tap='/dev/net/tun'/>"), "{got}");
        let got = roundtrip("<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><driver queues='1'/></interface>");
        assert!(!got.contains("<driver"), "{got}");
    }

    #[test]
    fn error_messages_match_libvirt() {
        let m = "<mac address='52:54:00:00:00:01'/>";
        let cases = [
            (format!("<interface type='foo'>{m}</interface>"), "XML error: Invalid value for attribute 'type' in element 'interface': 'foo'."),
            (format!("<interface type='bridge'>{m}</interface>"), "XML error: interface type='bridge' requires a 'source' element"),
            (format!("<interface type='bridge'>{m}<source/></interface>"), "XML error: Missing required attribute 'bridge' in element 'source'"),
            (format!("<interface type='direct'>{m}<source dev='e' mode='foo'/></interface>"), "XML error: Invalid value for attribute 'mode' in element 'source': 'foo'."),
            (format!("<interface type='server'>{m}<source port='x'/></interface>"), "XML error: Invalid value for attribute 'port' in element 'source': 'x'. Expected integer value"),
            (format!("<interface type='udp'>{m}<source address='1.2.3.4' port='1'/></interface>"), "XML error: '<local>' element missing for 'udp' socket interface"),
            (format!("<interface type='vhostuser'>{m}<source type='tcp'/></interface>"), "unsupported configuration: Type='tcp' unsupported for <interface type='vhostuser'>"),
            (format!("<interface type='hostdev'>{m}<source/></interface>"), "XML error: missing source address type"),
            (format!("<interface type='user'>{m}<virtualport/></interface>"), "unsupported configuration: <virtualport> element unsupported for <interface type='user'>"),
            ("<interface type='user'><mac address='zz'/></interface>".to_string(), "XML error: unable to parse mac address 'zz'"),
            ("<interface type='user'><mac address='01:00:00:00:00:01'/></interface>".to_string(), "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01'"),
            (format!("<interface type='user'>{m}<model type='a.b'/></interface>"), "invalid argument: Model name contains invalid characters"),
            (format!("<interface type='user'>{m}<link state='default'/></interface>"), "unsupported configuration: unknown interface link state 'default'"),
            (format!("<interface type='user'>{m}<teaming persistent='x'/></interface>"), "unsupported configuration: unknown teaming type '(null)'"),
            (format!("<interface type='user'>{m}<tune><sndbuf>x</sndbuf></tune></interface>"), "XML error: sndbuf must be a positive integer"),
            (format!("<interface type='user'>{m}<mtu size='-1'/></interface>"), "XML error: malformed mtu size"),
            (format!("<interface type='user'>{m}<coalesce><rx><frames max='x'/></rx></coalesce></interface>"), "cannot parse value 'x' for coalesce parameter"),
            (format!("<interface type='user'>{m}<coalesce><rx><frames max='4294967296'/></rx></coalesce></interface>"), "numerical overflow: value '4294967296' is too big for coalesce parameter, maximum is '4294967295'"),
            (format!("<interface type='user'>{m}<backend type='passt' logFile='/var/log/passt.log'/><model type='virtio'/></interface>"), "XML error: Invalid value for attribute 'type' in element 'backend': 'passt'."),
            (format!("<interface type='user'>{m}<portForward proto='tcp'><range start='0'/></portForward></interface>"), "XML error: Invalid value for attribute 'start' in element 'range': Zero is not permitted"),
            (format!("<interface type='vhostuser'>{m}<source type='unix' path='/a' mode='client'><reconnect enabled='yes'/></source></interface>"), "XML error: Missing required attribute 'timeout' in element 'reconnect'"),
        ];
        for (x, want) in cases {
            assert_eq!(parse(&x).expect_err(&x).message, want, "{x}");
        }
    }

    #[test]
    fn validation_messages() {
        let m = "<mac address='52:54:00:00:00:01'/>";
        let cases = [
            (format!("<interface type='bridge'>{m}<source bridge='b'/><virtualport type='openvswitch'/><port isolated='yes'/></interface>"), "unsupported configuration: interface 52:54:00:00:00:01 - <port isolated='yes'/> is not supported for network interfaces with virtualport type='openvswitch'"),
            (format!("<interface type='direct'>{m}<source dev='e'/><port isolated='yes'/></interface>"), "unsupported configuration: interface 52:54:00:00:00:01 - <port isolated='yes'/> is not supported for network interfaces with type='direct'"),
            (format!("<interface type='user'>{m}<source><ip address='1.2.3.4'/></source></interface>"), "unsupported configuration: Invalid attempt to set network interface host-side IP route and/or address info on interface of type 'user'. This is only supported on interfaces of type 'ethernet'"),
            (format!("<interface type='bridge'>{m}<source bridge='b'/><target dev='t' managed='no'/></interface>"), "unsupported configuration: unmanaged target dev is not supported on interfaces of type 'bridge'"),
            (format!("<interface type='user'>{m}<teaming type='transient'/></interface>"), "unsupported configuration: teaming persistent attribute must be set if teaming type is 'transient'"),
            (format!("<interface type='user'>{m}<model type='e1000'/><driver iommu='on'/></interface>"), "unsupported configuration: iommu driver option is only supported for virtio devices"),
            (format!("<interface type='vhostuser'>{m}<source type='unix' path='/a' mode='server'/></interface>"), "internal error: Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. vhostuser requires the virtio-net* frontend"),
        ];
        for (x, want) in cases {
            assert_eq!(
                parse(&x)
                    .expect("parses")
                    .validate(&DomainEnv::default())
                    .expect_err(&x)
                    .message,
                want
            );
        }
    }

    #[test]
    fn filterref_params_grouped_and_sorted() {
        let got = roundtrip("<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/>\
            <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/><parameter name='DHCPSERVER' value='10.0.0.254'/>\
            <parameter name='IP' value='10.0.0.2'/><parameter name='BAD' value='a-b'/></filterref></interface>");
        assert!(got.contains("<filterref filter='clean-traffic'>\n    <parameter name='DHCPSERVER' value='10.0.0.254'/>\n    <parameter name='IP' value='10.0.0.1'/>\n    <parameter name='IP' value='10.0.0.2'/>\n  </filterref>"), "{got}");
        let got = roundtrip("<interface type='user'><mac address='52:54:00:00:00:01'/><filterref filter='f'/></interface>");
        assert!(!got.contains("filterref"), "{got}");
    }
}
