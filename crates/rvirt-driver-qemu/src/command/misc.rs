//! Whole-VM objects and switches: I/O threads, SMBIOS tables and fw_cfg entries, the VM
//! generation id, the IOMMU, vmcoreinfo, the seccomp sandbox and panic notifiers.

use super::json::{escape_comma, Props};
use super::{unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::misc::{IommuModel, PanicModel};
use rvirt_xml::domain::features::Feature;
use rvirt_xml::domain::info::Address;
use rvirt_xml::domain::os::{SmbiosMode, Sysinfo};

/// One `iothread` object per I/O thread, named `iothreadN`.
pub fn iothreads(c: &mut Cmd) {
    for t in &c.def.iothreads.threads {
        let mut p = Props::new();
        p.str("qom-type", "iothread")
            .str("id", &format!("iothread{}", t.id))
            .opt_num("thread-pool-min", t.pool_min)
            .opt_num("thread-pool-max", t.pool_max);
        if let Some((max, grow, shrink)) = t.poll {
            p.opt_num("poll-max-ns", max)
                .opt_num("poll-grow", grow)
                .opt_num("poll-shrink", shrink);
        }
        c.object(&p);
    }
}

/// `-smbios type=N,...` from the definition's SMBIOS sysinfo, with `<smbios mode='sysinfo'/>`.
pub fn smbios(c: &mut Cmd) -> Result<()> {
    match c.def.os.smbios {
        None | Some(SmbiosMode::Emulate) => {}
        Some(SmbiosMode::Host) => {
            return Err(unsupported("Host SMBIOS information is not available"));
        }
        Some(SmbiosMode::Sysinfo) => {
            let Some((groups, oem)) = c.def.sysinfo.iter().find_map(|s| match s {
                Sysinfo::Smbios {
                    groups,
                    oem_strings,
                } => Some((groups, oem_strings)),
                _ => None,
            }) else {
                return Err(rvirt_core::Error::new(
                    rvirt_core::ErrorDomain::QEMU,
                    rvirt_core::ErrorCode::XML_ERROR,
                    Some(format!("Domain '{}' sysinfo are not available", c.def.name)),
                ));
            };
            let boards = groups.iter().filter(|(g, _)| g == "baseBoard").count();
            if boards > 1 {
                return Err(unsupported(
                    "qemu does not support more than one entry to Type 2 in SMBIOS table",
                ));
            }
            let table = |kind: &str| match kind {
                "bios" => Some(0),
                "system" => Some(1),
                "baseBoard" => Some(2),
                "chassis" => Some(3),
                _ => None,
            };
            for kind in ["bios", "system", "baseBoard", "chassis"] {
                for (_, fields) in groups.iter().filter(|(g, _)| g == kind) {
                    let Some(t) = table(kind) else { continue };
                    let mut s = format!("type={t}");
                    for (name, value) in fields {
                        s.push_str(&format!(",{name}={}", escape_comma(value)));
                    }
                    c.pair("-smbios", s);
                }
            }
            if !oem.is_empty() {
                let mut s = "type=11".to_string();
                for v in oem {
                    s.push_str(&format!(",value={}", escape_comma(v)));
                }
                c.pair("-smbios", s);
            }
        }
    }
    for s in &c.def.sysinfo {
        if let Sysinfo::FwCfg { entries } = s {
            for (name, value, file) in entries {
                let mut v = format!("name={name}");
                match (value, file) {
                    (Some(val), _) => v.push_str(&format!(",string={}", xml_escape(val))),
                    (None, Some(f)) => v.push_str(&format!(",file={}", xml_escape(f))),
                    (None, None) => {}
                }
                c.pair("-fw_cfg", v);
            }
        }
    }
    Ok(())
}

/// libvirt writes fw_cfg values with its XML escaping.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The VM generation id device.
pub fn vmgenid(c: &mut Cmd) {
    if let Some(Some(g)) = &c.def.genid {
        let mut p = Props::new();
        p.str("driver", "vmgenid")
            .str("guid", &g.hyphenated().to_string())
            .str("id", "vmgenid0");
        c.device(&p);
    }
}

/// The Intel IOMMU (the SMMUv3 one is a machine property; virtio-iommu is not supported).
pub fn iommu(c: &mut Cmd) {
    let Some(i) = &c.def.devices.iommu else {
        return;
    };
    if i.model == IommuModel::Intel {
        let mut p = Props::new();
        p.str("driver", "intel-iommu")
            .str("id", i.info.alias.as_deref().unwrap_or("iommu0"))
            .opt_on_off("intremap", i.intremap)
            .opt_bool("caching-mode", i.caching_mode)
            .opt_on_off("eim", i.eim)
            .opt_bool("device-iotlb", i.iotlb)
            .nonzero("aw-bits", i.aw_bits);
        c.device(&p);
    }
}

pub fn vmcoreinfo(c: &mut Cmd) {
    if c.def
        .features
        .0
        .iter()
        .any(|f| matches!(f, Feature::Vmcoreinfo(true)))
    {
        let mut p = Props::new();
        p.str("driver", "vmcoreinfo");
        c.device(&p);
    }
}

/// QEMU's seccomp filter: no obsolete calls, no privilege changes, no process spawning.
pub fn sandbox(c: &mut Cmd) {
    if c.rt.conf.seccomp_sandbox {
        c.pair(
            "-sandbox",
            "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
        );
    } else {
        c.pair("-sandbox", "off");
    }
}

/// The ISA panic notifier (`pvpanic`); the others are machine or CPU features.
pub fn panics(c: &mut Cmd) {
    for p in &c.def.devices.panics {
        if p.model != Some(PanicModel::Isa) {
            continue;
        }
        let mut d = Props::new();
        d.str("driver", "pvpanic");
        if let Some(Address::Isa { iobase, .. }) = &p.info.address {
            d.num("ioport", iobase.unwrap_or(0));
        }
        c.device(&d);
    }
}
