//! The domain (`<domain>`) model: a virtual machine's definition.
//!
//! [`DomainDef::parse`] turns XML text into typed values once (running the generic
//! post-parse defaults of [`postparse`] with a driver's [`DriverDefaults`]), and
//! [`DomainDef::format`] prints the canonical form libvirt prints. Top-level parts live in
//! their own modules; devices live under [`devices`], one module per family.

pub mod clock;
pub mod cpu;
pub mod ctx;
pub mod devices;
pub mod features;
pub mod info;
pub mod lifecycle;
pub mod memory;
pub mod metadata;
pub mod os;
pub mod postparse;
pub mod security;
pub mod vcpu;

pub use ctx::{DomainEnv, FormatCtx, ParseCtx};
pub use devices::Devices;
pub use postparse::DriverDefaults;

use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::{parse_document, Element};
use crate::uuids::parse_uuid;
use crate::writer::{on_off, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

xml_enum! {
    /// `<domain type=...>`: which hypervisor runs the domain.
    pub enum VirtType {
        Qemu = "qemu", Kqemu = "kqemu", Kvm = "kvm", Xen = "xen", Lxc = "lxc", Uml = "uml",
        Openvz = "openvz", Test = "test", Vmware = "vmware", Hyperv = "hyperv", Vbox = "vbox",
        Phyp = "phyp", Parallels = "parallels", Bhyve = "bhyve", Vz = "vz", Ch = "ch", Hvf = "hvf",
    }
}

/// `<resource>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    pub partition: Option<String>,
    pub appid: Option<String>,
}

/// A parsed domain definition.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainDef {
    pub virt_type: VirtType,
    /// The running domain's id; only present in live XML.
    pub id: Option<i32>,
    pub name: String,
    pub uuid: Uuid,
    /// `Some(None)` asks for a generated VM generation id.
    pub genid: Option<Option<Uuid>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub metadata: metadata::Metadata,
    pub max_memory: Option<memory::MaxMemory>,
    /// `<memory>`, in KiB.
    pub memory_kib: u64,
    pub dump_core: Option<bool>,
    /// `<currentMemory>`, in KiB.
    pub current_memory_kib: u64,
    pub blkiotune: Option<Box<memory::Blkiotune>>,
    pub memtune: Option<Box<memory::Memtune>>,
    pub memory_backing: Option<Box<memory::MemoryBacking>>,
    pub vcpus: vcpu::Vcpus,
    pub iothreads: vcpu::Iothreads,
    pub cputune: Option<Box<vcpu::Cputune>>,
    pub numatune: Option<Box<cpu::Numatune>>,
    pub resource: Option<Resource>,
    pub sysinfo: Vec<os::Sysinfo>,
    pub bootloader: Option<String>,
    pub bootloader_args: Option<String>,
    pub os: os::Os,
    pub idmap: Option<Box<os::Idmap>>,
    pub features: features::Features,
    pub cpu: Option<Box<cpu::Cpu>>,
    pub clock: clock::Clock,
    pub lifecycle: lifecycle::Lifecycle,
    pub pm: lifecycle::Pm,
    pub perf: lifecycle::Perf,
    pub devices: Devices,
    pub seclabels: Vec<security::Seclabel>,
    /// Rarely used blocks kept as parsed.
    pub keywrap: Option<Box<Element>>,
    pub launch_security: Option<Box<Element>>,
}

