//! Domain monitoring: `list`, `dominfo` and `domstate`.

use super::{
    conn, domain_description, domain_state, exclusive_opts, reason_to_string, state_to_string,
    strcasecmp,
};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::table::{Charset, Table};
use rvirt::flags::list_domains as lf;
use rvirt::{Domain, DomainState};

const DOMAIN_OPT: OptDef = opt_data("domain", REQ, "domain name, id or UUID");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "cpu-stats",
        &[
            DOMAIN_OPT,
            opt_bool("total", "show the domain's totals"),
            opt_int("start", 0, "the first CPU to show"),
            opt_int("count", 0, "how many CPUs to show"),
        ],
        super::domstats::cmd_cpu_stats,
        "show a domain's CPU statistics",
        "Prints the CPU time a domain used on each host CPU and in total.",
    ),
    cmd(
        "domblkinfo",
        &[
            DOMAIN_OPT,
            opt_string("device", 0, "the disk's target or source path"),
            opt_bool("human", "sizes with units"),
            opt_bool("all", "every disk of the domain"),
        ],
        super::domstats::cmd_domblkinfo,
        "show the sizes of a domain's disk",
        "Prints the capacity, allocation and physical size of one disk or of all.",
    ),
    cmd(
        "domblklist",
        &[
            DOMAIN_OPT,
            opt_bool("inactive", "read the persistent configuration"),
            opt_bool("details", "also show the disk's type and device"),
        ],
        super::domstats::cmd_domblklist,
        "list a domain's disks",
        "Prints a table of the domain's disks and their sources.",
    ),
    cmd(
        "domblkstat",
        &[
            DOMAIN_OPT,
            opt_string("device", EMPTY_OK, "the disk's target or source path"),
            opt_bool("human", "label the figures in words"),
        ],
        super::domstats::cmd_domblkstat,
        "show a domain's disk statistics",
        "Prints the read, write and error counters of a disk.",
    ),
    cmd(
        "domifstat",
        &[
            DOMAIN_OPT,
            opt_data("interface", REQ, "the interface's host name or MAC address"),
        ],
        super::domstats::cmd_domifstat,
        "show a domain's interface statistics",
        "Prints the receive and transmit counters of an interface.",
    ),
    cmd(
        "domiflist",
        &[
            DOMAIN_OPT,
            opt_bool("inactive", "read the persistent configuration"),
        ],
        super::domstats::cmd_domiflist,
        "list a domain's network interfaces",
        "Prints a table of the domain's interfaces.",
    ),
    cmd(
        "domstats",
        &[
            opt_bool("state", "the state group"),
            opt_bool("cpu-total", "the total CPU group"),
            opt_bool("balloon", "the balloon group"),
            opt_bool("vcpu", "the vCPU group"),
            opt_bool("interface", "the interface group"),
            opt_bool("block", "the block device group"),
            opt_bool("perf", "the perf event group"),
            opt_bool("iothread", "the IOThread group"),
            opt_bool("memory", "the memory bandwidth group"),
            opt_bool("dirtyrate", "the dirty rate group"),
            opt_bool("vm", "the hypervisor-specific group"),
            opt_bool("list-active", "only active domains"),
            opt_bool("list-inactive", "only inactive domains"),
            opt_bool("list-persistent", "only persistent domains"),
            opt_bool("list-transient", "only transient domains"),
            opt_bool("list-running", "only running domains"),
            opt_bool("list-paused", "only paused domains"),
            opt_bool("list-shutoff", "only shut off domains"),
            opt_bool("list-other", "only domains in other states"),
            opt_bool("raw", "do not make the values pretty"),
            opt_bool("enforce", "fail if a group is not supported"),
            opt_bool("backing", "include backing chains in block statistics"),
            opt_bool("nowait", "do not wait for a busy domain"),
            opt_argv("domain", 0, "domains to show (all if none)"),
        ],
        super::domstats::cmd_domstats,
        "show statistics of domains",
        "Prints the chosen statistics groups of all domains or of the ones named.",
    ),
    cmd(
        "dominfo",
        &[DOMAIN_OPT],
        cmd_dominfo,
        "show basic facts about a domain",
        "Prints the id, name, UUID, state, CPU, memory and security facts of a domain.",
    ),
    cmd(
        "dommemstat",
        &[
            DOMAIN_OPT,
            opt_int(
                "period",
                REQ_OPT,
                "set the balloon's statistics period, in seconds",
            ),
            opt_bool("config", "change the configuration for the next start"),
            opt_bool("live", "change the running domain"),
            opt_bool(
                "current",
                "change the running domain if active, else the configuration",
            ),
        ],
        super::domain::cmd_dommemstat,
        "show the memory statistics of a domain",
        "Prints the balloon statistics of a running domain.",
    ),
    cmd(
        "domstate",
        &[
            DOMAIN_OPT,
            opt_bool("reason", "also show why the domain is in that state"),
        ],
        cmd_domstate,
        "show the state of a domain",
        "Prints the state of a domain.",
    ),
    cmd(
        "list",
        &[
            opt_bool("inactive", "only inactive domains"),
            opt_bool("all", "active and inactive domains"),
            opt_bool("transient", "only transient domains"),
            opt_bool("persistent", "only persistent domains"),
            opt_bool("with-snapshot", "only domains that have snapshots"),
            opt_bool("without-snapshot", "only domains without snapshots"),
            opt_bool("with-checkpoint", "only domains that have checkpoints"),
            opt_bool("without-checkpoint", "only domains without checkpoints"),
            opt_bool("state-running", "only running domains"),
            opt_bool("state-paused", "only paused domains"),
            opt_bool("state-shutoff", "only shut off domains"),
            opt_bool("state-other", "only domains in any other state"),
            opt_bool("autostart", "only domains started with the host"),
            opt_bool("no-autostart", "only domains not started with the host"),
            opt_bool(
                "with-managed-save",
                "only domains with a managed save image",
            ),
            opt_bool(
                "without-managed-save",
                "only domains without a managed save image",
            ),
            opt_bool("uuid", "print UUIDs instead of a table"),
            opt_bool("name", "print names instead of a table"),
            opt_bool("id", "print ids instead of a table"),
            opt_bool("table", "print a table (the default)"),
            opt_bool(
                "managed-save",
                "show 'saved' for domains with a managed save image",
            ),
            opt_bool("title", "add a column with the domain titles"),
        ],
        cmd_list,
        "list domains",
        "Lists the domains of the connection, running ones by default.",
    ),
];

