//! `--xpath` for the XML dump commands: evaluate an XPath 1.0 expression over the XML a
//! command would print and print each selected node on its own, formatted the way libxml2
//! serializes nodes (double-quoted attributes, two-space indentation), optionally wrapped in
//! a `<nodes>` element.
//!
//! Only node-set results can be printed; an expression that yields a string, number or
//! boolean is "incorrect". A syntax error is reported on stderr in libxml2's words and the
//! command still succeeds with no output, as virsh does.

mod doc;
mod eval;
mod lexer;
mod parser;

use doc::{Doc, Id};
use eval::{Ctx, EvalError, Val};
use parser::compile;

/// What `--xpath` produced.
#[derive(Debug, PartialEq, Eq)]
pub enum XPathOutput {
    /// Text for stdout (each node followed by a newline).
    Nodes(String),
    /// A libxml2 diagnostic for stderr; the command still succeeds with no output.
    Diagnostic(String),
    /// The expression does not select nodes: virsh's `Incorrect xpath '...'`.
    NotNodeSet,
}

/// `root` as libxml2 serializes an element node (double-quoted attributes, two-space
/// indentation, no XML declaration and no final newline).
pub fn serialize_element(root: &rvirt_xml::tree::Element) -> String {
    let doc = Doc::from_root(root);
    let mut out = String::new();
    doc.dump(doc.root_element(), 0, &mut out);
    out
}

/// Evaluates `expr` over `xml` and formats the result as virsh prints it.
pub fn select(xml: &str, expr: &str, wrap: bool) -> Result<XPathOutput, rvirt::Error> {
    let root = rvirt_xml::tree::parse_document(xml, "(null)").map_err(rvirt::Error::from)?;
    let doc = Doc::from_root(&root);
    let ast = match compile(expr) {
        Ok(a) => a,
        Err(e) => {
            let mut d = format!("XPath error : {}\n", e.message);
            if e.pos < expr.len() && e.pos < 100 {
                d.push_str(&format!("{expr}\n{}^\n", " ".repeat(e.pos)));
            }
            return Ok(XPathOutput::Diagnostic(d));
        }
    };
    let ctx = Ctx {
        node: doc.root_element(),
        pos: 1,
        size: 1,
    };
    let nodes = match doc.eval(&ast, &ctx) {
        Ok(Val::Nodes(n)) => n,
        Ok(_) => return Ok(XPathOutput::NotNodeSet),
        Err(EvalError(m)) => {
            let d = if m.starts_with("xmlXPathCompOpEval") {
                format!("{m}\n")
            } else {
                format!("XPath error : {m}\n")
            };
            return Ok(XPathOutput::Diagnostic(d));
        }
    };
    let mut out = String::new();
    if wrap {
        // Adding an attribute replaces one of the same name, which moves to the end.
        let mut attrs: Vec<Id> = Vec::new();
        for &n in nodes.iter().filter(|&&n| doc.is_attr(n)) {
            attrs.retain(|&a| doc.name_of(a) != doc.name_of(n));
            attrs.push(n);
        }
        let kids: Vec<Id> = nodes.iter().copied().filter(|&n| !doc.is_attr(n)).collect();
        doc.dump_element("nodes", &attrs, &kids, 0, &mut out);
        out.push('\n');
    } else {
        for n in nodes {
            doc.dump(n, 0, &mut out);
            out.push('\n');
        }
    }
    Ok(XPathOutput::Nodes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<domain type='test' id='1'>\n  <name>test</name>\n  <devices>\n    <disk type='file'>\n      <address bus='0x01'/>\n    </disk>\n    <interface type='network'>\n      <mac address='aa:bb'/>\n      <address bus='0x00'/>\n    </interface>\n  </devices>\n</domain>\n";

    fn nodes(expr: &str, wrap: bool) -> String {
        match select(XML, expr, wrap) {
            Ok(XPathOutput::Nodes(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selections() {
        assert_eq!(nodes("//name", false), "<name>test</name>\n");
        assert_eq!(nodes("name", false), "<name>test</name>\n");
        assert_eq!(nodes("//mac/@address", false), " address=\"aa:bb\"\n");
        assert_eq!(
            nodes("//devices/*/address", false),
            "<address bus=\"0x01\"/>\n<address bus=\"0x00\"/>\n"
        );
        assert_eq!(nodes("//nosuch", false), "");
        assert_eq!(nodes("//nosuch", true), "<nodes/>\n");
        assert_eq!(
            nodes("//mac/@address", true),
            "<nodes address=\"aa:bb\"/>\n"
        );
        assert_eq!(
            nodes("//disk", false),
            "<disk type=\"file\">\n  <address bus=\"0x01\"/>\n</disk>\n"
        );
        assert_eq!(
            nodes("//address", true),
            "<nodes>\n  <address bus=\"0x01\"/>\n  <address bus=\"0x00\"/>\n</nodes>\n"
        );
        assert_eq!(
            nodes("//interface[@type='network']/mac", false),
            "<mac address=\"aa:bb\"/>\n"
        );
        assert_eq!(
            nodes("//disk[1]/address | //name", false),
            "<name>test</name>\n<address bus=\"0x01\"/>\n"
        );
        assert_eq!(nodes("//name/text()", false), "test\n");
    }

    #[test]
    fn non_node_results() {
        assert_eq!(
            select(XML, "count(//x)", false).ok(),
            Some(XPathOutput::NotNodeSet)
        );
        assert_eq!(
            select(XML, "string(//name)", false).ok(),
            Some(XPathOutput::NotNodeSet)
        );
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(
            select(XML, "//[", false).ok(),
            Some(XPathOutput::Diagnostic(
                "XPath error : Invalid expression\n//[\n  ^\n".into()
            ))
        );
        assert_eq!(
            select(XML, "//a[", false).ok(),
            Some(XPathOutput::Diagnostic(
                "XPath error : Invalid expression\n".into()
            ))
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(expr in "[a-z/@\\[\\]()*.:|=' 0-9-]{0,20}") {
            let _ = select(XML, &expr, true);
        }

        #[test]
        fn never_panics_on_any_text(expr in ".{0,30}") {
            let _ = select(XML, &expr, false);
        }
    }
}
