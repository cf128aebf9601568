//! Volumes that are files in a directory (`dir` and `fs` pools): making them (raw files in
//! process, other formats with `qemu-img`), cloning, resizing, wiping, deleting, and
//! reading back what a file is. A failed create removes what it made.

use crate::cmd::Helper;
use crate::probe::{self, ImageInfo};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{
    EncryptionFormat, FileFormat, Timestamp, Timestamps, VolDef, VolFeature, VolFormat, VolTarget,
    VolType,
};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// `virStorageVolCreateFlags`.
pub const PREALLOC_METADATA: u32 = 1 << 0;
pub use rvirt_core::types::flags::vol_resize::{
    ALLOCATE as RESIZE_ALLOCATE, DELTA as RESIZE_DELTA, SHRINK as RESIZE_SHRINK,
};
/// `virStorageVolResizeFlags`.
pub use rvirt_core::types::WIPE_ALGORITHMS;

/// libvirt's default mode for a created volume.
const DEFAULT_MODE: u32 = 0o600;
/// Copy and wipe buffer.
const CHUNK: usize = 1 << 20;

fn st(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::STORAGE, code, Some(msg.into()))
}

pub fn format_of(v: &VolDef) -> FileFormat {
    match v.target.format {
        Some(VolFormat::File(f)) => f,
        _ => FileFormat::Raw,
    }
}

fn path_of(v: &VolDef) -> Result<&str> {
    v.target
        .path
        .as_deref()
        .ok_or_else(|| Error::internal(ErrorDomain::STORAGE, "volume has no target path"))
}

fn timestamp(sec: i64, nsec: i64) -> Option<Timestamp> {
    Some(Timestamp {
        sec: sec.max(0) as u64,
        nsec: nsec.clamp(0, 999_999_999) as u32,
    })
}

/// Fills sizes, permissions and times of a target from the file it names.
pub(crate) fn stat_target(t: &mut VolTarget, m: &std::fs::Metadata) {
    t.perms.mode = Some(m.mode() & 0o777);
    t.perms.owner = Some(m.uid());
    t.perms.group = Some(m.gid());
    t.perms.label = None;
    t.timestamps = Some(Timestamps {
        atime: timestamp(m.atime(), m.atime_nsec()),
        mtime: timestamp(m.mtime(), m.mtime_nsec()),
        ctime: timestamp(m.ctime(), m.ctime_nsec()),
        btime: timestamp(0, 0),
    });
}

/// Re-reads a volume from its file. `full` (a pool refresh) also takes the qcow2 details
/// and the backing file from the header; otherwise they stay as they were, which is what
/// libvirt shows after a wipe or an upload changed the file.
pub fn refresh(v: &mut VolDef, pool_dir: &str, full: bool) -> std::io::Result<()> {
    let path = path_of(v)
        .map_err(|_| std::io::Error::other("no path"))?
        .to_string();
    let m = std::fs::metadata(&path)?;
    stat_target(&mut v.target, &m);
    // A partition's sizes come from the partition table (crate::disk), not from stat.
    if std::os::unix::fs::FileTypeExt::is_block_device(&m.file_type()) {
        return Ok(());
    }
    if m.is_dir() {
        v.vol_type = VolType::Dir;
        v.target.format = Some(VolFormat::File(FileFormat::Dir));
        v.capacity = 0;
        v.allocation = 0;
        v.physical = 0;
        return Ok(());
    }
    v.vol_type = VolType::File;
    v.allocation = m.blocks() * 512;
    v.physical = m.len();
    let info = probe::probe(Path::new(&path));
    v.capacity = info.capacity.unwrap_or(m.len());
    v.target.format = Some(VolFormat::File(info.format));
    if full {
        apply_details(v, &info, pool_dir);
    }
    if let Some(b) = v.backing_store.as_mut() {
        if let Some(bm) = b.path.as_deref().and_then(|p| std::fs::metadata(p).ok()) {
            stat_target(b, &bm);
        }
    }
    Ok(())
}

