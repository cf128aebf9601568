//! Plain values that drivers return and the API hands out: states, reasons, info records and
//! flag bits, all with libvirt's numbers so they cross the wire unchanged.

/// `virDomainState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(i32)]
pub enum DomainState {
    #[default]
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

impl DomainState {
    pub fn from_i32(v: i32) -> Option<DomainState> {
        use DomainState::*;
        Some(match v {
            0 => NoState,
            1 => Running,
            2 => Blocked,
            3 => Paused,
            4 => Shutdown,
            5 => Shutoff,
            6 => Crashed,
            7 => PmSuspended,
            _ => return None,
        })
    }

    /// The word virsh prints for the state (`list`, `domstate`, `dominfo`).
    pub fn as_str(self) -> &'static str {
        use DomainState::*;
        match self {
            NoState => "no state",
            Running => "running",
            Blocked => "idle",
            Paused => "paused",
            Shutdown => "in shutdown",
            Shutoff => "shut off",
            Crashed => "crashed",
            PmSuspended => "pmsuspended",
        }
    }

    /// True for the states libvirt counts as "active" (a domain with an id).
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff | DomainState::NoState)
    }
}

/// State reasons (`virDomainRunningReason`, `virDomainPausedReason`, ...). The meaning of a
/// number depends on the state, so they are grouped per state.
pub mod reason {
    pub mod running {
        pub const UNKNOWN: i32 = 0;
        pub const BOOTED: i32 = 1;
        pub const MIGRATED: i32 = 2;
        pub const RESTORED: i32 = 3;
        pub const FROM_SNAPSHOT: i32 = 4;
        pub const UNPAUSED: i32 = 5;
        pub const MIGRATION_CANCELED: i32 = 6;
        pub const SAVE_CANCELED: i32 = 7;
        pub const WAKEUP: i32 = 8;
        pub const CRASHED: i32 = 9;
        pub const POSTCOPY: i32 = 10;
        pub const POSTCOPY_FAILED: i32 = 11;
    }
    pub mod paused {
        pub const UNKNOWN: i32 = 0;
        pub const USER: i32 = 1;
        pub const MIGRATION: i32 = 2;
        pub const SAVE: i32 = 3;
        pub const DUMP: i32 = 4;
        pub const IOERROR: i32 = 5;
        pub const WATCHDOG: i32 = 6;
        pub const FROM_SNAPSHOT: i32 = 7;
        pub const SHUTTING_DOWN: i32 = 8;
        pub const SNAPSHOT: i32 = 9;
        pub const CRASHED: i32 = 10;
        pub const STARTING_UP: i32 = 11;
        pub const POSTCOPY: i32 = 12;
        pub const POSTCOPY_FAILED: i32 = 13;
        pub const API_ERROR: i32 = 14;
    }
    pub mod shutdown {
        pub const UNKNOWN: i32 = 0;
        pub const USER: i32 = 1;
    }
    pub mod shutoff {
        pub const UNKNOWN: i32 = 0;
        pub const SHUTDOWN: i32 = 1;
        pub const DESTROYED: i32 = 2;
        pub const CRASHED: i32 = 3;
        pub const MIGRATED: i32 = 4;
        pub const SAVED: i32 = 5;
        pub const FAILED: i32 = 6;
        pub const FROM_SNAPSHOT: i32 = 7;
        pub const DAEMON: i32 = 8;
    }
    pub mod crashed {
        pub const UNKNOWN: i32 = 0;
        pub const PANICKED: i32 = 1;
    }
    pub mod pmsuspended {
        pub const UNKNOWN: i32 = 0;
    }
}

/// `virDomainInfo`. Memory in KiB, CPU time in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DomainInfo {
    pub state: DomainState,
    pub max_mem: u64,
    pub memory: u64,
    pub nr_virt_cpu: u32,
    pub cpu_time: u64,
}

/// `virNodeInfo`. Memory in KiB.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeInfo {
    pub model: String,
    pub memory: u64,
    pub cpus: u32,
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

/// `virSecurityModel`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SecurityModel {
    pub model: String,
    pub doi: String,
}

/// `virSecurityLabel`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SecurityLabel {
    pub label: String,
    pub enforcing: bool,
}

