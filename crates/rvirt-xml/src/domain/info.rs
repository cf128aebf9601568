//! What every device may carry after its own content: boot order, alias, USB master,
//! ROM tuning, ACPI index and the bus address (libvirt's `virDomainDeviceInfo`).

use super::ctx::{FormatCtx, ParseCtx};
use crate::error::xml_error;
use crate::num;
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use rvirt_core::Result;

/// Which optional parts a device kind accepts.
#[derive(Clone, Copy, Debug, Default)]
pub struct InfoAllow {
    pub boot: bool,
    pub rom: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootOrder {
    pub order: u32,
    pub loadparm: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Rom {
    pub enabled: Option<bool>,
    pub bar: Option<bool>,
    pub file: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DeviceInfo {
    pub boot: Option<BootOrder>,
    pub alias: Option<String>,
    pub master_startport: Option<u32>,
    pub rom: Option<Rom>,
    pub acpi_index: Option<u32>,
    pub address: Option<Address>,
}

/// A PCI address; `zpci` carries the s390 uid/fid extension.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PciAddress {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
    pub multifunction: Option<bool>,
    pub zpci: Option<(Option<u32>, Option<u32>)>,
}

impl PciAddress {
    pub fn is_empty(&self) -> bool {
        self.domain == 0 && self.bus == 0 && self.slot == 0 && self.function == 0
    }

    /// Parses the four PCI attributes of `el` (also used by hostdev sources).
    pub fn parse(el: &Element) -> Result<PciAddress> {
        let field = |name: &str, max: u32| -> Result<u32> {
            let n = num::uint_attr(el, name, 0, false)?.unwrap_or(0);
            if name != "domain" && n > max {
                return Err(xml_error(format!(
                    "Invalid PCI address {name}='{}', must be <= 0x{max:X}",
                    el.attr(name).unwrap_or_default()
                )));
            }
            Ok(n)
        };
        let zpci = match el.child("zpci") {
            None => None,
            Some(z) => Some((
                num::uint_attr(z, "uid", 0, false)?,
                num::uint_attr(z, "fid", 0, false)?,
            )),
        };
        Ok(PciAddress {
            domain: field("domain", 0xFFFF)?,
            bus: field("bus", 0xFF)?,
            slot: field("slot", 0x1F)?,
            function: field("function", 7)?,
            multifunction: el.on_off_attr("multifunction")?,
            zpci,
        })
    }

    /// Writes the four PCI attributes (libvirt's zero-padded hex).
    pub fn write_attrs(&self, out: &mut Out) {
        out.set("domain", format!("0x{:04x}", self.domain));
        out.set("bus", format!("0x{:02x}", self.bus));
        out.set("slot", format!("0x{:02x}", self.slot));
        out.set("function", format!("0x{:x}", self.function));
    }
}

/// A device address of any bus type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Pci(PciAddress),
    Drive {
        controller: u32,
        bus: u32,
        target: u32,
        unit: u32,
    },
    VirtioSerial {
        controller: u32,
        bus: u32,
        port: u32,
    },
    Ccid {
        controller: u32,
        slot: u32,
    },
    /// `port` is the dotted hub path ("1.2").
    Usb {
        bus: u32,
        port: Option<String>,
    },
    SpaprVio {
        reg: Option<u64>,
    },
    VirtioS390,
    Ccw {
        cssid: u32,
        ssid: u32,
        devno: u32,
    },
    VirtioMmio,
    Isa {
        iobase: Option<u32>,
        irq: Option<u32>,
    },
    Dimm {
        slot: u32,
        base: Option<u64>,
    },
    Unassigned,
}

/// An unsigned `<address>` attribute, 0 when absent (`virXMLPropUInt` in base 10).
fn dec_u32(el: &Element, name: &str) -> Result<u32> {
    Ok(num::uint_attr(el, name, 10, false)?.unwrap_or(0))
}

impl Address {
    /// Parses an `<address>` element.
    pub fn parse(el: &Element) -> Result<Address> {
        let ty = el.req_attr("type")?;
        Ok(match ty {
            "pci" => Address::Pci(PciAddress::parse(el)?),
            "drive" => Address::Drive {
                controller: dec_u32(el, "controller")?,
                bus: dec_u32(el, "bus")?,
                target: dec_u32(el, "target")?,
                unit: dec_u32(el, "unit")?,
            },
            "virtio-serial" => Address::VirtioSerial {
                controller: dec_u32(el, "controller")?,
                bus: dec_u32(el, "bus")?,
                port: dec_u32(el, "port")?,
            },
            "ccid" => Address::Ccid {
                controller: dec_u32(el, "controller")?,
                slot: dec_u32(el, "slot")?,
            },
            "usb" => {
                let port = match el.attr("port") {
                    None => None,
                    Some(p) => {
                        // Up to four dot-separated virStrToLong_uip numbers.
                        let nums: Option<Vec<u32>> =
                            p.split('.').map(|x| num::to_uip(x, 10)).collect();
                        let nums = nums
                            .filter(|n| n.len() <= 4)
                            .ok_or_else(|| xml_error("Cannot parse <address> 'port' attribute"))?;
                        let shown: Vec<String> = nums
                            .iter()
                            .take_while(|n| **n != 0)
                            .map(u32::to_string)
                            .collect();
                        if shown.is_empty() {
                            None
                        } else {
                            Some(shown.join("."))
                        }
                    }
                };
                Address::Usb {
                    bus: dec_u32(el, "bus")?,
                    port,
                }
            }
            "spapr-vio" => Address::SpaprVio {
                reg: num::ullong_attr(el, "reg", 16)?,
            },
            "virtio-s390" => {
                return Err(xml_error("virtio-s390 bus doesn't have an address"));
            }
            "ccw" => {
                let c = |name: &str| -> Result<u32> {
                    Ok(num::uint_attr(el, name, 0, false)?.unwrap_or(0))
                };
                Address::Ccw {
                    cssid: c("cssid")?,
                    ssid: c("ssid")?,
                    devno: c("devno")?,
                }
            }
            "virtio-mmio" => Address::VirtioMmio,
            "isa" => Address::Isa {
                iobase: num::uint_attr(el, "iobase", 16, false)?,
                irq: num::uint_attr(el, "irq", 16, false)?,
            },
            "dimm" => Address::Dimm {
                slot: num::req_uint_attr(el, "slot", 10)?,
                base: num::ullong_attr(el, "base", 16)?,
            },
            "unassigned" => Address::Unassigned,
            other => {
                return Err(xml_error(format!(
                    "Invalid value for attribute 'type' in element 'address': '{other}'."
                )))
            }
        })
    }

