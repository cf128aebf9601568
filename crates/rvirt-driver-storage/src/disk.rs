//! `disk` pools: a block device with a partition table, each partition a volume.
//!
//! parted writes the table (mklabel, mkpart, rm) and reads it back (`parted -m`); the MBR's
//! own type bytes say which partition is the extended one, which parted's machine output
//! leaves out. Where a partition goes and what the pool reports follow libvirt's
//! arithmetic, so that sizes and offsets match libvirtd's byte for byte:
//! - `dos` tables use the BIOS geometry parted reports: the usable space ends at the last
//!   whole cylinder, and a new partition is rounded up to whole cylinders and ends on a
//!   cylinder boundary;
//! - `gpt` tables keep 34 sectors at the start and 33 at the end for the table copies;
//! - inside the extended partition each logical partition has 1 KiB of table before it.

use crate::cmd::Helper;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{
    DiskFormat, DiskVolFormat, Extent, PoolDef, PoolFormat, VolDef, VolFormat, VolTarget, VolType,
};
use std::io::{Read, Seek, SeekFrom};

const SECTOR: u64 = 512;
/// The table libvirt reserves before each logical partition.
const EBR: u64 = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    Primary,
    Extended,
    Logical,
}

/// One partition; `end` is exclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub num: u32,
    pub start: u64,
    pub end: u64,
    pub kind: PartKind,
}

/// Unpartitioned space; `logical` when it lies inside the extended partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Free {
    pub start: u64,
    pub end: u64,
    pub logical: bool,
}

/// A device's partition table as the pool sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// parted's name of the table type (`msdos`, `gpt`, ...).
    pub label: String,
    /// Bytes per cylinder of a `dos` table (0 for others).
    pub cylinder: u64,
    /// Where the usable space ends: the pool's capacity.
    pub usable_end: u64,
    pub parts: Vec<Part>,
    pub free: Vec<Free>,
}

impl Layout {
    /// capacity, allocation (data partitions; the extended container is not counted, its
    /// logical partitions are) and available (all free extents).
    pub fn sizes(&self) -> (u64, u64, u64) {
        let alloc = self
            .parts
            .iter()
            .filter(|p| p.kind != PartKind::Extended)
            .map(|p| p.end - p.start)
            .sum();
        let avail = self.free.iter().map(|f| f.end - f.start).sum();
        (self.usable_end, alloc, avail)
    }

    pub fn free_extents(&self) -> Vec<(u64, u64)> {
        self.free.iter().map(|f| (f.start, f.end)).collect()
    }
}

fn st(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::STORAGE, code, Some(msg.into()))
}

pub fn device(def: &PoolDef) -> Result<&str> {
    def.source
        .devices
        .first()
        .map(|d| d.path.as_str())
        .ok_or_else(|| st(ErrorCode::INVALID_ARG, "missing source device"))
}

/// The table type the pool asks for, in parted's words (`dos` is parted's `msdos`).
fn wanted_label(def: &PoolDef) -> &'static str {
    match def.source.format {
        Some(PoolFormat::Disk(DiskFormat::Unknown)) | None => "msdos",
        Some(PoolFormat::Disk(DiskFormat::Dos)) => "msdos",
        Some(f) => f.as_xml(),
    }
}

fn pool_format_name(def: &PoolDef) -> &'static str {
    match def.source.format {
        Some(f) => f.as_xml(),
        None => "unknown",
    }
}

