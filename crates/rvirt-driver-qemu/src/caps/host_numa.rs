//! The host facts of `<capabilities><host>` besides the CPU model: the host UUID, page
//! sizes, CPU topology, NUMA cells (memory, free pages per size, distances, CPUs), L3
//! cache banks, IOMMU and power management, read from /sys and /proc where libvirt reads
//! them. Every reader takes the root it reads under, so tests can point it at a copy.

use rvirt_xml::bitmap::Bitmap;
use rvirt_xml::capabilities::{
    CacheBank, CacheType, Cell, CellCpu, CellPages, CpuTopology, PmTarget,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use uuid::Uuid;

/// Where /sys and /proc are (`/` on a real host).
#[derive(Clone, Debug)]
pub struct HostRoot(pub PathBuf);

impl Default for HostRoot {
    fn default() -> HostRoot {
        HostRoot(PathBuf::from("/"))
    }
}

impl HostRoot {
    fn path(&self, p: &str) -> PathBuf {
        self.0.join(p.trim_start_matches('/'))
    }

    fn read(&self, p: &str) -> Option<String> {
        std::fs::read_to_string(self.path(p)).ok()
    }

    fn num(&self, p: &str) -> Option<u64> {
        self.read(p)?.trim().parse().ok()
    }

    fn exists(&self, p: &str) -> bool {
        self.path(p).exists()
    }

    fn dir_names(&self, p: &str) -> Vec<String> {
        std::fs::read_dir(self.path(p))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The host UUID: the firmware's (DMI) when it has a sensible one, else one made up
/// once per process, as libvirt does on hosts without DMI.
pub fn host_uuid(root: &HostRoot) -> Uuid {
    static MADE_UP: std::sync::OnceLock<Uuid> = std::sync::OnceLock::new();
    for p in [
        "/sys/devices/virtual/dmi/id/product_uuid",
        "/sys/class/dmi/id/product_uuid",
    ] {
        if let Some(u) = root.read(p).and_then(|t| Uuid::parse_str(t.trim()).ok()) {
            // Firmware placeholders (all zeros, all ones, one digit repeated) are no id.
            let hex = u.simple().to_string();
            let first = hex.chars().next().unwrap_or('0');
            if hex.chars().any(|c| c != first) {
                return u;
            }
        }
    }
    *MADE_UP.get_or_init(Uuid::new_v4)
}

/// The system page size and the huge page sizes, in KiB, smallest first.
pub fn page_sizes(root: &HostRoot) -> Vec<u32> {
    let mut out = vec![(rustix::param::page_size() / 1024) as u32];
    let mut huge: Vec<u32> = root
        .dir_names("/sys/kernel/mm/hugepages")
        .iter()
        .filter_map(|n| {
            n.strip_prefix("hugepages-")?
                .strip_suffix("kB")?
                .parse()
                .ok()
        })
        .collect();
    huge.sort_unstable();
    out.extend(huge);
    out
}

/// A cpulist (`0-3,8`) as numbers.
fn cpulist(text: &str) -> Vec<u32> {
    Bitmap::parse(text.trim())
        .map(|b| b.iter().collect())
        .unwrap_or_default()
}

fn online_cpus(root: &HostRoot) -> Vec<u32> {
    let mut cpus = root
        .read("/sys/devices/system/cpu/online")
        .map(|t| cpulist(&t))
        .unwrap_or_default();
    if cpus.is_empty() {
        cpus.push(0);
    }
    cpus
}

fn topo(root: &HostRoot, cpu: u32, f: &str) -> Option<u64> {
    root.num(&format!("/sys/devices/system/cpu/cpu{cpu}/topology/{f}"))
}

/// Sockets per NUMA node, dies per socket, cores per die and threads per core, the
/// largest found (libvirt's nodeinfo view).
pub fn cpu_topology(root: &HostRoot) -> CpuTopology {
    let cpus = online_cpus(root);
    let mut nodes: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (id, list) in numa_nodes(root) {
        nodes.insert(id, list);
    }
    if nodes.is_empty() {
        nodes.insert(0, cpus.clone());
    }
    let (mut sockets, mut dies, mut cores, mut threads) = (1, 1, 1, 1);
    for list in nodes.values() {
        let list: Vec<u32> = list.iter().copied().filter(|c| cpus.contains(c)).collect();
        let mut pkgs: BTreeMap<u64, BTreeMap<u64, BTreeMap<u64, u32>>> = BTreeMap::new();
        for &c in &list {
            let pkg = topo(root, c, "physical_package_id").unwrap_or(0);
            let die = topo(root, c, "die_id").unwrap_or(0);
            let core = topo(root, c, "core_id").unwrap_or(u64::from(c));
            *pkgs
                .entry(pkg)
                .or_default()
                .entry(die)
                .or_default()
                .entry(core)
                .or_default() += 1;
        }
        sockets = sockets.max(pkgs.len() as u32);
        for d in pkgs.values() {
            dies = dies.max(d.len() as u32);
            for c in d.values() {
                cores = cores.max(c.len() as u32);
                threads = threads.max(c.values().copied().max().unwrap_or(1));
            }
        }
    }
    CpuTopology {
        sockets,
        dies,
        cores,
        threads,
    }
}

/// The NUMA nodes the kernel has, with their CPUs.
fn numa_nodes(root: &HostRoot) -> Vec<(u32, Vec<u32>)> {
    let mut ids: Vec<u32> = root
        .dir_names("/sys/devices/system/node")
        .iter()
        .filter_map(|n| n.strip_prefix("node")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.into_iter()
        .map(|id| {
            let cpus = root
                .read(&format!("/sys/devices/system/node/node{id}/cpulist"))
                .map(|t| cpulist(&t))
                .unwrap_or_default();
            (id, cpus)
        })
        .collect()
}

/// A `KEY: N kB` value of a meminfo file (a node's lines start with `Node N`).
fn meminfo(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k.split_whitespace().last() != Some(key) {
            return None;
        }
        v.split_whitespace().next()?.parse().ok()
    })
}

/// The pages of each size a cell holds: huge pages as the pool has them, the rest of
/// its memory in system pages.
fn cell_pages(root: &HostRoot, dir: Option<&str>, memory_kib: u64) -> Vec<CellPages> {
    let sizes = page_sizes(root);
    let mut huge = Vec::new();
    let mut huge_kib = 0;
    for &size in sizes.iter().skip(1) {
        let file = match dir {
            Some(d) => format!("{d}/hugepages/hugepages-{size}kB/nr_hugepages"),
            None => format!("/sys/kernel/mm/hugepages/hugepages-{size}kB/nr_hugepages"),
        };
        let n = root.num(&file).unwrap_or(0);
        huge_kib += n * u64::from(size);
        huge.push(CellPages {
            size_kib: size,
            avail: n,
        });
    }
    let base = sizes.first().copied().unwrap_or(4).max(1);
    let mut out = vec![CellPages {
        size_kib: base,
        avail: memory_kib.saturating_sub(huge_kib) / u64::from(base),
    }];
    out.extend(huge);
    out
}

fn cell_cpu(root: &HostRoot, id: u32) -> CellCpu {
    let siblings = root
        .read(&format!(
            "/sys/devices/system/cpu/cpu{id}/topology/thread_siblings_list"
        ))
        .and_then(|t| Bitmap::parse(t.trim()));
    CellCpu {
        id,
        socket_id: topo(root, id, "physical_package_id").unwrap_or(0) as u32,
        die_id: topo(root, id, "die_id").unwrap_or(0) as u32,
        core_id: topo(root, id, "core_id").unwrap_or(u64::from(id)) as u32,
        siblings,
    }
}

/// The NUMA cells; one cell with all memory and CPUs when the kernel has no NUMA.
pub fn cells(root: &HostRoot) -> Vec<Cell> {
    let online = online_cpus(root);
    let nodes = numa_nodes(root);
    if nodes.is_empty() {
        let mem = root
            .read("/proc/meminfo")
            .and_then(|t| meminfo(&t, "MemTotal"))
            .unwrap_or(0);
        return vec![Cell {
            id: 0,
            memory_kib: mem,
            pages: cell_pages(root, None, mem),
            distances: Vec::new(),
            caches: Vec::new(),
            cpus: online.iter().map(|&c| cell_cpu(root, c)).collect(),
        }];
    }
    let ids: Vec<u32> = nodes.iter().map(|(id, _)| *id).collect();
    nodes
        .into_iter()
        .map(|(id, cpus)| {
            let dir = format!("/sys/devices/system/node/node{id}");
            let mem = root
                .read(&format!("{dir}/meminfo"))
                .and_then(|t| meminfo(&t, "MemTotal"))
                .unwrap_or(0);
            let distances = root
                .read(&format!("{dir}/distance"))
                .map(|t| {
                    ids.iter()
                        .copied()
                        .zip(t.split_whitespace().filter_map(|d| d.parse().ok()))
                        .collect()
                })
                .unwrap_or_default();
            Cell {
                id,
                memory_kib: mem,
                pages: cell_pages(root, Some(&dir), mem),
                distances,
                caches: Vec::new(),
                cpus: cpus
                    .into_iter()
                    .filter(|c| online.contains(c))
                    .map(|c| cell_cpu(root, c))
                    .collect(),
            }
        })
        .collect()
}

/// A cache size as sysfs prints it (`32768K`), in bytes.
fn cache_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (n, scale) = match t.chars().last()? {
        'K' => (&t[..t.len() - 1], 1024),
        'M' => (&t[..t.len() - 1], 1024 * 1024),
        'G' => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    n.parse::<u64>().ok().map(|v| v * scale)
}

/// The caches of level 3 and up, one bank per id, sorted as libvirt sorts them.
pub fn cache_banks(root: &HostRoot) -> Vec<CacheBank> {
    let mut banks: BTreeMap<(u32, u8, u32), CacheBank> = BTreeMap::new();
    for cpu in online_cpus(root) {
        let dir = format!("/sys/devices/system/cpu/cpu{cpu}/cache");
        let mut indexes = root.dir_names(&dir);
        indexes.sort();
        for idx in indexes.iter().filter(|n| n.starts_with("index")) {
            let d = format!("{dir}/{idx}");
            let Some(level) = root.num(&format!("{d}/level")) else {
                continue;
            };
            if level < 3 {
                continue;
            }
            let (cache_type, order) =
                match root.read(&format!("{d}/type")).as_deref().map(str::trim) {
                    Some("Unified") => (CacheType::Both, 0),
                    Some("Instruction") => (CacheType::Code, 1),
                    Some("Data") => (CacheType::Data, 2),
                    _ => continue,
                };
            let id = root.num(&format!("{d}/id")).unwrap_or(0) as u32;
            let (Some(size), Some(cpus)) = (
                root.read(&format!("{d}/size")).and_then(|s| cache_size(&s)),
                root.read(&format!("{d}/shared_cpu_list"))
                    .and_then(|s| Bitmap::parse(s.trim())),
            ) else {
                continue;
            };
            banks.entry((level as u32, order, id)).or_insert(CacheBank {
                id,
                level: level as u32,
                cache_type,
                size,
                cpus,
                controls: Vec::new(),
            });
        }
    }
    banks.into_values().collect()
}

/// Whether the host has IOMMU groups (devices can be assigned).
pub fn iommu(root: &HostRoot) -> bool {
    !root.dir_names("/sys/kernel/iommu_groups").is_empty()
}

/// Whether VFIO device assignment works: the VFIO container device and an IOMMU.
pub fn vfio(root: &HostRoot) -> bool {
    root.exists("/dev/vfio/vfio") && iommu(root)
}

/// Host suspend targets. libvirt asks systemd-logind over the system bus and reports
/// none without one; rvirt reports none without a system bus too, and otherwise reads
/// what the kernel offers in /sys/power/state.
pub fn power_management(root: &HostRoot) -> Vec<PmTarget> {
    if !root.exists("/run/dbus/system_bus_socket") {
        return Vec::new();
    }
    let states: BTreeSet<String> = root
        .read("/sys/power/state")
        .map(|t| t.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mem = states.contains("mem");
    let disk = states.contains("disk");
    let mut out = Vec::new();
    if mem {
        out.push(PmTarget::SuspendMem);
    }
    if disk {
        out.push(PmTarget::SuspendDisk);
    }
    if mem && disk {
        out.push(PmTarget::SuspendHybrid);
    }
    out
}

/// `+UID:+GID` of this process: the DAC label QEMU runs with (rvirt starts QEMU as
/// itself, as libvirt does with `user`/`group` set to its own).
pub fn dac_label() -> String {
    format!(
        "+{}:+{}",
        rustix::process::geteuid().as_raw(),
        rustix::process::getegid().as_raw()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysfs_values_parse() {
        assert_eq!(cache_size("32768K"), Some(32 * 1024 * 1024));
        assert_eq!(cache_size("512"), Some(512));
        assert_eq!(cpulist("0-2,5\n"), vec![0, 1, 2, 5]);
        let node = "Node 0 MemTotal:       24683772 kB\nNode 0 MemFree: 1 kB\n";
        assert_eq!(meminfo(node, "MemTotal"), Some(24683772));
        assert_eq!(meminfo("MemTotal:  10 kB\n", "MemTotal"), Some(10));
    }

    #[test]
    fn a_fake_host_reads_back() {
        let dir = std::env::temp_dir().join(format!("rvirt-numa-{}", std::process::id()));
        let w = |p: &str, t: &str| {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(f, t).expect("write");
        };
        w("sys/devices/system/cpu/online", "0-1\n");
        for c in 0..2 {
            w(
                &format!("sys/devices/system/cpu/cpu{c}/topology/physical_package_id"),
                "0",
            );
            w(
                &format!("sys/devices/system/cpu/cpu{c}/topology/die_id"),
                "0",
            );
            w(
                &format!("sys/devices/system/cpu/cpu{c}/topology/core_id"),
                &c.to_string(),
            );
            w(
                &format!("sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list"),
                &c.to_string(),
            );
            let idx = format!("sys/devices/system/cpu/cpu{c}/cache/index3");
            w(&format!("{idx}/level"), "3");
            w(&format!("{idx}/type"), "Unified");
            w(&format!("{idx}/id"), "0");
            w(&format!("{idx}/size"), "32768K");
            w(&format!("{idx}/shared_cpu_list"), "0-1");
        }
        w("sys/devices/system/node/node0/cpulist", "0-1");
        w("sys/devices/system/node/node0/distance", "10");
        w(
            "sys/devices/system/node/node0/meminfo",
            "Node 0 MemTotal: 4096 kB\n",
        );
        let root = HostRoot(dir.clone());
        let t = cpu_topology(&root);
        assert_eq!((t.sockets, t.dies, t.cores, t.threads), (1, 1, 2, 1));
        let cells = cells(&root);
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].memory_kib, 4096);
        assert_eq!(cells[0].distances, vec![(0, 10)]);
        assert_eq!(cells[0].cpus.len(), 2);
        let banks = cache_banks(&root);
        assert_eq!(banks.len(), 1);
        assert_eq!(banks[0].size, 32 * 1024 * 1024);
        assert!(!iommu(&root));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
