//! `<disk>`: a block device of the guest backed by a storage source.
//!
//! The source itself (and its backing chain) lives in [`super::disk_source`]; this module
//! holds the guest-facing side: driver tuning, target bus, I/O limits, identification
//! strings, and the post-parse defaults libvirt derives from the target name.

use super::controller::ControllerType;
use super::disk_source::{
    format_metadata_cache, parse_metadata_cache, BackingStore, DiskType, SourceKind, StorageFormat,
    StorageSource,
};
use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{Address, DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, yes_no, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

xml_enum! {
    pub enum DiskDevice {
        Disk = "disk",
        Cdrom = "cdrom",
        Floppy = "floppy",
        Lun = "lun",
    }
}

xml_enum! {
    pub enum DiskBus {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Virtio = "virtio",
        Xen = "xen",
        Usb = "usb",
        Uml = "uml",
        Sata = "sata",
        Sd = "sd",
    }
}

xml_enum! {
    /// Virtio device flavour (also used by other virtio devices).
    pub enum VirtioModel {
        Virtio = "virtio",
        Transitional = "virtio-transitional",
        NonTransitional = "virtio-non-transitional",
    }
}

xml_enum! {
    pub enum Sgio {
        Filtered = "filtered",
        Unfiltered = "unfiltered",
    }
}

xml_enum! {
    /// Where snapshots of this disk go.
    pub enum SnapshotLocation {
        No = "no",
        Internal = "internal",
        External = "external",
        Manual = "manual",
    }
}

xml_enum! {
    pub enum DiskCache {
        Default = "default",
        None = "none",
        Writethrough = "writethrough",
        Writeback = "writeback",
        Directsync = "directsync",
        Unsafe = "unsafe",
    }
}

xml_enum! {
    pub enum ErrorPolicy {
        Stop = "stop",
        Report = "report",
        Ignore = "ignore",
        Enospace = "enospace",
    }
}

xml_enum! {
    pub enum DiskIo {
        Native = "native",
        Threads = "threads",
        IoUring = "io_uring",
    }
}

xml_enum! {
    pub enum DiskDiscard {
        Unmap = "unmap",
        Ignore = "ignore",
    }
}

xml_enum! {
    pub enum DetectZeroes {
        Off = "off",
        On = "on",
        Unmap = "unmap",
    }
}

xml_enum! {
    pub enum Tray {
        Closed = "closed",
        Open = "open",
    }
}

xml_enum! {
    pub enum GeometryTrans {
        None = "none",
        Auto = "auto",
        Lba = "lba",
    }
}

/// `<driver>` of a disk. The image format is kept here too (libvirt stores it with the
/// source but prints it on the driver).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DiskDriver {
    pub name: Option<String>,
    pub format: Option<StorageFormat>,
    pub cache: Option<DiskCache>,
    pub error_policy: Option<ErrorPolicy>,
    pub rerror_policy: Option<ErrorPolicy>,
    pub io: Option<DiskIo>,
    pub ioeventfd: Option<bool>,
    pub event_idx: Option<bool>,
    pub copy_on_read: Option<bool>,
    pub discard: Option<DiskDiscard>,
    pub iothread: Option<u32>,
    pub detect_zeroes: Option<DetectZeroes>,
    pub queues: Option<u32>,
    pub queue_size: Option<u32>,
    pub virtio: VirtioOptions,
    /// qcow2 metadata cache limit, bytes.
    pub metadata_cache_max: Option<u64>,
}

