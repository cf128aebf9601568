//! Memory and virtual CPU counts.

use crate::cli::parser::Cmd;
use crate::commands::{exclusive, require};
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::{Domain, ErrorCode};

pub(super) fn cmd_setmem(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    if !current && !live && !config {
        f = flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(bytes)) = cmd.scaled(ctl, "size", 1024, u64::MAX) else {
        return false;
    };
    let kib = bytes.div_ceil(1024);
    match dom.set_memory_flags(kib, f) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

pub(super) fn cmd_setmaxmem(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(bytes)) = cmd.scaled(ctl, "size", 1024, u64::MAX) else {
        return false;
    };
    let kib = bytes.div_ceil(1024);
    match dom.set_memory_flags(kib, f | flags::memory::MAXIMUM) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to change MaxMemorySize");
            false
        }
    }
}

pub(super) fn cmd_setvcpus(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let maximum = cmd.flag("maximum");
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let guest = cmd.flag("guest");
    let hotpluggable = cmd.flag("hotpluggable");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive(ctl, ("guest", guest), ("config", config))
        || !require(ctl, ("maximum", maximum), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    if guest {
        f |= flags::vcpu::GUEST;
    }
    if maximum {
        f |= flags::vcpu::MAXIMUM;
    }
    if hotpluggable {
        f |= flags::vcpu::HOTPLUGGABLE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(count)) = cmd.uint(ctl, "count") else {
        return false;
    };
    if count == 0 {
        ctl.error("Can't set 0 processors for a VM");
        return false;
    }
    // Without flags virsh uses virDomainSetVcpus, which acts on the live domain.
    let f = if !current && f == 0 {
        flags::affect::LIVE
    } else {
        f
    };
    match dom.set_vcpus_flags(count, f) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

/// One vCPU count; `Ok(None)` when the query does not apply to the domain's state.
fn vcpu_count(ctl: &mut Ctl, dom: &Domain, f: u32, check_state: bool) -> Result<Option<i32>, ()> {
    if check_state {
        let live_ok = f & flags::affect::LIVE == 0 || matches!(dom.is_active(), Ok(true));
        let conf_ok = f & flags::affect::CONFIG == 0 || matches!(dom.is_persistent(), Ok(true));
        if !live_ok || !conf_ok {
            return Ok(None);
        }
    }
    match dom.vcpus_flags(f) {
        Ok(n) => Ok(Some(n)),
        Err(e) => {
            let fallback = e.code == ErrorCode::NO_SUPPORT || e.code == ErrorCode::INVALID_ARG;
            ctl.set_error(e);
            if fallback && f & flags::vcpu::GUEST != 0 {
                ctl.error("Failed to retrieve vCPU count from the guest");
            }
            Err(())
        }
    }
}

pub(super) fn cmd_vcpucount(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let maximum = cmd.flag("maximum");
    let active = cmd.flag("active");
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let mut current = cmd.flag("current");
    let guest = cmd.flag("guest");
    let all = !(maximum || active || current || config || live || guest);
    // An old meaning of --current: alone it just selects the default.
    if !maximum && !active && current {
        current = false;
    }
    if !exclusive(ctl, ("live", live), ("config", config))
        || !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive(ctl, ("active", active), ("maximum", maximum))
        || !exclusive(ctl, ("guest", guest), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if live {
        f |= flags::affect::LIVE;
    }
    if config {
        f |= flags::affect::CONFIG;
    }
    if maximum {
        f |= flags::vcpu::MAXIMUM;
    }
    if guest {
        f |= flags::vcpu::GUEST;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (cfg, lv, max) = (
        flags::affect::CONFIG,
        flags::affect::LIVE,
        flags::vcpu::MAXIMUM,
    );
    if all {
        let mut counts = Vec::new();
        for q in [cfg | max, cfg, lv | max, lv] {
            match vcpu_count(ctl, &dom, q, true) {
                Ok(n) => counts.push(n),
                Err(()) => return false,
            }
        }
        let mut s = String::new();
        for (i, which, state) in [
            (0, "maximum", "config"),
            (2, "maximum", "live"),
            (1, "current", "config"),
            (3, "current", "live"),
        ] {
            if let Some(n) = counts[i].filter(|n| *n > 0) {
                s.push_str(&format!("{which:<12} {state:<12} {n:>3}\n"));
            }
        }
        ctl.print(&s);
        return true;
    }
    match vcpu_count(ctl, &dom, f, false) {
        Ok(Some(n)) => {
            ctl.print(&format!("{n}\n"));
            true
        }
        _ => false,
    }
}