/// `virStoragePoolState`.
pub mod pool_state {
    pub const INACTIVE: i32 = 0;
    pub const BUILDING: i32 = 1;
    pub const RUNNING: i32 = 2;
    pub const DEGRADED: i32 = 3;
    pub const INACCESSIBLE: i32 = 4;
}

/// `virStoragePoolInfo`. Sizes in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StoragePoolInfo {
    pub state: i32,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

/// `virStorageVolType`.
pub mod vol_type {
    pub const FILE: i32 = 0;
    pub const BLOCK: i32 = 1;
    pub const DIR: i32 = 2;
    pub const NETWORK: i32 = 3;
    pub const NETDIR: i32 = 4;
    pub const PLOOP: i32 = 5;
}

/// `virStorageVolWipeAlgorithm`: the names by number, as virsh and scrub spell them.
pub const WIPE_ALGORITHMS: [&str; 10] = [
    "zero",
    "nnsa",
    "dod",
    "bsi",
    "gutmann",
    "schneier",
    "pfitzner7",
    "pfitzner33",
    "random",
    "trim",
];

/// `virStorageVolInfo`. Sizes in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StorageVolInfo {
    pub kind: i32,
    pub capacity: u64,
    pub allocation: u64,
}

/// Flag bits of libvirt's calls, by call family. Values are libvirt's.
pub mod flags {
    /// `virConnectOpenFlags`.
    pub mod connect {
        pub const RO: u32 = 1;
        pub const NO_ALIASES: u32 = 2;
    }
    /// `virConnectListAllDomainsFlags`.
    pub mod list_domains {
        pub const ACTIVE: u32 = 1 << 0;
        pub const INACTIVE: u32 = 1 << 1;
        pub const PERSISTENT: u32 = 1 << 2;
        pub const TRANSIENT: u32 = 1 << 3;
        pub const RUNNING: u32 = 1 << 4;
        pub const PAUSED: u32 = 1 << 5;
        pub const SHUTOFF: u32 = 1 << 6;
        pub const OTHER: u32 = 1 << 7;
        pub const MANAGEDSAVE: u32 = 1 << 8;
        pub const NO_MANAGEDSAVE: u32 = 1 << 9;
        pub const AUTOSTART: u32 = 1 << 10;
        pub const NO_AUTOSTART: u32 = 1 << 11;
        pub const HAS_SNAPSHOT: u32 = 1 << 12;
        pub const NO_SNAPSHOT: u32 = 1 << 13;
        pub const HAS_CHECKPOINT: u32 = 1 << 14;
        pub const NO_CHECKPOINT: u32 = 1 << 15;
    }
    /// `virConnectListAllNetworksFlags`.
    pub mod list_networks {
        pub const INACTIVE: u32 = 1 << 0;
        pub const ACTIVE: u32 = 1 << 1;
        pub const PERSISTENT: u32 = 1 << 2;
        pub const TRANSIENT: u32 = 1 << 3;
        pub const AUTOSTART: u32 = 1 << 4;
        pub const NO_AUTOSTART: u32 = 1 << 5;
    }
    /// `virConnectListAllStoragePoolsFlags`.
    pub mod list_pools {
        pub const INACTIVE: u32 = 1 << 0;
        pub const ACTIVE: u32 = 1 << 1;
        pub const PERSISTENT: u32 = 1 << 2;
        pub const TRANSIENT: u32 = 1 << 3;
        pub const AUTOSTART: u32 = 1 << 4;
        pub const NO_AUTOSTART: u32 = 1 << 5;
        pub const DIR: u32 = 1 << 6;
        pub const FS: u32 = 1 << 7;
        pub const NETFS: u32 = 1 << 8;
        pub const LOGICAL: u32 = 1 << 9;
        pub const DISK: u32 = 1 << 10;
        pub const ISCSI: u32 = 1 << 11;
        pub const SCSI: u32 = 1 << 12;
        pub const MPATH: u32 = 1 << 13;
        pub const RBD: u32 = 1 << 14;
        pub const SHEEPDOG: u32 = 1 << 15;
        pub const GLUSTER: u32 = 1 << 16;
        pub const ZFS: u32 = 1 << 17;
        pub const VSTORAGE: u32 = 1 << 18;
        pub const ISCSI_DIRECT: u32 = 1 << 19;
    }
    /// `virConnectListAllInterfacesFlags`.
    pub mod list_interfaces {
        pub const INACTIVE: u32 = 1 << 0;
        pub const ACTIVE: u32 = 1 << 1;
    }
    /// `virDomainXMLFlags`.
    pub mod domain_xml {
        pub const SECURE: u32 = 1 << 0;
        pub const INACTIVE: u32 = 1 << 1;
        pub const UPDATE_CPU: u32 = 1 << 2;
        pub const MIGRATABLE: u32 = 1 << 3;
    }
    /// `virDomainModificationImpact` (shared by many setters).
    pub mod affect {
        pub const CURRENT: u32 = 0;
        pub const LIVE: u32 = 1 << 0;
        pub const CONFIG: u32 = 1 << 1;
    }
    /// `virDomainDeviceModifyFlags`: the affect flags plus forcing a change (ejecting a
    /// locked CD-ROM).
    pub mod device_modify {
        pub const CURRENT: u32 = 0;
        pub const LIVE: u32 = 1 << 0;
        pub const CONFIG: u32 = 1 << 1;
        pub const FORCE: u32 = 1 << 2;
    }
    /// `virDomainMemoryModFlags`.
    pub mod memory {
        pub const MAXIMUM: u32 = 1 << 2;
    }
    /// `virDomainVcpuFlags`.
    pub mod vcpu {
        pub const MAXIMUM: u32 = 1 << 2;
        pub const GUEST: u32 = 1 << 3;
        pub const HOTPLUGGABLE: u32 = 1 << 4;
    }
    /// `virDomainCreateFlags`.
    pub mod create {
        pub const PAUSED: u32 = 1 << 0;
        pub const AUTODESTROY: u32 = 1 << 1;
        pub const BYPASS_CACHE: u32 = 1 << 2;
        pub const FORCE_BOOT: u32 = 1 << 3;
        pub const VALIDATE: u32 = 1 << 4;
        pub const RESET_NVRAM: u32 = 1 << 5;
    }
    /// `virDomainDefineFlags`.
    pub mod define {
        pub const VALIDATE: u32 = 1 << 0;
    }
    /// `virDomainUndefineFlagsValues`.
    pub mod undefine {
        pub const MANAGED_SAVE: u32 = 1 << 0;
        pub const SNAPSHOTS_METADATA: u32 = 1 << 1;
        pub const NVRAM: u32 = 1 << 2;
        pub const KEEP_NVRAM: u32 = 1 << 3;
        pub const CHECKPOINTS_METADATA: u32 = 1 << 4;
        pub const TPM: u32 = 1 << 5;
        pub const KEEP_TPM: u32 = 1 << 6;
    }
    /// `virDomainDestroyFlagsValues`.
    pub mod destroy {
        pub const GRACEFUL: u32 = 1 << 0;
        pub const REMOVE_LOGS: u32 = 1 << 1;
    }
    /// `virDomainSaveRestoreFlags`.
    pub mod save {
        pub const BYPASS_CACHE: u32 = 1 << 0;
        pub const RUNNING: u32 = 1 << 1;
        pub const PAUSED: u32 = 1 << 2;
        pub const RESET_NVRAM: u32 = 1 << 3;
    }
    /// `virDomainSnapshotCreateFlags`.
    pub mod snapshot_create {
        pub const REDEFINE: u32 = 1 << 0;
        pub const CURRENT: u32 = 1 << 1;
        pub const NO_METADATA: u32 = 1 << 2;
        pub const HALT: u32 = 1 << 3;
        pub const DISK_ONLY: u32 = 1 << 4;
        pub const REUSE_EXT: u32 = 1 << 5;
        pub const QUIESCE: u32 = 1 << 6;
        pub const ATOMIC: u32 = 1 << 7;
        pub const LIVE: u32 = 1 << 8;
        pub const VALIDATE: u32 = 1 << 9;
    }
    /// `virDomainSnapshotRevertFlags`.
    pub mod snapshot_revert {
        pub const RUNNING: u32 = 1 << 0;
        pub const PAUSED: u32 = 1 << 1;
        pub const FORCE: u32 = 1 << 2;
        pub const RESET_NVRAM: u32 = 1 << 3;
    }
    /// `virDomainMetadataType`.
    pub mod metadata {
        pub const DESCRIPTION: i32 = 0;
        pub const TITLE: i32 = 1;
        pub const ELEMENT: i32 = 2;
    }
    /// `virNetworkXMLFlags`.
    pub mod network_xml {
        pub const INACTIVE: u32 = 1 << 0;
    }
    /// `virStorageXMLFlags`.
    pub mod storage_xml {
        pub const INACTIVE: u32 = 1 << 0;
    }
    /// `virStreamFlags`.
    pub mod stream {
        pub const NONBLOCK: u32 = 1 << 0;
    }
    /// `virStreamRecvFlagsValues`.
    pub mod stream_recv {
        pub const STOP_AT_HOLE: u32 = 1 << 0;
    }
    /// `virStorageVolUploadFlags`.
    pub mod vol_upload {
        pub const SPARSE_STREAM: u32 = 1 << 0;
    }
    /// `virStorageVolDownloadFlags`.
    pub mod vol_download {
        pub const SPARSE_STREAM: u32 = 1 << 0;
    }
    /// `virStorageVolResizeFlags`.
    pub mod vol_resize {
        pub const ALLOCATE: u32 = 1 << 0;
        pub const DELTA: u32 = 1 << 1;
        pub const SHRINK: u32 = 1 << 2;
    }
    /// `virDomainConsoleFlags`.
    pub mod console {
        pub const FORCE: u32 = 1 << 0;
        pub const SAFE: u32 = 1 << 1;
    }
    /// `virDomainChannelFlags`.
    pub mod channel {
        pub const FORCE: u32 = 1 << 0;
    }
}

