//! Node device (`<device>`) documents: host devices as the node device drivers describe
//! them, and the definitions given to create mediated devices and vHBAs.
//!
//! Drivers build [`NodeDeviceDef`] values from what they discover; [`NodeDeviceDef::format`]
//! prints libvirt 9.0's layout (including its quirks, such as the space in `<product
//! id='0x0001' />` of USB devices without a product name). [`NodeDeviceDef::parse`] reads
//! documents back: in [`ParseMode::Existing`] every capability libvirt can print is
//! accepted so that a driver's own output round-trips; [`ParseMode::Create`] is how
//! `nodedev-create`/`nodedev-define` read their input (no name, SCSI host numbers not
//! required). Errors carry `VIR_FROM_NODEDEV`.

use crate::error::in_domain;
use crate::host_interface::Link;
use crate::num;
use crate::tree::{parse_document, Element};
use crate::uuids::parse_uuid;
use crate::writer::Out;
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

fn err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::NODEDEV, code, Some(msg.into()))
}

fn internal(msg: impl Into<String>) -> Error {
    err(ErrorCode::INTERNAL_ERROR, msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    err(ErrorCode::CONFIG_UNSUPPORTED, msg)
}

fn nd(e: Error) -> Error {
    in_domain(e, ErrorDomain::NODEDEV)
}

fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child(name).map(Element::text).filter(|t| !t.is_empty())
}

/// A required numeric child with libvirt's "no X supplied" / "invalid X supplied" pair.
fn req_num<T: TryFrom<i64>>(el: &Element, child: &str, what: &str, dev: &str) -> Result<T> {
    let t =
        text_of(el, child).ok_or_else(|| internal(format!("no {what} supplied for '{dev}'")))?;
    num::xpath_number(&t)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| internal(format!("invalid {what} supplied for '{dev}'")))
}

/// Hex numbers libvirt reads with `virXPathULongHex` (`0x` optional).
fn hex_id(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u32::from_str_radix(t, 16).ok()
}

xml_enum! {
    /// Capability types a `<device>` can have at top level.
    pub enum CapType {
        System = "system", Pci = "pci", UsbDevice = "usb_device", Usb = "usb", Net = "net",
        ScsiHost = "scsi_host", ScsiTarget = "scsi_target", Scsi = "scsi", Storage = "storage",
        ScsiGeneric = "scsi_generic", Drm = "drm", Mdev = "mdev", Ccw = "ccw", Css = "css",
        Vdpa = "vdpa", ApCard = "ap_card", ApQueue = "ap_queue", ApMatrix = "ap_matrix",
    }
}

xml_enum! {
    /// `<capability type='80203|80211'>` of network devices.
    pub enum NetSubtype { Ieee80203 = "80203", Ieee80211 = "80211" }
}

xml_enum! {
    /// Offload features of network devices, in libvirt's print order.
    pub enum NetFeature {
        Rx = "rx", Tx = "tx", Sg = "sg", Tso = "tso", Gso = "gso", Gro = "gro", Lro = "lro",
        RxVlan = "rxvlan", TxVlan = "txvlan", Ntuple = "ntuple", RxHash = "rxhash",
        Rdma = "rdma", TxUdpTnl = "txudptnl", Switchdev = "switchdev",
    }
}

const NET_FEATURE_ORDER: [NetFeature; 14] = [
    NetFeature::Rx,
    NetFeature::Tx,
    NetFeature::Sg,
    NetFeature::Tso,
    NetFeature::Gso,
    NetFeature::Gro,
    NetFeature::Lro,
    NetFeature::RxVlan,
    NetFeature::TxVlan,
    NetFeature::Ntuple,
    NetFeature::RxHash,
    NetFeature::Rdma,
    NetFeature::TxUdpTnl,
    NetFeature::Switchdev,
];

xml_enum! {
    /// DRM node types.
    pub enum DrmType { Primary = "primary", Control = "control", Render = "render" }
}

xml_enum! {
    /// PCI Express link speeds (GT/s).
    pub enum PcieSpeed { S2_5 = "2.5", S5 = "5", S8 = "8", S16 = "16", S32 = "32", S64 = "64" }
}

xml_enum! {
    /// Non-endpoint PCI header types.
    pub enum PciHeader { PciBridge = "pci-bridge", CardbusBridge = "cardbus-bridge" }
}

/// A PCI address as node devices print it (`function='0x%d'`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciAddr {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
}

impl PciAddr {
    fn parse(el: &Element) -> Result<PciAddr> {
        let f = |n: &str| -> Result<u32> {
            match el.attr(n) {
                None => Ok(0),
                Some(v) => num::to_ullp(v, 0)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        Error::new(
                            ErrorDomain::DEVICE,
                            ErrorCode::XML_ERROR,
                            Some(format!("Cannot parse <address> '{n}' attribute")),
                        )
                    }),
            }
        };
        Ok(PciAddr {
            domain: f("domain")?,
            bus: f("bus")?,
            slot: f("slot")?,
            function: f("function")?,
        })
    }

    fn format(&self) -> Out {
        Out::new("address")
            .attr("domain", format!("0x{:04x}", self.domain))
            .attr("bus", format!("0x{:02x}", self.bus))
            .attr("slot", format!("0x{:02x}", self.slot))
            .attr("function", format!("0x{}", self.function))
    }
}

/// One mediated device type a parent offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MdevType {
    pub id: String,
    pub name: Option<String>,
    pub device_api: String,
    pub available_instances: u32,
}

fn format_mdev_types(types: &[MdevType]) -> Option<Out> {
    if types.is_empty() {
        return None;
    }
    let mut c = Out::new("capability").attr("type", "mdev_types");
    for t in types {
        let mut o = Out::new("type").attr("id", &t.id);
        o.text_child_opt("name", t.name.as_ref());
        o.text_child("deviceAPI", &t.device_api);
        o.text_child("availableInstances", t.available_instances);
        c.push(o);
    }
    Some(c)
}

