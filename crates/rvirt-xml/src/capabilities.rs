//! The host capabilities document (`<capabilities>`), as drivers report it.
//!
//! Drivers build a [`Capabilities`] value (plain public fields, nothing computed behind
//! their back) and call [`Capabilities::format`], which prints libvirt 9.0's layout,
//! blank lines between the top-level sections included. [`Capabilities::parse`] reads
//! such a document back (for tests, and for drivers that load a canned host description).
//! Errors carry `VIR_FROM_CAPABILITIES`.

use crate::bitmap::Bitmap;
use crate::error::in_domain;
use crate::tree::{parse_document, Element};
use crate::uuids::parse_uuid;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

fn xml_err(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::CAPABILITIES,
        ErrorCode::XML_ERROR,
        Some(msg.into()),
    )
}

fn caps(e: Error) -> Error {
    in_domain(e, ErrorDomain::CAPABILITIES)
}

fn num<T: crate::read::ParseNum>(el: &Element, name: &str) -> Result<T> {
    el.num_attr::<T>(name)
        .map_err(caps)?
        .ok_or_else(|| xml_err(format!("missing '{name}' in element '{}'", el.name)))
}

fn text_num<T: std::str::FromStr>(el: &Element) -> Result<T> {
    let t = el.text();
    t.trim()
        .parse()
        .map_err(|_| xml_err(format!("invalid value '{t}' in element '{}'", el.name)))
}

fn bitmap_attr(el: &Element, name: &str) -> Result<Bitmap> {
    let v = el
        .attr(name)
        .ok_or_else(|| xml_err(format!("missing '{name}' in element '{}'", el.name)))?;
    Bitmap::parse(v).ok_or_else(|| xml_err(format!("invalid cpu set '{v}'")))
}

xml_enum! {
    /// Host power management targets, in libvirt's bit order.
    pub enum PmTarget { SuspendMem = "suspend_mem", SuspendDisk = "suspend_disk", SuspendHybrid = "suspend_hybrid" }
}

xml_enum! {
    /// Cache kinds of resctrl banks and controls.
    pub enum CacheType { Both = "both", Code = "code", Data = "data" }
}

xml_enum! {
    pub enum CacheAssociativity { None = "none", Direct = "direct", Full = "full" }
}

xml_enum! {
    pub enum CachePolicy { None = "none", Writeback = "writeback", Writethrough = "writethrough" }
}

xml_enum! {
    /// Kind of an HMAT interconnect entry.
    pub enum InterconnectKind { Latency = "latency", Bandwidth = "bandwidth" }
}

xml_enum! {
    pub enum AccessType { Access = "access", Read = "read", Write = "write" }
}

xml_enum! {
    /// Guest features, in the order libvirt prints them.
    pub enum GuestFeature {
        Pae = "pae", Nonpae = "nonpae", Ia64Be = "ia64_be", Acpi = "acpi", Apic = "apic",
        CpuSelection = "cpuselection", DeviceBoot = "deviceboot",
        DiskSnapshot = "disksnapshot", Hap = "hap",
    }
}

const GUEST_FEATURE_ORDER: [GuestFeature; 9] = [
    GuestFeature::Pae,
    GuestFeature::Nonpae,
    GuestFeature::Ia64Be,
    GuestFeature::Acpi,
    GuestFeature::Apic,
    GuestFeature::CpuSelection,
    GuestFeature::DeviceBoot,
    GuestFeature::DiskSnapshot,
    GuestFeature::Hap,
];

/// `<counter name= frequency= scaling=>` of the host CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuCounter {
    pub name: String,
    pub frequency: u64,
    pub scaling: Option<bool>,
}

/// `<topology>` of the host CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuTopology {
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

