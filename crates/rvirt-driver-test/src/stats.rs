//! Statistics and placement answers of the test driver: vCPU information and pinning,
//! balloon statistics, the scheduler, the guest host name, and the host's CPU map and CPU
//! counters. Like libvirt's test driver, the numbers are made up but stable, except the
//! vCPU times, which follow the wall clock.

use crate::state::{DomainObj, DriverState};
use rvirt_core::types::{
    flags, memory_stat as tag, typed_param, vcpu_state, DomainVcpus, MemoryStat, NodeCpuMap,
    NodeInfo, NodeStat, TypedParam, TypedValue, VcpuInfo,
};
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::bitmap::Bitmap;
use rvirt_xml::domain::DomainDef;

/// `virCheckFlags` of the test driver: the unknown bits, named with the driver function.
fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    let rejected = flags & !allowed;
    if rejected != 0 {
        return Err(Error::unsupported_flags(
            ErrorDomain::TEST,
            rejected,
            function,
        ));
    }
    Ok(())
}

/// The host CPUs of the node description (libvirt's `VIR_NODEINFO_MAXCPUS`).
fn host_cpus(node: &NodeInfo) -> u32 {
    node.nodes
        .saturating_mul(node.sockets)
        .saturating_mul(node.cores)
        .saturating_mul(node.threads)
}

/// Copies the first `maplen * 8` bits of `set` into `out` (libvirt's `virBitmapToDataBuf`).
fn write_map(set: &Bitmap, out: &mut [u8]) {
    out.fill(0);
    for bit in set.iter() {
        let (byte, shift) = ((bit / 8) as usize, bit % 8);
        if let Some(b) = out.get_mut(byte) {
            *b |= 1 << shift;
        }
    }
}

/// Whether vCPU `i` of a definition is online.
fn vcpu_online(def: &DomainDef, i: u32) -> bool {
    match &def.vcpus.individual {
        Some(states) => states.get(i as usize).is_some_and(|s| s.online),
        None => i < def.vcpus.current,
    }
}

/// The placement of vCPU `i`: its own pinning, else the domain's `cpuset`, else `all`.
fn vcpu_mask<'a>(def: &'a DomainDef, i: u32, all: &'a Bitmap) -> &'a Bitmap {
    let pinned = def
        .cputune
        .as_ref()
        .and_then(|t| t.vcpupin.iter().find(|(v, _)| *v == i).map(|(_, s)| s));
    pinned.or(def.vcpus.cpuset.as_ref()).unwrap_or(all)
}

fn all_cpus(node: &NodeInfo) -> Bitmap {
    let mut all = Bitmap::new();
    for i in 0..host_cpus(node) {
        all.insert(i);
    }
    all
}

/// Whether a definition has a balloon that reports (libvirt's `virDomainDefHasMemballoon`).
fn has_balloon(def: &DomainDef) -> bool {
    def.devices
        .memballoon
        .as_ref()
        .is_some_and(|m| m.model != rvirt_xml::domain::devices::misc::MemballoonModel::None)
}

fn require_active(d: &DomainObj) -> Result<()> {
    if d.is_active() {
        Ok(())
    } else {
        Err(Error::operation_invalid(
            ErrorDomain::DOMAIN,
            "domain is not running",
        ))
    }
}

/// The fixed host counters libvirt's test driver reports, in its order.
const CPU_STATS: [(&str, u64); 4] = [
    ("user", 9_797_400_000),
    ("kernel", 34_678_723_400_000),
    ("idle", 87_264_900_000),
    ("iowait", 763_600_000),
];

/// The value the balloon reports as the time of its last update (libvirt's fixed guest
/// clock of the test driver).
const LAST_UPDATE: u64 = 627_319_920;

/// `virNodeGetCPUMap` of the test driver: 8 CPUs of which 0, 2 and 4 are online.
pub fn node_cpu_map(flags: u32) -> Result<NodeCpuMap> {
    check_flags(flags, 0, "testNodeGetCPUMap")?;
    Ok(NodeCpuMap {
        cpus: 8,
        map: vec![0x15],
        online: 3,
    })
}

/// `virNodeGetCPUStats` of the test driver: the same counters for every CPU.
pub fn node_cpu_stats(_cpu_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
    check_flags(flags, 0, "testNodeGetCPUStats")?;
    Ok(CPU_STATS
        .iter()
        .map(|(f, v)| NodeStat {
            field: (*f).to_string(),
            value: *v,
        })
        .collect())
}

/// `virDomainGetSchedulerType` of the test driver: the same answer whatever the domain.
pub fn scheduler_type() -> (String, i32) {
    ("fair".to_string(), 1)
}