/// Event identifiers and lifecycle event numbers.
pub mod event {
    /// `virDomainEventID`.
    pub mod domain_id {
        pub const LIFECYCLE: i32 = 0;
        pub const REBOOT: i32 = 1;
        pub const RTC_CHANGE: i32 = 2;
        pub const WATCHDOG: i32 = 3;
        pub const IO_ERROR: i32 = 4;
        pub const GRAPHICS: i32 = 5;
        pub const IO_ERROR_REASON: i32 = 6;
        pub const CONTROL_ERROR: i32 = 7;
        pub const BLOCK_JOB: i32 = 8;
        pub const DISK_CHANGE: i32 = 9;
        pub const TRAY_CHANGE: i32 = 10;
        pub const PMWAKEUP: i32 = 11;
        pub const PMSUSPEND: i32 = 12;
        pub const BALLOON_CHANGE: i32 = 13;
        pub const PMSUSPEND_DISK: i32 = 14;
        pub const DEVICE_REMOVED: i32 = 15;
        pub const BLOCK_JOB_2: i32 = 16;
        pub const TUNABLE: i32 = 17;
        pub const AGENT_LIFECYCLE: i32 = 18;
        pub const DEVICE_ADDED: i32 = 19;
        pub const MIGRATION_ITERATION: i32 = 20;
        pub const JOB_COMPLETED: i32 = 21;
        pub const DEVICE_REMOVAL_FAILED: i32 = 22;
        pub const METADATA_CHANGE: i32 = 23;
        pub const BLOCK_THRESHOLD: i32 = 24;
        pub const MEMORY_FAILURE: i32 = 25;
        pub const MEMORY_DEVICE_SIZE_CHANGE: i32 = 26;
        /// One past the last id libvirt 9.0 knows.
        pub const LAST: i32 = 27;
    }
    /// `virDomainEventType` (lifecycle events).
    pub mod lifecycle {
        pub const DEFINED: i32 = 0;
        pub const UNDEFINED: i32 = 1;
        pub const STARTED: i32 = 2;
        pub const SUSPENDED: i32 = 3;
        pub const RESUMED: i32 = 4;
        pub const STOPPED: i32 = 5;
        pub const SHUTDOWN: i32 = 6;
        pub const PMSUSPENDED: i32 = 7;
        pub const CRASHED: i32 = 8;
    }
    /// `virNetworkEventLifecycleType` and the pool equivalent share numbers for the basics.
    pub mod object_lifecycle {
        pub const DEFINED: i32 = 0;
        pub const UNDEFINED: i32 = 1;
        pub const STARTED: i32 = 2;
        pub const STOPPED: i32 = 3;
        /// Storage pools only.
        pub const CREATED: i32 = 4;
        /// Storage pools only.
        pub const DELETED: i32 = 5;
    }
}

