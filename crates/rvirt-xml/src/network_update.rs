//! Partial changes of a network definition: the sections `virNetworkUpdate` can add to,
//! remove from or modify, with libvirt 9.0's matching rules and messages.
//!
//! The change arrives as one XML element (a DHCP `<host>`, a `<range>`, a forward
//! `<interface>`, a `<portgroup>`, a DNS `<host>`, `<txt>` or `<srv>`). Deleting needs only
//! the fields that identify an entry; adding and modifying need a complete one. Errors carry
//! `VIR_FROM_NETWORK`, except those of shared address helpers.

use crate::domain::devices::netdev::format_ip;
use crate::network::{
    parse_dns_host, parse_dns_txt, DhcpHost, DnsHost, DnsSrv, DnsTxt, ForwardDevice, NetworkDef,
    NetworkIp, PortGroup,
};
use crate::tree::{parse_document, Element};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// `virNetworkUpdateCommand`.
pub mod command {
    pub const NONE: u32 = 0;
    pub const MODIFY: u32 = 1;
    pub const DELETE: u32 = 2;
    pub const ADD_LAST: u32 = 3;
    pub const ADD_FIRST: u32 = 4;
}

/// `virNetworkUpdateSection`.
pub mod section {
    pub const NONE: u32 = 0;
    pub const BRIDGE: u32 = 1;
    pub const DOMAIN: u32 = 2;
    pub const IP: u32 = 3;
    pub const IP_DHCP_HOST: u32 = 4;
    pub const IP_DHCP_RANGE: u32 = 5;
    pub const FORWARD: u32 = 6;
    pub const FORWARD_INTERFACE: u32 = 7;
    pub const FORWARD_PF: u32 = 8;
    pub const PORTGROUP: u32 = 9;
    pub const DNS_HOST: u32 = 10;
    pub const DNS_TXT: u32 = 11;
    pub const DNS_SRV: u32 = 12;
}

/// virsh's names of the commands, indexed by number (`add` is its synonym of `add-last`).
pub const COMMAND_NAMES: [&str; 5] = ["none", "modify", "delete", "add-last", "add-first"];

/// virsh's names of the sections, indexed by number.
pub const SECTION_NAMES: [&str; 13] = [
    "none",
    "bridge",
    "domain",
    "ip",
    "ip-dhcp-host",
    "ip-dhcp-range",
    "forward",
    "forward-interface",
    "forward-pf",
    "portgroup",
    "dns-host",
    "dns-txt",
    "dns-srv",
];

fn err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::NETWORK, code, Some(msg.into()))
}

fn invalid(msg: impl Into<String>) -> Error {
    err(ErrorCode::OPERATION_INVALID, msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    err(ErrorCode::OPERATION_UNSUPPORTED, msg)
}

fn unknown_command(command: u32) -> Error {
    unsupported(format!(
        "unrecognized network update command code {command}"
    ))
}

fn is_add(command: u32) -> bool {
    command == command::ADD_FIRST || command == command::ADD_LAST
}

/// Where an added entry goes in a list of `len` entries.
fn insert_at(command: u32, len: usize) -> usize {
    if command == command::ADD_FIRST {
        0
    } else {
        len
    }
}

/// `virMacAddrCompare`: MAC texts compared without case and without leading zeros in each
/// byte.
fn mac_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<u8> {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            while bytes[i] == b'0' && bytes.get(i + 1).is_some_and(|c| c.is_ascii_hexdigit()) {
                i += 1;
            }
            out.push(bytes[i].to_ascii_uppercase());
            i += 1;
        }
        out
    };
    norm(a) == norm(b)
}

/// C's printf of a possibly NULL string.
fn or_null(s: Option<&str>) -> &str {
    s.unwrap_or("(null)")
}