fn apply_details(v: &mut VolDef, info: &ImageInfo, pool_dir: &str) {
    if info.compat.is_some() {
        v.target.compat = info.compat.clone();
    }
    if info.cluster_size > 0 {
        v.target.cluster_size = info.cluster_size;
    }
    if info.features.is_some() {
        v.target.features = info.features.clone();
    }
    if info.luks {
        v.target.encryption = Some(rvirt_xml::storage::Encryption {
            format: EncryptionFormat::Luks,
            engine: None,
            secrets: Vec::new(),
            info: Default::default(),
        });
    }
    if let Some((name, fmt)) = &info.backing {
        let path = if name.starts_with('/') {
            name.clone()
        } else {
            format!("{pool_dir}/{name}")
        };
        let fmt = fmt.unwrap_or(FileFormat::Raw);
        v.backing_store = Some(VolTarget {
            path: Some(path),
            format: Some(VolFormat::File(fmt)),
            ..Default::default()
        });
    }
}

/// A volume found in the pool directory, or `None` for what libvirt skips (dangling
/// links, FIFOs, sockets, devices).
pub fn scan_entry(pool_dir: &str, name: &str) -> Option<VolDef> {
    let path = format!("{pool_dir}/{name}");
    let m = std::fs::metadata(&path).ok()?;
    if !m.is_file() && !m.is_dir() {
        return None;
    }
    let mut v = VolDef {
        vol_type: VolType::File,
        name: name.to_string(),
        key: Some(path.clone()),
        extents: Vec::new(),
        capacity: 0,
        allocation: 0,
        has_allocation: true,
        physical: 0,
        target: VolTarget {
            path: Some(path),
            ..Default::default()
        },
        backing_store: None,
    };
    refresh(&mut v, pool_dir, true).ok()?;
    Some(v)
}

/// The `-o` options libvirt passes `qemu-img` for a target of format `fmt`.
fn image_options(
    fmt: FileFormat,
    t: &VolTarget,
    prealloc: Option<&str>,
    backing_fmt: Option<FileFormat>,
) -> Result<Vec<String>> {
    let mut o = Vec::new();
    if let Some(p) = prealloc {
        o.push(format!("preallocation={p}"));
    }
    if let Some(b) = backing_fmt {
        o.push(format!("backing_fmt={}", rvirt_xml::XmlEnum::as_xml(&b)));
    }
    if fmt == FileFormat::Qcow2 {
        let compat = t.compat.clone().unwrap_or_else(|| "0.10".to_string());
        let lazy = t
            .features
            .as_ref()
            .is_some_and(|f| f.contains(&VolFeature::LazyRefcounts));
        if lazy && compat == "0.10" {
            return Err(st(
                ErrorCode::CONFIG_UNSUPPORTED,
                "lazy_refcounts not supported with compat level 0.10",
            ));
        }
        o.push(format!("compat={compat}"));
        if t.cluster_size > 0 {
            o.push(format!("cluster_size={}", t.cluster_size));
        }
        if lazy {
            o.push("lazy_refcounts".to_string());
        }
    }
    Ok(o)
}

fn check_backing(v: &VolDef) -> Result<Option<(String, FileFormat)>> {
    let Some(b) = &v.backing_store else {
        return Ok(None);
    };
    let Some(path) = b.path.clone() else {
        return Ok(None);
    };
    if let Err(e) = std::fs::metadata(&path) {
        return Err(Error::system(
            ErrorDomain::STORAGE,
            format!("inaccessible backing store volume {path}"),
            &e,
        ));
    }
    let fmt = match b.format {
        Some(VolFormat::File(f)) => f,
        _ => FileFormat::Raw,
    };
    Ok(Some((path, fmt)))
}

/// Removes a file this module just made, after a failure.
struct Undo<'a>(Option<&'a str>);

impl Undo<'_> {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Undo<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn apply_perms(path: &str, v: &VolDef) -> Result<()> {
    let mode = v.target.perms.mode.unwrap_or(DEFAULT_MODE);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot set mode of '{path}' to {mode:04o}"),
            &e,
        )
    })?;
    let (uid, gid) = (v.target.perms.owner, v.target.perms.group);
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(path, uid, gid).map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!(
                    "cannot chown '{path}' to ({}, {})",
                    uid.map_or(-1, |u| u as i64),
                    gid.map_or(-1, |g| g as i64)
                ),
                &e,
            )
        })?;
    }
    Ok(())
}

