//! Domain snapshots: create from arguments, revert.

use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags::{snapshot_create as sc, snapshot_revert as sr};

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

fn snapshot_xml(name: Option<&str>, desc: Option<&str>) -> String {
    let mut xml = String::from("<domainsnapshot>\n");
    if let Some(n) = name {
        xml.push_str(&format!("  <name>{}</name>\n", xml_text(n)));
    }
    if let Some(d) = desc {
        xml.push_str(&format!("  <description>{}</description>\n", xml_text(d)));
    }
    xml.push_str("</domainsnapshot>\n");
    xml
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (Ok(name), Ok(desc)) = (cmd.string(ctl, "name"), cmd.string(ctl, "description")) else {
        return false;
    };
    let xml = snapshot_xml(name, desc);
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    let mut f = 0;
    for (opt, bit) in [
        ("no-metadata", sc::NO_METADATA),
        ("halt", sc::HALT),
        ("disk-only", sc::DISK_ONLY),
        ("reuse-external", sc::REUSE_EXT),
        ("quiesce", sc::QUIESCE),
        ("atomic", sc::ATOMIC),
        ("live", sc::LIVE),
        ("validate", sc::VALIDATE),
    ] {
        if cmd.flag(opt) {
            f |= bit;
        }
    }
    match dom.snapshot_create_xml(&xml, f) {
        Ok(snap) => {
            // virsh prints this one without a newline; the blank line after the command
            // ends it.
            ctl.print(&format!("Domain snapshot {} created", snap.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

fn cmd_revert(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(name) = cmd.string(ctl, "snapshotname") else {
        return false;
    };
    let snap = match name {
        Some(n) => dom.snapshot_lookup_by_name(n, 0),
        None if cmd.flag("current") => dom.snapshot_current(0),
        None => {
            ctl.error("--snapshotname or --current is required");
            return false;
        }
    };
    let snap = match snap {
        Ok(s) => s,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    let mut f = 0;
    for (opt, bit) in [
        ("running", sr::RUNNING),
        ("paused", sr::PAUSED),
        ("force", sr::FORCE),
        ("reset-nvram", sr::RESET_NVRAM),
    ] {
        if cmd.flag(opt) {
            f |= bit;
        }
    }
    match snap.revert(f) {
        Ok(()) => {
            ctl.print(&format!("Domain snapshot {} reverted\n", snap.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}
