//! Secret (`<secret>`) documents: the metadata of a secret value (the value itself never
//! appears in XML).
//!
//! libvirt 9.0's test driver has no secret support, so these rules come from libvirt's
//! secret driver; documents are checked against libvirt's schema only. Errors carry
//! `VIR_FROM_SECRET`.

use crate::error::in_domain;
use crate::tree::{parse_document, Element};
use crate::uuids::{parse_uuid, random_uuid};
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::XmlEnum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

fn err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::SECRET, code, Some(msg.into()))
}

xml_enum! {
    /// `<usage type=...>`: what the secret is for.
    pub enum UsageType {
        None = "none", Volume = "volume", Ceph = "ceph", Iscsi = "iscsi", Tls = "tls",
        Vtpm = "vtpm",
    }
}

impl UsageType {
    /// The child element that names the usage, and libvirt's message when it is missing.
    fn id_element(self) -> Option<(&'static str, &'static str)> {
        match self {
            UsageType::None => None,
            UsageType::Volume => Some((
                "volume",
                "volume usage specified, but volume path is missing",
            )),
            UsageType::Ceph => Some(("name", "Ceph usage specified, but name is missing")),
            UsageType::Iscsi => Some(("target", "iSCSI usage specified, but target is missing")),
            UsageType::Tls => Some(("name", "TLS usage specified, but name is missing")),
            UsageType::Vtpm => Some(("name", "vTPM usage specified, but name is missing")),
        }
    }
}

/// `<usage>`: the type and the identifier a secret is looked up by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    pub usage_type: UsageType,
    /// Volume path, Ceph/TLS/vTPM name or iSCSI target; `None` only for type `none`.
    pub id: Option<String>,
}

/// A parsed secret definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretDef {
    /// Kept in memory only.
    pub ephemeral: bool,
    /// The value cannot be read back through the API.
    pub private: bool,
    pub uuid: Uuid,
    pub description: Option<String>,
    pub usage: Option<Usage>,
}

fn yes_no_attr(root: &Element, name: &str) -> Result<bool> {
    match root.attr(name).filter(|v| !v.is_empty()) {
        None => Ok(false),
        Some("yes") => Ok(true),
        Some("no") => Ok(false),
        Some(_) => Err(err(
            ErrorCode::XML_ERROR,
            format!("invalid value of '{name}'"),
        )),
    }
}

fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child(name).map(Element::text).filter(|t| !t.is_empty())
}

impl SecretDef {
    /// Parses secret XML (a missing UUID is generated).
    pub fn parse(xml: &str) -> Result<SecretDef> {
        let root = parse_document(xml, "definition_of_secret").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::SECRET;
            err
        })?;
        SecretDef::from_element(&root)
    }

    pub fn from_element(root: &Element) -> Result<SecretDef> {
        if root.name != "secret" || root.ns.is_some() {
            return Err(err(
                ErrorCode::XML_ERROR,
                format!(
                    "unexpected root element <{}>, expecting <secret>",
                    root.name
                ),
            ));
        }
        let ephemeral = yes_no_attr(root, "ephemeral")?;
        let private = yes_no_attr(root, "private")?;
        let uuid = match text_of(root, "uuid") {
            None => random_uuid().map_err(|e| in_domain(e, ErrorDomain::SECRET))?,
            Some(u) => parse_uuid(&u)
                .ok_or_else(|| err(ErrorCode::INTERNAL_ERROR, "malformed uuid element"))?,
        };
        let description = text_of(root, "description");
        let usage = match root.child("usage") {
            None => None,
            Some(u) => {
                let t = u
                    .attr("type")
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| err(ErrorCode::XML_ERROR, "unknown secret usage type"))?;
                let usage_type = UsageType::from_xml(t).ok_or_else(|| {
                    err(
                        ErrorCode::CONFIG_UNSUPPORTED,
                        format!("unknown secret usage type {t}"),
                    )
                })?;
                let id = match usage_type.id_element() {
                    None => None,
                    Some((child, missing)) => Some(
                        text_of(u, child).ok_or_else(|| err(ErrorCode::INTERNAL_ERROR, missing))?,
                    ),
                };
                Some(Usage { usage_type, id })
            }
        };
        Ok(SecretDef {
            ephemeral,
            private,
            uuid,
            description,
            usage,
        })
    }

    /// Prints the secret in libvirt's layout (both flags always written).
    pub fn format(&self) -> String {
        let mut s = Out::new("secret")
            .attr("ephemeral", yes_no(self.ephemeral))
            .attr("private", yes_no(self.private));
        s.text_child("uuid", self.uuid.hyphenated());
        s.text_child_opt("description", self.description.as_ref());
        if let Some(u) = &self.usage {
            if let Some((child, _)) = u.usage_type.id_element() {
                let mut o = Out::new("usage").attr("type", u.usage_type);
                o.text_child_opt(child, u.id.as_ref());
                s.push(o.keep_open());
            }
        }
        s.render(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_use_libvirt_words() {
        let cases = [
            (
                "<secret ephemeral='maybe'/>",
                "XML error: invalid value of 'ephemeral'",
            ),
            (
                "<secret private='1'/>",
                "XML error: invalid value of 'private'",
            ),
            (
                "<secret><uuid>x</uuid></secret>",
                "internal error: malformed uuid element",
            ),
            (
                "<secret><usage/></secret>",
                "XML error: unknown secret usage type",
            ),
            (
                "<secret><usage type='disk'/></secret>",
                "unsupported configuration: unknown secret usage type disk",
            ),
            (
                "<secret><usage type='ceph'/></secret>",
                "internal error: Ceph usage specified, but name is missing",
            ),
            (
                "<secret><usage type='volume'><name>x</name></usage></secret>",
                "internal error: volume usage specified, but volume path is missing",
            ),
            (
                "<key/>",
                "XML error: unexpected root element <key>, expecting <secret>",
            ),
        ];
        for (x, m) in cases {
            let e = SecretDef::parse(x).expect_err(x);
            assert_eq!(e.message, m);
            assert_eq!(e.domain, ErrorDomain::SECRET);
        }
    }

    #[test]
    fn usage_none_is_not_printed_and_uuid_generated() {
        let s = SecretDef::parse("<secret><usage type='none'/></secret>").expect("ok");
        assert!(!s.format().contains("usage"));
        assert!(s
            .format()
            .starts_with("<secret ephemeral='no' private='no'>\n  <uuid>"));
    }
}
