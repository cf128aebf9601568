//! What each pool type does to the host when it is built, started, stopped, deleted and
//! refreshed. `dir` pools are a directory; `fs` pools are a device (or image) mounted on
//! one. Both hold file volumes ([`crate::filevol`]). `disk` pools are a partitioned
//! device whose partitions are the volumes ([`crate::disk`]).

use crate::cmd::Helper;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{PoolDef, PoolType, VolDef};
use std::os::unix::fs::PermissionsExt;

/// `virStoragePoolBuildFlags`.
pub const BUILD_NO_OVERWRITE: u32 = 1 << 2;
pub const BUILD_OVERWRITE: u32 = 1 << 3;

/// libvirt's mode for a directory it builds.
const DEFAULT_DIR_MODE: u32 = 0o711;

/// Whether rvirt can run pools of type `t`.
pub fn supported(t: PoolType) -> bool {
    matches!(
        t,
        PoolType::Dir | PoolType::Fs | PoolType::Disk | PoolType::Logical
    )
}

pub fn unsupported_type(t: PoolType) -> Error {
    Error::new(
        ErrorDomain::STORAGE,
        ErrorCode::NO_SUPPORT,
        Some(format!(
            "storage pools of type '{}' are not implemented by rvirt yet",
            rvirt_xml::XmlEnum::as_xml(&t)
        )),
    )
}

fn target(def: &PoolDef) -> Result<&str> {
    def.target_path
        .as_deref()
        .ok_or_else(|| Error::internal(ErrorDomain::STORAGE, "pool has no target path"))
}

fn device(def: &PoolDef) -> Result<&str> {
    def.source
        .devices
        .first()
        .map(|d| d.path.as_str())
        .ok_or_else(|| {
            Error::new(
                ErrorDomain::STORAGE,
                ErrorCode::INVALID_ARG,
                Some("missing source device".to_string()),
            )
        })
}

fn fs_type(def: &PoolDef) -> String {
    match &def.source.format {
        Some(f) => f.as_xml().to_string(),
        None => "auto".to_string(),
    }
}

/// Makes the target directory (and for `fs` with a flag, the filesystem).
pub fn build(def: &PoolDef, flags: u32) -> Result<()> {
    if flags & BUILD_OVERWRITE != 0 && flags & BUILD_NO_OVERWRITE != 0 {
        return Err(Error::new(
            ErrorDomain::STORAGE,
            ErrorCode::INVALID_ARG,
            Some(
                "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and \
                 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive"
                    .to_string(),
            ),
        ));
    }
    match def.pool_type {
        PoolType::Disk => return crate::disk::build(def, flags & BUILD_OVERWRITE != 0),
        PoolType::Logical => return crate::logical::build(def, flags & BUILD_OVERWRITE != 0),
        _ => {}
    }
    let path = target(def)?;
    std::fs::create_dir_all(path).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot create path '{path}'"),
            &e,
        )
    })?;
    let mode = def.target_perms.mode.unwrap_or(DEFAULT_DIR_MODE);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot set mode of '{path}'"),
            &e,
        )
    })?;
    let (uid, gid) = (def.target_perms.owner, def.target_perms.group);
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(path, uid, gid).map_err(|e| {
            Error::system(ErrorDomain::STORAGE, format!("cannot chown '{path}'"), &e)
        })?;
    }
    if def.pool_type == PoolType::Fs {
        let dev = device(def)?;
        let make =
            flags & BUILD_OVERWRITE != 0 || (flags & BUILD_NO_OVERWRITE != 0 && looks_blank(dev));
        if flags & BUILD_NO_OVERWRITE != 0 && !make {
            let msg = match crate::probe::fs_signature(dev) {
                Some(t) => format!("Device '{dev}' already formatted using '{t}'"),
                None => format!("Device '{dev}' already holds data"),
            };
            return Err(Error::new(
                ErrorDomain::STORAGE,
                ErrorCode::STORAGE_POOL_BUILT,
                Some(msg),
            ));
        }
        if make {
            let fstype = match fs_type(def).as_str() {
                "auto" => "ext4".to_string(),
                t => t.to_string(),
            };
            let mut h = Helper::new("mkfs").args(["-t", &fstype]);
            if fstype.starts_with("ext") {
                h = h.arg("-F");
            } else if fstype == "xfs" {
                h = h.arg("-f");
            }
            h.arg(dev).run()?;
        }
    }
    Ok(())
}

/// No known signature in the first 64 KiB (where filesystems, labels and PV headers sit).
fn looks_blank(dev: &str) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(dev) else {
        return false;
    };
    let mut buf = vec![0u8; 64 * 1024];
    let n = f.read(&mut buf).unwrap_or(0);
    buf[..n].iter().all(|&b| b == 0)
}

/// Whether the target is a mount point of `dev` now (read from the kernel's mount table).
fn mounted(def: &PoolDef) -> bool {
    let Ok(t) = target(def) else { return false };
    let want = std::fs::canonicalize(t).unwrap_or_else(|_| t.into());
    let Ok(table) = std::fs::read_to_string("/proc/self/mounts") else {
        return false;
    };
    table.lines().any(|l| {
        let mut f = l.split(' ');
        let (_, Some(dir)) = (f.next(), f.next()) else {
            return false;
        };
        // Spaces and the like are octal escapes in the table.
        dir.replace("\\040", " ") == want.to_string_lossy()
    })
}

