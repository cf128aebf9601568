//! Acceptance: real guests under rvirtd's QEMU driver, driven by Debian's real virsh, next
//! to the same steps against real libvirtd 9.0's QEMU driver. The multiboot stub guest
//! prints a marker on every boot and reset and powers off on the ACPI button, which makes
//! every lifecycle step observable in a fraction of a second under TCG.
//!
//! Each virsh command's output and exit status must be the same against both daemons; the
//! console must show the guest's marker (once after start, twice after a reboot).

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable, OnTty};
use common::{diff, run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::{Duration, Instant};

const MARKER: &str = "GUEST-BOOTED (stub)";

/// `virsh -c URI ARGS` in `cwd`: status, stdout, stderr.
fn virsh(uri: &str, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(cwd, home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc, o.stdout, o.stderr)
}

/// Polls `domstate --reason` until it says `want`.
fn wait_state(uri: &str, cwd: &Path, dom: &str, want: &str, limit: Duration) -> String {
    let t = Instant::now();
    let mut last = String::new();
    while t.elapsed() < limit {
        let (_, out, _) = virsh(uri, cwd, &["domstate", "--reason", dom]);
        last = out.trim().to_string();
        if last == want {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    last
}

/// `virsh console` on its own terminal.
fn console(uri: &str, dom: &str) -> OnTty {
    let home = TempDir::new("home-console");
    let mut c = virsh_cmd(Path::new("/"), home.path());
    c.arg("-c").arg(uri).args(["console", dom]);
    let t = OnTty::spawn(c).unwrap_or_else(|e| panic!("cannot run virsh console: {e}"));
    std::mem::forget(home);
    t
}

/// One daemon's record of the scenario: each step's name and what virsh printed.
fn scenario(uri: &str, files: &Path) -> Vec<(String, String)> {
    let mut log: Vec<(String, String)> = Vec::new();
    let step = |log: &mut Vec<(String, String)>, name: &str, args: &[&str]| {
        let (rc, out, err) = virsh(uri, files, args);
        log.push((name.to_string(), format!("rc={rc}\n{out}{err}")));
    };
    step(&mut log, "define", &["define", "stub.xml"]);
    step(&mut log, "dominfo-off", &["dominfo", "stub"]);
    step(&mut log, "start-paused", &["start", "--paused", "stub"]);
    step(&mut log, "state-paused", &["domstate", "--reason", "stub"]);
    let con = console(uri, "stub");
    std::thread::sleep(Duration::from_millis(300));
    step(&mut log, "resume", &["resume", "stub"]);
    let booted = con.wait_for(MARKER, 1, Duration::from_secs(20));
    log.push(("console-boot".into(), format!("marker seen: {booted}")));
    step(&mut log, "state-running", &["domstate", "--reason", "stub"]);
    step(&mut log, "reboot", &["reboot", "stub"]);
    let rebooted = con.wait_for(MARKER, 2, Duration::from_secs(20));
    log.push(("console-reboot".into(), format!("marker twice: {rebooted}")));
    drop(con);
    step(&mut log, "suspend", &["suspend", "stub"]);
    step(
        &mut log,
        "state-suspended",
        &["domstate", "--reason", "stub"],
    );
    step(&mut log, "resume-again", &["resume", "stub"]);
    step(&mut log, "save", &["save", "stub", "stub.save"]);
    step(&mut log, "state-saved", &["domstate", "--reason", "stub"]);
    step(&mut log, "restore", &["restore", "stub.save"]);
    step(
        &mut log,
        "state-restored",
        &["domstate", "--reason", "stub"],
    );
    // The stub arms its power button once booted; after a restore it is armed already.
    step(&mut log, "shutdown", &["shutdown", "stub"]);
    let st = wait_state(
        uri,
        files,
        "stub",
        "shut off (shutdown)",
        Duration::from_secs(20),
    );
    log.push(("state-after-shutdown".into(), st));
    step(&mut log, "start", &["start", "stub"]);
    step(&mut log, "destroy", &["destroy", "stub"]);
    step(
        &mut log,
        "state-destroyed",
        &["domstate", "--reason", "stub"],
    );
    step(&mut log, "start-for-managedsave", &["start", "stub"]);
    step(&mut log, "managedsave", &["managedsave", "stub"]);
    step(
        &mut log,
        "list-managed",
        &["list", "--all", "--managed-save"],
    );
    step(&mut log, "start-from-managedsave", &["start", "stub"]);
    step(
        &mut log,
        "state-from-managedsave",
        &["domstate", "--reason", "stub"],
    );
    step(&mut log, "destroy-2", &["destroy", "stub"]);
    // --autodestroy: the guest ends with the connection that started it (virsh's own).
    step(
        &mut log,
        "start-autodestroy",
        &["start", "--autodestroy", "stub"],
    );
    let st = wait_state(
        uri,
        files,
        "stub",
        "shut off (destroyed)",
        Duration::from_secs(20),
    );
    log.push(("state-after-autodestroy".into(), st));
    step(&mut log, "undefine", &["undefine", "stub"]);
    step(
        &mut log,
        "create-autodestroy",
        &["create", "--autodestroy", "stub.xml"],
    );
    let gone = Instant::now();
    let mut last = String::new();
    while gone.elapsed() < Duration::from_secs(20) {
        let (rc, out, err) = virsh(uri, files, &["domstate", "stub"]);
        last = format!("rc={rc}\n{out}{err}");
        if rc != 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    log.push(("transient-autodestroyed".into(), last));
    step(&mut log, "list-end", &["list", "--all"]);
    log
}

#[test]
fn stub_guest_lifecycle_matches_libvirtd() {
    let name = "stub_guest_lifecycle_matches_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = match guest() {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    let work = TempDir::new("qemu-life");
    let xml = domain_xml("stub", "qemu", &g, false, "").replace(
        "<name>stub</name>",
        "<name>stub</name>\n  <uuid>9b2ab1c5-3c1e-4c5e-9a21-5d3e0a6f7e11</uuid>",
    );
    let mut results = Vec::new();
    for who in ["rvirtd", "libvirtd"] {
        let files = work.path().join(who);
        std::fs::create_dir_all(&files).expect("files dir");
        std::fs::write(files.join("stub.xml"), &xml).expect("xml");
        let log = if who == "rvirtd" {
            let mut rv = Rvirtd::start_in("qemu-life", &files, &[]);
            let log = scenario(&qemu_uri(&rv.sock), &files);
            rv.assert_healthy();
            log
        } else {
            let lv = match Libvirtd::start_in("qemu-life", &files) {
                Ok(l) => l,
                Err(e) => return skip(name, &format!("real libvirtd: {e}")),
            };
            scenario(&qemu_uri(&lv.sock), &files)
        };
        results.push(log);
    }
    let (ours, theirs) = (&results[0], &results[1]);
    if std::env::var_os("QEMU_LIFECYCLE_DUMP").is_some() {
        for (step, got) in ours {
            eprintln!("== {step}\n{got}");
        }
    }
    let mut report = String::new();
    for ((step, got), (_, want)) in ours.iter().zip(theirs.iter()) {
        if got != want {
            report.push_str(&format!(
                "step {step} (- libvirtd, + rvirtd):\n{}",
                diff(want, got)
            ));
        }
    }
    for (step, got) in ours {
        if step.starts_with("console") {
            assert!(got.ends_with("true"), "rvirtd {step}: {got}");
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// Where /dev/kvm works the stub runs under `type='kvm'` (QEMU reports KVM enabled); where
/// it does not, such a domain is refused and nothing is left running.
#[test]
fn stub_guest_runs_under_kvm_when_the_host_has_it() {
    let name = "stub_guest_runs_under_kvm_when_the_host_has_it";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = match guest() {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    let files = TempDir::new("qemu-kvm");
    let xml = domain_xml("kvmstub", "kvm", &g, false, "");
    std::fs::write(files.path().join("kvm.xml"), &xml).expect("xml");
    let mut rv = Rvirtd::start_in("qemu-kvm", files.path(), &[]);
    let uri = qemu_uri(&rv.sock);
    let kvm_usable = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    let (_, caps, _) = virsh(&uri, files.path(), &["capabilities"]);
    assert_eq!(
        caps.contains("<domain type='kvm'"),
        kvm_usable,
        "capabilities must offer KVM exactly when /dev/kvm works"
    );
    let (rc, out, err) = virsh(&uri, files.path(), &["create", "--paused", "kvm.xml"]);
    if !kvm_usable {
        assert_ne!(rc, 0, "a kvm domain started without KVM: {out}");
        assert!(!err.is_empty());
        let (_, list, _) = virsh(&uri, files.path(), &["list", "--all", "--name"]);
        assert!(!list.contains("kvmstub"), "{list}");
        rv.assert_healthy();
        return;
    }
    assert_eq!(rc, 0, "create under KVM: {err}");
    let con = console(&uri, "kvmstub");
    std::thread::sleep(Duration::from_millis(300));
    let (rc, _, err) = virsh(&uri, files.path(), &["resume", "kvmstub"]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        con.wait_for(MARKER, 1, Duration::from_secs(20)),
        "no boot marker under KVM"
    );
    drop(con);
    let (rc, out, err) = virsh(
        &uri,
        files.path(),
        &["qemu-monitor-command", "--hmp", "kvmstub", "info kvm"],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("kvm support: enabled"), "{out}");
    let (rc, _, err) = virsh(&uri, files.path(), &["destroy", "kvmstub"]);
    assert_eq!(rc, 0, "{err}");
    rv.assert_healthy();
}

/// An autoport SPICE display gets a port of its own at start, shown in the live XML with
/// its listen address and by `domdisplay`, as libvirtd shows it (port numbers masked).
#[test]
fn autoport_spice_gets_a_port_like_libvirtd() {
    let name = "autoport_spice_gets_a_port_like_libvirtd";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = match guest() {
        Ok(g) => g,
        Err(e) => panic!("{e}"),
    };
    let extra =
        "    <graphics type='spice' autoport='yes'/>\n    <graphics type='vnc' autoport='yes'/>\n";
    let xml = domain_xml("spicey", "qemu", &g, false, extra);
    let mut seen = Vec::new();
    let work = TempDir::new("qemu-spice");
    for who in ["rvirtd", "libvirtd"] {
        let files = work.path().join(who);
        std::fs::create_dir_all(&files).expect("files dir");
        std::fs::write(files.join("s.xml"), &xml).expect("xml");
        let record = |uri: &str| {
            let (rc, _, err) = virsh(uri, &files, &["create", "s.xml"]);
            assert_eq!(rc, 0, "{who}: {err}");
            let (_, live, _) = virsh(uri, &files, &["dumpxml", "spicey"]);
            let graphics: String = live
                .lines()
                .filter(|l| {
                    l.contains("<graphics") || l.contains("<listen") || l.contains("<audio")
                })
                .map(|l| format!("{l}\n"))
                .collect();
            let (_, display, _) = virsh(uri, &files, &["domdisplay", "--type", "spice", "spicey"]);
            let _ = virsh(uri, &files, &["destroy", "spicey"]);
            (
                graphics.clone(),
                common::mask_digits(&format!("{graphics}{display}")),
            )
        };
        if who == "rvirtd" {
            let mut rv = Rvirtd::start_in("qemu-spice", &files, &[]);
            let (raw, masked) = record(&qemu_uri(&rv.sock));
            assert!(
                raw.contains("<graphics type='spice' port='") && !raw.contains("port='-1'"),
                "no SPICE port: {raw}"
            );
            seen.push(masked);
            rv.assert_healthy();
        } else {
            let lv = match Libvirtd::start_in("qemu-spice", &files) {
                Ok(l) => l,
                Err(e) => return skip(name, &format!("real libvirtd: {e}")),
            };
            seen.push(record(&qemu_uri(&lv.sock)).1);
        }
    }
    assert_eq!(
        seen[0],
        seen[1],
        "- rvirtd, + libvirtd:\n{}",
        diff(&seen[0], &seen[1])
    );
}
