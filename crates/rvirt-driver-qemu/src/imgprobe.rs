//! Reading a disk image's backing chain from the images themselves, as libvirt does before
//! a start so every layer gets its own block node (and its own access rules).
//!
//! Only what the image header records is trusted: a backing file whose format the header
//! does not name is an error, never guessed (guessing lets a guest that writes a fake
//! header make QEMU open any host file).

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::disk::Disk;
use rvirt_xml::domain::devices::disk_source::{
    BackingImage, BackingStore, SourceKind, StorageFormat, StorageSource,
};
use rvirt_xml::read::XmlEnum;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The qcow2 magic, "QFI\xfb".
const QCOW2_MAGIC: [u8; 4] = *b"QFI\xfb";
/// The header extension that names the backing file's format.
const EXT_BACKING_FORMAT: u32 = 0xe279_2aca;
/// Chains longer than this are refused (libvirt's limit is 200).
const MAX_DEPTH: usize = 200;

/// What one image's header says about its backing file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backing {
    pub path: PathBuf,
    pub format: Option<String>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn read_at(f: &mut std::fs::File, at: u64, len: usize) -> std::io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        let n = f.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    buf.truncate(got);
    Ok(buf)
}

/// The backing file a qcow2 image names, if any.
pub fn qcow2_backing(path: &Path) -> std::io::Result<Option<Backing>> {
    let mut f = std::fs::File::open(path)?;
    let h = read_at(&mut f, 0, 112)?;
    if h.get(..4) != Some(&QCOW2_MAGIC[..]) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a qcow2 image",
        ));
    }
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "truncated qcow2 header");
    let version = be32(&h, 4).ok_or_else(bad)?;
    let off = be64(&h, 8).ok_or_else(bad)?;
    let len = be32(&h, 16).ok_or_else(bad)? as usize;
    if off == 0 || len == 0 {
        return Ok(None);
    }
    if len > 1023 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "backing file name too long",
        ));
    }
    let name = read_at(&mut f, off, len)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    // Header extensions follow the header (72 bytes in version 2, header_length in 3).
    let mut ext_at = if version >= 3 {
        u64::from(be32(&h, 100).ok_or_else(bad)?)
    } else {
        72
    };
    let mut format = None;
    for _ in 0..64 {
        let e = read_at(&mut f, ext_at, 8)?;
        let (Some(kind), Some(elen)) = (be32(&e, 0), be32(&e, 4)) else {
            break;
        };
        if kind == 0 {
            break;
        }
        if kind == EXT_BACKING_FORMAT {
            let v = read_at(&mut f, ext_at + 8, elen as usize)?;
            format = Some(
                String::from_utf8_lossy(&v)
                    .trim_end_matches('\0')
                    .to_string(),
            );
        }
        ext_at += 8 + u64::from(elen.div_ceil(8) * 8);
        if ext_at >= off {
            break;
        }
    }
    let p = PathBuf::from(&name);
    let p = if p.is_absolute() {
        p
    } else {
        path.parent().unwrap_or(Path::new("/")).join(p)
    };
    Ok(Some(Backing { path: p, format }))
}

fn probe_err(msg: String) -> Error {
    Error::new(ErrorDomain::STORAGE, ErrorCode::INTERNAL_ERROR, Some(msg))
}

