//! [`Domain`]: a handle on one virtual machine.

use crate::Connect;
use crate::Stream;
use rvirt_core::types::{flags, DomainInfo, DomainState, SecurityLabel};
use rvirt_core::{DomainRef, Error, ErrorDomain, Result};

/// A domain of a connection, like libvirt's `virDomainPtr`. The handle remembers the name,
/// UUID and id it was looked up with; calls go to the driver, which finds the domain again
/// by UUID.
#[derive(Clone, Debug)]
pub struct Domain {
    conn: Connect,
    r: DomainRef,
}

fn w(conn: &Connect, f: &str) -> Result<()> {
    conn.writable(f, ErrorDomain::DOMAIN)
}

impl Domain {
    pub(crate) fn new(conn: Connect, r: DomainRef) -> Domain {
        Domain { conn, r }
    }

    /// Builds a handle from a wire reference (the daemon and remote driver use this).
    pub fn from_ref(conn: Connect, r: DomainRef) -> Domain {
        Domain { conn, r }
    }

    pub fn connect(&self) -> &Connect {
        &self.conn
    }

    pub fn reference(&self) -> &DomainRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn uuid(&self) -> uuid::Uuid {
        self.r.uuid
    }

    pub fn uuid_string(&self) -> String {
        self.r.uuid.hyphenated().to_string()
    }

    /// The id the domain had when this handle was made (`None` when it was not running).
    pub fn id(&self) -> Option<u32> {
        u32::try_from(self.r.id).ok()
    }

    // ---- lifecycle ----

    /// Starts a defined domain (`virDomainCreateWithFlags`) and updates this handle's id.
    pub fn create(&mut self, flags: u32) -> Result<()> {
        let f = if flags == 0 {
            "virDomainCreate"
        } else {
            "virDomainCreateWithFlags"
        };
        w(&self.conn, f)?;
        let r = self.conn.hv().domain_create(&self.r, flags)?;
        self.r = r;
        Ok(())
    }

    pub fn destroy(&self, flags: u32) -> Result<()> {
        let f = if flags == 0 {
            "virDomainDestroy"
        } else {
            "virDomainDestroyFlags"
        };
        w(&self.conn, f)?;
        self.conn.hv().domain_destroy(&self.r, flags)
    }

    pub fn shutdown(&self, flags: u32) -> Result<()> {
        let f = if flags == 0 {
            "virDomainShutdown"
        } else {
            "virDomainShutdownFlags"
        };
        w(&self.conn, f)?;
        self.conn.hv().domain_shutdown(&self.r, flags)
    }

    pub fn reboot(&self, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainReboot")?;
        self.conn.hv().domain_reboot(&self.r, flags)
    }

    pub fn reset(&self, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainReset")?;
        self.conn.hv().domain_reset(&self.r, flags)
    }

    pub fn suspend(&self) -> Result<()> {
        w(&self.conn, "virDomainSuspend")?;
        self.conn.hv().domain_suspend(&self.r)
    }

    pub fn resume(&self) -> Result<()> {
        w(&self.conn, "virDomainResume")?;
        self.conn.hv().domain_resume(&self.r)
    }

    pub fn save(&self, to: &str, dxml: Option<&str>, flags: u32) -> Result<()> {
        let f = if flags == 0 && dxml.is_none() {
            "virDomainSave"
        } else {
            "virDomainSaveFlags"
        };
        w(&self.conn, f)?;
        self.conn.hv().domain_save(&self.r, to, dxml, flags)
    }

    pub fn managed_save(&self, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainManagedSave")?;
        self.conn.hv().domain_managed_save(&self.r, flags)
    }

    pub fn has_managed_save_image(&self, flags: u32) -> Result<bool> {
        self.conn.hv().domain_has_managed_save_image(&self.r, flags)
    }

    pub fn managed_save_remove(&self, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainManagedSaveRemove")?;
        self.conn.hv().domain_managed_save_remove(&self.r, flags)
    }

    /// `virDomainUndefine`.
    pub fn undefine(&self) -> Result<()> {
        w(&self.conn, "virDomainUndefine")?;
        self.conn.hv().domain_undefine(&self.r, 0)
    }

    /// `virDomainUndefineFlags` (what virsh calls, even with no flags).
    pub fn undefine_flags(&self, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainUndefineFlags")?;
        self.conn.hv().domain_undefine(&self.r, flags)
    }

