//! Domain management: defining, starting, stopping, saving, editing and tuning domains.

use super::{
    conn, domain_description, domain_state, exclusive, exclusive_opts, read_file, require,
    string_to_array,
};
use crate::cli::defs::*;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::lookup::{self, BY_ANY, BY_ID, BY_NAME, BY_UUID};
use crate::xpath::{self, XPathOutput};
use rvirt::flags;
use rvirt::{Domain, Error, ErrorCode};

const DOMAIN_OPT: OptDef = opt_data("domain", REQ, "domain name, id or UUID");
const FILE_OPT: OptDef = opt_data("file", REQ, "file with the domain's XML description");
const VALIDATE_OPT: OptDef = opt_bool("validate", "check the XML against the schema first");
const CONFIG_OPT: OptDef = opt_bool("config", "change the persistent configuration");
const LIVE_OPT: OptDef = opt_bool("live", "change the running domain");
const CURRENT_OPT: OptDef = opt_bool(
    "current",
    "change the running domain if active, else the configuration",
);
const MODE_OPT: OptDef = opt_string(
    "mode",
    0,
    "comma-separated methods: acpi, agent, initctl, signal, paravirt",
);

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "autostart",
        &[
            DOMAIN_OPT,
            opt_bool("disable", "turn autostart off instead"),
        ],
        cmd_autostart,
        "start a domain together with the host",
        "Marks a domain to be started automatically when the host starts.",
    ),
    cmd(
        "create",
        &[
            FILE_OPT,
            opt_bool("console", "attach to the console once started"),
            opt_bool("paused", "keep the new domain paused"),
            opt_bool(
                "autodestroy",
                "destroy the domain when this connection closes",
            ),
            opt_string(
                "pass-fds",
                0,
                "file descriptors N,M,... handed to the domain",
            ),
            opt_bool("validate", "check the XML against the schema first"),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_create,
        "start a transient domain from an XML file",
        "Creates and starts a domain described by an XML file.",
    ),
    cmd(
        "define",
        &[FILE_OPT, VALIDATE_OPT],
        cmd_define,
        "define a domain from an XML file without starting it",
        "Defines (or updates) a persistent domain from an XML file.",
    ),
    cmd(
        "desc",
        &[
            DOMAIN_OPT,
            opt_bool("live", "use the running domain"),
            opt_bool("config", "use the persistent configuration"),
            opt_bool(
                "current",
                "use the running domain if active, else the configuration",
            ),
            opt_bool("title", "work on the title instead of the description"),
            opt_bool("edit", "change the text in an editor"),
            opt_argv("new-desc", 0, "the new text"),
        ],
        cmd_desc,
        "show or change a domain's description or title",
        "Prints a domain's description or title, or sets a new one.",
    ),
    cmd(
        "destroy",
        &[
            DOMAIN_OPT,
            opt_bool("graceful", "ask the process to end instead of killing it"),
            opt_bool("remove-logs", "delete the domain's log files"),
        ],
        cmd_destroy,
        "stop a domain immediately",
        "Stops a running domain at once, like pulling the power plug.",
    ),
    cmd(
        "domid",
        &[opt_data("domain", REQ, "domain name or UUID")],
        cmd_domid,
        "print the id of a domain",
        "",
    ),
    cmd(
        "domname",
        &[opt_data("domain", REQ, "domain id or UUID")],
        cmd_domname,
        "print the name of a domain",
        "",
    ),
    cmd(
        "domuuid",
        &[opt_data("domain", REQ, "domain id or name")],
        cmd_domuuid,
        "print the UUID of a domain",
        "",
    ),
    cmd(
        "domxml-to-native",
        &[
            opt_data("format", REQ, "native format to produce"),
            opt_string("domain", REQ_OPT, "domain name, id or UUID"),
            opt_string("xml", 0, "file with the domain XML"),
        ],
        cmd_domxml_to_native,
        "translate domain XML to a native configuration",
        "Converts domain XML into the hypervisor's own configuration format.",
    ),
    cmd(
        "dumpxml",
        &[
            DOMAIN_OPT,
            opt_bool("inactive", "show the persistent configuration"),
            opt_bool("security-info", "include security-sensitive data"),
            opt_bool("update-cpu", "adjust the guest CPU to the host CPU"),
            opt_bool("migratable", "produce XML suitable for migration"),
            opt_string("xpath", REQ_OPT, "print only what this XPath selects"),
            opt_bool("wrap", "put XPath results inside one <nodes> element"),
        ],
        cmd_dumpxml,
        "print a domain's XML",
        "Prints the XML description of a domain.",
    ),
    cmd(
        "edit",
        &[
            DOMAIN_OPT,
            opt_bool("skip-validate", "do not check the XML against the schema"),
        ],
        cmd_edit,
        "change a domain's XML in an editor",
        "Opens a domain's configuration in $VISUAL or $EDITOR and defines the result.",
    ),
    cmd(
        "managedsave",
        &[
            DOMAIN_OPT,
            opt_bool("bypass-cache", "write around the file system cache"),
            opt_bool("running", "start running when next started"),
            opt_bool("paused", "start paused when next started"),
            opt_bool("verbose", "show progress"),
        ],
        cmd_managedsave,
        "save a domain's state for its next start",
        "Saves a running domain's state to a file kept by the hypervisor and stops it.",
    ),
    cmd(
        "managedsave-remove",
        &[DOMAIN_OPT],
        cmd_managedsave_remove,
        "drop a domain's managed save image",
        "Deletes the managed save image of a domain, so that its next start boots afresh.",
    ),
    cmd(
        "metadata",
        &[
            DOMAIN_OPT,
            opt_data("uri", REQ, "namespace URI of the metadata"),
            opt_bool("live", "use the running domain"),
            opt_bool("config", "use the persistent configuration"),
            opt_bool(
                "current",
                "use the running domain if active, else the configuration",
            ),
            opt_bool("edit", "change the metadata in an editor"),
            opt_string("key", 0, "namespace prefix for the metadata element"),
            opt_string("set", 0, "new metadata element (XML)"),
            opt_bool("remove", "delete the metadata of this namespace"),
        ],
        cmd_metadata,
        "show or change custom metadata of a domain",
        "Reads, sets or removes a domain's metadata element for one XML namespace.",
    ),
    cmd(
        "reboot",
        &[DOMAIN_OPT, MODE_OPT],
        cmd_reboot,
        "restart a domain",
        "Asks a domain to reboot.",
    ),
    cmd(
        "reset",
        &[DOMAIN_OPT],
        cmd_reset,
        "hard-reset a domain",
        "Resets a domain like pressing its reset button.",
    ),
    cmd(
        "restore",
        &[
            opt_data("file", REQ, "file with the saved state"),
            opt_bool("bypass-cache", "read around the file system cache"),
            opt_string("xml", 0, "file with replacement domain XML"),
            opt_bool("running", "resume the domain running"),
            opt_bool("paused", "resume the domain paused"),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_restore,
        "start a domain from a saved state file",
        "Restores a domain from a file written by save.",
    ),
    cmd(
        "resume",
        &[DOMAIN_OPT],
        cmd_resume,
        "continue a paused domain",
        "Lets a suspended domain run again.",
    ),
    cmd(
        "save",
        &[
            DOMAIN_OPT,
            opt_data("file", REQ, "file to write the state to"),
            opt_bool("bypass-cache", "write around the file system cache"),
            opt_string("xml", 0, "file with replacement domain XML for the restore"),
            opt_bool("running", "restore running"),
            opt_bool("paused", "restore paused"),
            opt_bool("verbose", "show progress"),
        ],
        cmd_save,
        "save a domain's state to a file",
        "Saves a running domain's state to a file and stops the domain.",
    ),
    cmd(
        "setmaxmem",
        &[
            DOMAIN_OPT,
            opt_alias("kilobytes", "size"),
            opt_int(
                "size",
                REQ,
                "new maximum memory, a scaled integer (KiB by default)",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_setmaxmem,
        "change the maximum memory of a domain",
        "Changes how much memory a domain may be given at most.",
    ),
    cmd(
        "setmem",
        &[
            DOMAIN_OPT,
            opt_alias("kilobytes", "size"),
            opt_int(
                "size",
                REQ,
                "new memory size, a scaled integer (KiB by default)",
            ),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
        ],
        cmd_setmem,
        "change the memory of a domain",
        "Changes the current memory allocation of a domain.",
    ),
    cmd(
        "setvcpus",
        &[
            DOMAIN_OPT,
            opt_int("count", REQ, "number of virtual CPUs"),
            opt_bool("maximum", "change the maximum for the next boot"),
            CONFIG_OPT,
            LIVE_OPT,
            CURRENT_OPT,
            opt_bool("guest", "change the CPUs inside the guest"),
            opt_bool("hotpluggable", "make added CPUs hot-(un)pluggable"),
        ],
        cmd_setvcpus,
        "change the number of virtual CPUs",
        "Changes how many virtual CPUs a domain has.",
    ),
    cmd(
        "shutdown",
        &[DOMAIN_OPT, MODE_OPT],
        cmd_shutdown,
        "ask a domain to shut down",
        "Asks a domain to shut down cleanly.",
    ),
    cmd(
        "start",
        &[
            opt_data("domain", REQ, "name or UUID of the inactive domain"),
            opt_bool("console", "attach to the console once started"),
            opt_bool("paused", "keep the domain paused"),
            opt_bool(
                "autodestroy",
                "destroy the domain when this connection closes",
            ),
            opt_bool("bypass-cache", "read around the file system cache"),
            opt_bool("force-boot", "boot afresh, dropping any managed save image"),
            opt_string(
                "pass-fds",
                0,
                "file descriptors N,M,... handed to the domain",
            ),
            opt_bool("reset-nvram", "start over from the NVRAM template"),
        ],
        cmd_start,
        "start a defined domain",
        "Starts a defined, inactive domain.",
    ),
    cmd(
        "suspend",
        &[DOMAIN_OPT],
        cmd_suspend,
        "pause a domain",
        "Pauses a running domain; it keeps its memory.",
    ),
    cmd(
        "undefine",
        &[
            DOMAIN_OPT,
            opt_bool("managed-save", "also remove the managed save image"),
            opt_string(
                "storage",
                0,
                "also delete these disks (comma-separated targets or sources)",
            ),
            opt_bool("remove-all-storage", "also delete all disks of the domain"),
            opt_alias("delete-snapshots", "delete-storage-volume-snapshots"),
            opt_bool(
                "delete-storage-volume-snapshots",
                "delete volume snapshots too (needs --remove-all-storage)",
            ),
            opt_bool("wipe-storage", "wipe the deleted volumes"),
            opt_bool("snapshots-metadata", "also remove snapshot metadata"),
            opt_bool("checkpoints-metadata", "also remove checkpoint metadata"),
            opt_bool("nvram", "also delete the NVRAM file"),
            opt_bool("keep-nvram", "keep the NVRAM file"),
            opt_bool("tpm", "also delete the TPM state"),
            opt_bool("keep-tpm", "keep the TPM state"),
        ],
        cmd_undefine,
        "remove a domain's persistent configuration",
        "Undefines an inactive domain, or makes a running one transient.",
    ),
    cmd(
        "vcpucount",
        &[
            DOMAIN_OPT,
            opt_bool("maximum", "the maximum number of CPUs"),
            opt_bool("active", "the number of CPUs in use"),
            opt_bool("live", "from the running domain"),
            opt_bool("config", "from the persistent configuration"),
            opt_bool(
                "current",
                "from the running domain if active, else the configuration",
            ),
            opt_bool("guest", "as seen by the guest"),
        ],
        cmd_vcpucount,
        "show the numbers of virtual CPUs",
        "Prints the maximum and current numbers of virtual CPUs of a domain.",
    ),
];

// ---- identification ----

fn cmd_domid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_UUID) else {
        return false;
    };
    match dom.id() {
        Some(id) => ctl.print(&format!("{id}\n")),
        None => ctl.print("-\n"),
    }
    true
}

fn cmd_domname(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ID | BY_UUID) else {
        return false;
    };
    ctl.print(&format!("{}\n", dom.name()));
    true
}

