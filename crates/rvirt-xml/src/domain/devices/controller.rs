//! `<controller>`: buses other devices attach to (IDE, SCSI, USB, PCI, virtio-serial, ...).

use super::disk::VirtioModel;
use super::disk_source::parse_scaled_element;
use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::num;
use crate::read::{invalid_value, ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::on_off;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum ControllerType {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Sata = "sata",
        VirtioSerial = "virtio-serial",
        Ccid = "ccid",
        Usb = "usb",
        Pci = "pci",
        Xenbus = "xenbus",
        Isa = "isa",
    }
}

xml_enum! {
    pub enum PciModel {
        PciRoot = "pci-root",
        PcieRoot = "pcie-root",
        PciBridge = "pci-bridge",
        DmiToPciBridge = "dmi-to-pci-bridge",
        PcieToPciBridge = "pcie-to-pci-bridge",
        PcieRootPort = "pcie-root-port",
        PcieSwitchUpstreamPort = "pcie-switch-upstream-port",
        PcieSwitchDownstreamPort = "pcie-switch-downstream-port",
        PciExpanderBus = "pci-expander-bus",
        PcieExpanderBus = "pcie-expander-bus",
    }
}

xml_enum! {
    /// The concrete device implementing a PCI controller model (`<model name=...>`).
    pub enum PciModelName {
        PciBridge = "pci-bridge",
        I82801b11Bridge = "i82801b11-bridge",
        Ioh3420 = "ioh3420",
        X3130Upstream = "x3130-upstream",
        Xio3130Downstream = "xio3130-downstream",
        Pxb = "pxb",
        PxbPcie = "pxb-pcie",
        PcieRootPort = "pcie-root-port",
        SpaprPciHostBridge = "spapr-pci-host-bridge",
        PciePciBridge = "pcie-pci-bridge",
    }
}

xml_enum! {
    pub enum ScsiModel {
        Auto = "auto",
        Buslogic = "buslogic",
        Lsilogic = "lsilogic",
        Lsisas1068 = "lsisas1068",
        Vmpvscsi = "vmpvscsi",
        Ibmvscsi = "ibmvscsi",
        VirtioScsi = "virtio-scsi",
        Lsisas1078 = "lsisas1078",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
        Ncr53c90 = "ncr53c90",
        Dc390 = "dc390",
        Am53c974 = "am53c974",
    }
}

xml_enum! {
    pub enum UsbModel {
        Piix3Uhci = "piix3-uhci",
        Piix4Uhci = "piix4-uhci",
        Ehci = "ehci",
        Ich9Ehci1 = "ich9-ehci1",
        Ich9Uhci1 = "ich9-uhci1",
        Ich9Uhci2 = "ich9-uhci2",
        Ich9Uhci3 = "ich9-uhci3",
        Vt82c686bUhci = "vt82c686b-uhci",
        PciOhci = "pci-ohci",
        NecXhci = "nec-xhci",
        Qusb1 = "qusb1",
        Qusb2 = "qusb2",
        QemuXhci = "qemu-xhci",
        None = "none",
    }
}

xml_enum! {
    pub enum IdeModel {
        Piix3 = "piix3",
        Piix4 = "piix4",
        Ich6 = "ich6",
    }
}

/// A controller model, typed by controller kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerModel {
    Pci(PciModel),
    Scsi(ScsiModel),
    Usb(UsbModel),
    Ide(IdeModel),
    VirtioSerial(VirtioModel),
}

impl ControllerModel {
    fn parse(kind: ControllerType, s: &str) -> Option<ControllerModel> {
        match kind {
            ControllerType::Pci => PciModel::from_xml(s).map(ControllerModel::Pci),
            ControllerType::Scsi => ScsiModel::from_xml(s).map(ControllerModel::Scsi),
            ControllerType::Usb => UsbModel::from_xml(s).map(ControllerModel::Usb),
            ControllerType::Ide => IdeModel::from_xml(s).map(ControllerModel::Ide),
            ControllerType::VirtioSerial => {
                VirtioModel::from_xml(s).map(ControllerModel::VirtioSerial)
            }
            _ => None,
        }
    }

