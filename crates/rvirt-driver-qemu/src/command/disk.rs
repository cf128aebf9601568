//! Disks: a `-blockdev` pair (protocol node `libvirt-N-storage`, format node
//! `libvirt-N-format`) per image of the backing chain, bottom image first, an optional
//! copy-on-read layer, then the guest device that uses the top node.
//!
//! The disk's cache, I/O mode, discard and zero detection settings apply to every image of
//! the chain, as in libvirt.

use super::boot::boot_indexes;
use super::json::Props;
use super::machine::is_q35;
use super::virtio::{self, Flavour};
use super::{address, alias, internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::disk::{
    DetectZeroes, DiskBus, DiskCache, DiskDevice, DiskDiscard, ErrorPolicy, VirtioModel,
};
use rvirt_xml::domain::devices::disk_source::{
    BackingStore, DiskType, SourceKind, StorageFormat, StorageSource, VolumeSource,
};
use rvirt_xml::domain::devices::Disk;
use rvirt_xml::XmlEnum;

/// Whether the source names no image (an empty CD-ROM or floppy drive).
pub fn is_empty(src: &StorageSource) -> bool {
    match &src.kind {
        SourceKind::File { path, .. } => path.is_none(),
        SourceKind::Block { dev } => dev.is_none(),
        SourceKind::Dir { dir } => dir.is_none(),
        SourceKind::Network(n) => n.is_none(),
        SourceKind::Volume(v) => v.is_none(),
        SourceKind::Nvme(n) => n.is_none(),
        SourceKind::VhostUser(v) => v.is_none(),
    }
}

/// One image of a chain.
struct Image<'a> {
    index: u32,
    source: &'a StorageSource,
    format: StorageFormat,
    readonly: bool,
    /// The index of the image below, `Some(None)` for a chain that ends here, `None` when
    /// nothing is said (formats without backing).
    backing: Option<Option<u32>>,
    metadata_cache_max: Option<u64>,
}

/// The images of `disk`, top first. A chain nobody determined (the definition says
/// nothing and no start probed the images: a command line only shown) says nothing about
/// its end, as libvirt's pretend start says nothing.
fn chain(disk: &Disk, pretend: bool) -> Result<Vec<Image<'_>>> {
    let missing = || {
        internal(format!(
            "missing storage index of disk '{}'",
            disk.target.dev
        ))
    };
    let mut out = vec![Image {
        index: disk.source.index.ok_or_else(missing)?,
        source: &disk.source,
        format: disk.driver.format.unwrap_or(StorageFormat::Raw),
        readonly: disk.readonly,
        backing: None,
        metadata_cache_max: disk.driver.metadata_cache_max,
    }];
    let mut next = &disk.backing_store;
    while let BackingStore::Image(img) = next {
        let index = img.index.ok_or_else(missing)?;
        if let Some(last) = out.last_mut() {
            last.backing = Some(Some(index));
        }
        out.push(Image {
            index,
            source: &img.source,
            format: img.format,
            readonly: true,
            backing: None,
            metadata_cache_max: img.metadata_cache_max,
        });
        next = &img.backing;
    }
    let unknown = pretend && matches!(next, BackingStore::Unknown);
    if let Some(last) = out.last_mut().filter(|_| !unknown) {
        last.backing = Some(None);
    }
    Ok(out)
}

/// Formats that can have a backing image (qcow2 and friends).
fn supports_backing(f: StorageFormat) -> bool {
    matches!(
        f,
        StorageFormat::Cow
            | StorageFormat::Qcow
            | StorageFormat::Qcow2
            | StorageFormat::Qed
            | StorageFormat::Vmdk
    )
}

/// `{"direct":..,"no-flush":..}` of a cache mode; `None` for the hypervisor default.
fn cache_props(mode: Option<DiskCache>) -> Option<Props> {
    let (direct, no_flush) = match mode? {
        DiskCache::Default => return None,
        DiskCache::None | DiskCache::Directsync => (true, false),
        DiskCache::Writethrough | DiskCache::Writeback => (false, false),
        DiskCache::Unsafe => (false, true),
    };
    let mut p = Props::new();
    p.bool("direct", direct).bool("no-flush", no_flush);
    Some(p)
}