fn cmd_domuuid(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_ID) else {
        return false;
    };
    ctl.print(&format!("{}\n", dom.uuid_string()));
    true
}

// ---- define / create / undefine ----

fn cmd_define(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let f = if cmd.flag("validate") {
        flags::define::VALIDATE
    } else {
        0
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    match c.domain_define_xml(&xml, f) {
        Ok(d) => {
            ctl.print_extra(&format!("Domain '{}' defined from {from}\n", d.name()));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to define domain from {from}"));
            false
        }
    }
}

/// Parses `--pass-fds`; `Err` after printing when a number is bad.
fn pass_fds(ctl: &mut Ctl, cmd: &Cmd) -> Result<Vec<i32>, ()> {
    let Some(list) = cmd.string_quiet("pass-fds") else {
        return Ok(Vec::new());
    };
    let mut fds = Vec::new();
    for part in list.split(',') {
        match crate::cli::values::parse_c_long(part).and_then(|v| i32::try_from(v).ok()) {
            Some(fd) => fds.push(fd),
            None => {
                ctl.error(&format!("Unable to parse FD number '{part}'"));
                return Err(());
            }
        }
    }
    Ok(fds)
}

fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let Some(xml) = read_file(ctl, from) else {
        return false;
    };
    let Ok(fds) = pass_fds(ctl, cmd) else {
        return false;
    };
    let mut f = 0;
    if cmd.flag("paused") {
        f |= flags::create::PAUSED;
    }
    if cmd.flag("autodestroy") {
        f |= flags::create::AUTODESTROY;
    }
    if cmd.flag("validate") {
        f |= flags::create::VALIDATE;
    }
    if cmd.flag("reset-nvram") {
        f |= flags::create::RESET_NVRAM;
    }
    // The descriptors would go through virDomainCreateXMLWithFiles, which the rvirt API
    // lacks; the domain is created without them.
    let _ = fds;
    let r = c.domain_create_xml(&xml, f);
    match r {
        Ok(d) => {
            ctl.print_extra(&format!("Domain '{}' created from {from}\n", d.name()));
            if cmd.flag("console") {
                run_console(ctl, &d);
            }
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("Failed to create domain from {from}"));
            false
        }
    }
}

