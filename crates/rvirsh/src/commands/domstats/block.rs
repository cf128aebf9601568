//! `domblkstat`, `domifstat` and `domblkinfo`.

use super::{devices, domain_tree, first_attr};
use crate::cli::parser::Cmd;
use crate::commands::exclusive_opts;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::pretty::pretty_capacity;
use crate::table::{Charset, Table};
use rvirt::{BlockInfo, ErrorCode, TypedParam};

/// The block statistics virsh knows: field, legacy name, human wording.
const BLOCK_FIELDS: [(&str, Option<&str>, &str); 9] = [
    (
        "rd_operations",
        Some("rd_req"),
        "number of read operations:",
    ),
    ("rd_bytes", Some("rd_bytes"), "number of bytes read:"),
    (
        "wr_operations",
        Some("wr_req"),
        "number of write operations:",
    ),
    ("wr_bytes", Some("wr_bytes"), "number of bytes written:"),
    ("errs", Some("errs"), "error count:"),
    ("flush_operations", None, "number of flush operations:"),
    ("rd_total_times", None, "total duration of reads (ns):"),
    ("wr_total_times", None, "total duration of writes (ns):"),
    ("flush_total_times", None, "total duration of flushes (ns):"),
];

fn line(ctl: &mut Ctl, device: &str, human: bool, name: &str, value: &str) {
    let width = if human { 31 } else { 0 };
    ctl.print(&format!("{device} {name:<width$} {value}\n"));
}

pub(crate) fn cmd_domblkstat(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(device) = cmd.string(ctl, "device") else {
        return false;
    };
    let device = device.unwrap_or("").to_string();
    let human = cmd.flag("human");
    let count = match dom.block_stats_flags(&device, 0, 0) {
        Ok((_, n)) => Some(n),
        Err(e) if e.code == ErrorCode::NO_SUPPORT => None,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    let Some(n) = count else {
        let s = match dom.block_stats(&device) {
            Ok(s) => s,
            Err(e) => {
                ctl.set_error(e);
                ctl.error(&format!("Failed to get block stats {name} {device}"));
                return false;
            }
        };
        let mut dev = device.as_str();
        if human {
            ctl.print(&format!("Device: {device}\n"));
            dev = "";
        }
        let values = [s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes, s.errs];
        for (i, v) in values.iter().enumerate() {
            if *v >= 0 {
                let (_, legacy, words) = BLOCK_FIELDS[i];
                let label = if human { words } else { legacy.unwrap_or("") };
                line(ctl, dev, human, label, &v.to_string());
            }
        }
        return true;
    };
    let params = match dom.block_stats_flags(&device, n, 0) {
        Ok((p, _)) => p,
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to get block stats for domain '{name}' device '{device}'"
            ));
            return false;
        }
    };
    let mut dev = device.as_str();
    if human {
        ctl.print(&format!("Device: {device}\n"));
        dev = "";
    }
    let mut shown = vec![false; params.len()];
    for (field, legacy, words) in BLOCK_FIELDS {
        let Some(i) = params.iter().position(|p| p.field == field) else {
            continue;
        };
        shown[i] = true;
        let label = if human {
            words
        } else {
            legacy.unwrap_or(field)
        };
        line(ctl, dev, human, label, &value(&params[i]));
    }
    for (i, p) in params.iter().enumerate() {
        if !shown[i] && !p.field.is_empty() {
            ctl.print(&format!("{dev} {} {}\n", p.field, value(p)));
        }
    }
    true
}

fn value(p: &TypedParam) -> String {
    crate::commands::domain::typed_value_str(&p.value)
}

pub(crate) fn cmd_domifstat(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(device) = cmd.string_req(ctl, "interface") else {
        return false;
    };
    let s = match dom.interface_stats(device) {
        Ok(s) => s,
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to get interface stats {name} {device}"));
            return false;
        }
    };
    for (label, v) in [
        ("rx_bytes", s.rx_bytes),
        ("rx_packets", s.rx_packets),
        ("rx_errs", s.rx_errs),
        ("rx_drop", s.rx_drop),
        ("tx_bytes", s.tx_bytes),
        ("tx_packets", s.tx_packets),
        ("tx_errs", s.tx_errs),
        ("tx_drop", s.tx_drop),
    ] {
        if v >= 0 {
            ctl.print(&format!("{device} {label} {v}\n"));
        }
    }
    true
}

/// Capacity, allocation and physical size as virsh shows them: `-` for all three when
/// all are zero, bytes, or `%.3f UNIT` with `--human`.
fn sizes(info: &BlockInfo, human: bool) -> [String; 3] {
    let v = [info.capacity, info.allocation, info.physical];
    if v.iter().all(|&x| x == 0) {
        return ["-".into(), "-".into(), "-".into()];
    }
    v.map(|x| {
        if human {
            let (val, unit) = pretty_capacity(x);
            format!("{val:.3} {unit}")
        } else {
            x.to_string()
        }
    })
}

pub(crate) fn cmd_domblkinfo(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let human = cmd.flag("human");
    let all = cmd.flag("all");
    if !exclusive_opts(ctl, cmd, "all", "device") {
        return false;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let device = cmd.string_quiet("device").map(str::to_string);
    if !all {
        let Some(device) = device else {
            ctl.error("command 'domblkinfo' requires <device> option");
            return false;
        };
        let Some(info) = ctl.check(dom.block_info(&device, 0)) else {
            return false;
        };
        let [cap, alloc, phys] = sizes(&info, human);
        ctl.print(&format!("{:<15} {cap}\n", "Capacity:"));
        ctl.print(&format!("{:<15} {alloc}\n", "Allocation:"));
        ctl.print(&format!("{:<15} {phys}\n", "Physical:"));
        return true;
    }
    let active = matches!(dom.is_active(), Ok(true));
    let Some(tree) = domain_tree(ctl, &dom, 0) else {
        return false;
    };
    let mut table = Table::new(&["Target", "Capacity", "Allocation", "Physical"]);
    for disk in devices(&tree, "disk") {
        let target = first_attr(disk, "target", &["dev"]);
        let protocol = first_attr(disk, "source", &["protocol"]);
        let info = if disk.child("source").is_some() {
            match dom.block_info(target.as_deref().unwrap_or(""), 0) {
                Ok(i) => i,
                // Network disks of an inactive domain have no figures to report.
                Err(e)
                    if protocol.is_some()
                        && !active
                        && e.code == ErrorCode::INTERNAL_ERROR
                        && e.domain == rvirt::ErrorDomain::STORAGE =>
                {
                    BlockInfo::default()
                }
                Err(e) => {
                    ctl.set_error(e);
                    return false;
                }
            }
        } else {
            BlockInfo::default()
        };
        let [cap, alloc, phys] = sizes(&info, human);
        table.add_row(vec![target.unwrap_or_default(), cap, alloc, phys]);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}