/// The table type on `dev`, `None` when parted recognises none.
pub fn label(dev: &str) -> Result<Option<String>> {
    match Helper::bare("parted")
        .args(["-s", "-m", dev, "print"])
        .run()
    {
        Ok(out) => Ok(out
            .lines()
            .nth(1)
            .and_then(|l| l.split(':').nth(5))
            .map(str::to_string)
            .filter(|l| l != "unknown")),
        Err(e) if e.message.contains("unrecognised disk label") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes a new, empty table. Without `overwrite` a device that has one is refused.
pub fn build(def: &PoolDef, overwrite: bool) -> Result<()> {
    let dev = device(def)?;
    let want = wanted_label(def);
    if !overwrite {
        match label(dev)? {
            None => {}
            Some(l) if l == want => {
                return Err(st(
                    ErrorCode::STORAGE_POOL_BUILT,
                    format!(
                        "Device '{dev}' already formatted using '{}'",
                        pool_format_name(def)
                    ),
                ))
            }
            Some(_) => {
                return Err(st(
                    ErrorCode::STORAGE_POOL_BUILT,
                    format!(
                        "Format of device '{dev}' does not match the expected format '{}', \
                         forced overwrite is necessary",
                        pool_format_name(def)
                    ),
                ))
            }
        }
    }
    Helper::bare("parted")
        .args([dev, "mklabel", "--script", want])
        .run()
        .map(|_| ())
}

/// A pool starts only on a device whose table is the one it asks for.
pub fn start(def: &PoolDef) -> Result<()> {
    let dev = device(def)?;
    match label(dev)? {
        None => Err(st(
            ErrorCode::STORAGE_PROBE_FAILED,
            format!("Device '{dev}' is unrecognized, requires build"),
        )),
        Some(l) if l == wanted_label(def) => Ok(()),
        Some(_) => Err(st(
            ErrorCode::STORAGE_PROBE_FAILED,
            format!(
                "Format of device '{dev}' does not match the expected format '{}'",
                pool_format_name(def)
            ),
        )),
    }
}

pub fn check(def: &PoolDef) -> bool {
    device(def).is_ok_and(|d| label(d).ok().flatten().as_deref() == Some(wanted_label(def)))
}

/// Removes the table: zeros over the first and the last MiB (where MBR and GPT and its
/// backup live).
pub fn wipe_table(def: &PoolDef) -> Result<()> {
    use std::io::Write;
    let dev = device(def)?;
    let werr = |e: std::io::Error| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("Unable to zero partition table of '{dev}'"),
            &e,
        )
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(dev)
        .map_err(werr)?;
    let size = f.seek(SeekFrom::End(0)).map_err(werr)?;
    let n = (1u64 << 20).min(size);
    let zeros = vec![0u8; n as usize];
    f.seek(SeekFrom::Start(0)).map_err(werr)?;
    f.write_all(&zeros).map_err(werr)?;
    f.seek(SeekFrom::Start(size - n)).map_err(werr)?;
    f.write_all(&zeros).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    // Let the kernel forget the partitions too; a device that cannot (not partitioned
    // by the kernel) has nothing to forget.
    let _ = Helper::bare("partx").args(["-d", dev]).run();
    Ok(())
}

/// Parses parted's `123B` figures.
fn bytes(field: &str) -> Option<u64> {
    field.strip_suffix('B')?.parse().ok()
}

/// The partition type bytes of the four MBR entries.
fn mbr_types(dev: &str) -> [u8; 4] {
    let mut sector = [0u8; 512];
    let ok = std::fs::File::open(dev)
        .and_then(|mut f| f.read_exact(&mut sector))
        .is_ok();
    let mut t = [0u8; 4];
    if ok && sector[510] == 0x55 && sector[511] == 0xaa {
        for (i, b) in t.iter_mut().enumerate() {
            *b = sector[446 + 16 * i + 4];
        }
    }
    t
}

fn is_extended_type(b: u8) -> bool {
    matches!(b, 0x05 | 0x0f | 0x85)
}

/// Reads the table of `dev`.
pub fn read(dev: &str) -> Result<Layout> {
    let out = Helper::bare("parted")
        .args(["-s", "-m", dev, "unit", "B", "print"])
        .run()?;
    let bad = || {
        Error::internal(
            ErrorDomain::STORAGE,
            format!("cannot read the partition table of '{dev}' from parted's output"),
        )
    };
    let mut lines = out.lines().map(|l| l.trim_end_matches(';'));
    let _unit = lines.next();
    let head: Vec<&str> = lines.next().ok_or_else(bad)?.split(':').collect();
    let size = head.get(1).and_then(|s| bytes(s)).ok_or_else(bad)?;
    let label = head.get(5).ok_or_else(bad)?.to_string();
    let dos = label == "msdos";
    let types = if dos { mbr_types(dev) } else { [0; 4] };
    let mut parts = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(':').collect();
        let (Some(num), Some(start), Some(end)) = (
            f.first().and_then(|n| n.parse::<u32>().ok()),
            f.get(1).and_then(|s| bytes(s)),
            f.get(2).and_then(|s| bytes(s)),
        ) else {
            continue;
        };
        let kind = if dos && num >= 5 {
            PartKind::Logical
        } else if dos && is_extended_type(types[(num as usize - 1).min(3)]) {
            PartKind::Extended
        } else {
            PartKind::Primary
        };
        parts.push(Part {
            num,
            start,
            end: end + 1,
            kind,
        });
    }
    parts.sort_by_key(|p| p.start);
    let (first, usable_end, cylinder) = match label.as_str() {
        "msdos" => {
            let (cyl_bytes, end) = dos_geometry(dev)?;
            (2 * SECTOR, end, cyl_bytes)
        }
        "gpt" => (34 * SECTOR, size.saturating_sub(33 * SECTOR), 0),
        _ => (SECTOR, size, 0),
    };
    let free = free_space(&parts, first, usable_end);
    Ok(Layout {
        label,
        cylinder,
        usable_end,
        parts,
        free,
    })
}

