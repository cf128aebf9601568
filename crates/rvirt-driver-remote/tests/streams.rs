//! Streams through the remote driver against real daemons: the test driver's screenshot
//! from rvirtd and from libvirtd (bytes, MIME type, errors, abort midway, a stream dropped
//! unfinished, finishing early), and, against libvirtd's storage driver, volume uploads
//! and downloads (plain and sparse, with holes both ways, offsets, an aborted upload) and
//! a slow reader whose connection must not buffer a whole 64 MiB download.

mod common;

use common::*;
use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::refs::{StoragePoolRef, StorageVolRef};
use rvirt_core::stream::{DriverStream, StreamChunk};
use rvirt_core::{ConnectUri, Error};
use rvirt_driver_remote::RemoteConnectDriver;
use std::time::{Duration, Instant};

const SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";

fn open(uri: &str) -> DriverSet {
    let u = ConnectUri::parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    RemoteConnectDriver::default()
        .open(&u, 0)
        .unwrap_or_else(|e| panic!("open {uri}: {e}"))
}

fn fmt_err(e: &Error) -> String {
    format!(
        "code={} domain={} message={:?} str1={:?} str2={:?} int1={} int2={}",
        e.code.0, e.domain.0, e.message, e.str1, e.str2, e.int1, e.int2
    )
}

/// Everything a stream's source yields until its end, in chunks of at most `max`.
fn drain(ds: &DriverStream, max: usize) -> Vec<StreamChunk> {
    let src = ds.source.as_ref().expect("a readable stream");
    let mut out = Vec::new();
    while let Some(c) = src.recv(max).unwrap_or_else(|e| panic!("recv: {e}")) {
        if let StreamChunk::Data(d) = &c {
            assert!(!d.is_empty() && d.len() <= max, "chunk of {}", d.len());
        }
        out.push(c);
    }
    out
}

/// Chunks back to bytes (holes as zeros).
fn flatten(chunks: &[StreamChunk]) -> Vec<u8> {
    let mut v = Vec::new();
    for c in chunks {
        match c {
            StreamChunk::Data(d) => v.extend_from_slice(d),
            StreamChunk::Hole(n) => v.resize(v.len() + *n as usize, 0),
        }
    }
    v
}

/// What the screenshot scenario saw from one daemon, for comparison.
fn screenshot_transcript(uri: &str) -> Vec<String> {
    let c = open(uri);
    let hv = &c.hypervisor;
    let dom = hv.domain_lookup_by_name("test").expect("lookup test");
    let want = std::fs::read(SCREENSHOT).expect("the test screenshot");
    let mut t = Vec::new();

    // A whole screenshot: the file's bytes, then finish.
    let (mime, ds) = hv.domain_screenshot(&dom, 0, 0).expect("screenshot");
    t.push(format!("mime {mime}"));
    let bytes = flatten(&drain(&ds, 262_120));
    t.push(format!("bytes equal to the file: {}", bytes == want));
    // The end stays the end until the stream is finished.
    let again = ds.source.as_ref().map(|s| s.recv(10).map(|c| c.is_none()));
    t.push(format!("end again: {again:?}"));
    t.push(format!(
        "finish: {:?}",
        ds.finish().map_err(|e| fmt_err(&e))
    ));
    // Both halves may be finished; the second is a no-op.
    t.push(format!(
        "finish again: {:?}",
        ds.finish().map_err(|e| fmt_err(&e))
    ));

    // Small reads see the same bytes.
    let (_, ds) = hv.domain_screenshot(&dom, 7, 0).expect("screenshot");
    let small = flatten(&drain(&ds, 1000));
    t.push(format!("small reads equal: {}", small == want));
    ds.finish().expect("finish");

    // Unsupported flags.
    let e = hv.domain_screenshot(&dom, 0, 1).expect_err("flags");
    t.push(format!("flags 1: {}", fmt_err(&e)));

    // Abort after a little of it; the connection goes on.
    let (_, ds) = hv.domain_screenshot(&dom, 0, 0).expect("screenshot");
    let first = ds.source.as_ref().map(|s| s.recv(100));
    t.push(format!(
        "first chunk: {:?}",
        first.map(|r| r.map(|c| matches!(c, Some(StreamChunk::Data(d)) if d.len() == 100)))
    ));
    t.push(format!("abort: {:?}", ds.abort().map_err(|e| fmt_err(&e))));
    t.push(format!("type after abort: {:?}", hv.connect_get_type()));

    // Finish before the end.
    let (_, ds) = hv.domain_screenshot(&dom, 0, 0).expect("screenshot");
    let _ = ds.source.as_ref().map(|s| s.recv(10));
    t.push(format!(
        "early finish: {:?}",
        ds.finish().map_err(|e| fmt_err(&e))
    ));

    // Dropped without finishing: aborted behind the scenes.
    let (_, ds) = hv.domain_screenshot(&dom, 0, 0).expect("screenshot");
    drop(ds);
    t.push(format!("type after drop: {:?}", hv.connect_get_type()));

    // Many at once, read in turn.
    let many: Vec<DriverStream> = (0..8)
        .map(|_| hv.domain_screenshot(&dom, 0, 0).expect("screenshot").1)
        .collect();
    let all_equal = many
        .iter()
        .rev()
        .all(|ds| flatten(&drain(ds, 65_536)) == want && ds.finish().is_ok());
    t.push(format!("eight at once: {all_equal}"));

    // Volume streams are not in the test driver.
    let storage = c.storage.as_ref().expect("storage driver");
    let pool = storage
        .storage_pool_lookup_by_name("default-pool")
        .expect("default-pool");
    let vol = StorageVolRef {
        pool: pool.name.clone(),
        name: "nosuch".into(),
        key: "/default-pool/nosuch".into(),
    };
    t.push(format!(
        "upload: {:?}",
        storage
            .storage_vol_upload(&vol, 0, 0, 0)
            .map(drop)
            .map_err(|e| fmt_err(&e))
    ));
    t.push(format!(
        "download: {:?}",
        storage
            .storage_vol_download(&vol, 0, 0, 0)
            .map(drop)
            .map_err(|e| fmt_err(&e))
    ));
    t
}

