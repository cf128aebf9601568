//! Statistics, placement and scheduler calls of the host and of domains, with the argument
//! and read-only checks libvirt's public API makes before a driver is asked.

use crate::{Connect, Domain};
use rvirt_core::types::{
    flags, stats_flags, typed_param, DomainVcpus, MemoryStat, NodeCpuMap, NodeStat, TypedParam,
    TypedValue,
};
use rvirt_core::{Error, ErrorDomain, Result};

fn invalid(msg: String) -> Error {
    Error::invalid_arg(ErrorDomain::DOMAIN, msg)
}

fn positive(v: i32, arg: &str, function: &str) -> Result<()> {
    if v <= 0 {
        return Err(invalid(format!(
            "{arg} in {function} must be greater than zero"
        )));
    }
    Ok(())
}

/// The room a caller gives for scheduler parameters: none at all reads, as in C, as a
/// missing array.
fn sched_count(nparams: i32, function: &str) -> Result<()> {
    if nparams == 0 {
        return Err(invalid(format!("params in {function} must not be NULL")));
    }
    positive(nparams, "*nparams", function)
}

/// A count times a map length must fit in a C int.
fn overflow(count: i32, maplen: i32) -> Result<()> {
    if count.checked_mul(maplen).is_none() {
        return Err(Error::new(
            ErrorDomain::DOMAIN,
            rvirt_core::ErrorCode::OVERFLOW,
            Some(format!("input too large: {count} * {maplen}")),
        ));
    }
    Ok(())
}

/// At most one of `VIR_DOMAIN_AFFECT_LIVE` and `VIR_DOMAIN_AFFECT_CONFIG`.
fn live_or_config(f: u32) -> Result<()> {
    if f & flags::affect::LIVE != 0 && f & flags::affect::CONFIG != 0 {
        return Err(invalid(
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
                .to_string(),
        ));
    }
    Ok(())
}

/// A node statistic selector: a number or -1 for all.
fn node_selector(v: i32, arg: &str, function: &str) -> Result<()> {
    if v < stats_flags::ALL {
        return Err(invalid(format!(
            "{arg} in {function} only accepts -1 as a negative value"
        )));
    }
    Ok(())
}

impl Connect {
    /// `virNodeGetCPUMap`: how many CPUs the host has, which are online, and their count.
    pub fn node_cpu_map(&self, flags: u32) -> Result<NodeCpuMap> {
        self.hv().node_get_cpu_map(flags)
    }

    /// `virNodeGetCPUStats`: every counter of CPU `cpu_num` (-1 for the whole host).
    pub fn node_cpu_stats(&self, cpu_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        node_selector(cpu_num, "cpuNum", "virNodeGetCPUStats")?;
        self.hv().node_get_cpu_stats(cpu_num, flags)
    }

    /// `virNodeGetMemoryStats`: every counter of NUMA cell `cell_num` (-1 for all).
    pub fn node_memory_stats(&self, cell_num: i32, flags: u32) -> Result<Vec<NodeStat>> {
        node_selector(cell_num, "cellNum", "virNodeGetMemoryStats")?;
        self.hv().node_get_memory_stats(cell_num, flags)
    }

    /// `virConnectGetDomainCapabilities`; refused on read-only connections.
    pub fn domain_capabilities(
        &self,
        emulatorbin: Option<&str>,
        arch: Option<&str>,
        machine: Option<&str>,
        virttype: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        self.writable("virConnectGetDomainCapabilities", ErrorDomain::DOMAIN)?;
        self.hv()
            .connect_get_domain_capabilities(emulatorbin, arch, machine, virttype, flags)
    }

    /// Whether the driver takes string values in typed parameters.
    pub(crate) fn typed_strings(&self) -> bool {
        matches!(self.supports_feature(typed_param::FEATURE_STRING), Ok(true))
    }
}

impl Domain {
    /// `virDomainGetVcpus`: up to `maxinfo` vCPU records and, with `maplen` > 0, their
    /// affinity maps of `maplen` bytes each.
    pub fn vcpus(&self, maxinfo: i32, maplen: i32) -> Result<DomainVcpus> {
        const F: &str = "virDomainGetVcpus";
        positive(maxinfo, "maxinfo", F)?;
        if maplen < 0 {
            positive(maplen, "maplen", F)?;
        }
        overflow(maxinfo, maplen)?;
        self.connect()
            .hv()
            .domain_get_vcpus(self.reference(), maxinfo, maplen)
    }

    /// `virDomainGetVcpuPinInfo`: `(count, maps)` for the definition `flags` selects.
    pub fn vcpu_pin_info(&self, ncpumaps: i32, maplen: i32, flags: u32) -> Result<(i32, Vec<u8>)> {
        const F: &str = "virDomainGetVcpuPinInfo";
        positive(ncpumaps, "ncpumaps", F)?;
        positive(maplen, "maplen", F)?;
        overflow(ncpumaps, maplen)?;
        live_or_config(flags)?;
        self.connect()
            .hv()
            .domain_get_vcpu_pin_info(self.reference(), ncpumaps, maplen, flags)
    }

    /// `virDomainPinVcpu` (`flags` None) or `virDomainPinVcpuFlags`.
    pub fn pin_vcpu(&self, vcpu: u32, cpumap: &[u8], flags: Option<u32>) -> Result<()> {
        let f = if flags.is_some() {
            "virDomainPinVcpuFlags"
        } else {
            "virDomainPinVcpu"
        };
        self.connect().writable(f, ErrorDomain::DOMAIN)?;
        positive(cpumap.len() as i32, "maplen", f)?;
        let flags = match flags {
            Some(fl) => fl,
            None => flags::affect::LIVE,
        };
        self.connect()
            .hv()
            .domain_pin_vcpu(self.reference(), vcpu, cpumap, flags)
    }

