//! One connection to a test driver state: the driver-trait implementations.

use crate::domain::Events;
use crate::state::{DomainObj, DriverState, Shared};
use rvirt_core::driver::*;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::types::{
    flags, DomainInfo, DomainState, NodeInfo, SecurityLabel, SecurityModel, StoragePoolInfo,
    StorageVolInfo,
};
use rvirt_core::{
    DomainRef, DomainSnapshotRef, Error, ErrorCode, ErrorDomain, InterfaceRef, NetworkRef,
    NodeDeviceRef, Result, StoragePoolRef, StorageVolRef,
};
use rvirt_xml::domain::FormatCtx;
use std::sync::Arc;

/// The image libvirt's test driver returns as every screenshot (libvirt's data
/// directory, as the real driver reads it).
const SCREENSHOT: &str = "/usr/share/libvirt/test-screenshot.png";

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

    fn deregister(&self, callback_id: i32) -> Result<()> {
        if self.shared.events.deregister(callback_id) {
            Ok(())
        } else {
            Err(Error::invalid_arg(
                ErrorDomain::NONE,
                format!("could not find event callback {callback_id} for deletion"),
            ))
        }
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
pub(crate) fn matches(d: &DomainObj, f: u32) -> bool {
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
    // "has" and "has not" together filter nothing; checkpoints never exist here.
    let snaps = !d.snapshots.is_empty();
    for (has, has_not, present) in [
        (L::HAS_SNAPSHOT, L::NO_SNAPSHOT, snaps),
        (L::HAS_CHECKPOINT, L::NO_CHECKPOINT, false),
    ] {
        let only_has = f & has != 0 && f & has_not == 0;
        let only_has_not = f & has_not != 0 && f & has == 0;
        if (only_has && !present) || (only_has_not && present) {
            return false;
        }
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
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testConnectGetSysinfo")?;
        Ok(crate::caps::sysinfo())
    }
    fn connect_get_max_vcpus(&self, _kind: Option<&str>) -> Result<i32> {
        Ok(32)
    }
    fn connect_supports_feature(&self, feature: i32) -> Result<bool> {
        // TYPED_PARAM_STRING (9) and NETWORK_UPDATE_HAS_CORRECT_ORDER (16).
        Ok(matches!(feature, 9 | 16))
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
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            0xFFFF,
            "testConnectListAllDomains",
        )?;
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
            .find_name(name)
            .map(|i| st.domains[i].reference())
            .ok_or_else(no_domain)
    }
    fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<DomainRef> {
        let st = self.shared.lock();
        st.domains
            .find_uuid(uuid)
            .map(|i| st.domains[i].reference())
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
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainReset")?;
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
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            flags::domain_xml::SECURE,
            "testDomainSaveImageGetXMLDesc",
        )?;
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
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainHasManagedSaveImage")?;
        self.read(dom, |d| d.has_managed_save)
    }
    fn domain_managed_save_remove(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainManagedSaveRemove")?;
        let mut st = self.shared.lock();
        let i = st.dom_index(dom)?;
        st.domains[i].has_managed_save = false;
        Ok(())
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        // The test driver has no host CPU to update from: UPDATE_CPU is refused.
        let all =
            flags::domain_xml::SECURE | flags::domain_xml::INACTIVE | flags::domain_xml::MIGRATABLE;
        Error::check_flags(ErrorDomain::TEST, flags, all, "testDomainGetXMLDesc")?;
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
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainGetState")?;
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
        Error::check_flags(ErrorDomain::TEST, flags, 3, "testDomainGetMessages")?;
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
    fn domain_snapshot_create_xml(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        self.with_events(|st| st.snapshot_create(dom, xml, flags))
    }
    fn domain_snapshot_num(&self, dom: &DomainRef, _flags: u32) -> Result<i32> {
        Ok(self.shared.lock().snapshot_list(dom)?.len() as i32)
    }
    fn domain_list_all_snapshots(
        &self,
        dom: &DomainRef,
        _flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        self.shared.lock().snapshot_list(dom)
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            0,
            "testDomainSnapshotLookupByName",
        )?;
        self.shared.lock().snapshot_lookup(dom, name)
    }
    fn domain_has_current_snapshot(&self, dom: &DomainRef, _flags: u32) -> Result<bool> {
        Ok(self.shared.lock().snapshot_current(dom)?.is_some())
    }
    fn domain_snapshot_current(&self, dom: &DomainRef, _flags: u32) -> Result<DomainSnapshotRef> {
        self.shared.lock().snapshot_current(dom)?.ok_or_else(|| {
            Error::new(
                ErrorDomain::DOMAIN_SNAPSHOT,
                ErrorCode::NO_DOMAIN_SNAPSHOT,
                Some("the domain does not have a current snapshot".to_string()),
            )
        })
    }
    fn domain_snapshot_get_xml_desc(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        self.shared.lock().snapshot_xml(snap, flags)
    }
    fn domain_revert_to_snapshot(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.snapshot_revert(snap, flags)?)))
    }
    fn domain_snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.shared.lock().snapshot_delete(snap, flags)
    }
    fn node_get_cpu_map(&self, flags: u32) -> Result<rvirt_core::types::NodeCpuMap> {
        crate::stats::node_cpu_map(flags)
    }
    fn node_get_cpu_stats(
        &self,
        cpu_num: i32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::NodeStat>> {
        crate::stats::node_cpu_stats(cpu_num, flags)
    }
    fn domain_get_vcpus(
        &self,
        dom: &DomainRef,
        maxinfo: i32,
        maplen: i32,
    ) -> Result<rvirt_core::types::DomainVcpus> {
        self.shared.lock().vcpus(dom, maxinfo, maplen)
    }
    fn domain_get_vcpu_pin_info(
        &self,
        dom: &DomainRef,
        ncpumaps: i32,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        self.shared
            .lock()
            .vcpu_pin_info(dom, ncpumaps, maplen, flags)
    }
    fn domain_block_stats(
        &self,
        dom: &DomainRef,
        path: &str,
    ) -> Result<rvirt_core::domstats::BlockStats> {
        self.shared.lock().block_stats(dom, path)
    }
    fn domain_interface_stats(
        &self,
        dom: &DomainRef,
        device: &str,
    ) -> Result<rvirt_core::domstats::InterfaceStats> {
        self.shared.lock().interface_stats(dom, device)
    }
    fn domain_get_block_info(
        &self,
        dom: &DomainRef,
        path: &str,
        flags: u32,
    ) -> Result<rvirt_core::domstats::BlockInfo> {
        self.shared.lock().block_info(dom, path, flags)
    }
    fn domain_get_cpu_stats(
        &self,
        dom: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<rvirt_core::domstats::CpuStats> {
        self.shared
            .lock()
            .cpu_stats(dom, nparams, start_cpu, ncpus, flags)
    }
    fn connect_get_all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::domstats::DomainStatsRecord>> {
        self.shared.lock().all_domain_stats(doms, stats, flags)
    }
    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        nr_stats: u32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::MemoryStat>> {
        self.shared.lock().memory_stats(dom, nr_stats, flags)
    }
    fn domain_set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        self.shared
            .lock()
            .set_memory_stats_period(dom, period, flags)
    }
    fn domain_get_scheduler_type(&self, _dom: &DomainRef) -> Result<(String, i32)> {
        Ok(crate::stats::scheduler_type())
    }
    fn domain_get_scheduler_parameters(
        &self,
        dom: &DomainRef,
        _nparams: i32,
    ) -> Result<Vec<rvirt_core::types::TypedParam>> {
        self.shared.lock().scheduler_parameters(dom, 0)
    }
    fn domain_get_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        _nparams: i32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::types::TypedParam>> {
        self.shared.lock().scheduler_parameters(dom, flags)
    }
    fn domain_set_scheduler_parameters(
        &self,
        dom: &DomainRef,
        params: &[rvirt_core::types::TypedParam],
    ) -> Result<()> {
        self.shared.lock().set_scheduler_parameters(dom, params, 0)
    }
    fn domain_set_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        params: &[rvirt_core::types::TypedParam],
        flags: u32,
    ) -> Result<()> {
        self.shared
            .lock()
            .set_scheduler_parameters(dom, params, flags)
    }
    fn domain_get_hostname(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        self.shared.lock().hostname(dom, flags)
    }
    /// libvirt's test driver streams a fixed image whatever the domain, its state or the
    /// screen (it does not even look the domain up).
    fn domain_screenshot(
        &self,
        _dom: &DomainRef,
        _screen: u32,
        flags: u32,
    ) -> Result<(String, rvirt_core::stream::DriverStream)> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainScreenshot")?;
        let source = rvirt_core::stream::FileSource::open(SCREENSHOT, 0, 0)?;
        Ok((
            "image/png".to_string(),
            rvirt_core::stream::DriverStream::reader(Arc::new(source)),
        ))
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
        self.deregister(callback_id)
    }
}