/// The CPU model description the host part carries (empty for drivers that do not
/// detect it, like the test driver).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCpuModel {
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub microcode: Option<u32>,
    /// `(family, model, stepping)`.
    pub signature: Option<(u32, u32, u32)>,
    pub counter: Option<CpuCounter>,
    pub topology: Option<CpuTopology>,
    /// `(mode, bits)` of `<maxphysaddr>`.
    pub maxphysaddr: Option<(String, Option<u32>)>,
    pub features: Vec<String>,
}

/// `<pages>` free in a NUMA cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellPages {
    pub size_kib: u32,
    pub avail: u64,
}

/// One CPU of a NUMA cell. The topology fields are printed only when `siblings` is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellCpu {
    pub id: u32,
    pub socket_id: u32,
    pub die_id: u32,
    pub core_id: u32,
    pub siblings: Option<Bitmap>,
}

/// A memory-side cache of a NUMA cell (HMAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumaCache {
    pub level: u32,
    pub associativity: CacheAssociativity,
    pub policy: CachePolicy,
    pub size_kib: u64,
    pub line_bytes: u32,
}

/// A host NUMA cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub id: u32,
    /// KiB; 0 is "unknown" and not printed.
    pub memory_kib: u64,
    pub pages: Vec<CellPages>,
    /// `(cell id, distance)`; zero distances are not printed.
    pub distances: Vec<(u32, u32)>,
    pub caches: Vec<NumaCache>,
    pub cpus: Vec<CellCpu>,
}

/// One HMAT latency or bandwidth entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interconnect {
    pub kind: InterconnectKind,
    pub initiator: u32,
    pub target: u32,
    /// 0 means "memory itself, no cache level".
    pub cache: u32,
    pub access: AccessType,
    pub value: u64,
}

/// A resctrl allocation control of a cache bank; sizes in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheControl {
    pub granularity: u64,
    pub min: u64,
    pub scope: CacheType,
    pub max_allocs: u32,
}

/// A host cache bank; size in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheBank {
    pub id: u32,
    pub level: u32,
    pub cache_type: CacheType,
    pub size: u64,
    pub cpus: Bitmap,
    pub controls: Vec<CacheControl>,
}

/// A resctrl monitor (`<monitor>`); `level` set for cache monitors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monitor {
    /// `(level, reuseThreshold)`.
    pub cache: Option<(u32, u32)>,
    pub max_monitors: u32,
    pub features: Vec<String>,
}

/// A memory bandwidth allocation node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemBwNode {
    pub id: u32,
    pub cpus: Bitmap,
    /// `(granularity, min, maxAllocs)`.
    pub control: (u32, u32, u32),
}

/// A security driver (`<secmodel>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecModel {
    pub model: String,
    pub doi: String,
    /// `(virt type, label)`.
    pub base_labels: Vec<(String, String)>,
}

/// The `<host>` part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCaps {
    pub uuid: Option<Uuid>,
    pub arch: Option<String>,
    /// `<features>` inside `<cpu>` (`pae`, `vmx`, ...).
    pub cpu_features: Vec<String>,
    pub cpu: HostCpuModel,
    /// Page sizes in KiB.
    pub page_sizes: Vec<u32>,
    pub power_management: Vec<PmTarget>,
    pub iommu: bool,
    /// `Some(live)` when migration is supported at all.
    pub migration_live: Option<bool>,
    pub migration_transports: Vec<String>,
    pub netprefix: Option<String>,
    /// `None` without NUMA information.
    pub cells: Option<Vec<Cell>>,
    pub interconnects: Vec<Interconnect>,
    pub cache_banks: Vec<CacheBank>,
    pub cache_monitor: Option<Monitor>,
    pub membw_nodes: Vec<MemBwNode>,
    pub membw_monitor: Option<Monitor>,
    pub secmodels: Vec<SecModel>,
}

/// A machine type (`<machine>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    pub canonical: Option<String>,
    /// 0 is "unknown" and not printed.
    pub max_cpus: u32,
    pub deprecated: bool,
}

/// A `<domain type=...>` of a guest arch, with overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestDomain {
    pub virt_type: String,
    pub emulator: Option<String>,
    pub loader: Option<String>,
    pub machines: Vec<Machine>,
}

