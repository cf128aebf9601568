//! How the guest boots: `<os>`, `<bootloader>`, `<sysinfo>` and `<idmap>`.

use crate::error::{unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum OsType { Hvm = "hvm", Xen = "xen", Linux = "linux", Exe = "exe", Uml = "uml", Xenpvh = "xenpvh" }
}
xml_enum! {
    pub enum BootDev { Fd = "fd", Cdrom = "cdrom", Hd = "hd", Network = "network" }
}
xml_enum! {
    pub enum Firmware { Bios = "bios", Efi = "efi" }
}
xml_enum! {
    pub enum LoaderType { Rom = "rom", Pflash = "pflash" }
}
xml_enum! {
    pub enum SmbiosMode { Emulate = "emulate", Host = "host", Sysinfo = "sysinfo" }
}
xml_enum! {
    pub enum FirmwareFeature { EnrolledKeys = "enrolled-keys", SecureBoot = "secure-boot" }
}

/// The architectures libvirt knows by name (`virArch`).
pub const ARCHES: &[&str] = &[
    "none",
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "i686",
    "ia64",
    "lm32",
    "loongarch64",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "x86_64",
    "xtensa",
    "xtensaeb",
];

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Loader {
    pub path: Option<String>,
    pub readonly: Option<bool>,
    pub secure: Option<bool>,
    pub kind: Option<LoaderType>,
    pub stateless: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Nvram {
    pub path: Option<String>,
    pub template: Option<String>,
}

/// `<os>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Os {
    pub os_type: OsType,
    pub arch: Option<String>,
    pub machine: Option<String>,
    pub firmware: Option<Firmware>,
    pub firmware_features: Vec<(FirmwareFeature, bool)>,
    pub init: Option<String>,
    pub initargs: Vec<String>,
    pub initenv: Vec<(String, String)>,
    pub initdir: Option<String>,
    pub inituser: Option<String>,
    pub initgroup: Option<String>,
    pub loader: Option<Loader>,
    pub nvram: Option<Nvram>,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    pub dtb: Option<String>,
    pub root: Option<String>,
    pub acpi_table: Option<(String, String)>,
    pub boot: Vec<BootDev>,
    pub bootmenu: Option<(bool, Option<u32>)>,
    pub bios_useserial: Option<bool>,
    pub bios_reboot_timeout: Option<i32>,
    pub smbios: Option<SmbiosMode>,
}