/// Makes the pool usable: checks the directory, mounts the filesystem.
pub fn start(def: &PoolDef) -> Result<()> {
    match def.pool_type {
        PoolType::Disk => return crate::disk::start(def),
        PoolType::Logical => return crate::logical::start(def),
        _ => {}
    }
    let path = target(def)?;
    if def.pool_type == PoolType::Fs && !mounted(def) {
        let dev = device(def)?;
        let fstype = fs_type(def);
        Helper::new("mount")
            .args(["-o", "nodev,nosuid,noexec", "-t", &fstype, dev, path])
            .run()?;
    }
    std::fs::read_dir(path).map(|_| ()).map_err(|e| {
        Error::system(
            ErrorDomain::NONE,
            format!("cannot open directory '{path}'"),
            &e,
        )
    })
}

/// Whether a pool found defined at daemon start is in fact usable (libvirt then counts it
/// active, even without a state file).
pub fn check(def: &PoolDef) -> bool {
    match def.pool_type {
        PoolType::Dir => target(def).is_ok_and(|p| std::path::Path::new(p).is_dir()),
        PoolType::Fs => mounted(def),
        PoolType::Disk => crate::disk::check(def),
        PoolType::Logical => crate::logical::check(def),
        _ => false,
    }
}

pub fn stop(def: &PoolDef) -> Result<()> {
    if def.pool_type == PoolType::Logical {
        return crate::logical::stop(def);
    }
    if def.pool_type == PoolType::Fs && mounted(def) {
        Helper::new("umount").arg(target(def)?).run()?;
    }
    Ok(())
}

/// Removes the target directory (never the data of a filesystem).
pub fn delete(def: &PoolDef) -> Result<()> {
    match def.pool_type {
        PoolType::Disk => return crate::disk::wipe_table(def),
        PoolType::Logical => return crate::logical::delete(def),
        _ => {}
    }
    let path = target(def)?;
    std::fs::remove_dir(path).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("failed to remove pool '{path}'"),
            &e,
        )
    })
}

/// capacity, allocation, available.
pub type Sizes = (u64, u64, u64);

/// Free extents (start, end) of a pool on a partitioned device.
pub type FreeExtents = Option<Vec<(u64, u64)>>;

/// The pool's sizes, and its free extents.
pub fn usage(def: &PoolDef) -> Result<(Sizes, FreeExtents)> {
    if def.pool_type == PoolType::Disk {
        let l = crate::disk::read(crate::disk::device(def)?)?;
        return Ok((l.sizes(), Some(l.free_extents())));
    }
    if def.pool_type == PoolType::Logical {
        return Ok((crate::logical::sizes(def)?, None));
    }
    Ok((sizes(def)?, None))
}

/// capacity, allocation, available, as libvirt computes them from statvfs.
fn sizes(def: &PoolDef) -> Result<(u64, u64, u64)> {
    let path = target(def)?;
    let s = rustix::fs::statvfs(path).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot statvfs path '{path}'"),
            &e.into(),
        )
    })?;
    let cap = s.f_frsize.saturating_mul(s.f_blocks);
    let avail = s.f_frsize.saturating_mul(s.f_bfree);
    Ok((cap, cap.saturating_sub(avail), avail))
}

/// The pool's volumes with its sizes, from one reading of a partition table.
pub fn survey(def: &PoolDef) -> (Result<Vec<VolDef>>, Result<(Sizes, FreeExtents)>) {
    if def.pool_type == PoolType::Disk {
        return match crate::disk::device(def).and_then(crate::disk::read) {
            Ok(l) => (
                crate::disk::volumes(def, &l),
                Ok((l.sizes(), Some(l.free_extents()))),
            ),
            Err(e) => (Err(e.clone()), Err(e)),
        };
    }
    (scan(def), usage(def))
}

/// Every volume of a pool that is not on a partition table.
fn scan(def: &PoolDef) -> Result<Vec<VolDef>> {
    if def.pool_type == PoolType::Logical {
        return crate::logical::scan(def);
    }
    let path = target(def)?;
    let dir = std::fs::read_dir(path).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot open path '{path}'"),
            &e,
        )
    })?;
    let mut vols = Vec::new();
    for ent in dir.flatten() {
        let name = ent.file_name().to_string_lossy().into_owned();
        if let Some(v) = crate::filevol::scan_entry(path, &name) {
            vols.push(v);
        }
    }
    Ok(vols)
}

/// The ownership and mode of the pool's target directory, shown in its XML while active.
pub fn target_perms(def: &PoolDef) -> Option<rvirt_xml::storage::Perms> {
    use std::os::unix::fs::MetadataExt;
    if matches!(def.pool_type, PoolType::Disk | PoolType::Logical) {
        return None;
    }
    let m = std::fs::metadata(def.target_path.as_deref()?).ok()?;
    Some(rvirt_xml::storage::Perms {
        mode: Some(m.mode() & 0o777),
        owner: Some(m.uid()),
        group: Some(m.gid()),
        label: None,
    })
}

/// Whether two pools would use the same storage.
pub fn same_source(a: &PoolDef, b: &PoolDef) -> bool {
    if a.pool_type != b.pool_type {
        return false;
    }
    match a.pool_type {
        PoolType::Dir => a.target_path == b.target_path,
        PoolType::Fs | PoolType::Disk | PoolType::Logical => {
            a.source
                .devices
                .iter()
                .any(|d| b.source.devices.iter().any(|e| e.path == d.path))
                || (a.pool_type == PoolType::Logical && a.source.name == b.source.name)
        }
        _ => false,
    }
}