/// parted's BIOS geometry of a `dos` disk: bytes per cylinder, and where the last whole
/// cylinder ends.
fn dos_geometry(dev: &str) -> Result<(u64, u64)> {
    let out = Helper::bare("parted")
        .args(["-s", "-m", dev, "unit", "chs", "print"])
        .run()?;
    let geo = out
        .lines()
        .nth(2)
        .map(|l| l.trim_end_matches(';').split(':').collect::<Vec<_>>())
        .and_then(|f| {
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
            Some((n(0)?, n(1)?, n(2)?))
        });
    let (c, h, s) = geo.ok_or_else(|| {
        Error::internal(
            ErrorDomain::STORAGE,
            format!("cannot read the disk geometry of '{dev}' from parted's output"),
        )
    })?;
    Ok((h * s * SECTOR, c * h * s * SECTOR))
}

/// The gaps between `parts` in `[first, end)`, and inside the extended partition.
fn free_space(parts: &[Part], first: u64, end: u64) -> Vec<Free> {
    let mut out = Vec::new();
    let mut gaps = |taken: &mut Vec<(u64, u64)>, from: u64, to: u64, logical: bool| {
        taken.sort();
        let mut at = from;
        for &(s, e) in taken.iter() {
            if s > at {
                out.push(Free {
                    start: at,
                    end: s.min(to),
                    logical,
                });
            }
            at = at.max(e);
        }
        if to > at {
            out.push(Free {
                start: at,
                end: to,
                logical,
            });
        }
    };
    let mut top: Vec<(u64, u64)> = parts
        .iter()
        .filter(|p| p.kind != PartKind::Logical)
        .map(|p| (p.start, p.end))
        .collect();
    gaps(&mut top, first, end, false);
    if let Some(ext) = parts.iter().find(|p| p.kind == PartKind::Extended) {
        let mut inner: Vec<(u64, u64)> = vec![(ext.start, ext.start + EBR)];
        inner.extend(
            parts
                .iter()
                .filter(|p| p.kind == PartKind::Logical)
                .map(|p| (p.start.saturating_sub(EBR), p.end)),
        );
        gaps(&mut inner, ext.start, ext.end, true);
    }
    out.retain(|f| f.end > f.start);
    out.sort_by_key(|f| f.start);
    out
}

