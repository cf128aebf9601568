//! Disk, interface and CPU statistics and the bulk domain statistics, with libvirtd's
//! limits on what a client may ask for and its packing of CPU statistics (only the
//! parameters that are there travel; the client spreads them out again by count).

use super::convert::{dom_in, dom_out, dom_ref};
use super::Table;
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{DomainStatsRecord, TypedParam};

/// `REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX`, `REMOTE_NODE_CPU_STATS_MAX`,
/// `REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX`, `REMOTE_DOMAIN_LIST_MAX`.
const BLOCK_STATS_PARAMETERS_MAX: i32 = 16;
const CPU_STATS_MAX: u32 = 16;
const CPU_STATS_NCPUS_MAX: u32 = 128;
const DOMAIN_LIST_MAX: usize = 16384;

/// libvirtd words these limits as internal errors of its RPC layer.
fn too_large(what: &str) -> rvirt::Error {
    rvirt::Error::internal(rvirt::ErrorDomain::RPC, format!("{what} too large"))
}

fn params_out(v: &[rvirt::TypedParam]) -> Vec<TypedParam> {
    v.iter().map(TypedParam::from).collect()
}

pub fn register(t: &mut Table) {
    t.add::<DomainBlockStats>(|c, a| {
        let s = dom_in(c, &a.dom)?.block_stats(&a.path)?;
        Ok(DomainBlockStatsRet {
            rd_req: s.rd_req,
            rd_bytes: s.rd_bytes,
            wr_req: s.wr_req,
            wr_bytes: s.wr_bytes,
            errs: s.errs,
        })
    });
    t.add::<DomainBlockStatsFlags>(|c, a| {
        if a.nparams > BLOCK_STATS_PARAMETERS_MAX {
            return Err(too_large("nparams"));
        }
        let (params, n) = dom_in(c, &a.dom)?.block_stats_flags(&a.path, a.nparams, a.flags)?;
        Ok(DomainBlockStatsFlagsRet {
            params: params_out(&params),
            nparams: n,
        })
    });
    t.add::<DomainInterfaceStats>(|c, a| {
        let s = dom_in(c, &a.dom)?.interface_stats(&a.device)?;
        Ok(DomainInterfaceStatsRet {
            rx_bytes: s.rx_bytes,
            rx_packets: s.rx_packets,
            rx_errs: s.rx_errs,
            rx_drop: s.rx_drop,
            tx_bytes: s.tx_bytes,
            tx_packets: s.tx_packets,
            tx_errs: s.tx_errs,
            tx_drop: s.tx_drop,
        })
    });
    t.add::<DomainGetBlockInfo>(|c, a| {
        let i = dom_in(c, &a.dom)?.block_info(&a.path, a.flags)?;
        Ok(DomainGetBlockInfoRet {
            allocation: i.allocation,
            capacity: i.capacity,
            physical: i.physical,
        })
    });
    t.add::<DomainGetCpuStats>(|c, a| {
        if a.nparams > CPU_STATS_MAX {
            return Err(too_large("nparams"));
        }
        if a.ncpus > CPU_STATS_NCPUS_MAX {
            return Err(too_large("ncpus"));
        }
        let s = dom_in(c, &a.dom)?.cpu_stats(a.nparams, a.start_cpu, a.ncpus, a.flags)?;
        let params = match a.nparams {
            0 => Vec::new(),
            _ => s.cpus.iter().flat_map(|p| params_out(p)).collect(),
        };
        Ok(DomainGetCpuStatsRet {
            params,
            nparams: s.count,
        })
    });
    t.add::<ConnectGetAllDomainStats>(|c, a| {
        if a.doms.len() > DOMAIN_LIST_MAX {
            return Err(too_large("domains list"));
        }
        let conn = c.conn()?;
        let recs = if a.doms.is_empty() {
            conn.all_domain_stats(a.stats, a.flags)?
        } else {
            let doms: Vec<rvirt::Domain> = a
                .doms
                .iter()
                .map(|d| rvirt::Domain::from_ref(conn.clone(), dom_ref(d)))
                .collect();
            conn.domain_list_stats(&doms, a.stats, a.flags)?
        };
        Ok(ConnectGetAllDomainStatsRet {
            ret_stats: recs
                .iter()
                .map(|r| DomainStatsRecord {
                    dom: dom_out(&r.dom),
                    params: params_out(&r.params),
                })
                .collect(),
        })
    });
}
