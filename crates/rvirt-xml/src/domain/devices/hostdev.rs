//! `<hostdev>`: a host device handed to the guest — a PCI function, a USB device, a SCSI
//! LUN (local adapter or iSCSI), a vhost-scsi target, a mediated device, or (for
//! containers) a block/character device or network interface.
//!
//! The PCI and USB source readers are public so `<interface type='hostdev'>` can reuse them.

use super::controller::{Controller, ControllerModel, ControllerType, ScsiModel};
use super::disk::{Disk, DiskBus, Sgio, VirtioModel};
use super::disk_source::{SourceHost, StartupPolicy, StorageAuth};
use super::netdev::NetIpInfo;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{Address, DeviceInfo, InfoAllow, PciAddress};
use crate::error::{internal, unsupported, xml_error};
use crate::num;
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum HostdevMode {
        Subsystem = "subsystem",
        Capabilities = "capabilities",
    }
}

xml_enum! {
    pub enum SubsysType {
        Usb = "usb",
        Pci = "pci",
        Scsi = "scsi",
        ScsiHost = "scsi_host",
        Mdev = "mdev",
    }
}

xml_enum! {
    pub enum CapsType {
        Storage = "storage",
        Misc = "misc",
        Net = "net",
    }
}

xml_enum! {
    /// Host driver used to assign a PCI device.
    pub enum PciBackend {
        Kvm = "kvm",
        Vfio = "vfio",
        Xen = "xen",
    }
}

xml_enum! {
    pub enum UsbGuestReset {
        Off = "off",
        Uninitialized = "uninitialized",
        On = "on",
    }
}

xml_enum! {
    pub enum MdevModel {
        VfioPci = "vfio-pci",
        VfioCcw = "vfio-ccw",
        VfioAp = "vfio-ap",
    }
}

xml_enum! {
    pub enum TeamingType {
        Persistent = "persistent",
        Transient = "transient",
    }
}

/// Reads the `<address domain= bus= slot= function=>` of a host PCI device.
pub fn parse_host_pci_address(el: &Element) -> Result<PciAddress> {
    let mut a = PciAddress {
        domain: num::uint_attr(el, "domain", 0, false)?.unwrap_or(0),
        bus: num::uint_attr(el, "bus", 0, false)?.unwrap_or(0),
        slot: num::uint_attr(el, "slot", 0, false)?.unwrap_or(0),
        function: num::uint_attr(el, "function", 0, false)?.unwrap_or(0),
        multifunction: el.on_off_attr("multifunction")?,
        zpci: None,
    };
    for (name, v, max) in [
        ("bus", a.bus, 0xFFu32),
        ("slot", a.slot, 0x1F),
        ("function", a.function, 7),
    ] {
        if v > max {
            return Err(xml_error(format!(
                "Invalid PCI address {name}='0x{v:x}', must be <= 0x{max:X}"
            )));
        }
    }
    a.multifunction = None;
    Ok(a)
}

/// A host PCI function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciSource {
    pub backend: Option<PciBackend>,
    pub write_filtering: Option<bool>,
    pub address: PciAddress,
}

impl PciSource {
    /// `hostdev` is the element holding `<driver>` and `<source>`.
    pub fn parse(hostdev: &Element, source: &Element) -> Result<PciSource> {
        let backend = match hostdev.child("driver") {
            Some(d) => d.enum_attr("name")?,
            None => None,
        };
        let address = match source.child("address") {
            Some(a) => parse_host_pci_address(a)?,
            None => PciAddress::default(),
        };
        Ok(PciSource {
            backend,
            write_filtering: source.yes_no_attr("writeFiltering")?,
            address,
        })
    }

    /// Appends `<driver>` (when set) and `<source>`; `typed_address` adds `type='pci'` to
    /// the address, as `<interface type='hostdev'>` prints it.
    pub fn format_into(&self, out: &mut Out, typed_address: bool) {
        if let Some(b) = self.backend {
            out.push(Out::new("driver").attr("name", b));
        }
        let mut s = Out::new("source").attr_opt("writeFiltering", self.write_filtering.map(yes_no));
        let mut a = Out::new("address");
        if typed_address {
            a.set("type", "pci");
        }
        self.address.write_attrs(&mut a);
        s.push(a);
        out.push(s);
    }
}

