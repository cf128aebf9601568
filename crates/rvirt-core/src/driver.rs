//! The driver traits: the seam between the public API and every backend.
//!
//! This mirrors libvirt's `virHypervisorDriver`, `virNetworkDriver`, `virStorageDriver` and
//! friends. Every method has a default body that answers `VIR_ERR_NO_SUPPORT` naming the
//! public function, exactly as libvirt answers for a driver that lacks an entry point, so a
//! partial driver compiles and behaves like a partial libvirt driver. The remote client is
//! one more implementation of these traits, and the daemon dispatches wire calls into them.
//!
//! Methods take `&self` of a per-connection object; a driver decides what state connections
//! share. Objects are named by the reference types in [`crate::refs`].

use crate::domstats::{BlockInfo, BlockStats, CpuStats, DomainStatsRecord, InterfaceStats};
use crate::error::{Error, Result};
use crate::event::EventCallback;
use crate::refs::*;
use crate::stream::DriverStream;
use crate::types::*;
use crate::uri::ConnectUri;
use std::sync::Arc;

/// The "not supported" answer of a missing entry point. The error domain is that of the
/// public API file the function lives in: `libvirt-domain.c` and `libvirt-host.c` report
/// `VIR_FROM_DOMAIN` (the one-argument form), the other families their own.
macro_rules! unsupported {
    ($f:literal) => {
        Err(Error::no_support($f))
    };
    ($domain:ident, $f:literal) => {
        Err(Error::no_support_in(crate::error::ErrorDomain::$domain, $f))
    };
}

/// The entry in the driver registry: decides whether it serves a URI and opens connections.
pub trait ConnectDriver: Send + Sync {
    /// Short name for logs ("test", "qemu", "remote").
    fn name(&self) -> &'static str;

    /// Whether this driver serves `uri` (libvirt's `uriSchemes` + `localOnly` checks).
    fn accepts(&self, uri: &ConnectUri) -> bool;

    /// Opens a connection. `flags` are `virConnectOpenFlags`.
    fn open(&self, uri: &ConnectUri, flags: u32) -> Result<DriverSet>;
}

/// The per-connection drivers, one per object family; families a backend lacks are `None`
/// and answer "not supported" through the API.
#[derive(Clone)]
pub struct DriverSet {
    pub hypervisor: Arc<dyn HypervisorDriver>,
    pub network: Option<Arc<dyn NetworkDriver>>,
    pub storage: Option<Arc<dyn StorageDriver>>,
    pub interface: Option<Arc<dyn InterfaceDriver>>,
    pub node_device: Option<Arc<dyn NodeDeviceDriver>>,
    pub secret: Option<Arc<dyn SecretDriver>>,
    pub nwfilter: Option<Arc<dyn NWFilterDriver>>,
    /// Domain XML to and from the hypervisor's own configuration format.
    pub native: Option<Arc<dyn NativeConfigDriver>>,
}

