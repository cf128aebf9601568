//! Statistics of the QEMU driver's guests, read where libvirt reads them: QEMU's monitor
//! for disks, the balloon and vCPU threads; the host's `/proc` for thread CPU time,
//! scheduling delay and tap counters; the image files for sizes.
//!
//! rvirt does not put guests in cgroups, so a domain's CPU time is the sum of its
//! threads' run time (`/proc/PID/task/*/schedstat`) and per-host-CPU usage (cgroup
//! `cpuacct`) is not available.

use super::lifecycle::{monitor, qmp_error};
use crate::domobj::{not_running, DomState, Domain};
use rvirt_core::domstats::{cpu_stat, group, BlockInfo, BlockStats, CpuStats, InterfaceStats};
use rvirt_core::types::{memory_stat, DomainVcpus, MemoryStat, TypedParam, TypedValue, VcpuInfo};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::disk::Disk;
use rvirt_xml::domain::devices::disk_source::StorageFormat;
use rvirt_xml::domain::devices::interface_parts::NetSource;
use rvirt_xml::domain::devices::misc::MemballoonModel;
use rvirt_xml::domain::DomainDef;
use serde_json::Value;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

/// The groups `virConnectGetAllDomainStats` answers with all stats asked for (0).
pub const GROUPS: u32 = group::STATE
    | group::CPU_TOTAL
    | group::BALLOON
    | group::VCPU
    | group::INTERFACE
    | group::BLOCK
    | group::PERF
    | group::IOTHREAD
    | group::MEMORY
    | group::DIRTYRATE
    | group::VM;

fn invalid_arg(msg: String) -> Error {
    Error::new(ErrorDomain::QEMU, ErrorCode::INVALID_ARG, Some(msg))
}

fn p(field: impl Into<String>, value: TypedValue) -> TypedParam {
    TypedParam {
        field: field.into(),
        value,
    }
}

fn live_def(dom: &Domain) -> Result<(DomainDef, u32)> {
    let st = dom.lock();
    let l = st.live.as_ref().ok_or_else(not_running)?;
    Ok((l.def.clone(), l.pid))
}

// ---- /proc readers ----

/// Fields of `/proc/PID[/task/TID]/stat` after the command name (field 3 is index 0).
fn stat_fields(path: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = text.rsplit(')').next()?;
    Some(
        rest.split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0))
            .collect(),
    )
}

fn ticks_to_ns(t: u64) -> u64 {
    t * 1_000_000_000 / rustix::param::clock_ticks_per_second().max(1)
}

/// (user ns, system ns) of a process or thread, at clock-tick resolution.
fn user_system(path: &str) -> (u64, u64) {
    stat_fields(path)
        .map(|f| {
            (
                ticks_to_ns(f.get(11).copied().unwrap_or(0)),
                ticks_to_ns(f.get(12).copied().unwrap_or(0)),
            )
        })
        .unwrap_or((0, 0))
}

/// (run ns, run-queue wait ns) from `schedstat`.
fn schedstat(path: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut it = text
        .split_whitespace()
        .map(|v| v.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// `wait_sum` of the scheduler's statistics (present with schedstats enabled), in ns.
fn sched_wait_sum(path: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find(|l| {
            l.trim_start()
                .trim_start_matches("se.statistics.")
                .starts_with("wait_sum")
        })
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |ms| (ms * 1_000_000.0) as u64)
}

/// The whole process's CPU time in ns: every thread's run time (what a cgroup's
/// `cpuacct.usage` would count), for dominfo and domstats alike.
pub fn process_cpu_ns(pid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    dir.flatten()
        .map(|t| schedstat(&format!("{}/schedstat", t.path().display())).0)
        .sum()
}

/// Resident memory of QEMU in KiB.
fn rss_kib(pid: u32) -> u64 {
    let pages = stat_fields(&format!("/proc/{pid}/stat"))
        .and_then(|f| f.get(21).copied())
        .unwrap_or(0);
    pages * rustix::param::page_size() as u64 / 1024
}

/// The affinity of a thread, one bool per host CPU (`Cpus_allowed_list` of its status).
fn affinity(pid: u32, tid: u32, ncpus: u32) -> Vec<bool> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).unwrap_or_default();
    let allowed = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .and_then(|v| rvirt_xml::bitmap::Bitmap::parse(v.trim()));
    (0..ncpus)
        .map(|c| allowed.as_ref().is_none_or(|b| b.contains(c)))
        .collect()
}

