//! The QEMU driver's define-time checks (libvirt's `qemuValidateDomainDef` and its device
//! checks): what the binary cannot run, said at define time rather than at start.

use super::machine::Chipset;
use super::{internal, unsupported};
use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::ControllerType;
use rvirt_xml::domain::devices::disk::{DiskBus, DiskDevice};
use rvirt_xml::domain::devices::input::{InputBus, InputType};
use rvirt_xml::domain::devices::video::VideoModel;
use rvirt_xml::domain::info::Address;
use rvirt_xml::domain::lifecycle::LifecycleAction;
use rvirt_xml::domain::{DomainDef, VirtType};
use rvirt_xml::XmlEnum;

/// Whether the binary runs guests of `arch` (an x86_64 binary also runs i686 guests).
fn runs_arch(caps: &QemuCaps, arch: &str) -> bool {
    caps.arch == arch || (caps.arch == "x86_64" && arch == "i686")
}

/// What must hold before addresses are assigned: the binary runs this virt type,
/// architecture and machine type. libvirt checks these after assigning addresses, and on
/// a machine type it does not know that assignment fails first with "No PCI buses
/// available"; checking first names the real problem.
pub fn before_addresses(def: &DomainDef, caps: &QemuCaps) -> Result<()> {
    let emulator = caps.binary.to_string_lossy();
    let virt_ok = match def.virt_type {
        VirtType::Qemu => true,
        VirtType::Kvm => caps.kvm,
        _ => false,
    };
    if !virt_ok {
        return Err(unsupported(format!(
            "Emulator '{emulator}' does not support virt type '{}'",
            def.virt_type.as_xml()
        )));
    }
    let arch = def.os.arch.as_deref().unwrap_or("");
    if !runs_arch(caps, arch) {
        return Err(unsupported(format!(
            "Emulator '{emulator}' does not support arch '{arch}'"
        )));
    }
    let machine = def.os.machine.as_deref().unwrap_or("");
    if caps.machine(machine).is_none() {
        return Err(unsupported(format!(
            "Emulator '{emulator}' does not support machine type '{machine}'"
        )));
    }
    Ok(())
}

/// The checks of the completed definition.
pub fn domain(def: &DomainDef, caps: &QemuCaps) -> Result<()> {
    let machine = def.os.machine.as_deref().unwrap_or("");
    if let Some(m) = caps.machine(machine) {
        if def.vcpus.max > m.max_cpus {
            return Err(unsupported(format!(
                "Maximum CPUs greater than specified machine type limit {}",
                m.max_cpus
            )));
        }
    }
    timers(def)?;
    lifecycle(def)?;
    // Devices in libvirt's order: disks before controllers, then inputs and videos.
    disks(def)?;
    controllers(def)?;
    inputs(def)?;
    videos(def)?;
    Ok(())
}

/// QEMU's RTC follows the guest, the host's wall clock or its real-time clock, not the
/// time since boot.
fn timers(def: &DomainDef) -> Result<()> {
    use rvirt_xml::domain::clock::{TimerName, TimerTrack};
    use rvirt_xml::XmlEnum;
    for t in &def.clock.timers {
        if t.name == TimerName::Rtc {
            if let Some(tr @ TimerTrack::Boot) = t.track {
                return Err(unsupported(format!(
                    "unsupported rtc timer track '{}'",
                    tr.as_xml()
                )));
            }
        }
    }
    Ok(())
}

fn lifecycle(def: &DomainDef) -> Result<()> {
    let l = &def.lifecycle;
    if l.on_reboot == LifecycleAction::Destroy && l.on_poweroff != LifecycleAction::Destroy {
        return Err(unsupported(
            "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'",
        ));
    }
    Ok(())
}

fn controllers(def: &DomainDef) -> Result<()> {
    let chipset = Chipset::of(def);
    for c in &def.devices.controllers {
        if c.kind == ControllerType::Ide {
            // Only i440FX has an IDE controller, and only its built-in one.
            if c.index == Some(0) && chipset == Chipset::I440fx {
                continue;
            }
            return Err(unsupported(if chipset == Chipset::I440fx {
                "Only a single IDE controller is supported for this machine type"
            } else {
                "IDE controllers are unsupported for this QEMU binary or machine type"
            }));
        }
    }
    Ok(())
}

fn disks(def: &DomainDef) -> Result<()> {
    let iothreads: Vec<u32> = def.iothreads.threads.iter().map(|t| t.id).collect();
    for d in &def.devices.disks {
        let bus = d.target.bus;
        if bus == Some(DiskBus::Ide) && d.readonly && d.device == DiskDevice::Disk {
            return Err(unsupported("readonly ide disks are not supported"));
        }
        if bus == Some(DiskBus::Ide)
            && matches!(d.info.address, Some(Address::Drive { controller, .. }) if controller > 0)
        {
            return Err(internal("Only 1 IDE controller is supported"));
        }
        if bus == Some(DiskBus::Virtio) && d.device == DiskDevice::Cdrom {
            return Err(unsupported(format!(
                "disk type of '{}' does not support ejectable media",
                d.target.dev
            )));
        }
        if let Some(t) = d.driver.iothread {
            if !iothreads.contains(&t) {
                return Err(unsupported(format!(
                    "Disk iothread '{t}' not defined in iothreadid"
                )));
            }
        }
    }
    Ok(())
}

fn inputs(def: &DomainDef) -> Result<()> {
    for i in &def.devices.inputs {
        if i.bus == Some(InputBus::Ps2) && !matches!(i.kind, InputType::Mouse | InputType::Keyboard)
        {
            return Err(internal(format!(
                "ps2 bus does not support {} input device",
                i.kind.as_xml()
            )));
        }
    }
    Ok(())
}

fn videos(def: &DomainDef) -> Result<()> {
    let v = &def.devices.videos;
    if v.len() > 1 && v.iter().any(|x| x.model == Some(VideoModel::None)) {
        return Err(unsupported(
            "a 'none' video type must be the only video device defined for the domain",
        ));
    }
    Ok(())
}
