//! The virtual network (`<network>`) document.
//!
//! [`NetworkDef::parse`] reads a definition once into typed values with libvirt 9.0's
//! acceptance rules and messages (errors carry `VIR_FROM_NETWORK`, except those raised by
//! shared helpers, which keep the error domain libvirt gives them), and
//! [`NetworkDef::format`] prints the canonical document. The only post-parse default
//! libvirt applies to a network definition itself is a generated UUID; bridge names,
//! bridge MACs and connection counts are driver business (the test driver assigns none of
//! them), so drivers fill the corresponding fields themselves.
//!
//! `<vlan>`, `<bandwidth>`, `<virtualport>`, `<port>` and `<route>` are the shared types of
//! [`crate::domain::devices::netdev`].

use crate::domain::devices::netdev::{
    format_ip, parse_ip, Bandwidth, IpFamily, Route, VirtualPort, VirtualPortFlags, Vlan,
};
use crate::domain::info::PciAddress;
use crate::domain::metadata::Metadata;
use crate::error::{in_domain, XmlError};
use crate::mac::MacAddr;
use crate::num;
use crate::read::invalid_value;
use crate::tree::{parse_document, Element};
use crate::uuids::{parse_uuid, random_uuid};
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::net::{IpAddr, Ipv4Addr};
use uuid::Uuid;

fn err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::NETWORK, code, Some(msg.into()))
}

fn xml_err(msg: impl Into<String>) -> Error {
    err(ErrorCode::XML_ERROR, msg)
}

fn detail_err(msg: impl Into<String>) -> Error {
    err(ErrorCode::XML_DETAIL, msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    err(ErrorCode::CONFIG_UNSUPPORTED, msg)
}

fn internal(msg: impl Into<String>) -> Error {
    err(ErrorCode::INTERNAL_ERROR, msg)
}

/// Errors of the generic attribute readers are raised in the domain error domain; inside a
/// network document they belong to the network.
fn net(e: Error) -> Error {
    in_domain(e, ErrorDomain::NETWORK)
}

/// A `yes`/`no` attribute read by libvirt's tristate helper (error names element and value).
fn tristate(el: &Element, name: &str) -> Result<Option<bool>> {
    el.yes_no_attr(name).map_err(net)
}

/// libvirt reads optional strings through XPath `string()`, which turns an empty value into
/// "absent".
fn xpath_string(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

fn check_mac(mac: &str, network: &str) -> Result<MacAddr> {
    let m = MacAddr::parse(mac).ok_or_else(|| {
        xml_err(format!(
            "Cannot parse MAC address '{mac}' in network '{network}'"
        ))
    })?;
    if m.is_multicast() {
        return Err(xml_err(format!(
            "expected unicast mac address, found multicast '{mac}' in network '{network}'"
        )));
    }
    Ok(m)
}

/// `virSocketAddrParse` with the message it raises itself when the text is not a numeric
/// address.
fn sock_addr(s: &str, family: Option<IpFamily>) -> Result<IpAddr> {
    parse_ip(s, family).ok_or_else(|| {
        Error::new(
            ErrorDomain::NONE,
            ErrorCode::SYSTEM_ERROR,
            Some(format!(
                "Cannot parse socket address '{s}': Name or service not known"
            )),
        )
    })
}

fn prefix_to_mask(prefix: u32, v6: bool) -> u128 {
    let bits = if v6 { 128 } else { 32 };
    let p = prefix.min(bits);
    if p == 0 {
        0
    } else {
        (u128::MAX << (128 - p)) >> (128 - bits)
    }
}

fn addr_bits(a: &IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u32::from(*v) as u128,
        IpAddr::V6(v) => u128::from(*v),
    }
}

/// Number of leading one bits of a netmask, `None` when the ones are not contiguous.
fn netmask_bits(m: &IpAddr) -> Option<u32> {
    let (bits, width) = match m {
        IpAddr::V4(v) => (u32::from(*v) as u128, 32),
        IpAddr::V6(v) => (u128::from(*v), 128),
    };
    let ones = (bits << (128 - width)).leading_ones();
    let expect = prefix_to_mask(ones, width == 128);
    (bits == expect).then_some(ones)
}

/// The prefix libvirt derives for an address: explicit prefix, else netmask, else the
/// classful default for IPv4 (8/16/24), 64 for IPv6. `None` for class D/E addresses.
pub fn ip_prefix(address: &IpAddr, netmask: Option<&IpAddr>, prefix: u32) -> Option<u32> {
    if prefix > 0 {
        return Some(prefix);
    }
    if let Some(m) = netmask {
        return netmask_bits(m);
    }
    match address {
        IpAddr::V4(v) => {
            if v.is_unspecified() {
                return Some(0);
            }
            let octet = v.octets()[0];
            if octet & 0x80 == 0 {
                Some(8)
            } else if octet & 0xC0 == 0x80 {
                Some(16)
            } else if octet & 0xE0 == 0xC0 {
                Some(24)
            } else {
                None
            }
        }
        IpAddr::V6(v) => Some(if v.is_unspecified() { 0 } else { 64 }),
    }
}

/// `virSocketAddrGetRange`: checks that `start..=end` is a sane range (inside the network
/// when one is given), with libvirt's messages.
fn check_range(
    start: &IpAddr,
    end: &IpAddr,
    network: Option<(&IpAddr, Option<u32>)>,
) -> Result<()> {
    let s = format_ip(start);
    let e = format_ip(end);
    if start.is_ipv4() != end.is_ipv4() {
        return Err(internal(format!(
            "mismatch of address family in range {s} - {e}"
        )));
    }
    if let Some((net, prefix)) = network {
        let n = format_ip(net);
        if start.is_ipv4() != net.is_ipv4() {
            return Err(internal(format!(
                "mismatch of address family in range {s} - {e} for network {n}"
            )));
        }
        let v6 = net.is_ipv6();
        let prefix = match prefix {
            Some(p) if p <= if v6 { 128 } else { 32 } => p,
            other => {
                let shown = other.map_or(-1, |p| p as i64);
                return Err(internal(format!(
                    "bad prefix {shown} for network {n} when checking range {s} - {e}"
                )));
            }
        };
        let mask = prefix_to_mask(prefix, v6);
        let nb = addr_bits(net) & mask;
        if addr_bits(start) & mask != nb || addr_bits(end) & mask != nb {
            return Err(internal(format!(
                "range {s} - {e} is not entirely within network {n}/{prefix}"
            )));
        }
        if !v6 {
            let broadcast = nb | (!mask & 0xffff_ffff);
            if addr_bits(start) == nb {
                return Err(internal(format!(
                    "start of range {s} - {e} in network {n}/{prefix} is the network address"
                )));
            }
            if addr_bits(end) == broadcast {
                return Err(internal(format!(
                    "end of range {s} - {e} in network {n}/{prefix} is the broadcast address"
                )));
            }
        }
    }
    let (a, b) = (addr_bits(start), addr_bits(end));
    if start.is_ipv4() {
        if a >> 16 != b >> 16 {
            return Err(internal(format!("range {s} - {e} is too large (> 65535)")));
        }
        if b < a {
            return Err(internal(format!("range {s} - {e} is reversed ")));
        }
    } else {
        if a >> 16 != b >> 16 {
            return Err(internal(format!("range {s} - {e} is too large (> 65535)")));
        }
        if b < a {
            return Err(internal(format!("range {s} - {e} start larger than end")));
        }
    }
    Ok(())
}

xml_enum! {
    /// `<forward mode=...>`: how guests reach the outside.
    pub enum ForwardMode {
        Nat = "nat", Route = "route", Open = "open", Bridge = "bridge", Private = "private",
        Vepa = "vepa", Passthrough = "passthrough", Hostdev = "hostdev",
    }
}

impl ForwardMode {
    /// Modes in which libvirt manages a bridge itself (isolated networks included), which
    /// is when `stp`, `delay`, `zone` and `mtu` make sense.
    pub fn has_managed_bridge(mode: Option<ForwardMode>) -> bool {
        matches!(
            mode,
            None | Some(ForwardMode::Nat) | Some(ForwardMode::Route) | Some(ForwardMode::Open)
        )
    }
}

xml_enum! {
    /// `<bridge macTableManager=...>`.
    pub enum MacTableManager { Kernel = "kernel", Libvirt = "libvirt" }
}

xml_enum! {
    /// `<forward><driver name=...>` of hostdev networks (libvirt 9.0 knows these two).
    pub enum ForwardDriver { Kvm = "kvm", Vfio = "vfio" }
}

xml_enum! {
    /// Unit of a DHCP lease time.
    pub enum LeaseUnit { Seconds = "seconds", Minutes = "minutes", Hours = "hours" }
}

/// `<nat>` inside `<forward mode='nat'>`: SNAT address and port ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nat {
    pub address: Option<(Ipv4Addr, Ipv4Addr)>,
    /// 0 means "not given" for both ends.
    pub port_start: u32,
    pub port_end: u32,
    pub ipv6: Option<bool>,
}

