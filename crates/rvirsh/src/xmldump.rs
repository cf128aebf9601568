//! XML written the two ways virsh writes it for device commands: a node of a parsed
//! document dumped as libxml2 dumps it (double quotes, the document's own whitespace kept,
//! empty elements closed with `/>`), and fresh elements built the way libvirt's buffers
//! build them (single quotes, two-space indents, its escaping).

use rvirt_xml::tree::{Element, Node};

/// libxml2's `xmlNodeDump` of an element: no formatting added, none removed.
pub fn dump(el: &Element) -> String {
    let mut out = String::new();
    dump_into(el, &mut out);
    out
}

fn dump_into(el: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&el.name);
    // Namespace declarations come first, as libxml2 keeps them apart from attributes.
    let ns = el.attrs.iter().filter(|(k, _)| is_ns(k));
    for (k, v) in ns.chain(el.attrs.iter().filter(|(k, _)| !is_ns(k))) {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_attr(v, out);
        out.push('"');
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &el.children {
        match c {
            Node::Element(e) => dump_into(e, out),
            Node::Text(t) => escape_text(t, out),
            Node::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
        }
    }
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
}

fn is_ns(k: &str) -> bool {
    k == "xmlns" || k.starts_with("xmlns:")
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

/// libvirt's `virBufferEscapeString`: markup characters and both quotes as entities,
/// other control characters than tab, newline and carriage return dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An element built in a buffer: attributes as ` name='value'` text, children as lines.
/// Written `<name attrs/>` when it has neither children nor text, as
/// `virXMLFormatElement` does, and left out entirely when it has nothing at all and
/// `skip_empty` is set.
pub struct Built {
    pub name: &'static str,
    pub attrs: String,
    pub children: Vec<String>,
}

impl Built {
    pub fn new(name: &'static str) -> Built {
        Built {
            name,
            attrs: String::new(),
            children: Vec::new(),
        }
    }

    /// ` key='value'` for a value that is there.
    pub fn attr(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.attrs.push_str(&format!(" {key}='{}'", escape(v)));
        }
    }

    /// An attribute written as given (no escaping).
    pub fn raw_attr(&mut self, text: &str) {
        self.attrs.push_str(text);
    }

    /// A child element's text (already formatted, possibly several lines).
    pub fn child(&mut self, text: String) {
        self.children.push(text);
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.children.is_empty()
    }

    /// The element, children indented by two spaces, each line ending in a newline.
    pub fn format(&self) -> String {
        if self.children.is_empty() {
            return format!("<{}{}/>\n", self.name, self.attrs);
        }
        let mut out = format!("<{}{}>\n", self.name, self.attrs);
        for c in &self.children {
            for line in c.lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push_str(&format!("</{}>\n", self.name));
        out
    }

    /// [`Built::format`], or nothing when the element would be empty.
    pub fn format_nonempty(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.format())
    }
}
