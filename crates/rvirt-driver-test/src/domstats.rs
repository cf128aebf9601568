//! Disk, interface and CPU statistics of libvirt's test driver: made-up figures, the
//! disk and interface ones derived from the clock (so they grow like real counters), the
//! CPU ones fixed and spread over as many CPUs as the node has cores per socket.

use crate::state::{DomainObj, DriverState};
use rvirt_core::domstats::{
    all_stats, cpu_stat, group, BlockInfo, BlockStats, CpuStats, DomainStatsRecord, InterfaceStats,
};
use rvirt_core::types::{typed_param, TypedParam, TypedValue};
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;
use rvirt_xml::mac::MacAddr;

/// The domain's total CPU time and the parts of it the test driver reports.
const CPU_TIME: u64 = 48_772_617_035;
const USER_TIME: u64 = 5_540_000_000;
const SYSTEM_TIME: u64 = 6_460_000_000;
/// How much less each CPU's vCPU time is than its CPU time.
const VCPU_LESS: u64 = 1_234_567_890;

/// The stats groups the test driver has.
const GROUPS: u32 = group::STATE;

fn require_active(d: &DomainObj) -> Result<()> {
    if d.is_active() {
        return Ok(());
    }
    Err(Error::operation_invalid(
        ErrorDomain::DOMAIN,
        "domain is not running",
    ))
}

