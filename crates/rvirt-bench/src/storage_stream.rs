//! Volume stream benchmark (issue 5): a 1 GiB raw volume uploaded and downloaded, full
//! and sparse, through the same Rust client against rvirtd and against libvirtd in the
//! same run, with `dd` on the same disk as the floor. Every timed transfer ends with the
//! data on disk (the volume or the downloaded file fsynced), as `dd conv=fsync` does.

use super::daemon::Daemons;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SIZE: u64 = 1 << 30;
/// The sparse file: this much data at the start of every stride, the rest a hole.
const STRIDE: u64 = 64 << 20;
const DATA_PER_STRIDE: u64 = 8 << 20;
const CHUNK: usize = 1 << 20;

/// A full file of varied bytes and a sparse one (1/8 data), written once per run.
fn make_sources(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let e = |e: std::io::Error| e.to_string();
    let full = dir.join("full.src");
    let sparse = dir.join("sparse.src");
    let mut buf = vec![0u8; CHUNK];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut fill = |buf: &mut [u8]| {
        for c in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x.to_le_bytes();
            c.copy_from_slice(&b[..c.len()]);
        }
    };
    let mut f = std::fs::File::create(&full).map_err(e)?;
    for _ in 0..SIZE / CHUNK as u64 {
        fill(&mut buf);
        f.write_all(&buf).map_err(e)?;
    }
    f.sync_all().map_err(e)?;
    let mut f = std::fs::File::create(&sparse).map_err(e)?;
    f.set_len(SIZE).map_err(e)?;
    for s in 0..SIZE / STRIDE {
        f.seek(SeekFrom::Start(s * STRIDE)).map_err(e)?;
        for _ in 0..DATA_PER_STRIDE / CHUNK as u64 {
            fill(&mut buf);
            f.write_all(&buf).map_err(e)?;
        }
    }
    f.sync_all().map_err(e)?;
    Ok((full, sparse))
}

fn sync_file(p: &Path) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(p)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{}: {e}", p.display()))
}

