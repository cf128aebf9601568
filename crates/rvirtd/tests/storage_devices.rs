//! `disk` and `fs` pools on loop devices the test makes, driven by real virsh against
//! rvirtd and against a private real libvirtd 9.0: the same sequence (define, build,
//! start, partitions or files of each format, clone, resize, upload and download of
//! 100 MiB with checksums, wipe, destroy, delete, undefine, and the errors between) must
//! print the same. Each daemon gets its own loop devices; their names are masked as
//! `@DEV@` (and `@B@` for the bare name), the work directory as `@W@`, and UUIDs and
//! file times as for the `dir` test.
//!
//! Left out of the comparison, because libvirt 9.0 fails them on loop devices (its
//! partition removal runs `parted DEV rm pN`, which parted refuses): deleting a
//! partition and creating one under a wrong name. rvirt does both correctly; the rvirt-only
//! part at the end checks that.
//! Needs root, loop devices, parted, mkfs.ext4, scrub, virsh and libvirtd.

mod common;

use common::qemu_uri;

use common::storage::{data_file, differing, loop_unavailable, run_script, LoopDev};
use common::{run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::Duration;

const DISK_SCRIPT: &[&str] = &[
    "pool-define-as nodev disk --target /dev",
    "pool-define-as badfmt disk --source-dev @DEV@ --source-format foo --target /dev",
    "pool-define-as dp disk --source-dev @DEV@ --source-format dos --target /dev",
    "pool-dumpxml dp",
    "pool-start dp",
    "pool-build dp",
    "pool-build dp",
    "pool-build dp --no-overwrite",
    "pool-build dp --overwrite",
    "pool-start dp",
    "pool-start dp",
    "pool-info dp",
    "pool-info dp --bytes",
    "pool-list --all --details",
    "pool-dumpxml dp",
    "vol-list dp --details",
    "vol-create-as dp @B@p1 10M",
    "vol-create-as dp @B@p2 10M --format linux",
    "vol-create-as dp @B@p3 20M --format qcow2",
    "vol-create-as dp @B@p3 20M --format raw",
    "vol-create-as dp @B@p3 150M --format extended",
    "vol-create-as dp @B@p3 10M --format extended",
    "vol-create-as dp @B@p4 8M --format fat16",
    "vol-create-as dp @B@p5 8M --format linux-swap",
    "vol-create-as dp @B@p6 101M",
    "vol-create-as dp @B@p7 1G",
    "vol-create-as dp @B@p1 10M",
    "vol-create-as dp huge 100E",
    "vol-list dp",
    "vol-list dp --details",
    "pool-info dp --bytes",
    "pool-dumpxml dp",
    "vol-info @B@p1 --pool dp",
    "vol-info @B@p3 --pool dp --bytes",
    "vol-info @B@p6 --pool dp --bytes",
    "vol-dumpxml @B@p1 --pool dp",
    "vol-dumpxml @B@p2 --pool dp",
    "vol-dumpxml @B@p3 --pool dp",
    "vol-dumpxml @B@p4 --pool dp",
    "vol-dumpxml @B@p5 --pool dp",
    "vol-path @B@p1 --pool dp",
    "vol-key @B@p1 --pool dp",
    "vol-name @DEV@p1",
    "vol-pool @DEV@p1",
    "vol-resize @B@p1 20M --pool dp",
    "vol-upload @B@p6 @W@/up.bin --pool dp",
    "vol-download @B@p6 @W@/down.bin --pool dp --length 104857600",
    "vol-upload @B@p1 @W@/small.bin --pool dp",
    "vol-download @B@p1 @W@/small-down.bin --pool dp",
    "vol-wipe @B@p1 --pool dp",
    "vol-wipe @B@p1 --pool dp --algorithm nnsa",
    "vol-wipe @B@p1 --pool dp --algorithm trim",
    "vol-download @B@p1 @W@/wiped.bin --pool dp",
    "vol-clone @B@p2 @B@p7 --pool dp",
    "vol-list dp --details",
    "pool-refresh dp",
    "vol-list dp --details",
    "vol-dumpxml @B@p5 --pool dp",
    "pool-dumpxml dp",
    "find-storage-pool-sources disk",
    "pool-destroy dp",
    "pool-info dp",
    "vol-list dp",
    "pool-dumpxml dp",
    "pool-delete dp",
    "pool-start dp",
    "pool-undefine dp",
    "pool-define-as gp disk --source-dev @DEV@ --source-format gpt --target /dev",
    "pool-build gp",
    "pool-start gp",
    "pool-dumpxml gp",
    "vol-create-as gp @B@p1 10M",
    "vol-create-as gp @B@p2 10M --format linux-swap",
    "vol-create-as gp @B@p3 10M --format extended",
    "vol-list gp --details",
    "vol-dumpxml @B@p2 --pool gp",
    "pool-dumpxml gp",
    "pool-destroy gp",
    "pool-undefine gp",
    "pool-list --all",
];

const FS_SCRIPT: &[&str] = &[
    "pool-define-as nodev fs --target @W@/mnt",
    "pool-define-as fp fs --source-dev @DEV@ --source-format ext4 --target @W@/mnt",
    "pool-dumpxml fp",
    "pool-build fp",
    "pool-build fp --overwrite",
    "pool-build fp --no-overwrite",
    "pool-start fp",
    "pool-info fp --bytes",
    "pool-dumpxml fp",
    "vol-list fp --details",
    "vol-create-as fp r1 100M --format raw",
    "vol-create-as fp q1 20M --format qcow2",
    "vol-create-as fp q1b 20M --format qcow2 --backing-vol q1 --backing-vol-format qcow2",
    "vol-create-as fp a/b 1M",
    "vol-create-as fp big 1T --allocation 1T",
    "vol-list fp --details",
    "vol-dumpxml r1 --pool fp",
    "vol-upload r1 @W@/up.bin --pool fp",
    "vol-download r1 @W@/down.bin --pool fp",
    "vol-upload r1 @W@/up.bin --pool fp --sparse",
    "vol-info r1 --pool fp --bytes",
    "vol-clone q1 q2 --pool fp",
    "vol-resize q2 40M --pool fp",
    "vol-resize q2 10M --pool fp",
    "vol-info q2 --pool fp --bytes",
    "vol-wipe q2 --pool fp",
    "vol-delete q2 --pool fp",
    "vol-delete q1b --pool fp",
    "pool-refresh fp",
    "vol-list fp --details",
    "vol-dumpxml q1 --pool fp",
    "pool-destroy fp",
    "pool-info fp",
    "pool-start fp",
    "vol-list fp",
    "pool-destroy fp",
    "pool-delete fp",
    "pool-undefine fp",
    "pool-list --all",
];

const LOGICAL_SCRIPT: &[&str] = &[
    "pool-define-as nosrc logical",
    "pool-dumpxml nosrc",
    "pool-build nosrc",
    "pool-start nosrc",
    "pool-undefine nosrc",
    "pool-define-as lvp logical --source-dev @DEV@ --source-name @VG@ --target /dev/@VG@",
    "pool-dumpxml lvp",
    "pool-start lvp",
    "pool-build lvp",
    "pool-build lvp",
    "pool-build lvp --no-overwrite",
    "pool-build lvp --overwrite",
    "pool-start lvp",
    "pool-start lvp",
    "pool-info lvp --bytes",
    "pool-list --all --details",
    "pool-dumpxml lvp",
    "pool-refresh lvp",
    "vol-list lvp --details",
    "vol-create-as lvp lv1 10M",
    "vol-create-as lvp lvsparse 20M --allocation 4M",
    "vol-create-as lvp huge 100E",
    "vol-list lvp --details",
    "pool-info lvp --bytes",
    "vol-resize lv1 20M --pool lvp",
    "find-storage-pool-sources logical",
    "pool-delete lvp",
    "pool-destroy lvp",
    "pool-info lvp",
    "pool-start lvp",
    "pool-destroy lvp",
    "pool-delete lvp",
    "pool-start lvp",
    "pool-undefine lvp",
    "pool-list --all",
];

/// One daemon's run of `script` on its own device (`size`) under its own work directory.
struct Run {
    out: Vec<(String, String)>,
    work: TempDir,
    dev: LoopDev,
}

fn one_run(uri: &str, tag: &str, script: &[&str], size: &str) -> Run {
    one_run_vg(uri, tag, script, size, "")
}

fn one_run_vg(uri: &str, tag: &str, script: &[&str], size: &str, vg: &str) -> Run {
    let work = TempDir::new(tag);
    let dev = LoopDev::new(&work.path().join("dev.img"), size).unwrap_or_else(|e| panic!("{e}"));
    data_file(&work.path().join("up.bin"), 100 << 20);
    data_file(&work.path().join("small.bin"), 65536);
    let subs = [
        ("@W@", work.path().display().to_string()),
        ("@DEV@", dev.path.clone()),
        ("@B@", dev.base().to_string()),
        ("@VG@", vg.to_string()),
    ];
    let out = run_script(uri, script, &subs);
    Run { out, work, dev }
}

fn sha(path: &Path) -> Option<String> {
    let mut c = std::process::Command::new("sha256sum");
    c.arg(path);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc == 0).then(|| o.stdout.split(' ').next().unwrap_or("").to_string())
}

