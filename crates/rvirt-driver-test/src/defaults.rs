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

    fn default_video_model(&self, def: &DomainDef) -> &'static str {
        match def.os.os_type {
            OsType::Xen | OsType::Linux => "xen",
            _ if def.os.arch.as_deref() == Some("ppc64") => "vga",
            _ => "cirrus",
        }
    }

    fn post_parse(&self, _def: &mut DomainDef) -> Result<()> {
        Ok(())
    }
}