// ---- monitor readers ----

/// vCPU index → host thread id, from `query-cpus-fast`.
pub fn vcpu_threads(dom: &Domain) -> Result<Vec<(u32, u32)>> {
    let v = monitor(dom)?
        .execute("query-cpus-fast", None)
        .map_err(qmp_error)?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        c.get("cpu-index")?.as_u64()? as u32,
                        c.get("thread-id")?.as_u64()? as u32,
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// One disk's counters from `query-blockstats`.
#[derive(Default, Clone, Copy)]
struct DiskCounters {
    rd_req: u64,
    rd_bytes: u64,
    rd_ns: u64,
    wr_req: u64,
    wr_bytes: u64,
    wr_ns: u64,
    fl_req: u64,
    fl_ns: u64,
    /// The storage node's highest written offset: libvirt's "allocation" of a running disk.
    wr_highest: u64,
}

fn blockstats(dom: &Domain) -> Result<Vec<Value>> {
    let v = monitor(dom)?
        .execute("query-blockstats", None)
        .map_err(qmp_error)?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn counters_of(all: &[Value], disk: &Disk) -> DiskCounters {
    let node = disk.source.index.map(|i| format!("libvirt-{i}-format"));
    let alias = disk.info.alias.clone().unwrap_or_default();
    let entry = all.iter().find(|e| {
        let n = e.get("node-name").and_then(|n| n.as_str());
        let q = e.get("qdev").and_then(|n| n.as_str()).unwrap_or("");
        (n.is_some() && n == node.as_deref())
            || (!alias.is_empty()
                && (q.ends_with(&format!("/{alias}")) || q.contains(&format!("/{alias}/"))))
    });
    let Some(e) = entry else {
        return DiskCounters::default();
    };
    let s = |k: &str| {
        e.get("stats")
            .and_then(|s| s.get(k))
            .and_then(|v| v.as_u64())
            .unwrap_or(0)
    };
    let wr_highest = e
        .get("parent")
        .and_then(|p| p.get("stats"))
        .and_then(|s| s.get("wr_highest_offset"))
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    DiskCounters {
        rd_req: s("rd_operations"),
        rd_bytes: s("rd_bytes"),
        rd_ns: s("rd_total_time_ns"),
        wr_req: s("wr_operations"),
        wr_bytes: s("wr_bytes"),
        wr_ns: s("wr_total_time_ns"),
        fl_req: s("flush_operations"),
        fl_ns: s("flush_total_time_ns"),
        wr_highest,
    }
}

// ---- image sizes ----

/// (capacity, bytes on disk, file size) of a disk's image.
fn image_sizes(disk: &Disk) -> Option<(u64, u64, u64)> {
    let path = disk.source.path()?;
    let meta = std::fs::metadata(path).ok()?;
    let on_disk = meta.blocks() * 512;
    let size = if meta.file_type().is_file() {
        meta.len()
    } else {
        use std::io::{Seek, SeekFrom};
        std::fs::File::open(path)
            .and_then(|mut f| f.seek(SeekFrom::End(0)))
            .unwrap_or(0)
    };
    let qcow2 = disk.driver.format == Some(StorageFormat::Qcow2);
    let capacity = if qcow2 {
        qcow2_virtual_size(Path::new(path)).unwrap_or(size)
    } else {
        size
    };
    Some((capacity, on_disk, size))
}

fn qcow2_virtual_size(path: &Path) -> Option<u64> {
    use std::io::Read;
    let mut head = [0u8; 32];
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if &head[..4] != b"QFI\xfb" {
        return None;
    }
    Some(u64::from_be_bytes(head[24..32].try_into().ok()?))
}

// ---- lookups with libvirt's errors ----

/// A disk by target name or source path.
fn find_disk<'a>(def: &'a DomainDef, path: &str) -> Result<&'a Disk> {
    def.devices
        .disks
        .iter()
        .find(|d| d.target.dev == path)
        .or_else(|| {
            let by_path: Vec<&Disk> = def
                .devices
                .disks
                .iter()
                .filter(|d| d.source.path() == Some(path))
                .collect();
            (by_path.len() == 1).then(|| by_path[0])
        })
        .ok_or_else(|| invalid_arg(format!("invalid path: {path}")))
}