/// One device of a forward pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForwardDevice {
    /// `<interface dev=...>`, with the live count of guests using it.
    Netdev { dev: String, connections: u32 },
    /// `<address type='pci' .../>` (hostdev networks).
    Pci(PciAddress),
}

/// `<forward>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Forward {
    /// `None` for an isolated network (no `<forward>` element).
    pub mode: Option<ForwardMode>,
    /// `managed='yes'` of hostdev networks.
    pub managed: bool,
    pub driver: Option<ForwardDriver>,
    pub nat: Nat,
    pub devices: Vec<ForwardDevice>,
    /// `<pf dev=...>` (libvirt keeps one).
    pub pf: Option<String>,
}

/// `<bridge>` attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bridge {
    pub name: Option<String>,
    pub zone: Option<String>,
    /// Spanning tree; libvirt defaults it to on.
    pub stp: bool,
    pub delay: u64,
    pub mac_table_manager: Option<MacTableManager>,
}

impl Default for Bridge {
    fn default() -> Bridge {
        Bridge {
            name: None,
            zone: None,
            stp: true,
            delay: 0,
            mac_table_manager: None,
        }
    }
}

/// `<domain name=...>`: the DNS domain of the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsDomain {
    pub name: Option<String>,
    pub local_only: Option<bool>,
}

/// `<forwarder>` of `<dns>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsForwarder {
    pub domain: Option<String>,
    pub addr: Option<IpAddr>,
}

/// `<txt>` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsTxt {
    pub name: String,
    pub value: String,
}

/// `<srv>` record; zero numbers are "not given".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsSrv {
    pub service: String,
    pub protocol: String,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: u32,
    pub priority: u32,
    pub weight: u32,
}

/// `<host>` of `<dns>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsHost {
    pub ip: IpAddr,
    pub hostnames: Vec<String>,
}

/// `<dns>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dns {
    pub enable: Option<bool>,
    pub forward_plain_names: Option<bool>,
    pub forwarders: Vec<DnsForwarder>,
    pub txts: Vec<DnsTxt>,
    pub srvs: Vec<DnsSrv>,
    pub hosts: Vec<DnsHost>,
}

/// `<lease>`: 0 expiry means "infinite" and is printed without a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    pub expiry: u64,
    pub unit: LeaseUnit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DhcpRange {
    pub start: IpAddr,
    pub end: IpAddr,
    pub lease: Option<Lease>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DhcpHost {
    /// As written: libvirt keeps the MAC text unnormalized.
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
    pub lease: Option<Lease>,
}

/// `<ip>`: an address of the network's bridge with its DHCP/TFTP service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkIp {
    /// `family=` as written (`ipv4`/`ipv6`).
    pub family: Option<IpFamily>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    /// 0 means "not given".
    pub prefix: u32,
    pub local_ptr: Option<bool>,
    pub tftp_root: Option<String>,
    pub ranges: Vec<DhcpRange>,
    pub hosts: Vec<DhcpHost>,
    pub bootp_file: Option<String>,
    pub bootp_server: Option<IpAddr>,
}

impl NetworkIp {
    /// The effective prefix (explicit, from the netmask, or classful).
    pub fn effective_prefix(&self) -> Option<u32> {
        ip_prefix(&self.address, self.netmask.as_ref(), self.prefix)
    }
}

/// `<portgroup>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortGroup {
    pub name: String,
    pub is_default: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub vlan: Option<Vlan>,
    pub virtualport: Option<VirtualPort>,
    pub bandwidth: Option<Bandwidth>,
}

/// A parsed network definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: Uuid,
    /// Newer libvirt prints these; 9.0 ignores them on input, so [`NetworkDef::parse`]
    /// leaves them `None` and only a driver can set them.
    pub title: Option<String>,
    pub description: Option<String>,
    /// `None` when there is no `<metadata>`; libvirt 9.0 keeps an element that is present
    /// but has no namespaced children and prints it as `<metadata/>`.
    pub metadata: Option<Metadata>,
    /// Live count of guest interfaces attached (printed in live XML only).
    pub connections: u32,
    /// `ipv6='yes'`: guest-to-guest IPv6 without a gateway address.
    pub ipv6_nogw: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub forward: Forward,
    pub bridge: Bridge,
    pub mtu: Option<u32>,
    pub mac: Option<MacAddr>,
    pub domain: Option<DnsDomain>,
    pub dns: Dns,
    pub vlan: Option<Vlan>,
    pub bandwidth: Option<Bandwidth>,
    pub port_isolated: Option<bool>,
    pub ips: Vec<NetworkIp>,
    pub routes: Vec<Route>,
    pub virtualport: Option<VirtualPort>,
    pub portgroups: Vec<PortGroup>,
}

