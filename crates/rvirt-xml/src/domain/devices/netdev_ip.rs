//! Addresses and routes of network devices: numeric IP parsing and printing as the C
//! library does it for libvirt, `<route>` (network definitions and interfaces) and the
//! `<ip>` addresses configured on either side of an interface.

use super::netdev::nonempty_attr;
use crate::num;
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn err(domain: ErrorDomain, code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(domain, code, Some(msg.into()))
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
        // inet_aton takes no blanks or sign before a part, unlike strtoul.
        if !p.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        vals.push(num::to_ullp(p, 0)?);
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
        let prefix = num::uint_attr(el, "prefix", 10, false)?;
        let metric = num::uint_attr(el, "metric", 10, true)?;
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
            prefix = num::to_ullp(&p, 10).filter(|n| *n <= max).ok_or_else(|| {
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
