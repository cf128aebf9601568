//! The command table and helpers shared by command handlers.
//!
//! Each submodule owns one command group and exports its commands as a slice; [`GROUPS`]
//! lists the groups in the order `help` shows them.

use crate::cli::defs::Group;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::xpath::{self, XPathOutput};
use rvirt::{Connect, Domain, DomainState, Error};

pub mod domain;
pub mod domstats;
pub mod host;
pub mod interface;
pub mod monitor;
pub mod network;
pub mod nodedev;
pub mod pool;
pub mod snapshot;
pub mod virsh;
mod voltransfer;
pub mod volume;

/// Every command, by group, in `help` order.
pub static GROUPS: &[Group] = &[
    Group {
        name: "Domain Management",
        keyword: "domain",
        cmds: domain::COMMANDS,
    },
    Group {
        name: "Domain Monitoring",
        keyword: "monitor",
        cmds: monitor::COMMANDS,
    },
    Group {
        name: "Host and Hypervisor",
        keyword: "host",
        cmds: host::COMMANDS,
    },
    Group {
        name: "Interface",
        keyword: "interface",
        cmds: interface::COMMANDS,
    },
    Group {
        name: "Networking",
        keyword: "network",
        cmds: network::COMMANDS,
    },
    Group {
        name: "Node Device",
        keyword: "nodedev",
        cmds: nodedev::COMMANDS,
    },
    Group {
        name: "Snapshot",
        keyword: "snapshot",
        cmds: snapshot::COMMANDS,
    },
    Group {
        name: "Storage Pool",
        keyword: "pool",
        cmds: pool::COMMANDS,
    },
    Group {
        name: "Storage Volume",
        keyword: "volume",
        cmds: volume::COMMANDS,
    },
    Group {
        name: "Virsh itself",
        keyword: "virsh",
        cmds: virsh::COMMANDS,
    },
];

/// The open connection (the runner connects before any command that needs one).
pub fn conn(ctl: &mut Ctl) -> Option<Connect> {
    ctl.conn()
}

/// `Options --a and --b are mutually exclusive` when both flags are given.
pub fn exclusive(ctl: &mut Ctl, a: (&str, bool), b: (&str, bool)) -> bool {
    if a.1 && b.1 {
        ctl.error(&format!(
            "Options --{} and --{} are mutually exclusive",
            a.0, b.0
        ));
        return false;
    }
    true
}

/// Like [`exclusive`] with the presence taken from the command.
pub fn exclusive_opts(ctl: &mut Ctl, cmd: &Cmd, a: &str, b: &str) -> bool {
    exclusive(ctl, (a, cmd.has(a)), (b, cmd.has(b)))
}

/// `Option --need is required by option --by`.
pub fn require(ctl: &mut Ctl, by: (&str, bool), need: (&str, bool)) -> bool {
    if by.1 && !need.1 {
        ctl.error(&format!(
            "Option --{} is required by option --{}",
            need.0, by.0
        ));
        return false;
    }
    true
}

/// Largest XML file virsh reads (10 MiB).
const MAX_XML_FILE: u64 = 10 * 1024 * 1024;

/// Reads a whole file as libvirt's `virFileReadAll` does; failures are saved as a library
/// error (`Failed to open file 'x': No such file or directory`).
pub fn read_file(ctl: &mut Ctl, path: &str) -> Option<String> {
    use std::io::Read;
    let sys = |what: &str, e: &std::io::Error| {
        rvirt::Error::raw(
            rvirt::ErrorDomain::NONE,
            rvirt::ErrorCode::SYSTEM_ERROR,
            format!("{what}: {}", rvirt_core::error::os_error_text(e)),
        )
    };
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            ctl.set_error(sys(&format!("Failed to open file '{path}'"), &e));
            return None;
        }
    };
    let mut buf = Vec::new();
    if let Err(e) = f.take(MAX_XML_FILE + 1).read_to_end(&mut buf) {
        ctl.set_error(sys(&format!("Failed to read file '{path}'"), &e));
        return None;
    }
    if buf.len() as u64 > MAX_XML_FILE {
        let e = std::io::Error::from_raw_os_error(27); // EFBIG
        ctl.set_error(sys(&format!("Failed to read file '{path}'"), &e));
        return None;
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Splits on `,`, with `,,` standing for a literal comma.
pub fn string_to_array(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                cur.push(',');
            } else {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// C `strcasecmp` in the C locale: ASCII case folded, byte order.
pub fn strcasecmp(a: &str, b: &str) -> std::cmp::Ordering {
    let fa = a.bytes().map(|c| c.to_ascii_lowercase());
    let fb = b.bytes().map(|c| c.to_ascii_lowercase());
    fa.cmp(fb)
}

/// The word for a domain state (numbers outside the known range read `no state`).
pub fn state_to_string(state: i32) -> &'static str {
    DomainState::from_i32(state)
        .map(DomainState::as_str)
        .unwrap_or("no state")
}

/// The word for a state reason, which depends on the state.
pub fn reason_to_string(state: i32, reason: i32) -> &'static str {
    const RUNNING: &[&str] = &[
        "unknown",
        "booted",
        "migrated",
        "restored",
        "from snapshot",
        "unpaused",
        "migration canceled",
        "save canceled",
        "event wakeup",
        "crashed",
        "post-copy",
        "post-copy failed",
    ];
    const PAUSED: &[&str] = &[
        "unknown",
        "user",
        "migrating",
        "saving",
        "dumping",
        "I/O error",
        "watchdog",
        "from snapshot",
        "shutting down",
        "creating snapshot",
        "crashed",
        "starting up",
        "post-copy",
        "post-copy failed",
        "api error",
    ];
    const SHUTOFF: &[&str] = &[
        "unknown",
        "shutdown",
        "destroyed",
        "crashed",
        "migrated",
        "saved",
        "failed",
        "from snapshot",
        "daemon",
    ];
    let table: &[&str] = match DomainState::from_i32(state) {
        Some(DomainState::Running) => RUNNING,
        Some(DomainState::Paused) => PAUSED,
        Some(DomainState::Shutoff) => SHUTOFF,
        Some(DomainState::Shutdown) => &["unknown", "user"],
        Some(DomainState::Crashed) => &["unknown", "panicked"],
        _ => &["unknown"],
    };
    usize::try_from(reason)
        .ok()
        .and_then(|r| table.get(r))
        .copied()
        .unwrap_or("unknown")
}

