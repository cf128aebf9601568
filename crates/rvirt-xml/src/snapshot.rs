//! Domain snapshot XML (`<domainsnapshot>`): what a snapshot request asks for, and what a
//! driver reports about a snapshot it holds.

use crate::domain::{DomainDef, FormatCtx};
use crate::error::xml_error;
use crate::tree::{parse_document, Element};
use crate::writer::Out;
use rvirt_core::{Error, ErrorDomain, Result};

/// A snapshot definition.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotDef {
    /// `None` when the caller let the driver pick (the creation time).
    pub name: Option<String>,
    pub description: Option<String>,
    /// The domain state when the snapshot was taken (`running`, `shutoff`, ...).
    pub state: Option<String>,
    pub parent: Option<String>,
    pub creation_time: Option<i64>,
    /// `<memory snapshot=...>`: `no`, `internal` or `external`.
    pub memory: Option<String>,
    /// Per-disk `(target, snapshot mode)`.
    pub disks: Vec<(String, String)>,
    /// The domain configuration the snapshot captured.
    pub domain: Option<DomainDef>,
}

impl SnapshotDef {
    /// Parses a request (`virDomainSnapshotCreateXML`): only what a caller may set is read.
    pub fn parse_request(xml: &str) -> Result<SnapshotDef> {
        let root = parse_document(xml, "domainsnapshot").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::DOMAIN_SNAPSHOT;
            err
        })?;
        if root.name != "domainsnapshot" {
            return Err(xml_error(format!(
                "expecting root element of 'domainsnapshot', not '{}'",
                root.name
            )));
        }
        let text = |n: &str| root.child_text(n).filter(|t| !t.is_empty());
        let disks = match root.child("disks") {
            None => Vec::new(),
            Some(d) => d
                .children_named("disk")
                .filter_map(|e: &Element| {
                    e.attr("name").map(|n| {
                        (
                            n.to_string(),
                            e.attr("snapshot").unwrap_or("internal").to_string(),
                        )
                    })
                })
                .collect(),
        };
        Ok(SnapshotDef {
            name: text("name"),
            description: text("description"),
            state: None,
            parent: None,
            creation_time: None,
            memory: root
                .child("memory")
                .and_then(|m| m.attr("snapshot"))
                .map(str::to_string),
            disks,
            domain: None,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> String {
        let mut o = Out::new("domainsnapshot");
        o.text_child_opt("name", self.name.as_ref());
        o.text_child_opt("description", self.description.as_ref());
        o.text_child_opt("state", self.state.as_ref());
        if let Some(p) = &self.parent {
            let mut pe = Out::new("parent");
            pe.text_child("name", p);
            o.push(pe);
        }
        o.text_child_opt("creationTime", self.creation_time);
        if let Some(m) = &self.memory {
            o.push(Out::new("memory").attr("snapshot", m));
        }
        if !self.disks.is_empty() {
            let mut d = Out::new("disks");
            for (name, mode) in &self.disks {
                d.push(Out::new("disk").attr("name", name).attr("snapshot", mode));
            }
            o.push(d);
        }
        let mut text = o.render(0);
        if let Some(dom) = &self.domain {
            // The captured domain sits inside, indented one level.
            let inner: String = dom
                .format(ctx)
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect();
            if let Some(pos) = text.rfind("</domainsnapshot>") {
                text.insert_str(pos, &inner);
            }
        }
        text
    }
}