/// A guest feature with its optional default and whether it can be toggled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestFeatureCap {
    pub feature: GuestFeature,
    pub default_on: Option<bool>,
    pub toggle: Option<bool>,
}

/// One `<guest>`: an OS type on an architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestCaps {
    pub os_type: String,
    pub arch: String,
    pub wordsize: u32,
    pub emulator: Option<String>,
    pub loader: Option<String>,
    pub machines: Vec<Machine>,
    pub domains: Vec<GuestDomain>,
    pub features: Vec<GuestFeatureCap>,
}

/// The whole capabilities document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub host: HostCaps,
    pub guests: Vec<GuestCaps>,
    /// Storage pool types (printed by the storage driver's capabilities only).
    pub pool_types: Vec<String>,
}

fn unit_scale(unit: &str) -> u64 {
    crate::num::unit_scale(unit).unwrap_or(1)
}

impl Monitor {
    fn format(&self) -> Option<Out> {
        if self.features.is_empty() {
            return None;
        }
        let mut m = Out::new("monitor");
        if let Some((level, reuse)) = self.cache {
            m.set("level", level);
            m.set("reuseThreshold", reuse);
        }
        m.set("maxMonitors", self.max_monitors);
        for f in &self.features {
            m.push(Out::new("feature").attr("name", f));
        }
        Some(m)
    }

    fn parse(el: &Element) -> Result<Monitor> {
        let cache = match el.attr("level") {
            None => None,
            Some(_) => Some((num(el, "level")?, num(el, "reuseThreshold")?)),
        };
        Ok(Monitor {
            cache,
            max_monitors: num(el, "maxMonitors")?,
            features: el
                .children_named("feature")
                .filter_map(|f| f.string_attr("name"))
                .collect(),
        })
    }
}

impl CacheControl {
    /// libvirt prints granularity and minimum in one unit: the smaller of the two "pretty"
    /// units when they differ.
    fn format(&self) -> Out {
        let (mut g, gunit) = crate::num::pretty_size(self.granularity);
        let mut unit = gunit;
        let (mut m, munit) = crate::num::pretty_size(self.min);
        if self.min != 0 {
            let gdiv = self.granularity / g.max(1);
            let mdiv = self.min / m.max(1);
            if mdiv > gdiv {
                m *= mdiv / gdiv;
            } else if mdiv < gdiv {
                unit = munit;
                g *= gdiv / mdiv;
            }
        }
        Out::new("control")
            .attr("granularity", g)
            .attr_opt("min", (self.min != 0).then_some(m))
            .attr("unit", unit)
            .attr("type", self.scope)
            .attr("maxAllocs", self.max_allocs)
    }
}

impl Capabilities {
    /// Prints the document in libvirt's layout (sections separated by blank lines).
    pub fn format(&self) -> String {
        let mut s = String::from("<capabilities>\n\n");
        if let Some(h) = self.host.format() {
            s.push_str(&h.render(2));
            s.push('\n');
        }
        for g in &self.guests {
            s.push_str(&g.format().render(2));
            s.push('\n');
        }
        if !self.pool_types.is_empty() {
            let mut p = Out::new("pool");
            let mut e = Out::new("enum").attr("name", "type");
            for t in &self.pool_types {
                e.text_child("value", t);
            }
            p.push(e);
            s.push_str(&p.render(2));
            s.push('\n');
        }
        s.push_str("</capabilities>\n");
        s
    }

