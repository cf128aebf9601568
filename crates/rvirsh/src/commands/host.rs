//! Host and hypervisor queries: node facts, capabilities, versions, URI, host name and
//! SMBIOS data.

use super::conn;
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "capabilities",
        &[],
        cmd_capabilities,
        "show what the hypervisor can do",
        "Prints the capabilities of the hypervisor and host as XML.",
    ),
    cmd(
        "domcapabilities",
        &[
            opt_string("virttype", 0, "virtualization type (domain type)"),
            opt_string("emulatorbin", 0, "path of the emulator binary"),
            opt_string("arch", 0, "guest architecture"),
            opt_string("machine", 0, "machine type"),
        ],
        cmd_domcapabilities,
        "show what domains of one emulator can use",
        "Prints, as XML, the domain features an emulator supports on this host.",
    ),
    cmd(
        "hostname",
        &[],
        cmd_hostname,
        "show the host name of the hypervisor",
        "",
    ),
    cmd(
        "nodecpumap",
        &[opt_bool("pretty", "print CPU ranges instead of a y/- map")],
        cmd_nodecpumap,
        "show the host's CPUs and which are online",
        "Prints how many CPUs the host has, how many are online, and which.",
    ),
    cmd(
        "nodecpustats",
        &[
            opt_int("cpu", 0, "one CPU only"),
            opt_bool("percent", "show shares of time measured over one second"),
        ],
        cmd_nodecpustats,
        "show the host's CPU time counters",
        "Prints the host's CPU time counters in nanoseconds.",
    ),
    cmd(
        "nodeinfo",
        &[],
        cmd_nodeinfo,
        "show CPU and memory facts of the host",
        "Prints the host's CPU model, CPU topology and memory size.",
    ),
    cmd(
        "freecell",
        &[
            opt_int("cellno", 0, "one NUMA cell only"),
            opt_bool("all", "every NUMA cell and their total"),
        ],
        cmd_freecell,
        "show free memory of the host or of NUMA cells",
        "Prints the free memory of the host, of one NUMA cell, or of each cell.",
    ),
    cmd(
        "nodememstats",
        &[opt_int("cell", 0, "one NUMA cell only")],
        cmd_nodememstats,
        "show the host's memory counters",
        "Prints the host's memory counters in KiB.",
    ),
    cmd(
        "sysinfo",
        &[],
        cmd_sysinfo,
        "show the host's SMBIOS data",
        "Prints the hypervisor host's system information as XML.",
    ),
    cmd("uri", &[], cmd_uri, "show the URI of the connection", ""),
    cmd(
        "version",
        &[opt_bool("daemon", "also show the daemon's version")],
        cmd_version,
        "show library and hypervisor versions",
        "Prints the versions of the library, the API in use and the running hypervisor.",
    ),
];

fn cmd_nodeinfo(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let info = match c.node_info() {
        Ok(i) => i,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get node information");
            return false;
        }
    };
    let mut s = format!("{:<20} {}\n", "CPU model:", info.model);
    s.push_str(&format!("{:<20} {}\n", "CPU(s):", info.cpus));
    if info.mhz != 0 {
        s.push_str(&format!("{:<20} {} MHz\n", "CPU frequency:", info.mhz));
    }
    s.push_str(&format!("{:<20} {}\n", "CPU socket(s):", info.sockets));
    s.push_str(&format!("{:<20} {}\n", "Core(s) per socket:", info.cores));
    s.push_str(&format!("{:<20} {}\n", "Thread(s) per core:", info.threads));
    s.push_str(&format!("{:<20} {}\n", "NUMA cell(s):", info.nodes));
    s.push_str(&format!("{:<20} {} KiB\n", "Memory size:", info.memory));
    ctl.print(&s);
    true
}

