//! Statistics of running and defined guests: the stub guest with a qcow2 disk, a tap
//! (`ethernet`) and a `user` interface and a balloon, started by real libvirtd's QEMU
//! driver and by rvirtd's, gives the same virsh output for dominfo, domstats (every group
//! and flag virsh has), domblkstat, domifstat, dommemstat, domblkinfo, cpu-stats --total,
//! vcpuinfo and vcpupin, and the same errors for bad disks, interfaces and stopped domains.
//!
//! Figures vary by nature (CPU time, scheduling delay, RSS, tap counters, tap numbers), so
//! every digit run (and cpu-stats' padding of figures) is masked: the comparison is of which
//! fields come, in which order, with which layout. libvirtd's taint message for a QEMU run
//! as root is dropped from dominfo (rvirt keeps no taints). Where rvirt reads figures differently (no cgroups: CPU time from the
//! threads' schedstat; an inactive domain's cpu.* are 0 where libvirt reports its own
//! process's time) the masked output is still the same.

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable};
use common::{diff, run, skip, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::Duration;

const UUID: &str = "8b1f6a57-3c41-4d8e-9a02-5d7e4f1c2b90";
const UUID_OFF: &str = "8b1f6a57-3c41-4d8e-9a02-5d7e4f1c2b91";

/// Status, stdout and stderr of real virsh, every digit run masked.
fn virsh(uri: &str, dir: &Path, args: &[&str]) -> String {
    client(Path::new("/usr/bin/virsh"), uri, dir, args)
}

/// The same for `bin` (virsh or rvirsh).
fn client(bin: &Path, uri: &str, dir: &Path, args: &[&str]) -> String {
    let home = TempDir::new("home");
    let mut c = common::client_cmd(bin, home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(30));
    // libvirt taints a guest whose QEMU runs as root; rvirt keeps no taint messages.
    let stdout: String = o
        .stdout
        .lines()
        .filter(|l| {
            !l.starts_with("Messages:       tainted: running with undesirable elevated privileges")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!("rc={}\n{}--\n{}", o.rc, stdout, o.stderr);
    mask(&text.replace(&*dir.to_string_lossy(), "@DIR@"))
}

fn mask(s: &str) -> String {
    // cpu-stats pads its figures to a width, so the padding varies with them too.
    let s: String = s
        .lines()
        .map(|l| match l.strip_prefix('\t') {
            Some(rest) => format!(
                "\t{}\n",
                rest.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            None => format!("{l}\n"),
        })
        .collect();
    common::mask_digits(&s)
}

const RUNNING: &[&[&str]] = &[
    &["dominfo", "g"],
    &["domstats", "g"],
    &["domstats", "--raw", "g", "--state", "--cpu-total"],
    &["domstats", "--vcpu", "--interface", "g"],
    &["domstats", "--block", "--backing", "g"],
    &["domstats", "--balloon", "--enforce", "g"],
    &["domstats", "--perf", "--iothread", "--memory", "--vm", "g"],
    &["domstats", "--dirtyrate", "g"],
    &["domstats", "--list-active"],
    &["domstats", "--list-inactive", "--state"],
    &["domstats", "h"],
    &["domblkstat", "g", "vda"],
    &["domblkstat", "g"],
    &["domblkstat", "g", "vda", "--human"],
    &["domblkstat", "g", "nosuch"],
    &["domblkstat", "h", "vda"],
    &["domifstat", "g", "nosuch"],
    &["domifstat", "g", "52:54:00:11:22:34"],
    &["domifstat", "h", "vnet0"],
    &["dommemstat", "g"],
    &["dommemstat", "h"],
    &["domblkinfo", "g", "vda"],
    &["domblkinfo", "g", "--all"],
    &["domblkinfo", "h", "vda"],
    &["domblkinfo", "g", "nosuch"],
    &["cpu-stats", "g", "--total"],
    &["cpu-stats", "h", "--total"],
    &["vcpuinfo", "g"],
    &["vcpuinfo", "g", "--pretty"],
    &["vcpuinfo", "h"],
    &["vcpupin", "g"],
    &["vcpupin", "h"],
    &["vcpucount", "g"],
    &["domiflist", "g"],
    &["domblklist", "g"],
];

/// Host figures and the setters, after the read-only commands (they change `g` and `h`).
const CHANGING: &[&[&str]] = &[
    &["nodecpumap"],
    &["nodecpumap", "--pretty"],
    &["nodecpustats"],
    &["nodecpustats", "--cpu", "0"],
    &["nodecpustats", "--cpu", "99"],
    &["nodememstats"],
    &["nodememstats", "--cell", "0"],
    &["nodememstats", "--cell", "9"],
    &["freecell"],
    &["freecell", "--all"],
    &["freecell", "--cellno", "5"],
    &["setmem", "h", "32M", "--config"],
    &["dominfo", "h"],
    &["setmem", "h", "512M", "--config"],
    &["setmaxmem", "h", "128M", "--config"],
    &["dominfo", "h"],
    &["setmaxmem", "g", "128M"],
    &["setmem", "g", "1G"],
    &["setmem", "g", "48M", "--config"],
    &["setmem", "g", "48M"],
    &["setvcpus", "h", "1", "--config"],
    &["vcpucount", "h"],
    &["setvcpus", "h", "4", "--config", "--maximum"],
    &["vcpucount", "h"],
    &["setvcpus", "h", "8", "--config"],
    &["setvcpus", "h", "2", "--live"],
    &["setvcpus", "g", "2", "--live"],
    &["setvcpus", "g", "4", "--live", "--maximum"],
    &["setvcpus", "g", "3"],
    &["setvcpus", "g", "1", "--guest"],
    &["desc", "h", "--title", "A title"],
    &["desc", "h", "--title"],
    &["desc", "h", "Some words"],
    &["desc", "h"],
    &["desc", "g", "--live", "Running words"],
    &["desc", "g"],
    &["desc", "g", "--config", "x"],
    &[
        "metadata",
        "h",
        "http://example.org/a",
        "--key",
        "a",
        "--set",
        "<x y='1'><z/></x>",
    ],
    &["metadata", "h", "http://example.org/a"],
    &["metadata", "h", "http://example.org/b"],
    &[
        "metadata",
        "g",
        "http://example.org/c",
        "--key",
        "c",
        "--set",
        "<w/>",
    ],
    &["metadata", "g", "http://example.org/c"],
    &["metadata", "h", "http://example.org/a", "--remove"],
    &["metadata", "h", "http://example.org/a"],
    &[
        "metadata",
        "h",
        "http://example.org/a",
        "--key",
        "a",
        "--set",
        "<x",
    ],
    &["shutdown", "g", "--mode", "agent"],
    &["reboot", "g", "--mode", "agent"],
    &["shutdown", "g", "--mode", "initctl"],
    &["reboot", "g", "--mode", "signal"],
    &["shutdown", "h", "--mode", "agent"],
    &["vcpupin", "g", "0", "1"],
    &["vcpupin", "g"],
    &["vcpupin", "g", "--vcpu", "0"],
    &["vcpupin", "g", "1", "0-1", "--live"],
    &["vcpupin", "g", "1", "0", "--config"],
    &["vcpupin", "g", "5", "0"],
    &["vcpupin", "g", "0", "99"],
    &["vcpupin", "g", "0", "^0-1"],
    &["vcpupin", "h", "0", "1", "--config"],
    &["vcpupin", "h", "3", "0"],
    &["vcpupin", "h", "9", "0"],
    &["vcpupin", "h"],
    &["vcpupin", "h", "--live"],
    &["emulatorpin", "g"],
    &["emulatorpin", "g", "1"],
    &["emulatorpin", "g"],
    &["emulatorpin", "g", "0-1", "--live"],
    &["emulatorpin", "g", "--config"],
    &["emulatorpin", "h"],
    &["emulatorpin", "h", "0", "--config"],
    &["emulatorpin", "h"],
    &["emulatorpin", "h", "1", "--live"],
    &["vcpuinfo", "g"],
    &["dumpxml", "h"],
];

fn xml(name: &str, uuid: &str, dir: &Path, g: &common::guest::Guest) -> String {
    let extra = format!(
        "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      \
         <source file='{}/d.qcow2'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n    \
         <interface type='ethernet'>\n      <mac address='52:54:00:11:22:33'/>\n      \
         <model type='virtio'/>\n    </interface>\n    <interface type='user'>\n      \
         <mac address='52:54:00:11:22:34'/>\n      <model type='e1000'/>\n    </interface>\n    \
         <memballoon model='virtio'/>\n",
        dir.display()
    );
    domain_xml(name, "qemu", g, false, &extra)
        .replace("<vcpu>1</vcpu>", "<vcpu>2</vcpu>")
        .replace(
            &format!("<name>{name}</name>"),
            &format!("<name>{name}</name>\n  <uuid>{uuid}</uuid>"),
        )
}

#[test]
fn stats_commands_match_libvirtd() {
    if let Some(why) = unavailable() {
        return skip("stats", &why);
    }
    let g = match guest() {
        Ok(g) => g,
        Err(why) => return skip("stats", &why),
    };
    // One image per daemon (QEMU locks it), at paths masked alike.
    let (lfiles, rfiles) = (TempDir::new("stats-lv"), TempDir::new("stats-rv"));
    for dir in [lfiles.path(), rfiles.path()] {
        let mut qi = std::process::Command::new("qemu-img");
        qi.args(["create", "-q", "-f", "qcow2"])
            .arg(dir.join("d.qcow2"))
            .arg("64M");
        let o = run(qi, None, Duration::from_secs(30));
        assert_eq!(o.rc, 0, "qemu-img: {}", o.stderr);
        std::fs::write(dir.join("g.xml"), xml("g", UUID, dir, &g))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("h.xml"), xml("h", UUID_OFF, dir, &g))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let lv = match Libvirtd::start("stats") {
        Ok(l) => l,
        Err(why) => return skip("stats", &why),
    };
    let mut rv = Rvirtd::start("stats");
    let (luri, ruri) = (qemu_uri(&lv.sock), qemu_uri(&rv.sock));
    let sides = [(&luri, lfiles.path()), (&ruri, rfiles.path())];
    let mut wrong = Vec::new();
    for (uri, dir) in sides {
        let out = virsh(uri, dir, &["create", &dir.join("g.xml").to_string_lossy()]);
        assert!(out.contains("created from"), "create on {uri}: {out}");
        let out = virsh(uri, dir, &["define", &dir.join("h.xml").to_string_lossy()]);
        assert!(out.contains("defined"), "define on {uri}: {out}");
    }
    // Let both guests run a moment so their counters are past zero alike.
    std::thread::sleep(Duration::from_millis(300));
    // rvirsh runs each command right after virsh against rvirtd (the setters are
    // idempotent), so it is held to what virsh printed there.
    let rvirsh = common::rvirsh_bin();
    if rvirsh.is_none() {
        eprintln!("stats: target/debug/rvirsh is not built; rvirsh is not compared");
    }
    for args in RUNNING.iter().chain(CHANGING) {
        let want = virsh(&luri, lfiles.path(), args);
        let got = virsh(&ruri, rfiles.path(), args);
        if want != got {
            wrong.push(format!("{args:?}:\n{}", diff(&want, &got)));
        }
        if let Some(bin) = &rvirsh {
            let ours = client(bin, &ruri, rfiles.path(), args);
            if ours != got {
                wrong.push(format!(
                    "rvirsh {args:?} (- virsh, + rvirsh):\n{}",
                    diff(&got, &ours)
                ));
            }
        }
    }
    for (uri, dir) in sides {
        let _ = virsh(uri, dir, &["destroy", "g"]);
        let _ = virsh(uri, dir, &["undefine", "h"]);
    }
    rv.assert_healthy();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
