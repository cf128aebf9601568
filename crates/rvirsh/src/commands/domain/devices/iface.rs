//! `attach-interface` (virsh writes the `<interface>` element, nothing escaped) and
//! `detach-interface` (virsh finds the interface by type and MAC in the domain's XML).

use super::find::{devices, domain_tree};
use super::Affect;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::xmldump::dump;
use rvirt::flags::device_modify as dm;
use rvirt::Domain;
use rvirt_xml::tree::Element;

/// Interface types libvirt knows; attach-interface builds only some of them.
const NET_TYPES: [&str; 15] = [
    "user",
    "ethernet",
    "vhostuser",
    "server",
    "client",
    "mcast",
    "network",
    "bridge",
    "internal",
    "direct",
    "hostdev",
    "udp",
    "vdpa",
    "null",
    "vds",
];

/// `average,peak,burst,floor` as virsh reads a rate: empty fields skipped, each a
/// non-negative decimal of the whole field.
fn rate(ctl: &mut Ctl, s: &str) -> Option<[u64; 4]> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() > 4 {
        ctl.error(&format!("Rate string '{s}' has too many fields"));
        return None;
    }
    let names = ["average", "peak", "burst", "floor"];
    let mut out = [0u64; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        match crate::cli::values::parse_c_unsigned(p, false) {
            Some(v) => out[i] = v,
            None => {
                ctl.error(&format!("field '{}' is malformed", names[i]));
                return None;
            }
        }
    }
    Some(out)
}

fn rate_attrs(r: &[u64; 4], first: usize) -> String {
    let names = ["average", "peak", "burst", "floor"];
    (first..4)
        .filter(|&i| r[i] > 0)
        .map(|i| format!(" {}='{}'", names[i], r[i]))
        .collect()
}

/// libvirt's PCI address parser for hostdev sources: `DOMAIN:BUS:SLOT.FUNCTION`, each
/// hexadecimal, anything after the function ignored.
fn pci_address(s: &str) -> Option<[u32; 4]> {
    let hex = |t: &str| -> Option<(u32, usize)> {
        let body = t.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let skip = t.len() - body.len();
        let body2 = body.strip_prefix('+').unwrap_or(body);
        let mut skip = skip + (body.len() - body2.len());
        let digits = match body2
            .strip_prefix("0x")
            .or_else(|| body2.strip_prefix("0X"))
        {
            Some(r) if r.starts_with(|c: char| c.is_ascii_hexdigit()) => {
                skip += 2;
                r
            }
            _ => body2,
        };
        let n = digits
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(digits.len());
        if n == 0 {
            return None;
        }
        let v = u32::try_from(u64::from_str_radix(&digits[..n], 16).ok()?).ok()?;
        Some((v, skip + n))
    };
    let mut out = [0u32; 4];
    let mut rest = s;
    for (i, sep) in [Some(':'), Some(':'), Some('.'), None]
        .into_iter()
        .enumerate()
    {
        let (v, used) = hex(rest)?;
        out[i] = v;
        rest = &rest[used..];
        if let Some(c) = sep {
            rest = rest.strip_prefix(c)?;
        }
    }
    Some(out)
}

/// The `<interface>` element virsh writes, or `None` after an error.
fn iface_xml(ctl: &mut Ctl, cmd: &Cmd) -> Option<String> {
    let mut v = std::collections::HashMap::new();
    for name in [
        "type",
        "source",
        "target",
        "mac",
        "script",
        "model",
        "alias",
        "inbound",
        "outbound",
        "source-mode",
    ] {
        if let Some(s) = cmd.string(ctl, name).ok()? {
            v.insert(name, s.to_string());
        }
    }
    let get = |k: &str| v.get(k).map(String::as_str);
    let kind = get("type").unwrap_or("");
    let source = get("source").unwrap_or("");
    if !NET_TYPES.contains(&kind) {
        ctl.error(&format!(
            "No support for {kind} in command 'attach-interface'"
        ));
        return None;
    }
    let mode = get("source-mode");
    if let Some(m) = mode.filter(|m| *m != "server" && *m != "client") {
        ctl.error(&format!("Invalid source mode: {m}"));
        return None;
    }
    let inbound = match get("inbound") {
        Some(s) => {
            let r = rate(ctl, s)?;
            if r[0] == 0 && r[3] == 0 {
                ctl.error("either inbound average or floor is mandatory");
                return None;
            }
            Some(r)
        }
        None => None,
    };
    let outbound = match get("outbound") {
        Some(s) => {
            let r = rate(ctl, s)?;
            if r[0] == 0 {
                ctl.error("outbound average is mandatory");
                return None;
            }
            if r[3] != 0 {
                ctl.error("outbound floor is unsupported yet");
                return None;
            }
            Some(r)
        }
        None => None,
    };
    let managed = if cmd.flag("managed") {
        " managed='yes'"
    } else {
        ""
    };
    let mut lines = Vec::new();
    match kind {
        "network" | "bridge" => lines.push(format!("<source {kind}='{source}'/>")),
        "direct" => lines.push(format!("<source dev='{source}'/>")),
        "hostdev" => {
            let Some([d, b, s, f]) = pci_address(source) else {
                ctl.error(&format!(
                    "cannot parse pci address '{source}' for network interface"
                ));
                return None;
            };
            lines.push("<source>".into());
            lines.push(format!(
                "  <address type='pci' domain='0x{d:04x}' bus='0x{b:02x}' slot='0x{s:02x}' function='0x{f:x}'/>"
            ));
            lines.push("</source>".into());
        }
        "vhostuser" => {
            let Some(m) = mode else {
                ctl.error("source-mode is mandatory");
                return None;
            };
            lines.push(format!("<source type='unix' path='{source}' mode='{m}'/>"));
        }
        _ => {
            ctl.error(&format!(
                "No support for {kind} in command 'attach-interface'"
            ));
            return None;
        }
    }
    for (opt, el, attr) in [
        ("target", "target", "dev"),
        ("mac", "mac", "address"),
        ("script", "script", "path"),
        ("model", "model", "type"),
        ("alias", "alias", "name"),
    ] {
        if let Some(val) = get(opt) {
            lines.push(format!("<{el} {attr}='{val}'/>"));
        }
    }
    if inbound.is_some() || outbound.is_some() {
        lines.push("<bandwidth>".into());
        if let Some(r) = inbound {
            lines.push(format!("  <inbound{}/>", rate_attrs(&r, 0)));
        }
        if let Some(r) = outbound {
            lines.push(format!("  <outbound{}/>", rate_attrs(&r, 0)));
        }
        lines.push("</bandwidth>".into());
    }
    let mut out = format!("<interface type='{kind}'{managed}>\n");
    for l in lines {
        out.push_str("  ");
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("</interface>\n");
    Some(out)
}

pub(crate) fn cmd_attach_interface(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(mut affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    let Some(xml) = iface_xml(ctl, cmd) else {
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
        ctl.error("Failed to attach interface");
        ctl.set_error(e);
        return false;
    }
    ctl.print_extra("Interface attached successfully\n");
    true
}

/// libvirt's `virMacAddrCompare`: case-insensitive, leading zeros of each part ignored.
fn same_mac(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            while b[i] == b'0' && b.get(i + 1).is_some_and(|c| c.is_ascii_hexdigit()) {
                i += 1;
            }
            out.push(b[i].to_ascii_lowercase());
            i += 1;
        }
        out
    };
    norm(a) == norm(b)
}