impl NetworkDef {
    /// Applies one `virNetworkUpdate` change to this definition. On error the definition may
    /// be partly changed: callers work on a copy.
    pub fn update_section(
        &mut self,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
    ) -> Result<()> {
        let root = parse_document(xml, "network_update_xml").map_err(|e| {
            let mut e: Error = e.into();
            e.domain = ErrorDomain::NETWORK;
            // libvirt names this document without the parentheses of the other kinds.
            if let Some(rest) = e.message.strip_prefix("(network_update_xml)") {
                e.message = format!("network_update_xml{rest}");
                e.str2 = Some(e.message.clone());
            }
            e
        })?;
        let no_support = |what: &str| {
            Err(unsupported(format!(
                "can't update '{what}' section of network '{}'",
                self.name
            )))
        };
        match section {
            section::BRIDGE => no_support("bridge"),
            section::DOMAIN => no_support("domain"),
            section::IP => no_support("ip"),
            section::FORWARD => no_support("forward"),
            section::FORWARD_PF => no_support("forward pf"),
            section::IP_DHCP_HOST => self.update_dhcp_host(command, parent_index, &root),
            section::IP_DHCP_RANGE => self.update_dhcp_range(command, parent_index, &root),
            section::FORWARD_INTERFACE => self.update_forward_interface(command, &root),
            section::PORTGROUP => self.update_portgroup(command, &root),
            section::DNS_HOST => self.update_dns_host(command, &root),
            section::DNS_TXT => self.update_dns_txt(command, &root),
            section::DNS_SRV => self.update_dns_srv(command, &root),
            _ => Err(unsupported("can't update unrecognized section of network")),
        }
    }

    fn check_element(&self, el: &Element, expect: &str) -> Result<()> {
        if el.name != expect {
            return Err(err(
                ErrorCode::XML_ERROR,
                format!(
                    "unexpected element <{}>, expecting <{expect}>, while updating network '{}'",
                    el.name, self.name
                ),
            ));
        }
        Ok(())
    }

    /// The `<ip>` whose DHCP service changes: the one at `parent_index`, or for a negative
    /// index the first with DHCP entries, else the first IPv4, else the first IPv6 one.
    fn dhcp_ip_index(&self, parent_index: i32) -> Result<usize> {
        if let Ok(i) = usize::try_from(parent_index) {
            if i < self.ips.len() {
                return Ok(i);
            }
            return Err(invalid(format!(
                "couldn't update dhcp host entry - no <ip> element found at index {parent_index} in network '{}'",
                self.name
            )));
        }
        self.ips
            .iter()
            .position(|ip| !ip.ranges.is_empty() || !ip.hosts.is_empty())
            .or_else(|| self.ips.iter().position(|ip| ip.address.is_ipv4()))
            .or_else(|| self.ips.iter().position(|ip| ip.address.is_ipv6()))
            .ok_or_else(|| {
                invalid(format!(
                    "couldn't update dhcp host entry - no <ip> element found in network '{}'",
                    self.name
                ))
            })
    }

    /// DHCP may only be served on one address of each family.
    fn check_single_dhcp(&self, ip_index: usize) -> Result<()> {
        let v4 = self.ips[ip_index].address.is_ipv4();
        let other = self.ips.iter().enumerate().any(|(i, ip)| {
            i != ip_index
                && ip.address.is_ipv4() == v4
                && (!ip.ranges.is_empty() || !ip.hosts.is_empty())
        });
        if other {
            return Err(invalid(format!(
                "dhcp is supported only for a single {} address on each network",
                if v4 { "IPv4" } else { "IPv6" }
            )));
        }
        Ok(())
    }

