//! Volume calls on `disk` pools, done under the driver's lock: partitions are made and
//! removed on one shared table, so two of them must never run at once on a pool.

use crate::disk;
use crate::state::{self, Pool};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::VolDef;

/// Makes partition volume `def`; its index in the pool's volumes.
pub fn create(p: &mut Pool, def: &VolDef) -> Result<usize> {
    let layout = disk::read(disk::device(&p.def)?)?;
    let num = disk::create(&p.def, &layout, def)?;
    reread(p);
    let path = disk::part_path(&p.def, num);
    let i = p
        .vols
        .iter()
        .position(|v| v.def.target.path.as_deref() == Some(path.as_str()))
        .ok_or_else(|| {
            Error::internal(
                ErrorDomain::STORAGE,
                format!("partition '{path}' did not appear after it was made"),
            )
        })?;
    // The format asked for shows until the next pool refresh, as in libvirt (the table
    // does not keep it).
    p.vols[i].def.target.format = def.target.format;
    Ok(i)
}

/// Makes partition volume `def` and copies `src` (a file or a device) into it.
pub fn create_from(p: &mut Pool, def: &VolDef, src: &str) -> Result<usize> {
    let i = create(p, def)?;
    let dst = p.vols[i].def.target.path.clone().unwrap_or_default();
    if let Err(e) = copy(src, &dst, p.vols[i].def.capacity) {
        let _ = delete(p, i);
        return Err(e);
    }
    Ok(i)
}

/// Copies at most `limit` bytes of `src` to the start of `dst`.
pub(crate) fn copy(src: &str, dst: &str, limit: u64) -> Result<()> {
    use std::io::Read;
    let err = |what: String| move |e: std::io::Error| Error::system(ErrorDomain::STORAGE, what, &e);
    let mut from =
        std::fs::File::open(src).map_err(err(format!("could not open input path '{src}'")))?;
    let mut to = std::fs::OpenOptions::new()
        .write(true)
        .open(dst)
        .map_err(err(format!("could not open output path '{dst}'")))?;
    std::io::copy(&mut (&mut from).take(limit), &mut to)
        .map_err(err(format!("failed writing to '{dst}'")))?;
    to.sync_all().map_err(err(format!("cannot sync '{dst}'")))
}

/// Removes partition volume `i`.
pub fn delete(p: &mut Pool, i: usize) -> Result<()> {
    let layout = disk::read(disk::device(&p.def)?)?;
    disk::delete(&p.def, &layout, &p.vols[i].def)?;
    reread(p);
    Ok(())
}

/// Re-reads the table. Volumes still where they were keep the format they were made
/// with and the device size read when they were made (libvirt reads only the new
/// volume, and an extended partition's node shrinks once it holds others); logical partitions after a removed one are renumbered by the kernel, so they
/// are new volumes.
pub fn reread(p: &mut Pool) {
    let kept: Vec<(String, u64, VolDef)> = p
        .vols
        .iter()
        .map(|v| {
            let start = v.def.extents.first().map_or(0, |e| e.start);
            (v.def.name.clone(), start, v.def.clone())
        })
        .collect();
    state::refresh_pool(p);
    for v in &mut p.vols {
        let start = v.def.extents.first().map_or(0, |e| e.start);
        if let Some((_, _, old)) = kept
            .iter()
            .find(|(n, s, _)| *n == v.def.name && *s == start)
        {
            v.def.target.format = old.target.format;
            v.def.physical = old.physical;
        }
    }
}

/// Whether volume `v` is the extended partition (the container of logical ones).
pub fn is_extended(v: &VolDef) -> bool {
    let Some(e) = v.extents.first() else {
        return false;
    };
    disk::read(&e.path).is_ok_and(|l| {
        l.parts
            .iter()
            .any(|p| p.start == e.start && p.kind == disk::PartKind::Extended)
    })
}

/// Partitions keep their size.
pub fn no_resize() -> Error {
    Error::new(
        ErrorDomain::STORAGE,
        ErrorCode::NO_SUPPORT,
        Some("storage pool does not support changing of volume capacity".into()),
    )
}