/// Domains and the host: libvirt's `virHypervisorDriver`.
///
/// Blocking contract: the queries libvirt marks high priority (lookups, lists, states,
/// autostart and persistence flags, ...) and `domain_get_info`, `domain_get_xml_desc` and
/// capabilities must answer from the driver's memory, never wait on a guest, its monitor or
/// a long job of the same domain (cache what the monitor reports instead). The daemon
/// answers those on the client's own task to save thread hand-offs. Calls that change
/// something (those a read-only connection is refused) always run on the worker pool, even
/// the ones libvirt marks high priority (destroy, define, undefine, set autostart), so they
/// may wait on a QEMU process or an fsync; so may every other call.
#[allow(unused_variables)]
pub trait HypervisorDriver: Send + Sync {
    // ---- connection and host ----
    fn connect_get_type(&self) -> Result<String> {
        unsupported!("virConnectGetType")
    }
    fn connect_get_version(&self) -> Result<u64> {
        unsupported!("virConnectGetVersion")
    }
    fn connect_get_lib_version(&self) -> Result<u64> {
        Ok(crate::LIB_VERSION)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        unsupported!("virConnectGetHostname")
    }
    /// The canonical URI of the connection, as the driver wants it reported.
    fn connect_get_uri(&self) -> Result<String> {
        unsupported!("virConnectGetURI")
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        unsupported!("virConnectGetCapabilities")
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        unsupported!("virConnectGetSysinfo")
    }
    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        unsupported!("virConnectGetMaxVcpus")
    }
    fn connect_is_secure(&self) -> Result<bool> {
        Ok(true)
    }
    fn connect_is_encrypted(&self) -> Result<bool> {
        Ok(false)
    }
    fn connect_supports_feature(&self, feature: i32) -> Result<bool> {
        Ok(false)
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        unsupported!("virNodeGetInfo")
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        unsupported!("virNodeGetSecurityModel")
    }
    fn node_get_free_memory(&self) -> Result<u64> {
        unsupported!("virNodeGetFreeMemory")
    }
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        unsupported!("virNodeGetCellsFreeMemory")
    }

    // ---- listing and lookup ----
    fn connect_list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        unsupported!("virConnectListAllDomains")
    }
    fn connect_num_of_domains(&self) -> Result<i32> {
        unsupported!("virConnectNumOfDomains")
    }
    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        unsupported!("virConnectListDomains")
    }
    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        unsupported!("virConnectNumOfDefinedDomains")
    }
    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        unsupported!("virConnectListDefinedDomains")
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        unsupported!("virDomainLookupByID")
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        unsupported!("virDomainLookupByName")
    }
    fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<DomainRef> {
        unsupported!("virDomainLookupByUUID")
    }

    // ---- definition and lifecycle ----
    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        unsupported!("virDomainDefineXMLFlags")
    }
    fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainUndefineFlags")
    }
    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        unsupported!("virDomainCreateXML")
    }
    /// Starts a defined domain; returns the reference with its new id.
    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        unsupported!("virDomainCreateWithFlags")
    }
    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainDestroyFlags")
    }
    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainShutdownFlags")
    }
    fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainReboot")
    }
    fn domain_reset(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainReset")
    }
    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        unsupported!("virDomainSuspend")
    }
    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        unsupported!("virDomainResume")
    }
    fn domain_save(&self, dom: &DomainRef, to: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        unsupported!("virDomainSaveFlags")
    }
    fn domain_restore(&self, from: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        unsupported!("virDomainRestoreFlags")
    }
    fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        unsupported!("virDomainSaveImageGetXMLDesc")
    }
    fn domain_managed_save(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainManagedSave")
    }
    fn domain_has_managed_save_image(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        unsupported!("virDomainHasManagedSaveImage")
    }
    fn domain_managed_save_remove(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        unsupported!("virDomainManagedSaveRemove")
    }

    // ---- information ----
    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        unsupported!("virDomainGetXMLDesc")
    }
    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        unsupported!("virDomainGetInfo")
    }
    /// `(state, reason)`.
    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        unsupported!("virDomainGetState")
    }
    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        unsupported!("virDomainGetOSType")
    }
    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        unsupported!("virDomainGetMaxMemory")
    }
    fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        unsupported!("virDomainGetMaxVcpus")
    }
    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        unsupported!("virDomainIsActive")
    }
    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        unsupported!("virDomainIsPersistent")
    }
    fn domain_is_updated(&self, dom: &DomainRef) -> Result<bool> {
        unsupported!("virDomainIsUpdated")
    }
    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        unsupported!("virDomainGetAutostart")
    }
    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        unsupported!("virDomainSetAutostart")
    }
    fn domain_get_security_label(&self, dom: &DomainRef) -> Result<SecurityLabel> {
        unsupported!("virDomainGetSecurityLabel")
    }
    fn domain_get_messages(&self, dom: &DomainRef, flags: u32) -> Result<Vec<String>> {
        unsupported!("virDomainGetMessages")
    }

    // ---- tuning ----
    /// Memory in KiB; `flags` are `virDomainMemoryModFlags`.
    fn domain_set_memory(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        unsupported!("virDomainSetMemoryFlags")
    }
    fn domain_set_vcpus(&self, dom: &DomainRef, count: u32, flags: u32) -> Result<()> {
        unsupported!("virDomainSetVcpusFlags")
    }
    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<i32> {
        unsupported!("virDomainGetVcpusFlags")
    }
    /// `kind` is a `virDomainMetadataType`.
    fn domain_get_metadata(
        &self,
        dom: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported!("virDomainGetMetadata")
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
        unsupported!("virDomainSetMetadata")
    }

    // ---- snapshots ----
    fn domain_snapshot_create_xml(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotCreateXML")
    }
    fn domain_snapshot_num(&self, dom: &DomainRef, flags: u32) -> Result<i32> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotNum")
    }
    fn domain_list_all_snapshots(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainListAllSnapshots")
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotLookupByName")
    }
    fn domain_has_current_snapshot(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainHasCurrentSnapshot")
    }
    fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotCurrent")
    }
    fn domain_snapshot_get_xml_desc(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<String> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotGetXMLDesc")
    }
    fn domain_revert_to_snapshot(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainRevertToSnapshot")
    }
    fn domain_snapshot_delete(&self, snap: &DomainSnapshotRef, flags: u32) -> Result<()> {
        unsupported!(DOMAIN_SNAPSHOT, "virDomainSnapshotDelete")
    }

    // ---- statistics and host resources ----
    /// `virDomainPinVcpuFlags` (`flags` 0 from `virDomainPinVcpu` means the running guest):
    /// `cpumap` holds one bit per host CPU.
    fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, cpumap: &[u8], flags: u32) -> Result<()> {
        unsupported!("virDomainPinVcpuFlags")
    }
    /// `virDomainPinEmulator`: where QEMU's own threads may run.
    fn domain_pin_emulator(&self, dom: &DomainRef, cpumap: &[u8], flags: u32) -> Result<()> {
        unsupported!("virDomainPinEmulator")
    }
    /// `virDomainGetEmulatorPinInfo`: `(1, map of maplen bytes)`.
    fn domain_get_emulator_pin_info(
        &self,
        dom: &DomainRef,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        unsupported!("virDomainGetEmulatorPinInfo")
    }
    /// `virNodeGetCPUMap`: the host's CPU count, online map and online count.
    fn node_get_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        unsupported!("virNodeGetCPUMap")
    }
    /// `virNodeGetCPUStats`: every counter the driver has for `cpu_num` (-1: all CPUs).
    fn node_get_cpu_stats(&self, cpu_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        unsupported!("virNodeGetCPUStats")
    }
    /// `virNodeGetMemoryStats`: every counter the driver has for `cell_num` (-1: all).
    fn node_get_memory_stats(&self, cell_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        unsupported!("virNodeGetMemoryStats")
    }
    fn connect_get_domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported!("virConnectGetDomainCapabilities")
    }
    /// `virDomainGetVcpus`: up to `maxinfo` records and, when `maplen` > 0, as many
    /// affinity maps of `maplen` bytes.
    fn domain_get_vcpus(&self, dom: &DomainRef, maxinfo: i32, maplen: i32) -> Result<DomainVcpus> {
        unsupported!("virDomainGetVcpus")
    }
    /// `virDomainGetVcpuPinInfo`: `(count, maps)`, the maps `maplen` bytes each.
    fn domain_get_vcpu_pin_info(
        &self,
        dom: &DomainRef,
        ncpumaps: i32,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        unsupported!("virDomainGetVcpuPinInfo")
    }
    fn domain_memory_stats(
        &self,
        dom: &DomainRef,
        nr_stats: u32,
        flags: u32,
    ) -> Result<Vec<MemoryStat>> {
        unsupported!("virDomainMemoryStats")
    }
    fn domain_set_memory_stats_period(
        &self,
        dom: &DomainRef,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetMemoryStatsPeriod")
    }
    /// `(scheduler name, number of parameters)`.
    fn domain_get_scheduler_type(&self, dom: &DomainRef) -> Result<(String, i32)> {
        unsupported!("virDomainGetSchedulerType")
    }
    /// The older call without flags (libvirt keeps both entry points apart).
    fn domain_get_scheduler_parameters(
        &self,
        dom: &DomainRef,
        nparams: i32,
    ) -> Result<Vec<TypedParam>> {
        unsupported!("virDomainGetSchedulerParameters")
    }
    fn domain_get_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        nparams: i32,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        unsupported!("virDomainGetSchedulerParametersFlags")
    }
    fn domain_set_scheduler_parameters(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
    ) -> Result<()> {
        unsupported!("virDomainSetSchedulerParameters")
    }
    fn domain_set_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetSchedulerParametersFlags")
    }
    fn domain_get_hostname(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        unsupported!("virDomainGetHostname")
    }

    // ---- streams (see `crate::stream`; the halves may block, the call itself must not
    // wait for data) ----
    /// The screenshot's MIME type and a read stream of the image.
    fn domain_screenshot(
        &self,
        dom: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<(String, DriverStream)> {
        unsupported!("virDomainScreenshot")
    }
    /// A bidirectional stream on a console (`dev_name`: an alias, or the first console).
    fn domain_open_console(
        &self,
        dom: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<DriverStream> {
        unsupported!("virDomainOpenConsole")
    }
    /// A bidirectional stream on a channel (`name`: an alias or target name).
    fn domain_open_channel(
        &self,
        dom: &DomainRef,
        name: Option<&str>,
        flags: u32,
    ) -> Result<DriverStream> {
        unsupported!("virDomainOpenChannel")
    }

    // ---- disk, interface and CPU statistics ----
    /// `virDomainBlockStats` of the disk `path` names (target or source; empty for all).
    fn domain_block_stats(&self, dom: &DomainRef, path: &str) -> Result<BlockStats> {
        unsupported!("virDomainBlockStats")
    }
    /// `virDomainBlockStatsFlags`, as the C call: with `nparams` 0 only the number of
    /// parameters the driver has is returned (and no parameters), otherwise at most
    /// `nparams` of them and their number.
    fn domain_block_stats_flags(
        &self,
        dom: &DomainRef,
        path: &str,
        nparams: i32,
        flags: u32,
    ) -> Result<(Vec<TypedParam>, i32)> {
        unsupported!("virDomainBlockStatsFlags")
    }
    /// `virDomainInterfaceStats` of the interface `device` names (target name or MAC).
    fn domain_interface_stats(&self, dom: &DomainRef, device: &str) -> Result<InterfaceStats> {
        unsupported!("virDomainInterfaceStats")
    }
    fn domain_get_block_info(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<BlockInfo> {
        unsupported!("virDomainGetBlockInfo")
    }
    /// `virDomainGetCPUStats`, as the C call (see [`CpuStats`]): `start_cpu` -1 asks for
    /// the domain's totals; `nparams` 0 asks how many parameters there are, and with
    /// `ncpus` 0 too, how many CPUs.
    fn domain_get_cpu_stats(
        &self,
        dom: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<CpuStats> {
        unsupported!("virDomainGetCPUStats")
    }
    /// `virConnectGetAllDomainStats` (`doms` empty) or `virDomainListGetStats`: the
    /// `stats` groups (`domstats::group`) of each domain, filtered and tuned by `flags`.
    fn connect_get_all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        if doms.is_empty() {
            unsupported!("virConnectGetAllDomainStats")
        } else {
            unsupported!("virDomainListGetStats")
        }
    }

    // ---- devices (XML of one device; flags are `VIR_DOMAIN_AFFECT_*` and friends).
    // The flag-less calls are entry points of their own, as in libvirt, so a driver
    // that has only the flags forms answers the old ones "not supported" by name; drivers
    // usually serve them as the flags form with `VIR_DOMAIN_AFFECT_LIVE`. ----
    fn domain_attach_device(&self, dom: &DomainRef, xml: &str) -> Result<()> {
        unsupported!("virDomainAttachDevice")
    }
    fn domain_attach_device_flags(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        unsupported!("virDomainAttachDeviceFlags")
    }
    fn domain_detach_device(&self, dom: &DomainRef, xml: &str) -> Result<()> {
        unsupported!("virDomainDetachDevice")
    }
    fn domain_detach_device_flags(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        unsupported!("virDomainDetachDeviceFlags")
    }
    /// Detaches the device whose alias (`<alias name=...>`) is `alias`.
    fn domain_detach_device_alias(&self, dom: &DomainRef, alias: &str, flags: u32) -> Result<()> {
        unsupported!("virDomainDetachDeviceAlias")
    }
    /// Changes a device in place (a CD-ROM's medium, a NIC's link state, ...).
    fn domain_update_device_flags(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        unsupported!("virDomainUpdateDeviceFlags")
    }

    // ---- QEMU-specific calls (libvirt-qemu.so; VIR_FROM_NONE, as that file reports) ----
    /// `virDomainQemuMonitorCommand`: hands `cmd` to the guest's monitor (QMP JSON, or HMP
    /// text with `VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP`) and returns QEMU's answer as text.
    /// Tests use it to compare guests started by rvirt with guests started by libvirt.
    fn domain_qemu_monitor_command(
        &self,
        dom: &DomainRef,
        cmd: &str,
        flags: u32,
    ) -> Result<String> {
        unsupported!(NONE, "virDomainQemuMonitorCommand")
    }
    /// `virDomainQemuAgentCommand`: a raw guest-agent command; `None` when the agent gave
    /// no answer within a `timeout` of -2 or more seconds (libvirt's special values).
    fn domain_qemu_agent_command(
        &self,
        dom: &DomainRef,
        cmd: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<Option<String>> {
        unsupported!(NONE, "virDomainQemuAgentCommand")
    }
    /// `virDomainQemuAttach`: takes over a QEMU process started outside the driver.
    fn connect_qemu_attach(&self, pid: u32, flags: u32) -> Result<DomainRef> {
        unsupported!(NONE, "virDomainQemuAttach")
    }
    /// `virDomainQemuMonitorCommandWithFiles`: the same with descriptors passed to QEMU
    /// beside the command (`getfd`, `add-fd`); returns the answer and the descriptors QEMU
    /// sent back (none so far in QEMU).
    fn domain_qemu_monitor_command_with_files(
        &self,
        dom: &DomainRef,
        cmd: &str,
        files: Vec<std::os::fd::OwnedFd>,
        flags: u32,
    ) -> Result<(String, Vec<std::os::fd::OwnedFd>)> {
        unsupported!(NONE, "virDomainQemuMonitorCommandWithFiles")
    }

    // ---- events ----
    /// Registers for domain event `event_id`, optionally for one domain only; returns the
    /// callback id.
    fn domain_event_register_any(
        &self,
        dom: Option<&DomainRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        unsupported!("virConnectDomainEventRegisterAny")
    }
    fn domain_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        unsupported!("virConnectDomainEventDeregisterAny")
    }
}

/// Virtual networks: libvirt's `virNetworkDriver`.
#[allow(unused_variables)]
pub trait NetworkDriver: Send + Sync {
    fn connect_list_all_networks(&self, flags: u32) -> Result<Vec<NetworkRef>> {
        unsupported!(NETWORK, "virConnectListAllNetworks")
    }
    fn network_lookup_by_name(&self, name: &str) -> Result<NetworkRef> {
        unsupported!(NETWORK, "virNetworkLookupByName")
    }
    fn network_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NetworkRef> {
        unsupported!(NETWORK, "virNetworkLookupByUUID")
    }
    fn network_define_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        unsupported!(NETWORK, "virNetworkDefineXML")
    }
    fn network_create_xml(&self, xml: &str, flags: u32) -> Result<NetworkRef> {
        unsupported!(NETWORK, "virNetworkCreateXML")
    }
    fn network_undefine(&self, net: &NetworkRef) -> Result<()> {
        unsupported!(NETWORK, "virNetworkUndefine")
    }
    fn network_create(&self, net: &NetworkRef) -> Result<()> {
        unsupported!(NETWORK, "virNetworkCreate")
    }
    fn network_destroy(&self, net: &NetworkRef) -> Result<()> {
        unsupported!(NETWORK, "virNetworkDestroy")
    }
    fn network_get_xml_desc(&self, net: &NetworkRef, flags: u32) -> Result<String> {
        unsupported!(NETWORK, "virNetworkGetXMLDesc")
    }
    fn network_get_bridge_name(&self, net: &NetworkRef) -> Result<String> {
        unsupported!(NETWORK, "virNetworkGetBridgeName")
    }
    fn network_is_active(&self, net: &NetworkRef) -> Result<bool> {
        unsupported!(NETWORK, "virNetworkIsActive")
    }
    fn network_is_persistent(&self, net: &NetworkRef) -> Result<bool> {
        unsupported!(NETWORK, "virNetworkIsPersistent")
    }
    fn network_get_autostart(&self, net: &NetworkRef) -> Result<bool> {
        unsupported!(NETWORK, "virNetworkGetAutostart")
    }
    fn network_set_autostart(&self, net: &NetworkRef, autostart: bool) -> Result<()> {
        unsupported!(NETWORK, "virNetworkSetAutostart")
    }
    fn network_event_register_any(
        &self,
        net: Option<&NetworkRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        unsupported!(NETWORK, "virConnectNetworkEventRegisterAny")
    }
    fn network_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        unsupported!(NETWORK, "virConnectNetworkEventDeregisterAny")
    }
    /// `command` and `section` arrive in libvirt's corrected order
    /// (`VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER`).
    fn network_update(
        &self,
        net: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        unsupported!(NETWORK, "virNetworkUpdate")
    }
}

