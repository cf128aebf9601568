//! Network-device parts that the domain `<interface>` shares with the network, network
//! port and interface documents: `<vlan>`, `<bandwidth>`, `<virtualport>`, `<port>`,
//! `<route>` and host/guest `<ip>` addresses.
//!
//! Nothing here refers to a domain, so the network model can use these types as they are.
//! Errors are raised in libvirt's words; like libvirt's shared helpers they carry the
//! error domain of the utility code (none, or network for routes), not the document's.

use crate::read::invalid_value;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use uuid::Uuid;

fn err(domain: ErrorDomain, code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(domain, code, Some(msg.into()))
}

fn xml_err(msg: impl Into<String>) -> Error {
    err(ErrorDomain::NONE, ErrorCode::XML_ERROR, msg)
}

// ---------------------------------------------------------------------------------------
// Number and address readers with C semantics. libvirt reads numbers with strtoul & co,
// which accept leading blanks and a '+', pick the radix from the prefix when asked to, and
// must consume the whole string; these helpers reproduce that so the same inputs are
// accepted and refused.

/// `strtoul` over the whole string: leading C whitespace, optional `+`, digits in `base`
/// (0 = by prefix: `0x` hex, leading `0` octal, else decimal; 16 also accepts `0x`).
/// A `-` anywhere is refused, as libvirt's unsigned readers do.
pub(crate) fn c_strtoul(s: &str, base: u32) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let t = t.strip_prefix('+').unwrap_or(t);
    parse_radix(t, base)
}

/// `strtol`/`strtoll` over the whole string (signed).
pub(crate) fn c_strtol(s: &str, base: u32) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = parse_radix(t, base)?;
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

fn strip_hex(t: &str) -> Option<&str> {
    t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))
}

fn parse_radix(t: &str, base: u32) -> Option<u64> {
    let hex = strip_hex;
    let (digits, radix) = match base {
        0 => match hex(t) {
            Some(h) => (h, 16),
            None if t.len() > 1 && t.starts_with('0') => (&t[1..], 8),
            None => (t, 10),
        },
        16 => (hex(t).unwrap_or(t), 16),
        b => (t, b),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `virXMLPropUInt`: an optional unsigned attribute with libvirt's messages.
pub(crate) fn prop_uint(el: &Element, name: &str, base: u32, nonzero: bool) -> Result<Option<u32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = c_strtoul(v, base)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected non-negative integer value")))?;
    if nonzero && n == 0 {
        return Err(zero_not_permitted(el, name));
    }
    Ok(Some(n))
}

/// `virXMLPropInt`.
pub(crate) fn prop_int(el: &Element, name: &str, base: u32) -> Result<Option<i32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    c_strtol(v, base)
        .and_then(|n| i32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected integer value")))
}

/// `virXMLPropLongLong`.
pub(crate) fn prop_llong(el: &Element, name: &str, base: u32) -> Result<Option<i64>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    c_strtol(v, base)
        .map(Some)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected long long integer value")))
}

/// The attribute, required.
pub(crate) fn required<T>(el: &Element, name: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| {
        crate::error::xml_error(format!(
            "Missing required attribute '{name}' in element '{}'",
            el.name
        ))
    })
}

pub(crate) fn zero_not_permitted(el: &Element, name: &str) -> Error {
    crate::error::xml_error(format!(
        "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
        el.name
    ))
}