fn parse_mdev_types(cap: &Element) -> Result<Vec<MdevType>> {
    let mut v = Vec::new();
    for t in cap.children_named("type") {
        let id = t.string_attr("id").ok_or_else(|| {
            internal("missing 'id' attribute for mediated device's <type> element")
        })?;
        v.push(MdevType {
            name: text_of(t, "name"),
            device_api: text_of(t, "deviceAPI").ok_or_else(|| {
                internal(format!(
                    "missing device API for mediated device type '{id}'"
                ))
            })?,
            available_instances: text_of(t, "availableInstances")
                .and_then(|a| num::xpath_number(&a))
                .and_then(|a| u32::try_from(a).ok())
                .ok_or_else(|| {
                    internal(format!(
                        "missing number of available instances for mediated device type '{id}'"
                    ))
                })?,
            id,
        });
    }
    Ok(v)
}

/// A PCI Express link (`validity` is `cap` or `sta`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcieLink {
    /// -1 when unknown.
    pub port: i32,
    pub speed: Option<PcieSpeed>,
    pub width: u32,
}

/// `<pci-express>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciExpress {
    pub link_cap: Option<PcieLink>,
    pub link_sta: Option<PcieLink>,
}

/// VPD fields of one access kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpdFields {
    pub change_level: Option<String>,
    pub manufacture_id: Option<String>,
    pub part_number: Option<String>,
    pub serial_number: Option<String>,
    pub asset_tag: Option<String>,
    /// `(index, value)`.
    pub vendor: Vec<(char, String)>,
    pub system: Vec<(char, String)>,
}

/// PCI Vital Product Data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vpd {
    pub name: String,
    pub read_only: Option<VpdFields>,
    pub read_write: Option<VpdFields>,
}

/// The `pci` capability.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PciCap {
    /// `None` when the class is unknown.
    pub class: Option<u32>,
    pub address: PciAddr,
    pub product: u32,
    pub product_name: Option<String>,
    pub vendor: u32,
    pub vendor_name: Option<String>,
    pub physical_function: Option<PciAddr>,
    /// `Some` when the device can have virtual functions: `(maxCount, functions)`.
    pub virtual_functions: Option<(u32, Vec<PciAddr>)>,
    pub header: Option<PciHeader>,
    /// `Some` when the device offers mediated device types.
    pub mdev_types: Option<Vec<MdevType>>,
    pub vpd: Option<Vpd>,
    /// `(group number, member addresses)`.
    pub iommu_group: Option<(u32, Vec<PciAddr>)>,
    pub numa_node: Option<i32>,
    pub pci_express: Option<PciExpress>,
}

/// `hardware` and `firmware` of the `system` capability.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemCap {
    pub product: Option<String>,
    pub hw_vendor: Option<String>,
    pub hw_version: Option<String>,
    pub hw_serial: Option<String>,
    pub hw_uuid: Uuid,
    pub fw_vendor: Option<String>,
    pub fw_version: Option<String>,
    pub fw_release_date: Option<String>,
}

/// The `scsi_host` capability, with its FC HBA and vport sub-capabilities.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScsiHostCap {
    pub host: u32,
    /// -1 when unknown.
    pub unique_id: i32,
    /// `Some` for fibre channel HBAs.
    pub fc_host: Option<FcHost>,
    /// `Some((max_vports, vports))` when the HBA can create vports.
    pub vport_ops: Option<(i32, i32)>,
}

/// WWNs of an FC HBA.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FcHost {
    pub wwnn: Option<String>,
    pub wwpn: Option<String>,
    pub fabric_wwn: Option<String>,
}

/// Removable media of a storage device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removable {
    pub media_available: bool,
    pub media_size: u64,
    pub media_label: Option<String>,
}

/// The `storage` capability.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageCap {
    pub block: String,
    pub bus: Option<String>,
    pub drive_type: Option<String>,
    pub model: Option<String>,
    pub vendor: Option<String>,
    pub serial: Option<String>,
    pub removable: Option<Removable>,
    /// Bytes (fixed media).
    pub size: u64,
    pub logical_block_size: u64,
    pub num_blocks: u64,
    pub hotpluggable: bool,
}

/// A channel subsystem address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CcwAddr {
    pub cssid: u32,
    pub ssid: u32,
    pub devno: u32,
}

impl CcwAddr {
    fn parse(el: &Element, dev: &str) -> Result<CcwAddr> {
        let f = |n: &str, hex: bool| -> Result<u32> {
            let v = text_of(el, n)
                .ok_or_else(|| unsupported(format!("missing {n} value for '{dev}'")))?;
            let parsed = if hex {
                hex_id(&v)
            } else {
                num::to_ullp(&v, 0).and_then(|x| u32::try_from(x).ok())
            };
            parsed.ok_or_else(|| unsupported(format!("invalid {n} value '{v}' for '{dev}'")))
        };
        Ok(CcwAddr {
            cssid: f("cssid", false)?,
            ssid: f("ssid", false)?,
            devno: f("devno", true)?,
        })
    }

    fn format_into(&self, o: &mut Out) {
        o.text_child("cssid", format!("0x{:x}", self.cssid));
        o.text_child("ssid", format!("0x{:x}", self.ssid));
        o.text_child("devno", format!("0x{:04x}", self.devno));
    }
}

