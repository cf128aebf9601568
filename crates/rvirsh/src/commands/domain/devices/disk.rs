//! `attach-disk` (virsh writes the `<disk>` element from its options) and `detach-disk`
//! (virsh finds the disk in the domain's XML and sends that element back).

use super::find::{domain_tree, find_disk, DiskKind};
use super::Affect;
use crate::cli::parser::Cmd;
use crate::commands::{exclusive_opts, require};
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::xmldump::{dump, Built};

/// An address from `--address TYPE:...` (virsh's address parser: hexadecimal PCI and CCW
/// numbers, decimal drive and USB numbers, any one character between numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Address {
    Pci([u32; 4], bool),
    Drive(&'static str, [u32; 3]),
    Ccw([u32; 3]),
    Usb([u32; 2]),
}

/// C's `strtoul` as libvirt's `virStrToLong_uip` uses it: blanks, an optional `+`, digits
/// in `base` (`0x` allowed in base 16), no minus; returns the value and the rest.
fn strtoul(s: &str, base: u32) -> Option<(u32, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.strip_prefix('+').unwrap_or(t);
    let t = if base == 16 {
        t.strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .filter(|r| r.starts_with(|c: char| c.is_ascii_hexdigit()))
            .unwrap_or(t)
    } else {
        t
    };
    let n = t.find(|c: char| !c.is_digit(base)).unwrap_or(t.len());
    if n == 0 {
        return None;
    }
    let v = u64::from_str_radix(&t[..n], base).ok()?;
    Some((u32::try_from(v).ok()?, &t[n..]))
}

/// `count` numbers, each after one separator character.
fn numbers<const N: usize>(mut s: &str, base: u32) -> Option<[u32; N]> {
    let mut out = [0; N];
    for v in out.iter_mut() {
        let mut chars = s.chars();
        chars.next()?;
        let (n, rest) = strtoul(chars.as_str(), base)?;
        *v = n;
        s = rest;
    }
    Some(out)
}

impl Address {
    pub fn parse(s: &str, multifunction: bool) -> Option<Address> {
        let colon = s.find(':')?;
        let (kind, rest) = (&s[..colon], &s[colon..]);
        Some(match kind {
            "pci" => Address::Pci(numbers::<4>(rest, 16)?, multifunction),
            "sata" => Address::Drive("sata", numbers::<3>(rest, 10)?),
            "scsi" => Address::Drive("scsi", numbers::<3>(rest, 10)?),
            "ide" => Address::Drive("ide", numbers::<3>(rest, 10)?),
            "ccw" => Address::Ccw(numbers::<3>(rest, 16)?),
            "usb" => Address::Usb(numbers::<2>(rest, 10)?),
            _ => return None,
        })
    }

    pub fn format(&self) -> String {
        match self {
            Address::Pci([d, b, s, f], multi) => format!(
                "<address type='pci' domain='0x{d:04x}' bus='0x{b:02x}' slot='0x{s:02x}' function='0x{f:x}'{}/>",
                if *multi { " multifunction='on'" } else { "" }
            ),
            Address::Drive(_, [c, b, u]) => {
                format!("<address type='drive' controller='{c}' bus='{b}' unit='{u}'/>")
            }
            Address::Ccw([c, s, d]) => format!(
                "<address type='ccw' cssid='0x{c:02x}' ssid='0x{s:x}' devno='0x{d:04x}'/>"
            ),
            Address::Usb([b, p]) => format!("<address type='usb' bus='{b}' port='{p}'/>"),
        }
    }

    /// The addresses a disk of this target name prefix may have, as virsh checks them.
    fn fits(&self, target: &str) -> Result<(), &'static str> {
        let ok = if target.starts_with("vd") {
            matches!(self, Address::Pci(..) | Address::Ccw(_))
        } else if target.starts_with("sd") {
            matches!(self, Address::Drive("scsi" | "sata", _) | Address::Usb(_))
        } else if target.starts_with("hd") {
            matches!(self, Address::Drive("ide", _))
        } else {
            true
        };
        match ok {
            true => Ok(()),
            false if target.starts_with("vd") => {
                Err("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.")
            }
            false if target.starts_with("sd") => {
                Err("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.")
            }
            false => Err("expecting an ide:00.00.00 address."),
        }
    }
}

/// libvirt's `virValidateWWN`: sixteen hexadecimal digits after an optional `0x`.
fn valid_wwn(wwn: &str) -> bool {
    let p = wwn.strip_prefix("0x").unwrap_or(wwn);
    p.len() == 16 && p.chars().all(|c| c.is_ascii_hexdigit())
}

/// The string options attach-disk reads, in virsh's order (an empty one is an error).
const DISK_STRINGS: [&str; 19] = [
    "source",
    "target",
    "driver",
    "subdriver",
    "type",
    "mode",
    "iothread",
    "cache",
    "io",
    "serial",
    "wwn",
    "address",
    "targetbus",
    "alias",
    "sourcetype",
    "source-protocol",
    "source-host-name",
    "source-host-transport",
    "source-host-socket",
];

fn is_block_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    path.starts_with("/dev/")
        && std::fs::metadata(path).is_ok_and(|m| m.file_type().is_block_device())
}

