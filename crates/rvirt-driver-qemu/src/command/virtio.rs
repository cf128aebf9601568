//! The common start of every virtio `-device`: the driver name for the device's transport
//! (`virtio-net-pci`, `virtio-blk-ccw`, ...), the (non-)transitional variants, and the
//! virtio options shared by all virtio devices.

use super::json::Props;
use super::{internal, unsupported, Result};
use rvirt_xml::domain::devices::VirtioOptions;
use rvirt_xml::domain::info::{Address, DeviceInfo};

/// Which virtio flavour the definition asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Plain,
    Transitional,
    NonTransitional,
}

/// `{"driver":"BASE-pci"[,...virtio options]}`; `bus_suffix` is false for devices whose
/// QEMU name has no transport suffix (`virtio-vga`).
pub fn props(
    base: &str,
    info: &DeviceInfo,
    flavour: Flavour,
    opts: &VirtioOptions,
    bus_suffix: bool,
) -> Result<Props> {
    let mut driver = base.to_string();
    let pci = matches!(info.address, Some(Address::Pci(_)));
    if bus_suffix {
        match &info.address {
            Some(Address::Pci(_)) => driver.push_str("-pci"),
            Some(Address::VirtioMmio) => driver.push_str("-device"),
            Some(Address::Ccw { .. }) => driver.push_str("-ccw"),
            _ => return Err(internal(format!("Unexpected address type for '{base}'"))),
        }
    }
    match flavour {
        Flavour::Plain => {}
        _ if !pci => {
            return Err(unsupported(
                "virtio (non-)transitional models are not supported for address type",
            ))
        }
        Flavour::Transitional => driver.push_str("-transitional"),
        Flavour::NonTransitional => driver.push_str("-non-transitional"),
    }
    let mut p = Props::new();
    p.str("driver", &driver)
        .opt_bool("iommu_platform", opts.iommu)
        .opt_bool("ats", opts.ats)
        .opt_bool("packed", opts.packed)
        .opt_bool("page-per-vq", opts.page_per_vq);
    Ok(p)
}