impl DiskDriver {
    fn parse(el: &Element) -> Result<DiskDriver> {
        let format = match el.attr("type") {
            None => None,
            Some("aio") => Some(StorageFormat::Raw),
            Some(t) => Some(
                StorageFormat::from_xml(t)
                    .ok_or_else(|| unsupported(format!("unknown driver format value '{t}'")))?,
            ),
        };
        let cache = el
            .enum_attr::<DiskCache>("cache")?
            .filter(|c| *c != DiskCache::Default);
        let rerror_policy = el.enum_attr::<ErrorPolicy>("rerror_policy")?;
        if rerror_policy == Some(ErrorPolicy::Enospace) {
            return Err(unsupported("Invalid disk read error policy: 'enospace'"));
        }
        let iothread = el.num_attr::<u32>("iothread")?;
        if iothread == Some(0) {
            return Err(xml_error(
                "Invalid value for attribute 'iothread' in element 'driver': Zero is not permitted",
            ));
        }
        Ok(DiskDriver {
            name: el.string_attr("name"),
            format,
            cache,
            error_policy: el.enum_attr("error_policy")?,
            rerror_policy,
            io: el.enum_attr("io")?,
            ioeventfd: el.on_off_attr("ioeventfd")?,
            event_idx: el.on_off_attr("event_idx")?,
            copy_on_read: el.on_off_attr("copy_on_read")?,
            discard: el.enum_attr("discard")?,
            iothread,
            detect_zeroes: el.enum_attr("detect_zeroes")?,
            queues: el.num_attr::<u32>("queues")?.filter(|q| *q != 0),
            queue_size: el.num_attr::<u32>("queue_size")?.filter(|q| *q != 0),
            virtio: VirtioOptions::parse(el)?,
            metadata_cache_max: parse_metadata_cache(el)?,
        })
    }

    fn format(&self) -> Out {
        let mut o = Out::new("driver")
            .attr_opt("name", self.name.as_ref())
            .attr_opt("type", self.format)
            .attr_opt("cache", self.cache)
            .attr_opt("error_policy", self.error_policy)
            .attr_opt("rerror_policy", self.rerror_policy)
            .attr_opt("io", self.io)
            .attr_opt("ioeventfd", self.ioeventfd.map(on_off))
            .attr_opt("event_idx", self.event_idx.map(on_off))
            .attr_opt("copy_on_read", self.copy_on_read.map(on_off))
            .attr_opt("discard", self.discard)
            .attr_opt("iothread", self.iothread)
            .attr_opt("detect_zeroes", self.detect_zeroes)
            .attr_opt("queues", self.queues)
            .attr_opt("queue_size", self.queue_size);
        self.virtio.write_attrs(&mut o);
        if let Some(m) = self.metadata_cache_max {
            o.push(format_metadata_cache(m));
        }
        o
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub cyls: u32,
    pub heads: u32,
    pub secs: u32,
    pub trans: Option<GeometryTrans>,
}

/// `<target>`: how the guest sees the disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskTarget {
    pub dev: String,
    /// Absent until post-parse derives it from the device name.
    pub bus: Option<DiskBus>,
    pub tray: Option<Tray>,
    pub removable: Option<bool>,
    pub rotation_rate: Option<u32>,
}

/// `<iotune>` limits; zero means unlimited and is not printed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IoTune {
    pub total_bytes_sec: u64,
    pub read_bytes_sec: u64,
    pub write_bytes_sec: u64,
    pub total_iops_sec: u64,
    pub read_iops_sec: u64,
    pub write_iops_sec: u64,
    pub total_bytes_sec_max: u64,
    pub read_bytes_sec_max: u64,
    pub write_bytes_sec_max: u64,
    pub total_iops_sec_max: u64,
    pub read_iops_sec_max: u64,
    pub write_iops_sec_max: u64,
    pub size_iops_sec: u64,
    pub group_name: Option<String>,
    pub total_bytes_sec_max_length: u64,
    pub read_bytes_sec_max_length: u64,
    pub write_bytes_sec_max_length: u64,
    pub total_iops_sec_max_length: u64,
    pub read_iops_sec_max_length: u64,
    pub write_iops_sec_max_length: u64,
}

macro_rules! iotune_fields {
    ($m:ident) => {
        $m!(
            total_bytes_sec,
            read_bytes_sec,
            write_bytes_sec,
            total_iops_sec,
            read_iops_sec,
            write_iops_sec,
            total_bytes_sec_max,
            read_bytes_sec_max,
            write_bytes_sec_max,
            total_iops_sec_max,
            read_iops_sec_max,
            write_iops_sec_max,
            size_iops_sec
        )
    };
}

macro_rules! iotune_len_fields {
    ($m:ident) => {
        $m!(
            total_bytes_sec_max_length,
            read_bytes_sec_max_length,
            write_bytes_sec_max_length,
            total_iops_sec_max_length,
            read_iops_sec_max_length,
            write_iops_sec_max_length
        )
    };
}

