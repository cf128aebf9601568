//! The QEMU driver's defaults: what libvirt's QEMU driver adds to a definition when it is
//! defined (machine type, emulator, implicit controllers and devices, PCI and drive
//! addresses), so `dumpxml` prints what libvirt prints.
//!
//! libvirt runs these in three places of its post-parse, and so does [`QemuDefaults`]:
//! - before any device default ([`DriverDefaults::domain_post_parse`]): the emulator, the
//!   capabilities of that binary, the machine type ([`machine`]), the devices every x86
//!   machine has ([`implicit`]), the CPU model ([`cpu`]) and the per-device models of
//!   the devices written in the XML ([`models`]);
//! - after the generic defaults and implicit devices ([`DriverDefaults::post_parse`]): models
//!   of the devices the generic rules added, then addresses: virtio-serial ports
//!   ([`vioserial`]), PCI slots ([`pci`] allocates, [`pci_assign`] walks the domain) and
//!   USB ports ([`usb`]);
//! - validation ([`DriverDefaults::validate`], [`validate`]).
//!
//! Everything per binary comes from its probed [`QemuCaps`], reached through a
//! [`CapsLookup`], so the driver can pass its capability cache and tests a fixture.

pub mod cpu;
pub mod implicit;
pub mod machine;
pub mod models;
pub mod pci;
pub mod pci_assign;
pub mod pci_chipset;
pub mod pci_devices;
pub mod usb;
pub mod validate;
pub mod vioserial;

use crate::caps::QemuCaps;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::os::OsType;
use rvirt_xml::domain::{DomainDef, DriverDefaults, VirtType};
use std::sync::Arc;

/// Where the defaults get an emulator's capabilities from.
pub trait CapsLookup: Send + Sync {
    /// The emulator libvirt picks for a guest architecture when `<emulator>` is absent
    /// (`qemu-system-ARCH` on the search path), `None` when there is none.
    fn default_emulator(&self, arch: &str) -> Option<String>;

    /// The capabilities of the binary at `path`, or the error libvirt gives when it
    /// cannot be probed.
    fn caps(&self, path: &str) -> Result<Arc<QemuCaps>>;
}

/// A fixed set of probed binaries, each found at the path it was probed from: what tests
/// use (with the recorded fixtures), and what a driver can use once it has probed.
#[derive(Clone, Debug, Default)]
pub struct FixedCaps {
    pub binaries: Vec<Arc<QemuCaps>>,
}

impl FixedCaps {
    pub fn new(binaries: Vec<QemuCaps>) -> FixedCaps {
        FixedCaps {
            binaries: binaries.into_iter().map(Arc::new).collect(),
        }
    }
}

impl CapsLookup for FixedCaps {
    fn default_emulator(&self, arch: &str) -> Option<String> {
        let target = crate::caps::qemu_target(arch);
        let wanted = format!("qemu-system-{target}");
        self.binaries
            .iter()
            .find(|c| c.binary.file_name().is_some_and(|n| n == wanted.as_str()))
            .map(|c| c.binary.to_string_lossy().into_owned())
    }

    fn caps(&self, path: &str) -> Result<Arc<QemuCaps>> {
        self.binaries
            .iter()
            .find(|c| c.binary.as_os_str() == path)
            .cloned()
            .ok_or_else(|| missing_binary(path))
    }
}

/// libvirt's error for an emulator path that does not exist.
pub fn missing_binary(path: &str) -> Error {
    Error::raw(
        ErrorDomain::QEMU,
        ErrorCode::SYSTEM_ERROR,
        format!("Cannot check QEMU binary {path}: No such file or directory"),
    )
}

/// `VIR_ERR_CONFIG_UNSUPPORTED` raised by the QEMU driver.
pub(crate) fn unsupported(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::CONFIG_UNSUPPORTED,
        Some(detail.into()),
    )
}

/// `VIR_ERR_XML_ERROR` raised by the QEMU driver or the shared address code.
pub(crate) fn xml_error(detail: impl Into<String>) -> Error {
    Error::new(ErrorDomain::QEMU, ErrorCode::XML_ERROR, Some(detail.into()))
}

/// `VIR_ERR_INTERNAL_ERROR` raised by the QEMU driver.
pub(crate) fn internal(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::INTERNAL_ERROR,
        Some(detail.into()),
    )
}

/// The QEMU driver's [`DriverDefaults`].
pub struct QemuDefaults {
    lookup: Arc<dyn CapsLookup>,
    /// The host architecture (the default guest architecture).
    host_arch: String,
}

impl QemuDefaults {
    pub fn new(lookup: Arc<dyn CapsLookup>, host_arch: impl Into<String>) -> QemuDefaults {
        QemuDefaults {
            lookup,
            host_arch: host_arch.into(),
        }
    }

    /// The capabilities of the definition's emulator (set by [`machine::emulator`]).
    fn caps_of(&self, def: &DomainDef) -> Result<Arc<QemuCaps>> {
        match &def.devices.emulator {
            Some(e) => self.lookup.caps(e),
            None => Err(internal("no emulator")),
        }
    }
}