fn cmd_domstate(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Some((state, reason)) = domain_state(ctl, &dom) else {
        return false;
    };
    if cmd.flag("reason") {
        ctl.print(&format!(
            "{} ({})\n",
            state_to_string(state),
            reason_to_string(state, reason)
        ));
    } else {
        ctl.print(&format!("{}\n", state_to_string(state)));
    }
    true
}

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("{label:<15} {value}\n")
}

fn cmd_dominfo(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let mut ret = true;
    let mut s = match dom.id() {
        Some(id) => line("Id:", id),
        None => line("Id:", "-"),
    };
    s.push_str(&line("Name:", dom.name()));
    s.push_str(&line("UUID:", dom.uuid_string()));
    match dom.os_type() {
        Ok(t) => s.push_str(&line("OS Type:", t)),
        Err(e) => ctl.set_error(e),
    }
    match dom.info() {
        Ok(info) => {
            s.push_str(&line("State:", info.state.as_str()));
            s.push_str(&line("CPU(s):", info.nr_virt_cpu));
            if info.cpu_time != 0 {
                let secs = info.cpu_time as f64 / 1_000_000_000.0;
                s.push_str(&line("CPU time:", format!("{secs:.1}s")));
            }
            if info.max_mem != u64::from(u32::MAX) {
                s.push_str(&line("Max memory:", format!("{} KiB", info.max_mem)));
            } else {
                s.push_str(&line("Max memory:", "no limit"));
            }
            s.push_str(&line("Used memory:", format!("{} KiB", info.memory)));
        }
        Err(e) => {
            ctl.set_error(e);
            ret = false;
        }
    }
    let persistent = dom.is_persistent();
    let flag = match &persistent {
        Ok(p) => i32::from(*p),
        Err(_) => -1,
    };
    ctl.print(&s);
    s = String::new();
    ctl.debug(0, &format!("Domain persistent flag value: {flag}\n"));
    match persistent {
        Ok(p) => s.push_str(&line("Persistent:", if p { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Persistent:", "unknown"));
        }
    }
    match dom.autostart() {
        Ok(a) => s.push_str(&line("Autostart:", if a { "enable" } else { "disable" })),
        Err(e) => ctl.set_error(e),
    }
    match dom.has_managed_save_image(0) {
        Ok(m) => s.push_str(&line("Managed save:", if m { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Managed save:", "unknown"));
        }
    }
    ctl.print(&s);
    match c.node_security_model() {
        Err(e) => {
            if e.code != rvirt::ErrorCode::NO_SUPPORT {
                ctl.set_error(e);
                return false;
            }
            ctl.reset_error();
        }
        Ok(model) => {
            if !model.model.is_empty() {
                let mut s = line("Security model:", &model.model);
                s.push_str(&line("Security DOI:", &model.doi));
                ctl.print(&s);
                match dom.security_label() {
                    Err(e) => {
                        ctl.set_error(e);
                        return false;
                    }
                    Ok(label) => {
                        if !label.label.is_empty() {
                            let mode = if label.enforcing {
                                "enforcing"
                            } else {
                                "permissive"
                            };
                            ctl.print(&line(
                                "Security label:",
                                format!("{} ({mode})", label.label),
                            ));
                        }
                    }
                }
            }
        }
    }
    match dom.messages(0) {
        Ok(msgs) => {
            for (i, m) in msgs.iter().enumerate() {
                let label = if i == 0 { "Messages:" } else { "" };
                ctl.print(&line(label, m));
            }
        }
        Err(e) => ctl.set_error(e),
    }
    ret
}

/// Active domains first by id, then inactive ones by name (case-insensitively).
fn sort_domains(list: &mut [Domain]) {
    list.sort_by(|a, b| match (a.id(), b.id()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => strcasecmp(a.name(), b.name()),
    });
}

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let managed = cmd.flag("managed-save");
    let opt_title = cmd.flag("title");
    let opt_uuid = cmd.flag("uuid");
    let opt_name = cmd.flag("name");
    let opt_id = cmd.flag("id");

    let mut flags = lf::ACTIVE;
    if cmd.flag("inactive") || cmd.flag("state-shutoff") {
        flags = lf::INACTIVE;
    }
    if cmd.flag("all") {
        flags = lf::INACTIVE | lf::ACTIVE;
    }
    let filters: &[(&str, u32)] = &[
        ("persistent", lf::PERSISTENT),
        ("transient", lf::TRANSIENT),
        ("with-managed-save", lf::MANAGEDSAVE),
        ("without-managed-save", lf::NO_MANAGEDSAVE),
        ("autostart", lf::AUTOSTART),
        ("no-autostart", lf::NO_AUTOSTART),
        ("with-snapshot", lf::HAS_SNAPSHOT),
        ("without-snapshot", lf::NO_SNAPSHOT),
        ("with-checkpoint", lf::HAS_CHECKPOINT),
        ("without-checkpoint", lf::NO_CHECKPOINT),
        ("state-running", lf::RUNNING),
        ("state-paused", lf::PAUSED),
        ("state-shutoff", lf::SHUTOFF),
        ("state-other", lf::OTHER),
    ];
    for (name, bit) in filters {
        if cmd.flag(name) {
            flags |= bit;
        }
    }
    if !exclusive_opts(ctl, cmd, "table", "name")
        || !exclusive_opts(ctl, cmd, "table", "uuid")
        || !exclusive_opts(ctl, cmd, "table", "id")
    {
        return false;
    }
    let opt_table = !opt_uuid && !opt_name && !opt_id;

    let mut list = match c.list_all_domains(flags) {
        Ok(l) => l,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list domains");
            return false;
        }
    };
    sort_domains(&mut list);

    let mut table = if opt_title {
        Table::new(&["Id", "Name", "State", "Title"])
    } else {
        Table::new(&["Id", "Name", "State"])
    };
    let mut out = String::new();
    for dom in &list {
        let id = dom
            .id()
            .map(|i| i.to_string())
            .unwrap_or_else(|| "-".into());
        if opt_table {
            let Some((state, _)) = domain_state(ctl, dom) else {
                // The domain may have gone away meanwhile.
                continue;
            };
            let saved = managed
                && state == DomainState::Shutoff as i32
                && matches!(dom.has_managed_save_image(0), Ok(true));
            let state_str = if saved {
                "saved"
            } else {
                state_to_string(state)
            };
            let mut row = vec![id, dom.name().to_string(), state_str.to_string()];
            if opt_title {
                let Some(title) = domain_description(ctl, dom, true, 0) else {
                    return false;
                };
                row.push(title);
            }
            table.add_row(row);
        } else {
            let mut parts = Vec::new();
            if opt_uuid {
                parts.push(dom.uuid_string());
            }
            if opt_id {
                if dom.id().is_none() && !opt_uuid && !opt_name {
                    continue;
                }
                parts.push(id);
            }
            if opt_name {
                parts.push(dom.name().to_string());
            }
            out.push_str(&parts.join(" "));
            out.push('\n');
        }
    }
    if opt_table {
        out = table.render(!ctl.quiet, Charset::from_env());
    }
    ctl.print(&out);
    true
}
