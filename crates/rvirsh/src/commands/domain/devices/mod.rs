//! Device commands: attach, detach and update devices from XML files or by alias, and
//! virsh's conveniences that build the XML themselves (disks, interfaces, removable
//! media). Each one picks between a call and its `...Flags` form as virsh does: the old
//! call when no flag and no `--current` was given.

mod disk;
mod find;
mod iface;
mod media;

pub(crate) use disk::{cmd_attach_disk, cmd_detach_disk};
pub(crate) use iface::{cmd_attach_interface, cmd_detach_interface};
pub(crate) use media::cmd_change_media;

use crate::cli::parser::Cmd;
use crate::commands::{exclusive, read_file};
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags::device_modify as dm;
use rvirt::Domain;

/// The `--persistent/--config/--live/--current` choice of a command.
pub(crate) struct Affect {
    pub flags: u32,
    pub current: bool,
    pub persistent: bool,
}

impl Affect {
    /// virsh's checks and flags; `persistent` commands know `--persistent`.
    pub fn read(ctl: &mut Ctl, cmd: &Cmd) -> Option<Affect> {
        let (current, config, live) = (cmd.flag("current"), cmd.flag("config"), cmd.flag("live"));
        let persistent = cmd.flag("persistent");
        if !exclusive(ctl, ("persistent", persistent), ("current", current))
            || !exclusive(ctl, ("current", current), ("live", live))
            || !exclusive(ctl, ("current", current), ("config", config))
        {
            return None;
        }
        let mut flags = 0;
        if config || persistent {
            flags |= dm::CONFIG;
        }
        if live {
            flags |= dm::LIVE;
        }
        Some(Affect {
            flags,
            current,
            persistent,
        })
    }

    /// `--persistent` on a running domain changes it live as well.
    pub fn persist_live(&mut self, dom: &Domain) {
        if self.persistent && matches!(dom.is_active(), Ok(true)) {
            self.flags |= dm::LIVE;
        }
    }

    /// Whether virsh calls the `...Flags` form.
    pub fn with_flags(&self) -> bool {
        self.flags != 0 || self.current
    }
}

/// Which device call a file command makes.
#[derive(Clone, Copy)]
enum FileOp {
    Attach,
    Detach,
    Update,
}

fn device_from_file(ctl: &mut Ctl, cmd: &Cmd, op: FileOp) -> bool {
    let Some(mut affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    affect.persist_live(&dom);
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    let (r, verb, done) = match op {
        FileOp::Attach if affect.with_flags() => (
            dom.attach_device_flags(&xml, affect.flags),
            "attach",
            "attached",
        ),
        FileOp::Attach => (dom.attach_device(&xml), "attach", "attached"),
        FileOp::Detach if affect.with_flags() => (
            dom.detach_device_flags(&xml, affect.flags),
            "detach",
            "detached",
        ),
        FileOp::Detach => (dom.detach_device(&xml), "detach", "detached"),
        FileOp::Update => {
            let mut f = affect.flags;
            if cmd.flag("force") {
                f |= dm::FORCE;
            }
            (dom.update_device_flags(&xml, f), "update", "updated")
        }
    };
    if let Err(e) = r {
        ctl.set_error(e);
        ctl.error(&format!("Failed to {verb} device from {from}"));
        return false;
    }
    ctl.print_extra(&format!("Device {done} successfully\n"));
    true
}

pub(crate) fn cmd_attach_device(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    device_from_file(ctl, cmd, FileOp::Attach)
}

pub(crate) fn cmd_detach_device(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    device_from_file(ctl, cmd, FileOp::Detach)
}

pub(crate) fn cmd_update_device(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    device_from_file(ctl, cmd, FileOp::Update)
}

pub(crate) fn cmd_detach_device_alias(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(affect) = Affect::read(ctl, cmd) else {
        return false;
    };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(alias) = cmd.string_req(ctl, "alias") else {
        return false;
    };
    if let Err(e) = dom.detach_device_alias(alias, affect.flags) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to detach device with alias {alias}"));
        return false;
    }
    ctl.print_extra("Device detach request sent successfully\n");
    true
}