/// Storage pools and volumes: libvirt's `virStorageDriver`.
#[allow(unused_variables)]
pub trait StorageDriver: Send + Sync {
    fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePoolRef>> {
        unsupported!(STORAGE, "virConnectListAllStoragePools")
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        unsupported!(STORAGE, "virStoragePoolLookupByName")
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePoolRef> {
        unsupported!(STORAGE, "virStoragePoolLookupByUUID")
    }
    fn storage_pool_lookup_by_volume(&self, vol: &StorageVolRef) -> Result<StoragePoolRef> {
        unsupported!(STORAGE, "virStoragePoolLookupByVolume")
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        unsupported!(STORAGE, "virStoragePoolDefineXML")
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        unsupported!(STORAGE, "virStoragePoolCreateXML")
    }
    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolUndefine")
    }
    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolCreate")
    }
    fn storage_pool_build(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolBuild")
    }
    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolDestroy")
    }
    fn storage_pool_delete(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolDelete")
    }
    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolRefresh")
    }
    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        unsupported!(STORAGE, "virStoragePoolGetInfo")
    }
    fn storage_pool_get_xml_desc(&self, pool: &StoragePoolRef, flags: u32) -> Result<String> {
        unsupported!(STORAGE, "virStoragePoolGetXMLDesc")
    }
    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported!(STORAGE, "virStoragePoolGetAutostart")
    }
    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        unsupported!(STORAGE, "virStoragePoolSetAutostart")
    }
    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported!(STORAGE, "virStoragePoolIsActive")
    }
    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        unsupported!(STORAGE, "virStoragePoolIsPersistent")
    }
    fn storage_pool_num_of_volumes(&self, pool: &StoragePoolRef) -> Result<i32> {
        unsupported!(STORAGE, "virStoragePoolNumOfVolumes")
    }
    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        unsupported!(STORAGE, "virStoragePoolListAllVolumes")
    }
    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        unsupported!(STORAGE, "virStorageVolLookupByName")
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        unsupported!(STORAGE, "virStorageVolLookupByKey")
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        unsupported!(STORAGE, "virStorageVolLookupByPath")
    }
    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> Result<StorageVolRef> {
        unsupported!(STORAGE, "virStorageVolCreateXML")
    }
    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_of: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolRef> {
        unsupported!(STORAGE, "virStorageVolCreateXMLFrom")
    }
    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStorageVolDelete")
    }
    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        unsupported!(STORAGE, "virStorageVolGetInfo")
    }
    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        unsupported!(STORAGE, "virStorageVolGetXMLDesc")
    }
    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        unsupported!(STORAGE, "virStorageVolGetPath")
    }
    fn storage_vol_resize(&self, vol: &StorageVolRef, capacity: u64, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStorageVolResize")
    }
    /// A write stream into the volume from `offset`, at most `length` bytes (0: to the end).
    fn storage_vol_upload(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        unsupported!(STORAGE, "virStorageVolUpload")
    }
    /// A read stream of the volume from `offset`, at most `length` bytes (0: to the end).
    fn storage_vol_download(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        unsupported!(STORAGE, "virStorageVolDownload")
    }
    fn storage_pool_event_register_any(
        &self,
        pool: Option<&StoragePoolRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        unsupported!(STORAGE, "virConnectStoragePoolEventRegisterAny")
    }
    fn storage_pool_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        unsupported!(STORAGE, "virConnectStoragePoolEventDeregisterAny")
    }
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        unsupported!(STORAGE, "virConnectFindStoragePoolSources")
    }
    /// `virConnectGetStoragePoolCapabilities`: the `<storagepoolCapabilities>` document.
    fn connect_get_storage_pool_capabilities(&self, flags: u32) -> Result<String> {
        unsupported!(STORAGE, "virConnectGetStoragePoolCapabilities")
    }
    fn storage_vol_wipe(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        unsupported!(STORAGE, "virStorageVolWipe")
    }
    fn storage_vol_wipe_pattern(
        &self,
        vol: &StorageVolRef,
        algorithm: u32,
        flags: u32,
    ) -> Result<()> {
        unsupported!(STORAGE, "virStorageVolWipePattern")
    }
    fn storage_vol_get_info_flags(
        &self,
        vol: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolInfo> {
        unsupported!(STORAGE, "virStorageVolGetInfoFlags")
    }
}

