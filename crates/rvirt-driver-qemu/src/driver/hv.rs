//! The QEMU driver's `HypervisorDriver` entry points: argument and state checks with
//! libvirt's errors, then the work in the modules beside this one.
//!
//! Queries answer from the driver's memory and take only short locks (the daemon runs them
//! inline); anything that changes a domain takes the domain's job first.

use super::conflicts;
use super::lifecycle;
use super::start::{self, StartOpts};
use super::stats;
use super::QemuDriver;
use crate::domobj::{not_running, Domain};
use crate::events::{self, detail, kind};
use crate::store;
use rvirt_core::driver::HypervisorDriver;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::listing::{domain_matches, DomainFacts};
use rvirt_core::types::{flags, DomainInfo, DomainState, NodeInfo, SecurityModel};
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, FormatCtx, ParseCtx};
use std::sync::Arc;

/// `virDomainCreateFlags` and `virDomainDestroyFlags` bits used here.
mod bits {
    pub const START_PAUSED: u32 = 1;
    pub const START_AUTODESTROY: u32 = 2;
    pub const START_BYPASS_CACHE: u32 = 4;
    pub const START_FORCE_BOOT: u32 = 8;
    pub const START_VALIDATE: u32 = 16;
    pub const START_RESET_NVRAM: u32 = 32;
    pub const DESTROY_GRACEFUL: u32 = 1;
    pub const SHUTDOWN_ACPI: u32 = 1;
    pub const SHUTDOWN_AGENT: u32 = 2;
    pub const XML_SECURE: u32 = 1;
    pub const XML_INACTIVE: u32 = 2;
    pub const XML_UPDATE_CPU: u32 = 4;
    pub const XML_MIGRATABLE: u32 = 8;
    pub const UNDEFINE_MANAGED_SAVE: u32 = 1;
    pub const UNDEFINE_SNAPSHOTS_METADATA: u32 = 2;
    pub const UNDEFINE_NVRAM: u32 = 4;
    pub const UNDEFINE_KEEP_NVRAM: u32 = 8;
    pub const UNDEFINE_CHECKPOINTS_METADATA: u32 = 16;
    pub const UNDEFINE_TPM: u32 = 32;
    pub const UNDEFINE_KEEP_TPM: u32 = 64;
    pub const DEFINE_VALIDATE: u32 = 1;
}

fn not_found(what: String) -> Error {
    Error::new(ErrorDomain::QEMU, ErrorCode::NO_DOMAIN, Some(what))
}

fn facts(d: &Domain) -> DomainFacts {
    let st = d.lock();
    DomainFacts {
        active: st.is_active(),
        persistent: st.config.is_some(),
        state: st.state,
        managed_save: st.managed_save,
        autostart: st.autostart,
        has_snapshot: false,
        has_checkpoint: false,
    }
}

impl QemuDriver {
    fn parse(&self, xml: &str) -> Result<DomainDef> {
        DomainDef::parse(xml, &ParseCtx { inactive: true }, &self.inner.defaults)
    }

    /// `virsh qemu-monitor-command`: QMP text as given, or HMP (`flags` 1) through
    /// `human-monitor-command`, with at most one descriptor passed beside it.
    fn monitor_command(
        &self,
        r: &DomainRef,
        cmd: &str,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
        flags: u32,
    ) -> Result<String> {
        let dom = self.dom(r)?;
        let _job = dom.begin_job("monitor command")?;
        let m = lifecycle::monitor(&dom)?;
        if flags & 1 != 0 {
            // HMP: the text of the human monitor's answer.
            let args = Some(serde_json::json!({ "command-line": cmd }));
            let v = match fd {
                Some(fd) => m.execute_with_fd("human-monitor-command", args, fd),
                None => m.execute("human-monitor-command", args),
            }
            .map_err(lifecycle::qmp_error)?;
            return Ok(v.as_str().unwrap_or_default().to_string());
        }
        let passed = fd.is_some();
        let raw = m.execute_text_with_fd(cmd, fd).map_err(|e| match e {
            crate::qmp::QmpError::Protocol(p) => Error::internal(ErrorDomain::QEMU, p),
            other => lifecycle::qmp_error(other),
        })?;
        // libvirt prints QEMU's reply as it came, except for a command that passed a
        // descriptor, whose reply it prints re-encoded without spaces.
        Ok(if passed { compact_json(&raw) } else { raw })
    }

