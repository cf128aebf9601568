//! Asking a QEMU binary what it can do: it is started with no machine (`-machine none`),
//! its monitor on a socket pair in place of standard input and output, and queried.
//!
//! Two runs when KVM works: the first with KVM (which also proves KVM usable with this
//! binary), the second with TCG, because the CPU models usable differ per accelerator.
//! Each run also asks what the accelerator's own CPU (`host` with KVM, `max` with TCG)
//! has, which is what libvirt names the host-model CPU from; the first run learns the
//! rest (object types, display types, TPM and confidential-computing support).

use super::{libvirt_arch, CpuModel, ExpandedCpu, Machine, QemuCaps};
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
    objects: BTreeSet<String>,
    host_cpu: Option<ExpandedCpu>,
    hyperv: Vec<String>,
    cpu_migratable: bool,
    cpu_unavailable_features: bool,
    display_types: Vec<String>,
    tpm_models: Vec<String>,
    tpm_types: Vec<String>,
    sev: bool,
    sgx: bool,
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
    let (tcg_cpus, kvm_cpus, tcg_host_cpu, kvm_host_cpu) = if first.kvm_enabled {
        let tcg = run(binary, "tcg")?;
        (
            tcg.cpus,
            first.cpus.clone(),
            tcg.host_cpu,
            first.host_cpu.clone(),
        )
    } else {
        (first.cpus.clone(), Vec::new(), first.host_cpu.clone(), None)
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
        objects: first.objects,
        kvm_host_cpu,
        tcg_host_cpu,
        hyperv: first.hyperv,
        cpu_migratable: first.cpu_migratable,
        cpu_unavailable_features: first.cpu_unavailable_features,
        display_types: first.display_types,
        tpm_models: first.tpm_models,
        tpm_types: first.tpm_types,
        sev: first.sev,
        sgx: first.sgx,
    })
}

fn run(binary: &Path, accel: &str) -> Result<Run, ProbeError> {
    let (ours, theirs) =
        UnixStream::pair().map_err(|e| ProbeError(format!("cannot make a socket pair: {e}")))?;
    let out = theirs
        .try_clone()
        .map_err(|e| ProbeError(format!("cannot duplicate a socket: {e}")))?;
    let mut cmd = Command::new(binary);
    crate::sys::child::die_with_parent(&mut cmd);
    let mut child = cmd
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
    let all_types = m.execute("qom-list-types", Some(json!({"abstract": false})))?;
    let target_name = target
        .get("arch")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kvm_enabled = kvm.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    let x86 = matches!(target_name.as_str(), "i386" | "x86_64");
    let host_cpu = if x86 {
        expand_host_cpu(m, if kvm_enabled { "host" } else { "max" })
    } else {
        None
    };
    let hyperv = if x86 && kvm_enabled {
        hyperv_features(m)
    } else {
        Vec::new()
    };
    // libvirt asks the x86_64 type only, so an i386 binary reports neither property.
    let max_props: Vec<String> = if x86 {
        m.execute(
            "qom-list-properties",
            Some(json!({"typename": "max-x86_64-cpu"})),
        )
        .ok()
        .and_then(|v| v.as_array().cloned())
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    let cpu_migratable = max_props.iter().any(|p| p == "migratable");
    let cpu_unavailable_features = max_props.iter().any(|p| p == "unavailable-features");
    let strings = |v: Option<Value>| -> Vec<String> {
        v.and_then(|v| v.as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tpm_models = strings(m.execute("query-tpm-models", None).ok());
    let tpm_types = strings(m.execute("query-tpm-types", None).ok());
    let sev = m.execute("query-sev-capabilities", None).is_ok();
    let sgx = m.execute("query-sgx-capabilities", None).is_ok();
    let display_types = m
        .execute("query-qmp-schema", None)
        .map(|s| display_types(&s))
        .unwrap_or_default();
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
        target: target_name,
        kvm_enabled,
        machines: parse_machines(&machines),
        cpus: parse_cpus(&cpus),
        objects: {
            let devices = names(&devices);
            names(&all_types)
                .into_iter()
                .filter(|t| {
                    !devices.contains(t) && !t.ends_with("-machine") && !t.ends_with("-cpu")
                })
                .collect()
        },
        devices: names(&devices),
        commands: names(&commands),
        host_cpu,
        hyperv,
        cpu_migratable,
        cpu_unavailable_features,
        display_types,
        tpm_models,
        tpm_types,
        sev,
        sgx,
    })
}

/// The static expansion of the accelerator's CPU with every feature it can give, even
/// those that block migration (libvirt's host-model shows `invtsc` when the host has it).
fn expand_host_cpu(m: &Monitor, name: &str) -> Option<ExpandedCpu> {
    let ask = |props: Option<Value>| {
        let mut model = json!({ "name": name });
        if let Some(p) = props {
            model["props"] = p;
        }
        m.execute(
            "query-cpu-model-expansion",
            Some(json!({"type": "static", "model": model})),
        )
    };
    let r = ask(Some(json!({"migratable": false})))
        .or_else(|_| ask(None))
        .ok()?;
    let props = r.get("model")?.get("props")?.as_object()?;
    let num = |k: &str| props.get(k).and_then(Value::as_u64).map(|x| x as u32);
    let mut features: Vec<String> = props
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.clone())
        .collect();
    features.sort();
    Some(ExpandedCpu {
        vendor: props.get("vendor")?.as_str()?.to_string(),
        family: num("family")?,
        model: num("model")?,
        stepping: num("stepping")?,
        features,
    })
}

/// The Hyper-V enlightenments of KVM's `host` CPU: `hv-*` properties that are on, a
/// positive number or any string (libvirt's rule), without the prefix.
fn hyperv_features(m: &Monitor) -> Vec<String> {
    let Ok(r) = m.execute(
        "query-cpu-model-expansion",
        Some(json!({"type": "full", "model": {"name": "host"}})),
    ) else {
        return Vec::new();
    };
    let Some(props) = r
        .get("model")
        .and_then(|m| m.get("props"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = props
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("hv-")?;
            let set = match v {
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|x| x > 0.0),
                Value::String(_) => true,
                _ => false,
            };
            set.then(|| name.to_string())
        })
        .collect();
    out.sort();
    out
}

/// The variants of the union `query-display-options` returns, read from the QMP schema
/// (where type names are masked but union cases are not).
fn display_types(schema: &Value) -> Vec<String> {
    let Some(entities) = schema.as_array() else {
        return Vec::new();
    };
    let find = |name: &str| {
        entities
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
    };
    let ret = find("query-display-options")
        .and_then(|c| c.get("ret-type"))
        .and_then(Value::as_str)
        .and_then(find);
    ret.and_then(|r| r.get("variants"))
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.get("case").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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