impl NetworkDriver for TestConn {
    fn connect_list_all_networks(&self, flags: u32) -> Result<Vec<NetworkRef>> {
        Error::check_flags(ErrorDomain::TEST, flags, 0x3f, "testConnectListAllNetworks")?;
        let st = self.shared.lock();
        Ok(st
            .networks
            .iter()
            .filter(|n| crate::network::matches(n, flags))
            .map(|n| n.reference())
            .collect())
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        self.shared.lock().net_by_name(name)
    }
    fn network_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NetworkRef> {
        self.shared.lock().net_by_uuid(uuid)
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        self.with_events(|st| st.net_define(xml, flags))
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        self.with_events(|st| st.net_create_xml(xml, flags))
    }
    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.net_undefine(net)?)))
    }
    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.net_start(net)?)))
    }
    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.net_destroy(net)?)))
    }
    fn network_get_xml_desc(&self, net: &NetworkRef, flags: u32) -> Result<String> {
        self.shared.lock().net_xml(net, flags)
    }
    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        self.shared.lock().net_bridge(net)
    }
    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.networks[st.net_index(net)?].active)
    }
    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.networks[st.net_index(net)?].persistent)
    }
    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.networks[st.net_index(net)?].autostart)
    }
    fn network_set_autostart(&self, net: &NetworkRef, autostart: bool) -> Result<()> {
        let mut st = self.shared.lock();
        let i = st.net_index(net)?;
        st.networks[i].autostart = autostart;
        Ok(())
    }
    fn network_event_register_any(
        &self,
        net: Option<&NetworkRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        Ok(self.shared.events.register(
            EventFamily::Network,
            event_id,
            net.map(|n| n.uuid),
            callback,
        ))
    }
    fn network_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.deregister(callback_id)
    }
    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        self.shared
            .lock()
            .net_update(net, command, section, parent_index, xml, flags)
    }
}