/// Attaching to a console needs a terminal and a stream API rvirt does not have yet.
fn run_console(ctl: &mut Ctl, dom: &Domain) -> bool {
    use std::io::IsTerminal;
    let Some((state, _)) = domain_state(ctl, dom) else {
        ctl.error("Unable to get domain status");
        return false;
    };
    if state == rvirt::DomainState::Shutoff as i32 {
        ctl.error("The domain is not running");
        return false;
    }
    if !std::io::stdin().is_terminal() {
        ctl.error("Cannot run interactive console without a controlling TTY");
        return false;
    }
    ctl.print_extra(&format!("Connected to domain '{}'\n", dom.name()));
    ctl.print_extra("Escape character is ^] (Ctrl + ])\n");
    ctl.set_error(Error::no_support("virDomainOpenConsole"));
    ctl.report_error();
    false
}

fn cmd_undefine(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let managed_save = cmd.flag("managed-save");
    let snapshots_metadata = cmd.flag("snapshots-metadata");
    let wipe_storage = cmd.flag("wipe-storage");
    let remove_all_storage = cmd.flag("remove-all-storage");
    let delete_snapshots = cmd.flag("delete-storage-volume-snapshots");
    let nvram = cmd.flag("nvram");

    if !require(
        ctl,
        ("delete-storage-volume-snapshots", delete_snapshots),
        ("remove-all-storage", remove_all_storage),
    ) || !exclusive_opts(ctl, cmd, "nvram", "keep-nvram")
        || !exclusive_opts(ctl, cmd, "tpm", "keep-tpm")
    {
        return false;
    }
    let vol_string = cmd.string_quiet("storage").map(str::to_string);
    if vol_string.is_none() && !remove_all_storage && wipe_storage {
        ctl.error("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
        return false;
    }
    let vol_flags = if delete_snapshots { 2 } else { 0 };
    let mut f = 0;
    let mut managed_save_safe = false;
    let mut snapshots_safe = false;
    if managed_save {
        f |= flags::undefine::MANAGED_SAVE;
        managed_save_safe = true;
    }
    if snapshots_metadata {
        f |= flags::undefine::SNAPSHOTS_METADATA;
        snapshots_safe = true;
    }
    for (name, bit) in [
        (
            "checkpoints-metadata",
            flags::undefine::CHECKPOINTS_METADATA,
        ),
        ("nvram", flags::undefine::NVRAM),
        ("keep-nvram", flags::undefine::KEEP_NVRAM),
        ("tpm", flags::undefine::TPM),
        ("keep-tpm", flags::undefine::KEEP_TPM),
    ] {
        if cmd.flag(name) {
            f |= bit;
        }
    }
    let Some(c) = conn(ctl) else { return false };
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let running = match dom.is_active() {
        Ok(r) => r,
        Err(e) => {
            ctl.set_error(e);
            ctl.report_error();
            return false;
        }
    };
    let mut has_managed_save = false;
    // Snapshot counting is not in the rvirt API; like a driver without snapshot support,
    // it counts as "no snapshots".
    let has_snapshots_metadata = false;
    if !running {
        match dom.has_managed_save_image(0) {
            Ok(m) => has_managed_save = m,
            Err(e) if e.code == ErrorCode::NO_SUPPORT => ctl.reset_error(),
            Err(e) => {
                ctl.set_error(e);
                ctl.report_error();
                return false;
            }
        }
    }
    if !has_managed_save {
        f &= !flags::undefine::MANAGED_SAVE;
        managed_save_safe = true;
    }
    snapshots_safe = snapshots_safe || !has_snapshots_metadata;
    if !has_snapshots_metadata {
        f &= !flags::undefine::SNAPSHOTS_METADATA;
    }

    let mut vols: Vec<(rvirt::StorageVol, String, String)> = Vec::new();
    if vol_string.is_some() || remove_all_storage {
        if running {
            ctl.error("Storage volume deletion is supported only on stopped domains");
            return false;
        }
        if vol_string.is_some() && remove_all_storage {
            ctl.error("Specified both --storage and --remove-all-storage");
            return false;
        }
        let Some(xml) = ctl.check(dom.xml_desc(0)) else {
            return false;
        };
        let root = match rvirt_xml::tree::parse_document(&xml, "domain") {
            Ok(r) => r,
            Err(e) => {
                ctl.set_error(e.into());
                return false;
            }
        };
        let mut wanted: Option<Vec<Option<String>>> = vol_string
            .as_deref()
            .map(|s| string_to_array(s).into_iter().map(Some).collect());
        let disks: Vec<&rvirt_xml::Element> = root
            .child("devices")
            .map(|d| d.children_named("disk").collect())
            .unwrap_or_default();
        for disk in disks {
            let target = disk
                .child("target")
                .and_then(|t| t.attr("dev"))
                .filter(|s| !s.is_empty());
            let Some(target) = target else {
                ctl.report_error();
                return false;
            };
            let source_el = disk.child("source");
            let source = source_el.and_then(|s| {
                s.attrs
                    .iter()
                    .find(|(k, _)| matches!(k.as_str(), "file" | "dir" | "name" | "dev" | "volume"))
                    .map(|(_, v)| v.clone())
            });
            let Some(source) = source.filter(|s| !s.is_empty()) else {
                continue;
            };
            let pool = source_el
                .and_then(|s| s.attr("pool"))
                .filter(|s| !s.is_empty());
            if let Some(list) = wanted.as_mut() {
                let hit = list
                    .iter_mut()
                    .find(|v| v.as_deref() == Some(target) || v.as_deref() == Some(&source));
                match hit {
                    Some(v) => *v = None,
                    None => continue,
                }
            }
            let vol = if let Some(p) = pool {
                let sp = match c.storage_pool_lookup_by_name(p) {
                    Ok(sp) => sp,
                    Err(_) => {
                        ctl.error(&format!(
                            "Storage pool '{p}' for volume '{target}' not found."
                        ));
                        ctl.reset_error();
                        continue;
                    }
                };
                sp.vol_lookup_by_name(&source).ok()
            } else {
                c.storage_vol_lookup_by_path(&source).ok()
            };
            let Some(vol) = vol else {
                ctl.error(&format!(
                    "Storage volume '{target}'({source}) is not managed by libvirt. Remove it manually.\n"
                ));
                ctl.reset_error();
                continue;
            };
            vols.push((vol, target.to_string(), source));
        }
        if let Some(list) = wanted {
            let mut missing = false;
            for v in list.into_iter().flatten() {
                ctl.error(&format!(
                    "Volume '{v}' was not found in domain's definition.\n"
                ));
                missing = true;
            }
            if missing {
                return false;
            }
        }
    }

    let mut rc: Result<(), ()> = Err(());
    let mut done = false;
    if (managed_save_safe && snapshots_safe) || nvram {
        match dom.undefine(f) {
            Ok(()) => {
                rc = Ok(());
                done = true;
            }
            Err(e) => {
                let retry =
                    !nvram && (e.code == ErrorCode::NO_SUPPORT || e.code == ErrorCode::INVALID_ARG);
                ctl.set_error(e);
                if retry {
                    ctl.reset_error();
                } else {
                    done = true;
                }
            }
        }
    }
    if !done {
        if has_managed_save {
            if !managed_save {
                ctl.error("Refusing to undefine while domain managed save image exists");
                return false;
            }
            if let Err(e) = dom.managed_save_remove(0) {
                ctl.set_error(e);
                ctl.report_error();
                return false;
            }
        }
        rc = match dom.undefine(0) {
            Ok(()) => Ok(()),
            Err(e) => {
                ctl.set_error(e);
                Err(())
            }
        };
    }
    if rc.is_err() {
        ctl.error(&format!("Failed to undefine domain '{name}'"));
        return false;
    }
    ctl.print_extra(&format!("Domain '{name}' has been undefined\n"));
    let mut ret = true;
    for (vol, target, source) in vols {
        if wipe_storage {
            ctl.print_extra(&format!("Wiping volume '{target}'({source}) ... "));
            ctl.flush();
            // Volume wiping is not in the rvirt API.
            ctl.set_error(Error::no_support("virStorageVolWipe"));
            ctl.error("Failed! Volume not removed.");
            ret = false;
            continue;
        }
        match vol.delete(vol_flags) {
            Ok(()) => ctl.print_extra(&format!("Volume '{target}'({source}) removed.\n")),
            Err(e) => {
                ctl.set_error(e);
                ctl.error(&format!(
                    "Failed to remove storage volume '{target}'({source})"
                ));
                ret = false;
            }
        }
    }
    ret
}

// ---- life cycle ----

fn cmd_start(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((mut dom, _)) = lookup::domain(ctl, cmd, BY_NAME | BY_UUID) else {
        return false;
    };
    if dom.id().is_some() {
        ctl.error("Domain is already active");
        return false;
    }
    let Ok(fds) = pass_fds(ctl, cmd) else {
        return false;
    };
    let mut f = 0;
    for (name, bit) in [
        ("paused", flags::create::PAUSED),
        ("autodestroy", flags::create::AUTODESTROY),
        ("bypass-cache", flags::create::BYPASS_CACHE),
        ("force-boot", flags::create::FORCE_BOOT),
        ("reset-nvram", flags::create::RESET_NVRAM),
    ] {
        if cmd.flag(name) {
            f |= bit;
        }
    }
    // The descriptors would go through virDomainCreateWithFiles, which the rvirt API
    // lacks; the domain is started without them.
    let _ = fds;
    let create = |dom: &mut Domain, f: u32| -> rvirt::Result<()> { dom.create(f) };
    let mut started = false;
    if f & flags::create::FORCE_BOOT != 0 {
        match create(&mut dom, f) {
            Ok(()) => started = true,
            Err(e) => {
                let fallback = e.code == ErrorCode::NO_SUPPORT || e.code == ErrorCode::INVALID_ARG;
                ctl.set_error(e);
                if !fallback {
                    ctl.report_error();
                    return false;
                }
                ctl.reset_error();
                match dom.has_managed_save_image(0) {
                    Err(_) => ctl.reset_error(),
                    Ok(true) => {
                        if let Err(e) = dom.managed_save_remove(0) {
                            ctl.set_error(e);
                            ctl.report_error();
                            return false;
                        }
                    }
                    Ok(false) => {}
                }
                f &= !flags::create::FORCE_BOOT;
            }
        }
    }
    if !started {
        if let Err(e) = create(&mut dom, f) {
            ctl.set_error(e);
            ctl.error(&format!("Failed to start domain '{}'", dom.name()));
            return false;
        }
    }
    ctl.print_extra(&format!("Domain '{}' started\n", dom.name()));
    if cmd.flag("console") && !run_console(ctl, &dom) {
        return false;
    }
    true
}

/// Runs a simple domain action with virsh's success and failure messages.
fn simple_action(
    ctl: &mut Ctl,
    cmd: &Cmd,
    action: &dyn Fn(&Domain) -> rvirt::Result<()>,
    ok: &str,
    fail: &str,
) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    match action(&dom) {
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

fn cmd_destroy(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut f = 0;
    if cmd.flag("graceful") {
        f |= flags::destroy::GRACEFUL;
    }
    if cmd.flag("remove-logs") {
        f |= flags::destroy::REMOVE_LOGS;
    }
    simple_action(
        ctl,
        cmd,
        &|d| d.destroy(f),
        "Domain '{}' destroyed\n",
        "Failed to destroy domain '{}'",
    )
}

fn cmd_reset(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.reset(0),
        "Domain '{}' was reset\n",
        "Failed to reset domain '{}'",
    )
}

fn cmd_suspend(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.suspend(),
        "Domain '{}' suspended\n",
        "Failed to suspend domain '{}'",
    )
}

