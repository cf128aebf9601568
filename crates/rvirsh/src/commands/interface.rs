//! Host network interfaces. Interface messages do not quote names.

use super::{conn, dump_xml, read_file, strcasecmp, xpath_opt};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::table::{Charset, Table};
use rvirt::flags::list_interfaces as lf;
use rvirt::Interface;
use rvirt_xml::host_interface::{InterfaceDef, InterfaceKind, InterfaceType};

/// `VIR_INTERFACE_XML_INACTIVE`.
const XML_INACTIVE: u32 = 1;
/// `VIR_INTERFACE_DEFINE_VALIDATE`.
const DEFINE_VALIDATE: u32 = 1;

const IFACE_OPT: OptDef = opt_data("interface", REQ, "interface name or MAC address");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "iface-begin",
        &[],
        cmd_begin,
        "save the current interface settings for a later commit or rollback",
        "Starts an interface change transaction.",
    ),
    cmd(
        "iface-bridge",
        &[
            opt_data(
                "interface",
                REQ,
                "name of the interface to put under the bridge",
            ),
            opt_data("bridge", REQ, "name of the new bridge"),
            opt_bool("no-stp", "turn spanning tree off"),
            opt_int("delay", 0, "forwarding delay of new ports, in seconds"),
            opt_bool("no-start", "leave the bridge stopped"),
        ],
        cmd_bridge,
        "create a bridge holding an existing interface",
        "Defines a bridge with an existing interface in it.",
    ),
    cmd(
        "iface-commit",
        &[],
        cmd_commit,
        "keep the changes made since iface-begin",
        "Ends an interface change transaction, keeping the changes.",
    ),
    cmd(
        "iface-define",
        &[
            opt_data("file", REQ, "file with the interface's XML description"),
            opt_bool("validate", "check the XML against the schema first"),
        ],
        cmd_define,
        "define a host interface from an XML file, or change an existing one",
        "Defines (or updates) a persistent host interface.",
    ),
    cmd(
        "iface-destroy",
        &[IFACE_OPT],
        cmd_destroy,
        "bring a host interface down",
        "Stops a host interface.",
    ),
    cmd(
        "iface-dumpxml",
        &[
            IFACE_OPT,
            opt_bool("inactive", "show the persistent configuration"),
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a host interface's XML",
        "Prints the XML description of a host interface.",
    ),
    cmd(
        "iface-edit",
        &[IFACE_OPT],
        cmd_edit,
        "change a host interface's XML in an editor",
        "Opens an interface's configuration in $VISUAL or $EDITOR and defines the result.",
    ),
    cmd(
        "iface-list",
        &[
            opt_bool("inactive", "only inactive interfaces"),
            opt_bool("all", "active and inactive interfaces"),
        ],
        cmd_list,
        "list host interfaces",
        "Lists the host interfaces, active ones by default.",
    ),
    cmd(
        "iface-mac",
        &[opt_data("interface", REQ, "interface name")],
        cmd_mac,
        "print the MAC address of an interface",
        "",
    ),
    cmd(
        "iface-name",
        &[opt_data("interface", REQ, "interface MAC address")],
        cmd_name,
        "print the name of the interface with a MAC address",
        "",
    ),
    cmd(
        "iface-rollback",
        &[],
        cmd_rollback,
        "go back to the interface settings saved by iface-begin",
        "Ends an interface change transaction, undoing the changes.",
    ),
    cmd(
        "iface-start",
        &[IFACE_OPT],
        cmd_start,
        "bring a host interface up",
        "Starts a host interface.",
    ),
    cmd(
        "iface-unbridge",
        &[
            opt_data("bridge", REQ, "name of the bridge"),
            opt_bool("no-start", "leave the released interface stopped"),
        ],
        cmd_unbridge,
        "undefine a bridge, keeping the interface it held",
        "Replaces a bridge by the one interface it holds.",
    ),
    cmd(
        "iface-undefine",
        &[IFACE_OPT],
        cmd_undefine,
        "remove a host interface's configuration",
        "Undefines a host interface.",
    ),
];