impl NetworkDef {
    /// Parses network XML text as libvirt 9.0 does (including generating a UUID when none is
    /// given).
    pub fn parse(xml: &str) -> Result<NetworkDef> {
        let root = parse_document(xml, "network_definition").map_err(|e: XmlError| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::NETWORK;
            err
        })?;
        NetworkDef::from_element(&root)
    }

    /// Parses an already-read `<network>` element.
    pub fn from_element(root: &Element) -> Result<NetworkDef> {
        if root.name != "network" || root.ns.is_some() {
            return Err(Error::new(
                ErrorDomain::XML,
                ErrorCode::XML_ERROR,
                Some(format!(
                    "expecting root element of 'network', not '{}'",
                    root.name
                )),
            ));
        }
        let name = match xpath_string(root.child("name").map(|n| n.text()).as_deref()) {
            Some(n) => n,
            None => return Err(Error::new(ErrorDomain::NETWORK, ErrorCode::NO_NAME, None)),
        };
        if name.contains('/') {
            return Err(detail_err("invalid char in name: /"));
        }
        let uuid = match xpath_string(root.child("uuid").map(|n| n.text()).as_deref()) {
            None => random_uuid().map_err(net)?,
            Some(u) => parse_uuid(&u).ok_or_else(|| internal("malformed uuid element"))?,
        };
        let ipv6_nogw = match xpath_string(root.attr("ipv6")) {
            None => false,
            Some(v) => match v.as_str() {
                "yes" => true,
                "no" => false,
                _ => {
                    return Err(xml_err(format!(
                        "Invalid ipv6 setting '{v}' in network '{name}'"
                    )))
                }
            },
        };
        let trust_guest_rx_filters = tristate(root, "trustGuestRxFilters")?;
        let domain = match root.child("domain") {
            None => None,
            Some(d) => Some(DnsDomain {
                name: d.string_attr("name"),
                local_only: tristate(d, "localOnly")?,
            }),
        };
        let bandwidth = match root.child("bandwidth") {
            None => None,
            Some(b) => Bandwidth::parse(b, false, false)?,
        };
        let vlan = root.child("vlan").map(Vlan::parse).transpose()?;
        let port_isolated = match root.child("port") {
            None => None,
            Some(p) => tristate(p, "isolated")?,
        };
        let br = root.child("bridge");
        let battr = |n: &str| br.and_then(|b| xpath_string(b.attr(n)));
        let stp_s = battr("stp");
        let mut bridge = Bridge {
            name: battr("name"),
            zone: battr("zone"),
            stp: stp_s.as_deref() != Some("off"),
            ..Default::default()
        };
        if let Some(d) = battr("delay") {
            bridge.delay = num::to_ullp(&d, 10)
                .ok_or_else(|| xml_err(format!("Invalid delay value in network '{name}'")))?;
        }
        if let Some(m) = battr("macTableManager") {
            bridge.mac_table_manager = Some(MacTableManager::from_xml(&m).ok_or_else(|| {
                xml_err(format!(
                    "Invalid macTableManager setting '{m}' in network '{name}'"
                ))
            })?);
        }
        let mac = match root
            .child("mac")
            .and_then(|m| xpath_string(m.attr("address")))
        {
            None => None,
            Some(m) => {
                let mac = MacAddr::parse(&m).ok_or_else(|| {
                    xml_err(format!(
                        "Invalid bridge mac address '{m}' in network '{name}'"
                    ))
                })?;
                if mac.is_multicast() {
                    return Err(xml_err(format!(
                        "Invalid multicast bridge mac address '{m}' in network '{name}'"
                    )));
                }
                Some(mac)
            }
        };
        let mtu =
            match root.child("mtu").and_then(|m| xpath_string(m.attr("size"))) {
                None => None,
                Some(s) => Some(num::to_ui(&s, 10).ok_or_else(|| {
                    xml_err(format!("Invalid mtu size '{s}' in network '{name}'"))
                })?),
            };
        let dns = match root.child("dns") {
            None => Dns::default(),
            Some(d) => Dns::parse(d, &name)?,
        };
        let virtualport = root
            .child("virtualport")
            .map(|v| {
                VirtualPort::parse(
                    v,
                    VirtualPortFlags {
                        require_type: true,
                        ..Default::default()
                    },
                )
            })
            .transpose()?;
        let portgroups = root
            .children_named("portgroup")
            .map(PortGroup::parse)
            .collect::<Result<Vec<_>>>()?;
        let ips = root
            .children_named("ip")
            .map(|i| NetworkIp::parse(i, &name))
            .collect::<Result<Vec<_>>>()?;
        let routes = root
            .children_named("route")
            .map(|r| Route::parse(r, &name))
            .collect::<Result<Vec<_>>>()?;
        for r in &routes {
            let reachable = ips.iter().any(|ip| {
                if ip.address.is_ipv4() != r.gateway.is_ipv4() {
                    return false;
                }
                match ip.effective_prefix() {
                    Some(p) => {
                        let m = prefix_to_mask(p, ip.address.is_ipv6());
                        addr_bits(&ip.address) & m == addr_bits(&r.gateway) & m
                    }
                    None => false,
                }
            });
            if !reachable {
                return Err(unsupported(format!(
                    "unreachable static route gateway '{}' specified for network '{name}'",
                    format_ip(&r.gateway)
                )));
            }
        }
        let forward = match root.child("forward") {
            None => Forward::default(),
            Some(f) => Forward::parse(f, &name)?,
        };
        let mode_s = forward.mode.map_or("none", |m| m.as_xml());
        // Each mode's checks stay inside its arm: a guard would let a mode fall through
        // to the checks of other modes.
        #[allow(clippy::collapsible_match)]
        match forward.mode {
            None => {}
            Some(ForwardMode::Route) | Some(ForwardMode::Nat) => {
                if ips.is_empty() {
                    return Err(xml_err(format!(
                        "{mode_s} forwarding requested, but no IP address provided for network '{name}'"
                    )));
                }
                if forward.netdevs().count() > 1 {
                    return Err(xml_err(format!(
                        "multiple forwarding interfaces specified for network '{name}', only one is supported"
                    )));
                }
            }
            Some(ForwardMode::Open) => {
                if !forward.devices.is_empty() {
                    return Err(xml_err(format!(
                        "forward dev not allowed for network '{name}' with forward mode='{mode_s}'"
                    )));
                }
            }
            Some(m) => {
                if m != ForwardMode::Bridge {
                    if bridge.name.is_some() {
                        return Err(xml_err(format!(
                            "bridge name not allowed in {mode_s} mode (network '{name}')"
                        )));
                    }
                    if bridge.zone.is_some() {
                        return Err(xml_err(format!(
                            "bridge zone not allowed in {mode_s} mode (network '{name}')"
                        )));
                    }
                    if bridge.mac_table_manager.is_some() {
                        return Err(xml_err(format!(
                            "bridge macTableManager setting not allowed in {mode_s} mode (network '{name}')"
                        )));
                    }
                }
                if bridge.delay != 0 || stp_s.is_some() || bridge.zone.is_some() {
                    return Err(xml_err(format!(
                        "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {mode_s} (network '{name}')"
                    )));
                }
                if bridge.name.is_some() && (!forward.devices.is_empty() || forward.pf.is_some()) {
                    return Err(xml_err(format!(
                        "A network with forward mode='{mode_s}' can specify a bridge name or a forward dev, but not both (network '{name}')"
                    )));
                }
            }
        }
        if mtu.is_some() && !ForwardMode::has_managed_bridge(forward.mode) {
            return Err(xml_err(format!(
                "mtu size only allowed in open, route, nat, and isolated mode, not in {mode_s} (network '{name}')"
            )));
        }
        let metadata = root.child("metadata").map(Metadata::parse);
        Ok(NetworkDef {
            name,
            uuid,
            title: None,
            description: None,
            metadata,
            connections: 0,
            ipv6_nogw,
            trust_guest_rx_filters,
            forward,
            bridge,
            mtu,
            mac,
            domain,
            dns,
            vlan,
            bandwidth,
            port_isolated,
            ips,
            routes,
            virtualport,
            portgroups,
        })
    }

    /// Prints the definition. `inactive` leaves out live-only counters (`connections`).
    pub fn format(&self, inactive: bool) -> String {
        self.to_out(inactive).render(0)
    }

    /// The document as an [`Out`] tree.
    pub fn to_out(&self, inactive: bool) -> Out {
        let mut n = Out::new("network");
        if !inactive && self.connections > 0 {
            n.set("connections", self.connections);
        }
        if self.ipv6_nogw {
            n.set("ipv6", "yes");
        }
        n.set_opt(
            "trustGuestRxFilters",
            self.trust_guest_rx_filters.map(yes_no),
        );
        n.text_child("name", &self.name);
        n.text_child("uuid", self.uuid.hyphenated());
        n.text_child_opt("title", self.title.as_ref());
        n.text_child_opt("description", self.description.as_ref());
        if let Some(md) = &self.metadata {
            let mut m = Out::new("metadata");
            for r in md.render_each() {
                m.raw(r);
            }
            n.push(m);
        }
        if self.forward.mode.is_some() {
            n.push(self.forward.format(inactive));
        }
        let managed = ForwardMode::has_managed_bridge(self.forward.mode);
        if managed || self.bridge.name.is_some() || self.bridge.mac_table_manager.is_some() {
            let mut b = Out::new("bridge")
                .attr_opt("name", self.bridge.name.as_ref())
                .attr_opt("zone", self.bridge.zone.as_ref());
            if managed {
                b.set("stp", if self.bridge.stp { "on" } else { "off" });
                b.set("delay", self.bridge.delay);
            }
            b.set_opt("macTableManager", self.bridge.mac_table_manager);
            n.push(b);
        }
        if let Some(m) = self.mtu.filter(|m| *m != 0) {
            n.push(Out::new("mtu").attr("size", m));
        }
        if let Some(m) = &self.mac {
            n.push(Out::new("mac").attr("address", m));
        }
        if let Some(d) = &self.domain {
            if let Some(name) = &d.name {
                n.push(
                    Out::new("domain")
                        .attr("name", name)
                        .attr_opt("localOnly", d.local_only.map(yes_no)),
                );
            }
        }
        n.push_opt(self.dns.format());
        if let Some(v) = &self.vlan {
            n.push_opt(v.format());
        }
        if let Some(b) = &self.bandwidth {
            n.push(b.format());
        }
        if let Some(i) = self.port_isolated {
            n.push(Out::new("port").attr("isolated", yes_no(i)));
        }
        for ip in &self.ips {
            n.push(ip.format());
        }
        for r in &self.routes {
            n.push(r.format());
        }
        if let Some(v) = &self.virtualport {
            n.push_opt(v.format());
        }
        for pg in &self.portgroups {
            n.push(pg.format());
        }
        n
    }

    /// The default portgroup (`default='yes'`), or the one named `name`.
    pub fn portgroup(&self, name: Option<&str>) -> Option<&PortGroup> {
        self.portgroups.iter().find(|p| match name {
            Some(n) => p.name == n,
            None => p.is_default,
        })
    }
}

