//! Disk, interface and CPU statistics of domains, and the bulk statistics of many
//! domains, with the argument checks of libvirt's public API.

use crate::{Connect, Domain};
use rvirt_core::domstats::{BlockInfo, BlockStats, CpuStats, DomainStatsRecord, InterfaceStats};
use rvirt_core::types::{typed_param, TypedParam};
use rvirt_core::{Error, ErrorDomain, Result};

fn invalid(msg: String) -> Error {
    Error::invalid_arg(ErrorDomain::DOMAIN, msg)
}

impl Domain {
    /// `virDomainBlockStats` of one disk (its target or source path).
    pub fn block_stats(&self, path: &str) -> Result<BlockStats> {
        self.connect()
            .hv()
            .domain_block_stats(self.reference(), path)
    }

    /// `virDomainBlockStatsFlags`: with `nparams` 0, how many parameters the disk has;
    /// otherwise up to that many and their count.
    pub fn block_stats_flags(
        &self,
        path: &str,
        nparams: i32,
        flags: u32,
    ) -> Result<(Vec<TypedParam>, i32)> {
        if nparams < 0 {
            return Err(invalid(
                "nparams in virDomainBlockStatsFlags must be zero or greater".into(),
            ));
        }
        let mut f = flags;
        if self.connect().typed_strings() {
            f |= typed_param::STRING_OKAY;
        }
        self.connect()
            .hv()
            .domain_block_stats_flags(self.reference(), path, nparams, f)
    }

    /// `virDomainInterfaceStats` of one interface (its host name or MAC address).
    pub fn interface_stats(&self, device: &str) -> Result<InterfaceStats> {
        self.connect()
            .hv()
            .domain_interface_stats(self.reference(), device)
    }

    /// `virDomainGetBlockInfo`: capacity, allocation and physical size of a disk.
    pub fn block_info(&self, path: &str, flags: u32) -> Result<BlockInfo> {
        self.connect()
            .hv()
            .domain_get_block_info(self.reference(), path, flags)
    }

    /// `virDomainGetCPUStats`: `start_cpu` -1 (with `ncpus` 1) for the totals, else
    /// `ncpus` CPUs from `start_cpu`; `nparams` 0 asks for counts only (and, with
    /// `ncpus` 0, for the number of CPUs).
    pub fn cpu_stats(
        &self,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        flags: u32,
    ) -> Result<CpuStats> {
        const F: &str = "virDomainGetCPUStats";
        if start_cpu == -1 {
            if ncpus != 1 {
                return Err(invalid("ncpus must be 1 when start_cpu is -1".into()));
            }
        } else if start_cpu < 0 {
            return Err(invalid(format!("start_cpu in {F} must be zero or greater")));
        }
        // In C the parameter array must be there exactly when parameters are asked for
        // and CPUs to fill them.
        if nparams > 0 && ncpus == 0 {
            return Err(invalid(format!("params in {F} must not be NULL")));
        }
        if nparams > 0 && ncpus > u32::MAX / nparams {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                rvirt_core::ErrorCode::OVERFLOW,
                Some(format!("input too large: {nparams} * {ncpus}")),
            ));
        }
        let mut f = flags;
        if self.connect().typed_strings() {
            f |= typed_param::STRING_OKAY;
        }
        self.connect()
            .hv()
            .domain_get_cpu_stats(self.reference(), nparams, start_cpu, ncpus, f)
    }
}

/// One domain's statistics, with the domain as a handle of the connection.
#[derive(Clone, Debug)]
pub struct DomainStats {
    pub dom: Domain,
    pub params: Vec<TypedParam>,
}

fn records(conn: &Connect, v: Vec<DomainStatsRecord>) -> Vec<DomainStats> {
    v.into_iter()
        .map(|r| DomainStats {
            dom: Domain::from_ref(conn.clone(), r.dom),
            params: r.params,
        })
        .collect()
}

impl Connect {
    /// `virConnectGetAllDomainStats`: the `stats` groups of every domain `flags` selects.
    pub fn all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<DomainStats>> {
        let v = self.hv().connect_get_all_domain_stats(&[], stats, flags)?;
        Ok(records(self, v))
    }

    /// `virDomainListGetStats`: the same for the domains given, which must all be of
    /// this connection (libvirt takes the connection from the first).
    pub fn domain_list_stats(
        &self,
        doms: &[Domain],
        stats: u32,
        flags: u32,
    ) -> Result<Vec<DomainStats>> {
        if doms.is_empty() {
            return Err(invalid(
                "doms array in virDomainListGetStats must contain at least one domain".into(),
            ));
        }
        if doms.iter().any(|d| !d.connect().same(self)) {
            return Err(invalid(
                "domains in 'doms' array must belong to a single connection".into(),
            ));
        }
        let refs: Vec<_> = doms.iter().map(|d| d.reference().clone()).collect();
        let v = self
            .hv()
            .connect_get_all_domain_stats(&refs, stats, flags)?;
        Ok(records(self, v))
    }
}