/// A device capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capability {
    System(SystemCap),
    Pci(Box<PciCap>),
    UsbDevice {
        bus: u32,
        device: u32,
        product: u32,
        product_name: Option<String>,
        vendor: u32,
        vendor_name: Option<String>,
    },
    Usb {
        number: u32,
        class: u32,
        subclass: u32,
        protocol: u32,
        description: Option<String>,
    },
    Net {
        interface: String,
        address: Option<String>,
        link: Link,
        features: Vec<NetFeature>,
        subtype: Option<NetSubtype>,
    },
    ScsiHost(ScsiHostCap),
    ScsiTarget {
        target: String,
        /// `(rport, wwpn)` of an FC remote port.
        fc_remote_port: Option<(String, String)>,
    },
    Scsi {
        host: u32,
        bus: u32,
        target: u32,
        lun: u32,
        scsi_type: Option<String>,
    },
    Storage(Box<StorageCap>),
    ScsiGeneric {
        char_dev: String,
    },
    Drm(DrmType),
    Mdev {
        type_id: String,
        uuid: Option<Uuid>,
        parent_addr: Option<String>,
        iommu_group: u32,
        /// `(name, value)` vendor attributes, in order.
        attrs: Vec<(String, String)>,
    },
    Ccw(CcwAddr),
    Css {
        addr: CcwAddr,
        channel_dev_addr: Option<CcwAddr>,
        mdev_types: Option<Vec<MdevType>>,
    },
    Vdpa {
        chardev: String,
    },
    ApCard {
        adapter: u32,
    },
    ApQueue {
        adapter: u32,
        domain: u32,
    },
    ApMatrix {
        mdev_types: Option<Vec<MdevType>>,
    },
}

impl Capability {
    pub fn cap_type(&self) -> CapType {
        match self {
            Capability::System(_) => CapType::System,
            Capability::Pci(_) => CapType::Pci,
            Capability::UsbDevice { .. } => CapType::UsbDevice,
            Capability::Usb { .. } => CapType::Usb,
            Capability::Net { .. } => CapType::Net,
            Capability::ScsiHost(_) => CapType::ScsiHost,
            Capability::ScsiTarget { .. } => CapType::ScsiTarget,
            Capability::Scsi { .. } => CapType::Scsi,
            Capability::Storage(_) => CapType::Storage,
            Capability::ScsiGeneric { .. } => CapType::ScsiGeneric,
            Capability::Drm(_) => CapType::Drm,
            Capability::Mdev { .. } => CapType::Mdev,
            Capability::Ccw(_) => CapType::Ccw,
            Capability::Css { .. } => CapType::Css,
            Capability::Vdpa { .. } => CapType::Vdpa,
            Capability::ApCard { .. } => CapType::ApCard,
            Capability::ApQueue { .. } => CapType::ApQueue,
            Capability::ApMatrix { .. } => CapType::ApMatrix,
        }
    }
}

/// How a `<device>` document is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseMode {
    /// A description of an existing device: `<name>` required.
    Existing,
    /// Input of device creation: the name is assigned later, SCSI host numbers are not
    /// read.
    Create,
}

/// `<parent>`: by name, or for vHBA creation by the parent's WWNs or fabric.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parent {
    pub name: Option<String>,
    pub wwnn: Option<String>,
    pub wwpn: Option<String>,
    pub fabric_wwn: Option<String>,
}

/// A node device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeDeviceDef {
    pub name: String,
    /// sysfs path.
    pub path: Option<String>,
    pub devnode: Option<String>,
    pub devlinks: Vec<String>,
    pub parent: Parent,
    pub driver: Option<String>,
    pub caps: Vec<Capability>,
}

impl NodeDeviceDef {
    /// Parses a `<device>` document.
    pub fn parse(xml: &str, mode: ParseMode) -> Result<NodeDeviceDef> {
        let root = parse_document(xml, "node_device_definition").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::NODEDEV;
            err
        })?;
        NodeDeviceDef::from_element(&root, mode)
    }

    pub fn from_element(root: &Element, mode: ParseMode) -> Result<NodeDeviceDef> {
        if root.name != "device" || root.ns.is_some() {
            return Err(Error::new(
                ErrorDomain::XML,
                ErrorCode::XML_ERROR,
                Some(format!(
                    "expecting root element of 'device', not '{}'",
                    root.name
                )),
            ));
        }
        let name = match mode {
            ParseMode::Existing => text_of(root, "name")
                .ok_or_else(|| Error::new(ErrorDomain::NODEDEV, ErrorCode::NO_NAME, None))?,
            ParseMode::Create => "new device".to_string(),
        };
        let mut def = NodeDeviceDef {
            path: text_of(root, "path"),
            devnode: None,
            devlinks: Vec::new(),
            parent: Parent::default(),
            driver: root.child("driver").and_then(|d| text_of(d, "name")),
            caps: Vec::new(),
            name,
        };
        for d in root.children_named("devnode") {
            match d.req_attr("type").map_err(nd)? {
                "dev" => def.devnode = Some(d.text()),
                "link" => def.devlinks.push(d.text()),
                other => {
                    return Err(nd(crate::read::invalid_value(d, "type", other, None)));
                }
            }
        }
        if let Some(p) = root.child("parent") {
            def.parent = Parent {
                name: Some(p.text()).filter(|t| !t.is_empty()),
                wwnn: p.string_attr("wwnn").filter(|v| !v.is_empty()),
                wwpn: p.string_attr("wwpn").filter(|v| !v.is_empty()),
                fabric_wwn: p.string_attr("fabric_wwn").filter(|v| !v.is_empty()),
            };
            match (&def.parent.wwnn, &def.parent.wwpn) {
                (Some(n), None) => {
                    return Err(err(
                        ErrorCode::XML_ERROR,
                        format!("when providing parent wwnn='{n}', the wwpn must also be provided"),
                    ))
                }
                (None, Some(p)) => {
                    return Err(err(
                        ErrorCode::XML_ERROR,
                        format!("when providing parent wwpn='{p}', the wwnn must also be provided"),
                    ))
                }
                _ => {}
            }
        }
        let caps: Vec<&Element> = root.children_named("capability").collect();
        if caps.is_empty() {
            return Err(internal(format!(
                "no device capabilities for '{}'",
                def.name
            )));
        }
        for c in caps {
            def.caps.push(parse_cap(c, &def.name, mode)?);
        }
        Ok(def)
    }

    /// The FC HBA capability, if the device is one.
    pub fn fc_host(&self) -> Option<&FcHost> {
        self.caps.iter().find_map(|c| match c {
            Capability::ScsiHost(s) => s.fc_host.as_ref(),
            _ => None,
        })
    }

    /// Prints the device in libvirt's layout.
    pub fn format(&self) -> String {
        let mut d = Out::new("device");
        d.text_child("name", &self.name);
        d.text_child_opt("path", self.path.as_ref());
        if let Some(n) = &self.devnode {
            d.push(Out::new("devnode").attr("type", "dev").text(n));
        }
        for l in &self.devlinks {
            d.push(Out::new("devnode").attr("type", "link").text(l));
        }
        d.text_child_opt("parent", self.parent.name.as_ref());
        if let Some(drv) = &self.driver {
            let mut o = Out::new("driver");
            o.text_child("name", drv);
            d.push(o);
        }
        for c in &self.caps {
            d.push(format_cap(c));
        }
        d.render(0)
    }
}

