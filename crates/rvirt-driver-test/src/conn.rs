//! One connection to a test driver state: the driver-trait implementations.

use crate::domain::Events;
use crate::state::{DomainObj, DriverState, Shared};
use rvirt_core::driver::*;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::types::{flags, DomainInfo, DomainState, NodeInfo, SecurityLabel, SecurityModel};
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::FormatCtx;
use std::sync::Arc;

pub struct TestConn {
    shared: Arc<Shared>,
    uri: String,
}

impl TestConn {
    pub fn new(shared: Arc<Shared>, uri: String) -> TestConn {
        TestConn { shared, uri }
    }

    /// Runs `f` under the state lock, then emits the events it produced.
    fn with_events<T>(&self, f: impl FnOnce(&mut DriverState) -> Result<(T, Events)>) -> Result<T> {
        let (v, events) = {
            let mut st = self.shared.lock();
            f(&mut st)?
        };
        for e in events {
            self.shared.events.emit(e);
        }
        Ok(v)
    }

    fn read<T>(&self, r: &DomainRef, f: impl FnOnce(&DomainObj) -> T) -> Result<T> {
        let st = self.shared.lock();
        let i = st.dom_index(r)?;
        Ok(f(&st.domains[i]))
    }
}

fn no_domain() -> Error {
    Error::new(ErrorDomain::TEST, ErrorCode::NO_DOMAIN, None)
}

/// libvirt's list filters for `virConnectListAllDomains`.
fn matches(d: &DomainObj, f: u32) -> bool {
    use flags::list_domains as L;
    let active = d.is_active();
    if f & (L::ACTIVE | L::INACTIVE) != 0
        && !((f & L::ACTIVE != 0 && active) || (f & L::INACTIVE != 0 && !active))
    {
        return false;
    }
    if f & (L::PERSISTENT | L::TRANSIENT) != 0
        && !((f & L::PERSISTENT != 0 && d.persistent) || (f & L::TRANSIENT != 0 && !d.persistent))
    {
        return false;
    }
    if f & (L::RUNNING | L::PAUSED | L::SHUTOFF | L::OTHER) != 0 {
        let ok = match d.state {
            DomainState::Running => f & L::RUNNING != 0,
            DomainState::Paused => f & L::PAUSED != 0,
            DomainState::Shutoff => f & L::SHUTOFF != 0,
            _ => f & L::OTHER != 0,
        };
        if !ok {
            return false;
        }
    }
    if f & (L::MANAGEDSAVE | L::NO_MANAGEDSAVE) != 0
        && !((f & L::MANAGEDSAVE != 0 && d.has_managed_save)
            || (f & L::NO_MANAGEDSAVE != 0 && !d.has_managed_save))
    {
        return false;
    }
    if f & (L::AUTOSTART | L::NO_AUTOSTART) != 0
        && !((f & L::AUTOSTART != 0 && d.autostart) || (f & L::NO_AUTOSTART != 0 && !d.autostart))
    {
        return false;
    }
    if f & (L::HAS_SNAPSHOT | L::HAS_CHECKPOINT) != 0 {
        return false;
    }
    true
}

/// The host's name, as the kernel reports it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

