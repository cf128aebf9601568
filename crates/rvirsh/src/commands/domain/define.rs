//! Defining, creating and undefining domains.

use super::console::run_console;
use crate::cli::parser::Cmd;
use crate::commands::{conn, exclusive_opts, read_file, require, string_to_array};
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::{Error, ErrorCode};

pub(super) fn cmd_define(ctl: &mut Ctl, cmd: &Cmd) -> bool {
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
pub(super) fn pass_fds(ctl: &mut Ctl, cmd: &Cmd) -> Result<Vec<i32>, ()> {
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

pub(super) fn cmd_create(ctl: &mut Ctl, cmd: &Cmd) -> bool {
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

pub(super) fn cmd_undefine(ctl: &mut Ctl, cmd: &Cmd) -> bool {
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
    // VIR_DOMAIN_SNAPSHOT_LIST_METADATA; a driver without snapshots counts as none.
    let has_snapshots_metadata = match dom.snapshot_num(1 << 1) {
        Ok(n) => n > 0,
        Err(_) => {
            ctl.reset_error();
            false
        }
    };
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
        match dom.undefine_flags(f) {
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
        rc = match dom.undefine_flags(0) {
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
