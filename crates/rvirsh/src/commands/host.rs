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
        "hostname",
        &[],
        cmd_hostname,
        "show the host name of the hypervisor",
        "",
    ),
    cmd(
        "nodeinfo",
        &[],
        cmd_nodeinfo,
        "show CPU and memory facts of the host",
        "Prints the host's CPU model, CPU topology and memory size.",
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