/// The domain's state and reason (falling back to the info call on drivers without the
/// state call); `None` with the error saved.
pub fn domain_state(ctl: &mut Ctl, dom: &Domain) -> Option<(i32, i32)> {
    match dom.state() {
        Ok((s, r)) => Some((s as i32, r)),
        Err(e) if e.code == rvirt::ErrorCode::NO_SUPPORT => match dom.info() {
            Ok(i) => Some((i.state as i32, -1)),
            Err(e) => {
                ctl.set_error(e);
                None
            }
        },
        Err(e) => {
            ctl.set_error(e);
            None
        }
    }
}

/// The description or title of a domain; a missing one reads as empty.
pub fn domain_description(ctl: &mut Ctl, dom: &Domain, title: bool, flags: u32) -> Option<String> {
    let kind = if title {
        rvirt::flags::metadata::TITLE
    } else {
        rvirt::flags::metadata::DESCRIPTION
    };
    match dom.metadata(kind, None, flags) {
        Ok(s) => Some(s),
        Err(e) if e.code == rvirt::ErrorCode::NO_DOMAIN_METADATA => {
            ctl.reset_error();
            Some(String::new())
        }
        Err(e) if e.code == rvirt::ErrorCode::NO_SUPPORT => {
            // Older drivers: read it from the XML.
            let xml = ctl.check(dom.xml_desc(flags))?;
            let root = match rvirt_xml::tree::parse_document(&xml, "domain") {
                Ok(r) => r,
                Err(e) => {
                    ctl.set_error(e.into());
                    return None;
                }
            };
            let name = if title { "title" } else { "description" };
            Some(root.child_text(name).unwrap_or_default())
        }
        Err(e) => {
            ctl.set_error(e);
            None
        }
    }
}

/// Prints `xml`, or what `--xpath` selects from it.
pub fn dump_xml(ctl: &mut Ctl, xml: &str, xpath_expr: Option<&str>, wrap: bool) -> bool {
    let Some(expr) = xpath_expr else {
        ctl.print(xml);
        return true;
    };
    match xpath::select(xml, expr, wrap) {
        Ok(XPathOutput::Nodes(s)) => {
            ctl.print(&s);
            true
        }
        Ok(XPathOutput::Diagnostic(d)) => {
            ctl.eprint(&d);
            true
        }
        Ok(XPathOutput::NotNodeSet) => {
            ctl.set_error(Error::internal(
                rvirt::ErrorDomain::XML,
                format!("Incorrect xpath '{expr}'"),
            ));
            false
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

/// `--xpath` as virsh reads it: an empty value fails the command silently.
pub fn xpath_opt(cmd: &Cmd) -> Result<Option<&str>, ()> {
    match cmd.raw("xpath") {
        Some("") => Err(()),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays() {
        assert_eq!(string_to_array("a,b,,c"), vec!["a", "b,c"]);
        assert_eq!(string_to_array(""), vec![""]);
        assert_eq!(string_to_array("a,"), vec!["a", ""]);
    }

    #[test]
    fn reasons() {
        assert_eq!(reason_to_string(1, 1), "booted");
        assert_eq!(reason_to_string(5, 5), "saved");
        assert_eq!(reason_to_string(5, 99), "unknown");
        assert_eq!(reason_to_string(3, 14), "api error");
        assert_eq!(state_to_string(5), "shut off");
        assert_eq!(state_to_string(42), "no state");
    }

    #[test]
    fn case_insensitive_order() {
        assert_eq!(strcasecmp("B", "a"), std::cmp::Ordering::Greater);
        assert_eq!(strcasecmp("a", "A"), std::cmp::Ordering::Equal);
    }
}