impl IoTune {
    fn parse(el: &Element) -> Result<IoTune> {
        let mut t = IoTune::default();
        let num = |name: &str| -> Result<u64> {
            match el.child(name) {
                None => Ok(0),
                Some(c) => c.text().trim().parse::<u64>().map_err(|_| {
                    xml_error(format!("disk iotune field '{name}' must be an integer"))
                }),
            }
        };
        macro_rules! read {
            ($($f:ident),*) => {$( t.$f = num(stringify!($f))?; )*};
        }
        iotune_fields!(read);
        iotune_len_fields!(read);
        t.group_name = el.child_text("group_name");
        Ok(t)
    }

    fn format(&self) -> Out {
        let mut o = Out::new("iotune");
        macro_rules! write {
            ($($f:ident),*) => {$(
                if self.$f != 0 {
                    o.text_child(stringify!($f), self.$f);
                }
            )*};
        }
        iotune_fields!(write);
        o.text_child_opt("group_name", self.group_name.as_ref());
        iotune_len_fields!(write);
        o
    }
}

/// A disk device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disk {
    pub device: DiskDevice,
    pub model: Option<VirtioModel>,
    pub rawio: Option<bool>,
    pub sgio: Option<Sgio>,
    pub snapshot: Option<SnapshotLocation>,
    pub driver: DiskDriver,
    pub source: StorageSource,
    /// `<auth>` was given as a child of `<disk>` (old placement) and is printed there.
    pub auth_on_disk: bool,
    /// Likewise for `<encryption>`.
    pub encryption_on_disk: bool,
    pub backing_store: BackingStore,
    pub backend_domain: Option<String>,
    pub geometry: Option<Geometry>,
    pub logical_block_size: Option<u32>,
    pub physical_block_size: Option<u32>,
    pub target: DiskTarget,
    pub iotune: Option<IoTune>,
    pub readonly: bool,
    pub shareable: bool,
    /// `<transient>`; the flag is `shareBacking`.
    pub transient: Option<bool>,
    pub serial: Option<String>,
    pub wwn: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub info: DeviceInfo,
}

fn no_target(path: Option<&str>) -> Error {
    Error::new(
        ErrorDomain::DOMAIN,
        ErrorCode::NO_TARGET,
        path.map(str::to_string),
    )
}

/// libvirt's check of a World Wide Name: 16 hex digits, optionally after `0x`.
fn valid_wwn(s: &str) -> bool {
    let h = s.strip_prefix("0x").unwrap_or(s);
    h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit())
}

fn check_printable(v: &str, what: &str, max: usize) -> Result<()> {
    if v.chars().count() > max {
        return Err(unsupported(format!(
            "disk {what} is more than {max} characters"
        )));
    }
    if !v.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(unsupported(format!("disk {what} is not printable string")));
    }
    Ok(())
}

impl Disk {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Disk> {
        let ty = el.enum_attr::<DiskType>("type")?.unwrap_or(DiskType::File);
        let device = el
            .enum_attr::<DiskDevice>("device")?
            .unwrap_or(DiskDevice::Disk);
        let model = el.enum_attr("model")?;
        let snapshot = el.enum_attr("snapshot")?;
        let rawio = el.yes_no_attr("rawio")?;
        let sgio = el.enum_attr("sgio")?;

        let mut source = StorageSource::parse(ty, el.child("source"), ctx, true)?;

        let target_el = el.child("target");
        let dev = target_el.and_then(|t| t.attr("dev")).map(str::to_string);
        let target = match (target_el, dev) {
            (Some(t), Some(dev)) => DiskTarget {
                dev,
                bus: t.enum_attr("bus")?,
                tray: t.enum_attr("tray")?,
                removable: t.on_off_attr("removable")?,
                rotation_rate: t.num_attr("rotation_rate")?,
            },
            _ => {
                return Err(match &source.kind {
                    SourceKind::Volume(Some(v)) => no_target(Some(&format!(
                        "pool = '{}', volume = '{}'",
                        v.pool, v.volume
                    ))),
                    _ => no_target(source.path()),
                })
            }
        };

        let geometry = match el.child("geometry") {
            None => None,
            Some(g) => {
                let cyls = g.num_attr::<u32>("cyls")?.unwrap_or(0);
                let heads = g.num_attr::<u32>("heads")?.unwrap_or(0);
                let secs = g.num_attr::<u32>("secs")?.unwrap_or(0);
                let trans = g.enum_attr("trans")?;
                Some(Geometry {
                    cyls,
                    heads,
                    secs,
                    trans,
                })
            }
        };
        let (mut logical_block_size, mut physical_block_size) = (None, None);
        if let Some(b) = el.child("blockio") {
            logical_block_size = b.num_attr::<u32>("logical_block_size")?.filter(|v| *v != 0);
            physical_block_size = b
                .num_attr::<u32>("physical_block_size")?
                .filter(|v| *v != 0);
        }