impl Forward {
    fn parse(el: &Element, network: &str) -> Result<Forward> {
        let mode = match xpath_string(el.attr("mode")) {
            None => ForwardMode::Nat,
            Some(m) => ForwardMode::from_xml(&m)
                .ok_or_else(|| unsupported(format!("unknown forwarding type '{m}'")))?,
        };
        let mut fwd = Forward {
            mode: Some(mode),
            managed: el
                .attr("managed")
                .is_some_and(|m| m.eq_ignore_ascii_case("yes")),
            ..Default::default()
        };
        if let Some(d) = el.child("driver") {
            if let Some(n) = xpath_string(d.attr("name")) {
                fwd.driver = Some(ForwardDriver::from_xml(&n).ok_or_else(|| {
                    unsupported(format!(
                        "Unknown forward <driver name='{n}'/> in network {network}"
                    ))
                })?);
            }
        }
        let ifs: Vec<&Element> = el.children_named("interface").collect();
        let addrs: Vec<&Element> = el.children_named("address").collect();
        let pfs: Vec<&Element> = el.children_named("pf").collect();
        let nats: Vec<&Element> = el.children_named("nat").collect();
        if nats.len() > 1 {
            return Err(xml_err(format!(
                "Only one <nat> element is allowed in <forward> of network {network}"
            )));
        }
        if let Some(nat) = nats.first() {
            fwd.nat = Nat::parse(nat, mode, network)?;
        }
        let dev = xpath_string(el.attr("dev"));
        if dev.is_some() && (!addrs.is_empty() || !pfs.is_empty()) {
            return Err(xml_err(format!(
                "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network {network}"
            )));
        }
        if !ifs.is_empty() || dev.is_some() {
            if let Some(d) = &dev {
                fwd.devices.push(ForwardDevice::Netdev {
                    dev: d.clone(),
                    connections: 0,
                });
            }
            for (i, itf) in ifs.iter().enumerate() {
                let d = xpath_string(itf.attr("dev")).ok_or_else(|| {
                    xml_err(format!(
                        "Missing required dev attribute in <forward> <interface> element of network {network}"
                    ))
                })?;
                if i == 0 {
                    if let Some(first) = &dev {
                        if *first != d {
                            return Err(xml_err(format!(
                                "<forward dev='{first}'> must match first <interface dev='{d}'/> in network {network}"
                            )));
                        }
                        continue;
                    }
                }
                if fwd.netdevs().any(|x| x == d) {
                    return Err(xml_err(format!(
                        "interface '{d}' can only be listed once in network {network}"
                    )));
                }
                fwd.devices.push(ForwardDevice::Netdev {
                    dev: d,
                    connections: 0,
                });
            }
        } else if !addrs.is_empty() {
            for a in addrs {
                let ty = xpath_string(a.attr("type"))
                    .ok_or_else(|| xml_err(format!("missing address type in network {network}")))?;
                if ty != "pci" {
                    return Err(unsupported(format!(
                        "unknown address type '{ty}' in network {network}"
                    )));
                }
                let pci = PciAddress::parse(a).map_err(|e| in_domain(e, ErrorDomain::DEVICE))?;
                let dup = fwd.devices.iter().any(|d| match d {
                    ForwardDevice::Pci(p) => {
                        p.domain == pci.domain
                            && p.bus == pci.bus
                            && p.slot == pci.slot
                            && p.function == pci.function
                    }
                    _ => false,
                });
                if dup {
                    return Err(xml_err(format!(
                        "PCI device '{:04x}:{:02x}:{:02x}.{:x}' can only be listed once in network {network}",
                        pci.domain, pci.bus, pci.slot, pci.function
                    )));
                }
                fwd.devices.push(ForwardDevice::Pci(pci));
            }
        } else if pfs.len() > 1 {
            return Err(xml_err(format!(
                "Only one <pf> element is allowed in <forward> of network {network}"
            )));
        } else if let Some(pf) = pfs.first() {
            fwd.pf = Some(xpath_string(pf.attr("dev")).ok_or_else(|| {
                xml_err(format!(
                    "Missing required dev attribute in <pf> element of network '{network}'"
                ))
            })?);
        }
        Ok(fwd)
    }