    pub fn as_xml(&self) -> &'static str {
        match self {
            ControllerModel::Pci(m) => m.as_xml(),
            ControllerModel::Scsi(m) => m.as_xml(),
            ControllerModel::Usb(m) => m.as_xml(),
            ControllerModel::Ide(m) => m.as_xml(),
            ControllerModel::VirtioSerial(m) => m.as_xml(),
        }
    }
}

/// `<target>` of a PCI controller.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PciTarget {
    pub chassis_nr: Option<u8>,
    pub chassis: Option<u8>,
    pub port: Option<u8>,
    pub bus_nr: Option<u8>,
    pub index: Option<u8>,
    pub hotplug: Option<bool>,
    pub numa_node: Option<u32>,
}

/// `<driver>` of a controller.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ControllerDriver {
    pub queues: Option<u32>,
    pub cmd_per_lun: Option<u32>,
    pub max_sectors: Option<u32>,
    pub ioeventfd: Option<bool>,
    pub iothread: Option<u32>,
    pub virtio: VirtioOptions,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controller {
    pub kind: ControllerType,
    /// Absent until the domain post-parse picks the lowest free index.
    pub index: Option<u32>,
    pub model: Option<ControllerModel>,
    /// virtio-serial and USB port count.
    pub ports: Option<u32>,
    /// virtio-serial MSI vectors.
    pub vectors: Option<u32>,
    pub max_grant_frames: Option<u32>,
    pub max_event_channels: Option<u32>,
    pub pci_model_name: Option<PciModelName>,
    pub pci_target: PciTarget,
    /// 64-bit PCI hole of a root controller, KiB.
    pub pcihole64: Option<u64>,
    pub driver: ControllerDriver,
    pub info: DeviceInfo,
}

fn ranged(el: &Element, name: &str, what: &str, lo: i64, hi: i64) -> Result<Option<u8>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = i64::from(
        num::to_i(v, 0)
            .ok_or_else(|| invalid_value(el, name, v, Some("Expected integer value")))?,
    );
    if n < lo || n > hi {
        return Err(unsupported(format!(
            "PCI controller {what} '{v}' out of range - must be {lo}-{hi}"
        )));
    }
    Ok(u8::try_from(n).ok())
}

