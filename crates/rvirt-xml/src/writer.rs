//! Formatting in libvirt's canonical layout.
//!
//! Models build a light tree of [`Out`] nodes and render it: two-space indentation,
//! single-quoted attributes, `<x/>` for empty elements, `<x>text</x>` for text-only ones.
//! Building a tree (instead of writing strings directly) lets a model decide late whether an
//! element has children, which is how libvirt chooses between `<x/>` and `<x>...</x>`.

use std::fmt::Write;

/// An element being formatted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Out {
    name: String,
    attrs: Vec<(String, String)>,
    body: Vec<Body>,
    keep_open: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Body {
    Child(Out),
    Text(String),
    /// Pre-rendered lines (verbatim foreign XML), indented by the renderer.
    Raw(String),
}

impl Out {
    pub fn new(name: impl Into<String>) -> Out {
        Out {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Renders as `<x>` + newline + `</x>` even without content, as libvirt prints
    /// `<devices>` (builder style).
    pub fn keep_open(mut self) -> Out {
        self.keep_open = true;
        self
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, k: &str, v: impl ToString) -> Out {
        self.set(k, v);
        self
    }

    /// Adds an attribute when `v` is `Some` (builder style).
    pub fn attr_opt<T: ToString>(mut self, k: &str, v: Option<T>) -> Out {
        if let Some(v) = v {
            self.set(k, v);
        }
        self
    }

    /// Adds an attribute in place.
    pub fn set(&mut self, k: &str, v: impl ToString) {
        self.attrs.push((k.to_string(), v.to_string()));
    }

    /// Adds an attribute in place when `v` is `Some`.
    pub fn set_opt<T: ToString>(&mut self, k: &str, v: Option<T>) {
        if let Some(v) = v {
            self.set(k, v);
        }
    }

    /// Appends a child element.
    pub fn push(&mut self, child: Out) {
        self.body.push(Body::Child(child));
    }

    /// Appends a child element when there is one.
    pub fn push_opt(&mut self, child: Option<Out>) {
        if let Some(c) = child {
            self.push(c);
        }
    }

    /// Appends a child element only if it has attributes or content, as libvirt drops
    /// elements that would print empty.
    pub fn push_nonempty(&mut self, child: Out) {
        if !child.is_empty() {
            self.push(child);
        }
    }

    /// Appends `<name>text</name>`.
    pub fn text_child(&mut self, name: &str, text: impl ToString) {
        self.push(Out::new(name).text(text));
    }

    /// Appends `<name>text</name>` when there is a text.
    pub fn text_child_opt<T: ToString>(&mut self, name: &str, text: Option<T>) {
        if let Some(t) = text {
            self.text_child(name, t);
        }
    }

    /// Sets the element's text content (builder style).
    pub fn text(mut self, t: impl ToString) -> Out {
        self.body.push(Body::Text(t.to_string()));
        self
    }

    /// Appends pre-rendered XML lines, which are re-indented to this element's depth.
    pub fn raw(&mut self, xml: impl Into<String>) {
        self.body.push(Body::Raw(xml.into()));
    }

    /// True when the element has neither attributes nor content.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.body.is_empty()
    }

    /// True when the element has content (children or text).
    pub fn has_body(&self) -> bool {
        !self.body.is_empty()
    }

    /// Renders the tree, ending with a newline, starting at `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let mut s = String::new();
        self.render_into(&mut s, indent);
        s
    }

    fn render_into(&self, s: &mut String, indent: usize) {
        push_indent(s, indent);
        s.push('<');
        s.push_str(&self.name);
        for (k, v) in &self.attrs {
            let _ = write!(s, " {k}='");
            escape_into(s, v);
            s.push('\'');
        }
        if self.body.is_empty() {
            if self.keep_open {
                s.push_str(">\n");
                push_indent(s, indent);
                let _ = writeln!(s, "</{}>", self.name);
            } else {
                s.push_str("/>\n");
            }
            return;
        }
        let text_only = self.body.iter().all(|b| matches!(b, Body::Text(_)));
        s.push('>');
        if text_only {
            for b in &self.body {
                if let Body::Text(t) = b {
                    escape_into(s, t);
                }
            }
        } else {
            s.push('\n');
            for b in &self.body {
                match b {
                    Body::Child(c) => c.render_into(s, indent + 2),
                    Body::Text(t) => {
                        push_indent(s, indent + 2);
                        escape_into(s, t);
                        s.push('\n');
                    }
                    Body::Raw(r) => {
                        for line in r.lines() {
                            push_indent(s, indent + 2);
                            s.push_str(line);
                            s.push('\n');
                        }
                    }
                }
            }
            push_indent(s, indent);
        }
        let _ = writeln!(s, "</{}>", self.name);
    }
}

fn push_indent(s: &mut String, n: usize) {
    for _ in 0..n {
        s.push(' ');
    }
}

/// Escapes text the way libvirt's buffer escaping does for both attributes and text.
pub fn escape_into(s: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '\'' => s.push_str("&apos;"),
            '"' => s.push_str("&quot;"),
            c => s.push(c),
        }
    }
}

/// `yes`/`no`, libvirt's spelling of a boolean attribute in most places.
pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `on`/`off`, the other spelling libvirt uses (features, some driver options).
pub fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_empty_text_and_nested() {
        let mut d = Out::new("domain").attr("type", "test");
        d.text_child("name", "a<b");
        d.push(Out::new("os"));
        assert_eq!(
            d.render(0),
            "<domain type='test'>\n  <name>a&lt;b</name>\n  <os/>\n</domain>\n"
        );
    }
}