/// libvirt reads many optional strings through XPath `string(...)`, which cannot tell an
/// empty attribute from a missing one; such attributes are absent when empty.
pub(crate) fn nonempty_attr(el: &Element, name: &str) -> Option<String> {
    el.attr(name).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A UUID as libvirt's parser reads it: blanks around, `-` or spaces anywhere between
/// digit pairs, 32 hex digits.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let b = s
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    let mut pos = 0;
    while i < 16 {
        let c = *b.get(pos)?;
        if c == b'-' || c == b' ' {
            pos += 1;
            continue;
        }
        let hi = (c as char).to_digit(16)?;
        let lo = (*b.get(pos + 1)? as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
        i += 1;
        pos += 2;
    }
    if b[pos..].iter().all(|c| c.is_ascii_whitespace()) {
        Some(Uuid::from_bytes(out))
    } else {
        None
    }
}

/// A fresh random (version 4) UUID, as libvirt generates missing port identifiers.
pub fn random_uuid() -> Result<Uuid> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| crate::error::internal(format!("cannot generate a random uuid: {e}")))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

xml_enum! {
    /// Address family as spelled in `family=` attributes.
    pub enum IpFamily { V4 = "ipv4", V6 = "ipv6" }
}

/// Parses a numeric host address the way the C library does for libvirt: IPv6 in any
/// RFC 4291 spelling, IPv4 in `inet_aton` forms (`1`, `10.1`, `0x7f.0.0.1`, ...).
/// `family` restricts the accepted kind.
pub fn parse_ip(s: &str, family: Option<IpFamily>) -> Option<IpAddr> {
    match family {
        Some(IpFamily::V6) => s.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        Some(IpFamily::V4) => inet_aton(s).map(IpAddr::V4),
        None => inet_aton(s)
            .map(IpAddr::V4)
            .or_else(|| s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)),
    }
}

fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        if p.starts_with('+') || p.starts_with('-') || p.starts_with(' ') {
            return None;
        }
        vals.push(parse_radix(p, 0)?);
    }
    let last = *vals.last()?;
    let head = &vals[..vals.len() - 1];
    if head.iter().any(|v| *v > 0xff) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 64 && last >> rest_bits != 0 {
        return None;
    }
    let mut n: u32 = 0;
    for (i, v) in head.iter().enumerate() {
        n |= (*v as u32) << (24 - 8 * i as u32);
    }
    n |= last as u32;
    Some(Ipv4Addr::from(n))
}

/// Formats an address as the C library prints it for libvirt (glibc `inet_ntop`), which
/// differs from Rust's `Display` only for IPv4-compatible IPv6 addresses (`::1.2.3.4`).
pub fn format_ip(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let w = v6.segments();
            if w[..6].iter().all(|x| *x == 0) && w[6] != 0 {
                let o = v6.octets();
                format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15])
            } else {
                v6.to_string()
            }
        }
    }
}

fn family_of(a: &IpAddr) -> IpFamily {
    match a {
        IpAddr::V4(_) => IpFamily::V4,
        IpAddr::V6(_) => IpFamily::V6,
    }
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
            let id = required(t, "id", prop_uint(t, "id", 10, false)?)?;
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
                Some(v) => c_strtoul(v, 10).map(Some).ok_or_else(|| {
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
                c_strtoul(c, 10)
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
                        let n = c_strtoul(v, 0)
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

// ---------------------------------------------------------------------------------------
// <route>

/// A static route (`<route>`), as in network definitions and interface IP settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub family: Option<IpFamily>,
    pub address: IpAddr,
    pub netmask: Option<Ipv4Addr>,
    pub prefix: Option<u32>,
    pub gateway: IpAddr,
    pub metric: Option<u32>,
}

fn mask_prefix(a: &IpAddr, prefix: u32) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let bits = u32::from(*v);
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix.min(32))
            };
            IpAddr::V4(Ipv4Addr::from(bits & mask))
        }
        IpAddr::V6(v) => {
            let bits = u128::from(*v);
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix.min(128))
            };
            IpAddr::V6(Ipv6Addr::from(bits & mask))
        }
    }
}