// ---- the entry points ----

pub fn block_stats(dom: &Arc<Domain>, path: &str) -> Result<BlockStats> {
    let c = counters(dom, path)?;
    Ok(BlockStats {
        rd_req: c.rd_req as i64,
        rd_bytes: c.rd_bytes as i64,
        wr_req: c.wr_req as i64,
        wr_bytes: c.wr_bytes as i64,
        errs: -1,
    })
}

fn counters(dom: &Arc<Domain>, path: &str) -> Result<DiskCounters> {
    let (def, _) = live_def(dom)?;
    let all = blockstats(dom)?;
    if path.is_empty() {
        let mut sum = DiskCounters::default();
        for d in &def.devices.disks {
            let c = counters_of(&all, d);
            sum.rd_req += c.rd_req;
            sum.rd_bytes += c.rd_bytes;
            sum.rd_ns += c.rd_ns;
            sum.wr_req += c.wr_req;
            sum.wr_bytes += c.wr_bytes;
            sum.wr_ns += c.wr_ns;
            sum.fl_req += c.fl_req;
            sum.fl_ns += c.fl_ns;
        }
        return Ok(sum);
    }
    let disk = find_disk(&def, path)?;
    Ok(counters_of(&all, disk))
}

/// `virDomainBlockStatsFlags`: eight counters, in libvirt's order.
pub fn block_stats_flags(
    dom: &Arc<Domain>,
    path: &str,
    nparams: i32,
) -> Result<(Vec<TypedParam>, i32)> {
    let c = counters(dom, path)?;
    let all = [
        ("wr_bytes", c.wr_bytes),
        ("wr_operations", c.wr_req),
        ("rd_bytes", c.rd_bytes),
        ("rd_operations", c.rd_req),
        ("flush_operations", c.fl_req),
        ("wr_total_times", c.wr_ns),
        ("rd_total_times", c.rd_ns),
        ("flush_total_times", c.fl_ns),
    ];
    if nparams == 0 {
        return Ok((Vec::new(), all.len() as i32));
    }
    let out: Vec<TypedParam> = all
        .iter()
        .take(nparams.max(0) as usize)
        .map(|(f, v)| p(*f, TypedValue::LLong(*v as i64)))
        .collect();
    let n = out.len() as i32;
    Ok((out, n))
}

/// Counters of a host network device from `/proc/net/dev`, as the guest sees them when
/// `swap` (a tap: what the host sends is what the guest receives).
fn netdev_counters(ifname: &str, swap: bool) -> Result<InterfaceStats> {
    let text = std::fs::read_to_string("/proc/net/dev")
        .map_err(|e| Error::internal(ErrorDomain::QEMU, format!("/proc/net/dev: {e}")))?;
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        if name.trim() != ifname {
            continue;
        }
        let v: Vec<i64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        let g = |i: usize| v.get(i).copied().unwrap_or(0);
        let (rx, tx) = ((g(0), g(1), g(2), g(3)), (g(8), g(9), g(10), g(11)));
        let (rx, tx) = if swap { (tx, rx) } else { (rx, tx) };
        return Ok(InterfaceStats {
            rx_bytes: rx.0,
            rx_packets: rx.1,
            rx_errs: rx.2,
            rx_drop: rx.3,
            tx_bytes: tx.0,
            tx_packets: tx.1,
            tx_errs: tx.2,
            tx_drop: tx.3,
        });
    }
    Err(invalid_arg(
        "/proc/net/dev: Interface not found".to_string(),
    ))
}

/// A tap's counters are the host's view, so libvirt swaps them to the guest's; a macvtap
/// (`direct`) already counts as the guest does.
fn swapped(s: &NetSource) -> bool {
    !matches!(s, NetSource::Direct { .. })
}

pub fn interface_stats(dom: &Arc<Domain>, device: &str) -> Result<InterfaceStats> {
    let (def, _) = live_def(dom)?;
    let n = def
        .devices
        .interfaces
        .iter()
        .find(|n| n.target_dev.as_deref() == Some(device))
        .or_else(|| {
            def.devices
                .interfaces
                .iter()
                .find(|n| n.mac.to_string().eq_ignore_ascii_case(device))
        })
        .ok_or_else(|| invalid_arg(format!("'{device}' is not a known interface")))?;
    let ifname = n
        .target_dev
        .as_deref()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "Interface name not provided"))?;
    netdev_counters(ifname, swapped(&n.source))
}

