//! Statistics, placement, scheduler and capability procedures of domains and the host,
//! with the daemon's own limits on what a client may ask for.

use super::convert::dom_in;
use super::Table;
use crate::client::rpc_error;
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::types::{MemoryStat, NodeStat, TypedParam, VcpuInfo};
use rvirt_rpc::xdr::Opaque;

/// The protocol's limits (`REMOTE_*_MAX`).
const VCPUINFO_MAX: i32 = 16384;
const CPUMAPS_MAX: i64 = 8_388_608;
const CPUMAP_MAX: usize = 2048;
const MEMORY_STATS_MAX: u32 = 1024;
const SCHEDULER_PARAMETERS_MAX: i32 = 16;
const NODE_STATS_MAX: i32 = 16;

fn params_out(v: &[rvirt::TypedParam]) -> Vec<TypedParam> {
    v.iter().map(TypedParam::from).collect()
}

fn params_in(v: &[TypedParam]) -> rvirt::Result<Vec<rvirt::TypedParam>> {
    if v.len() > SCHEDULER_PARAMETERS_MAX as usize {
        return Err(rpc_error("too many parameters"));
    }
    Ok(v.iter().map(rvirt::TypedParam::from).collect())
}

/// A map buffer of `len` bytes holding `maps` at its start, as the daemon sends the whole
/// buffer it gave the call.
fn padded(mut maps: Vec<u8>, len: i64) -> Opaque {
    maps.resize(len.max(0) as usize, 0);
    Opaque(maps)
}

/// The node statistics reply: the count alone when the client asked how many there are,
/// else the values in the room the client gave.
fn node_stats(
    asked: i32,
    stats: rvirt::Result<Vec<rvirt::NodeStat>>,
) -> rvirt::Result<(Vec<NodeStat>, i32)> {
    let stats = stats?;
    if asked == 0 {
        return Ok((Vec::new(), stats.len() as i32));
    }
    let mut params: Vec<NodeStat> = stats
        .into_iter()
        .take(asked as usize)
        .map(|s| NodeStat {
            field: s.field,
            value: s.value,
        })
        .collect();
    params.resize(asked as usize, NodeStat::default());
    Ok((params, 0))
}

/// `REMOTE_CPUMAP_MAX`: one map of at most 2048 bytes.
fn cpumap_room(map: &Opaque) -> rvirt::Result<()> {
    if map.0.len() > CPUMAP_MAX {
        return Err(rpc_error("cpumap length > REMOTE_CPUMAP_MAX"));
    }
    Ok(())
}

fn node_stats_room(nparams: i32, function: &str) -> rvirt::Result<()> {
    if nparams > NODE_STATS_MAX {
        return Err(rpc_error("nparams too large"));
    }
    if nparams < 0 {
        return Err(rvirt::Error::invalid_arg(
            rvirt::ErrorDomain::DOMAIN,
            format!("*nparams in {function} must be zero or greater"),
        ));
    }
    Ok(())
}

pub fn register(t: &mut Table) {
    register_host(t);
    register_domain(t);
}

fn register_host(t: &mut Table) {
    t.add::<NodeGetCpuMap>(|c, a| {
        let m = c.conn()?.node_cpu_map(a.flags)?;
        let cpumap = if a.need_map != 0 {
            let len = (m.cpus.max(0) as usize).div_ceil(8);
            padded(m.map, len as i64)
        } else {
            Opaque(Vec::new())
        };
        Ok(NodeGetCpuMapRet {
            cpumap,
            online: if a.need_online != 0 { m.online } else { 0 },
            ret: m.cpus,
        })
    });
    t.add::<NodeGetCpuStats>(|c, a| {
        node_stats_room(a.nparams, "virNodeGetCPUStats")?;
        // libvirt counts the fields before it looks for the CPU: asking how many for a
        // CPU that does not exist answers the count, and only the fetch fails.
        let cpu = if a.nparams == 0 { -1 } else { a.cpu_num };
        let (params, nparams) = node_stats(a.nparams, c.conn()?.node_cpu_stats(cpu, a.flags))?;
        Ok(NodeGetCpuStatsRet { params, nparams })
    });
    t.add::<NodeGetMemoryStats>(|c, a| {
        node_stats_room(a.nparams, "virNodeGetMemoryStats")?;
        let (params, nparams) =
            node_stats(a.nparams, c.conn()?.node_memory_stats(a.cell_num, a.flags))?;
        Ok(NodeGetMemoryStatsRet { params, nparams })
    });
    t.add::<ConnectGetDomainCapabilities>(|c, a| {
        Ok(ConnectGetDomainCapabilitiesRet {
            capabilities: c.conn()?.domain_capabilities(
                a.emulatorbin.as_deref(),
                a.arch.as_deref(),
                a.machine.as_deref(),
                a.virttype.as_deref(),
                a.flags,
            )?,
        })
    });
}

