//! `domblklist` and `domiflist`: tables of a domain's disks and interfaces read from its
//! XML, with virsh's `-` for what is not there.

use super::{devices, domain_tree, first_attr};
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::table::{Charset, Table};
use rvirt::flags::domain_xml;

fn tree(ctl: &mut Ctl, cmd: &Cmd) -> Option<rvirt_xml::tree::Element> {
    let flags = if cmd.flag("inactive") {
        domain_xml::INACTIVE
    } else {
        0
    };
    let (dom, _) = lookup::domain(ctl, cmd, BY_ANY)?;
    domain_tree(ctl, &dom, flags)
}

fn attr(el: &rvirt_xml::tree::Element, name: &str) -> Option<String> {
    el.attr(name).filter(|v| !v.is_empty()).map(str::to_string)
}

/// An NVMe disk's source as virsh spells it: `nvme://DDDD:BB:SS.F/NAMESPACE`.
fn nvme_source(disk: &rvirt_xml::tree::Element) -> Option<String> {
    let src = disk.child("source")?;
    let ns = attr(src, "namespace")?;
    let a = src.child("address")?;
    let num = |k: &str| -> Option<u32> {
        let v = a.attr(k)?;
        let v = v.strip_prefix("0x").unwrap_or(v);
        u32::from_str_radix(v, 16).ok()
    };
    Some(format!(
        "nvme://{:04x}:{:02x}:{:02x}.{}/{ns}",
        num("domain")?,
        num("bus")?,
        num("slot")?,
        num("function")?
    ))
}

pub(crate) fn cmd_domblklist(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let details = cmd.flag("details");
    let Some(root) = tree(ctl, cmd) else {
        return false;
    };
    let mut table = if details {
        Table::new(&["Type", "Device", "Target", "Source"])
    } else {
        Table::new(&["Target", "Source"])
    };
    for disk in devices(&root, "disk") {
        let kind = attr(disk, "type");
        let device = attr(disk, "device");
        if details && (kind.is_none() || device.is_none()) {
            ctl.print("unable to query block list details");
            return false;
        }
        let Some(target) = first_attr(disk, "target", &["dev"]) else {
            ctl.error("unable to query block list");
            return false;
        };
        let source = if kind.as_deref() == Some("nvme") {
            match nvme_source(disk) {
                Some(s) => Some(s),
                None => {
                    ctl.error("Unable to query NVMe disk address");
                    return false;
                }
            }
        } else {
            first_attr(disk, "source", &["file", "dev", "dir", "name", "volume"])
        };
        let source = source.unwrap_or_else(|| "-".into());
        if details {
            table.add_row(vec![
                kind.unwrap_or_default(),
                device.unwrap_or_default(),
                target,
                source,
            ]);
        } else {
            table.add_row(vec![target, source]);
        }
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}

pub(crate) fn cmd_domiflist(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(root) = tree(ctl, cmd) else {
        return false;
    };
    let mut table = Table::new(&["Interface", "Type", "Source", "Model", "MAC"]);
    let dash = || "-".to_string();
    for iface in devices(&root, "interface") {
        let source = first_attr(
            iface,
            "source",
            &["bridge", "dev", "network", "name", "path"],
        );
        table.add_row(vec![
            first_attr(iface, "target", &["dev"]).unwrap_or_else(dash),
            attr(iface, "type").unwrap_or_default(),
            source.unwrap_or_else(dash),
            first_attr(iface, "model", &["type"]).unwrap_or_else(dash),
            first_attr(iface, "mac", &["address"]).unwrap_or_else(dash),
        ]);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}
