//! Facts about the host the QEMU driver reports: `nodeinfo`, free memory, memory
//! statistics, read from /proc and /sys as libvirt reads them.

use rvirt_core::types::{NodeCpuMap, NodeInfo, NodeStat};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// A `KEY: N kB` line of /proc/meminfo, in KiB.
pub fn meminfo(key: &str) -> Option<u64> {
    let text = read("/proc/meminfo")?;
    text.lines()
        .find(|l| l.split(':').next() == Some(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// How many host CPUs a CPU map covers: the highest online CPU's number + 1.
pub fn cpu_map_len() -> u32 {
    online_cpus().iter().max().map_or(1, |m| m + 1)
}

/// The online CPUs' numbers.
fn online_cpus() -> Vec<u32> {
    let mut out = cpu_list(&read("/sys/devices/system/cpu/online").unwrap_or_default());
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// A sysfs CPU list ("0-3,8,10-11") as numbers; malformed parts are skipped.
fn cpu_list(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
            out.extend(a..=b.min(a.saturating_add(65_536)));
        }
    }
    out
}

fn cpu_topology(cpu: u32, file: &str) -> Option<u32> {
    read(&format!("/sys/devices/system/cpu/cpu{cpu}/topology/{file}"))?
        .trim()
        .parse()
        .ok()
}

/// The CPU frequency libvirt reports: the highest cpufreq value, else /proc/cpuinfo's
/// "cpu MHz" rounded down.
fn mhz() -> u32 {
    if let Some(khz) = read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return (khz / 1000) as u32;
    }
    read("/proc/cpuinfo")
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("cpu MHz"))
                .and_then(|l| l.split(':').nth(1))
                .and_then(|v| v.trim().parse::<f64>().ok())
        })
        .map_or(0, |f| f as u32)
}

/// `virNodeGetInfo` for this host.
pub fn node_info() -> NodeInfo {
    let cpus = online_cpus();
    let mut sockets = std::collections::BTreeSet::new();
    let mut cores = std::collections::BTreeSet::new();
    let mut threads_per_core = 1;
    for &c in &cpus {
        let pkg = cpu_topology(c, "physical_package_id").unwrap_or(0);
        let core = cpu_topology(c, "core_id").unwrap_or(c);
        sockets.insert(pkg);
        cores.insert((pkg, core));
        if let Some(sib) = read(&format!(
            "/sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list"
        )) {
            let n = sib
                .trim()
                .split(',')
                .map(|p| match p.split_once('-') {
                    Some((a, b)) => {
                        b.parse::<u32>()
                            .unwrap_or(0)
                            .saturating_sub(a.parse::<u32>().unwrap_or(0))
                            + 1
                    }
                    None => 1,
                })
                .sum::<u32>();
            threads_per_core = threads_per_core.max(n);
        }
    }
    let nodes = std::fs::read_dir("/sys/devices/system/node")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.starts_with("node") && n[4..].chars().all(|c| c.is_ascii_digit())
                })
                .count() as u32
        })
        .unwrap_or(1)
        .max(1);
    let sockets_n = sockets.len().max(1) as u32;
    let cores_per_socket = (cores.len() as u32 / sockets_n).max(1);
    NodeInfo {
        model: std::env::consts::ARCH.to_string(),
        memory: meminfo("MemTotal").unwrap_or(0),
        cpus: cpus.len() as u32,
        mhz: mhz(),
        nodes,
        sockets: sockets_n / nodes.max(1),
        cores: cores_per_socket,
        threads: threads_per_core,
    }
}

/// Free memory in bytes (`virNodeGetFreeMemory`).
pub fn free_memory() -> u64 {
    meminfo("MemFree").unwrap_or(0) * 1024
}

/// `virNodeGetCPUMap`: CPUs present (the highest number + 1), the online ones as a bitmap.
pub fn node_cpu_map() -> NodeCpuMap {
    let present = cpu_list(&read("/sys/devices/system/cpu/present").unwrap_or_default());
    let online = online_cpus();
    let cpus = present
        .iter()
        .chain(online.iter())
        .max()
        .map_or(1, |m| m + 1);
    let mut map = vec![0u8; (cpus as usize).div_ceil(8)];
    for &c in &online {
        if let Some(b) = map.get_mut(c as usize / 8) {
            *b |= 1 << (c % 8);
        }
    }
    NodeCpuMap {
        cpus: cpus as i32,
        map,
        online: online.len() as u32,
    }
}