    /// Reads a capabilities document.
    pub fn parse(xml: &str) -> Result<Capabilities> {
        let root = parse_document(xml, "capabilities").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::CAPABILITIES;
            err
        })?;
        if root.name != "capabilities" {
            return Err(xml_err(format!(
                "expecting root element of 'capabilities', not '{}'",
                root.name
            )));
        }
        let host = match root.child("host") {
            None => HostCaps::default(),
            Some(h) => HostCaps::parse(h)?,
        };
        let guests = root
            .children_named("guest")
            .map(GuestCaps::parse)
            .collect::<Result<Vec<_>>>()?;
        let pool_types = root
            .child("pool")
            .and_then(|p| p.child("enum"))
            .map(|e| e.children_named("value").map(Element::text).collect())
            .unwrap_or_default();
        Ok(Capabilities {
            host,
            guests,
            pool_types,
        })
    }
}

impl HostCaps {
    /// `None` when there is nothing to say (no UUID, arch, PM or IOMMU), as libvirt skips
    /// `<host>` then.
    fn format(&self) -> Option<Out> {
        if self.uuid.is_none()
            && self.arch.is_none()
            && self.power_management.is_empty()
            && !self.iommu
        {
            return None;
        }
        let mut h = Out::new("host");
        if let Some(u) = &self.uuid {
            h.text_child("uuid", u.hyphenated());
        }
        let mut cpu = Out::new("cpu").keep_open();
        cpu.text_child_opt("arch", self.arch.as_ref());
        if !self.cpu_features.is_empty() {
            let mut f = Out::new("features");
            for n in &self.cpu_features {
                f.push(Out::new(n.as_str()));
            }
            cpu.push(f);
        }
        let c = &self.cpu;
        cpu.text_child_opt("model", c.model.as_ref());
        cpu.text_child_opt("vendor", c.vendor.as_ref());
        if let Some(m) = c.microcode {
            cpu.push(Out::new("microcode").attr("version", m));
        }
        if let Some((f, m, s)) = c.signature {
            cpu.push(
                Out::new("signature")
                    .attr("family", f)
                    .attr("model", m)
                    .attr("stepping", s),
            );
        }
        if let Some(k) = &c.counter {
            cpu.push(
                Out::new("counter")
                    .attr("name", &k.name)
                    .attr("frequency", k.frequency)
                    .attr_opt("scaling", k.scaling.map(yes_no)),
            );
        }
        if let Some(t) = &c.topology {
            cpu.push(
                Out::new("topology")
                    .attr("sockets", t.sockets)
                    .attr("dies", t.dies)
                    .attr("cores", t.cores)
                    .attr("threads", t.threads),
            );
        }
        if let Some((mode, bits)) = &c.maxphysaddr {
            cpu.push(
                Out::new("maxphysaddr")
                    .attr("mode", mode)
                    .attr_opt("bits", *bits),
            );
        }
        for f in &c.features {
            cpu.push(Out::new("feature").attr("name", f));
        }
        for p in &self.page_sizes {
            cpu.push(Out::new("pages").attr("unit", "KiB").attr("size", p));
        }
        h.push(cpu);
        let mut pm = Out::new("power_management");
        for t in [
            PmTarget::SuspendMem,
            PmTarget::SuspendDisk,
            PmTarget::SuspendHybrid,
        ] {
            if self.power_management.contains(&t) {
                pm.push(Out::new(t.as_xml()));
            }
        }
        h.push(pm);
        h.push(Out::new("iommu").attr("support", yes_no(self.iommu)));
        if let Some(live) = self.migration_live {
            let mut m = Out::new("migration_features").keep_open();
            if live {
                m.push(Out::new("live"));
            }
            if !self.migration_transports.is_empty() {
                let mut u = Out::new("uri_transports");
                for t in &self.migration_transports {
                    u.text_child("uri_transport", t);
                }
                m.push(u);
            }
            h.push(m);
        }
        h.text_child_opt("netprefix", self.netprefix.as_ref());
        if let Some(cells) = &self.cells {
            let mut top = Out::new("topology");
            let mut cs = Out::new("cells").attr("num", cells.len()).keep_open();
            for cell in cells {
                cs.push(cell.format());
            }
            top.push(cs);
            if !self.interconnects.is_empty() {
                let mut ic = Out::new("interconnects");
                for i in &self.interconnects {
                    let mut o = Out::new(i.kind.as_xml())
                        .attr("initiator", i.initiator)
                        .attr("target", i.target);
                    if i.cache > 0 {
                        o.set("cache", i.cache);
                    }
                    o.set("type", i.access);
                    o.set("value", i.value);
                    if i.kind == InterconnectKind::Bandwidth {
                        o.set("unit", "KiB");
                    }
                    ic.push(o);
                }
                top.push(ic);
            }
            h.push(top);
        }
        let cache_mon = self.cache_monitor.as_ref().and_then(Monitor::format);
        if !self.cache_banks.is_empty() || self.cache_monitor.is_some() {
            let mut c = Out::new("cache").keep_open();
            for b in &self.cache_banks {
                let (size, unit) = crate::num::pretty_size(b.size);
                let mut o = Out::new("bank")
                    .attr("id", b.id)
                    .attr("level", b.level)
                    .attr("type", b.cache_type)
                    .attr("size", size)
                    .attr("unit", unit)
                    .attr("cpus", &b.cpus);
                for ctl in &b.controls {
                    o.push(ctl.format());
                }
                c.push(o);
            }
            c.push_opt(cache_mon);
            h.push(c);
        }
        if !self.membw_nodes.is_empty() || self.membw_monitor.is_some() {
            let mut m = Out::new("memory_bandwidth").keep_open();
            for n in &self.membw_nodes {
                let mut o = Out::new("node").attr("id", n.id).attr("cpus", &n.cpus);
                o.push(
                    Out::new("control")
                        .attr("granularity", n.control.0)
                        .attr("min", n.control.1)
                        .attr("maxAllocs", n.control.2),
                );
                m.push(o);
            }
            m.push_opt(self.membw_monitor.as_ref().and_then(Monitor::format));
            h.push(m);
        }
        for s in &self.secmodels {
            let mut o = Out::new("secmodel");
            o.push(Out::new("model").text(&s.model));
            o.push(Out::new("doi").text(&s.doi));
            for (t, l) in &s.base_labels {
                o.push(Out::new("baselabel").attr("type", t).text(l));
            }
            h.push(o);
        }
        Some(h)
    }

