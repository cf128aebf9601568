//! Storage pools. Pool messages do not quote names.

use super::{
    conn, dump_xml, exclusive, exclusive_opts, read_file, strcasecmp, string_to_array, xpath_opt,
};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::lookup::{self, BY_NAME, BY_UUID};
use crate::pretty::{format_capacity, pretty_capacity};
use crate::table::{Charset, Table};
use rvirt::flags::list_pools as pf;
use rvirt::pool_state;
use rvirt::{ErrorCode, StoragePool};

const POOL_OPT: OptDef = opt_data("pool", REQ, "pool name or UUID");
const FILE_OPT: OptDef = opt_data("file", REQ, "file with the pool's XML description");
const BUILD_OPTS: [OptDef; 3] = [
    opt_bool("build", "build the pool first"),
    opt_bool("no-overwrite", "build only if that destroys no data"),
    opt_bool("overwrite", "build even if existing data is overwritten"),
];

/// The options pool-define-as and pool-create-as share, in virsh's order: the name and
/// type, then the pieces of the `<source>` and `<target>` elements; `$extra` follow.
macro_rules! x_as_opts {
    ($($extra:expr),*) => {
        [
        opt_data("name", REQ, "name of the new pool"),
        opt_bool("print-xml", "print the pool XML instead of making the pool"),
        opt_data("type", REQ, "pool type, e.g. dir, fs, netfs, logical"),
        opt_string("source-host", 0, "host of the underlying storage"),
        opt_string("source-path", 0, "directory path of the underlying storage"),
        opt_string("source-dev", 0, "device of the underlying storage"),
        opt_string("source-name", 0, "name of the underlying storage"),
        opt_string("target", 0, "target path of the pool"),
        opt_string("source-format", 0, "format of the underlying storage"),
        opt_string("auth-type", 0, "authentication type for the storage"),
        opt_string("auth-username", 0, "user name to authenticate as"),
        opt_string("secret-usage", 0, "usage of the secret holding the password"),
        opt_string("secret-uuid", 0, "UUID of the secret holding the password"),
        opt_string("adapter-name", 0, "SCSI host adapter name"),
        opt_string("adapter-wwnn", 0, "fibre channel adapter WWNN"),
        opt_string("adapter-wwpn", 0, "fibre channel adapter WWPN"),
        opt_string("adapter-parent", 0, "parent scsi_hostN of a vHBA adapter"),
        opt_string("adapter-parent-wwnn", 0, "WWNN of a vHBA adapter's parent"),
        opt_string("adapter-parent-wwpn", 0, "WWPN of a vHBA adapter's parent"),
        opt_string(
            "adapter-parent-fabric-wwn",
            0,
            "fabric WWN of a vHBA adapter's parent",
        ),
        opt_string("source-protocol-ver", 0, "NFS protocol version to mount with"),
        opt_string("source-initiator", 0, "iSCSI initiator IQN"),
            $($extra,)*
        ]
    };
}