/// Host network interfaces: libvirt's `virInterfaceDriver`.
#[allow(unused_variables)]
pub trait InterfaceDriver: Send + Sync {
    fn connect_list_all_interfaces(&self, flags: u32) -> Result<Vec<InterfaceRef>> {
        unsupported!(INTERFACE, "virConnectListAllInterfaces")
    }
    fn interface_lookup_by_name(&self, name: &str) -> Result<InterfaceRef> {
        unsupported!(INTERFACE, "virInterfaceLookupByName")
    }
    fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<InterfaceRef> {
        unsupported!(INTERFACE, "virInterfaceLookupByMACString")
    }
    fn interface_get_xml_desc(&self, iface: &InterfaceRef, flags: u32) -> Result<String> {
        unsupported!(INTERFACE, "virInterfaceGetXMLDesc")
    }
    fn interface_is_active(&self, iface: &InterfaceRef) -> Result<bool> {
        unsupported!(INTERFACE, "virInterfaceIsActive")
    }
    fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<InterfaceRef> {
        unsupported!(INTERFACE, "virInterfaceDefineXML")
    }
    fn interface_undefine(&self, iface: &InterfaceRef) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceUndefine")
    }
    fn interface_create(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceCreate")
    }
    fn interface_destroy(&self, iface: &InterfaceRef, flags: u32) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceDestroy")
    }
    fn interface_change_begin(&self, flags: u32) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceChangeBegin")
    }
    fn interface_change_commit(&self, flags: u32) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceChangeCommit")
    }
    fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        unsupported!(INTERFACE, "virInterfaceChangeRollback")
    }
}

