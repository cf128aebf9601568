//! vCPU and emulator pinning: which host CPUs QEMU's threads may run on, set live with
//! `sched_setaffinity` on the threads (rvirt uses no cgroups) and kept in `<cputune>`.

use super::stats::vcpu_threads;
use super::tune::{commit_config, commit_live, config_def, live_def, targets};
use super::Inner;
use crate::domobj::{not_running, Domain};
use rvirt_core::{Error, ErrorDomain, Result};
use rvirt_xml::bitmap::Bitmap;
use rvirt_xml::domain::vcpu::Cputune;
use rvirt_xml::domain::DomainDef;

/// The CPUs of a libvirt CPU map (bit `n % 8` of byte `n / 8` for CPU `n`).
pub fn map_cpus(map: &[u8]) -> Bitmap {
    let mut b = Bitmap::new();
    for (i, byte) in map.iter().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                b.insert((i * 8 + bit) as u32);
            }
        }
    }
    b
}

/// `cpus` as a CPU map of `len` bytes (CPUs past the end are left out).
pub fn cpus_map(cpus: &Bitmap, len: usize) -> Vec<u8> {
    let mut map = vec![0u8; len];
    for c in cpus.iter() {
        if let Some(b) = map.get_mut(c as usize / 8) {
            *b |= 1 << (c % 8);
        }
    }
    map
}

/// Restricts thread (or process) `tid` to `cpus`.
fn set_affinity(tid: u32, cpus: &Bitmap) -> Result<()> {
    let mut set = rustix::thread::CpuSet::new();
    for c in cpus
        .iter()
        .filter(|&c| (c as usize) < rustix::thread::CpuSet::MAX_CPU)
    {
        set.set(c as usize);
    }
    let pid = rustix::process::Pid::from_raw(tid as i32);
    rustix::thread::sched_setaffinity(pid, &set).map_err(|e| {
        Error::system(
            ErrorDomain::NONE,
            format!("cannot set CPU affinity on process {tid}"),
            &std::io::Error::from(e),
        )
    })
}

fn cputune(def: &mut DomainDef) -> &mut Cputune {
    def.cputune.get_or_insert_with(Default::default)
}

fn set_vcpupin(def: &mut DomainDef, vcpu: u32, cpus: &Bitmap) {
    let pins = &mut cputune(def).vcpupin;
    match pins.binary_search_by_key(&vcpu, |(v, _)| *v) {
        Ok(i) => pins[i].1 = cpus.clone(),
        Err(i) => pins.insert(i, (vcpu, cpus.clone())),
    }
}

fn empty_list() -> Error {
    Error::new(
        ErrorDomain::QEMU,
        rvirt_core::ErrorCode::INVALID_ARG,
        Some("Empty cpu list for pinning".to_string()),
    )
}

/// `virDomainPinVcpuFlags`.
pub fn pin_vcpu(inner: &Inner, dom: &Domain, vcpu: u32, map: &[u8], flags: u32) -> Result<()> {
    let (live, config) = targets(dom, flags)?;
    let out_of_range = |which: &str, n: u32| {
        Error::new(
            ErrorDomain::QEMU,
            rvirt_core::ErrorCode::INVALID_ARG,
            Some(format!(
                "vcpu {vcpu} is out of range of {which} cpu count {n}"
            )),
        )
    };
    let live_def = if live { Some(live_def(dom)?) } else { None };
    if let Some(def) = &live_def {
        if vcpu >= def.vcpus.current {
            return Err(out_of_range("live", def.vcpus.max));
        }
    }
    let cfg = if config { Some(config_def(dom)?) } else { None };
    if let Some(def) = &cfg {
        if vcpu >= def.vcpus.max {
            return Err(out_of_range("persistent", def.vcpus.max));
        }
    }
    let cpus = map_cpus(map);
    if cpus.is_empty() {
        return Err(empty_list());
    }
    if let Some(mut def) = live_def {
        let tid = vcpu_threads(dom)?
            .into_iter()
            .find(|(i, _)| *i == vcpu)
            .map(|(_, t)| t)
            .ok_or_else(|| {
                Error::internal(ErrorDomain::QEMU, format!("no thread for vCPU {vcpu}"))
            })?;
        set_affinity(tid, &cpus)?;
        set_vcpupin(&mut def, vcpu, &cpus);
        commit_live(inner, dom, def)?;
    }
    if let Some(mut def) = cfg {
        set_vcpupin(&mut def, vcpu, &cpus);
        commit_config(inner, dom, def)?;
    }
    Ok(())
}

/// `virDomainPinEmulator`: QEMU's main thread (libvirt without cgroups pins the process's
/// first thread the same way).
pub fn pin_emulator(inner: &Inner, dom: &Domain, map: &[u8], flags: u32) -> Result<()> {
    let (live, config) = targets(dom, flags)?;
    let cpus = map_cpus(map);
    if cpus.is_empty() {
        return Err(empty_list());
    }
    if live {
        let pid = dom.lock().live.as_ref().ok_or_else(not_running)?.pid;
        set_affinity(pid, &cpus)?;
        let mut def = live_def(dom)?;
        cputune(&mut def).emulatorpin = Some(cpus.clone());
        commit_live(inner, dom, def)?;
    }
    if config {
        let mut def = config_def(dom)?;
        cputune(&mut def).emulatorpin = Some(cpus);
        commit_config(inner, dom, def)?;
    }
    Ok(())
}

/// `virDomainGetEmulatorPinInfo`: the emulator pin, else the `<vcpu cpuset>`, else every
/// host CPU.
pub fn emulator_pin_info(dom: &Domain, maplen: i32, flags: u32) -> Result<(i32, Vec<u8>)> {
    let (live, _) = targets(dom, flags)?;
    let st = dom.lock();
    let def = if live {
        &st.live.as_ref().ok_or_else(not_running)?.def
    } else {
        st.config.as_ref().ok_or_else(not_running)?
    };
    let cpus = def
        .cputune
        .as_ref()
        .and_then(|t| t.emulatorpin.clone())
        .or_else(|| def.vcpus.cpuset.clone())
        .unwrap_or_else(|| {
            let mut all = Bitmap::new();
            for c in 0..crate::host::cpu_map_len() {
                all.insert(c);
            }
            all
        });
    Ok((1, cpus_map(&cpus, maplen.max(0) as usize)))
}

/// At start: the emulator and each vCPU thread get the CPUs the definition pins them to
/// (`<emulatorpin>`/`<vcpupin>`, else `<vcpu cpuset>`), as libvirt sets them up.
pub fn apply_at_start(dom: &Domain) -> Result<()> {
    let (pid, def) = {
        let st = dom.lock();
        let l = st.live.as_ref().ok_or_else(not_running)?;
        (l.pid, l.def.clone())
    };
    let tune = def.cputune.as_deref();
    let emulator = tune
        .and_then(|t| t.emulatorpin.clone())
        .or_else(|| def.vcpus.cpuset.clone());
    let any_vcpu_pin = tune.is_some_and(|t| !t.vcpupin.is_empty());
    if emulator.is_none() && !any_vcpu_pin {
        return Ok(());
    }
    if let Some(cpus) = &emulator {
        set_affinity(pid, cpus)?;
    }
    for (vcpu, tid) in vcpu_threads(dom)? {
        let pin = tune
            .and_then(|t| t.vcpupin.iter().find(|(v, _)| *v == vcpu))
            .map(|(_, b)| b.clone())
            .or_else(|| def.vcpus.cpuset.clone());
        if let Some(cpus) = pin {
            set_affinity(tid, &cpus)?;
        }
    }
    Ok(())
}
