//! Virtual networks. Unlike domain messages, network messages do not quote names.

use super::{conn, dump_xml, read_file, strcasecmp, xpath_opt};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::lookup::{self, BY_NAME, BY_UUID};
use crate::table::{Charset, Table};
use rvirt::flags::list_networks as nf;
use rvirt::ErrorCode;

const NETWORK_OPT: OptDef = opt_data("network", REQ, "network name or UUID");
const FILE_OPT: OptDef = opt_data("file", REQ, "file with the network's XML description");
const VALIDATE_OPT: OptDef = opt_bool("validate", "check the XML against the schema first");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "net-autostart",
        &[
            NETWORK_OPT,
            opt_bool("disable", "turn autostart off instead"),
        ],
        cmd_autostart,
        "start a network together with the host",
        "Marks a network to be started automatically when the host starts.",
    ),
    cmd(
        "net-create",
        &[FILE_OPT, VALIDATE_OPT],
        cmd_create,
        "start a transient network from an XML file",
        "Creates and starts a network described by an XML file.",
    ),
    cmd(
        "net-define",
        &[FILE_OPT, VALIDATE_OPT],
        cmd_define,
        "define a network from an XML file without starting it",
        "Defines (or updates) a persistent network from an XML file.",
    ),
    cmd(
        "net-destroy",
        &[NETWORK_OPT],
        cmd_destroy,
        "stop a network",
        "Stops an active network.",
    ),
    cmd(
        "net-dumpxml",
        &[
            NETWORK_OPT,
            opt_bool("inactive", "show the persistent configuration"),
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a network's XML",
        "Prints the XML description of a network.",
    ),
    cmd(
        "net-edit",
        &[NETWORK_OPT],
        cmd_edit,
        "change a network's XML in an editor",
        "Opens a network's configuration in $VISUAL or $EDITOR and defines the result.",
    ),
    cmd(
        "net-info",
        &[NETWORK_OPT],
        cmd_info,
        "show basic facts about a network",
        "Prints the name, UUID, state and bridge of a network.",
    ),
    cmd(
        "net-list",
        &[
            opt_bool("inactive", "only inactive networks"),
            opt_bool("all", "active and inactive networks"),
            opt_bool("persistent", "only persistent networks"),
            opt_bool("transient", "only transient networks"),
            opt_bool("autostart", "only networks started with the host"),
            opt_bool("no-autostart", "only networks not started with the host"),
            opt_bool("uuid", "print UUIDs instead of a table"),
            opt_bool("name", "print names instead of a table"),
            opt_bool("table", "print a table (the default)"),
        ],
        cmd_list,
        "list networks",
        "Lists the networks of the connection, active ones by default.",
    ),
    cmd(
        "net-name",
        &[opt_data("network", REQ, "network UUID")],
        cmd_name,
        "print the name of a network",
        "",
    ),
    cmd(
        "net-start",
        &[NETWORK_OPT],
        cmd_start,
        "start a defined network",
        "Starts an inactive, defined network.",
    ),
    cmd(
        "net-undefine",
        &[NETWORK_OPT],
        cmd_undefine,
        "remove a network's persistent configuration",
        "Undefines an inactive network, or makes an active one transient.",
    ),
    cmd(
        "net-update",
        &[
            NETWORK_OPT,
            opt_data(
                "command",
                REQ,
                "add-first, add-last (or add), delete or modify",
            ),
            opt_data("section", REQ, "which part of the network to change"),
            opt_data(
                "xml",
                REQ,
                "the XML element itself (starting with '<'), or a file holding it",
            ),
            opt_int("parent-index", 0, "which parent element to change"),
            opt_bool("config", "change the persistent configuration"),
            opt_bool("live", "change the running network"),
            opt_bool(
                "current",
                "change the running network if active, else the configuration",
            ),
        ],
        cmd_update,
        "change part of a network's configuration",
        "",
    ),
    cmd(
        "net-uuid",
        &[opt_data("network", REQ, "network name")],
        cmd_uuid,
        "print the UUID of a network",
        "",
    ),
];

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let opt_name = cmd.flag("name");
    let opt_table = cmd.flag("table");
    let opt_uuid = cmd.flag("uuid");
    let mut flags = nf::ACTIVE;
    if cmd.flag("inactive") {
        flags = nf::INACTIVE;
    }
    if cmd.flag("all") {
        flags = nf::ACTIVE | nf::INACTIVE;
    }
    for (n, bit) in [
        ("persistent", nf::PERSISTENT),
        ("transient", nf::TRANSIENT),
        ("autostart", nf::AUTOSTART),
        ("no-autostart", nf::NO_AUTOSTART),
    ] {
        if cmd.flag(n) {
            flags |= bit;
        }
    }
    if u8::from(opt_table) + u8::from(opt_name) + u8::from(opt_uuid) > 1 {
        ctl.error("Only one argument from --table, --name and --uuid may be specified.");
        return false;
    }
    let table_mode = opt_table || (!opt_uuid && !opt_name);
    let mut list = match c.list_all_networks(flags) {
        Ok(l) => l,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list networks");
            return false;
        }
    };
    list.sort_by(|a, b| strcasecmp(a.name(), b.name()));
    if !table_mode {
        let mut out = String::new();
        for n in &list {
            if opt_uuid {
                out.push_str(&n.uuid_string());
            } else {
                out.push_str(n.name());
            }
            out.push('\n');
        }
        ctl.print(&out);
        return true;
    }
    let mut table = Table::new(&["Name", "State", "Autostart", "Persistent"]);
    for n in &list {
        let autostart = match n.autostart() {
            Ok(true) => "yes",
            Ok(false) => "no",
            Err(e) => {
                ctl.set_error(e);
                "no autostart"
            }
        };
        // Errors count as true here, as in virsh.
        let active = !matches!(n.is_active(), Ok(false));
        let persistent = !matches!(n.is_persistent(), Ok(false));
        table.add_row(vec![
            n.name().to_string(),
            if active { "active" } else { "inactive" }.to_string(),
            autostart.to_string(),
            if persistent { "yes" } else { "no" }.to_string(),
        ]);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}

