//! The REMOTE program: argument, return and event message types of every procedure
//! rvirt serves, in wire order, and the procedure table. Written from the protocol's facts
//! (field order and types); names follow libvirt's with Rust casing.

#![allow(missing_docs)]

use super::types::*;
use crate::xdr::{CharArray, Opaque};
use crate::xdr_struct;
use uuid::Uuid;

xdr_struct! {
    pub struct ConnectOpenArgs {
        pub name: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectGetTypeRet {
        pub r#type: String,
    }
}

xdr_struct! {
    pub struct ConnectGetVersionRet {
        pub hv_ver: u64,
    }
}

xdr_struct! {
    pub struct ConnectGetMaxVcpusArgs {
        pub r#type: Option<String>,
    }
}

xdr_struct! {
    pub struct ConnectGetMaxVcpusRet {
        pub max_vcpus: i32,
    }
}

xdr_struct! {
    pub struct ConnectGetCapabilitiesRet {
        pub capabilities: String,
    }
}

xdr_struct! {
    pub struct ConnectDomainXmlToNativeArgs {
        pub native_format: String,
        pub domain_xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectDomainXmlToNativeRet {
        pub native_config: String,
    }
}

xdr_struct! {
    pub struct ConnectGetHostnameRet {
        pub hostname: String,
    }
}

xdr_struct! {
    pub struct ConnectSupportsFeatureArgs {
        pub feature: i32,
    }
}

xdr_struct! {
    pub struct ConnectSupportsFeatureRet {
        pub supported: i32,
    }
}

xdr_struct! {
    pub struct NodeGetCellsFreeMemoryArgs {
        pub start_cell: i32,
        pub maxcells: i32,
    }
}

xdr_struct! {
    pub struct NodeGetCellsFreeMemoryRet {
        pub cells: Vec<u64>,
    }
}

xdr_struct! {
    pub struct NodeGetFreeMemoryRet {
        pub free_mem: u64,
    }
}

xdr_struct! {
    pub struct ConnectGetUriRet {
        pub uri: String,
    }
}

xdr_struct! {
    pub struct NodeGetSecurityModelRet {
        pub model: CharArray,
        pub doi: CharArray,
    }
}

xdr_struct! {
    pub struct ConnectIsSecureRet {
        pub secure: i32,
    }
}

xdr_struct! {
    pub struct ConnectGetLibVersionRet {
        pub lib_ver: u64,
    }
}

xdr_struct! {
    pub struct ConnectGetSysinfoArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectGetSysinfoRet {
        pub sysinfo: String,
    }
}

xdr_struct! {
    pub struct NodeGetCpuStatsArgs {
        pub cpu_num: i32,
        pub nparams: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeGetCpuStatsRet {
        pub params: Vec<NodeStat>,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct NodeGetMemoryStatsArgs {
        pub nparams: i32,
        pub cell_num: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeGetMemoryStatsRet {
        pub params: Vec<NodeStat>,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct ConnectGetDomainCapabilitiesArgs {
        pub emulatorbin: Option<String>,
        pub arch: Option<String>,
        pub machine: Option<String>,
        pub virttype: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectGetDomainCapabilitiesRet {
        pub capabilities: String,
    }
}

xdr_struct! {
    pub struct AuthListRet {
        pub types: Vec<i32>,
    }
}

xdr_struct! {
    pub struct AuthSaslInitRet {
        pub mechlist: String,
    }
}

xdr_struct! {
    pub struct AuthSaslStartArgs {
        pub mech: String,
        pub nil: i32,
        pub data: CharArray,
    }
}

xdr_struct! {
    pub struct AuthSaslStartRet {
        pub complete: i32,
        pub nil: i32,
        pub data: CharArray,
    }
}

xdr_struct! {
    pub struct AuthSaslStepArgs {
        pub nil: i32,
        pub data: CharArray,
    }
}

xdr_struct! {
    pub struct AuthSaslStepRet {
        pub complete: i32,
        pub nil: i32,
        pub data: CharArray,
    }
}

xdr_struct! {
    pub struct AuthPolkitRet {
        pub complete: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedDomainsArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedDomainsRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct DomainLookupByIdArgs {
        pub id: i32,
    }
}

xdr_struct! {
    pub struct DomainLookupByIdRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct DomainLookupByNameRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

xdr_struct! {
    pub struct DomainLookupByUuidRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct ConnectNumOfDefinedDomainsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDomainsArgs {
        pub maxids: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDomainsRet {
        pub ids: Vec<i32>,
    }
}

xdr_struct! {
    pub struct ConnectNumOfDomainsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListAllDomainsArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllDomainsRet {
        pub domains: Vec<Dom>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct DomainCreateArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainCreateXmlArgs {
        pub xml_desc: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainCreateXmlRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainDefineXmlArgs {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainDefineXmlRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainDestroyArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetXmlDescArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainRebootArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainResumeArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainShutdownArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainSuspendArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainUndefineArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainCoreDumpArgs {
        pub dom: Dom,
        pub to: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainRestoreArgs {
        pub from: String,
    }
}

xdr_struct! {
    pub struct DomainSaveArgs {
        pub dom: Dom,
        pub to: String,
    }
}

xdr_struct! {
    pub struct DomainManagedSaveArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainHasManagedSaveImageArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainHasManagedSaveImageRet {
        pub result: i32,
    }
}

xdr_struct! {
    pub struct DomainManagedSaveRemoveArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainCreateWithFlagsArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainCreateWithFlagsRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainIsUpdatedArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainIsUpdatedRet {
        pub updated: i32,
    }
}

xdr_struct! {
    pub struct DomainUndefineFlagsArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSaveFlagsArgs {
        pub dom: Dom,
        pub to: String,
        pub dxml: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainRestoreFlagsArgs {
        pub from: String,
        pub dxml: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainDestroyFlagsArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSaveImageGetXmlDescArgs {
        pub file: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSaveImageGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainSaveImageDefineXmlArgs {
        pub file: String,
        pub dxml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainResetArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainShutdownFlagsArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSetMetadataArgs {
        pub dom: Dom,
        pub r#type: i32,
        pub metadata: Option<String>,
        pub key: Option<String>,
        pub uri: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetMetadataArgs {
        pub dom: Dom,
        pub r#type: i32,
        pub uri: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetMetadataRet {
        pub metadata: String,
    }
}

xdr_struct! {
    pub struct DomainDefineXmlFlagsArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainDefineXmlFlagsRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainAttachDeviceArgs {
        pub dom: Dom,
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainDetachDeviceArgs {
        pub dom: Dom,
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainGetAutostartArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetAutostartRet {
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct DomainGetInfoArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetInfoRet {
        pub state: u32,
        pub max_mem: u64,
        pub memory: u64,
        pub nr_virt_cpu: u32,
        pub cpu_time: u64,
    }
}

xdr_struct! {
    pub struct DomainGetJobInfoArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetMaxMemoryArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetMaxMemoryRet {
        pub memory: u64,
    }
}

xdr_struct! {
    pub struct DomainGetMaxVcpusArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetMaxVcpusRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct DomainGetOsTypeArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetOsTypeRet {
        pub r#type: String,
    }
}

xdr_struct! {
    pub struct DomainGetVcpusArgs {
        pub dom: Dom,
        pub maxinfo: i32,
        pub maplen: i32,
    }
}

xdr_struct! {
    pub struct DomainGetVcpusRet {
        pub info: Vec<VcpuInfo>,
        pub cpumaps: Opaque,
    }
}

xdr_struct! {
    pub struct DomainSetAutostartArgs {
        pub dom: Dom,
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct DomainSetMaxMemoryArgs {
        pub dom: Dom,
        pub memory: u64,
    }
}

xdr_struct! {
    pub struct DomainSetMemoryArgs {
        pub dom: Dom,
        pub memory: u64,
    }
}

xdr_struct! {
    pub struct DomainSetVcpusArgs {
        pub dom: Dom,
        pub nvcpus: u32,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerTypeArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerTypeRet {
        pub r#type: String,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerParametersArgs {
        pub dom: Dom,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerParametersRet {
        pub params: Vec<TypedParam>,
    }
}

xdr_struct! {
    pub struct DomainSetSchedulerParametersArgs {
        pub dom: Dom,
        pub params: Vec<TypedParam>,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerParametersFlagsArgs {
        pub dom: Dom,
        pub nparams: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetSchedulerParametersFlagsRet {
        pub params: Vec<TypedParam>,
    }
}

xdr_struct! {
    pub struct DomainSetSchedulerParametersFlagsArgs {
        pub dom: Dom,
        pub params: Vec<TypedParam>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetVcpuPinInfoArgs {
        pub dom: Dom,
        pub ncpumaps: i32,
        pub maplen: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetVcpuPinInfoRet {
        pub cpumaps: Opaque,
        pub num: i32,
    }
}

xdr_struct! {
    pub struct DomainPinVcpuArgs {
        pub dom: Dom,
        pub vcpu: u32,
        pub cpumap: Opaque,
    }
}

xdr_struct! {
    pub struct DomainPinVcpuFlagsArgs {
        pub dom: Dom,
        pub vcpu: u32,
        pub cpumap: Opaque,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainPinEmulatorArgs {
        pub dom: Dom,
        pub cpumap: Opaque,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetEmulatorPinInfoArgs {
        pub dom: Dom,
        pub maplen: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetEmulatorPinInfoRet {
        pub cpumaps: Opaque,
        pub ret: i32,
    }
}

xdr_struct! {
    pub struct NodeGetCpuMapArgs {
        pub need_map: i32,
        pub need_online: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeGetCpuMapRet {
        pub cpumap: Opaque,
        pub online: u32,
        pub ret: i32,
    }
}

xdr_struct! {
    pub struct DomainSetMemoryStatsPeriodArgs {
        pub dom: Dom,
        pub period: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainBlockStatsArgs {
        pub dom: Dom,
        pub path: String,
    }
}

xdr_struct! {
    pub struct DomainBlockStatsRet {
        pub rd_req: i64,
        pub rd_bytes: i64,
        pub wr_req: i64,
        pub wr_bytes: i64,
        pub errs: i64,
    }
}

xdr_struct! {
    pub struct DomainBlockStatsFlagsArgs {
        pub dom: Dom,
        pub path: String,
        pub nparams: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainBlockStatsFlagsRet {
        pub params: Vec<TypedParam>,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct DomainGetBlockInfoArgs {
        pub dom: Dom,
        pub path: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetBlockInfoRet {
        pub allocation: u64,
        pub capacity: u64,
        pub physical: u64,
    }
}

xdr_struct! {
    pub struct DomainInterfaceStatsArgs {
        pub dom: Dom,
        pub device: String,
    }
}

xdr_struct! {
    pub struct DomainInterfaceStatsRet {
        pub rx_bytes: i64,
        pub rx_packets: i64,
        pub rx_errs: i64,
        pub rx_drop: i64,
        pub tx_bytes: i64,
        pub tx_packets: i64,
        pub tx_errs: i64,
        pub tx_drop: i64,
    }
}

xdr_struct! {
    pub struct DomainGetSecurityLabelArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainGetSecurityLabelRet {
        pub label: CharArray,
        pub enforcing: i32,
    }
}

xdr_struct! {
    pub struct DomainIsActiveArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainIsActiveRet {
        pub active: i32,
    }
}

xdr_struct! {
    pub struct DomainIsPersistentArgs {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct DomainIsPersistentRet {
        pub persistent: i32,
    }
}

xdr_struct! {
    pub struct DomainMemoryStatsArgs {
        pub dom: Dom,
        pub max_stats: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainMemoryStatsRet {
        pub stats: Vec<MemoryStat>,
    }
}

xdr_struct! {
    pub struct DomainAttachDeviceFlagsArgs {
        pub dom: Dom,
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainDetachDeviceFlagsArgs {
        pub dom: Dom,
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainUpdateDeviceFlagsArgs {
        pub dom: Dom,
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainDetachDeviceAliasArgs {
        pub dom: Dom,
        pub alias: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSetVcpusFlagsArgs {
        pub dom: Dom,
        pub nvcpus: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetVcpusFlagsArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetVcpusFlagsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct DomainSetMemoryFlagsArgs {
        pub dom: Dom,
        pub memory: u64,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetStateArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetStateRet {
        pub state: i32,
        pub reason: i32,
    }
}

xdr_struct! {
    pub struct DomainGetCpuStatsArgs {
        pub dom: Dom,
        pub nparams: u32,
        pub start_cpu: i32,
        pub ncpus: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetCpuStatsRet {
        pub params: Vec<TypedParam>,
        pub nparams: i32,
    }
}

xdr_struct! {
    pub struct DomainGetHostnameArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetHostnameRet {
        pub hostname: String,
    }
}

xdr_struct! {
    pub struct ConnectGetAllDomainStatsArgs {
        pub doms: Vec<Dom>,
        pub stats: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectGetAllDomainStatsRet {
        pub ret_stats: Vec<DomainStatsRecord>,
    }
}

xdr_struct! {
    pub struct DomainInterfaceAddressesArgs {
        pub dom: Dom,
        pub source: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainInterfaceAddressesRet {
        pub ifaces: Vec<DomainInterface>,
    }
}

xdr_struct! {
    pub struct DomainGetMessagesArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainGetMessagesRet {
        pub msgs: Vec<String>,
    }
}

xdr_struct! {
    pub struct DomainOpenConsoleArgs {
        pub dom: Dom,
        pub dev_name: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainOpenChannelArgs {
        pub dom: Dom,
        pub name: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainScreenshotArgs {
        pub dom: Dom,
        pub screen: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainScreenshotRet {
        pub mime: Option<String>,
    }
}

xdr_struct! {
    pub struct StorageVolUploadArgs {
        pub vol: Vol,
        pub offset: u64,
        pub length: u64,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolDownloadArgs {
        pub vol: Vol,
        pub offset: u64,
        pub length: u64,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotCreateXmlArgs {
        pub dom: Dom,
        pub xml_desc: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotCreateXmlRet {
        pub snap: Snap,
    }
}

xdr_struct! {
    pub struct DomainSnapshotGetXmlDescArgs {
        pub snap: Snap,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct DomainSnapshotNumArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotNumRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotListNamesArgs {
        pub dom: Dom,
        pub maxnames: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotListNamesRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct DomainSnapshotLookupByNameArgs {
        pub dom: Dom,
        pub name: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotLookupByNameRet {
        pub snap: Snap,
    }
}

xdr_struct! {
    pub struct DomainHasCurrentSnapshotArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainHasCurrentSnapshotRet {
        pub result: i32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotCurrentArgs {
        pub dom: Dom,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotCurrentRet {
        pub snap: Snap,
    }
}

xdr_struct! {
    pub struct DomainRevertToSnapshotArgs {
        pub snap: Snap,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainSnapshotDeleteArgs {
        pub snap: Snap,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainListAllSnapshotsArgs {
        pub dom: Dom,
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct DomainListAllSnapshotsRet {
        pub snapshots: Vec<Snap>,
        pub ret: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedNetworksArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedNetworksRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct ConnectListNetworksArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListNetworksRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct NetworkCreateArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkCreateXmlArgs {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct NetworkCreateXmlRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkDefineXmlArgs {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct NetworkDefineXmlRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkDestroyArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkGetXmlDescArgs {
        pub net: Net,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NetworkGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct NetworkGetAutostartArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkGetAutostartRet {
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct NetworkGetBridgeNameArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkGetBridgeNameRet {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NetworkLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NetworkLookupByNameRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

xdr_struct! {
    pub struct NetworkLookupByUuidRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkSetAutostartArgs {
        pub net: Net,
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct NetworkUndefineArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct ConnectNumOfDefinedNetworksRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectNumOfNetworksRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct NetworkIsActiveArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkIsActiveRet {
        pub active: i32,
    }
}

xdr_struct! {
    pub struct NetworkIsPersistentArgs {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkIsPersistentRet {
        pub persistent: i32,
    }
}

xdr_struct! {
    pub struct ConnectListAllNetworksArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllNetworksRet {
        pub nets: Vec<Net>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct NetworkDefineXmlFlagsArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NetworkDefineXmlFlagsRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct NetworkCreateXmlFlagsArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NetworkCreateXmlFlagsRet {
        pub net: Net,
    }
}

xdr_struct! {
    pub struct ConnectNumOfStoragePoolsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListStoragePoolsArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListStoragePoolsRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct ConnectNumOfDefinedStoragePoolsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedStoragePoolsArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedStoragePoolsRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct ConnectFindStoragePoolSourcesArgs {
        pub r#type: String,
        pub src_spec: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectFindStoragePoolSourcesRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct StoragePoolCreateXmlArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolCreateXmlRet {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolDefineXmlArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolDefineXmlRet {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolCreateArgs {
        pub pool: Pool,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolBuildArgs {
        pub pool: Pool,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolDestroyArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolDeleteArgs {
        pub pool: Pool,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolUndefineArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolRefreshArgs {
        pub pool: Pool,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByNameRet {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByUuidRet {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByVolumeArgs {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StoragePoolLookupByVolumeRet {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolGetInfoArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolGetInfoRet {
        pub state: u32,
        pub capacity: u64,
        pub allocation: u64,
        pub available: u64,
    }
}

xdr_struct! {
    pub struct StoragePoolGetXmlDescArgs {
        pub pool: Pool,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct StoragePoolGetAutostartArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolGetAutostartRet {
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolSetAutostartArgs {
        pub pool: Pool,
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolNumOfVolumesArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolNumOfVolumesRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolListVolumesArgs {
        pub pool: Pool,
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolListVolumesRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct StoragePoolIsActiveArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolIsActiveRet {
        pub active: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolIsPersistentArgs {
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct StoragePoolIsPersistentRet {
        pub persistent: i32,
    }
}

xdr_struct! {
    pub struct ConnectListAllStoragePoolsArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllStoragePoolsRet {
        pub pools: Vec<Pool>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolListAllVolumesArgs {
        pub pool: Pool,
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StoragePoolListAllVolumesRet {
        pub vols: Vec<Vol>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct StorageVolCreateXmlArgs {
        pub pool: Pool,
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolCreateXmlRet {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolDeleteArgs {
        pub vol: Vol,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByNameArgs {
        pub pool: Pool,
        pub name: String,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByNameRet {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByKeyArgs {
        pub key: String,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByKeyRet {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByPathArgs {
        pub path: String,
    }
}

xdr_struct! {
    pub struct StorageVolLookupByPathRet {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolGetInfoArgs {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolGetInfoRet {
        pub r#type: i32,
        pub capacity: u64,
        pub allocation: u64,
    }
}

xdr_struct! {
    pub struct StorageVolGetXmlDescArgs {
        pub vol: Vol,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct StorageVolGetPathArgs {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolGetPathRet {
        pub name: String,
    }
}

xdr_struct! {
    pub struct StorageVolCreateXmlFromArgs {
        pub pool: Pool,
        pub xml: String,
        pub clonevol: Vol,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolCreateXmlFromRet {
        pub vol: Vol,
    }
}

xdr_struct! {
    pub struct StorageVolWipeArgs {
        pub vol: Vol,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolWipePatternArgs {
        pub vol: Vol,
        pub algorithm: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolResizeArgs {
        pub vol: Vol,
        pub capacity: u64,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeNumOfDevicesArgs {
        pub cap: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeNumOfDevicesRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct NodeListDevicesArgs {
        pub cap: Option<String>,
        pub maxnames: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeListDevicesRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct NodeDeviceLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceLookupByNameRet {
        pub dev: NodeDev,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetXmlDescArgs {
        pub name: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetParentArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetParentRet {
        pub parent_name: Option<String>,
    }
}

xdr_struct! {
    pub struct NodeDeviceNumOfCapsArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceNumOfCapsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct NodeDeviceListCapsArgs {
        pub name: String,
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct NodeDeviceListCapsRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct ConnectListAllNodeDevicesArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllNodeDevicesRet {
        pub devices: Vec<NodeDev>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct ConnectNumOfInterfacesRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListInterfacesArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListInterfacesRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct InterfaceLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct InterfaceLookupByNameRet {
        pub iface: Iface,
    }
}

xdr_struct! {
    pub struct InterfaceLookupByMacStringArgs {
        pub mac: String,
    }
}

xdr_struct! {
    pub struct InterfaceLookupByMacStringRet {
        pub iface: Iface,
    }
}

xdr_struct! {
    pub struct InterfaceGetXmlDescArgs {
        pub iface: Iface,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct InterfaceGetXmlDescRet {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct InterfaceDefineXmlArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct InterfaceDefineXmlRet {
        pub iface: Iface,
    }
}

xdr_struct! {
    pub struct InterfaceUndefineArgs {
        pub iface: Iface,
    }
}

xdr_struct! {
    pub struct InterfaceCreateArgs {
        pub iface: Iface,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct InterfaceDestroyArgs {
        pub iface: Iface,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectNumOfDefinedInterfacesRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedInterfacesArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListDefinedInterfacesRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct InterfaceIsActiveArgs {
        pub iface: Iface,
    }
}

xdr_struct! {
    pub struct InterfaceIsActiveRet {
        pub active: i32,
    }
}

xdr_struct! {
    pub struct InterfaceChangeBeginArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct InterfaceChangeCommitArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct InterfaceChangeRollbackArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllInterfacesArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllInterfacesRet {
        pub ifaces: Vec<Iface>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllNwfiltersArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllNwfiltersRet {
        pub filters: Vec<NwFilter>,
        pub ret: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllSecretsArgs {
        pub need_results: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectListAllSecretsRet {
        pub secrets: Vec<Secret>,
        pub ret: u32,
    }
}

// Node device creation and state, network update, volume info with flags, and the secret
// and network filter lookups, definitions and old list calls.

xdr_struct! {
    pub struct NodeDeviceCreateXmlArgs {
        pub xml_desc: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeDeviceCreateXmlRet {
        pub dev: NodeDev,
    }
}

xdr_struct! {
    pub struct NodeDeviceDestroyArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceLookupScsiHostByWwnArgs {
        pub wwnn: String,
        pub wwpn: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NodeDeviceLookupScsiHostByWwnRet {
        pub dev: NodeDev,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetAutostartArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceGetAutostartRet {
        pub autostart: i32,
    }
}

xdr_struct! {
    pub struct NodeDeviceIsPersistentArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceIsPersistentRet {
        pub persistent: i32,
    }
}

xdr_struct! {
    pub struct NodeDeviceIsActiveArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NodeDeviceIsActiveRet {
        pub active: i32,
    }
}

xdr_struct! {
    /// `command` before `section`: the order libvirt corrected
    /// (`VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER`); the layout never changed.
    pub struct NetworkUpdateArgs {
        pub net: Net,
        pub command: u32,
        pub section: u32,
        pub parent_index: i32,
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct StorageVolGetInfoFlagsArgs {
        pub vol: Vol,
        pub flags: u32,
    }
}

xdr_struct! {
    /// `type` is a `char` in the protocol, four bytes on the wire.
    pub struct StorageVolGetInfoFlagsRet {
        pub r#type: i32,
        pub capacity: u64,
        pub allocation: u64,
    }
}

xdr_struct! {
    pub struct ConnectGetStoragePoolCapabilitiesArgs {
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct ConnectGetStoragePoolCapabilitiesRet {
        pub capabilities: String,
    }
}

xdr_struct! {
    pub struct ConnectNumOfSecretsRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListSecretsArgs {
        pub maxuuids: i32,
    }
}

xdr_struct! {
    pub struct ConnectListSecretsRet {
        pub uuids: Vec<String>,
    }
}

xdr_struct! {
    pub struct SecretLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

xdr_struct! {
    pub struct SecretLookupByUuidRet {
        pub secret: Secret,
    }
}

xdr_struct! {
    pub struct SecretDefineXmlArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct SecretDefineXmlRet {
        pub secret: Secret,
    }
}

xdr_struct! {
    pub struct NwfilterLookupByNameArgs {
        pub name: String,
    }
}

xdr_struct! {
    pub struct NwfilterLookupByNameRet {
        pub nwfilter: NwFilter,
    }
}

xdr_struct! {
    pub struct NwfilterLookupByUuidArgs {
        pub uuid: Uuid,
    }
}

xdr_struct! {
    pub struct NwfilterLookupByUuidRet {
        pub nwfilter: NwFilter,
    }
}

xdr_struct! {
    pub struct ConnectNumOfNwfiltersRet {
        pub num: i32,
    }
}

xdr_struct! {
    pub struct ConnectListNwfiltersArgs {
        pub maxnames: i32,
    }
}

xdr_struct! {
    pub struct ConnectListNwfiltersRet {
        pub names: Vec<String>,
    }
}

xdr_struct! {
    pub struct NwfilterDefineXmlArgs {
        pub xml: String,
    }
}

xdr_struct! {
    pub struct NwfilterDefineXmlRet {
        pub nwfilter: NwFilter,
    }
}

xdr_struct! {
    pub struct NwfilterDefineXmlFlagsArgs {
        pub xml: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct NwfilterDefineXmlFlagsRet {
        pub nwfilter: NwFilter,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventRegisterRet {
        pub cb_registered: i32,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventDeregisterRet {
        pub cb_registered: i32,
    }
}

xdr_struct! {
    pub struct DomainEventLifecycleMsg {
        pub dom: Dom,
        pub event: i32,
        pub detail: i32,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventRegisterAnyArgs {
        pub event_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventDeregisterAnyArgs {
        pub event_id: i32,
    }
}

xdr_struct! {
    pub struct DomainEventRebootMsg {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct ConnectNetworkEventRegisterAnyArgs {
        pub event_id: i32,
        pub net: Option<Net>,
    }
}

xdr_struct! {
    pub struct ConnectNetworkEventRegisterAnyRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectNetworkEventDeregisterAnyArgs {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct NetworkEventLifecycleMsg {
        pub callback_id: i32,
        pub net: Net,
        pub event: i32,
        pub detail: i32,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventCallbackRegisterAnyArgs {
        pub event_id: i32,
        pub dom: Option<Dom>,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventCallbackRegisterAnyRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectDomainEventCallbackDeregisterAnyArgs {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct DomainEventCallbackDeviceAddedMsg {
        pub callback_id: i32,
        pub dom: Dom,
        pub dev_alias: String,
    }
}

xdr_struct! {
    pub struct ConnectStoragePoolEventRegisterAnyArgs {
        pub event_id: i32,
        pub pool: Option<Pool>,
    }
}

xdr_struct! {
    pub struct ConnectStoragePoolEventRegisterAnyRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectStoragePoolEventDeregisterAnyArgs {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolEventLifecycleMsg {
        pub callback_id: i32,
        pub pool: Pool,
        pub event: i32,
        pub detail: i32,
    }
}

xdr_struct! {
    pub struct StoragePoolEventRefreshMsg {
        pub callback_id: i32,
        pub pool: Pool,
    }
}

xdr_struct! {
    pub struct ConnectNodeDeviceEventRegisterAnyArgs {
        pub event_id: i32,
        pub dev: Option<NodeDev>,
    }
}

xdr_struct! {
    pub struct ConnectNodeDeviceEventRegisterAnyRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectNodeDeviceEventDeregisterAnyArgs {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct DomainEventCallbackMetadataChangeMsg {
        pub callback_id: i32,
        pub dom: Dom,
        pub r#type: i32,
        pub nsuri: Option<String>,
    }
}

xdr_struct! {
    pub struct ConnectSecretEventRegisterAnyArgs {
        pub event_id: i32,
        pub secret: Option<Secret>,
    }
}

xdr_struct! {
    pub struct ConnectSecretEventRegisterAnyRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct ConnectSecretEventDeregisterAnyArgs {
        pub callback_id: i32,
    }
}

super::procedures! {
    crate::packet::program::REMOTE;
    ConnectOpen = 1, ConnectOpenArgs => (), high;
    ConnectClose = 2, () => (), high;
    ConnectGetType = 3, () => ConnectGetTypeRet, high;
    ConnectGetVersion = 4, () => ConnectGetVersionRet, high;
    ConnectGetMaxVcpus = 5, ConnectGetMaxVcpusArgs => ConnectGetMaxVcpusRet, high;
    NodeGetInfo = 6, () => NodeGetInfoRet, high;
    ConnectGetCapabilities = 7, () => ConnectGetCapabilitiesRet, low;
    DomainAttachDevice = 8, DomainAttachDeviceArgs => (), low;
    DomainCreate = 9, DomainCreateArgs => (), low;
    DomainCreateXml = 10, DomainCreateXmlArgs => DomainCreateXmlRet, low;
    DomainDefineXml = 11, DomainDefineXmlArgs => DomainDefineXmlRet, high;
    DomainDestroy = 12, DomainDestroyArgs => (), high;
    DomainDetachDevice = 13, DomainDetachDeviceArgs => (), low;
    DomainGetXmlDesc = 14, DomainGetXmlDescArgs => DomainGetXmlDescRet, low;
    DomainGetAutostart = 15, DomainGetAutostartArgs => DomainGetAutostartRet, high;
    DomainGetInfo = 16, DomainGetInfoArgs => DomainGetInfoRet, low;
    DomainGetMaxMemory = 17, DomainGetMaxMemoryArgs => DomainGetMaxMemoryRet, high;
    DomainGetMaxVcpus = 18, DomainGetMaxVcpusArgs => DomainGetMaxVcpusRet, high;
    DomainGetOsType = 19, DomainGetOsTypeArgs => DomainGetOsTypeRet, high;
    DomainGetVcpus = 20, DomainGetVcpusArgs => DomainGetVcpusRet, high;
    ConnectListDefinedDomains = 21, ConnectListDefinedDomainsArgs => ConnectListDefinedDomainsRet, high;
    DomainLookupById = 22, DomainLookupByIdArgs => DomainLookupByIdRet, high;
    DomainLookupByName = 23, DomainLookupByNameArgs => DomainLookupByNameRet, high;
    DomainLookupByUuid = 24, DomainLookupByUuidArgs => DomainLookupByUuidRet, high;
    ConnectNumOfDefinedDomains = 25, () => ConnectNumOfDefinedDomainsRet, high;
    DomainPinVcpu = 26, DomainPinVcpuArgs => (), low;
    DomainReboot = 27, DomainRebootArgs => (), low;
    DomainResume = 28, DomainResumeArgs => (), low;
    DomainSetAutostart = 29, DomainSetAutostartArgs => (), high;
    DomainSetMaxMemory = 30, DomainSetMaxMemoryArgs => (), high;
    DomainSetMemory = 31, DomainSetMemoryArgs => (), low;
    DomainSetVcpus = 32, DomainSetVcpusArgs => (), low;
    DomainShutdown = 33, DomainShutdownArgs => (), low;
    DomainSuspend = 34, DomainSuspendArgs => (), low;
    DomainUndefine = 35, DomainUndefineArgs => (), high;
    ConnectListDefinedNetworks = 36, ConnectListDefinedNetworksArgs => ConnectListDefinedNetworksRet, high;
    ConnectListDomains = 37, ConnectListDomainsArgs => ConnectListDomainsRet, high;
    ConnectListNetworks = 38, ConnectListNetworksArgs => ConnectListNetworksRet, high;
    NetworkCreate = 39, NetworkCreateArgs => (), low;
    NetworkCreateXml = 40, NetworkCreateXmlArgs => NetworkCreateXmlRet, low;
    NetworkDefineXml = 41, NetworkDefineXmlArgs => NetworkDefineXmlRet, high;
    NetworkDestroy = 42, NetworkDestroyArgs => (), high;
    NetworkGetXmlDesc = 43, NetworkGetXmlDescArgs => NetworkGetXmlDescRet, high;
    NetworkGetAutostart = 44, NetworkGetAutostartArgs => NetworkGetAutostartRet, high;
    NetworkGetBridgeName = 45, NetworkGetBridgeNameArgs => NetworkGetBridgeNameRet, high;
    NetworkLookupByName = 46, NetworkLookupByNameArgs => NetworkLookupByNameRet, high;
    NetworkLookupByUuid = 47, NetworkLookupByUuidArgs => NetworkLookupByUuidRet, high;
    NetworkSetAutostart = 48, NetworkSetAutostartArgs => (), high;
    NetworkUndefine = 49, NetworkUndefineArgs => (), high;
    ConnectNumOfDefinedNetworks = 50, () => ConnectNumOfDefinedNetworksRet, high;
    ConnectNumOfDomains = 51, () => ConnectNumOfDomainsRet, high;
    ConnectNumOfNetworks = 52, () => ConnectNumOfNetworksRet, high;
    DomainCoreDump = 53, DomainCoreDumpArgs => (), low;
    DomainRestore = 54, DomainRestoreArgs => (), low;
    DomainSave = 55, DomainSaveArgs => (), low;
    DomainGetSchedulerType = 56, DomainGetSchedulerTypeArgs => DomainGetSchedulerTypeRet, low;
    DomainGetSchedulerParameters = 57, DomainGetSchedulerParametersArgs => DomainGetSchedulerParametersRet, low;
    DomainSetSchedulerParameters = 58, DomainSetSchedulerParametersArgs => (), low;
    ConnectGetHostname = 59, () => ConnectGetHostnameRet, high;
    ConnectSupportsFeature = 60, ConnectSupportsFeatureArgs => ConnectSupportsFeatureRet, high;
    DomainBlockStats = 64, DomainBlockStatsArgs => DomainBlockStatsRet, low;
    DomainInterfaceStats = 65, DomainInterfaceStatsArgs => DomainInterfaceStatsRet, high;
    AuthList = 66, () => AuthListRet, high;
    AuthSaslInit = 67, () => AuthSaslInitRet, high;
    AuthSaslStart = 68, AuthSaslStartArgs => AuthSaslStartRet, high;
    AuthSaslStep = 69, AuthSaslStepArgs => AuthSaslStepRet, high;
    AuthPolkit = 70, () => AuthPolkitRet, high;
    ConnectNumOfStoragePools = 71, () => ConnectNumOfStoragePoolsRet, high;
    ConnectListStoragePools = 72, ConnectListStoragePoolsArgs => ConnectListStoragePoolsRet, high;
    ConnectNumOfDefinedStoragePools = 73, () => ConnectNumOfDefinedStoragePoolsRet, high;
    ConnectListDefinedStoragePools = 74, ConnectListDefinedStoragePoolsArgs => ConnectListDefinedStoragePoolsRet, high;
    ConnectFindStoragePoolSources = 75, ConnectFindStoragePoolSourcesArgs => ConnectFindStoragePoolSourcesRet, low;
    StoragePoolCreateXml = 76, StoragePoolCreateXmlArgs => StoragePoolCreateXmlRet, low;
    StoragePoolDefineXml = 77, StoragePoolDefineXmlArgs => StoragePoolDefineXmlRet, high;
    StoragePoolCreate = 78, StoragePoolCreateArgs => (), low;
    StoragePoolBuild = 79, StoragePoolBuildArgs => (), low;
    StoragePoolDestroy = 80, StoragePoolDestroyArgs => (), high;
    StoragePoolDelete = 81, StoragePoolDeleteArgs => (), low;
    StoragePoolUndefine = 82, StoragePoolUndefineArgs => (), high;
    StoragePoolRefresh = 83, StoragePoolRefreshArgs => (), low;
    StoragePoolLookupByName = 84, StoragePoolLookupByNameArgs => StoragePoolLookupByNameRet, high;
    StoragePoolLookupByUuid = 85, StoragePoolLookupByUuidArgs => StoragePoolLookupByUuidRet, high;
    StoragePoolLookupByVolume = 86, StoragePoolLookupByVolumeArgs => StoragePoolLookupByVolumeRet, high;
    StoragePoolGetInfo = 87, StoragePoolGetInfoArgs => StoragePoolGetInfoRet, high;
    StoragePoolGetXmlDesc = 88, StoragePoolGetXmlDescArgs => StoragePoolGetXmlDescRet, high;
    StoragePoolGetAutostart = 89, StoragePoolGetAutostartArgs => StoragePoolGetAutostartRet, high;
    StoragePoolSetAutostart = 90, StoragePoolSetAutostartArgs => (), high;
    StoragePoolNumOfVolumes = 91, StoragePoolNumOfVolumesArgs => StoragePoolNumOfVolumesRet, high;
    StoragePoolListVolumes = 92, StoragePoolListVolumesArgs => StoragePoolListVolumesRet, high;
    StorageVolCreateXml = 93, StorageVolCreateXmlArgs => StorageVolCreateXmlRet, low;
    StorageVolDelete = 94, StorageVolDeleteArgs => (), low;
    StorageVolLookupByName = 95, StorageVolLookupByNameArgs => StorageVolLookupByNameRet, high;
    StorageVolLookupByKey = 96, StorageVolLookupByKeyArgs => StorageVolLookupByKeyRet, high;
    StorageVolLookupByPath = 97, StorageVolLookupByPathArgs => StorageVolLookupByPathRet, high;
    StorageVolGetInfo = 98, StorageVolGetInfoArgs => StorageVolGetInfoRet, high;
    StorageVolGetXmlDesc = 99, StorageVolGetXmlDescArgs => StorageVolGetXmlDescRet, high;
    StorageVolGetPath = 100, StorageVolGetPathArgs => StorageVolGetPathRet, high;
    NodeGetCellsFreeMemory = 101, NodeGetCellsFreeMemoryArgs => NodeGetCellsFreeMemoryRet, high;
    NodeGetFreeMemory = 102, () => NodeGetFreeMemoryRet, high;
    ConnectDomainEventRegister = 105, () => ConnectDomainEventRegisterRet, high;
    ConnectDomainEventDeregister = 106, () => ConnectDomainEventDeregisterRet, high;
    ConnectGetUri = 110, () => ConnectGetUriRet, high;
    NodeNumOfDevices = 111, NodeNumOfDevicesArgs => NodeNumOfDevicesRet, high;
    NodeListDevices = 112, NodeListDevicesArgs => NodeListDevicesRet, high;
    NodeDeviceLookupByName = 113, NodeDeviceLookupByNameArgs => NodeDeviceLookupByNameRet, high;
    NodeDeviceGetXmlDesc = 114, NodeDeviceGetXmlDescArgs => NodeDeviceGetXmlDescRet, low;
    NodeDeviceGetParent = 115, NodeDeviceGetParentArgs => NodeDeviceGetParentRet, high;
    NodeDeviceNumOfCaps = 116, NodeDeviceNumOfCapsArgs => NodeDeviceNumOfCapsRet, high;
    NodeDeviceListCaps = 117, NodeDeviceListCapsArgs => NodeDeviceListCapsRet, high;
    DomainGetSecurityLabel = 121, DomainGetSecurityLabelArgs => DomainGetSecurityLabelRet, high;
    NodeGetSecurityModel = 122, () => NodeGetSecurityModelRet, high;
    NodeDeviceCreateXml = 123, NodeDeviceCreateXmlArgs => NodeDeviceCreateXmlRet, low;
    NodeDeviceDestroy = 124, NodeDeviceDestroyArgs => (), high;
    StorageVolCreateXmlFrom = 125, StorageVolCreateXmlFromArgs => StorageVolCreateXmlFromRet, low;
    ConnectNumOfInterfaces = 126, () => ConnectNumOfInterfacesRet, high;
    ConnectListInterfaces = 127, ConnectListInterfacesArgs => ConnectListInterfacesRet, high;
    InterfaceLookupByName = 128, InterfaceLookupByNameArgs => InterfaceLookupByNameRet, high;
    InterfaceLookupByMacString = 129, InterfaceLookupByMacStringArgs => InterfaceLookupByMacStringRet, high;
    InterfaceGetXmlDesc = 130, InterfaceGetXmlDescArgs => InterfaceGetXmlDescRet, low;
    InterfaceDefineXml = 131, InterfaceDefineXmlArgs => InterfaceDefineXmlRet, high;
    InterfaceUndefine = 132, InterfaceUndefineArgs => (), high;
    InterfaceCreate = 133, InterfaceCreateArgs => (), low;
    InterfaceDestroy = 134, InterfaceDestroyArgs => (), high;
    ConnectDomainXmlToNative = 136, ConnectDomainXmlToNativeArgs => ConnectDomainXmlToNativeRet, low;
    ConnectNumOfDefinedInterfaces = 137, () => ConnectNumOfDefinedInterfacesRet, high;
    ConnectListDefinedInterfaces = 138, ConnectListDefinedInterfacesArgs => ConnectListDefinedInterfacesRet, high;
    ConnectNumOfSecrets = 139, () => ConnectNumOfSecretsRet, high;
    ConnectListSecrets = 140, ConnectListSecretsArgs => ConnectListSecretsRet, high;
    SecretLookupByUuid = 141, SecretLookupByUuidArgs => SecretLookupByUuidRet, high;
    SecretDefineXml = 142, SecretDefineXmlArgs => SecretDefineXmlRet, high;
    ConnectIsSecure = 149, () => ConnectIsSecureRet, high;
    DomainIsActive = 150, DomainIsActiveArgs => DomainIsActiveRet, high;
    DomainIsPersistent = 151, DomainIsPersistentArgs => DomainIsPersistentRet, high;
    NetworkIsActive = 152, NetworkIsActiveArgs => NetworkIsActiveRet, high;
    NetworkIsPersistent = 153, NetworkIsPersistentArgs => NetworkIsPersistentRet, high;
    StoragePoolIsActive = 154, StoragePoolIsActiveArgs => StoragePoolIsActiveRet, high;
    StoragePoolIsPersistent = 155, StoragePoolIsPersistentArgs => StoragePoolIsPersistentRet, high;
    InterfaceIsActive = 156, InterfaceIsActiveArgs => InterfaceIsActiveRet, high;
    ConnectGetLibVersion = 157, () => ConnectGetLibVersionRet, high;
    DomainMemoryStats = 159, DomainMemoryStatsArgs => DomainMemoryStatsRet, low;
    DomainAttachDeviceFlags = 160, DomainAttachDeviceFlagsArgs => (), low;
    DomainDetachDeviceFlags = 161, DomainDetachDeviceFlagsArgs => (), low;
    DomainGetJobInfo = 163, DomainGetJobInfoArgs => DomainGetJobInfoRet, low;
    StorageVolWipe = 165, StorageVolWipeArgs => (), low;
    ConnectDomainEventRegisterAny = 167, ConnectDomainEventRegisterAnyArgs => (), high;
    ConnectDomainEventDeregisterAny = 168, ConnectDomainEventDeregisterAnyArgs => (), high;
    DomainUpdateDeviceFlags = 174, DomainUpdateDeviceFlagsArgs => (), low;
    NwfilterLookupByName = 175, NwfilterLookupByNameArgs => NwfilterLookupByNameRet, high;
    NwfilterLookupByUuid = 176, NwfilterLookupByUuidArgs => NwfilterLookupByUuidRet, high;
    ConnectNumOfNwfilters = 178, () => ConnectNumOfNwfiltersRet, high;
    ConnectListNwfilters = 179, ConnectListNwfiltersArgs => ConnectListNwfiltersRet, high;
    NwfilterDefineXml = 180, NwfilterDefineXmlArgs => NwfilterDefineXmlRet, high;
    DomainManagedSave = 182, DomainManagedSaveArgs => (), low;
    DomainHasManagedSaveImage = 183, DomainHasManagedSaveImageArgs => DomainHasManagedSaveImageRet, low;
    DomainManagedSaveRemove = 184, DomainManagedSaveRemoveArgs => (), low;
    DomainSnapshotCreateXml = 185, DomainSnapshotCreateXmlArgs => DomainSnapshotCreateXmlRet, low;
    DomainSnapshotGetXmlDesc = 186, DomainSnapshotGetXmlDescArgs => DomainSnapshotGetXmlDescRet, high;
    DomainSnapshotNum = 187, DomainSnapshotNumArgs => DomainSnapshotNumRet, high;
    DomainSnapshotListNames = 188, DomainSnapshotListNamesArgs => DomainSnapshotListNamesRet, high;
    DomainSnapshotLookupByName = 189, DomainSnapshotLookupByNameArgs => DomainSnapshotLookupByNameRet, high;
    DomainHasCurrentSnapshot = 190, DomainHasCurrentSnapshotArgs => DomainHasCurrentSnapshotRet, low;
    DomainSnapshotCurrent = 191, DomainSnapshotCurrentArgs => DomainSnapshotCurrentRet, low;
    DomainRevertToSnapshot = 192, DomainRevertToSnapshotArgs => (), low;
    DomainSnapshotDelete = 193, DomainSnapshotDeleteArgs => (), low;
    DomainGetBlockInfo = 194, DomainGetBlockInfoArgs => DomainGetBlockInfoRet, low;
    DomainCreateWithFlags = 196, DomainCreateWithFlagsArgs => DomainCreateWithFlagsRet, low;
    DomainSetVcpusFlags = 199, DomainSetVcpusFlagsArgs => (), low;
    DomainGetVcpusFlags = 200, DomainGetVcpusFlagsArgs => DomainGetVcpusFlagsRet, low;
    DomainOpenConsole = 201, DomainOpenConsoleArgs => (), low;
    DomainIsUpdated = 202, DomainIsUpdatedArgs => DomainIsUpdatedRet, high;
    ConnectGetSysinfo = 203, ConnectGetSysinfoArgs => ConnectGetSysinfoRet, high;
    DomainSetMemoryFlags = 204, DomainSetMemoryFlagsArgs => (), low;
    StorageVolUpload = 208, StorageVolUploadArgs => (), low;
    StorageVolDownload = 209, StorageVolDownloadArgs => (), low;
    DomainScreenshot = 211, DomainScreenshotArgs => DomainScreenshotRet, low;
    DomainGetState = 212, DomainGetStateArgs => DomainGetStateRet, high;
    DomainSetSchedulerParametersFlags = 219, DomainSetSchedulerParametersFlagsArgs => (), low;
    InterfaceChangeBegin = 220, InterfaceChangeBeginArgs => (), low;
    InterfaceChangeCommit = 221, InterfaceChangeCommitArgs => (), low;
    InterfaceChangeRollback = 222, InterfaceChangeRollbackArgs => (), low;
    DomainGetSchedulerParametersFlags = 223, DomainGetSchedulerParametersFlagsArgs => DomainGetSchedulerParametersFlagsRet, low;
    DomainPinVcpuFlags = 225, DomainPinVcpuFlagsArgs => (), low;
    NodeGetCpuStats = 227, NodeGetCpuStatsArgs => NodeGetCpuStatsRet, high;
    NodeGetMemoryStats = 228, NodeGetMemoryStatsArgs => NodeGetMemoryStatsRet, high;
    DomainGetVcpuPinInfo = 230, DomainGetVcpuPinInfoArgs => DomainGetVcpuPinInfoRet, low;
    DomainUndefineFlags = 231, DomainUndefineFlagsArgs => (), high;
    DomainSaveFlags = 232, DomainSaveFlagsArgs => (), low;
    DomainRestoreFlags = 233, DomainRestoreFlagsArgs => (), low;
    DomainDestroyFlags = 234, DomainDestroyFlagsArgs => (), high;
    DomainSaveImageGetXmlDesc = 235, DomainSaveImageGetXmlDescArgs => DomainSaveImageGetXmlDescRet, high;
    DomainSaveImageDefineXml = 236, DomainSaveImageDefineXmlArgs => (), high;
    DomainBlockStatsFlags = 243, DomainBlockStatsFlagsArgs => DomainBlockStatsFlagsRet, low;
    DomainReset = 245, DomainResetArgs => (), low;
    DomainShutdownFlags = 258, DomainShutdownFlagsArgs => (), low;
    StorageVolWipePattern = 259, StorageVolWipePatternArgs => (), low;
    StorageVolResize = 260, StorageVolResizeArgs => (), low;
    DomainGetCpuStats = 262, DomainGetCpuStatsArgs => DomainGetCpuStatsRet, low;
    DomainSetMetadata = 264, DomainSetMetadataArgs => (), low;
    DomainGetMetadata = 265, DomainGetMetadataArgs => DomainGetMetadataRet, low;
    ConnectListAllDomains = 273, ConnectListAllDomainsArgs => ConnectListAllDomainsRet, high;
    DomainListAllSnapshots = 274, DomainListAllSnapshotsArgs => DomainListAllSnapshotsRet, high;
    DomainGetHostname = 277, DomainGetHostnameArgs => DomainGetHostnameRet, low;
    DomainPinEmulator = 279, DomainPinEmulatorArgs => (), low;
    DomainGetEmulatorPinInfo = 280, DomainGetEmulatorPinInfoArgs => DomainGetEmulatorPinInfoRet, low;
    ConnectListAllStoragePools = 281, ConnectListAllStoragePoolsArgs => ConnectListAllStoragePoolsRet, high;
    StoragePoolListAllVolumes = 282, StoragePoolListAllVolumesArgs => StoragePoolListAllVolumesRet, high;
    ConnectListAllNetworks = 283, ConnectListAllNetworksArgs => ConnectListAllNetworksRet, high;
    ConnectListAllInterfaces = 284, ConnectListAllInterfacesArgs => ConnectListAllInterfacesRet, high;
    ConnectListAllNodeDevices = 285, ConnectListAllNodeDevicesArgs => ConnectListAllNodeDevicesRet, high;
    ConnectListAllNwfilters = 286, ConnectListAllNwfiltersArgs => ConnectListAllNwfiltersRet, high;
    ConnectListAllSecrets = 287, ConnectListAllSecretsArgs => ConnectListAllSecretsRet, high;
    NetworkUpdate = 291, NetworkUpdateArgs => (), high;
    NodeGetCpuMap = 293, NodeGetCpuMapArgs => NodeGetCpuMapRet, low;
    DomainOpenChannel = 296, DomainOpenChannelArgs => (), low;
    NodeDeviceLookupScsiHostByWwn = 297, NodeDeviceLookupScsiHostByWwnArgs => NodeDeviceLookupScsiHostByWwnRet, high;
    DomainSetMemoryStatsPeriod = 308, DomainSetMemoryStatsPeriodArgs => (), low;
    ConnectNetworkEventRegisterAny = 313, ConnectNetworkEventRegisterAnyArgs => ConnectNetworkEventRegisterAnyRet, high;
    ConnectNetworkEventDeregisterAny = 314, ConnectNetworkEventDeregisterAnyArgs => (), high;
    ConnectDomainEventCallbackRegisterAny = 316, ConnectDomainEventCallbackRegisterAnyArgs => ConnectDomainEventCallbackRegisterAnyRet, high;
    ConnectDomainEventCallbackDeregisterAny = 317, ConnectDomainEventCallbackDeregisterAnyArgs => (), high;
    ConnectGetDomainCapabilities = 342, ConnectGetDomainCapabilitiesArgs => ConnectGetDomainCapabilitiesRet, low;
    ConnectGetAllDomainStats = 344, ConnectGetAllDomainStatsArgs => ConnectGetAllDomainStatsRet, low;
    DomainDefineXmlFlags = 350, DomainDefineXmlFlagsArgs => DomainDefineXmlFlagsRet, high;
    DomainInterfaceAddresses = 353, DomainInterfaceAddressesArgs => DomainInterfaceAddressesRet, low;
    ConnectRegisterCloseCallback = 360, () => (), high;
    ConnectUnregisterCloseCallback = 361, () => (), high;
    ConnectStoragePoolEventRegisterAny = 368, ConnectStoragePoolEventRegisterAnyArgs => ConnectStoragePoolEventRegisterAnyRet, high;
    ConnectStoragePoolEventDeregisterAny = 369, ConnectStoragePoolEventDeregisterAnyArgs => (), high;
    ConnectNodeDeviceEventRegisterAny = 374, ConnectNodeDeviceEventRegisterAnyArgs => ConnectNodeDeviceEventRegisterAnyRet, high;
    ConnectNodeDeviceEventDeregisterAny = 375, ConnectNodeDeviceEventDeregisterAnyArgs => (), high;
    StorageVolGetInfoFlags = 378, StorageVolGetInfoFlagsArgs => StorageVolGetInfoFlagsRet, high;
    ConnectSecretEventRegisterAny = 380, ConnectSecretEventRegisterAnyArgs => ConnectSecretEventRegisterAnyRet, high;
    ConnectSecretEventDeregisterAny = 381, ConnectSecretEventDeregisterAnyArgs => (), high;
    DomainDetachDeviceAlias = 392, DomainDetachDeviceAliasArgs => (), low;
    ConnectGetStoragePoolCapabilities = 403, ConnectGetStoragePoolCapabilitiesArgs => ConnectGetStoragePoolCapabilitiesRet, low;
    DomainGetMessages = 426, DomainGetMessagesArgs => DomainGetMessagesRet, low;
    NwfilterDefineXmlFlags = 431, NwfilterDefineXmlFlagsArgs => NwfilterDefineXmlFlagsRet, high;
    NetworkDefineXmlFlags = 432, NetworkDefineXmlFlagsArgs => NetworkDefineXmlFlagsRet, high;
    NodeDeviceGetAutostart = 433, NodeDeviceGetAutostartArgs => NodeDeviceGetAutostartRet, high;
    NodeDeviceIsPersistent = 435, NodeDeviceIsPersistentArgs => NodeDeviceIsPersistentRet, high;
    NodeDeviceIsActive = 436, NodeDeviceIsActiveArgs => NodeDeviceIsActiveRet, high;
    NetworkCreateXmlFlags = 437, NetworkCreateXmlFlagsArgs => NetworkCreateXmlFlagsRet, high;
}

super::events! {
    DomainEventLifecycle = 107, DomainEventLifecycleMsg;
    DomainEventReboot = 169, DomainEventRebootMsg;
    NetworkEventLifecycle = 315, NetworkEventLifecycleMsg;
    DomainEventCallbackLifecycle = 318, DomainEventCallbackLifecycleMsg;
    DomainEventCallbackReboot = 319, DomainEventCallbackRebootMsg;
    DomainEventCallbackDeviceRemoved = 333, DomainEventCallbackDeviceRemovedMsg;
    DomainEventCallbackDeviceAdded = 354, DomainEventCallbackDeviceAddedMsg;
    ConnectEventConnectionClosed = 362, ConnectEventConnectionClosedMsg;
    StoragePoolEventLifecycle = 370, StoragePoolEventLifecycleMsg;
    StoragePoolEventRefresh = 373, StoragePoolEventRefreshMsg;
    DomainEventCallbackMetadataChange = 379, DomainEventCallbackMetadataChangeMsg;
}
