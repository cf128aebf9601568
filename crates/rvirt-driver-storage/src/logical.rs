//! `logical` pools: an LVM volume group, each logical volume a volume. Everything goes
//! through LVM's own tools (pvcreate, vgcreate, vgchange, lvcreate, lvremove, lvs, vgs,
//! pvs) with libvirt's arguments, so LVM's locking and metadata rules hold, and their
//! failures reach the user in LVM's words.

use crate::cmd::Helper;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::storage::{Extent, PoolDef, VolDef, VolTarget, VolType};

fn st(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::STORAGE, code, Some(msg.into()))
}

/// The volume group's name (the parser defaults it to the pool's name).
fn vg(def: &PoolDef) -> &str {
    def.source.name.as_deref().unwrap_or(&def.name)
}

fn devices(def: &PoolDef) -> Vec<&str> {
    def.source.devices.iter().map(|d| d.path.as_str()).collect()
}

/// `pvs`: every physical volume with its group (empty for a PV in none).
fn pvs() -> Result<Vec<(String, String)>> {
    let _ = Helper::system("vgscan").run();
    let out = Helper::system("pvs")
        .args(["--noheadings", "-o", "pv_name,vg_name"])
        .run()?;
    Ok(out
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect())
}

/// Makes the devices physical volumes (wiping what was on them) and the group on them.
/// Without `overwrite` a device that holds anything is refused first.
pub fn build(def: &PoolDef, overwrite: bool) -> Result<()> {
    let devs = devices(def);
    if !overwrite {
        for d in &devs {
            if let Some(sig) = crate::probe::fs_signature(d) {
                return Err(st(
                    ErrorCode::STORAGE_POOL_BUILT,
                    format!("Device '{d}' already formatted using '{sig}'"),
                ));
            }
        }
    }
    for d in &devs {
        zero_head(d)?;
        Helper::system("pvcreate").arg(*d).run()?;
    }
    Helper::system("vgcreate")
        .arg(vg(def))
        .args(devs.iter().copied())
        .run()
        .map(|_| ())
}

/// Zeros the first MiB of a device, where old labels and PV headers sit.
fn zero_head(dev: &str) -> Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let err = |e: std::io::Error| {
        Error::system(
            ErrorDomain::STORAGE,
            format!("cannot initialize device '{dev}'"),
            &e,
        )
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(dev)
        .map_err(err)?;
    let size = f.seek(SeekFrom::End(0)).map_err(err)?;
    f.seek(SeekFrom::Start(0)).map_err(err)?;
    f.write_all(&vec![0u8; (1u64 << 20).min(size) as usize])
        .map_err(err)?;
    f.sync_all().map_err(err)
}

/// Checks the group is there on the pool's devices, and activates its volumes.
pub fn start(def: &PoolDef) -> Result<()> {
    let name = vg(def);
    let pvs = pvs()?;
    let in_group: Vec<&str> = pvs
        .iter()
        .filter(|(_, g)| g == name)
        .map(|(p, _)| p.as_str())
        .collect();
    if in_group.is_empty() {
        return Err(st(
            ErrorCode::CONFIG_UNSUPPORTED,
            format!("cannot find logical volume group name '{name}'"),
        ));
    }
    let devs = devices(def);
    if !devs.is_empty() && !devs.iter().any(|d| in_group.contains(d)) {
        return Err(st(
            ErrorCode::CONFIG_UNSUPPORTED,
            format!("cannot find any matching source devices for logical volume group '{name}'"),
        ));
    }
    Helper::system("vgchange")
        .args(["-aly", name])
        .run()
        .map(|_| ())
}

/// The group exists (for pools found defined at daemon start).
pub fn check(def: &PoolDef) -> bool {
    pvs().is_ok_and(|p| p.iter().any(|(_, g)| g == vg(def)))
}

pub fn stop(def: &PoolDef) -> Result<()> {
    Helper::system("vgchange")
        .args(["-aln", vg(def)])
        .run()
        .map(|_| ())
}

/// Removes the group and the physical volumes' labels.
pub fn delete(def: &PoolDef) -> Result<()> {
    Helper::system("vgremove").args(["-f", vg(def)]).run()?;
    for d in devices(def) {
        Helper::system("pvremove").arg(d).run()?;
    }
    Ok(())
}

/// capacity, allocation, available of the group.
pub fn sizes(def: &PoolDef) -> Result<(u64, u64, u64)> {
    let out = Helper::system("vgs")
        .args([
            "--separator",
            ":",
            "--noheadings",
            "--units",
            "b",
            "--unbuffered",
            "--nosuffix",
            "--options",
            "vg_size,vg_free",
            vg(def),
        ])
        .run()?;
    let line = out.lines().next().unwrap_or("").trim();
    let mut f = line.split(':').map(|v| v.trim().parse::<u64>());
    match (f.next(), f.next()) {
        (Some(Ok(size)), Some(Ok(free))) => Ok((size, size.saturating_sub(free), free)),
        _ => Err(Error::internal(
            ErrorDomain::STORAGE,
            format!(
                "cannot read the size of volume group '{}' from vgs: {line}",
                vg(def)
            ),
        )),
    }
}

/// The group's active logical volumes (inactive ones and thin pools are not volumes, as
/// in libvirt).
pub fn scan(def: &PoolDef) -> Result<Vec<VolDef>> {
    let out = Helper::system("lvs")
        .args([
            "--separator",
            "#",
            "--noheadings",
            "--units",
            "b",
            "--unbuffered",
            "--nosuffix",
            "--options",
            "lv_name,origin,uuid,devices,segtype,stripes,seg_size,vg_extent_size,size,lv_attr",
            vg(def),
        ])
        .run()?;
    let dir = def
        .target_path
        .clone()
        .unwrap_or_else(|| format!("/dev/{}", vg(def)));
    Ok(parse_lvs(&out, &dir))
}

