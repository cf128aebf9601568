//! `<rng>`: a virtio random number generator fed from a host file, an EGD daemon reached
//! through a character device, or QEMU's builtin source.

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::read::XmlEnum;
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::Result;

use super::chr_source::{ChrSource, ChrType};
use super::virtio::VirtioOptions;
use crate::num;

xml_enum! {
    pub enum RngModel {
        Virtio = "virtio",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
    }
}

xml_enum! {
    pub enum RngBackendModel {
        Random = "random",
        Egd = "egd",
        Builtin = "builtin",
    }
}

/// Where the entropy comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RngBackend {
    /// A host file; post-parse fills in `/dev/random` when none was given.
    Random {
        path: Option<String>,
    },
    Egd(ChrSource),
    Builtin,
}

/// `<rate>`: at most `bytes` per `period` milliseconds. libvirt ignores a rate of 0 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngRate {
    pub bytes: u32,
    pub period: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    pub model: RngModel,
    pub rate: Option<RngRate>,
    pub backend: RngBackend,
    pub virtio: VirtioOptions,
    pub info: DeviceInfo,
}

impl Rng {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Rng> {
        let model = el
            .attr("model")
            .ok_or_else(|| xml_error("missing RNG device model"))?;
        let model = RngModel::from_xml(model)
            .ok_or_else(|| unsupported(format!("unknown RNG model '{model}'")))?;
        let rate = match el.child("rate") {
            None => None,
            Some(r) => {
                let num = |name: &str, msg: &str| -> Result<u32> {
                    match r.attr(name) {
                        None => Ok(0),
                        Some(v) => num::to_uip(v, 10).ok_or_else(|| xml_error(msg)),
                    }
                };
                let bytes = num("bytes", "invalid RNG rate bytes value")?;
                if bytes == 0 {
                    None
                } else {
                    let period = num("period", "invalid RNG rate period value")?;
                    Some(RngRate {
                        bytes,
                        period: (period != 0).then_some(period),
                    })
                }
            }
        };
        let backends: Vec<&Element> = el.children_named("backend").collect();
        let [b] = backends.as_slice() else {
            return Err(xml_error("only one RNG backend is supported"));
        };
        let bmodel = b
            .attr("model")
            .ok_or_else(|| xml_error("missing RNG device backend model"))?;
        let backend = match RngBackendModel::from_xml(bmodel) {
            None => return Err(unsupported(format!("unknown RNG backend model '{bmodel}'"))),
            Some(RngBackendModel::Random) => RngBackend::Random {
                path: Some(b.text()).filter(|t| !t.is_empty()),
            },
            Some(RngBackendModel::Egd) => {
                let ty = b
                    .attr("type")
                    .ok_or_else(|| xml_error("missing EGD backend type"))?;
                let ty = ChrType::from_xml(ty)
                    .ok_or_else(|| unsupported(format!("unknown backend type '{ty}' for egd")))?;
                RngBackend::Egd(ChrSource::parse(ty, b, ctx, false)?)
            }
            Some(RngBackendModel::Builtin) => RngBackend::Builtin,
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        let virtio = VirtioOptions::parse_child(el)?;
        Ok(Rng {
            model,
            rate,
            backend,
            virtio,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("rng").attr("model", self.model);
        if let Some(r) = &self.rate {
            o.push(
                Out::new("rate")
                    .attr("bytes", r.bytes)
                    .attr_opt("period", r.period),
            );
        }
        let backend = match &self.backend {
            RngBackend::Random { path } => {
                let b = Out::new("backend").attr("model", "random");
                match path {
                    Some(p) => b.text(p),
                    None => b,
                }
            }
            RngBackend::Egd(src) => {
                let mut b = Out::new("backend")
                    .attr("model", "egd")
                    .attr("type", src.chr_type())
                    .keep_open();
                src.format_into(&mut b, ctx);
                b
            }
            RngBackend::Builtin => Out::new("backend").attr("model", "builtin"),
        };
        o.push(backend);
        self.virtio.push_driver(&mut o);
        self.info.format_into(&mut o, ctx);
        o
    }

    /// The random backend reads `/dev/random` unless told otherwise.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if let RngBackend::Random { path: p @ None } = &mut self.backend {
            *p = Some("/dev/random".to_string());
        }
        Ok(())
    }