/// A host USB device, by vendor/product and/or bus/device.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UsbSource {
    pub startup_policy: Option<StartupPolicy>,
    pub auto_address: bool,
    pub guest_reset: Option<UsbGuestReset>,
    pub vendor: Option<u32>,
    pub product: Option<u32>,
    pub bus: u32,
    pub device: u32,
}

impl UsbSource {
    pub fn parse(source: &Element) -> Result<UsbSource> {
        let mut u = UsbSource {
            startup_policy: source.enum_attr("startupPolicy")?,
            auto_address: source.attr("autoAddress") == Some("yes"),
            guest_reset: source.enum_attr("guestReset")?,
            ..Default::default()
        };
        if let Some(v) = source.child("vendor") {
            u.vendor = Some(num::required(v, "id", num::uint_attr(v, "id", 0, false)?)?);
        }
        if let Some(p) = source.child("product") {
            u.product = Some(num::required(p, "id", num::uint_attr(p, "id", 0, false)?)?);
        }
        if let Some(a) = source.child("address") {
            u.bus = num::required(a, "bus", num::uint_attr(a, "bus", 0, false)?)?;
            u.device = num::required(a, "device", num::uint_attr(a, "device", 0, false)?)?;
        }
        match (u.vendor, u.product) {
            (Some(_), None) => return Err(internal("missing product")),
            (None, Some(_)) => return Err(internal("missing vendor")),
            _ => {}
        }
        Ok(u)
    }

    /// The `<source>` element, or `None` when empty; `typed_address` as for PCI.
    pub fn format(&self, ctx: &FormatCtx, typed_address: bool) -> Option<Out> {
        let mut s = Out::new("source").attr_opt("startupPolicy", self.startup_policy);
        if self.auto_address && ctx.migratable {
            s.set("autoAddress", "yes");
        }
        s.set_opt("guestReset", self.guest_reset);
        if let (Some(v), Some(p)) = (self.vendor, self.product) {
            s.push(Out::new("vendor").attr("id", format!("0x{v:04x}")));
            s.push(Out::new("product").attr("id", format!("0x{p:04x}")));
        }
        if self.bus != 0 || self.device != 0 {
            let mut a = Out::new("address");
            if typed_address {
                a.set("type", "usb");
            }
            a.set("bus", self.bus);
            a.set("device", self.device);
            s.push(a);
        }
        (!s.is_empty()).then_some(s)
    }
}

/// Where a SCSI host device comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScsiSource {
    /// A LUN behind a local SCSI host adapter.
    Host {
        adapter: String,
        bus: u32,
        target: u32,
        unit: u64,
    },
    Iscsi {
        name: String,
        host: SourceHost,
        auth: Option<StorageAuth>,
        initiator_iqn: Option<String>,
    },
}

/// A mediated device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MdevSource {
    pub model: MdevModel,
    pub display: Option<bool>,
    pub ramfb: Option<bool>,
    pub uuid: uuid::Uuid,
}

/// The device being assigned, by mode and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostdevSource {
    Usb(UsbSource),
    Pci(PciSource),
    Scsi {
        sgio: Option<Sgio>,
        rawio: Option<bool>,
        source: ScsiSource,
    },
    ScsiHost {
        model: Option<VirtioModel>,
        wwpn: String,
    },
    Mdev(MdevSource),
    /// Capabilities mode: a host block device path.
    Storage(String),
    /// Capabilities mode: a host character device path.
    Misc(String),
    /// Capabilities mode: a host network interface, with its IP settings.
    Net {
        interface: String,
        ip: NetIpInfo,
    },
}

/// `<teaming>` of a hostdev that backs up a virtio interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Teaming {
    pub kind: TeamingType,
    pub persistent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hostdev {
    pub managed: bool,
    pub source: HostdevSource,
    pub teaming: Option<Teaming>,
    pub readonly: bool,
    pub shareable: bool,
    pub info: DeviceInfo,
}

fn valid_wwn(s: &str) -> bool {
    let h = s.strip_prefix("0x").unwrap_or(s);
    h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit())
}