    fn parse(h: &Element) -> Result<HostCaps> {
        let mut host = HostCaps {
            uuid: match h.child_text("uuid") {
                None => None,
                Some(u) => {
                    Some(parse_uuid(&u).ok_or_else(|| xml_err(format!("malformed uuid '{u}'")))?)
                }
            },
            ..Default::default()
        };
        if let Some(cpu) = h.child("cpu") {
            host.arch = cpu.child_text("arch");
            if let Some(f) = cpu.child("features") {
                host.cpu_features = f.elements().map(|e| e.name.clone()).collect();
            }
            let c = &mut host.cpu;
            c.model = cpu.child_text("model");
            c.vendor = cpu.child_text("vendor");
            c.microcode = match cpu.child("microcode") {
                None => None,
                Some(m) => Some(num(m, "version")?),
            };
            c.signature = match cpu.child("signature") {
                None => None,
                Some(s) => Some((num(s, "family")?, num(s, "model")?, num(s, "stepping")?)),
            };
            c.counter = match cpu.child("counter") {
                None => None,
                Some(k) => Some(CpuCounter {
                    name: k.req_attr("name").map_err(caps)?.to_string(),
                    frequency: num(k, "frequency")?,
                    scaling: k.yes_no_attr("scaling").map_err(caps)?,
                }),
            };
            c.topology = match cpu.child("topology") {
                None => None,
                Some(t) => Some(CpuTopology {
                    sockets: num(t, "sockets")?,
                    dies: t.num_attr("dies").map_err(caps)?.unwrap_or(1),
                    cores: num(t, "cores")?,
                    threads: num(t, "threads")?,
                }),
            };
            c.maxphysaddr = match cpu.child("maxphysaddr") {
                None => None,
                Some(m) => Some((
                    m.req_attr("mode").map_err(caps)?.to_string(),
                    m.num_attr("bits").map_err(caps)?,
                )),
            };
            c.features = cpu
                .children_named("feature")
                .filter_map(|f| f.string_attr("name"))
                .collect();
            for p in cpu.children_named("pages") {
                let size: u64 = num(p, "size")?;
                let scale = unit_scale(p.attr("unit").unwrap_or("KiB"));
                host.page_sizes.push((size * scale / 1024) as u32);
            }
        }
        if let Some(pm) = h.child("power_management") {
            host.power_management = pm
                .elements()
                .filter_map(|e| PmTarget::from_xml(&e.name))
                .collect();
        }
        host.iommu = match h.child("iommu") {
            None => false,
            Some(i) => i.yes_no_attr("support").map_err(caps)?.unwrap_or(false),
        };
        if let Some(m) = h.child("migration_features") {
            host.migration_live = Some(m.child("live").is_some());
            if let Some(u) = m.child("uri_transports") {
                host.migration_transports = u
                    .children_named("uri_transport")
                    .map(Element::text)
                    .collect();
            }
        }
        host.netprefix = h.child_text("netprefix");
        if let Some(t) = h.child("topology") {
            let cells = t
                .child("cells")
                .map(|c| c.children_named("cell").map(Cell::parse).collect())
                .transpose()?
                .unwrap_or_default();
            host.cells = Some(cells);
            if let Some(ic) = t.child("interconnects") {
                for i in ic.elements() {
                    let kind = InterconnectKind::from_xml(&i.name)
                        .ok_or_else(|| xml_err(format!("unknown interconnect {}", i.name)))?;
                    host.interconnects.push(Interconnect {
                        kind,
                        initiator: num(i, "initiator")?,
                        target: num(i, "target")?,
                        cache: i.num_attr("cache").map_err(caps)?.unwrap_or(0),
                        access: i.req_enum_attr("type").map_err(caps)?,
                        value: num(i, "value")?,
                    });
                }
            }
        }
        if let Some(c) = h.child("cache") {
            for b in c.children_named("bank") {
                let scale = unit_scale(b.req_attr("unit").map_err(caps)?);
                let mut bank = CacheBank {
                    id: num(b, "id")?,
                    level: num(b, "level")?,
                    cache_type: b.req_enum_attr("type").map_err(caps)?,
                    size: num::<u64>(b, "size")? * scale,
                    cpus: bitmap_attr(b, "cpus")?,
                    controls: Vec::new(),
                };
                for ctl in b.children_named("control") {
                    let scale = unit_scale(ctl.req_attr("unit").map_err(caps)?);
                    bank.controls.push(CacheControl {
                        granularity: num::<u64>(ctl, "granularity")? * scale,
                        min: ctl.num_attr::<u64>("min").map_err(caps)?.unwrap_or(0) * scale,
                        scope: ctl.req_enum_attr("type").map_err(caps)?,
                        max_allocs: num(ctl, "maxAllocs")?,
                    });
                }
                host.cache_banks.push(bank);
            }
            host.cache_monitor = c.child("monitor").map(Monitor::parse).transpose()?;
        }
        if let Some(m) = h.child("memory_bandwidth") {
            for n in m.children_named("node") {
                let ctl = n
                    .child("control")
                    .ok_or_else(|| xml_err("missing memory bandwidth control"))?;
                host.membw_nodes.push(MemBwNode {
                    id: num(n, "id")?,
                    cpus: bitmap_attr(n, "cpus")?,
                    control: (
                        num(ctl, "granularity")?,
                        num(ctl, "min")?,
                        num(ctl, "maxAllocs")?,
                    ),
                });
            }
            host.membw_monitor = m.child("monitor").map(Monitor::parse).transpose()?;
        }
        for s in h.children_named("secmodel") {
            host.secmodels.push(SecModel {
                model: s.child_text("model").unwrap_or_default(),
                doi: s.child_text("doi").unwrap_or_default(),
                base_labels: s
                    .children_named("baselabel")
                    .map(|b| (b.attr("type").unwrap_or_default().to_string(), b.text()))
                    .collect(),
            });
        }
        Ok(host)
    }
}

