//! `<lease>`: a lock-manager lease the domain must hold while running.

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::error::xml_error;
use crate::tree::Element;
use crate::writer::Out;
use rvirt_core::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub lockspace: Option<String>,
    pub key: String,
    pub path: String,
    /// Byte offset of the lease in `path`; 0 is the default and is not printed.
    pub offset: u64,
}

impl Lease {
    pub fn parse(el: &Element, _ctx: &ParseCtx) -> Result<Lease> {
        let lockspace = el.child_text("lockspace");
        let key = el
            .child_text("key")
            .ok_or_else(|| xml_error("Missing 'key' element for lease"))?;
        let target = el
            .child("target")
            .ok_or_else(|| xml_error("Missing 'target' element for lease"))?;
        let path = target
            .attr("path")
            .ok_or_else(|| xml_error("Missing 'path' attribute to 'target' element for lease"))?
            .to_string();
        let offset = match target.attr("offset") {
            None => 0,
            Some(o) => o
                .trim_start()
                .parse::<u64>()
                .map_err(|_| xml_error(format!("Malformed lease target offset {o}")))?,
        };
        Ok(Lease {
            lockspace,
            key,
            path,
            offset,
        })
    }

    pub fn format(&self, _ctx: &FormatCtx) -> Out {
        let mut o = Out::new("lease");
        o.text_child_opt("lockspace", self.lockspace.as_ref());
        o.text_child("key", &self.key);
        o.push(
            Out::new("target")
                .attr("path", &self.path)
                .attr_opt("offset", Some(self.offset).filter(|o| *o != 0)),
        );
        o
    }

    /// Leases have no defaults.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Lease> {
        let el = parse_document(xml, "d").map_err(rvirt_core::Error::from)?;
        Lease::parse(&el, &ParseCtx { inactive: true })
    }

    #[test]
    fn round_trip_and_errors() {
        let l = parse("<lease><key>k</key><target path='/p' offset='0'/></lease>").expect("ok");
        assert_eq!(
            l.format(&FormatCtx::default()).render(0),
            "<lease>\n  <key>k</key>\n  <target path='/p'/>\n</lease>\n"
        );
        let err = |x: &str| parse(x).err().map(|e| e.message).unwrap_or_default();
        assert_eq!(
            err("<lease><target path='/p'/></lease>"),
            "XML error: Missing 'key' element for lease"
        );
        assert_eq!(
            err("<lease><key>k</key></lease>"),
            "XML error: Missing 'target' element for lease"
        );
        assert_eq!(
            err("<lease><key>k</key><target/></lease>"),
            "XML error: Missing 'path' attribute to 'target' element for lease"
        );
        assert_eq!(
            err("<lease><key>k</key><target path='/p' offset='x'/></lease>"),
            "XML error: Malformed lease target offset x"
        );
    }
}