fn cmd_resume(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    simple_action(
        ctl,
        cmd,
        &|d| d.resume(),
        "Domain '{}' resumed\n",
        "Failed to resume domain '{}'",
    )
}

/// `--mode` of shutdown/reboot as flag bits; `Err` after printing for an unknown word.
fn shutdown_mode(ctl: &mut Ctl, cmd: &Cmd, reboot: bool) -> Result<u32, ()> {
    let Some(mode) = cmd.string(ctl, "mode")? else {
        return Ok(0);
    };
    let mut f = 0;
    for m in mode.split(',') {
        f |= match m {
            "acpi" => 1,
            "agent" => 2,
            "initctl" => 4,
            "signal" => 8,
            "paravirt" => 16,
            _ => {
                let tail = if reboot {
                    "'signal' or 'paravirt'"
                } else {
                    "'signal', or 'paravirt'"
                };
                ctl.error(&format!(
                    "Unknown mode {m} value, expecting 'acpi', 'agent', 'initctl', {tail}"
                ));
                return Err(());
            }
        };
    }
    Ok(f)
}

fn cmd_shutdown(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = shutdown_mode(ctl, cmd, false) else {
        return false;
    };
    simple_action(
        ctl,
        cmd,
        &|d| d.shutdown(f),
        "Domain '{}' is being shutdown\n",
        "Failed to shutdown domain '{}'",
    )
}

