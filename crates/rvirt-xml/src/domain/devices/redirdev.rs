//! `<redirdev>` (a USB device redirected from a client over SPICE or a socket) and
//! `<redirfilter>` (which client USB devices may be redirected).
//!
//! A redirdev's source is a general chardev source ([`ChrSource`]) named by the redirdev's
//! `type=`, read and checked as libvirt reads it for serial ports, but without the
//! per-source `<seclabel>` overrides, which libvirt reads for character devices proper only.

use super::chr_source::{ChrSource, ChrSourceData, ChrType};
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::num;
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum RedirdevBus {
        Usb = "usb",
    }
}

/// The channel libvirt names for a D-Bus redirdev that does not name one.
const DBUS_USBREDIR_CHANNEL: &str = "org.qemu.usbredir";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirdev {
    pub bus: RedirdevBus,
    pub source: ChrSource,
    pub info: DeviceInfo,
}

impl Redirdev {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Redirdev> {
        let bus = match el.attr("bus") {
            None => RedirdevBus::Usb,
            Some(b) => RedirdevBus::from_xml(b)
                .ok_or_else(|| unsupported(format!("unknown redirdev bus '{b}'")))?,
        };
        let ty = match el.attr("type") {
            None => return Err(internal("missing type in redirdev")),
            Some(t) => ChrType::from_xml(t).ok_or_else(|| {
                unsupported(format!("unknown redirdev character device type '{t}'"))
            })?,
        };
        let mut source = ChrSource::parse(ty, el, ctx, false)?;
        // libvirt's redirdev parser, not the chardev one, supplies the usbredir channel.
        if let ChrSourceData::Dbus { channel } = &mut source.data {
            channel.get_or_insert_with(|| DBUS_USBREDIR_CHANNEL.to_string());
        }
        let info = DeviceInfo::parse(
            el,
            ctx,
            InfoAllow {
                boot: true,
                rom: false,
            },
        )?;
        Ok(Redirdev { bus, source, info })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("redirdev")
            .attr("bus", self.bus)
            .attr("type", self.source.chr_type());
        self.source.format_into(&mut o, ctx);
        self.info.format_into(&mut o, ctx);
        o.keep_open()
    }

    /// Redirected devices have no defaults of their own.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// The chardev source checks libvirt makes for any character device
    /// (`virDomainChrSourceDefValidate`); a redirdev's unix socket always needs a path.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        self.source.validate(false)
    }
}

/// One `<usbdev>` rule; `None` fields match any value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsbdevRule {
    pub class: Option<u8>,
    pub vendor: Option<u32>,
    pub product: Option<u32>,
    /// (major, minor) as written, e.g. 2.56 is (2, 56).
    pub version: Option<(u8, u8)>,
    pub allow: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RedirFilter {
    pub rules: Vec<UsbdevRule>,
}

fn parse_version(v: &str) -> Option<(u8, u8)> {
    let (maj, min) = v.trim_start().split_once('.')?;
    let major: u8 = maj.parse().ok().filter(|m| *m < 100)?;
    if min.is_empty() || min.len() > 2 || !min.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut minor: u8 = min.parse().ok()?;
    if min.len() == 1 {
        minor *= 10;
    }
    Some((major, minor))
}

impl UsbdevRule {
    fn parse(el: &Element) -> Result<UsbdevRule> {
        let class = match num::int_attr(el, "class", 0)? {
            None | Some(-1) => None,
            Some(c) => {
                // A negative class shows as its 32-bit two's complement, as libvirt prints it.
                let u = c as u32;
                if u & 0xFFFF_FF00 != 0 {
                    return Err(internal(format!("Invalid USB Class code 0x{u:x}")));
                }
                u8::try_from(u).ok()
            }
        };
        let id = |name: &str| -> Result<Option<u32>> {
            Ok(num::int_attr(el, name, 0)?.and_then(|n| u32::try_from(n).ok()))
        };
        let vendor = id("vendor")?;
        let product = id("product")?;
        let version = match el.attr("version") {
            None | Some("-1") => None,
            Some(v) => Some(
                parse_version(v)
                    .ok_or_else(|| xml_error(format!("Cannot parse USB device version {v}")))?,
            ),
        };
        let allow = el
            .yes_no_attr("allow")?
            .ok_or_else(|| xml_error("Missing required attribute 'allow' in element 'usbdev'"))?;
        Ok(UsbdevRule {
            class,
            vendor,
            product,
            version,
            allow,
        })
    }

    fn format(&self) -> Out {
        Out::new("usbdev")
            .attr_opt("class", self.class.map(|c| format!("0x{c:02X}")))
            .attr_opt("vendor", self.vendor.map(|v| format!("0x{v:04X}")))
            .attr_opt("product", self.product.map(|p| format!("0x{p:04X}")))
            .attr_opt(
                "version",
                self.version.map(|(ma, mi)| format!("{ma}.{mi:02}")),
            )
            .attr("allow", yes_no(self.allow))
    }
}

impl RedirFilter {
    pub fn parse(el: &Element, _ctx: &ParseCtx) -> Result<RedirFilter> {
        Ok(RedirFilter {
            rules: el
                .children_named("usbdev")
                .map(UsbdevRule::parse)
                .collect::<Result<_>>()?,
        })
    }

    /// An empty `<redirfilter>` prints nothing (the caller drops an empty element).
    pub fn format(&self, _ctx: &FormatCtx) -> Out {
        let mut o = Out::new("redirfilter");
        for r in &self.rules {
            o.push(r.format());
        }
        o
    }

    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;
    use rvirt_core::Error;

