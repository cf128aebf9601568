//! Node (host) devices.

use super::{conn, dump_xml, read_file, strcasecmp, string_to_array, xpath_opt};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use rvirt::NodeDevice;

/// `VIR_NODE_DEVICE_CREATE_XML_VALIDATE`.
const CREATE_VALIDATE: u32 = 1;
/// `VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE` and `_ACTIVE`.
const LIST_INACTIVE: u32 = 1 << 30;
const LIST_ACTIVE: u32 = 1 << 31;

/// Capability names in `virNodeDevCapType` order; name N selects filter bit N of
/// `virConnectListAllNodeDevices`.
const CAP_TYPES: [&str; 22] = [
    "system",
    "pci",
    "usb_device",
    "usb",
    "net",
    "scsi_host",
    "scsi_target",
    "scsi",
    "storage",
    "fc_host",
    "vports",
    "scsi_generic",
    "drm",
    "mdev_types",
    "mdev",
    "ccw",
    "css",
    "vdpa",
    "ap_card",
    "ap_queue",
    "ap_matrix",
    "vpd",
];

const DEVICE_OPT: OptDef = opt_data("device", REQ, "device name, or WWNN,WWPN of a SCSI host");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "nodedev-create",
        &[
            opt_data("file", REQ, "file with the device's XML description"),
            opt_bool("validate", "check the XML against the schema first"),
        ],
        cmd_create,
        "create a host device from an XML file",
        "Creates a device on the host (such as a vHBA) that guests can then be given.",
    ),
    cmd(
        "nodedev-destroy",
        &[opt_alias("name", "device"), DEVICE_OPT],
        cmd_destroy,
        "remove a host device",
        "Destroys a device on the host.",
    ),
    cmd(
        "nodedev-dumpxml",
        &[
            DEVICE_OPT,
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a host device's XML",
        "Prints the XML description of a host device.",
    ),
    cmd(
        "nodedev-list",
        &[
            opt_bool("tree", "show devices as a tree of parents and children"),
            opt_string(
                "cap",
                0,
                "only devices with these comma-separated capabilities",
            ),
            opt_bool("inactive", "only inactive devices"),
            opt_bool("all", "active and inactive devices"),
        ],
        cmd_list,
        "list host devices",
        "",
    ),
    cmd(
        "nodedev-info",
        &[DEVICE_OPT],
        cmd_info,
        "show basic facts about a host device",
        "Prints the name, parent and state of a host device.",
    ),
];

/// `virValidateWWN`: 16 hex digits, optionally after `0x`.
fn valid_wwn(w: &str) -> bool {
    let digits = w.strip_prefix("0x").unwrap_or(w);
    digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The device a `--device` value names: a device name, or `WWNN,WWPN` of a SCSI host.
fn find_device(ctl: &mut Ctl, value: &str) -> Option<NodeDevice> {
    let c = conn(ctl)?;
    let dev = if value.contains(',') {
        let parts = string_to_array(value);
        let [wwnn, wwpn] = parts.as_slice() else {
            ctl.error(&format!("Malformed device value '{value}'"));
            return None;
        };
        for w in [wwnn, wwpn] {
            if !valid_wwn(w) {
                ctl.set_error(rvirt::Error::internal(
                    rvirt::ErrorDomain::NONE,
                    format!("Malformed wwn: {w}"),
                ));
                return None;
            }
        }
        ctl.check(c.node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, 0))
    } else {
        ctl.check(c.node_device_lookup_by_name(value))
    };
    if dev.is_none() {
        ctl.error(&format!("Could not find matching device '{value}'"));
    }
    dev
}

fn device_opt(ctl: &mut Ctl, cmd: &Cmd) -> Option<(NodeDevice, String)> {
    let v = cmd.string_req(ctl, "device").ok()?.to_string();
    let d = find_device(ctl, &v)?;
    Some((d, v))
}

fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let flags = if cmd.flag("validate") {
        CREATE_VALIDATE
    } else {
        0
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match c.node_device_create_xml(&xml, flags) {
        Ok(d) => {
            ctl.print_extra(&format!("Node device {} created from {from}\n", d.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create node device from {from}"));
            false
        }
    }
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dev, v)) = device_opt(ctl, cmd) else {
        return false;
    };
    match dev.destroy() {
        Ok(()) => {
            ctl.print_extra(&format!("Destroyed node device '{v}'\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to destroy node device '{v}'"));
            false
        }
    }
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(v) = cmd.string_req(ctl, "device") else {
        return false;
    };
    let v = v.to_string();
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(dev) = find_device(ctl, &v) else {
        return false;
    };
    let Some(xml) = ctl.check(dev.xml_desc(0)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, cmd.flag("wrap"))
}

