//! Attaching, detaching and updating one device of a domain, with libvirt's read-only
//! refusal (the XML itself is the driver's to judge).

use crate::Domain;
use rvirt_core::{ErrorDomain, Result};

impl Domain {
    fn writable(&self, function: &str) -> Result<()> {
        self.connect().writable(function, ErrorDomain::DOMAIN)
    }

    /// `virDomainAttachDevice`: adds a device to the running domain.
    pub fn attach_device(&self, xml: &str) -> Result<()> {
        self.writable("virDomainAttachDevice")?;
        self.connect()
            .hv()
            .domain_attach_device(self.reference(), xml)
    }

    /// `virDomainAttachDeviceFlags`: adds a device live and/or to the configuration.
    pub fn attach_device_flags(&self, xml: &str, flags: u32) -> Result<()> {
        self.writable("virDomainAttachDeviceFlags")?;
        self.connect()
            .hv()
            .domain_attach_device_flags(self.reference(), xml, flags)
    }

    /// `virDomainDetachDevice`: removes a device from the running domain.
    pub fn detach_device(&self, xml: &str) -> Result<()> {
        self.writable("virDomainDetachDevice")?;
        self.connect()
            .hv()
            .domain_detach_device(self.reference(), xml)
    }

    /// `virDomainDetachDeviceFlags`.
    pub fn detach_device_flags(&self, xml: &str, flags: u32) -> Result<()> {
        self.writable("virDomainDetachDeviceFlags")?;
        self.connect()
            .hv()
            .domain_detach_device_flags(self.reference(), xml, flags)
    }

    /// `virDomainDetachDeviceAlias`: removes the device with this alias.
    pub fn detach_device_alias(&self, alias: &str, flags: u32) -> Result<()> {
        self.writable("virDomainDetachDeviceAlias")?;
        self.connect()
            .hv()
            .domain_detach_device_alias(self.reference(), alias, flags)
    }

    /// `virDomainUpdateDeviceFlags`: changes a device in place.
    pub fn update_device_flags(&self, xml: &str, flags: u32) -> Result<()> {
        self.writable("virDomainUpdateDeviceFlags")?;
        self.connect()
            .hv()
            .domain_update_device_flags(self.reference(), xml, flags)
    }
}