fn parse_scsi(source: &Element) -> Result<ScsiSource> {
    match source.attr("protocol") {
        Some("iscsi") => {
            let name = source
                .string_attr("name")
                .ok_or_else(|| xml_error("missing iSCSI hostdev source path name"))?;
            let hosts: Vec<&Element> = source.children_named("host").collect();
            let host = match hosts.as_slice() {
                [] => return Err(xml_error("missing the host address for the iSCSI hostdev")),
                [h] => SourceHost::parse(h)?,
                _ => {
                    return Err(xml_error(
                        "only one source host address may be specified for the iSCSI hostdev",
                    ))
                }
            };
            Ok(ScsiSource::Iscsi {
                name,
                host,
                auth: source.child("auth").map(StorageAuth::parse).transpose()?,
                initiator_iqn: source
                    .child("initiator")
                    .and_then(|i| i.child("iqn"))
                    .and_then(|q| q.string_attr("name")),
            })
        }
        Some("adapter") | None => {
            let addr = source
                .child("address")
                .ok_or_else(|| xml_error("'address' must be specified for scsi hostdev source"))?;
            let adapter = source
                .child("adapter")
                .and_then(|a| a.string_attr("name"))
                .ok_or_else(|| {
                    xml_error("'adapter' name must be specified for scsi hostdev source")
                })?;
            Ok(ScsiSource::Host {
                adapter,
                bus: num::required(addr, "bus", num::uint_attr(addr, "bus", 0, false)?)?,
                target: num::required(addr, "target", num::uint_attr(addr, "target", 0, false)?)?,
                unit: num::required(addr, "unit", num::ullong_attr(addr, "unit", 0)?)?,
            })
        }
        Some(p) => Err(unsupported(format!(
            "Unknown SCSI subsystem protocol '{p}'"
        ))),
    }
}