    fn update_dhcp_host(&mut self, command: u32, parent_index: i32, el: &Element) -> Result<()> {
        self.check_element(el, "host")?;
        let ipi = self.dhcp_ip_index(parent_index)?;
        let partial = command == command::DELETE;
        let host = self.ips[ipi].parse_host(el, &self.name, partial)?;
        let ipdef = &self.ips[ipi];
        if !partial && host.ip.map(|a| a.is_ipv4()) != Some(ipdef.address.is_ipv4()) {
            return Err(invalid(
                "the address family of a host entry IP must match the address family of the dhcp element's parent",
            ));
        }
        let same_mac = |h: &DhcpHost| match (&host.mac, &h.mac) {
            (Some(a), Some(b)) => mac_eq(a, b),
            _ => false,
        };
        let same_name = |h: &DhcpHost| host.name.is_some() && host.name == h.name;
        let same_ip = |h: &DhcpHost| host.ip.is_some() && host.ip == h.ip;
        let shown_ip = host.ip.as_ref().map(format_ip);
        let name = self.name.clone();
        match command {
            command::MODIFY => {
                let Some(i) = ipdef
                    .hosts
                    .iter()
                    .position(|h| same_mac(h) || same_ip(h) || same_name(h))
                else {
                    return Err(invalid(format!(
                        "couldn't locate an existing dhcp host entry with \"mac='{}'\" \"name='{}'\" \"ip='{}'\" in network '{name}'",
                        host.mac.as_deref().unwrap_or("unknown"),
                        or_null(host.name.as_deref()),
                        shown_ip.as_deref().unwrap_or("unknown"),
                    )));
                };
                self.ips[ipi].hosts[i] = host;
            }
            c if is_add(c) => {
                self.check_single_dhcp(ipi)?;
                if ipdef
                    .hosts
                    .iter()
                    .any(|h| same_mac(h) || same_name(h) || same_ip(h))
                {
                    return Err(invalid(format!(
                        "there is an existing dhcp host entry in network '{name}' that matches \"<host mac='{}' name='{}' ip='{}'/>\"",
                        host.mac.as_deref().unwrap_or("unknown"),
                        or_null(host.name.as_deref()),
                        shown_ip.as_deref().unwrap_or("unknown"),
                    )));
                }
                let hosts = &mut self.ips[ipi].hosts;
                hosts.insert(insert_at(c, hosts.len()), host);
            }
            command::DELETE => {
                let Some(i) = ipdef.hosts.iter().position(|h| {
                    (host.mac.is_none() || h.mac.is_none() || same_mac(h))
                        && (host.name.is_none() || host.name == h.name)
                        && (host.ip.is_none() || host.ip == h.ip)
                }) else {
                    return Err(invalid(format!(
                        "couldn't locate a matching dhcp host entry in network '{name}'"
                    )));
                };
                self.ips[ipi].hosts.remove(i);
            }
            c => return Err(unknown_command(c)),
        }
        Ok(())
    }

    fn update_dhcp_range(&mut self, command: u32, parent_index: i32, el: &Element) -> Result<()> {
        self.check_element(el, "range")?;
        let ipi = self.dhcp_ip_index(parent_index)?;
        if command == command::MODIFY {
            return Err(unsupported(
                "dhcp ranges cannot be modified, only added or deleted",
            ));
        }
        let ipdef: &NetworkIp = &self.ips[ipi];
        let range = ipdef.parse_range(el, &self.name)?;
        if range.start.is_ipv4() != ipdef.address.is_ipv4() {
            return Err(invalid(
                "the address family of a dhcp range must match the address family of the dhcp element's parent",
            ));
        }
        let found = ipdef
            .ranges
            .iter()
            .position(|r| r.start == range.start && r.end == range.end);
        match command {
            c if is_add(c) => {
                self.check_single_dhcp(ipi)?;
                if found.is_some() {
                    return Err(invalid(format!(
                        "there is an existing dhcp range entry in network '{}' that matches \"<range start='{}' end='{}'/>\"",
                        self.name,
                        format_ip(&range.start),
                        format_ip(&range.end)
                    )));
                }
                let ranges = &mut self.ips[ipi].ranges;
                ranges.insert(insert_at(c, ranges.len()), range);
            }
            command::DELETE => {
                let Some(i) = found else {
                    return Err(invalid(format!(
                        "couldn't locate a matching dhcp range entry in network '{}'",
                        self.name
                    )));
                };
                self.ips[ipi].ranges.remove(i);
            }
            c => return Err(unknown_command(c)),
        }
        Ok(())
    }

    fn update_forward_interface(&mut self, command: u32, el: &Element) -> Result<()> {
        self.check_element(el, "interface")?;
        if command == command::MODIFY {
            return Err(unsupported(
                "forward interface entries cannot be modified, only added or deleted",
            ));
        }
        let Some(dev) = el.attr("dev").map(str::to_string) else {
            return Err(err(
                ErrorCode::XML_ERROR,
                "missing dev attribute in <interface> element",
            ));
        };
        let found = self
            .forward
            .devices
            .iter()
            .position(|d| matches!(d, ForwardDevice::Netdev { dev: x, .. } if *x == dev));
        match command {
            c if is_add(c) => {
                if found.is_some() {
                    return Err(invalid(format!(
                        "there is an existing interface entry in network '{}' that matches \"<interface dev='{dev}'>\"",
                        self.name
                    )));
                }
                let devices = &mut self.forward.devices;
                devices.insert(
                    insert_at(c, devices.len()),
                    ForwardDevice::Netdev {
                        dev,
                        connections: 0,
                    },
                );
            }
            command::DELETE => {
                let Some(i) = found else {
                    return Err(invalid(format!(
                        "couldn't find an interface entry in network '{}' matching <interface dev='{dev}'>",
                        self.name
                    )));
                };
                if let ForwardDevice::Netdev { connections, .. } = &self.forward.devices[i] {
                    if *connections > 0 {
                        return Err(invalid(format!(
                            "unable to delete interface '{dev}' in network '{}'. It is currently being used by {connections} domains.",
                            self.name
                        )));
                    }
                }
                self.forward.devices.remove(i);
            }
            c => return Err(unknown_command(c)),
        }
        Ok(())
    }