#[test]
fn screenshots_through_the_driver_match_libvirtd() {
    if !std::path::Path::new(SCREENSHOT).exists() {
        skip(
            "screenshots_through_the_driver_match_libvirtd",
            "no test screenshot",
        );
        return;
    }
    let rv = match Rvirtd::start("streams", &[]) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let got = screenshot_transcript(&rv.uri());
    assert!(
        got.iter().any(|l| l == "bytes equal to the file: true"),
        "{got:#?}"
    );
    let lv = match Libvirtd::start("streams") {
        Ok(l) => l,
        Err(e) => {
            skip("comparison with libvirtd", &e);
            return;
        }
    };
    let want = screenshot_transcript(&lv.uri());
    assert_eq!(
        want.join("\n"),
        got.join("\n"),
        "rvirtd differs from libvirtd:\n{}",
        diff(&want.join("\n"), &got.join("\n"))
    );
}

/// Deterministic bytes that do not compress into holes.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

struct Storage {
    c: DriverSet,
    pool: StoragePoolRef,
}

impl Storage {
    fn new(lv: &Libvirtd, dir: &std::path::Path) -> Storage {
        let uri = format!("qemu+unix:///system?socket={}", lv.sock.display());
        let c = open(&uri);
        let xml = format!(
            "<pool type='dir'><name>streams</name><target><path>{}</path></target></pool>",
            dir.display()
        );
        let pool = c
            .storage
            .as_ref()
            .expect("storage")
            .storage_pool_create_xml(&xml, 0)
            .expect("pool-create");
        Storage { c, pool }
    }

    fn vol(&self, name: &str, capacity: u64) -> StorageVolRef {
        let xml = format!(
            "<volume><name>{name}</name><capacity>{capacity}</capacity>\
             <allocation>0</allocation><target><format type='raw'/></target></volume>"
        );
        self.c
            .storage
            .as_ref()
            .expect("storage")
            .storage_vol_create_xml(&self.pool, &xml, 0)
            .unwrap_or_else(|e| panic!("vol-create {name}: {e}"))
    }

    fn upload(&self, v: &StorageVolRef, flags: u32) -> DriverStream {
        self.c
            .storage
            .as_ref()
            .expect("storage")
            .storage_vol_upload(v, 0, 0, flags)
            .expect("upload")
    }

    fn download(&self, v: &StorageVolRef, offset: u64, length: u64, flags: u32) -> DriverStream {
        self.c
            .storage
            .as_ref()
            .expect("storage")
            .storage_vol_download(v, offset, length, flags)
            .expect("download")
    }
}

