//! The host device behind `<interface type='hostdev'>`: a PCI function or USB device
//! with its assignment driver, printed the way libvirt prints hostdev sources with the
//! address type spelled out.

use super::netdev::nonempty_attr;
use crate::domain::info::PciAddress;
use crate::error::{internal, unsupported, xml_error};
use crate::num;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::ElementExt;
use rvirt_core::Result;

/// A host device given to the guest as a NIC (`type='hostdev'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetHostdev {
    pub managed: bool,
    /// `<driver name=...>` before `<source>`.
    pub driver: Option<HostdevDriver>,
    pub source: NetHostdevSource,
}

xml_enum! {
    /// Host-side driver used to assign a PCI device.
    pub enum HostdevDriver { Kvm = "kvm", Vfio = "vfio", Xen = "xen" }
}

xml_enum! {
    /// What to do when a USB device is missing at start.
    pub enum StartupPolicy { Mandatory = "mandatory", Requisite = "requisite", Optional = "optional" }
}

xml_enum! {
    /// Whether a passed-through USB device is reset by the guest.
    pub enum UsbGuestReset { Off = "off", Uuid = "uuid", On = "on" }
}

/// The host side of a hostdev interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetHostdevSource {
    Pci {
        address: PciAddress,
        write_filtering: Option<bool>,
    },
    Usb {
        startup_policy: Option<StartupPolicy>,
        guest_reset: Option<UsbGuestReset>,
        vendor: Option<u32>,
        product: Option<u32>,
        /// `(bus, device)`.
        address: Option<(u32, u32)>,
    },
}

impl NetHostdev {
    /// Reads the hostdev parts of `<interface type='hostdev'>` (managed flag, driver, source).
    pub fn parse(iface: &Element) -> Result<NetHostdev> {
        let managed = iface.yes_no_attr("managed")?.unwrap_or(false);
        let source = iface.child("source");
        let addr = source.and_then(|s| s.child("address"));
        let addr_type = match addr.and_then(|a| nonempty_attr(a, "type")) {
            Some(t) => t,
            None if source.and_then(|s| s.child("vendor")).is_some() => "usb".to_string(),
            None => return Err(xml_error("missing source address type")),
        };
        let driver = match iface.child("driver") {
            Some(d) => d.enum_attr::<HostdevDriver>("name")?,
            None => None,
        };
        let source_el = source.ok_or_else(|| xml_error("missing source address type"))?;
        let source = match addr_type.as_str() {
            "pci" => {
                let write_filtering = source_el.yes_no_attr("writeFiltering")?;
                let a = addr.ok_or_else(|| xml_error("missing source address type"))?;
                let mut address = PciAddress::parse(a)?;
                address.multifunction = None;
                address.zpci = None;
                NetHostdevSource::Pci {
                    address,
                    write_filtering,
                }
            }
            "usb" => {
                let startup_policy = source_el.enum_attr::<StartupPolicy>("startupPolicy")?;
                let guest_reset = source_el.enum_attr::<UsbGuestReset>("guestReset")?;
                let id = |name: &str| -> Result<Option<u32>> {
                    match source_el.child(name) {
                        None => Ok(None),
                        Some(e) => Ok(Some(num::required(e, "id", num::uint_attr(e, "id", 0, false)?)?)),
                    }
                };
                let vendor = id("vendor")?;
                let product = id("product")?;
                if vendor.is_some() && product.is_none() {
                    return Err(internal("missing product"));
                }
                if product.is_some() && vendor.is_none() {
                    return Err(internal("missing vendor"));
                }
                let address = match addr {
                    None => None,
                    Some(a) => Some((
                        num::required(a, "bus", num::uint_attr(a, "bus", 0, false)?)?,
                        num::required(a, "device", num::uint_attr(a, "device", 0, false)?)?,
                    )),
                };
                NetHostdevSource::Usb {
                    startup_policy,
                    guest_reset,
                    vendor,
                    product,
                    address,
                }
            }
            "scsi" | "scsi_host" | "mdev" => {
                return Err(unsupported(format!(
                    "host device source address type '{addr_type}' is not supported for <interface type='hostdev'>"
                )))
            }
            other => {
                return Err(unsupported(format!(
                    "unknown host device source address type '{other}'"
                )))
            }
        };
        // The assignment driver only exists for PCI devices.
        let driver = match source {
            NetHostdevSource::Pci { .. } => driver,
            NetHostdevSource::Usb { .. } => None,
        };
        Ok(NetHostdev {
            managed,
            driver,
            source,
        })
    }

    /// Appends `<driver>` (when set) and `<source>`.
    pub fn format_into(&self, out: &mut Out) {
        if let Some(d) = self.driver {
            out.push(Out::new("driver").attr("name", d));
        }
        let mut s = Out::new("source");
        match &self.source {
            NetHostdevSource::Pci {
                address,
                write_filtering,
            } => {
                s.set_opt("writeFiltering", write_filtering.map(yes_no));
                let mut a = Out::new("address").attr("type", "pci");
                address.write_attrs(&mut a);
                s.push(a);
            }
            NetHostdevSource::Usb {
                startup_policy,
                guest_reset,
                vendor,
                product,
                address,
            } => {
                s.set_opt("startupPolicy", *startup_policy);
                s.set_opt("guestReset", *guest_reset);
                if let Some(v) = vendor {
                    s.push(Out::new("vendor").attr("id", format!("0x{v:04x}")));
                }
                if let Some(p) = product {
                    s.push(Out::new("product").attr("id", format!("0x{p:04x}")));
                }
                if let Some((bus, dev)) = address {
                    if *bus != 0 || *dev != 0 {
                        s.push(
                            Out::new("address")
                                .attr("type", "usb")
                                .attr("bus", bus)
                                .attr("device", dev),
                        );
                    }
                }
            }
        }
        out.push(s.keep_open());
    }
}