fn parse_cap(c: &Element, dev: &str, mode: ParseMode) -> Result<Capability> {
    let ty: CapType = c.req_enum_attr("type").map_err(nd)?;
    Ok(match ty {
        CapType::System => {
            let hw = c.child("hardware");
            let fw = c.child("firmware");
            let uuid_s = hw
                .and_then(|h| text_of(h, "uuid"))
                .ok_or_else(|| internal(format!("no system UUID supplied for '{dev}'")))?;
            let hw_uuid = parse_uuid(&uuid_s)
                .ok_or_else(|| internal(format!("malformed uuid element for '{dev}'")))?;
            Capability::System(SystemCap {
                product: text_of(c, "product"),
                hw_vendor: hw.and_then(|h| text_of(h, "vendor")),
                hw_version: hw.and_then(|h| text_of(h, "version")),
                hw_serial: hw.and_then(|h| text_of(h, "serial")),
                hw_uuid,
                fw_vendor: fw.and_then(|f| text_of(f, "vendor")),
                fw_version: fw.and_then(|f| text_of(f, "version")),
                fw_release_date: fw.and_then(|f| text_of(f, "release_date")),
            })
        }
        CapType::Pci => Capability::Pci(Box::new(parse_pci(c, dev)?)),
        CapType::UsbDevice => {
            let id = |n: &str, what: &str| -> Result<u32> {
                let v = c
                    .child(n)
                    .and_then(|e| e.string_attr("id"))
                    .ok_or_else(|| internal(format!("no USB {what} ID supplied for '{dev}'")))?;
                hex_id(&v)
                    .ok_or_else(|| internal(format!("invalid USB {what} ID supplied for '{dev}'")))
            };
            Capability::UsbDevice {
                bus: req_num(c, "bus", "USB bus number", dev)?,
                device: req_num(c, "device", "USB device number", dev)?,
                vendor: id("vendor", "vendor")?,
                product: id("product", "product")?,
                vendor_name: text_of(c, "vendor"),
                product_name: text_of(c, "product"),
            }
        }
        CapType::Usb => Capability::Usb {
            number: req_num(c, "number", "USB interface number", dev)?,
            class: req_num(c, "class", "USB interface class", dev)?,
            subclass: req_num(c, "subclass", "USB interface subclass", dev)?,
            protocol: req_num(c, "protocol", "USB interface protocol", dev)?,
            description: text_of(c, "description"),
        },
        CapType::Net => {
            let interface = text_of(c, "interface")
                .ok_or_else(|| internal(format!("no network interface supplied for '{dev}'")))?;
            let mut features = Vec::new();
            for f in c.children_named("feature") {
                let n = f.string_attr("name").ok_or_else(|| {
                    err(ErrorCode::XML_ERROR, "missing network device feature name")
                })?;
                let feat = NetFeature::from_xml(&n).ok_or_else(|| {
                    err(
                        ErrorCode::XML_ERROR,
                        format!("unknown network device feature '{n}'"),
                    )
                })?;
                if !features.contains(&feat) {
                    features.push(feat);
                }
            }
            let subtype = match c.child("capability").and_then(|s| s.string_attr("type")) {
                None => None,
                Some(t) => Some(NetSubtype::from_xml(&t).ok_or_else(|| {
                    unsupported(format!("invalid network type supplied for '{dev}'"))
                })?),
            };
            let link = match c.child("link") {
                None => Link::default(),
                Some(l) => Link::parse(l).map_err(nd)?,
            };
            Capability::Net {
                interface,
                address: text_of(c, "address"),
                link,
                features,
                subtype,
            }
        }
        CapType::ScsiHost => {
            let mut s = ScsiHostCap {
                unique_id: -1,
                ..Default::default()
            };
            if mode == ParseMode::Existing {
                s.host = req_num(c, "host", "SCSI host ID", dev)?;
                if let Some(u) = text_of(c, "unique_id") {
                    s.unique_id = num::xpath_number(&u)
                        .and_then(|v| i32::try_from(v).ok())
                        .ok_or_else(|| {
                            internal(format!("invalid unique_id supplied for '{dev}'"))
                        })?;
                }
            }
            for sub in c.children_named("capability") {
                let t = sub.string_attr("type").ok_or_else(|| {
                    internal(format!("missing SCSI host capability type for '{dev}'"))
                })?;
                match t.as_str() {
                    "vport_ops" => {
                        let n = |x: &str| {
                            text_of(sub, x)
                                .and_then(|v| num::xpath_number(&v))
                                .and_then(|v| i32::try_from(v).ok())
                                .unwrap_or(0)
                        };
                        s.vport_ops = Some((n("max_vports"), n("vports")));
                    }
                    "fc_host" => {
                        // libvirt would generate missing WWNs for a hypervisor type, but
                        // node device parsing names none, so generating always fails.
                        let wwn = |what: &str, upper: &str| {
                            text_of(sub, what).ok_or_else(|| {
                                internal(format!(
                                    "no {upper} supplied for '{dev}', and auto-generation failed"
                                ))
                            })
                        };
                        s.fc_host = Some(FcHost {
                            wwnn: Some(wwn("wwnn", "WWNN")?),
                            wwpn: Some(wwn("wwpn", "WWPN")?),
                            fabric_wwn: text_of(sub, "fabric_wwn"),
                        })
                    }
                    other => {
                        return Err(internal(format!(
                            "unknown SCSI host capability type '{other}' for '{dev}'"
                        )))
                    }
                }
            }
            Capability::ScsiHost(s)
        }
        CapType::ScsiTarget => {
            let target = text_of(c, "target")
                .ok_or_else(|| internal(format!("no target name supplied for '{dev}'")))?;
            let mut fc_remote_port = None;
            for sub in c.children_named("capability") {
                let t = sub.string_attr("type").ok_or_else(|| {
                    internal(format!(
                        "missing type for SCSI target capability for '{dev}'"
                    ))
                })?;
                if t != "fc_remote_port" {
                    return Err(internal(format!(
                        "unknown SCSI target capability type '{t}' for '{dev}'"
                    )));
                }
                let rport = text_of(sub, "rport")
                    .ok_or_else(|| internal(format!("missing rport name for '{dev}'")))?;
                let wwpn = text_of(sub, "wwpn")
                    .ok_or_else(|| internal(format!("missing wwpn identifier for '{dev}'")))?;
                fc_remote_port = Some((rport, wwpn));
            }
            Capability::ScsiTarget {
                target,
                fc_remote_port,
            }
        }
        CapType::Scsi => Capability::Scsi {
            host: req_num(c, "host", "SCSI host ID", dev)?,
            bus: req_num(c, "bus", "SCSI bus ID", dev)?,
            target: req_num(c, "target", "SCSI target ID", dev)?,
            lun: req_num(c, "lun", "SCSI LUN ID", dev)?,
            scsi_type: text_of(c, "type"),
        },
        CapType::Storage => Capability::Storage(Box::new(parse_storage(c, dev)?)),
        CapType::ScsiGeneric => Capability::ScsiGeneric {
            char_dev: text_of(c, "char").unwrap_or_default(),
        },
        CapType::Drm => {
            let t = text_of(c, "type").unwrap_or_default();
            Capability::Drm(
                DrmType::from_xml(&t)
                    .ok_or_else(|| unsupported(format!("unknown drm type '{t}' for '{dev}'")))?,
            )
        }
        CapType::Mdev => {
            let type_id = c
                .child("type")
                .and_then(|t| t.string_attr("id"))
                .ok_or_else(|| unsupported(format!("missing type id attribute for '{dev}'")))?;
            let uuid =
                match text_of(c, "uuid") {
                    None => None,
                    Some(u) => Some(parse_uuid(&u).ok_or_else(|| {
                        internal(format!("Invalid uuid '{u}' for new mdev device"))
                    })?),
                };
            let iommu_group = match c.child("iommuGroup").and_then(|g| g.string_attr("number")) {
                None => 0,
                Some(n) => num::xpath_number(&n)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        internal(format!("invalid iommuGroup number attribute for '{dev}'"))
                    })?,
            };
            let mut attrs = Vec::new();
            for a in c.children_named("attr") {
                match (a.string_attr("name"), a.string_attr("value")) {
                    (Some(n), Some(v)) => attrs.push((n, v)),
                    _ => return Err(unsupported("mdev attribute missing name or value")),
                }
            }
            Capability::Mdev {
                type_id,
                uuid,
                parent_addr: text_of(c, "parent_addr"),
                iommu_group,
                attrs,
            }
        }
        CapType::Ccw => Capability::Ccw(CcwAddr::parse(c, dev)?),
        CapType::Css => {
            let addr = CcwAddr::parse(c, dev)?;
            let mut mdev_types = None;
            for sub in c.children_named("capability") {
                if sub.attr("type") == Some("mdev_types") {
                    mdev_types = Some(parse_mdev_types(sub)?);
                }
            }
            let channel_dev_addr = c
                .child("channel_dev_addr")
                .map(|a| CcwAddr::parse(a, dev))
                .transpose()?;
            Capability::Css {
                addr,
                channel_dev_addr,
                mdev_types,
            }
        }
        CapType::Vdpa => Capability::Vdpa {
            chardev: text_of(c, "chardev").unwrap_or_default(),
        },
        CapType::ApCard => Capability::ApCard {
            adapter: ap_adapter(c, dev)?,
        },
        CapType::ApQueue => {
            let adapter = ap_adapter(c, dev)?;
            let d = text_of(c, "ap-domain")
                .ok_or_else(|| unsupported(format!("missing ap-domain value for '{dev}'")))?;
            let domain = num::to_ullp(&d, 0)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| unsupported(format!("invalid ap-domain value '{d}' for '{dev}'")))?;
            if domain > 255 {
                return Err(unsupported(format!(
                    "ap-domain value '{d}' is out of range for '{dev}'"
                )));
            }
            Capability::ApQueue { adapter, domain }
        }
        CapType::ApMatrix => {
            let mut mdev_types = None;
            for sub in c.children_named("capability") {
                if sub.attr("type") == Some("mdev_types") {
                    mdev_types = Some(parse_mdev_types(sub)?);
                }
            }
            Capability::ApMatrix { mdev_types }
        }
    })
}

