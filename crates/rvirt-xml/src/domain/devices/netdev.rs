//! Network-device parts that the domain `<interface>` shares with the network, network
//! port and interface documents: `<vlan>`, `<bandwidth>`, `<virtualport>`, `<port>`,
//! `<route>` and host/guest `<ip>` addresses.
//!
//! Nothing here refers to a domain, so the network model can use these types as they are.
//! Errors are raised in libvirt's words; like libvirt's shared helpers they carry the
//! error domain of the utility code (none, or network for routes), not the document's.

pub use super::netdev_ip::{format_ip, parse_ip, IpFamily, NetIpAddress, NetIpInfo, Route};
use crate::num;
use crate::tree::Element;
use crate::uuids::{parse_uuid, random_uuid};
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

fn err(domain: ErrorDomain, code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(domain, code, Some(msg.into()))
}

fn xml_err(msg: impl Into<String>) -> Error {
    err(ErrorDomain::NONE, ErrorCode::XML_ERROR, msg)
}

/// libvirt reads many optional strings through XPath `string(...)`, which cannot tell an
/// empty attribute from a missing one; such attributes are absent when empty.
pub(crate) fn nonempty_attr(el: &Element, name: &str) -> Option<String> {
    el.attr(name).filter(|v| !v.is_empty()).map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// <vlan>

xml_enum! {
    /// How the native (untagged) VLAN of a trunk is handled.
    pub enum NativeVlanMode { Tagged = "tagged", Untagged = "untagged" }
}

/// `<vlan>`: one access VLAN, or a trunk of several with an optional native one.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Vlan {
    /// Set by `trunk='yes'` and implied by more than one tag.
    pub trunk: bool,
    pub tags: Vec<u32>,
    /// The tag marked with `nativeMode`, and how it is carried.
    pub native: Option<(NativeVlanMode, u32)>,
}

impl Vlan {
    pub fn parse(el: &Element) -> Result<Vlan> {
        let tags: Vec<&Element> = el.children_named("tag").collect();
        if tags.is_empty() {
            return Err(xml_err(
                "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement",
            ));
        }
        let mut v = Vlan::default();
        for t in tags {
            let id = num::required(t, "id", num::uint_attr(t, "id", 10, false)?)?;
            if id > 4095 {
                return Err(xml_err(format!(
                    "vlan tag id {id} too large (maximum 4095)"
                )));
            }
            if let Some(mode) = t.enum_attr::<NativeVlanMode>("nativeMode")? {
                if v.native.is_some() {
                    return Err(xml_err("duplicate native vlan setting"));
                }
                v.native = Some((mode, id));
            }
            v.tags.push(id);
        }
        v.trunk = v.tags.len() > 1;
        if let Some(trunk) = el.attr("trunk").filter(|t| !t.is_empty()) {
            v.trunk = trunk.eq_ignore_ascii_case("yes");
            if !v.trunk {
                if v.tags.len() > 1 {
                    return Err(xml_err(format!(
                        "invalid \"trunk='{trunk}'\" in <vlan> - trunk='yes' is required for more than one vlan tag"
                    )));
                }
                if v.native.is_some() {
                    return Err(xml_err(
                        "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id",
                    ));
                }
                if !trunk.eq_ignore_ascii_case("no") {
                    return Err(xml_err(format!(
                        "invalid \"trunk='{trunk}'\" in <vlan> - must be yes or no"
                    )));
                }
            }
        }
        Ok(v)
    }

    /// `None` when there are no tags (nothing to print).
    pub fn format(&self) -> Option<Out> {
        if self.tags.is_empty() {
            return None;
        }
        let mut o = Out::new("vlan");
        if self.trunk {
            o.set("trunk", "yes");
        }
        for id in &self.tags {
            let mut t = Out::new("tag").attr("id", id);
            if let Some((mode, native)) = self.native {
                if native == *id {
                    t.set("nativeMode", mode);
                }
            }
            o.push(t);
        }
        Some(o)
    }
}