impl Cell {
    fn format(&self) -> Out {
        let mut c = Out::new("cell").attr("id", self.id);
        if self.memory_kib > 0 {
            c.push(Out::new("memory").attr("unit", "KiB").text(self.memory_kib));
        }
        for p in &self.pages {
            c.push(
                Out::new("pages")
                    .attr("unit", "KiB")
                    .attr("size", p.size_kib)
                    .text(p.avail),
            );
        }
        let dist: Vec<&(u32, u32)> = self.distances.iter().filter(|(_, v)| *v != 0).collect();
        if !dist.is_empty() {
            let mut d = Out::new("distances");
            for (id, v) in dist {
                d.push(Out::new("sibling").attr("id", id).attr("value", v));
            }
            c.push(d);
        }
        for k in &self.caches {
            let mut o = Out::new("cache")
                .attr("level", k.level)
                .attr("associativity", k.associativity)
                .attr("policy", k.policy);
            o.push(
                Out::new("size")
                    .attr("value", k.size_kib)
                    .attr("unit", "KiB"),
            );
            o.push(
                Out::new("line")
                    .attr("value", k.line_bytes)
                    .attr("unit", "B"),
            );
            c.push(o);
        }
        let mut cpus = Out::new("cpus").attr("num", self.cpus.len());
        for cpu in &self.cpus {
            let mut o = Out::new("cpu").attr("id", cpu.id);
            if let Some(s) = &cpu.siblings {
                o.set("socket_id", cpu.socket_id);
                o.set("die_id", cpu.die_id);
                o.set("core_id", cpu.core_id);
                o.set("siblings", s);
            }
            cpus.push(o);
        }
        c.push(cpus);
        c.keep_open()
    }