/// `VIR_INTERFACE_XML_INACTIVE` for the definition a bridge is made from.
fn inactive_def(ctl: &mut Ctl, i: &Interface, name: &str) -> Option<InterfaceDef> {
    let xml = ctl.check(i.xml_desc(XML_INACTIVE))?;
    match InterfaceDef::parse(&xml) {
        Ok(d) => Some(d),
        Err(_) => {
            ctl.error(&format!("Failed to parse configuration of {name}"));
            None
        }
    }
}

/// Defines `def` and, unless told not to, starts it; `made` and `started` are the
/// messages of the two steps.
fn define_and_start(
    ctl: &mut Ctl,
    def: &InterfaceDef,
    start: bool,
    made: &str,
    define_fail: &str,
    started: &str,
    start_fail: &str,
) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some(new) = ctl.check(c.interface_define_xml(&def.format(), 0)) else {
        ctl.error(define_fail);
        return false;
    };
    ctl.print_extra(made);
    if start {
        if let Err(e) = new.create(0) {
            ctl.set_error(e);
            ctl.error(start_fail);
            return false;
        }
        ctl.print_extra(started);
    }
    true
}

/// `iface-bridge`: the interface's MAC, bond or VLAN settings move into an enslaved copy
/// under a new bridge that keeps its name's start mode, MTU and addressing.
fn cmd_bridge(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((iface, if_name)) = lookup(ctl, cmd, "interface", BY_NAME) else {
        return false;
    };
    let Ok(br_name) = cmd.string_req(ctl, "bridge") else {
        return false;
    };
    let br_name = br_name.to_string();
    match c.interface_lookup_by_name(&br_name) {
        Ok(_) => {
            ctl.error(&format!("Network device {br_name} already exists"));
            return false;
        }
        // virsh leaves the lookup's error set.
        Err(e) => ctl.set_error(e),
    }
    let stp = !cmd.flag("no-stp");
    let Ok(delay) = cmd.uint(ctl, "delay") else {
        return false;
    };
    let Some(def) = inactive_def(ctl, &iface, &if_name) else {
        return false;
    };
    if def.interface_type() == InterfaceType::Bridge {
        ctl.error(&format!("Existing device {if_name} is already a bridge"));
        return false;
    }
    if def.name != if_name {
        ctl.error(&format!(
            "Interface name from config {} doesn't match given supplied name {if_name}",
            def.name
        ));
        return false;
    }
    let bridge = bridged(def, &br_name, stp, delay.unwrap_or(0));
    define_and_start(
        ctl,
        &bridge,
        !cmd.flag("no-start"),
        &format!("Created bridge {br_name} with attached device {if_name}\n"),
        &format!("Failed to define new bridge interface {br_name}"),
        &format!("Bridge interface {br_name} started\n"),
        &format!("Failed to start bridge interface {br_name}"),
    )
}

/// `iface-unbridge`: the bridge is replaced by the one interface it holds, which takes
/// the bridge's start mode, MTU and addressing.
fn cmd_unbridge(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((br, n)) = lookup(ctl, cmd, "bridge", BY_NAME) else {
        return false;
    };
    let Some(def) = inactive_def(ctl, &br, &n) else {
        return false;
    };
    if !matches!(def.kind, InterfaceKind::Bridge { .. }) {
        ctl.error(&format!("Device {n} is not a bridge"));
        return false;
    }
    if def.name != n {
        ctl.error(&format!(
            "Interface name from config {} doesn't match given supplied name {n}",
            def.name
        ));
        return false;
    }
    let freed = match unbridged(def) {
        Ok(d) => d,
        Err(msg) => {
            ctl.error(msg);
            return false;
        }
    };
    let if_name = freed.name.clone();
    if let Err(e) = br.destroy(0) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to destroy bridge interface {n}"));
        return false;
    }
    if let Err(e) = br.undefine() {
        ctl.set_error(e);
        ctl.error(&format!("Failed to undefine bridge interface {n}"));
        return false;
    }
    define_and_start(
        ctl,
        &freed,
        !cmd.flag("no-start"),
        &format!("Device {if_name} un-attached from bridge {n}\n"),
        &format!("Failed to define new interface {if_name}"),
        &format!("Interface {if_name} started\n"),
        &format!("Failed to start interface {if_name}"),
    )
}

