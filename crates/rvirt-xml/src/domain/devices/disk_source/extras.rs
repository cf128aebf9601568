//! The per-source extras of a storage source: authentication, encryption, persistent
//! reservations and per-device security labels. Host devices (iSCSI) and character devices
//! carry some of the same elements.

use crate::domain::ctx::{FormatCtx, ParseCtx};
use crate::error::{unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

xml_enum! {
    pub enum EncryptionFormat {
        Default = "default",
        Qcow = "qcow",
        Luks = "luks",
        Luks2 = "luks2",
    }
}

xml_enum! {
    pub enum EncryptionEngine {
        Qemu = "qemu",
        Librbd = "librbd",
    }
}

xml_enum! {
    /// `<auth type=...>` (storage-pool style; disks usually leave it out).
    pub enum AuthType {
        Chap = "chap",
        Ceph = "ceph",
    }
}

xml_enum! {
    /// The usage type of the secret an `<auth>` refers to.
    pub enum SecretUsageType {
        None = "none",
        Volume = "volume",
        Ceph = "ceph",
        Iscsi = "iscsi",
        Tls = "tls",
        Vtpm = "vtpm",
    }
}

xml_enum! {
    pub enum ReservationsMode {
        Client = "client",
        Server = "server",
    }
}

/// A secret named either by UUID or by usage string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretLookup {
    Uuid(uuid::Uuid),
    Usage(String),
}

impl SecretLookup {
    fn parse(el: &Element) -> Result<SecretLookup> {
        if let Some(u) = el.attr("uuid") {
            if el.attr("usage").is_some() {
                return Err(xml_error("either secret uuid or usage expected"));
            }
            return crate::uuids::parse_uuid(u)
                .map(SecretLookup::Uuid)
                .ok_or_else(|| xml_error(format!("invalid secret uuid '{u}'")));
        }
        match el.attr("usage") {
            Some(u) => Ok(SecretLookup::Usage(u.to_string())),
            None => Err(xml_error("missing secret uuid or usage attribute")),
        }
    }

    fn write(&self, out: &mut Out) {
        match self {
            SecretLookup::Uuid(u) => out.set("uuid", u.hyphenated()),
            SecretLookup::Usage(u) => out.set("usage", u),
        }
    }
}

/// `<auth>`: credentials for a network source (or an iSCSI host device).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageAuth {
    pub auth_type: Option<AuthType>,
    pub username: String,
    pub secret_type: SecretUsageType,
    pub secret: SecretLookup,
}

