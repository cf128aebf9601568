//! `<metadata>`: application data kept for the user, printed back the way libxml2 dumps it
//! (double-quoted attributes, namespace declared on each top element).

use crate::domain::DomainDef;
use crate::tree::{Element, Node};
use rvirt_core::types::flags::metadata as md;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// Custom metadata: one element per application namespace. libvirt keeps an emptied (or
/// empty) `<metadata/>` once there is one, so presence is remembered apart from content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    elements: Vec<Element>,
    present: bool,
}

impl Metadata {
    /// Keeps the namespaced children of `<metadata>` (libvirt drops un-namespaced ones).
    pub fn parse(el: &Element) -> Metadata {
        let mut out = Vec::new();
        for c in el.elements() {
            if let Some(ns) = &c.ns {
                let mut c = c.clone();
                let decl = match c.prefix() {
                    Some(p) => format!("xmlns:{p}"),
                    None => "xmlns".to_string(),
                };
                if c.attr(&decl).is_none() {
                    c.attrs.insert(0, (decl, ns.clone()));
                }
                out.push(c);
            }
        }
        Metadata {
            elements: out,
            present: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Whether `<metadata>` is printed at all (it was given, or something was set in it).
    pub fn is_present(&self) -> bool {
        self.present
    }

    /// The element for namespace `uri`, if any.
    pub fn get(&self, uri: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.ns.as_deref() == Some(uri))
    }

    /// Replaces (or with `None`, removes) the element for namespace `uri`.
    pub fn set(&mut self, uri: &str, el: Option<Element>) {
        if el.is_some() {
            self.present = true;
        }
        let pos = self
            .elements
            .iter()
            .position(|e| e.ns.as_deref() == Some(uri));
        match (pos, el) {
            (Some(i), Some(e)) => self.elements[i] = e,
            (Some(i), None) => {
                self.elements.remove(i);
            }
            (None, Some(e)) => self.elements.push(e),
            (None, None) => {}
        }
    }

    /// The children rendered as libxml2 would, one string per top element.
    pub fn render_each(&self) -> Vec<String> {
        self.elements.iter().map(|e| dump(e, 0)).collect()
    }
}

/// Renders one element in libxml2's formatted dump style, starting at `indent` spaces.
pub fn dump(el: &Element, indent: usize) -> String {
    let mut s = String::new();
    dump_into(&mut s, el, indent);
    s
}

fn dump_into(s: &mut String, el: &Element, indent: usize) {
    s.push('<');
    s.push_str(&el.name);
    for (k, v) in &el.attrs {
        s.push(' ');
        s.push_str(k);
        s.push_str("=\"");
        escape_attr(s, v);
        s.push('"');
    }
    let has_elements = el.elements().next().is_some();
    let kids: Vec<&Node> = el
        .children
        .iter()
        .filter(|n| match n {
            Node::Text(t) => !(has_elements && t.trim().is_empty()),
            _ => true,
        })
        .collect();
    if kids.is_empty() {
        s.push_str("/>");
        return;
    }
    s.push('>');
    let formatted = kids.iter().all(|n| !matches!(n, Node::Text(_)));
    for n in &kids {
        if formatted {
            s.push('\n');
            for _ in 0..indent + 2 {
                s.push(' ');
            }
        }
        match n {
            Node::Element(c) => dump_into(s, c, indent + 2),
            Node::Text(t) => escape_text(s, t),
            Node::Comment(c) => {
                s.push_str("<!--");
                s.push_str(c);
                s.push_str("-->");
            }
        }
    }
    if formatted {
        s.push('\n');
        for _ in 0..indent {
            s.push(' ');
        }
    }
    s.push_str("</");
    s.push_str(&el.name);
    s.push('>');
}

fn escape_text(s: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '\r' => s.push_str("&#13;"),
            c => s.push(c),
        }
    }
}

fn escape_attr(s: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            '\n' => s.push_str("&#10;"),
            '\r' => s.push_str("&#13;"),
            '\t' => s.push_str("&#9;"),
            c => s.push(c),
        }
    }
}