/// Host devices: libvirt's `virNodeDeviceDriver`.
#[allow(unused_variables)]
pub trait NodeDeviceDriver: Send + Sync {
    fn connect_list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDeviceRef>> {
        unsupported!(NODEDEV, "virConnectListAllNodeDevices")
    }
    fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDeviceRef> {
        unsupported!(NODEDEV, "virNodeDeviceLookupByName")
    }
    fn node_device_get_xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> Result<String> {
        unsupported!(NODEDEV, "virNodeDeviceGetXMLDesc")
    }
    fn node_device_get_parent(&self, dev: &NodeDeviceRef) -> Result<Option<String>> {
        unsupported!(NODEDEV, "virNodeDeviceGetParent")
    }
    fn node_device_list_caps(&self, dev: &NodeDeviceRef) -> Result<Vec<String>> {
        unsupported!(NODEDEV, "virNodeDeviceListCaps")
    }
    fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDeviceRef> {
        unsupported!(NODEDEV, "virNodeDeviceCreateXML")
    }
    fn node_device_destroy(&self, dev: &NodeDeviceRef) -> Result<()> {
        unsupported!(NODEDEV, "virNodeDeviceDestroy")
    }
    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<NodeDeviceRef> {
        unsupported!(NODEDEV, "virNodeDeviceLookupSCSIHostByWWN")
    }
    fn node_device_is_active(&self, dev: &NodeDeviceRef) -> Result<bool> {
        unsupported!(NODEDEV, "virNodeDeviceIsActive")
    }
    fn node_device_is_persistent(&self, dev: &NodeDeviceRef) -> Result<bool> {
        unsupported!(NODEDEV, "virNodeDeviceIsPersistent")
    }
    fn node_device_get_autostart(&self, dev: &NodeDeviceRef) -> Result<bool> {
        unsupported!(NODEDEV, "virNodeDeviceGetAutostart")
    }
}