/// The definition `iface-bridge` makes: a bridge named `br_name` that keeps the start mode,
/// MTU, addressing and link of `def`, holding a copy of `def` with only its name, type and
/// MAC, bond or VLAN settings.
fn bridged(def: InterfaceDef, br_name: &str, stp: bool, delay: u32) -> InterfaceDef {
    let slave = InterfaceDef {
        name: def.name.clone(),
        start_mode: None,
        mtu: 0,
        protocols: Vec::new(),
        link: Default::default(),
        kind: def.kind.clone(),
    };
    InterfaceDef {
        name: br_name.to_string(),
        kind: InterfaceKind::Bridge {
            stp: Some(stp),
            delay: stp.then(|| delay.to_string()),
            interfaces: vec![slave],
        },
        ..def
    }
}

/// The definition `iface-unbridge` makes from a bridge: its one interface, with the
/// bridge's start mode, MTU, addressing and link.
fn unbridged(def: InterfaceDef) -> Result<InterfaceDef, &'static str> {
    let InterfaceKind::Bridge { interfaces, .. } = &def.kind else {
        return Err("No bridge node in xml document");
    };
    let slave = match interfaces.as_slice() {
        [one] => one.clone(),
        [] => return Err("No interface attached to bridge"),
        _ => return Err("Multiple interfaces attached to bridge"),
    };
    Ok(InterfaceDef {
        name: slave.name,
        kind: slave.kind,
        ..def
    })
}

/// Which ways of naming an interface a command accepts.
const BY_NAME: u8 = 1;
const BY_MAC: u8 = 2;

/// The interface named by option `opt`, and the text as typed. Text that reads as a MAC
/// address is looked up as one, anything else as a name; a kind the command does not
/// accept is not looked up at all.
fn lookup(ctl: &mut Ctl, cmd: &Cmd, opt: &str, by: u8) -> Option<(Interface, String)> {
    let c = conn(ctl)?;
    let n = cmd.string(ctl, opt).ok()??.to_string();
    let cn = cmd.def.name;
    ctl.debug(1, &format!("{cn}: found option <{opt}>: {n}\n"));
    let is_mac = rvirt_xml::mac::MacAddr::parse(&n).is_some();
    let found = if !is_mac && by & BY_NAME != 0 {
        ctl.debug(0, &format!("{cn}: <{opt}> trying as interface NAME\n"));
        ctl.check(c.interface_lookup_by_name(&n))
    } else if is_mac && by & BY_MAC != 0 {
        ctl.debug(0, &format!("{cn}: <{opt}> trying as interface MAC\n"));
        ctl.check(c.interface_lookup_by_mac_string(&n))
    } else {
        None
    };
    if found.is_none() {
        ctl.error(&format!("failed to get interface '{n}'"));
    }
    Some((found?, n))
}

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let mut flags = lf::ACTIVE;
    if cmd.flag("inactive") {
        flags = lf::INACTIVE;
    }
    if cmd.flag("all") {
        flags = lf::ACTIVE | lf::INACTIVE;
    }
    let mut list = match c.list_all_interfaces(flags) {
        Ok(l) => l,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list interfaces");
            return false;
        }
    };
    list.sort_by(|a, b| strcasecmp(a.name(), b.name()));
    let mut table = Table::new(&["Name", "State", "MAC Address"]);
    for i in &list {
        // An error reads as "active", as in virsh.
        let active = !matches!(i.is_active(), Ok(false));
        table.add_row(vec![
            i.name().to_string(),
            if active { "active" } else { "inactive" }.to_string(),
            i.mac().to_string(),
        ]);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}

fn cmd_name(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((i, _)) = lookup(ctl, cmd, "interface", BY_MAC) else {
        return false;
    };
    ctl.print(&format!("{}\n", i.name()));
    true
}

