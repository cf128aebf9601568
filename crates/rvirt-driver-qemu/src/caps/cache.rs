//! The capability cache: one JSON file per binary, valid while the binary's path, size and
//! modification time, rvirt's version and the host's KVM device are what they were when it
//! was probed. Probing takes a QEMU start or two; the cache makes it once per upgrade.

use super::probe::{kvm_device_usable, probe, ProbeError};
use super::QemuCaps;
use crate::fsutil::write_atomic;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What makes a cached result still true.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    path: String,
    size: u64,
    mtime_ns: i128,
    rvirt: String,
    kvm: bool,
}

impl Key {
    fn of(binary: &Path) -> Result<Key, ProbeError> {
        let md = std::fs::metadata(binary)
            .map_err(|e| ProbeError(format!("cannot find emulator '{}': {e}", binary.display())))?;
        Ok(Key {
            path: binary.to_string_lossy().into_owned(),
            size: md.size(),
            mtime_ns: i128::from(md.mtime()) * 1_000_000_000 + i128::from(md.mtime_nsec()),
            rvirt: env!("CARGO_PKG_VERSION").to_string(),
            kvm: kvm_device_usable(),
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "size": self.size,
            "mtime-ns": self.mtime_ns.to_string(),
            "rvirt": self.rvirt,
            "kvm": self.kvm,
        })
    }

    fn matches(&self, v: &Value) -> bool {
        v.get("path").and_then(Value::as_str) == Some(&self.path)
            && v.get("size").and_then(Value::as_u64) == Some(self.size)
            && v.get("mtime-ns").and_then(Value::as_str) == Some(&self.mtime_ns.to_string())
            && v.get("rvirt").and_then(Value::as_str) == Some(&self.rvirt)
            && v.get("kvm").and_then(Value::as_bool) == Some(self.kvm)
    }
}

/// Capabilities of every binary asked for, in memory and on disk.
pub struct CapsCache {
    dir: PathBuf,
    memory: Mutex<HashMap<PathBuf, (Key, Arc<QemuCaps>)>>,
}

impl CapsCache {
    /// A cache keeping its files in `dir` (`/var/cache/rvirt/qemu/capabilities`).
    pub fn new(dir: PathBuf) -> CapsCache {
        CapsCache {
            dir,
            memory: Mutex::new(HashMap::new()),
        }
    }

    fn file_for(&self, binary: &Path) -> PathBuf {
        // One file per binary path; the path's bytes in hex keep names unique and tame.
        let name: String = binary
            .to_string_lossy()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{name}.json"))
    }

    /// The capabilities of `binary`: from memory, from the cache file, or probed now.
    pub fn get(&self, binary: &Path) -> Result<Arc<QemuCaps>, ProbeError> {
        let key = Key::of(binary)?;
        {
            let mem = self.memory.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((k, caps)) = mem.get(binary) {
                if *k == key {
                    return Ok(caps.clone());
                }
            }
        }
        let file = self.file_for(binary);
        let from_disk = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(|v| v.get("key").is_some_and(|k| key.matches(k)))
            .and_then(|v| v.get("caps").and_then(QemuCaps::from_json));
        let caps = match from_disk {
            Some(c) => c,
            None => {
                let c = probe(binary)?;
                let doc = json!({"key": key.to_json(), "caps": c.to_json()});
                if let Err(e) = write_atomic(&file, doc.to_string().as_bytes()) {
                    // Only a missed shortcut: the next start probes again.
                    tracing::warn!("cannot write '{}': {e}", file.display());
                }
                c
            }
        };
        let caps = Arc::new(caps);
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(binary.to_path_buf(), (key, caps.clone()));
        Ok(caps)
    }
}