/// `virDomainGetBlockInfo` from the image itself, running or not.
pub fn block_info(st: &DomState, path: &str) -> Result<BlockInfo> {
    let def = st
        .current_def()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no definition"))?;
    let disk = find_disk(def, path)
        .map_err(|_| invalid_arg(format!("invalid path {path} not assigned to domain")))?;
    let (capacity, on_disk, size) = image_sizes(disk).ok_or_else(|| {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_INVALID,
            Some(format!(
                "disk '{}' does not currently have a source assigned",
                disk.target.dev
            )),
        )
    })?;
    Ok(BlockInfo {
        capacity,
        allocation: on_disk,
        physical: size,
    })
}

pub fn cpu_stats(dom: &Arc<Domain>, nparams: u32, start_cpu: i32) -> Result<CpuStats> {
    let (_, pid) = live_def(dom)?;
    if start_cpu != -1 {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_UNSUPPORTED,
            Some(
                "per-CPU statistics need the cgroup cpuacct controller, which rvirt does not use"
                    .into(),
            ),
        ));
    }
    if nparams == 0 {
        return Ok(CpuStats {
            cpus: Vec::new(),
            count: 3,
        });
    }
    let (user, system) = user_system(&format!("/proc/{pid}/stat"));
    let all = vec![
        p(cpu_stat::CPUTIME, TypedValue::ULLong(process_cpu_ns(pid))),
        p(cpu_stat::USERTIME, TypedValue::ULLong(user)),
        p(cpu_stat::SYSTEMTIME, TypedValue::ULLong(system)),
    ];
    let all: Vec<TypedParam> = all.into_iter().take(nparams as usize).collect();
    let count = all.len() as i32;
    Ok(CpuStats {
        cpus: vec![all],
        count,
    })
}

pub fn memory_stats(dom: &Arc<Domain>, nr_stats: u32) -> Result<Vec<MemoryStat>> {
    let (def, pid) = live_def(dom)?;
    let mut out = Vec::new();
    let balloon = def
        .devices
        .memballoon
        .as_ref()
        .filter(|b| b.model != MemballoonModel::None);
    let m = monitor(dom)?;
    let actual = match balloon {
        Some(_) => m
            .execute("query-balloon", None)
            .ok()
            .and_then(|v| v.get("actual").and_then(|a| a.as_u64()))
            .map_or(def.current_memory_kib, |b| b / 1024),
        None => def.current_memory_kib,
    };
    out.push(MemoryStat {
        tag: memory_stat::ACTUAL_BALLOON,
        val: actual,
    });
    if let Some(alias) = balloon.and_then(|b| b.info.alias.clone()) {
        let args = serde_json::json!({
            "path": format!("/machine/peripheral/{alias}"),
            "property": "guest-stats",
        });
        if let Ok(v) = m.execute("qom-get", Some(args)) {
            let stats = v.get("stats");
            let kib = |k: &str, scale: bool| {
                stats
                    .and_then(|s| s.get(k))
                    .and_then(|x| x.as_i64())
                    .filter(|x| *x >= 0)
                    .map(|x| if scale { x as u64 / 1024 } else { x as u64 })
            };
            let table = [
                (memory_stat::SWAP_IN, "stat-swap-in", true),
                (memory_stat::SWAP_OUT, "stat-swap-out", true),
                (memory_stat::MAJOR_FAULT, "stat-major-faults", false),
                (memory_stat::MINOR_FAULT, "stat-minor-faults", false),
                (memory_stat::UNUSED, "stat-free-memory", true),
                (memory_stat::AVAILABLE, "stat-total-memory", true),
                (memory_stat::USABLE, "stat-available-memory", true),
            ];
            for (tag, key, scale) in table {
                if let Some(val) = kib(key, scale) {
                    out.push(MemoryStat { tag, val });
                }
            }
            if let Some(t) = v.get("last-update").and_then(|x| x.as_u64()) {
                out.push(MemoryStat {
                    tag: memory_stat::LAST_UPDATE,
                    val: t,
                });
            }
            for (tag, key, scale) in [
                (memory_stat::DISK_CACHES, "stat-disk-caches", true),
                (memory_stat::HUGETLB_PGALLOC, "stat-htlb-pgalloc", false),
                (memory_stat::HUGETLB_PGFAIL, "stat-htlb-pgfail", false),
            ] {
                if let Some(val) = kib(key, scale) {
                    out.push(MemoryStat { tag, val });
                }
            }
        }
    }
    out.push(MemoryStat {
        tag: memory_stat::RSS,
        val: rss_kib(pid),
    });
    out.truncate(nr_stats as usize);
    Ok(out)
}