/// `virVcpuState`.
pub mod vcpu_state {
    pub const OFFLINE: i32 = 0;
    pub const RUNNING: i32 = 1;
    pub const BLOCKED: i32 = 2;
}

/// `virVcpuInfo`: one virtual CPU of a running domain. CPU time in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VcpuInfo {
    pub number: u32,
    pub state: i32,
    pub cpu_time: u64,
    /// The host CPU it runs on (-1 when unknown).
    pub cpu: i32,
}

/// `virDomainGetVcpus` results: one record per vCPU asked for, and their affinity maps
/// (`maplen` bytes each, one bit per host CPU, in the same order).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DomainVcpus {
    pub info: Vec<VcpuInfo>,
    pub cpumaps: Vec<u8>,
}

/// `virDomainMemoryStatTags`.
pub mod memory_stat {
    pub const SWAP_IN: i32 = 0;
    pub const SWAP_OUT: i32 = 1;
    pub const MAJOR_FAULT: i32 = 2;
    pub const MINOR_FAULT: i32 = 3;
    pub const UNUSED: i32 = 4;
    pub const AVAILABLE: i32 = 5;
    pub const ACTUAL_BALLOON: i32 = 6;
    pub const RSS: i32 = 7;
    pub const USABLE: i32 = 8;
    pub const LAST_UPDATE: i32 = 9;
    pub const DISK_CACHES: i32 = 10;
    pub const HUGETLB_PGALLOC: i32 = 11;
    pub const HUGETLB_PGFAIL: i32 = 12;
    /// How many tags libvirt 9.0 knows.
    pub const NR: u32 = 13;
}