/// Whether the guest sees a write cache, for cache modes that say so.
fn write_cache(mode: Option<DiskCache>) -> Option<bool> {
    match mode? {
        DiskCache::Default => None,
        DiskCache::None | DiskCache::Writeback | DiskCache::Unsafe => Some(true),
        DiskCache::Writethrough | DiskCache::Directsync => Some(false),
    }
}

/// The protocol node of one image.
fn storage_props(disk: &Disk, img: &Image) -> Result<Props> {
    let mut p = Props::new();
    match &img.source.kind {
        SourceKind::File {
            path: Some(path),
            fdgroup: None,
        } => {
            p.str("driver", "file").str("filename", path);
        }
        SourceKind::Block { dev: Some(dev) } => {
            // libvirt 9.0 opens CD-ROM block devices as plain host devices too
            p.str("driver", "host_device").str("filename", dev);
        }
        SourceKind::Volume(Some(VolumeSource {
            actual: Some(a), ..
        })) => {
            let driver = if a.block { "host_device" } else { "file" };
            p.str("driver", driver).str("filename", &a.path);
        }
        other => {
            return Err(unsupported(format!(
                "disk source of type '{}' is not supported by rvirt's QEMU driver yet",
                source_type(other).as_xml()
            )))
        }
    }
    p.opt_str("aio", disk.driver.io.map(|io| io.as_xml()))
        .str("node-name", &format!("libvirt-{}-storage", img.index));
    if let Some(cache) = cache_props(disk.driver.cache) {
        p.obj("cache", &cache);
    }
    p.bool("auto-read-only", true).str("discard", "unmap");
    Ok(p)
}

fn source_type(k: &SourceKind) -> DiskType {
    match k {
        SourceKind::File { .. } => DiskType::File,
        SourceKind::Block { .. } => DiskType::Block,
        SourceKind::Dir { .. } => DiskType::Dir,
        SourceKind::Network(_) => DiskType::Network,
        SourceKind::Volume(_) => DiskType::Volume,
        SourceKind::Nvme(_) => DiskType::Nvme,
        SourceKind::VhostUser(_) => DiskType::VhostUser,
    }
}

/// The format node of one image.
fn format_props(disk: &Disk, img: &Image) -> Result<Props> {
    if img.source.encryption.is_some() {
        return Err(unsupported(
            "encrypted disks are not supported by rvirt's QEMU driver yet",
        ));
    }
    let d = &disk.driver;
    // zero detection with unmapping only makes sense when discards are passed down
    let detect = match d.detect_zeroes {
        Some(DetectZeroes::Unmap) if d.discard != Some(DiskDiscard::Unmap) => {
            Some(DetectZeroes::On)
        }
        other => other,
    };
    let mut p = Props::new();
    p.str("node-name", &format!("libvirt-{}-format", img.index))
        .bool("read-only", img.readonly)
        .opt_str("discard", d.discard.map(|x| x.as_xml()))
        .opt_str("detect-zeroes", detect.map(|x| x.as_xml()));
    if let Some(cache) = cache_props(d.cache) {
        p.obj("cache", &cache);
    }
    match img.format {
        StorageFormat::Raw | StorageFormat::Fat => {
            p.str("driver", "raw");
            if let Some(s) = &img.source.slice {
                p.num("offset", s.offset).num("size", s.size);
            }
        }
        StorageFormat::Qcow2 => {
            p.str("driver", "qcow2")
                .opt_num("cache-size", img.metadata_cache_max);
        }
        StorageFormat::Qcow => {
            p.str("driver", "qcow");
        }
        StorageFormat::Ploop => {
            p.str("driver", "parallels");
        }
        StorageFormat::Vhd => {
            p.str("driver", "vhdx");
        }
        f @ (StorageFormat::Bochs
        | StorageFormat::Cloop
        | StorageFormat::Dmg
        | StorageFormat::Vdi
        | StorageFormat::Vpc
        | StorageFormat::Qed
        | StorageFormat::Vmdk) => {
            p.str("driver", f.as_xml());
        }
        f => {
            return Err(internal(format!(
                "mishandled storage format '{}'",
                f.as_xml()
            )))
        }
    }
    p.str("file", &format!("libvirt-{}-storage", img.index));
    if supports_backing(img.format) {
        match img.backing {
            Some(Some(i)) => {
                p.str("backing", &format!("libvirt-{i}-format"));
            }
            Some(None) => {
                p.null("backing");
            }
            None => {}
        }
    } else if matches!(img.backing, Some(Some(_))) {
        return Err(unsupported(format!(
            "storage format '{}' does not support backing store",
            img.format.as_xml()
        )));
    }
    Ok(p)
}

