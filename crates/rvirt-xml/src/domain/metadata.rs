//! `<metadata>`: application data kept for the user, printed back the way libxml2 dumps it
//! (double-quoted attributes, namespace declared on each top element).

use crate::tree::{Element, Node};

/// Custom metadata: one element per application namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata(pub Vec<Element>);

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
        Metadata(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The element for namespace `uri`, if any.
    pub fn get(&self, uri: &str) -> Option<&Element> {
        self.0.iter().find(|e| e.ns.as_deref() == Some(uri))
    }

    /// Replaces (or with `None`, removes) the element for namespace `uri`.
    pub fn set(&mut self, uri: &str, el: Option<Element>) {
        let pos = self.0.iter().position(|e| e.ns.as_deref() == Some(uri));
        match (pos, el) {
            (Some(i), Some(e)) => self.0[i] = e,
            (Some(i), None) => {
                self.0.remove(i);
            }
            (None, Some(e)) => self.0.push(e),
            (None, None) => {}
        }
    }

    /// The children rendered as libxml2 would, one string per top element.
    pub fn render_each(&self) -> Vec<String> {
        self.0.iter().map(|e| dump(e, 0)).collect()
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
