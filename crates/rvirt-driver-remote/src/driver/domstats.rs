//! Disk, interface and CPU statistics and bulk domain statistics over the wire, with the
//! checks libvirt's client makes on what the server answers (CPU statistics come packed
//! and are spread out again by the per-CPU count).

use super::checks::{params_in, rpc};
use super::Remote;
use crate::convert::{dom, dom_ref};
use rvirt_core::domstats::{BlockInfo, BlockStats, CpuStats, DomainStatsRecord, InterfaceStats};
use rvirt_core::refs::DomainRef;
use rvirt_core::Result;
use rvirt_rpc::protocol::remote::*;

/// `REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX`, `REMOTE_NODE_CPU_STATS_MAX`,
/// `REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX`, `REMOTE_DOMAIN_LIST_MAX`,
/// `REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX`.
const BLOCK_STATS_PARAMETERS_MAX: usize = 16;
const CPU_STATS_MAX: u32 = 16;
const CPU_STATS_NCPUS_MAX: u32 = 128;
const DOMAIN_LIST_MAX: usize = 16384;
const ALL_DOMAIN_STATS_MAX: usize = 262144;

impl Remote {
    pub(super) fn block_stats(&self, d: &DomainRef, path: &str) -> Result<BlockStats> {
        let r = self.call::<DomainBlockStats>(DomainBlockStatsArgs {
            dom: dom(d),
            path: path.to_string(),
        })?;
        Ok(BlockStats {
            rd_req: r.rd_req,
            rd_bytes: r.rd_bytes,
            wr_req: r.wr_req,
            wr_bytes: r.wr_bytes,
            errs: r.errs,
        })
    }

    pub(super) fn block_stats_flags(
        &self,
        d: &DomainRef,
        path: &str,
        nparams: i32,
        flags: u32,
    ) -> Result<(Vec<rvirt_core::types::TypedParam>, i32)> {
        let r = self.call::<DomainBlockStatsFlags>(DomainBlockStatsFlagsArgs {
            dom: dom(d),
            path: path.to_string(),
            nparams,
            flags,
        })?;
        if r.params.len() > BLOCK_STATS_PARAMETERS_MAX || r.params.len() as i64 > i64::from(nparams)
        {
            return Err(rpc(
                "remoteDomainBlockStatsFlags: returned number of parameters exceeds limit".into(),
            ));
        }
        if nparams == 0 {
            return Ok((Vec::new(), r.nparams));
        }
        let n = r.params.len() as i32;
        Ok((params_in(r.params, BLOCK_STATS_PARAMETERS_MAX, nparams)?, n))
    }

    pub(super) fn interface_stats(&self, d: &DomainRef, device: &str) -> Result<InterfaceStats> {
        let r = self.call::<DomainInterfaceStats>(DomainInterfaceStatsArgs {
            dom: dom(d),
            device: device.to_string(),
        })?;
        Ok(InterfaceStats {
            rx_bytes: r.rx_bytes,
            rx_packets: r.rx_packets,
            rx_errs: r.rx_errs,
            rx_drop: r.rx_drop,
            tx_bytes: r.tx_bytes,
            tx_packets: r.tx_packets,
            tx_errs: r.tx_errs,
            tx_drop: r.tx_drop,
        })
    }

    pub(super) fn block_info(&self, d: &DomainRef, path: &str, flags: u32) -> Result<BlockInfo> {
        let r = self.call::<DomainGetBlockInfo>(DomainGetBlockInfoArgs {
            dom: dom(d),
            path: path.to_string(),
            flags,
        })?;
        Ok(BlockInfo {
            capacity: r.capacity,
            allocation: r.allocation,
            physical: r.physical,
        })
    }

    pub(super) fn cpu_stats(
        &self,
        d: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<CpuStats> {
        if nparams > CPU_STATS_MAX {
            return Err(rpc(format!(
                "nparams count exceeds maximum: {nparams} > {CPU_STATS_MAX}"
            )));
        }
        if ncpus > CPU_STATS_NCPUS_MAX {
            return Err(rpc(format!(
                "ncpus count exceeds maximum: {ncpus} > {CPU_STATS_NCPUS_MAX}"
            )));
        }
        let r = self.call::<DomainGetCpuStats>(DomainGetCpuStatsArgs {
            dom: dom(d),
            nparams,
            start_cpu,
            ncpus,
            flags,
        })?;
        let got = r.params.len() as u64;
        let stride = u64::try_from(r.nparams).unwrap_or(0);
        if got > u64::from(nparams) * u64::from(ncpus)
            || (got > 0 && (stride == 0 || got % stride != 0 || stride > u64::from(nparams)))
        {
            return Err(rpc(
                "remoteDomainGetCPUStats: returned number of stats exceeds limit".into(),
            ));
        }
        if nparams == 0 || got == 0 {
            return Ok(CpuStats {
                cpus: Vec::new(),
                count: r.nparams,
            });
        }
        let mut cpus = Vec::new();
        let mut it = r.params.into_iter();
        for _ in 0..got / stride {
            let chunk: Vec<_> = it.by_ref().take(stride as usize).collect();
            cpus.push(params_in(chunk, CPU_STATS_MAX as usize, nparams as i32)?);
        }
        Ok(CpuStats {
            cpus,
            count: r.nparams,
        })
    }

    pub(super) fn all_domain_stats(
        &self,
        doms: &[DomainRef],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStatsRecord>> {
        let r = self.call::<ConnectGetAllDomainStats>(ConnectGetAllDomainStatsArgs {
            doms: doms.iter().map(dom).collect(),
            stats,
            flags,
        })?;
        if r.ret_stats.len() > DOMAIN_LIST_MAX {
            return Err(rpc(format!(
                "Too many domain stats records: {} for limit {DOMAIN_LIST_MAX}",
                r.ret_stats.len()
            )));
        }
        r.ret_stats
            .into_iter()
            .map(|rec| {
                Ok(DomainStatsRecord {
                    dom: dom_ref(rec.dom),
                    params: params_in(rec.params, ALL_DOMAIN_STATS_MAX, i32::MAX)?,
                })
            })
            .collect()
    }
}