/// Secrets: libvirt's `virSecretDriver`.
#[allow(unused_variables)]
pub trait SecretDriver: Send + Sync {
    fn connect_list_all_secrets(&self, flags: u32) -> Result<Vec<SecretRef>> {
        unsupported!(SECRET, "virConnectListAllSecrets")
    }
    fn secret_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<SecretRef> {
        unsupported!(SECRET, "virSecretLookupByUUID")
    }
    fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<SecretRef> {
        unsupported!(SECRET, "virSecretDefineXML")
    }
}

/// Network filters: libvirt's `virNWFilterDriver`.
#[allow(unused_variables)]
pub trait NWFilterDriver: Send + Sync {
    fn connect_list_all_nwfilters(&self, flags: u32) -> Result<Vec<NWFilterRef>> {
        unsupported!(NWFILTER, "virConnectListAllNWFilters")
    }
    fn nwfilter_lookup_by_name(&self, name: &str) -> Result<NWFilterRef> {
        unsupported!(NWFILTER, "virNWFilterLookupByName")
    }
    fn nwfilter_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NWFilterRef> {
        unsupported!(NWFILTER, "virNWFilterLookupByUUID")
    }
    fn nwfilter_define_xml(&self, xml: &str, flags: u32) -> Result<NWFilterRef> {
        unsupported!(NWFILTER, "virNWFilterDefineXML")
    }
}

/// Conversion of domain XML to the hypervisor's own configuration
/// (`virConnectDomainXMLToNative`). libvirt keeps this entry point in `virHypervisorDriver`;
/// here it is a family of its own, served by drivers that can answer it without touching
/// their domains (the QEMU driver from its pure command builder) and by the remote client.
/// A connection without one answers libvirt's "not supported" for the function.
#[allow(unused_variables)]
pub trait NativeConfigDriver: Send + Sync {
    /// The native configuration `xml` converts to in format `format` (QEMU: `qemu-argv`).
    fn connect_domain_xml_to_native(&self, format: &str, xml: &str, flags: u32) -> Result<String> {
        unsupported!("virConnectDomainXMLToNative")
    }
}
