//! Storage volumes. Volumes are named by name (with `--pool`), key or path.

use super::{conn, dump_xml, read_file, strcasecmp, xpath_opt};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::cli::values::split_c_unsigned;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_NAME, BY_UUID};
use crate::pretty::{format_capacity, pretty_capacity, scale_integer};
use crate::table::{Charset, Table};
use rvirt::{vol_type, Error};

const VOL_OPT: OptDef = opt_data("vol", REQ, "volume name, key or path");
const POOL_STR_OPT: OptDef = opt_string("pool", 0, "pool name or UUID");

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "vol-create-as",
        &[
            opt_data("pool", REQ, "pool to create the volume in"),
            opt_data("name", REQ, "name of the new volume"),
            opt_data(
                "capacity",
                REQ,
                "size of the volume, a scaled integer (bytes by default)",
            ),
            opt_string(
                "allocation",
                0,
                "space to allocate now, a scaled integer (bytes by default)",
            ),
            opt_string("format", 0, "file format, e.g. raw or qcow2"),
            opt_string("backing-vol", 0, "volume to use as backing store"),
            opt_string("backing-vol-format", 0, "format of the backing volume"),
            opt_bool("prealloc-metadata", "allocate only metadata (qcow2)"),
            opt_bool("print-xml", "print the volume XML instead of creating it"),
        ],
        cmd_create_as,
        "create a volume from a name and a size",
        "Creates a volume from command-line arguments.",
    ),
    cmd(
        "vol-create",
        &[
            opt_data("pool", REQ, "pool to create the volume in"),
            opt_data("file", REQ, "file with the volume's XML description"),
            opt_bool("prealloc-metadata", "allocate only metadata (qcow2)"),
            opt_bool("validate", "check the XML against the schema first"),
        ],
        cmd_create,
        "create a volume from an XML file",
        "Creates a volume described by an XML file.",
    ),
    cmd(
        "vol-delete",
        &[
            VOL_OPT,
            POOL_STR_OPT,
            opt_bool("delete-snapshots", "also delete the volume's snapshots"),
        ],
        cmd_delete,
        "delete a volume",
        "Deletes a volume and its data.",
    ),
    cmd(
        "vol-dumpxml",
        &[
            VOL_OPT,
            POOL_STR_OPT,
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a volume's XML",
        "Prints the XML description of a volume.",
    ),
    cmd(
        "vol-info",
        &[
            VOL_OPT,
            POOL_STR_OPT,
            opt_bool("bytes", "print sizes in bytes"),
            opt_bool(
                "physical",
                "show the physical size instead of the allocation",
            ),
        ],
        cmd_info,
        "show basic facts about a volume",
        "Prints the name, type and sizes of a volume.",
    ),
    cmd(
        "vol-key",
        &[opt_data("vol", REQ, "volume name or path"), POOL_STR_OPT],
        cmd_key,
        "print the key of a volume",
        "",
    ),
    cmd(
        "vol-list",
        &[
            opt_data("pool", REQ, "pool name or UUID"),
            opt_bool("details", "add type and size columns"),
        ],
        cmd_list,
        "list the volumes of a pool",
        "Lists the volumes of a storage pool.",
    ),
    cmd(
        "vol-name",
        &[opt_data("vol", REQ, "volume key or path")],
        cmd_name,
        "print the name of a volume",
        "",
    ),
    cmd(
        "vol-path",
        &[opt_data("vol", REQ, "volume name or key"), POOL_STR_OPT],
        cmd_path,
        "print the path of a volume",
        "",
    ),
    cmd(
        "vol-pool",
        &[
            opt_data("vol", REQ, "volume key or path"),
            opt_bool("uuid", "print the pool's UUID instead of its name"),
        ],
        cmd_pool,
        "print the pool a volume is in",
        "",
    ),
];

fn type_to_string(t: i32) -> &'static str {
    match t {
        vol_type::FILE => "file",
        vol_type::BLOCK => "block",
        vol_type::DIR => "dir",
        vol_type::NETWORK => "network",
        vol_type::NETDIR => "netdir",
        vol_type::PLOOP => "ploop",
        _ => "unknown",
    }
}