/// One `virDomainSetMetadata` request, parsed before any definition is touched so that a
/// bad element changes nothing.
#[derive(Clone, Debug)]
pub struct MetadataChange {
    kind: i32,
    value: Option<String>,
    uri: String,
    element: Option<Element>,
}

impl MetadataChange {
    /// `kind` is a `virDomainMetadataType`; an empty or absent `metadata` removes the item.
    pub fn parse(
        kind: i32,
        metadata: Option<&str>,
        key: Option<&str>,
        uri: Option<&str>,
    ) -> Result<MetadataChange> {
        if !(md::DESCRIPTION..=md::ELEMENT).contains(&kind) {
            return Err(Error::invalid_arg(
                ErrorDomain::DOMAIN,
                "unknown metadata type",
            ));
        }
        let value = metadata.filter(|m| !m.is_empty()).map(str::to_string);
        let element = match (kind, &value) {
            (md::ELEMENT, Some(v)) => Some(parse_element(v, key, uri)?),
            _ => None,
        };
        Ok(MetadataChange {
            kind,
            value,
            uri: uri.unwrap_or_default().to_string(),
            element,
        })
    }

    pub fn apply(&self, def: &mut DomainDef) {
        match self.kind {
            md::DESCRIPTION => def.description = self.value.clone(),
            md::TITLE => def.title = self.value.clone(),
            _ => def.metadata.set(&self.uri, self.element.clone()),
        }
    }
}

/// `virDomainGetMetadata` of one definition.
pub fn lookup(def: &DomainDef, kind: i32, uri: Option<&str>) -> Result<String> {
    let missing = || {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::NO_DOMAIN_METADATA,
            Some("Requested metadata element is not present".to_string()),
        )
    };
    match kind {
        md::DESCRIPTION => def.description.clone().ok_or_else(missing),
        md::TITLE => def.title.clone().ok_or_else(missing),
        md::ELEMENT => {
            let el = def
                .metadata
                .get(uri.unwrap_or_default())
                .ok_or_else(missing)?;
            Ok(without_prefix(el))
        }
        _ => Err(Error::invalid_arg(
            ErrorDomain::DOMAIN,
            "unknown metadata type",
        )),
    }
}

/// Parses a metadata element given to `virDomainSetMetadata`, putting it in namespace `uri`
/// with prefix `key`.
fn parse_element(v: &str, key: Option<&str>, uri: Option<&str>) -> Result<crate::Element> {
    let mut el = crate::parse_document(v, "metadata_xml").map_err(|e| {
        let mut err: Error = e.into();
        err.domain = ErrorDomain::DOMAIN;
        err
    })?;
    let key = key.unwrap_or_default();
    let uri = uri.unwrap_or_default();
    fn rename(el: &mut crate::Element, key: &str, uri: &str) {
        let local = el.local_name().to_string();
        el.name = format!("{key}:{local}");
        el.ns = Some(uri.to_string());
        el.attrs
            .retain(|(k, _)| k != "xmlns" && !k.starts_with("xmlns:"));
        for c in el.children.iter_mut() {
            if let crate::Node::Element(ce) = c {
                rename(ce, key, uri);
            }
        }
    }
    rename(&mut el, key, uri);
    el.attrs
        .insert(0, (format!("xmlns:{key}"), uri.to_string()));
    Ok(el)
}

/// A metadata element as `virDomainGetMetadata` returns it: without namespace prefixes.
fn without_prefix(el: &crate::Element) -> String {
    fn strip(el: &mut crate::Element) {
        el.name = el.local_name().to_string();
        el.attrs
            .retain(|(k, _)| k != "xmlns" && !k.starts_with("xmlns:"));
        for c in el.children.iter_mut() {
            if let crate::Node::Element(ce) = c {
                strip(ce);
            }
        }
    }
    let mut e = el.clone();
    strip(&mut e);
    dump(&e, 0)
}