    /// Names of the `<interface dev=...>` devices, in order.
    pub fn netdevs(&self) -> impl Iterator<Item = &str> {
        self.devices.iter().filter_map(|d| match d {
            ForwardDevice::Netdev { dev, .. } => Some(dev.as_str()),
            ForwardDevice::Pci(_) => None,
        })
    }

    fn format(&self, inactive: bool) -> Out {
        let mut f = Out::new("forward");
        if self.pf.is_none() {
            if let Some(ForwardDevice::Netdev { dev, .. }) = self.devices.first() {
                f.set("dev", dev);
            }
        }
        if let Some(m) = self.mode {
            f.set("mode", m);
            if m == ForwardMode::Hostdev {
                f.set("managed", yes_no(self.managed));
            }
        }
        if let Some(d) = self.driver {
            f.push(Out::new("driver").attr("name", d));
        }
        if self.mode == Some(ForwardMode::Nat) {
            f.push_opt(self.nat.format());
        }
        if let Some(pf) = &self.pf {
            f.push(Out::new("pf").attr("dev", pf));
        }
        if !self.devices.is_empty() && (self.pf.is_none() || !inactive) {
            for d in &self.devices {
                match d {
                    ForwardDevice::Netdev { dev, connections } => {
                        let mut i = Out::new("interface").attr("dev", dev);
                        if !inactive && *connections > 0 {
                            i.set("connections", connections);
                        }
                        f.push(i);
                    }
                    ForwardDevice::Pci(p) => {
                        let mut a = Out::new("address").attr("type", "pci");
                        p.write_attrs(&mut a);
                        f.push(a);
                    }
                }
            }
        }
        f
    }
}

impl Nat {
    fn parse(el: &Element, mode: ForwardMode, network: &str) -> Result<Nat> {
        if mode != ForwardMode::Nat {
            return Err(xml_err(format!(
                "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {network}"
            )));
        }
        let mut nat = Nat {
            ipv6: tristate(el, "ipv6")?,
            ..Default::default()
        };
        let addrs: Vec<&Element> = el.children_named("address").collect();
        if addrs.len() > 1 {
            return Err(xml_err(format!(
                "Only one <address> element is allowed in <nat> in <forward> in network {network}"
            )));
        }
        if let Some(a) = addrs.first() {
            let start = a.attr("start").ok_or_else(|| {
                xml_err(format!(
                    "missing 'start' attribute in <address> element in <nat> in <forward> in network {network}"
                ))
            })?;
            let end = a.attr("end").ok_or_else(|| {
                xml_err(format!(
                    "missing 'end' attribute in <address> element in <nat> in <forward> in network {network}"
                ))
            })?;
            let s = match parse_ip(start, Some(IpFamily::V4)) {
                Some(IpAddr::V4(v)) => v,
                _ => {
                    return Err(xml_err(format!(
                    "Bad ipv4 start address '{start}' in <nat> in <forward> in network '{network}'"
                )))
                }
            };
            let e = match parse_ip(end, Some(IpFamily::V4)) {
                Some(IpAddr::V4(v)) => v,
                _ => {
                    return Err(xml_err(format!(
                        "Bad ipv4 end address '{end}' in <nat> in <forward> in network '{network}'"
                    )))
                }
            };
            check_range(&IpAddr::V4(s), &IpAddr::V4(e), None)?;
            nat.address = Some((s, e));
        }
        let ports: Vec<&Element> = el.children_named("port").collect();
        if ports.len() > 1 {
            return Err(xml_err(format!(
                "Only one <port> element is allowed in <nat> in <forward> in network {network}"
            )));
        }
        if let Some(p) = ports.first() {
            match num::xpath_uint(p, "start") {
                Some(Some(s)) if s <= 65535 => nat.port_start = s,
                _ => {
                    return Err(detail_err(format!(
                        "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {network}"
                    )))
                }
            }
            match num::xpath_uint(p, "end") {
                Some(Some(e)) if e <= 65535 && e >= nat.port_start => nat.port_end = e,
                _ => {
                    return Err(detail_err(format!(
                        "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {network}"
                    )))
                }
            }
        }
        Ok(nat)
    }

    fn format(&self) -> Option<Out> {
        let has_ports = self.port_start != 0 || self.port_end != 0;
        if self.address.is_none() && !has_ports && self.ipv6.is_none() {
            return None;
        }
        let mut n = Out::new("nat").attr_opt("ipv6", self.ipv6.map(yes_no));
        if let Some((s, e)) = &self.address {
            n.push(Out::new("address").attr("start", s).attr("end", e));
        }
        if has_ports {
            n.push(
                Out::new("port")
                    .attr("start", self.port_start)
                    .attr_opt("end", (self.port_end != 0).then_some(self.port_end)),
            );
        }
        Some(n)
    }
}

/// Characters libvirt allows in SRV protocol names.
fn protocol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-+/".contains(c)
}