    // ---- snapshots ----

    pub fn snapshot_create_xml(&self, xml: &str, flags: u32) -> Result<crate::DomainSnapshot> {
        w(&self.conn, "virDomainSnapshotCreateXML")?;
        let r = self
            .conn
            .hv()
            .domain_snapshot_create_xml(&self.r, xml, flags)?;
        Ok(crate::DomainSnapshot::new(self.conn.clone(), r))
    }

    pub fn snapshot_num(&self, flags: u32) -> Result<i32> {
        self.conn.hv().domain_snapshot_num(&self.r, flags)
    }

    pub fn list_all_snapshots(&self, flags: u32) -> Result<Vec<crate::DomainSnapshot>> {
        Ok(self
            .conn
            .hv()
            .domain_list_all_snapshots(&self.r, flags)?
            .into_iter()
            .map(|r| crate::DomainSnapshot::new(self.conn.clone(), r))
            .collect())
    }

    pub fn snapshot_lookup_by_name(&self, name: &str, flags: u32) -> Result<crate::DomainSnapshot> {
        let r = self
            .conn
            .hv()
            .domain_snapshot_lookup_by_name(&self.r, name, flags)?;
        Ok(crate::DomainSnapshot::new(self.conn.clone(), r))
    }

    pub fn has_current_snapshot(&self, flags: u32) -> Result<bool> {
        self.conn.hv().domain_has_current_snapshot(&self.r, flags)
    }

    pub fn snapshot_current(&self, flags: u32) -> Result<crate::DomainSnapshot> {
        let r = self.conn.hv().domain_snapshot_current(&self.r, flags)?;
        Ok(crate::DomainSnapshot::new(self.conn.clone(), r))
    }

