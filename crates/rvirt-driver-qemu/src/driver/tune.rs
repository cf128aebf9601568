//! Changing a domain's memory, vCPU count and metadata, live (through the monitor) and in
//! its persistent definition, with the checks and messages of libvirt 9.0's QEMU driver.

use super::lifecycle::{monitor, qmp_error};
use super::Inner;
use crate::domobj::{not_running, Domain};
use crate::store;
use rvirt_core::event::{DomainEventKind, Event};
use rvirt_core::types::flags::affect::{CONFIG, LIVE};
use rvirt_core::types::flags::{memory, metadata as md, vcpu};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::misc::MemballoonModel;
use rvirt_xml::domain::metadata::MetadataChange;
use rvirt_xml::domain::DomainDef;

/// libvirt's `virDomainObjGetDefs`: which of (live, persistent) a call with `flags` changes.
pub(super) fn targets(dom: &Domain, flags: u32) -> Result<(bool, bool)> {
    let st = dom.lock();
    let (mut live, mut config) = (flags & LIVE != 0, flags & CONFIG != 0);
    if !live && !config {
        live = st.is_active();
        config = !live;
    }
    if live && !st.is_active() {
        return Err(Error::operation_invalid(
            ErrorDomain::DOMAIN,
            "domain is not running",
        ));
    }
    if config && st.config.is_none() {
        return Err(Error::operation_invalid(
            ErrorDomain::DOMAIN,
            "transient domains do not have any persistent config",
        ));
    }
    Ok((live, config))
}

pub(super) fn live_def(dom: &Domain) -> Result<DomainDef> {
    dom.lock()
        .live
        .as_ref()
        .map(|l| l.def.clone())
        .ok_or_else(not_running)
}

pub(super) fn config_def(dom: &Domain) -> Result<DomainDef> {
    dom.lock().config.clone().ok_or_else(|| {
        Error::operation_invalid(
            ErrorDomain::DOMAIN,
            "transient domains do not have any persistent config",
        )
    })
}

/// Writes the changed persistent definition, then takes it.
pub(super) fn commit_config(inner: &Inner, dom: &Domain, def: DomainDef) -> Result<()> {
    store::save_config(&inner.paths, &def)?;
    let mut st = dom.lock();
    st.config = Some(def);
    if let Some(l) = st.live.as_mut() {
        l.config_changed = true;
    }
    Ok(())
}

/// Takes the changed live definition and records it in the status file.
pub(super) fn commit_live(inner: &Inner, dom: &Domain, def: DomainDef) -> Result<()> {
    dom.lock().live.as_mut().ok_or_else(not_running)?.def = def;
    super::start::save_status(inner, dom)
}

fn invalid(msg: &str) -> Error {
    Error::operation_invalid(ErrorDomain::QEMU, msg)
}

fn no_balloon() -> Error {
    invalid("Unable to change memory of active domain without the balloon device and guest OS balloon driver")
}

/// `virDomainSetMemoryFlags` (KiB).
pub fn set_memory(inner: &Inner, dom: &Domain, kib: u64, flags: u32) -> Result<()> {
    let (live, config) = targets(dom, flags)?;
    if flags & memory::MAXIMUM != 0 {
        if live {
            return Err(invalid(
                "cannot resize the maximum memory on an active domain",
            ));
        }
        let mut def = config_def(dom)?;
        if def.cpu.as_ref().is_some_and(|c| !c.numa.is_empty()) {
            return Err(invalid(
                "initial memory size of a domain with NUMA nodes cannot be modified with this API",
            ));
        }
        if def.max_memory.as_ref().is_some_and(|m| m.kib < kib) {
            return Err(invalid(
                "cannot set initial memory size greater than the maximum memory size",
            ));
        }
        def.memory_kib = kib;
        def.current_memory_kib = def.current_memory_kib.min(kib);
        return commit_config(inner, dom, def);
    }
    let live_max = if live {
        Some(live_def(dom)?.memory_kib)
    } else {
        None
    };
    let config_max = if config {
        Some(config_def(dom)?.memory_kib)
    } else {
        None
    };
    let max = match (live_max, config_max) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 0,
    };
    if kib > max {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::INVALID_ARG,
            Some("cannot set memory higher than max memory".to_string()),
        ));
    }
    if live {
        let def = live_def(dom)?;
        let has_balloon = def
            .devices
            .memballoon
            .as_ref()
            .is_some_and(|b| b.model != MemballoonModel::None);
        if !has_balloon {
            return Err(no_balloon());
        }
        monitor(dom)?
            .execute(
                "balloon",
                Some(serde_json::json!({ "value": kib.saturating_mul(1024) })),
            )
            .map_err(|e| match e {
                crate::qmp::QmpError::Command { class, .. } if class == "DeviceNotActive" => {
                    no_balloon()
                }
                other => qmp_error(other),
            })?;
        // The new size shows once the guest reports it (BALLOON_CHANGE), as in libvirt.
    }
    if config {
        let mut def = config_def(dom)?;
        def.current_memory_kib = kib;
        commit_config(inner, dom, def)?;
    }
    Ok(())
}