fn ap_adapter(c: &Element, dev: &str) -> Result<u32> {
    let a = text_of(c, "ap-adapter")
        .ok_or_else(|| unsupported(format!("missing ap-adapter value for '{dev}'")))?;
    num::to_ullp(&a, 0)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| unsupported(format!("invalid ap-adapter value '{a}' for '{dev}'")))
}

fn parse_pci_link(l: &Element) -> Result<PcieLink> {
    let width = l
        .attr("width")
        .ok_or_else(|| {
            nd(crate::error::xml_error(
                "Missing required attribute 'width' in element 'link'",
            ))
        })
        .and_then(|w| {
            num::to_ullp(w, 0)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| {
                    nd(crate::read::invalid_value(
                        l,
                        "width",
                        w,
                        Some("Expected non-negative integer value"),
                    ))
                })
        })?;
    Ok(PcieLink {
        port: l.num_attr::<i32>("port").map_err(nd)?.unwrap_or(-1),
        speed: l.enum_attr("speed").map_err(nd)?,
        width,
    })
}

fn parse_vpd_fields(f: &Element) -> VpdFields {
    let idx = |e: &Element| e.attr("index").and_then(|i| i.chars().next());
    VpdFields {
        change_level: text_of(f, "change_level"),
        manufacture_id: text_of(f, "manufacture_id"),
        part_number: text_of(f, "part_number"),
        serial_number: text_of(f, "serial_number"),
        asset_tag: text_of(f, "asset_tag"),
        vendor: f
            .children_named("vendor_field")
            .filter_map(|e| idx(e).map(|i| (i, e.text())))
            .collect(),
        system: f
            .children_named("system_field")
            .filter_map(|e| idx(e).map(|i| (i, e.text())))
            .collect(),
    }
}