impl DomainDef {
    /// Parses domain XML text, runs post-parse defaults and validation.
    pub fn parse(xml: &str, ctx: &ParseCtx, defaults: &dyn DriverDefaults) -> Result<DomainDef> {
        let root = parse_document(xml, "domain_definition").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::DOMAIN;
            err
        })?;
        DomainDef::from_element(&root, ctx, defaults)
    }

    /// Parses an already-read `<domain>` element.
    pub fn from_element(
        root: &Element,
        ctx: &ParseCtx,
        defaults: &dyn DriverDefaults,
    ) -> Result<DomainDef> {
        if root.name != "domain" || root.ns.is_some() {
            return Err(xml_error(format!(
                "expecting root element of 'domain', not '{}'",
                root.name
            )));
        }
        let mut def = DomainDef::parse_raw(root, ctx)?;
        postparse::run(&mut def, defaults)?;
        Ok(def)
    }

    fn parse_raw(root: &Element, ctx: &ParseCtx) -> Result<DomainDef> {
        let virt_type = match root.attr("type") {
            None => return Err(internal("missing domain type attribute")),
            Some(t) => VirtType::from_xml(t)
                .ok_or_else(|| unsupported(format!("invalid domain type {t}")))?,
        };
        let id = if ctx.inactive {
            None
        } else {
            root.attr("id")
                .and_then(|i| i.trim().parse().ok())
                .filter(|i: &i32| *i >= 0)
        };
        let name = match root.child_text("name") {
            Some(n) if !n.is_empty() => n,
            _ => return Err(Error::new(ErrorDomain::DOMAIN, ErrorCode::NO_NAME, None)),
        };
        // XPath string() makes an empty <uuid> absent, so one is generated.
        let uuid = match root.child_text("uuid").filter(|u| !u.is_empty()) {
            None => Uuid::new_v4(),
            Some(u) => parse_uuid(&u).ok_or_else(|| internal("malformed uuid element"))?,
        };
        let genids: Vec<&Element> = root.children_named("genid").collect();
        if genids.len() > 1 {
            return Err(xml_error("element 'genid' can only appear once"));
        }
        let genid = match genids.first() {
            None => None,
            Some(g) => {
                // An empty <genid/> asks for a generated one; blanks alone are malformed.
                let t = g.text();
                if t.is_empty() {
                    Some(None)
                } else {
                    Some(Some(
                        parse_uuid(&t).ok_or_else(|| internal("malformed genid element"))?,
                    ))
                }
            }
        };
        let title = root.child_text("title").filter(|t| !t.is_empty());
        if title.as_ref().is_some_and(|t| t.contains('\n')) {
            return Err(xml_error("Domain title can't contain newlines"));
        }
        let description = root.child_text("description").filter(|t| !t.is_empty());
        let seclabels = root
            .children_named("seclabel")
            .map(|s| security::Seclabel::parse(s, ctx.inactive))
            .collect::<Result<Vec<_>>>()?;

        let memory_el = root.child("memory");
        let memory_kib = match memory_el {
            None => 0,
            Some(m) => memory::parse_size_kib(m, "./memory[1]")?,
        };
        let dump_core = match memory_el {
            None => None,
            Some(m) => m.on_off_attr("dumpCore")?,
        };
        let max_memory = match root.child("maxMemory") {
            None => None,
            Some(m) => {
                let kib = memory::parse_size_kib(m, "./maxMemory[1]")?;
                let slots = match m.attr("slots") {
                    None => 0,
                    Some(s) => s
                        .trim()
                        .parse()
                        .map_err(|_| xml_error("Failed to parse memory slot count"))?,
                };
                Some(memory::MaxMemory { kib, slots })
            }
        };
        let current_memory_kib = match root.child("currentMemory") {
            None => 0,
            Some(m) => memory::parse_size_kib(m, "./currentMemory[1]")?,
        };
        let blkiotune = root
            .child("blkiotune")
            .map(memory::Blkiotune::parse)
            .transpose()?;
        let memtune = root
            .child("memtune")
            .map(memory::Memtune::parse)
            .transpose()?;
        let memory_backing = root
            .child("memoryBacking")
            .map(memory::MemoryBacking::parse)
            .transpose()?;
        let vcpus = vcpu::Vcpus::parse(root.child("vcpu"), root.child("vcpus"))?;
        let iothreads = vcpu::Iothreads::parse(
            root.child("iothreads"),
            root.child("iothreadids"),
            root.child("defaultiothread"),
        )?;
        let cputune = root
            .child("cputune")
            .map(|c| vcpu::Cputune::parse(c, &vcpus, &iothreads))
            .transpose()?;
        let cpu = root.child("cpu").map(cpu::Cpu::parse).transpose()?;
        let cells = cpu.as_ref().map_or(0, |c| c.numa.len());
        let numatunes: Vec<&Element> = root.children_named("numatune").collect();
        if numatunes.len() > 1 {
            return Err(unsupported("only one numatune is supported"));
        }
        let numatune = numatunes
            .first()
            .map(|n| cpu::Numatune::parse(n, cells))
            .transpose()?;
        let resources: Vec<&Element> = root.children_named("resource").collect();
        if resources.len() > 1 {
            return Err(xml_error("only one resource element is supported"));
        }
        let resource = resources.first().map(|r| Resource {
            partition: r.child_text("partition"),
            appid: r.child("fibrechannel").and_then(|f| f.string_attr("appid")),
        });
        let features = match root.child("features") {
            None => features::Features::default(),
            Some(f) => features::Features::parse(f)?,
        };
        let lifecycle = lifecycle::Lifecycle::parse(root)?;
        let pm = match root.child("pm") {
            None => lifecycle::Pm::default(),
            Some(p) => lifecycle::Pm::parse(p)?,
        };
        let perf = match root.child("perf") {
            None => lifecycle::Perf::default(),
            Some(p) => lifecycle::Perf::parse(p)?,
        };
        let clock = match root.child("clock") {
            None => clock::Clock::default(),
            Some(c) => clock::Clock::parse(c)?,
        };
        let bootloader = root.child_text("bootloader");
        let bootloader_args = root.child_text("bootloader_args");
        let os = os::Os::parse(root.child("os"), bootloader.is_some())?;
        let devices = match root.child("devices") {
            None => Devices::default(),
            Some(d) => Devices::parse(d, ctx)?,
        };
        let idmap = root.child("idmap").map(os::Idmap::parse).transpose()?;
        let sysinfo = root
            .children_named("sysinfo")
            .map(os::Sysinfo::parse)
            .collect::<Result<Vec<_>>>()?;
        let metadata = root
            .child("metadata")
            .map(metadata::Metadata::parse)
            .unwrap_or_default();
        Ok(DomainDef {
            virt_type,
            id,
            name,
            uuid,
            genid,
            title,
            description,
            metadata,
            max_memory,
            memory_kib,
            dump_core,
            current_memory_kib,
            blkiotune: blkiotune.map(Box::new),
            memtune: memtune.map(Box::new),
            memory_backing: memory_backing.map(Box::new),
            vcpus,
            iothreads,
            cputune: cputune.map(Box::new),
            numatune: numatune.map(Box::new),
            resource,
            sysinfo,
            bootloader,
            bootloader_args,
            os,
            idmap: idmap.map(Box::new),
            features,
            cpu: cpu.map(Box::new),
            clock,
            lifecycle,
            pm,
            perf,
            devices,
            seclabels,
            keywrap: root.child("keywrap").cloned().map(Box::new),
            launch_security: root.child("launchSecurity").cloned().map(Box::new),
        })
    }

    /// The facts device defaults depend on.
    pub fn env(&self) -> DomainEnv {
        DomainEnv {
            virt_type: self.virt_type.as_xml().to_string(),
            os_type: self.os.os_type.as_xml().to_string(),
            arch: self.os.arch.clone().unwrap_or_default(),
            machine: self.os.machine.clone(),
        }
    }

    /// Prints the definition in libvirt's canonical layout.
    pub fn format(&self, ctx: &FormatCtx) -> String {
        let mut d = Out::new("domain").attr("type", self.virt_type);
        if !ctx.inactive {
            if let Some(id) = self.id {
                d.set("id", id);
            }
        }
        d.text_child("name", &self.name);
        d.text_child("uuid", self.uuid.hyphenated());
        if let Some(Some(g)) = &self.genid {
            d.text_child("genid", g.hyphenated());
        }
        d.text_child_opt("title", self.title.as_ref());
        d.text_child_opt("description", self.description.as_ref());
        if self.metadata.is_present() {
            let mut m = Out::new("metadata");
            for r in self.metadata.render_each() {
                m.raw(r);
            }
            d.push(m);
        }
        if let Some(mm) = &self.max_memory {
            let mut e = Out::new("maxMemory");
            if mm.slots > 0 {
                e.set("slots", mm.slots);
            }
            d.push(e.attr("unit", "KiB").text(mm.kib));
        }
        d.push(
            Out::new("memory")
                .attr_opt("dumpCore", self.dump_core.map(on_off))
                .attr("unit", "KiB")
                .text(self.memory_kib),
        );
        d.push(
            Out::new("currentMemory")
                .attr("unit", "KiB")
                .text(self.current_memory_kib),
        );
        if let Some(b) = &self.blkiotune {
            d.push_nonempty(b.format());
        }
        if let Some(m) = &self.memtune {
            d.push_nonempty(m.format());
        }
        if let Some(m) = &self.memory_backing {
            d.push_nonempty(m.format());
        }
        self.vcpus.format(&mut d);
        self.iothreads.format(&mut d);
        if let Some(c) = &self.cputune {
            d.push_nonempty(c.format());
        }
        if let Some(n) = &self.numatune {
            d.push_nonempty(n.format());
        }
        if let Some(r) = &self.resource {
            let mut e = Out::new("resource");
            e.text_child_opt("partition", r.partition.as_ref());
            if let Some(a) = &r.appid {
                e.push(Out::new("fibrechannel").attr("appid", a));
            }
            d.push_nonempty(e);
        }
        for s in &self.sysinfo {
            d.push(s.format());
        }
        if let Some(b) = &self.bootloader {
            d.text_child("bootloader", b);
            d.text_child_opt("bootloader_args", self.bootloader_args.as_ref());
        }
        d.push(self.os.format(
            self.bootloader.is_some(),
            postparse::has_device_boot(&self.devices),
        ));
        if let Some(i) = &self.idmap {
            d.push(i.format());
        }
        d.push_nonempty(self.features.format());
        if let Some(c) = &self.cpu {
            d.push_opt(c.format());
        }
        d.push(self.clock.format());
        self.lifecycle.format(&mut d);
        d.push_opt(self.pm.format());
        d.push_opt(self.perf.format());
        d.push(postparse::format_devices(self, ctx).keep_open());
        for s in &self.seclabels {
            d.push(s.format());
        }
        for e in [&self.keywrap, &self.launch_security].into_iter().flatten() {
            d.push(devices::opaque::Opaque((**e).clone()).format(ctx));
        }
        d.render(0)
    }
}
