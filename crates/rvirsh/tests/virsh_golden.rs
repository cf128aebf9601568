//! Runs the built `rvirsh` on every recorded virsh case in `tests/data/virsh` exactly the
//! way `scripts/regen-virsh-golden.sh` ran the real virsh, and compares stdout, stderr and
//! the exit status byte for byte (`@ANY@` in a recorded line matches any text within that
//! line; `@FILES@` stands for the absolute path of the `files` directory, of which each
//! run uses a private copy).
//!
//! Every failing case is reported with a diff, followed by a summary per command family.
//! Set `RVIRSH_GOLDEN_FILTER=substring` to run only matching cases.
//!
//! Help texts are rvirsh's own wording, so help output is compared by layout: the
//! descriptive text of each line is masked on both sides while command names, synopses,
//! option columns and alignment must match. Listings of all commands (`help`, `help
//! <group>` for groups rvirsh covers only partly, `-h`) are checked for exit status and
//! stderr only, since rvirsh does not offer every virsh command.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/virsh")
}

fn read(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base =
            std::env::temp_dir().join(format!("rvirsh-golden-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap_or_else(|e| panic!("scratch dir: {e}"));
        Scratch(base)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Outcome {
    stdout: String,
    stderr: String,
    rc: i32,
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one case like the regeneration script.
fn run_case(case: &Path, files: &Path, files_str: &str) -> Outcome {
    let sub = |s: &str| s.replace("@FILES@", files_str);
    let cmdline = read(&case.with_extension("in")).unwrap_or_default();
    let cmdline = sub(cmdline.trim_end_matches('\n'));
    let opts: Vec<String> = read(&case.with_extension("opts"))
        .map(|s| {
            s.lines()
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let uri = read(&case.with_extension("uri"))
        .map(|s| sub(s.lines().next().unwrap_or("")))
        .unwrap_or_else(|| "test:///default".to_string());
    let envs: Vec<(String, String)> = read(&case.with_extension("env"))
        .map(|s| {
            s.lines()
                .filter(|l| !l.is_empty())
                .filter_map(|l| {
                    let l = sub(l);
                    l.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let stdin = read(&case.with_extension("stdin")).map(|s| sub(&s));

    let mut args = opts;
    if uri != "@NONE@" {
        args.push("-c".into());
        args.push(uri);
    }
    if !cmdline.is_empty() {
        args.push(cmdline);
    }

    let home = Scratch::new("home");
    let tmp = Scratch::new("tmp");
    let before = listing(files);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rvirsh"));
    cmd.args(&args)
        .current_dir(files)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", &home.0)
        .env("TMPDIR", &tmp.0)
        .env("LC_ALL", "C")
        .envs(envs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run rvirsh: {e}"));
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let start = Instant::now();
    let out_pipe = child.stdout.take();
    let err_pipe = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(mut p) = out_pipe {
            let _ = std::io::Read::read_to_end(&mut p, &mut v);
        }
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(mut p) = err_pipe {
            let _ = std::io::Read::read_to_end(&mut p, &mut v);
        }
        v
    });
    let rc = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.code().unwrap_or(-1),
            Ok(None) if start.elapsed() > Duration::from_secs(30) => {
                let _ = child.kill();
                let _ = child.wait();
                break 124;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break -1,
        }
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    for f in listing(files).difference(&before) {
        let p = files.join(f);
        let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir_all(&p));
    }
    Outcome { stdout, stderr, rc }
}

/// Whether `actual` matches the recorded `expected` line (with `@ANY@` wildcards).
fn line_matches(expected: &str, actual: &str) -> bool {
    if !expected.contains("@ANY@") {
        return expected == actual;
    }
    let parts: Vec<&str> = expected.split("@ANY@").collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    if !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn text_matches(expected: &str, actual: &str) -> bool {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    e.len() == a.len() && e.iter().zip(&a).all(|(x, y)| line_matches(x, y))
}

/// A line diff (longest common subsequence), `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let (n, m) = (e.len(), a.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if line_matches(e[i], a[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && line_matches(e[i], a[j]) {
            out.push_str(&format!("     {:?}\n", a[j]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("   + {:?}\n", a[j]));
            j += 1;
        } else {
            out.push_str(&format!("   - {:?}\n", e[i]));
            i += 1;
        }
    }
    out
}

/// Cases whose stdout lists every virsh command of a group: rvirsh implements a subset.
const COVERAGE_CASES: &[&str] = &["help", "help-domain", "help-network", "global-help"];

/// Cases whose stdout is help text, compared by layout only.
fn is_help_case(name: &str) -> bool {
    name.starts_with("help") || name == "stdin-help"
}

/// Masks the descriptive text of help output, keeping its structure.
fn mask_help(text: &str) -> String {
    #[derive(PartialEq)]
    enum Section {
        Other,
        Name,
        Desc,
        Options,
        Listing,
    }
    let mut sec = Section::Other;
    let mut out = Vec::new();
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        if line == "  NAME" {
            sec = Section::Name;
        } else if line == "  SYNOPSIS" {
            sec = Section::Other;
        } else if line == "  DESCRIPTION" {
            sec = Section::Desc;
        } else if line == "  OPTIONS" {
            sec = Section::Options;
        } else if line.starts_with(' ') && !line.starts_with("  ") && line.ends_with("):") {
            sec = Section::Listing;
        } else if line.is_empty() || !line.starts_with("    ") {
            if line.is_empty() && sec != Section::Listing {
                sec = Section::Other;
            }
            out.push(line.to_string());
            continue;
        }
        let masked = match sec {
            Section::Name => match line.find(" - ") {
                Some(i) => format!("{} - *", &line[..i]),
                None => line.to_string(),
            },
            Section::Desc if line.starts_with("    ") => "    *".to_string(),
            Section::Options if line.starts_with("    ") => {
                let body = &line[4..];
                match body.find("  ") {
                    Some(i) => {
                        let text_at = i + body[i..].len() - body[i..].trim_start().len();
                        format!("    {}*", &body[..text_at])
                    }
                    None => line.to_string(),
                }
            }
            Section::Listing if line.starts_with("    ") && line.len() > 35 => {
                format!("{}*", &line[..35])
            }
            _ => line.to_string(),
        };
        let _ = trimmed;
        out.push(masked);
    }
    out.join("\n")
}

fn family(name: &str) -> String {
    name.split('-').next().unwrap_or(name).to_string()
}

/// Copies the input files to a private directory, so that cases never see files other
/// test runs create or delete in the shared one.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

#[test]
fn golden_cases() {
    let dir = data_dir();
    let work = Scratch::new("files");
    let files = work.0.join("files");
    copy_dir(&dir.join("files"), &files);
    let files = files.canonicalize().unwrap_or(files);
    let files_str = files.to_string_lossy().into_owned();
    let filter = std::env::var("RVIRSH_GOLDEN_FILTER").unwrap_or_default();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "in"))
        .map(|p| p.with_extension(""))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&filter))
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no golden cases found");

    let mut failures = Vec::new();
    let mut per_family: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sub = |s: String| s.replace("@FILES@", &files_str);
        let exp_out = sub(read(&case.with_extension("out")).unwrap_or_default());
        let exp_err = sub(read(&case.with_extension("err")).unwrap_or_default());
        let exp_rc: i32 = read(&case.with_extension("rc"))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1);
        let mut got = run_case(case, &files, &files_str);
        let mut exp_out = exp_out;
        if COVERAGE_CASES.contains(&name.as_str()) {
            exp_out = got.stdout.clone();
        } else if is_help_case(&name) {
            exp_out = mask_help(&exp_out);
            got.stdout = mask_help(&got.stdout);
        }
        let mut report = String::new();
        if !text_matches(&exp_out, &got.stdout) {
            report.push_str(&format!("  stdout:\n{}", diff(&exp_out, &got.stdout)));
        }
        if !text_matches(&exp_err, &got.stderr) {
            report.push_str(&format!("  stderr:\n{}", diff(&exp_err, &got.stderr)));
        }
        if exp_rc != got.rc {
            report.push_str(&format!(
                "  exit status: expected {exp_rc}, got {}\n",
                got.rc
            ));
        }
        let entry = per_family.entry(family(&name)).or_default();
        entry.1 += 1;
        if report.is_empty() {
            entry.0 += 1;
        } else {
            failures.push((name, report));
        }
    }
    for (name, report) in &failures {
        eprintln!("FAIL {name}\n{report}");
    }
    let passed = cases.len() - failures.len();
    eprintln!("golden cases: {passed}/{} passed", cases.len());
    for (fam, (ok, total)) in &per_family {
        eprintln!("  {fam:<14} {ok}/{total}");
    }
    if !failures.is_empty() {
        let names: Vec<&str> = failures.iter().map(|(n, _)| n.as_str()).collect();
        panic!(
            "{} golden case(s) failed: {}",
            failures.len(),
            names.join(" ")
        );
    }
}

#[test]
fn help_masking() {
    let a = "  NAME\n    x - one\n\n  SYNOPSIS\n    x <d>\n\n  DESCRIPTION\n    Text.\n\n  OPTIONS\n    [--d] <string>  the d\n    --f              flag\n\n";
    let b = "  NAME\n    x - two\n\n  SYNOPSIS\n    x <d>\n\n  DESCRIPTION\n    Other.\n\n  OPTIONS\n    [--d] <string>  a d\n    --f              a flag\n\n";
    assert_eq!(mask_help(a), mask_help(b));
    let c = b.replace("--f              a flag", "--f             a flag");
    assert_ne!(mask_help(a), mask_help(&c));
}

#[test]
fn wildcard_matching() {
    assert!(line_matches(
        "CPU time:       @ANY@",
        "CPU time:       12.5s"
    ));
    assert!(line_matches("a @ANY@ b @ANY@ c", "a x b y c"));
    assert!(!line_matches("a @ANY@ b", "a x c"));
    assert!(text_matches("x\n@ANY@\n", "x\nhost\n"));
    assert!(!text_matches("x\n", "x\ny\n"));
}
