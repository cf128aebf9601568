//! `virsh capabilities` and `virsh domcapabilities` of `qemu:///system`: real virsh against
//! rvirtd and against a private real libvirtd 9.0 on the same host must print the same.
//!
//! Compared: the `<guest>` sections byte for byte, the `<host>` section byte for byte but
//! for the host UUID (made up per daemon on hosts without DMI, as here), and the domain
//! capabilities of several (emulator, arch, machine, virttype) combinations, bad ones
//! included (stdout, stderr and exit status). Needs root, QEMU and libvirtd's QEMU driver.

mod common;

use common::qemu_uri;

use common::{run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::Duration;

fn virsh(uri: &str, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    // The first call probes every QEMU binary (two QEMU runs each).
    let o = run(c, None, Duration::from_secs(120));
    (o.rc, o.stdout, o.stderr)
}

fn unavailable() -> Option<String> {
    if !common::is_root() {
        return Some("needs root".into());
    }
    if let Some(why) = common::virsh_unavailable() {
        return Some(why);
    }
    if !Path::new("/usr/bin/qemu-system-x86_64").exists() {
        return Some("qemu-system-x86_64 is not installed".into());
    }
    common::libvirtd_unavailable()
}

/// The document with the host UUID blanked.
fn mask_uuid(doc: &str) -> String {
    doc.lines()
        .map(|l| {
            if l.trim_start().starts_with("<uuid>") {
                "    <uuid>UUID</uuid>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn capabilities_and_domcapabilities_match_libvirtd() {
    if let Some(why) = unavailable() {
        skip("capabilities_and_domcapabilities_match_libvirtd", &why);
        return;
    }
    let lv = match Libvirtd::start("caps") {
        Ok(l) => l,
        Err(e) => {
            skip("capabilities_and_domcapabilities_match_libvirtd", &e);
            return;
        }
    };
    let rv = Rvirtd::start("caps");
    let (lu, ru) = (qemu_uri(&lv.sock), qemu_uri(&rv.sock));

    let (lrc, lout, lerr) = virsh(&lu, &["capabilities"]);
    let (rrc, rout, rerr) = virsh(&ru, &["capabilities"]);
    assert_eq!((lrc, lerr.as_str()), (0, ""), "libvirtd capabilities");
    assert_eq!((rrc, rerr.as_str()), (0, ""), "rvirtd capabilities");
    let (l, r) = (mask_uuid(&lout), mask_uuid(&rout));
    assert!(l == r, "capabilities differ:\n{}", common::diff(&l, &r));

    let combos: &[&[&str]] = &[
        &[],
        &["--virttype", "kvm", "--machine", "pc"],
        &["--virttype", "qemu", "--machine", "q35"],
        &["--virttype", "qemu", "--arch", "i686"],
        &["--arch", "i686"],
        &["--machine", "q35"],
        &["--machine", "isapc", "--virttype", "qemu"],
        &["--machine", "microvm"],
        &["--machine", "pc-i440fx-1.5"],
        &[
            "--emulatorbin",
            "/usr/bin/qemu-system-x86_64",
            "--arch",
            "i686",
        ],
        &[
            "--emulatorbin",
            "/usr/bin/qemu-system-i386",
            "--machine",
            "q35",
        ],
        // Bad combinations: libvirt's errors.
        &["--machine", "bogus"],
        &["--machine", "none"],
        &[
            "--machine",
            "pc-i440fx-7.2",
            "--arch",
            "i686",
            "--virttype",
            "qemu",
            "--emulatorbin",
            "/usr/bin/qemu-system-x86_64",
        ],
        &["--arch", "armv7l"],
        &["--arch", "bogus"],
        &["--virttype", "bogus"],
        &["--virttype", "xen"],
        &["--emulatorbin", "/nonexistent/qemu"],
        &[
            "--emulatorbin",
            "/usr/bin/qemu-system-i386",
            "--arch",
            "x86_64",
        ],
    ];
    for args in combos {
        let mut a = vec!["domcapabilities"];
        a.extend_from_slice(args);
        let want = virsh(&lu, &a);
        let got = virsh(&ru, &a);
        assert!(
            want == got,
            "domcapabilities {args:?}:\nlibvirtd: rc {} stderr {}\nrvirtd: rc {} stderr {}\n{}",
            want.0,
            want.2,
            got.0,
            got.2,
            common::diff(&want.1, &got.1)
        );
    }
}
