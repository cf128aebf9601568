//! `<memory>` devices: hot-pluggable DIMMs, NVDIMMs, virtio-pmem and virtio-mem regions and
//! SGX enclave page cache. Sizes are kept in KiB, as libvirt keeps them.

use crate::bitmap::Bitmap;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::domain::memory::parse_size_kib;
use crate::error::{internal, unsupported, xml_error};
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

use crate::num;

xml_enum! {
    pub enum MemoryModel {
        Dimm = "dimm",
        Nvdimm = "nvdimm",
        VirtioPmem = "virtio-pmem",
        VirtioMem = "virtio-mem",
        SgxEpc = "sgx-epc",
    }
}

xml_enum! {
    /// How guest writes reach the backing memory.
    pub enum MemoryAccess {
        Shared = "shared",
        Private = "private",
    }
}

/// `<source>`; which fields a model reads: dimm and virtio-mem `nodemask` and `pagesize`;
/// nvdimm `path`, `alignsize` and `pmem`; virtio-pmem `path`; sgx-epc `nodemask`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemorySource {
    pub nodemask: Option<Bitmap>,
    pub pagesize_kib: Option<u64>,
    pub path: Option<String>,
    pub alignsize_kib: Option<u64>,
    pub pmem: bool,
}

/// `<target>`; `label_size_kib` and `readonly` are nvdimm's, `block`/`requested`/`current`
/// virtio-mem's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTarget {
    pub size_kib: u64,
    pub node: Option<u32>,
    pub label_size_kib: Option<u64>,
    pub readonly: bool,
    pub block_kib: Option<u64>,
    pub requested_kib: u64,
    /// What the guest has plugged; runtime only, printed in live XML.
    pub current_kib: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    pub model: MemoryModel,
    pub access: Option<MemoryAccess>,
    pub discard: Option<bool>,
    /// NVDIMM only.
    pub uuid: Option<Uuid>,
    pub source: MemorySource,
    pub target: MemoryTarget,
    pub info: DeviceInfo,
}

/// A size child of `parent` in KiB, `None` when missing or empty (as libvirt treats an
/// empty string), with libvirt's messages naming `xpath`.
fn size_child(parent: &Element, name: &str, xpath: &str) -> Result<Option<u64>> {
    match parent.child(name) {
        Some(c) if !c.text().is_empty() => Ok(Some(parse_size_kib(c, xpath)?)),
        _ => Ok(None),
    }
}

fn nodemask(parent: &Element) -> Result<Option<Bitmap>> {
    let Some(text) = parent.child_text("nodemask").filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let b = Bitmap::parse(&text).ok_or_else(|| {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::INVALID_ARG,
            Some(format!("Failed to parse bitmap '{text}'")),
        )
    })?;
    if b.is_empty() {
        return Err(unsupported(format!("Invalid value of 'nodemask': {text}")));
    }
    Ok(Some(b))
}

