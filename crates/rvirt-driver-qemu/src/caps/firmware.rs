//! The firmware descriptors QEMU packages install (`/usr/share/qemu/firmware/*.json`,
//! QEMU's `docs/interop/firmware.json` format), read as libvirt reads them to fill the
//! `<os>` part of domain capabilities: which firmware kinds (BIOS, UEFI) a machine can
//! boot, the loader files, and whether one of them does Secure Boot.
//!
//! Descriptors are taken from `/usr/share/qemu/firmware`, then `/etc/qemu/firmware`,
//! then (for a session daemon) `$XDG_CONFIG_HOME/qemu/firmware`; a later directory's file
//! replaces an earlier one of the same name, an empty file hides it, and the survivors
//! are used in file-name order.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One usable descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Firmware {
    /// `bios`, `uefi`, ...
    pub interfaces: Vec<String>,
    /// The loader file (flash executable or memory-mapped image).
    pub executable: Option<String>,
    pub nvram_template: Option<String>,
    /// `(QEMU architecture, machine patterns)`.
    pub targets: Vec<(String, Vec<String>)>,
    /// `secure-boot`, `requires-smm`, `enrolled-keys`, ...
    pub features: Vec<String>,
}

impl Firmware {
    /// Reads one descriptor; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Firmware> {
        let v: Value = serde_json::from_str(text).ok()?;
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mapping = v.get("mapping")?;
        let file = |k: &str| {
            mapping
                .get(k)
                .and_then(|e| e.get("filename"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (executable, nvram_template) = match mapping.get("device")?.as_str()? {
            "flash" => (file("executable"), file("nvram-template")),
            "memory" => (
                mapping
                    .get("filename")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                None,
            ),
            _ => (None, None),
        };
        let targets = v
            .get("targets")?
            .as_array()?
            .iter()
            .filter_map(|t| {
                Some((
                    t.get("architecture")?.as_str()?.to_string(),
                    strings(t.get("machines")),
                ))
            })
            .collect();
        Some(Firmware {
            interfaces: strings(v.get("interface-types")),
            executable,
            nvram_template,
            targets,
            features: strings(v.get("features")),
        })
    }

    /// Whether the firmware boots `machine` (canonical name) of QEMU architecture `arch`.
    pub fn matches(&self, arch: &str, machine: &str) -> bool {
        self.targets
            .iter()
            .any(|(a, ms)| a == arch && ms.iter().any(|p| glob(p, machine)))
    }
}

/// Shell-style matching of `*` and `?`, as fnmatch does for machine patterns.
fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// The descriptor directories, lowest precedence first.
pub fn search_dirs(privileged: bool) -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/qemu/firmware"),
        PathBuf::from("/etc/qemu/firmware"),
    ];
    if !privileged {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")));
        if let Some(c) = config {
            dirs.push(c.join("qemu/firmware"));
        }
    }
    dirs
}

/// The descriptors in `dirs`, in the order they apply.
pub fn load(dirs: &[PathBuf]) -> Vec<Firmware> {
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                files.insert(name, e.path());
            }
        }
    }
    files
        .values()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| !t.trim().is_empty())
        .filter_map(|t| Firmware::parse(&t))
        .collect()
}

/// What the descriptors offer one machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Supported {
    pub bios: bool,
    pub efi: bool,
    pub secure: bool,
    /// Loader files, first occurrence kept, existing files only.
    pub loaders: Vec<String>,
}

/// Sums up the descriptors matching `machine` of QEMU architecture `arch`.
pub fn supported(fws: &[Firmware], arch: &str, machine: &str) -> Supported {
    let mut s = Supported::default();
    for fw in fws.iter().filter(|f| f.matches(arch, machine)) {
        s.bios |= fw.interfaces.iter().any(|i| i == "bios");
        s.efi |= fw.interfaces.iter().any(|i| i == "uefi");
        s.secure |= fw.features.iter().any(|f| f == "secure-boot");
        if let Some(exe) = &fw.executable {
            if !s.loaders.contains(exe) && Path::new(exe).exists() {
                s.loaders.push(exe.clone());
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const OVMF: &str = r#"{
        "description": "OVMF with SB",
        "interface-types": ["uefi"],
        "mapping": {"device": "flash",
                    "executable": {"filename": "/bin/sh", "format": "raw"},
                    "nvram-template": {"filename": "/x/VARS.fd", "format": "raw"}},
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
        "features": ["acpi-s3", "requires-smm", "secure-boot"],
        "tags": []
    }"#;

    #[test]
    fn descriptors_match_machines_by_pattern() {
        let fw = Firmware::parse(OVMF).expect("parses");
        assert!(fw.matches("x86_64", "pc-q35-7.2"));
        assert!(!fw.matches("x86_64", "pc-i440fx-7.2"));
        assert!(!fw.matches("i386", "pc-q35-7.2"));
        let s = supported(&[fw], "x86_64", "pc-q35-7.2");
        assert!(s.efi && s.secure && !s.bios);
        assert_eq!(s.loaders, vec!["/bin/sh".to_string()]);
    }

    #[test]
    fn globs() {
        assert!(glob("pc-i440fx-*", "pc-i440fx-7.2"));
        assert!(glob("*", ""));
        assert!(glob("pc-?35-*", "pc-q35-2.4"));
        assert!(!glob("pc-q35-*", "q35"));
    }
}