    /// A start asked with `--autodestroy` ties the guest to this connection.
    fn autodestroy_if(&self, dom: &Domain, flags: u32) {
        if flags & bits::START_AUTODESTROY != 0 {
            if let Some(c) = &self.conn {
                c.adopt(dom);
            }
        }
    }

    fn dom(&self, r: &DomainRef) -> Result<Arc<Domain>> {
        self.inner.find(r)
    }
}

/// JSON text without the whitespace between tokens (strings untouched), keys in the order
/// they came.
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut escaped) = (false, false);
    for c in text.trim_end().chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// libvirt's choice for a shutdown or reboot with `flags`: the guest agent alone
/// (`--mode agent`) needs an agent; agent and ACPI together, or nothing said, fall back to
/// the power button when the agent cannot do it. rvirt does not speak the agent's
/// protocol yet, so a forced agent request fails with the reason and the others use ACPI.
fn agent_mode(dom: &Domain, flags: u32) -> Result<()> {
    use rvirt_xml::domain::devices::chr::{ChannelTarget, ChrTarget};
    let forced = flags & bits::SHUTDOWN_AGENT != 0 && flags & bits::SHUTDOWN_ACPI == 0;
    if !forced {
        return Ok(());
    }
    let st = dom.lock();
    let def = st.live.as_ref().map(|l| &l.def).ok_or_else(not_running)?;
    let has_agent = def.devices.channels.iter().any(|c| {
        matches!(&c.target, ChrTarget::Channel(ChannelTarget::Virtio { name: Some(n), .. })
            if n == "org.qemu.guest_agent.0")
    });
    let msg = if has_agent {
        "rvirt cannot talk to the QEMU guest agent yet"
    } else {
        "QEMU guest agent is not configured"
    };
    let code = if has_agent {
        ErrorCode::OPERATION_UNSUPPORTED
    } else {
        ErrorCode::ARGUMENT_UNSUPPORTED
    };
    Err(Error::new(ErrorDomain::QEMU, code, Some(msg.to_string())))
}

impl HypervisorDriver for QemuDriver {
    fn connect_get_type(&self) -> Result<String> {
        Ok("QEMU".to_string())
    }

    fn connect_get_version(&self) -> Result<u64> {
        let lookup = &*self.inner.lookup;
        let bin = crate::defaults::CapsLookup::default_emulator(lookup, std::env::consts::ARCH)
            .ok_or_else(|| {
                Error::internal(
                    ErrorDomain::QEMU,
                    "no QEMU binary for the host architecture",
                )
            })?;
        Ok(crate::defaults::CapsLookup::caps(lookup, &bin)?.version_number())
    }

