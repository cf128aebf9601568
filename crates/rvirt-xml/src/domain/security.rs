//! Domain-level security labels (`<seclabel>`).

use crate::error::xml_error;
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum SeclabelType { None = "none", Dynamic = "dynamic", Static = "static" }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seclabel {
    pub kind: SeclabelType,
    pub model: Option<String>,
    pub relabel: bool,
    pub label: Option<String>,
    pub imagelabel: Option<String>,
    pub baselabel: Option<String>,
}

impl Seclabel {
    /// Parses a domain `<seclabel>`. With `inactive`, labels that only a running domain has
    /// (a dynamic label, the image label) are dropped, as libvirt drops them on define.
    pub fn parse(el: &Element, inactive: bool) -> Result<Seclabel> {
        let kind = match el.attr("type") {
            None => SeclabelType::Dynamic,
            Some(t) => SeclabelType::from_xml(t)
                .ok_or_else(|| xml_error(format!("invalid security type '{t}'")))?,
        };
        let relabel = match el.yes_no_attr("relabel")? {
            Some(r) => r,
            None => kind != SeclabelType::Static && kind != SeclabelType::None,
        };
        if kind == SeclabelType::Dynamic && !relabel {
            return Err(xml_error("dynamic label type must use resource relabeling"));
        }
        if kind == SeclabelType::None && relabel {
            return Err(xml_error(
                "resource relabeling is not compatible with 'none' label type",
            ));
        }
        let text = |n: &str| el.child_text(n).filter(|t| !t.is_empty());
        let label = if kind == SeclabelType::Static || (!inactive && kind != SeclabelType::None) {
            text("label")
        } else {
            None
        };
        if kind == SeclabelType::Static && label.is_none() {
            return Err(xml_error("security label is missing"));
        }
        let imagelabel = if relabel && !inactive && kind != SeclabelType::None {
            text("imagelabel")
        } else {
            None
        };
        let baselabel = if kind == SeclabelType::Dynamic {
            text("baselabel")
        } else {
            None
        };
        Ok(Seclabel {
            kind,
            model: el.string_attr("model"),
            relabel,
            label,
            imagelabel,
            baselabel,
        })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("seclabel")
            .attr("type", self.kind)
            .attr_opt("model", self.model.as_ref());
        if self.kind == SeclabelType::None {
            return o;
        }
        o.set("relabel", yes_no(self.relabel));
        o.text_child_opt("label", self.label.as_ref());
        if self.relabel {
            o.text_child_opt("imagelabel", self.imagelabel.as_ref());
        }
        o.text_child_opt("baselabel", self.baselabel.as_ref());
        o
    }
}