    /// Formats as an `<address>` element.
    pub fn format(&self) -> Out {
        let mut o = Out::new("address");
        match self {
            Address::Pci(p) => {
                o.set("type", "pci");
                if !p.is_empty() {
                    p.write_attrs(&mut o);
                }
                o.set_opt("multifunction", p.multifunction.map(on_off));
                if let Some((uid, fid)) = &p.zpci {
                    o.push(
                        Out::new("zpci")
                            .attr_opt("uid", uid.map(|u| format!("0x{u:04x}")))
                            .attr_opt("fid", fid.map(|f| format!("0x{f:08x}"))),
                    );
                }
            }
            Address::Drive {
                controller,
                bus,
                target,
                unit,
            } => {
                o.set("type", "drive");
                o.set("controller", controller);
                o.set("bus", bus);
                o.set("target", target);
                o.set("unit", unit);
            }
            Address::VirtioSerial {
                controller,
                bus,
                port,
            } => {
                o.set("type", "virtio-serial");
                o.set("controller", controller);
                o.set("bus", bus);
                o.set("port", port);
            }
            Address::Ccid { controller, slot } => {
                o.set("type", "ccid");
                o.set("controller", controller);
                o.set("slot", slot);
            }
            Address::Usb { bus, port } => {
                o.set("type", "usb");
                o.set("bus", bus);
                o.set_opt("port", port.as_ref());
            }
            Address::SpaprVio { reg } => {
                o.set("type", "spapr-vio");
                o.set_opt("reg", reg.map(|r| format!("0x{r:08x}")));
            }
            Address::VirtioS390 => o.set("type", "virtio-s390"),
            Address::Ccw { cssid, ssid, devno } => {
                o.set("type", "ccw");
                o.set("cssid", format!("0x{cssid:x}"));
                o.set("ssid", format!("0x{ssid:x}"));
                o.set("devno", format!("0x{devno:04x}"));
            }
            Address::VirtioMmio => o.set("type", "virtio-mmio"),
            Address::Isa { iobase, irq } => {
                o.set("type", "isa");
                o.set_opt(
                    "iobase",
                    iobase.filter(|v| *v > 0).map(|v| format!("0x{v:x}")),
                );
                o.set_opt("irq", irq.filter(|v| *v > 0).map(|v| format!("0x{v:x}")));
            }
            Address::Dimm { slot, base } => {
                o.set("type", "dimm");
                o.set("slot", slot);
                o.set_opt("base", base.filter(|b| *b != 0).map(|b| format!("0x{b:x}")));
            }
            Address::Unassigned => o.set("type", "unassigned"),
        }
        o
    }
}

impl DeviceInfo {
    /// Reads the common trailer from a device element's children.
    pub fn parse(el: &Element, ctx: &ParseCtx, allow: InfoAllow) -> Result<DeviceInfo> {
        let mut info = DeviceInfo::default();
        if let Some(a) = el.child("alias") {
            if let Some(name) = a.attr("name") {
                let user = name.starts_with("ua-")
                    && name[3..]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ctx.inactive || user {
                    info.alias = Some(name.to_string());
                }
            }
        }
        if let Some(a) = el.child("address") {
            info.address = Some(Address::parse(a)?);
        }
        if let Some(m) = el.child("master") {
            info.master_startport = Some(m.num_attr::<u32>("startport")?.ok_or_else(|| {
                xml_error("Missing required attribute 'startport' in element 'master'")
            })?);
        }
        if allow.boot {
            if let Some(b) = el.child("boot") {
                let order_s = b.req_attr("order")?;
                let order: u32 = order_s.trim().parse().map_err(|_| {
                    crate::read::invalid_value(
                        b,
                        "order",
                        order_s,
                        Some("Expected non-negative integer value"),
                    )
                })?;
                if order == 0 {
                    return Err(xml_error(
                        "Invalid value for attribute 'order' in element 'boot': Zero is not permitted",
                    ));
                }
                let loadparm = match b.attr("loadparm") {
                    None => None,
                    Some(l) => {
                        let ok = !l.is_empty()
                            && l.len() <= 8
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ' ');
                        if !ok {
                            return Err(xml_error(format!(
                                "Invalid loadparm char '{l}', expecting chars in set of [a-zA-Z0-9. ]"
                            )));
                        }
                        Some(l.to_ascii_uppercase())
                    }
                };
                info.boot = Some(BootOrder { order, loadparm });
            }
        }
        if allow.rom {
            if let Some(r) = el.child("rom") {
                let rom = Rom {
                    enabled: r.yes_no_attr("enabled")?,
                    bar: r.on_off_attr("bar")?,
                    file: r.string_attr("file"),
                };
                if rom.enabled == Some(false) && (rom.bar.is_some() || rom.file.is_some()) {
                    return Err(xml_error(
                        "ROM tuning is not supported when ROM is disabled",
                    ));
                }
                info.rom = Some(rom);
            }
        }
        if let Some(a) = el.child("acpi") {
            match a.num_attr::<u32>("index")? {
                Some(0) => return Err(xml_error(
                    "Invalid value for attribute 'index' in element 'acpi': Zero is not permitted",
                )),
                v => info.acpi_index = v,
            }
        }
        Ok(info)
    }