/// Characters libvirt allows in SRV service names.
fn service_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-+/*".contains(c)
}

/// Longest SRV service name libvirt accepts.
const DNS_RECORD_LENGTH_SRV: usize = 512 - 30;

fn check_line_breaks(record: &str, field: &str, v: Option<&str>) -> Result<()> {
    if v.is_some_and(|v| v.contains(['\r', '\n'])) {
        return Err(detail_err(format!(
            "invalid line break in DNS {record} record {field} attribute"
        )));
    }
    Ok(())
}

/// A DNS `<host>` record: its address and host names. With `partial` (the form used to
/// find a record), either may be missing but not both.
pub(crate) fn parse_dns_host(
    h: &Element,
    network: &str,
    partial: bool,
) -> Result<(Option<IpAddr>, Vec<String>)> {
    let names: Vec<String> = h.children_named("hostname").map(Element::text).collect();
    if names.iter().any(String::is_empty) || (names.is_empty() && !partial) {
        return Err(detail_err(format!(
            "Missing hostname in network '{network}' DNS HOST record"
        )));
    }
    let ip = match h.attr("ip") {
        None if !partial => {
            return Err(detail_err(format!(
                "Missing IP address in network '{network}' DNS HOST record"
            )))
        }
        None if names.is_empty() => {
            return Err(detail_err(format!(
                "Missing ip and hostname in network '{network}' DNS HOST record"
            )))
        }
        None => None,
        Some(ip) => Some(parse_ip(ip, None).ok_or_else(|| {
            detail_err(format!(
                "Invalid IP address in network '{network}' DNS HOST record"
            ))
        })?),
    };
    Ok((ip, names))
}

/// A DNS `<txt>` record's name and value; with `partial` the value may be missing.
pub(crate) fn parse_dns_txt(
    t: &Element,
    network: &str,
    partial: bool,
) -> Result<(String, Option<String>)> {
    let name = t.string_attr("name").ok_or_else(|| {
        detail_err(format!(
            "missing required name attribute in DNS TXT record of network {network}"
        ))
    })?;
    if name.contains([' ', ',']) {
        return Err(detail_err(format!(
            "prohibited character in DNS TXT record name '{name}' of network {network}"
        )));
    }
    let value = t.string_attr("value");
    if value.is_none() && !partial {
        return Err(detail_err(format!(
            "missing required value attribute in DNS TXT record named '{name}' of network {network}"
        )));
    }
    check_line_breaks("TXT", "value", value.as_deref())?;
    Ok((name, value))
}

/// The fields of a DNS `<srv>` record; with `partial` service and protocol may be missing.
pub(crate) struct SrvFields {
    pub service: Option<String>,
    pub protocol: Option<String>,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: u32,
    pub priority: u32,
    pub weight: u32,
}

impl Dns {
    fn parse(el: &Element, network: &str) -> Result<Dns> {
        let mut dns = Dns {
            enable: tristate(el, "enable")?,
            forward_plain_names: tristate(el, "forwardPlainNames")?,
            ..Default::default()
        };
        for f in el.children_named("forwarder") {
            let addr = match xpath_string(f.attr("addr")) {
                None => None,
                Some(a) => Some(parse_ip(&a, None).ok_or_else(|| {
                    xml_err(format!(
                        "Invalid forwarder IP address '{a}' in network '{network}'"
                    ))
                })?),
            };
            let domain = f.string_attr("domain");
            if addr.is_none() && domain.is_none() {
                return Err(xml_err(
                    "Invalid forwarder element, must contain at least one of addr or domain",
                ));
            }
            dns.forwarders.push(DnsForwarder { domain, addr });
        }
        for h in el.children_named("host") {
            let (ip, hostnames) = parse_dns_host(h, network, false)?;
            if let Some(ip) = ip {
                dns.hosts.push(DnsHost { ip, hostnames });
            }
        }
        for s in el.children_named("srv") {
            dns.srvs.push(DnsSrv::parse(s, network)?);
        }
        for t in el.children_named("txt") {
            let (name, value) = parse_dns_txt(t, network, false)?;
            dns.txts.push(DnsTxt {
                name,
                value: value.unwrap_or_default(),
            });
        }
        if dns.enable == Some(false)
            && !(dns.forwarders.is_empty()
                && dns.hosts.is_empty()
                && dns.srvs.is_empty()
                && dns.txts.is_empty())
        {
            return Err(xml_err(format!(
                "Extra data in disabled network '{network}'"
            )));
        }
        Ok(dns)
    }

    fn has_records(&self) -> bool {
        !(self.forwarders.is_empty()
            && self.hosts.is_empty()
            && self.srvs.is_empty()
            && self.txts.is_empty())
    }

    fn format(&self) -> Option<Out> {
        if self.enable.is_none() && self.forward_plain_names.is_none() && !self.has_records() {
            return None;
        }
        let mut d = Out::new("dns")
            .attr_opt("enable", self.enable.map(yes_no))
            .attr_opt("forwardPlainNames", self.forward_plain_names.map(yes_no));
        for f in &self.forwarders {
            d.push(
                Out::new("forwarder")
                    .attr_opt("domain", f.domain.as_ref())
                    .attr_opt("addr", f.addr.as_ref().map(format_ip)),
            );
        }
        for t in &self.txts {
            d.push(
                Out::new("txt")
                    .attr("name", &t.name)
                    .attr("value", &t.value),
            );
        }
        for s in &self.srvs {
            let nz = |v: u32| (v != 0).then_some(v);
            d.push(
                Out::new("srv")
                    .attr("service", &s.service)
                    .attr("protocol", &s.protocol)
                    .attr_opt("domain", s.domain.as_ref())
                    .attr_opt("target", s.target.as_ref())
                    .attr_opt("port", nz(s.port))
                    .attr_opt("priority", nz(s.priority))
                    .attr_opt("weight", nz(s.weight)),
            );
        }
        for h in &self.hosts {
            let mut o = Out::new("host").attr("ip", format_ip(&h.ip));
            for n in &h.hostnames {
                o.text_child("hostname", n);
            }
            d.push(o);
        }
        Some(d)
    }
}

impl DnsSrv {
    fn parse(el: &Element, network: &str) -> Result<DnsSrv> {
        let f = DnsSrv::parse_fields(el, network, false)?;
        Ok(DnsSrv {
            service: f.service.unwrap_or_default(),
            protocol: f.protocol.unwrap_or_default(),
            domain: f.domain,
            target: f.target,
            port: f.port,
            priority: f.priority,
            weight: f.weight,
        })
    }

    pub(crate) fn parse_fields(el: &Element, network: &str, partial: bool) -> Result<SrvFields> {
        let service_opt = el.string_attr("service");
        if service_opt.is_none() && !partial {
            return Err(detail_err(format!(
                "missing required service attribute in DNS SRV record of network '{network}'"
            )));
        }
        if let Some(service) = &service_opt {
            if service.len() > DNS_RECORD_LENGTH_SRV {
                return Err(detail_err(format!(
                    "service attribute '{service}' in network '{network}' is too long, limit is {DNS_RECORD_LENGTH_SRV} bytes"
                )));
            }
            if !service.chars().all(service_char) {
                return Err(detail_err(format!(
                    "invalid character in service attribute '{service}' in DNS SRV record of network '{network}'"
                )));
            }
        }
        // Messages print a missing service the way C's printf prints NULL.
        let service = service_opt.clone().unwrap_or_else(|| "(null)".to_string());
        let protocol = el.string_attr("protocol");
        if protocol.is_none() && !partial {
            return Err(detail_err(format!(
                "missing required protocol attribute in DNS SRV record '{service}' of network '{network}'"
            )));
        }
        if let Some(protocol) = &protocol {
            if !protocol.chars().all(protocol_char) {
                return Err(detail_err(format!(
                    "invalid character in protocol attribute '{protocol}' in DNS SRV record of network '{network}'"
                )));
            }
        }
        let domain = el.string_attr("domain");
        let target = el.string_attr("target");
        check_line_breaks("SRV", "domain", domain.as_deref())?;
        check_line_breaks("SRV", "target", target.as_deref())?;
        let num = |name: &str, max: u32, bad: &str| -> Result<u32> {
            match num::xpath_uint(el, name) {
                None => Ok(0),
                Some(v) => {
                    if v.is_some() && target.is_none() {
                        return Err(detail_err(format!(
                            "DNS SRV {name} attribute not permitted without target for service '{service}' in network '{network}'"
                        )));
                    }
                    match v {
                        Some(n) if n <= max && (name != "port" || n >= 1) => Ok(n),
                        _ => Err(detail_err(format!(
                            "{bad} for service '{service}' in network '{network}'"
                        ))),
                    }
                }
            }
        };
        let port = num("port", 65535, "invalid DNS SRV port attribute")?;
        let priority = num("priority", 65535, "Invalid DNS SRV priority attribute")?;
        let weight = num("weight", 65535, "invalid DNS SRV weight attribute")?;
        Ok(SrvFields {
            service: service_opt,
            protocol,
            domain,
            target,
            port,
            priority,
            weight,
        })
    }
}

fn parse_lease(el: &Element) -> Result<Option<Lease>> {
    let expiry = match el.attr("expiry") {
        None => return Ok(None),
        Some(v) => {
            let t = v.trim_start();
            let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok()
            } else if t.len() > 1 && t.starts_with('0') {
                u64::from_str_radix(&t[1..], 8).ok()
            } else {
                t.parse().ok()
            };
            parsed.ok_or_else(|| {
                net(invalid_value(
                    el,
                    "expiry",
                    v,
                    Some("Expected non-negative integer value"),
                ))
            })?
        }
    };
    let unit = el
        .enum_attr::<LeaseUnit>("unit")
        .map_err(net)?
        .unwrap_or(LeaseUnit::Minutes);
    if expiry > 0
        && ((unit == LeaseUnit::Seconds && expiry < 120)
            || (unit == LeaseUnit::Minutes && expiry < 2))
    {
        return Err(unsupported(
            "The minimum lease time should be greater than 2 minutes",
        ));
    }
    Ok(Some(Lease { expiry, unit }))
}

fn format_lease(l: &Lease) -> Out {
    if l.expiry == 0 {
        Out::new("lease").attr("expiry", 0)
    } else {
        Out::new("lease")
            .attr("expiry", l.expiry)
            .attr("unit", l.unit)
    }
}

impl NetworkIp {
    fn parse(el: &Element, network: &str) -> Result<NetworkIp> {
        let family_s = xpath_string(el.attr("family"));
        let address_s = xpath_string(el.attr("address")).ok_or_else(|| {
            xml_err(format!(
                "Missing required address attribute in network '{network}'"
            ))
        })?;
        let address = parse_ip(&address_s, None).ok_or_else(|| {
            xml_err(format!(
                "Invalid address '{address_s}' in network '{network}'"
            ))
        })?;
        let netmask_s = xpath_string(el.attr("netmask"));
        let netmask =
            match &netmask_s {
                None => None,
                Some(m) => Some(parse_ip(m, None).ok_or_else(|| {
                    xml_err(format!("Invalid netmask '{m}' in network '{network}'"))
                })?),
            };
        let prefix = num::uint_attr(el, "prefix", 10, false)
            .map_err(net)?
            .unwrap_or(0);
        let local_ptr = tristate(el, "localPtr")?;
        let family = match family_s.as_deref() {
            None | Some("ipv4") => {
                if !address.is_ipv4() {
                    return Err(unsupported(format!(
                        "{} family specified for non-IPv4 address '{address_s}' in network '{network}'",
                        if family_s.is_none() { "no" } else { "ipv4" }
                    )));
                }
                if let Some(m) = &netmask {
                    if !m.is_ipv4() {
                        return Err(unsupported(format!(
                            "Invalid netmask '{}' for address '{address_s}' in network '{network}' (both must be IPv4)",
                            netmask_s.as_deref().unwrap_or_default()
                        )));
                    }
                    if prefix > 0 {
                        return Err(unsupported(format!(
                            "Network '{network}' IP address cannot have both a prefix and a netmask"
                        )));
                    }
                } else if prefix > 32 {
                    return Err(unsupported(format!(
                        "Invalid IPv4 prefix '{prefix}' in network '{network}'"
                    )));
                }
                family_s.as_ref().map(|_| IpFamily::V4)
            }
            Some("ipv6") => {
                if !address.is_ipv6() {
                    return Err(unsupported(format!(
                        "Family 'ipv6' specified for non-IPv6 address '{address_s}' in network '{network}'"
                    )));
                }
                if netmask.is_some() {
                    return Err(unsupported(format!(
                        "netmask not allowed for IPv6 address '{address_s}' in network '{network}'"
                    )));
                }
                if prefix > 128 {
                    return Err(unsupported(format!(
                        "Invalid IPv6 prefix '{prefix}' in network '{network}'"
                    )));
                }
                Some(IpFamily::V6)
            }
            Some(other) => {
                return Err(xml_err(format!(
                    "Unrecognized family '{other}' in network '{network}'"
                )))
            }
        };
        let mut ip = NetworkIp {
            family,
            address,
            netmask,
            prefix,
            local_ptr,
            tftp_root: None,
            ranges: Vec::new(),
            hosts: Vec::new(),
            bootp_file: None,
            bootp_server: None,
        };
        if let Some(dhcp) = el.child("dhcp") {
            ip.parse_dhcp(dhcp, network)?;
        }
        if let Some(t) = el.child("tftp") {
            if !ip.address.is_ipv4() {
                return Err(unsupported(format!(
                    "Unsupported <tftp> element in an IPv6 element in network '{network}'"
                )));
            }
            ip.tftp_root = xpath_string(t.attr("root"));
        }
        Ok(ip)
    }

    fn parse_dhcp(&mut self, dhcp: &Element, network: &str) -> Result<()> {
        for r in dhcp.children_named("range") {
            let range = self.parse_range(r, network)?;
            self.ranges.push(range);
        }
        for h in dhcp.children_named("host") {
            let host = self.parse_host(h, network, false)?;
            self.hosts.push(host);
        }
        if let Some(b) = dhcp.child("bootp") {
            if self.address.is_ipv4() {
                let file = b.attr("file").ok_or_else(|| {
                    net(crate::error::xml_error(
                        "Missing required attribute 'file' in element 'bootp'",
                    ))
                })?;
                self.bootp_file = Some(file.to_string());
                if let Some(s) = b.attr("server") {
                    self.bootp_server = Some(sock_addr(s, None)?);
                }
            }
        }
        Ok(())
    }

    /// A `<range>` of this address's DHCP service.
    pub(crate) fn parse_range(&self, r: &Element, network: &str) -> Result<DhcpRange> {
        let start_s = r.attr("start").ok_or_else(|| {
            xml_err(format!(
                "Missing 'start' attribute in dhcp range for network '{network}'"
            ))
        })?;
        let start = sock_addr(start_s, None)?;
        let end_s = r.attr("end").ok_or_else(|| {
            xml_err(format!(
                "Missing 'end' attribute in dhcp range for network '{network}'"
            ))
        })?;
        let end = sock_addr(end_s, None)?;
        check_range(&start, &end, Some((&self.address, self.effective_prefix())))?;
        let lease = match r.child("lease") {
            None => None,
            Some(l) => parse_lease(l)?,
        };
        Ok(DhcpRange { start, end, lease })
    }

    /// A static DHCP `<host>`. With `partial` (the form used to find an entry) any one of
    /// name, MAC and address is enough.
    pub(crate) fn parse_host(&self, h: &Element, network: &str, partial: bool) -> Result<DhcpHost> {
        let v6 = self.address.is_ipv6();
        let mac = h.string_attr("mac");
        if let Some(m) = &mac {
            if v6 {
                return Err(xml_err(format!(
                    "Invalid to specify MAC address '{m}' in network '{network}' IPv6 static host definition"
                )));
            }
            check_mac(m, network)?;
        }
        let id = h.string_attr("id");
        if let Some(i) = &id {
            if let Some(c) = i.chars().find(|c| !(c.is_ascii_hexdigit() || *c == ':')) {
                return Err(xml_err(format!(
                    "Invalid character '{c}' in id '{i}' of network '{network}'"
                )));
            }
        }
        let name = h.string_attr("name");
        if let Some(n) = &name {
            if !n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
                return Err(xml_err(format!(
                    "Cannot use host name '{n}' in network '{network}'"
                )));
            }
        }
        let ip = match h.attr("ip") {
            None => None,
            Some(s) => Some(parse_ip(s, None).ok_or_else(|| {
                xml_err(format!(
                    "Invalid IP address in static host definition for network '{network}'"
                ))
            })?),
        };
        if partial {
            // libvirt 9.0's message ends with a space.
            if mac.is_none() && name.is_none() && ip.is_none() {
                return Err(xml_err(format!(
                    "At least one of name, mac, or ip attribute must be specified for static host definition in network '{network}' "
                )));
            }
        } else {
            if v6 {
                if id.is_none() && name.is_none() {
                    return Err(xml_err(format!(
                        "Static host definition in IPv6 network '{network}' must have id or name attribute"
                    )));
                }
            } else if mac.is_none() && name.is_none() {
                return Err(xml_err(format!(
                    "Static host definition in IPv4 network '{network}' must have mac or name attribute"
                )));
            }
            if ip.is_none() {
                return Err(xml_err(format!(
                    "Missing IP address in static host definition for network '{network}'"
                )));
            }
        }
        let lease = match h.child("lease") {
            None => None,
            Some(l) => parse_lease(l)?,
        };
        Ok(DhcpHost {
            mac,
            id,
            name,
            ip,
            lease,
        })
    }

    fn format(&self) -> Out {
        // libvirt 9.0 always writes <ip> open, even when nothing is inside.
        let mut o = Out::new("ip")
            .attr_opt("family", self.family)
            .attr("address", format_ip(&self.address))
            .attr_opt("netmask", self.netmask.as_ref().map(format_ip))
            .attr_opt("prefix", (self.prefix > 0).then_some(self.prefix))
            .attr_opt("localPtr", self.local_ptr.map(yes_no))
            .keep_open();
        if let Some(t) = &self.tftp_root {
            o.push(Out::new("tftp").attr("root", t));
        }
        if !self.ranges.is_empty() || !self.hosts.is_empty() {
            let mut d = Out::new("dhcp");
            for r in &self.ranges {
                let mut ro = Out::new("range")
                    .attr("start", format_ip(&r.start))
                    .attr("end", format_ip(&r.end));
                if let Some(l) = &r.lease {
                    ro.push(format_lease(l));
                }
                d.push(ro);
            }
            for h in &self.hosts {
                let mut ho = Out::new("host")
                    .attr_opt("mac", h.mac.as_ref())
                    .attr_opt("id", h.id.as_ref())
                    .attr_opt("name", h.name.as_ref())
                    .attr_opt("ip", h.ip.as_ref().map(format_ip));
                if let Some(l) = &h.lease {
                    ho.push(format_lease(l));
                }
                d.push(ho);
            }
            if let Some(f) = &self.bootp_file {
                d.push(
                    Out::new("bootp")
                        .attr("file", f)
                        .attr_opt("server", self.bootp_server.as_ref().map(format_ip)),
                );
            }
            o.push(d);
        }
        o
    }
}

impl PortGroup {
    pub(crate) fn parse(el: &Element) -> Result<PortGroup> {
        let name = xpath_string(el.attr("name"))
            .ok_or_else(|| xml_err("Missing required name attribute in portgroup"))?;
        let is_default = el
            .attr("default")
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        let trust_guest_rx_filters = tristate(el, "trustGuestRxFilters")?;
        let virtualport = el
            .child("virtualport")
            .map(|v| VirtualPort::parse(v, VirtualPortFlags::default()))
            .transpose()?;
        let bandwidth = match el.child("bandwidth") {
            None => None,
            Some(b) => Bandwidth::parse(b, false, false)?,
        };
        let vlan = el.child("vlan").map(Vlan::parse).transpose()?;
        Ok(PortGroup {
            name,
            is_default,
            trust_guest_rx_filters,
            vlan,
            virtualport,
            bandwidth,
        })
    }

    fn format(&self) -> Out {
        let mut p = Out::new("portgroup").attr("name", &self.name);
        if self.is_default {
            p.set("default", "yes");
        }
        p.set_opt(
            "trustGuestRxFilters",
            self.trust_guest_rx_filters.map(yes_no),
        );
        if let Some(v) = &self.vlan {
            p.push_opt(v.format());
        }
        if let Some(v) = &self.virtualport {
            p.push_opt(v.format());
        }
        if let Some(b) = &self.bandwidth {
            p.push(b.format());
        }
        p.keep_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classful_prefixes() {
        let p = |a: &str| ip_prefix(&a.parse().expect("ip"), None, 0);
        assert_eq!(p("10.0.0.1"), Some(8));
        assert_eq!(p("172.16.0.1"), Some(16));
        assert_eq!(p("192.168.0.1"), Some(24));
        assert_eq!(p("224.0.0.1"), None);
        assert_eq!(p("fd00::1"), Some(64));
        let m: IpAddr = "255.255.255.128".parse().expect("ip");
        assert_eq!(netmask_bits(&m), Some(25));
        let bad: IpAddr = "255.0.255.0".parse().expect("ip");
        assert_eq!(netmask_bits(&bad), None);
    }

    #[test]
    fn range_checks_match_libvirt() {
        let a = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let net = a("192.168.1.1");
        let e = check_range(&a("192.168.1.9"), &a("192.168.1.2"), Some((&net, Some(24))))
            .expect_err("reversed");
        assert_eq!(
            e.message,
            "internal error: range 192.168.1.9 - 192.168.1.2 is reversed "
        );
        assert!(check_range(
            &a("192.168.1.2"),
            &a("192.168.1.254"),
            Some((&net, Some(24)))
        )
        .is_ok());
    }
}