pub fn vcpus(dom: &Arc<Domain>, maxinfo: i32, maplen: i32) -> Result<DomainVcpus> {
    let (_, pid) = live_def(dom)?;
    let threads = vcpu_threads(dom)?;
    let ncpus = crate::host::cpu_map_len();
    let mut out = DomainVcpus::default();
    for &(idx, tid) in threads.iter().take(maxinfo.max(0) as usize) {
        let task = format!("/proc/{pid}/task/{tid}/stat");
        let f = stat_fields(&task).unwrap_or_default();
        let time = ticks_to_ns(f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0));
        out.info.push(VcpuInfo {
            number: idx,
            state: 1,
            cpu_time: time,
            cpu: f.get(36).map_or(-1, |c| *c as i32),
        });
        if maplen > 0 {
            let bits = affinity(pid, tid, ncpus);
            let mut map = vec![0u8; maplen as usize];
            for (c, on) in bits.iter().enumerate() {
                if *on && c / 8 < map.len() {
                    map[c / 8] |= 1 << (c % 8);
                }
            }
            out.cpumaps.extend(map);
        }
    }
    Ok(out)
}

/// `virDomainGetVcpuPinInfo` from the definition (`<vcpupin>`, else `<vcpu cpuset>`, else
/// every host CPU).
pub fn vcpu_pin_info(def: &DomainDef, ncpumaps: i32, maplen: i32) -> (i32, Vec<u8>) {
    let ncpus = crate::host::cpu_map_len();
    let n = (def.vcpus.max as i32).min(ncpumaps.max(0));
    let mut maps = Vec::new();
    for v in 0..n as u32 {
        let pinned = def
            .cputune
            .as_ref()
            .and_then(|t| {
                t.vcpupin
                    .iter()
                    .find(|(i, _)| *i == v)
                    .map(|(_, b)| b.clone())
            })
            .or_else(|| def.vcpus.cpuset.clone());
        let mut map = vec![0u8; maplen.max(0) as usize];
        for c in 0..ncpus {
            let on = pinned.as_ref().is_none_or(|b| b.contains(c));
            if on && (c / 8) < map.len() as u32 {
                map[(c / 8) as usize] |= 1 << (c % 8);
            }
        }
        maps.extend(map);
    }
    (n, maps)
}