// ---------------------------------------------------------------------------------------
// <bandwidth>

/// One direction of `<bandwidth>`; rates in KiB/s, burst in KiB. Zero values are not
/// printed, as in libvirt.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BandwidthRate {
    pub average: Option<u64>,
    pub peak: Option<u64>,
    pub burst: Option<u64>,
    pub floor: Option<u64>,
}

/// `<bandwidth>` QoS limits.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Bandwidth {
    /// `classID`, only meaningful in network status documents.
    pub class_id: Option<u32>,
    pub inbound: Option<BandwidthRate>,
    pub outbound: Option<BandwidthRate>,
}

impl BandwidthRate {
    fn parse(el: &Element) -> Result<BandwidthRate> {
        let num = |name: &str| -> Result<Option<u64>> {
            match el.attr(name) {
                None => Ok(None),
                Some(v) => num::to_ullp(v, 10).map(Some).ok_or_else(|| {
                    err(
                        ErrorDomain::NONE,
                        ErrorCode::CONFIG_UNSUPPORTED,
                        format!("could not convert bandwidth {name} value '{v}'"),
                    )
                }),
            }
        };
        let average = num("average")?;
        if average.is_none() && el.attr("floor").is_none() {
            return Err(err(
                ErrorDomain::NONE,
                ErrorCode::XML_DETAIL,
                "Missing mandatory average or floor attributes",
            ));
        }
        if (el.attr("peak").is_some() || el.attr("burst").is_some()) && average.is_none() {
            return Err(err(
                ErrorDomain::NONE,
                ErrorCode::CONFIG_UNSUPPORTED,
                "'peak' and 'burst' require 'average' attribute",
            ));
        }
        Ok(BandwidthRate {
            average,
            peak: num("peak")?,
            burst: num("burst")?,
            floor: num("floor")?,
        })
    }

    fn format(&self, name: &str) -> Option<Out> {
        let nz = |v: Option<u64>| v.filter(|v| *v != 0);
        if nz(self.average).is_none() && nz(self.floor).is_none() {
            return None;
        }
        Some(
            Out::new(name)
                .attr_opt("average", nz(self.average))
                .attr_opt("peak", nz(self.peak))
                .attr_opt("floor", nz(self.floor))
                .attr_opt("burst", nz(self.burst)),
        )
    }
}

impl Bandwidth {
    /// Parses `<bandwidth>`. `allow_class_id` is for network documents; `allow_floor`
    /// is true where a floor can be honoured (interfaces of type network, networks).
    /// Returns `None` when neither direction is given, as libvirt then keeps nothing.
    pub fn parse(
        el: &Element,
        allow_class_id: bool,
        allow_floor: bool,
    ) -> Result<Option<Bandwidth>> {
        let mut bw = Bandwidth::default();
        if let Some(c) = el.attr("classID") {
            if !allow_class_id {
                return Err(err(
                    ErrorDomain::NONE,
                    ErrorCode::XML_DETAIL,
                    "classID attribute not supported on <bandwidth> in this usage context",
                ));
            }
            bw.class_id = Some(
                num::to_ullp(c, 10)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        err(
                            ErrorDomain::NONE,
                            ErrorCode::INTERNAL_ERROR,
                            format!("Unable to parse class id '{c}'"),
                        )
                    })?,
            );
        }
        let mut inbound = None;
        let mut outbound = None;
        for c in el.elements() {
            let slot = match c.name.as_str() {
                "inbound" => &mut inbound,
                "outbound" => &mut outbound,
                _ => continue,
            };
            if slot.is_some() {
                return Err(err(
                    ErrorDomain::NONE,
                    ErrorCode::XML_DETAIL,
                    format!("Only one child <{}> element allowed", c.name),
                ));
            }
            *slot = Some(c);
        }
        if let Some(i) = inbound {
            let r = BandwidthRate::parse(i)?;
            if r.floor.unwrap_or(0) != 0 && !allow_floor {
                return Err(err(
                    ErrorDomain::NONE,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    "floor attribute is not supported for this config",
                ));
            }
            bw.inbound = Some(r);
        }
        if let Some(o) = outbound {
            let r = BandwidthRate::parse(o)?;
            if r.floor.unwrap_or(0) != 0 {
                return Err(err(
                    ErrorDomain::NONE,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    "'floor' attribute allowed only in <inbound> element",
                ));
            }
            bw.outbound = Some(r);
        }
        if bw.inbound.is_none() && bw.outbound.is_none() {
            return Ok(None);
        }
        Ok(Some(bw))
    }

    /// Always prints the element (libvirt keeps `<bandwidth>` open even when both
    /// directions are zero).
    pub fn format(&self) -> Out {
        let mut o = Out::new("bandwidth")
            .attr_opt("classID", self.class_id.filter(|c| *c != 0))
            .keep_open();
        if let Some(i) = &self.inbound {
            o.push_opt(i.format("inbound"));
        }
        if let Some(out) = &self.outbound {
            o.push_opt(out.format("outbound"));
        }
        o
    }
}

