//! Guest RAM: `-m`, the `memory-backend-*` objects (one for the whole RAM, or one per NUMA
//! node), `-overcommit` and `-numa`.
//!
//! QEMU deprecated `-mem-path`/`-mem-prealloc`, so libvirt always describes RAM as a
//! backend object named like QEMU's own default RAM region (`pc.ram`), which keeps
//! migration compatible with guests started by older QEMUs.

use super::json::Props;
use super::machine::default_ram_id;
use super::{internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::cpu::{MemAccess, NumatuneMode};
use rvirt_xml::domain::devices::memory::MemoryModel;
use rvirt_xml::domain::memory::{MemoryAccess, MemoryAllocation, MemorySourceType};

/// The page size of the host, in KiB; hugepages of this size are ordinary pages.
const SYSTEM_PAGE_KIB: u64 = 4;

/// What one backend describes.
struct Backend<'a> {
    id: &'a str,
    size_kib: u64,
    /// The guest NUMA node, if any.
    node: Option<usize>,
    /// The backend of the whole RAM (it gets QEMU's RAM-block naming switched off).
    system: bool,
}

fn backend_props(c: &Cmd, b: &Backend) -> Result<Props> {
    let def = c.def;
    let backing = def.memory_backing.as_deref();
    let cell = b
        .node
        .and_then(|n| def.cpu.as_ref().and_then(|cpu| cpu.numa.get(n)));
    let mut shared = cell
        .and_then(|c| c.mem_access)
        .map(|a| a == MemAccess::Shared);
    if shared.is_none() {
        shared = backing
            .and_then(|m| m.access)
            .map(|a| a == MemoryAccess::Shared);
    }
    let discard = cell
        .and_then(|c| c.discard)
        .or_else(|| backing.map(|m| m.discard).filter(|d| *d));
    let mut prealloc = backing.and_then(|m| m.allocation_mode) == Some(MemoryAllocation::Immediate);
    let hugepages = backing
        .and_then(|m| m.hugepages.as_ref())
        .is_some_and(|h| h.iter().any(|p| p.size_kib != SYSTEM_PAGE_KIB));
    if hugepages {
        return Err(internal(
            "hugetlbfs filesystem is not mounted or disabled by administrator config",
        ));
    }
    let source = backing.and_then(|m| m.source);
    let mut p = Props::new();
    let kind;
    if source == Some(MemorySourceType::Memfd) {
        kind = "memory-backend-memfd";
        p.opt_bool("share", shared);
        if b.system {
            p.bool("x-use-canonical-path-for-ramblock-id", false);
        }
    } else if shared.is_some() || source == Some(MemorySourceType::File) {
        kind = "memory-backend-file";
        p.str(
            "mem-path",
            &format!(
                "{}/{}/{}",
                c.rt.conf.memory_backing_dir, c.rt.short_name, b.id
            ),
        );
        if discard == Some(true) {
            p.bool("discard-data", true);
        }
        p.opt_bool("share", shared);
        if b.system {
            p.bool("x-use-canonical-path-for-ramblock-id", false);
        }
    } else {
        kind = "memory-backend-ram";
    }
    if backing.is_some_and(|m| m.allocation_threads.is_some()) {
        prealloc = true;
    }
    if prealloc {
        p.bool("prealloc", true);
    }
    if let Some(t) = backing.and_then(|m| m.allocation_threads) {
        p.num("prealloc-threads", t);
    }
    p.num("size", b.size_kib * 1024);
    if let Some(nt) = def.numatune.as_deref() {
        let node_set = b.node.and_then(|n| {
            nt.memnodes
                .iter()
                .find(|(cell, _, _)| *cell as usize == n)
                .map(|(_, mode, set)| (*mode, set))
        });
        let global = nt
            .memory
            .as_ref()
            .and_then(|m| m.nodeset.as_ref().map(|s| (m.mode, s)));
        if let Some((mode, set)) = node_set.or(global) {
            if mode != NumatuneMode::Restrictive {
                let nodes: Vec<String> = set.iter().map(|n| n.to_string()).collect();
                let policy = match mode {
                    NumatuneMode::Strict => "bind",
                    NumatuneMode::Preferred => "preferred",
                    NumatuneMode::Interleave => "interleave",
                    NumatuneMode::Restrictive => "restrictive",
                };
                p.raw_array("host-nodes", &nodes).str("policy", policy);
            }
        }
    }
    let mut full = Props::new();
    full.str("qom-type", kind).str("id", b.id);
    full.append(&p);
    Ok(full)
}

