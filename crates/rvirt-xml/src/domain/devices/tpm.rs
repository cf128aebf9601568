//! `<tpm>`: a Trusted Platform Module, passed through from the host, emulated by swtpm,
//! or provided by an external swtpm reached over a UNIX socket.

use std::collections::BTreeSet;

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::Result;
use uuid::Uuid;

use super::chr_source::{ChrSource, ChrSourceData, ChrType, SourceMode};

xml_enum! {
    /// The guest interface; absent means the hypervisor's default.
    pub enum TpmModel {
        Tis = "tpm-tis",
        Crb = "tpm-crb",
        Spapr = "tpm-spapr",
        SpaprProxy = "spapr-tpm-proxy",
    }
}

xml_enum! {
    pub enum TpmVersion {
        V1_2 = "1.2",
        V2_0 = "2.0",
    }
}

xml_enum! {
    /// A PCR bank; libvirt prints active banks in this order whatever the input order.
    pub enum TpmPcrBank {
        Sha1 = "sha1",
        Sha256 = "sha256",
        Sha384 = "sha384",
        Sha512 = "sha512",
    }
}

impl PartialOrd for TpmPcrBank {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TpmPcrBank {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// The host side of the TPM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TpmBackend {
    /// A host TPM character device (`/dev/tpm0` unless given).
    Passthrough { path: String },
    Emulator {
        version: Option<TpmVersion>,
        persistent_state: bool,
        /// The secret encrypting the emulator state.
        encryption_secret: Option<Uuid>,
        /// `None` when no bank was listed (swtpm's default set).
        active_pcr_banks: Option<BTreeSet<TpmPcrBank>>,
    },
    /// An externally started swtpm listening on this UNIX socket.
    External { path: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tpm {
    pub model: Option<TpmModel>,
    pub backend: TpmBackend,
    pub info: DeviceInfo,
}

impl Tpm {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Tpm> {
        let model = el.enum_attr::<TpmModel>("model")?;
        let backends: Vec<&Element> = el.children_named("backend").collect();
        let b = match backends.as_slice() {
            [] => return Err(xml_error("missing TPM device backend")),
            [b] => *b,
            _ => return Err(xml_error("only one TPM backend is supported")),
        };
        let backend = match b.req_attr("type")? {
            "passthrough" => TpmBackend::Passthrough {
                path: b
                    .child("device")
                    .and_then(|d| d.attr("path"))
                    .filter(|p| !p.is_empty())
                    .unwrap_or("/dev/tpm0")
                    .to_string(),
            },
            "emulator" => parse_emulator(b)?,
            "external" => parse_external(b, ctx)?,
            other => {
                return Err(crate::read::invalid_value(b, "type", other, None));
            }
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Tpm {
            model,
            backend,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("tpm").attr_opt("model", self.model.as_ref());
        let mut b = Out::new("backend");
        match &self.backend {
            TpmBackend::Passthrough { path } => {
                b.set("type", "passthrough");
                b.push(Out::new("device").attr("path", path));
            }
            TpmBackend::Emulator {
                version,
                persistent_state,
                encryption_secret,
                active_pcr_banks,
            } => {
                b.set("type", "emulator");
                b.set_opt("version", version.as_ref());
                if *persistent_state {
                    b.set("persistent_state", "yes");
                }
                if let Some(s) = encryption_secret {
                    b.push(Out::new("encryption").attr("secret", s));
                }
                if let Some(banks) = active_pcr_banks {
                    let mut a = Out::new("active_pcr_banks");
                    for bank in banks {
                        a.push(Out::new(bank.as_xml()));
                    }
                    b.push_nonempty(a);
                }
            }
            TpmBackend::External { path } => {
                b.set("type", "external");
                b.push(
                    Out::new("source")
                        .attr("type", "unix")
                        .attr("mode", "connect")
                        .attr("path", path),
                );
            }
        }
        o.push(b);
        self.info.format_into(&mut o, ctx);
        o
    }

    /// No device defaults in libvirt's common post-parse.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

fn parse_emulator(b: &Element) -> Result<TpmBackend> {
    let version = b.enum_attr::<TpmVersion>("version")?;
    let encryption_secret = match b.child("encryption").and_then(|e| e.attr("secret")) {
        None => None,
        Some(s) => Some(
            crate::uuids::parse_uuid(s)
                .ok_or_else(|| internal(format!("Unable to parse secret uuid '{s}'")))?,
        ),
    };
    let persistent_state = match b.attr("persistent_state") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(_) => {
            return Err(internal(
                "Invalid persistent_state value, either 'yes' or 'no'",
            ))
        }
    };
    let mut banks = BTreeSet::new();
    if let Some(a) = b.child("active_pcr_banks") {
        for n in a.elements() {
            let bank = TpmPcrBank::from_xml(&n.name)
                .ok_or_else(|| unsupported(format!("Unsupported PCR banks '{}'", n.name)))?;
            banks.insert(bank);
        }
    }
    if !banks.is_empty() && version != Some(TpmVersion::V2_0) {
        return Err(xml_error("<active_pcr_banks/> requires TPM version '2.0'"));
    }
    Ok(TpmBackend::Emulator {
        version,
        persistent_state,
        encryption_secret,
        active_pcr_banks: (!banks.is_empty()).then_some(banks),
    })
}

fn parse_external(b: &Element, ctx: &ParseCtx) -> Result<TpmBackend> {
    let ty = b
        .child("source")
        .and_then(|s| s.attr("type"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| xml_error("missing external TPM backend type"))?;
    let ty = ChrType::from_xml(ty)
        .ok_or_else(|| unsupported(format!("unknown backend type '{ty}' for external TPM")))?;
    let src = ChrSource::parse(ty, b, ctx, false)?;
    let ChrSourceData::Unix { mode, path, .. } = src.data else {
        return Err(xml_error(
            "only source type 'unix' is supported for external TPM device",
        ));
    };
    if mode == SourceMode::Bind {
        return Err(xml_error(
            "only 'client' mode is supported for external TPM device",
        ));
    }
    let path = path.ok_or_else(|| xml_error("missing socket path for external TPM device"))?;
    Ok(TpmBackend::External { path })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Tpm> {
        let el = parse_document(xml, "t").expect("well-formed");
        Tpm::parse(&el, &ParseCtx { inactive: true })
    }

    fn render(t: &Tpm) -> String {
        t.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn backends_round_trip() {
        let t = parse("<tpm><backend type='passthrough'/></tpm>").expect("ok");
        assert_eq!(
            render(&t),
            "<tpm>\n  <backend type='passthrough'>\n    <device path='/dev/tpm0'/>\n  </backend>\n</tpm>\n"
        );
        let t = parse("<tpm model='tpm-crb'><backend type='emulator' version='2.0' persistent_state='yes'><encryption secret='b4a117f18af244a491b87f0d2d4d68a3'/><active_pcr_banks><sha512/><sha1/><sha1/></active_pcr_banks></backend></tpm>").expect("ok");
        assert_eq!(
            render(&t),
            "<tpm model='tpm-crb'>\n  <backend type='emulator' version='2.0' persistent_state='yes'>\n    <encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/>\n    <active_pcr_banks>\n      <sha1/>\n      <sha512/>\n    </active_pcr_banks>\n  </backend>\n</tpm>\n"
        );
        let t = parse("<tpm><backend type='emulator' persistent_state='no'><active_pcr_banks/></backend></tpm>").expect("ok");
        assert_eq!(render(&t), "<tpm>\n  <backend type='emulator'/>\n</tpm>\n");
        let t = parse("<tpm><backend type='external'><source type='unix' path='/a'><reconnect enabled='yes' timeout='1'/></source></backend></tpm>").expect("ok");
        assert_eq!(
            render(&t),
            "<tpm>\n  <backend type='external'>\n    <source type='unix' mode='connect' path='/a'/>\n  </backend>\n</tpm>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let e = |x: &str| parse(x).expect_err("fails").message;
        assert_eq!(
            e("<tpm model='default'><backend type='emulator'/></tpm>"),
            "XML error: Invalid value for attribute 'model' in element 'tpm': 'default'."
        );
        assert_eq!(
            e("<tpm><backend type='emulator' version='3.0'/></tpm>"),
            "XML error: Invalid value for attribute 'version' in element 'backend': '3.0'."
        );
        assert_eq!(e("<tpm/>"), "XML error: missing TPM device backend");
        assert_eq!(
            e("<tpm><backend type='emulator'/><backend type='emulator'/></tpm>"),
            "XML error: only one TPM backend is supported"
        );
        assert_eq!(
            e("<tpm><backend/></tpm>"),
            "XML error: Missing required attribute 'type' in element 'backend'"
        );
        assert_eq!(
            e("<tpm><backend type='bogus'/></tpm>"),
            "XML error: Invalid value for attribute 'type' in element 'backend': 'bogus'."
        );
        assert_eq!(
            e("<tpm><backend type='emulator' persistent_state='x'/></tpm>"),
            "internal error: Invalid persistent_state value, either 'yes' or 'no'"
        );
        assert_eq!(
            e("<tpm><backend type='emulator'><encryption secret='bad'/></backend></tpm>"),
            "internal error: Unable to parse secret uuid 'bad'"
        );
        assert_eq!(
            e("<tpm><backend type='emulator' version='2.0'><active_pcr_banks><md5/></active_pcr_banks></backend></tpm>"),
            "unsupported configuration: Unsupported PCR banks 'md5'"
        );
        assert_eq!(
            e("<tpm><backend type='emulator' version='1.2'><active_pcr_banks><sha1/></active_pcr_banks></backend></tpm>"),
            "XML error: <active_pcr_banks/> requires TPM version '2.0'"
        );
        assert_eq!(
            e("<tpm><backend type='external'/></tpm>"),
            "XML error: missing external TPM backend type"
        );
        assert_eq!(
            e("<tpm><backend type='external'><source type='bogus'/></backend></tpm>"),
            "unsupported configuration: unknown backend type 'bogus' for external TPM"
        );
        assert_eq!(
            e("<tpm><backend type='external'><source type='tcp' host='a' service='1'/></backend></tpm>"),
            "XML error: only source type 'unix' is supported for external TPM device"
        );
        assert_eq!(
            e("<tpm><backend type='external'><source type='unix' mode='bind'/></backend></tpm>"),
            "XML error: only 'client' mode is supported for external TPM device"
        );
        assert_eq!(
            e("<tpm><backend type='external'><source type='unix'/></backend></tpm>"),
            "XML error: missing socket path for external TPM device"
        );
    }
}