impl Memory {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Memory> {
        let model = el.req_enum_attr::<MemoryModel>("model")?;
        let access = el.enum_attr::<MemoryAccess>("access")?;
        let discard = el.yes_no_attr("discard")?;
        let uuid = match el
            .child_text("uuid")
            .filter(|_| model == MemoryModel::Nvdimm)
        {
            Some(u) if !u.is_empty() => Some(
                crate::uuids::parse_uuid(&u).ok_or_else(|| internal("malformed uuid element"))?,
            ),
            _ => None,
        };
        let mut source = MemorySource::default();
        if let Some(s) = el.child("source") {
            match model {
                MemoryModel::Dimm | MemoryModel::VirtioMem => {
                    source.pagesize_kib = size_child(s, "pagesize", "./pagesize")?;
                    source.nodemask = nodemask(s)?;
                }
                MemoryModel::Nvdimm => {
                    source.path = s.child_text("path").filter(|p| !p.is_empty());
                    source.alignsize_kib = size_child(s, "alignsize", "./alignsize")?;
                    source.pmem = s.child("pmem").is_some();
                }
                MemoryModel::VirtioPmem => {
                    source.path = s.child_text("path").filter(|p| !p.is_empty());
                }
                MemoryModel::SgxEpc => source.nodemask = nodemask(s)?,
            }
        }
        let t = el
            .child("target")
            .ok_or_else(|| xml_error("missing <target> element for <memory> device"))?;
        let node = match t.child_text("node").filter(|n| !n.is_empty()) {
            None => None,
            Some(n) => Some(
                num::to_i(&n, 10)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| xml_error("invalid value of memory device node"))?,
            ),
        };
        let size_kib = size_child(t, "size", "./size")?
            .ok_or_else(|| xml_error("missing element or attribute './size'"))?;
        let mut target = MemoryTarget {
            size_kib,
            node,
            ..Default::default()
        };
        match model {
            MemoryModel::Nvdimm => {
                let label = match t.child("label") {
                    Some(l) => size_child(l, "size", "./label/size")?,
                    None => None,
                };
                if let Some(l) = label.filter(|l| *l != 0) {
                    if l < 128 {
                        return Err(xml_error("nvdimm label must be at least 128KiB"));
                    }
                    if l >= size_kib {
                        return Err(xml_error("label size must be smaller than NVDIMM size"));
                    }
                    target.label_size_kib = Some(l);
                }
                target.readonly = t.child("readonly").is_some();
            }
            MemoryModel::VirtioMem => {
                target.block_kib = size_child(t, "block", "./block")?.filter(|b| *b != 0);
                target.requested_kib = size_child(t, "requested", "./requested")?.unwrap_or(0);
                if !ctx.inactive {
                    target.current_kib = size_child(t, "current", "./current")?.unwrap_or(0);
                }
            }
            _ => {}
        }
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Memory {
            model,
            access,
            discard,
            uuid,
            source,
            target,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("memory")
            .attr("model", self.model)
            .attr_opt("access", self.access.as_ref())
            .attr_opt("discard", self.discard.map(yes_no));
        if self.model == MemoryModel::Nvdimm {
            o.text_child_opt("uuid", self.uuid.as_ref());
        }
        let s = &self.source;
        let mut so = Out::new("source");
        let nodemask = |so: &mut Out| so.text_child_opt("nodemask", s.nodemask.as_ref());
        let kib = |name: &str, v: u64| Out::new(name).attr("unit", "KiB").text(v);
        match self.model {
            MemoryModel::Dimm | MemoryModel::VirtioMem => {
                nodemask(&mut so);
                if let Some(p) = s.pagesize_kib.filter(|p| *p != 0) {
                    so.push(kib("pagesize", p));
                }
            }
            MemoryModel::Nvdimm => {
                so.text_child_opt("path", s.path.as_ref());
                if let Some(a) = s.alignsize_kib.filter(|a| *a != 0) {
                    so.push(kib("alignsize", a));
                }
                if s.pmem {
                    so.push(Out::new("pmem"));
                }
            }
            MemoryModel::VirtioPmem => so.text_child_opt("path", s.path.as_ref()),
            MemoryModel::SgxEpc => nodemask(&mut so),
        }
        o.push_nonempty(so);
        let t = &self.target;
        let mut to = Out::new("target");
        to.push(kib("size", t.size_kib));
        to.text_child_opt("node", t.node);
        match self.model {
            MemoryModel::Nvdimm => {
                if let Some(l) = t.label_size_kib {
                    let mut lo = Out::new("label");
                    lo.push(kib("size", l));
                    to.push(lo);
                }
                if t.readonly {
                    to.push(Out::new("readonly"));
                }
            }
            MemoryModel::VirtioMem => {
                if let Some(b) = t.block_kib {
                    to.push(kib("block", b));
                    to.push(kib("requested", t.requested_kib));
                    if !ctx.inactive {
                        to.push(kib("current", t.current_kib));
                    }
                }
            }
            _ => {}
        }
        o.push(to);
        self.info.format_into(&mut o, ctx);
        o.keep_open()
    }

    /// virtio-pmem is always shared memory; an NVDIMM on ppc64 gets a generated UUID.
    pub fn post_parse(&mut self, env: &DomainEnv) -> Result<()> {
        match self.model {
            MemoryModel::VirtioPmem if self.access.is_none() => {
                self.access = Some(MemoryAccess::Shared);
            }
            MemoryModel::Nvdimm if is_ppc64(env) && self.uuid.is_none() => {
                self.uuid = Some(Uuid::new_v4());
            }
            _ => {}
        }
        Ok(())
    }

