//! Acceptance: python3-libvirt (the real client library) against rvirtd and against the
//! real libvirtd. `tests/python/api_check.py` exercises lifecycle, lookups, XML, listings,
//! networks and pools, error records and events, and prints a JSON summary; the two
//! summaries must be equal.

mod common;

use common::{diff, run, skip, Libvirtd, Rvirtd, TempDir};
use std::process::Command;
use std::time::{Duration, Instant};

fn python_unavailable() -> Option<String> {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import libvirt"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    (!ok).then(|| "/usr/bin/python3 with python3-libvirt is not installed".to_string())
}

/// Runs the check script against one daemon and returns its JSON summary.
fn summary(who: &str, uri: &str, ro_uri: &str) -> String {
    let script = common::workspace().join("tests/python/api_check.py");
    let scratch = TempDir::new(&format!("py-{who}"));
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.arg(&script)
        .arg(uri)
        .arg(ro_uri)
        .arg(scratch.path())
        .env("LC_ALL", "C");
    let t = Instant::now();
    let out = run(cmd, None, Duration::from_secs(120));
    eprintln!("api_check.py against {who}: {:?}", t.elapsed());
    assert_eq!(
        out.rc, 0,
        "api_check.py against {who} failed:\n{}{}",
        out.stdout, out.stderr
    );
    // The scratch path appears in error messages about save files.
    out.stdout
        .replace(&scratch.path().to_string_lossy().into_owned(), "@SCRATCH@")
}

#[test]
fn python_libvirt_sees_the_same_daemon() {
    if let Some(why) = python_unavailable() {
        skip("python_libvirt_sees_the_same_daemon", &why);
        return;
    }
    let mut rv = Rvirtd::start("py");
    let got = summary("rvirtd", &rv.uri(), &rv.ro_uri());
    rv.assert_healthy();
    for bad in ["\"exception\"", "\"unexpected error\""] {
        assert!(
            !got.contains(bad),
            "api_check.py hit {bad} against rvirtd:\n{got}"
        );
    }
    let lv = match Libvirtd::start("py") {
        Ok(l) => l,
        Err(e) => {
            skip("comparison with the real libvirtd", &e);
            return;
        }
    };
    let want = summary("libvirtd", &lv.uri(), &lv.ro_uri());
    drop(lv);
    if want != got {
        panic!(
            "python3-libvirt sees rvirtd differently from libvirtd (- libvirtd, + rvirtd):\n{}",
            diff(&want, &got)
                .lines()
                .filter(|l| !l.starts_with("     "))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