impl StorageDriver for TestConn {
    fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePoolRef>> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            0xFFFFF,
            "testConnectListAllStoragePools",
        )?;
        let st = self.shared.lock();
        Ok(st
            .pools
            .iter()
            .filter(|p| crate::storage::matches(p, flags))
            .map(|p| p.reference())
            .collect())
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        self.shared.lock().pool_by_name(name)
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePoolRef> {
        self.shared.lock().pool_by_uuid(uuid)
    }
    fn storage_pool_lookup_by_volume(&self, vol: &StorageVolRef) -> Result<StoragePoolRef> {
        self.shared.lock().vol_pool(vol)
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        self.with_events(|st| st.pool_define(xml, flags))
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        self.with_events(|st| st.pool_create_xml(xml, flags))
    }
    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.pool_undefine(pool)?)))
    }
    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.pool_start(pool, flags)?)))
    }
    fn storage_pool_build(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        self.shared
            .lock()
            .pool_build_or_delete(pool, flags, "testStoragePoolBuild")
    }
    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        self.with_events(|st| Ok(((), st.pool_destroy(pool)?)))
    }
    fn storage_pool_delete(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        self.shared
            .lock()
            .pool_build_or_delete(pool, flags, "testStoragePoolDelete")
    }
    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        self.with_events(|st| Ok(((), st.pool_refresh(pool, flags)?)))
    }
    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        self.shared.lock().pool_info(pool)
    }
    fn storage_pool_get_xml_desc(&self, pool: &StoragePoolRef, flags: u32) -> Result<String> {
        self.shared.lock().pool_xml(pool, flags)
    }
    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        let st = self.shared.lock();
        let p = &st.pools[st.pool_index(pool)?];
        Ok(p.persistent && p.autostart)
    }
    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        self.shared.lock().pool_set_autostart(pool, autostart)
    }
    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.pools[st.pool_index(pool)?].active)
    }
    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.pools[st.pool_index(pool)?].persistent)
    }
    fn storage_pool_num_of_volumes(&self, pool: &StoragePoolRef) -> Result<i32> {
        self.shared.lock().pool_num_volumes(pool)
    }
    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStoragePoolListAllVolumes")?;
        self.shared.lock().pool_volumes(pool)
    }
    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        self.shared.lock().vol_by_name(pool, name)
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        self.shared.lock().vol_by_key_or_path(key, true)
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        self.shared.lock().vol_by_key_or_path(path, false)
    }
    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> Result<StorageVolRef> {
        self.shared.lock().vol_create(pool, xml, None, flags)
    }
    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_of: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolRef> {
        self.shared
            .lock()
            .vol_create(pool, xml, Some(clone_of), flags)
    }
    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        self.shared.lock().vol_delete(vol, flags)
    }
    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        self.shared.lock().vol_info(vol)
    }
    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        self.shared.lock().vol_xml(vol, flags)
    }
    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        self.shared.lock().vol_path(vol)
    }
    fn storage_pool_event_register_any(
        &self,
        pool: Option<&StoragePoolRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        Ok(self.shared.events.register(
            EventFamily::StoragePool,
            event_id,
            pool.map(|p| p.uuid),
            callback,
        ))
    }
    fn storage_pool_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.deregister(callback_id)
    }
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        crate::storage::find_pool_sources(kind, src_spec, flags)
    }
}

