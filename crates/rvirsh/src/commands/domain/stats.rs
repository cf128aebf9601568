//! Domain queries about running guests: `vcpuinfo`, `dommemstat`, `schedinfo` and
//! `domhostname`.

use crate::cli::parser::Cmd;
use crate::cli::values::{parse_c_long, parse_c_unsigned};
use crate::commands::exclusive;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::{Domain, DomainState, Error, ErrorCode, ErrorDomain, TypedParam, TypedValue};

/// How many CPUs the host has: the CPU map's count, else the node facts.
pub(super) fn host_cpu_count(ctl: &mut Ctl) -> Option<i32> {
    let c = ctl.conn()?;
    match c.node_cpu_map(0) {
        Ok(m) => Some(m.cpus),
        Err(_) => match c.node_info() {
            Ok(n) => Some((n.nodes * n.sockets * n.cores * n.threads) as i32),
            Err(e) => {
                ctl.set_error(e);
                None
            }
        },
    }
}

/// Whether bit `i` is set in a CPU map.
fn cpu_used(map: &[u8], i: usize) -> bool {
    map.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

/// The `CPU Affinity:` line: one `y`/`-` per host CPU, or CPU ranges with `--pretty`.
fn affinity_line(map: &[u8], maxcpu: i32, pretty: bool) -> String {
    let mut s = format!("{:<15} ", "CPU Affinity:");
    if pretty {
        let mut set = rvirt_xml::bitmap::Bitmap::new();
        for i in 0..map.len() * 8 {
            if cpu_used(map, i) {
                set.insert(i as u32);
            }
        }
        s.push_str(&format!("{set} (out of {maxcpu})"));
    } else {
        for i in 0..maxcpu.max(0) as usize {
            s.push(if cpu_used(map, i) { 'y' } else { '-' });
        }
    }
    s.push('\n');
    s
}

fn vcpu_state_str(state: i32) -> &'static str {
    match state {
        rvirt::vcpu_state::OFFLINE => "offline",
        rvirt::vcpu_state::RUNNING => "running",
        rvirt::vcpu_state::BLOCKED => "idle",
        _ => "no state",
    }
}

/// The vCPUs a shut-off domain will bring up, read from its persistent XML, and how many it
/// may have at most.
fn inactive_vcpus(ctl: &mut Ctl, dom: &Domain) -> Option<(u32, Vec<u32>)> {
    let xml = ctl.check(dom.xml_desc(flags::domain_xml::INACTIVE))?;
    let root = match rvirt_xml::tree::parse_document(&xml, "(domain_definition)") {
        Ok(r) => r,
        Err(e) => {
            ctl.set_error(e.into());
            return None;
        }
    };
    let uint = |s: Option<String>| s.and_then(|t| t.trim().parse::<u32>().ok());
    let vcpu = root.child("vcpu");
    let Some(max) = uint(vcpu.map(|v| v.text())) else {
        ctl.error("Failed to retrieve maximum vcpu count");
        return None;
    };
    let mut current = uint(vcpu.and_then(|v| v.attr("current").map(str::to_string))).unwrap_or(0);
    if current == 0 {
        current = max;
    }
    let nodes: Vec<_> = root
        .child("vcpus")
        .map(|v| v.children_named("vcpu").collect())
        .unwrap_or_default();
    if nodes.is_empty() {
        return Some((max, (0..current.min(max)).collect()));
    }
    let mut online = std::collections::BTreeSet::new();
    for n in nodes {
        let Some(id) = uint(n.attr("id").map(str::to_string)) else {
            continue;
        };
        if n.attr("enabled") == Some("yes") && id < max {
            online.insert(id);
        }
    }
    if online.len() != current as usize {
        ctl.error("Failed to retrieve vcpu state bitmap");
        return None;
    }
    Some((max, online.into_iter().collect()))
}