/// Makes the file of a new volume (its path is set) as `virStorageVolCreateXML` does.
pub fn create(v: &VolDef, flags: u32) -> Result<()> {
    let path = path_of(v)?;
    let fmt = format_of(v);
    let prealloc = flags & PREALLOC_METADATA != 0;
    match fmt {
        FileFormat::Raw | FileFormat::Iso => {
            if v.backing_store.is_some() {
                return Err(st(
                    ErrorCode::NO_SUPPORT,
                    "backing storage not supported for raw volumes",
                ));
            }
            if prealloc {
                return Err(st(
                    ErrorCode::CONFIG_UNSUPPORTED,
                    "metadata preallocation is not supported for raw volumes",
                ));
            }
            create_raw(path, v, None)
        }
        FileFormat::Dir => {
            std::fs::create_dir(path).map_err(|e| {
                Error::system(
                    ErrorDomain::STORAGE,
                    format!("cannot create path '{path}'"),
                    &e,
                )
            })?;
            let undo = Undo(None);
            apply_perms(path, v).inspect_err(|_| {
                let _ = std::fs::remove_dir(path);
            })?;
            undo.keep();
            Ok(())
        }
        FileFormat::Ploop => Err(Error::internal(
            ErrorDomain::STORAGE,
            "unable to find ploop, please install ploop tools",
        )),
        _ => {
            let backing = check_backing(v)?;
            let pre = prealloc.then_some(if v.allocation < v.capacity {
                "metadata"
            } else {
                "falloc"
            });
            let opts = image_options(fmt, &v.target, pre, backing.as_ref().map(|b| b.1))?;
            // qemu-img gets the size in KiB, rounded up.
            let size = v.capacity.div_ceil(1024) * 1024;
            if fmt == FileFormat::Qcow2
                && backing.is_none()
                && pre.is_none()
                && opts == ["compat=0.10"]
                && crate::qcow2::fits(size)
            {
                let mode = v.target.perms.mode.unwrap_or(DEFAULT_MODE);
                crate::qcow2::create(path, size, mode).map_err(|e| {
                    Error::system(
                        ErrorDomain::STORAGE,
                        format!("cannot create path '{path}'"),
                        &e,
                    )
                })?;
                let undo = Undo(Some(path));
                apply_perms(path, v)?;
                undo.keep();
                return Ok(());
            }
            let mut h = Helper::new("qemu-img")
                .arg("create")
                .arg("-f")
                .arg(rvirt_xml::XmlEnum::as_xml(&fmt));
            if let Some((b, _)) = &backing {
                h = h.arg("-b").arg(b.as_str());
            }
            if !opts.is_empty() {
                h = h.arg("-o").arg(opts.join(","));
            }
            h = h.arg(path);
            if v.capacity > 0 || backing.is_none() {
                h = h.arg(format!("{}K", v.capacity.div_ceil(1024)));
            }
            let exists = Path::new(path).exists();
            let undo = Undo((!exists).then_some(path));
            h.run()?;
            apply_perms(path, v)?;
            undo.keep();
            Ok(())
        }
    }
}

/// A raw file of the volume's capacity with its allocation reserved, optionally filled
/// from `input` (a raw clone).
fn create_raw(path: &str, v: &VolDef, input: Option<&str>) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(v.target.perms.mode.unwrap_or(DEFAULT_MODE))
        .open(path)
        .map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!("cannot create path '{path}'"),
                &e,
            )
        })?;
    let undo = Undo(Some(path));
    if let Some(src) = input {
        copy_sparse(src, &mut f, path)?;
    }
    f.set_len(v.capacity).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot extend file '{path}'"),
            &e,
        )
    })?;
    let reserve = v.allocation.min(v.capacity);
    if reserve > 0 {
        rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::KEEP_SIZE, 0, reserve).map_err(
            |e| {
                Error::system(
                    ErrorDomain::STORAGE,
                    format!("cannot allocate {reserve} bytes in file '{path}'"),
                    &e.into(),
                )
            },
        )?;
    }
    f.sync_all().map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot sync file '{path}'"),
            &e,
        )
    })?;
    apply_perms(path, v)?;
    undo.keep();
    Ok(())
}

