//! `qemu-monitor-command` against real guests: the stub guest started by real libvirtd's
//! QEMU driver answers real virsh and rvirsh (through the remote driver and the QEMU
//! program) with the same output for every output mode (raw, `--pretty`,
//! `--return-value`, HMP, QEMU's errors, words wrapped into QMP); and where rvirtd's QEMU
//! driver serves the call, the same guest started by rvirtd gives the same answers as
//! libvirtd's to queries that describe the guest.

mod common;

use common::qemu_uri;

use common::guest::{domain_xml, guest, unavailable};
use common::{diff, run, skip, Libvirtd, Rvirtd, TempDir};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs a virsh-like client: status, stdout and stderr in one text, QMP ids masked.
fn client(bin: &Path, uri: &str, args: &[&str]) -> String {
    let home = TempDir::new("home");
    let mut c = common::client_cmd(bin, home.path(), home.path());
    c.arg("-c").arg(uri).args(args);
    let o = run(c, None, Duration::from_secs(30));
    mask_ids(&format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr))
}

/// `"id":"libvirt-N"` (and the pretty form) counts the driver's monitor commands, and a
/// vCPU's `"thread-id"` is whatever the host gave that QEMU process.
fn mask_ids(s: &str) -> String {
    let s = mask_number_after(s, "\"libvirt-", "\"libvirt-N");
    let s = mask_number_after(&s, "\"thread-id\": ", "\"thread-id\": N");
    mask_number_after(&s, "\"thread-id\":", "\"thread-id\":N")
}

fn mask_number_after(s: &str, prefix: &str, replacement: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i]);
        out.push_str(replacement);
        rest = &rest[i + prefix.len()..];
        rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// `qemu-monitor-command g OPTIONS 'COMMAND'` with descriptors 3 and 4 open on a file.