/// The RAM outside memory devices, in KiB.
fn initial_kib(c: &Cmd) -> u64 {
    let dimms: u64 = c
        .def
        .devices
        .memories
        .iter()
        .map(|m| m.target.size_kib)
        .sum();
    c.def.memory_kib.saturating_sub(dimms)
}

fn numa_cells(c: &Cmd) -> usize {
    c.def.cpu.as_ref().map_or(0, |cpu| cpu.numa.len())
}

/// `-m`, the RAM backend (without NUMA) and `-overcommit`.
pub fn memory(c: &mut Cmd) -> Result<()> {
    let initial = initial_kib(c);
    match &c.def.max_memory {
        Some(mm) if mm.slots > 0 => c.pair(
            "-m",
            format!("size={initial}k,slots={},maxmem={}k", mm.slots, mm.kib),
        ),
        _ => c.pair("-m", format!("{}", initial / 1024)),
    }
    match default_ram_id(c) {
        Some(id) => {
            if numa_cells(c) == 0 {
                let p = backend_props(
                    c,
                    &Backend {
                        id,
                        size_kib: initial,
                        node: None,
                        system: true,
                    },
                )?;
                c.object(&p);
            }
        }
        None => return Err(unsupported("this QEMU does not name its default RAM")),
    }
    let locked = c.def.memory_backing.as_ref().is_some_and(|m| m.locked);
    c.pair(
        "-overcommit",
        if locked {
            "mem-lock=on"
        } else {
            "mem-lock=off"
        },
    );
    Ok(())
}

/// One backend object and `-numa node` per guest NUMA cell, then the distances.
pub fn numa(c: &mut Cmd) -> Result<()> {
    let Some(cpu) = c.def.cpu.as_deref() else {
        return Ok(());
    };
    if cpu.numa.is_empty() {
        return Ok(());
    }
    if cpu.numa.iter().all(|cell| cell.cpus.is_none()) {
        return Err(unsupported("At least one NUMA node has to have CPUs"));
    }
    for (i, cell) in cpu.numa.iter().enumerate() {
        let id = format!("ram-node{i}");
        let p = backend_props(
            c,
            &Backend {
                id: &id,
                size_kib: cell.memory_kib,
                node: Some(i),
                system: false,
            },
        )?;
        c.object(&p);
        let mut n = format!("node,nodeid={i}");
        if let Some(cpus) = &cell.cpus {
            for part in cpus.to_string().split(',') {
                n.push_str(&format!(",cpus={part}"));
            }
        }
        n.push_str(&format!(",memdev={id}"));
        c.pair("-numa", n);
    }
    if cpu.numa.iter().any(|cell| !cell.distances.is_empty()) {
        for (i, cell) in cpu.numa.iter().enumerate() {
            for j in 0..cpu.numa.len() {
                let given = cell
                    .distances
                    .iter()
                    .find(|(to, _)| *to as usize == j)
                    .map(|(_, v)| *v);
                let val = given.unwrap_or(if i == j { 10 } else { 20 });
                c.pair("-numa", format!("dist,src={i},dst={j},val={val}"));
            }
        }
    }
    Ok(())
}

/// Memory devices (DIMMs): a backend `memALIAS` and the `pc-dimm` using it.
pub fn memory_devices(c: &mut Cmd) -> Result<()> {
    for m in &c.def.devices.memories {
        if m.model != MemoryModel::Dimm {
            return Err(unsupported(format!(
                "memory devices of model '{}' are not supported by rvirt's QEMU driver yet",
                rvirt_xml::XmlEnum::as_xml(&m.model)
            )));
        }
        let id = super::alias(&m.info, "memory")?;
        let memdev = format!("mem{id}");
        let p = backend_props(
            c,
            &Backend {
                id: &memdev,
                size_kib: m.target.size_kib,
                node: m.target.node.map(|n| n as usize),
                system: false,
            },
        )?;
        c.object(&p);
        let mut d = Props::new();
        d.str("driver", "pc-dimm")
            .opt_num("node", m.target.node)
            .opt_str(
                "uuid",
                m.uuid.map(|u| u.hyphenated().to_string()).as_deref(),
            )
            .opt_bool("unarmed", m.target.readonly.then_some(true))
            .str("memdev", &memdev)
            .str("id", id);
        super::address::add(&mut d, c.def, &m.info, None)?;
        c.device(&d);
    }
    Ok(())
}
