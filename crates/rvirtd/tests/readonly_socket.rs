//! Acceptance: the read-only socket. Connected there (without virsh's own `-r`, so the
//! daemon alone enforces it), every mutating call is refused with libvirt's "operation
//! forbidden: read only access prevents ..." and every reading call is served; the output
//! of each command must be the same as against the real libvirtd's read-only socket.

mod common;

use common::{diff, mask_paths, run, skip, virsh_cmd, Libvirtd, Rvirtd, TempDir};
use std::path::Path;
use std::time::{Duration, Instant};

/// Commands that change something. Virsh fails some of them before asking the daemon
/// (`start` of a running domain), so only the comparison with libvirtd covers those.
const MUTATING: &[&str] = &[
    "define d1.xml",
    "create t1.xml",
    "undefine test",
    "destroy test",
    "suspend test",
    "resume test",
    "shutdown test",
    "reboot test",
    "reset test",
    "setmem test 1024",
    "setmaxmem test 1048576 --config",
    "setvcpus test 1",
    "setvcpus test 1 --config --maximum",
    "autostart test",
    "save test ro.save",
    "managedsave test",
    "managedsave-remove test",
    "desc test --title --new-desc x",
    "metadata test http://example.org/ --key ex --set <a/>",
    "dumpxml --security-info test",
    "snapshot-create-as test s1",
    "net-define n1.xml",
    "net-create n2.xml",
    "net-start default",
    "net-destroy default",
    "net-undefine default",
    "net-autostart default",
    "pool-define p1.xml",
    "pool-create p2.xml",
    "pool-start default-pool",
    "pool-destroy default-pool",
    "pool-undefine default-pool",
    "pool-autostart default-pool",
    "pool-refresh default-pool",
    "vol-create-as default-pool a.img 1M",
    "vol-create default-pool v1.xml",
    "start test",
];

/// Commands virsh answers before the daemon is asked (listed so the refusal check skips
/// them; their output is still compared).
const REFUSED_BY_VIRSH: &[&str] = &["start test", "managedsave-remove test"];

/// Commands that only read.
const READING: &[&str] = &[
    "list --all",
    "list --all --title",
    "list --all --name",
    "dominfo test",
    "domstate test --reason",
    "dumpxml test",
    "dumpxml --inactive test",
    "domid test",
    "domuuid test",
    "domname 1",
    "vcpucount test",
    "vcpuinfo test",
    "dommemstat test",
    "domblklist test",
    "domiflist test",
    "schedinfo test",
    "snapshot-list test",
    "domhostname test",
    "net-list --all",
    "net-info default",
    "net-dumpxml default",
    "net-uuid default",
    "pool-list --all --details",
    "pool-info default-pool",
    "pool-dumpxml default-pool",
    "vol-list default-pool",
    "iface-list --all",
    "nodedev-list",
    "capabilities",
    "domcapabilities",
    "nodeinfo",
    "nodememstats",
    "nodecpustats",
    "freecell --all",
    "hostname",
    "uri",
    "version --daemon",
    "sysinfo",
    "maxvcpus",
];