/// `virDomainSetVcpusFlags`. The persistent definition changes freely; a running guest
/// only accepts its current count, since rvirt does not hot-plug vCPUs yet.
pub fn set_vcpus(inner: &Inner, dom: &Domain, n: u32, flags: u32) -> Result<()> {
    if flags & vcpu::GUEST != 0 {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::ARGUMENT_UNSUPPORTED,
            Some("QEMU guest agent is not configured".to_string()),
        ));
    }
    let (live, config) = targets(dom, flags)?;
    if live && flags & vcpu::MAXIMUM != 0 {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::INVALID_ARG,
            Some("maximum vcpu count of a live domain can't be modified".to_string()),
        ));
    }
    let mut cfg = if config { Some(config_def(dom)?) } else { None };
    if let Some(def) = cfg.as_mut() {
        if flags & vcpu::MAXIMUM != 0 {
            let cells: u32 = def
                .cpu
                .as_ref()
                .map(|c| {
                    c.numa
                        .iter()
                        .map(|cell| cell.cpus.as_ref().map_or(0, |b| b.count() as u32))
                        .sum()
                })
                .unwrap_or(0);
            if cells > n {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::INVALID_ARG,
                    Some(
                        "Number of CPUs in <numa> exceeds the desired maximum vcpu count"
                            .to_string(),
                    ),
                ));
            }
            def.vcpus.set_max(n);
        } else {
            if n > def.vcpus.max {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::INVALID_ARG,
                    Some(format!(
                        "requested vcpus is greater than max allowable vcpus for the persistent domain: {n} > {}",
                        def.vcpus.max
                    )),
                ));
            }
            def.vcpus.set_online(n);
        }
    }
    if live {
        let def = live_def(dom)?;
        if n > def.vcpus.max {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "requested vcpus is greater than max allowable vcpus for the live domain: {n} > {}",
                    def.vcpus.max
                )),
            ));
        }
        if n != def.vcpus.current {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::OPERATION_UNSUPPORTED,
                Some(format!(
                    "changing the number of online vCPUs of a running guest ({} to {n}) is not supported by rvirt yet",
                    def.vcpus.current
                )),
            ));
        }
    }
    if let Some(def) = cfg {
        commit_config(inner, dom, def)?;
    }
    Ok(())
}

/// `virDomainGetMetadata`.
pub fn get_metadata(dom: &Domain, kind: i32, uri: Option<&str>, flags: u32) -> Result<String> {
    if flags & LIVE != 0 && flags & CONFIG != 0 {
        return Err(Error::invalid_arg(
            ErrorDomain::DOMAIN,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        ));
    }
    let (live, _) = targets(dom, flags)?;
    let def = if live {
        live_def(dom)?
    } else {
        config_def(dom)?
    };
    rvirt_xml::domain::metadata::lookup(&def, kind, uri)
}

/// `virDomainSetMetadata`, with its METADATA_CHANGE event.
pub fn set_metadata(
    inner: &Inner,
    dom: &Domain,
    change: (i32, Option<&str>, Option<&str>, Option<&str>),
    flags: u32,
) -> Result<()> {
    let (kind, metadata, key, uri) = change;
    let (live, config) = targets(dom, flags)?;
    let change = MetadataChange::parse(kind, metadata, key, uri)?;
    if live {
        let mut def = live_def(dom)?;
        change.apply(&mut def);
        commit_live(inner, dom, def)?;
    }
    if config {
        let mut def = config_def(dom)?;
        change.apply(&mut def);
        commit_config(inner, dom, def)?;
    }
    let r = dom.lock().reference();
    inner.events.emit(Event::Domain {
        dom: r,
        kind: DomainEventKind::MetadataChange {
            kind,
            nsuri: if kind == md::ELEMENT {
                uri.map(str::to_string)
            } else {
                None
            },
        },
    });
    Ok(())
}