fn cmd_info(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dev, _)) = device_opt(ctl, cmd) else {
        return false;
    };
    let line = |label: &str, value: &str| format!("{label:<15} {value}\n");
    // Failed queries read as "yes", as in virsh (a negative result is true in C).
    let parent = dev.parent().ok().flatten().unwrap_or_default();
    let active = !matches!(dev.is_active(), Ok(false));
    let persistent = !matches!(dev.is_persistent(), Ok(false));
    let autostart = match dev.autostart() {
        Ok(true) => "yes",
        Ok(false) => "no",
        Err(_) => "no autostart",
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut s = line("Name:", dev.name());
    s.push_str(&line("Parent:", &parent));
    s.push_str(&line("Active:", yes_no(active)));
    s.push_str(&line("Persistent:", yes_no(persistent)));
    s.push_str(&line("Autostart:", autostart));
    ctl.print(&s);
    true
}

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let tree = cmd.flag("tree");
    let inactive = cmd.flag("inactive");
    let all = cmd.flag("all");
    let caps: Vec<String> = cmd
        .string_quiet("cap")
        .map(string_to_array)
        .unwrap_or_default();
    if all && inactive {
        ctl.error("Option --all is incompatible with --inactive");
        return false;
    }
    if tree && (cmd.string_quiet("cap").is_some() || inactive) {
        ctl.error("Option --tree is incompatible with --cap and --inactive");
        return false;
    }
    let mut flags = 0u32;
    for cap in &caps {
        match CAP_TYPES.iter().position(|t| t == cap) {
            Some(bit) => flags |= 1 << bit,
            None => {
                ctl.error("Invalid capability type");
                return false;
            }
        }
    }
    if inactive || all {
        flags |= LIST_INACTIVE;
    }
    if !inactive {
        flags |= LIST_ACTIVE;
    }
    let mut list = match c.list_all_node_devices(flags) {
        Ok(l) => l,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list node devices");
            return false;
        }
    };
    list.sort_by(|a, b| strcasecmp(a.name(), b.name()));
    let mut out = String::new();
    if tree {
        let names: Vec<String> = list.iter().map(|d| d.name().to_string()).collect();
        let parents: Vec<Option<String>> = list
            .iter()
            .map(|d| {
                if d.name() == "computer" {
                    None
                } else {
                    d.parent().ok().flatten()
                }
            })
            .collect();
        for root in 0..names.len() {
            if parents[root].is_none() {
                let mut indent = String::new();
                print_tree(&mut out, &names, &parents, root, root, true, &mut indent);
            }
        }
    } else {
        for d in &list {
            out.push_str(d.name());
            out.push('\n');
        }
    }
    ctl.print(&out);
    true
}

/// virsh's tree listing: each device on its own line, children under their parent with
/// `+- `, `|` rails while more siblings follow, and a blank (indented) line closing each
/// last branch.
fn print_tree(
    out: &mut String,
    names: &[String],
    parents: &[Option<String>],
    dev: usize,
    last: usize,
    root: bool,
    indent: &mut String,
) {
    let name = &names[dev];
    out.push_str(&format!(
        "{indent}{}{name}\n",
        if root { "" } else { "+- " }
    ));
    if !root {
        indent.push(if dev == last { ' ' } else { '|' });
        indent.push(' ');
    }
    let is_child = |i: usize| parents[i].as_deref() == Some(name.as_str());
    let last_child = (0..names.len()).rev().find(|&i| is_child(i));
    if last_child.is_some() {
        out.push_str(&format!("{indent}  |\n"));
    }
    indent.push_str("  ");
    if let Some(lc) = last_child {
        for i in 0..names.len() {
            if is_child(i) {
                print_tree(out, names, parents, i, lc, false, indent);
            }
        }
    }
    indent.truncate(indent.len() - 2);
    if last_child.is_none() && dev == last {
        out.push_str(&format!("{indent}\n"));
    }
    if !root {
        indent.truncate(indent.len() - 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_layout() {
        let names: Vec<String> = ["computer", "a", "a1", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parents = vec![
            None,
            Some("computer".to_string()),
            Some("a".to_string()),
            Some("computer".to_string()),
        ];
        let mut out = String::new();
        let mut indent = String::new();
        print_tree(&mut out, &names, &parents, 0, 0, true, &mut indent);
        assert_eq!(
            out,
            "computer\n  |\n  +- a\n  |   |\n  |   +- a1\n  |     \n  +- b\n    \n"
        );
    }

    #[test]
    fn wwn_check() {
        assert!(valid_wwn("2000000012341234"));
        assert!(valid_wwn("0x2000000012341234"));
        assert!(!valid_wwn("a"));
        assert!(!valid_wwn("20000000123412345"));
    }
}
