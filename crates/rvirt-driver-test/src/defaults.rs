//! How the test driver completes a parsed domain: i686 as the default architecture,
//! generated MAC addresses and `testnetN` interface names.

use rvirt_core::Result;
use rvirt_xml::domain::os::OsType;
use rvirt_xml::domain::{DomainDef, DriverDefaults, VirtType};

/// The test driver's [`DriverDefaults`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TestDefaults;

impl DriverDefaults for TestDefaults {
    fn default_arch(&self, _virt: VirtType, _os: OsType) -> Option<String> {
        Some("i686".to_string())
    }

    fn post_parse(&self, def: &mut DomainDef) -> Result<()> {
        assign_ifnames(def)
    }
}

/// Gives every interface without a host device name the lowest free `testnetN`, as the
/// test driver does on define, create, restore and file load.
fn assign_ifnames(def: &mut DomainDef) -> Result<()> {
    const MAX_IFACES: u32 = 1024;
    for i in 0..def.devices.interfaces.len() {
        if def.devices.interfaces[i].target_dev.is_some() {
            continue;
        }
        let used = |name: &str| {
            def.devices
                .interfaces
                .iter()
                .any(|n| n.target_dev.as_deref() == Some(name))
        };
        let free = (0..MAX_IFACES)
            .map(|n| format!("testnet{n}"))
            .find(|n| !used(n));
        match free {
            Some(name) => def.devices.interfaces[i].target_dev = Some(name),
            None => {
                return Err(rvirt_core::Error::internal(
                    rvirt_core::ErrorDomain::TEST,
                    format!("Exceeded max iface limit {MAX_IFACES}"),
                ))
            }
        }
    }
    Ok(())
}