fn line(label: &str, value: &str) -> String {
    format!("{label:<15} {value}\n")
}

fn cmd_info(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((net, _)) = lookup::network(ctl, cmd, BY_UUID | BY_NAME) else {
        return false;
    };
    let mut s = line("Name:", net.name());
    s.push_str(&line("UUID:", &net.uuid_string()));
    match net.is_active() {
        Ok(a) => s.push_str(&line("Active:", if a { "yes" } else { "no" })),
        Err(e) => ctl.set_error(e),
    }
    match net.is_persistent() {
        Ok(p) => s.push_str(&line("Persistent:", if p { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Persistent:", "unknown"));
        }
    }
    match net.autostart() {
        Ok(a) => s.push_str(&line("Autostart:", if a { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Autostart:", "no autostart"));
        }
    }
    match net.bridge_name() {
        Ok(b) => s.push_str(&line("Bridge:", &b)),
        Err(_) => ctl.reset_error(),
    }
    ctl.print(&s);
    true
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((net, _)) = lookup::network(ctl, cmd, BY_UUID | BY_NAME) else {
        return false;
    };
    let f = if cmd.flag("inactive") {
        rvirt::flags::network_xml::INACTIVE
    } else {
        0
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(net.xml_desc(f)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, cmd.flag("wrap"))
}

fn define_or_create(ctl: &mut Ctl, cmd: &Cmd, create: bool) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    // The rvirt API has no flags variant yet, so --validate cannot be passed on.
    let r = if create {
        c.network_create_xml(&xml)
    } else {
        c.network_define_xml(&xml)
    };
    let (ok, fail) = if create {
        ("created", "create")
    } else {
        ("defined", "define")
    };
    match r {
        Ok(n) => {
            ctl.print_extra(&format!("Network {} {ok} from {from}\n", n.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to {fail} network from {from}"));
            false
        }
    }
}

fn cmd_define(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    define_or_create(ctl, cmd, false)
}

fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    define_or_create(ctl, cmd, true)
}

/// A network action with virsh's messages (`{}` is the name as typed).
fn action(
    ctl: &mut Ctl,
    cmd: &Cmd,
    f: &dyn Fn(&rvirt::Network) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some((net, name)) = lookup::network(ctl, cmd, BY_UUID | BY_NAME) else {
        return false;
    };
    match f(&net) {
        Ok(()) => {
            ctl.print_extra(&ok.replace("{}", &name));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&fail.replace("{}", &name));
            false
        }
    }
}

fn cmd_start(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|n| n.create(),
        "Network {} started\n",
        "Failed to start network {}",
    )
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|n| n.destroy(),
        "Network {} destroyed\n",
        "Failed to destroy network {}",
    )
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|n| n.undefine(),
        "Network {} has been undefined\n",
        "Failed to undefine network {}",
    )
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    if cmd.flag("disable") {
        action(
            ctl,
            cmd,
            &|n| n.set_autostart(false),
            "Network {} unmarked as autostarted\n",
            "failed to unmark network {} as autostarted",
        )
    } else {
        action(
            ctl,
            cmd,
            &|n| n.set_autostart(true),
            "Network {} marked as autostarted\n",
            "failed to mark network {} as autostarted",
        )
    }
}

fn cmd_name(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((net, _)) = lookup::network(ctl, cmd, BY_UUID) else {
        return false;
    };
    ctl.print(&format!("{}\n", net.name()));
    true
}

fn cmd_uuid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((net, _)) = lookup::network(ctl, cmd, BY_NAME) else {
        return false;
    };
    ctl.print(&format!("{}\n", net.uuid_string()));
    true
}