impl StorageAuth {
    pub fn parse(el: &Element) -> Result<StorageAuth> {
        let username = el
            .string_attr("username")
            .ok_or_else(|| xml_error("missing username for auth"))?;
        let auth_type = match el.attr("type") {
            None => None,
            Some(t) => Some(
                AuthType::from_xml(t)
                    .ok_or_else(|| unsupported(format!("unknown auth type '{t}'")))?,
            ),
        };
        let secret_el = el
            .child("secret")
            .ok_or_else(|| xml_error("Missing <secret> element in auth"))?;
        let secret = SecretLookup::parse(secret_el)?;
        let secret_type = match secret_el.attr("type") {
            Some(t) => SecretUsageType::from_xml(t)
                .ok_or_else(|| unsupported(format!("unknown secret type '{t}'")))?,
            None => return Err(unsupported("unknown secret type '<null>'")),
        };
        Ok(StorageAuth {
            auth_type,
            username,
            secret_type,
            secret,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("auth")
            .attr_opt("type", self.auth_type)
            .attr("username", &self.username);
        let mut s = Out::new("secret").attr("type", self.secret_type);
        self.secret.write(&mut s);
        o.push(s);
        o
    }
}

/// `<encryption>` of a disk image (the key material lives in secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encryption {
    pub format: EncryptionFormat,
    pub engine: Option<EncryptionEngine>,
    pub secrets: Vec<SecretLookup>,
}

impl Encryption {
    pub fn parse(el: &Element) -> Result<Encryption> {
        let format = match el.attr("format") {
            None => return Err(xml_error("unknown volume encryption format")),
            Some(f) => EncryptionFormat::from_xml(f)
                .ok_or_else(|| unsupported(format!("unknown volume encryption format type {f}")))?,
        };
        let engine = el.enum_attr::<EncryptionEngine>("engine")?;
        let mut secrets = Vec::new();
        for s in el.children_named("secret") {
            match s.attr("type") {
                Some("passphrase") => {}
                Some(t) => {
                    return Err(unsupported(format!(
                        "unknown volume encryption secret type {t}"
                    )))
                }
                None => return Err(xml_error("missing volume encryption secret type")),
            }
            secrets.push(SecretLookup::parse(s)?);
        }
        if el.child("cipher").is_some() {
            return Err(unsupported(
                "supplying <cipher> for domain disk definition is unnecessary",
            ));
        }
        if el.child("ivgen").is_some() {
            return Err(unsupported(
                "supplying <ivgen> for domain disk definition is unnecessary",
            ));
        }
        Ok(Encryption {
            format,
            engine,
            secrets,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("encryption")
            .attr("format", self.format)
            .attr_opt("engine", self.engine);
        for s in &self.secrets {
            let mut so = Out::new("secret").attr("type", "passphrase");
            s.write(&mut so);
            o.push(so);
        }
        o
    }
}

/// The longest `<label>` libvirt keeps (`VIR_SECURITY_LABEL_BUFLEN - 1`); a longer one is
/// dropped as if absent, because `virXPathStringLimit` returns nothing and the parser goes on.
const SECLABEL_MAX: usize = 4096;

/// A per-device security label override (`<seclabel>` inside a disk, chardev or hostdev
/// source), libvirt's `virSecurityDeviceLabelDef`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSeclabel {
    pub model: Option<String>,
    /// `false` when `relabel='no'`; absent means yes.
    pub relabel: bool,
    /// Set by a running domain only (status XML).
    pub labelskip: bool,
    pub label: Option<String>,
}

impl DeviceSeclabel {
    /// Reads every `<seclabel>` child of `el` as `virSecurityDeviceLabelDefParseXML` does:
    /// two overrides for one model are refused, an empty or over-long label counts as none,
    /// and `labelskip` is read from live XML only, a bad value being ignored.
    pub fn parse_all(el: &Element, ctx: &ParseCtx) -> Result<Vec<DeviceSeclabel>> {
        let mut out: Vec<DeviceSeclabel> = Vec::new();
        for s in el.children_named("seclabel") {
            let model = s.string_attr("model");
            if let Some(m) = &model {
                if out.iter().any(|o| o.model.as_deref() == Some(m)) {
                    return Err(Error::new(
                        ErrorDomain::DOMAIN,
                        ErrorCode::XML_DETAIL,
                        Some(format!("seclabel for model {m} is already provided")),
                    ));
                }
            }
            let relabel = s.yes_no_attr("relabel")?.unwrap_or(true);
            let labelskip = !ctx.inactive && s.attr("labelskip") == Some("yes");
            let label = s
                .child_text("label")
                .filter(|l| !l.is_empty() && l.len() <= SECLABEL_MAX);
            if label.is_some() && !relabel {
                return Err(xml_error(format!(
                    "Cannot specify a label if relabelling is turned off. model={}",
                    model.as_deref().unwrap_or("<null>")
                )));
            }
            out.push(DeviceSeclabel {
                model,
                relabel,
                labelskip,
                label,
            });
        }
        Ok(out)
    }

    /// `None` when libvirt leaves the label out (inactive output of a label-less relabel).
    pub fn format(&self, ctx: &FormatCtx) -> Option<Out> {
        if ctx.inactive && self.label.is_none() && self.relabel {
            return None;
        }
        let mut o = Out::new("seclabel").attr_opt("model", self.model.as_ref());
        if self.labelskip {
            o.set("labelskip", "yes");
        } else {
            o.set("relabel", yes_no(self.relabel));
        }
        o.text_child_opt("label", self.label.as_ref());
        Some(o)
    }
}

/// `<reservations>`: SCSI persistent reservations through a helper daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservations {
    pub managed: bool,
    /// The helper's socket, for unmanaged reservations.
    pub socket: Option<(String, ReservationsMode)>,
}

impl Reservations {
    pub fn parse(el: &Element) -> Result<Reservations> {
        let managed = el
            .yes_no_attr("managed")?
            .ok_or_else(|| xml_error("missing managed attribute for <reservations/>"))?;
        let mut socket = None;
        if let Some(s) = el.child("source") {
            if !managed {
                match s.attr("type") {
                    Some("unix") => {}
                    Some(t) => {
                        return Err(xml_error(format!(
                            "unsupported connection type for <reservations/>: {t}"
                        )))
                    }
                    None => return Err(xml_error("missing connection type for <reservations/>")),
                }
                let path = s
                    .string_attr("path")
                    .ok_or_else(|| xml_error("missing path for <reservations/>"))?;
                let mode = match s.attr("mode") {
                    None => return Err(xml_error("missing connection mode for <reservations/>")),
                    Some(m) => ReservationsMode::from_xml(m).ok_or_else(|| {
                        xml_error(format!(
                            "unsupported connection mode for <reservations/>: {m}"
                        ))
                    })?,
                };
                socket = Some((path, mode));
            }
        }
        Ok(Reservations { managed, socket })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("reservations").attr("managed", yes_no(self.managed));
        if let Some((path, mode)) = &self.socket {
            o.push(
                Out::new("source")
                    .attr("type", "unix")
                    .attr("path", path)
                    .attr("mode", mode),
            );
        }
        o
    }
}
