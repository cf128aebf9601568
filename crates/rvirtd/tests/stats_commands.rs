//! The statistics commands against a real guest of real libvirtd's QEMU driver: real
//! virsh and rvirsh (through the remote driver) print the same, with every number masked
//! (counters and times move between the two runs). This checks the typed-parameter
//! paths the test driver does not have (`virDomainBlockStatsFlags`, every `domstats`
//! group), the CPU statistics spread over the host's CPUs, and the tables.

mod common;

use common::guest::{domain_xml, guest, unavailable};
use common::{diff, run, skip, Libvirtd, TempDir};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn client(bin: &Path, uri: &str, args: &[&str]) -> String {
    let home = TempDir::new("home");
    let mut c = common::client_cmd(bin, home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(30));
    let text = format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr);
    common::mask_digits(&text)
}

const CASES: &[&[&str]] = &[
    &["domblkstat", "g", "vda"],
    &["domblkstat", "g", "vda", "--human"],
    &["domblkstat", "g"],
    &["domblkstat", "g", "vdq"],
    &["domifstat", "g", "52:54:00:12:34:56"],
    &["domifstat", "g", "bogus"],
    &["domblkinfo", "g", "vda"],
    &["domblkinfo", "g", "--all", "--human"],
    &["cpu-stats", "g"],
    &["cpu-stats", "g", "--total"],
    &["cpu-stats", "g", "--start", "1", "--count", "1"],
    &["domstats", "g"],
    &[
        "domstats",
        "g",
        "--raw",
        "--state",
        "--cpu-total",
        "--balloon",
        "--vcpu",
    ],
    &["domstats", "g", "--interface", "--block", "--backing"],
    &["domstats", "--list-running", "--enforce", "--state"],
    &[
        "domstats",
        "g",
        "--perf",
        "--iothread",
        "--memory",
        "--dirtyrate",
        "--vm",
    ],
    &["domblklist", "g", "--details"],
    &["domiflist", "g"],
];

#[test]
fn statistics_commands_print_what_virsh_prints() {
    if let Some(why) = unavailable() {
        return skip("statistics commands", &why);
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip("statistics commands", "target/debug/rvirsh is not built");
    };
    let g = match guest() {
        Ok(g) => g,
        Err(why) => return skip("statistics commands", &why),
    };
    let work = TempDir::new("statcmds");
    let disk = work.path().join("d.img");
    std::fs::write(&disk, vec![0u8; 1 << 20]).unwrap_or_else(|e| panic!("{e}"));
    let extra = format!(
        "    <disk type='file' device='disk'>\n      <source file='{}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n    <interface type='user'>\n      <mac address='52:54:00:12:34:56'/>\n      <model type='virtio'/>\n    </interface>\n",
        disk.display()
    );
    let xml = work.path().join("g.xml");
    std::fs::write(&xml, domain_xml("g", "qemu", &g, false, &extra))
        .unwrap_or_else(|e| panic!("{e}"));
    let lv = match Libvirtd::start_in("statcmds", work.path()) {
        Ok(l) => l,
        Err(why) => return skip("statistics commands", &why),
    };
    let uri = format!("qemu+unix:///system?socket={}", lv.sock.display());
    let virsh = PathBuf::from("/usr/bin/virsh");
    let started = client(&virsh, &uri, &["create", &xml.to_string_lossy()]);
    assert!(started.starts_with("rc=N"), "{started}");
    let mut report = Vec::new();
    for args in CASES {
        let want = client(&virsh, &uri, args);
        let got = client(&rvirsh, &uri, args);
        if want != got {
            report.push(format!(
                "{args:?} (- virsh, + rvirsh):\n{}",
                diff(&want, &got)
            ));
        }
    }
    // The guest really answered: the typed parameters of every group came back.
    let all = client(&virsh, &uri, &["domstats", "g"]);
    for want in [
        "state.state=",
        "cpu.time=",
        "balloon.",
        "vcpu.N.state=",
        "net.count=",
        "block.N.rd.reqs=",
    ] {
        assert!(all.contains(want), "{want} missing from:\n{all}");
    }
    let _ = client(&virsh, &uri, &["destroy", "g"]);
    assert!(report.is_empty(), "{}", report.join("\n"));
}
