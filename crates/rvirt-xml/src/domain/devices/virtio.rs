//! The virtio transport options (`virDomainVirtioOptions`) that every device family with
//! virtio models accepts on its `<driver>` element: `iommu`, `ats`, `packed` and
//! `page_per_vq`. libvirt prints them after the family's own driver attributes, and refuses
//! them on models that are not virtio.

use crate::error::unsupported;
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::{on_off, Out};
use rvirt_core::Result;

/// The virtio transport options of one device; all unset by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VirtioOptions {
    pub iommu: Option<bool>,
    pub ats: Option<bool>,
    pub packed: Option<bool>,
    pub page_per_vq: Option<bool>,
}

impl VirtioOptions {
    /// Reads the options from a `<driver>` element.
    pub fn parse(driver: &Element) -> Result<VirtioOptions> {
        Ok(VirtioOptions {
            iommu: driver.on_off_attr("iommu")?,
            ats: driver.on_off_attr("ats")?,
            packed: driver.on_off_attr("packed")?,
            page_per_vq: driver.on_off_attr("page_per_vq")?,
        })
    }

    /// Reads the options from `el`'s `<driver>` child; all unset without one.
    pub fn parse_child(el: &Element) -> Result<VirtioOptions> {
        el.child("driver")
            .map(VirtioOptions::parse)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub fn is_empty(&self) -> bool {
        *self == VirtioOptions::default()
    }

    /// libvirt refuses virtio transport options on a device model that is not virtio
    /// (`virDomainCheckVirtioOptionsAreAbsent`, whose `page_per_vq` message lacks the word
    /// "driver").
    pub fn check_absent(&self) -> Result<()> {
        for (v, msg) in [
            (
                self.iommu,
                "iommu driver option is only supported for virtio devices",
            ),
            (
                self.ats,
                "ats driver option is only supported for virtio devices",
            ),
            (
                self.packed,
                "packed driver option is only supported for virtio devices",
            ),
            (
                self.page_per_vq,
                "page_per_vq option is only supported for virtio devices",
            ),
        ] {
            if v.is_some() {
                return Err(unsupported(msg));
            }
        }
        Ok(())
    }

    /// Appends the set options to a `<driver>` being built.
    pub fn write_attrs(&self, out: &mut Out) {
        out.set_opt("iommu", self.iommu.map(on_off));
        out.set_opt("ats", self.ats.map(on_off));
        out.set_opt("packed", self.packed.map(on_off));
        out.set_opt("page_per_vq", self.page_per_vq.map(on_off));
    }

    /// Appends `<driver .../>` holding only these options, when any is set (libvirt drops
    /// an empty one).
    pub fn push_driver(&self, out: &mut Out) {
        let mut d = Out::new("driver");
        self.write_attrs(&mut d);
        out.push_nonempty(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    #[test]
    fn options_round_trip_and_absence_messages() {
        let el = parse_document("<d><driver page_per_vq='on' iommu='off'/></d>", "t").expect("xml");
        let v = VirtioOptions::parse_child(&el).expect("ok");
        let mut o = Out::new("x");
        v.push_driver(&mut o);
        assert_eq!(
            o.render(0),
            "<x>\n  <driver iommu='off' page_per_vq='on'/>\n</x>\n"
        );
        assert_eq!(
            v.check_absent().expect_err("iommu").message,
            "unsupported configuration: iommu driver option is only supported for virtio devices"
        );
        let only_ppvq = VirtioOptions {
            page_per_vq: Some(true),
            ..Default::default()
        };
        assert_eq!(
            only_ppvq.check_absent().expect_err("ppvq").message,
            "unsupported configuration: page_per_vq option is only supported for virtio devices"
        );
        assert!(
            VirtioOptions::parse_child(&parse_document("<d/>", "t").expect("xml"))
                .expect("ok")
                .is_empty()
        );
    }
}