/// The device node of partition `num` (`/dev/loop0p1`, `/dev/sdb1`).
pub fn part_path(def: &PoolDef, num: u32) -> String {
    let dev = def.source.devices.first();
    let path = dev.map_or("", |d| d.path.as_str());
    let sep = match dev.and_then(|d| d.part_separator) {
        Some(s) => s,
        None => path.ends_with(|c: char| c.is_ascii_digit()),
    };
    format!("{path}{}{num}", if sep { "p" } else { "" })
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A device node's size in bytes (an extended partition's node is its 1 KiB of table).
fn node_size(path: &str) -> u64 {
    std::fs::File::open(path)
        .and_then(|mut f| f.seek(SeekFrom::End(0)))
        .unwrap_or(0)
}

/// Every partition as a volume.
pub fn volumes(def: &PoolDef, layout: &Layout) -> Result<Vec<VolDef>> {
    let dev = device(def)?.to_string();
    let mut vols: Vec<VolDef> = Vec::new();
    for p in &layout.parts {
        let path = part_path(def, p.num);
        let size = p.end - p.start;
        let mut target = VolTarget {
            path: Some(path.clone()),
            format: Some(VolFormat::Disk(DiskVolFormat::None)),
            ..Default::default()
        };
        if let Ok(m) = std::fs::metadata(&path) {
            crate::filevol::stat_target(&mut target, &m);
        }
        vols.push(VolDef {
            vol_type: VolType::Block,
            name: base_name(&path).to_string(),
            key: Some(path.clone()),
            extents: vec![Extent {
                path: dev.clone(),
                start: p.start,
                end: p.end,
            }],
            capacity: size,
            allocation: if p.kind == PartKind::Extended {
                0
            } else {
                size
            },
            has_allocation: true,
            physical: node_size(&path),
            target,
            backing_store: None,
        });
    }
    // The extended volume's allocation is what its logical partitions hold.
    if let Some(ext) = layout
        .parts
        .iter()
        .position(|p| p.kind == PartKind::Extended)
    {
        let inside: u64 = layout
            .parts
            .iter()
            .filter(|p| p.kind == PartKind::Logical)
            .map(|p| p.end - p.start)
            .sum();
        vols[ext].allocation = inside;
    }
    Ok(vols)
}

/// How parted names a volume format's partition type.
fn parted_fs(f: DiskVolFormat) -> &'static str {
    match f {
        DiskVolFormat::Fat16 => "fat16",
        DiskVolFormat::Fat32 => "fat32",
        DiskVolFormat::LinuxSwap => "linux-swap",
        _ => "ext2",
    }
}

fn vol_format(v: &VolDef) -> DiskVolFormat {
    match v.target.format {
        Some(VolFormat::Disk(f)) => f,
        _ => DiskVolFormat::None,
    }
}