pub(super) fn cmd_vcpuinfo(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let pretty = cmd.flag("pretty");
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Some(maxcpu) = host_cpu_count(ctl) else {
        return false;
    };
    let Some(info) = ctl.check(dom.info()) else {
        return false;
    };
    let maplen = (maxcpu.max(0) as usize).div_ceil(8);
    let vcpus = match dom.vcpus(info.nr_virt_cpu as i32, maplen as i32) {
        Ok(v) => v,
        Err(e) => {
            if info.state != DomainState::Shutoff {
                ctl.set_error(e);
                return false;
            }
            // A shut-off domain has no vCPU threads: show the pinning of its definition.
            return vcpuinfo_inactive(ctl, &dom, maxcpu, maplen, pretty);
        }
    };
    let mut s = String::new();
    let n = vcpus.info.len();
    for (i, v) in vcpus.info.iter().enumerate() {
        s.push_str(&format!("{:<15} {}\n", "VCPU:", v.number));
        s.push_str(&format!("{:<15} {}\n", "CPU:", v.cpu));
        s.push_str(&format!("{:<15} {}\n", "State:", vcpu_state_str(v.state)));
        if v.cpu_time != 0 {
            let secs = v.cpu_time as f64 / 1_000_000_000.0;
            s.push_str(&format!("{:<15} {secs:.1}s\n", "CPU time:"));
        }
        let map = vcpus
            .cpumaps
            .get(i * maplen..(i + 1) * maplen)
            .unwrap_or(&[]);
        s.push_str(&affinity_line(map, maxcpu, pretty));
        if i + 1 < n {
            s.push('\n');
        }
    }
    ctl.print(&s);
    true
}

fn vcpuinfo_inactive(
    ctl: &mut Ctl,
    dom: &Domain,
    maxcpu: i32,
    maplen: usize,
    pretty: bool,
) -> bool {
    let Some((max, online)) = inactive_vcpus(ctl, dom) else {
        return false;
    };
    let maps = match dom.vcpu_pin_info(max as i32, maplen as i32, flags::affect::CONFIG) {
        Ok((_, maps)) => maps,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    let mut s = String::new();
    for (k, id) in online.iter().enumerate() {
        if k > 0 {
            s.push('\n');
        }
        let i = *id as usize;
        s.push_str(&format!("{:<15} {id}\n", "VCPU:"));
        s.push_str(&format!("{:<15} N/A\n", "CPU:"));
        s.push_str(&format!("{:<15} N/A\n", "State:"));
        s.push_str(&format!("{:<15} N/A\n", "CPU time"));
        let map = maps.get(i * maplen..(i + 1) * maplen).unwrap_or(&[]);
        s.push_str(&affinity_line(map, maxcpu, pretty));
    }
    ctl.print(&s);
    true
}

/// virsh's names for the balloon statistics, by tag.
fn memory_stat_name(tag: i32) -> Option<&'static str> {
    use rvirt::memory_stat::*;
    Some(match tag {
        SWAP_IN => "swap_in",
        SWAP_OUT => "swap_out",
        MAJOR_FAULT => "major_fault",
        MINOR_FAULT => "minor_fault",
        UNUSED => "unused",
        AVAILABLE => "available",
        USABLE => "usable",
        ACTUAL_BALLOON => "actual",
        RSS => "rss",
        LAST_UPDATE => "last_update",
        DISK_CACHES => "disk_caches",
        HUGETLB_PGALLOC => "hugetlb_pgalloc",
        HUGETLB_PGFAIL => "hugetlb_pgfail",
        _ => return None,
    })
}

pub(crate) fn cmd_dommemstat(ctl: &mut Ctl, cmd: &Cmd) -> bool {
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
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    if !current && !live && !config && matches!(dom.is_active(), Ok(true)) {
        f |= flags::affect::LIVE;
    }
    let Ok(period) = cmd.int(ctl, "period") else {
        return false;
    };
    if let Some(period) = period {
        if period < 0 {
            ctl.error(&format!("Invalid collection period value '{period}'"));
            return false;
        }
        return match dom.set_memory_stats_period(period, f) {
            Ok(()) => true,
            Err(e) => {
                ctl.set_error(e);
                ctl.error("Unable to change balloon collection period.");
                false
            }
        };
    }
    let stats = match dom.memory_stats(rvirt::memory_stat::NR, 0) {
        Ok(s) => s,
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to get memory statistics for domain {name}"
            ));
            return false;
        }
    };
    let mut s = String::new();
    for st in &stats {
        if let Some(label) = memory_stat_name(st.tag) {
            s.push_str(&format!("{label} {}\n", st.val));
        }
    }
    ctl.print(&s);
    true
}