/// `dd bs=4M conv=fsync` from `src` to `dst`.
fn dd(src: &Path, dst: &Path) -> Result<Duration, String> {
    let t = Instant::now();
    let out = std::process::Command::new("dd")
        .arg(format!("if={}", src.display()))
        .arg(format!("of={}", dst.display()))
        .args(["bs=4M", "conv=fsync", "status=none"])
        .output()
        .map_err(|e| format!("dd: {e}"))?;
    if !out.status.success() {
        return Err(format!("dd: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(t.elapsed())
}

/// Drops the page cache's copy of the files, so each read comes from the disk as dd's
/// does after its own write (best effort: needs root).
fn drop_caches() {
    let _ = std::process::Command::new("sync").status();
    let _ = std::fs::write("/proc/sys/vm/drop_caches", "1");
}

struct Times {
    up: Duration,
    down: Duration,
    up_sparse: Duration,
    down_sparse: Duration,
}

fn run(uri: &str, dir: &Path, full: &Path, sparse: &Path) -> Result<Times, String> {
    let e = |e: rvirt::Error| e.message;
    let conn = rvirt::Connect::open(Some(uri)).map_err(e)?;
    let pooldir = dir.join("pool");
    let _ = std::fs::remove_dir_all(&pooldir);
    let xml = format!(
        "<pool type='dir'><name>streambench</name><target><path>{}</path></target></pool>",
        pooldir.display()
    );
    let pool = conn.storage_pool_create_xml(&xml, 1).map_err(e)?;
    let vol_xml = |n: &str| {
        format!(
            "<volume><name>{n}</name><capacity unit='bytes'>{SIZE}</capacity>\
             <allocation>0</allocation><target><format type='raw'/></target></volume>"
        )
    };
    let io = |e: std::io::Error| e.to_string();

    // Full upload and download.
    let vol = pool.vol_create_xml(&vol_xml("full.img"), 0).map_err(e)?;
    let vol_path = PathBuf::from(vol.path().map_err(e)?);
    drop_caches();
    let t = Instant::now();
    let st = conn.new_stream(0).map_err(e)?;
    vol.upload(&st, 0, 0, 0).map_err(e)?;
    let mut src = std::fs::File::open(full).map_err(io)?;
    st.upload_from(&mut src).map_err(e)?;
    sync_file(&vol_path)?;
    let up = t.elapsed();
    drop_caches();
    let out = dir.join("down.bin");
    let t = Instant::now();
    let st = conn.new_stream(0).map_err(e)?;
    vol.download(&st, 0, 0, 0).map_err(e)?;
    let mut f = std::fs::File::create(&out).map_err(io)?;
    st.download_to(&mut f).map_err(e)?;
    f.sync_all().map_err(io)?;
    let down = t.elapsed();
    same(full, &out)?;

    // Sparse: the holes are skipped on both ways.
    let vol = pool.vol_create_xml(&vol_xml("sparse.img"), 0).map_err(e)?;
    let vol_path = PathBuf::from(vol.path().map_err(e)?);
    drop_caches();
    let t = Instant::now();
    let st = conn.new_stream(0).map_err(e)?;
    vol.upload(&st, 0, 0, 1).map_err(e)?;
    let mut src = std::fs::File::open(sparse).map_err(io)?;
    let mut pos = 0u64;
    st.sparse_send_all(|buf| {
        if pos >= SIZE {
            return Ok(rvirt::SparseRead::End);
        }
        let in_stride = pos % STRIDE;
        if in_stride >= DATA_PER_STRIDE {
            let n = STRIDE - in_stride;
            pos += n;
            src.seek(SeekFrom::Start(pos))
                .map_err(|e| rvirt::Error::internal(rvirt::ErrorDomain::STREAMS, e.to_string()))?;
            return Ok(rvirt::SparseRead::Hole(n));
        }
        let want = ((DATA_PER_STRIDE - in_stride) as usize).min(buf.len());
        let n = src
            .read(&mut buf[..want])
            .map_err(|e| rvirt::Error::internal(rvirt::ErrorDomain::STREAMS, e.to_string()))?;
        pos += n as u64;
        Ok(rvirt::SparseRead::Data(n))
    })
    .map_err(e)?;
    st.finish().map_err(e)?;
    sync_file(&vol_path)?;
    let up_sparse = t.elapsed();
    drop_caches();
    let out = dir.join("down-sparse.bin");
    let t = Instant::now();
    let st = conn.new_stream(0).map_err(e)?;
    vol.download(&st, 0, 0, 1).map_err(e)?;
    let f = std::cell::RefCell::new(std::fs::File::create(&out).map_err(io)?);
    let werr =
        |e: std::io::Error| rvirt::Error::internal(rvirt::ErrorDomain::STREAMS, e.to_string());
    st.sparse_recv_all(
        |d| f.borrow_mut().write_all(d).map_err(werr),
        |n| {
            f.borrow_mut()
                .seek(SeekFrom::Current(n as i64))
                .map(|_| ())
                .map_err(werr)
        },
    )
    .map_err(e)?;
    st.finish().map_err(e)?;
    let f = f.into_inner();
    f.set_len(SIZE).map_err(io)?;
    f.sync_all().map_err(io)?;
    let down_sparse = t.elapsed();
    same(sparse, &out)?;
    pool.destroy().map_err(e)?;
    let _ = std::fs::remove_dir_all(&pooldir);
    Ok(Times {
        up,
        down,
        up_sparse,
        down_sparse,
    })
}

/// Byte-identical files, or the benchmark's numbers mean nothing.
fn same(a: &Path, b: &Path) -> Result<(), String> {
    let read = |p: &Path| std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()));
    let (mut x, mut y) = (read(a)?, read(b)?);
    let (mut p, mut q) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    loop {
        let n = x.read(&mut p).map_err(|e| e.to_string())?;
        let mut m = 0;
        while m < n {
            let k = y.read(&mut q[m..n]).map_err(|e| e.to_string())?;
            if k == 0 {
                break;
            }
            m += k;
        }
        if n != m || p[..n] != q[..n] {
            return Err(format!("{} differs from {}", b.display(), a.display()));
        }
        if n == 0 {
            return Ok(());
        }
    }
}

pub fn bench_storage_stream() -> Result<(), String> {
    let d = Daemons::start()?;
    // On the disk the daemons' pools are on (the work directory), not a tmpfs.
    let base = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join(format!("target/rvirt-bench-stream-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    let result = (|| {
        let (full, sparse) = make_sources(&base)?;
        // The disk's speed wanders: the floor is dd's best of three.
        let (mut dd_write, mut dd_copy) = (Duration::MAX, Duration::MAX);
        for _ in 0..3 {
            drop_caches();
            dd_write = dd_write.min(dd(&full, &base.join("dd.out"))?);
            drop_caches();
            dd_copy = dd_copy.min(dd(&base.join("dd.out"), &base.join("dd.copy"))?);
        }
        let _ = std::fs::remove_file(base.join("dd.out"));
        let _ = std::fs::remove_file(base.join("dd.copy"));
        let rv_uri = format!("qemu+unix:///system?socket={}", d.rv_sock().display());
        let lv_uri = format!("qemu+unix:///system?socket={}", d.lv_sock().display());
        let rv = run(&rv_uri, &base.join("rv"), &full, &sparse)?;
        let _ = std::fs::remove_dir_all(base.join("rv"));
        let lv = run(&lv_uri, &base.join("lv"), &full, &sparse)?;
        Ok::<_, String>((dd_write, dd_copy, rv, lv))
    })();
    let _ = std::fs::remove_dir_all(&base);
    let (dd_write, dd_copy, rv, lv) = result?;
    let mbs = |t: Duration| (SIZE >> 20) as f64 / t.as_secs_f64().max(1e-6);
    println!(
        "stream: dd floor (best of 3): write {:.0} MiB/s (dd bs=4M conv=fsync from a file), read+write {:.0} MiB/s (the same, file to file)",
        mbs(dd_write),
        mbs(dd_copy)
    );
    for (what, a, b, floor) in [
        ("upload 1 GiB", rv.up, lv.up, dd_write),
        ("download 1 GiB", rv.down, lv.down, dd_copy),
        (
            "sparse upload 1 GiB (1/8 data)",
            rv.up_sparse,
            lv.up_sparse,
            dd_write,
        ),
        (
            "sparse download 1 GiB (1/8 data)",
            rv.down_sparse,
            lv.down_sparse,
            dd_copy,
        ),
    ] {
        println!(
            "stream: {what}: rvirtd {:.0} MiB/s, libvirtd {:.0} MiB/s; rvirtd/dd {:.2} (goal >= 0.9), rvirtd/libvirtd {:.2}",
            mbs(a),
            mbs(b),
            mbs(a) / mbs(floor),
            mbs(a) / mbs(b)
        );
    }
    Ok(())
}