/// The `<disk>` element virsh writes for attach-disk's options, or `None` after an error.
fn disk_xml(ctl: &mut Ctl, cmd: &Cmd) -> Option<String> {
    let mut v = std::collections::HashMap::new();
    for name in DISK_STRINGS {
        if let Some(s) = cmd.string(ctl, name).ok()? {
            v.insert(name, s.to_string());
        }
    }
    let get = |k: &str| v.get(k).map(String::as_str);
    let source = get("source").unwrap_or("");
    let target = get("target").unwrap_or("");
    let kind = match get("sourcetype") {
        Some(t @ ("file" | "block" | "network")) => t,
        Some(other) => {
            ctl.error(&format!("Unknown source type: '{other}'"));
            return None;
        }
        None if get("source-protocol").is_some() => "network",
        None if is_block_device(source) => "block",
        None => "file",
    };
    if (kind == "network") != get("source-protocol").is_some() {
        ctl.error("--source-protocol option requires --sourcetype network");
        return None;
    }
    if let Some(m) = get("mode").filter(|m| *m != "readonly" && *m != "shareable") {
        ctl.error(&format!("No support for {m} in command 'attach-disk'"));
        return None;
    }
    if let Some(w) = get("wwn").filter(|w| !valid_wwn(w)) {
        ctl.set_error(rvirt::Error::internal(
            rvirt::ErrorDomain::NONE,
            format!("Malformed wwn: {w}"),
        ));
        return None;
    }
    let mut disk = Built::new("disk");
    disk.raw_attr(&format!(" type='{kind}'"));
    disk.attr("device", get("type"));
    if cmd.flag("rawio") {
        disk.raw_attr(" rawio='yes'");
    }
    let mut driver = Built::new("driver");
    for (a, o) in [
        ("name", "driver"),
        ("type", "subdriver"),
        ("iothread", "iothread"),
        ("cache", "cache"),
        ("io", "io"),
    ] {
        driver.attr(a, get(o));
    }
    if let Some(d) = driver.format_nonempty() {
        disk.child(d);
    }
    let mut src = Built::new("source");
    match kind {
        "file" => src.attr("file", Some(source)),
        "block" => src.attr("dev", Some(source)),
        _ => {
            src.attr("protocol", get("source-protocol"));
            src.attr("name", Some(source));
            let (name, transport, socket) = (
                get("source-host-name"),
                get("source-host-transport"),
                get("source-host-socket"),
            );
            if name.is_some() || transport.is_some() || socket.is_some() {
                let mut host = Built::new("host");
                host.attr("transport", transport);
                if let Some(n) = name {
                    match n.split_once(':') {
                        Some((h, p)) => {
                            host.attr("name", Some(h));
                            host.attr("port", Some(p));
                        }
                        None => host.attr("name", Some(n)),
                    }
                }
                host.attr("socket", socket);
                src.child(host.format());
            }
        }
    }
    disk.child(src.format());
    let bus = get("targetbus")
        .map(|b| format!(" bus='{b}'"))
        .unwrap_or_default();
    disk.child(format!("<target dev='{target}'{bus}/>"));
    match get("mode") {
        Some("readonly") => disk.child("<readonly/>".into()),
        Some(_) => disk.child("<shareable/>".into()),
        None => {}
    }
    for (el, o) in [("serial", "serial")] {
        if let Some(s) = get(o) {
            disk.child(format!("<{el}>{s}</{el}>"));
        }
    }
    if let Some(a) = get("alias") {
        disk.child(format!("<alias name='{a}'/>"));
    }
    if let Some(w) = get("wwn") {
        disk.child(format!("<wwn>{w}</wwn>"));
    }
    if let Some(a) = get("address") {
        let Some(addr) = Address::parse(a, cmd.flag("multifunction")) else {
            ctl.error("Invalid address.");
            return None;
        };
        if let Err(m) = addr.fits(target) {
            ctl.error(m);
            return None;
        }
        disk.child(addr.format());
    }
    Some(disk.format())
}

pub(crate) fn cmd_attach_disk(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(mut affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    if !require(
        ctl,
        ("source-host-name", cmd.has("source-host-name")),
        ("source-protocol", cmd.has("source-protocol")),
    ) || !require(
        ctl,
        ("source-host-transport", cmd.has("source-host-transport")),
        ("source-protocol", cmd.has("source-protocol")),
    ) || !require(
        ctl,
        ("source-host-socket", cmd.has("source-host-socket")),
        ("source-protocol", cmd.has("source-protocol")),
    ) || !require(
        ctl,
        ("source-host-socket", cmd.has("source-host-socket")),
        ("source-host-transport", cmd.has("source-host-transport")),
    ) || !exclusive_opts(ctl, cmd, "source-host-name", "source-host-socket")
    {
        return false;
    }
    let Some(xml) = disk_xml(ctl, cmd) else {
        return false;
    };
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    affect.persist_live(&dom);
    let r = if affect.with_flags() {
        dom.attach_device_flags(&xml, affect.flags)
    } else {
        dom.attach_device(&xml)
    };
    if let Err(e) = r {
        ctl.set_error(e);
        ctl.error("Failed to attach disk");
        return false;
    }
    ctl.print_extra("Disk attached successfully\n");
    true
}

pub(crate) fn cmd_detach_disk(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(mut affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(target) = cmd.string_req(ctl, "target") else {
        return false;
    };
    affect.persist_live(&dom);
    let inactive = affect.flags == rvirt::flags::device_modify::CONFIG;
    let Some(tree) = domain_tree(ctl, &dom, inactive) else {
        return false;
    };
    let Some(disk) = find_disk(ctl, &tree, target, DiskKind::Any) else {
        return false;
    };
    let xml = dump(&disk);
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    let r = if affect.with_flags() {
        dom.detach_device_flags(&xml, affect.flags)
    } else {
        dom.detach_device(&xml)
    };
    if let Err(e) = r {
        ctl.set_error(e);
        ctl.error("Failed to detach disk");
        return false;
    }
    ctl.print_extra("Disk detached successfully\n");
    true
}