pub(super) fn cmd_domhostname(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(source) = cmd.string(ctl, "source") else {
        return false;
    };
    let f = match source {
        None => 0,
        Some("lease") => rvirt::stats_flags::HOSTNAME_LEASE,
        Some("agent") => rvirt::stats_flags::HOSTNAME_AGENT,
        Some(other) => {
            ctl.error(&format!("Unknown data source '{other}'"));
            return false;
        }
    };
    match dom.hostname(f) {
        Ok(h) => {
            ctl.print(&format!("{h}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get hostname");
            false
        }
    }
}

/// A typed parameter's value as virsh prints it.
pub(crate) fn typed_value_str(v: &TypedValue) -> String {
    match v {
        TypedValue::Int(n) => n.to_string(),
        TypedValue::UInt(n) => n.to_string(),
        TypedValue::LLong(n) => n.to_string(),
        TypedValue::ULLong(n) => n.to_string(),
        TypedValue::Double(d) => format!("{d:.6}"),
        TypedValue::Boolean(b) => if *b { "yes" } else { "no" }.to_string(),
        TypedValue::String(s) => s.clone(),
    }
}

/// `strtoul` into an unsigned int as libvirt reads it: `-N` wraps for N up to the type's
/// maximum.
fn parse_c_uint(s: &str) -> Option<u32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mag: u64 = body.parse().ok()?;
    let v = u32::try_from(mag).ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// A value for field `name` of the same type as `like`, read from text as libvirt's
/// `virTypedParamsAddFromString` reads it.
fn typed_from_string(name: &str, like: &TypedValue, val: &str) -> Result<TypedValue, Error> {
    let invalid = |msg: String| Error::new(ErrorDomain::NONE, ErrorCode::INVALID_ARG, Some(msg));
    let bad = |what: &str| invalid(format!("Invalid value for field '{name}': expected {what}"));
    Ok(match like {
        TypedValue::Int(_) => TypedValue::Int(
            parse_c_long(val)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| bad("int"))?,
        ),
        TypedValue::UInt(_) => {
            TypedValue::UInt(parse_c_uint(val).ok_or_else(|| bad("unsigned int"))?)
        }
        TypedValue::LLong(_) => {
            TypedValue::LLong(parse_c_long(val).ok_or_else(|| bad("long long"))?)
        }
        TypedValue::ULLong(_) => TypedValue::ULLong(
            parse_c_unsigned(val, true).ok_or_else(|| bad("unsigned long long"))?,
        ),
        TypedValue::Double(_) => {
            TypedValue::Double(val.trim_start().parse::<f64>().map_err(|_| bad("double"))?)
        }
        TypedValue::Boolean(_) => {
            if val.eq_ignore_ascii_case("true") || val == "1" {
                TypedValue::Boolean(true)
            } else if val.eq_ignore_ascii_case("false") || val == "0" {
                TypedValue::Boolean(false)
            } else {
                return Err(invalid(format!("Invalid boolean value for field '{name}'")));
            }
        }
        TypedValue::String(_) => TypedValue::String(val.to_string()),
    })
}