// ---------------------------------------------------------------------------------------
// <virtualport>

xml_enum! {
    /// The switch technology a port profile is for.
    pub enum VirtualPortType {
        Qbg = "802.1Qbg",
        Qbh = "802.1Qbh",
        OpenVSwitch = "openvswitch",
        Midonet = "midonet",
    }
}

/// How strictly a `<virtualport>` is read; depends on where it appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VirtualPortFlags {
    /// Fill in a random instanceid (802.1Qbg/untyped) or interfaceid (openvswitch/untyped).
    pub generate_missing: bool,
    /// Every parameter the type needs must be present.
    pub require_all: bool,
    /// `type=` must be given.
    pub require_type: bool,
}

/// `<virtualport>`: a port profile. Parameters not used by the type are kept (libvirt
/// accepts some of them) but only those meaningful for the type are printed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VirtualPort {
    pub kind: Option<VirtualPortType>,
    pub manager_id: Option<u8>,
    pub type_id: Option<u32>,
    pub type_id_version: Option<u8>,
    pub instance_id: Option<Uuid>,
    pub profile_id: Option<String>,
    pub interface_id: Option<Uuid>,
}

/// Longest profile id libvirt accepts (its buffer holds 40 bytes with the terminator).
pub const PROFILE_ID_MAX: usize = 39;

impl VirtualPort {
    pub fn parse(el: &Element, flags: VirtualPortFlags) -> Result<VirtualPort> {
        let mut vp = VirtualPort::default();
        if let Some(t) = el.attr("type") {
            vp.kind = Some(VirtualPortType::from_xml(t).ok_or_else(|| {
                err(
                    ErrorDomain::NONE,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    format!("unknown virtualport type {t}"),
                )
            })?);
        }
        if vp.kind.is_none() && flags.require_type {
            return Err(xml_err("missing required virtualport type"));
        }
        if let Some(p) = el.child("parameters") {
            let small = |name: &str, max: u64, what: &str| -> Result<Option<u64>> {
                match p.attr(name) {
                    None => Ok(None),
                    Some(v) => {
                        let n = num::to_ullp(v, 0)
                            .filter(|n| *n <= u32::MAX as u64)
                            .ok_or_else(|| {
                                xml_err(format!("cannot parse value of {name} parameter"))
                            })?;
                        if n > max {
                            return Err(xml_err(what.to_string()));
                        }
                        Ok(Some(n))
                    }
                }
            };
            vp.manager_id =
                small("managerid", 0xff, "value of managerid out of range")?.map(|n| n as u8);
            vp.type_id =
                small("typeid", 0xff_ffff, "value for typeid out of range")?.map(|n| n as u32);
            vp.type_id_version =
                small("typeidversion", 0xff, "value of typeidversion out of range")?
                    .map(|n| n as u8);
            if let Some(v) = p.attr("instanceid") {
                vp.instance_id = Some(
                    parse_uuid(v)
                        .ok_or_else(|| xml_err("cannot parse instanceid parameter as a uuid"))?,
                );
            }
            if let Some(v) = p.attr("profileid") {
                if v.len() > PROFILE_ID_MAX {
                    return Err(xml_err("profileid parameter too long"));
                }
                if !v.is_empty() {
                    vp.profile_id = Some(v.to_string());
                }
            }
            if let Some(v) = p.attr("interfaceid") {
                vp.interface_id = Some(
                    parse_uuid(v)
                        .ok_or_else(|| xml_err("cannot parse interfaceid parameter as a uuid"))?,
                );
            }
        }
        if flags.generate_missing {
            if vp.instance_id.is_none() && matches!(vp.kind, None | Some(VirtualPortType::Qbg)) {
                vp.instance_id = Some(random_uuid()?);
            }
            if vp.interface_id.is_none()
                && matches!(vp.kind, None | Some(VirtualPortType::OpenVSwitch))
            {
                vp.interface_id = Some(random_uuid()?);
            }
        }
        if flags.require_all {
            vp.check_complete()?;
        }
        vp.check_no_extras()?;
        Ok(vp)
    }