/// `virDomainMemoryStatStruct`: one tagged value (KiB for sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MemoryStat {
    pub tag: i32,
    pub val: u64,
}

/// `virNodeCPUStats` / `virNodeMemoryStats`: one named counter of the host.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeStat {
    pub field: String,
    pub value: u64,
}

/// `virNodeGetCPUMap` results.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeCpuMap {
    /// How many CPUs the host has (the return value of the call).
    pub cpus: i32,
    /// One bit per CPU, set for online ones.
    pub map: Vec<u8>,
    pub online: u32,
}

/// The value of a typed parameter (`virTypedParameterType` and its union).
#[derive(Clone, Debug, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

impl TypedValue {
    /// libvirt's number for the type (`VIR_TYPED_PARAM_INT` = 1 ... `STRING` = 7).
    pub fn type_number(&self) -> i32 {
        match self {
            TypedValue::Int(_) => 1,
            TypedValue::UInt(_) => 2,
            TypedValue::LLong(_) => 3,
            TypedValue::ULLong(_) => 4,
            TypedValue::Double(_) => 5,
            TypedValue::Boolean(_) => 6,
            TypedValue::String(_) => 7,
        }
    }

    /// The type's name as libvirt's messages spell it (`uint`, `ullong`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            TypedValue::Int(_) => "int",
            TypedValue::UInt(_) => "uint",
            TypedValue::LLong(_) => "llong",
            TypedValue::ULLong(_) => "ullong",
            TypedValue::Double(_) => "double",
            TypedValue::Boolean(_) => "boolean",
            TypedValue::String(_) => "string",
        }
    }
}

/// `virTypedParameter`: a named value.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedParam {
    pub field: String,
    pub value: TypedValue,
}

/// Typed-parameter names and flags.
pub mod typed_param {
    /// `VIR_TYPED_PARAM_FIELD_LENGTH`: room for a name, including its terminating NUL.
    pub const FIELD_LENGTH: usize = 80;
    /// `VIR_TYPED_PARAM_STRING_OKAY`: the caller accepts string values.
    pub const STRING_OKAY: u32 = 1 << 2;
    /// `VIR_DOMAIN_SCHEDULER_WEIGHT`.
    pub const SCHEDULER_WEIGHT: &str = "weight";
    /// `VIR_DRV_FEATURE_TYPED_PARAM_STRING`.
    pub const FEATURE_STRING: i32 = 9;
}

/// Flags of the host and statistics calls.
pub mod stats_flags {
    /// `VIR_NODE_CPU_STATS_ALL_CPUS` / `VIR_NODE_MEMORY_STATS_ALL_CELLS`.
    pub const ALL: i32 = -1;
    /// `virDomainGetHostnameFlags`.
    pub const HOSTNAME_LEASE: u32 = 1 << 0;
    pub const HOSTNAME_AGENT: u32 = 1 << 1;
}
