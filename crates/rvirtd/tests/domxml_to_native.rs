//! `domxml-to-native qemu-argv` (virConnectDomainXMLToNative) of rvirtd's QEMU driver
//! against a private real libvirtd 9.0: for QEMU goldens of every kind that matters here
//! (plain pc and q35, a qcow2 disk whose backing chain nobody probed, interfaces of user,
//! bridge and network type that become plain `ethernet` ones with fresh PCI addresses,
//! file, UNIX-socket and log-file chardevs, a guest-agent channel, autoport VNC and SPICE,
//! everything at once), `--domain` on a defined domain, and the errors (an unknown
//! format, a read-only connection, the test driver), real virsh against libvirtd is the
//! reference, and real virsh against rvirtd, rvirsh against rvirtd and rvirsh against
//! libvirtd must print the same: stdout, stderr and exit status.
//!
//! What is masked, because it differs by nature and not by behaviour:
//! - the daemons' private directories (`/var/lib/libvirt/...`, `/run/libvirt/...` against
//!   rvirtd's `--root` tree, its memory-backing directory `qemu/ram` included);
//! - the value of `PATH=`, which each daemon passes on from its own environment;
//! - the tap descriptor numbers (`"fd":"N"`): libvirtd opens a real tap for each interface
//!   and prints the descriptor it got, rvirtd the number it would hand out next; both
//!   depend on what the daemon has open.
//!
//! Not compared (docs/differences-from-libvirt.md): variable clocks (the base is the
//! current time) and the cases where rvirt's start preparation differs from libvirt's
//! (host-model CPUs, CPU models QEMU does not know).

mod common;

use common::qemu_uri;

use common::{diff, run, skip, Libvirtd, Rvirtd, TempDir};
use std::path::{Path, PathBuf};
use std::time::Duration;

const CASES: &[&str] = &[
    "001-minimal-pc",
    "002-minimal-q35",
    "011-disk-qcow2-virtio",
    "013-net-user-virtio",
    "015-vnc-autoport",
    "019-net-bridge",
    "139-net-network-default",
    "145-serial-file",
    "152-serial-unix",
    "155-channel-guest-agent",
    "296-q35-pci-bridge-explicit-address",
    "297-pc-pci-bridge-device-on-it",
    "338-net-virtio-driver",
    "366-serial-log-file",
    "368-channel-spicevmc",
    "491-everything-pc",
    "492-everything-q35-kvm",
];

fn unavailable() -> Option<String> {
    if !common::is_root() {
        return Some("needs root".into());
    }
    if !Path::new("/usr/bin/qemu-system-x86_64").exists() {
        return Some("qemu-system-x86_64 is not installed".into());
    }
    common::libvirtd_unavailable()
}

/// Status, stdout and stderr of `bin -c URI ARGS`.
fn client(bin: &Path, uri: &str, args: &[&str]) -> String {
    let home = TempDir::new("home");
    let mut c = common::client_cmd(bin, home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    // The first call of a daemon probes its QEMU binaries.
    let o = run(c, None, Duration::from_secs(120));
    format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr)
}

/// The text with what differs by nature masked (see the module documentation).
fn masked(text: &str, rv_root: &Path) -> String {
    let root = rv_root.display().to_string();
    let t = text
        .replace(&format!("{root}/var/lib/rvirt/"), "@LIB@/")
        .replace(&format!("{root}/run/rvirt/"), "@RUN@/")
        .replace("/var/lib/rvirt/", "@LIB@/")
        .replace("/var/lib/libvirt/", "@LIB@/")
        .replace("/run/libvirt/", "@RUN@/");
    let mut out = String::new();
    let mut rest = t.as_str();
    // PATH=value up to the next space.
    while let Some(i) = rest.find("PATH=") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let end = rest.find(' ').unwrap_or(rest.len());
        out.push_str("@PATH@");
        rest = &rest[end..];
    }
    out.push_str(rest);
    let mut res = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find("\"fd\":\"") {
        res.push_str(&rest[..i + 6]);
        rest = rest[i + 6..].trim_start_matches(|c: char| c.is_ascii_digit());
        res.push('N');
    }
    res.push_str(rest);
    res
}