fn cmd_capabilities(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.get_capabilities() {
        Ok(caps) => {
            ctl.print(&format!("{caps}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get capabilities");
            false
        }
    }
}

fn cmd_sysinfo(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.get_sysinfo(0) {
        Ok(s) => {
            ctl.print(&s);
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get sysinfo");
            false
        }
    }
}

fn cmd_uri(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.uri() {
        Ok(u) => {
            ctl.print(&format!("{u}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get URI");
            false
        }
    }
}

fn cmd_hostname(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.get_hostname() {
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

/// `major.minor.micro` of a libvirt-encoded version number.
fn version_string(v: u64) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v % 1_000_000) / 1000, v % 1000)
}

fn cmd_version(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let hv_type = match c.get_type() {
        Ok(t) => t,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get hypervisor type");
            return false;
        }
    };
    let lib = rvirt_core::LIB_VERSION;
    let mut s = format!(
        "Compiled against library: libvirt {}\n",
        version_string(lib)
    );
    s.push_str(&format!("Using library: libvirt {}\n", version_string(lib)));
    s.push_str(&format!("Using API: {hv_type} {}\n", version_string(lib)));
    ctl.print(&s);
    let hv = match c.get_version() {
        Ok(v) => v,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get the hypervisor version");
            return false;
        }
    };
    if hv == 0 {
        ctl.print(&format!(
            "Cannot extract running {hv_type} hypervisor version\n"
        ));
    } else {
        ctl.print(&format!(
            "Running hypervisor: {hv_type} {}\n",
            version_string(hv)
        ));
    }
    if cmd.flag("daemon") {
        match c.get_lib_version() {
            Ok(v) => ctl.print(&format!("Running against daemon: {}\n", version_string(v))),
            Err(e) => {
                ctl.set_error(e);
                ctl.error("failed to get the daemon version");
            }
        }
    }
    true
}