fn cmd_reboot(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(f) = shutdown_mode(ctl, cmd, true) else {
        return false;
    };
    simple_action(
        ctl,
        cmd,
        &|d| d.reboot(f),
        "Domain '{}' is being rebooted\n",
        "Failed to reboot domain '{}'",
    )
}

fn cmd_autostart(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let enable = !cmd.flag("disable");
    let (ok, fail) = if enable {
        ("marked as autostarted", "Failed to mark")
    } else {
        ("unmarked as autostarted", "Failed to unmark")
    };
    match dom.set_autostart(enable) {
        Ok(()) => {
            ctl.print_extra(&format!("Domain '{name}' {ok}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("{fail} domain '{name}' as autostarted"));
            false
        }
    }
}

// ---- save / restore ----

/// Makes a file name absolute, as libvirt's public save/restore calls do before they
/// reach a driver.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    match std::env::current_dir() {
        Ok(d) => format!("{}/{path}", d.to_string_lossy().trim_end_matches('/')),
        Err(_) => path.to_string(),
    }
}

fn cmd_save(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(to) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let Ok(xmlfile) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml = match xmlfile {
        Some(p) => match read_file(ctl, p) {
            Some(x) => Some(x),
            None => {
                ctl.report_error();
                return false;
            }
        },
        None => None,
    };
    if let Err(e) = dom.save(&absolute(to), xml.as_deref(), f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to save domain '{name}' to {to}"));
        return false;
    }
    if cmd.flag("verbose") {
        ctl.eprint("\rSave: [100 %]");
    }
    ctl.print_extra(&format!("\nDomain '{name}' saved to {to}\n"));
    true
}