    fn check_complete(&self) -> Result<()> {
        let missing = match self.kind {
            None => None,
            Some(VirtualPortType::Qbg) => {
                if self.manager_id.is_none() {
                    Some("managerid")
                } else if self.type_id.is_none() {
                    Some("typeid")
                } else if self.type_id_version.is_none() {
                    Some("typeidversion")
                } else if self.instance_id.is_none() {
                    Some("instanceid")
                } else {
                    None
                }
            }
            Some(VirtualPortType::Qbh) => self.profile_id.is_none().then_some("profileid"),
            Some(VirtualPortType::OpenVSwitch) | Some(VirtualPortType::Midonet) => {
                self.interface_id.is_none().then_some("interfaceid")
            }
        };
        match (missing, self.kind) {
            (Some(m), Some(k)) => Err(xml_err(format!("missing {m} in <virtualport type='{k}'>"))),
            _ => Ok(()),
        }
    }

    fn check_no_extras(&self) -> Result<()> {
        let qbg_only = || {
            if self.manager_id.is_some() {
                Some("managerid")
            } else if self.type_id.is_some() {
                Some("typeid")
            } else if self.type_id_version.is_some() {
                Some("typeidversion")
            } else if self.instance_id.is_some() {
                Some("instanceid")
            } else {
                None
            }
        };
        let extra = match self.kind {
            None | Some(VirtualPortType::Midonet) => None,
            Some(VirtualPortType::Qbg) => {
                if self.profile_id.is_some() {
                    Some("profileid")
                } else if self.interface_id.is_some() {
                    Some("interfaceid")
                } else {
                    None
                }
            }
            Some(VirtualPortType::Qbh) => {
                qbg_only().or_else(|| self.interface_id.is_some().then_some("interfaceid"))
            }
            Some(VirtualPortType::OpenVSwitch) => qbg_only(),
        };
        match (extra, self.kind) {
            (Some(x), Some(k)) => Err(xml_err(format!(
                "extra {x} unsupported in <virtualport type='{k}'>"
            ))),
            _ => Ok(()),
        }
    }

    /// `None` for an untyped profile without parameters (libvirt prints nothing then).
    pub fn format(&self) -> Option<Out> {
        let no_params = self.manager_id.is_none()
            && self.type_id.is_none()
            && self.type_id_version.is_none()
            && self.instance_id.is_none()
            && self.profile_id.is_none()
            && self.interface_id.is_none();
        let mut o = Out::new("virtualport").attr_opt("type", self.kind);
        if no_params {
            return self.kind.map(|_| o);
        }
        use VirtualPortType as T;
        let k = self.kind;
        let qbg = matches!(k, None | Some(T::Qbg));
        let mut p = Out::new("parameters");
        if qbg {
            p.set_opt("managerid", self.manager_id);
            p.set_opt("typeid", self.type_id);
            p.set_opt("typeidversion", self.type_id_version);
            p.set_opt("instanceid", self.instance_id.map(|u| u.hyphenated()));
        }
        if matches!(k, None | Some(T::Midonet) | Some(T::OpenVSwitch)) {
            p.set_opt("interfaceid", self.interface_id.map(|u| u.hyphenated()));
        }
        if matches!(k, None | Some(T::OpenVSwitch) | Some(T::Qbh)) {
            p.set_opt("profileid", self.profile_id.as_ref());
        }
        o.push(p);
        Some(o)
    }
}

