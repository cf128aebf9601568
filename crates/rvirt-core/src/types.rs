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