/// Runs one command against a read-only socket; masked output.
fn ro_run(sock: &Path, files: &Path, cmd: &str) -> (String, String, i32) {
    let home = TempDir::new("ro-home");
    let mut c = virsh_cmd(files, home.path());
    c.arg("-c").arg(common::test_uri(sock)).arg(cmd);
    let out = run(c, None, Duration::from_secs(10));
    let pairs = [(sock.to_string_lossy().into_owned(), "@SOCK-RO@")];
    let mask = |s: &str| {
        mask_paths(s, &pairs)
            .lines()
            .map(|l| {
                if l.starts_with("CPU time:") {
                    "CPU time: @ANY@".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    (mask(&out.stdout), mask(&out.stderr), out.rc)
}

#[test]
fn readonly_socket_refuses_changes_and_serves_queries() {
    if let Some(why) = common::virsh_unavailable() {
        skip("readonly_socket_refuses_changes_and_serves_queries", &why);
        return;
    }
    let t = Instant::now();
    let files = TempDir::new("ro-files");
    let src = common::workspace().join("tests/data/virsh/files");
    for e in std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .filter_map(|e| e.ok())
    {
        let _ = std::fs::copy(e.path(), files.path().join(e.file_name()));
    }
    let mut rv = Rvirtd::start("ro");
    let lv = match Libvirtd::start("ro") {
        Ok(l) => Some(l),
        Err(e) => {
            skip("comparison with the real libvirtd", &e);
            None
        }
    };
    // A client on the read-write socket keeps the test driver's state alive for the whole
    // run (it is reset when the last client leaves) and watches for domain events.
    let holder_out = files.path().join("holder.out");
    let mut holder = virsh_cmd(files.path(), files.path());
    holder
        .arg("-c")
        .arg(rv.uri())
        .args(["event", "--loop", "--all"])
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&holder_out).unwrap_or_else(|e| panic!("{e}")))
        .stderr(std::process::Stdio::null());
    let mut holder = holder
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run virsh: {e}"));
    std::thread::sleep(Duration::from_millis(500));
    let mut problems = Vec::new();
    let mut unknown = std::collections::BTreeMap::new();
    for (cmd, mutating) in MUTATING
        .iter()
        .map(|c| (*c, true))
        .chain(READING.iter().map(|c| (*c, false)))
    {
        let got = ro_run(&rv.ro_sock, files.path(), cmd);
        if mutating && !REFUSED_BY_VIRSH.contains(&cmd) {
            let refused = got.2 == 1
                && (got
                    .1
                    .contains("operation forbidden: read only access prevents")
                    || got
                        .1
                        .contains("operation forbidden: virDomainGetXMLDesc with secure flag"));
            if !refused {
                problems.push(format!(
                    "{cmd}: not refused by rvirtd (status {}):\n{}{}",
                    got.2, got.0, got.1
                ));
            }
        }
        // Without libvirtd to compare with, a reading command must at least not be
        // refused for being on the read-only socket.
        if !mutating && lv.is_none() && got.1.contains("read only access prevents") {
            problems.push(format!("{cmd}: refused by rvirtd: {}", got.1));
        }
        common::unknown_procedures(&got.1, &mut unknown);
        if let Some(lv) = &lv {
            let want = ro_run(&lv.ro_sock, files.path(), cmd);
            if want != got {
                let mut r = format!("{cmd}: differs from libvirtd (- libvirtd, + rvirtd)\n");
                if want.0 != got.0 {
                    r.push_str(&format!("  stdout:\n{}", diff(&want.0, &got.0)));
                }
                if want.1 != got.1 {
                    r.push_str(&format!("  stderr:\n{}", diff(&want.1, &got.1)));
                }
                if want.2 != got.2 {
                    r.push_str(&format!(
                        "  status: libvirtd {}, rvirtd {}\n",
                        want.2, got.2
                    ));
                }
                problems.push(r);
            }
        }
    }
    rv.assert_healthy();
    // Nothing changed: the state seen on the read-write socket is the initial one, and
    // the watching client saw no domain event.
    let after = common::virsh(
        &rv.uri(),
        &["list --all --name; net-list --all --name; pool-list --all --name"],
    );
    let _ = std::process::Command::new("kill")
        .arg("-INT")
        .arg(holder.id().to_string())
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = holder.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = holder.kill();
    let _ = holder.wait();
    let events = std::fs::read_to_string(&holder_out).unwrap_or_default();
    // (pool-list --name pads names to 20 columns.)
    if after.stdout != "test\n\ndefault\n\ndefault-pool        \n\n" {
        problems.push(format!(
            "the read-only client changed something: {}{}",
            after.stdout, after.stderr
        ));
    }
    if events.contains("event '") {
        problems.push(format!("the read-only client caused events:\n{events}"));
    }
    eprintln!(
        "readonly_socket: {} commands, {} problems, {:?}",
        MUTATING.len() + READING.len(),
        problems.len(),
        t.elapsed()
    );
    if !unknown.is_empty() {
        eprintln!("procedures rvirtd does not serve yet: {unknown:?}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