fn cmd_restore(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Ok(from) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
        ("reset-nvram", flags::save::RESET_NVRAM),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let Ok(xmlfile) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml = match xmlfile {
        Some(p) => match read_file(ctl, p) {
            Some(x) => Some(x),
            None => return false,
        },
        None => None,
    };
    if let Err(e) = c.domain_restore(&absolute(from), xml.as_deref(), f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to restore domain from {from}"));
        return false;
    }
    ctl.print_extra(&format!("Domain restored from {from}\n"));
    true
}

fn cmd_managedsave(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let mut f = 0;
    for (n, bit) in [
        ("bypass-cache", flags::save::BYPASS_CACHE),
        ("running", flags::save::RUNNING),
        ("paused", flags::save::PAUSED),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    if let Err(e) = dom.managed_save(f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to save domain '{name}' state"));
        return false;
    }
    if cmd.flag("verbose") {
        ctl.eprint("\rManagedsave: [100 %]");
    }
    ctl.print_extra(&format!("\nDomain '{name}' state saved by libvirt\n"));
    true
}

fn cmd_managedsave_remove(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let has = match dom.has_managed_save_image(0) {
        Ok(h) => h,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Failed to check for domain managed save image");
            return false;
        }
    };
    if !has {
        ctl.print_extra(&format!(
            "Domain '{name}' has no manage save image; removal skipped"
        ));
        return true;
    }
    match dom.managed_save_remove(0) {
        Ok(()) => {
            ctl.print_extra(&format!("Removed managedsave image for domain '{name}'"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!(
                "Failed to remove managed save image for domain '{name}'"
            ));
            false
        }
    }
}

// ---- XML ----

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

fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut f = 0;
    for (n, bit) in [
        ("inactive", flags::domain_xml::INACTIVE),
        ("security-info", flags::domain_xml::SECURE),
        ("update-cpu", flags::domain_xml::UPDATE_CPU),
        ("migratable", flags::domain_xml::MIGRATABLE),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let wrap = cmd.flag("wrap");
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(dom.xml_desc(f)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, wrap)
}

fn cmd_domxml_to_native(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    if !exclusive_opts(ctl, cmd, "domain", "xml") {
        return false;
    }
    if cmd.string_req(ctl, "format").is_err() {
        return false;
    }
    let Ok(xml_file) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml_file = xml_file.map(str::to_string);
    let xml = if cmd.has("domain") {
        let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
            return false;
        };
        ctl.check(dom.xml_desc(0))
    } else if let Some(f) = xml_file {
        match read_file(ctl, &f) {
            Some(x) => Some(x),
            None => return false,
        }
    } else {
        ctl.error("need either domain or domain XML");
        return false;
    };
    if xml.is_none() {
        ctl.error("failed to retrieve XML");
        return false;
    }
    // Conversion to native formats is not in the rvirt API; no rvirt driver offers it.
    ctl.set_error(Error::no_support("virConnectDomainXMLToNative"));
    false
}

