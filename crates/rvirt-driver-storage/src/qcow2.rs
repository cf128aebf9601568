//! Making an empty qcow2 image (version 2, "compat 0.10", 64 KiB clusters, no backing
//! file) in process: the image `qemu-img create -f qcow2 -o compat=0.10` makes, byte for
//! byte, without starting a program per volume. Anything else goes to qemu-img.
//!
//! Layout: the header in cluster 0, the refcount table in cluster 1 (one entry), one
//! refcount block in cluster 2, the L1 table from cluster 3 (all entries zero: nothing
//! allocated). Every cluster in use has refcount 1.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

const CLUSTER_BITS: u32 = 16;
const CLUSTER: u64 = 1 << CLUSTER_BITS;
/// 16-bit refcounts: one block counts this many clusters.
const REFCOUNTS_PER_BLOCK: u64 = CLUSTER / 2;

/// The number of L1 entries for `size` bytes (each L2 table maps CLUSTER/8 clusters).
fn l1_entries(size: u64) -> u64 {
    size.div_ceil(CLUSTER * (CLUSTER / 8))
}

/// Whether one refcount block covers the whole image (true up to about 2 EiB).
pub fn fits(size: u64) -> bool {
    let l1_clusters = (l1_entries(size) * 8).div_ceil(CLUSTER);
    3 + l1_clusters <= REFCOUNTS_PER_BLOCK && l1_entries(size) <= u32::MAX as u64
}

/// Writes a new image at `path` (which must not exist) with the given virtual size.
pub fn create(path: &str, size: u64, mode: u32) -> std::io::Result<()> {
    let l1 = l1_entries(size);
    let l1_bytes = l1 * 8;
    let l1_clusters = l1_bytes.div_ceil(CLUSTER).max(1);
    let mut header = vec![0u8; 3 * CLUSTER as usize];
    let mut put = |at: usize, bytes: &[u8]| header[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"QFI\xfb");
    put(4, &2u32.to_be_bytes());
    put(20, &CLUSTER_BITS.to_be_bytes());
    put(24, &size.to_be_bytes());
    put(36, &(l1 as u32).to_be_bytes());
    put(40, &(3 * CLUSTER).to_be_bytes());
    put(48, &CLUSTER.to_be_bytes());
    put(56, &1u32.to_be_bytes());
    // The refcount table's one entry: the block in cluster 2.
    put(CLUSTER as usize, &(2 * CLUSTER).to_be_bytes());
    for c in 0..(3 + l1_clusters) as usize {
        put(2 * CLUSTER as usize + 2 * c, &1u16.to_be_bytes());
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    let r = (|| {
        f.write_all(&header)?;
        // The L1 table is written out (as zeros), so the file's allocation is what
        // qemu-img's is.
        let zeros = vec![0u8; CLUSTER as usize];
        let mut left = l1_bytes.max(8);
        while left > 0 {
            let n = left.min(CLUSTER) as usize;
            f.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        f.sync_all()
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(path);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_as_qemu_img() {
        let dir = std::env::temp_dir().join(format!("rvirt-qcow2-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        for size in [1u64 << 20, 64 << 20, (1 << 30) + 1024, 1000 << 40] {
            let theirs = dir.join(format!("q-{size}"));
            let ours = dir.join(format!("r-{size}"));
            let ok = std::process::Command::new("qemu-img")
                .args(["create", "-q", "-f", "qcow2", "-o", "compat=0.10"])
                .arg(&theirs)
                .arg(format!("{}K", size / 1024))
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                eprintln!("SKIP same_bytes_as_qemu_img: qemu-img cannot run");
                return;
            }
            assert!(fits(size));
            create(&ours.display().to_string(), size, 0o600).expect("create");
            let (a, b) = (
                std::fs::read(&theirs).expect("read"),
                std::fs::read(&ours).expect("read"),
            );
            assert!(
                a == b,
                "size {size}: {} vs {} bytes, first difference at {:?}",
                a.len(),
                b.len(),
                a.iter().zip(&b).position(|(x, y)| x != y)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
