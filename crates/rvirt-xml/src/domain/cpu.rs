//! The guest CPU model (`<cpu>`), its topology, features and NUMA cells, and `<numatune>`.

use crate::bitmap::Bitmap;
use crate::error::{unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum CpuMode { Custom = "custom", HostModel = "host-model", HostPassthrough = "host-passthrough", Maximum = "maximum" }
}
xml_enum! {
    pub enum CpuMatch { Exact = "exact", Minimum = "minimum", Strict = "strict" }
}
xml_enum! {
    pub enum CpuCheck { None = "none", Partial = "partial", Full = "full" }
}
xml_enum! {
    pub enum CpuFallback { Allow = "allow", Forbid = "forbid" }
}
xml_enum! {
    pub enum FeaturePolicy { Force = "force", Require = "require", Optional = "optional", Disable = "disable", Forbid = "forbid" }
}
xml_enum! {
    pub enum CacheMode { Emulate = "emulate", Passthrough = "passthrough", Disable = "disable" }
}
xml_enum! {
    pub enum MemAccess { Shared = "shared", Private = "private" }
}
xml_enum! {
    pub enum NumatuneMode { Strict = "strict", Preferred = "preferred", Interleave = "interleave", Restrictive = "restrictive" }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topology {
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

/// One guest NUMA node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumaCell {
    pub cpus: Option<Bitmap>,
    pub memory_kib: u64,
    pub mem_access: Option<MemAccess>,
    pub discard: Option<bool>,
    /// Distances to every cell, filled in completely when any was given.
    pub distances: Vec<(u32, u32)>,
    /// `<cache>` children, kept as parsed.
    pub caches: Vec<Element>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Cpu {
    /// `None` when the input had no `mode` and nothing that implies one.
    pub mode: Option<CpuMode>,
    pub matching: Option<CpuMatch>,
    pub check: Option<CpuCheck>,
    pub migratable: Option<bool>,
    pub model: Option<String>,
    pub fallback: Option<CpuFallback>,
    pub vendor_id: Option<String>,
    pub vendor: Option<String>,
    pub topology: Option<Topology>,
    pub cache: Option<(Option<u32>, CacheMode)>,
    /// `<maxphysaddr>`: mode (`passthrough`/`emulate`) and address bits.
    pub maxphysaddr: Option<(String, Option<u32>)>,
    pub features: Vec<(FeaturePolicy, String)>,
    pub numa: Vec<NumaCell>,
    pub interconnects: Option<Element>,
}

impl Cpu {
    pub fn parse(el: &Element) -> Result<Cpu> {
        let mut cpu = Cpu::default();
        if let Some(m) = el.attr("mode") {
            cpu.mode = Some(
                CpuMode::from_xml(m)
                    .ok_or_else(|| unsupported(format!("Invalid mode attribute '{m}'")))?,
            );
        }
        let mode = cpu.mode.unwrap_or(CpuMode::Custom);
        if let Some(m) = el.attr("match") {
            let v = CpuMatch::from_xml(m)
                .ok_or_else(|| xml_error("Invalid match attribute for CPU specification"))?;
            if mode == CpuMode::Custom {
                cpu.matching = Some(v);
            }
        }
        if let Some(c) = el.attr("check") {
            if c != "default" {
                cpu.check = Some(
                    CpuCheck::from_xml(c)
                        .ok_or_else(|| crate::read::invalid_value(el, "check", c, None))?,
                );
            }
        }
        if let Some(m) = el.attr("migratable") {
            if !matches!(mode, CpuMode::HostPassthrough | CpuMode::Maximum) {
                return Err(xml_error(
                    "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode",
                ));
            }
            cpu.migratable = Some(match m {
                "on" => true,
                "off" => false,
                _ => {
                    return Err(xml_error(format!(
                        "Invalid value in migratable attribute: '{m}'"
                    )))
                }
            });
        }
        if let Some(m) = el.child("model") {
            let name = m.text();
            if !name.trim().is_empty() {
                cpu.model = Some(name.trim().to_string());
            }
            if let Some(f) = m.attr("fallback") {
                cpu.fallback = Some(
                    CpuFallback::from_xml(f)
                        .ok_or_else(|| xml_error("Invalid fallback attribute"))?,
                );
            }
            if let Some(v) = m.attr("vendor_id") {
                if v.len() != 12 {
                    return Err(xml_error("vendor_id must be exactly 12 characters long"));
                }
                if v.contains(',') {
                    return Err(xml_error("vendor id is invalid"));
                }
                cpu.vendor_id = Some(v.to_string());
            }
        }
        if let Some(v) = el.child("vendor") {
            if cpu.model.is_none() && mode == CpuMode::Custom {
                return Err(xml_error("CPU vendor specified without CPU model"));
            }
            cpu.vendor = Some(v.text());
        }
        if let Some(t) = el.child("topology") {
            let get = |name: &str| -> Result<u32> {
                t.attr(name)
                    .ok_or_else(|| {
                        xml_error(format!("Missing '{name}' attribute in CPU topology"))
                    })?
                    .trim()
                    .parse()
                    .map_err(|_| xml_error(format!("Malformed '{name}' attribute in CPU topology")))
            };
            let dies = match t.attr("dies") {
                None => 1,
                Some(d) => d
                    .trim()
                    .parse()
                    .map_err(|_| xml_error("Malformed 'dies' attribute in CPU topology"))?,
            };
            let topo = Topology {
                sockets: get("sockets")?,
                dies,
                cores: get("cores")?,
                threads: get("threads")?,
            };
            if topo.sockets == 0 || topo.dies == 0 || topo.cores == 0 || topo.threads == 0 {
                return Err(xml_error("Invalid CPU topology"));
            }
            cpu.topology = Some(topo);
        }
        if let Some(c) = el.child("cache") {
            let level = match c.attr("level") {
                None => None,
                Some(l) => Some(
                    l.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|v| (1..=3).contains(v))
                        .ok_or_else(|| {
                            xml_error("invalid CPU cache level, must be in range [1,3]")
                        })?,
                ),
            };
            let m = c
                .attr("mode")
                .and_then(CacheMode::from_xml)
                .ok_or_else(|| xml_error("missing or invalid CPU cache mode"))?;
            cpu.cache = Some((level, m));
        }
        if let Some(m) = el.child("maxphysaddr") {
            let mode = m.req_attr("mode")?;
            if mode != "passthrough" && mode != "emulate" {
                return Err(crate::read::invalid_value(m, "mode", mode, None));
            }
            cpu.maxphysaddr = Some((mode.to_string(), m.num_attr::<u32>("bits")?));
        }
        for f in el.children_named("feature") {
            let name = f.req_attr("name")?.to_string();
            let policy = match f.attr("policy") {
                None => FeaturePolicy::Require,
                Some(p) => FeaturePolicy::from_xml(p)
                    .ok_or_else(|| xml_error(format!("Invalid CPU feature policy '{p}'")))?,
            };
            if cpu.features.iter().any(|(_, n)| *n == name) {
                return Err(xml_error(format!(
                    "CPU feature '{name}' specified more than once"
                )));
            }
            cpu.features.push((policy, name));
        }
        if let Some(n) = el.child("numa") {
            cpu.numa = parse_numa(n)?;
            cpu.interconnects = n.child("interconnects").cloned();
        }
        if cpu.mode.is_none() && (cpu.model.is_some() || cpu.matching.is_some()) {
            cpu.mode = Some(CpuMode::Custom);
        }
        if cpu.mode == Some(CpuMode::Custom) && cpu.matching.is_none() && cpu.model.is_some() {
            cpu.matching = Some(CpuMatch::Exact);
        }
        if cpu.model.is_some() && cpu.fallback.is_none() {
            cpu.fallback = Some(CpuFallback::Allow);
        }
        Ok(cpu)
    }

    /// `None` when nothing would be printed.
    pub fn format(&self) -> Option<Out> {
        let mode = self.mode.unwrap_or(CpuMode::Custom);
        let mut o = Out::new("cpu");
        if self.mode.is_some() && (mode != CpuMode::Custom || self.model.is_some()) {
            o.set("mode", mode);
            if mode == CpuMode::Custom {
                o.set("match", self.matching.unwrap_or(CpuMatch::Exact));
            }
        }
        o.set_opt("check", self.check);
        if matches!(mode, CpuMode::HostPassthrough | CpuMode::Maximum) {
            o.set_opt("migratable", self.migratable.map(on_off));
        }
        if matches!(mode, CpuMode::Custom | CpuMode::HostModel) {
            if let Some(m) = &self.model {
                o.push(
                    Out::new("model")
                        .attr_opt("fallback", self.fallback)
                        .attr_opt("vendor_id", self.vendor_id.as_ref())
                        .text(m),
                );
            } else if let Some(v) = &self.vendor_id {
                o.push(Out::new("model").attr("vendor_id", v));
            }
            o.text_child_opt("vendor", self.vendor.as_ref());
        }
        if let Some(t) = self.topology {
            o.push(
                Out::new("topology")
                    .attr("sockets", t.sockets)
                    .attr("dies", t.dies)
                    .attr("cores", t.cores)
                    .attr("threads", t.threads),
            );
        }
        if let Some((level, m)) = self.cache {
            o.push(Out::new("cache").attr_opt("level", level).attr("mode", m));
        }
        if let Some((mode, bits)) = &self.maxphysaddr {
            o.push(
                Out::new("maxphysaddr")
                    .attr("mode", mode)
                    .attr_opt("bits", *bits),
            );
        }
        for (p, n) in &self.features {
            o.push(Out::new("feature").attr("policy", p).attr("name", n));
        }
        if !self.numa.is_empty() {
            o.push(format_numa(&self.numa, self.interconnects.as_ref()));
        }
        if o.is_empty() {
            None
        } else {
            Some(o)
        }
    }

    /// Total memory of all NUMA cells, in KiB.
    pub fn numa_memory_kib(&self) -> u64 {
        self.numa.iter().map(|c| c.memory_kib).sum()
    }
}

fn parse_numa(n: &Element) -> Result<Vec<NumaCell>> {
    let cells: Vec<&Element> = n.children_named("cell").collect();
    let count = cells.len();
    let mut out = Vec::with_capacity(count);
    let mut given: Vec<Vec<Option<u32>>> = vec![vec![None; count]; count];
    for (idx, c) in cells.iter().enumerate() {
        if let Some(id) = c.attr("id") {
            let id: usize = id
                .trim()
                .parse()
                .map_err(|_| xml_error("Invalid 'id' attribute in NUMA cell"))?;
            if id != idx {
                return Err(xml_error("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed".to_string()));
            }
        }
        let cpus =
            match c.attr("cpus") {
                None => None,
                Some(s) => Some(Bitmap::parse(s).ok_or_else(|| {
                    xml_error("Invalid 'cpus' attribute in NUMA cell".to_string())
                })?),
            };
        let mem = c
            .attr("memory")
            .ok_or_else(|| xml_error("Missing 'memory' attribute in NUMA cell"))?;
        let memory_kib =
            crate::domain::memory::parse_size_text_kib(mem, c.attr("unit"), "./@memory")?;
        let mem_access = c.enum_attr::<MemAccess>("memAccess")?;
        let discard = c.yes_no_attr("discard")?;
        if let Some(d) = c.child("distances") {
            for s in d.children_named("sibling") {
                let id: usize = s.num_attr::<u32>("id")?.ok_or_else(|| {
                    xml_error("Missing 'id' attribute in NUMA distances under 'cell id'")
                })? as usize;
                let value: u32 = s.num_attr("value")?.ok_or_else(|| {
                    xml_error("Missing 'value' attribute in NUMA distances under 'cell id'")
                })?;
                if !(10..=255).contains(&value) {
                    return Err(xml_error(format!(
                        "Distance value of {value} is not in valid range"
                    )));
                }
                if id >= count {
                    return Err(xml_error(format!("'sibling_id {id}' does not refer to a valid cell within NUMA 'cell id {idx}'")));
                }
                given[idx][id] = Some(value);
            }
        }
        out.push(NumaCell {
            cpus,
            memory_kib,
            mem_access,
            discard,
            distances: Vec::new(),
            caches: c.children_named("cache").cloned().collect(),
        });
    }
    let any = given.iter().flatten().any(Option::is_some);
    if any {
        for (i, cell) in out.iter_mut().enumerate() {
            cell.distances = (0..count)
                .map(|j| {
                    let v = given[i][j]
                        .or(given[j][i])
                        .unwrap_or(if i == j { 10 } else { 20 });
                    (j as u32, v)
                })
                .collect();
        }
    }
    Ok(out)
}

fn format_numa(cells: &[NumaCell], interconnects: Option<&Element>) -> Out {
    let mut n = Out::new("numa");
    for (i, c) in cells.iter().enumerate() {
        let mut e = Out::new("cell")
            .attr("id", i)
            .attr_opt("cpus", c.cpus.as_ref())
            .attr("memory", c.memory_kib)
            .attr("unit", "KiB")
            .attr_opt("memAccess", c.mem_access)
            .attr_opt("discard", c.discard.map(yes_no));
        if !c.distances.is_empty() {
            let mut d = Out::new("distances");
            for (id, v) in &c.distances {
                d.push(Out::new("sibling").attr("id", id).attr("value", v));
            }
            e.push(d);
        }
        for cache in &c.caches {
            e.push(
                crate::domain::devices::opaque::Opaque(cache.clone()).format(&Default::default()),
            );
        }
        n.push(e);
    }
    if let Some(i) = interconnects {
        n.push(crate::domain::devices::opaque::Opaque(i.clone()).format(&Default::default()));
    }
    n
}

/// `<numatune>`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Numatune {
    pub memory: Option<NumatuneMemory>,
    pub memnodes: Vec<(u32, NumatuneMode, Bitmap)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumatuneMemory {
    pub mode: NumatuneMode,
    /// `None` for automatic placement.
    pub nodeset: Option<Bitmap>,
}

impl Numatune {
    pub fn parse(el: &Element, cells: usize) -> Result<Numatune> {
        let mut nt = Numatune::default();
        if let Some(m) = el.child("memory") {
            let mode = match m.attr("mode") {
                None => NumatuneMode::Strict,
                Some(s) => NumatuneMode::from_xml(s).ok_or_else(|| {
                    unsupported(format!("Unsupported NUMA memory tuning mode '{s}'"))
                })?,
            };
            let placement = m.attr("placement");
            if let Some(p) = placement {
                if p != "static" && p != "auto" {
                    return Err(unsupported(format!(
                        "Unsupported NUMA memory placement mode '{p}'"
                    )));
                }
            }
            let nodeset = match m.attr("nodeset") {
                None => None,
                Some(s) => Some(
                    Bitmap::parse(s)
                        .ok_or_else(|| xml_error(format!("Invalid value of 'nodeset': {s}")))?,
                ),
            };
            if placement == Some("static") && nodeset.is_none() {
                return Err(xml_error(
                    "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
                ));
            }
            let nodeset = if placement == Some("auto") {
                None
            } else {
                nodeset
            };
            nt.memory = Some(NumatuneMemory { mode, nodeset });
        }
        for mn in el.children_named("memnode") {
            if cells == 0 {
                return Err(xml_error(
                    "Element 'memnode' is invalid without any guest NUMA cells",
                ));
            }
            let cellid: u32 = mn
                .num_attr("cellid")?
                .ok_or_else(|| xml_error("Missing required cellid attribute in memnode element"))?;
            if cellid as usize >= cells {
                return Err(xml_error(
                    "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell",
                ));
            }
            if nt.memnodes.iter().any(|(c, _, _)| *c == cellid) {
                return Err(xml_error(format!(
                    "Multiple memnode elements with cellid {cellid}"
                )));
            }
            let mode = match mn.attr("mode") {
                None => NumatuneMode::Strict,
                Some(s) => NumatuneMode::from_xml(s).ok_or_else(|| {
                    unsupported("Invalid mode attribute in memnode element".to_string())
                })?,
            };
            let ns = mn.attr("nodeset").ok_or_else(|| {
                xml_error("Missing required nodeset attribute in memnode element")
            })?;
            let nodeset = Bitmap::parse(ns)
                .ok_or_else(|| xml_error(format!("Invalid value of 'nodeset': {ns}")))?;
            nt.memnodes.push((cellid, mode, nodeset));
        }
        if nt.memory.as_ref().is_some_and(|m| m.nodeset.is_none()) && !nt.memnodes.is_empty() {
            return Err(xml_error(
                "Per-node binding is not compatible with automatic NUMA placement.",
            ));
        }
        Ok(nt)
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("numatune");
        if let Some(m) = &self.memory {
            let mut e = Out::new("memory").attr("mode", m.mode);
            match &m.nodeset {
                Some(n) => e.set("nodeset", n),
                None => e.set("placement", "auto"),
            }
            o.push(e);
        }
        for (c, mode, n) in &self.memnodes {
            o.push(
                Out::new("memnode")
                    .attr("cellid", c)
                    .attr("mode", mode)
                    .attr("nodeset", n),
            );
        }
        o
    }
}