/// Copies `src` into `out`, leaving runs of zeros as holes.
fn copy_sparse(src: &str, out: &mut std::fs::File, dst: &str) -> Result<()> {
    let mut inp = std::fs::File::open(src).map_err(|e| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("could not open input path '{src}'"),
            &e,
        )
    })?;
    let mut buf = vec![0u8; CHUNK];
    let mut at = 0u64;
    loop {
        let n = match inp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::system(
                    ErrorDomain::STORAGE,
                    format!("failed reading from file '{src}'"),
                    &e,
                ))
            }
        };
        if buf[..n].iter().any(|&b| b != 0) {
            out.seek(SeekFrom::Start(at))
                .and_then(|_| out.write_all(&buf[..n]))
                .map_err(|e| {
                    Error::system(
                        ErrorDomain::STORAGE,
                        format!("failed writing to file '{dst}'"),
                        &e,
                    )
                })?;
        }
        at += n as u64;
    }
    Ok(())
}

/// Makes `v` (its path is set) as a copy of `src`, converting the format when they differ.
pub fn create_from(v: &VolDef, src: &VolDef, flags: u32) -> Result<()> {
    let path = path_of(v)?;
    let src_path = path_of(src)?;
    let (fmt, src_fmt) = (format_of(v), format_of(src));
    let prealloc = flags & PREALLOC_METADATA != 0;
    if fmt == FileFormat::Raw && src_fmt == FileFormat::Raw {
        if prealloc {
            return Err(st(
                ErrorCode::CONFIG_UNSUPPORTED,
                "metadata preallocation is not supported for raw volumes",
            ));
        }
        return create_raw(path, v, Some(src_path));
    }
    let pre = prealloc.then_some("falloc");
    let opts = if fmt == FileFormat::Raw {
        Vec::new()
    } else {
        image_options(fmt, &v.target, pre, None)?
    };
    let mut h = Helper::new("qemu-img")
        .arg("convert")
        .arg("-f")
        .arg(rvirt_xml::XmlEnum::as_xml(&src_fmt))
        .arg("-O")
        .arg(rvirt_xml::XmlEnum::as_xml(&fmt));
    if !opts.is_empty() {
        h = h.arg("-o").arg(opts.join(","));
    }
    let h = h.arg(src_path).arg(path);
    let exists = Path::new(path).exists();
    let undo = Undo((!exists).then_some(path));
    h.run()?;
    apply_perms(path, v)?;
    undo.keep();
    Ok(())
}

/// The capacity a resize asks for, after libvirt's checks.
pub fn resize_target(v: &VolDef, capacity: u64, flags: u32, available: u64) -> Result<u64> {
    let want = if flags & RESIZE_DELTA != 0 {
        if flags & RESIZE_SHRINK != 0 {
            v.capacity
                .checked_sub(capacity)
                .ok_or_else(|| st(ErrorCode::INVALID_ARG, "can't shrink capacity below zero"))?
        } else {
            v.capacity
                .checked_add(capacity)
                .ok_or_else(|| st(ErrorCode::OVERFLOW, "capacity overflows"))?
        }
    } else {
        capacity
    };
    if want < v.allocation {
        return Err(st(
            ErrorCode::INVALID_ARG,
            "can't shrink capacity below existing allocation",
        ));
    }
    if want < v.capacity && flags & RESIZE_SHRINK == 0 {
        return Err(st(
            ErrorCode::INVALID_ARG,
            "Can't shrink capacity below current capacity unless shrink flag explicitly specified",
        ));
    }
    if flags & RESIZE_ALLOCATE != 0 {
        if format_of(v) != FileFormat::Raw {
            return Err(st(
                ErrorCode::OPERATION_UNSUPPORTED,
                "preallocate is only supported for raw type volume",
            ));
        }
        if want.saturating_sub(v.allocation) > available {
            return Err(st(
                ErrorCode::OPERATION_FAILED,
                "Not enough space left in storage pool",
            ));
        }
    }
    Ok(want)
}