fn unavailable() -> Option<String> {
    loop_unavailable()
        .or_else(common::virsh_unavailable)
        .or_else(common::libvirtd_unavailable)
}

#[test]
fn disk_pool_sequence_matches_libvirtd() {
    let name = "disk_pool_sequence_matches_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let lv = match Libvirtd::start("storage-disk") {
        Ok(l) => l,
        Err(e) => return skip(name, &e),
    };
    let rv = Rvirtd::start("storage-disk");
    let want = one_run(&qemu_uri(&lv.sock), "disk-lv", DISK_SCRIPT, "256M");
    let got = one_run(&qemu_uri(&rv.sock), "disk-rv", DISK_SCRIPT, "256M");
    let mut bad = differing(&want.out, &got.out);
    for f in ["down.bin", "small-down.bin", "wiped.bin"] {
        let (a, b) = (
            sha(&want.work.path().join(f)),
            sha(&got.work.path().join(f)),
        );
        if a.is_none() || a != b {
            bad.push(format!("downloaded {f} differs"));
        }
    }
    if sha(&got.work.path().join("down.bin")) != sha(&got.work.path().join("up.bin")) {
        bad.push("the 100 MiB download is not what was uploaded".into());
    }
    assert!(
        bad.is_empty(),
        "{} of {} steps differ: {bad:?}",
        bad.len(),
        DISK_SCRIPT.len()
    );
    drop(want);
    rvirt_only_partition_delete(&qemu_uri(&rv.sock), &got.dev);
}