impl Hostdev {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Hostdev> {
        let mode = match el.attr("mode") {
            None => HostdevMode::Subsystem,
            Some(m) => HostdevMode::from_xml(m)
                .ok_or_else(|| unsupported(format!("unknown hostdev mode '{m}'")))?,
        };
        let ty = el
            .attr("type")
            .ok_or_else(|| xml_error("missing source address type"))?;
        let unknown_type =
            || unsupported(format!("unknown host device source address type '{ty}'"));
        let managed = el.attr("managed") == Some("yes");
        let mut readonly = false;
        let mut shareable = false;
        let source = match mode {
            HostdevMode::Subsystem => {
                let st = SubsysType::from_xml(ty).ok_or_else(unknown_type)?;
                if st != SubsysType::Scsi {
                    if el.attr("sgio").is_some() {
                        return Err(xml_error("sgio is only supported for scsi host device"));
                    }
                    if el.attr("rawio").is_some() {
                        return Err(xml_error("rawio is only supported for scsi host device"));
                    }
                }
                if !matches!(st, SubsysType::ScsiHost | SubsysType::Mdev)
                    && el.attr("model").is_some()
                {
                    return Err(xml_error(
                        "'model' attribute in <hostdev> is only supported when type='pci'",
                    ));
                }
                let mdev_model = if st == SubsysType::Mdev {
                    Some(el.req_enum_attr::<MdevModel>("model")?)
                } else {
                    None
                };
                let src = el
                    .child("source")
                    .ok_or_else(|| xml_error("Missing <source> element in hostdev device"))?;
                match st {
                    SubsysType::Pci => HostdevSource::Pci(PciSource::parse(el, src)?),
                    SubsysType::Usb => HostdevSource::Usb(UsbSource::parse(src)?),
                    SubsysType::Scsi => {
                        readonly = el.child("readonly").is_some();
                        shareable = el.child("shareable").is_some();
                        HostdevSource::Scsi {
                            sgio: el.enum_attr("sgio")?,
                            rawio: el.yes_no_attr("rawio")?,
                            source: parse_scsi(src)?,
                        }
                    }
                    SubsysType::ScsiHost => {
                        let model = el.enum_attr("model")?;
                        match src.attr("protocol") {
                            None => return Err(xml_error("Missing scsi_host subsystem protocol")),
                            Some("vhost") => {}
                            Some(p) => {
                                return Err(unsupported(format!(
                                    "Unknown scsi_host subsystem protocol '{p}'"
                                )))
                            }
                        }
                        let wwpn = src
                            .string_attr("wwpn")
                            .ok_or_else(|| xml_error("missing vhost-scsi hostdev source wwpn"))?;
                        if !wwpn.strip_prefix("naa.").is_some_and(valid_wwn) {
                            return Err(xml_error("malformed 'wwpn' value"));
                        }
                        HostdevSource::ScsiHost { model, wwpn }
                    }
                    SubsysType::Mdev => {
                        let addr = src
                            .child("address")
                            .ok_or_else(|| unsupported("Missing <address> element"))?;
                        let u = addr.attr("uuid").ok_or_else(|| {
                            unsupported("Missing 'uuid' attribute for element <address>")
                        })?;
                        let uuid = crate::uuids::parse_uuid(u).ok_or_else(|| {
                            internal("Cannot parse uuid attribute of element <address>")
                        })?;
                        HostdevSource::Mdev(MdevSource {
                            model: mdev_model.unwrap_or(MdevModel::VfioPci),
                            display: el.on_off_attr("display")?,
                            ramfb: el.on_off_attr("ramfb")?,
                            uuid,
                        })
                    }
                }
            }
            HostdevMode::Capabilities => {
                let ct = CapsType::from_xml(ty).ok_or_else(unknown_type)?;
                let src = el.child("source");
                let text = |name: &str, what: &str| -> Result<String> {
                    src.and_then(|s| s.child_text(name)).ok_or_else(|| {
                        xml_error(format!("Missing <{name}> element in hostdev {what} device"))
                    })
                };
                match ct {
                    CapsType::Storage => HostdevSource::Storage(text("block", "storage")?),
                    CapsType::Misc => HostdevSource::Misc(text("char", "character")?),
                    CapsType::Net => HostdevSource::Net {
                        interface: text("interface", "net")?,
                        ip: NetIpInfo::parse(el, "Domain hostdev device")?,
                    },
                }
            }
        };
        let teaming = match el.child("teaming") {
            None => None,
            Some(t) => {
                let kind = t.req_enum_attr::<TeamingType>("type")?;
                let persistent = t.string_attr("persistent");
                if kind != TeamingType::Transient {
                    return Err(unsupported(
                        "teaming hostdev devices must have type='transient'",
                    ));
                }
                if persistent.is_none() {
                    return Err(unsupported(
                        "missing required persistent attribute in hostdev teaming element",
                    ));
                }
                Some(Teaming { kind, persistent })
            }
        };
        let info = DeviceInfo::parse(
            el,
            ctx,
            InfoAllow {
                boot: true,
                rom: true,
            },
        )?;
        Ok(Hostdev {
            managed,
            source,
            teaming,
            readonly,
            shareable,
            info,
        })
    }

    /// True for a USB device passed through from the host.
    pub fn is_usb(&self) -> bool {
        matches!(self.source, HostdevSource::Usb(_))
    }

    pub fn mode(&self) -> HostdevMode {
        match self.source {
            HostdevSource::Storage(_) | HostdevSource::Misc(_) | HostdevSource::Net { .. } => {
                HostdevMode::Capabilities
            }
            _ => HostdevMode::Subsystem,
        }
    }

