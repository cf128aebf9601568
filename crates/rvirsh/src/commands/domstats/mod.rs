//! Statistics of a domain's disks, interfaces and CPUs, the lists of its disks and
//! interfaces, and `domstats` for many domains, printed as virsh 9.0 prints them.

mod block;
mod bulk;
mod cpu;
mod lists;

pub(crate) use block::{cmd_domblkinfo, cmd_domblkstat, cmd_domifstat};
pub(crate) use bulk::cmd_domstats;
pub(crate) use cpu::cmd_cpu_stats;
pub(crate) use lists::{cmd_domblklist, cmd_domiflist};

use crate::ctl::Ctl;
use rvirt::Domain;
use rvirt_xml::tree::Element;

/// The domain's XML as a tree, or `None` with the error saved.
fn domain_tree(ctl: &mut Ctl, dom: &Domain, flags: u32) -> Option<Element> {
    let xml = ctl.check(dom.xml_desc(flags))?;
    match rvirt_xml::tree::parse_document(&xml, "(domain_definition)") {
        Ok(t) => Some(t),
        Err(e) => {
            ctl.set_error(rvirt::Error::from(e));
            None
        }
    }
}

/// `./devices/NAME` of a domain document.
fn devices<'a>(root: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    root.children_named("devices")
        .flat_map(move |d| d.children_named(name))
}

/// XPath's `string(./CHILD/@a|./CHILD/@b|...)`: the first of those attributes in document
/// order, `None` when there is none or it is empty (libvirt's `virXPathString`).
fn first_attr(el: &Element, child: &str, names: &[&str]) -> Option<String> {
    el.children_named(child)
        .flat_map(|c| c.attrs.iter())
        .find(|(k, _)| names.contains(&k.as_str()))
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}