impl Controller {
    /// A controller the domain adds on its own for devices that need one (model left to
    /// the hypervisor).
    pub fn new_implicit(kind: ControllerType, index: u32) -> Controller {
        Controller {
            kind,
            index: Some(index),
            model: None,
            ports: None,
            vectors: None,
            max_grant_frames: None,
            max_event_channels: None,
            pci_model_name: None,
            pci_target: PciTarget::default(),
            pcihole64: None,
            driver: ControllerDriver::default(),
            info: DeviceInfo::default(),
        }
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Controller> {
        let kind = el
            .enum_attr::<ControllerType>("type")?
            .unwrap_or(ControllerType::Ide);
        let mut c = Controller::new_implicit(kind, 0);
        c.index = num::nonneg_int_attr(el, "index", 10)?;
        if let Some(m) = el.attr("model") {
            c.model = Some(
                ControllerModel::parse(kind, m)
                    .ok_or_else(|| unsupported(format!("Unknown model type '{m}'")))?,
            );
        }
        match kind {
            ControllerType::VirtioSerial => {
                c.ports = num::nonneg_int_attr(el, "ports", 10)?;
                c.vectors = num::nonneg_int_attr(el, "vectors", 10)?;
            }
            ControllerType::Usb => c.ports = num::nonneg_int_attr(el, "ports", 10)?,
            ControllerType::Xenbus => {
                c.max_grant_frames = num::nonneg_int_attr(el, "maxGrantFrames", 10)?;
                c.max_event_channels = num::nonneg_int_attr(el, "maxEventChannels", 10)?;
            }
            ControllerType::Pci => {
                if let Some(m) = el.child("model") {
                    c.pci_model_name = m.enum_attr("name")?;
                }
                if let Some(t) = el.child("target") {
                    c.pci_target = PciTarget {
                        chassis_nr: ranged(t, "chassisNr", "chassisNr", 1, 255)?,
                        chassis: ranged(t, "chassis", "chassis", 0, 255)?,
                        port: ranged(t, "port", "port", 0, 255)?,
                        bus_nr: ranged(t, "busNr", "busNr", 1, 254)?,
                        index: ranged(t, "index", "target index", 0, 31)?,
                        hotplug: t.on_off_attr("hotplug")?,
                        numa_node: match t.child("node") {
                            None => None,
                            Some(n) => Some(
                                n.text()
                                    .trim()
                                    .parse::<u32>()
                                    .ok()
                                    .filter(|v| i32::try_from(*v).is_ok())
                                    .ok_or_else(|| xml_error("invalid NUMA node in target"))?,
                            ),
                        },
                    };
                }
                if matches!(
                    c.model,
                    Some(ControllerModel::Pci(PciModel::PciRoot | PciModel::PcieRoot))
                ) {
                    if let Some(h) = el.child("pcihole64") {
                        c.pcihole64 = Some(
                            parse_scaled_element(h, "./pcihole64", "unit", 1024, u64::MAX)? / 1024,
                        );
                    }
                }
            }
            _ => {}
        }
        if let Some(d) = el.child("driver") {
            c.driver = ControllerDriver {
                queues: d.num_attr("queues")?,
                cmd_per_lun: d.num_attr("cmd_per_lun")?,
                max_sectors: d.num_attr("max_sectors")?,
                ioeventfd: d.on_off_attr("ioeventfd")?,
                iothread: d.num_attr("iothread")?,
                virtio: VirtioOptions::parse(d)?,
            };
            let virtio_scsi = matches!(
                c.model,
                Some(ControllerModel::Scsi(
                    ScsiModel::VirtioScsi
                        | ScsiModel::VirtioTransitional
                        | ScsiModel::VirtioNonTransitional
                ))
            );
            if c.driver.iothread.is_some() && !virtio_scsi {
                return Err(xml_error(
                    "'iothread' attribute only supported for virtio scsi controllers",
                ));
            }
        }
        c.info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(c)
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("controller")
            .attr("type", self.kind)
            .attr_opt("index", self.index)
            .attr_opt("model", self.model.map(|m| m.as_xml()))
            .attr_opt("ports", self.ports)
            .attr_opt("vectors", self.vectors)
            .attr_opt("maxGrantFrames", self.max_grant_frames)
            .attr_opt("maxEventChannels", self.max_event_channels);
        if self.kind == ControllerType::Pci {
            if let Some(n) = self.pci_model_name {
                o.push(Out::new("model").attr("name", n));
            }
            let t = &self.pci_target;
            let mut to = Out::new("target")
                .attr_opt("chassisNr", t.chassis_nr)
                .attr_opt("chassis", t.chassis)
                .attr_opt("port", t.port.map(|p| format!("0x{p:x}")))
                .attr_opt("busNr", t.bus_nr)
                .attr_opt("index", t.index)
                .attr_opt("hotplug", t.hotplug.map(on_off));
            to.text_child_opt("node", t.numa_node);
            o.push_nonempty(to);
        }
        let d = &self.driver;
        let mut dout = Out::new("driver")
            .attr_opt("queues", d.queues)
            .attr_opt("cmd_per_lun", d.cmd_per_lun)
            .attr_opt("max_sectors", d.max_sectors)
            .attr_opt("ioeventfd", d.ioeventfd.map(on_off))
            .attr_opt("iothread", d.iothread);
        d.virtio.write_attrs(&mut dout);
        o.push_nonempty(dout);
        self.info.format_into(&mut o, ctx);
        if let Some(h) = self.pcihole64 {
            o.push(Out::new("pcihole64").attr("unit", "KiB").text(h));
        }
        o
    }

    /// An ICH9 UHCI companion without `<master>` takes the ports libvirt assigns to its
    /// position (uhci1 from 0, uhci2 from 2, uhci3 from 4). Index assignment and the
    /// companion/EHCI pairing need the whole domain and are done there.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if self.info.master_startport.is_none() {
            self.info.master_startport = match self.model {
                Some(ControllerModel::Usb(UsbModel::Ich9Uhci1)) => Some(0),
                Some(ControllerModel::Usb(UsbModel::Ich9Uhci2)) => Some(2),
                Some(ControllerModel::Usb(UsbModel::Ich9Uhci3)) => Some(4),
                _ => None,
            };
        }
        Ok(())
    }

    /// USB2 companion controllers (ICH9 UHCI) that share an EHCI's index.
    pub fn is_usb2_companion(&self) -> bool {
        matches!(
            self.model,
            Some(ControllerModel::Usb(
                UsbModel::Ich9Uhci1 | UsbModel::Ich9Uhci2 | UsbModel::Ich9Uhci3
            ))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;
    use rvirt_core::Error;

    fn parse(xml: &str) -> Result<Controller> {
        let el = parse_document(xml, "domain_definition").map_err(Error::from)?;
        Controller::parse(&el, &ParseCtx { inactive: true })
    }

    fn fmt(xml: &str) -> String {
        parse(xml)
            .expect("parse")
            .format(&FormatCtx {
                inactive: true,
                ..Default::default()
            })
            .render(0)
    }

    #[test]
    fn defaults_and_units() {
        assert_eq!(
            fmt("<controller index='0'/>"),
            "<controller type='ide' index='0'/>\n"
        );
        assert!(fmt(
            "<controller type='pci' index='0' model='pci-root'><pcihole64 unit='GiB'>1</pcihole64></controller>"
        )
        .contains("<pcihole64 unit='KiB'>1048576</pcihole64>"));
        assert_eq!(
            fmt("<controller type='pci' index='1' model='pci-bridge'><pcihole64>5</pcihole64></controller>"),
            "<controller type='pci' index='1' model='pci-bridge'/>\n"
        );
        let c = Controller::new_implicit(ControllerType::Scsi, 2);
        assert_eq!(
            c.format(&FormatCtx::default()).render(0),
            "<controller type='scsi' index='2'/>\n"
        );
    }

    #[test]
    fn post_parse_gives_usb_companions_a_master() {
        for (model, port) in [("ich9-uhci1", 0), ("ich9-uhci2", 2), ("ich9-uhci3", 4)] {
            let mut c = parse(&format!(
                "<controller type='usb' index='0' model='{model}'/>"
            ))
            .expect("parse");
            c.post_parse(&DomainEnv::default()).expect("post");
            assert_eq!(c.info.master_startport, Some(port));
        }
        let mut c = parse(
            "<controller type='usb' index='0' model='ich9-uhci2'><master startport='6'/></controller>",
        )
        .expect("parse");
        c.post_parse(&DomainEnv::default()).expect("post");
        assert_eq!(c.info.master_startport, Some(6));
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<controller type='foo' index='0'/>",
             "XML error: Invalid value for attribute 'type' in element 'controller': 'foo'."),
            ("<controller type='scsi' index='x'/>",
             "XML error: Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"),
            ("<controller type='scsi' index='-2'/>",
             "XML error: Invalid value for attribute 'index' in element 'controller': '-2'. Expected non-negative value"),
            ("<controller type='sata' index='0' model='foo'/>",
             "unsupported configuration: Unknown model type 'foo'"),
            ("<controller type='pci' index='1' model='pci-bridge'><model name='foo'/></controller>",
             "XML error: Invalid value for attribute 'name' in element 'model': 'foo'."),
            ("<controller type='pci' index='1' model='pci-bridge'><target chassisNr='0'/></controller>",
             "unsupported configuration: PCI controller chassisNr '0' out of range - must be 1-255"),
            ("<controller type='pci' index='1' model='pcie-root-port'><target port='256'/></controller>",
             "unsupported configuration: PCI controller port '256' out of range - must be 0-255"),
            ("<controller type='pci' index='1' model='pci-expander-bus'><target busNr='2'><node>x</node></target></controller>",
             "XML error: invalid NUMA node in target"),
            ("<controller type='virtio-serial' index='0' ports='-1'/>",
             "XML error: Invalid value for attribute 'ports' in element 'controller': '-1'. Expected non-negative value"),
            ("<controller type='scsi' index='0' model='lsilogic'><driver iothread='1'/></controller>",
             "XML error: 'iothread' attribute only supported for virtio scsi controllers"),
            ("<controller type='scsi' index='0' model='virtio-scsi'><driver queues='x'/></controller>",
             "XML error: Invalid value for attribute 'queues' in element 'driver': 'x'. Expected non-negative integer value"),
        ];
        for (xml, msg) in cases {
            assert_eq!(
                parse(xml).err().map(|e| e.message).as_deref(),
                Some(msg),
                "{xml}"
            );
        }
    }
}
