//! The statistics a domain reports about its disks, interfaces and CPUs, and the groups
//! of `virConnectGetAllDomainStats`.

use crate::types::TypedParam;

/// `virDomainBlockStatsStruct`: -1 where a driver has no figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BlockStats {
    pub rd_req: i64,
    pub rd_bytes: i64,
    pub wr_req: i64,
    pub wr_bytes: i64,
    pub errs: i64,
}

/// `virDomainInterfaceStatsStruct`: -1 where a driver has no figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InterfaceStats {
    pub rx_bytes: i64,
    pub rx_packets: i64,
    pub rx_errs: i64,
    pub rx_drop: i64,
    pub tx_bytes: i64,
    pub tx_packets: i64,
    pub tx_errs: i64,
    pub tx_drop: i64,
}

/// `virDomainBlockInfo`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BlockInfo {
    pub capacity: u64,
    pub allocation: u64,
    pub physical: u64,
}

/// What `virDomainGetCPUStats` answers: the parameters of each CPU asked for (an empty
/// list for a CPU the domain does not use) and the call's return value (the number of
/// parameters per CPU, or of CPUs when none were asked for).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CpuStats {
    pub cpus: Vec<Vec<TypedParam>>,
    pub count: i32,
}

/// One domain's record of `virConnectGetAllDomainStats`.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainStatsRecord {
    pub dom: crate::refs::DomainRef,
    pub params: Vec<TypedParam>,
}

/// `virDomainStatsTypes`.
pub mod group {
    pub const STATE: u32 = 1 << 0;
    pub const CPU_TOTAL: u32 = 1 << 1;
    pub const BALLOON: u32 = 1 << 2;
    pub const VCPU: u32 = 1 << 3;
    pub const INTERFACE: u32 = 1 << 4;
    pub const BLOCK: u32 = 1 << 5;
    pub const PERF: u32 = 1 << 6;
    pub const IOTHREAD: u32 = 1 << 7;
    pub const MEMORY: u32 = 1 << 8;
    pub const DIRTYRATE: u32 = 1 << 9;
    pub const VM: u32 = 1 << 10;
}

/// `virConnectGetAllDomainStatsFlags` beyond the list filters (which are
/// `virConnectListAllDomains`' first eight bits).
pub mod all_stats {
    pub const NOWAIT: u32 = 1 << 29;
    pub const BACKING: u32 = 1 << 30;
    pub const ENFORCE_STATS: u32 = 1 << 31;
}

/// `virDomainGetCPUStats` parameter names.
pub mod cpu_stat {
    pub const CPUTIME: &str = "cpu_time";
    pub const USERTIME: &str = "user_time";
    pub const SYSTEMTIME: &str = "system_time";
    pub const VCPUTIME: &str = "vcpu_time";
}