#[test]
fn domxml_to_native_matches_libvirtd() {
    let name = "domxml_to_native_matches_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let Some(rv_bin) = common::rvirsh_bin() else {
        return skip(
            name,
            "target/debug/rvirsh is not built (cargo build -p rvirsh)",
        );
    };
    let virsh = PathBuf::from("virsh");
    let lv = Libvirtd::start("native").unwrap_or_else(|e| panic!("libvirtd: {e}"));
    let rv = Rvirtd::start("native");
    let (lu, ru) = (qemu_uri(&lv.sock), qemu_uri(&rv.sock));
    let (lro, rro) = (qemu_uri(&lv.ro_sock), qemu_uri(&rv.ro_sock));
    let cases = common::workspace().join("tests/data/qemu/cases");
    let root = rv.dir.path().to_path_buf();

    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    for case in CASES {
        let f = cases.join(format!("{case}.xml")).display().to_string();
        runs.push((
            case.to_string(),
            vec!["domxml-to-native".into(), "qemu-argv".into(), f],
        ));
    }
    let f001 = cases.join("001-minimal-pc.xml").display().to_string();
    runs.push((
        "unknown format".into(),
        vec!["domxml-to-native".into(), "bogus".into(), f001.clone()],
    ));

    let mut failures = Vec::new();
    let mut compare = |what: &str, luri: &str, ruri: &str, args: &[String]| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let reference = masked(&client(&virsh, luri, &a), &root);
        assert!(
            !reference.contains("rc=0\n--") && !reference.is_empty(),
            "{what}: libvirtd printed nothing"
        );
        for (who, bin, uri) in [
            ("virsh against rvirtd", &virsh, ruri),
            ("rvirsh against rvirtd", &rv_bin, ruri),
            ("rvirsh against libvirtd", &rv_bin, luri),
        ] {
            let got = masked(&client(bin, uri, &a), &root);
            if got != reference {
                failures.push(format!("{what}, {who}:\n{}", diff(&reference, &got)));
            }
        }
        reference
    };
    for (what, args) in &runs {
        let out = compare(what, &lu, &ru, args);
        if what.as_str() != "unknown format" {
            assert!(
                out.starts_with("rc=0\nLC_ALL=C ")
                    && out.contains(" /usr/bin/qemu-system-x86_64 -name "),
                "{what}: {out}"
            );
        } else {
            assert_eq!(
                out,
                "rc=1\n\n--\nerror: invalid argument: unsupported config type bogus\n"
            );
        }
    }
    // Read-only connections are refused.
    let args: Vec<String> = vec!["domxml-to-native".into(), "qemu-argv".into(), f001.clone()];
    let out = compare("read-only", &lro, &rro, &args);
    assert_eq!(
        out,
        "rc=1\n\n--\nerror: operation forbidden: read only access prevents \
         virConnectDomainXMLToNative\n"
    );

    // --domain: the XML of a defined domain.
    let xml = cases.join("491-everything-pc.xml").display().to_string();
    for uri in [&lu, &ru] {
        let out = client(&virsh, uri, &["define", &xml]);
        assert!(out.starts_with("rc=0\n"), "define: {out}");
    }
    let args: Vec<String> = [
        "domxml-to-native",
        "qemu-argv",
        "--domain",
        "491-everything-pc",
    ]
    .map(String::from)
    .to_vec();
    let out = compare("--domain", &lu, &ru, &args);
    assert!(out.starts_with("rc=0\nLC_ALL=C "), "{out}");

    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The test driver has no such conversion, as libvirt's has none.
    let args = ["domxml-to-native", "qemu-argv", f001.as_str()];
    let r = client(&rv_bin, "test:///default", &args);
    assert_eq!(r, client(&virsh, "test:///default", &args));
    assert!(r.contains("not supported by the connection driver: virConnectDomainXMLToNative"));
}