/// Changes the file to `capacity` (checked by [`resize_target`]).
pub fn resize(v: &VolDef, capacity: u64, flags: u32) -> Result<()> {
    let path = path_of(v)?;
    if format_of(v) == FileFormat::Raw {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| {
                Error::system(ErrorDomain::NONE, format!("Unable to open '{path}'"), &e)
            })?;
        let old = f.metadata().map_or(0, |m| m.len());
        if flags & RESIZE_ALLOCATE != 0 && capacity > old {
            rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::empty(), old, capacity - old)
                .map_err(|e| {
                    Error::system(
                        ErrorDomain::NONE,
                        format!("Failed to preallocate {} bytes", capacity - old),
                        &e.into(),
                    )
                })?;
        }
        // Past off_t's range ftruncate sees a negative length, as libvirt's call does.
        let set = if capacity > i64::MAX as u64 {
            Err(std::io::Error::from_raw_os_error(
                rustix::io::Errno::INVAL.raw_os_error(),
            ))
        } else {
            f.set_len(capacity)
        };
        return set.map_err(|e| {
            Error::system(
                ErrorDomain::NONE,
                format!("Failed to truncate file '{path}'"),
                &e,
            )
        });
    }
    let mut h = Helper::new("qemu-img").arg("resize");
    if flags & RESIZE_SHRINK != 0 {
        h = h.arg("--shrink");
    }
    h.arg(path).arg(capacity.to_string()).run().map(|_| ())
}

/// Overwrites the volume's file (or device) with `algorithm`. `allocation` is how many
/// bytes libvirt zeroes: the volume's allocation, so a qcow2 file grows to it.
pub fn wipe(path: &str, algorithm: u32, allocation: u64) -> Result<()> {
    let name = WIPE_ALGORITHMS.get(algorithm as usize).ok_or_else(|| {
        st(
            ErrorCode::INVALID_ARG,
            format!("wiping algorithm {algorithm} not supported"),
        )
    })?;
    match *name {
        "trim" => Err(st(
            ErrorCode::ARGUMENT_UNSUPPORTED,
            "'trim' algorithm not supported",
        )),
        "zero" => zero_fill(path, allocation),
        alg => Helper::new("scrub")
            .args(["-f", "-p", alg, path])
            .run()
            .map(|_| ()),
    }
}

/// Zeroes a volume. A sparse regular file is emptied and regrown instead (its holes
/// already read as zeros, and it stays sparse), as libvirt does; anything else gets
/// zeros written over its first `allocation` bytes.
fn zero_fill(path: &str, allocation: u64) -> Result<()> {
    let werr = |e: std::io::Error| {
        Error::system(ErrorDomain::STORAGE, format!("Failed to write {path}"), &e)
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!("Failed to open storage volume with path '{path}'"),
                &e,
            )
        })?;
    let m = f.metadata().map_err(werr)?;
    if m.is_file() && m.blocks() * 512 < m.len() {
        let size = m.len();
        f.set_len(0).and_then(|_| f.set_len(size)).map_err(werr)?;
        return f.sync_all().map_err(werr);
    }
    let size = if m.is_file() {
        allocation
    } else {
        f.seek(SeekFrom::End(0)).map_err(werr)?
    };
    f.seek(SeekFrom::Start(0)).map_err(werr)?;
    let buf = vec![0u8; CHUNK];
    let mut left = size;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        f.write_all(&buf[..n]).map_err(werr)?;
        left -= n as u64;
    }
    f.sync_all().map_err(werr)
}

/// Removes the volume's file or directory.
pub fn delete(v: &VolDef) -> Result<()> {
    let path = path_of(v)?;
    let (r, what) = if v.vol_type == VolType::Dir {
        (std::fs::remove_dir(path), "cannot remove directory")
    } else {
        (std::fs::remove_file(path), "cannot unlink file")
    };
    match r {
        // Already gone (removed behind the driver's back): nothing left to delete.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::system(
            ErrorDomain::STORAGE,
            format!("{what} '{path}'"),
            &e,
        )),
        Ok(()) => Ok(()),
    }
}