fn parse_pci(c: &Element, dev: &str) -> Result<PciCap> {
    let mut p = PciCap {
        class: match text_of(c, "class") {
            None => None,
            Some(k) => Some(
                hex_id(&k)
                    .filter(|v| *v <= 0xff_ffff)
                    .ok_or_else(|| internal(format!("invalid PCI class supplied for '{dev}'")))?,
            ),
        },
        address: PciAddr {
            domain: req_num(c, "domain", "PCI domain ID", dev)?,
            bus: req_num(c, "bus", "PCI bus ID", dev)?,
            slot: req_num(c, "slot", "PCI slot ID", dev)?,
            function: req_num(c, "function", "PCI function ID", dev)?,
        },
        ..Default::default()
    };
    let id = |n: &str, what: &str| -> Result<u32> {
        let v = c
            .child(n)
            .and_then(|e| e.string_attr("id"))
            .ok_or_else(|| internal(format!("no PCI {what} ID supplied for '{dev}'")))?;
        hex_id(&v).ok_or_else(|| internal(format!("invalid PCI {what} ID supplied for '{dev}'")))
    };
    p.vendor = id("vendor", "vendor")?;
    p.product = id("product", "product")?;
    p.vendor_name = text_of(c, "vendor");
    p.product_name = text_of(c, "product");
    for sub in c.children_named("capability") {
        let t = sub
            .string_attr("type")
            .ok_or_else(|| err(ErrorCode::XML_ERROR, "Missing capability type"))?;
        match t.as_str() {
            "phys_function" => {
                if let Some(a) = sub.child("address") {
                    p.physical_function = Some(PciAddr::parse(a)?);
                }
            }
            "virt_functions" => {
                let max = sub.num_attr::<u32>("maxCount").map_err(nd)?.unwrap_or(0);
                let addrs = sub
                    .children_named("address")
                    .map(PciAddr::parse)
                    .collect::<Result<Vec<_>>>()?;
                p.virtual_functions = Some((max, addrs));
            }
            "mdev_types" => p.mdev_types = Some(parse_mdev_types(sub)?),
            "vpd" => {
                let name = text_of(sub, "name").ok_or_else(|| {
                    err(
                        ErrorCode::XML_ERROR,
                        "Could not read a device name from the <name> element",
                    )
                })?;
                let mut vpd = Vpd {
                    name,
                    ..Default::default()
                };
                for f in sub.children_named("fields") {
                    match f.attr("access") {
                        Some("readonly") => vpd.read_only = Some(parse_vpd_fields(f)),
                        Some("readwrite") => vpd.read_write = Some(parse_vpd_fields(f)),
                        Some(a) => {
                            return Err(err(
                                ErrorCode::XML_ERROR,
                                format!("Unsupported VPD field access type specified {a}"),
                            ))
                        }
                        None => {
                            return Err(err(
                                ErrorCode::XML_ERROR,
                                "VPD fields access type parsing has failed",
                            ))
                        }
                    }
                }
                p.vpd = Some(vpd);
            }
            other => match PciHeader::from_xml(other) {
                Some(h) => p.header = Some(h),
                None => {
                    return Err(unsupported(format!(
                        "unknown capability type '{other}' for PCI device '{dev}'"
                    )))
                }
            },
        }
    }
    if let Some(g) = c.child("iommuGroup") {
        let n = g.num_attr::<u32>("number").map_err(nd)?.ok_or_else(|| {
            nd(crate::error::xml_error(
                "Missing required attribute 'number' in element 'iommuGroup'",
            ))
        })?;
        let addrs = g
            .children_named("address")
            .map(PciAddr::parse)
            .collect::<Result<Vec<_>>>()?;
        p.iommu_group = Some((n, addrs));
    }
    if let Some(n) = c.child("numa") {
        p.numa_node = n.num_attr::<i32>("node").map_err(nd)?;
    }
    if let Some(e) = c.child("pci-express") {
        let mut x = PciExpress::default();
        for l in e.children_named("link") {
            let link = parse_pci_link(l)?;
            match l.attr("validity") {
                Some("cap") => x.link_cap = Some(link),
                Some("sta") => x.link_sta = Some(link),
                _ => return Err(err(ErrorCode::XML_ERROR, "Undefined link validity")),
            }
        }
        p.pci_express = Some(x);
    }
    Ok(p)
}

