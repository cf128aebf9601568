//! A small element tree: the one place raw XML text is read.
//!
//! quick-xml tokenizes; this module checks well-formedness, resolves namespace prefixes,
//! records each element's line and column for error messages, and bounds nesting depth so
//! hostile input cannot exhaust the stack later. The typed models read from this tree once
//! and never look at text again.

use crate::error::XmlError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deepest element nesting accepted, as libxml2's default.
pub const MAX_DEPTH: usize = 256;

/// One XML element with its attributes (decoded, in document order) and children.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    /// The qualified name as written (`qemu:commandline`).
    pub name: String,
    /// The namespace URI the name's prefix (or the default namespace) resolves to.
    pub ns: Option<String>,
    /// Attributes in document order, `xmlns` declarations included.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    pub line: u32,
    pub col: u32,
}

/// Content of an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
    Comment(String),
}

impl Element {
    pub fn new(name: impl Into<String>) -> Element {
        Element {
            name: name.into(),
            ..Default::default()
        }
    }

    /// The name without its namespace prefix.
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// The prefix of the name, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.name.split_once(':').map(|(p, _)| p)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements with this (qualified) name and no namespace of their own, which is how
    /// libvirt's own elements appear.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// All text directly inside this element, concatenated.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// The text of child `name`, if the child exists.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(Element::text)
    }

    /// `line:column` of the element's start tag.
    pub fn position(&self) -> String {
        format!("{}:{}", self.line, self.col)
    }
}

/// Parses a whole document and returns its root element. `what` names the document in error
/// messages the way libvirt does (`domain_definition`, `network_definition`, ...).
pub fn parse_document(text: &str, what: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut ns_scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut root: Option<Element> = None;
    // Entities declared in an internal DTD subset; external ones are never loaded and
    // expand to nothing, as libvirt's parser (no network, no external entities) does.
    let mut entities: Vec<(String, String)> = Vec::new();
    let mut cursor = LineCursor::default();
    loop {
        let pos_before = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| {
            let open = stack.last().map(|o| (o.name.as_str(), o.line));
            let (at, msg) = locate(&e, text, reader.error_position() as usize, open);
            malformed(text, what, at, &msg)
        })?;
        match ev {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(malformed(
                    text,
                    what,
                    pos_before,
                    "Extra content at the end of the document",
                ));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(
                        text,
                        what,
                        pos_before,
                        &format!(
                            "Excessive depth in document: more than {MAX_DEPTH} nested elements"
                        ),
                    ));
                }
                let el =
                    start_element(&start, text, what, pos_before, &mut ns_scopes, &mut cursor)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el =
                    start_element(&start, text, what, pos_before, &mut ns_scopes, &mut cursor)?;
                ns_scopes.pop();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                ns_scopes.pop();
                let Some(el) = stack.pop() else {
                    return Err(malformed(text, what, pos_before, "unexpected end tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t
                    .unescape_with(|name| {
                        quick_xml::escape::resolve_predefined_entity(name).or_else(|| {
                            entities
                                .iter()
                                .find(|(n, _)| n == name)
                                .map(|(_, v)| v.as_str())
                        })
                    })
                    .map_err(|e| {
                        let at = match &e {
                            // libxml2 points just past the `;` of an unknown entity.
                            quick_xml::Error::Escape(
                                quick_xml::escape::EscapeError::UnrecognizedEntity(r, _),
                            ) => pos_before + (r.end + 1).min(t.len()),
                            quick_xml::Error::Escape(
                                quick_xml::escape::EscapeError::UnterminatedEntity(r),
                            ) => pos_before + r.end.min(t.len()),
                            _ => pos_before,
                        };
                        malformed(text, what, at, &describe(&e, None))
                    })?;
                match stack.last_mut() {
                    Some(parent) => push_text(parent, &s),
                    None if s.trim().is_empty() => {}
                    None => {
                        let msg = if root.is_some() {
                            "Extra content at the end of the document"
                        } else {
                            "Start tag expected, '<' not found"
                        };
                        return Err(malformed(text, what, pos_before, msg));
                    }
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &s);
                }
            }
            Event::Comment(c) => {
                if let Some(parent) = stack.last_mut() {
                    let s = String::from_utf8_lossy(&c.into_inner()).into_owned();
                    parent.children.push(Node::Comment(s));
                }
            }
            Event::DocType(d) => {
                entities = dtd_entities(&String::from_utf8_lossy(&d.into_inner()));
            }
            Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            text,
            what,
            text.len(),
            &format!(
                "Premature end of data in tag {} line {}",
                open.name, open.line
            ),
        ));
    }
    root.ok_or_else(|| malformed(text, what, text.len(), "Document is empty"))
}