    /// Define-time checks (libvirt's `virDomainMemoryDefValidate`).
    pub fn validate(&self, env: &DomainEnv) -> Result<()> {
        let detail = |m: String| Error::new(ErrorDomain::DOMAIN, ErrorCode::XML_DETAIL, Some(m));
        match self.model {
            MemoryModel::Nvdimm => {
                if self.source.path.is_none() {
                    return Err(detail("path is required for model 'nvdimm'".into()));
                }
                if self.discard == Some(true) {
                    return Err(unsupported("discard is not supported for nvdimms"));
                }
                if is_ppc64(env) {
                    if self.target.label_size_kib.is_none() {
                        return Err(unsupported("label size is required for NVDIMM device"));
                    }
                } else if self.uuid.is_some() {
                    return Err(unsupported("UUID is not supported for NVDIMM device"));
                }
            }
            MemoryModel::VirtioPmem => {
                if self.source.path.is_none() {
                    return Err(detail("path is required for model 'virtio-pmem'".into()));
                }
                if self.discard == Some(true) {
                    return Err(unsupported(
                        "discard is not supported for model 'virtio-pmem'",
                    ));
                }
                if self.access != Some(MemoryAccess::Shared) {
                    return Err(unsupported(
                        "shared access mode required for virtio-pmem device",
                    ));
                }
                if self.target.node.is_some() {
                    return Err(unsupported("virtio-pmem does not support NUMA nodes"));
                }
            }
            MemoryModel::VirtioMem => {
                let block = self.target.block_kib.unwrap_or(0);
                if self.target.requested_kib > self.target.size_kib {
                    return Err(detail(format!(
                        "requested size must be smaller than or equal to @size ({}KiB)",
                        self.target.size_kib
                    )));
                }
                if !block.is_power_of_two() {
                    return Err(detail("block size must be a power of two".into()));
                }
                // libvirt compares with the host's transparent huge page size; 2 MiB on
                // the hosts it supports.
                if block < 2048 {
                    return Err(detail(
                        "block size too small, must be at least 2048KiB".into(),
                    ));
                }
                if self.target.requested_kib % block != 0 {
                    return Err(detail(
                        "requested size must be an integer multiple of block size".into(),
                    ));
                }
            }
            MemoryModel::Dimm | MemoryModel::SgxEpc => {}
        }
        Ok(())
    }
}