impl Route {
    /// Parses a `<route>`; `detail` names the context at the start of each message
    /// ("guest interface", a network's name, ...).
    pub fn parse(el: &Element, detail: &str) -> Result<Route> {
        let e = |m: String| {
            err(
                ErrorDomain::NETWORK,
                ErrorCode::XML_ERROR,
                format!("{detail}: {m}"),
            )
        };
        let family_s = nonempty_attr(el, "family");
        let address_s = nonempty_attr(el, "address");
        let netmask_s = nonempty_attr(el, "netmask");
        let gateway_s = nonempty_attr(el, "gateway");
        let prefix = prop_uint(el, "prefix", 10, false)?;
        let metric = prop_uint(el, "metric", 10, true)?;
        let address_s = address_s
            .ok_or_else(|| e("Missing required address attribute in route definition".into()))?;
        let gateway_s = gateway_s
            .ok_or_else(|| e("Missing required gateway attribute in route definition".into()))?;
        let address = parse_ip(&address_s, None).ok_or_else(|| {
            e(format!(
                "Bad network address '{address_s}' in route definition"
            ))
        })?;
        let gateway = parse_ip(&gateway_s, None).ok_or_else(|| {
            e(format!(
                "Bad gateway address '{gateway_s}' in route definition"
            ))
        })?;
        let mut netmask = None;
        let family = match family_s.as_deref() {
            None | Some("ipv4") => {
                let named = family_s.is_some();
                if !address.is_ipv4() {
                    return Err(e(if named {
                        format!("IPv4 family specified for non-IPv4 address '{address_s}' in route definition")
                    } else {
                        format!("No family specified for non-IPv4 address '{address_s}' in route definition")
                    }));
                }
                if !gateway.is_ipv4() {
                    return Err(e(if named {
                        format!("IPv4 family specified for non-IPv4 gateway '{address_s}' in route definition")
                    } else {
                        format!("No family specified for non-IPv4 gateway '{address_s}' in route definition")
                    }));
                }
                if let Some(m) = &netmask_s {
                    let nm = parse_ip(m, None).ok_or_else(|| {
                        e(format!("Bad netmask address '{m}' in route definition"))
                    })?;
                    let IpAddr::V4(nm4) = nm else {
                        return Err(e(format!(
                            "Invalid netmask '{m}' for address '{address_s}' (both must be IPv4)"
                        )));
                    };
                    if prefix.is_some() {
                        return Err(e(
                            "Route definition cannot have both a prefix and a netmask".into(),
                        ));
                    }
                    netmask = Some(nm4);
                }
                let p = prefix.unwrap_or(0);
                if p > 32 {
                    return Err(e(format!(
                        "Invalid prefix {p} specified in route definition, must be 0 - 32"
                    )));
                }
                named.then_some(IpFamily::V4)
            }
            Some("ipv6") => {
                if !address.is_ipv6() {
                    return Err(e(format!(
                        "ipv6 family specified for non-IPv6 address '{address_s}' in route definition"
                    )));
                }
                if netmask_s.is_some() {
                    return Err(e(format!(
                        "Specifying netmask invalid for IPv6 address '{address_s}' in route definition"
                    )));
                }
                if !gateway.is_ipv6() {
                    return Err(e(format!(
                        "ipv6 specified for non-IPv6 gateway address '{gateway_s}' in route definition"
                    )));
                }
                let p = prefix.unwrap_or(0);
                if p > 128 {
                    return Err(e(format!(
                        "Invalid prefix {p} specified in route definition, must be 0 - 128"
                    )));
                }
                Some(IpFamily::V6)
            }
            Some(other) => {
                return Err(e(format!(
                    "Unrecognized family '{other}' in route definition"
                )))
            }
        };
        let network = match (netmask, address) {
            (Some(m), IpAddr::V4(a)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
            _ => mask_prefix(&address, prefix.unwrap_or(0)),
        };
        if network != address {
            return Err(e(format!(
                "Address '{address_s}' in route definition is not a network address"
            )));
        }
        Ok(Route {
            family,
            address,
            netmask,
            prefix,
            gateway,
            metric,
        })
    }

    pub fn format(&self) -> Out {
        Out::new("route")
            .attr_opt("family", self.family)
            .attr("address", format_ip(&self.address))
            .attr_opt("netmask", self.netmask)
            .attr_opt("prefix", self.prefix)
            .attr("gateway", format_ip(&self.gateway))
            .attr_opt("metric", self.metric.filter(|m| *m > 0))
    }
}

// ---------------------------------------------------------------------------------------
// <ip> of interfaces (host side inside <source>, or guest side)

/// An address configured on an interface: `<ip address= [prefix=] [peer=]/>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetIpAddress {
    pub address: IpAddr,
    /// Zero is treated as unset and not printed.
    pub prefix: u32,
    pub peer: Option<IpAddr>,
}