/// `<!ENTITY name "value">` declarations of an internal DTD subset. `SYSTEM`/`PUBLIC`
/// entities map to the empty string: they are declared but never fetched.
fn dtd_entities(dtd: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = dtd;
    while let Some(i) = rest.find("<!ENTITY") {
        rest = &rest[i + "<!ENTITY".len()..];
        let decl_end = rest.find('>').unwrap_or(rest.len());
        let decl = &rest[..decl_end];
        let mut words = decl.split_whitespace();
        let Some(name) = words.next() else { continue };
        if name == "%" {
            continue;
        }
        let after_name = decl.trim_start()[name.len()..].trim_start();
        let value = if after_name.starts_with("SYSTEM") || after_name.starts_with("PUBLIC") {
            String::new()
        } else {
            let mut chars = after_name.chars();
            match chars.next() {
                Some(q @ ('"' | '\'')) => chars.as_str().split(q).next().unwrap_or("").to_string(),
                _ => String::new(),
            }
        };
        out.push((name.to_string(), value));
        rest = &rest[decl_end..];
    }
    out
}

fn push_text(parent: &mut Element, s: &str) {
    if let Some(Node::Text(prev)) = parent.children.last_mut() {
        prev.push_str(s);
    } else {
        parent.children.push(Node::Text(s.to_string()));
    }
}

fn start_element(
    start: &BytesStart<'_>,
    text: &str,
    what: &str,
    pos: usize,
    ns_scopes: &mut Vec<Vec<(String, String)>>,
    cursor: &mut LineCursor,
) -> Result<Element, XmlError> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|_| malformed(text, what, pos, "element name is not UTF-8"))?
        .to_string();
    let (line, col) = cursor.at(text, pos);
    let mut el = Element {
        name,
        line,
        col,
        ..Default::default()
    };
    let mut scope = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| malformed(text, what, pos, &format!("Malformed attribute: {e}")))?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| malformed(text, what, pos, "attribute name is not UTF-8"))?
            .to_string();
        let value = a
            .unescape_value()
            .map_err(|e| malformed(text, what, pos, &describe(&e, None)))?
            .into_owned();
        if el.attrs.iter().any(|(k, _)| *k == key) {
            return Err(malformed(
                text,
                what,
                pos,
                &format!("Attribute {key} redefined"),
            ));
        }
        if key == "xmlns" {
            scope.push((String::new(), value.clone()));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            scope.push((p.to_string(), value.clone()));
        }
        el.attrs.push((key, value));
    }
    ns_scopes.push(scope);
    let prefix = el.prefix().unwrap_or("").to_string();
    el.ns = ns_scopes
        .iter()
        .rev()
        .flat_map(|s| s.iter().rev())
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| uri.clone())
        .filter(|u| !u.is_empty());
    if !prefix.is_empty() && el.ns.is_none() {
        return Err(malformed(
            text,
            what,
            pos,
            &format!(
                "Namespace prefix {prefix} on {} is not defined",
                el.local_name()
            ),
        ));
    }
    Ok(el)
}

/// A libxml2-like description of a tokenizer error, so messages read as users of libvirt
/// expect. `open` is the innermost open element and its line.
fn describe(e: &quick_xml::Error, open: Option<(&str, u32)>) -> String {
    use quick_xml::errors::{IllFormedError as I, SyntaxError as S};
    use quick_xml::escape::EscapeError as X;
    match e {
        quick_xml::Error::IllFormed(I::MismatchedEndTag { expected, found }) => {
            let line = open.map_or(0, |(_, l)| l);
            format!("Opening and ending tag mismatch: {expected} line {line} and {found}")
        }
        quick_xml::Error::IllFormed(I::UnmatchedEndTag(n)) => {
            format!("Unexpected end tag : {n}")
        }
        quick_xml::Error::IllFormed(I::MissingEndTag(n)) => {
            format!("Premature end of data in tag {n}")
        }
        quick_xml::Error::IllFormed(I::DoubleHyphenInComment) => {
            "Double hyphen within comment".to_string()
        }
        quick_xml::Error::Syntax(S::UnclosedTag) => {
            "Couldn't find end of Start Tag (unterminated tag or attribute value)".to_string()
        }
        quick_xml::Error::Syntax(S::UnclosedComment) => "Comment not terminated".to_string(),
        quick_xml::Error::Syntax(S::UnclosedCData) => "CData section not finished".to_string(),
        quick_xml::Error::Syntax(other) => format!("{other}"),
        quick_xml::Error::Escape(X::UnrecognizedEntity(_, name)) => {
            format!("Entity '{name}' not defined")
        }
        quick_xml::Error::Escape(X::UnterminatedEntity(_)) => {
            "EntityRef: expecting ';'".to_string()
        }
        quick_xml::Error::Escape(X::InvalidCharRef(c)) => {
            format!("invalid character reference: {c}")
        }
        other => other.to_string(),
    }
}

/// Line and column of increasing offsets, counted incrementally so that positioning every
/// element of a document stays linear in its size.
#[derive(Default)]
struct LineCursor {
    pos: usize,
    line: u32,
    line_start: usize,
}

