//! Scaffolding for a device family whose typed model is not written yet: keeps the element
//! and prints it back. Each family replaces this with its own struct.

use crate::domain::ctx::{FormatCtx, ParseCtx};
use crate::tree::{Element, Node};
use crate::writer::Out;
use rvirt_core::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opaque(pub Element);

impl Opaque {
    pub fn parse(el: &Element, _ctx: &ParseCtx) -> Result<Opaque> {
        Ok(Opaque(el.clone()))
    }

    pub fn format(&self, _ctx: &FormatCtx) -> Out {
        to_out(&self.0)
    }
}

fn to_out(el: &Element) -> Out {
    let mut o = Out::new(el.name.clone());
    for (k, v) in &el.attrs {
        o.set(k, v);
    }
    let has_elements = el.elements().next().is_some();
    for n in &el.children {
        match n {
            Node::Element(c) => o.push(to_out(c)),
            Node::Text(t) if !has_elements => o = o.text(t),
            _ => {}
        }
    }
    o
}