/// Volumes from `lvs` lines (fields separated by `#`, in the order `scan` asks for).
fn parse_lvs(out: &str, dir: &str) -> Vec<VolDef> {
    let mut vols: Vec<VolDef> = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.trim().split('#').collect();
        if f.len() < 10 {
            continue;
        }
        let attr = f[9].as_bytes();
        if attr.first() == Some(&b't') || attr.get(4) != Some(&b'a') {
            continue;
        }
        let num = |s: &str| s.trim().parse::<u64>().unwrap_or(0);
        let (name, extent_size, size, seg_size) = (f[0], num(f[7]), num(f[8]), num(f[6]));
        let path = format!("{dir}/{name}");
        let extents = f[3]
            .split(',')
            .filter_map(|d| {
                let (dev, pe) = d.split_once('(')?;
                let start = pe.trim_end_matches(')').parse::<u64>().ok()? * extent_size;
                Some(Extent {
                    path: dev.to_string(),
                    start,
                    end: start + seg_size,
                })
            })
            .collect::<Vec<_>>();
        // A volume with several segments is one line per segment.
        if let Some(v) = vols.iter_mut().find(|v| v.name == name) {
            v.extents.extend(extents);
            continue;
        }
        let mut target = VolTarget {
            path: Some(path.clone()),
            ..Default::default()
        };
        if let Ok(m) = std::fs::metadata(&path) {
            crate::filevol::stat_target(&mut target, &m);
        }
        let origin = f[1].trim();
        vols.push(VolDef {
            vol_type: VolType::Block,
            name: name.to_string(),
            key: Some(f[2].to_string()),
            extents,
            capacity: size,
            allocation: size,
            has_allocation: true,
            physical: 0,
            target,
            backing_store: (!origin.is_empty() && !origin.starts_with('[')).then(|| VolTarget {
                path: Some(format!("{dir}/{origin}")),
                ..Default::default()
            }),
        });
    }
    vols
}

/// `lvcreate` for volume `v`: thick, sparse (a snapshot of a virtual size when the
/// allocation is below the capacity) or a snapshot of its backing volume.
pub fn create(def: &PoolDef, v: &VolDef) -> Result<()> {
    if v.target.encryption.is_some() {
        return Err(st(
            ErrorCode::CONFIG_UNSUPPORTED,
            "storage pool does not support encrypted volumes",
        ));
    }
    let k = |b: u64| format!("{}K", b.div_ceil(1024));
    let mut h = Helper::system("lvcreate").args(["--name", &v.name]);
    let sparse = v.has_allocation && v.allocation < v.capacity;
    if sparse {
        h = h.args([
            "-L",
            &k(v.allocation),
            "--type",
            "snapshot",
            "--virtualsize",
            &k(v.capacity),
        ]);
    } else {
        h = h.args(["-L", &k(v.capacity)]);
    }
    match v.backing_store.as_ref().and_then(|b| b.path.as_deref()) {
        Some(origin) => h = h.args(["-s", origin]),
        None => h = h.arg(vg(def)),
    }
    h.arg("--yes").run().map(|_| ())
}

/// `lvremove`, with a deactivation and a second try when the first fails (a volume
/// still open somewhere).
pub fn delete_vol(v: &VolDef) -> Result<()> {
    let path = v.target.path.clone().unwrap_or_default();
    if Helper::system("lvremove").args(["-f", &path]).run().is_ok() {
        return Ok(());
    }
    let _ = Helper::system("lvchange").args(["-aln", &path]).run();
    Helper::system("lvremove")
        .args(["-f", &path])
        .run()
        .map(|_| ())
}

/// `find-storage-pool-sources logical`: every group with its physical volumes.
pub fn find_sources() -> Result<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (pv, g) in pvs()? {
        match groups.iter_mut().find(|(n, _)| *n == g) {
            Some((_, devs)) => devs.push(pv),
            None => groups.push((g, vec![pv])),
        }
    }
    use rvirt_xml::writer::Out;
    let mut x = Out::new("sources").keep_open();
    for (g, devs) in groups {
        let mut src = Out::new("source");
        for d in devs {
            src.push(Out::new("device").attr("path", d));
        }
        src.text_child("name", g);
        src.push(Out::new("format").attr("type", "lvm2"));
        x.push(src);
    }
    Ok(x.render(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lvs_lines_become_volumes() {
        let out = "  lv1#\
#Abc-1#/dev/loop0(0)#linear#1#8388608#4194304#8388608#-wi-a-----\n  \
lv2#\
#Def-2#/dev/loop0(2),/dev/loop1(0)#linear#1#4194304#4194304#8388608#-wi-a-----\n  \
off#\
#Ghi-3#/dev/loop0(4)#linear#1#4194304#4194304#4194304#-wi-------\n  \
snap#lv1#Jkl-4#/dev/loop0(5)#linear#1#4194304#4194304#4194304#swi-a-s---\n";
        let v = parse_lvs(out, "/dev/vg");
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["lv1", "lv2", "snap"],
            "the inactive one is left out"
        );
        assert_eq!(v[0].key.as_deref(), Some("Abc-1"));
        assert_eq!(v[0].target.path.as_deref(), Some("/dev/vg/lv1"));
        assert_eq!((v[0].extents[0].start, v[0].extents[0].end), (0, 8388608));
        assert_eq!(v[1].extents.len(), 2);
        assert_eq!(v[1].extents[1].path, "/dev/loop1");
        assert_eq!(
            v[2].backing_store.as_ref().and_then(|b| b.path.as_deref()),
            Some("/dev/vg/lv1")
        );
    }
}