fn cmd_mac(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((i, _)) = lookup(ctl, cmd, "interface", BY_NAME) else {
        return false;
    };
    ctl.print(&format!("{}\n", i.mac()));
    true
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((i, _)) = lookup(ctl, cmd, "interface", BY_NAME | BY_MAC) else {
        return false;
    };
    let flags = if cmd.flag("inactive") {
        XML_INACTIVE
    } else {
        0
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(i.xml_desc(flags)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, cmd.flag("wrap"))
}

fn cmd_define(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let flags = if cmd.flag("validate") {
        DEFINE_VALIDATE
    } else {
        0
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match c.interface_define_xml(&xml, flags) {
        Ok(i) => {
            ctl.print_extra(&format!("Interface {} defined from {from}\n", i.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to define interface from {from}"));
            false
        }
    }
}

/// An interface action with virsh's messages (`{}` is the name as typed).
fn action(
    ctl: &mut Ctl,
    cmd: &Cmd,
    f: &dyn Fn(&Interface) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some((i, name)) = lookup(ctl, cmd, "interface", BY_NAME | BY_MAC) else {
        return false;
    };
    match f(&i) {
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

fn cmd_undefine(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|i| i.undefine(),
        "Interface {} undefined\n",
        "Failed to undefine interface {}",
    )
}

fn cmd_start(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|i| i.create(0),
        "Interface {} started\n",
        "Failed to start interface {}",
    )
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|i| i.destroy(0),
        "Interface {} destroyed\n",
        "Failed to destroy interface {}",
    )
}

/// A transaction step with virsh's messages.
fn transaction(
    ctl: &mut Ctl,
    f: &dyn Fn(&rvirt::Connect) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match f(&c) {
        Ok(()) => {
            ctl.print_extra(&format!("Network config change transaction {ok}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to {fail} network config change transaction"
            ));
            false
        }
    }
}

fn cmd_begin(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    transaction(ctl, &|c| c.interface_change_begin(0), "started", "begin")
}

fn cmd_commit(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    transaction(
        ctl,
        &|c| c.interface_change_commit(0),
        "committed",
        "commit",
    )
}

fn cmd_rollback(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    transaction(
        ctl,
        &|c| c.interface_change_rollback(0),
        "rolled back",
        "rollback",
    )
}

fn cmd_edit(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((iface, _)) = lookup(ctl, cmd, "interface", BY_NAME | BY_MAC) else {
        return false;
    };
    let i = iface.clone();
    let outcome = editor::edit_loop(
        ctl,
        &mut |ctl: &mut Ctl| ctl.check(i.xml_desc(XML_INACTIVE)),
        &mut |ctl: &mut Ctl, xml: &str, _| ctl.check(c.interface_define_xml(xml, 0)),
        false,
    );
    match outcome {
        EditOutcome::NotChanged => {
            ctl.print_extra(&format!(
                "Interface {} XML configuration not changed.\n",
                iface.name()
            ));
            true
        }
        EditOutcome::Edited(ni) => {
            let name = ni.map(|n| n.name().to_string());
            ctl.print_extra(&format!(
                "Interface {} XML configuration edited.\n",
                name.as_deref().unwrap_or("(null)")
            ));
            true
        }
        EditOutcome::Failed => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> InterfaceDef {
        InterfaceDef::parse(xml).unwrap_or_else(|e| panic!("{e}"))
    }

    const ETH1: &str = "<interface type='ethernet' name='eth1'><start mode='onboot'/>\
        <mac address='aa:bb:cc:dd:ee:ff'/><mtu size='1492'/><protocol family='ipv4'>\
        <ip address='192.168.0.5' prefix='24'/><route gateway='192.168.0.1'/></protocol>\
        </interface>";

    /// What libvirt 9.0 prints for the bridge virsh makes of the default `eth1`.
    const BR0: &str = "<interface type='bridge' name='br0'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <bridge stp='on' delay='0'>
    <interface type='ethernet' name='eth1'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
    </interface>
  </bridge>
</interface>
";

    #[test]
    fn bridging_moves_the_mac_down() {
        assert_eq!(bridged(parse(ETH1), "br0", true, 0).format(), BR0);
        let vlan = parse(
            "<interface type='vlan' name='eth0.42'><start mode='none'/>\
             <vlan tag='42'><interface name='eth0'/></vlan></interface>",
        );
        assert_eq!(
            bridged(vlan, "br1", false, 7).format(),
            "<interface type='bridge' name='br1'>
  <start mode='none'/>
  <bridge stp='off'>
    <interface type='vlan' name='eth0.42'>
      <vlan tag='42'>
        <interface name='eth0'/>
      </vlan>
    </interface>
  </bridge>
</interface>
"
        );
    }

    #[test]
    fn unbridging_restores_the_interface() {
        let back = unbridged(parse(BR0)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.format(), parse(ETH1).format());
        let e = unbridged(parse(ETH1)).err();
        assert_eq!(e, Some("No bridge node in xml document"));
    }
}
