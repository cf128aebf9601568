//! `vcpupin` and `emulatorpin`: show or change which host CPUs a domain's vCPUs and
//! emulator threads may use, with virsh 9.0's checks and layout.

use super::stats::host_cpu_count;
use crate::cli::parser::Cmd;
use crate::commands::exclusive;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::table::{Charset, Table};
use rvirt::{flags, Domain, Error, ErrorCode, ErrorDomain};
use rvirt_xml::bitmap::Bitmap;

/// `--config`, `--live`, `--current` as flags; `None` when none was given (virsh then
/// uses the flagless API).
fn affect(ctl: &mut Ctl, cmd: &Cmd) -> Result<Option<u32>, ()> {
    let (config, live, current) = (cmd.flag("config"), cmd.flag("live"), cmd.flag("current"));
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return Err(());
    }
    if !config && !live && !current {
        return Ok(None);
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    Ok(Some(f))
}

/// virsh's CPU list: `r` for every host CPU, else a bitmap of at most 1024 CPUs that names
/// some CPU and none past the host's last.
fn cpu_list(ctl: &mut Ctl, list: &str, maxcpu: i32) -> Option<Vec<u8>> {
    let len = (maxcpu.max(0) as usize).div_ceil(8);
    let set = if list.starts_with('r') {
        let mut all = Bitmap::new();
        for c in 0..maxcpu.max(0) as u32 {
            all.insert(c);
        }
        all
    } else {
        let parsed = Bitmap::parse(list).filter(|b| b.max().is_none_or(|m| m < 1024));
        let Some(set) = parsed.filter(|b| !b.is_empty()) else {
            ctl.error(&format!("Invalid cpulist '{list}'"));
            if Bitmap::parse(list).is_none() {
                ctl.set_error(Error::new(
                    ErrorDomain::NONE,
                    ErrorCode::INVALID_ARG,
                    Some(format!("Failed to parse bitmap '{list}'")),
                ));
            }
            return None;
        };
        if let Some(last) = set.max().filter(|&m| m as i32 >= maxcpu) {
            ctl.error(&format!(
                "CPU {last} in cpulist '{list}' exceed the maxcpu {maxcpu}"
            ));
            return None;
        }
        set
    };
    let mut map = vec![0u8; len];
    for c in set.iter() {
        if let Some(b) = map.get_mut(c as usize / 8) {
            *b |= 1 << (c % 8);
        }
    }
    Some(map)
}

/// The CPUs set in a map, as virsh prints them ("0-1,4").
fn map_text(map: &[u8]) -> String {
    let mut set = Bitmap::new();
    for (i, byte) in map.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                set.insert((i * 8 + bit) as u32);
            }
        }
    }
    set.to_string()
}

fn fail(ctl: &mut Ctl, e: Error) -> bool {
    ctl.set_error(e);
    false
}

pub(super) fn cmd_vcpupin(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = affect(ctl, cmd) else {
        return false;
    };
    let Ok(vcpu) = cmd.uint(ctl, "vcpu") else {
        return false;
    };
    let cpulist = cmd.string_quiet("cpulist");
    if cpulist.is_none()
        && !exclusive(
            ctl,
            ("live", cmd.flag("live")),
            ("config", cmd.flag("config")),
        )
    {
        return false;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Some(maxcpu) = host_cpu_count(ctl) else {
        return false;
    };
    match cpulist {
        None => vcpupin_query(ctl, &dom, vcpu, maxcpu, f.unwrap_or(flags::affect::CURRENT)),
        Some(list) => {
            let Some(vcpu) = vcpu else {
                ctl.error("vcpupin: Missing vCPU number in pin mode.");
                return false;
            };
            let Some(map) = cpu_list(ctl, list, maxcpu) else {
                return false;
            };
            match dom.pin_vcpu(vcpu, &map, f) {
                Ok(()) => true,
                Err(e) => fail(ctl, e),
            }
        }
    }
}

fn vcpupin_query(ctl: &mut Ctl, dom: &Domain, vcpu: Option<u32>, maxcpu: i32, f: u32) -> bool {
    let (live, config) = (flags::affect::LIVE, flags::affect::CONFIG);
    let running = matches!(dom.is_active(), Ok(true));
    if (f & live != 0 && !running) || (f & config != 0 && !matches!(dom.is_persistent(), Ok(true)))
    {
        if f & live != 0 {
            ctl.error("cannot get vcpupin for offline domain");
        } else {
            ctl.error("cannot get vcpupin for transient domain");
        }
        return false;
    }
    let count_flags = if f & (live | config) == 0 && running {
        f | live
    } else {
        f
    };
    let ncpus = match dom.vcpus_flags(count_flags | flags::vcpu::MAXIMUM) {
        Ok(n) => n,
        Err(e) => return fail(ctl, e),
    };
    if let Some(v) = vcpu.filter(|&v| v as i64 >= i64::from(ncpus)) {
        let which = if f & live != 0 || (f & config == 0 && running) {
            "live"
        } else {
            "persistent"
        };
        ctl.error(&format!(
            "vcpu {v} is out of range of {which} cpu count {ncpus}"
        ));
        return false;
    }
    let maplen = (maxcpu.max(0) as usize).div_ceil(8);
    let (n, maps) = match dom.vcpu_pin_info(ncpus, maplen as i32, f) {
        Ok(r) => r,
        Err(e) => return fail(ctl, e),
    };
    let mut table = Table::new(&["VCPU", "CPU Affinity"]);
    for i in 0..n.max(0) as usize {
        if vcpu.is_some_and(|v| v as usize != i) {
            continue;
        }
        let map = maps.get(i * maplen..(i + 1) * maplen).unwrap_or(&[]);
        table.add_row(vec![i.to_string(), map_text(map)]);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}

pub(super) fn cmd_emulatorpin(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = affect(ctl, cmd) else {
        return false;
    };
    let cpulist = cmd.string_quiet("cpulist");
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Some(maxcpu) = host_cpu_count(ctl) else {
        return false;
    };
    let f = f.unwrap_or(flags::affect::CURRENT);
    match cpulist {
        None => {
            let maplen = (maxcpu.max(0) as usize).div_ceil(8);
            match dom.emulator_pin_info(maplen as i32, f) {
                Ok((n, map)) if n >= 0 => {
                    ctl.print(&format!("{} {}\n", "emulator:", "CPU Affinity"));
                    ctl.print("----------------------------------\n");
                    ctl.print(&format!("       *: {}\n", map_text(&map)));
                    true
                }
                Ok(_) => false,
                Err(e) => fail(ctl, e),
            }
        }
        Some(list) => {
            let Some(map) = cpu_list(ctl, list, maxcpu) else {
                return false;
            };
            match dom.pin_emulator(&map, f) {
                Ok(()) => true,
                Err(e) => fail(ctl, e),
            }
        }
    }
}
