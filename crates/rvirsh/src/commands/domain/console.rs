//! `console`, and the console attached by `start --console` and `create --console`.

use crate::cli::parser::Cmd;
use crate::commands::domain_state;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::Domain;

pub(super) fn cmd_console(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(dev) = cmd.string(ctl, "devname") else {
        return false;
    };
    let dev = dev.map(str::to_string);
    let mut f = 0;
    if cmd.flag("force") {
        f |= flags::console::FORCE;
    }
    if cmd.flag("safe") {
        f |= flags::console::SAFE;
    }
    attach(ctl, &dom, dev.as_deref(), f)
}

/// The console of a domain just started, on its default device.
pub(super) fn run_console(ctl: &mut Ctl, dom: &Domain) -> bool {
    attach(ctl, dom, None, 0)
}

/// virsh's checks and banner, then the session.
fn attach(ctl: &mut Ctl, dom: &Domain, dev: Option<&str>, f: u32) -> bool {
    use std::io::IsTerminal;
    let Some((state, _)) = domain_state(ctl, dom) else {
        ctl.error("Unable to get domain status");
        return false;
    };
    if state == rvirt::DomainState::Shutoff as i32 {
        ctl.error("The domain is not running");
        return false;
    }
    if !std::io::stdin().is_terminal() {
        ctl.error("Cannot run interactive console without a controlling TTY");
        return false;
    }
    ctl.print_extra(&format!("Connected to domain '{}'\n", dom.name()));
    let esc = ctl.escape.clone();
    ctl.print_extra(&format!("Escape character is {esc}"));
    if let Some(c) = esc.strip_prefix('^') {
        ctl.print_extra(&format!(" (Ctrl + {c})"));
    }
    ctl.print_extra("\n");
    crate::console::run(ctl, dom, dev, f)
}