/// The QEMU device of a disk.
fn device_props(c: &Cmd, disk: &Disk, backend: Option<String>, bootindex: u32) -> Result<Props> {
    let id = alias(&disk.info, "disk")?;
    let bus = disk.target.bus.unwrap_or(DiskBus::Ide);
    let cdrom = disk.device == DiskDevice::Cdrom;
    let mut device_id = None;
    let mut removable = None;
    let mut p = match bus {
        DiskBus::Ide | DiskBus::Sata => {
            let mut p = Props::new();
            p.str("driver", if cdrom { "ide-cd" } else { "ide-hd" });
            p
        }
        DiskBus::Scsi => {
            let driver = match disk.device {
                DiskDevice::Lun => "scsi-block",
                DiskDevice::Cdrom => "scsi-cd",
                _ => "scsi-hd",
            };
            if disk.device != DiskDevice::Lun {
                device_id = Some(disk.serial.clone().unwrap_or_else(|| format!("drive-{id}")));
            }
            let mut p = Props::new();
            p.str("driver", driver);
            p
        }
        DiskBus::Virtio => {
            let flavour = match disk.model {
                Some(VirtioModel::Transitional) => Flavour::Transitional,
                Some(VirtioModel::NonTransitional) => Flavour::NonTransitional,
                _ => Flavour::Plain,
            };
            let d = &disk.driver;
            let mut p = virtio::props("virtio-blk", &disk.info, flavour, &d.virtio, true)?;
            p.opt_str(
                "iothread",
                d.iothread.map(|t| format!("iothread{t}")).as_deref(),
            )
            .opt_bool("ioeventfd", d.ioeventfd)
            .opt_bool("event_idx", d.event_idx);
            if disk.device == DiskDevice::Lun {
                p.bool("scsi", true);
            }
            p.opt_num("num-queues", d.queues)
                .opt_num("queue-size", d.queue_size);
            p
        }
        DiskBus::Usb => {
            removable = Some(disk.target.removable.unwrap_or(false));
            let mut p = Props::new();
            p.str("driver", "usb-storage");
            p
        }
        DiskBus::Fdc => {
            let mut p = Props::new();
            p.str("driver", "floppy");
            p
        }
        other => {
            return Err(internal(format!(
                "unsupported disk bus '{}' with device setup",
                other.as_xml()
            )))
        }
    };
    address::add(&mut p, c.def, &disk.info, Some(bus))?;
    let write_cache = if disk.device == DiskDevice::Lun {
        None
    } else {
        write_cache(disk.driver.cache)
    };
    let (wpolicy, rpolicy) = error_policies(disk);
    let wwn = match &disk.wwn {
        Some(w) => Some(
            u64::from_str_radix(w.trim_start_matches("0x"), 16).map_err(|_| {
                rvirt_core::Error::new(
                    rvirt_core::ErrorDomain::QEMU,
                    rvirt_core::ErrorCode::INVALID_ARG,
                    Some(format!("Failed to parse wwn '{w}' as number")),
                )
            })?,
        ),
        None => None,
    };
    let geometry = disk.geometry.as_ref();
    p.opt_str("device_id", device_id.as_deref())
        .opt_bool("share-rw", disk.shareable.then_some(true))
        .opt_str("drive", backend.as_deref())
        .str("id", id)
        .nonzero("bootindex", bootindex)
        .opt_num("logical_block_size", disk.logical_block_size)
        .opt_num("physical_block_size", disk.physical_block_size)
        .opt_num("wwn", wwn)
        .opt_num(
            "rotation_rate",
            disk.target.rotation_rate.filter(|r| *r != 0),
        )
        .opt_str("vendor", disk.vendor.as_deref())
        .opt_str("product", disk.product.as_deref())
        .opt_bool("removable", removable)
        .opt_on_off("write-cache", write_cache)
        .opt_num("cyls", geometry.map(|g| g.cyls).filter(|v| *v != 0))
        .opt_num("heads", geometry.map(|g| g.heads).filter(|v| *v != 0))
        .opt_num("secs", geometry.map(|g| g.secs).filter(|v| *v != 0))
        .opt_str(
            "bios-chs-trans",
            geometry.and_then(|g| g.trans).map(|t| t.as_xml()),
        )
        .opt_str(
            "serial",
            disk.serial
                .as_ref()
                .map(|s| s.replace(' ', "\\ "))
                .as_deref(),
        )
        .opt_str("werror", wpolicy)
        .opt_str("rerror", rpolicy);
    Ok(p)
}