    fn type_str(&self) -> &'static str {
        match &self.source {
            HostdevSource::Usb(_) => "usb",
            HostdevSource::Pci(_) => "pci",
            HostdevSource::Scsi { .. } => "scsi",
            HostdevSource::ScsiHost { .. } => "scsi_host",
            HostdevSource::Mdev(_) => "mdev",
            HostdevSource::Storage(_) => "storage",
            HostdevSource::Misc(_) => "misc",
            HostdevSource::Net { .. } => "net",
        }
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("hostdev")
            .attr("mode", self.mode())
            .attr("type", self.type_str());
        if self.mode() == HostdevMode::Subsystem {
            o.set("managed", yes_no(self.managed));
        }
        match &self.source {
            HostdevSource::Scsi { sgio, rawio, .. } => {
                o.set_opt("sgio", *sgio);
                o.set_opt("rawio", rawio.map(yes_no));
            }
            HostdevSource::ScsiHost { model, .. } => o.set_opt("model", *model),
            HostdevSource::Mdev(m) => {
                o.set("model", m.model);
                o.set_opt("display", m.display.map(on_off));
                o.set_opt("ramfb", m.ramfb.map(on_off));
            }
            _ => {}
        }
        match &self.source {
            HostdevSource::Pci(p) => p.format_into(&mut o, false),
            HostdevSource::Usb(u) => o.push_opt(u.format(ctx, false)),
            HostdevSource::Scsi { source, .. } => {
                let mut s = Out::new("source");
                match source {
                    ScsiSource::Host {
                        adapter,
                        bus,
                        target,
                        unit,
                    } => {
                        s.push(Out::new("adapter").attr("name", adapter));
                        s.push(
                            Out::new("address")
                                .attr("bus", bus)
                                .attr("target", target)
                                .attr("unit", unit),
                        );
                    }
                    ScsiSource::Iscsi {
                        name,
                        host,
                        auth,
                        initiator_iqn,
                    } => {
                        s.set("protocol", "iscsi");
                        s.set("name", name);
                        s.push(host.format());
                        s.push_opt(auth.as_ref().map(StorageAuth::format));
                        if let Some(i) = initiator_iqn {
                            let mut init = Out::new("initiator");
                            init.push(Out::new("iqn").attr("name", i));
                            s.push(init);
                        }
                    }
                }
                o.push(s);
            }
            HostdevSource::ScsiHost { wwpn, .. } => o.push(
                Out::new("source")
                    .attr("protocol", "vhost")
                    .attr("wwpn", wwpn),
            ),
            HostdevSource::Mdev(m) => {
                let mut s = Out::new("source");
                s.push(Out::new("address").attr("uuid", m.uuid.hyphenated()));
                o.push(s);
            }
            HostdevSource::Storage(b) => {
                let mut s = Out::new("source");
                s.text_child("block", b);
                o.push(s);
            }
            HostdevSource::Misc(c) => {
                let mut s = Out::new("source");
                s.text_child("char", c);
                o.push(s);
            }
            HostdevSource::Net { interface, ip } => {
                let mut s = Out::new("source");
                s.text_child("interface", interface);
                o.push(s);
                ip.format_into(&mut o);
            }
        }
        if let Some(t) = &self.teaming {
            o.push(
                Out::new("teaming")
                    .attr("type", t.kind)
                    .attr_opt("persistent", t.persistent.as_ref()),
            );
        }
        if self.readonly {
            o.push(Out::new("readonly"));
        }
        if self.shareable {
            o.push(Out::new("shareable"));
        }
        self.info.format_into(&mut o, ctx);
        o.keep_open()
    }

    /// The iSCSI LUN suffix libvirt adds to a target name without one. SCSI drive
    /// addresses need the other devices: see [`assign_scsi_hostdev_addresses`].
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if let HostdevSource::Scsi {
            source: ScsiSource::Iscsi { name, .. },
            ..
        } = &mut self.source
        {
            if !name.contains('/') {
                name.push_str("/0");
            }
        }
        Ok(())
    }

    /// Checks libvirt makes at validation time that concern one host device.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if let HostdevSource::Scsi {
            sgio: Some(Sgio::Unfiltered),
            ..
        } = self.source
        {
            return Err(unsupported("unfiltered sgio is no longer supported"));
        }
        Ok(())
    }

    /// The SCSI controller index a SCSI host device's drive address refers to (the
    /// domain adds implicit SCSI controllers up to the highest one).
    pub fn scsi_controller_index(&self) -> Option<u32> {
        self.scsi_drive().map(|(c, _, _, _)| c)
    }

    fn scsi_drive(&self) -> Option<(u32, u32, u32, u32)> {
        match (&self.source, &self.info.address) {
            (
                HostdevSource::Scsi { .. },
                Some(Address::Drive {
                    controller,
                    bus,
                    target,
                    unit,
                }),
            ) => Some((*controller, *bus, *target, *unit)),
            _ => None,
        }
    }
}

/// Units per SCSI bus a default address may use.
const SCSI_NARROW_MAX_UNIT: u32 = 7;
const SCSI_WIDE_MAX_UNIT: u32 = 16;