    /// Appends the trailer in libvirt's order: boot, alias, master, rom, acpi, address.
    pub fn format_into(&self, out: &mut Out, ctx: &FormatCtx) {
        if let Some(b) = &self.boot {
            out.push(
                Out::new("boot")
                    .attr("order", b.order)
                    .attr_opt("loadparm", b.loadparm.as_ref()),
            );
        }
        if let Some(a) = &self.alias {
            if !ctx.inactive || a.starts_with("ua-") {
                out.push(Out::new("alias").attr("name", a));
            }
        }
        if let Some(p) = self.master_startport {
            out.push(Out::new("master").attr("startport", p));
        }
        if let Some(r) = &self.rom {
            out.push_nonempty(
                Out::new("rom")
                    .attr_opt("enabled", r.enabled.map(yes_no))
                    .attr_opt("bar", r.bar.map(on_off))
                    .attr_opt("file", r.file.as_ref()),
            );
        }
        if let Some(i) = self.acpi_index {
            out.push(Out::new("acpi").attr("index", i));
        }
        if let Some(a) = &self.address {
            out.push(a.format());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn addr(xml: &str) -> std::result::Result<Address, String> {
        Address::parse(&parse_document(xml, "t").expect("xml")).map_err(|e| e.message)
    }

    /// Each address field is read with the base libvirt 9.0 reads it in (checked with virsh).
    #[test]
    fn address_numbers_use_libvirt_bases_and_messages() {
        assert_eq!(
            addr("<address type='drive' controller='0x1'/>").err().as_deref(),
            Some("XML error: Invalid value for attribute 'controller' in element 'address': '0x1'. Expected non-negative integer value")
        );
        assert!(matches!(
            addr("<address type='isa' iobase='3f8' irq='4'/>"),
            Ok(Address::Isa {
                iobase: Some(0x3f8),
                irq: Some(4)
            })
        ));
        assert!(matches!(
            addr("<address type='pci' bus='010'/>"),
            Ok(Address::Pci(PciAddress { bus: 8, .. }))
        ));
        assert!(matches!(
            addr("<address type='spapr-vio' reg='1000'/>"),
            Ok(Address::SpaprVio { reg: Some(0x1000) })
        ));
        assert_eq!(
            addr("<address type='dimm' slot='1 '/>").err().as_deref(),
            Some("XML error: Invalid value for attribute 'slot' in element 'address': '1 '. Expected non-negative integer value")
        );
        assert!(addr("<address type='usb' bus='0' port='+1. 2'/>").is_ok());
        assert_eq!(
            addr("<address type='usb' bus='0' port='1.2.3.4.5'/>")
                .err()
                .as_deref(),
            Some("XML error: Cannot parse <address> 'port' attribute")
        );
    }
}