impl DriverState {
    /// `virDomainGetVcpus`: online vCPUs run on the last CPU of their placement; offline
    /// ones inside the range asked for are left blank, as libvirt leaves them.
    pub fn vcpus(&self, r: &DomainRef, maxinfo: i32, maplen: i32) -> Result<DomainVcpus> {
        let i = self.dom_index(r)?;
        let d = &self.domains[i];
        if !d.is_active() {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "cannot list vcpus for an inactive domain",
            ));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|t| t.as_micros() as u64)
            .unwrap_or(0);
        let all = all_cpus(&self.node);
        let count = maxinfo.max(0).min(d.def.vcpus.current as i32) as usize;
        let maplen = maplen.max(0) as usize;
        let mut out = DomainVcpus {
            info: vec![VcpuInfo::default(); count],
            cpumaps: vec![0; count * maplen],
        };
        for n in 0..count {
            if !vcpu_online(&d.def, n as u32) {
                continue;
            }
            let mask = vcpu_mask(&d.def, n as u32, &all);
            write_map(mask, &mut out.cpumaps[n * maplen..(n + 1) * maplen]);
            out.info[n] = VcpuInfo {
                number: n as u32,
                state: vcpu_state::RUNNING,
                // A fake time that grows: the wall clock in microseconds, read as tenths.
                cpu_time: now / 10,
                cpu: mask.max().map_or(-1, |m| m as i32),
            };
        }
        Ok(out)
    }

    /// `virDomainGetVcpuPinInfo`: one map per vCPU of the chosen definition, up to
    /// `ncpumaps`.
    pub fn vcpu_pin_info(
        &self,
        r: &DomainRef,
        ncpumaps: i32,
        maplen: i32,
        fl: u32,
    ) -> Result<(i32, Vec<u8>)> {
        let i = self.dom_index(r)?;
        let live = self.one_def(i, fl)?;
        let d = &self.domains[i];
        let def = if live { &d.def } else { d.persistent_def() };
        let all = all_cpus(&self.node);
        let count = ncpumaps.max(0).min(def.vcpus.max as i32) as usize;
        let maplen = maplen.max(0) as usize;
        let mut maps = vec![0; count * maplen];
        for n in 0..count {
            let mask = vcpu_mask(def, n as u32, &all);
            write_map(mask, &mut maps[n * maplen..(n + 1) * maplen]);
        }
        Ok((count as i32, maps))
    }

    /// `virDomainMemoryStats`: balloon figures derived from the current memory, or none
    /// when the domain has no balloon.
    pub fn memory_stats(&self, r: &DomainRef, nr_stats: u32, fl: u32) -> Result<Vec<MemoryStat>> {
        check_flags(fl, 0, "testDomainMemoryStats")?;
        let i = self.dom_index(r)?;
        let d = &self.domains[i];
        require_active(d)?;
        if !has_balloon(&d.def) {
            return Ok(Vec::new());
        }
        // libvirt keeps the current memory in a C int here.
        let cur = d.def.current_memory_kib as i32 as i64 as u64;
        let half = (d.def.current_memory_kib as i32 / 2) as i64 as u64;
        let eighth = (d.def.current_memory_kib as i32 / 8) as i64 as u64;
        let all = [
            (tag::ACTUAL_BALLOON, cur),
            (tag::SWAP_IN, 0),
            (tag::SWAP_OUT, 0),
            (tag::MAJOR_FAULT, 0),
            (tag::MINOR_FAULT, 0),
            (tag::UNUSED, half),
            (tag::AVAILABLE, cur),
            (tag::USABLE, half),
            (tag::LAST_UPDATE, LAST_UPDATE),
            (tag::DISK_CACHES, eighth),
            (tag::HUGETLB_PGALLOC, 0),
            (tag::HUGETLB_PGFAIL, 0),
            (tag::RSS, half),
        ];
        Ok(all
            .iter()
            .take(nr_stats as usize)
            .map(|&(tag, val)| MemoryStat { tag, val })
            .collect())
    }

    /// `virDomainSetMemoryStatsPeriod`: the balloon's statistics period of one definition.
    pub fn set_memory_stats_period(&mut self, r: &DomainRef, period: i32, fl: u32) -> Result<()> {
        check_flags(
            fl,
            flags::affect::LIVE | flags::affect::CONFIG,
            "testDomainSetMemoryStatsPeriod",
        )?;
        let i = self.dom_index(r)?;
        let live = self.one_def(i, fl)?;
        let def = self.def_mut(i, live);
        match def.devices.memballoon.as_mut() {
            Some(m) if m.model != rvirt_xml::domain::devices::misc::MemballoonModel::None => {
                m.stats_period = period.max(0) as u32;
                Ok(())
            }
            _ => Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INTERNAL_ERROR,
                Some(
                    "No memory balloon device configured, can not set the collection period"
                        .to_string(),
                ),
            )),
        }
    }

    /// `virDomainGetSchedulerParametersFlags`: a fixed weight.
    pub fn scheduler_parameters(&self, r: &DomainRef, fl: u32) -> Result<Vec<TypedParam>> {
        check_flags(fl, 0, "testDomainGetSchedulerParametersFlags")?;
        self.dom_index(r)?;
        Ok(vec![TypedParam {
            field: typed_param::SCHEDULER_WEIGHT.to_string(),
            value: TypedValue::UInt(50),
        }])
    }

    /// `virDomainSetSchedulerParametersFlags`: accepts a weight and keeps nothing.
    pub fn set_scheduler_parameters(
        &self,
        r: &DomainRef,
        params: &[TypedParam],
        fl: u32,
    ) -> Result<()> {
        check_flags(fl, 0, "testDomainSetSchedulerParametersFlags")?;
        validate_params(params, &[(typed_param::SCHEDULER_WEIGHT, "uint")])?;
        self.dom_index(r)?;
        Ok(())
    }

    /// `virDomainGetHostname`: the domain's name (as the caller's handle spells it) with
    /// `host` appended.
    pub fn hostname(&self, r: &DomainRef, fl: u32) -> Result<String> {
        check_flags(fl, 0, "testDomainGetHostname")?;
        let i = self.dom_index(r)?;
        require_active(&self.domains[i])?;
        Ok(format!("{}host", r.name))
    }
}

