//! [`DomainSnapshot`]: a saved state of a domain.

use crate::{Connect, Domain};
use rvirt_core::{DomainSnapshotRef, ErrorDomain, Result};

/// A domain snapshot, like libvirt's `virDomainSnapshotPtr`.
#[derive(Clone, Debug)]
pub struct DomainSnapshot {
    conn: Connect,
    r: DomainSnapshotRef,
}

impl DomainSnapshot {
    pub(crate) fn new(conn: Connect, r: DomainSnapshotRef) -> DomainSnapshot {
        DomainSnapshot { conn, r }
    }

    pub fn from_ref(conn: Connect, r: DomainSnapshotRef) -> DomainSnapshot {
        DomainSnapshot { conn, r }
    }

    pub fn reference(&self) -> &DomainSnapshotRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    /// The domain the snapshot belongs to.
    pub fn domain(&self) -> Domain {
        Domain::from_ref(self.conn.clone(), self.r.dom.clone())
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn.hv().domain_snapshot_get_xml_desc(&self.r, flags)
    }

    pub fn revert(&self, flags: u32) -> Result<()> {
        self.conn
            .writable("virDomainRevertToSnapshot", ErrorDomain::DOMAIN)?;
        self.conn.hv().domain_revert_to_snapshot(&self.r, flags)
    }

    pub fn delete(&self, flags: u32) -> Result<()> {
        self.conn
            .writable("virDomainSnapshotDelete", ErrorDomain::DOMAIN)?;
        self.conn.hv().domain_snapshot_delete(&self.r, flags)
    }
}