        let mut driver = DiskDriver::default();
        if let Some(d) = el.child("driver") {
            driver = DiskDriver::parse(d)?;
        }

        let mut auth_on_disk = false;
        if let Some(a) = el.child("auth") {
            if source.auth.is_some() {
                return Err(unsupported(
                    "an <auth> definition already found for disk source",
                ));
            }
            source.auth = Some(super::disk_source::StorageAuth::parse(a)?);
            auth_on_disk = true;
        }
        let iotune = el.child("iotune").map(IoTune::parse).transpose()?;
        let readonly = el.child("readonly").is_some();
        let shareable = el.child("shareable").is_some();
        let transient = match el.child("transient") {
            None => None,
            Some(t) => Some(t.yes_no_attr("shareBacking")?.unwrap_or(false)),
        };
        let serial = el.child_text("serial");
        let wwn = el.child_text("wwn");
        if let Some(w) = &wwn {
            if !valid_wwn(w) {
                return Err(internal(format!("Malformed wwn: {w}")));
            }
        }
        let vendor = el.child_text("vendor");
        if let Some(v) = &vendor {
            check_printable(v, "vendor", 8)?;
        }
        let product = el.child_text("product");
        if let Some(p) = &product {
            check_printable(p, "product", 16)?;
        }
        let mut encryption_on_disk = false;
        if let Some(e) = el.child("encryption") {
            if source.encryption.is_some() {
                return Err(unsupported(
                    "an <encryption> definition already found for disk source",
                ));
            }
            source.encryption = Some(super::disk_source::Encryption::parse(e)?);
            encryption_on_disk = true;
        }
        let backend_domain = el
            .child("backenddomain")
            .and_then(|b| b.string_attr("name"));
        let backing_store = BackingStore::parse(el, ctx)?;
        let info = DeviceInfo::parse(
            el,
            ctx,
            InfoAllow {
                boot: true,
                rom: false,
            },
        )?;
        Ok(Disk {
            device,
            model,
            rawio,
            sgio,
            snapshot,
            driver,
            source,
            auth_on_disk,
            encryption_on_disk,
            backing_store,
            backend_domain,
            geometry,
            logical_block_size,
            physical_block_size,
            target,
            iotune,
            readonly,
            shareable,
            transient,
            serial,
            wwn,
            vendor,
            product,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("disk")
            .attr("type", self.source.disk_type())
            .attr("device", self.device)
            .attr_opt("model", self.model)
            .attr_opt("rawio", self.rawio.map(yes_no))
            .attr_opt("sgio", self.sgio);
        if let Some(s) = self.snapshot {
            if !(s == SnapshotLocation::No && self.readonly) {
                o.set("snapshot", s);
            }
        }
        o.push_nonempty(self.driver.format());
        if self.auth_on_disk {
            o.push_opt(self.source.auth.as_ref().map(|a| a.format()));
        }
        o.push_opt(
            self.source
                .format(ctx, !self.auth_on_disk, !self.encryption_on_disk),
        );
        o.push_opt(self.backing_store.format(ctx));
        if let Some(b) = &self.backend_domain {
            o.push(Out::new("backenddomain").attr("name", b));
        }
        if let Some(g) = &self.geometry {
            if g.cyls > 0 && g.heads > 0 && g.secs > 0 {
                o.push(
                    Out::new("geometry")
                        .attr("cyls", g.cyls)
                        .attr("heads", g.heads)
                        .attr("secs", g.secs)
                        .attr_opt("trans", g.trans),
                );
            }
        }
        o.push_nonempty(
            Out::new("blockio")
                .attr_opt("logical_block_size", self.logical_block_size)
                .attr_opt("physical_block_size", self.physical_block_size),
        );
        let t = &self.target;
        let mut to = Out::new("target")
            .attr("dev", &t.dev)
            .attr_opt("bus", t.bus);
        if matches!(self.device, DiskDevice::Cdrom | DiskDevice::Floppy)
            && t.tray == Some(Tray::Open)
        {
            to.set("tray", "open");
        }
        if t.bus == Some(DiskBus::Usb) {
            to.set_opt("removable", t.removable.map(on_off));
        }
        to.set_opt("rotation_rate", t.rotation_rate.filter(|r| *r != 0));
        o.push(to);
        if let Some(io) = &self.iotune {
            o.push_nonempty(io.format());
        }
        if self.readonly {
            o.push(Out::new("readonly"));
        }
        if self.shareable {
            o.push(Out::new("shareable"));
        }
        if let Some(sb) = self.transient {
            o.push(Out::new("transient").attr_opt("shareBacking", sb.then_some("yes")));
        }
        o.text_child_opt("serial", self.serial.as_ref());
        o.text_child_opt("wwn", self.wwn.as_ref());
        o.text_child_opt("vendor", self.vendor.as_ref());
        o.text_child_opt("product", self.product.as_ref());
        if self.encryption_on_disk {
            o.push_opt(self.source.encryption.as_ref().map(|e| e.format()));
        }
        self.info.format_into(&mut o, ctx);
        o
    }

    /// libvirt's per-disk defaults: target bus from the device name, read-only CD-ROMs,
    /// iSCSI LUN suffix, NVMe `managed`, snapshot mode, and the drive address derived from
    /// the target name for IDE/SCSI/SATA/floppy buses (narrow SCSI buses).
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if let Some(rest) = self.target.dev.strip_prefix("ioemu:") {
            self.target.dev = rest.to_string();
        }
        if self.device == DiskDevice::Cdrom {
            self.readonly = true;
        }
        if self.target.bus.is_none() {
            self.target.bus = Some(default_bus(self.device, &self.target.dev));
        }
        if matches!(self.source.kind, SourceKind::Network(None)) {
            self.source.kind = SourceKind::File {
                path: None,
                fdgroup: None,
            };
        }
        match &mut self.source.kind {
            SourceKind::Network(Some(n))
                if n.protocol == super::disk_source::NetProtocol::Iscsi =>
            {
                if let Some(name) = &mut n.name {
                    if !name.contains('/') {
                        name.push_str("/0");
                    }
                }
            }
            SourceKind::Nvme(Some(n)) if n.managed.is_none() => {
                n.managed = Some(true);
            }
            _ => {}
        }
        if self.snapshot.is_none()
            && (self.readonly || matches!(self.source.kind, SourceKind::VhostUser(_)))
        {
            self.snapshot = Some(SnapshotLocation::No);
        }
        if self.info.address.is_none() {
            if disk_name_to_index(&self.target.dev).is_none() {
                return Err(xml_error(format!(
                    "Unknown disk name '{}' and no address specified",
                    self.target.dev
                )));
            }
            self.info.address = drive_address(self.target.bus, &self.target.dev, false)?;
        }
        Ok(())
    }