    fn update_portgroup(&mut self, command: u32, el: &Element) -> Result<()> {
        self.check_element(el, "portgroup")?;
        let pg = PortGroup::parse(el)?;
        let found = self.portgroups.iter().position(|p| p.name == pg.name);
        let default = self.portgroups.iter().rposition(|p| p.is_default);
        let name = &self.name;
        match (found, command) {
            (None, command::MODIFY | command::DELETE) => {
                return Err(invalid(format!(
                    "couldn't find a portgroup entry in network '{name}' matching <portgroup name='{}'>",
                    pg.name
                )))
            }
            (Some(_), c) if is_add(c) => {
                return Err(invalid(format!(
                    "there is an existing portgroup entry in network '{name}' that matches \"<portgroup name='{}'>\"",
                    pg.name
                )))
            }
            _ => {}
        }
        if command != command::DELETE && pg.is_default && default.is_some() && default != found {
            return Err(invalid(format!(
                "a different portgroup entry in network '{name}' is already set as the default. Only one default is allowed."
            )));
        }
        match (command, found) {
            (command::MODIFY, Some(i)) => self.portgroups[i] = pg,
            (command::DELETE, Some(i)) => {
                self.portgroups.remove(i);
            }
            (c, _) if is_add(c) => {
                let at = insert_at(c, self.portgroups.len());
                self.portgroups.insert(at, pg);
            }
            (c, _) => return Err(unknown_command(c)),
        }
        Ok(())
    }