fn cmd_domcapabilities(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut opts = [None; 4];
    for (slot, name) in opts
        .iter_mut()
        .zip(["virttype", "emulatorbin", "arch", "machine"])
    {
        match cmd.string(ctl, name) {
            Ok(v) => *slot = v,
            Err(()) => return false,
        }
    }
    let [virttype, emulatorbin, arch, machine] = opts;
    let Some(c) = conn(ctl) else { return false };
    match c.domain_capabilities(emulatorbin, arch, machine, virttype, 0) {
        Ok(caps) => {
            ctl.print(&format!("{caps}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get emulator capabilities");
            false
        }
    }
}

/// Whether bit `i` is set in a CPU map.
fn cpu_used(map: &[u8], i: usize) -> bool {
    map.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

fn cmd_nodecpumap(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let m = match c.node_cpu_map(0) {
        Ok(m) => m,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to get cpu map");
            return false;
        }
    };
    let mut s = format!("{:<15} {}\n", "CPUs present:", m.cpus);
    s.push_str(&format!("{:<15} {}\n", "CPUs online:", m.online));
    s.push_str(&format!("{:<15} ", "CPU map:"));
    let n = m.cpus.max(0) as usize;
    if cmd.flag("pretty") {
        let mut set = rvirt_xml::bitmap::Bitmap::new();
        for i in 0..n.div_ceil(8) * 8 {
            if cpu_used(&m.map, i) {
                set.insert(i as u32);
            }
        }
        s.push_str(&set.to_string());
    } else {
        for i in 0..n {
            s.push(if cpu_used(&m.map, i) { 'y' } else { '-' });
        }
    }
    s.push('\n');
    ctl.print(&s);
    true
}

/// C's `%W.1f` of a double, with C's spelling of NaN and infinities.
fn c_percent(x: f64) -> String {
    let body = if x.is_nan() {
        if x.is_sign_negative() { "-nan" } else { "nan" }.to_string()
    } else if x.is_infinite() {
        if x < 0.0 { "-inf" } else { "inf" }.to_string()
    } else {
        format!("{x:.1}")
    };
    format!("{body:>5}%")
}

/// The counters `nodecpustats` shows, in its order, by the names drivers report them.
const CPU_FIELDS: [(&str, &str); 6] = [
    ("user", "user:"),
    ("kernel", "system:"),
    ("idle", "idle:"),
    ("iowait", "iowait:"),
    ("intr", "intr:"),
    ("utilization", "usage:"),
];
const USAGE: usize = 5;

fn cmd_nodecpustats(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let percent = cmd.flag("percent");
    let Ok(cpu) = cmd.int(ctl, "cpu") else {
        return false;
    };
    let cpu = cpu.unwrap_or(rvirt::stats_flags::ALL);
    let Some(c) = conn(ctl) else { return false };
    // Drivers count their CPU fields before looking for the CPU (virsh's count call
    // succeeds for any CPU number the API accepts), and every CPU has as many as the
    // total; a number the API refuses is still refused by the count.
    let count = match c.node_cpu_stats(cpu.min(rvirt::stats_flags::ALL), 0) {
        Ok(v) => v.len(),
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to get number of cpu stats");
            return false;
        }
    };
    if count == 0 {
        return true;
    }
    let mut stats = [0u64; 6];
    let mut present = [false; 6];
    for round in 0..2 {
        let params = match c.node_cpu_stats(cpu, 0) {
            Ok(v) => v,
            Err(e) => {
                ctl.set_error(e);
                ctl.error("Unable to get node cpu stats");
                return false;
            }
        };
        for p in params.iter().take(count) {
            let Some(i) = CPU_FIELDS.iter().position(|(f, _)| *f == p.field) else {
                continue;
            };
            if round == 0 {
                stats[i] = p.value;
                present[i] = true;
            } else if present[i] {
                stats[i] = p.value.wrapping_sub(stats[i]);
            }
        }
        if present[USAGE] || !percent {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let mut s = String::new();
    if !percent {
        for i in 0..USAGE {
            if present[i] {
                s.push_str(&format!("{:<15} {:>20}\n", CPU_FIELDS[i].1, stats[i]));
            }
        }
    } else if present[USAGE] {
        s.push_str(&format!("{:<15} {:>5}%\n", "usage:", stats[USAGE]));
        s.push_str(&format!(
            "{:<15} {:>5}%\n",
            "idle:",
            100u64.wrapping_sub(stats[USAGE])
        ));
    } else {
        let total: f64 = stats[..USAGE].iter().map(|&v| v as f64).sum();
        let total = std::hint::black_box(total);
        let busy = stats[0].wrapping_add(stats[1]) as f64;
        s.push_str(&format!(
            "{:<15} {}\n",
            "usage:",
            c_percent(busy / total * 100.0)
        ));
        for i in 0..USAGE {
            if present[i] {
                s.push_str(&format!(
                    "{:<15} {}\n",
                    CPU_FIELDS[i].1,
                    c_percent(stats[i] as f64 / total * 100.0)
                ));
            }
        }
    }
    ctl.print(&s);
    true
}

fn cmd_freecell(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let all = cmd.flag("all");
    let Ok(cell) = cmd.int(ctl, "cellno") else {
        return false;
    };
    if !super::exclusive(ctl, ("all", all), ("cellno", cell.is_some())) {
        return false;
    }
    let Some(c) = conn(ctl) else { return false };
    if !all {
        let (label, bytes) = match cell {
            Some(n) => match c.node_cells_free_memory(n, 1) {
                Ok(v) if v.len() == 1 => (n.to_string(), v[0]),
                Ok(_) => return false,
                Err(e) => {
                    ctl.set_error(e);
                    return false;
                }
            },
            None => match c.node_free_memory() {
                Ok(m) if m > 0 => ("Total".to_string(), m),
                Ok(_) => return false,
                Err(e) => {
                    ctl.set_error(e);
                    return false;
                }
            },
        };
        ctl.print(&format!("{label}: {} KiB\n", bytes / 1024));
        return true;
    }
    let caps = match c.get_capabilities() {
        Ok(x) => x,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("unable to get node capabilities");
            return false;
        }
    };
    let ids: Vec<u64> = rvirt_xml::tree::parse_document(&caps, "(capabilities)")
        .ok()
        .and_then(|root| {
            let cells = root.child("host")?.child("topology")?.child("cells")?;
            Some(
                cells
                    .children_named("cell")
                    .filter_map(|e| e.attr("id").and_then(|v| v.parse().ok()))
                    .collect(),
            )
        })
        .unwrap_or_default();
    if ids.is_empty() {
        ctl.error("could not get information about NUMA topology");
        return false;
    }
    let mut s = String::new();
    let mut total = 0u64;
    for id in ids {
        let free = match c.node_cells_free_memory(id as i32, 1) {
            Ok(v) if v.len() == 1 => v[0],
            Ok(_) | Err(_) => {
                ctl.error(&format!(
                    "failed to get free memory for NUMA node number: {id}"
                ));
                return false;
            }
        };
        total += free / 1024;
        s.push_str(&format!("{id:>5}: {:>10} KiB\n", free / 1024));
    }
    s.push_str("--------------------\n");
    s.push_str(&format!("{:>5}: {total:>10} KiB\n", "Total"));
    ctl.print(&s);
    true
}

fn cmd_nodememstats(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(cell) = cmd.int(ctl, "cell") else {
        return false;
    };
    let cell = cell.unwrap_or(rvirt::stats_flags::ALL);
    let Some(c) = conn(ctl) else { return false };
    let count = match c.node_memory_stats(cell, 0) {
        Ok(v) => v.len(),
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to get number of memory stats");
            return false;
        }
    };
    if count == 0 {
        return true;
    }
    let params = match c.node_memory_stats(cell, 0) {
        Ok(v) => v,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to get memory stats");
            return false;
        }
    };
    let mut s = String::new();
    for p in params.iter().take(count) {
        s.push_str(&format!("{:<7}: {:>20} KiB\n", p.field, p.value));
    }
    ctl.print(&s);
    true
}