fn cmd_edit(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let query = flags::domain_xml::SECURE | flags::domain_xml::INACTIVE;
    let validate = !cmd.flag("skip-validate");
    let d = dom.clone();
    let outcome = editor::edit_loop(
        ctl,
        &mut |ctl: &mut Ctl| ctl.check(d.xml_desc(query)),
        &mut |ctl: &mut Ctl, xml: &str, relaxed: bool| {
            let f = if validate && !relaxed {
                flags::define::VALIDATE
            } else {
                0
            };
            match c.domain_define_xml(xml, f) {
                Ok(nd) => Some(nd),
                Err(e) if e.code == ErrorCode::NO_SUPPORT && f != 0 => {
                    ctl.check(c.domain_define_xml(xml, 0))
                }
                Err(e) => {
                    ctl.set_error(e);
                    None
                }
            }
        },
        true,
    );
    match outcome {
        EditOutcome::NotChanged => {
            ctl.print_extra(&format!(
                "Domain '{}' XML configuration not changed.\n",
                dom.name()
            ));
            true
        }
        EditOutcome::Edited(nd) => {
            let name = nd.map(|d| d.name().to_string());
            ctl.print_extra(&format!(
                "Domain '{}' XML configuration edited.\n",
                name.as_deref().unwrap_or("(null)")
            ));
            true
        }
        EditOutcome::Failed => false,
    }
}

// ---- description and metadata ----

fn cmd_desc(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let title = cmd.flag("title");
    let edit = cmd.flag("edit");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    let mut query = 0;
    if config {
        f |= flags::affect::CONFIG;
        query |= flags::domain_xml::INACTIVE;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    if domain_state(ctl, &dom).is_none() {
        return false;
    }
    let words = cmd.argv("new-desc");
    let mut desc = if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    };
    let kind = if title {
        flags::metadata::TITLE
    } else {
        flags::metadata::DESCRIPTION
    };
    let what = if title { "title" } else { "description" };
    if !edit && desc.is_none() {
        let Some(text) = domain_description(ctl, &dom, title, query) else {
            return false;
        };
        if !text.is_empty() {
            ctl.print(&text);
        } else if title {
            ctl.print_extra(&format!("No title for domain: {}", dom.name()));
        } else {
            ctl.print_extra(&format!("No description for domain: {}", dom.name()));
        }
        return true;
    }
    if desc.is_none() {
        desc = domain_description(ctl, &dom, title, query);
        if desc.is_none() {
            return false;
        }
    }
    let mut text = desc.unwrap_or_default();
    if edit {
        let Some(tmp) = editor::write_temp(ctl, &text) else {
            return false;
        };
        if !editor::edit_file(ctl, &tmp) {
            return false;
        }
        let Some(mut edited) = editor::read_back(ctl, &tmp) else {
            return false;
        };
        if title && edited.ends_with('\n') {
            edited.pop();
        }
        if edited == text {
            ctl.print_extra(&format!("Domain {what} not changed\n",));
            return true;
        }
        text = edited;
    }
    if let Err(e) = dom.set_metadata(kind, Some(&text), None, None, f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to set new domain {what}"));
        return false;
    }
    ctl.print_extra(&format!("Domain {what} updated successfully"));
    true
}