impl NetIpAddress {
    pub fn parse(el: &Element) -> Result<NetIpAddress> {
        let address_s = nonempty_attr(el, "address")
            .ok_or_else(|| crate::error::xml_error("Missing required address in <ip>"))?;
        let family = match el.attr("family") {
            Some("ipv4") => Some(IpFamily::V4),
            Some("ipv6") => Some(IpFamily::V6),
            _ => None,
        };
        let address = parse_ip(&address_s, family).ok_or_else(|| {
            crate::error::xml_error(format!("Invalid address '{address_s}' in <ip>"))
        })?;
        let mut prefix = 0;
        if let Some(p) = nonempty_attr(el, "prefix") {
            let max = if address.is_ipv4() { 32 } else { 128 };
            prefix = c_strtoul(&p, 10).filter(|n| *n <= max).ok_or_else(|| {
                crate::error::xml_error(format!("Invalid prefix value '{p}' in <ip>"))
            })? as u32;
        }
        let peer = match nonempty_attr(el, "peer") {
            None => None,
            Some(p) => Some(parse_ip(&p, None).ok_or_else(|| {
                err(
                    ErrorDomain::DOMAIN,
                    ErrorCode::INVALID_ARG,
                    format!("Invalid peer '{p}' in <ip>"),
                )
            })?),
        };
        Ok(NetIpAddress {
            address,
            prefix,
            peer,
        })
    }

    pub fn format(&self) -> Out {
        Out::new("ip")
            .attr("address", format_ip(&self.address))
            .attr("family", family_of(&self.address))
            .attr_opt("prefix", (self.prefix > 0).then_some(self.prefix))
            .attr_opt("peer", self.peer.as_ref().map(format_ip))
    }
}

/// Addresses and routes configured on one side of an interface.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetIpInfo {
    pub ips: Vec<NetIpAddress>,
    pub routes: Vec<Route>,
}

impl NetIpInfo {
    /// Reads the `<ip>` and `<route>` children of `el`; `detail` prefixes route errors.
    pub fn parse(el: &Element, detail: &str) -> Result<NetIpInfo> {
        let mut info = NetIpInfo::default();
        for ip in el.children_named("ip") {
            info.ips.push(NetIpAddress::parse(ip)?);
        }
        for r in el.children_named("route") {
            info.routes.push(Route::parse(r, detail)?);
        }
        Ok(info)
    }

    pub fn is_empty(&self) -> bool {
        self.ips.is_empty() && self.routes.is_empty()
    }

    /// Appends the `<ip>` elements, then the `<route>` elements.
    pub fn format_into(&self, out: &mut Out) {
        for ip in &self.ips {
            out.push(ip.format());
        }
        for r in &self.routes {
            out.push(r.format());
        }
    }
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
    fn c_numbers_follow_strtoul() {
        assert_eq!(c_strtoul(" +12", 10), Some(12));
        assert_eq!(c_strtoul("0x10", 10), None);
        assert_eq!(c_strtoul("0x10", 0), Some(16));
        assert_eq!(c_strtoul("010", 0), Some(8));
        assert_eq!(c_strtoul("-1", 10), None);
        assert_eq!(c_strtoul("12 ", 10), None);
        assert_eq!(c_strtol("-7", 0), Some(-7));
    }

