//! What an image file is, read from its own header: format, virtual size, backing file and
//! the qcow2 details libvirt reports (compat level, cluster size, features). Anything not
//! recognised is raw. Reading is bounded: a header is at most a few KiB, and a backing
//! name longer than 1 KiB is ignored.

use rvirt_xml::storage::{FileFormat, VolFeature};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What a header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: FileFormat,
    /// Virtual size in bytes; `None` for raw files (their size is the file's).
    pub capacity: Option<u64>,
    /// The backing file as the header names it, and its format when the header records it.
    pub backing: Option<(String, Option<FileFormat>)>,
    /// `Some("1.1")` for qcow2 version 3.
    pub compat: Option<String>,
    pub cluster_size: u64,
    /// qcow2 version 3 features (`Some(empty)` prints `<features/>`).
    pub features: Option<Vec<VolFeature>>,
    /// A LUKS container (reported as raw with `<encryption format='luks'>`).
    pub luks: bool,
}

impl ImageInfo {
    fn raw() -> ImageInfo {
        ImageInfo {
            format: FileFormat::Raw,
            capacity: None,
            backing: None,
            compat: None,
            cluster_size: 0,
            features: None,
            luks: false,
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn read_at(f: &mut std::fs::File, at: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    if f.seek(SeekFrom::Start(at)).is_err() {
        return Vec::new();
    }
    let mut got = 0;
    while got < len {
        match f.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf.truncate(got);
    buf
}

/// The format name a qcow2 backing-format extension or a user gives.
pub fn file_format(name: &str) -> Option<FileFormat> {
    <FileFormat as rvirt_xml::XmlEnum>::from_xml(name)
}

/// Probes the file at `path`; unreadable files count as raw.
pub fn probe(path: &Path) -> ImageInfo {
    let Ok(mut f) = std::fs::File::open(path) else {
        return ImageInfo::raw();
    };
    let h = read_at(&mut f, 0, 512);
    if h.starts_with(b"QFI\xfb") {
        return qcow(&mut f, &h);
    }
    let mut info = ImageInfo::raw();
    if h.starts_with(b"KDMV") {
        info.format = FileFormat::Vmdk;
        info.capacity = le64(&h, 12).map(|s| s.saturating_mul(512));
    } else if h.starts_with(b"conectix") {
        info.format = FileFormat::Vpc;
        info.capacity = be64(&h, 40);
    } else if le32(&h, 0x40) == Some(0xbeda_107f) {
        info.format = FileFormat::Vdi;
        info.capacity = le64(&read_at(&mut f, 0x170, 8), 0);
    } else if h.starts_with(b"QED\0") {
        info.format = FileFormat::Qed;
        info.capacity = le64(&h, 48);
    } else if h.starts_with(b"LUKS\xba\xbe") {
        info.luks = true;
        let payload = u64::from(be32(&h, 104).unwrap_or(0)) * 512;
        let len = f.metadata().map_or(0, |m| m.len());
        info.capacity = Some(len.saturating_sub(payload));
    } else if read_at(&mut f, 32769, 5) == b"CD001" {
        info.format = FileFormat::Iso;
    }
    info
}

fn qcow(f: &mut std::fs::File, h: &[u8]) -> ImageInfo {
    let mut info = ImageInfo::raw();
    let version = be32(h, 4).unwrap_or(0);
    if version == 1 {
        info.format = FileFormat::Qcow;
        info.capacity = be64(h, 24);
        return info;
    }
    info.format = FileFormat::Qcow2;
    info.capacity = be64(h, 24);
    let cluster_bits = be32(h, 20).unwrap_or(0);
    if (9..=21).contains(&cluster_bits) {
        info.cluster_size = 1 << cluster_bits;
    }
    let backing_at = be64(h, 8).unwrap_or(0);
    let backing_len = be32(h, 16).unwrap_or(0) as usize;
    let mut ext_at = 72u64;
    if version >= 3 {
        info.compat = Some("1.1".to_string());
        let incompatible = be64(h, 72).unwrap_or(0);
        let compatible = be64(h, 80).unwrap_or(0);
        let mut feats = Vec::new();
        if compatible & 1 != 0 {
            feats.push(VolFeature::LazyRefcounts);
        }
        if incompatible & (1 << 4) != 0 {
            feats.push(VolFeature::ExtendedL2);
        }
        info.features = Some(feats);
        ext_at = u64::from(be32(h, 100).unwrap_or(104));
    }
    let mut backing_format = None;
    for _ in 0..64 {
        let e = read_at(f, ext_at, 8);
        let (Some(kind), Some(len)) = (be32(&e, 0), be32(&e, 4)) else {
            break;
        };
        if kind == 0 || len > 4096 {
            break;
        }
        if kind == 0xe279_2aca {
            let v = read_at(f, ext_at + 8, len as usize);
            backing_format = file_format(String::from_utf8_lossy(&v).trim_end_matches('\0'));
        }
        ext_at += 8 + u64::from(len.div_ceil(8) * 8);
        if backing_at != 0 && ext_at >= backing_at {
            break;
        }
    }
    if backing_at != 0 && (1..=1024).contains(&backing_len) {
        let name = read_at(f, backing_at, backing_len);
        info.backing = Some((String::from_utf8_lossy(&name).into_owned(), backing_format));
    }
    info
}

/// What a device or image holds, named as blkid names it, for what pool builds make: the
/// ext family, xfs and LVM physical volumes.
pub fn fs_signature(dev: &str) -> Option<&'static str> {
    use std::io::Read;
    let mut buf = vec![0u8; 2048];
    std::fs::File::open(dev).ok()?.read_exact(&mut buf).ok()?;
    if &buf[..4] == b"XFSB" {
        return Some("xfs");
    }
    // An LVM physical volume's label sits in one of the first four sectors.
    for sector in buf.chunks(512).take(4) {
        if &sector[..8] == b"LABELONE" && &sector[24..32] == b"LVM2 001" {
            return Some("LVM2_member");
        }
    }
    let sb = &buf[1024..];
    if sb[0x38..0x3a] != [0x53, 0xef] {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes([sb[at], sb[at + 1], sb[at + 2], sb[at + 3]]);
    let (compat, incompat, ro_compat) = (word(0x5c), word(0x60), word(0x64));
    // ext3 knows only these; anything else needs ext4.
    const EXT3_INCOMPAT: u32 = 0x2 | 0x4 | 0x10;
    const EXT3_RO_COMPAT: u32 = 0x1 | 0x2 | 0x4;
    Some(
        if incompat & !EXT3_INCOMPAT != 0 || ro_compat & !EXT3_RO_COMPAT != 0 {
            "ext4"
        } else if compat & 0x4 != 0 {
            "ext3"
        } else {
            "ext2"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qemu_img(args: &[&str]) -> bool {
        std::process::Command::new("qemu-img")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn headers_of_images_qemu_img_makes() {
        let dir = std::env::temp_dir().join(format!("rvirt-probe-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = |n: &str| dir.join(n).display().to_string();
        if !qemu_img(&[
            "create",
            "-q",
            "-f",
            "qcow2",
            "-o",
            "compat=0.10",
            &p("a"),
            "10M",
        ]) {
            eprintln!("SKIP headers_of_images_qemu_img_makes: qemu-img cannot run");
            return;
        }
        let a = probe(Path::new(&p("a")));
        assert_eq!(
            (a.format, a.capacity, a.cluster_size, a.compat.clone()),
            (FileFormat::Qcow2, Some(10 << 20), 65536, None)
        );
        assert!(qemu_img(&[
            "create",
            "-q",
            "-f",
            "qcow2",
            "-b",
            &p("a"),
            "-F",
            "qcow2",
            "-o",
            "lazy_refcounts=on",
            &p("b"),
        ]));
        let b = probe(Path::new(&p("b")));
        assert_eq!(b.backing, Some((p("a"), Some(FileFormat::Qcow2))));
        assert_eq!(b.features, Some(vec![VolFeature::LazyRefcounts]));
        for (fmt, want, size) in [
            ("vmdk", FileFormat::Vmdk, 10 << 20),
            ("vpc", FileFormat::Vpc, 10_514_432),
            ("vdi", FileFormat::Vdi, 10 << 20),
            ("qed", FileFormat::Qed, 10 << 20),
        ] {
            assert!(qemu_img(&["create", "-q", "-f", fmt, &p(fmt), "10M"]));
            let i = probe(Path::new(&p(fmt)));
            assert_eq!((i.format, i.capacity), (want, Some(size)), "{fmt}");
        }
        std::fs::write(p("text"), "hello\n").expect("write");
        assert_eq!(probe(Path::new(&p("text"))), ImageInfo::raw());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