    fn el(xml: &str) -> Element {
        parse_document(xml, "d").expect("xml")
    }

    fn ctx() -> ParseCtx {
        ParseCtx { inactive: true }
    }

    fn fctx() -> FormatCtx {
        FormatCtx {
            inactive: true,
            ..Default::default()
        }
    }

    #[test]
    fn tcp_source_round_trip() {
        let d = Redirdev::parse(
            &el("<redirdev type='tcp'><source host='h' service='1' tls='yes'><reconnect enabled='yes' timeout='5'/></source></redirdev>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            d.format(&fctx()).render(0),
            "<redirdev bus='usb' type='tcp'>\n  <source mode='connect' host='h' service='1' tls='yes'>\n    <reconnect enabled='yes' timeout='5'/>\n  </source>\n  <protocol type='raw'/>\n</redirdev>\n"
        );
        let d = Redirdev::parse(&el("<redirdev type='spicevmc'/>"), &ctx()).expect("ok");
        assert_eq!(
            d.format(&fctx()).render(0),
            "<redirdev bus='usb' type='spicevmc'>\n</redirdev>\n"
        );
    }

    #[test]
    fn any_chardev_type_and_dbus_default_channel() {
        let d = Redirdev::parse(&el("<redirdev type='dbus'/>"), &ctx()).expect("ok");
        assert_eq!(
            d.format(&fctx()).render(0),
            "<redirdev bus='usb' type='dbus'>\n  <source channel='org.qemu.usbredir'/>\n</redirdev>\n"
        );
        // No per-source seclabels for a redirdev, and disabled reconnect keeps no timeout.
        let d = Redirdev::parse(
            &el("<redirdev type='unix'><source path='/s'><seclabel model='dac' relabel='no'/><reconnect enabled='no' timeout='3'/></source></redirdev>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            d.format(&fctx()).render(0),
            "<redirdev bus='usb' type='unix'>\n  <source mode='connect' path='/s'>\n    <reconnect enabled='no'/>\n  </source>\n</redirdev>\n"
        );
        let d = Redirdev::parse(
            &el("<redirdev type='nmdm'><source master='/a'/></redirdev>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            d.validate(&DomainEnv::default()).err().map(|e| e.message).as_deref(),
            Some("internal error: Should define both master and slave path attributes for nmdm device")
        );
    }

    #[test]
    fn filter_versions_and_ids() {
        let f = RedirFilter::parse(
            &el("<redirfilter><usbdev class='8' vendor='0x1234' product='0xbeef' version='2.5' allow='yes'/><usbdev class='-1' vendor='-1' product='-2' version='-1' allow='no'/></redirfilter>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            f.format(&fctx()).render(0),
            "<redirfilter>\n  <usbdev class='0x08' vendor='0x1234' product='0xBEEF' version='2.50' allow='yes'/>\n  <usbdev allow='no'/>\n</redirfilter>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let rd = |x: &str| {
            Redirdev::parse(&el(x), &ctx())
                .and_then(|d| d.validate(&DomainEnv::default()))
                .err()
                .map(|e: Error| e.message)
        };
        assert_eq!(
            rd("<redirdev bus='foo' type='spicevmc'/>").as_deref(),
            Some("unsupported configuration: unknown redirdev bus 'foo'")
        );
        assert_eq!(
            rd("<redirdev bus='usb'/>").as_deref(),
            Some("internal error: missing type in redirdev")
        );
        assert_eq!(
            rd("<redirdev type='foo'/>").as_deref(),
            Some("unsupported configuration: unknown redirdev character device type 'foo'")
        );
        assert_eq!(
            rd("<redirdev type='tcp'><source mode='foo' host='h' service='1'/></redirdev>")
                .as_deref(),
            Some("XML error: Invalid value for attribute 'mode' in element 'source': 'foo'.")
        );
        assert_eq!(
            rd("<redirdev type='tcp'><source host='h' service='1'/><protocol type='foo'/></redirdev>")
                .as_deref(),
            Some("unsupported configuration: Unknown protocol 'foo'")
        );
        assert_eq!(
            rd("<redirdev type='tcp'><source mode='bind' host='h'/></redirdev>").as_deref(),
            Some("internal error: Missing source service attribute for char device")
        );
        let rf = |x: &str| RedirFilter::parse(&el(x), &ctx()).err().map(|e| e.message);
        assert_eq!(
            rf("<redirfilter><usbdev class='0x100' allow='yes'/></redirfilter>").as_deref(),
            Some("internal error: Invalid USB Class code 0x100")
        );
        assert_eq!(
            rf("<redirfilter><usbdev class='-5' allow='yes'/></redirfilter>").as_deref(),
            Some("internal error: Invalid USB Class code 0xfffffffb")
        );
        assert_eq!(
            rf("<redirfilter><usbdev vendor='x' allow='yes'/></redirfilter>").as_deref(),
            Some("XML error: Invalid value for attribute 'vendor' in element 'usbdev': 'x'. Expected integer value")
        );
        for bad in ["x", "1", "1.", "1.100", "100.0", "1.0a", "2.5.1"] {
            assert_eq!(
                rf(&format!(
                    "<redirfilter><usbdev version='{bad}' allow='yes'/></redirfilter>"
                ))
                .as_deref(),
                Some(format!("XML error: Cannot parse USB device version {bad}").as_str())
            );
        }
        assert_eq!(
            rf("<redirfilter><usbdev/></redirfilter>").as_deref(),
            Some("XML error: Missing required attribute 'allow' in element 'usbdev'")
        );
    }
}