    /// Checks libvirt makes after post-parse (domain validation) that concern one disk.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if let Some(t) = &self.iotune {
            let pairs = [
                (
                    "bytes_sec",
                    t.total_bytes_sec,
                    t.read_bytes_sec,
                    t.write_bytes_sec,
                ),
                (
                    "iops_sec",
                    t.total_iops_sec,
                    t.read_iops_sec,
                    t.write_iops_sec,
                ),
                (
                    "bytes_sec_max",
                    t.total_bytes_sec_max,
                    t.read_bytes_sec_max,
                    t.write_bytes_sec_max,
                ),
                (
                    "iops_sec_max",
                    t.total_iops_sec_max,
                    t.read_iops_sec_max,
                    t.write_iops_sec_max,
                ),
            ];
            for (what, total, read, write) in pairs {
                if total != 0 && (read != 0 || write != 0) {
                    return Err(xml_error(format!(
                        "total and read/write {what} cannot be set at the same time"
                    )));
                }
            }
        }
        if self.sgio == Some(Sgio::Unfiltered) {
            return Err(unsupported("unfiltered sgio is no longer supported"));
        }
        if self.target.removable.is_some() && self.target.bus != Some(DiskBus::Usb) {
            return Err(xml_error("removable is only valid for usb disks"));
        }
        if self.source.is_empty() && !matches!(self.device, DiskDevice::Cdrom | DiskDevice::Floppy)
        {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::NO_SOURCE,
                Some(self.target.dev.clone()),
            ));
        }
        Ok(())
    }

    /// The controller a drive address of this disk refers to, if any.
    pub fn drive_controller(&self) -> Option<(ControllerType, u32)> {
        let kind = match self.target.bus? {
            DiskBus::Ide => ControllerType::Ide,
            DiskBus::Scsi => ControllerType::Scsi,
            DiskBus::Sata => ControllerType::Sata,
            DiskBus::Fdc => ControllerType::Fdc,
            _ => return None,
        };
        match &self.info.address {
            Some(Address::Drive { controller, .. }) => Some((kind, *controller)),
            _ => None,
        }
    }
}