impl Os {
    /// Parses `<os>`; `bootloader` says whether the domain uses a host bootloader, which lets
    /// the OS type default to `xen`.
    pub fn parse(el: Option<&Element>, bootloader: bool) -> Result<Os> {
        let ty = el.and_then(|e| e.child("type"));
        let os_type = match ty.map(|t| t.text()) {
            Some(t) => OsType::from_xml(t.trim())
                .ok_or_else(|| unsupported(format!("unknown OS type '{}'", t.trim())))?,
            None if bootloader => OsType::Xen,
            None => return Err(xml_error("an os <type> must be specified")),
        };
        let arch = match ty.and_then(|t| t.attr("arch")) {
            None => None,
            Some(a) if ARCHES.contains(&a) && a != "none" => Some(a.to_string()),
            Some(a) => return Err(unsupported(format!("Unknown architecture {a}"))),
        };
        let mut os = Os {
            os_type,
            arch,
            machine: ty.and_then(|t| t.string_attr("machine")),
            firmware: None,
            firmware_features: Vec::new(),
            init: None,
            initargs: Vec::new(),
            initenv: Vec::new(),
            initdir: None,
            inituser: None,
            initgroup: None,
            loader: None,
            nvram: None,
            kernel: None,
            initrd: None,
            cmdline: None,
            dtb: None,
            root: None,
            acpi_table: None,
            boot: Vec::new(),
            bootmenu: None,
            bios_useserial: None,
            bios_reboot_timeout: None,
            smbios: None,
        };
        let Some(el) = el else { return Ok(os) };
        if let Some(f) = el.attr("firmware") {
            os.firmware = Some(
                Firmware::from_xml(f)
                    .ok_or_else(|| xml_error(format!("unknown firmware value {f}")))?,
            );
        }
        if let Some(fw) = el.child("firmware") {
            for f in fw.children_named("feature") {
                let name: FirmwareFeature = f.req_enum_attr("name")?;
                let enabled = f.yes_no_attr("enabled")?.ok_or_else(|| {
                    xml_error("Missing required attribute 'enabled' in element 'feature'")
                })?;
                os.firmware_features.push((name, enabled));
            }
        }
        os.init = el.child_text("init");
        os.initargs = el.children_named("initarg").map(Element::text).collect();
        for e in el.children_named("initenv") {
            let name = e
                .attr("name")
                .ok_or_else(|| xml_error("No name supplied for <initenv> element"))?;
            os.initenv.push((name.to_string(), e.text()));
        }
        os.initdir = el.child_text("initdir");
        os.inituser = el.child_text("inituser");
        os.initgroup = el.child_text("initgroup");
        if let Some(l) = el.child("loader") {
            let path = Some(l.text()).filter(|p| !p.trim().is_empty());
            os.loader = Some(Loader {
                path,
                readonly: l.yes_no_attr("readonly")?,
                secure: l.yes_no_attr("secure")?,
                kind: l.enum_attr("type")?,
                stateless: l.yes_no_attr("stateless")?,
            });
        }
        if let Some(n) = el.child("nvram") {
            os.nvram = Some(Nvram {
                path: Some(n.text()).filter(|p| !p.trim().is_empty()),
                template: n.string_attr("template"),
            });
        }
        os.kernel = el.child_text("kernel");
        os.initrd = el.child_text("initrd");
        os.cmdline = el.child_text("cmdline");
        os.dtb = el.child_text("dtb");
        os.root = el.child_text("root");
        if let Some(acpi) = el.child("acpi") {
            let tables: Vec<&Element> = acpi.children_named("table").collect();
            if tables.len() > 1 {
                return Err(unsupported("Only one acpi table is supported"));
            }
            if let Some(t) = tables.first() {
                let kind = t
                    .attr("type")
                    .ok_or_else(|| xml_error("Missing acpi table type"))?;
                if kind != "slic" {
                    return Err(xml_error(format!("Unknown acpi table type: {kind}")));
                }
                os.acpi_table = Some((kind.to_string(), t.text()));
            }
        }
        for b in el.children_named("boot") {
            let d: BootDev = b.req_enum_attr("dev")?;
            if os.boot.len() < 4 {
                os.boot.push(d);
            }
        }
        if let Some(m) = el.child("bootmenu") {
            let enable = m.yes_no_attr("enable")?;
            let timeout = match m.attr("timeout") {
                None => None,
                Some(t) => Some(
                    t.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|v| *v <= 65535)
                        .ok_or_else(|| {
                            unsupported(
                                "invalid value for boot menu timeout, must be in range [0,65535]",
                            )
                        })?,
                ),
            };
            if let Some(en) = enable {
                os.bootmenu = Some((en, if en { timeout } else { None }));
            }
        }
        if let Some(b) = el.child("bios") {
            os.bios_useserial = b.yes_no_attr("useserial")?;
            if let Some(t) = b.attr("rebootTimeout") {
                let v: i32 = t
                    .trim()
                    .parse()
                    .ok()
                    .filter(|v| (-1..=65535).contains(v))
                    .ok_or_else(|| {
                        unsupported("invalid value for rebootTimeout, must be in range [-1,65535]")
                    })?;
                os.bios_reboot_timeout = Some(v);
            }
        }
        if let Some(s) = el.child("smbios") {
            let m = s.req_attr("mode")?;
            os.smbios = Some(
                SmbiosMode::from_xml(m)
                    .ok_or_else(|| unsupported(format!("unknown smbios mode '{m}'")))?,
            );
        }
        Ok(os)
    }

    pub fn format(&self, has_bootloader: bool, per_device_boot: bool) -> Out {
        let mut o = Out::new("os").attr_opt("firmware", self.firmware);
        o.push(
            Out::new("type")
                .attr_opt("arch", self.arch.as_ref())
                .attr_opt("machine", self.machine.as_ref())
                .text(self.os_type),
        );
        if !self.firmware_features.is_empty() {
            let mut fw = Out::new("firmware");
            for (name, en) in &self.firmware_features {
                fw.push(
                    Out::new("feature")
                        .attr("enabled", yes_no(*en))
                        .attr("name", name),
                );
            }
            o.push(fw);
        }
        o.text_child_opt("init", self.init.as_ref());
        for a in &self.initargs {
            o.text_child("initarg", a);
        }
        for (n, v) in &self.initenv {
            o.push(Out::new("initenv").attr("name", n).text(v));
        }
        o.text_child_opt("initdir", self.initdir.as_ref());
        o.text_child_opt("inituser", self.inituser.as_ref());
        o.text_child_opt("initgroup", self.initgroup.as_ref());
        if let Some(l) = &self.loader {
            let mut e = Out::new("loader")
                .attr_opt("readonly", l.readonly.map(yes_no))
                .attr_opt("secure", l.secure.map(yes_no))
                .attr_opt("type", l.kind)
                .attr_opt("stateless", l.stateless.map(yes_no));
            if let Some(p) = &l.path {
                e = e.text(p);
            }
            o.push_nonempty(e);
        }
        if let Some(n) = &self.nvram {
            let mut e = Out::new("nvram").attr_opt("template", n.template.as_ref());
            if let Some(p) = &n.path {
                e = e.text(p);
            }
            o.push_nonempty(e);
        }
        o.text_child_opt("kernel", self.kernel.as_ref());
        o.text_child_opt("initrd", self.initrd.as_ref());
        o.text_child_opt("cmdline", self.cmdline.as_ref());
        o.text_child_opt("dtb", self.dtb.as_ref());
        o.text_child_opt("root", self.root.as_ref());
        if let Some((kind, path)) = &self.acpi_table {
            let mut a = Out::new("acpi");
            a.push(Out::new("table").attr("type", kind).text(path));
            o.push(a);
        }
        if !has_bootloader {
            if !per_device_boot {
                for b in &self.boot {
                    o.push(Out::new("boot").attr("dev", b));
                }
            }
            if let Some((en, timeout)) = self.bootmenu {
                o.push(
                    Out::new("bootmenu")
                        .attr("enable", yes_no(en))
                        .attr_opt("timeout", timeout),
                );
            }
            if self.bios_useserial.is_some() || self.bios_reboot_timeout.is_some() {
                o.push(
                    Out::new("bios")
                        .attr_opt("useserial", self.bios_useserial.map(yes_no))
                        .attr_opt("rebootTimeout", self.bios_reboot_timeout),
                );
            }
        }
        if let Some(m) = self.smbios {
            o.push(Out::new("smbios").attr("mode", m));
        }
        o
    }
}