/// What libvirt 9.0 cannot do on loop devices: remove a partition, refuse a wrong name
/// without leaving a partition behind.
fn rvirt_only_partition_delete(uri: &str, dev: &LoopDev) {
    let home = TempDir::new("home");
    let v = |args: &[&str]| {
        let mut c = virsh_cmd(home.path(), home.path());
        c.arg("-c").arg(uri).args(args);
        run(c, None, Duration::from_secs(60))
    };
    let p = |n: u32| format!("{}p{n}", dev.base());
    let o = v(&[
        "pool-define-as",
        "dp2",
        "disk",
        "--source-dev",
        &dev.path,
        "--source-format",
        "dos",
        "--target",
        "/dev",
    ]);
    assert_eq!(o.rc, 0, "{}", o.stderr);
    assert_eq!(v(&["pool-build", "dp2", "--overwrite"]).rc, 0);
    assert_eq!(v(&["pool-start", "dp2"]).rc, 0);
    let o = v(&["vol-create-as", "dp2", "myname", "10M"]);
    assert_eq!(
        o.stderr,
        format!(
            "error: Failed to create vol myname\nerror: invalid argument: invalid partition \
             name 'myname', expected '{}'\n",
            p(1)
        )
    );
    assert_eq!(
        v(&["vol-list", "dp2"]).stdout.lines().count(),
        3,
        "no partition is left"
    );
    for (n, size, fmt) in [
        (1, "10M", "none"),
        (2, "10M", "none"),
        (3, "30M", "extended"),
        (4, "5M", "none"),
        (5, "5M", "none"),
        (6, "5M", "none"),
    ] {
        let o = v(&["vol-create-as", "dp2", &p(n), size, "--format", fmt]);
        assert_eq!(o.rc, 0, "{}", o.stderr);
    }
    let o = v(&["vol-delete", &p(5), "--pool", "dp2"]);
    assert_eq!(
        o.stdout,
        format!("Vol {} deleted\n\n", p(5)),
        "{}",
        o.stderr
    );
    // The kernel renumbers logical partitions: the one after it is p5 now.
    let list = v(&["vol-list", "dp2"]).stdout;
    assert!(list.contains(&p(5)) && !list.contains(&p(6)), "{list}");
    let o = v(&["vol-delete", &p(3), "--pool", "dp2"]);
    assert_eq!(
        o.rc, 1,
        "an extended partition with logical ones inside is kept"
    );
    for n in [5, 3, 4, 2, 1] {
        let o = v(&["vol-delete", &p(n), "--pool", "dp2"]);
        assert_eq!(o.rc, 0, "{}", o.stderr);
    }
    let info = v(&["pool-info", "dp2", "--bytes"]).stdout;
    assert!(info.contains("Allocation:     0\n"), "{info}");
    assert_eq!(v(&["pool-destroy", "dp2"]).rc, 0);
    assert_eq!(v(&["pool-undefine", "dp2"]).rc, 0);
}