/// libvirt's `virTypedParamsValidate`: every parameter is known, of the expected type, and
/// given once.
pub fn validate_params(params: &[TypedParam], known: &[(&str, &str)]) -> Result<()> {
    for (n, p) in params.iter().enumerate() {
        if p.field.len() >= typed_param::FIELD_LENGTH {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::INVALID_ARG,
                Some(format!("parameter name '{}' too long", p.field)),
            ));
        }
        let Some((_, want)) = known.iter().find(|(f, _)| *f == p.field) else {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                Some(format!("parameter '{}' not supported", p.field)),
            ));
        };
        if p.value.type_name() != *want {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "invalid type '{}' for parameter '{}', expected '{}'",
                    p.value.type_name(),
                    p.field,
                    want
                )),
            ));
        }
        if params[..n].iter().any(|q| q.field == p.field) {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::INVALID_ARG,
                Some(format!("parameter '{}' occurs multiple times", p.field)),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> (DriverState, DomainRef) {
        let st = crate::loader::load_default().unwrap_or_else(|e| panic!("{e}"));
        let r = st.domains[0].reference();
        (st, r)
    }

    #[test]
    fn running_vcpus_sit_on_the_last_host_cpu() {
        let (st, r) = state();
        let v = st.vcpus(&r, 8, 3).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.info.len(), 2);
        assert_eq!((v.info[1].number, v.info[1].cpu), (1, 15));
        assert_eq!(v.info[0].state, vcpu_state::RUNNING);
        // 16 host CPUs in three bytes per map.
        assert_eq!(v.cpumaps, vec![0xff, 0xff, 0, 0xff, 0xff, 0]);
        let (n, maps) = st
            .vcpu_pin_info(&r, 4, 1, flags::affect::CONFIG)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((n, maps), (2, vec![0xff, 0xff]));
    }

    #[test]
    fn balloon_statistics_follow_the_current_memory() {
        let (st, r) = state();
        let s = st.memory_stats(&r, 13, 0).unwrap_or_else(|e| panic!("{e}"));
        let get = |t| s.iter().find(|m| m.tag == t).map(|m| m.val);
        assert_eq!(s.len(), 13);
        assert_eq!(get(tag::ACTUAL_BALLOON), Some(2_097_152));
        assert_eq!(get(tag::DISK_CACHES), Some(262_144));
        assert_eq!(get(tag::LAST_UPDATE), Some(LAST_UPDATE));
        assert_eq!(st.memory_stats(&r, 3, 0).map(|v| v.len()).ok(), Some(3));
        let e = st.memory_stats(&r, 13, 1).err().map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("unsupported flags (0x1) in function testDomainMemoryStats")
        );
    }

    #[test]
    fn parameter_validation_names_the_problem() {
        let p = |f: &str, v: TypedValue| TypedParam {
            field: f.to_string(),
            value: v,
        };
        let known = [("weight", "uint")];
        assert!(validate_params(&[p("weight", TypedValue::UInt(1))], &known).is_ok());
        let msg = |ps: &[TypedParam]| validate_params(ps, &known).err().map(|e| e.message);
        assert_eq!(
            msg(&[p("cap", TypedValue::UInt(1))]).as_deref(),
            Some("argument unsupported: parameter 'cap' not supported")
        );
        assert_eq!(
            msg(&[p("weight", TypedValue::Int(1))]).as_deref(),
            Some("invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'")
        );
        assert_eq!(
            msg(&[
                p("weight", TypedValue::UInt(1)),
                p("weight", TypedValue::UInt(2))
            ])
            .as_deref(),
            Some("invalid argument: parameter 'weight' occurs multiple times")
        );
    }
}
