//! A `dir` storage pool driven by real virsh, against rvirtd and against a private real
//! libvirtd 9.0 on the same host: the same scripted sequence (define, build, start,
//! volumes raw/qcow2/backed, clone, resize, upload/download, wipe, delete, destroy,
//! undefine, and the error cases between) must print the same.
//!
//! Figures that vary by nature are masked, named here: UUIDs, file timestamps, and the
//! sizes of the host filesystem the pools live on (pool-info, pool-list --details and
//! pool-dumpxml sizes). Each daemon gets its own work directory, shown as `@W@`.
//! Needs root, virsh, qemu-img and libvirtd.

mod common;

use common::qemu_uri;

use common::{run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::Duration;

/// The sequence; `@W@` is the daemon's work directory.
const SCRIPT: &[&str] = &[
    "pool-define-as dirpool dir --target @W@/pool --print-xml",
    "pool-define-as dirpool dir --target @W@/pool",
    "pool-info dirpool",
    "pool-dumpxml dirpool",
    "pool-start dirpool",
    "pool-build dirpool",
    "pool-build dirpool",
    "pool-start dirpool",
    "pool-info dirpool",
    "pool-list --all --details",
    "pool-dumpxml dirpool",
    "pool-dumpxml --inactive dirpool",
    "pool-autostart dirpool",
    "pool-info dirpool",
    "pool-autostart --disable dirpool",
    "pool-start dirpool",
    "pool-define-as dirpool dir --target @W@/other",
    "pool-define-as sametarget dir --target @W@/pool",
    "pool-info nosuchpool",
    "pool-delete dirpool",
    "pool-undefine dirpool",
    "pool-create-as auxpool dir --target @W@/aux --build",
    "vol-create-as auxpool auxsrc 8M --format raw",
    "vol-create-as dirpool raw1 10M --format raw",
    "vol-create-as dirpool raw1d 10M --allocation 2M",
    "vol-create-as dirpool sp1 10M --allocation 0",
    "vol-create-as dirpool q1 20M --format qcow2",
    "vol-create-as dirpool q1pm 20M --format qcow2 --prealloc-metadata",
    "vol-create-as dirpool rawpm 10M --format raw --prealloc-metadata",
    "vol-create-as dirpool q1back 20M --format qcow2 --backing-vol q1 --backing-vol-format qcow2",
    "vol-create-as dirpool q1back3 --capacity 0 --format qcow2 --backing-vol raw1 --backing-vol-format raw",
    "vol-create-as dirpool vmdk1 10M --format vmdk",
    "vol-create-as dirpool cow1 10M --format cow",
    "vol-create-as dirpool ploop1 10M --format ploop",
    "vol-create-as dirpool a/b 10M",
    "vol-create-as dirpool badfmt 10M --format foo",
    "vol-create-as dirpool raw1 10M",
    "vol-create-as dirpool badback 10M --format qcow2 --backing-vol @W@/pool/nosuchvol",
    "vol-create-as dirpool badback2 10M --format raw --backing-vol q1 --backing-vol-format qcow2",
    "vol-create-as nosuchpool x 10M",
    "vol-delete nosuchvol --pool dirpool",
    "vol-info nosuchvol --pool dirpool",
    "vol-list dirpool",
    "vol-list dirpool --details",
    "vol-info raw1 --pool dirpool",
    "vol-info q1 --pool dirpool --bytes",
    "vol-info q1back3 --pool dirpool --bytes",
    "vol-dumpxml raw1 --pool dirpool",
    "vol-dumpxml q1back --pool dirpool",
    "vol-dumpxml vmdk1 --pool dirpool",
    "vol-path raw1 --pool dirpool",
    "vol-key raw1 --pool dirpool",
    "vol-name @W@/pool/raw1",
    "vol-pool @W@/pool/raw1",
    "vol-info @W@/pool/raw1",
    "pool-refresh dirpool",
    "vol-dumpxml q1 --pool dirpool",
    "vol-dumpxml q1back --pool dirpool",
    "vol-clone raw1 raw1clone --pool dirpool",
    "vol-clone q1back q1backclone --pool dirpool",
    "vol-clone raw1 raw1 --pool dirpool",
    "vol-dumpxml raw1clone --pool dirpool",
    "vol-dumpxml q1backclone --pool dirpool",
    "vol-resize raw1 20M --pool dirpool",
    "vol-info raw1 --pool dirpool --bytes",
    "vol-resize raw1 5M --pool dirpool --delta",
    "vol-resize raw1 10M --pool dirpool",
    "vol-resize raw1 10M --pool dirpool --shrink",
    "vol-info raw1 --pool dirpool --bytes",
    "vol-resize raw1 12M --pool dirpool --allocate",
    "vol-info raw1 --pool dirpool --bytes",
    "vol-resize raw1 1000T --pool dirpool",
    "vol-resize q1 40M --pool dirpool",
    "vol-info q1 --pool dirpool --bytes",
    "vol-resize q1 10M --pool dirpool --delta --allocate",
    "vol-upload raw1 @W@/up.bin --pool dirpool",
    "vol-download raw1 @W@/down.bin --pool dirpool",
    "vol-upload sp1 @W@/up.bin --pool dirpool --sparse",
    // libvirtd re-reads an uploaded volume in a thread of its own, after the upload
    // returned; rvirt before it returns. The refresh makes libvirtd's answer settle.
    "pool-refresh dirpool",
    "vol-info sp1 --pool dirpool --bytes",
    "vol-download sp1 @W@/sp1.bin --pool dirpool --sparse",
    "vol-download raw1d @W@/down2.bin --pool dirpool --offset 1048576 --length 1000",
    "vol-upload raw1d @W@/up.bin --pool dirpool --offset 9999999 --length 1",
    "vol-wipe raw1d --pool dirpool",
    "vol-info raw1d --pool dirpool --bytes",
    "vol-wipe raw1d --pool dirpool --algorithm trim",
    "vol-wipe raw1d --pool dirpool --algorithm nnsa",
    "vol-wipe q1 --pool dirpool",
    "vol-dumpxml q1 --pool dirpool",
    "find-storage-pool-sources dir",
    "vol-delete raw1clone --pool dirpool",
    "vol-delete --pool dirpool @W@/pool/q1pm",
    "vol-delete raw1 --pool dirpool --delete-snapshots",
    "vol-list dirpool",
    "pool-destroy auxpool",
    "pool-list --all",
    "pool-destroy dirpool",
    "vol-list dirpool",
    "pool-delete dirpool",
    "pool-undefine dirpool",
    "pool-list --all",
];

/// What the host's filesystem makes vary between the two runs, and what is random.
fn mask(cmd: &str, text: &str, work: &str) -> String {
    let text = common::storage::mask_common(&text.replace(work, "@W@"));
    let pool_sizes = cmd.starts_with("pool-info") || cmd.starts_with("pool-dumpxml");
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            let size_line = [
                "Capacity:",
                "Allocation:",
                "Available:",
                "<capacity",
                "<allocation",
                "<available",
            ]
            .iter()
            .any(|p| t.starts_with(p));
            if (pool_sizes && size_line) || cmd.starts_with("pool-list --all --details") {
                return common::mask_digits(l);
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_script(uri: &str, work: &Path) -> Vec<(String, String)> {
    let home = TempDir::new("home");
    let w = work.display().to_string();
    let mut out = Vec::new();
    for cmd in SCRIPT {
        let line = cmd.replace("@W@", &w);
        let mut c = virsh_cmd(home.path(), home.path());
        c.arg("-c").arg(uri).args(line.split(' '));
        let o = run(c, None, Duration::from_secs(60));
        let text = format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr);
        out.push((cmd.to_string(), mask(cmd, &text, &w)));
    }
    out
}

fn upload_file(dir: &Path) {
    // 300 KB of data, a hole, then a tail: sparse and plain transfers both matter.
    use std::io::{Seek, SeekFrom, Write};
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut f = std::fs::File::create(dir.join("up.bin")).expect("create upload file");
    f.write_all(&data).expect("write upload data");
    f.set_len(2_000_000).expect("make the hole");
    f.seek(SeekFrom::End(0)).expect("seek");
    f.write_all(b"TAIL-DATA").expect("write the tail");
}

#[test]
fn dir_pool_sequence_matches_libvirtd() {
    let name = "dir_pool_sequence_matches_libvirtd";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    if let Some(why) = common::virsh_unavailable().or_else(common::libvirtd_unavailable) {
        return skip(name, &why);
    }
    let lv = match Libvirtd::start("storage-dir") {
        Ok(l) => l,
        Err(e) => return skip(name, &e),
    };
    let rv = Rvirtd::start("storage-dir");
    let (lw, rw) = (TempDir::new("stg-lv"), TempDir::new("stg-rv"));
    upload_file(lw.path());
    upload_file(rw.path());
    let want = run_script(&qemu_uri(&lv.sock), lw.path());
    let got = run_script(&qemu_uri(&rv.sock), rw.path());
    let mut bad = Vec::new();
    for ((cmd, l), (_, r)) in want.iter().zip(&got) {
        if l != r {
            eprintln!("DIFF {cmd}\n{}", common::diff(l, r));
            bad.push(cmd.clone());
        }
    }
    for f in ["down.bin", "sp1.bin", "down2.bin"] {
        let (a, b) = (
            std::fs::read(lw.path().join(f)).ok(),
            std::fs::read(rw.path().join(f)).ok(),
        );
        if a != b {
            bad.push(format!("downloaded {f} differs"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} steps differ: {bad:?}",
        bad.len(),
        SCRIPT.len()
    );
}

/// Nothing is lost when the daemon is killed: active pools (persistent and transient) are
/// active again with their volumes, an inactive one stays defined, autostart is kept.
#[test]
fn pools_and_volumes_survive_a_daemon_kill() {
    let name = "pools_and_volumes_survive_a_daemon_kill";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    if let Some(why) = common::virsh_unavailable() {
        return skip(name, &why);
    }
    let mut rv = Rvirtd::start("storage-restart");
    let w = TempDir::new("stg-restart");
    let uri = qemu_uri(&rv.sock);
    let wd = w.path().display().to_string();
    let home = TempDir::new("home");
    let v = |args: &str| {
        let mut c = virsh_cmd(home.path(), home.path());
        c.arg("-c")
            .arg(&uri)
            .args(args.replace("@W@", &wd).split(' '));
        let o = run(c, None, Duration::from_secs(60));
        assert_eq!(o.rc, 0, "virsh {args}: {}", o.stderr);
        o.stdout
    };
    v("pool-define-as keep dir --target @W@/keep");
    v("pool-build keep");
    v("pool-start keep");
    v("pool-autostart keep");
    v("vol-create-as keep a.qcow2 16M --format qcow2");
    v("vol-create-as keep b.raw 1M");
    v("pool-create-as temp dir --target @W@/temp --build");
    v("vol-create-as temp t 1M");
    v("pool-define-as idle dir --target @W@/idle");
    let look = |v: &dyn Fn(&str) -> String| {
        [
            v("pool-list --all --details"),
            v("vol-list keep --details"),
            v("vol-list temp"),
            // (a qcow2 volume would gain <clusterSize>: the restart re-reads headers, as
            // libvirt's does)
            v("vol-dumpxml b.raw --pool keep"),
            v("pool-info idle"),
        ]
        .map(|s| common::mask_digits(&s))
    };
    let before = look(&v);
    rv.kill_and_restart();
    let uri2 = qemu_uri(&rv.sock);
    assert_eq!(uri, uri2, "same socket after the restart");
    let after = look(&v);
    for (b, a) in before.iter().zip(&after) {
        assert!(
            b == a,
            "changed across the restart:\n{}",
            common::diff(b, a)
        );
    }
    rv.assert_healthy();
}

/// rvirsh's pool-build, pool-refresh and pool-delete print what virsh prints (against
/// rvirtd; each client on a pool of its own).
#[test]
fn rvirsh_pool_build_refresh_delete_match_virsh() {
    let name = "rvirsh_pool_build_refresh_delete_match_virsh";
    if !common::is_root() {
        return skip(name, "needs root");
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip(name, "rvirsh is not built");
    };
    if let Some(why) = common::virsh_unavailable() {
        return skip(name, &why);
    }
    let rv = Rvirtd::start("storage-rvirsh");
    let uri = qemu_uri(&rv.sock);
    let home = TempDir::new("home");
    let steps = [
        "pool-define-as P dir --target @W@/P",
        "pool-build P",
        "pool-build P --overwrite --no-overwrite",
        "pool-refresh P",
        "pool-start P",
        "pool-refresh P",
        "pool-delete P",
        "pool-destroy P",
        "pool-delete P",
        "pool-delete P",
        "pool-refresh nosuch",
    ];
    let mut outs = Vec::new();
    for (tag, bin) in [("virsh", None), ("rvirsh", Some(&rvirsh))] {
        let w = TempDir::new(&format!("stg-{tag}"));
        let wd = w.path().display().to_string();
        let mut text = String::new();
        for s in steps {
            let line = s.replace("@W@", &wd).replace(" P", &format!(" p{tag}"));
            let mut c = match bin {
                Some(b) => common::client_cmd(b, home.path(), home.path()),
                None => virsh_cmd(home.path(), home.path()),
            };
            c.arg("-c").arg(&uri).args(line.split(' '));
            let o = run(c, None, Duration::from_secs(60));
            let out = format!("{s}: rc={}\n{}{}", o.rc, o.stdout, o.stderr)
                .replace(&wd, "@W@")
                .replace(&format!("p{tag}"), "P");
            text.push_str(&out);
        }
        outs.push(text);
    }
    assert!(
        outs[0] == outs[1],
        "virsh vs rvirsh:\n{}",
        common::diff(&outs[0], &outs[1])
    );
}