#[test]
fn volume_uploads_and_downloads_against_libvirtd() {
    let lv = match Libvirtd::start("vol-streams") {
        Ok(l) => l,
        Err(e) => {
            skip("volume_uploads_and_downloads_against_libvirtd", &e);
            return;
        }
    };
    let dir = TempDir::new("vol-streams");
    let s = Storage::new(&lv, dir.path());

    // A plain upload in pieces of every size, then downloads of all and of a part.
    let data = pattern(5 << 20, 1);
    let v = s.vol("plain.img", data.len() as u64);
    let up = s.upload(&v, 0);
    let sink = up.sink.as_ref().expect("a writable stream");
    let mut off = 0;
    for (i, n) in [1usize, 4095, 262_120, 262_121, 1 << 20]
        .iter()
        .cycle()
        .enumerate()
    {
        if off >= data.len() {
            break;
        }
        let end = (off + n + i).min(data.len());
        sink.send(&data[off..end]).expect("send");
        off = end;
    }
    assert!(
        sink.send_hole(4096, 0).is_err(),
        "a hole on a plain upload is refused locally"
    );
    up.finish().expect("upload finish");
    assert_eq!(
        std::fs::read(dir.path().join("plain.img")).expect("volume file"),
        data
    );
    let down = s.download(&v, 0, 0, 0);
    assert_eq!(flatten(&drain(&down, 262_120)), data);
    down.finish().expect("download finish");
    let part = s.download(&v, 1000, 5000, 0);
    assert_eq!(flatten(&drain(&part, 4096)), data[1000..6000].to_vec());
    part.finish().expect("finish");

    // Sparse both ways: data, an 8 MiB hole, data.
    let head = pattern(4096, 2);
    let tail = pattern(4096, 3);
    let hole = 8u64 << 20;
    let total = 4096 * 2 + hole;
    let sv = s.vol("sparse.img", total);
    let up = s.upload(&sv, 1);
    let sink = up.sink.as_ref().expect("a writable stream");
    sink.send(&head).expect("send");
    sink.send_hole(hole, 0).expect("hole");
    sink.send(&tail).expect("send");
    up.finish().expect("sparse upload finish");
    let file = dir.path().join("sparse.img");
    let mut want = head.clone();
    want.resize(4096 + hole as usize, 0);
    want.extend_from_slice(&tail);
    assert_eq!(std::fs::read(&file).expect("volume file"), want);
    use std::os::unix::fs::MetadataExt;
    let blocks = std::fs::metadata(&file).expect("stat").blocks();
    assert!(
        blocks * 512 < hole,
        "the hole was written as data ({blocks} blocks)"
    );
    let down = s.download(&sv, 0, 0, 1);
    let chunks = drain(&down, 262_120);
    down.finish().expect("finish");
    assert!(
        chunks
            .iter()
            .any(|c| matches!(c, StreamChunk::Hole(n) if *n >= 4 << 20)),
        "no hole came: {:?}",
        chunks
            .iter()
            .map(|c| match c {
                StreamChunk::Data(d) => format!("data {}", d.len()),
                StreamChunk::Hole(n) => format!("hole {n}"),
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(flatten(&chunks), want);

    // An upload aborted midway; the connection goes on.
    let up = s.upload(&v, 0);
    up.sink
        .as_ref()
        .expect("writable")
        .send(&pattern(1 << 20, 4))
        .expect("send");
    up.abort().expect("abort");
    assert!(s.c.hypervisor.connect_get_type().is_ok());
}

/// User plus system CPU time of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let utime: u64 = rest.get(11)?.parse().ok()?;
            let stime: u64 = rest.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn a_slow_reader_does_not_buffer_the_whole_download() {
    let lv = match Libvirtd::start("slow-reader") {
        Ok(l) => l,
        Err(e) => {
            skip("a_slow_reader_does_not_buffer_the_whole_download", &e);
            return;
        }
    };
    let dir = TempDir::new("slow-reader");
    let s = Storage::new(&lv, dir.path());
    const SIZE: u64 = 64 << 20;
    let v = s.vol("big.img", SIZE);
    let before = rss_kib();
    let down = s.download(&v, 0, 0, 0);
    let src = down.source.as_ref().expect("readable");
    let first = src.recv(4096).expect("recv");
    assert!(matches!(first, Some(StreamChunk::Data(_))));
    // Nobody reads for a while: the connection's watcher must stop taking data, and not
    // spin while it waits.
    let cpu = cpu_ticks();
    std::thread::sleep(Duration::from_millis(1500));
    let grown = rss_kib().saturating_sub(before);
    assert!(
        grown < 24 << 10,
        "the client buffered {grown} KiB of a download nobody read"
    );
    let spent = cpu_ticks().saturating_sub(cpu);
    assert!(spent < 50, "{spent} CPU ticks spent waiting for a reader");
    // Calls still work meanwhile (their caller reads past the stream's data).
    assert!(s.c.hypervisor.connect_get_type().is_ok());
    let mut got = 4096u64;
    let start = Instant::now();
    while let Some(c) = src.recv(262_120).expect("recv") {
        match c {
            StreamChunk::Data(d) => got += d.len() as u64,
            StreamChunk::Hole(n) => got += n,
        }
        assert!(start.elapsed() < Duration::from_secs(120), "too slow");
    }
    down.finish().expect("finish");
    assert_eq!(got, SIZE);
}