impl LineCursor {
    fn at(&mut self, text: &str, pos: usize) -> (u32, u32) {
        let pos = pos.min(text.len());
        if pos < self.pos || self.line == 0 {
            self.pos = 0;
            self.line = 1;
            self.line_start = 0;
        }
        let bytes = text.as_bytes();
        for (i, b) in bytes[self.pos..pos].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = pos;
        let col = String::from_utf8_lossy(&bytes[self.line_start..pos])
            .chars()
            .count()
            + 1;
        (self.line, col as u32)
    }
}

/// 1-based line and column of byte offset `pos`.
pub fn line_col(text: &str, pos: usize) -> (u32, u32) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line as u32, col as u32)
}

/// Where libxml2 would report a tokenizer error, and its wording: after the `>` of a
/// mismatched end tag, at the `<` inside an unterminated attribute value.
fn locate(
    e: &quick_xml::Error,
    text: &str,
    at: usize,
    open: Option<(&str, u32)>,
) -> (usize, String) {
    use quick_xml::errors::{IllFormedError as I, SyntaxError as S};
    let bytes = text.as_bytes();
    match e {
        quick_xml::Error::IllFormed(I::MismatchedEndTag { .. }) => {
            let end = bytes[at.min(bytes.len())..].iter().position(|&b| b == b'>');
            (end.map_or(text.len(), |i| at + i + 1), describe(e, open))
        }
        quick_xml::Error::Syntax(S::UnclosedTag) => {
            let mut quote: Option<u8> = None;
            for (i, &b) in bytes.iter().enumerate().skip(at + 1) {
                match (quote, b) {
                    (None, b'"' | b'\'') => quote = Some(b),
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), b'<') => {
                        return (
                            i,
                            "Unescaped '<' not allowed in attributes values".to_string(),
                        )
                    }
                    _ => {}
                }
            }
            if quote.is_none() {
                // The tag just never closes: libxml2 names it and the line it began on.
                // `at` may sit on a multi-byte character (a byte order mark, say): the
                // name starts at the next character boundary.
                let from = (at + 1..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(text.len());
                let name: String = text[from..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '/' | '>'))
                    .collect();
                let (line, _) = line_col(text, at);
                return (
                    text.len(),
                    format!("Couldn't find end of Start Tag {name} line {line}"),
                );
            }
            (text.len(), describe(e, open))
        }
        _ => (at, describe(e, open)),
    }
}

/// libvirt's report of a document that is not well-formed: `(what):LINE: message`, then
/// the line and a caret under the column (`(null)` past the end of the text). The line and
/// column are also kept as numbers.
fn malformed(text: &str, what: &str, pos: usize, msg: &str) -> XmlError {
    let (line, col) = line_col(text, pos);
    let line_text = text.split('\n').nth(line as usize - 1).unwrap_or("");
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let (shown, caret) = if line_text.is_empty() && pos >= text.len() {
        ("(null)".to_string(), "^".to_string())
    } else {
        let shown: String = line_text.chars().take(200).collect();
        (
            shown,
            format!("{}^", "-".repeat((col as usize).saturating_sub(1).min(200))),
        )
    };
    XmlError::Malformed {
        message: format!("({what}):{line}: {msg}\n{shown}\n{caret}"),
        line,
        col,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reports_line_and_column_of_mismatch() {
        let err = parse_document("<a>\n  <b></c>\n</a>", "domain_definition").expect_err("bad");
        let XmlError::Malformed { line, .. } = err;
        assert_eq!(line, 2);
    }

    #[test]
    fn parse_resolves_namespaces() {
        let root = parse_document(
            "<domain xmlns:q='urn:q'><q:x/><y xmlns='urn:d'/></domain>",
            "d",
        )
        .expect("ok");
        let kids: Vec<_> = root.elements().collect();
        assert_eq!(kids[0].ns.as_deref(), Some("urn:q"));
        assert_eq!(kids[1].ns.as_deref(), Some("urn:d"));
        assert_eq!(root.ns, None);
    }

    #[test]
    fn parse_rejects_deep_nesting_without_recursion() {
        let depth = 100_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse_document(&doc, "d").is_err());
    }

    #[test]
    fn parse_survives_truncated_entity_declarations() {
        for dtd in [
            "<!ENTITY x>",
            "<!ENTITY x '",
            "<!ENTITY",
            "<!ENTITY % p 'v'>",
            "<!ENTITY é \"\">",
        ] {
            let doc = format!("<!DOCTYPE d [{dtd}]><d/>");
            let _ = parse_document(&doc, "d");
        }
        let ok = parse_document("<!DOCTYPE d [<!ENTITY e 'v'>]><d>&e;</d>", "d").expect("entity");
        assert_eq!(ok.text(), "v");
    }

    #[test]
    fn parse_rejects_empty_and_trailing_garbage() {
        assert!(parse_document("", "d").is_err());
        assert!(parse_document("<a/><b/>", "d").is_err());
        assert!(parse_document("<a/>junk", "d").is_err());
        assert!(parse_document("<a>", "d").is_err());
        assert!(parse_document("<a x='1' x='2'/>", "d").is_err());
        assert!(parse_document("<a>&bogus;</a>", "d").is_err());
        assert!(parse_document("<p:a/>", "d").is_err());
    }
}