fn register_domain(t: &mut Table) {
    t.add::<DomainGetVcpus>(|c, a| {
        if a.maxinfo > VCPUINFO_MAX {
            return Err(rpc_error("maxinfo > REMOTE_VCPUINFO_MAX"));
        }
        let len = i64::from(a.maxinfo) * i64::from(a.maplen);
        if len > CPUMAPS_MAX {
            return Err(rpc_error("maxinfo * maplen > REMOTE_CPUMAPS_MAX"));
        }
        let v = dom_in(c, &a.dom)?.vcpus(a.maxinfo, a.maplen)?;
        Ok(DomainGetVcpusRet {
            info: v
                .info
                .iter()
                .map(|i| VcpuInfo {
                    number: i.number,
                    state: i.state,
                    cpu_time: i.cpu_time,
                    cpu: i.cpu,
                })
                .collect(),
            cpumaps: padded(v.cpumaps, len),
        })
    });
    t.add::<DomainGetVcpuPinInfo>(|c, a| {
        if a.ncpumaps > VCPUINFO_MAX {
            return Err(rpc_error("ncpumaps > REMOTE_VCPUINFO_MAX"));
        }
        let len = i64::from(a.ncpumaps) * i64::from(a.maplen);
        if len > CPUMAPS_MAX {
            return Err(rpc_error("maxinfo * maplen > REMOTE_CPUMAPS_MAX"));
        }
        let (num, maps) = dom_in(c, &a.dom)?.vcpu_pin_info(a.ncpumaps, a.maplen, a.flags)?;
        Ok(DomainGetVcpuPinInfoRet {
            cpumaps: padded(maps, len),
            num,
        })
    });
    t.add::<DomainPinVcpu>(|c, a| {
        cpumap_room(&a.cpumap)?;
        dom_in(c, &a.dom)?.pin_vcpu(a.vcpu, &a.cpumap.0, None)
    });
    t.add::<DomainPinVcpuFlags>(|c, a| {
        cpumap_room(&a.cpumap)?;
        dom_in(c, &a.dom)?.pin_vcpu(a.vcpu, &a.cpumap.0, Some(a.flags))
    });
    t.add::<DomainPinEmulator>(|c, a| {
        cpumap_room(&a.cpumap)?;
        dom_in(c, &a.dom)?.pin_emulator(&a.cpumap.0, a.flags)
    });
    t.add::<DomainGetEmulatorPinInfo>(|c, a| {
        if i64::from(a.maplen) > CPUMAPS_MAX {
            return Err(rpc_error("maplen > REMOTE_CPUMAPS_MAX"));
        }
        let (ret, map) = dom_in(c, &a.dom)?.emulator_pin_info(a.maplen, a.flags)?;
        Ok(DomainGetEmulatorPinInfoRet {
            cpumaps: padded(map, i64::from(a.maplen)),
            ret,
        })
    });
    t.add::<DomainMemoryStats>(|c, a| {
        if a.max_stats > MEMORY_STATS_MAX {
            return Err(rpc_error("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX"));
        }
        let stats = dom_in(c, &a.dom)?.memory_stats(a.max_stats, a.flags)?;
        Ok(DomainMemoryStatsRet {
            stats: stats
                .iter()
                .map(|s| MemoryStat {
                    tag: s.tag,
                    val: s.val,
                })
                .collect(),
        })
    });
    t.add::<DomainSetMemoryStatsPeriod>(|c, a| {
        dom_in(c, &a.dom)?.set_memory_stats_period(a.period, a.flags)
    });
    t.add::<DomainGetSchedulerType>(|c, a| {
        let (kind, nparams) = dom_in(c, &a.dom)?.scheduler_type()?;
        Ok(DomainGetSchedulerTypeRet {
            r#type: kind,
            nparams,
        })
    });
    t.add::<DomainGetSchedulerParameters>(|c, a| {
        if a.nparams > SCHEDULER_PARAMETERS_MAX {
            return Err(rpc_error("nparams too large"));
        }
        let v = dom_in(c, &a.dom)?.scheduler_parameters(a.nparams)?;
        Ok(DomainGetSchedulerParametersRet {
            params: params_out(&v),
        })
    });
    t.add::<DomainGetSchedulerParametersFlags>(|c, a| {
        if a.nparams > SCHEDULER_PARAMETERS_MAX {
            return Err(rpc_error("nparams too large"));
        }
        let v = dom_in(c, &a.dom)?.scheduler_parameters_flags(a.nparams, a.flags)?;
        Ok(DomainGetSchedulerParametersFlagsRet {
            params: params_out(&v),
        })
    });
    t.add::<DomainSetSchedulerParameters>(|c, a| {
        let params = params_in(&a.params)?;
        dom_in(c, &a.dom)?.set_scheduler_parameters(&params)
    });
    t.add::<DomainSetSchedulerParametersFlags>(|c, a| {
        let params = params_in(&a.params)?;
        dom_in(c, &a.dom)?.set_scheduler_parameters_flags(&params, a.flags)
    });
    t.add::<DomainGetHostname>(|c, a| {
        Ok(DomainGetHostnameRet {
            hostname: dom_in(c, &a.dom)?.hostname(a.flags)?,
        })
    });
}
