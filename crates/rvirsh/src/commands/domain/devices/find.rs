//! Finding a device in a domain's XML as virsh does, and reading that XML the way the
//! command's flags ask (the persistent definition when only the configuration changes).

use crate::ctl::Ctl;
use rvirt::Domain;
use rvirt_xml::tree::{Element, Node};

/// The domain's XML as a tree with its whitespace, or `None` with the error saved.
pub fn domain_tree(ctl: &mut Ctl, dom: &Domain, inactive: bool) -> Option<Element> {
    let f = if inactive {
        rvirt::flags::domain_xml::INACTIVE
    } else {
        0
    };
    let xml = ctl.check(dom.xml_desc(f))?;
    match rvirt_xml::tree::parse_document(&xml, "(domain_definition)") {
        Ok(t) => Some(t),
        Err(e) => {
            ctl.set_error(rvirt::Error::from(e));
            None
        }
    }
}

/// `/domain/devices/NAME` elements, in document order.
pub fn devices<'a>(root: &'a Element, name: &'a str) -> Vec<&'a Element> {
    if root.name != "domain" {
        return Vec::new();
    }
    root.children_named("devices")
        .flat_map(|d| d.children_named(name))
        .collect()
}

/// Which disks a search considers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DiskKind {
    Any,
    /// CD-ROMs and floppies only.
    Changeable,
}

/// The disk whose source (file, dev, dir or name) or target is `path`, copied without its
/// backing chain, as virsh finds it; errors are printed.
pub fn find_disk(ctl: &mut Ctl, root: &Element, path: &str, kind: DiskKind) -> Option<Element> {
    let disks = devices(root, "disk");
    if disks.is_empty() {
        ctl.error("Failed to get disk information");
        return None;
    }
    for d in disks {
        if kind == DiskKind::Changeable
            && !matches!(d.attr("device"), Some("cdrom") | Some("floppy"))
        {
            continue;
        }
        for c in d.elements() {
            let v = match c.name.as_str() {
                "source" => ["file", "dev", "dir", "name"]
                    .iter()
                    .find_map(|a| c.attr(a)),
                "target" => c.attr("dev"),
                _ => None,
            };
            if v == Some(path) {
                let mut copy = d.clone();
                copy.children
                    .retain(|n| !matches!(n, Node::Element(e) if e.name == "backingStore"));
                return Some(copy);
            }
        }
    }
    ctl.error(&format!(
        "No disk found whose source path or target is {path}"
    ));
    None
}
