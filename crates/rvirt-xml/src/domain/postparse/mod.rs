//! Defaults and cross-checks applied after parsing, in libvirt's order: first the driver's
//! basic defaults (architecture, machine), then generic rules (memory, vCPUs, boot order,
//! implicit devices), then the driver's own final touches. Drivers customise through
//! [`DriverDefaults`] rather than by changing the parser.

mod devices;

use super::os::{BootDev, LoaderType, OsType};
use super::{DomainDef, FormatCtx, VirtType};
use crate::error::{internal, unsupported, xml_error};
use crate::writer::Out;
use rvirt_core::Result;
use uuid::Uuid;

/// The hooks through which a driver shapes a parsed definition (libvirt's
/// `virDomainDefParserConfig`).
pub trait DriverDefaults {
    /// The architecture to assume when `<type arch=...>` is absent.
    fn default_arch(&self, virt: VirtType, os: OsType) -> Option<String>;

    /// The machine type to assume when `<type machine=...>` is absent.
    fn default_machine(&self, _virt: VirtType, _arch: &str) -> Option<String> {
        None
    }

    /// Driver-specific changes before any device default (libvirt's
    /// `domainPostParseBasicCallback` and `domainPostParseCallback`): runs once the
    /// architecture is known and controllers have their indexes, so a driver can resolve
    /// the machine type and add the devices its machines always have before the generic
    /// rules add theirs after them.
    fn domain_post_parse(&self, _def: &mut DomainDef) -> Result<()> {
        Ok(())
    }

    /// Driver-specific changes after the generic defaults and implicit devices (libvirt's
    /// device callbacks for implicit devices and `assignAddressesCallback`).
    fn post_parse(&self, _def: &mut DomainDef) -> Result<()> {
        Ok(())
    }

    /// The driver's own checks of the completed definition, after the generic ones
    /// (libvirt's `domainValidateCallback` and `deviceValidateCallback`).
    fn validate(&self, _def: &DomainDef) -> Result<()> {
        Ok(())
    }
}

/// Defaults of a driver that adds nothing of its own beyond an architecture.
pub struct GenericDefaults {
    pub arch: &'static str,
}

impl DriverDefaults for GenericDefaults {
    fn default_arch(&self, _virt: VirtType, _os: OsType) -> Option<String> {
        Some(self.arch.to_string())
    }
}

/// True when any device carries its own `<boot order=...>`.
pub fn has_device_boot(devices: &super::Devices) -> bool {
    !device_boot_orders(devices).is_empty()
}

/// Every per-device `<boot order>`, in device order.
fn device_boot_orders(d: &super::Devices) -> Vec<u32> {
    let infos = d
        .disks
        .iter()
        .map(|x| &x.info)
        .chain(d.interfaces.iter().map(|x| &x.info))
        .chain(d.hostdevs.iter().map(|x| &x.info))
        .chain(d.redirdevs.iter().map(|x| &x.info))
        .chain(d.filesystems.iter().map(|x| &x.info));
    infos
        .filter_map(|i| i.boot.as_ref().map(|b| b.order))
        .collect()
}

/// Runs every post-parse step on `def`.
pub fn run(def: &mut DomainDef, defaults: &dyn DriverDefaults) -> Result<()> {
    if def.os.arch.is_none() {
        def.os.arch = defaults.default_arch(def.virt_type, def.os.os_type);
    }
    if def.os.machine.is_none() {
        if let Some(arch) = def.os.arch.clone() {
            def.os.machine = defaults.default_machine(def.virt_type, &arch);
        }
    }
    if def.name.contains('/') {
        return Err(xml_error(format!("name {} cannot contain '/'", def.name)));
    }
    firmware_features(def)?;
    if let Some(None) = def.genid {
        def.genid = Some(Some(Uuid::new_v4()));
    }
    devices::assign_controller_indexes(&mut def.devices.controllers);
    devices::sort_disks(&mut def.devices.disks);
    defaults.domain_post_parse(def)?;
    devices::post_parse(def)?;
    memory(def)?;
    def.vcpus.post_parse()?;
    numa_placement(def);
    vcpu_numa_checks(def)?;
    boot(def)?;
    devices::implicit(def)?;
    if let Some(l) = &mut def.os.loader {
        if l.path.is_some() && l.kind.is_none() {
            l.kind = Some(LoaderType::Rom);
        }
    }
    defaults.post_parse(def)?;
    devices::validate(def)?;
    defaults.validate(def)?;
    Ok(())
}