fn scsi_address_used(
    disks: &[Disk],
    controllers: &[Controller],
    hostdevs: &[Hostdev],
    addr: (u32, u32, u32, u32),
) -> bool {
    let (controller, _, _, unit) = addr;
    let cont = controllers
        .iter()
        .find(|c| c.kind == ControllerType::Scsi && c.index == Some(controller));
    if let Some(c) = cont {
        let (max, reserved) = match c.model {
            Some(ControllerModel::Scsi(
                ScsiModel::VirtioScsi
                | ScsiModel::VirtioTransitional
                | ScsiModel::VirtioNonTransitional,
            )) => (Some(16383), None),
            Some(ControllerModel::Scsi(ScsiModel::Vmpvscsi)) => (Some(64), Some(7)),
            Some(ControllerModel::Scsi(ScsiModel::Lsisas1068)) => {
                (Some(SCSI_WIDE_MAX_UNIT), Some(7))
            }
            Some(ControllerModel::Scsi(ScsiModel::Lsisas1078)) => (Some(64), Some(7)),
            _ => (None, None),
        };
        if max.is_some_and(|m| unit > m) || reserved == Some(unit) {
            return true;
        }
    }
    let by_disk = disks.iter().any(|d| {
        d.target.bus == Some(DiskBus::Scsi)
            && matches!(d.info.address, Some(Address::Drive { controller: c, bus: b, target: t, unit: u })
                if (c, b, t, u) == addr)
    });
    by_disk || hostdevs.iter().any(|h| h.scsi_drive() == Some(addr))
}

