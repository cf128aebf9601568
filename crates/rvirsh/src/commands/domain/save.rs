//! Saving a domain's state to a file (or a managed image) and restoring it.

use crate::cli::parser::Cmd;
use crate::commands::{conn, read_file};
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags;

/// Makes a file name absolute, as libvirt's public save/restore calls do before they
/// reach a driver.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    match std::env::current_dir() {
        Ok(d) => format!("{}/{path}", d.to_string_lossy().trim_end_matches('/')),
        Err(_) => path.to_string(),
    }
}

pub(super) fn cmd_save(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(to) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let Ok(xmlfile) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml = match xmlfile {
        Some(p) => match read_file(ctl, p) {
            Some(x) => Some(x),
            None => {
                ctl.report_error();
                return false;
            }
        },
        None => None,
    };
    if let Err(e) = dom.save(&absolute(to), xml.as_deref(), f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to save domain '{name}' to {to}"));
        return false;
    }
    if cmd.flag("verbose") {
        ctl.eprint("\rSave: [100 %]");
    }
    ctl.print_extra(&format!("\nDomain '{name}' saved to {to}\n"));
    true
}

pub(super) fn cmd_restore(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
        ("reset-nvram", flags::save::RESET_NVRAM),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let Ok(xmlfile) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml = match xmlfile {
        Some(p) => match read_file(ctl, p) {
            Some(x) => Some(x),
            None => return false,
        },
        None => None,
    };
    if let Err(e) = c.domain_restore(&absolute(from), xml.as_deref(), f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to restore domain from {from}"));
        return false;
    }
    ctl.print_extra(&format!("Domain restored from {from}\n"));
    true
}

pub(super) fn cmd_managedsave(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    if let Err(e) = dom.managed_save(f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to save domain '{name}' state"));
        return false;
    }
    if cmd.flag("verbose") {
        ctl.eprint("\rManagedsave: [100 %]");
    }
    ctl.print_extra(&format!("\nDomain '{name}' state saved by libvirt\n"));
    true
}

pub(super) fn cmd_managedsave_remove(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let has = match dom.has_managed_save_image(0) {
        Ok(h) => h,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to check for domain managed save image");
            return false;
        }
    };
    if !has {
        ctl.print_extra(&format!(
            "Domain '{name}' has no manage save image; removal skipped"
        ));
        return true;
    }
    match dom.managed_save_remove(0) {
        Ok(()) => {
            ctl.print_extra(&format!("Removed managedsave image for domain '{name}'"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to remove managed save image for domain '{name}'"
            ));
            false
        }
    }
}
