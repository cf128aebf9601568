//! Memory sizing and tuning: `<maxMemory>`, `<memory>`, `<currentMemory>`, `<memtune>`,
//! `<memoryBacking>` and `<blkiotune>`. All sizes are stored in KiB, as libvirt stores them.

use crate::bitmap::Bitmap;
use crate::error::{internal, unsupported, xml_error};
use crate::num::parse_scaled;
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// The largest memory size libvirt accepts, in KiB (2^53 - 1); also its "unlimited" marker
/// for memory limits.
pub const MEMORY_MAX_KIB: u64 = 9_007_199_254_740_991;

/// Reads a scaled size from `el`'s text and `unit` attribute, returning KiB rounded up, with
/// libvirt's messages. `xpath` is how libvirt names the place (`./memory[1]`).
pub fn parse_size_kib(el: &Element, xpath: &str) -> Result<u64> {
    parse_size_text_kib(&el.text(), el.attr("unit"), xpath)
}

/// As [`parse_size_kib`], from separate value text and unit.
pub fn parse_size_text_kib(text: &str, unit: Option<&str>, xpath: &str) -> Result<u64> {
    let bytes = parse_scaled(text, unit, 1024, i64::MAX as u64, xpath)?;
    let kib = bytes.div_ceil(1024);
    if kib > MEMORY_MAX_KIB {
        return Err(Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::OVERFLOW,
            Some("size value too large".to_string()),
        ));
    }
    Ok(kib)
}

/// `<maxMemory>`: the hotplug ceiling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaxMemory {
    pub kib: u64,
    pub slots: u32,
}

/// `<memtune>`; `None` is "not set" (libvirt's unlimited).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memtune {
    pub hard_limit: Option<u64>,
    pub soft_limit: Option<u64>,
    pub min_guarantee: Option<u64>,
    pub swap_hard_limit: Option<u64>,
}

