//! The document model XPath works on: an arena of nodes in document order, built from
//! rvirt-xml's element tree with formatting whitespace dropped (as libxml2 does when it
//! parses without keeping blanks), and its libxml2-style serialization.

use rvirt_xml::tree::{Element, Node as XNode};

pub(super) type Id = usize;

#[derive(Debug)]
pub(super) enum Kind {
    Document,
    Element {
        name: String,
        ns: Option<String>,
        attrs: Vec<Id>,
    },
    Attr {
        name: String,
        value: String,
    },
    Text(String),
    Comment(String),
}

#[derive(Debug)]
pub(super) struct DNode {
    pub(super) kind: Kind,
    pub(super) parent: Option<Id>,
    pub(super) children: Vec<Id>,
}

/// A parsed document as an arena in document order (element, its attributes, its content).
pub(super) struct Doc {
    pub(super) nodes: Vec<DNode>,
}

impl Doc {
    pub(super) fn from_root(root: &Element) -> Doc {
        let mut d = Doc {
            nodes: vec![DNode {
                kind: Kind::Document,
                parent: None,
                children: Vec::new(),
            }],
        };
        let r = d.add_element(root, 0);
        d.nodes[0].children.push(r);
        d
    }

    pub(super) fn add_element(&mut self, el: &Element, parent: Id) -> Id {
        let id = self.nodes.len();
        self.nodes.push(DNode {
            kind: Kind::Element {
                name: el.name.clone(),
                ns: el.ns.clone(),
                attrs: Vec::new(),
            },
            parent: Some(parent),
            children: Vec::new(),
        });
        // Namespace declarations are printed before other attributes, as libxml2 does.
        let mut attrs: Vec<&(String, String)> = el
            .attrs
            .iter()
            .filter(|(k, _)| k == "xmlns" || k.starts_with("xmlns:"))
            .collect();
        attrs.extend(
            el.attrs
                .iter()
                .filter(|(k, _)| !(k == "xmlns" || k.starts_with("xmlns:"))),
        );
        let mut ids = Vec::new();
        for (k, v) in attrs {
            let aid = self.nodes.len();
            self.nodes.push(DNode {
                kind: Kind::Attr {
                    name: k.clone(),
                    value: v.clone(),
                },
                parent: Some(id),
                children: Vec::new(),
            });
            ids.push(aid);
        }
        if let Kind::Element { attrs, .. } = &mut self.nodes[id].kind {
            *attrs = ids;
        }
        let has_elements = el.children.iter().any(|c| matches!(c, XNode::Element(_)));
        let mut kids = Vec::new();
        for c in &el.children {
            match c {
                XNode::Element(e) => kids.push(self.add_element(e, id)),
                XNode::Text(t) => {
                    // Blank text between elements is formatting, not content.
                    if has_elements && t.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
                        continue;
                    }
                    let tid = self.nodes.len();
                    self.nodes.push(DNode {
                        kind: Kind::Text(t.clone()),
                        parent: Some(id),
                        children: Vec::new(),
                    });
                    kids.push(tid);
                }
                XNode::Comment(t) => {
                    let tid = self.nodes.len();
                    self.nodes.push(DNode {
                        kind: Kind::Comment(t.clone()),
                        parent: Some(id),
                        children: Vec::new(),
                    });
                    kids.push(tid);
                }
            }
        }
        self.nodes[id].children = kids;
        id
    }

    pub(super) fn root_element(&self) -> Id {
        self.nodes[0].children.first().copied().unwrap_or(0)
    }

    pub(super) fn is_attr(&self, id: Id) -> bool {
        matches!(self.nodes[id].kind, Kind::Attr { .. })
    }

    pub(super) fn string_value(&self, id: Id) -> String {
        match &self.nodes[id].kind {
            Kind::Attr { value, .. } => value.clone(),
            Kind::Text(t) | Kind::Comment(t) => t.clone(),
            Kind::Document | Kind::Element { .. } => {
                let mut s = String::new();
                self.collect_text(id, &mut s);
                s
            }
        }
    }

    pub(super) fn collect_text(&self, id: Id, out: &mut String) {
        for &c in &self.nodes[id].children {
            match &self.nodes[c].kind {
                Kind::Text(t) => out.push_str(t),
                Kind::Element { .. } => self.collect_text(c, out),
                _ => {}
            }
        }
    }

    pub(super) fn name_of(&self, id: Id) -> &str {
        match &self.nodes[id].kind {
            Kind::Element { name, .. } | Kind::Attr { name, .. } => name,
            _ => "",
        }
    }

    pub(super) fn descendants(&self, id: Id, out: &mut Vec<Id>) {
        for &c in &self.nodes[id].children {
            out.push(c);
            self.descendants(c, out);
        }
    }

    pub(super) fn siblings(&self, id: Id) -> &[Id] {
        match self.nodes[id].parent {
            Some(p) if !self.is_attr(id) => &self.nodes[p].children,
            _ => &[],
        }
    }
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

impl Doc {
    pub(super) fn dump(&self, n: Id, level: usize, out: &mut String) {
        match &self.nodes[n].kind {
            Kind::Document => {
                out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                for &c in &self.nodes[n].children {
                    self.dump(c, 0, out);
                    out.push('\n');
                }
            }
            Kind::Attr { name, value } => {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                escape_attr(value, out);
                out.push('"');
            }
            Kind::Text(t) => escape_text(t, out),
            Kind::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
            Kind::Element { name, attrs, .. } => {
                self.dump_element(name, attrs, &self.nodes[n].children, level, out);
            }
        }
    }

    pub(super) fn dump_element(
        &self,
        name: &str,
        attrs: &[Id],
        children: &[Id],
        level: usize,
        out: &mut String,
    ) {
        out.push('<');
        out.push_str(name);
        for &a in attrs {
            self.dump(a, level, out);
        }
        if children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = children
            .iter()
            .all(|&c| !matches!(self.nodes[c].kind, Kind::Text(_)));
        for &c in children {
            if format {
                out.push('\n');
                out.push_str(&"  ".repeat(level + 1));
            }
            self.dump(c, level + 1, out);
        }
        if format {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}