fn parse_storage(c: &Element, dev: &str) -> Result<StorageCap> {
    let mut s = StorageCap {
        block: text_of(c, "block")
            .ok_or_else(|| internal(format!("no block device path supplied for '{dev}'")))?,
        bus: text_of(c, "bus"),
        drive_type: text_of(c, "drive_type"),
        model: text_of(c, "model"),
        vendor: text_of(c, "vendor"),
        serial: text_of(c, "serial"),
        ..Default::default()
    };
    let opt_u64 = |el: &Element, n: &str| -> u64 {
        text_of(el, n)
            .and_then(|v| num::xpath_number(&v))
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
    };
    for sub in c.children_named("capability") {
        let t = sub
            .string_attr("type")
            .ok_or_else(|| internal(format!("missing storage capability type for '{dev}'")))?;
        match t.as_str() {
            "hotpluggable" => s.hotpluggable = true,
            "removable" => {
                s.removable = Some(Removable {
                    media_available: sub
                        .children_named("media_available")
                        .any(|m| m.text() == "1"),
                    media_size: req_num(sub, "media_size", "removable media size", dev)?,
                    media_label: text_of(sub, "media_label"),
                });
                s.logical_block_size = opt_u64(sub, "logical_block_size");
                s.num_blocks = opt_u64(sub, "num_blocks");
            }
            other => {
                return Err(internal(format!(
                    "unknown storage capability type '{other}' for '{dev}'"
                )))
            }
        }
    }
    if s.removable.is_none() {
        s.size = req_num(c, "size", "size", dev)?;
        s.logical_block_size = opt_u64(c, "logical_block_size");
        s.num_blocks = opt_u64(c, "num_blocks");
    }
    Ok(s)
}

/// `<vendor id='0x...'>name</vendor>` and the like; USB devices print ` />` (with a space)
/// when there is no name, which only raw text can reproduce.
fn id_element(o: &mut Out, name: &str, id: u32, text: Option<&String>, usb_space: bool) {
    match text {
        Some(t) => o.push(Out::new(name).attr("id", format!("0x{id:04x}")).text(t)),
        None if usb_space => o.raw(format!("<{name} id='0x{id:04x}' />")),
        None => o.push(Out::new(name).attr("id", format!("0x{id:04x}"))),
    }
}

fn format_pci_link(name: &str, l: &PcieLink) -> Out {
    Out::new("link")
        .attr("validity", name)
        .attr_opt("port", (l.port >= 0).then_some(l.port))
        .attr_opt("speed", l.speed)
        .attr("width", l.width)
}

fn format_vpd_fields(access: &str, f: &VpdFields) -> Out {
    let mut o = Out::new("fields").attr("access", access);
    o.text_child_opt("change_level", f.change_level.as_ref());
    o.text_child_opt("manufacture_id", f.manufacture_id.as_ref());
    o.text_child_opt("part_number", f.part_number.as_ref());
    o.text_child_opt("serial_number", f.serial_number.as_ref());
    o.text_child_opt("asset_tag", f.asset_tag.as_ref());
    for (i, v) in &f.vendor {
        o.push(Out::new("vendor_field").attr("index", i).text(v));
    }
    for (i, v) in &f.system {
        o.push(Out::new("system_field").attr("index", i).text(v));
    }
    o.keep_open()
}