fn cmd_list(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let details = cmd.flag("details");
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let mut vols = match pool.list_all_volumes(0) {
        Ok(v) => v,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to list volumes");
            return false;
        }
    };
    vols.sort_by(|a, b| strcasecmp(a.name(), b.name()));
    let mut table = if details {
        Table::new(&["Name", "Path", "Type", "Capacity", "Allocation"])
    } else {
        Table::new(&["Name", "Path"])
    };
    for v in &vols {
        let path = match v.path() {
            Ok(p) => p,
            Err(e) => {
                ctl.set_error(e);
                "unknown".to_string()
            }
        };
        let mut row = vec![v.name().to_string(), path];
        if details {
            match v.info() {
                Ok(i) => {
                    row.push(type_to_string(i.kind).to_string());
                    row.push(format_capacity(i.capacity));
                    row.push(format_capacity(i.allocation));
                }
                Err(e) => {
                    ctl.set_error(e);
                    row.extend(["unknown".to_string(), "unknown".into(), "unknown".into()]);
                }
            }
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
    let bytes = cmd.flag("bytes");
    let physical = cmd.flag("physical");
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    ctl.print(&line("Name:", vol.name()));
    let info = if physical {
        // virStorageVolGetInfoFlags is not in the rvirt API yet.
        Err(Error::no_support("virStorageVolGetInfoFlags"))
    } else {
        vol.info()
    };
    let info = match info {
        Ok(i) => i,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    let mut s = line("Type:", type_to_string(info.kind));
    let size = |v: u64| {
        if bytes {
            format!("{v} bytes")
        } else {
            let (val, unit) = pretty_capacity(v);
            format!("{val:.2} {unit}")
        }
    };
    s.push_str(&line("Capacity:", &size(info.capacity)));
    let label = if physical { "Physical:" } else { "Allocation:" };
    s.push_str(&line(label, &size(info.allocation)));
    ctl.print(&s);
    true
}

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(vol.xml_desc(0)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, cmd.flag("wrap"))
}

fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut f = 0;
    if cmd.flag("prealloc-metadata") {
        f |= 1;
    }
    if cmd.flag("validate") {
        f |= 4;
    }
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match pool.vol_create_xml(&xml, f) {
        Ok(v) => {
            ctl.print_extra(&format!("Vol {} created from {from}\n", v.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create vol from {from}"));
            false
        }
    }
}

/// A size argument: a number with an optional unit suffix, bytes by default.
fn vol_size(ctl: &mut Ctl, s: &str) -> Option<u64> {
    let (n, rest) = split_c_unsigned(s, false)?;
    match scale_integer(n, rest, 1, u64::MAX) {
        Ok(v) => Some(v),
        Err(e) => {
            ctl.set_error(e);
            None
        }
    }
}

fn cmd_create_as(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let print_xml = cmd.flag("print-xml");
    let f = u32::from(cmd.flag("prealloc-metadata"));
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let (Ok(name), Ok(cap_str)) = (cmd.string_req(ctl, "name"), cmd.string_req(ctl, "capacity"))
    else {
        return false;
    };
    let Some(capacity) = vol_size(ctl, cap_str) else {
        ctl.error(&format!("Malformed size {cap_str}"));
        return false;
    };
    let alloc_str = cmd.string_quiet("allocation");
    let mut allocation = 0;
    if let Some(a) = alloc_str {
        match vol_size(ctl, a) {
            Some(v) => allocation = v,
            None => {
                ctl.error(&format!("Malformed size {a}"));
                return false;
            }
        }
    }
    let (Ok(format), Ok(backing), Ok(backing_format)) = (
        cmd.string(ctl, "format"),
        cmd.string(ctl, "backing-vol"),
        cmd.string(ctl, "backing-vol-format"),
    ) else {
        return false;
    };
    let mut xml = format!("<volume>\n  <name>{name}</name>\n  <capacity>{capacity}</capacity>\n");
    if alloc_str.is_some() {
        xml.push_str(&format!("  <allocation>{allocation}</allocation>\n"));
    }
    if let Some(fmt) = format {
        xml.push_str(&format!(
            "  <target>\n    <format type='{fmt}'/>\n  </target>\n"
        ));
    }
    if let Some(b) = backing {
        let snap = pool
            .vol_lookup_by_name(b)
            .or_else(|_| c.storage_vol_lookup_by_key(b))
            .or_else(|_| c.storage_vol_lookup_by_path(b));
        let snap = match snap {
            Ok(v) => v,
            Err(e) => {
                ctl.set_error(e);
                ctl.error(&format!("failed to get vol '{b}'"));
                return false;
            }
        };
        let Some(path) = ctl.check(snap.path()) else {
            return false;
        };
        xml.push_str(&format!("  <backingStore>\n    <path>{path}</path>\n"));
        if let Some(bf) = backing_format {
            xml.push_str(&format!("    <format type='{bf}'/>\n"));
        }
        xml.push_str("  </backingStore>\n");
    }
    xml.push_str("</volume>\n");
    if print_xml {
        ctl.print(&xml);
        return true;
    }
    match pool.vol_create_xml(&xml, f) {
        Ok(_) => {
            ctl.print_extra(&format!("Vol {name} created\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create vol {name}"));
            false
        }
    }
}

fn cmd_delete(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, name)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let f = if cmd.flag("delete-snapshots") { 2 } else { 0 };
    match vol.delete(f) {
        Ok(()) => {
            ctl.print_extra(&format!("Vol {name} deleted\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to delete vol {name}"));
            false
        }
    }
}

fn cmd_path(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Some(p) = ctl.check(vol.path()) else {
        return false;
    };
    ctl.print(&format!("{p}\n"));
    true
}

fn cmd_key(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    ctl.print(&format!("{}\n", vol.key()));
    true
}

fn cmd_name(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", None, BY_UUID) else {
        return false;
    };
    ctl.print(&format!("{}\n", vol.name()));
    true
}

fn cmd_pool(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", None, BY_UUID) else {
        return false;
    };
    let pool = match vol.pool() {
        Ok(p) => p,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get parent pool");
            return false;
        }
    };
    if cmd.flag("uuid") {
        ctl.print(&format!("{}\n", pool.uuid_string()));
    } else {
        ctl.print(&format!("{}\n", pool.name()));
    }
    true
}
