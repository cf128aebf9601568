//! `<smartcard>`: a CCID smartcard reader backed by the host's cards, by certificate files,
//! or by a character device speaking the passthrough protocol.

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{Address, DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::Result;

use super::chr_source::{ChrSource, ChrType};

xml_enum! {
    pub enum SmartcardMode {
        Host = "host",
        HostCertificates = "host-certificates",
        Passthrough = "passthrough",
    }
}

/// What backs the emulated reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmartcardBackend {
    Host,
    HostCertificates {
        certificates: [String; 3],
        /// An absolute NSS database directory.
        database: Option<String>,
    },
    Passthrough(ChrSource),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smartcard {
    pub backend: SmartcardBackend,
    pub info: DeviceInfo,
}

impl Smartcard {
    pub fn mode(&self) -> SmartcardMode {
        match self.backend {
            SmartcardBackend::Host => SmartcardMode::Host,
            SmartcardBackend::HostCertificates { .. } => SmartcardMode::HostCertificates,
            SmartcardBackend::Passthrough(_) => SmartcardMode::Passthrough,
        }
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Smartcard> {
        let backend = match el.req_enum_attr::<SmartcardMode>("mode")? {
            SmartcardMode::Host => SmartcardBackend::Host,
            SmartcardMode::HostCertificates => {
                let certs: Vec<String> = el
                    .children_named("certificate")
                    .map(Element::text)
                    .collect();
                let certificates: [String; 3] = certs.try_into().map_err(|_| {
                    xml_error("host-certificates mode needs exactly three certificates")
                })?;
                let database = match el.child_text("database").filter(|d| !d.is_empty()) {
                    Some(d) if !d.starts_with('/') => {
                        return Err(xml_error(format!("expecting absolute path: {d}")))
                    }
                    d => d,
                };
                SmartcardBackend::HostCertificates {
                    certificates,
                    database,
                }
            }
            SmartcardMode::Passthrough => {
                let ty = el.attr("type").ok_or_else(|| {
                    xml_error("passthrough mode requires a character device type attribute")
                })?;
                let ty = ChrType::from_xml(ty).ok_or_else(|| {
                    unsupported(format!(
                        "unknown type presented to host for character device: {ty}"
                    ))
                })?;
                SmartcardBackend::Passthrough(ChrSource::parse(ty, el, ctx, false)?)
            }
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Smartcard { backend, info })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("smartcard").attr("mode", self.mode());
        match &self.backend {
            SmartcardBackend::Host => {}
            SmartcardBackend::HostCertificates {
                certificates,
                database,
            } => {
                for c in certificates {
                    o.text_child("certificate", c);
                }
                o.text_child_opt("database", database.as_ref());
            }
            SmartcardBackend::Passthrough(src) => {
                o.set("type", src.chr_type());
                src.format_into(&mut o, ctx);
            }
        }
        self.info.format_into(&mut o, ctx);
        o
    }

    /// No per-device defaults: the CCID address is assigned at domain level
    /// ([`assign_ccid_addresses`]), together with the implicit CCID controllers.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// Define-time checks (libvirt's `virDomainSmartcardDefValidate`).
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if !matches!(self.info.address, None | Some(Address::Ccid { .. })) {
            return Err(unsupported("Controllers must use the 'ccid' address type"));
        }
        if let SmartcardBackend::Passthrough(src) = &self.backend {
            src.validate(false)?;
        }
        Ok(())
    }
}

/// The implicit-device step for smartcards: each smartcard without an address gets slot
/// one past the highest slot used on CCID controller 0. Returns, in order, the CCID
/// controller index each smartcard sits on, for which the domain adds a CCID controller
/// when missing.
pub fn assign_ccid_addresses(smartcards: &mut [Smartcard]) -> Vec<u32> {
    let mut controllers = Vec::with_capacity(smartcards.len());
    for i in 0..smartcards.len() {
        match smartcards[i].info.address {
            Some(Address::Ccid { controller, .. }) => controllers.push(controller),
            None => {
                let max = smartcards
                    .iter()
                    .filter_map(|s| match s.info.address {
                        Some(Address::Ccid {
                            controller: 0,
                            slot,
                        }) => Some(i64::from(slot)),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(-1);
                smartcards[i].info.address = Some(Address::Ccid {
                    controller: 0,
                    slot: (max + 1) as u32,
                });
                controllers.push(0);
            }
            Some(_) => controllers.push(0),
        }
    }
    controllers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Smartcard> {
        let el = parse_document(xml, "t").expect("well-formed");
        Smartcard::parse(&el, &ParseCtx { inactive: true })
    }

    fn render(s: &Smartcard) -> String {
        s.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn modes_round_trip() {
        let s = parse("<smartcard mode='host'/>").expect("ok");
        assert_eq!(render(&s), "<smartcard mode='host'/>\n");
        let s = parse("<smartcard mode='host-certificates'><certificate>a&amp;</certificate><certificate></certificate><certificate>c</certificate><database>/db</database></smartcard>").expect("ok");
        assert_eq!(
            render(&s),
            "<smartcard mode='host-certificates'>\n  <certificate>a&amp;</certificate>\n  <certificate></certificate>\n  <certificate>c</certificate>\n  <database>/db</database>\n</smartcard>\n"
        );
        let s = parse("<smartcard mode='passthrough' type='unix'><source mode='connect' path='/a'><seclabel model='x' relabel='no'/></source></smartcard>").expect("ok");
        assert_eq!(
            render(&s),
            "<smartcard mode='passthrough' type='unix'>\n  <source mode='connect' path='/a'/>\n</smartcard>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let e = |x: &str| parse(x).expect_err("fails").message;
        assert_eq!(
            e("<smartcard mode='host-certificates'><certificate>a</certificate><certificate>b</certificate></smartcard>"),
            "XML error: host-certificates mode needs exactly three certificates"
        );
        assert_eq!(
            e("<smartcard mode='host-certificates'><certificate>a</certificate><certificate>b</certificate><certificate>c</certificate><database>rel</database></smartcard>"),
            "XML error: expecting absolute path: rel"
        );
        assert_eq!(
            e("<smartcard mode='passthrough'/>"),
            "XML error: passthrough mode requires a character device type attribute"
        );
        assert_eq!(
            e("<smartcard mode='passthrough' type='bogus'/>"),
            "unsupported configuration: unknown type presented to host for character device: bogus"
        );
        assert_eq!(
            e("<smartcard mode='bogus'/>"),
            "XML error: Invalid value for attribute 'mode' in element 'smartcard': 'bogus'."
        );
        assert_eq!(
            e("<smartcard/>"),
            "XML error: Missing required attribute 'mode' in element 'smartcard'"
        );
        let s = parse("<smartcard mode='host'><address type='pci'/></smartcard>").expect("ok");
        assert_eq!(
            s.validate(&DomainEnv::default()).expect_err("ccid").message,
            "unsupported configuration: Controllers must use the 'ccid' address type"
        );
    }

    #[test]
    fn ccid_slots_follow_highest() {
        let mut cards: Vec<Smartcard> = [
            "<smartcard mode='host'/>",
            "<smartcard mode='host'><address type='ccid' controller='0' slot='1'/></smartcard>",
            "<smartcard mode='passthrough' type='spicevmc'/>",
        ]
        .iter()
        .map(|x| parse(x).expect("ok"))
        .collect();
        let ctrls = assign_ccid_addresses(&mut cards);
        assert_eq!(ctrls, vec![0, 0, 0]);
        let slots: Vec<_> = cards
            .iter()
            .map(|c| match c.info.address {
                Some(Address::Ccid { slot, .. }) => slot,
                _ => 99,
            })
            .collect();
        assert_eq!(slots, vec![2, 1, 3]);
    }
}