/// The chain below `path` of format `format`, top first.
pub fn chain(path: &Path, format: &str) -> Result<Vec<Backing>> {
    let mut out = Vec::new();
    let (mut cur, mut fmt) = (path.to_path_buf(), format.to_string());
    while fmt == "qcow2" {
        if out.len() >= MAX_DEPTH {
            return Err(probe_err(format!(
                "backing chain of '{}' is longer than {MAX_DEPTH} images",
                path.display()
            )));
        }
        let b = qcow2_backing(&cur).map_err(|e| {
            Error::system(
                ErrorDomain::STORAGE,
                format!("Cannot access storage file '{}'", cur.display()),
                &e,
            )
        })?;
        let Some(b) = b else { break };
        let Some(f) = b.format.clone() else {
            return Err(Error::new(
                ErrorDomain::STORAGE,
                ErrorCode::CONFIG_UNSUPPORTED,
                Some(format!(
                    "format of backing image '{}' of image '{}' was not specified in the image metadata (See https://libvirt.org/kbase/backing_chains.html for troubleshooting)",
                    b.path.display(),
                    cur.display()
                )),
            ));
        };
        if std::fs::metadata(&b.path).is_err() {
            return Err(Error::system(
                ErrorDomain::STORAGE,
                format!(
                    "Cannot access backing file '{}' of storage file '{}'",
                    b.path.display(),
                    cur.display()
                ),
                &std::io::Error::from_raw_os_error(libc::ENOENT),
            ));
        }
        cur = b.path.clone();
        fmt = f;
        out.push(b);
    }
    Ok(out)
}

/// Fills in the backing chain of every local qcow2 disk whose definition does not give
/// one, as the live definition records it.
pub fn fill_chains(disks: &mut [Disk]) -> Result<()> {
    for d in disks.iter_mut() {
        if !matches!(d.backing_store, BackingStore::Unknown) {
            continue;
        }
        let Some(path) = d.source.path().map(PathBuf::from) else {
            continue;
        };
        let format = d.driver.format.map(|f| f.as_xml()).unwrap_or("raw");
        let layers = chain(&path, format)?;
        let mut tail = BackingStore::End;
        for layer in layers.into_iter().rev() {
            let fmt = layer.format.clone().unwrap_or_default();
            let Some(format) = StorageFormat::from_xml(&fmt) else {
                return Err(Error::new(
                    ErrorDomain::STORAGE,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    Some(format!(
                        "unknown format '{fmt}' of backing image '{}'",
                        layer.path.display()
                    )),
                ));
            };
            tail = BackingStore::Image(Box::new(BackingImage {
                index: None,
                format,
                metadata_cache_max: None,
                source: StorageSource {
                    kind: SourceKind::File {
                        path: Some(layer.path.to_string_lossy().into_owned()),
                        fdgroup: None,
                    },
                    ..StorageSource::empty(rvirt_xml::domain::devices::disk_source::DiskType::File)
                },
                backing: tail,
            }));
        }
        d.backing_store = tail;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu_img(args: &[&str]) -> bool {
        std::process::Command::new("qemu-img")
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    #[test]
    fn chains_come_from_the_headers() {
        let dir = std::env::temp_dir().join(format!("rvirt-imgprobe-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let base = dir.join("base.qcow2");
        let mid = dir.join("mid.qcow2");
        let top = dir.join("top.qcow2");
        let raw = dir.join("raw.img");
        let (b, m, t, r) = (
            base.to_string_lossy().into_owned(),
            mid.to_string_lossy().into_owned(),
            top.to_string_lossy().into_owned(),
            raw.to_string_lossy().into_owned(),
        );
        if !qemu_img(&["create", "-q", "-f", "raw", &r, "1M"]) {
            eprintln!("SKIP imgprobe: qemu-img is not installed");
            return;
        }
        assert!(qemu_img(&["create", "-q", "-f", "qcow2", &b, "1M"]));
        assert!(qemu_img(&[
            "create", "-q", "-f", "qcow2", "-b", &r, "-F", "raw", &m
        ]));
        assert!(qemu_img(&[
            "create",
            "-q",
            "-f",
            "qcow2",
            "-b",
            "mid.qcow2",
            "-F",
            "qcow2",
            &t
        ]));
        let c = chain(&top, "qcow2").expect("chain");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].path, mid);
        assert_eq!(c[0].format.as_deref(), Some("qcow2"));
        assert_eq!(c[1].path, raw);
        assert_eq!(c[1].format.as_deref(), Some("raw"));
        assert!(chain(&base, "qcow2").expect("no backing").is_empty());
        // A backing file without a recorded format is refused, not guessed.
        assert!(qemu_img(&[
            "create", "-q", "-f", "qcow2", "-b", &b, "-F", "qcow2", &t
        ]));
        assert_eq!(chain(&top, "qcow2").expect("base").len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