/// The bus libvirt picks for a disk without `bus=`: floppies on the floppy controller,
/// otherwise by the device-name prefix, IDE when nothing matches.
pub fn default_bus(device: DiskDevice, dev: &str) -> DiskBus {
    if device == DiskDevice::Floppy {
        return DiskBus::Fdc;
    }
    if dev.starts_with("hd") {
        DiskBus::Ide
    } else if dev.starts_with("sd") {
        DiskBus::Scsi
    } else if dev.starts_with("vd") {
        DiskBus::Virtio
    } else if dev.starts_with("xvd") {
        DiskBus::Xen
    } else if dev.starts_with("ubd") {
        DiskBus::Uml
    } else {
        DiskBus::Ide
    }
}

/// The zero-based disk index a device name stands for (`sda` 0, `sdz` 25, `sdaa` 26),
/// ignoring a trailing partition number. `None` for names that are not disk names.
pub fn disk_name_to_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    if letters == 0 {
        return None;
    }
    let (alpha, digits) = rest.split_at(letters);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut idx: u64 = 0;
    for (i, b) in alpha.bytes().enumerate() {
        idx = (idx + u64::from(i > 0)) * 26 + u64::from(b - b'a');
        if idx > u64::from(i32::MAX as u32) {
            return None;
        }
    }
    u32::try_from(idx).ok()
}

/// The drive address libvirt assigns from the target name on buses that use drive
/// addresses. `wide_scsi` selects 16-unit SCSI buses (some hypervisors); the default is
/// narrow (7 units per controller).
pub fn drive_address(bus: Option<DiskBus>, dev: &str, wide_scsi: bool) -> Result<Option<Address>> {
    let Some(bus) = bus else { return Ok(None) };
    if !matches!(
        bus,
        DiskBus::Ide | DiskBus::Scsi | DiskBus::Sata | DiskBus::Fdc
    ) {
        return Ok(None);
    }
    let idx = disk_name_to_index(dev).ok_or_else(|| {
        xml_error(format!(
            "Unknown disk name '{dev}' and no address specified"
        ))
    })?;
    let (controller, bus_n, unit) = match bus {
        DiskBus::Scsi if wide_scsi => {
            let mut unit = idx % 15;
            if unit >= 7 {
                unit += 1;
            }
            (idx / 15, 0, unit)
        }
        DiskBus::Scsi => (idx / 7, 0, idx % 7),
        DiskBus::Ide => (idx / 4, (idx % 4) / 2, idx % 2),
        DiskBus::Sata => (idx / 6, 0, idx % 6),
        _ => (idx / 2, 0, idx % 2),
    };
    Ok(Some(Address::Drive {
        controller,
        bus: bus_n,
        target: 0,
        unit,
    }))
}