static DEFINE_AS_OPTS: [OptDef; 22] = x_as_opts!();
static CREATE_AS_OPTS: [OptDef; 25] = x_as_opts!(BUILD_OPTS[0], BUILD_OPTS[1], BUILD_OPTS[2]);

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "find-storage-pool-sources-as",
        &[
            opt_data("type", REQ, "pool type to look for"),
            opt_string("host", 0, "host to ask"),
            opt_string("port", 0, "port to ask on"),
            opt_string("initiator", 0, "initiator IQN to ask with"),
        ],
        cmd_find_sources_as,
        "find storage pool sources of a type, given a host",
        "Prints a <sources> XML document.",
    ),
    cmd(
        "find-storage-pool-sources",
        &[
            opt_data("type", REQ, "pool type to look for"),
            opt_string(
                "srcSpec",
                0,
                "file with a <source> element to narrow the search",
            ),
        ],
        cmd_find_sources,
        "find storage pool sources of a type",
        "Prints a <sources> XML document.",
    ),
    cmd(
        "pool-autostart",
        &[POOL_OPT, opt_bool("disable", "turn autostart off instead")],
        cmd_autostart,
        "start a pool together with the host",
        "Marks a pool to be started automatically when the host starts.",
    ),
    cmd(
        "pool-build",
        &[POOL_OPT, BUILD_OPTS[1], BUILD_OPTS[2]],
        cmd_build,
        "build a pool's storage",
        "Makes the storage a pool needs (a directory, a filesystem, a label).",
    ),
    cmd(
        "pool-capabilities",
        &[],
        cmd_capabilities,
        "show which pool types the host supports",
        "Prints, as XML, every storage pool type, whether it is supported, and the \
         source and volume formats each takes.",
    ),
    cmd(
        "pool-create-as",
        &CREATE_AS_OPTS,
        cmd_create_as,
        "start a transient pool described by options",
        "Creates and starts a pool from command-line arguments.",
    ),
    cmd(
        "pool-create",
        &[FILE_OPT, BUILD_OPTS[0], BUILD_OPTS[1], BUILD_OPTS[2]],
        cmd_create,
        "start a transient pool from an XML file",
        "Creates and starts a pool described by an XML file.",
    ),
    cmd(
        "pool-define-as",
        &DEFINE_AS_OPTS,
        cmd_define_as,
        "define a pool described by options",
        "Defines a persistent pool from command-line arguments without starting it.",
    ),
    cmd(
        "pool-define",
        &[
            FILE_OPT,
            opt_bool("validate", "check the XML against the schema first"),
        ],
        cmd_define,
        "define a pool from an XML file without starting it",
        "Defines (or updates) a persistent pool from an XML file.",
    ),
    cmd(
        "pool-delete",
        &[POOL_OPT],
        cmd_delete,
        "delete a pool's storage",
        "Removes what building the pool made; the pool stays defined.",
    ),
    cmd(
        "pool-destroy",
        &[POOL_OPT],
        cmd_destroy,
        "stop a pool",
        "Stops an active pool; its data is kept.",
    ),
    cmd(
        "pool-dumpxml",
        &[
            POOL_OPT,
            opt_bool("inactive", "show the persistent configuration"),
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a pool's XML",
        "Prints the XML description of a pool.",
    ),
    cmd(
        "pool-edit",
        &[POOL_OPT],
        cmd_edit,
        "change a pool's XML in an editor",
        "Opens a pool's configuration in $VISUAL or $EDITOR and defines the result.",
    ),
    cmd(
        "pool-info",
        &[POOL_OPT, opt_bool("bytes", "print sizes in bytes")],
        cmd_info,
        "show basic facts about a pool",
        "Prints the name, UUID, state and sizes of a pool.",
    ),
    cmd(
        "pool-list",
        &[
            opt_bool("inactive", "only inactive pools"),
            opt_bool("all", "active and inactive pools"),
            opt_bool("transient", "only transient pools"),
            opt_bool("persistent", "only persistent pools"),
            opt_bool("autostart", "only pools started with the host"),
            opt_bool("no-autostart", "only pools not started with the host"),
            opt_string("type", 0, "only pools of these comma-separated types"),
            opt_bool("details", "add persistence and size columns"),
            opt_bool("uuid", "print UUIDs instead of a table"),
            opt_bool("name", "print names instead of a table"),
        ],
        cmd_list,
        "list storage pools",
        "Lists the storage pools of the connection, active ones by default.",
    ),
    cmd(
        "pool-name",
        &[opt_data("pool", REQ, "pool UUID")],
        cmd_name,
        "print the name of a pool",
        "",
    ),
    cmd(
        "pool-refresh",
        &[POOL_OPT],
        cmd_refresh,
        "refresh a pool",
        "Reads a pool's volumes and sizes again.",
    ),
    cmd(
        "pool-start",
        &[POOL_OPT, BUILD_OPTS[0], BUILD_OPTS[1], BUILD_OPTS[2]],
        cmd_start,
        "start a defined pool",
        "Starts an inactive, defined pool.",
    ),
    cmd(
        "pool-undefine",
        &[POOL_OPT],
        cmd_undefine,
        "remove a pool's persistent configuration",
        "Undefines an inactive pool.",
    ),
    cmd(
        "pool-uuid",
        &[opt_data("pool", REQ, "pool name")],
        cmd_uuid,
        "print the UUID of a pool",
        "",
    ),
];

fn state_to_string(state: i32) -> &'static str {
    match state {
        pool_state::INACTIVE => "inactive",
        pool_state::BUILDING => "building",
        pool_state::RUNNING => "running",
        pool_state::DEGRADED => "degraded",
        pool_state::INACCESSIBLE => "inaccessible",
        _ => "unknown",
    }
}

