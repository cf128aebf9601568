//! Domain snapshots. The rvirt API has no snapshot calls yet, so these commands parse their
//! options, find the domain, and then fail the way libvirt fails for a driver without
//! snapshot support.

use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::Error;

const DOMAIN_OPT: OptDef = opt_data("domain", REQ, "domain name, id or UUID");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "snapshot-create-as",
        &[
            DOMAIN_OPT,
            opt_string("name", 0, "name of the snapshot"),
            opt_string("description", 0, "description of the snapshot"),
            opt_bool("print-xml", "print the snapshot XML instead of creating it"),
            opt_bool("no-metadata", "do not keep metadata about the snapshot"),
            opt_bool("halt", "stop the domain after the snapshot"),
            opt_bool("disk-only", "snapshot the disks only"),
            opt_bool("reuse-external", "reuse existing external files"),
            opt_bool("quiesce", "quiesce guest file systems first"),
            opt_bool("atomic", "all disks or none"),
            opt_bool("live", "take the snapshot while the domain runs"),
            opt_bool("validate", "check the XML against the schema first"),
            opt_string("memspec", REQ_OPT, "where to save the memory state"),
            opt_argv("diskspec", 0, "per-disk snapshot settings"),
        ],
        cmd_create_as,
        "take a snapshot of a domain from arguments",
        "Creates a snapshot of a domain from command-line arguments.",
    ),
    cmd(
        "snapshot-revert",
        &[
            DOMAIN_OPT,
            opt_string("snapshotname", 0, "name of the snapshot"),
            opt_bool("current", "use the current snapshot"),
            opt_bool("running", "leave the domain running afterwards"),
            opt_bool("paused", "leave the domain paused afterwards"),
            opt_bool("force", "revert even where that is risky"),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_revert,
        "return a domain to a snapshot",
        "Reverts a domain to the state saved in a snapshot.",
    ),
];

/// Escapes text for an XML element body.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((_dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (Ok(name), Ok(desc)) = (cmd.string(ctl, "name"), cmd.string(ctl, "description")) else {
        return false;
    };
    if cmd.flag("print-xml") {
        let mut xml = String::from("<domainsnapshot>\n");
        if let Some(n) = name {
            xml.push_str(&format!("  <name>{}</name>\n", xml_text(n)));
        }
        if let Some(d) = desc {
            xml.push_str(&format!("  <description>{}</description>\n", xml_text(d)));
        }
        xml.push_str("</domainsnapshot>\n");
        ctl.print(&xml);
        return true;
    }
    ctl.set_error(Error::no_support("virDomainSnapshotCreateXML"));
    false
}

fn cmd_revert(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((_dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    ctl.set_error(Error::no_support("virDomainSnapshotLookupByName"));
    false
}
