//! Storage volumes. Volumes are named by name (with `--pool`), key or path.

use super::{conn, dump_xml, read_file, strcasecmp, xpath_opt};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::cli::values::split_c_unsigned;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_NAME, BY_UUID};
use crate::pretty::{format_capacity, pretty_capacity, scale_integer};
use crate::table::{Charset, Table};
use rvirt::{vol_type, Error, ErrorCode};
use rvirt_xml::tree::Node;

const VOL_OPT: OptDef = opt_data("vol", REQ, "volume name, key or path");
const POOL_STR_OPT: OptDef = opt_string("pool", 0, "pool name or UUID");

const FILE_OPT: OptDef = opt_data("file", REQ, "local file");
const PREALLOC_OPT: OptDef = opt_bool("prealloc-metadata", "allocate only metadata (qcow2)");
const REFLINK_OPT: OptDef = opt_bool("reflink", "copy with a copy-on-write clone (btrfs)");

/// `VIR_STORAGE_VOL_CREATE_*`.
const CREATE_PREALLOC_METADATA: u32 = 1;
const CREATE_REFLINK: u32 = 1 << 1;
const CREATE_VALIDATE: u32 = 1 << 2;

use rvirt::flags::vol_resize::{
    ALLOCATE as RESIZE_ALLOCATE, DELTA as RESIZE_DELTA, SHRINK as RESIZE_SHRINK,
};
use rvirt::WIPE_ALGORITHMS;

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "vol-clone",
        &[
            VOL_OPT,
            opt_data("newname", REQ, "name of the copy"),
            POOL_STR_OPT,
            PREALLOC_OPT,
            REFLINK_OPT,
            opt_bool("print-xml", "print the copy's XML instead of cloning"),
        ],
        cmd_clone,
        "copy a volume within its pool",
        "Makes a copy of a volume, under a new name, in the same pool.",
    ),
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
        "vol-create-from",
        &[
            opt_data("pool", REQ, "pool to create the volume in"),
            opt_data("file", REQ, "file with the new volume's XML description"),
            VOL_OPT,
            opt_string("inputpool", 0, "pool of the volume to copy from"),
            PREALLOC_OPT,
            REFLINK_OPT,
            opt_bool("validate", "check the XML against the schema first"),
        ],
        cmd_create_from,
        "create a volume with the contents of another",
        "Creates a volume described by an XML file, filled from an existing volume.",
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
        "vol-download",
        &[
            VOL_OPT,
            FILE_OPT,
            POOL_STR_OPT,
            opt_int("offset", 0, "where in the volume to start"),
            opt_int("length", 0, "how many bytes to copy at most"),
            opt_bool("sparse", "keep holes as holes"),
        ],
        super::voltransfer::cmd_download,
        "copy a volume's contents into a file",
        "Writes the contents of a volume into a local file.",
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
    cmd(
        "vol-resize",
        &[
            VOL_OPT,
            opt_data(
                "capacity",
                REQ,
                "new size, a scaled integer (bytes by default)",
            ),
            POOL_STR_OPT,
            opt_bool(
                "allocate",
                "allocate the added space instead of leaving it sparse",
            ),
            opt_bool("delta", "add the capacity to the current size"),
            opt_bool("shrink", "allow making the volume smaller"),
        ],
        cmd_resize,
        "change the size of a volume",
        "Changes the capacity of a volume; only safe while no running guest uses it.",
    ),
    cmd(
        "vol-upload",
        &[
            VOL_OPT,
            FILE_OPT,
            POOL_STR_OPT,
            opt_int("offset", 0, "where in the volume to start"),
            opt_int("length", 0, "how many bytes to copy at most"),
            opt_bool("sparse", "keep holes as holes"),
        ],
        super::voltransfer::cmd_upload,
        "copy a file into a volume",
        "Writes the contents of a local file into a volume.",
    ),
    cmd(
        "vol-wipe",
        &[
            VOL_OPT,
            POOL_STR_OPT,
            opt_string("algorithm", 0, "wiping algorithm (zero by default)"),
        ],
        cmd_wipe,
        "overwrite a volume's data",
        "Overwrites a volume so that its previous data cannot be read back.",
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
pub(super) fn vol_size(ctl: &mut Ctl, s: &str) -> Option<u64> {
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

/// The text libxml2 makes of a node's new content: entity and character references are
/// resolved. `Err` carries libxml2's complaint about a reference without its `;` (the
/// content is then empty).
fn node_content(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';') else {
            return Err(format!("unterminated entity reference {after:>15}\n"));
        };
        let name = &after[..end];
        let ch = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => out.push(c),
            // An unknown entity stays a reference (printed escaped here).
            None => {
                out.push('&');
                out.push_str(name);
                out.push(';');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The volume XML with its `<name>` replaced, serialized as libxml2 does, and what libxml2
/// complained about on the way; `None` when the XML has no name to replace.
fn clone_xml(orig: &str, newname: &str) -> Option<(String, Option<String>)> {
    let mut root = rvirt_xml::tree::parse_document(orig, "(volume_definition)").ok()?;
    if root.name != "volume" {
        return None;
    }
    let name = root.children.iter_mut().find_map(|c| match c {
        Node::Element(e) if e.name == "name" => Some(e),
        _ => None,
    })?;
    let (text, complaint) = match node_content(newname) {
        Ok(t) => (t, None),
        Err(m) => (
            String::new(),
            Some(format!("(volume_definition):-1: error : {m}")),
        ),
    };
    name.children = if text.is_empty() {
        Vec::new()
    } else {
        vec![Node::Text(text)]
    };
    Some((crate::xpath::serialize_element(&root), complaint))
}

fn cmd_clone(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((orig, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let mut f = 0;
    if cmd.flag("prealloc-metadata") {
        f |= CREATE_PREALLOC_METADATA;
    }
    if cmd.flag("reflink") {
        f |= CREATE_REFLINK;
    }
    let pool = match orig.pool() {
        Ok(p) => p,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("failed to get parent pool");
            return false;
        }
    };
    let Ok(newname) = cmd.string_req(ctl, "newname") else {
        return false;
    };
    let Some(origxml) = ctl.check(orig.xml_desc(0)) else {
        return false;
    };
    let Some((newxml, complaint)) = clone_xml(&origxml, newname) else {
        ctl.error("Failed to allocate XML buffer");
        return false;
    };
    if let Some(c) = complaint {
        ctl.eprint(&c);
    }
    if cmd.flag("print-xml") {
        ctl.print(&newxml);
        return true;
    }
    match pool.vol_create_xml_from(&newxml, &orig, f) {
        Ok(v) => {
            ctl.print_extra(&format!("Vol {} cloned from {}\n", v.name(), orig.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to clone vol from {}", orig.name()));
            false
        }
    }
}

fn cmd_create_from(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((pool, _)) = lookup::pool(ctl, cmd, "pool", BY_UUID | BY_NAME) else {
        return false;
    };
    let mut f = 0;
    if cmd.flag("prealloc-metadata") {
        f |= CREATE_PREALLOC_METADATA;
    }
    if cmd.flag("reflink") {
        f |= CREATE_REFLINK;
    }
    if cmd.flag("validate") {
        f |= CREATE_VALIDATE;
    }
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Some((input, _)) = lookup::vol(ctl, cmd, "vol", Some("inputpool"), BY_UUID | BY_NAME)
    else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match pool.vol_create_xml_from(&xml, &input, f) {
        Ok(v) => {
            ctl.print_extra(&format!(
                "Vol {} created from input vol {}\n",
                v.name(),
                input.name()
            ));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create vol from {from}"));
            false
        }
    }
}

fn cmd_resize(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut delta = cmd.flag("delta");
    let shrink = cmd.flag("shrink");
    let mut f = 0;
    if cmd.flag("allocate") {
        f |= RESIZE_ALLOCATE;
    }
    if shrink {
        f |= RESIZE_SHRINK;
    }
    let Some((vol, _)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(cap) = cmd.string_req(ctl, "capacity") else {
        return false;
    };
    let mut cap = cap.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    // A negative size is a shrinking delta; the API itself takes only positive sizes.
    if let Some(rest) = cap.strip_prefix('-') {
        if !shrink {
            ctl.error("negative size requires --shrink");
            return false;
        }
        cap = rest;
        delta = true;
    }
    if delta {
        f |= RESIZE_DELTA;
    }
    let Some(capacity) = vol_size(ctl, cap) else {
        ctl.error(&format!("Malformed size {cap}"));
        return false;
    };
    let how = if delta { "by" } else { "to" };
    match vol.resize(capacity, f) {
        Ok(()) => {
            ctl.print_extra(&format!(
                "Size of volume '{}' successfully changed {how} {cap}\n",
                vol.name()
            ));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to change size of volume '{}' {how} {cap}",
                vol.name()
            ));
            false
        }
    }
}

fn cmd_wipe(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((vol, name)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(alg_str) = cmd.string(ctl, "algorithm") else {
        return false;
    };
    let mut algorithm = 0;
    if let Some(a) = alg_str {
        match WIPE_ALGORITHMS.iter().position(|n| *n == a) {
            Some(i) => algorithm = i as u32,
            None => {
                ctl.error(&format!("Unsupported algorithm '{a}'"));
                return false;
            }
        }
    }
    let mut r = vol.wipe_pattern(algorithm, 0);
    // Drivers without patterns may still zero a volume.
    if matches!(&r, Err(e) if e.code == ErrorCode::NO_SUPPORT) && algorithm == 0 {
        r = vol.wipe(0);
    }
    match r {
        Ok(()) => {
            ctl.print_extra(&format!("Vol {name} wiped\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to wipe vol {name}"));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_names_resolve_references_as_libxml2_does() {
        assert_eq!(
            node_content("a&lt;&#65;&#x42;&amp;").as_deref(),
            Ok("a<AB&")
        );
        assert_eq!(
            node_content("x<&y'"),
            Err("unterminated entity reference              y'\n".to_string())
        );
        let xml = "<volume type='file'>\n  <name>a</name>\n  <target>\n    <format type='raw'/>\n  </target>\n</volume>\n";
        let (out, complaint) = clone_xml(xml, "b<").expect("a clone");
        assert_eq!(complaint, None);
        assert_eq!(
            out,
            "<volume type=\"file\">\n  <name>b&lt;</name>\n  <target>\n    <format type=\"raw\"/>\n  </target>\n</volume>"
        );
        assert!(clone_xml("<pool/>", "x").is_none());
    }
}
