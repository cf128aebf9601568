//! Asking a QEMU binary what it can do: it is started with no machine (`-machine none`),
//! its monitor on a socket pair in place of standard input and output, and queried.
//!
//! Two runs when KVM works: the first with KVM (which also proves KVM usable with this
//! binary), the second with TCG, because the CPU models usable differ per accelerator.

use super::{libvirt_arch, CpuModel, Machine, QemuCaps};
use crate::qmp::{Monitor, QmpError};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one probing run may take.
const PROBE_LIMIT: Duration = Duration::from_secs(30);

/// Why a binary could not be probed.
#[derive(Debug)]
pub struct ProbeError(pub String);

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<QmpError> for ProbeError {
    fn from(e: QmpError) -> ProbeError {
        ProbeError(e.to_string())
    }
}

/// What one run of the binary answered.
struct Run {
    greeting: crate::qmp::Greeting,
    target: String,
    kvm_enabled: bool,
    machines: Vec<Machine>,
    cpus: Vec<CpuModel>,
    devices: BTreeSet<String>,
    commands: BTreeSet<String>,
}

/// Whether this host offers KVM at all (the device opens).
pub fn kvm_device_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// Probes `binary`.
pub fn probe(binary: &Path) -> Result<QemuCaps, ProbeError> {
    let first = run(binary, if kvm_device_usable() { "kvm" } else { "tcg" })?;
    let (tcg_cpus, kvm_cpus) = if first.kvm_enabled {
        (run(binary, "tcg")?.cpus, first.cpus.clone())
    } else {
        (first.cpus.clone(), Vec::new())
    };
    let g = &first.greeting;
    Ok(QemuCaps {
        binary: binary.to_path_buf(),
        arch: libvirt_arch(&first.target),
        version: (g.major as u32, g.minor as u32, g.micro as u32),
        package: g.package.clone(),
        kvm: first.kvm_enabled,
        machines: first.machines,
        tcg_cpus,
        kvm_cpus,
        devices: first.devices,
        commands: first.commands,
    })
}

fn run(binary: &Path, accel: &str) -> Result<Run, ProbeError> {
    let (ours, theirs) =
        UnixStream::pair().map_err(|e| ProbeError(format!("cannot make a socket pair: {e}")))?;
    let out = theirs
        .try_clone()
        .map_err(|e| ProbeError(format!("cannot duplicate a socket: {e}")))?;
    let mut child = Command::new(binary)
        .args([
            "-S",
            "-no-user-config",
            "-nodefaults",
            "-display",
            "none",
            "-machine",
            "none",
            "-accel",
            accel,
            "-qmp",
            "stdio",
        ])
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stdout(Stdio::from(std::os::fd::OwnedFd::from(out)))
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .spawn()
        .map_err(|e| ProbeError(format!("cannot run '{}': {e}", binary.display())))?;
    let _ = ours.set_read_timeout(Some(PROBE_LIMIT));
    let result = (|| {
        let (m, greeting) = Monitor::over(ours, Box::new(|_| {}), Box::new(|| {}))?;
        let r = query_all(&m, greeting);
        let _ = m.execute("quit", None);
        r
    })();
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > Duration::from_secs(5) => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break,
        }
    }
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                use std::io::Read;
                let _ = s.read_to_string(&mut err);
            }
            let detail = err.trim();
            Err(ProbeError(if detail.is_empty() {
                format!("probing '{}' failed: {e}", binary.display())
            } else {
                format!("probing '{}' failed: {detail}", binary.display())
            }))
        }
    }
}

fn query_all(m: &Monitor, greeting: crate::qmp::Greeting) -> Result<Run, ProbeError> {
    let target = m.execute("query-target", None)?;
    let kvm = m.execute("query-kvm", None)?;
    let machines = m.execute("query-machines", None)?;
    let cpus = m.execute("query-cpu-definitions", None)?;
    let devices = m.execute(
        "qom-list-types",
        Some(json!({"implements": "device", "abstract": false})),
    )?;
    let commands = m.execute("query-commands", None)?;
    let names = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Run {
        greeting,
        target: target
            .get("arch")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        kvm_enabled: kvm.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        machines: parse_machines(&machines),
        cpus: parse_cpus(&cpus),
        devices: names(&devices),
        commands: names(&commands),
    })
}

fn parse_machines(v: &Value) -> Vec<Machine> {
    let s = |m: &Value, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let b = |m: &Value, k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
    let out: Vec<Machine> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    Some(Machine {
                        name: s(m, "name")?,
                        alias: s(m, "alias"),
                        is_default: b(m, "is-default"),
                        max_cpus: m.get("cpu-max").and_then(Value::as_u64).unwrap_or(1) as u32,
                        deprecated: b(m, "deprecated"),
                        default_ram_id: s(m, "default-ram-id"),
                        default_cpu_type: s(m, "default-cpu-type"),
                        hotpluggable_cpus: b(m, "hotpluggable-cpus"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    // Kept in QEMU's order: libvirt lists them in that order too.
    out
}

fn parse_cpus(v: &Value) -> Vec<CpuModel> {
    let out: Vec<CpuModel> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some(CpuModel {
                        name: c.get("name")?.as_str()?.to_string(),
                        deprecated: c
                            .get("deprecated")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                        unavailable: c
                            .get("unavailable-features")
                            .and_then(Value::as_array)
                            .map(|f| {
                                f.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out
}