/// Write and read error policies as QEMU spells them; a read policy defaults to the
/// write policy, except that `enospc` only exists for writes.
fn error_policies(disk: &Disk) -> (Option<&'static str>, Option<&'static str>) {
    let name = |p: ErrorPolicy| match p {
        ErrorPolicy::Enospace => "enospc",
        other => other.as_xml(),
    };
    let w = disk.driver.error_policy.map(name);
    let r = disk.driver.rerror_policy.map(name);
    match disk.driver.error_policy {
        Some(ErrorPolicy::Enospace) => (w, r),
        _ => (w, r.or(w)),
    }
}

/// Floppy drives boot through the floppy controller: an explicit `isa-fdc` on machines
/// without one, `-global isa-fdc.bootindexA/B` otherwise.
fn floppy_controller(c: &mut Cmd, boot: &[u32]) {
    let mut a = 0;
    let mut b = 0;
    let mut any = false;
    for (disk, idx) in c.def.devices.disks.iter().zip(boot) {
        if disk.target.bus != Some(DiskBus::Fdc) {
            continue;
        }
        any = true;
        let unit = match &disk.info.address {
            Some(rvirt_xml::domain::info::Address::Drive { unit, .. }) => *unit,
            _ => 0,
        };
        if unit == 0 {
            a = *idx;
        } else {
            b = *idx;
        }
    }
    if !any {
        return;
    }
    if is_q35(c.def) {
        let mut p = Props::new();
        p.str("driver", "isa-fdc")
            .nonzero("bootindexA", a)
            .nonzero("bootindexB", b);
        c.device(&p);
    } else {
        if a > 0 {
            c.pair("-global", format!("isa-fdc.bootindexA={a}"));
        }
        if b > 0 {
            c.pair("-global", format!("isa-fdc.bootindexB={b}"));
        }
    }
}

/// Every disk's nodes and device.
pub fn disks(c: &mut Cmd) -> Result<()> {
    let boot = boot_indexes(c.def).disks;
    floppy_controller(c, &boot);
    for (disk, bootindex) in c.def.devices.disks.iter().zip(boot) {
        match disk.transient {
            Some(true) => continue,
            Some(false) => {
                return Err(unsupported(
                    "transient disks are not supported by rvirt's QEMU driver yet",
                ))
            }
            None => {}
        }
        let mut backend = None;
        if !is_empty(&disk.source) {
            let images = chain(disk, c.rt.pretend)?;
            for img in images.iter().rev() {
                let s = storage_props(disk, img)?;
                c.pair("-blockdev", s.text());
                let f = format_props(disk, img)?;
                c.pair("-blockdev", f.text());
            }
            let top_index = images.first().map_or(0, |i| i.index);
            let top = format!("libvirt-{top_index}-format");
            backend = Some(top.clone());
            if disk.driver.copy_on_read == Some(true) {
                let node = format!("libvirt-CoR-{}", disk.target.dev);
                let mut p = Props::new();
                p.str("driver", "copy-on-read")
                    .str("node-name", &node)
                    .str("file", &top)
                    .str("discard", "unmap");
                c.pair("-blockdev", p.text());
                backend = Some(node);
            }
        }
        let bootindex = if disk.device == DiskDevice::Floppy {
            0
        } else {
            bootindex
        };
        let p = device_props(c, disk, backend, bootindex)?;
        c.device(&p);
    }
    Ok(())
}