/// Makes the partition volume `v` asks for on the pool's device, the way libvirt
/// places it; checks everything before parted runs, so a refused volume leaves the
/// table as it was. Returns the new partition's number.
pub fn create(def: &PoolDef, layout: &Layout, v: &VolDef) -> Result<u32> {
    let dev = device(def)?;
    if v.target.encryption.is_some() {
        return Err(st(
            ErrorCode::CONFIG_UNSUPPORTED,
            "storage pool does not support encrypted volumes",
        ));
    }
    if v.backing_store.is_some() {
        return Err(st(
            ErrorCode::CONFIG_UNSUPPORTED,
            "partitions of disk pools cannot have a backing store",
        ));
    }
    let dos = layout.label == "msdos";
    let fmt = vol_format(v);
    let has_ext = layout.parts.iter().any(|p| p.kind == PartKind::Extended);
    let kind = if !dos {
        PartKind::Primary
    } else if fmt == DiskVolFormat::Extended {
        if has_ext {
            return Err(Error::internal(
                ErrorDomain::STORAGE,
                "extended partition already exists",
            ));
        }
        PartKind::Extended
    } else if layout
        .parts
        .iter()
        .filter(|p| p.kind != PartKind::Logical)
        .count()
        >= 4
    {
        if !has_ext {
            return Err(Error::internal(
                ErrorDomain::STORAGE,
                "no extended partition found and no primary partition available",
            ));
        }
        PartKind::Logical
    } else {
        PartKind::Primary
    };
    let (start, last) = boundaries(layout, kind, v.capacity)?;
    let num = next_number(layout, kind, dos);
    let expected = part_path(def, num);
    if v.name != base_name(&expected) {
        return Err(st(
            ErrorCode::INVALID_ARG,
            format!(
                "invalid partition name '{}', expected '{}'",
                v.name,
                base_name(&expected)
            ),
        ));
    }
    let ptype = match (dos, kind) {
        (false, _) => "primary".to_string(),
        (true, PartKind::Extended) => "extended".to_string(),
        (true, PartKind::Logical) => format!("logical {}", parted_fs(fmt)),
        (true, PartKind::Primary) => format!("primary {}", parted_fs(fmt)),
    };
    Helper::bare("parted")
        .args([
            dev,
            "mkpart",
            "--script",
            &ptype,
            &format!("{start}B"),
            &format!("{last}B"),
        ])
        .run()?;
    wait_for_node(&expected);
    Ok(num)
}

/// The first and last byte of a new partition of `size` bytes, as libvirt picks them:
/// the smallest free extent of the right kind that is big enough; on `dos`, rounded up to
/// the next cylinder boundary and ending on one.
fn boundaries(layout: &Layout, kind: PartKind, size: u64) -> Result<(u64, u64)> {
    let dos = layout.label == "msdos" && layout.cylinder > 0;
    let cyl = layout.cylinder.max(1);
    // libvirt's rounding: always up to the next boundary, so a size that is already a
    // whole number of cylinders gets one more.
    let extra = if dos { cyl - size % cyl } else { 0 };
    let aligned = size.saturating_add(extra);
    let mut best: Option<&Free> = None;
    for f in &layout.free {
        if (kind == PartKind::Logical) != f.logical {
            continue;
        }
        let mut room = f.end - f.start;
        let needed = aligned;
        if dos && kind == PartKind::Logical {
            room = room.saturating_sub(SECTOR);
        }
        if room > needed && best.is_none_or(|b| room < b.end - b.start) {
            best = Some(f);
        }
    }
    let f =
        best.ok_or_else(|| Error::internal(ErrorDomain::STORAGE, "no large enough free extent"))?;
    let mut start = f.start;
    if kind == PartKind::Logical {
        start += SECTOR;
    }
    let mut end = start + aligned;
    if dos {
        end -= start % cyl;
    }
    Ok((start, end - 1))
}

/// The number parted gives the next partition of `kind`.
fn next_number(layout: &Layout, kind: PartKind, dos: bool) -> u32 {
    let used = |n: u32| layout.parts.iter().any(|p| p.num == n);
    if dos && kind == PartKind::Logical {
        return layout
            .parts
            .iter()
            .filter(|p| p.kind == PartKind::Logical)
            .map(|p| p.num + 1)
            .max()
            .unwrap_or(5);
    }
    (1..).find(|&n| !used(n)).unwrap_or(1)
}