fn cmd_metadata(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let edit = cmd.flag("edit");
    let rem = cmd.flag("remove");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive_opts(ctl, cmd, "edit", "set")
        || !exclusive_opts(ctl, cmd, "remove", "set")
        || !exclusive_opts(ctl, cmd, "remove", "edit")
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (Ok(uri), Ok(key), Ok(set)) = (
        cmd.string(ctl, "uri"),
        cmd.string(ctl, "key"),
        cmd.string(ctl, "set"),
    ) else {
        return false;
    };
    if (set.is_some() || edit) && key.is_none() {
        ctl.error("namespace key is required when modifying metadata");
        return false;
    }
    let el = flags::metadata::ELEMENT;
    if set.is_some() || rem {
        if let Err(e) = dom.set_metadata(el, set, key, uri, f) {
            ctl.set_error(e);
            return false;
        }
        ctl.print_extra(if rem {
            "Metadata removed\n"
        } else {
            "Metadata modified\n"
        });
        return true;
    }
    if edit {
        let outcome = editor::edit_loop(
            ctl,
            &mut |ctl: &mut Ctl| match dom.metadata(el, uri, f) {
                Ok(s) => Some(s),
                Err(e) if e.code == ErrorCode::NO_DOMAIN_METADATA => {
                    ctl.reset_error();
                    Some("\n".to_string())
                }
                Err(e) => {
                    ctl.set_error(e);
                    None
                }
            },
            &mut |ctl: &mut Ctl, text: &str, _| {
                ctl.check(dom.set_metadata(el, Some(text), key, uri, f))
            },
            false,
        );
        return match outcome {
            EditOutcome::NotChanged => {
                ctl.print_extra("Metadata not changed");
                true
            }
            EditOutcome::Edited(_) => {
                ctl.print_extra("Metadata modified\n");
                true
            }
            EditOutcome::Failed => false,
        };
    }
    match dom.metadata(el, uri, f) {
        Ok(data) => {
            ctl.print(&format!("{data}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

// ---- memory and CPUs ----

fn cmd_setmem(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    if !current && !live && !config {
        f = flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(bytes)) = cmd.scaled(ctl, "size", 1024, u64::MAX) else {
        return false;
    };
    let kib = bytes.div_ceil(1024);
    match dom.set_memory_flags(kib, f) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

fn cmd_setmaxmem(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(bytes)) = cmd.scaled(ctl, "size", 1024, u64::MAX) else {
        return false;
    };
    let kib = bytes.div_ceil(1024);
    match dom.set_memory_flags(kib, f | flags::memory::MAXIMUM) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            ctl.error("Unable to change MaxMemorySize");
            false
        }
    }
}

fn cmd_setvcpus(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let maximum = cmd.flag("maximum");
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let guest = cmd.flag("guest");
    let hotpluggable = cmd.flag("hotpluggable");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive(ctl, ("guest", guest), ("config", config))
        || !require(ctl, ("maximum", maximum), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    if guest {
        f |= flags::vcpu::GUEST;
    }
    if maximum {
        f |= flags::vcpu::MAXIMUM;
    }
    if hotpluggable {
        f |= flags::vcpu::HOTPLUGGABLE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(Some(count)) = cmd.uint(ctl, "count") else {
        return false;
    };
    if count == 0 {
        ctl.error("Can't set 0 processors for a VM");
        return false;
    }
    // Without flags virsh uses virDomainSetVcpus, which acts on the live domain.
    let f = if !current && f == 0 {
        flags::affect::LIVE
    } else {
        f
    };
    match dom.set_vcpus_flags(count, f) {
        Ok(()) => true,
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

/// One vCPU count; `Ok(None)` when the query does not apply to the domain's state.
fn vcpu_count(ctl: &mut Ctl, dom: &Domain, f: u32, check_state: bool) -> Result<Option<i32>, ()> {
    if check_state {
        let live_ok = f & flags::affect::LIVE == 0 || matches!(dom.is_active(), Ok(true));
        let conf_ok = f & flags::affect::CONFIG == 0 || matches!(dom.is_persistent(), Ok(true));
        if !live_ok || !conf_ok {
            return Ok(None);
        }
    }
    match dom.vcpus_flags(f) {
        Ok(n) => Ok(Some(n)),
        Err(e) => {
            let fallback = e.code == ErrorCode::NO_SUPPORT || e.code == ErrorCode::INVALID_ARG;
            ctl.set_error(e);
            if fallback && f & flags::vcpu::GUEST != 0 {
                ctl.error("Failed to retrieve vCPU count from the guest");
            }
            Err(())
        }
    }
}

fn cmd_vcpucount(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let maximum = cmd.flag("maximum");
    let active = cmd.flag("active");
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let mut current = cmd.flag("current");
    let guest = cmd.flag("guest");
    let all = !(maximum || active || current || config || live || guest);
    // An old meaning of --current: alone it just selects the default.
    if !maximum && !active && current {
        current = false;
    }
    if !exclusive(ctl, ("live", live), ("config", config))
        || !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive(ctl, ("active", active), ("maximum", maximum))
        || !exclusive(ctl, ("guest", guest), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if live {
        f |= flags::affect::LIVE;
    }
    if config {
        f |= flags::affect::CONFIG;
    }
    if maximum {
        f |= flags::vcpu::MAXIMUM;
    }
    if guest {
        f |= flags::vcpu::GUEST;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (cfg, lv, max) = (
        flags::affect::CONFIG,
        flags::affect::LIVE,
        flags::vcpu::MAXIMUM,
    );
    if all {
        let mut counts = Vec::new();
        for q in [cfg | max, cfg, lv | max, lv] {
            match vcpu_count(ctl, &dom, q, true) {
                Ok(n) => counts.push(n),
                Err(()) => return false,
            }
        }
        let mut s = String::new();
        for (i, which, state) in [
            (0, "maximum", "config"),
            (2, "maximum", "live"),
            (1, "current", "config"),
            (3, "current", "live"),
        ] {
            if let Some(n) = counts[i].filter(|n| *n > 0) {
                s.push_str(&format!("{which:<12} {state:<12} {n:>3}\n"));
            }
        }
        ctl.print(&s);
        return true;
    }
    match vcpu_count(ctl, &dom, f, false) {
        Ok(Some(n)) => {
            ctl.print(&format!("{n}\n"));
            true
        }
        _ => false,
    }
}