/// For each controller type that disks address through drive addresses, the highest
/// controller index in use — what the domain-level post-parse needs to add implicit
/// controllers (in libvirt's order: scsi, fdc, ide, sata).
pub fn drive_controller_needs(disks: &[Disk]) -> Vec<(ControllerType, u32)> {
    let mut out: Vec<(ControllerType, u32)> = Vec::new();
    for kind in [
        ControllerType::Scsi,
        ControllerType::Fdc,
        ControllerType::Ide,
        ControllerType::Sata,
    ] {
        let max = disks
            .iter()
            .filter_map(Disk::drive_controller)
            .filter(|(k, _)| *k == kind)
            .map(|(_, i)| i)
            .max();
        if let Some(m) = max {
            out.push((kind, m));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Disk> {
        let el = parse_document(xml, "domain_definition").map_err(Error::from)?;
        Disk::parse(&el, &ParseCtx { inactive: true })
    }

    fn roundtrip(xml: &str) -> String {
        let mut d = parse(xml).expect("parse");
        d.post_parse(&DomainEnv::default()).expect("post-parse");
        d.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    fn err(xml: &str) -> String {
        match parse(xml).and_then(|mut d| {
            d.post_parse(&DomainEnv::default())?;
            d.validate(&DomainEnv::default())
        }) {
            Ok(_) => String::from("ok"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn disk_name_index_is_bijective_base26() {
        assert_eq!(disk_name_to_index("sda"), Some(0));
        assert_eq!(disk_name_to_index("sdz"), Some(25));
        assert_eq!(disk_name_to_index("sdaa"), Some(26));
        assert_eq!(disk_name_to_index("sdzz"), Some(701));
        assert_eq!(disk_name_to_index("hdc"), Some(2));
        assert_eq!(disk_name_to_index("xvdb"), Some(1));
        assert_eq!(disk_name_to_index("sda1"), Some(0));
        assert_eq!(disk_name_to_index("sd1"), None);
        assert_eq!(disk_name_to_index("foo"), None);
    }

    #[test]
    fn post_parse_assigns_bus_and_drive_address() {
        let out = roundtrip("<disk type='file'><source file='/a'/><target dev='sdzz'/></disk>");
        assert!(out.contains("<target dev='sdzz' bus='scsi'/>"));
        assert!(
            out.contains("<address type='drive' controller='100' bus='0' target='0' unit='1'/>")
        );
        let out = roundtrip("<disk type='file' device='cdrom'><target dev='hdd'/></disk>");
        assert!(out.contains("<readonly/>"));
        assert!(out.contains("controller='0' bus='1' target='0' unit='1'"));
        assert!(!out.contains("snapshot"));
        let out = roundtrip("<disk type='file' device='floppy'><target dev='fdb'/></disk>");
        assert!(out.contains("bus='fdc'") && out.contains("unit='1'"));
        let out = roundtrip(
            "<disk type='file'><source file='/a'/><target dev='ioemu:hdc' bus='sata'/></disk>",
        );
        assert!(out.contains("<target dev='hdc' bus='sata'/>"));
        assert!(out.contains("controller='0' bus='0' target='0' unit='2'"));
        let out = roundtrip("<disk type='file'><source file='/a'/><target dev='vda'/></disk>");
        assert!(out.contains("bus='virtio'") && !out.contains("<address"));
    }

    #[test]
    fn post_parse_network_defaults() {
        let out = roundtrip(
            "<disk type='network'><source protocol='iscsi' name='iqn.x'><host name='h'/></source><target dev='vda'/></disk>",
        );
        assert!(out.contains("name='iqn.x/0'"));
        assert!(out.contains("<host name='h' port='3260'/>"));
        let out = roundtrip(
            "<disk type='nvme'><source type='pci' namespace='1'><address bus='1'/></source><target dev='vda'/></disk>",
        );
        assert!(out.contains("<source type='pci' managed='yes' namespace='1'>"));
        let out = roundtrip(
            "<disk type='vhostuser'><source type='unix' path='/s'/><target dev='vda'/></disk>",
        );
        assert!(out.contains("snapshot='no'"));
        let out = roundtrip("<disk type='network' device='cdrom'><target dev='hda'/></disk>");
        assert!(out.starts_with("<disk type='file' device='cdrom'>"));
    }

    #[test]
    fn legacy_auth_placement_is_kept() {
        let out = roundtrip(
            "<disk type='network'><auth username='u'><secret type='ceph' usage='x'/></auth><source protocol='rbd' name='p/i'/><target dev='vda'/></disk>",
        );
        assert!(out.find("<auth").unwrap_or(0) < out.find("<source").unwrap_or(0));
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<disk type='block' device='lun' sgio='unfiltered'><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/></disk>",
             "unsupported configuration: unfiltered sgio is no longer supported"),
            ("<disk type='foo'><target dev='vda'/></disk>",
             "XML error: Invalid value for attribute 'type' in element 'disk': 'foo'."),
            ("<disk device='foo'><target dev='vda'/></disk>",
             "XML error: Invalid value for attribute 'device' in element 'disk': 'foo'."),
            ("<disk type='file'><source file='/a'/></disk>",
             "missing target information for device /a"),
            ("<disk type='file'><target dev='vda'/></disk>",
             "missing source information for device vda"),
            ("<disk><source file='/a'/><target dev='vda' bus='foo'/></disk>",
             "XML error: Invalid value for attribute 'bus' in element 'target': 'foo'."),
            ("<disk><driver type='foo'/><source file='/a'/><target dev='vda'/></disk>",
             "unsupported configuration: unknown driver format value 'foo'"),
            ("<disk><driver rerror_policy='enospace'/><source file='/a'/><target dev='vda'/></disk>",
             "unsupported configuration: Invalid disk read error policy: 'enospace'"),
            ("<disk><driver iothread='0'/><source file='/a'/><target dev='vda'/></disk>",
             "XML error: Invalid value for attribute 'iothread' in element 'driver': Zero is not permitted"),
            ("<disk><source file='/a'/><target dev='sd1'/></disk>",
             "XML error: Unknown disk name 'sd1' and no address specified"),
            ("<disk><source file='/a'/><target dev='vda'/><wwn>xyz</wwn></disk>",
             "internal error: Malformed wwn: xyz"),
            ("<disk><source file='/a'/><target dev='vda'/><vendor>123456789</vendor></disk>",
             "unsupported configuration: disk vendor is more than 8 characters"),
            ("<disk><source file='/a'/><target dev='vda'/><iotune><total_bytes_sec>x</total_bytes_sec></iotune></disk>",
             "XML error: disk iotune field 'total_bytes_sec' must be an integer"),
            ("<disk><source file='/a'/><target dev='vda' removable='on'/></disk>",
             "XML error: removable is only valid for usb disks"),
            ("<disk type='network'><source name='x'/><target dev='vda'/></disk>",
             "XML error: Missing required attribute 'protocol' in element 'source'"),
            ("<disk type='network'><source protocol='rbd'/><target dev='vda'/></disk>",
             "XML error: missing name for disk source"),
            ("<disk type='network'><source protocol='nbd'><host name='a' port='x'/></source><target dev='vda'/></disk>",
             "invalid argument: failed to parse port number 'x'"),
            ("<disk type='network'><source protocol='nbd'><host name='a' socket='/s'/></source><target dev='vda'/></disk>",
             "XML error: transport '(null)' does not support socket attribute"),
            ("<disk type='network'><source protocol='nbd'><host name='a' transport='foo'/></source><target dev='vda'/></disk>",
             "unsupported configuration: unknown protocol transport type 'foo'"),
            ("<disk type='volume'><source pool='p'/><target dev='vda'/></disk>",
             "XML error: 'pool' and 'volume' must be specified together for 'pool' type source"),
            ("<disk type='nvme'><source type='pci' namespace='1'/><target dev='vda'/></disk>",
             "XML error: NVMe disk source is missing address"),
            ("<disk type='vhostuser'><source type='unix' path='/a'><reconnect enabled='yes'/></source><target dev='vda'/></disk>",
             "XML error: Missing required attribute 'timeout' in element 'reconnect'"),
            ("<disk><source file='/a'/><backingStore type='file'><source file='/b'/></backingStore><target dev='vda'/></disk>",
             "XML error: missing disk backing store format"),
            ("<disk><source file='/a'/><backingStore type='foo'><format type='raw'/><source file='/b'/></backingStore><target dev='vda'/></disk>",
             "XML error: unknown storage source type 'foo'"),
            ("<disk><source file='/a'><seclabel relabel='no'><label>x</label></seclabel></source><target dev='vda'/></disk>",
             "XML error: Cannot specify a label if relabelling is turned off. model=<null>"),
            ("<disk><source file='/a'><encryption format='foo'/></source><target dev='vda'/></disk>",
             "unsupported configuration: unknown volume encryption format type foo"),
            ("<disk type='network'><source protocol='rbd' name='a/b'><auth username='u'><secret usage='x'/></auth></source><target dev='vda'/></disk>",
             "unsupported configuration: unknown secret type '<null>'"),
        ];
        for (xml, msg) in cases {
            assert_eq!(err(xml), msg, "{xml}");
        }
    }

    #[test]
    fn long_backing_chain_does_not_recurse() {
        let depth = 100;
        let mut xml = String::from("<disk><source file='/a'/>");
        for i in 0..depth {
            xml.push_str(&format!(
                "<backingStore type='file'><format type='qcow2'/><source file='/b{i}'/>"
            ));
        }
        xml.push_str("<backingStore/>");
        xml.push_str(&"</backingStore>".repeat(depth));
        xml.push_str("<target dev='vda'/></disk>");
        let out = roundtrip(&xml);
        assert_eq!(out.matches("<backingStore").count(), depth + 1);
    }
}
