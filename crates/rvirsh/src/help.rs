//! Help texts: `help`, `help <group>`, `help <command>`, `-h` and `-V`, laid out as virsh
//! lays them out. Wording of command descriptions lives in the command tables.

use crate::cli::defs::{CmdDef, Group, OptKind, ALIAS, HIDDEN, REQ, REQ_OPT};
use crate::ctl::{PROGNAME, VERSION};

fn listed(c: &CmdDef) -> bool {
    c.flags & (ALIAS | HIDDEN) == 0
}

fn command_line(c: &CmdDef) -> String {
    format!("    {:<30} {}\n", c.name, c.help)
}

/// `help` without argument: every group with its commands.
pub fn all(groups: &[Group]) -> String {
    let mut s = String::from("Grouped commands:\n\n");
    for g in groups {
        s.push_str(&format!(" {} (help keyword '{}'):\n", g.name, g.keyword));
        for c in g.cmds.iter().filter(|c| listed(c)) {
            s.push_str(&command_line(c));
        }
        s.push('\n');
    }
    s
}

/// `help <group>`.
pub fn group(g: &Group) -> String {
    let mut s = format!(" {} (help keyword '{}'):\n", g.name, g.keyword);
    for c in g.cmds.iter().filter(|c| listed(c)) {
        s.push_str(&command_line(c));
    }
    s
}

/// `help <command>`: NAME, SYNOPSIS, DESCRIPTION and OPTIONS sections.
pub fn command(def: &CmdDef) -> String {
    let mut s = format!("  NAME\n    {} - {}\n", def.name, def.help);
    s.push_str("\n  SYNOPSIS\n    ");
    s.push_str(def.name);
    // Whether an earlier option can take a positional value changes how argv options
    // are shown.
    let mut shortopt = false;
    for o in def.opts {
        let req = o.flags & REQ != 0;
        let text = match o.kind {
            OptKind::Bool => format!("[--{}]", o.name),
            OptKind::Int => {
                if o.flags & REQ_OPT == 0 {
                    shortopt = true;
                }
                if req {
                    format!("<{}>", o.name)
                } else {
                    format!("[--{} <number>]", o.name)
                }
            }
            OptKind::String => {
                if o.flags & REQ_OPT == 0 {
                    shortopt = true;
                }
                format!("[--{} <string>]", o.name)
            }
            OptKind::Data => {
                if o.flags & REQ_OPT == 0 {
                    shortopt = true;
                }
                if req {
                    format!("<{}>", o.name)
                } else {
                    format!("[<{}>]", o.name)
                }
            }
            OptKind::Argv => match (shortopt, req) {
                (true, true) => format!("{{[--{}] <string>}}...", o.name),
                (true, false) => format!("[[--{}] <string>]...", o.name),
                (false, true) => format!("<{}>...", o.name),
                (false, false) => format!("[<{}>]...", o.name),
            },
            OptKind::Alias(_) => continue,
        };
        s.push(' ');
        s.push_str(&text);
    }
    s.push('\n');
    if !def.desc.is_empty() {
        s.push_str(&format!("\n  DESCRIPTION\n    {}\n", def.desc));
    }
    if !def.opts.is_empty() {
        s.push_str("\n  OPTIONS\n");
        for o in def.opts {
            let req = o.flags & REQ != 0;
            let first = match o.kind {
                OptKind::Bool => format!("--{}", o.name),
                OptKind::Int if req => format!("[--{}] <number>", o.name),
                OptKind::Int => format!("--{} <number>", o.name),
                OptKind::String => format!("--{} <string>", o.name),
                OptKind::Data => format!("[--{}] <string>", o.name),
                OptKind::Argv if shortopt => format!("[--{}] <string>", o.name),
                OptKind::Argv => format!("<{}>", o.name),
                OptKind::Alias(_) => continue,
            };
            s.push_str(&format!("    {:<15}  {}\n", first, o.help));
        }
    }
    s.push('\n');
    s
}

/// `-h` / `--help`.
pub fn usage(groups: &[Group]) -> String {
    let mut s = format!(
        "\n{p} [options]... [<command_string>]\n{p} [options]... <command> [args...]\n\n",
        p = PROGNAME
    );
    s.push_str(concat!(
        "  options:\n",
        "    -c | --connect=URI      URI of the hypervisor to connect to\n",
        "    -d | --debug=NUM        debug output level, 0 (most) to 4\n",
        "    -e | --escape <char>    console escape character\n",
        "    -h | --help             show this usage text\n",
        "    -k | --keepalive-interval=NUM\n",
        "                            seconds between keepalive probes, 0 turns them off\n",
        "    -K | --keepalive-count=NUM\n",
        "                            unanswered keepalive probes before giving up\n",
        "    -l | --log=FILE         append a log to FILE\n",
        "    -q | --quiet            print less (no banners, headers or status lines)\n",
        "    -r | --readonly         open the connection read-only\n",
        "    -t | --timing           report how long each command took\n",
        "    -v                      print the version\n",
        "    -V                      print the version and build features\n",
        "         --version[=TYPE]   print the version; TYPE is short (default) or long\n",
        "  commands (non interactive mode):\n\n",
    ));
    for g in groups {
        s.push_str(&format!(" {} (help keyword '{}')\n", g.name, g.keyword));
        for c in g.cmds.iter().filter(|c| listed(c)) {
            s.push_str(&command_line(c));
        }
        s.push('\n');
    }
    s.push_str("\n  (specify help <group> for details about the commands in the group)\n");
    s.push_str("\n  (specify help <command> for details about the command)\n\n");
    s
}

/// `-V` / `--version=long`.
pub fn long_version() -> String {
    format!(
        concat!(
            "Virsh command line tool of libvirt {v}\n",
            "See web site at https://libvirt.org/\n\n",
            "Compiled with support for:\n",
            " Hypervisors: QEMU/KVM LXC LibXL OpenVZ VMware VirtualBox ESX Test\n",
            " Networking: Remote Network Bridging Interface udev Nwfilter\n",
            " Storage: Dir Disk Filesystem SCSI Multipath iSCSI iSCSI-direct LVM RBD Gluster ZFS\n",
            " Miscellaneous: Daemon Nodedev AppArmor SELinux Secrets Debug DTrace Readline\n",
        ),
        v = VERSION
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::defs::*;

    fn nop(_: &mut crate::ctl::Ctl, _: &crate::cli::parser::Cmd) -> bool {
        true
    }

    static OPTS: &[OptDef] = &[
        opt_data("domain", REQ, "the domain"),
        opt_alias("kilobytes", "size"),
        opt_int("size", REQ, "new size"),
        opt_bool("config", "persistent"),
        opt_argv("words", 0, "text"),
    ];

    #[test]
    fn command_layout() {
        let c = cmd("setx", OPTS, nop, "set x", "Sets x.");
        assert_eq!(
            command(&c),
            concat!(
                "  NAME\n    setx - set x\n\n",
                "  SYNOPSIS\n    setx <domain> <size> [--config] [[--words] <string>]...\n\n",
                "  DESCRIPTION\n    Sets x.\n\n",
                "  OPTIONS\n",
                "    [--domain] <string>  the domain\n",
                "    [--size] <number>  new size\n",
                "    --config         persistent\n",
                "    [--words] <string>  text\n\n",
            )
        );
        let q = cmd("quit", &[], nop, "leave", "");
        assert_eq!(
            command(&q),
            "  NAME\n    quit - leave\n\n  SYNOPSIS\n    quit\n\n"
        );
    }
}