/// libvirt's disk lookup: a name starting with `/` is a source path (unambiguous only),
/// anything else a target device.
fn disk_index(def: &DomainDef, name: &str) -> Option<usize> {
    let disks = &def.devices.disks;
    if !name.starts_with('/') {
        return disks.iter().position(|d| d.target.dev == name);
    }
    let mut hits = disks
        .iter()
        .enumerate()
        .filter(|(_, d)| d.source.path() == Some(name));
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// The clock in microseconds, as GLib's real time.
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn ullong(field: &str, v: u64) -> TypedParam {
    TypedParam {
        field: field.to_string(),
        value: TypedValue::ULLong(v),
    }
}

impl DriverState {
    /// `virDomainBlockStats`: the whole-domain summary (an empty path) is not offered.
    pub fn block_stats(&self, r: &DomainRef, path: &str) -> Result<BlockStats> {
        if path.is_empty() {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::OPERATION_UNSUPPORTED,
                Some("summary statistics are not supported yet".into()),
            ));
        }
        let d = &self.domains[self.dom_index(r)?];
        require_active(d)?;
        if disk_index(&d.def, path).is_none() {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some(format!("invalid path: {path}")),
            ));
        }
        let base = now_us();
        Ok(BlockStats {
            rd_req: (base / 10) as i64,
            rd_bytes: (base / 20) as i64,
            wr_req: (base / 30) as i64,
            wr_bytes: (base / 40) as i64,
            errs: (base / 1_000_000 / 2) as i64,
        })
    }

    /// `virDomainInterfaceStats` of an interface named by MAC or host-side name.
    pub fn interface_stats(&self, r: &DomainRef, device: &str) -> Result<InterfaceStats> {
        let d = &self.domains[self.dom_index(r)?];
        require_active(d)?;
        let nets = &d.def.devices.interfaces;
        let found = match MacAddr::parse(device) {
            Some(mac) => nets.iter().any(|n| n.mac == mac),
            None => nets.iter().any(|n| n.target_dev.as_deref() == Some(device)),
        };
        if !found {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::INVALID_ARG,
                Some(format!("'{device}' is not a known interface")),
            ));
        }
        let base = now_us();
        let sec = base / 1_000_000;
        Ok(InterfaceStats {
            rx_bytes: (base / 10) as i64,
            rx_packets: (base / 100) as i64,
            rx_errs: sec as i64,
            rx_drop: (sec / 2) as i64,
            tx_bytes: (base / 20) as i64,
            tx_packets: (base / 110) as i64,
            tx_errs: (sec / 3) as i64,
            tx_drop: (sec / 4) as i64,
        })
    }

    /// `virDomainGetBlockInfo`: fixed sizes for any disk of the domain, running or not.
    pub fn block_info(&self, r: &DomainRef, path: &str, flags: u32) -> Result<BlockInfo> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testDomainGetBlockInfo")?;
        let d = &self.domains[self.dom_index(r)?];
        if disk_index(&d.def, path).is_none() {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some(format!("invalid path {path} not assigned to domain")),
            ));
        }
        Ok(BlockInfo {
            capacity: 1_099_506_450_432,
            allocation: 1_099_511_627_776,
            physical: 1_099_511_627_776,
        })
    }

    /// `virDomainGetCPUStats` with the test driver's counts: three total figures, two per
    /// CPU, as many CPUs as the node's cores per socket.
    pub fn cpu_stats(
        &self,
        r: &DomainRef,
        nparams: u32,
        start: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<CpuStats> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            typed_param::STRING_OKAY,
            "testDomainGetCPUStats",
        )?;
        let d = &self.domains[self.dom_index(r)?];
        require_active(d)?;
        let total = self.node.cores.max(1);
        if nparams == 0 && ncpus == 0 {
            return Ok(CpuStats {
                cpus: Vec::new(),
                count: total as i32,
            });
        }
        if start == -1 {
            let all = [
                ullong(cpu_stat::CPUTIME, CPU_TIME),
                ullong(cpu_stat::USERTIME, USER_TIME),
                ullong(cpu_stat::SYSTEMTIME, SYSTEM_TIME),
            ];
            let n = (nparams as usize).min(all.len());
            let count = if nparams == 0 { all.len() } else { n };
            return Ok(CpuStats {
                cpus: if nparams == 0 {
                    Vec::new()
                } else {
                    vec![all[..n].to_vec()]
                },
                count: count as i32,
            });
        }
        if nparams == 0 {
            return Ok(CpuStats {
                cpus: Vec::new(),
                count: 2,
            });
        }
        let start = start as u32;
        if start >= total {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "start_cpu {start} larger than maximum of {}",
                    total - 1
                )),
            ));
        }
        let per = CPU_TIME / u64::from(total);
        let n = (nparams as usize).min(2);
        let end = start.saturating_add(ncpus).min(total);
        let cpus = (start..end)
            .map(|i| {
                let t = per + u64::from(i);
                let both = [
                    ullong(cpu_stat::CPUTIME, t),
                    ullong(cpu_stat::VCPUTIME, t - VCPU_LESS),
                ];
                both[..n].to_vec()
            })
            .collect();
        Ok(CpuStats {
            cpus,
            count: n as i32,
        })
    }

    /// `virConnectGetAllDomainStats` / `virDomainListGetStats`: only the state group;
    /// other groups are left out, or refused with `ENFORCE_STATS`; unknown domains of a
    /// list are skipped.
    pub fn all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        Error::check_flags(
            ErrorDomain::TEST,
            flags,
            0xff | all_stats::NOWAIT | all_stats::BACKING | all_stats::ENFORCE_STATS,
            "testConnectGetAllDomainStats",
        )?;
        let missing = stats & !GROUPS;
        if flags & all_stats::ENFORCE_STATS != 0 && missing != 0 {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some(format!(
                    "Stats types bits 0x{missing:x} are not supported by this daemon"
                )),
            ));
        }
        let wanted = if stats == 0 { GROUPS } else { stats & GROUPS };
        let chosen: Vec<&DomainObj> = if doms.is_empty() {
            self.domains.iter().collect()
        } else {
            doms.iter()
                .filter_map(|r| self.dom_index(r).ok().map(|i| &self.domains[i]))
                .collect()
        };
        Ok(chosen
            .into_iter()
            .filter(|d| crate::conn::matches(d, flags & 0xff))
            .map(|d| {
                let mut params = Vec::new();
                if wanted & group::STATE != 0 {
                    params.push(TypedParam {
                        field: "state.state".into(),
                        value: TypedValue::Int(d.state as i32),
                    });
                    params.push(TypedParam {
                        field: "state.reason".into(),
                        value: TypedValue::Int(d.reason),
                    });
                }
                DomainStatsRecord {
                    dom: d.reference(),
                    params,
                }
            })
            .collect())
    }
}
