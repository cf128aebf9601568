//! Storage tests' tools: loop devices made and removed by the tests, and a virsh script
//! run against a daemon with its output masked for comparison.

use super::{run, virsh_cmd, TempDir};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A loop device over a sparse image file, with the kernel's partition scanning on;
/// detached when dropped.
pub struct LoopDev {
    pub path: String,
}

impl LoopDev {
    pub fn new(image: &Path, size: &str) -> Result<LoopDev, String> {
        let mut c = Command::new("truncate");
        c.args(["-s", size]).arg(image);
        let o = run(c, None, Duration::from_secs(10));
        if o.rc != 0 {
            return Err(format!("truncate: {}", o.stderr));
        }
        let mut c = Command::new("losetup");
        c.args(["-f", "-P", "--show"]).arg(image);
        let o = run(c, None, Duration::from_secs(10));
        if o.rc != 0 {
            return Err(format!("losetup cannot attach a loop device: {}", o.stderr));
        }
        Ok(LoopDev {
            path: o.stdout.trim().to_string(),
        })
    }

    /// `loop3` of `/dev/loop3`.
    pub fn base(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

impl Drop for LoopDev {
    fn drop(&mut self) {
        let mut c = Command::new("losetup");
        c.args(["-d", &self.path]);
        let _ = run(c, None, Duration::from_secs(10));
    }
}

/// Why loop devices cannot be used here, if they cannot.
pub fn loop_unavailable() -> Option<String> {
    if !super::is_root() {
        return Some("needs root".into());
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some("no /dev/loop-control: this kernel has no loop devices".into());
    }
    None
}

/// Masks what differs by nature between two daemons' runs: UUIDs and file times.
pub fn mask_common(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("<uuid>") || t.starts_with("UUID:") {
                return "UUID".to_string();
            }
            if let Some((head, _)) = l.split_once("with uuid ") {
                return format!("{head}with uuid UUID");
            }
            if ["<atime>", "<mtime>", "<ctime>"]
                .iter()
                .any(|p| t.starts_with(p))
            {
                return "TIME".to_string();
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs each line of `script` as a virsh command against `uri`, with `subs` replaced in
/// the line; each command's status and output, with `subs` put back, masked.
pub fn run_script(uri: &str, script: &[&str], subs: &[(&str, String)]) -> Vec<(String, String)> {
    let home = TempDir::new("home");
    let mut out = Vec::new();
    for cmd in script {
        let mut line = cmd.to_string();
        for (k, v) in subs {
            line = line.replace(k, v);
        }
        let mut c = virsh_cmd(home.path(), home.path());
        c.arg("-c").arg(uri).args(line.split(' '));
        let o = run(c, None, Duration::from_secs(120));
        let mut text = format!("rc={}\n{}--\n{}", o.rc, o.stdout, o.stderr);
        // An empty value (a placeholder this script does not use) puts nothing back.
        for (k, v) in subs.iter().filter(|(_, v)| !v.is_empty()) {
            text = text.replace(v.as_str(), k);
        }
        out.push((cmd.to_string(), mask_common(&text)));
    }
    out
}

/// The commands whose outputs differ, with the differences printed.
pub fn differing(want: &[(String, String)], got: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for ((cmd, l), (_, r)) in want.iter().zip(got) {
        if l != r {
            eprintln!("DIFF {cmd}\n{}", super::diff(l, r));
            bad.push(cmd.clone());
        }
    }
    bad
}

/// A file of `len` bytes of varied data, made the same on every run.
pub fn data_file(path: &Path, len: usize) {
    let mut x: u32 = 0x1234_5678;
    let data: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(path, data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