/// One domain's record of `virConnectGetAllDomainStats`.
pub fn record(dom: &Arc<Domain>, stats: u32) -> Vec<TypedParam> {
    let stats = if stats == 0 { GROUPS } else { stats };
    let (state, reason, def, pid) = {
        let st = dom.lock();
        let Some(def) = st.current_def().cloned() else {
            return Vec::new();
        };
        (
            st.state as i32,
            st.reason,
            def,
            st.live.as_ref().map(|l| l.pid),
        )
    };
    let mut out = Vec::new();
    if stats & group::STATE != 0 {
        out.push(p("state.state", TypedValue::Int(state)));
        out.push(p("state.reason", TypedValue::Int(reason)));
    }
    if stats & group::CPU_TOTAL != 0 {
        let (time, (user, system)) = match pid {
            Some(pid) => (
                process_cpu_ns(pid),
                user_system(&format!("/proc/{pid}/stat")),
            ),
            None => (0, (0, 0)),
        };
        out.push(p("cpu.time", TypedValue::ULLong(time)));
        out.push(p("cpu.user", TypedValue::ULLong(user)));
        out.push(p("cpu.system", TypedValue::ULLong(system)));
        if pid.is_some() {
            out.push(p("cpu.cache.monitor.count", TypedValue::UInt(0)));
            out.push(p("cpu.haltpoll.success.time", TypedValue::ULLong(0)));
            out.push(p("cpu.haltpoll.fail.time", TypedValue::ULLong(0)));
        }
    }
    if stats & group::BALLOON != 0 {
        balloon_group(dom, &def, pid.is_some(), &mut out);
    }
    if stats & group::VCPU != 0 {
        out.push(p("vcpu.current", TypedValue::UInt(def.vcpus.current)));
        out.push(p("vcpu.maximum", TypedValue::UInt(def.vcpus.max)));
        if let Some(pid) = pid {
            for (idx, tid) in vcpu_threads(dom).unwrap_or_default() {
                let task = format!("/proc/{pid}/task/{tid}");
                let (u, s) = user_system(&format!("{task}/stat"));
                let (_, delay) = schedstat(&format!("{task}/schedstat"));
                out.push(p(format!("vcpu.{idx}.state"), TypedValue::Int(1)));
                out.push(p(format!("vcpu.{idx}.time"), TypedValue::ULLong(u + s)));
                out.push(p(
                    format!("vcpu.{idx}.wait"),
                    TypedValue::ULLong(sched_wait_sum(&format!("{task}/sched"))),
                ));
                out.push(p(format!("vcpu.{idx}.delay"), TypedValue::ULLong(delay)));
            }
        }
    }
    if stats & group::INTERFACE != 0 && pid.is_some() {
        let nets = &def.devices.interfaces;
        out.push(p("net.count", TypedValue::UInt(nets.len() as u32)));
        for (i, n) in nets.iter().enumerate() {
            let Some(ifname) = n.target_dev.as_deref() else {
                continue;
            };
            out.push(p(
                format!("net.{i}.name"),
                TypedValue::String(ifname.into()),
            ));
            if let Ok(c) = netdev_counters(ifname, swapped(&n.source)) {
                for (k, v) in [
                    ("rx.bytes", c.rx_bytes),
                    ("rx.pkts", c.rx_packets),
                    ("rx.errs", c.rx_errs),
                    ("rx.drop", c.rx_drop),
                    ("tx.bytes", c.tx_bytes),
                    ("tx.pkts", c.tx_packets),
                    ("tx.errs", c.tx_errs),
                    ("tx.drop", c.tx_drop),
                ] {
                    out.push(p(format!("net.{i}.{k}"), TypedValue::ULLong(v as u64)));
                }
            }
        }
    }
    if stats & group::BLOCK != 0 {
        block_group(dom, &def, pid.is_some(), &mut out);
    }
    if stats & group::DIRTYRATE != 0 && pid.is_some() {
        dirtyrate_group(dom, &mut out);
    }
    out
}

fn balloon_group(dom: &Arc<Domain>, def: &DomainDef, active: bool, out: &mut Vec<TypedParam>) {
    // One monitor round for the current size and the guest's figures.
    let stats = if active {
        memory_stats(dom, 16).unwrap_or_default()
    } else {
        Vec::new()
    };
    let current = stats
        .iter()
        .find(|m| m.tag == memory_stat::ACTUAL_BALLOON)
        .map_or(def.current_memory_kib, |m| m.val);
    out.push(p("balloon.current", TypedValue::ULLong(current)));
    out.push(p("balloon.maximum", TypedValue::ULLong(def.memory_kib)));
    if !active {
        return;
    }
    let names = [
        (memory_stat::SWAP_IN, "swap_in"),
        (memory_stat::SWAP_OUT, "swap_out"),
        (memory_stat::MAJOR_FAULT, "major_fault"),
        (memory_stat::MINOR_FAULT, "minor_fault"),
        (memory_stat::UNUSED, "unused"),
        (memory_stat::AVAILABLE, "available"),
        (memory_stat::USABLE, "usable"),
        (memory_stat::LAST_UPDATE, "last-update"),
        (memory_stat::DISK_CACHES, "disk_caches"),
        (memory_stat::HUGETLB_PGALLOC, "hugetlb_pgalloc"),
        (memory_stat::HUGETLB_PGFAIL, "hugetlb_pgfail"),
        (memory_stat::RSS, "rss"),
    ];
    for m in stats {
        if let Some((_, n)) = names.iter().find(|(t, _)| *t == m.tag) {
            out.push(p(format!("balloon.{n}"), TypedValue::ULLong(m.val)));
        }
    }
}

