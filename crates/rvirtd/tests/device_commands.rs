//! The device commands against real libvirtd's QEMU driver, which applies what it is sent:
//! real virsh changes domain `v`, rvirsh (through the remote driver) the identical domain
//! `r`, one command at a time, and after each the two print the same and both domains'
//! XML (persistent and, once running, live) is the same up to the name and UUID. This
//! checks the XML rvirsh builds or picks and the flags it passes, end to end. Where
//! rvirtd's own QEMU driver serves device changes the same steps are repeated against it
//! with real virsh and compared with libvirtd's results.

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable};
use common::{diff, run, skip, Libvirtd, Rvirtd, TempDir};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Status, stdout and stderr of `bin -c URI ARGS` run in `cwd`.
fn client(bin: &Path, uri: &str, cwd: &Path, args: &[&str]) -> String {
    let home = TempDir::new("home");
    let mut c = common::client_cmd(bin, cwd, home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(60));
    format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr)
}

const UUID_V: &str = "1f3c6a3e-5d7b-4c2a-9e01-00000000000a";
const UUID_R: &str = "1f3c6a3e-5d7b-4c2a-9e01-00000000000b";

/// The text with what differs between the two domains by nature masked: name, UUID,
/// per-domain files, terminals and domain ids.
fn masked(text: &str, name: &str, uuid: &str) -> String {
    let t = text
        .replace(uuid, "@UUID@")
        .replace(&format!("'{name}'"), "'@NAME@'")
        .replace(&format!("<name>{name}</name>"), "<name>@NAME@</name>")
        .replace(&format!("/{name}-"), "/@NAME@-")
        .replace(&format!("-{name}/"), "-@NAME@/");
    t.lines()
        .map(|l| {
            let l = match l.find("/dev/pts/") {
                Some(i) => {
                    let rest = l[i + 9..].trim_start_matches(|c: char| c.is_ascii_digit());
                    format!("{}/dev/pts/N{rest}", &l[..i])
                }
                None => l.to_string(),
            };
            match (l.find("<domain type="), l.find(" id='")) {
                (Some(_), Some(i)) => format!("{} id='N'>", &l[..i]),
                _ => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The steps, with `@D@` for the domain and `@F@` for the files directory. The first
/// group changes the persistent definition of the inactive domain; the second runs on the
/// started guest.
const CONFIG_STEPS: &[&str] = &[
    "attach-disk @D@ @F@/a.img vdb --config --driver qemu --subdriver raw --cache none --serial s1",
    "attach-disk @D@ @F@/b.img vdc --persistent --targetbus virtio --alias ua-b",
    "attach-disk @D@ @F@/c.iso hdc --config --type cdrom --mode readonly",
    "attach-disk @D@ @F@/a.img vdd --config --address pci:0000.00.0a.0",
    "attach-interface @D@ network default --config --mac 52:54:00:aa:00:01 --model virtio",
    "attach-interface @D@ bridge virbr9 --config --mac 52:54:00:aa:00:02 --inbound 100,200 --outbound 50",
    "attach-interface @D@ user unused --config",
    "attach-device @D@ rng.xml --config",
    "change-media @D@ hdc --eject --config",
    "change-media @D@ hdc @F@/d.iso --insert --config",
    "change-media @D@ hdc @F@/c.iso --update --config",
    "update-device @D@ cdrom.xml --config",
    "detach-disk @D@ vdb --config",
    "detach-disk @D@ @F@/a.img --config",
    "detach-interface @D@ network --config",
    "detach-interface @D@ bridge --mac 52:54:00:aa:00:02 --persistent",
    "detach-device @D@ rng.xml --config",
    "detach-device-alias @D@ ua-b --config",
    "detach-disk @D@ vdq --config",
    "change-media @D@ vdd --eject --config",
    "attach-disk @D@ @F@/a.img vde",
    "detach-interface @D@ direct --config",
];

const LIVE_STEPS: &[&str] = &[
    "attach-disk @D@ @F@/@D@-b.img vdf --live --serial live1",
    "attach-disk @D@ @F@/@D@-a.img vdg --persistent",
    "attach-interface @D@ network default --live --model virtio --mac 52:54:00:bb:00:01",
    "change-media @D@ hdc @F@/d.iso --update --live",
    "change-media @D@ hdc --eject",
    "change-media @D@ hdc @F@/c.iso --insert --live --config",
    "attach-device @D@ rng.xml",
];

fn files(dir: &Path) {
    for f in [
        "a.img", "b.img", "c.iso", "d.iso", "v-a.img", "v-b.img", "r-a.img", "r-b.img",
    ] {
        let _ = std::fs::write(dir.join(f), vec![0u8; 1 << 20]);
    }
    let rng = "<rng model='virtio'>\n  <backend model='random'>/dev/urandom</backend>\n</rng>\n";
    let _ = std::fs::write(dir.join("rng.xml"), rng);
    let cdrom = format!(
        "<disk type='file' device='cdrom'>\n  <source file='{}/d.iso'/>\n  <target dev='hdc' bus='ide'/>\n  <readonly/>\n</disk>\n",
        dir.display()
    );
    let _ = std::fs::write(dir.join("cdrom.xml"), cdrom);
}

/// Runs the steps with `v_bin` on `v` and `r_bin` on `r` and reports every difference.
fn compare(
    steps: &[&str],
    (v_bin, v_uri): (&Path, &str),
    (r_bin, r_uri): (&Path, &str),
    dir: &Path,
    live: bool,
    report: &mut Vec<String>,
) {
    let f = dir.to_string_lossy();
    for step in steps {
        let mut outs = Vec::new();
        for (bin, uri, name, uuid) in [(v_bin, v_uri, "v", UUID_V), (r_bin, r_uri, "r", UUID_R)] {
            let line = step.replace("@D@", name).replace("@F@", &f);
            let args: Vec<&str> = line.split(' ').collect();
            let mut out = client(bin, uri, dir, &args);
            out.push_str(&client(bin, uri, dir, &["dumpxml", "--inactive", name]));
            if live {
                out.push_str(&client(bin, uri, dir, &["dumpxml", name]));
            }
            outs.push(masked(&out, name, uuid));
        }
        if outs[0] != outs[1] {
            report.push(format!(
                "{step} (- first, + second):\n{}",
                diff(&outs[0], &outs[1])
            ));
        }
    }
}

fn define(bin: &Path, uri: &str, dir: &Path, g: &common::guest::Guest, name: &str, uuid: &str) {
    let extra = "    <disk type='file' device='cdrom'>\n      <source file='@F@/c.iso'/>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>\n    <disk type='file' device='disk'>\n      <source file='@F@/a.img'/>\n      <target dev='vdd' bus='virtio'/>\n    </disk>\n"
        .replace("@F@", &dir.to_string_lossy());
    let xml = domain_xml(name, "qemu", g, false, &extra).replace(
        &format!("<name>{name}</name>"),
        &format!("<name>{name}</name>\n  <uuid>{uuid}</uuid>"),
    );
    let path = dir.join(format!("{name}.xml"));
    let _ = std::fs::write(&path, xml);
    let out = client(bin, uri, dir, &["define", &path.to_string_lossy()]);
    assert!(out.starts_with("rc=0"), "define {name}: {out}");
}

#[test]
fn device_commands_change_domains_as_virsh_does() {
    if let Some(why) = unavailable() {
        return skip("device commands", &why);
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip("device commands", "target/debug/rvirsh is not built");
    };
    let g = match guest() {
        Ok(g) => g,
        Err(why) => return skip("device commands", &why),
    };
    let work = TempDir::new("devcmds");
    files(work.path());
    let lv = match Libvirtd::start_in("devcmds", work.path()) {
        Ok(l) => l,
        Err(why) => return skip("device commands", &why),
    };
    let virsh = PathBuf::from("/usr/bin/virsh");
    let luri = qemu_uri(&lv.sock);
    let mut report = Vec::new();

    define(&virsh, &luri, work.path(), &g, "v", UUID_V);
    define(&virsh, &luri, work.path(), &g, "r", UUID_R);
    let (v, r) = (
        (virsh.as_path(), luri.as_str()),
        (rvirsh.as_path(), luri.as_str()),
    );
    compare(CONFIG_STEPS, v, r, work.path(), false, &mut report);
    for name in ["v", "r"] {
        let out = client(&virsh, &luri, work.path(), &["start", name]);
        assert!(out.starts_with("rc=0"), "start {name}: {out}");
    }
    compare(LIVE_STEPS, v, r, work.path(), true, &mut report);
    for name in ["v", "r"] {
        let _ = client(&virsh, &luri, work.path(), &["destroy", name]);
    }

    // rvirtd's QEMU driver, where it serves device changes: real virsh on libvirtd's `v`
    // and on rvirtd's `r` must give the same results.
    let mut rv = Rvirtd::start_in("devcmds", work.path(), &[]);
    let ruri = qemu_uri(&rv.sock);
    define(&virsh, &ruri, work.path(), &g, "r", UUID_R);
    let probe = client(
        &virsh,
        &ruri,
        work.path(),
        &["attach-device", "r", "rng.xml", "--config"],
    );
    if probe.contains("not supported by the connection driver") {
        skip(
            "device commands on rvirtd",
            "rvirtd's QEMU driver does not serve device changes yet",
        );
    } else {
        let out = client(
            &virsh,
            &ruri,
            work.path(),
            &["detach-device", "r", "rng.xml", "--config"],
        );
        assert!(out.starts_with("rc=0"), "detach the probe's rng: {out}");
        let _ = client(&virsh, &luri, work.path(), &["undefine", "v"]);
        define(&virsh, &luri, work.path(), &g, "v", UUID_V);
        let (v, r) = (
            (virsh.as_path(), luri.as_str()),
            (virsh.as_path(), ruri.as_str()),
        );
        compare(CONFIG_STEPS, v, r, work.path(), false, &mut report);
    }
    rv.assert_healthy();
    assert!(report.is_empty(), "{}", report.join("\n"));
}