fn is_ppc64(env: &DomainEnv) -> bool {
    matches!(env.arch.as_str(), "ppc64" | "ppc64le")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Memory> {
        let el = parse_document(xml, "t").expect("well-formed");
        Memory::parse(&el, &ParseCtx { inactive: true })
    }

    fn render(m: &Memory) -> String {
        m.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    fn x86() -> DomainEnv {
        DomainEnv {
            arch: "x86_64".into(),
            ..Default::default()
        }
    }

    #[test]
    fn dimm_normalizes_units_and_order() {
        let m = parse("<memory model='dimm' discard='no'><source><pagesize unit='M'>2</pagesize><nodemask>0-1,^1</nodemask></source><target><size unit='MiB'>128</size><node>0</node><label><size>1</size></label></target><address type='dimm' slot='0'/></memory>").expect("ok");
        assert_eq!(
            render(&m),
            "<memory model='dimm' discard='no'>\n  <source>\n    <nodemask>0</nodemask>\n    <pagesize unit='KiB'>2048</pagesize>\n  </source>\n  <target>\n    <size unit='KiB'>131072</size>\n    <node>0</node>\n  </target>\n  <address type='dimm' slot='0'/>\n</memory>\n"
        );
        let m = parse("<memory model='dimm'><target><size unit='b'>1</size></target></memory>")
            .expect("ok");
        assert!(render(&m).contains("<size unit='KiB'>1</size>"));
    }

    #[test]
    fn virtio_mem_prints_current_live_only() {
        let m = parse("<memory model='virtio-mem'><target><size unit='GiB'>2</size><block unit='KiB'>2048</block><requested unit='MiB'>1024</requested></target></memory>").expect("ok");
        let inactive = render(&m);
        assert!(inactive.contains("<requested unit='KiB'>1048576</requested>"));
        assert!(!inactive.contains("current"));
        let live = m.format(&FormatCtx::default()).render(0);
        assert!(live.contains("<current unit='KiB'>0</current>"));
        assert!(m.validate(&x86()).is_ok());
    }

    #[test]
    fn post_parse_defaults() {
        let mut m = parse("<memory model='virtio-pmem'><source><path>/a</path></source><target><size>1024</size></target></memory>").expect("ok");
        m.post_parse(&x86()).expect("ok");
        assert_eq!(m.access, Some(MemoryAccess::Shared));
        assert!(m.validate(&x86()).is_ok());
        let mut n = parse("<memory model='nvdimm'><source><path>/a</path></source><target><size>1024</size><label><size>128</size></label></target></memory>").expect("ok");
        let ppc = DomainEnv {
            arch: "ppc64le".into(),
            ..Default::default()
        };
        n.post_parse(&ppc).expect("ok");
        assert!(n.uuid.is_some());
        assert!(render(&n).contains("<uuid>"));
    }

    #[test]
    fn errors_match_libvirt() {
        let e = |x: &str| parse(x).expect_err("fails").message;
        assert_eq!(
            e("<memory/>"),
            "XML error: Missing required attribute 'model' in element 'memory'"
        );
        assert_eq!(
            e("<memory model='bogus'/>"),
            "XML error: Invalid value for attribute 'model' in element 'memory': 'bogus'."
        );
        assert_eq!(
            e("<memory model='dimm'/>"),
            "XML error: missing <target> element for <memory> device"
        );
        assert_eq!(
            e("<memory model='dimm' access='default'><target><size>1</size></target></memory>"),
            "XML error: Invalid value for attribute 'access' in element 'memory': 'default'."
        );
        assert_eq!(
            e("<memory model='dimm'><target><size>1</size><node>-1</node></target></memory>"),
            "XML error: invalid value of memory device node"
        );
        assert_eq!(
            e("<memory model='dimm'><target><node>0</node></target></memory>"),
            "XML error: missing element or attribute './size'"
        );
        assert_eq!(
            e("<memory model='dimm'><source><nodemask>x</nodemask></source><target><size>1</size></target></memory>"),
            "invalid argument: Failed to parse bitmap 'x'"
        );
        assert_eq!(
            e("<memory model='nvdimm'><source><path>/a</path></source><target><size unit='MiB'>128</size><label><size unit='KiB'>127</size></label></target></memory>"),
            "XML error: nvdimm label must be at least 128KiB"
        );
        assert_eq!(
            e("<memory model='nvdimm'><source><path>/a</path></source><target><size unit='KiB'>128</size><label><size unit='KiB'>128</size></label></target></memory>"),
            "XML error: label size must be smaller than NVDIMM size"
        );
    }

    #[test]
    fn validation_matches_libvirt() {
        let v = |x: &str| {
            parse(x)
                .expect("parses")
                .validate(&x86())
                .expect_err("invalid")
                .message
        };
        // The rejected corpus case 006-nvdimm-uuid-on-x86.
        assert_eq!(
            v("<memory model='nvdimm'><uuid>b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3</uuid><source><path>/a</path></source><target><size unit='MiB'>128</size><label><size unit='KiB'>128</size></label></target></memory>"),
            "unsupported configuration: UUID is not supported for NVDIMM device"
        );
        assert_eq!(
            v("<memory model='nvdimm'><target><size unit='MiB'>128</size></target></memory>"),
            "path is required for model 'nvdimm'"
        );
        assert_eq!(
            v("<memory model='virtio-pmem' access='private'><source><path>/a</path></source><target><size unit='MiB'>128</size></target></memory>"),
            "unsupported configuration: shared access mode required for virtio-pmem device"
        );
        assert_eq!(
            v("<memory model='virtio-mem'><target><size unit='MiB'>128</size></target></memory>"),
            "block size must be a power of two"
        );
        assert_eq!(
            v("<memory model='virtio-mem'><target><size unit='MiB'>128</size><block>2048</block><requested>4000</requested></target></memory>"),
            "requested size must be an integer multiple of block size"
        );
    }
}