/// Waits (a little) for the kernel's device node of a new partition.
fn wait_for_node(path: &str) {
    let t = std::time::Instant::now();
    while !std::path::Path::new(path).exists() && t.elapsed() < std::time::Duration::from_secs(3) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Removes the partition of volume `v`.
pub fn delete(def: &PoolDef, layout: &Layout, v: &VolDef) -> Result<()> {
    let dev = device(def)?;
    let num = layout
        .parts
        .iter()
        .find(|p| part_path(def, p.num) == v.target.path.as_deref().unwrap_or_default())
        .map(|p| p.num)
        .ok_or_else(|| {
            Error::internal(
                ErrorDomain::STORAGE,
                format!("volume '{}' is not a partition of '{dev}' any more", v.name),
            )
        })?;
    if layout.parts.iter().any(|p| p.kind == PartKind::Logical)
        && layout
            .parts
            .iter()
            .any(|p| p.num == num && p.kind == PartKind::Extended)
    {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!(
                "extended partition '{}' still holds logical partitions",
                v.name
            ),
        ));
    }
    Helper::bare("parted")
        .args([dev, "rm", "--script", &num.to_string()])
        .run()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dos_layout(parts: Vec<Part>) -> Layout {
        let free = free_space(&parts, 1024, 134215680);
        Layout {
            label: "msdos".into(),
            cylinder: 261120,
            usable_end: 134215680,
            parts,
            free,
        }
    }

    fn part(num: u32, start: u64, last: u64, kind: PartKind) -> Part {
        Part {
            num,
            start,
            end: last + 1,
            kind,
        }
    }

    // Offsets libvirtd 9.0 gave on a 128 MiB dos loop device (tests/data/storage).
    #[test]
    fn dos_partitions_go_where_libvirt_puts_them() {
        let l = dos_layout(vec![]);
        assert_eq!(l.sizes(), (134215680, 0, 134214656));
        let mb10 = 10 << 20;
        assert_eq!(
            boundaries(&l, PartKind::Primary, mb10).ok(),
            Some((1024, 10705919))
        );
        let l = dos_layout(vec![part(1, 1024, 10705919, PartKind::Primary)]);
        assert_eq!(
            boundaries(&l, PartKind::Primary, mb10).ok(),
            Some((10705920, 21411839))
        );
        let l = dos_layout(vec![
            part(1, 1024, 10705919, PartKind::Primary),
            part(2, 10705920, 21411839, PartKind::Primary),
            part(3, 21411840, 42562559, PartKind::Extended),
            part(4, 42562560, 51179519, PartKind::Primary),
        ]);
        assert_eq!(
            l.free_extents(),
            vec![(21412864, 42562560), (51179520, 134215680)]
        );
        assert_eq!(
            boundaries(&l, PartKind::Logical, mb10).ok(),
            Some((21413376, 32117759))
        );
        assert_eq!(next_number(&l, PartKind::Logical, true), 5);
        let l = dos_layout(vec![
            part(1, 1024, 10705919, PartKind::Primary),
            part(2, 10705920, 21411839, PartKind::Primary),
            part(3, 21411840, 42562559, PartKind::Extended),
            part(5, 21413376, 32117759, PartKind::Logical),
            part(4, 42562560, 51179519, PartKind::Primary),
        ]);
        assert_eq!(
            l.free_extents(),
            vec![(32117760, 42562560), (51179520, 134215680)]
        );
        assert_eq!(l.sizes(), (134215680, 40732160, 93480960));
        assert!(boundaries(&l, PartKind::Primary, 1 << 30).is_err());
        // A whole number of cylinders gets one more (a clone of a 41-cylinder volume).
        let l = dos_layout(vec![]);
        assert_eq!(
            boundaries(&l, PartKind::Primary, 41 * 261120).ok(),
            Some((1024, 10967039))
        );
    }

    #[test]
    fn gpt_partitions_are_not_aligned() {
        let free = free_space(&[], 17408, 67091968);
        let l = Layout {
            label: "gpt".into(),
            cylinder: 0,
            usable_end: 67091968,
            parts: vec![],
            free,
        };
        assert_eq!(l.sizes(), (67091968, 0, 67074560));
        assert_eq!(
            boundaries(&l, PartKind::Primary, 10 << 20).ok(),
            Some((17408, 10503167))
        );
    }
}
