//! `domstats`: the statistics groups of all domains, or of the ones named.

use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{domain_by, BY_ANY};
use rvirt::domain_stats::{all_stats, group};
use rvirt::flags::list_domains as lf;

/// The group options, in virsh's order, with their bits.
const GROUPS: [(&str, u32); 11] = [
    ("state", group::STATE),
    ("cpu-total", group::CPU_TOTAL),
    ("balloon", group::BALLOON),
    ("vcpu", group::VCPU),
    ("interface", group::INTERFACE),
    ("block", group::BLOCK),
    ("perf", group::PERF),
    ("iothread", group::IOTHREAD),
    ("memory", group::MEMORY),
    ("dirtyrate", group::DIRTYRATE),
    ("vm", group::VM),
];

/// The list filters and stats flags, with their bits.
const FLAGS: [(&str, u32); 11] = [
    ("list-active", lf::ACTIVE),
    ("list-inactive", lf::INACTIVE),
    ("list-persistent", lf::PERSISTENT),
    ("list-transient", lf::TRANSIENT),
    ("list-running", lf::RUNNING),
    ("list-paused", lf::PAUSED),
    ("list-shutoff", lf::SHUTOFF),
    ("list-other", lf::OTHER),
    ("enforce", all_stats::ENFORCE_STATS),
    ("backing", all_stats::BACKING),
    ("nowait", all_stats::NOWAIT),
];

pub(crate) fn cmd_domstats(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(conn) = ctl.conn() else { return false };
    let stats = GROUPS
        .iter()
        .filter(|(o, _)| cmd.flag(o))
        .fold(0, |acc, (_, b)| acc | b);
    let flags = FLAGS
        .iter()
        .filter(|(o, _)| cmd.flag(o))
        .fold(0, |acc, (_, b)| acc | b);
    let names = cmd.argv("domain");
    let records = if names.is_empty() {
        conn.all_domain_stats(stats, flags)
    } else {
        let mut doms = Vec::new();
        for n in names {
            let Some(d) = domain_by(ctl, "domstats", n, BY_ANY) else {
                return false;
            };
            doms.push(d);
        }
        conn.domain_list_stats(&doms, stats, flags)
    };
    let Some(records) = ctl.check(records) else {
        return false;
    };
    for (i, r) in records.iter().enumerate() {
        // Records are separated by an empty line, which -q does not hide.
        let mut out = if i > 0 {
            "\n".to_string()
        } else {
            String::new()
        };
        out.push_str(&format!("Domain: '{}'\n", r.dom.name()));
        for p in &r.params {
            out.push_str(&format!(
                "  {}={}\n",
                p.field,
                crate::commands::domain::typed_value_str(&p.value)
            ));
        }
        ctl.print(&out);
    }
    true
}