    #[test]
    fn uuid_parse_is_lenient_like_libvirt() {
        let u = parse_uuid(" 09B11C53-8b5c-4eeb-8f00-d84eaa0aaa4f ").expect("uuid");
        assert_eq!(
            u.hyphenated().to_string(),
            "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"
        );
        assert!(parse_uuid("09b11c538b5c4eeb8f00d84eaa0aaa4f").is_some());
        assert!(parse_uuid("@RANDOM-UUID@").is_none());
        assert!(parse_uuid("09b11c53").is_none());
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

    #[test]
    fn routes_and_ips() {
        let r = Route::parse(
            &el("<route address='1.2.3.0' gateway='1.1.1.1' netmask='255.255.255.0' metric='5'/>"),
            "guest interface",
        )
        .expect("ok");
        assert_eq!(
            r.format().render(0),
            "<route address='1.2.3.0' netmask='255.255.255.0' gateway='1.1.1.1' metric='5'/>\n"
        );
        let cases = [
            ("<route address='1.2.3.0'/>", "XML error: guest interface: Missing required gateway attribute in route definition"),
            ("<route address='1.2.3.4' gateway='1.1.1.1' prefix='24'/>", "XML error: guest interface: Address '1.2.3.4' in route definition is not a network address"),
            ("<route address='1.2.3.0' gateway='fe80::1'/>", "XML error: guest interface: No family specified for non-IPv4 gateway '1.2.3.0' in route definition"),
            ("<route address='1.2.3.0' gateway='1.1.1.1' family='foo'/>", "XML error: guest interface: Unrecognized family 'foo' in route definition"),
            ("<route address='1.2.3.0' gateway='1.1.1.1' prefix='33'/>", "XML error: guest interface: Invalid prefix 33 specified in route definition, must be 0 - 32"),
            ("<route address='1.2.3.0' gateway='1.1.1.1' metric='0'/>", "XML error: Invalid value for attribute 'metric' in element 'route': Zero is not permitted"),
        ];
        for (x, m) in cases {
            assert_eq!(
                Route::parse(&el(x), "guest interface")
                    .expect_err(x)
                    .message,
                m
            );
        }
        let ip = NetIpAddress::parse(&el("<ip address='1' prefix=' 7'/>")).expect("ok");
        assert_eq!(
            ip.format().render(0),
            "<ip address='0.0.0.1' family='ipv4' prefix='7'/>\n"
        );
        let ip = NetIpAddress::parse(&el("<ip address='2001:db8:0:0:1:0:0:1' prefix='128'/>"))
            .expect("ok");
        assert_eq!(
            ip.format().render(0),
            "<ip address='2001:db8::1:0:0:1' family='ipv6' prefix='128'/>\n"
        );
        let cases = [
            ("<ip/>", "XML error: Missing required address in <ip>"),
            (
                "<ip address='1.2.3.4' family='ipv6'/>",
                "XML error: Invalid address '1.2.3.4' in <ip>",
            ),
            (
                "<ip address='1.2.3.4' prefix='40'/>",
                "XML error: Invalid prefix value '40' in <ip>",
            ),
            (
                "<ip address='1.2.3.4' peer='x'/>",
                "invalid argument: Invalid peer 'x' in <ip>",
            ),
        ];
        for (x, m) in cases {
            assert_eq!(NetIpAddress::parse(&el(x)).expect_err(x).message, m);
        }
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("0x7f.0.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("1..2"), None);
        assert_eq!(format_ip(&"::1.2.3.4".parse().expect("v6")), "::1.2.3.4");
        assert_eq!(format_ip(&"::1".parse().expect("v6")), "::1");
        assert_eq!(
            format_ip(&"::ffff:1.2.3.4".parse().expect("v6")),
            "::ffff:1.2.3.4"
        );
    }
}
