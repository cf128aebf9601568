//! Acceptance: the same XML started by real libvirtd 9.0 and by rvirtd gives a guest with
//! the same hardware. Both guests are started paused and asked, through real
//! `virsh qemu-monitor-command` on each daemon, for QMP `query-pci`, `query-block`,
//! `query-chardev`, `query-cpus-fast` and the current machine type; the answers must be
//! equal once what differs by nature is masked (pty numbers, thread ids, the daemons'
//! directories, command ids).

mod common;

use common::qemu_uri;

use common::guest::{guest, unavailable};
use common::{diff, run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::Duration;

const QUERIES: &[&str] = &[
    r#"{"execute":"query-pci"}"#,
    r#"{"execute":"query-block"}"#,
    r#"{"execute":"query-chardev"}"#,
    r#"{"execute":"query-cpus-fast"}"#,
    r#"{"execute":"qom-get","arguments":{"path":"/machine","property":"type"}}"#,
    r#"{"execute":"query-current-machine"}"#,
];

fn virsh(uri: &str, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(Path::new("/"), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc, o.stdout, o.stderr)
}

/// A domain with one of each common device family, on machine `machine`.
fn rich_xml(name: &str, machine: &str, disk: &Path, cd: &Path, stub: &Path) -> String {
    format!(
        "<domain type='qemu'>\n  <name>{name}</name>\n  <uuid>4a8e2b47-8d7b-4a43-9e1a-5f0c2d3b6a{:02x}</uuid>\n  \
         <memory unit='MiB'>128</memory>\n  <vcpu>2</vcpu>\n  <os>\n    <type arch='x86_64' machine='{machine}'>hvm</type>\n    \
         <kernel>{}</kernel>\n  </os>\n  <features><acpi/><apic/></features>\n  <devices>\n    \
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{}'/><target dev='vda' bus='virtio'/></disk>\n    \
         <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='{}'/><target dev='sda' bus='sata'/><readonly/></disk>\n    \
         <interface type='user'><mac address='52:54:00:ab:cd:{:02x}'/><model type='virtio'/></interface>\n    \
         <interface type='user'><mac address='52:54:00:ab:ce:{:02x}'/><model type='e1000'/></interface>\n    \
         <serial type='pty'/>\n    <console type='pty'/>\n    \
         <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\n    \
         <input type='tablet' bus='usb'/>\n    <graphics type='vnc' port='-1'/>\n    \
         <video><model type='virtio'/></video>\n    \
         <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n    \
         <memballoon model='virtio'/>\n  </devices>\n</domain>\n",
        machine.len(),
        stub.display(),
        disk.display(),
        cd.display(),
        machine.len(),
        machine.len(),
    )
}

/// Masks what differs by nature between the two daemons' guests.
fn mask(text: &str, roots: &[&str]) -> String {
    let mut s = text.to_string();
    // rvirtd runs under its --root, libvirtd in a mount namespace at the real paths.
    for r in roots {
        s = s.replace(r, "");
    }
    s = s
        .replace("/var/lib/libvirt/", "/var/lib/@DAEMON@/")
        .replace("/var/lib/rvirt/", "/var/lib/@DAEMON@/");
    let re_like = |s: &str, key: &str| -> String {
        // "key": 12345 -> "key": @N@
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(key) {
            out.push_str(&rest[..i + key.len()]);
            rest = &rest[i + key.len()..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 {
                out.push_str("@N@");
                rest = &rest[digits..];
            }
        }
        out.push_str(rest);
        out
    };
    s = re_like(&s, "\"thread-id\": ");
    s = re_like(&s, "/dev/pts/");
    s = re_like(&s, "\"id\": \"libvirt-");
    s
}

fn answers(uri: &str, name: &str) -> Vec<String> {
    QUERIES
        .iter()
        .map(|q| {
            let (rc, out, err) = virsh(uri, &["qemu-monitor-command", name, "--pretty", q]);
            format!("rc={rc}\n{out}{err}")
        })
        .collect()
}

#[test]
fn same_xml_gives_the_same_hardware_as_libvirtd() {
    let name = "same_xml_gives_the_same_hardware_as_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = guest().unwrap_or_else(|e| panic!("{e}"));
    let work = TempDir::new("qemu-hw");
    let disk = work.path().join("disk.qcow2");
    let cd = work.path().join("cd.iso");
    let st = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&disk)
        .arg("16M")
        .status();
    if !st.map(|s| s.success()).unwrap_or(false) {
        return skip(name, "qemu-img is not installed");
    }
    std::fs::write(&cd, vec![0u8; 1 << 20]).expect("cd image");
    let rv = Rvirtd::start("hw");
    let lv = match Libvirtd::start("hw") {
        Ok(l) => l,
        Err(e) => return skip(name, &format!("real libvirtd: {e}")),
    };
    let roots = [
        rv.dir.path().to_string_lossy().into_owned(),
        lv.dir.path().to_string_lossy().into_owned(),
    ];
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let mut report = String::new();
    for machine in ["pc", "q35"] {
        let dom = format!("hw-{machine}");
        let f = work.path().join(format!("{dom}.xml"));
        std::fs::write(&f, rich_xml(&dom, machine, &disk, &cd, &g.stub)).expect("xml");
        let f = f.to_string_lossy().into_owned();
        let mut got = Vec::new();
        for uri in [qemu_uri(&rv.sock), qemu_uri(&lv.sock)] {
            let (rc, _, err) = virsh(&uri, &["create", "--paused", &f]);
            assert_eq!(rc, 0, "{uri}: {err}");
            got.push(answers(&uri, &dom));
            virsh(&uri, &["destroy", &dom]);
        }
        for (q, (ours, theirs)) in QUERIES.iter().zip(got[0].iter().zip(got[1].iter())) {
            let (a, b) = (mask(ours, &roots), mask(theirs, &roots));
            if a != b {
                report.push_str(&format!(
                    "{machine}: {q} (- libvirtd, + rvirtd):\n{}",
                    diff(&b, &a)
                ));
            }
        }
    }
    assert!(report.is_empty(), "{report}");
}