fn stat(field: &str, value: u64) -> NodeStat {
    NodeStat {
        field: field.to_string(),
        value,
    }
}

/// `virNodeGetCPUStats` from /proc/stat (all CPUs for -1), in nanoseconds: kernel time
/// counts system, irq and softirq; user counts nice.
pub fn node_cpu_stats(cpu: i32) -> Result<Vec<NodeStat>> {
    let text = read("/proc/stat").ok_or_else(|| {
        Error::system(
            ErrorDomain::NONE,
            "cannot open /proc/stat",
            &std::io::Error::last_os_error(),
        )
    })?;
    node_cpu_stats_from(&text, cpu, clock_ticks())
}

fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second().max(1)
}

fn node_cpu_stats_from(text: &str, cpu: i32, ticks: u64) -> Result<Vec<NodeStat>> {
    let header = if cpu == -1 {
        "cpu".to_string()
    } else {
        format!("cpu{cpu}")
    };
    let ns = 1_000_000_000 / ticks.max(1);
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some(header.as_str()) {
            continue;
        }
        let v: Vec<u64> = words.map(|w| w.parse().unwrap_or(0)).collect();
        if v.len() < 4 {
            continue;
        }
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        return Ok(vec![
            stat("kernel", (at(2) + at(5) + at(6)).saturating_mul(ns)),
            stat("user", (at(0) + at(1)).saturating_mul(ns)),
            stat("idle", at(3).saturating_mul(ns)),
            stat("iowait", at(4).saturating_mul(ns)),
        ]);
    }
    Err(Error::invalid_arg(
        ErrorDomain::NONE,
        "Invalid cpuNum in virHostCPUGetStatsLinux",
    ))
}

/// The highest NUMA node number the host has (0 without NUMA information).
fn max_numa_node() -> i32 {
    std::fs::read_dir("/sys/devices/system/node")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_prefix("node"))
                        .and_then(|n| n.parse::<i32>().ok())
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// `virNodeGetMemoryStats` in KiB: total, free, buffers and cached for the host (-1), total
/// and free for one NUMA cell.
pub fn node_memory_stats(cell: i32) -> Result<Vec<NodeStat>> {
    let numa = std::path::Path::new("/sys/devices/system/node/node0").exists();
    let cell = if !numa && cell == 0 { -1 } else { cell };
    let path = if cell == -1 {
        "/proc/meminfo".to_string()
    } else {
        let max = max_numa_node();
        if cell < 0 || cell > max {
            return Err(Error::invalid_arg(
                ErrorDomain::NONE,
                format!("cellNum in virHostMemGetStats must be less than or equal to {max}"),
            ));
        }
        format!("/sys/devices/system/node/node{cell}/meminfo")
    };
    let text = read(&path).ok_or_else(|| {
        Error::system(
            ErrorDomain::NONE,
            format!("cannot open {path}"),
            &std::io::Error::last_os_error(),
        )
    })?;
    let wanted = if cell == -1 { 4 } else { 2 };
    let out = memory_stats_from(&text, wanted);
    if out.is_empty() {
        return Err(Error::internal(
            ErrorDomain::NONE,
            "no available memory line found",
        ));
    }
    Ok(out)
}

/// The meminfo lines libvirt reports, in the file's order, "Node N " prefixes skipped.
fn memory_stats_from(text: &str, wanted: usize) -> Vec<NodeStat> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"Node") {
            words.drain(..words.len().min(2));
        }
        let (Some(key), Some(val)) = (words.first(), words.get(1)) else {
            continue;
        };
        let Ok(val) = val.parse::<u64>() else {
            continue;
        };
        let field = match *key {
            "MemTotal:" => "total",
            "MemFree:" => "free",
            "Buffers:" => "buffers",
            "Cached:" => "cached",
            _ => continue,
        };
        out.push(stat(field, val));
        if out.len() >= wanted {
            break;
        }
    }
    out
}

