//! Acceptance: the Linux test guest (Debian's kernel, a busybox initramfs; under TCG) does
//! real work under rvirtd, driven by real virsh: it boots to its shell on `virsh console`,
//! its clock stops while it is suspended, it carries on from where it was after `save` and
//! `restore`, it sees a disk attached and detached while it runs, and an ACPI shutdown
//! powers it off.

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable, OnTty};
use common::{run, skip, virsh_cmd, Rvirtd, TempDir};
use std::path::Path;
use std::time::{Duration, Instant};

fn virsh(uri: &str, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new("home");
    let mut c = virsh_cmd(Path::new("/"), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(60));
    (o.rc, o.stdout, o.stderr)
}

fn ok(uri: &str, args: &[&str]) -> String {
    let (rc, out, err) = virsh(uri, args);
    assert_eq!(rc, 0, "virsh {args:?}: {err}");
    out
}

fn console(uri: &str) -> OnTty {
    let home = TempDir::new("home-console");
    let mut c = virsh_cmd(Path::new("/"), home.path());
    c.arg("-c").arg(uri).args(["console", "--force", "lin"]);
    let t = OnTty::spawn(c).unwrap_or_else(|e| panic!("cannot run virsh console: {e}"));
    std::mem::forget(home);
    t
}

/// The guest's uptime in seconds, asked on its shell.
fn uptime(con: &OnTty, tag: &str) -> f64 {
    let before = con.text().len();
    con.send(format!("echo {tag}-$(cut -d' ' -f1 /proc/uptime)-end\r").as_bytes());
    let t = Instant::now();
    let marker = format!("{tag}-");
    while t.elapsed() < Duration::from_secs(20) {
        let text = con.text();
        let fresh = &text[before.min(text.len())..];
        // The echo of the command line has the literal `$(`; the answer has digits.
        for part in fresh.split(&marker).skip(1) {
            if let Some(v) = part.split("-end").next() {
                if let Ok(x) = v.trim().parse::<f64>() {
                    return x;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no uptime from the guest; console:\n{}", con.text());
}

#[test]
fn linux_guest_suspends_restores_and_sees_hotplug() {
    let name = "linux_guest_suspends_restores_and_sees_hotplug";
    if let Some(why) = unavailable() {
        return skip(name, &why);
    }
    let g = guest().unwrap_or_else(|e| panic!("{e}"));
    let work = TempDir::new("linux");
    let disk = work.path().join("extra.qcow2");
    let st = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&disk)
        .arg("32M")
        .status();
    if !st.map(|s| s.success()).unwrap_or(false) {
        return skip(name, "qemu-img is not installed");
    }
    let mut rv = Rvirtd::start("linux");
    let uri = qemu_uri(&rv.sock);
    let xml = work.path().join("lin.xml");
    std::fs::write(&xml, domain_xml("lin", "qemu", &g, true, "")).expect("xml");
    ok(&uri, &["define", &xml.to_string_lossy()]);
    ok(&uri, &["start", "--paused", "lin"]);
    let con = console(&uri);
    std::thread::sleep(Duration::from_millis(300));
    ok(&uri, &["resume", "lin"]);
    assert!(
        con.wait_for("GUEST-READY", 1, Duration::from_secs(90)),
        "the guest did not come up:\n{}",
        con.text()
    );

    // Suspended, the guest's clock stands still.
    let u1 = uptime(&con, "u1");
    ok(&uri, &["suspend", "lin"]);
    std::thread::sleep(Duration::from_secs(3));
    ok(&uri, &["resume", "lin"]);
    let u2 = uptime(&con, "u2");
    let after_u2 = std::time::Instant::now();
    assert!(u2 - u1 < 2.0, "the clock ran while suspended: {u1} -> {u2}");

    // Saved and restored, it carries on where it was (same uptime, same shell).
    let state = work.path().join("lin.save");
    let state = state.to_string_lossy().into_owned();
    drop(con);
    ok(&uri, &["save", "lin", &state]);
    std::thread::sleep(Duration::from_secs(2));
    ok(&uri, &["restore", &state]);
    let con = console(&uri);
    std::thread::sleep(Duration::from_millis(300));
    let u3 = uptime(&con, "u3");
    // The guest's clock may run for all the wall time between the two readings except
    // the 2 s it spent saved (a loaded machine makes the rest slow, not wrong).
    let ran_at_most = after_u2.elapsed().as_secs_f64() - 2.0 + 0.5;
    assert!(
        u3 >= u2 && u3 - u2 < ran_at_most,
        "after restore the guest did not continue: {u2} -> {u3} (allowed {ran_at_most:.2} s)"
    );
    assert_eq!(
        ok(&uri, &["domstate", "--reason", "lin"]).trim(),
        "running (restored)"
    );

    // A disk attached while it runs appears inside; detached, it goes.
    let d = disk.to_string_lossy().into_owned();
    ok(
        &uri,
        &[
            "attach-disk",
            "lin",
            &d,
            "vdb",
            "--driver",
            "qemu",
            "--subdriver",
            "qcow2",
        ],
    );
    assert!(
        con.wait_for("GUEST-DISK-ADD vda 65536", 1, Duration::from_secs(20)),
        "the guest did not see the new disk:\n{}",
        con.text()
    );
    assert!(ok(&uri, &["domblklist", "lin"]).contains(&d));
    ok(&uri, &["detach-disk", "lin", "vdb"]);
    assert!(
        con.wait_for("GUEST-DISK-DEL vda", 1, Duration::from_secs(20)),
        "the guest did not lose the disk:\n{}",
        con.text()
    );
    assert!(!ok(&uri, &["domblklist", "lin"]).contains(&d));

    // An ACPI power-button press powers it off.
    ok(&uri, &["shutdown", "lin"]);
    assert!(
        con.wait_for("GUEST-POWEROFF", 1, Duration::from_secs(30)),
        "no power-off:\n{}",
        con.text()
    );
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20)
        && virsh(&uri, &["domstate", "--reason", "lin"]).1.trim() != "shut off (shutdown)"
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        virsh(&uri, &["domstate", "--reason", "lin"]).1.trim(),
        "shut off (shutdown)"
    );
    rv.assert_healthy();
}