/// Adds `field=value` to the updates, typed like the parameter the domain reported.
fn sched_update_one(
    ctl: &mut Ctl,
    current: &[TypedParam],
    updates: &mut Vec<TypedParam>,
    field: &str,
    value: &str,
) -> bool {
    let Some(p) = current.iter().find(|p| p.field == field) else {
        ctl.error(&format!("invalid scheduler option: {field}"));
        return false;
    };
    match typed_from_string(field, &p.value, value) {
        Ok(v) => {
            updates.push(TypedParam {
                field: field.to_string(),
                value: v,
            });
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

/// The changes asked for with `--set name=value`, `--cap` and `--weight`.
fn sched_updates(ctl: &mut Ctl, cmd: &Cmd, current: &[TypedParam]) -> Option<Vec<TypedParam>> {
    let mut updates = Vec::new();
    for set in cmd.argv("set") {
        let Some((field, value)) = set.split_once('=') else {
            ctl.error("Invalid syntax for --set, expecting name=value");
            return None;
        };
        if !sched_update_one(ctl, current, &mut updates, field, value) {
            return None;
        }
    }
    for name in ["cap", "weight"] {
        let Ok(v) = cmd.string(ctl, name) else {
            return None;
        };
        if let Some(v) = v {
            if !sched_update_one(ctl, current, &mut updates, name, v) {
                return None;
            }
        }
    }
    Some(updates)
}

pub(super) fn cmd_schedinfo(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let current = cmd.flag("current");
    let config = cmd.flag("config");
    let live = cmd.flag("live");
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
    let nparams = match dom.scheduler_type() {
        Ok((kind, n)) => {
            ctl.print(&format!("{:<15}: {kind}\n", "Scheduler"));
            n
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.print(&format!("{:<15}: Unknown\n", "Scheduler"));
            return false;
        }
    };
    if nparams == 0 {
        return false;
    }
    let with_flags = f != 0 || current;
    // Live and config cannot be read at once: ask for the current one then.
    let get_flags = if live && config { 0 } else { f };
    let get = |dom: &Domain| {
        if with_flags {
            dom.scheduler_parameters_flags(nparams, get_flags)
        } else {
            dom.scheduler_parameters(nparams)
        }
    };
    let Some(mut params) = ctl.check(get(&dom)) else {
        return false;
    };
    let Some(updates) = sched_updates(ctl, cmd, &params) else {
        return false;
    };
    if !updates.is_empty() {
        let set = if with_flags {
            dom.set_scheduler_parameters_flags(&updates, f)
        } else {
            dom.set_scheduler_parameters(&updates)
        };
        if ctl.check(set).is_none() {
            return false;
        }
        match ctl.check(get(&dom)) {
            Some(p) => params = p,
            None => return false,
        }
    } else if live && config {
        ctl.error("cannot query both live and config at once");
        return false;
    }
    let mut s = String::new();
    for p in &params {
        s.push_str(&format!("{:<15}: {}\n", p.field, typed_value_str(&p.value)));
    }
    ctl.print(&s);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_ints_read_as_libvirt_reads_them() {
        assert_eq!(parse_c_uint(" 12"), Some(12));
        assert_eq!(parse_c_uint("-1"), Some(u32::MAX));
        assert_eq!(parse_c_uint("-4294967295"), Some(1));
        assert_eq!(parse_c_uint("-4294967296"), None);
        assert_eq!(parse_c_uint("4294967296"), None);
        assert_eq!(parse_c_uint(""), None);
        assert_eq!(parse_c_uint("5x"), None);
    }

    #[test]
    fn typed_values_keep_the_reported_type() {
        let v = typed_from_string("weight", &TypedValue::UInt(0), "7").ok();
        assert_eq!(v, Some(TypedValue::UInt(7)));
        let e = typed_from_string("weight", &TypedValue::UInt(0), "x").err();
        assert_eq!(
            e.map(|e| e.message).as_deref(),
            Some("invalid argument: Invalid value for field 'weight': expected unsigned int")
        );
        let b = typed_from_string("on", &TypedValue::Boolean(false), "TRUE").ok();
        assert_eq!(b, Some(TypedValue::Boolean(true)));
        assert_eq!(typed_value_str(&TypedValue::Double(0.5)), "0.500000");
    }

    #[test]
    fn affinity_lines() {
        assert_eq!(
            affinity_line(&[0x26], 8, false),
            "CPU Affinity:   -yy--y--\n"
        );
        assert_eq!(
            affinity_line(&[0x26], 8, true),
            "CPU Affinity:   1-2,5 (out of 8)\n"
        );
        assert_eq!(
            affinity_line(&[0], 8, true),
            "CPU Affinity:    (out of 8)\n"
        );
    }
}