impl DriverDefaults for QemuDefaults {
    fn default_arch(&self, _virt: VirtType, _os: OsType) -> Option<String> {
        Some(self.host_arch.clone())
    }

    fn domain_post_parse(&self, def: &mut DomainDef) -> Result<()> {
        machine::emulator(def, self.lookup.as_ref())?;
        let caps = self.caps_of(def)?;
        machine::machine(def, &caps)?;
        implicit::add_default_devices(def, &caps)?;
        cpu::default_cpu(def, &caps)?;
        models::apply(def, &caps, false)?;
        Ok(())
    }

    fn post_parse(&self, def: &mut DomainDef) -> Result<()> {
        let caps = self.caps_of(def)?;
        models::apply(def, &caps, true)?;
        validate::before_addresses(def, &caps)?;
        vioserial::assign(def)?;
        pci_assign::assign(def, &caps)?;
        usb::assign(def)?;
        dimm_slots(def);
        Ok(())
    }

    fn validate(&self, def: &DomainDef) -> Result<()> {
        let caps = self.caps_of(def)?;
        validate::domain(def, &caps)
    }
}

/// DIMMs (and NVDIMMs) get the lowest memory slot not taken, as libvirt numbers them at
/// define time.
fn dimm_slots(def: &mut DomainDef) {
    use rvirt_xml::domain::devices::memory::MemoryModel;
    use rvirt_xml::domain::info::Address;
    let mut used: Vec<u32> = def
        .devices
        .memories
        .iter()
        .filter_map(|m| match m.info.address {
            Some(Address::Dimm { slot, .. }) => Some(slot),
            _ => None,
        })
        .collect();
    for m in def.devices.memories.iter_mut() {
        if !matches!(m.model, MemoryModel::Dimm | MemoryModel::Nvdimm) || m.info.address.is_some() {
            continue;
        }
        let slot = (0..).find(|s| !used.contains(s)).unwrap_or(0);
        used.push(slot);
        m.info.address = Some(Address::Dimm { slot, base: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt_xml::domain::{FormatCtx, ParseCtx};

    fn caps(file: &str) -> QemuCaps {
        let text = match file {
            "i386" => include_str!("../../../../tests/data/qemu/caps/qemu-system-i386-7.2.json"),
            _ => include_str!("../../../../tests/data/qemu/caps/qemu-system-x86_64-7.2.json"),
        };
        let v: serde_json::Value = serde_json::from_str(text).expect("fixture is JSON");
        QemuCaps::from_json(&v).expect("fixture parses")
    }

    fn defaults() -> QemuDefaults {
        let lookup = FixedCaps::new(vec![caps("x86_64"), caps("i386")]);
        QemuDefaults::new(Arc::new(lookup), "x86_64")
    }

    fn define(body: &str) -> Result<String> {
        let xml =
            format!("<domain type='qemu'><name>t</name><memory>131072</memory>{body}</domain>");
        let def = DomainDef::parse(&xml, &ParseCtx { inactive: true }, &defaults())?;
        Ok(def.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        }))
    }

    #[test]
    fn the_emulator_follows_the_architecture() {
        let lookup = FixedCaps::new(vec![caps("x86_64"), caps("i386")]);
        assert_eq!(
            lookup.default_emulator("i686").as_deref(),
            Some("/usr/bin/qemu-system-i386")
        );
        assert_eq!(
            lookup.default_emulator("x86_64").as_deref(),
            Some("/usr/bin/qemu-system-x86_64")
        );
        assert_eq!(lookup.default_emulator("aarch64"), None);
        let e = define("<os><type arch='aarch64'>hvm</type></os>").expect_err("no binary");
        assert_eq!(
            e.message,
            "unsupported configuration: No emulator found for arch 'aarch64'"
        );
        let e = define("<os><type>hvm</type></os><devices><emulator>/nope</emulator></devices>")
            .expect_err("no such file");
        assert_eq!(
            e.message,
            "Cannot check QEMU binary /nope: No such file or directory"
        );
    }

    #[test]
    fn machine_aliases_resolve_and_pc_gets_its_chipset() {
        let out = define("<os><type machine='pc'>hvm</type></os>").expect("defined");
        assert!(out.contains("machine='pc-i440fx-7.2'"), "{out}");
        assert!(
            out.contains("<model fallback='forbid'>qemu64</model>"),
            "{out}"
        );
        assert!(out.contains("<controller type='usb' index='0' model='piix3-uhci'>"));
        assert!(out.contains("slot='0x01' function='0x2'"));
        assert!(out.contains("<controller type='pci' index='0' model='pci-root'/>"));
    }

    #[test]
    fn q35_gets_root_ports_with_chassis_and_port_numbers() {
        let out = define("<os><type machine='q35'>hvm</type></os>").expect("defined");
        assert!(out.contains("machine='pc-q35-7.2'"), "{out}");
        assert!(out.contains("<target chassis='1' port='0x8'/>"), "{out}");
        assert!(out.contains("<target chassis='3' port='0xa'/>"), "{out}");
        assert!(!out.contains("index='4'"), "{out}");
        assert!(out.contains("slot='0x1f' function='0x2'"), "{out}");
    }
}
