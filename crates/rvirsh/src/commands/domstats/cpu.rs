//! `cpu-stats`: per-CPU and total CPU time of a domain, asked for in the order virsh
//! asks (the CPU count, the per-CPU count, blocks of at most 128 CPUs, then the totals).

use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::domain_stats::cpu_stat;
use rvirt::{Domain, TypedParam, TypedValue};

/// Times in nanoseconds print as seconds with nine decimals.
fn print_param(ctl: &mut Ctl, p: &TypedParam, times: &[&str]) {
    match (&p.value, times.contains(&p.field.as_str())) {
        (TypedValue::ULLong(ns), true) => ctl.print(&format!(
            "\t{:<12} {:>9}.{:09} seconds\n",
            p.field,
            ns / 1_000_000_000,
            ns % 1_000_000_000
        )),
        _ => ctl.print(&format!(
            "\t{:<12} {}\n",
            p.field,
            crate::commands::domain::typed_value_str(&p.value)
        )),
    }
}

fn failed(ctl: &mut Ctl, dom: &Domain, e: rvirt::Error) -> bool {
    ctl.set_error(e);
    ctl.error(&format!(
        "Failed to retrieve CPU statistics for domain '{}'",
        dom.name()
    ));
    false
}

pub(crate) fn cmd_cpu_stats(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let mut show_total = cmd.flag("total");
    let mut show_per_cpu = false;
    let Ok(start) = cmd.int(ctl, "start") else {
        return false;
    };
    let mut cpu = 0;
    if let Some(s) = start {
        if s < 0 {
            ctl.error("Invalid value for start CPU");
            return false;
        }
        cpu = s;
        show_per_cpu = true;
    }
    let Ok(count) = cmd.int(ctl, "count") else {
        return false;
    };
    let mut show_count = -1;
    if let Some(c) = count {
        if c < 0 {
            ctl.error("Invalid value for number of CPUs to show");
            return false;
        }
        show_count = c;
        show_per_cpu = true;
    }
    if !show_total && !show_per_cpu {
        show_total = true;
        show_per_cpu = true;
    }
    if show_per_cpu && !per_cpu(ctl, &dom, cpu, show_count, &show_total) {
        return false;
    }
    if !show_total {
        return true;
    }
    let n = match dom.cpu_stats(0, -1, 1, 0) {
        Ok(s) => s.count,
        Err(e) => return failed(ctl, &dom, e),
    };
    if n == 0 {
        ctl.print("No total stats available");
        return false;
    }
    let s = match dom.cpu_stats(n as u32, -1, 1, 0) {
        Ok(s) => s,
        Err(e) => return failed(ctl, &dom, e),
    };
    ctl.print("Total:\n");
    let params = s.cpus.first().cloned().unwrap_or_default();
    let times = [cpu_stat::CPUTIME, cpu_stat::USERTIME, cpu_stat::SYSTEMTIME];
    for p in params.iter().take(s.count.max(0) as usize) {
        print_param(ctl, p, &times);
    }
    true
}

/// The per-CPU part; false when the command fails.
fn per_cpu(
    ctl: &mut Ctl,
    dom: &Domain,
    mut cpu: i32,
    mut show_count: i32,
    show_total: &bool,
) -> bool {
    let max_id = match dom.cpu_stats(0, 0, 0, 0) {
        Ok(s) => s.count,
        Err(e) => return failed(ctl, dom, e),
    };
    if cpu >= max_id {
        ctl.error(&format!(
            "Start CPU {cpu} is out of range (min: 0, max: {})",
            max_id - 1
        ));
        return false;
    }
    if show_count < 0 || show_count > max_id {
        if show_count > max_id {
            ctl.print(&format!("Only {max_id} CPUs available to show\n"));
        }
        show_count = max_id - cpu;
    }
    let nparams = match dom.cpu_stats(0, 0, 1, 0) {
        Ok(s) => s.count,
        Err(e) => return failed(ctl, dom, e),
    };
    if nparams == 0 {
        // virsh goes on to the totals if asked for them, and fails otherwise.
        ctl.print("No per-CPU stats available");
        return *show_total;
    }
    let times = [cpu_stat::CPUTIME, cpu_stat::VCPUTIME];
    while show_count > 0 {
        let ncpus = show_count.min(128);
        let s = match dom.cpu_stats(nparams as u32, cpu, ncpus as u32, 0) {
            Ok(s) => s,
            Err(e) => return failed(ctl, dom, e),
        };
        for i in 0..ncpus as usize {
            let Some(params) = s.cpus.get(i).filter(|p| !p.is_empty()) else {
                continue;
            };
            ctl.print(&format!("CPU{}:\n", cpu as usize + i));
            for p in params.iter().take(nparams as usize) {
                print_param(ctl, p, &times);
            }
        }
        cpu += ncpus;
        show_count -= ncpus;
    }
    true
}
