//! Converting between a domain's id, name and UUID.

use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ID, BY_NAME, BY_UUID};

pub(super) fn cmd_domid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_UUID) else {
        return false;
    };
    match dom.id() {
        Some(id) => ctl.print(&format!("{id}\n")),
        None => ctl.print("-\n"),
    }
    true
}

pub(super) fn cmd_domname(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ID | BY_UUID) else {
        return false;
    };
    ctl.print(&format!("{}\n", dom.name()));
    true
}

pub(super) fn cmd_domuuid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_ID) else {
        return false;
    };
    ctl.print(&format!("{}\n", dom.uuid_string()));
    true
}