    fn parse(el: &Element) -> Result<Cell> {
        let mut cell = Cell {
            id: num(el, "id")?,
            ..Default::default()
        };
        if let Some(m) = el.child("memory") {
            let scale = unit_scale(m.attr("unit").unwrap_or("KiB"));
            cell.memory_kib = text_num::<u64>(m)? * scale / 1024;
        }
        for p in el.children_named("pages") {
            let scale = unit_scale(p.attr("unit").unwrap_or("KiB"));
            cell.pages.push(CellPages {
                size_kib: (num::<u64>(p, "size")? * scale / 1024) as u32,
                avail: text_num(p)?,
            });
        }
        if let Some(d) = el.child("distances") {
            for s in d.children_named("sibling") {
                cell.distances.push((num(s, "id")?, num(s, "value")?));
            }
        }
        for k in el.children_named("cache") {
            let size = k
                .child("size")
                .ok_or_else(|| xml_err("missing cache size"))?;
            let line = k
                .child("line")
                .ok_or_else(|| xml_err("missing cache line"))?;
            let sscale = unit_scale(size.attr("unit").unwrap_or("KiB"));
            let lscale = unit_scale(line.attr("unit").unwrap_or("B"));
            cell.caches.push(NumaCache {
                level: num(k, "level")?,
                associativity: k.req_enum_attr("associativity").map_err(caps)?,
                policy: k.req_enum_attr("policy").map_err(caps)?,
                size_kib: num::<u64>(size, "value")? * sscale / 1024,
                line_bytes: (num::<u64>(line, "value")? * lscale) as u32,
            });
        }
        if let Some(cpus) = el.child("cpus") {
            for c in cpus.children_named("cpu") {
                let siblings = match c.attr("siblings") {
                    None => None,
                    Some(_) => Some(bitmap_attr(c, "siblings")?),
                };
                cell.cpus.push(CellCpu {
                    id: num(c, "id")?,
                    socket_id: c.num_attr("socket_id").map_err(caps)?.unwrap_or(0),
                    die_id: c.num_attr("die_id").map_err(caps)?.unwrap_or(0),
                    core_id: c.num_attr("core_id").map_err(caps)?.unwrap_or(0),
                    siblings,
                });
            }
        }
        Ok(cell)
    }
}