fn firmware_features(def: &DomainDef) -> Result<()> {
    use super::os::FirmwareFeature as F;
    let get = |f: F| {
        def.os
            .firmware_features
            .iter()
            .find(|(n, _)| *n == f)
            .map(|(_, on)| *on)
    };
    if get(F::EnrolledKeys) == Some(true) && get(F::SecureBoot) == Some(false) {
        return Err(rvirt_core::Error::raw(
            rvirt_core::ErrorDomain::DOMAIN,
            rvirt_core::ErrorCode::XML_DETAIL,
            "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
        ));
    }
    Ok(())
}

fn memory(def: &mut DomainDef) -> Result<()> {
    if def.memory_kib == 0 {
        if let Some(cpu) = &def.cpu {
            def.memory_kib = cpu.numa_memory_kib();
        }
    }
    if def.memory_kib == 0 {
        return Err(xml_error(
            "Memory size must be specified via <memory> or in the <numa> configuration",
        ));
    }
    let hotplug: u64 = def.devices.memories.iter().map(|m| m.target.size_kib).sum();
    if hotplug > def.memory_kib {
        return Err(xml_error(
            "Total size of memory devices exceeds the total memory size",
        ));
    }
    if def.memory_kib == hotplug {
        return Err(xml_error(
            "Memory size must be specified via <memory> or in the <numa> configuration",
        ));
    }
    if def.current_memory_kib == 0 || def.current_memory_kib > def.memory_kib {
        def.current_memory_kib = def.memory_kib;
    }
    if let Some(mm) = &def.max_memory {
        if mm.slots > 0 && mm.kib == 0 {
            return Err(xml_error(
                "maximum memory size must be specified when specifying number of memory slots",
            ));
        }
        if mm.kib < def.memory_kib {
            return Err(xml_error(
                "maximum memory size must be equal or greater than the actual memory size",
            ));
        }
    }
    Ok(())
}

fn numa_placement(def: &mut DomainDef) {
    use super::cpu::{Numatune, NumatuneMemory, NumatuneMode};
    use super::vcpu::Placement;
    if def.vcpus.placement == Placement::Auto {
        let nt = def.numatune.get_or_insert_with(Box::<Numatune>::default);
        if nt.memory.is_none() {
            nt.memory = Some(NumatuneMemory {
                mode: NumatuneMode::Strict,
                nodeset: None,
            });
        }
    } else if let Some(nt) = &def.numatune {
        if nt.memory.as_ref().is_some_and(|m| m.nodeset.is_none()) && def.vcpus.cpuset.is_none() {
            def.vcpus.placement = Placement::Auto;
        }
    }
}

fn vcpu_numa_checks(def: &DomainDef) -> Result<()> {
    let max = def.vcpus.max;
    let cells = def.cpu.as_ref().map(|c| c.numa.as_slice()).unwrap_or(&[]);
    for (i, a) in cells.iter().enumerate() {
        for (j, b) in cells.iter().enumerate().skip(i + 1) {
            if let (Some(x), Some(y)) = (&a.cpus, &b.cpus) {
                if x.intersects(y) {
                    return Err(unsupported(format!(
                        "NUMA cells {j} and {i} have overlapping vCPU ids"
                    )));
                }
            }
        }
    }
    let total: usize = cells
        .iter()
        .map(|c| c.cpus.as_ref().map_or(0, |b| b.count()))
        .sum();
    if total > max as usize {
        return Err(unsupported(
            "Number of CPUs in <numa> exceeds the <vcpu> count",
        ));
    }
    let max_id = cells
        .iter()
        .filter_map(|c| c.cpus.as_ref().and_then(|b| b.max()))
        .max()
        .unwrap_or(0);
    if max_id >= max {
        return Err(internal("CPU IDs in <numa> exceed the <vcpu> count"));
    }
    Ok(())
}

fn boot(def: &mut DomainDef) -> Result<()> {
    let orders = device_boot_orders(&def.devices);
    if !orders.is_empty() && !def.os.boot.is_empty() {
        return Err(unsupported(
            "per-device boot elements cannot be used together with os/boot elements",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for o in &orders {
        if !seen.insert(*o) {
            return Err(unsupported(format!(
                "boot order '{o}' used for more than one device"
            )));
        }
    }
    if def.os.os_type == OsType::Hvm
        && def.os.boot.is_empty()
        && orders.is_empty()
        && def.bootloader.is_none()
    {
        def.os.boot.push(BootDev::Hd);
    }
    Ok(())
}

/// Formats `<devices>`, applying libvirt's print-time rules that span families.
pub fn format_devices(def: &DomainDef, ctx: &FormatCtx) -> Out {
    def.devices.format_with(ctx, def.os.os_type == OsType::Hvm)
}
