//! Domains and the host over the wire.
//!
//! Where libvirt has both an old call and a `...Flags` one, flags of 0 use the old one, as
//! libvirt's own public functions do (`virDomainCreate`, `virDomainDefineXML`, ...), so the
//! daemon sees the same calls from rvirt as from virsh.

use super::{check_max, checks, yes, Remote, StreamDir};
use crate::convert::*;
use crate::events::Remote as RemoteKey;
use crate::target::Transport;
use rvirt_core::driver::HypervisorDriver;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::refs::*;
use rvirt_core::stream::DriverStream;
use rvirt_core::types::*;
use rvirt_core::Result;
use rvirt_rpc::protocol::remote::*;

/// `REMOTE_DOMAIN_LIST_MAX` / `REMOTE_DOMAIN_SNAPSHOT_LIST_MAX`.
const LIST_MAX: i32 = 16384;
/// `REMOTE_NODE_MAX_CELLS`.
const MAX_CELLS: i32 = 1024;
/// `VIR_DRV_FEATURE_REMOTE`.
const FEATURE_REMOTE: i32 = 2;

fn state(v: i32) -> DomainState {
    DomainState::from_i32(v).unwrap_or_default()
}

impl HypervisorDriver for Remote {
    fn connect_get_type(&self) -> Result<String> {
        Ok(self.call::<ConnectGetType>(())?.r#type)
    }
    fn connect_get_version(&self) -> Result<u64> {
        Ok(self.call::<ConnectGetVersion>(())?.hv_ver)
    }
    fn connect_get_lib_version(&self) -> Result<u64> {
        Ok(self.call::<ConnectGetLibVersion>(())?.lib_ver)
    }
    fn connect_get_hostname(&self) -> Result<String> {
        Ok(self.call::<ConnectGetHostname>(())?.hostname)
    }
    /// The URI as opened: libvirt's client reports its own URI, not the daemon's.
    fn connect_get_uri(&self) -> Result<String> {
        Ok(self.uri.clone())
    }
    fn connect_get_capabilities(&self) -> Result<String> {
        Ok(self.call::<ConnectGetCapabilities>(())?.capabilities)
    }
    fn connect_get_sysinfo(&self, flags: u32) -> Result<String> {
        Ok(self
            .call::<ConnectGetSysinfo>(ConnectGetSysinfoArgs { flags })?
            .sysinfo)
    }
    fn connect_get_max_vcpus(&self, kind: Option<&str>) -> Result<i32> {
        Ok(self
            .call::<ConnectGetMaxVcpus>(ConnectGetMaxVcpusArgs {
                r#type: kind.map(str::to_string),
            })?
            .max_vcpus)
    }
    /// Secure when the daemon says so and the transport is (everything but plain TCP).
    fn connect_is_secure(&self) -> Result<bool> {
        let server = yes(self.call::<ConnectIsSecure>(())?.secure);
        Ok(server && self.transport.is_secure())
    }
    /// Only TLS encrypts (this client has no SASL layer).
    fn connect_is_encrypted(&self) -> Result<bool> {
        Ok(self.transport == Transport::Tls)
    }
    /// Every feature is the daemon's to answer except `VIR_DRV_FEATURE_REMOTE` (2), which
    /// a remote connection has by definition; libvirt's client answers it itself too.
    fn connect_supports_feature(&self, feature: i32) -> Result<bool> {
        if feature == FEATURE_REMOTE {
            return Ok(true);
        }
        Ok(yes(self
            .call::<ConnectSupportsFeature>(ConnectSupportsFeatureArgs { feature })?
            .supported))
    }
    fn node_get_info(&self) -> Result<NodeInfo> {
        let r = self.call::<NodeGetInfo>(())?;
        Ok(NodeInfo {
            model: r.model.to_text(),
            memory: r.memory,
            cpus: r.cpus as u32,
            mhz: r.mhz as u32,
            nodes: r.nodes as u32,
            sockets: r.sockets as u32,
            cores: r.cores as u32,
            threads: r.threads as u32,
        })
    }
    fn node_get_security_model(&self) -> Result<SecurityModel> {
        let r = self.call::<NodeGetSecurityModel>(())?;
        Ok(SecurityModel {
            model: r.model.to_text(),
            doi: r.doi.to_text(),
        })
    }
    fn node_get_free_memory(&self) -> Result<u64> {
        Ok(self.call::<NodeGetFreeMemory>(())?.free_mem)
    }
    fn node_get_cells_free_memory(&self, start: i32, max: i32) -> Result<Vec<u64>> {
        check_max("NUMA cells", max, MAX_CELLS)?;
        Ok(self
            .call::<NodeGetCellsFreeMemory>(NodeGetCellsFreeMemoryArgs {
                start_cell: start,
                maxcells: max,
            })?
            .cells)
    }

    // ---- listing and lookup ----
    fn connect_list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        let r = self.call::<ConnectListAllDomains>(ConnectListAllDomainsArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.domains.into_iter().map(dom_ref).collect())
    }
    fn connect_num_of_domains(&self) -> Result<i32> {
        Ok(self.call::<ConnectNumOfDomains>(())?.num)
    }
    fn connect_list_domains(&self, max: i32) -> Result<Vec<i32>> {
        check_max("domain IDs", max, LIST_MAX)?;
        Ok(self
            .call::<ConnectListDomains>(ConnectListDomainsArgs { maxids: max })?
            .ids)
    }
    fn connect_num_of_defined_domains(&self) -> Result<i32> {
        Ok(self.call::<ConnectNumOfDefinedDomains>(())?.num)
    }
    fn connect_list_defined_domains(&self, max: i32) -> Result<Vec<String>> {
        check_max("domain names", max, LIST_MAX)?;
        Ok(self
            .call::<ConnectListDefinedDomains>(ConnectListDefinedDomainsArgs { maxnames: max })?
            .names)
    }
    fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        Ok(dom_ref(
            self.call::<DomainLookupById>(DomainLookupByIdArgs { id })?
                .dom,
        ))
    }
    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        Ok(dom_ref(
            self.call::<DomainLookupByName>(DomainLookupByNameArgs {
                name: name.to_string(),
            })?
            .dom,
        ))
    }
    fn domain_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<DomainRef> {
        Ok(dom_ref(
            self.call::<DomainLookupByUuid>(DomainLookupByUuidArgs { uuid: *uuid })?
                .dom,
        ))
    }

    // ---- definition and lifecycle ----
    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        let xml = xml.to_string();
        let d = if flags == 0 {
            self.call::<DomainDefineXml>(DomainDefineXmlArgs { xml })?
                .dom
        } else {
            self.call::<DomainDefineXmlFlags>(DomainDefineXmlFlagsArgs { xml, flags })?
                .dom
        };
        Ok(dom_ref(d))
    }
    fn domain_undefine(&self, d: &DomainRef, flags: u32) -> Result<()> {
        if flags == 0 {
            self.call::<DomainUndefine>(DomainUndefineArgs { dom: dom(d) })
        } else {
            self.call::<DomainUndefineFlags>(DomainUndefineFlagsArgs { dom: dom(d), flags })
        }
    }
    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        Ok(dom_ref(
            self.call::<DomainCreateXml>(DomainCreateXmlArgs {
                xml_desc: xml.to_string(),
                flags,
            })?
            .dom,
        ))
    }
    /// `DOMAIN_CREATE` answers nothing, so the domain is looked up again by UUID to learn
    /// its new id, as libvirt's client does; the flags variant returns the domain.
    fn domain_create(&self, d: &DomainRef, flags: u32) -> Result<DomainRef> {
        if flags == 0 {
            self.call::<DomainCreate>(DomainCreateArgs { dom: dom(d) })?;
            self.domain_lookup_by_uuid(&d.uuid)
        } else {
            Ok(dom_ref(
                self.call::<DomainCreateWithFlags>(DomainCreateWithFlagsArgs {
                    dom: dom(d),
                    flags,
                })?
                .dom,
            ))
        }
    }
    fn domain_destroy(&self, d: &DomainRef, flags: u32) -> Result<()> {
        if flags == 0 {
            self.call::<DomainDestroy>(DomainDestroyArgs { dom: dom(d) })
        } else {
            self.call::<DomainDestroyFlags>(DomainDestroyFlagsArgs { dom: dom(d), flags })
        }
    }
    fn domain_shutdown(&self, d: &DomainRef, flags: u32) -> Result<()> {
        if flags == 0 {
            self.call::<DomainShutdown>(DomainShutdownArgs { dom: dom(d) })
        } else {
            self.call::<DomainShutdownFlags>(DomainShutdownFlagsArgs { dom: dom(d), flags })
        }
    }
    fn domain_reboot(&self, d: &DomainRef, flags: u32) -> Result<()> {
        self.call::<DomainReboot>(DomainRebootArgs { dom: dom(d), flags })
    }
    fn domain_reset(&self, d: &DomainRef, flags: u32) -> Result<()> {
        self.call::<DomainReset>(DomainResetArgs { dom: dom(d), flags })
    }
    fn domain_suspend(&self, d: &DomainRef) -> Result<()> {
        self.call::<DomainSuspend>(DomainSuspendArgs { dom: dom(d) })
    }
    fn domain_resume(&self, d: &DomainRef) -> Result<()> {
        self.call::<DomainResume>(DomainResumeArgs { dom: dom(d) })
    }
    fn domain_save(&self, d: &DomainRef, to: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        if dxml.is_none() && flags == 0 {
            self.call::<DomainSave>(DomainSaveArgs {
                dom: dom(d),
                to: to.to_string(),
            })
        } else {
            self.call::<DomainSaveFlags>(DomainSaveFlagsArgs {
                dom: dom(d),
                to: to.to_string(),
                dxml: dxml.map(str::to_string),
                flags,
            })
        }
    }
    fn domain_restore(&self, from: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        if dxml.is_none() && flags == 0 {
            self.call::<DomainRestore>(DomainRestoreArgs {
                from: from.to_string(),
            })
        } else {
            self.call::<DomainRestoreFlags>(DomainRestoreFlagsArgs {
                from: from.to_string(),
                dxml: dxml.map(str::to_string),
                flags,
            })
        }
    }
    fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        Ok(self
            .call::<DomainSaveImageGetXmlDesc>(DomainSaveImageGetXmlDescArgs {
                file: file.to_string(),
                flags,
            })?
            .xml)
    }
    fn domain_managed_save(&self, d: &DomainRef, flags: u32) -> Result<()> {
        self.call::<DomainManagedSave>(DomainManagedSaveArgs { dom: dom(d), flags })
    }
    fn domain_has_managed_save_image(&self, d: &DomainRef, flags: u32) -> Result<bool> {
        Ok(yes(self
            .call::<DomainHasManagedSaveImage>(DomainHasManagedSaveImageArgs {
                dom: dom(d),
                flags,
            })?
            .result))
    }
    fn domain_managed_save_remove(&self, d: &DomainRef, flags: u32) -> Result<()> {
        self.call::<DomainManagedSaveRemove>(DomainManagedSaveRemoveArgs { dom: dom(d), flags })
    }

    // ---- information ----
    fn domain_get_xml_desc(&self, d: &DomainRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<DomainGetXmlDesc>(DomainGetXmlDescArgs { dom: dom(d), flags })?
            .xml)
    }
    fn domain_get_info(&self, d: &DomainRef) -> Result<DomainInfo> {
        let r = self.call::<DomainGetInfo>(DomainGetInfoArgs { dom: dom(d) })?;
        Ok(DomainInfo {
            state: state(r.state as i32),
            max_mem: r.max_mem,
            memory: r.memory,
            nr_virt_cpu: r.nr_virt_cpu,
            cpu_time: r.cpu_time,
        })
    }
    fn domain_get_state(&self, d: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        let r = self.call::<DomainGetState>(DomainGetStateArgs { dom: dom(d), flags })?;
        Ok((state(r.state), r.reason))
    }
    fn domain_get_os_type(&self, d: &DomainRef) -> Result<String> {
        Ok(self
            .call::<DomainGetOsType>(DomainGetOsTypeArgs { dom: dom(d) })?
            .r#type)
    }
    fn domain_get_max_memory(&self, d: &DomainRef) -> Result<u64> {
        Ok(self
            .call::<DomainGetMaxMemory>(DomainGetMaxMemoryArgs { dom: dom(d) })?
            .memory)
    }
    fn domain_get_max_vcpus(&self, d: &DomainRef) -> Result<i32> {
        Ok(self
            .call::<DomainGetMaxVcpus>(DomainGetMaxVcpusArgs { dom: dom(d) })?
            .num)
    }
    fn domain_is_active(&self, d: &DomainRef) -> Result<bool> {
        Ok(yes(self
            .call::<DomainIsActive>(DomainIsActiveArgs { dom: dom(d) })?
            .active))
    }
    fn domain_is_persistent(&self, d: &DomainRef) -> Result<bool> {
        Ok(yes(self
            .call::<DomainIsPersistent>(DomainIsPersistentArgs { dom: dom(d) })?
            .persistent))
    }
    fn domain_is_updated(&self, d: &DomainRef) -> Result<bool> {
        Ok(yes(self
            .call::<DomainIsUpdated>(DomainIsUpdatedArgs { dom: dom(d) })?
            .updated))
    }
    fn domain_get_autostart(&self, d: &DomainRef) -> Result<bool> {
        Ok(yes(self
            .call::<DomainGetAutostart>(DomainGetAutostartArgs { dom: dom(d) })?
            .autostart))
    }
    fn domain_set_autostart(&self, d: &DomainRef, autostart: bool) -> Result<()> {
        self.call::<DomainSetAutostart>(DomainSetAutostartArgs {
            dom: dom(d),
            autostart: autostart as i32,
        })
    }
    fn domain_get_security_label(&self, d: &DomainRef) -> Result<SecurityLabel> {
        let r = self.call::<DomainGetSecurityLabel>(DomainGetSecurityLabelArgs { dom: dom(d) })?;
        Ok(SecurityLabel {
            label: r.label.to_text(),
            enforcing: yes(r.enforcing),
        })
    }
    fn domain_get_messages(&self, d: &DomainRef, flags: u32) -> Result<Vec<String>> {
        Ok(self
            .call::<DomainGetMessages>(DomainGetMessagesArgs { dom: dom(d), flags })?
            .msgs)
    }

    // ---- tuning ----
    fn domain_set_memory(&self, d: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        self.call::<DomainSetMemoryFlags>(DomainSetMemoryFlagsArgs {
            dom: dom(d),
            memory: kib,
            flags,
        })
    }
    fn domain_set_vcpus(&self, d: &DomainRef, count: u32, flags: u32) -> Result<()> {
        self.call::<DomainSetVcpusFlags>(DomainSetVcpusFlagsArgs {
            dom: dom(d),
            nvcpus: count,
            flags,
        })
    }
    fn domain_get_vcpus_flags(&self, d: &DomainRef, flags: u32) -> Result<i32> {
        Ok(self
            .call::<DomainGetVcpusFlags>(DomainGetVcpusFlagsArgs { dom: dom(d), flags })?
            .num)
    }
    fn domain_get_metadata(
        &self,
        d: &DomainRef,
        kind: i32,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Ok(self
            .call::<DomainGetMetadata>(DomainGetMetadataArgs {
                dom: dom(d),
                r#type: kind,
                uri: uri.map(str::to_string),
                flags,
            })?
            .metadata)
    }
    fn domain_set_metadata(
        &self,
        d: &DomainRef,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        self.call::<DomainSetMetadata>(DomainSetMetadataArgs {
            dom: dom(d),
            r#type: kind,
            metadata: metadata.map(str::to_string),
            key: key.map(str::to_string),
            uri: uri.map(str::to_string),
            flags,
        })
    }

    // ---- snapshots ----
    fn domain_snapshot_create_xml(
        &self,
        d: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        Ok(snap_ref(
            self.call::<DomainSnapshotCreateXml>(DomainSnapshotCreateXmlArgs {
                dom: dom(d),
                xml_desc: xml.to_string(),
                flags,
            })?
            .snap,
        ))
    }
    fn domain_snapshot_num(&self, d: &DomainRef, flags: u32) -> Result<i32> {
        Ok(self
            .call::<DomainSnapshotNum>(DomainSnapshotNumArgs { dom: dom(d), flags })?
            .num)
    }
    fn domain_list_all_snapshots(
        &self,
        d: &DomainRef,
        flags: u32,
    ) -> Result<Vec<DomainSnapshotRef>> {
        let r = self.call::<DomainListAllSnapshots>(DomainListAllSnapshotsArgs {
            dom: dom(d),
            need_results: 1,
            flags,
        })?;
        Ok(r.snapshots.into_iter().map(snap_ref).collect())
    }
    fn domain_snapshot_lookup_by_name(
        &self,
        d: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainSnapshotRef> {
        Ok(snap_ref(
            self.call::<DomainSnapshotLookupByName>(DomainSnapshotLookupByNameArgs {
                dom: dom(d),
                name: name.to_string(),
                flags,
            })?
            .snap,
        ))
    }
    fn domain_has_current_snapshot(&self, d: &DomainRef, flags: u32) -> Result<bool> {
        Ok(yes(self
            .call::<DomainHasCurrentSnapshot>(DomainHasCurrentSnapshotArgs { dom: dom(d), flags })?
            .result))
    }
    fn domain_snapshot_current(&self, d: &DomainRef, flags: u32) -> Result<DomainSnapshotRef> {
        Ok(snap_ref(
            self.call::<DomainSnapshotCurrent>(DomainSnapshotCurrentArgs { dom: dom(d), flags })?
                .snap,
        ))
    }
    fn domain_snapshot_get_xml_desc(&self, s: &DomainSnapshotRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<DomainSnapshotGetXmlDesc>(DomainSnapshotGetXmlDescArgs {
                snap: snap(s),
                flags,
            })?
            .xml)
    }
    fn domain_revert_to_snapshot(&self, s: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.call::<DomainRevertToSnapshot>(DomainRevertToSnapshotArgs {
            snap: snap(s),
            flags,
        })
    }
    fn domain_snapshot_delete(&self, s: &DomainSnapshotRef, flags: u32) -> Result<()> {
        self.call::<DomainSnapshotDelete>(DomainSnapshotDeleteArgs {
            snap: snap(s),
            flags,
        })
    }

    // ---- statistics, placement, scheduler ----
    /// Asks for the map and the online count, as `virsh` and `virNodeGetCPUMap` callers
    /// with both pointers do.
    fn node_get_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        let r = self.call::<NodeGetCpuMap>(NodeGetCpuMapArgs {
            need_map: 1,
            need_online: 1,
            flags,
        })?;
        Ok(NodeCpuMap {
            cpus: r.ret,
            map: r.cpumap.0,
            online: r.online,
        })
    }
    /// Two calls, as a caller of `virNodeGetCPUStats` makes them: the count (room for
    /// none), then the values in room for that many.
    fn node_get_cpu_stats(&self, cpu_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        const F: &str = "remoteNodeGetCPUStats";
        let ask = |nparams: i32| {
            self.call::<NodeGetCpuStats>(NodeGetCpuStatsArgs {
                cpu_num,
                nparams,
                flags,
            })
        };
        let first = ask(0)?;
        checks::node_stats(first.params, 0, F)?;
        if first.nparams == 0 {
            return Ok(Vec::new());
        }
        checks::node_stats(ask(first.nparams)?.params, first.nparams, F)
    }
    /// The count, then the values, as for the CPU statistics.
    fn node_get_memory_stats(&self, cell_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        const F: &str = "remoteNodeGetMemoryStats";
        let ask = |nparams: i32| {
            self.call::<NodeGetMemoryStats>(NodeGetMemoryStatsArgs {
                nparams,
                cell_num,
                flags,
            })
        };
        let first = ask(0)?;
        checks::node_stats(first.params, 0, F)?;
        if first.nparams == 0 {
            return Ok(Vec::new());
        }
        checks::node_stats(ask(first.nparams)?.params, first.nparams, F)
    }
    fn connect_get_domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Ok(self
            .call::<ConnectGetDomainCapabilities>(ConnectGetDomainCapabilitiesArgs {
                emulatorbin: emulatorbin.map(str::to_string),
                arch: arch.map(str::to_string),
                machine: machine.map(str::to_string),
                virttype: virttype.map(str::to_string),
                flags,
            })?
            .capabilities)
    }
    /// The maps come back `maplen` bytes for each record returned.
    fn domain_get_vcpus(&self, d: &DomainRef, maxinfo: i32, maplen: i32) -> Result<DomainVcpus> {
        checks::vcpu_room(maxinfo, maplen)?;
        let r = self.call::<DomainGetVcpus>(DomainGetVcpusArgs {
            dom: dom(d),
            maxinfo,
            maplen,
        })?;
        checks::vcpu_reply(r.info.len() as i64, r.cpumaps.0.len(), maxinfo, maplen)?;
        let count = r.info.len();
        Ok(DomainVcpus {
            info: r.info.into_iter().map(checks::vcpu_info).collect(),
            cpumaps: checks::vcpu_maps(r.cpumaps.0, count, maplen),
        })
    }
    /// The maps come back `maplen` bytes for each vCPU counted.
    fn domain_get_vcpu_pin_info(
        &self,
        d: &DomainRef,
        ncpumaps: i32,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        checks::vcpu_room(ncpumaps, maplen)?;
        let r = self.call::<DomainGetVcpuPinInfo>(DomainGetVcpuPinInfoArgs {
            dom: dom(d),
            ncpumaps,
            maplen,
            flags,
        })?;
        checks::vcpu_reply(i64::from(r.num), r.cpumaps.0.len(), ncpumaps, maplen)?;
        let count = r.num.max(0) as usize;
        Ok((r.num, checks::vcpu_maps(r.cpumaps.0, count, maplen)))
    }
    fn domain_pin_vcpu(&self, d: &DomainRef, vcpu: u32, cpumap: &[u8], flags: u32) -> Result<()> {
        self.call::<DomainPinVcpuFlags>(DomainPinVcpuFlagsArgs {
            dom: dom(d),
            vcpu,
            cpumap: rvirt_rpc::xdr::Opaque(cpumap.to_vec()),
            flags,
        })
    }
    fn domain_pin_emulator(&self, d: &DomainRef, cpumap: &[u8], flags: u32) -> Result<()> {
        self.call::<DomainPinEmulator>(DomainPinEmulatorArgs {
            dom: dom(d),
            cpumap: rvirt_rpc::xdr::Opaque(cpumap.to_vec()),
            flags,
        })
    }
    fn domain_get_emulator_pin_info(
        &self,
        d: &DomainRef,
        maplen: i32,
        flags: u32,
    ) -> Result<(i32, Vec<u8>)> {
        checks::vcpu_room(1, maplen)?;
        let r = self.call::<DomainGetEmulatorPinInfo>(DomainGetEmulatorPinInfoArgs {
            dom: dom(d),
            maplen,
            flags,
        })?;
        checks::vcpu_reply(i64::from(r.ret), r.cpumaps.0.len(), 1, maplen)?;
        Ok((r.ret, checks::vcpu_maps(r.cpumaps.0, 1, maplen)))
    }
    fn domain_memory_stats(
        &self,
        d: &DomainRef,
        nr_stats: u32,
        flags: u32,
    ) -> Result<Vec<MemoryStat>> {
        checks::memory_stats_room(nr_stats)?;
        let r = self.call::<DomainMemoryStats>(DomainMemoryStatsArgs {
            dom: dom(d),
            max_stats: nr_stats,
            flags,
        })?;
        Ok(r.stats.into_iter().map(checks::memory_stat).collect())
    }
    fn domain_set_memory_stats_period(&self, d: &DomainRef, period: i32, flags: u32) -> Result<()> {
        self.call::<DomainSetMemoryStatsPeriod>(DomainSetMemoryStatsPeriodArgs {
            dom: dom(d),
            period,
            flags,
        })
    }
    fn domain_get_scheduler_type(&self, d: &DomainRef) -> Result<(String, i32)> {
        let r = self.call::<DomainGetSchedulerType>(DomainGetSchedulerTypeArgs { dom: dom(d) })?;
        Ok((r.r#type, r.nparams))
    }
    fn domain_get_scheduler_parameters(
        &self,
        d: &DomainRef,
        nparams: i32,
    ) -> Result<Vec<TypedParam>> {
        let r = self.call::<DomainGetSchedulerParameters>(DomainGetSchedulerParametersArgs {
            dom: dom(d),
            nparams,
        })?;
        checks::params_in(r.params, checks::SCHEDULER_PARAMETERS_MAX, nparams)
    }
    fn domain_get_scheduler_parameters_flags(
        &self,
        d: &DomainRef,
        nparams: i32,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        let r = self.call::<DomainGetSchedulerParametersFlags>(
            DomainGetSchedulerParametersFlagsArgs {
                dom: dom(d),
                nparams,
                flags,
            },
        )?;
        checks::params_in(r.params, checks::SCHEDULER_PARAMETERS_MAX, nparams)
    }
    fn domain_set_scheduler_parameters(&self, d: &DomainRef, params: &[TypedParam]) -> Result<()> {
        let params = checks::params_out(params, checks::SCHEDULER_PARAMETERS_MAX)?;
        self.call::<DomainSetSchedulerParameters>(DomainSetSchedulerParametersArgs {
            dom: dom(d),
            params,
        })
    }
    fn domain_set_scheduler_parameters_flags(
        &self,
        d: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        let params = checks::params_out(params, checks::SCHEDULER_PARAMETERS_MAX)?;
        self.call::<DomainSetSchedulerParametersFlags>(DomainSetSchedulerParametersFlagsArgs {
            dom: dom(d),
            params,
            flags,
        })
    }
    fn domain_get_hostname(&self, d: &DomainRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<DomainGetHostname>(DomainGetHostnameArgs { dom: dom(d), flags })?
            .hostname)
    }

    // ---- streams ----
    fn domain_screenshot(
        &self,
        d: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<(String, DriverStream)> {
        let (ret, st) = self.open_stream::<DomainScreenshot>(
            DomainScreenshotArgs {
                dom: dom(d),
                screen,
                flags,
            },
            StreamDir::Read,
            false,
        )?;
        Ok((ret.mime.unwrap_or_default(), st))
    }
    fn domain_open_console(
        &self,
        d: &DomainRef,
        dev_name: Option<&str>,
        flags: u32,
    ) -> Result<DriverStream> {
        let args = DomainOpenConsoleArgs {
            dom: dom(d),
            dev_name: dev_name.map(str::to_string),
            flags,
        };
        Ok(self
            .open_stream::<DomainOpenConsole>(args, StreamDir::Both, false)?
            .1)
    }
    fn domain_open_channel(
        &self,
        d: &DomainRef,
        name: Option<&str>,
        flags: u32,
    ) -> Result<DriverStream> {
        let args = DomainOpenChannelArgs {
            dom: dom(d),
            name: name.map(str::to_string),
            flags,
        };
        Ok(self
            .open_stream::<DomainOpenChannel>(args, StreamDir::Both, false)?
            .1)
    }

    // ---- disk, interface and CPU statistics (driver/domstats.rs) ----
    fn domain_block_stats(
        &self,
        d: &DomainRef,
        path: &str,
    ) -> Result<rvirt_core::domstats::BlockStats> {
        self.block_stats(d, path)
    }
    fn domain_block_stats_flags(
        &self,
        d: &DomainRef,
        path: &str,
        nparams: i32,
        flags: u32,
    ) -> Result<(Vec<TypedParam>, i32)> {
        self.block_stats_flags(d, path, nparams, flags)
    }
    fn domain_interface_stats(
        &self,
        d: &DomainRef,
        device: &str,
    ) -> Result<rvirt_core::domstats::InterfaceStats> {
        self.interface_stats(d, device)
    }
    fn domain_get_block_info(
        &self,
        d: &DomainRef,
        path: &str,
        flags: u32,
    ) -> Result<rvirt_core::domstats::BlockInfo> {
        self.block_info(d, path, flags)
    }
    fn domain_get_cpu_stats(
        &self,
        d: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<rvirt_core::domstats::CpuStats> {
        self.cpu_stats(d, nparams, start_cpu, ncpus, flags)
    }
    fn connect_get_all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<rvirt_core::domstats::DomainStatsRecord>> {
        self.all_domain_stats(doms, stats, flags)
    }

    // ---- devices ----
    fn domain_attach_device(&self, d: &DomainRef, xml: &str) -> Result<()> {
        self.call::<DomainAttachDevice>(DomainAttachDeviceArgs {
            dom: dom(d),
            xml: xml.to_string(),
        })
    }
    fn domain_attach_device_flags(&self, d: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        self.call::<DomainAttachDeviceFlags>(DomainAttachDeviceFlagsArgs {
            dom: dom(d),
            xml: xml.to_string(),
            flags,
        })
    }
    fn domain_detach_device(&self, d: &DomainRef, xml: &str) -> Result<()> {
        self.call::<DomainDetachDevice>(DomainDetachDeviceArgs {
            dom: dom(d),
            xml: xml.to_string(),
        })
    }
    fn domain_detach_device_flags(&self, d: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        self.call::<DomainDetachDeviceFlags>(DomainDetachDeviceFlagsArgs {
            dom: dom(d),
            xml: xml.to_string(),
            flags,
        })
    }
    fn domain_detach_device_alias(&self, d: &DomainRef, alias: &str, flags: u32) -> Result<()> {
        self.call::<DomainDetachDeviceAlias>(DomainDetachDeviceAliasArgs {
            dom: dom(d),
            alias: alias.to_string(),
            flags,
        })
    }
    fn domain_update_device_flags(&self, d: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        self.call::<DomainUpdateDeviceFlags>(DomainUpdateDeviceFlagsArgs {
            dom: dom(d),
            xml: xml.to_string(),
            flags,
        })
    }

    // ---- QEMU program (driver/qemu.rs) ----
    fn domain_qemu_monitor_command(&self, d: &DomainRef, cmd: &str, flags: u32) -> Result<String> {
        self.qemu_monitor_command(d, cmd, flags)
    }
    fn domain_qemu_monitor_command_with_files(
        &self,
        d: &DomainRef,
        cmd: &str,
        files: Vec<std::os::fd::OwnedFd>,
        flags: u32,
    ) -> Result<(String, Vec<std::os::fd::OwnedFd>)> {
        self.qemu_monitor_command_with_files(d, cmd, files, flags)
    }
    fn domain_qemu_agent_command(
        &self,
        d: &DomainRef,
        cmd: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<Option<String>> {
        self.qemu_agent_command(d, cmd, timeout, flags)
    }
    fn connect_qemu_attach(&self, pid: u32, flags: u32) -> Result<DomainRef> {
        self.qemu_attach(pid, flags)
    }

    // ---- events ----
    fn domain_event_register_any(
        &self,
        d: Option<&DomainRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        let only = d.map(|d| d.uuid);
        self.register(EventFamily::Domain, event_id, only, callback, |table| {
            if self.callback_events {
                let r = self.call::<ConnectDomainEventCallbackRegisterAny>(
                    ConnectDomainEventCallbackRegisterAnyArgs {
                        event_id,
                        dom: d.map(dom),
                    },
                )?;
                Ok(RemoteKey::Callback(r.callback_id))
            } else {
                if !table.has_legacy(event_id) {
                    self.call::<ConnectDomainEventRegisterAny>(
                        ConnectDomainEventRegisterAnyArgs { event_id },
                    )?;
                }
                Ok(RemoteKey::Legacy)
            }
        })
    }
    fn domain_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.deregister(EventFamily::Domain, callback_id, |table, reg| {
            match reg.remote {
                RemoteKey::Callback(id) => self.call::<ConnectDomainEventCallbackDeregisterAny>(
                    ConnectDomainEventCallbackDeregisterAnyArgs { callback_id: id },
                ),
                RemoteKey::Legacy if !table.has_legacy(reg.event_id) => {
                    self.call::<ConnectDomainEventDeregisterAny>(
                        ConnectDomainEventDeregisterAnyArgs {
                            event_id: reg.event_id,
                        },
                    )
                }
                RemoteKey::Legacy => Ok(()),
            }
        })
    }
}