/// The SMBIOS groups and their fields, in the order libvirt prints them.
const SMBIOS_GROUPS: &[(&str, &[&str])] = &[
    ("bios", &["vendor", "version", "date", "release"]),
    (
        "system",
        &[
            "manufacturer",
            "product",
            "version",
            "serial",
            "uuid",
            "sku",
            "family",
        ],
    ),
    (
        "baseBoard",
        &[
            "manufacturer",
            "product",
            "version",
            "serial",
            "asset",
            "location",
        ],
    ),
    (
        "chassis",
        &["manufacturer", "version", "serial", "asset", "sku"],
    ),
];

/// `<sysinfo>`: SMBIOS tables or firmware config entries for the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sysinfo {
    Smbios {
        /// `(group, [(field, value)])`; baseBoard may repeat.
        groups: Vec<(String, Vec<(String, String)>)>,
        oem_strings: Vec<String>,
    },
    FwCfg {
        entries: Vec<(String, Option<String>, Option<String>)>,
    },
}

impl Sysinfo {
    pub fn parse(el: &Element) -> Result<Sysinfo> {
        match el.req_attr("type")? {
            "smbios" => {
                let mut groups = Vec::new();
                for (gname, fields) in SMBIOS_GROUPS {
                    for g in el.children_named(gname) {
                        let mut entries = Vec::new();
                        for f in *fields {
                            if let Some(e) = g
                                .children_named("entry")
                                .find(|e| e.attr("name") == Some(f))
                            {
                                entries.push((f.to_string(), e.text()));
                            }
                        }
                        if !entries.is_empty() {
                            groups.push((gname.to_string(), entries));
                        }
                        if *gname != "baseBoard" {
                            break;
                        }
                    }
                }
                let oem_strings = el
                    .child("oemStrings")
                    .map(|o| o.children_named("entry").map(Element::text).collect())
                    .unwrap_or_default();
                Ok(Sysinfo::Smbios {
                    groups,
                    oem_strings,
                })
            }
            "fwcfg" => {
                let mut entries = Vec::new();
                for e in el.children_named("entry") {
                    let name = e.req_attr("name")?.to_string();
                    let value = Some(e.text()).filter(|t| !t.is_empty());
                    let file = e.string_attr("file");
                    if value.is_none() && file.is_none() {
                        return Err(xml_error(
                            "Firmware entry must have either value or 'file' attribute".to_string(),
                        ));
                    }
                    entries.push((name, value, file));
                }
                Ok(Sysinfo::FwCfg { entries })
            }
            other => Err(xml_error(format!("unknown sysinfo type '{other}'"))),
        }
    }