/// The list filter bit of a pool type name.
fn type_flag(t: &str) -> Option<u32> {
    Some(match t {
        "dir" => pf::DIR,
        "fs" => pf::FS,
        "netfs" => pf::NETFS,
        "logical" => pf::LOGICAL,
        "disk" => pf::DISK,
        "iscsi" => pf::ISCSI,
        "iscsi-direct" => pf::ISCSI_DIRECT,
        "scsi" => pf::SCSI,
        "mpath" => pf::MPATH,
        "rbd" => pf::RBD,
        "sheepdog" => pf::SHEEPDOG,
        "gluster" => pf::GLUSTER,
        "zfs" => pf::ZFS,
        "vstorage" => pf::VSTORAGE,
        _ => return None,
    })
}

fn has_sizes(state: i32) -> bool {
    state == pool_state::RUNNING || state == pool_state::DEGRADED
}

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let details = cmd.flag("details");
    let uuid = cmd.flag("uuid");
    let name = cmd.flag("name");
    if !exclusive_opts(ctl, cmd, "all", "inactive")
        || !exclusive_opts(ctl, cmd, "details", "uuid")
        || !exclusive_opts(ctl, cmd, "details", "name")
    {
        return false;
    }
    let mut flags = pf::ACTIVE;
    if cmd.flag("inactive") {
        flags = pf::INACTIVE;
    }
    if cmd.flag("all") {
        flags = pf::ACTIVE | pf::INACTIVE;
    }
    for (n, bit) in [
        ("autostart", pf::AUTOSTART),
        ("no-autostart", pf::NO_AUTOSTART),
        ("persistent", pf::PERSISTENT),
        ("transient", pf::TRANSIENT),
    ] {
        if cmd.flag(n) {
            flags |= bit;
        }
    }
    let Ok(types) = cmd.string(ctl, "type") else {
        return false;
    };
    if let Some(types) = types {
        for t in string_to_array(types) {
            match type_flag(&t) {
                Some(bit) => flags |= bit,
                None => {
                    ctl.error(&format!("Invalid pool type '{t}'"));
                    return false;
                }
            }
        }
    }
    let mut list = match c.list_all_storage_pools(flags) {
        Ok(l) => l,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list pools");
            return false;
        }
    };
    list.sort_by(|a, b| strcasecmp(a.name(), b.name()));

    let mut rows = Vec::new();
    for p in &list {
        let autostart = match p.autostart() {
            Ok(true) => "yes",
            Ok(false) => "no",
            Err(e) => {
                ctl.set_error(e);
                "no autostart"
            }
        }
        .to_string();
        let persistent = if details {
            let r = p.is_persistent();
            let flag = r.as_ref().map(|p| i32::from(*p)).unwrap_or(-1);
            ctl.debug(0, &format!("Persistent flag value: {flag}\n"));
            match r {
                Ok(true) => "yes",
                Ok(false) => "no",
                Err(e) => {
                    ctl.set_error(e);
                    "unknown"
                }
            }
            .to_string()
        } else {
            String::new()
        };
        let (state, sizes) = match p.info() {
            Err(e) => {
                ctl.set_error(e);
                ctl.error("Could not retrieve pool information");
                (
                    "unknown".to_string(),
                    ["unknown".to_string(), "unknown".into(), "unknown".into()],
                )
            }
            Ok(info) => {
                if details {
                    let sizes = if has_sizes(info.state) {
                        [
                            format_capacity(info.capacity),
                            format_capacity(info.allocation),
                            format_capacity(info.available),
                        ]
                    } else {
                        ["-".to_string(), "-".into(), "-".into()]
                    };
                    (state_to_string(info.state).to_string(), sizes)
                } else {
                    let active = !matches!(p.is_active(), Ok(false));
                    let s = if active { "active" } else { "inactive" };
                    (s.to_string(), [String::new(), String::new(), String::new()])
                }
            }
        };
        rows.push((p, state, autostart, persistent, sizes));
    }

    if !details && (uuid || name) {
        let mut out = String::new();
        for (p, ..) in &rows {
            if uuid {
                out.push_str(&format!(
                    "{:<36}{}",
                    p.uuid_string(),
                    if name { ' ' } else { '\n' }
                ));
            }
            if name {
                out.push_str(&format!("{:<20}\n", p.name()));
            }
        }
        ctl.print(&out);
        return true;
    }
    let mut table = if details {
        Table::new(&[
            "Name",
            "State",
            "Autostart",
            "Persistent",
            "Capacity",
            "Allocation",
            "Available",
        ])
    } else {
        Table::new(&["Name", "State", "Autostart"])
    };
    for (p, state, autostart, persistent, sizes) in rows {
        let mut row = vec![p.name().to_string(), state, autostart];
        if details {
            row.push(persistent);
            row.extend(sizes);
        }
        table.add_row(row);
    }
    let out = table.render(!ctl.quiet, Charset::from_env());
    ctl.print(&out);
    true
}