    // ---- information ----

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        if self.conn.is_read_only() && flags & flags::domain_xml::SECURE != 0 {
            let mut e = Error::new(
                ErrorDomain::DOMAIN,
                rvirt_core::ErrorCode::OPERATION_DENIED,
                Some("virDomainGetXMLDesc with secure flag".to_string()),
            );
            e.domain = ErrorDomain::DOMAIN;
            return Err(e);
        }
        self.conn.hv().domain_get_xml_desc(&self.r, flags)
    }

    pub fn info(&self) -> Result<DomainInfo> {
        self.conn.hv().domain_get_info(&self.r)
    }

    /// `(state, reason)`.
    pub fn state(&self) -> Result<(DomainState, i32)> {
        self.conn.hv().domain_get_state(&self.r, 0)
    }

    pub fn os_type(&self) -> Result<String> {
        self.conn.hv().domain_get_os_type(&self.r)
    }

    pub fn max_memory(&self) -> Result<u64> {
        self.conn.hv().domain_get_max_memory(&self.r)
    }

    pub fn max_vcpus(&self) -> Result<i32> {
        self.conn.hv().domain_get_max_vcpus(&self.r)
    }

    pub fn is_active(&self) -> Result<bool> {
        self.conn.hv().domain_is_active(&self.r)
    }

    pub fn is_persistent(&self) -> Result<bool> {
        self.conn.hv().domain_is_persistent(&self.r)
    }

    pub fn is_updated(&self) -> Result<bool> {
        self.conn.hv().domain_is_updated(&self.r)
    }

    pub fn autostart(&self) -> Result<bool> {
        self.conn.hv().domain_get_autostart(&self.r)
    }

    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        w(&self.conn, "virDomainSetAutostart")?;
        self.conn.hv().domain_set_autostart(&self.r, autostart)
    }

    pub fn security_label(&self) -> Result<SecurityLabel> {
        self.conn.hv().domain_get_security_label(&self.r)
    }

    pub fn messages(&self, flags: u32) -> Result<Vec<String>> {
        self.conn.hv().domain_get_messages(&self.r, flags)
    }

    // ---- tuning ----

    /// `virDomainSetMemoryFlags`; memory in KiB.
    pub fn set_memory_flags(&self, kib: u64, flags: u32) -> Result<()> {
        w(&self.conn, "virDomainSetMemoryFlags")?;
        if kib == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "memory in virDomainSetMemoryFlags must not be zero",
            ));
        }
        self.conn.hv().domain_set_memory(&self.r, kib, flags)
    }

    /// `virDomainSetMemory`: the live balloon target, in KiB.
    pub fn set_memory(&self, kib: u64) -> Result<()> {
        w(&self.conn, "virDomainSetMemory")?;
        if kib == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "memory in virDomainSetMemory must not be zero",
            ));
        }
        self.conn
            .hv()
            .domain_set_memory(&self.r, kib, flags::affect::LIVE)
    }

    /// `virDomainSetMaxMemory`, in KiB.
    pub fn set_max_memory(&self, kib: u64) -> Result<()> {
        w(&self.conn, "virDomainSetMaxMemory")?;
        if kib == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "memory in virDomainSetMaxMemory must not be zero",
            ));
        }
        self.conn.hv().domain_set_memory(
            &self.r,
            kib,
            flags::affect::CURRENT | flags::memory::MAXIMUM,
        )
    }

    pub fn set_vcpus_flags(&self, count: u32, flags: u32) -> Result<()> {
        self.set_vcpus_as("virDomainSetVcpusFlags", count, flags)
    }

    /// The older call: the running guest only. Kept apart from [`Domain::set_vcpus_flags`]
    /// because errors name the function the caller used.
    pub fn set_vcpus(&self, count: u32) -> Result<()> {
        self.set_vcpus_as("virDomainSetVcpus", count, flags::affect::LIVE)
    }

    fn set_vcpus_as(&self, function: &str, count: u32, flags: u32) -> Result<()> {
        w(&self.conn, function)?;
        if count == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                format!("nvcpus in {function} must not be zero"),
            ));
        }
        self.conn.hv().domain_set_vcpus(&self.r, count, flags)
    }

    pub fn vcpus_flags(&self, flags: u32) -> Result<i32> {
        self.conn.hv().domain_get_vcpus_flags(&self.r, flags)
    }

    pub fn metadata(&self, kind: i32, uri: Option<&str>, flags: u32) -> Result<String> {
        self.conn
            .hv()
            .domain_get_metadata(&self.r, kind, uri, flags)
    }

    pub fn set_metadata(
        &self,
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        w(&self.conn, "virDomainSetMetadata")?;
        if kind == flags::metadata::TITLE && metadata.is_some_and(|m| m.contains('\n')) {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "metadata title can't contain newlines",
            ));
        }
        if kind == flags::metadata::ELEMENT {
            if uri.is_none() {
                return Err(Error::invalid_arg(
                    ErrorDomain::DOMAIN,
                    "uri in virDomainSetMetadata must not be NULL",
                ));
            }
            if metadata.is_some() && key.is_none() {
                return Err(Error::invalid_arg(
                    ErrorDomain::DOMAIN,
                    "key in virDomainSetMetadata must not be NULL",
                ));
            }
        }
        self.conn
            .hv()
            .domain_set_metadata(&self.r, kind, metadata, key, uri, flags)
    }

    // ---- streams ----

    /// The checks every stream-opening domain call makes before its driver: a writable
    /// connection, a stream of this domain's connection, not yet used.
    fn stream_checks(&self, st: &Stream, function: &str) -> Result<()> {
        w(&self.conn, function)?;
        if !st.belongs_to(&self.conn) {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                format!("stream must match connection of domain '{}'", self.r.name),
            ));
        }
        st.check_unused()
    }

    /// `virDomainScreenshot`: attaches a read stream of the image of `screen` to `st` and
    /// returns its MIME type.
    pub fn screenshot(&self, st: &Stream, screen: u32, flags: u32) -> Result<String> {
        self.stream_checks(st, "virDomainScreenshot")?;
        let (mime, ds) = self.conn.hv().domain_screenshot(&self.r, screen, flags)?;
        st.attach(ds)?;
        Ok(mime)
    }

    /// `virDomainOpenConsole`: attaches the console `dev_name` (the first one when `None`)
    /// to `st`, both directions.
    pub fn open_console(&self, dev_name: Option<&str>, st: &Stream, flags: u32) -> Result<()> {
        self.stream_checks(st, "virDomainOpenConsole")?;
        let ds = self
            .conn
            .hv()
            .domain_open_console(&self.r, dev_name, flags)?;
        st.attach(ds)
    }

    /// `virDomainOpenChannel`: attaches the channel `name` to `st`, both directions.
    pub fn open_channel(&self, name: Option<&str>, st: &Stream, flags: u32) -> Result<()> {
        self.stream_checks(st, "virDomainOpenChannel")?;
        let ds = self.conn.hv().domain_open_channel(&self.r, name, flags)?;
        st.attach(ds)
    }
}