fn cmd_edit(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((net, _)) = lookup::network(ctl, cmd, BY_UUID | BY_NAME) else {
        return false;
    };
    let n = net.clone();
    let outcome = editor::edit_loop(
        ctl,
        &mut |ctl: &mut Ctl| {
            // Ask for the persistent definition; drivers that refuse the flag get asked
            // for the plain XML.
            match n.xml_desc(rvirt::flags::network_xml::INACTIVE) {
                Ok(x) => Some(x),
                Err(e) if e.code == ErrorCode::INVALID_ARG => {
                    ctl.reset_error();
                    ctl.check(n.xml_desc(0))
                }
                Err(e) => {
                    ctl.set_error(e);
                    None
                }
            }
        },
        &mut |ctl: &mut Ctl, xml: &str, _| ctl.check(c.network_define_xml(xml)),
        false,
    );
    match outcome {
        EditOutcome::NotChanged => {
            ctl.print_extra(&format!(
                "Network {} XML configuration not changed.\n",
                net.name()
            ));
            true
        }
        EditOutcome::Edited(nn) => {
            let name = nn.map(|n| n.name().to_string());
            ctl.print_extra(&format!(
                "Network {} XML configuration edited.\n",
                name.as_deref().unwrap_or("(null)")
            ));
            true
        }
        EditOutcome::Failed => false,
    }
}

/// `net-update`: one change to a section of a network's definition.
fn cmd_update(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    if !super::exclusive_opts(ctl, cmd, "current", "live")
        || !super::exclusive_opts(ctl, cmd, "current", "config")
    {
        return false;
    }
    let Some((net, _)) = lookup::network(ctl, cmd, BY_UUID | BY_NAME) else {
        return false;
    };
    let ok = update_network(ctl, cmd, &net);
    // virsh reports the library error before leaving the command.
    ctl.report_error();
    ok
}

fn update_network(ctl: &mut Ctl, cmd: &Cmd, net: &rvirt::Network) -> bool {
    use rvirt_xml::network_update::{command, COMMAND_NAMES, SECTION_NAMES};
    let Ok(command_s) = cmd.string_req(ctl, "command") else {
        return false;
    };
    let command = if command_s == "add" {
        command::ADD_LAST
    } else {
        match COMMAND_NAMES.iter().position(|c| *c == command_s) {
            Some(i) if i > 0 => i as u32,
            _ => {
                ctl.error(&format!("unrecognized command name '{command_s}'"));
                return false;
            }
        }
    };
    let Ok(section_s) = cmd.string_req(ctl, "section") else {
        return false;
    };
    let section = match SECTION_NAMES.iter().position(|c| *c == section_s) {
        Some(i) if i > 0 => i as u32,
        _ => {
            ctl.error(&format!("unrecognized section name '{section_s}'"));
            return false;
        }
    };
    let parent_index = match cmd.raw("parent-index") {
        None => -1,
        Some(v) => match crate::cli::values::parse_c_long(v).and_then(|n| i32::try_from(n).ok()) {
            Some(n) => n,
            None => {
                ctl.error(&format!(
                    "Numeric value '{v}' for <parent-index> option is malformed or out of range"
                ));
                return false;
            }
        },
    };
    let Ok(xml_arg) = cmd.string_req(ctl, "xml") else {
        return false;
    };
    let xml = if xml_arg.starts_with('<') {
        xml_arg.to_string()
    } else {
        match read_file(ctl, xml_arg) {
            Some(x) => x,
            None => return false,
        }
    };
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let mut flags = 0;
    if config {
        flags |= 2;
    }
    if live {
        flags |= 1;
    }
    if let Err(e) = net.update(command, section, parent_index, &xml, flags) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to update network {}", net.name()));
        return false;
    }
    let affected = if config && live {
        "persistent config and live state"
    } else if config {
        "persistent config"
    } else if live || !matches!(net.is_active(), Ok(false)) {
        "live state"
    } else {
        "persistent config"
    };
    ctl.print_extra(&format!("Updated network {} {affected}", net.name()));
    true
}