// ---------------------------------------------------------------------------------------
// <port isolated=...>

/// `<port isolated='yes|no'/>` (libvirt's network port options). `None` when absent.
pub fn parse_port_isolated(parent: &Element) -> Result<Option<bool>> {
    match parent.child("port") {
        None => Ok(None),
        Some(p) => p.yes_no_attr("isolated"),
    }
}

/// Prints `<port isolated=.../>` when set.
pub fn format_port_isolated(isolated: Option<bool>) -> Option<Out> {
    isolated.map(|i| Out::new("port").attr("isolated", yes_no(i)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn el(s: &str) -> Element {
        parse_document(s, "t").expect("well-formed")
    }

    fn render(o: Option<Out>) -> String {
        o.map(|o| o.render(0)).unwrap_or_default()
    }

    #[test]
    fn vlan_trunk_implied_and_errors() {
        let v = Vlan::parse(&el(
            "<vlan><tag id='7' nativeMode='untagged'/><tag id='8'/></vlan>",
        ))
        .expect("ok");
        assert!(v.trunk);
        assert_eq!(
            render(v.format()),
            "<vlan trunk='yes'>\n  <tag id='7' nativeMode='untagged'/>\n  <tag id='8'/>\n</vlan>\n"
        );
        let cases = [
            ("<vlan/>", "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"),
            ("<vlan><tag id='4096'/></vlan>", "XML error: vlan tag id 4096 too large (maximum 4095)"),
            ("<vlan><tag id='-1'/></vlan>", "XML error: Invalid value for attribute 'id' in element 'tag': '-1'. Expected non-negative integer value"),
            ("<vlan><tag id='1' nativeMode='tagged'/><tag id='2' nativeMode='untagged'/></vlan>", "XML error: duplicate native vlan setting"),
            ("<vlan trunk='no'><tag id='1'/><tag id='2'/></vlan>", "XML error: invalid \"trunk='no'\" in <vlan> - trunk='yes' is required for more than one vlan tag"),
            ("<vlan trunk='x'><tag id='1'/></vlan>", "XML error: invalid \"trunk='x'\" in <vlan> - must be yes or no"),
            ("<vlan><tag id='1' nativeMode='default'/></vlan>", "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'default'."),
        ];
        for (x, m) in cases {
            assert_eq!(Vlan::parse(&el(x)).expect_err(x).message, m);
        }
    }

    #[test]
    fn bandwidth_rules() {
        let b = Bandwidth::parse(
            &el("<bandwidth><inbound average='1000' peak='5000' floor='200' burst='1024'/><outbound average='128'/></bandwidth>"),
            false,
            true,
        )
        .expect("ok")
        .expect("some");
        assert_eq!(
            b.format().render(0),
            "<bandwidth>\n  <inbound average='1000' peak='5000' floor='200' burst='1024'/>\n  <outbound average='128'/>\n</bandwidth>\n"
        );
        assert!(Bandwidth::parse(&el("<bandwidth/>"), false, true)
            .expect("ok")
            .is_none());
        let zero = Bandwidth::parse(
            &el("<bandwidth><inbound average='0'/></bandwidth>"),
            false,
            true,
        )
        .expect("ok")
        .expect("some");
        assert_eq!(zero.format().render(0), "<bandwidth>\n</bandwidth>\n");
        let cases = [
            (
                "<bandwidth><inbound/></bandwidth>",
                true,
                "Missing mandatory average or floor attributes",
            ),
            (
                "<bandwidth><inbound average='x'/></bandwidth>",
                true,
                "unsupported configuration: could not convert bandwidth average value 'x'",
            ),
            (
                "<bandwidth><inbound peak='10' floor='1'/></bandwidth>",
                true,
                "unsupported configuration: 'peak' and 'burst' require 'average' attribute",
            ),
            (
                "<bandwidth><outbound average='1' floor='10'/></bandwidth>",
                true,
                "unsupported configuration: 'floor' attribute allowed only in <inbound> element",
            ),
            (
                "<bandwidth classID='3'><outbound average='1'/></bandwidth>",
                true,
                "classID attribute not supported on <bandwidth> in this usage context",
            ),
            (
                "<bandwidth><inbound average='1'/><inbound average='2'/></bandwidth>",
                true,
                "Only one child <inbound> element allowed",
            ),
            (
                "<bandwidth><inbound average='1' floor='3'/></bandwidth>",
                false,
                "unsupported configuration: floor attribute is not supported for this config",
            ),
        ];
        for (x, floor, m) in cases {
            assert_eq!(
                Bandwidth::parse(&el(x), false, floor).expect_err(x).message,
                m
            );
        }
    }

    #[test]
    fn virtualport_generation_checks_and_order() {
        let gen = VirtualPortFlags {
            generate_missing: true,
            ..Default::default()
        };
        let strict = VirtualPortFlags {
            generate_missing: true,
            require_all: true,
            require_type: true,
        };
        let vp = VirtualPort::parse(&el("<virtualport type='openvswitch'/>"), strict).expect("ok");
        assert!(vp.interface_id.is_some());
        let vp = VirtualPort::parse(&el("<virtualport/>"), gen).expect("ok");
        assert!(vp.interface_id.is_some() && vp.instance_id.is_some());
        let vp = VirtualPort::parse(
            &el("<virtualport type='openvswitch'><parameters profileid='menial' interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>"),
            strict,
        )
        .expect("ok");
        assert_eq!(
            render(vp.format()),
            "<virtualport type='openvswitch'>\n  <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/>\n</virtualport>\n"
        );
        let vp = VirtualPort::parse(
            &el("<virtualport type='midonet'><parameters managerid='1'/></virtualport>"),
            gen,
        )
        .expect("ok");
        assert_eq!(
            render(vp.format()),
            "<virtualport type='midonet'>\n  <parameters/>\n</virtualport>\n"
        );
        let cases = [
            ("<virtualport type='802.1Qbg'><parameters managerid='11'/></virtualport>", strict, "XML error: missing typeid in <virtualport type='802.1Qbg'>"),
            ("<virtualport type='802.1Qbh'><parameters profileid='x' managerid='11'/></virtualport>", strict, "XML error: extra managerid unsupported in <virtualport type='802.1Qbh'>"),
            ("<virtualport type='midonet'><parameters/></virtualport>", strict, "XML error: missing interfaceid in <virtualport type='midonet'>"),
            ("<virtualport/>", strict, "XML error: missing required virtualport type"),
            ("<virtualport type='foo'/>", gen, "unsupported configuration: unknown virtualport type foo"),
            ("<virtualport type='802.1Qbg'><parameters managerid='256'/></virtualport>", gen, "XML error: value of managerid out of range"),
            ("<virtualport type='802.1Qbg'><parameters managerid='x'/></virtualport>", gen, "XML error: cannot parse value of managerid parameter"),
            ("<virtualport type='802.1Qbg'><parameters instanceid='x'/></virtualport>", gen, "XML error: cannot parse instanceid parameter as a uuid"),
            ("<virtualport type='802.1Qbh'><parameters profileid='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'/></virtualport>", gen, "XML error: profileid parameter too long"),
        ];
        for (x, f, m) in cases {
            assert_eq!(VirtualPort::parse(&el(x), f).expect_err(x).message, m);
        }
    }
}