xml_enum! {
    pub enum MemorySourceType { File = "file", Anonymous = "anonymous", Memfd = "memfd" }
}
xml_enum! {
    pub enum MemoryAccess { Shared = "shared", Private = "private" }
}
xml_enum! {
    pub enum MemoryAllocation { Immediate = "immediate", Ondemand = "ondemand" }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HugePage {
    /// 0 when `<hugepages/>` asked for the default size.
    pub size_kib: u64,
    pub nodeset: Option<Bitmap>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryBacking {
    pub hugepages: Option<Vec<HugePage>>,
    pub nosharepages: bool,
    pub locked: bool,
    pub source: Option<MemorySourceType>,
    pub access: Option<MemoryAccess>,
    pub allocation_mode: Option<MemoryAllocation>,
    pub allocation_threads: Option<u32>,
    pub allocation_present: bool,
    pub discard: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlkioDevice {
    pub path: String,
    pub weight: u32,
    pub read_iops: u32,
    pub write_iops: u32,
    pub read_bytes: u64,
    pub write_bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blkiotune {
    pub weight: u32,
    pub devices: Vec<BlkioDevice>,
}

/// Parses the optional memory-limit element `name` under `<memtune>`.
fn limit(mt: &Element, name: &str) -> Result<Option<u64>> {
    match mt.child(name) {
        None => Ok(None),
        Some(el) => {
            let kib = parse_size_kib(el, &format!("./memtune/{name}[1]"))?;
            Ok((kib < MEMORY_MAX_KIB).then_some(kib))
        }
    }
}

impl Memtune {
    pub fn parse(el: &Element) -> Result<Memtune> {
        Ok(Memtune {
            hard_limit: limit(el, "hard_limit")?,
            soft_limit: limit(el, "soft_limit")?,
            min_guarantee: limit(el, "min_guarantee")?.filter(|v| *v != 0),
            swap_hard_limit: limit(el, "swap_hard_limit")?,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("memtune");
        let kib = |name: &str, v: u64| Out::new(name).attr("unit", "KiB").text(v);
        if let Some(v) = self.hard_limit {
            o.push(kib("hard_limit", v));
        }
        if let Some(v) = self.soft_limit {
            o.push(kib("soft_limit", v));
        }
        if let Some(v) = self.min_guarantee {
            o.push(kib("min_guarantee", v));
        }
        if let Some(v) = self.swap_hard_limit {
            o.push(kib("swap_hard_limit", v));
        }
        o
    }
}

impl MemoryBacking {
    pub fn parse(el: &Element) -> Result<MemoryBacking> {
        let mut mb = MemoryBacking::default();
        if let Some(h) = el.child("hugepages") {
            let mut pages = Vec::new();
            for p in h.children_named("page") {
                let size = p.req_attr("size")?;
                let size_kib = parse_size_text_kib(size, p.attr("unit"), "./@size")?;
                let nodeset = match p.attr("nodeset") {
                    None => None,
                    Some(n) => Some(
                        Bitmap::parse(n)
                            .ok_or_else(|| xml_error(format!("unable to parse nodeset '{n}'")))?,
                    ),
                };
                pages.push(HugePage { size_kib, nodeset });
            }
            let masters: Vec<u64> = pages
                .iter()
                .filter(|p| p.nodeset.is_none())
                .map(|p| p.size_kib)
                .collect();
            if masters.len() > 1 {
                return Err(Error::raw(
                    ErrorDomain::DOMAIN,
                    ErrorCode::XML_DETAIL,
                    format!(
                        "two master hugepages detected: {} and {}",
                        masters[0], masters[1]
                    ),
                ));
            }
            if pages.is_empty() {
                pages.push(HugePage {
                    size_kib: 0,
                    nodeset: None,
                });
            }
            mb.hugepages = Some(pages);
        }
        mb.nosharepages = el.child("nosharepages").is_some();
        mb.locked = el.child("locked").is_some();
        if let Some(s) = el.child("source") {
            if let Some(t) = s.attr("type") {
                mb.source = Some(
                    <MemorySourceType as crate::XmlEnum>::from_xml(t).ok_or_else(|| {
                        unsupported(format!("unknown memoryBacking/source/type '{t}'"))
                    })?,
                );
            }
        }
        if let Some(a) = el.child("access") {
            if let Some(m) = a.attr("mode") {
                mb.access = Some(<MemoryAccess as crate::XmlEnum>::from_xml(m).ok_or_else(
                    || unsupported(format!("unknown memoryBacking/access/mode '{m}'")),
                )?);
            }
        }
        if let Some(a) = el.child("allocation") {
            mb.allocation_present = true;
            if let Some(m) = a.attr("mode") {
                mb.allocation_mode = Some(
                    <MemoryAllocation as crate::XmlEnum>::from_xml(m).ok_or_else(|| {
                        unsupported(format!("unknown memoryBacking/allocation/mode '{m}'"))
                    })?,
                );
            }
            if let Some(t) = a.attr("threads") {
                mb.allocation_threads = Some(
                    t.trim()
                        .parse()
                        .map_err(|_| xml_error("Failed to parse memory allocation threads"))?,
                );
            }
        }
        mb.discard = el.child("discard").is_some();
        Ok(mb)
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("memoryBacking");
        if let Some(pages) = &self.hugepages {
            let mut h = Out::new("hugepages");
            let only_default =
                pages.len() == 1 && pages[0].size_kib == 0 && pages[0].nodeset.is_none();
            if !only_default {
                for p in pages {
                    h.push(
                        Out::new("page")
                            .attr("size", p.size_kib)
                            .attr("unit", "KiB")
                            .attr_opt("nodeset", p.nodeset.as_ref()),
                    );
                }
            }
            o.push(h);
        }
        if self.nosharepages {
            o.push(Out::new("nosharepages"));
        }
        if self.locked {
            o.push(Out::new("locked"));
        }
        if let Some(s) = self.source {
            o.push(Out::new("source").attr("type", s));
        }
        if let Some(a) = self.access {
            o.push(Out::new("access").attr("mode", a));
        }
        if self.allocation_mode.is_some() || self.allocation_threads.is_some() {
            o.push(
                Out::new("allocation")
                    .attr_opt("mode", self.allocation_mode)
                    .attr_opt("threads", self.allocation_threads),
            );
        }
        if self.discard {
            o.push(Out::new("discard"));
        }
        o
    }
}

impl Blkiotune {
    pub fn parse(el: &Element) -> Result<Blkiotune> {
        let mut b = Blkiotune::default();
        if let Some(w) = el.child("weight") {
            let t = w.text();
            b.weight = t
                .trim()
                .parse()
                .map_err(|_| internal(format!("could not parse weight {t}")))?;
        }
        for d in el.children_named("device") {
            let path = d
                .child_text("path")
                .ok_or_else(|| xml_error("missing per-device path"))?;
            let mut dev = BlkioDevice {
                path,
                ..Default::default()
            };
            let num = |name: &str, what: &str| -> Result<u64> {
                match d.child_text(name) {
                    None => Ok(0),
                    Some(t) => t
                        .trim()
                        .parse()
                        .map_err(|_| xml_error(format!("could not parse {what} {t}"))),
                }
            };
            dev.weight = num("weight", "weight")? as u32;
            dev.read_iops = num("read_iops_sec", "read iops sec")? as u32;
            dev.write_iops = num("write_iops_sec", "write iops sec")? as u32;
            dev.read_bytes = num("read_bytes_sec", "read bytes sec")?;
            dev.write_bytes = num("write_bytes_sec", "write bytes sec")?;
            b.devices.push(dev);
        }
        Ok(b)
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("blkiotune");
        if self.weight != 0 {
            o.text_child("weight", self.weight);
        }
        for d in &self.devices {
            if d.weight == 0
                && d.read_iops == 0
                && d.write_iops == 0
                && d.read_bytes == 0
                && d.write_bytes == 0
            {
                continue;
            }
            let mut dev = Out::new("device");
            dev.text_child("path", &d.path);
            if d.weight != 0 {
                dev.text_child("weight", d.weight);
            }
            if d.read_iops != 0 {
                dev.text_child("read_iops_sec", d.read_iops);
            }
            if d.write_iops != 0 {
                dev.text_child("write_iops_sec", d.write_iops);
            }
            if d.read_bytes != 0 {
                dev.text_child("read_bytes_sec", d.read_bytes);
            }
            if d.write_bytes != 0 {
                dev.text_child("write_bytes_sec", d.write_bytes);
            }
            o.push(dev);
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_rounds_up_to_kib_and_scales_units() {
        assert_eq!(
            parse_size_text_kib("1", Some("b"), "./memory[1]").ok(),
            Some(1)
        );
        assert_eq!(
            parse_size_text_kib("2049", Some("bytes"), "./memory[1]").ok(),
            Some(3)
        );
        assert_eq!(
            parse_size_text_kib("2048", Some("KB"), "./memory[1]").ok(),
            Some(2000)
        );
        assert_eq!(parse_size_text_kib("1", None, "./memory[1]").ok(), Some(1));
    }

    #[test]
    fn size_errors_use_libvirt_messages() {
        let e = parse_size_text_kib("abc", None, "./memory[1]").expect_err("bad");
        assert_eq!(
            e.message,
            "XML error: Invalid value 'abc' for element or attribute './memory[1]'"
        );
        let e = parse_size_text_kib("100", Some("EiB"), "./memory[1]").expect_err("big");
        assert_eq!(e.message, "numerical overflow: value too large: 100EiB");
        let e = parse_size_text_kib("2", Some("furlongs"), "./memory[1]").expect_err("unit");
        assert_eq!(e.message, "invalid argument: unknown suffix 'furlongs'");
    }
}