    /// Define-time checks: an EGD backend's character device must be complete.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        match &self.backend {
            RngBackend::Egd(src) => src.validate(false),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Rng> {
        let el = parse_document(xml, "t").expect("well-formed");
        Rng::parse(&el, &ParseCtx { inactive: true })
    }

    fn render(r: &Rng) -> String {
        r.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn random_defaults_to_dev_random() {
        let mut r = parse("<rng model='virtio'><backend model='random'/></rng>").expect("ok");
        r.post_parse(&DomainEnv::default()).expect("ok");
        assert_eq!(
            render(&r),
            "<rng model='virtio'>\n  <backend model='random'>/dev/random</backend>\n</rng>\n"
        );
        let mut r = parse("<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>")
            .expect("ok");
        r.post_parse(&DomainEnv::default()).expect("ok");
        assert!(render(&r).contains(">/dev/hwrng</backend>"));
    }

    #[test]
    fn order_rate_backend_driver_info() {
        let r = parse("<rng model='virtio'><driver iommu='on' ats='off'/><alias name='ua-r'/><backend model='builtin'/><rate bytes='+5' period=' 7'/></rng>").expect("ok");
        assert_eq!(
            render(&r),
            "<rng model='virtio'>\n  <rate bytes='5' period='7'/>\n  <backend model='builtin'/>\n  <driver iommu='on' ats='off'/>\n  <alias name='ua-r'/>\n</rng>\n"
        );
        let r = parse(
            "<rng model='virtio'><rate bytes='0' period='5'/><backend model='builtin'/></rng>",
        )
        .expect("ok");
        assert!(!render(&r).contains("rate"));
    }

    #[test]
    fn egd_backend_is_always_open() {
        let r = parse("<rng model='virtio'><backend model='egd' type='pty'/></rng>").expect("ok");
        assert_eq!(
            render(&r),
            "<rng model='virtio'>\n  <backend model='egd' type='pty'>\n  </backend>\n</rng>\n"
        );
        let r = parse("<rng model='virtio'><backend model='egd' type='tcp'><source host='a'/></backend></rng>").expect("ok");
        assert_eq!(
            r.validate(&DomainEnv::default())
                .expect_err("service")
                .message,
            "internal error: Missing source service attribute for char device"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let e = |x: &str| parse(x).expect_err("fails").message;
        assert_eq!(e("<rng/>"), "XML error: missing RNG device model");
        assert_eq!(
            e("<rng model='bogus'><backend model='random'/></rng>"),
            "unsupported configuration: unknown RNG model 'bogus'"
        );
        assert_eq!(
            e("<rng model='virtio'/>"),
            "XML error: only one RNG backend is supported"
        );
        assert_eq!(
            e("<rng model='virtio'><backend/></rng>"),
            "XML error: missing RNG device backend model"
        );
        assert_eq!(
            e("<rng model='virtio'><backend model='bogus'/></rng>"),
            "unsupported configuration: unknown RNG backend model 'bogus'"
        );
        assert_eq!(
            e("<rng model='virtio'><backend model='egd'/></rng>"),
            "XML error: missing EGD backend type"
        );
        assert_eq!(
            e("<rng model='virtio'><backend model='egd' type='bogus'/></rng>"),
            "unsupported configuration: unknown backend type 'bogus' for egd"
        );
        assert_eq!(
            e("<rng model='virtio'><rate bytes='0x10'/><backend model='builtin'/></rng>"),
            "XML error: invalid RNG rate bytes value"
        );
        assert_eq!(
            e("<rng model='virtio'><rate bytes='10' period='x'/><backend model='builtin'/></rng>"),
            "XML error: invalid RNG rate period value"
        );
        assert_eq!(
            e("<rng model='virtio'><driver iommu='bogus'/><backend model='random'/></rng>"),
            "XML error: Invalid value for attribute 'iommu' in element 'driver': 'bogus'."
        );
    }
}
