//! Facts about the host the QEMU driver reports: `nodeinfo`, free memory, memory
//! statistics, read from /proc and /sys as libvirt reads them.

use rvirt_core::types::NodeInfo;
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
    let text = read("/sys/devices/system/cpu/online").unwrap_or_default();
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
            out.extend(a..=b);
        }
    }
    if out.is_empty() {
        out.push(0);
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
                        b.parse::<u32>().unwrap_or(0) - a.parse::<u32>().unwrap_or(0) + 1
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
    fn node_info_is_plausible() {
        let n = node_info();
        assert!(n.cpus >= 1);
        assert!(n.memory > 0);
        assert!(n.sockets * n.cores * n.threads * n.nodes >= 1);
    }
}