/// Why no interface could be chosen (already printed).
struct NotFound;

/// The interface of `kind` (and `mac`) in `root`, as virsh picks it.
fn pick<'a>(
    ctl: &mut Ctl,
    root: &'a Element,
    kind: &str,
    mac: Option<&str>,
) -> Result<&'a Element, NotFound> {
    if kind.contains('\'') {
        let expr = format!("/domain/devices/interface[@type='{kind}']");
        if let Ok(crate::xpath::XPathOutput::Diagnostic(d)) =
            crate::xpath::select("<domain/>", &expr, false)
        {
            ctl.eprint(&d);
        }
        ctl.error(&format!("No interface found whose type is {kind}"));
        return Err(NotFound);
    }
    let all: Vec<&Element> = devices(root, "interface")
        .into_iter()
        .filter(|i| i.attr("type") == Some(kind))
        .collect();
    if all.is_empty() {
        ctl.error(&format!("No interface found whose type is {kind}"));
        return Err(NotFound);
    }
    let Some(mac) = mac else {
        if all.len() > 1 {
            ctl.error(&format!(
                "Domain has {} interfaces. Please specify which one to detach using --mac",
                all.len()
            ));
            return Err(NotFound);
        }
        return Ok(all[0]);
    };
    let mut found = None;
    for i in all {
        let Some(m) = i.child("mac") else { continue };
        if same_mac(m.attr("address").unwrap_or(""), mac) {
            if found.is_some() {
                ctl.error(&format!(
                    "Domain has multiple interfaces matching MAC address {mac}. You must use detach-device and specify the device pci address to remove it."
                ));
                return Err(NotFound);
            }
            found = Some(i);
        }
    }
    found.ok_or_else(|| {
        ctl.error(&format!("No interface with MAC address {mac} was found"));
        NotFound
    })
}

/// What detach-interface looks for, and whether it only prints it.
struct Wanted<'a> {
    kind: &'a str,
    mac: Option<&'a str>,
    current: bool,
    print: bool,
}

/// One pass of detach-interface over one of the domain's definitions.
fn detach_from(ctl: &mut Ctl, dom: &Domain, inactive: bool, flags: u32, w: &Wanted) -> bool {
    let Some(tree) = domain_tree(ctl, dom, inactive) else {
        return false;
    };
    let Ok(node) = pick(ctl, &tree, w.kind, w.mac) else {
        return false;
    };
    let xml = dump(node);
    if w.print {
        ctl.print(&xml);
        return true;
    }
    let r = if flags != 0 || w.current {
        dom.detach_device_flags(&xml, flags)
    } else {
        dom.detach_device(&xml)
    };
    ctl.check(r).is_some()
}

pub(crate) fn cmd_detach_interface(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(mut affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(kind) = cmd.string_req(ctl, "type") else {
        return false;
    };
    let Ok(mac) = cmd.string(ctl, "mac") else {
        return false;
    };
    let print = cmd.flag("print-xml");
    let w = Wanted {
        kind,
        mac,
        current: affect.current,
        print,
    };
    let mut ok = true;
    if affect.flags & dm::CONFIG != 0 {
        ok = detach_from(ctl, &dom, true, affect.flags & !dm::LIVE, &w);
    }
    if ok {
        affect.persist_live(&dom);
        if affect.flags & dm::CONFIG == 0 || affect.flags & dm::LIVE != 0 {
            ok = detach_from(ctl, &dom, false, affect.flags & !dm::CONFIG, &w);
        }
    }
    if print {
        return ok;
    }
    if !ok {
        ctl.error("Failed to detach interface");
        return false;
    }
    ctl.print_extra("Interface detached successfully\n");
    true
}