    /// `virDomainPinEmulator`.
    pub fn pin_emulator(&self, cpumap: &[u8], flags: u32) -> Result<()> {
        const F: &str = "virDomainPinEmulator";
        self.connect().writable(F, ErrorDomain::DOMAIN)?;
        positive(cpumap.len() as i32, "maplen", F)?;
        self.connect()
            .hv()
            .domain_pin_emulator(self.reference(), cpumap, flags)
    }

    /// `virDomainGetEmulatorPinInfo`: `(1, map)` for the definition `flags` selects.
    pub fn emulator_pin_info(&self, maplen: i32, flags: u32) -> Result<(i32, Vec<u8>)> {
        const F: &str = "virDomainGetEmulatorPinInfo";
        positive(maplen, "maplen", F)?;
        live_or_config(flags)?;
        self.connect()
            .hv()
            .domain_get_emulator_pin_info(self.reference(), maplen, flags)
    }

    /// `virDomainMemoryStats`: up to `nr_stats` balloon statistics.
    pub fn memory_stats(&self, nr_stats: u32, flags: u32) -> Result<Vec<MemoryStat>> {
        if nr_stats == 0 {
            return Ok(Vec::new());
        }
        let nr = nr_stats.min(rvirt_core::types::memory_stat::NR);
        self.connect()
            .hv()
            .domain_memory_stats(self.reference(), nr, flags)
    }

    /// `virDomainSetMemoryStatsPeriod`, in seconds (0 turns collection off).
    pub fn set_memory_stats_period(&self, period: i32, flags: u32) -> Result<()> {
        const F: &str = "virDomainSetMemoryStatsPeriod";
        self.connect().writable(F, ErrorDomain::DOMAIN)?;
        if period < 0 {
            return Err(invalid(format!("period in {F} must be zero or greater")));
        }
        live_or_config(flags)?;
        self.connect()
            .hv()
            .domain_set_memory_stats_period(self.reference(), period, flags)
    }

    /// `virDomainGetSchedulerType`: the scheduler's name and how many parameters it has.
    pub fn scheduler_type(&self) -> Result<(String, i32)> {
        self.connect()
            .hv()
            .domain_get_scheduler_type(self.reference())
    }

    /// `virDomainGetSchedulerParameters` (the call without flags).
    pub fn scheduler_parameters(&self, nparams: i32) -> Result<Vec<TypedParam>> {
        sched_count(nparams, "virDomainGetSchedulerParameters")?;
        let mut v = self
            .connect()
            .hv()
            .domain_get_scheduler_parameters(self.reference(), nparams)?;
        v.truncate(nparams as usize);
        Ok(v)
    }

    /// `virDomainGetSchedulerParametersFlags`. As libvirt does, string values are accepted
    /// on behalf of the caller when the driver can send them.
    pub fn scheduler_parameters_flags(&self, nparams: i32, flags: u32) -> Result<Vec<TypedParam>> {
        sched_count(nparams, "virDomainGetSchedulerParametersFlags")?;
        live_or_config(flags)?;
        let mut f = flags;
        if self.connect().typed_strings() {
            f |= typed_param::STRING_OKAY;
        }
        let mut v = self.connect().hv().domain_get_scheduler_parameters_flags(
            self.reference(),
            nparams,
            f,
        )?;
        v.truncate(nparams as usize);
        Ok(v)
    }

    /// `virDomainSetSchedulerParameters` (the call without flags).
    pub fn set_scheduler_parameters(&self, params: &[TypedParam]) -> Result<()> {
        self.connect()
            .writable("virDomainSetSchedulerParameters", ErrorDomain::DOMAIN)?;
        self.check_set_params(params)?;
        self.connect()
            .hv()
            .domain_set_scheduler_parameters(self.reference(), params)
    }

    /// `virDomainSetSchedulerParametersFlags`.
    pub fn set_scheduler_parameters_flags(&self, params: &[TypedParam], flags: u32) -> Result<()> {
        self.connect()
            .writable("virDomainSetSchedulerParametersFlags", ErrorDomain::DOMAIN)?;
        self.check_set_params(params)?;
        self.connect()
            .hv()
            .domain_set_scheduler_parameters_flags(self.reference(), params, flags)
    }

    /// libvirt's checks of parameters being set: names fit, strings only where the
    /// driver takes them.
    fn check_set_params(&self, params: &[TypedParam]) -> Result<()> {
        let strings = self.connect().typed_strings();
        for p in params {
            if p.field.len() >= typed_param::FIELD_LENGTH {
                let name: String = p.field.chars().take(typed_param::FIELD_LENGTH).collect();
                return Err(invalid(format!("string parameter name '{name}' too long")));
            }
            if matches!(p.value, TypedValue::String(_)) && !strings {
                return Err(invalid(format!(
                    "string parameter '{}' unsupported",
                    p.field
                )));
            }
        }
        Ok(())
    }

    /// `virDomainGetHostname`; refused on read-only connections.
    pub fn hostname(&self, flags: u32) -> Result<String> {
        self.connect()
            .writable("virDomainGetHostname", ErrorDomain::DOMAIN)?;
        self.connect()
            .hv()
            .domain_get_hostname(self.reference(), flags)
    }
}