fn block_group(dom: &Arc<Domain>, def: &DomainDef, active: bool, out: &mut Vec<TypedParam>) {
    let all = if active {
        blockstats(dom).unwrap_or_default()
    } else {
        Vec::new()
    };
    let disks = &def.devices.disks;
    out.push(p("block.count", TypedValue::UInt(disks.len() as u32)));
    for (i, d) in disks.iter().enumerate() {
        let b = format!("block.{i}");
        out.push(p(
            format!("{b}.name"),
            TypedValue::String(d.target.dev.clone()),
        ));
        if let Some(path) = d.source.path() {
            out.push(p(format!("{b}.path"), TypedValue::String(path.into())));
        }
        if active {
            if let Some(idx) = d.source.index {
                out.push(p(format!("{b}.backingIndex"), TypedValue::UInt(idx)));
            }
            let c = counters_of(&all, d);
            for (k, v) in [
                ("rd.reqs", c.rd_req),
                ("rd.bytes", c.rd_bytes),
                ("rd.times", c.rd_ns),
                ("wr.reqs", c.wr_req),
                ("wr.bytes", c.wr_bytes),
                ("wr.times", c.wr_ns),
                ("fl.reqs", c.fl_req),
                ("fl.times", c.fl_ns),
            ] {
                out.push(p(format!("{b}.{k}"), TypedValue::ULLong(v)));
            }
            if let Some((capacity, on_disk, _)) = image_sizes(d) {
                out.push(p(
                    format!("{b}.allocation"),
                    TypedValue::ULLong(c.wr_highest),
                ));
                out.push(p(format!("{b}.capacity"), TypedValue::ULLong(capacity)));
                out.push(p(format!("{b}.physical"), TypedValue::ULLong(on_disk)));
            }
        } else if let Some((capacity, on_disk, size)) = image_sizes(d) {
            out.push(p(format!("{b}.allocation"), TypedValue::ULLong(on_disk)));
            out.push(p(format!("{b}.capacity"), TypedValue::ULLong(capacity)));
            out.push(p(format!("{b}.physical"), TypedValue::ULLong(size)));
        }
    }
}

fn dirtyrate_group(dom: &Arc<Domain>, out: &mut Vec<TypedParam>) {
    let Ok(v) = monitor(dom).and_then(|m| m.execute("query-dirty-rate", None).map_err(qmp_error))
    else {
        return;
    };
    let status = match v.get("status").and_then(|s| s.as_str()) {
        Some("measuring") => 1,
        Some("measured") => 2,
        _ => 0,
    };
    out.push(p("dirtyrate.calc_status", TypedValue::Int(status)));
    out.push(p(
        "dirtyrate.calc_start_time",
        TypedValue::LLong(v.get("start-time").and_then(|x| x.as_i64()).unwrap_or(0)),
    ));
    out.push(p(
        "dirtyrate.calc_period",
        TypedValue::Int(v.get("calc-time").and_then(|x| x.as_i64()).unwrap_or(0) as i32),
    ));
    if let Some(mode) = v.get("mode").and_then(|x| x.as_str()) {
        out.push(p("dirtyrate.calc_mode", TypedValue::String(mode.into())));
    }
}

/// Most domains' stats wait on their own QEMU's monitor, so many guests are asked at once
/// (a few threads take domains in turn); the answers keep the order of `doms`.
pub fn in_parallel<T: Send>(
    doms: &[Arc<Domain>],
    one: impl Fn(&Arc<Domain>) -> T + Sync,
) -> Vec<T> {
    const WORKERS: usize = 8;
    if doms.len() < 2 {
        return doms.iter().map(&one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS.min(doms.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut got = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(d) = doms.get(i) else { break };
                        got.push((i, one(d)));
                    }
                    got
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_of_this_process_grows() {
        let a = process_cpu_ns(std::process::id());
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_ns(std::process::id()) > a);
    }

    #[test]
    fn a_thread_of_this_process_has_an_affinity_and_counters() {
        let pid = std::process::id();
        let n = crate::host::cpu_map_len();
        assert!(affinity(pid, pid, n).iter().any(|on| *on));
        let (run, _) = schedstat(&format!("/proc/{pid}/task/{pid}/schedstat"));
        assert!(run > 0);
        assert!(rss_kib(pid) > 0);
    }
}