impl InterfaceDriver for TestConn {
    fn connect_list_all_interfaces(&self, flags: u32) -> Result<Vec<InterfaceRef>> {
        self.shared.lock().ifaces(flags)
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        self.shared.lock().iface_by_name(name)
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        self.shared.lock().iface_by_mac(mac)
    }
    fn interface_get_xml_desc(&self, iface: &InterfaceRef, flags: u32) -> Result<String> {
        self.shared.lock().iface_xml(iface, flags)
    }
    fn interface_is_active(&self, iface: &InterfaceRef) -> Result<bool> {
        self.shared.lock().iface_active(iface)
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        self.shared.lock().iface_define(xml, flags)
    }
    fn interface_undefine(&self, iface: &InterfaceRef) -> Result<()> {
        self.shared.lock().iface_undefine(iface)
    }
    fn interface_create(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        self.shared.lock().iface_set_active(iface, flags, true)
    }
    fn interface_destroy(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        self.shared.lock().iface_set_active(iface, flags, false)
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        self.shared.lock().iface_change_begin(flags)
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        self.shared.lock().iface_change_commit(flags)
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        self.shared.lock().iface_change_rollback(flags)
    }
}

impl NodeDeviceDriver for TestConn {
    fn connect_list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDeviceRef>> {
        self.shared.lock().nodedevs(flags)
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        self.shared.lock().nodedev_by_name(name)
    }
    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        self.shared.lock().nodedev_xml(dev, flags)
    }
    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        self.shared.lock().nodedev_parent(dev)
    }
    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        self.shared.lock().nodedev_caps(dev)
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        self.shared.lock().nodedev_create(xml, flags)
    }
    fn node_device_destroy(&self, dev: &NodeDeviceRef) -> Result<()> {
        self.shared.lock().nodedev_destroy(dev)
    }
}