const PASS_FDS: &[(&str, &str)] = &[
    (
        "--pass-fds 3",
        r#"{"execute":"add-fd","arguments":{"fdset-id":7}}"#,
    ),
    ("--pretty", r#"{"execute":"query-fdsets"}"#),
    (
        "--pass-fds 3",
        r#"{"execute":"getfd","arguments":{"fdname":"passed"}}"#,
    ),
    (
        "--pass-fds 3,4",
        r#"{"execute":"add-fd","arguments":{"fdset-id":8}}"#,
    ),
    ("--hmp --pass-fds 3", "getfd viahmp"),
    ("--pass-fds 9", r#"{"execute":"query-fdsets"}"#),
    ("--pass-fds 3", r#"{"execute":"query-status"}"#),
];

const CASES: &[&[&str]] = &[
    &[
        "qemu-monitor-command",
        "g",
        "{\"execute\":\"query-status\"}",
    ],
    &["qemu-monitor-command", "g", "query-status"],
    &["qemu-monitor-command", "g", "--pretty", "query-status"],
    &["qemu-monitor-command", "g", "--return-value", "query-name"],
    &[
        "qemu-monitor-command",
        "g",
        "--pretty",
        "--return-value",
        "query-block",
    ],
    &["qemu-monitor-command", "g", "--pretty", "query-iothreads"],
    &["qemu-monitor-command", "g", "--hmp", "info", "status"],
    &["qemu-monitor-command", "g", "--hmp", "info blah"],
    &["qemu-monitor-command", "g", "--pretty", "bogus"],
    &["qemu-monitor-command", "g", "--return-value", "bogus"],
    &[
        "qemu-monitor-command",
        "g",
        "qom-get",
        "\"path\":\"/machine\"",
        "\"property\":\"type\"",
    ],
    &[
        "qemu-monitor-command",
        "g",
        "--pass-fds",
        "a",
        "query-status",
    ],
    &["qemu-monitor-command", "nosuch", "query-status"],
];

/// Queries whose answers describe the guest, the same whoever started it.
const SAME_GUEST: &[&[&str]] = &[
    &[
        "qemu-monitor-command",
        "g",
        "--return-value",
        "query-status",
    ],
    &["qemu-monitor-command", "g", "--return-value", "query-name"],
    &[
        "qemu-monitor-command",
        "g",
        "--pretty",
        "--return-value",
        "query-cpus-fast",
    ],
];

#[test]
fn monitor_commands_print_what_virsh_prints() {
    if let Some(why) = unavailable() {
        return skip("qemu-monitor-command", &why);
    }
    let Some(rvirsh) = common::rvirsh_bin() else {
        return skip("qemu-monitor-command", "target/debug/rvirsh is not built");
    };
    let g = match guest() {
        Ok(g) => g,
        Err(why) => return skip("qemu-monitor-command", &why),
    };
    let lv = match Libvirtd::start("qmc") {
        Ok(l) => l,
        Err(why) => return skip("qemu-monitor-command", &why),
    };
    let mut rv = Rvirtd::start("qmc");
    let files = TempDir::new("qmc-files");
    let xml = files.path().join("g.xml");
    std::fs::write(&xml, domain_xml("g", "qemu", &g, false, "")).unwrap_or_else(|e| panic!("{e}"));
    let virsh = PathBuf::from("/usr/bin/virsh");
    let xml_s = xml.to_string_lossy().into_owned();
    let (luri, ruri) = (qemu_uri(&lv.sock), qemu_uri(&rv.sock));
    assert!(client(&virsh, &luri, &["create", &xml_s]).starts_with("rc=0"));

    let mut wrong = Vec::new();
    for args in CASES {
        let want = client(&virsh, &luri, args);
        let got = client(&rvirsh, &luri, args);
        if want != got {
            wrong.push(format!("{args:?}:\n{}", diff(&want, &got)));
        }
    }

    // rvirtd's own guests, where its QEMU driver answers monitor commands.
    let started = client(&virsh, &ruri, &["create", &xml_s]);
    let probe = client(&virsh, &ruri, SAME_GUEST[0]);
    if !started.starts_with("rc=0") || probe.contains("not supported by the connection driver") {
        skip(
            "qemu-monitor-command on rvirtd's guests",
            "rvirtd's QEMU driver does not serve monitor commands yet",
        );
    } else {
        for args in SAME_GUEST {
            let want = client(&virsh, &luri, args);
            for (who, bin) in [("virsh", &virsh), ("rvirsh", &rvirsh)] {
                let got = client(bin, &ruri, args);
                if want != got {
                    wrong.push(format!("{who} on rvirtd {args:?}:\n{}", diff(&want, &got)));
                }
            }
        }
    }
    // Descriptors passed with a command (CALL_WITH_FDS over the UNIX socket), by real
    // virsh to both daemons; QEMU's own descriptor numbers are masked.
    for (shell_args, cmd) in PASS_FDS {
        let run_one = |bin: &Path, uri: &str| {
            let home = TempDir::new("home");
            let script = format!(
                "exec {} -c '{uri}' qemu-monitor-command g {shell_args} '{cmd}' 3</etc/hostname 4</etc/hostname",
                bin.display()
            );
            let mut c = std::process::Command::new("/bin/sh");
            c.current_dir(home.path())
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .env("HOME", home.path())
                .env("LC_ALL", "C")
                .arg("-c")
                .arg(script);
            let o = run(c, None, Duration::from_secs(30));
            let text = mask_ids(&format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr));
            let text = mask_number_after(&text, "\"fd\": ", "\"fd\": N");
            mask_number_after(&text, "\"fd\":", "\"fd\":N")
        };
        let want = run_one(&virsh, &luri);
        for (who, bin, uri) in [
            ("virsh on rvirtd", &virsh, &ruri),
            ("rvirsh on rvirtd", &rvirsh, &ruri),
            ("rvirsh on libvirtd", &rvirsh, &luri),
        ] {
            let got = run_one(bin, uri);
            if want != got {
                wrong.push(format!("{who} {shell_args} {cmd}:\n{}", diff(&want, &got)));
            }
        }
    }
    let _ = client(&virsh, &luri, &["destroy", "g"]);
    let _ = client(&virsh, &ruri, &["destroy", "g"]);
    rv.assert_healthy();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