#[test]
fn fs_pool_on_a_loop_device_matches_libvirtd() {
    let name = "fs_pool_on_a_loop_device_matches_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let lv = match Libvirtd::start("storage-fs") {
        Ok(l) => l,
        Err(e) => return skip(name, &e),
    };
    let rv = Rvirtd::start("storage-fs");
    let want = one_run(&qemu_uri(&lv.sock), "fs-lv", FS_SCRIPT, "256M");
    let got = one_run(&qemu_uri(&rv.sock), "fs-rv", FS_SCRIPT, "256M");
    let mut bad = differing(&want.out, &got.out);
    let (a, b) = (
        sha(&want.work.path().join("down.bin")),
        sha(&got.work.path().join("down.bin")),
    );
    if a.is_none() || a != b || b != sha(&got.work.path().join("up.bin")) {
        bad.push("the 100 MiB download differs".into());
    }
    assert!(
        bad.is_empty(),
        "{} of {} steps differ: {bad:?}",
        bad.len(),
        FS_SCRIPT.len()
    );
}

#[test]
fn logical_pool_sequence_matches_libvirtd() {
    let name = "logical_pool_sequence_matches_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    if !Path::new("/sbin/vgcreate").exists() {
        return skip(name, "LVM's tools (package lvm2) are not installed");
    }
    let lv = match Libvirtd::start("storage-lvm") {
        Ok(l) => l,
        Err(e) => return skip(name, &e),
    };
    let rv = Rvirtd::start("storage-lvm");
    // Volume groups are host-wide: each run has its own, named alike.
    let id = std::process::id() % 100_000;
    let (vg_l, vg_r) = (format!("rvt{id:05}l"), format!("rvt{id:05}r"));
    let want = one_run_vg(&qemu_uri(&lv.sock), "lvm-lv", LOGICAL_SCRIPT, "128M", &vg_l);
    let got = one_run_vg(&qemu_uri(&rv.sock), "lvm-rv", LOGICAL_SCRIPT, "128M", &vg_r);
    for (vg, dev) in [(&vg_l, &want.dev), (&vg_r, &got.dev)] {
        let mut c = std::process::Command::new("vgremove");
        c.args(["-f", vg.as_str()]);
        let _ = run(c, None, Duration::from_secs(30));
        let mut c = std::process::Command::new("pvremove");
        c.args(["-ff", "-y", dev.path.as_str()]);
        let _ = run(c, None, Duration::from_secs(30));
    }
    let bad = differing(&want.out, &got.out);
    assert!(
        bad.is_empty(),
        "{} of {} steps differ: {bad:?}",
        bad.len(),
        LOGICAL_SCRIPT.len()
    );
}