fn line(label: &str, value: &str) -> String {
    format!("{label:<15} {value}\n")
}

fn cmd_info(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let bytes = cmd.flag("bytes");
    let mut s = line("Name:", pool.name());
    s.push_str(&line("UUID:", &pool.uuid_string()));
    let info = match pool.info() {
        Ok(i) => i,
        Err(e) => {
            ctl.print(&s);
            ctl.set_error(e);
            return false;
        }
    };
    s.push_str(&line("State:", state_to_string(info.state)));
    let persistent = pool.is_persistent();
    ctl.print(&s);
    s = String::new();
    let flag = persistent.as_ref().map(|p| i32::from(*p)).unwrap_or(-1);
    ctl.debug(0, &format!("Pool persistent flag value: {flag}\n"));
    match persistent {
        Ok(p) => s.push_str(&line("Persistent:", if p { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Persistent:", "unknown"));
        }
    }
    match pool.autostart() {
        Ok(a) => s.push_str(&line("Autostart:", if a { "yes" } else { "no" })),
        Err(e) => {
            ctl.set_error(e);
            s.push_str(&line("Autostart:", "no autostart"));
        }
    }
    if has_sizes(info.state) {
        for (label, v) in [
            ("Capacity:", info.capacity),
            ("Allocation:", info.allocation),
            ("Available:", info.available),
        ] {
            if bytes {
                s.push_str(&line(label, &v.to_string()));
            } else {
                let (val, unit) = pretty_capacity(v);
                s.push_str(&line(label, &format!("{val:.2} {unit}")));
            }
        }
    }
    ctl.print(&s);
    true
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let f = if cmd.flag("inactive") {
        rvirt::flags::storage_xml::INACTIVE
    } else {
        0
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(pool.xml_desc(f)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, cmd.flag("wrap"))
}

/// The `--build`/`--overwrite`/`--no-overwrite` flags; `Err` when both overwrite forms
/// are given.
fn build_flags(ctl: &mut Ctl, cmd: &Cmd) -> Result<u32, ()> {
    let overwrite = cmd.flag("overwrite");
    let no_overwrite = cmd.flag("no-overwrite");
    if !exclusive(
        ctl,
        ("overwrite", overwrite),
        ("no-overwrite", no_overwrite),
    ) {
        return Err(());
    }
    let mut f = 0;
    if cmd.flag("build") {
        f |= 1;
    }
    if overwrite {
        f |= 2;
    }
    if no_overwrite {
        f |= 4;
    }
    Ok(f)
}

fn cmd_define(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let f = u32::from(cmd.flag("validate"));
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match c.storage_pool_define_xml(&xml, f) {
        Ok(p) => {
            ctl.print_extra(&format!("Pool {} defined from {from}\n", p.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to define pool from {from}"));
            false
        }
    }
}

fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Ok(f) = build_flags(ctl, cmd) else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match c.storage_pool_create_xml(&xml, f) {
        Ok(p) => {
            ctl.print_extra(&format!("Pool {} created from {from}\n", p.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create pool from {from}"));
            false
        }
    }
}

/// A pool action with virsh's messages (`{}` is the name as typed).
fn action(
    ctl: &mut Ctl,
    cmd: &Cmd,
    f: &dyn Fn(&StoragePool) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some((pool, name)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    match f(&pool) {
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
    let Ok(f) = build_flags(ctl, cmd) else {
        return false;
    };
    action(
        ctl,
        cmd,
        &|p| p.create(f),
        "Pool {} started\n",
        "Failed to start pool {}",
    )
}

fn cmd_build(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    // As virsh, both flags may be given; the daemon refuses the pair.
    let mut f = 0;
    if cmd.flag("no-overwrite") {
        f |= 1 << 2;
    }
    if cmd.flag("overwrite") {
        f |= 1 << 3;
    }
    action(
        ctl,
        cmd,
        &|p| p.build(f),
        "Pool {} built\n",
        "Failed to build pool {}",
    )
}

fn cmd_delete(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|p| p.delete(0),
        "Pool {} deleted\n",
        "Failed to delete pool {}",
    )
}

fn cmd_refresh(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|p| p.refresh(0),
        "Pool {} refreshed\n",
        "Failed to refresh pool {}",
    )
}

fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|p| p.destroy(),
        "Pool {} destroyed\n",
        "Failed to destroy pool {}",
    )
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    action(
        ctl,
        cmd,
        &|p| p.undefine(),
        "Pool {} has been undefined\n",
        "Failed to undefine pool {}",
    )
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    if cmd.flag("disable") {
        action(
            ctl,
            cmd,
            &|p| p.set_autostart(false),
            "Pool {} unmarked as autostarted\n",
            "failed to unmark pool {} as autostarted",
        )
    } else {
        action(
            ctl,
            cmd,
            &|p| p.set_autostart(true),
            "Pool {} marked as autostarted\n",
            "failed to mark pool {} as autostarted",
        )
    }
}

fn cmd_name(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID) else {
        return false;
    };
    ctl.print(&format!("{}\n", pool.name()));
    true
}

fn cmd_uuid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_NAME) else {
        return false;
    };
    ctl.print(&format!("{}\n", pool.uuid_string()));
    true
}

fn cmd_edit(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    // Ask for the persistent definition unless the driver refuses the flag.
    let mut f = rvirt::flags::storage_xml::INACTIVE;
    match pool.xml_desc(f) {
        Ok(_) => {}
        Err(e) if e.code == ErrorCode::INVALID_ARG => {
            f = 0;
        }
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    }
    let p = pool.clone();
    let outcome = editor::edit_loop(
        ctl,
        &mut |ctl: &mut Ctl| ctl.check(p.xml_desc(f)),
        &mut |ctl: &mut Ctl, xml: &str, _| ctl.check(c.storage_pool_define_xml(xml, 0)),
        false,
    );
    match outcome {
        EditOutcome::NotChanged => {
            ctl.print_extra(&format!(
                "Pool {} XML configuration not changed.\n",
                pool.name()
            ));
            true
        }
        EditOutcome::Edited(np) => {
            let name = np.map(|p| p.name().to_string());
            ctl.print_extra(&format!(
                "Pool {} XML configuration edited.\n",
                name.as_deref().unwrap_or("(null)")
            ));
            true
        }
        EditOutcome::Failed => false,
    }
}

fn cmd_capabilities(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.storage_pool_capabilities(0) {
        Ok(caps) => {
            ctl.print(&format!("{caps}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get storage pool capabilities");
            false
        }
    }
}

/// Asks the driver for pool sources and prints its `<sources>` document.
fn find_sources(ctl: &mut Ctl, kind: &str, spec: Option<&str>) -> bool {
    let Some(c) = conn(ctl) else { return false };
    match c.find_storage_pool_sources(kind, spec, 0) {
        Ok(list) => {
            ctl.print(&list);
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to find any {kind} pool sources"));
            false
        }
    }
}

fn cmd_find_sources(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(kind) = cmd.string_req(ctl, "type") else {
        return false;
    };
    let Ok(spec_file) = cmd.string(ctl, "srcSpec") else {
        return false;
    };
    let spec = match spec_file {
        None => None,
        Some(f) => match read_file(ctl, f) {
            Some(x) => Some(x),
            None => return false,
        },
    };
    find_sources(ctl, kind, spec.as_deref())
}

/// The `<source>` document virsh builds from `--host`, `--port` and `--initiator` (values
/// are pasted in as they are, without escaping).
fn cmd_find_sources_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(kind) = cmd.string_req(ctl, "type") else {
        return false;
    };
    let Ok(host) = cmd.string(ctl, "host") else {
        return false;
    };
    let Ok(initiator) = cmd.string(ctl, "initiator") else {
        return false;
    };
    let mut spec = None;
    if let Some(host) = host {
        let Ok(port) = cmd.string(ctl, "port") else {
            ctl.error("missing argument");
            return false;
        };
        let mut x = format!("<source>\n  <host name='{host}'");
        if let Some(p) = port {
            x.push_str(&format!(" port='{p}'"));
        }
        x.push_str("/>\n");
        if let Some(i) = initiator {
            x.push_str(&format!(
                "  <initiator>\n    <iqn name='{i}'/>\n  </initiator>\n"
            ));
        }
        x.push_str("</source>\n");
        spec = Some(x);
    }
    find_sources(ctl, kind, spec.as_deref())
}

/// The pool XML virsh builds from the `*-as` options (values are pasted in unescaped, as
/// virsh does). Returns the pool name and the document.
fn build_pool_xml(ctl: &mut Ctl, cmd: &Cmd) -> Option<(String, String)> {
    if !exclusive_opts(ctl, cmd, "secret-usage", "secret-uuid") {
        return None;
    }
    let name = cmd.string_req(ctl, "name").ok()?;
    let kind = cmd.string_req(ctl, "type").ok()?;
    let mut v = std::collections::HashMap::new();
    for o in [
        "source-host",
        "source-path",
        "source-dev",
        "source-name",
        "source-format",
        "target",
        "auth-type",
        "auth-username",
        "secret-usage",
        "secret-uuid",
        "adapter-name",
        "adapter-wwnn",
        "adapter-wwpn",
        "adapter-parent",
        "adapter-parent-wwnn",
        "adapter-parent-wwpn",
        "adapter-parent-fabric-wwn",
        "source-protocol-ver",
        "source-initiator",
    ] {
        if let Some(val) = cmd.string(ctl, o).ok()? {
            v.insert(o, val);
        }
    }
    let get = |k: &str| v.get(k).copied();
    let mut x = format!("<pool type='{kind}'>\n  <name>{name}</name>\n");
    let fc = get("adapter-wwnn").zip(get("adapter-wwpn"));
    let any_source = [
        "source-host",
        "source-path",
        "source-dev",
        "source-initiator",
        "source-format",
        "source-name",
        "adapter-name",
    ]
    .iter()
    .any(|k| v.contains_key(k))
        || fc.is_some();
    if any_source {
        x.push_str("  <source>\n");
        if let Some(h) = get("source-host") {
            x.push_str(&format!("    <host name='{h}'/>\n"));
        }
        if let Some(p) = get("source-path") {
            x.push_str(&format!("    <dir path='{p}'/>\n"));
        }
        if let Some(d) = get("source-dev") {
            x.push_str(&format!("    <device path='{d}'/>\n"));
        }
        if let Some(i) = get("source-initiator") {
            x.push_str(&format!(
                "    <initiator>\n      <iqn name='{i}'/>\n    </initiator>\n"
            ));
        }
        if let Some((wwnn, wwpn)) = fc {
            x.push_str("    <adapter type='fc_host'");
            if let Some(p) = get("adapter-parent") {
                x.push_str(&format!(" parent='{p}'"));
            } else if let Some((pn, pp)) =
                get("adapter-parent-wwnn").zip(get("adapter-parent-wwpn"))
            {
                x.push_str(&format!(" parent_wwnn='{pn}' parent_wwpn='{pp}'"));
            } else if let Some(f) = get("adapter-parent-fabric-wwn") {
                x.push_str(&format!(" parent_fabric_wwn='{f}'"));
            }
            x.push_str(&format!(" wwnn='{wwnn}' wwpn='{wwpn}'/>\n"));
        } else if let Some(a) = get("adapter-name") {
            x.push_str(&format!("    <adapter type='scsi_host' name='{a}'/>\n"));
        }
        if let (Some(t), Some(u)) = (get("auth-type"), get("auth-username")) {
            let secret = match (get("secret-usage"), get("secret-uuid")) {
                (Some(s), _) => Some(format!("<secret usage='{s}'/>")),
                (None, Some(s)) => Some(format!("<secret uuid='{s}'/>")),
                (None, None) => None,
            };
            if let Some(secret) = secret {
                x.push_str(&format!(
                    "    <auth type='{t}' username='{u}'>\n      {secret}\n    </auth>\n"
                ));
            }
        }
        if let Some(f) = get("source-format") {
            x.push_str(&format!("    <format type='{f}'/>\n"));
        }
        if let Some(n) = get("source-name") {
            x.push_str(&format!("    <name>{n}</name>\n"));
        }
        if let Some(p) = get("source-protocol-ver") {
            x.push_str(&format!("    <protocol ver='{p}'/>\n"));
        }
        x.push_str("  </source>\n");
    }
    if let Some(t) = get("target") {
        x.push_str(&format!("  <target>\n    <path>{t}</path>\n  </target>\n"));
    }
    x.push_str("</pool>\n");
    Some((name.to_string(), x))
}

fn cmd_define_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((name, xml)) = build_pool_xml(ctl, cmd) else {
        return false;
    };
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    match c.storage_pool_define_xml(&xml, 0) {
        Ok(_) => {
            ctl.print_extra(&format!("Pool {name} defined\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to define pool {name}"));
            false
        }
    }
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(f) = build_flags(ctl, cmd) else {
        return false;
    };
    let Some((name, xml)) = build_pool_xml(ctl, cmd) else {
        return false;
    };
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    match c.storage_pool_create_xml(&xml, f) {
        Ok(_) => {
            ctl.print_extra(&format!("Pool {name} created\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create pool {name}"));
            false
        }
    }
}