/// Gives each SCSI host device without an address the first free unit (bus 0, target 0)
/// on the lowest controller index with room, as libvirt's device post-parse does. Needs
/// the disks (already post-parsed) and controllers of the domain, so the domain-level
/// post-parse calls it. `wide_scsi` as for disks.
pub fn assign_scsi_hostdev_addresses(
    disks: &[Disk],
    controllers: &[Controller],
    hostdevs: &mut [Hostdev],
    wide_scsi: bool,
) {
    let max_unit = if wide_scsi {
        SCSI_WIDE_MAX_UNIT
    } else {
        SCSI_NARROW_MAX_UNIT
    };
    for i in 0..hostdevs.len() {
        if !matches!(hostdevs[i].source, HostdevSource::Scsi { .. })
            || hostdevs[i].info.address.is_some()
        {
            continue;
        }
        let mut found = None;
        let mut controller = 0u32;
        while found.is_none() {
            for unit in 0..max_unit {
                if wide_scsi && unit == 7 {
                    continue;
                }
                if !scsi_address_used(disks, controllers, hostdevs, (controller, 0, 0, unit)) {
                    found = Some((controller, unit));
                    break;
                }
            }
            if found.is_none() {
                controller = match controller.checked_add(1) {
                    Some(c) => c,
                    None => break,
                };
            }
        }
        if let Some((controller, unit)) = found {
            hostdevs[i].info.address = Some(Address::Drive {
                controller,
                bus: 0,
                target: 0,
                unit,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;
    use rvirt_core::Error;

    fn parse(xml: &str) -> Result<Hostdev> {
        let el = parse_document(xml, "d").map_err(Error::from)?;
        Hostdev::parse(&el, &ParseCtx { inactive: true })
    }

    fn fmt(h: &Hostdev) -> String {
        h.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn defaults() {
        let h = parse("<hostdev type='pci'><source/></hostdev>").expect("ok");
        assert_eq!(
            fmt(&h),
            "<hostdev mode='subsystem' type='pci' managed='no'>\n  <source>\n    <address domain='0x0000' bus='0x00' slot='0x00' function='0x0'/>\n  </source>\n</hostdev>\n"
        );
        let h = parse(
            "<hostdev mode='subsystem' type='usb'><source><vendor id='0xABCD'/><product id='2'/><address bus='0x10' device='010'/></source></hostdev>",
        )
        .expect("ok");
        let s = fmt(&h);
        assert!(s.contains("<vendor id='0xabcd'/>") && s.contains("<product id='0x0002'/>"));
        assert!(s.contains("<address bus='16' device='8'/>"));
        let mut h = parse(
            "<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='iqn.x'><host name='a'/></source></hostdev>",
        )
        .expect("ok");
        h.post_parse(&DomainEnv::default()).expect("post");
        assert!(fmt(&h).contains("name='iqn.x/0'"));
        assert!(fmt(&h).contains("<host name='a'/>"));
    }

    #[test]
    fn scsi_addresses_skip_used_units() {
        let mut hs = vec![
            parse("<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/><address bus='0' target='0' unit='0'/></source></hostdev>").expect("ok"),
            parse("<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/><address bus='0' target='0' unit='1'/></source><address type='drive' controller='0' bus='0' target='0' unit='5'/></hostdev>").expect("ok"),
            parse("<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='x/1'><host name='a'/></source></hostdev>").expect("ok"),
        ];
        assign_scsi_hostdev_addresses(&[], &[], &mut hs, false);
        let units: Vec<_> = hs
            .iter()
            .map(|h| match h.info.address {
                Some(Address::Drive { unit, .. }) => unit,
                _ => 99,
            })
            .collect();
        assert_eq!(units, vec![0, 5, 1]);
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<hostdev mode='foo' type='pci'><source/></hostdev>",
             "unsupported configuration: unknown hostdev mode 'foo'"),
            ("<hostdev mode='subsystem'><source/></hostdev>",
             "XML error: missing source address type"),
            ("<hostdev mode='subsystem' type='foo'><source/></hostdev>",
             "unsupported configuration: unknown host device source address type 'foo'"),
            ("<hostdev mode='subsystem' type='pci'><driver name='foo'/><source/></hostdev>",
             "XML error: Invalid value for attribute 'name' in element 'driver': 'foo'."),
            ("<hostdev mode='subsystem' type='pci'><source><address bus='x'/></source></hostdev>",
             "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"),
            ("<hostdev mode='subsystem' type='pci'><source><address bus='256'/></source></hostdev>",
             "XML error: Invalid PCI address bus='0x100', must be <= 0xFF"),
            ("<hostdev mode='subsystem' type='pci'></hostdev>",
             "XML error: Missing <source> element in hostdev device"),
            ("<hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/></source></hostdev>",
             "internal error: missing product"),
            ("<hostdev mode='subsystem' type='usb'><source><address bus='1'/></source></hostdev>",
             "XML error: Missing required attribute 'device' in element 'address'"),
            ("<hostdev mode='subsystem' type='scsi'><source><adapter name='h'/></source></hostdev>",
             "XML error: 'address' must be specified for scsi hostdev source"),
            ("<hostdev mode='subsystem' type='scsi'><source protocol='iscsi' name='x'/></hostdev>",
             "XML error: missing the host address for the iSCSI hostdev"),
            ("<hostdev mode='subsystem' type='scsi_host'><source wwpn='naa.5123456789abcde0'/></hostdev>",
             "XML error: Missing scsi_host subsystem protocol"),
            ("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='xyz'/></hostdev>",
             "XML error: malformed 'wwpn' value"),
            ("<hostdev mode='subsystem' type='mdev'><source/></hostdev>",
             "XML error: Missing required attribute 'model' in element 'hostdev'"),
            ("<hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='x'/></source></hostdev>",
             "internal error: Cannot parse uuid attribute of element <address>"),
            ("<hostdev mode='capabilities' type='storage'><source/></hostdev>",
             "XML error: Missing <block> element in hostdev storage device"),
            ("<hostdev mode='subsystem' type='pci' sgio='filtered'><source/></hostdev>",
             "XML error: sgio is only supported for scsi host device"),
            ("<hostdev mode='subsystem' type='pci'><source/><teaming type='persistent'/></hostdev>",
             "unsupported configuration: teaming hostdev devices must have type='transient'"),
        ];
        for (xml, msg) in cases {
            assert_eq!(
                parse(xml).err().map(|e| e.message).as_deref(),
                Some(msg),
                "{xml}"
            );
        }
        let h = parse("<hostdev mode='subsystem' type='scsi' sgio='unfiltered'><source><adapter name='h'/><address bus='0' target='0' unit='0'/></source></hostdev>").expect("ok");
        assert_eq!(
            h.validate(&DomainEnv::default())
                .err()
                .map(|e| e.message)
                .as_deref(),
            Some("unsupported configuration: unfiltered sgio is no longer supported")
        );
    }
}