    fn connect_get_hostname(&self) -> Result<String> {
        Ok(crate::host::hostname())
    }

    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.inner.uri().to_string())
    }

    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuConnectGetSysinfo")?;
        crate::host::sysinfo()
    }

    fn connect_get_capabilities(&self) -> Result<String> {
        Ok(crate::caps::xml::document(&*self.inner.lookup))
    }

    fn connect_get_domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            0,
            "qemuConnectGetDomainCapabilities",
        )?;
        let req = crate::caps::domcaps::Request {
            emulatorbin,
            arch,
            machine,
            virttype,
        };
        crate::caps::domcaps::for_host(&*self.inner.lookup, &req, self.inner.paths.privileged)
    }

    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        match kind.map(str::to_ascii_lowercase).as_deref() {
            None | Some("qemu") => Ok(16),
            Some("kvm") => Ok(crate::host::kvm_max_vcpus()),
            Some(other) => Err(Error::invalid_arg(
                ErrorDomain::QEMU,
                format!("unknown type '{other}'"),
            )),
        }
    }

    fn connect_is_secure(&self) -> Result<bool> {
        Ok(true)
    }

    fn connect_is_encrypted(&self) -> Result<bool> {
        Ok(false)
    }

    fn connect_supports_feature(&self, feature: i32) -> Result<bool> {
        // TYPED_PARAM_STRING (9), NETWORK_UPDATE_HAS_CORRECT_ORDER (16).
        Ok(matches!(feature, 9 | 16))
    }

    fn node_get_info(&self) -> Result<NodeInfo> {
        Ok(crate::host::node_info())
    }

    fn node_get_security_model(&self) -> Result<SecurityModel> {
        Ok(SecurityModel {
            model: "none".to_string(),
            doi: "0".to_string(),
        })
    }

    fn node_get_free_memory(&self) -> Result<u64> {
        Ok(crate::host::free_memory())
    }

    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        crate::host::cells_free_memory(start, max)
    }

    fn node_get_cpu_map(&self, flags: u32) -> Result<rvirt_core::types::NodeCpuMap> {
        Error::check_flags(ErrorDomain::NONE, flags, 0, "virHostCPUGetMap")?;
        Ok(crate::host::node_cpu_map())
    }

    fn node_get_cpu_stats(
        &self,
        cpu_num: i32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::NodeStat>> {
        Error::check_flags(ErrorDomain::NONE, flags, 0, "virHostCPUGetStats")?;
        crate::host::node_cpu_stats(cpu_num)
    }

    fn node_get_memory_stats(
        &self,
        cell_num: i32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::NodeStat>> {
        Error::check_flags(ErrorDomain::NONE, flags, 0, "virHostMemGetStats")?;
        crate::host::node_memory_stats(cell_num)
    }

    fn connect_list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            0xFFFF,
            "qemuConnectListAllDomains",
        )?;
        Ok(self
            .inner
            .doms
            .all()
            .iter()
            .filter(|d| domain_matches(flags, &facts(d)))
            .map(|d| d.lock().reference())
            .collect())
    }

    fn connect_num_of_domains(&self) -> Result<i32> {
        Ok(self
            .inner
            .doms
            .all()
            .iter()
            .filter(|d| d.lock().is_active())
            .count() as i32)
    }

    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        Ok(self
            .inner
            .doms
            .all()
            .iter()
            .filter_map(|d| {
                let st = d.lock();
                st.is_active().then(|| st.id())
            })
            .take(max.max(0) as usize)
            .collect())
    }

    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        Ok(self
            .inner
            .doms
            .all()
            .iter()
            .filter(|d| !d.lock().is_active())
            .count() as i32)
    }

    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        Ok(self
            .inner
            .doms
            .all()
            .iter()
            .filter_map(|d| {
                let st = d.lock();
                (!st.is_active()).then(|| st.name.clone())
            })
            .take(max.max(0) as usize)
            .collect())
    }

    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        self.inner
            .doms
            .by_id(id)
            .map(|d| d.lock().reference())
            .ok_or_else(|| not_found(format!("no domain with matching id {id}")))
    }

    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        self.inner
            .doms
            .by_name(name)
            .map(|d| d.lock().reference())
            .ok_or_else(|| not_found(format!("no domain with matching name '{name}'")))
    }

    fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<DomainRef> {
        self.inner
            .doms
            .by_uuid(uuid)
            .map(|d| d.lock().reference())
            .ok_or_else(|| {
                not_found(format!(
                    "no domain with matching uuid '{}'",
                    uuid.hyphenated()
                ))
            })
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::DEFINE_VALIDATE,
            "qemuDomainDefineXMLFlags",
        )?;
        let def = self.parse(xml)?;
        conflicts::define(&self.inner, def).map(|(r, _)| r)
    }

    fn domain_undefine(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::UNDEFINE_MANAGED_SAVE
                | bits::UNDEFINE_SNAPSHOTS_METADATA
                | bits::UNDEFINE_NVRAM
                | bits::UNDEFINE_KEEP_NVRAM
                | bits::UNDEFINE_CHECKPOINTS_METADATA
                | bits::UNDEFINE_TPM
                | bits::UNDEFINE_KEEP_TPM,
            "qemuDomainUndefineFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("undefine")?;
        let (name, active, managed_save, r) = {
            let st = dom.lock();
            if st.config.is_none() {
                return Err(Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "cannot undefine transient domain",
                ));
            }
            (
                st.name.clone(),
                st.is_active(),
                st.managed_save,
                st.reference(),
            )
        };
        if managed_save {
            if flags & bits::UNDEFINE_MANAGED_SAVE == 0 {
                return Err(Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "Refusing to undefine while domain managed save image exists",
                ));
            }
            let _ = std::fs::remove_file(self.inner.paths.managed_save_file(&name));
        }
        store::delete_config(&self.inner.paths, &name)?;
        {
            let mut st = dom.lock();
            st.config = None;
            st.autostart = false;
            st.managed_save = false;
        }
        if !active {
            self.inner.doms.remove(&r.uuid);
        }
        events::lifecycle_event(
            &self.inner.events,
            r,
            kind::UNDEFINED,
            detail::undefined::REMOVED,
        );
        Ok(())
    }

    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::START_PAUSED | bits::START_AUTODESTROY | bits::START_VALIDATE,
            "qemuDomainCreateXML",
        )?;
        let def = self.parse(xml)?;
        let (dom, added) = conflicts::for_create(&self.inner, &def)?;
        let job = dom.begin_job("create")?;
        let res = start::start(
            &self.inner,
            &dom,
            def,
            StartOpts {
                paused: flags & bits::START_PAUSED != 0,
                incoming: false,
            },
        );
        drop(job);
        match res {
            Ok(()) => {
                self.autodestroy_if(&dom, flags);
                Ok(dom.lock().reference())
            }
            Err(e) => {
                if added {
                    // The uuid first: the list's removal locks every domain, this one too.
                    let uuid = dom.lock().uuid;
                    self.inner.doms.remove(&uuid);
                }
                Err(e)
            }
        }
    }

    fn domain_create(&self, r: &DomainRef, flags: u32) -> Result<DomainRef> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::START_PAUSED
                | bits::START_AUTODESTROY
                | bits::START_BYPASS_CACHE
                | bits::START_FORCE_BOOT
                | bits::START_RESET_NVRAM,
            "qemuDomainCreateWithFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("start")?;
        let (def, managed) = {
            let st = dom.lock();
            if st.is_active() {
                return Err(Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "domain is already running",
                ));
            }
            let def = st.config.clone().ok_or_else(|| {
                Error::operation_invalid(ErrorDomain::QEMU, "domain is not persistent")
            })?;
            (def, st.managed_save)
        };
        if managed {
            let file = self.inner.paths.managed_save_file(&def.name);
            if flags & bits::START_FORCE_BOOT != 0 {
                let _ = std::fs::remove_file(&file);
                dom.lock().managed_save = false;
            } else {
                let img = super::save::read_image(&file)?;
                let run = (flags & bits::START_PAUSED != 0).then_some(false);
                let saved = super::save::image_def(&self.inner, &img)?;
                super::save::restore_into(&self.inner, &dom, saved, &file, &img, run)?;
                let _ = std::fs::remove_file(&file);
                dom.lock().managed_save = false;
                return Ok(dom.lock().reference());
            }
        }
        start::start(
            &self.inner,
            &dom,
            def,
            StartOpts {
                paused: flags & bits::START_PAUSED != 0,
                incoming: false,
            },
        )?;
        self.autodestroy_if(&dom, flags);
        let r = dom.lock().reference();
        Ok(r)
    }

    fn domain_destroy(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::DESTROY_GRACEFUL,
            "qemuDomainDestroyFlags",
        )?;
        let dom = self.dom(r)?;
        // Not behind the job: destroy ends whatever job is running.
        lifecycle::destroy(&dom, flags & bits::DESTROY_GRACEFUL != 0)
    }

    fn domain_shutdown(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::SHUTDOWN_ACPI | bits::SHUTDOWN_AGENT,
            "qemuDomainShutdownFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("shutdown")?;
        agent_mode(&dom, flags)?;
        lifecycle::shutdown(&dom)
    }

    fn domain_reboot(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::SHUTDOWN_ACPI | bits::SHUTDOWN_AGENT,
            "qemuDomainReboot",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("reboot")?;
        agent_mode(&dom, flags)?;
        lifecycle::reboot(&dom)
    }

    fn domain_reset(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainReset")?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("reset")?;
        lifecycle::reset(&dom)
    }

    fn domain_suspend(&self, r: &DomainRef) -> Result<()> {
        let dom = self.dom(r)?;
        let _job = dom.begin_job("suspend")?;
        lifecycle::suspend(&self.inner, &dom)
    }

    fn domain_resume(&self, r: &DomainRef) -> Result<()> {
        let dom = self.dom(r)?;
        let _job = dom.begin_job("resume")?;
        lifecycle::resume(&self.inner, &dom)
    }

    fn domain_get_xml_desc(&self, r: &DomainRef, flags: u32) -> Result<String> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::XML_SECURE | bits::XML_INACTIVE | bits::XML_UPDATE_CPU | bits::XML_MIGRATABLE,
            "qemuDomainGetXMLDesc",
        )?;
        let dom = self.dom(r)?;
        let st = dom.lock();
        let inactive = flags & bits::XML_INACTIVE != 0 || !st.is_active();
        let def = if inactive {
            st.config.as_ref().or(st.live.as_ref().map(|l| &l.def))
        } else {
            st.live.as_ref().map(|l| &l.def)
        };
        let def = def.ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no definition"))?;
        Ok(def.format(&FormatCtx {
            inactive,
            secure: flags & bits::XML_SECURE != 0,
            migratable: flags & bits::XML_MIGRATABLE != 0,
        }))
    }

    fn domain_get_info(&self, r: &DomainRef) -> Result<DomainInfo> {
        let dom = self.dom(r)?;
        let st = dom.lock();
        let def = st
            .current_def()
            .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no definition"))?;
        let (memory, cpu_time) = match &st.live {
            Some(l) => (
                l.balloon_kib.unwrap_or(def.current_memory_kib),
                stats::process_cpu_ns(l.pid),
            ),
            None => (def.current_memory_kib, 0),
        };
        Ok(DomainInfo {
            state: st.state,
            max_mem: def.memory_kib,
            memory,
            nr_virt_cpu: def.vcpus.current,
            cpu_time,
        })
    }

    fn domain_get_state(&self, r: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainGetState")?;
        let dom = self.dom(r)?;
        let st = dom.lock();
        Ok((st.state, st.reason))
    }

    fn domain_get_os_type(&self, r: &DomainRef) -> Result<String> {
        let dom = self.dom(r)?;
        let st = dom.lock();
        Ok(st
            .current_def()
            .map(|d| d.os.os_type.to_string())
            .unwrap_or_else(|| "hvm".to_string()))
    }

    fn domain_get_max_memory(&self, r: &DomainRef) -> Result<u64> {
        let dom = self.dom(r)?;
        let st = dom.lock();
        Ok(st.current_def().map_or(0, |d| d.memory_kib))
    }

    fn domain_get_max_vcpus(&self, r: &DomainRef) -> Result<i32> {
        let dom = self.dom(r)?;
        let st = dom.lock();
        if !st.is_active() {
            return Err(not_running());
        }
        Ok(st.current_def().map_or(0, |d| d.vcpus.max as i32))
    }

    fn domain_is_active(&self, r: &DomainRef) -> Result<bool> {
        Ok(self.dom(r)?.lock().is_active())
    }

    fn domain_is_persistent(&self, r: &DomainRef) -> Result<bool> {
        Ok(self.dom(r)?.lock().config.is_some())
    }

    fn domain_is_updated(&self, r: &DomainRef) -> Result<bool> {
        let dom = self.dom(r)?;
        let st = dom.lock();
        Ok(match (&st.live, &st.config) {
            (Some(_), Some(_)) => st.live.as_ref().is_some_and(|l| l.config_changed),
            _ => false,
        })
    }

    fn domain_get_autostart(&self, r: &DomainRef) -> Result<bool> {
        Ok(self.dom(r)?.lock().autostart)
    }

    fn domain_set_autostart(&self, r: &DomainRef, on: bool) -> Result<()> {
        let dom = self.dom(r)?;
        let name = {
            let st = dom.lock();
            if st.config.is_none() {
                return Err(Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "cannot set autostart for transient domain",
                ));
            }
            st.name.clone()
        };
        store::set_autostart(&self.inner.paths, &name, on)?;
        dom.lock().autostart = on;
        Ok(())
    }

    fn domain_get_vcpus(
        &self,
        r: &DomainRef,
        maxinfo: i32,
        maplen: i32,
    ) -> Result<rvirt_core::types::DomainVcpus> {
        let dom = self.dom(r)?;
        if !dom.lock().is_active() {
            return Err(Error::operation_invalid(
                ErrorDomain::QEMU,
                "cannot list vcpu pinning for an inactive domain",
            ));
        }
        stats::vcpus(&dom, maxinfo, maplen)
    }

    fn domain_get_vcpu_pin_info(
        &self,
        r: &DomainRef,
        ncpumaps: i32,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainGetVcpuPinInfo",
        )?;
        let dom = self.dom(r)?;
        let st = dom.lock();
        let def = if flags & CONFIG != 0 {
            st.config.as_ref().ok_or_else(|| {
                Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "transient domains do not have any persistent config",
                )
            })?
        } else {
            st.current_def()
                .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no definition"))?
        };
        Ok(stats::vcpu_pin_info(def, ncpumaps, maplen))
    }

    fn domain_pin_vcpu(&self, r: &DomainRef, vcpu: u32, cpumap: &[u8], flags: u32) -> Result<()> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainPinVcpuFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("vcpupin")?;
        super::pin::pin_vcpu(&self.inner, &dom, vcpu, cpumap, flags)
    }

    fn domain_pin_emulator(&self, r: &DomainRef, cpumap: &[u8], flags: u32) -> Result<()> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainPinEmulator",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("emulatorpin")?;
        super::pin::pin_emulator(&self.inner, &dom, cpumap, flags)
    }

    fn domain_get_emulator_pin_info(
        &self,
        r: &DomainRef,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainGetEmulatorPinInfo",
        )?;
        let dom = self.dom(r)?;
        super::pin::emulator_pin_info(&dom, maplen, flags)
    }

    fn domain_memory_stats(
        &self,
        r: &DomainRef,
        nr_stats: u32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::MemoryStat>> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainMemoryStats")?;
        let dom = self.dom(r)?;
        stats::memory_stats(&dom, nr_stats)
    }

    fn domain_block_stats(
        &self,
        r: &DomainRef,
        path: &str,
    ) -> Result<rvirt_core::domstats::BlockStats> {
        let dom = self.dom(r)?;
        stats::block_stats(&dom, path)
    }

    fn domain_block_stats_flags(
        &self,
        r: &DomainRef,
        path: &str,
        nparams: i32,
        flags: u32,
    ) -> Result<(Vec<rvirt_core::types::TypedParam>, i32)> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            rvirt_core::types::typed_param::STRING_OKAY,
            "qemuDomainBlockStatsFlags",
        )?;
        let dom = self.dom(r)?;
        stats::block_stats_flags(&dom, path, nparams)
    }

    fn domain_interface_stats(
        &self,
        r: &DomainRef,
        device: &str,
    ) -> Result<rvirt_core::domstats::InterfaceStats> {
        let dom = self.dom(r)?;
        stats::interface_stats(&dom, device)
    }

    fn domain_get_block_info(
        &self,
        r: &DomainRef,
        path: &str,
        flags: u32,
    ) -> Result<rvirt_core::domstats::BlockInfo> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainGetBlockInfo")?;
        let dom = self.dom(r)?;
        let st = dom.lock();
        stats::block_info(&st, path)
    }

    fn domain_get_cpu_stats(
        &self,
        r: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        _ncpus: u32,
        flags: u32,
    ) -> Result<rvirt_core::domstats::CpuStats> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            rvirt_core::types::typed_param::STRING_OKAY,
            "qemuDomainGetCPUStats",
        )?;
        let dom = self.dom(r)?;
        stats::cpu_stats(&dom, nparams, start_cpu)
    }

    fn connect_get_all_domain_stats(
        &self,
        doms: &[DomainRef],
        groups: u32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::domstats::DomainStatsRecord>> {
        use rvirt_core::domstats::{all_stats, DomainStatsRecord};
        let list_bits = 0xFF;
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            list_bits | all_stats::NOWAIT | all_stats::BACKING | all_stats::ENFORCE_STATS,
            "qemuConnectGetAllDomainStats",
        )?;
        if flags & all_stats::ENFORCE_STATS != 0 && groups & !stats::GROUPS != 0 {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some(format!(
                    "Stats types bits 0x{:x} are not supported by this daemon",
                    groups & !stats::GROUPS
                )),
            ));
        }
        let picked: Vec<Arc<Domain>> = if doms.is_empty() {
            self.inner
                .doms
                .all()
                .into_iter()
                .filter(|d| domain_matches(flags & list_bits, &facts(d)))
                .collect()
        } else {
            doms.iter().map(|r| self.dom(r)).collect::<Result<_>>()?
        };
        let one = |d: &Arc<Domain>| {
            // The reference first: `record` takes the domain's lock itself.
            let dom = d.lock().reference();
            DomainStatsRecord {
                dom,
                params: stats::record(d, groups & stats::GROUPS),
            }
        };
        Ok(stats::in_parallel(&picked, one))
    }

    fn domain_set_memory(&self, r: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG | flags::memory::MAXIMUM,
            "qemuDomainSetMemoryFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("setmem")?;
        super::tune::set_memory(&self.inner, &dom, kib, flags)
    }

    fn domain_set_vcpus(&self, r: &DomainRef, count: u32, flags: u32) -> Result<()> {
        use flags::affect::{CONFIG, LIVE};
        use flags::vcpu::{GUEST, HOTPLUGGABLE, MAXIMUM};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG | MAXIMUM | GUEST | HOTPLUGGABLE,
            "qemuDomainSetVcpusFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("setvcpus")?;
        super::tune::set_vcpus(&self.inner, &dom, count, flags)
    }

    fn domain_get_metadata(
        &self,
        r: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainGetMetadata",
        )?;
        let dom = self.dom(r)?;
        super::tune::get_metadata(&dom, kind, uri, flags)
    }

    fn domain_set_metadata(
        &self,
        r: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        use flags::affect::{CONFIG, LIVE};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG,
            "qemuDomainSetMetadata",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("metadata")?;
        super::tune::set_metadata(&self.inner, &dom, (kind, metadata, key, uri), flags)
    }

    fn domain_get_vcpus_flags(&self, r: &DomainRef, flags: u32) -> Result<i32> {
        use flags::affect::{CONFIG, LIVE};
        use flags::vcpu::{GUEST, MAXIMUM};
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            LIVE | CONFIG | MAXIMUM | GUEST,
            "qemuDomainGetVcpusFlags",
        )?;
        let dom = self.dom(r)?;
        let st = dom.lock();
        let def = if flags & CONFIG != 0 {
            st.config.as_ref()
        } else if flags & LIVE != 0 {
            if !st.is_active() {
                return Err(not_running());
            }
            st.live.as_ref().map(|l| &l.def)
        } else {
            st.current_def()
        }
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no definition"))?;
        Ok(if flags & MAXIMUM != 0 {
            def.vcpus.max as i32
        } else {
            def.vcpus.current as i32
        })
    }

    fn domain_save(&self, r: &DomainRef, to: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::QEMU, flags, 1 | 2 | 4, "qemuDomainSaveFlags")?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("save")?;
        super::save::save(&self.inner, &dom, std::path::Path::new(to), dxml)
    }

    fn domain_restore(&self, from: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            1 | 2 | 4 | 8,
            "qemuDomainRestoreFlags",
        )?;
        let path = std::path::Path::new(from);
        let img = super::save::read_image(path)?;
        let def = match dxml {
            Some(x) => self.parse(x)?,
            None => super::save::image_def(&self.inner, &img)?,
        };
        let (dom, added) = conflicts::for_create(&self.inner, &def)?;
        let job = dom.begin_job("restore")?;
        let run = if flags & 2 != 0 {
            Some(true)
        } else if flags & 4 != 0 {
            Some(false)
        } else {
            None
        };
        let res = super::save::restore_into(&self.inner, &dom, def, path, &img, run);
        drop(job);
        if res.is_err() && added {
            let uuid = dom.lock().uuid;
            self.inner.doms.remove(&uuid);
        }
        res
    }

    fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            bits::XML_SECURE,
            "qemuDomainSaveImageGetXMLDesc",
        )?;
        let img = super::save::read_image(std::path::Path::new(file))?;
        let def = super::save::image_def(&self.inner, &img)?;
        Ok(def.format(&FormatCtx {
            inactive: true,
            secure: flags & bits::XML_SECURE != 0,
            migratable: false,
        }))
    }

    fn domain_managed_save(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::QEMU, flags, 1 | 2 | 4, "qemuDomainManagedSave")?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("managed save")?;
        let name = {
            let st = dom.lock();
            if st.config.is_none() {
                return Err(Error::operation_invalid(
                    ErrorDomain::QEMU,
                    "cannot do managed save for transient domain",
                ));
            }
            st.name.clone()
        };
        let file = self.inner.paths.managed_save_file(&name);
        if let Some(d) = file.parent() {
            std::fs::create_dir_all(d).map_err(|e| {
                Error::system(
                    ErrorDomain::QEMU,
                    format!("cannot create '{}'", d.display()),
                    &e,
                )
            })?;
        }
        super::save::save(&self.inner, &dom, &file, None)?;
        dom.lock().managed_save = true;
        Ok(())
    }

    fn domain_has_managed_save_image(&self, r: &DomainRef, flags: u32) -> Result<bool> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainHasManagedSaveImage")?;
        Ok(self.dom(r)?.lock().managed_save)
    }

    fn domain_managed_save_remove(&self, r: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuDomainManagedSaveRemove")?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("managed save remove")?;
        let name = dom.lock().name.clone();
        let file = self.inner.paths.managed_save_file(&name);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::system(
                    ErrorDomain::QEMU,
                    format!("Failed to remove managed save file '{}'", file.display()),
                    &e,
                ))
            }
        }
        dom.lock().managed_save = false;
        Ok(())
    }

    fn domain_get_security_label(&self, r: &DomainRef) -> Result<rvirt_core::types::SecurityLabel> {
        let _ = self.dom(r)?;
        // security_driver "none": no label, not enforcing.
        Ok(rvirt_core::types::SecurityLabel {
            label: String::new(),
            enforcing: false,
        })
    }

    fn domain_qemu_monitor_command(&self, r: &DomainRef, cmd: &str, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::QEMU, flags, 1, "qemuDomainQemuMonitorCommand")?;
        self.monitor_command(r, cmd, None, flags)
    }

    fn domain_qemu_monitor_command_with_files(
        &self,
        r: &DomainRef,
        cmd: &str,
        files: Vec<std::os::fd::OwnedFd>,
        flags: u32,
    ) -> Result<(String, Vec<std::os::fd::OwnedFd>)> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            1,
            "qemuDomainQemuMonitorCommandWithFiles",
        )?;
        if files.len() > 1 {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::INVALID_ARG,
                Some("at most 1 fd can be passed to qemu along with a command".to_string()),
            ));
        }
        let fd = files.first().map(std::os::fd::AsFd::as_fd);
        Ok((self.monitor_command(r, cmd, fd, flags)?, Vec::new()))
    }

    fn domain_attach_device(&self, r: &DomainRef, xml: &str) -> Result<()> {
        self.domain_attach_device_flags(r, xml, flags::affect::LIVE)
    }

    fn domain_attach_device_flags(&self, r: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            flags::affect::LIVE | flags::affect::CONFIG,
            "qemuDomainAttachDeviceFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("attach device")?;
        super::devices::attach(&self.inner, &dom, xml, flags)
    }

    fn domain_detach_device(&self, r: &DomainRef, xml: &str) -> Result<()> {
        self.domain_detach_device_flags(r, xml, flags::affect::LIVE)
    }

    fn domain_detach_device_flags(&self, r: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            flags::affect::LIVE | flags::affect::CONFIG,
            "qemuDomainDetachDeviceFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("detach device")?;
        super::devices::detach(&self.inner, &dom, xml, flags)
    }

    fn domain_detach_device_alias(&self, r: &DomainRef, alias: &str, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            flags::affect::LIVE | flags::affect::CONFIG,
            "qemuDomainDetachDeviceAlias",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("detach device")?;
        super::devices::detach_alias(&self.inner, &dom, alias, flags)
    }

    fn domain_update_device_flags(&self, r: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::QEMU,
            flags,
            flags::affect::LIVE | flags::affect::CONFIG | 4,
            "qemuDomainUpdateDeviceFlags",
        )?;
        let dom = self.dom(r)?;
        let _job = dom.begin_job("update device")?;
        super::devices::update(&self.inner, &dom, xml, flags & !4)
    }

    fn domain_open_console(
        &self,
        r: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<rvirt_core::stream::DriverStream> {
        let dom = self.dom(r)?;
        super::console::open(&self.inner, &dom, dev_name, flags)
    }

    fn domain_event_register_any(
        &self,
        dom: Option<&DomainRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        Ok(self
            .inner
            .events
            .register(EventFamily::Domain, event_id, dom.map(|d| d.uuid), callback))
    }

    fn domain_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        if self.inner.events.deregister(callback_id) {
            Ok(())
        } else {
            Err(Error::invalid_arg(
                ErrorDomain::QEMU,
                format!("callback ID {callback_id} not registered"),
            ))
        }
    }
}

/// Whether a definition is runnable by this driver at all (the caller may want to refuse
/// early); kept for the inline queries' sake as a plain function.
pub fn is_qemu_def(def: &DomainDef) -> bool {
    matches!(def.virt_type.to_string().as_str(), "qemu" | "kvm")
}

#[cfg(test)]
mod compact_tests {
    #[test]
    fn compact_json_keeps_strings_and_order() {
        assert_eq!(
            super::compact_json(
                "{\"return\": {\"fd\": 11, \"a b\": \"x \\\" y\"}, \"id\": \"l-3\"}\n"
            ),
            "{\"return\":{\"fd\":11,\"a b\":\"x \\\" y\"},\"id\":\"l-3\"}"
        );
    }
}
