//! Starting, stopping, pausing and marking domains for autostart.

use super::console::run_console;
use super::define::pass_fds;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY, BY_NAME, BY_UUID};
use rvirt::flags;
use rvirt::{Domain, ErrorCode};

pub(super) fn cmd_start(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((mut dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_UUID) else {
        return false;
    };
    if dom.id().is_some() {
        ctl.error("Domain is already active");
        return false;
    }
    let Ok(fds) = pass_fds(ctl, cmd) else {
        return false;
    };
    let mut f = 0;
    for (name, bit) in [
        ("paused", flags::create::PAUSED),
        ("autodestroy", flags::create::AUTODESTROY),
        ("bypass-cache", flags::create::BYPASS_CACHE),
        ("force-boot", flags::create::FORCE_BOOT),
        ("reset-nvram", flags::create::RESET_NVRAM),
    ] {
        if cmd.flag(name) {
            f |= bit;
        }
    }
    // The descriptors would go through virDomainCreateWithFiles, which the rvirt API
    // lacks; the domain is started without them.
    let _ = fds;
    let create = |dom: &mut Domain, f: u32| -> rvirt::Result<()> { dom.create(f) };
    let mut started = false;
    if f & flags::create::FORCE_BOOT != 0 {
        match create(&mut dom, f) {
            Ok(()) => started = true,
            Err(e) => {
                let fallback = e.code == ErrorCode::NO_SUPPORT || e.code == ErrorCode::INVALID_ARG;
                ctl.set_error(e);
                if !fallback {
                    ctl.report_error();
                    return false;
                }
                ctl.reset_error();
                match dom.has_managed_save_image(0) {
                    Err(_) => ctl.reset_error(),
                    Ok(true) => {
                        if let Err(e) = dom.managed_save_remove(0) {
                            ctl.set_error(e);
                            ctl.report_error();
                            return false;
                        }
                    }
                    Ok(false) => {}
                }
                f &= !flags::create::FORCE_BOOT;
            }
        }
    }
    if !started {
        if let Err(e) = create(&mut dom, f) {
            ctl.set_error(e);
            ctl.error(&format!("Failed to start domain '{}'", dom.name()));
            return false;
        }
    }
    ctl.print_extra(&format!("Domain '{}' started\n", dom.name()));
    if cmd.flag("console") && !run_console(ctl, &dom) {
        return false;
    }
    true
}

/// Runs a simple domain action with virsh's success and failure messages.
fn simple_action(
    ctl: &mut Ctl,
    cmd: &Cmd,
    action: &dyn Fn(&Domain) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    match action(&dom) {
        Ok(()) => {
            ctl.print_extra(&ok.replace("{}", &name));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&fail.replace("{}", &name));
            false
        }
    }
}

pub(super) fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut f = 0;
    if cmd.flag("graceful") {
        f |= flags::destroy::GRACEFUL;
    }
    if cmd.flag("remove-logs") {
        f |= flags::destroy::REMOVE_LOGS;
    }
    simple_action(
        ctl,
        cmd,
        &|d| d.destroy(f),
        "Domain '{}' destroyed\n",
        "Failed to destroy domain '{}'",
    )
}

pub(super) fn cmd_reset(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.reset(0),
        "Domain '{}' was reset\n",
        "Failed to reset domain '{}'",
    )
}

pub(super) fn cmd_suspend(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.suspend(),
        "Domain '{}' suspended\n",
        "Failed to suspend domain '{}'",
    )
}

pub(super) fn cmd_resume(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.resume(),
        "Domain '{}' resumed\n",
        "Failed to resume domain '{}'",
    )
}

/// `--mode` of shutdown/reboot as flag bits; `Err` after printing for an unknown word.
fn shutdown_mode(ctl: &mut Ctl, cmd: &Cmd, reboot: bool) -> Result<u32, ()> {
    let Some(mode) = cmd.string(ctl, "mode")? else {
        return Ok(0);
    };
    let mut f = 0;
    for m in mode.split(',') {
        f |= match m {
            "acpi" => 1,
            "agent" => 2,
            "initctl" => 4,
            "signal" => 8,
            "paravirt" => 16,
            _ => {
                let tail = if reboot {
                    "'signal' or 'paravirt'"
                } else {
                    "'signal', or 'paravirt'"
                };
                ctl.error(&format!(
                    "Unknown mode {m} value, expecting 'acpi', 'agent', 'initctl', {tail}"
                ));
                return Err(());
            }
        };
    }
    Ok(f)
}

pub(super) fn cmd_shutdown(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = shutdown_mode(ctl, cmd, false) else {
        return false;
    };
    simple_action(
        ctl,
        cmd,
        &|d| d.shutdown(f),
        "Domain '{}' is being shutdown\n",
        "Failed to shutdown domain '{}'",
    )
}

pub(super) fn cmd_reboot(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = shutdown_mode(ctl, cmd, true) else {
        return false;
    };
    simple_action(
        ctl,
        cmd,
        &|d| d.reboot(f),
        "Domain '{}' is being rebooted\n",
        "Failed to reboot domain '{}'",
    )
}

pub(super) fn cmd_autostart(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let enable = !cmd.flag("disable");
    let (ok, fail) = if enable {
        ("marked as autostarted", "Failed to mark")
    } else {
        ("unmarked as autostarted", "Failed to unmark")
    };
    match dom.set_autostart(enable) {
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' {ok}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("{fail} domain '{name}' as autostarted"));
            false
        }
    }
}
