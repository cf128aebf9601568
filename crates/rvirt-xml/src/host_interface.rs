//! Host network interface (`<interface type='ethernet|bridge|bond|vlan'>`) documents, as
//! the interface drivers (netcf/udev, and the test driver) read and print them.
//!
//! libvirt keeps most values of this format as the text it was given (MAC addresses,
//! VLAN tags, bridge delays, gateways, IP addresses), so they stay strings here too and
//! come back exactly as written. Start mode, MTU and IP settings only exist on the
//! top-level interface; those of enslaved interfaces are ignored, as libvirt does.
//! Errors carry `VIR_FROM_INTERFACE`.

use crate::error::in_domain;
use crate::num;
use crate::read::invalid_value;
use crate::tree::{parse_document, Element};
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

fn xml_err(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::INTERFACE,
        ErrorCode::XML_ERROR,
        Some(msg.into()),
    )
}

fn iface(e: Error) -> Error {
    in_domain(e, ErrorDomain::INTERFACE)
}

/// libvirt 9.0 fails on a malformed `<mtu size>` without reporting why; clients then see
/// the generic message of an error without a cause.
fn unknown_cause() -> Error {
    Error::raw(
        ErrorDomain::NONE,
        ErrorCode::INTERNAL_ERROR,
        "An error occurred, but the cause is unknown",
    )
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

xml_enum! {
    /// `<interface type=...>`.
    pub enum InterfaceType { Ethernet = "ethernet", Bridge = "bridge", Bond = "bond", Vlan = "vlan" }
}

xml_enum! {
    /// `<start mode=...>`.
    pub enum StartMode { None = "none", Onboot = "onboot", Hotplug = "hotplug" }
}

xml_enum! {
    /// `<bond mode=...>`.
    pub enum BondMode {
        BalanceRr = "balance-rr", ActiveBackup = "active-backup", BalanceXor = "balance-xor",
        Broadcast = "broadcast", Ieee8023ad = "802.3ad", BalanceTlb = "balance-tlb",
        BalanceAlb = "balance-alb",
    }
}

xml_enum! {
    /// `<miimon carrier=...>`.
    pub enum MiiCarrier { Ioctl = "ioctl", Netif = "netif" }
}

xml_enum! {
    /// `<arpmon validate=...>`.
    pub enum ArpValidate { Active = "active", Backup = "backup", All = "all" }
}

xml_enum! {
    /// Operational state of `<link state=...>` (RFC 2863).
    pub enum LinkState {
        Unknown = "unknown", NotPresent = "notpresent", Down = "down",
        LowerLayerDown = "lowerlayerdown", Testing = "testing", Dormant = "dormant", Up = "up",
    }
}

/// `<link speed= state=>`; speed in Mbit/s, 0 unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    pub speed: u32,
    pub state: Option<LinkState>,
}

impl Link {
    /// Reads a `<link>` element (also used by node device `net` capabilities).
    pub fn parse(el: &Element) -> Result<Link> {
        let speed = match el.attr("speed") {
            None => 0,
            Some(v) => num::to_uip(v, 10).ok_or_else(|| {
                iface(invalid_value(
                    el,
                    "speed",
                    v,
                    Some("Expected non-negative integer value"),
                ))
            })?,
        };
        Ok(Link {
            speed,
            state: el.enum_attr("state").map_err(iface)?,
        })
    }

    /// `None` when there is nothing to say.
    pub fn format(&self) -> Option<Out> {
        if self.speed == 0 && self.state.is_none() {
            return None;
        }
        Some(
            Out::new("link")
                .attr_opt("speed", (self.speed > 0).then_some(self.speed))
                .attr_opt("state", self.state),
        )
    }
}

/// `<ip address= prefix=>` inside `<protocol>`; the address is kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceIp {
    pub address: String,
    /// 0 means "not given".
    pub prefix: i32,
}

/// `<protocol family=...>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub autoconf: bool,
    /// `Some(peerdns)` when `<dhcp>` is present.
    pub dhcp: Option<Option<bool>>,
    pub ips: Vec<InterfaceIp>,
    /// The first `<route gateway=...>`, as written.
    pub gateway: Option<String>,
}

/// Bond link monitoring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BondMonitor {
    Mii {
        freq: i32,
        downdelay: i32,
        updelay: i32,
        carrier: Option<MiiCarrier>,
    },
    Arp {
        interval: i32,
        target: String,
        validate: Option<ArpValidate>,
    },
}