    pub fn format(&self) -> Out {
        match self {
            Sysinfo::Smbios {
                groups,
                oem_strings,
            } => {
                let mut o = Out::new("sysinfo").attr("type", "smbios");
                for (g, entries) in groups {
                    let mut ge = Out::new(g.clone());
                    for (k, v) in entries {
                        ge.push(Out::new("entry").attr("name", k).text(v));
                    }
                    o.push(ge);
                }
                if !oem_strings.is_empty() {
                    let mut oem = Out::new("oemStrings");
                    for s in oem_strings {
                        oem.text_child("entry", s);
                    }
                    o.push(oem);
                }
                o
            }
            Sysinfo::FwCfg { entries } => {
                let mut o = Out::new("sysinfo").attr("type", "fwcfg");
                for (name, value, file) in entries {
                    let mut e = Out::new("entry")
                        .attr("name", name)
                        .attr_opt("file", file.as_ref());
                    if let Some(v) = value {
                        e = e.text(v);
                    }
                    o.push(e);
                }
                o
            }
        }
    }
}

/// `<idmap>` for container user-namespace mapping.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Idmap {
    pub uid: Vec<(u32, u32, u32)>,
    pub gid: Vec<(u32, u32, u32)>,
}

impl Idmap {
    pub fn parse(el: &Element) -> Result<Idmap> {
        let read = |name: &str| -> Result<Vec<(u32, u32, u32)>> {
            el.children_named(name)
                .map(|m| {
                    let n = |a: &str| -> Result<u32> {
                        m.num_attr::<u32>(a)?.ok_or_else(|| {
                            xml_error("invalid idmap start/target/count settings".to_string())
                        })
                    };
                    Ok((n("start")?, n("target")?, n("count")?))
                })
                .collect()
        };
        Ok(Idmap {
            uid: read("uid")?,
            gid: read("gid")?,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("idmap");
        for (name, list) in [("uid", &self.uid), ("gid", &self.gid)] {
            for (s, t, c) in list {
                o.push(
                    Out::new(name)
                        .attr("start", s)
                        .attr("target", t)
                        .attr("count", c),
                );
            }
        }
        o
    }
}