    fn update_dns_host(&mut self, command: u32, el: &Element) -> Result<()> {
        if command == command::MODIFY {
            return Err(unsupported(
                "DNS HOST records cannot be modified, only added or deleted",
            ));
        }
        self.check_element(el, "host")?;
        let add = is_add(command);
        let (ip, names) = parse_dns_host(el, &self.name, !add)?;
        let matching: Vec<usize> = self
            .dns
            .hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                // Adding checks only the address: several addresses may share a name.
                ip == Some(h.ip) || (!add && names.iter().any(|n| h.hostnames.contains(n)))
            })
            .map(|(i, _)| i)
            .collect();
        let name = &self.name;
        if add {
            if !matching.is_empty() {
                return Err(invalid(format!(
                    "there is already at least one DNS HOST record with a matching field in network {name}"
                )));
            }
            // A complete record always has its address (the parser insists).
            let Some(ip) = ip else {
                return Err(err(
                    ErrorCode::XML_DETAIL,
                    format!("Missing IP address in network '{name}' DNS HOST record"),
                ));
            };
            let at = insert_at(command, self.dns.hosts.len());
            self.dns.hosts.insert(
                at,
                DnsHost {
                    ip,
                    hostnames: names,
                },
            );
        } else if command == command::DELETE {
            match matching.as_slice() {
                [] => {
                    return Err(invalid(format!(
                        "couldn't locate a matching DNS HOST record in network {name}"
                    )))
                }
                [i] => {
                    self.dns.hosts.remove(*i);
                }
                _ => {
                    return Err(invalid(format!(
                        "multiple matching DNS HOST records were found in network {name}"
                    )))
                }
            }
        } else {
            return Err(unknown_command(command));
        }
        Ok(())
    }

    fn update_dns_txt(&mut self, command: u32, el: &Element) -> Result<()> {
        if command == command::MODIFY {
            return Err(unsupported(
                "DNS TXT records cannot be modified, only added or deleted",
            ));
        }
        self.check_element(el, "txt")?;
        let add = is_add(command);
        let (txt_name, value) = parse_dns_txt(el, &self.name, !add)?;
        let found = self.dns.txts.iter().position(|t| t.name == txt_name);
        let name = &self.name;
        if add {
            if found.is_some() {
                return Err(invalid(format!(
                    "there is already a DNS TXT record with name '{txt_name}' in network {name}"
                )));
            }
            let at = insert_at(command, self.dns.txts.len());
            self.dns.txts.insert(
                at,
                DnsTxt {
                    name: txt_name,
                    value: value.unwrap_or_default(),
                },
            );
        } else if command == command::DELETE {
            let Some(i) = found else {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS TXT record in network {name}"
                )));
            };
            self.dns.txts.remove(i);
        } else {
            return Err(unknown_command(command));
        }
        Ok(())
    }

    fn update_dns_srv(&mut self, command: u32, el: &Element) -> Result<()> {
        if command == command::MODIFY {
            return Err(unsupported(
                "DNS SRV records cannot be modified, only added or deleted",
            ));
        }
        self.check_element(el, "srv")?;
        let add = is_add(command);
        let f = DnsSrv::parse_fields(el, &self.name, !add)?;
        let field_ok = |want: &Option<String>, have: &Option<String>| {
            want.is_none() || (have.is_some() && want == have)
        };
        let matching: Vec<usize> = self
            .dns
            .srvs
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                field_ok(&f.domain, &s.domain)
                    && f.service.as_ref().is_none_or(|x| *x == s.service)
                    && f.protocol.as_ref().is_none_or(|x| *x == s.protocol)
                    && field_ok(&f.target, &s.target)
            })
            .map(|(i, _)| i)
            .collect();
        let name = &self.name;
        if add {
            if !matching.is_empty() {
                return Err(invalid(format!(
                    "there is already at least one DNS SRV record matching all specified fields in network {name}"
                )));
            }
            let at = insert_at(command, self.dns.srvs.len());
            self.dns.srvs.insert(
                at,
                DnsSrv {
                    service: f.service.unwrap_or_default(),
                    protocol: f.protocol.unwrap_or_default(),
                    domain: f.domain,
                    target: f.target,
                    port: f.port,
                    priority: f.priority,
                    weight: f.weight,
                },
            );
        } else if command == command::DELETE {
            match matching.as_slice() {
                [] => {
                    return Err(invalid(format!(
                        "couldn't locate a matching DNS SRV record in network {name}"
                    )))
                }
                [i] => {
                    self.dns.srvs.remove(*i);
                }
                _ => {
                    return Err(invalid(format!(
                        "multiple DNS SRV records matching all specified fields were found in network {name}"
                    )))
                }
            }
        } else {
            return Err(unknown_command(command));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = "<network><name>n</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\
        <forward/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>\
        <range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";

    fn net() -> NetworkDef {
        NetworkDef::parse(NET).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn dhcp_hosts_are_added_matched_and_removed() {
        let mut n = net();
        let h = "<host mac='00:11:22:33:44:55' name='h1' ip='192.168.122.10'/>";
        n.update_section(command::ADD_LAST, section::IP_DHCP_HOST, -1, h)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n.ips[0].hosts.len(), 1);
        let dup = n
            .update_section(
                command::ADD_LAST,
                section::IP_DHCP_HOST,
                -1,
                "<host mac='00:11:22:33:44:55' ip='192.168.122.11'/>",
            )
            .err()
            .map(|e| e.message);
        assert_eq!(
            dup.as_deref(),
            Some("Requested operation is not valid: there is an existing dhcp host entry in network 'n' that matches \"<host mac='00:11:22:33:44:55' name='(null)' ip='192.168.122.11'/>\"")
        );
        n.update_section(
            command::DELETE,
            section::IP_DHCP_HOST,
            -1,
            "<host mac='0:11:22:33:44:55'/>",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(n.ips[0].hosts.is_empty());
    }

    #[test]
    fn unsupported_sections_and_parse_errors() {
        let mut n = net();
        let e = n.update_section(command::ADD_LAST, section::BRIDGE, -1, "<bridge/>");
        assert_eq!(
            e.err().map(|e| e.message).as_deref(),
            Some("Operation not supported: can't update 'bridge' section of network 'n'")
        );
        let e = n.update_section(command::ADD_LAST, section::DNS_TXT, -1, "<host");
        let m = e.err().map(|e| e.message).unwrap_or_default();
        assert!(m.starts_with("network_update_xml:1: "), "{m}");
    }

    #[test]
    fn mac_comparison_ignores_case_and_leading_zeros() {
        assert!(mac_eq("00:1a:02:03:04:05", "0:1A:2:3:4:5"));
        assert!(!mac_eq("00:1a:02:03:04:05", "00:1a:02:03:04:06"));
    }
}