/// What the interface type adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterfaceKind {
    Ethernet {
        mac: Option<String>,
    },
    Bridge {
        stp: Option<bool>,
        delay: Option<String>,
        interfaces: Vec<InterfaceDef>,
    },
    Bond {
        mode: Option<BondMode>,
        monitor: Option<BondMonitor>,
        interfaces: Vec<InterfaceDef>,
    },
    Vlan {
        tag: String,
        device: Option<String>,
    },
}

impl InterfaceKind {
    pub fn interface_type(&self) -> InterfaceType {
        match self {
            InterfaceKind::Ethernet { .. } => InterfaceType::Ethernet,
            InterfaceKind::Bridge { .. } => InterfaceType::Bridge,
            InterfaceKind::Bond { .. } => InterfaceType::Bond,
            InterfaceKind::Vlan { .. } => InterfaceType::Vlan,
        }
    }
}

/// A host interface definition (top level or enslaved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceDef {
    pub name: String,
    pub start_mode: Option<StartMode>,
    /// 0 means "not given".
    pub mtu: u32,
    pub protocols: Vec<Protocol>,
    pub link: Link,
    pub kind: InterfaceKind,
}

impl InterfaceDef {
    /// Parses interface XML as libvirt 9.0 does.
    pub fn parse(xml: &str) -> Result<InterfaceDef> {
        let root = parse_document(xml, "interface_definition").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::INTERFACE;
            err
        })?;
        InterfaceDef::from_element(&root)
    }

    pub fn from_element(root: &Element) -> Result<InterfaceDef> {
        if root.name != "interface" || root.ns.is_some() {
            return Err(Error::new(
                ErrorDomain::XML,
                ErrorCode::XML_ERROR,
                Some(format!(
                    "expecting root element of 'interface', not '{}'",
                    root.name
                )),
            ));
        }
        InterfaceDef::parse_el(root, None)
    }

    fn parse_el(el: &Element, parent: Option<InterfaceType>) -> Result<InterfaceDef> {
        let ty: InterfaceType = el.req_enum_attr("type").map_err(iface)?;
        let allowed = match parent {
            None => true,
            Some(InterfaceType::Bond) => ty == InterfaceType::Ethernet,
            Some(InterfaceType::Bridge) => ty != InterfaceType::Bridge,
            Some(_) => false,
        };
        if !allowed {
            return Err(xml_err(format!("interface has unsupported type '{ty}'")));
        }
        let name = el
            .string_attr("name")
            .ok_or_else(|| xml_err("interface has no name"))?;
        let mut def = InterfaceDef {
            name,
            start_mode: None,
            mtu: 0,
            protocols: Vec::new(),
            link: Link::default(),
            kind: InterfaceKind::Ethernet { mac: None },
        };
        if parent.is_none() {
            if let Some(m) = el
                .child("start")
                .and_then(|s| nonempty(s.string_attr("mode")))
            {
                def.start_mode = Some(
                    StartMode::from_xml(&m)
                        .ok_or_else(|| xml_err(format!("unknown interface startmode {m}")))?,
                );
            }
            if let Some(s) = el
                .child("mtu")
                .and_then(|m| nonempty(m.string_attr("size")))
            {
                let v = num::to_ll(&s, 10)
                    .filter(|v| *v >= 0)
                    .ok_or_else(unknown_cause)?;
                if v > 100_000 {
                    return Err(xml_err(
                        "value of the 'size' attribute of 'mtu' element must be at most 100000",
                    ));
                }
                def.mtu = v as u32;
            }
            for p in el.children_named("protocol") {
                def.protocols.push(Protocol::parse(p)?);
            }
        }
        if ty != InterfaceType::Bridge {
            if let Some(l) = el.child("link") {
                def.link = Link::parse(l)?;
            }
        }
        def.kind = match ty {
            InterfaceType::Ethernet => InterfaceKind::Ethernet {
                mac: el
                    .child("mac")
                    .and_then(|m| nonempty(m.string_attr("address"))),
            },
            InterfaceType::Bridge => {
                let b = el
                    .child("bridge")
                    .ok_or_else(|| xml_err("bridge interface misses the bridge element"))?;
                // libvirt reports a bad stp value but then returns success, having read
                // neither the delay nor the enslaved interfaces.
                let (stp, bad_stp) = match b.attr("stp") {
                    None => (None, false),
                    Some("on") => (Some(true), false),
                    Some("off") => (Some(false), false),
                    Some(_) => (None, true),
                };
                if bad_stp {
                    InterfaceKind::Bridge {
                        stp: None,
                        delay: None,
                        interfaces: Vec::new(),
                    }
                } else {
                    let interfaces = b
                        .children_named("interface")
                        .map(|i| InterfaceDef::parse_el(i, Some(InterfaceType::Bridge)))
                        .collect::<Result<Vec<_>>>()?;
                    InterfaceKind::Bridge {
                        stp,
                        delay: b.string_attr("delay"),
                        interfaces,
                    }
                }
            }
            InterfaceType::Bond => {
                let b = el
                    .child("bond")
                    .ok_or_else(|| xml_err("bond interface misses the bond element"))?;
                let mode = match nonempty(b.string_attr("mode")) {
                    None => None,
                    Some(m) => Some(
                        BondMode::from_xml(&m)
                            .ok_or_else(|| xml_err(format!("unknown bonding mode {m}")))?,
                    ),
                };
                let interfaces = b
                    .children_named("interface")
                    .map(|i| InterfaceDef::parse_el(i, Some(InterfaceType::Bond)))
                    .collect::<Result<Vec<_>>>()?;
                let monitor = if let Some(m) = b.child("miimon") {
                    let freq = num::xpath_int(m, "freq")
                        .flatten()
                        .ok_or_else(|| xml_err("bond interface miimon freq missing or invalid"))?;
                    let opt = |n: &str, msg: &str| -> Result<i32> {
                        match num::xpath_int(m, n) {
                            None => Ok(0),
                            Some(Some(v)) => Ok(v),
                            Some(None) => Err(xml_err(msg.to_string())),
                        }
                    };
                    let downdelay = opt("downdelay", "bond interface miimon downdelay invalid")?;
                    let updelay = opt("updelay", "bond interface miimon updelay invalid")?;
                    let carrier =
                        match nonempty(m.string_attr("carrier")) {
                            None => None,
                            Some(c) => Some(MiiCarrier::from_xml(&c).ok_or_else(|| {
                                xml_err(format!("unknown mii bonding carrier {c}"))
                            })?),
                        };
                    Some(BondMonitor::Mii {
                        freq,
                        downdelay,
                        updelay,
                        carrier,
                    })
                } else if let Some(a) = b.child("arpmon") {
                    let interval = num::xpath_int(a, "interval").flatten().ok_or_else(|| {
                        xml_err("bond interface arpmon interval missing or invalid")
                    })?;
                    let target = nonempty(a.string_attr("target"))
                        .ok_or_else(|| xml_err("bond interface arpmon target missing"))?;
                    let validate =
                        match nonempty(a.string_attr("validate")) {
                            None => None,
                            Some(v) => Some(ArpValidate::from_xml(&v).ok_or_else(|| {
                                xml_err(format!("unknown arp bonding validate {v}"))
                            })?),
                        };
                    Some(BondMonitor::Arp {
                        interval,
                        target,
                        validate,
                    })
                } else {
                    None
                };
                InterfaceKind::Bond {
                    mode,
                    monitor,
                    interfaces,
                }
            }
            InterfaceType::Vlan => {
                let v = el
                    .child("vlan")
                    .ok_or_else(|| xml_err("vlan interface misses the vlan element"))?;
                let tag = nonempty(v.string_attr("tag"))
                    .ok_or_else(|| xml_err("vlan interface misses the tag attribute"))?;
                let device = nonempty(v.child("interface").and_then(|i| i.string_attr("name")))
                    .ok_or_else(|| xml_err("vlan interface misses name attribute"))?;
                InterfaceKind::Vlan {
                    tag,
                    device: Some(device),
                }
            }
        };
        Ok(def)
    }

    pub fn interface_type(&self) -> InterfaceType {
        self.kind.interface_type()
    }

    /// The MAC address of an ethernet interface, as written.
    pub fn mac(&self) -> Option<&str> {
        match &self.kind {
            InterfaceKind::Ethernet { mac } => mac.as_deref(),
            _ => None,
        }
    }

    /// Prints the interface in libvirt's layout.
    pub fn format(&self) -> String {
        self.to_out(true).render(0)
    }

    fn to_out(&self, top: bool) -> Out {
        let mut o = Out::new("interface")
            .attr("type", self.interface_type())
            .attr("name", &self.name)
            .keep_open();
        if top {
            if let Some(m) = self.start_mode {
                o.push(Out::new("start").attr("mode", m));
            }
            if self.mtu != 0 {
                o.push(Out::new("mtu").attr("size", self.mtu));
            }
            for p in &self.protocols {
                o.push(p.format());
            }
        }
        if self.interface_type() != InterfaceType::Bridge {
            o.push_opt(self.link.format());
        }
        match &self.kind {
            InterfaceKind::Ethernet { mac } => {
                if let Some(m) = mac {
                    o.push(Out::new("mac").attr("address", m));
                }
            }
            InterfaceKind::Bridge {
                stp,
                delay,
                interfaces,
            } => {
                let mut b = Out::new("bridge")
                    .attr_opt("stp", stp.map(|s| if s { "on" } else { "off" }))
                    .attr_opt("delay", delay.as_ref())
                    .keep_open();
                for i in interfaces {
                    b.push(i.to_out(false));
                }
                o.push(b);
            }
            InterfaceKind::Bond {
                mode,
                monitor,
                interfaces,
            } => {
                let mut b = Out::new("bond").attr_opt("mode", *mode).keep_open();
                match monitor {
                    Some(BondMonitor::Mii {
                        freq,
                        downdelay,
                        updelay,
                        carrier,
                    }) => b.push(
                        Out::new("miimon")
                            .attr("freq", freq)
                            .attr_opt("downdelay", (*downdelay > 0).then_some(downdelay))
                            .attr_opt("updelay", (*updelay > 0).then_some(updelay))
                            .attr_opt("carrier", *carrier),
                    ),
                    Some(BondMonitor::Arp {
                        interval,
                        target,
                        validate,
                    }) => b.push(
                        Out::new("arpmon")
                            .attr("interval", interval)
                            .attr("target", target)
                            .attr_opt("validate", *validate),
                    ),
                    None => {}
                }
                for i in interfaces {
                    b.push(i.to_out(false));
                }
                o.push(b);
            }
            InterfaceKind::Vlan { tag, device } => {
                let mut v = Out::new("vlan").attr("tag", tag);
                if let Some(d) = device {
                    v.push(Out::new("interface").attr("name", d));
                }
                o.push(v);
            }
        }
        o
    }
}