impl HypervisorDriver for TestConn {
    fn connect_get_type(&self) -> Result<String> {
        Ok("TEST".to_string())
    }
    fn connect_get_version(&self) -> Result<u64> {
        Ok(2)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        Ok(hostname())
    }
    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.uri.clone())
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        Ok(crate::caps::capabilities(self.shared.lock().cells))
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testConnectGetSysinfo",
            ));
        }
        Ok(crate::caps::sysinfo())
    }
    fn connect_get_max_vcpus(&self, _kind: Option<&str>) -> Result<i32> {
        Ok(32)
    }
    fn connect_supports_feature(&self, feature: i32) -> Result<bool> {
        // TYPED_PARAM_STRING (7) and NETWORK_UPDATE_HAS_CORRECT_ORDER (16).
        Ok(matches!(feature, 7 | 16))
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        Ok(self.shared.lock().node.clone())
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        Ok(SecurityModel {
            model: "testSecurity".to_string(),
            doi: String::new(),
        })
    }
    fn node_get_free_memory(&self) -> Result<u64> {
        let cells = self.shared.lock().cells as u64;
        Ok((1..=cells).map(|i| i * 1024 * 1024).sum())
    }
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        let cells = self.shared.lock().cells as i32;
        if start < 0 || start >= cells {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some("Range exceeds available cells".to_string()),
            ));
        }
        Ok((start..cells.min(start.saturating_add(max.max(0))))
            .map(|i| (i as u64 + 1) * 2048 * 1024)
            .collect())
    }

    fn connect_list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        if flags & !0xFFFF != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testConnectListAllDomains",
            ));
        }
        let st = self.shared.lock();
        Ok(st
            .domains
            .iter()
            .filter(|d| matches(d, flags))
            .map(DomainObj::reference)
            .collect())
    }
    fn connect_num_of_domains(&self) -> Result<i32> {
        Ok(self
            .shared
            .lock()
            .domains
            .iter()
            .filter(|d| d.is_active())
            .count() as i32)
    }
    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        let st = self.shared.lock();
        Ok(st
            .domains
            .iter()
            .filter(|d| d.is_active())
            .map(|d| d.id)
            .take(max.max(0) as usize)
            .collect())
    }
    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        Ok(self
            .shared
            .lock()
            .domains
            .iter()
            .filter(|d| !d.is_active())
            .count() as i32)
    }
    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        let st = self.shared.lock();
        Ok(st
            .domains
            .iter()
            .filter(|d| !d.is_active())
            .map(|d| d.def.name.clone())
            .take(max.max(0) as usize)
            .collect())
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        let st = self.shared.lock();
        st.domains
            .iter()
            .find(|d| d.is_active() && d.id == id)
            .map(DomainObj::reference)
            .ok_or_else(no_domain)
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        let st = self.shared.lock();
        st.domains
            .iter()
            .find(|d| d.def.name == name)
            .map(DomainObj::reference)
            .ok_or_else(no_domain)
    }
    fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<DomainRef> {
        let st = self.shared.lock();
        st.domains
            .iter()
            .find(|d| d.def.uuid == *uuid)
            .map(DomainObj::reference)
            .ok_or_else(no_domain)
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.with_events(|st| st.define(xml, flags))
    }
    fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.undefine(dom, flags)?)))
    }
    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.with_events(|st| st.create_xml(xml, flags))
    }
    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        self.with_events(|st| st.start(dom, flags))
    }
    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.destroy(dom, flags)?)))
    }
    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.shutdown(dom, flags)?)))
    }
    fn domain_reboot(&self, dom: &DomainRef, _flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.reboot(dom)?)))
    }
    fn domain_reset(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainReset",
            ));
        }
        self.shared.lock().reset(dom)
    }
    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.suspend(dom)?)))
    }
    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.resume(dom)?)))
    }
    fn domain_save(&self, dom: &DomainRef, to: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.save(dom, to, dxml, flags)?)))
    }
    fn domain_restore(&self, from: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.restore(from, dxml, flags)?)))
    }
    fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        if flags & !flags::domain_xml::SECURE != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainSaveImageGetXMLDesc",
            ));
        }
        let xml = crate::domain::read_save_file(file)?;
        let def = crate::domain::parse_def(&xml)?;
        Ok(def.format(&FormatCtx {
            inactive: true,
            secure: flags & flags::domain_xml::SECURE != 0,
            migratable: false,
        }))
    }
    fn domain_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.managed_save(dom, flags)?)))
    }
    fn domain_has_managed_save_image(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainHasManagedSaveImage",
            ));
        }
        self.read(dom, |d| d.has_managed_save)
    }
    fn domain_managed_save_remove(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainManagedSaveRemove",
            ));
        }
        let mut st = self.shared.lock();
        let i = st.dom_index(dom)?;
        st.domains[i].has_managed_save = false;
        Ok(())
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        let all = flags::domain_xml::SECURE
            | flags::domain_xml::INACTIVE
            | flags::domain_xml::UPDATE_CPU
            | flags::domain_xml::MIGRATABLE;
        if flags & !all != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainGetXMLDesc",
            ));
        }
        let inactive = flags & flags::domain_xml::INACTIVE != 0;
        self.read(dom, |d| {
            let def = if inactive { d.persistent_def() } else { &d.def };
            def.format(&FormatCtx {
                inactive: inactive || !d.is_active(),
                secure: flags & flags::domain_xml::SECURE != 0,
                migratable: flags & flags::domain_xml::MIGRATABLE != 0,
            })
        })
    }
    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64 * 1000)
            .unwrap_or(0);
        self.read(dom, |d| DomainInfo {
            state: d.state,
            max_mem: d.def.memory_kib,
            memory: d.def.current_memory_kib,
            nr_virt_cpu: d.def.vcpus.current,
            cpu_time: now,
        })
    }
    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        if flags != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainGetState",
            ));
        }
        self.read(dom, |d| (d.state, d.reason))
    }
    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        self.read(dom, |_| "linux".to_string())
    }
    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        self.read(dom, |d| d.def.memory_kib)
    }
    fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        self.shared
            .lock()
            .get_vcpus_flags(dom, flags::affect::LIVE | flags::vcpu::MAXIMUM)
    }
    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        self.read(dom, DomainObj::is_active)
    }
    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        self.read(dom, |d| d.persistent)
    }
    fn domain_is_updated(&self, dom: &DomainRef) -> Result<bool> {
        self.read(dom, |_| false)
    }
    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        self.read(dom, |d| d.autostart)
    }
    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        let mut st = self.shared.lock();
        let i = st.dom_index(dom)?;
        st.domains[i].autostart = autostart;
        Ok(())
    }
    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        self.read(dom, |d| {
            if d.is_active() {
                SecurityLabel {
                    label: "libvirt-test".to_string(),
                    enforcing: true,
                }
            } else {
                SecurityLabel {
                    label: String::new(),
                    enforcing: false,
                }
            }
        })
    }
    fn domain_get_messages(&self, dom: &DomainRef, flags: u32) -> Result<Vec<String>> {
        if flags & !3 != 0 {
            return Err(Error::unsupported_flags(
                ErrorDomain::TEST,
                flags,
                "testDomainGetMessages",
            ));
        }
        self.read(dom, |_| Vec::new())
    }
    fn domain_set_memory(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        self.shared.lock().set_memory(dom, kib, flags)
    }
    fn domain_set_vcpus(&self, dom: &DomainRef, count: u32, flags: u32) -> Result<()> {
        self.shared.lock().set_vcpus(dom, count, flags)
    }
    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<i32> {
        self.shared.lock().get_vcpus_flags(dom, flags)
    }
    fn domain_get_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        self.shared.lock().get_metadata(dom, kind, uri, flags)
    }
    fn domain_set_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        self.with_events(|st| Ok(((), st.set_metadata(dom, kind, metadata, key, uri, flags)?)))
    }
    fn domain_event_register_any(
        &self,
        dom: Option<&DomainRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        Ok(self.shared.events.register(
            EventFamily::Domain,
            event_id,
            dom.map(|d| d.uuid),
            callback,
        ))
    }
    fn domain_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        if self.shared.events.deregister(callback_id) {
            Ok(())
        } else {
            Err(Error::invalid_arg(
                ErrorDomain::NONE,
                format!("could not find event callback {callback_id} for deletion"),
            ))
        }
    }
}

impl NetworkDriver for TestConn {}
impl StorageDriver for TestConn {}
impl InterfaceDriver for TestConn {}
impl NodeDeviceDriver for TestConn {}