impl Machine {
    fn format(&self, with_deprecated: bool) -> Out {
        let mut m = Out::new("machine")
            .attr_opt("canonical", self.canonical.as_ref())
            .attr_opt("maxCpus", (self.max_cpus > 0).then_some(self.max_cpus));
        if with_deprecated && self.deprecated {
            m.set("deprecated", "yes");
        }
        m.text(&self.name)
    }

    fn parse(el: &Element) -> Result<Machine> {
        Ok(Machine {
            name: el.text(),
            canonical: el.string_attr("canonical"),
            max_cpus: el.num_attr("maxCpus").map_err(caps)?.unwrap_or(0),
            deprecated: el.yes_no_attr("deprecated").map_err(caps)?.unwrap_or(false),
        })
    }
}

impl GuestCaps {
    fn format(&self) -> Out {
        let mut g = Out::new("guest");
        g.text_child("os_type", &self.os_type);
        let mut a = Out::new("arch").attr("name", &self.arch);
        a.text_child("wordsize", self.wordsize);
        a.text_child_opt("emulator", self.emulator.as_ref());
        a.text_child_opt("loader", self.loader.as_ref());
        for m in &self.machines {
            a.push(m.format(true));
        }
        for d in &self.domains {
            let mut o = Out::new("domain").attr("type", &d.virt_type);
            o.text_child_opt("emulator", d.emulator.as_ref());
            o.text_child_opt("loader", d.loader.as_ref());
            // libvirt leaves "deprecated" out of per-domain machine lists
            for m in &d.machines {
                o.push(m.format(false));
            }
            a.push(o);
        }
        g.push(a);
        let mut f = Out::new("features");
        for feat in GUEST_FEATURE_ORDER {
            if let Some(c) = self.features.iter().find(|c| c.feature == feat) {
                f.push(
                    Out::new(feat.as_xml())
                        .attr_opt(
                            "default",
                            c.default_on.map(|d| if d { "on" } else { "off" }),
                        )
                        .attr_opt("toggle", c.toggle.map(yes_no)),
                );
            }
        }
        g.push_nonempty(f);
        g
    }

    fn parse(el: &Element) -> Result<GuestCaps> {
        let os_type = el.child_text("os_type").unwrap_or_default();
        let a = el
            .child("arch")
            .ok_or_else(|| xml_err("missing arch in guest capabilities"))?;
        let mut features = Vec::new();
        if let Some(f) = el.child("features") {
            for e in f.elements() {
                let feature = GuestFeature::from_xml(&e.name)
                    .ok_or_else(|| xml_err(format!("unknown guest feature {}", e.name)))?;
                features.push(GuestFeatureCap {
                    feature,
                    default_on: e.on_off_attr("default").map_err(caps)?,
                    toggle: e.yes_no_attr("toggle").map_err(caps)?,
                });
            }
        }
        Ok(GuestCaps {
            os_type,
            arch: a.req_attr("name").map_err(caps)?.to_string(),
            wordsize: a.num_child("wordsize").map_err(caps)?.unwrap_or(0),
            emulator: a.child_text("emulator"),
            loader: a.child_text("loader"),
            machines: a
                .children_named("machine")
                .map(Machine::parse)
                .collect::<Result<Vec<_>>>()?,
            domains: a
                .children_named("domain")
                .map(|d| {
                    Ok(GuestDomain {
                        virt_type: d.req_attr("type").map_err(caps)?.to_string(),
                        emulator: d.child_text("emulator"),
                        loader: d.child_text("loader"),
                        machines: d
                            .children_named("machine")
                            .map(Machine::parse)
                            .collect::<Result<Vec<_>>>()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            features,
        })
    }
}