fn format_cap(c: &Capability) -> Out {
    let mut o = Out::new("capability")
        .attr("type", c.cap_type())
        .keep_open();
    match c {
        Capability::System(s) => {
            o.text_child_opt("product", s.product.as_ref());
            let mut hw = Out::new("hardware");
            hw.text_child_opt("vendor", s.hw_vendor.as_ref());
            hw.text_child_opt("version", s.hw_version.as_ref());
            hw.text_child_opt("serial", s.hw_serial.as_ref());
            hw.text_child("uuid", s.hw_uuid.hyphenated());
            o.push(hw);
            let mut fw = Out::new("firmware").keep_open();
            fw.text_child_opt("vendor", s.fw_vendor.as_ref());
            fw.text_child_opt("version", s.fw_version.as_ref());
            fw.text_child_opt("release_date", s.fw_release_date.as_ref());
            o.push(fw);
        }
        Capability::Pci(p) => {
            if let Some(k) = p.class {
                o.text_child("class", format!("0x{k:06x}"));
            }
            o.text_child("domain", p.address.domain);
            o.text_child("bus", p.address.bus);
            o.text_child("slot", p.address.slot);
            o.text_child("function", p.address.function);
            id_element(&mut o, "product", p.product, p.product_name.as_ref(), false);
            id_element(&mut o, "vendor", p.vendor, p.vendor_name.as_ref(), false);
            if let Some(pf) = &p.physical_function {
                let mut c = Out::new("capability").attr("type", "phys_function");
                c.push(pf.format());
                o.push(c);
            }
            if let Some((max, vfs)) = &p.virtual_functions {
                let mut c = Out::new("capability")
                    .attr("type", "virt_functions")
                    .attr_opt("maxCount", (*max > 0).then_some(max));
                for a in vfs {
                    c.push(a.format());
                }
                o.push(c);
            }
            if let Some(h) = p.header {
                o.push(Out::new("capability").attr("type", h));
            }
            if let Some(t) = &p.mdev_types {
                o.push_opt(format_mdev_types(t));
            }
            if let Some(v) = &p.vpd {
                let mut c = Out::new("capability").attr("type", "vpd");
                c.text_child("name", &v.name);
                if let Some(f) = &v.read_only {
                    c.push(format_vpd_fields("readonly", f));
                }
                if let Some(f) = &v.read_write {
                    c.push(format_vpd_fields("readwrite", f));
                }
                o.push(c);
            }
            if let Some((n, addrs)) = &p.iommu_group {
                if !addrs.is_empty() {
                    let mut g = Out::new("iommuGroup").attr("number", n);
                    for a in addrs {
                        g.push(a.format());
                    }
                    o.push(g);
                }
            }
            if let Some(n) = p.numa_node.filter(|n| *n >= 0) {
                o.push(Out::new("numa").attr("node", n));
            }
            if let Some(x) = &p.pci_express {
                let mut e = Out::new("pci-express");
                if let Some(l) = &x.link_cap {
                    e.push(format_pci_link("cap", l));
                }
                if let Some(l) = &x.link_sta {
                    e.push(format_pci_link("sta", l));
                }
                o.push(e);
            }
        }
        Capability::UsbDevice {
            bus,
            device,
            product,
            product_name,
            vendor,
            vendor_name,
        } => {
            o.text_child("bus", bus);
            o.text_child("device", device);
            id_element(&mut o, "product", *product, product_name.as_ref(), true);
            id_element(&mut o, "vendor", *vendor, vendor_name.as_ref(), true);
        }
        Capability::Usb {
            number,
            class,
            subclass,
            protocol,
            description,
        } => {
            o.text_child("number", number);
            o.text_child("class", class);
            o.text_child("subclass", subclass);
            o.text_child("protocol", protocol);
            o.text_child_opt("description", description.as_ref());
        }
        Capability::Net {
            interface,
            address,
            link,
            features,
            subtype,
        } => {
            o.text_child("interface", interface);
            o.text_child_opt("address", address.as_ref());
            o.push_opt(link.format());
            for f in NET_FEATURE_ORDER {
                if features.contains(&f) {
                    o.push(Out::new("feature").attr("name", f));
                }
            }
            if let Some(s) = subtype {
                o.push(Out::new("capability").attr("type", s));
            }
        }
        Capability::ScsiHost(s) => {
            o.text_child("host", s.host);
            if s.unique_id != -1 {
                o.text_child("unique_id", s.unique_id);
            }
            if let Some(f) = &s.fc_host {
                let mut c = Out::new("capability").attr("type", "fc_host");
                c.text_child_opt("wwnn", f.wwnn.as_ref());
                c.text_child_opt("wwpn", f.wwpn.as_ref());
                c.text_child_opt("fabric_wwn", f.fabric_wwn.as_ref());
                o.push(c.keep_open());
            }
            if let Some((max, cur)) = s.vport_ops {
                let mut c = Out::new("capability").attr("type", "vport_ops");
                c.text_child("max_vports", max);
                c.text_child("vports", cur);
                o.push(c);
            }
        }
        Capability::ScsiTarget {
            target,
            fc_remote_port,
        } => {
            o.text_child("target", target);
            if let Some((rport, wwpn)) = fc_remote_port {
                let mut c = Out::new("capability").attr("type", "fc_remote_port");
                c.text_child("rport", rport);
                c.text_child("wwpn", wwpn);
                o.push(c);
            }
        }
        Capability::Scsi {
            host,
            bus,
            target,
            lun,
            scsi_type,
        } => {
            o.text_child("host", host);
            o.text_child("bus", bus);
            o.text_child("target", target);
            o.text_child("lun", lun);
            o.text_child_opt("type", scsi_type.as_ref());
        }
        Capability::Storage(s) => {
            o.text_child("block", &s.block);
            o.text_child_opt("bus", s.bus.as_ref());
            o.text_child_opt("drive_type", s.drive_type.as_ref());
            o.text_child_opt("model", s.model.as_ref());
            o.text_child_opt("vendor", s.vendor.as_ref());
            o.text_child_opt("serial", s.serial.as_ref());
            let blocks = |x: &mut Out| {
                if s.logical_block_size > 0 {
                    x.text_child("logical_block_size", s.logical_block_size);
                }
                if s.num_blocks > 0 {
                    x.text_child("num_blocks", s.num_blocks);
                }
            };
            match &s.removable {
                Some(r) => {
                    let mut c = Out::new("capability").attr("type", "removable");
                    c.text_child("media_available", u8::from(r.media_available));
                    c.text_child("media_size", r.media_size);
                    c.text_child_opt("media_label", r.media_label.as_ref());
                    blocks(&mut c);
                    o.push(c);
                }
                None => {
                    o.text_child("size", s.size);
                    blocks(&mut o);
                }
            }
            if s.hotpluggable {
                o.push(Out::new("capability").attr("type", "hotpluggable"));
            }
        }
        Capability::ScsiGeneric { char_dev } => o.text_child("char", char_dev),
        Capability::Drm(t) => o.text_child("type", t),
        Capability::Mdev {
            type_id,
            uuid,
            parent_addr,
            iommu_group,
            attrs,
        } => {
            o.push(Out::new("type").attr("id", type_id));
            o.text_child_opt("uuid", uuid.map(|u| u.hyphenated()));
            o.text_child_opt("parent_addr", parent_addr.as_ref());
            o.push(Out::new("iommuGroup").attr("number", iommu_group));
            for (n, v) in attrs {
                o.push(Out::new("attr").attr("name", n).attr("value", v));
            }
        }
        Capability::Ccw(a) => a.format_into(&mut o),
        Capability::Css {
            addr,
            channel_dev_addr,
            mdev_types,
        } => {
            addr.format_into(&mut o);
            if let Some(ch) = channel_dev_addr {
                let mut c = Out::new("channel_dev_addr");
                ch.format_into(&mut c);
                o.push(c);
            }
            if let Some(t) = mdev_types {
                o.push_opt(format_mdev_types(t));
            }
        }
        Capability::Vdpa { chardev } => o.text_child("chardev", chardev),
        Capability::ApCard { adapter } => o.text_child("ap-adapter", format!("0x{adapter:02x}")),
        Capability::ApQueue { adapter, domain } => {
            o.text_child("ap-adapter", format!("0x{adapter:02x}"));
            o.text_child("ap-domain", format!("0x{domain:04x}"));
        }
        Capability::ApMatrix { mdev_types } => {
            if let Some(t) = mdev_types {
                o.push_opt(format_mdev_types(t));
            }
        }
    }
    o
}