/// `virNodeGetCellsFreeMemory`: free bytes of cells `start` .. `start + max - 1` (those
/// that exist).
pub fn cells_free_memory(start: i32, max: i32) -> Result<Vec<u64>> {
    let last_node = max_numa_node();
    if start > last_node {
        return Err(Error::internal(
            ErrorDomain::NONE,
            format!("start cell {start} out of range (0-{last_node})"),
        ));
    }
    let end = (start as i64 + max as i64 - 1).min(last_node as i64);
    let mut out = Vec::new();
    for cell in start.max(0) as i64..=end {
        let free = read(&format!("/sys/devices/system/node/node{cell}/meminfo"))
            .map(|t| memory_stats_from(&t, 2))
            .and_then(|v| v.into_iter().find(|s| s.field == "free"))
            .map(|s| s.value * 1024)
            .unwrap_or_else(free_memory);
        out.push(free);
    }
    Ok(out)
}

/// `virConnectGetSysinfo`: libvirt reads the host's SMBIOS tables with dmidecode; without
/// them it says so.
pub fn sysinfo() -> Result<String> {
    Err(Error::new(
        ErrorDomain::SYSINFO,
        ErrorCode::CONFIG_UNSUPPORTED,
        Some("Host SMBIOS information is not available".to_string()),
    ))
}

/// The host's name as `virConnectGetHostname` gives it.
pub fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// The most vCPUs KVM gives one guest here (`KVM_CAP_MAX_VCPUS`), as libvirt reports for
/// `virsh maxvcpus --type kvm`; 0 without KVM.
pub fn kvm_max_vcpus() -> i32 {
    crate::sys::kvm::max_vcpus().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_stats_follow_libvirts_sums() {
        let text = "cpu  10 1 20 300 4 2 3 0 0 0\ncpu0 5 0 10 150 2 1 1 0 0 0\n";
        let all = node_cpu_stats_from(text, -1, 100).expect("all");
        let got: Vec<(String, u64)> = all.into_iter().map(|s| (s.field, s.value)).collect();
        assert_eq!(
            got,
            vec![
                ("kernel".to_string(), 250_000_000),
                ("user".to_string(), 110_000_000),
                ("idle".to_string(), 3_000_000_000),
                ("iowait".to_string(), 40_000_000),
            ]
        );
        assert_eq!(
            node_cpu_stats_from(text, 0, 100).expect("cpu0")[2].value,
            1_500_000_000
        );
        let e = node_cpu_stats_from(text, 7, 100).expect_err("no cpu7");
        assert_eq!(e.to_string(), "Invalid cpuNum in virHostCPUGetStatsLinux");
    }

    #[test]
    fn memory_stats_of_a_cell_skip_the_node_prefix() {
        let text = "Node 0 MemTotal:       24000 kB\nNode 0 MemFree:        1000 kB\nNode 0 MemUsed: 23000 kB\n";
        let got: Vec<(String, u64)> = memory_stats_from(text, 2)
            .into_iter()
            .map(|s| (s.field, s.value))
            .collect();
        assert_eq!(
            got,
            vec![("total".to_string(), 24000), ("free".to_string(), 1000)]
        );
        let host =
            "MemTotal: 8 kB\nMemFree: 4 kB\nMemAvailable: 5 kB\nBuffers: 1 kB\nCached: 2 kB\n";
        assert_eq!(memory_stats_from(host, 4).len(), 4);
    }

    #[test]
    fn cpu_lists_parse_ranges_and_skip_garbage() {
        assert_eq!(cpu_list("0-2,5\n"), vec![0, 1, 2, 5]);
        assert_eq!(cpu_list("x,3-1,7"), vec![7]);
    }

    #[test]
    fn node_info_is_plausible() {
        let n = node_info();
        assert!(n.cpus >= 1);
        assert!(n.memory > 0);
        assert!(n.sockets * n.cores * n.threads * n.nodes >= 1);
    }
}