impl Protocol {
    fn parse(el: &Element) -> Result<Protocol> {
        let family = el
            .string_attr("family")
            .ok_or_else(|| xml_err("protocol misses the family attribute"))?;
        let v6 = match family.as_str() {
            "ipv4" => false,
            "ipv6" => true,
            _ => return Err(xml_err(format!("unsupported protocol family '{family}'"))),
        };
        let gateway = el
            .child("route")
            .and_then(|r| nonempty(r.string_attr("gateway")));
        let autoconf = v6 && el.child("autoconf").is_some();
        let dhcp = match el.child("dhcp") {
            None => None,
            Some(d) => Some(d.yes_no_attr("peerdns").map_err(iface)?),
        };
        let mut ips = Vec::new();
        for ip in el.children_named("ip") {
            let Some(address) = ip.string_attr("address") else {
                continue;
            };
            let prefix = match ip.attr("prefix") {
                None => 0,
                Some(p) => num::to_i(p, 0).ok_or_else(|| {
                    iface(invalid_value(
                        ip,
                        "prefix",
                        p,
                        Some("Expected integer value"),
                    ))
                })?,
            };
            ips.push(InterfaceIp { address, prefix });
        }
        Ok(Protocol {
            family,
            autoconf,
            dhcp,
            ips,
            gateway,
        })
    }

    fn format(&self) -> Out {
        let mut p = Out::new("protocol")
            .attr("family", &self.family)
            .keep_open();
        if self.autoconf {
            p.push(Out::new("autoconf"));
        }
        if let Some(peerdns) = self.dhcp {
            p.push(Out::new("dhcp").attr_opt("peerdns", peerdns.map(yes_no)));
        }
        for ip in &self.ips {
            p.push(
                Out::new("ip")
                    .attr("address", &ip.address)
                    .attr_opt("prefix", (ip.prefix != 0).then_some(ip.prefix)),
            );
        }
        if let Some(g) = &self.gateway {
            p.push(Out::new("route").attr("gateway", g));
        }
        p
    }
}
