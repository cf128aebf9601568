//! Small device families: USB hubs, 9p file systems, smartcards, watchdogs, the memory
//! balloon, random number generators and shared memory.

use super::chardev::chardev;
use super::json::{escape_comma, Props};
use super::virtio::{self, Flavour};
use super::{address, alias, internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::controller::ControllerType;
use rvirt_xml::domain::devices::disk::VirtioModel;
use rvirt_xml::domain::devices::filesystem::{FsAccessMode, FsDriverType, FsMultidevs, FsSource};
use rvirt_xml::domain::devices::misc::{MemballoonModel, WatchdogAction};
use rvirt_xml::domain::devices::rng::{RngBackend, RngModel};
use rvirt_xml::domain::devices::shmem::{ShmemModel, ShmemRole};
use rvirt_xml::domain::devices::smartcard::SmartcardBackend;
use rvirt_xml::domain::info::Address;
use rvirt_xml::XmlEnum;

pub fn hubs(c: &mut Cmd) -> Result<()> {
    for h in &c.def.devices.hubs {
        let mut p = Props::new();
        p.str("driver", "usb-hub").str("id", alias(&h.info, "hub")?);
        address::add(&mut p, c.def, &h.info, None)?;
        c.device(&p);
    }
    Ok(())
}

/// 9p shares: a `-fsdev` backend and a `virtio-9p` device.
pub fn filesystems(c: &mut Cmd) -> Result<()> {
    for fs in &c.def.devices.filesystems {
        let id = alias(&fs.info, "filesystem")?;
        match fs.driver.kind {
            None | Some(FsDriverType::Path | FsDriverType::Handle) => {}
            Some(FsDriverType::Virtiofs) => {
                return Err(unsupported(
                    "virtiofs file systems are not supported by rvirt's QEMU driver yet",
                ))
            }
            Some(_) => continue,
        }
        let path = match &fs.source {
            Some(FsSource::Path(p)) => p.clone(),
            _ => return Err(internal("missing source of the filesystem")),
        };
        let mut o = if fs.driver.kind == Some(FsDriverType::Handle) {
            "handle".to_string()
        } else {
            let mut o = "local".to_string();
            match fs.accessmode {
                Some(FsAccessMode::Mapped) => o.push_str(",security_model=mapped"),
                Some(FsAccessMode::Passthrough) | None => o.push_str(",security_model=passthrough"),
                Some(FsAccessMode::Squash) => o.push_str(",security_model=none"),
            }
            match fs.multidevs {
                Some(FsMultidevs::Remap) => o.push_str(",multidevs=remap"),
                Some(FsMultidevs::Forbid) => o.push_str(",multidevs=forbid"),
                Some(FsMultidevs::Warn) => o.push_str(",multidevs=warn"),
                None => {}
            }
            if let Some(m) = fs.fmode {
                o.push_str(&format!(",fmode={m:04o}"));
            }
            if let Some(m) = fs.dmode {
                o.push_str(&format!(",dmode={m:04o}"));
            }
            o
        };
        if fs.driver.wrpolicy.is_some() {
            o.push_str(",writeout=immediate");
        }
        o.push_str(&format!(",id=fsdev-{id},path={}", escape_comma(&path)));
        if fs.readonly {
            o.push_str(",readonly=on");
        }
        c.pair("-fsdev", o);
        let flavour = match fs.model {
            Some(VirtioModel::Transitional) => Flavour::Transitional,
            Some(VirtioModel::NonTransitional) => Flavour::NonTransitional,
            _ => Flavour::Plain,
        };
        let mut p = virtio::props("virtio-9p", &fs.info, flavour, &fs.driver.virtio, true)?;
        p.str("id", id)
            .str("fsdev", &format!("fsdev-{id}"))
            .str("mount_tag", &fs.target);
        address::add(&mut p, c.def, &fs.info, None)?;
        c.device(&p);
    }
    Ok(())
}

/// The first smartcard, on its CCID controller.
pub fn smartcards(c: &mut Cmd) -> Result<()> {
    let Some(sc) = c.def.devices.smartcards.first() else {
        return Ok(());
    };
    let id = alias(&sc.info, "smartcard")?;
    let mut p = Props::new();
    match &sc.backend {
        SmartcardBackend::Host => {
            p.str("driver", "ccid-card-emulated")
                .str("backend", "nss-emulated");
        }
        SmartcardBackend::HostCertificates {
            certificates,
            database,
        } => {
            p.str("driver", "ccid-card-emulated")
                .str("backend", "certificates")
                .str("cert1", &certificates[0])
                .str("cert2", &certificates[1])
                .str("cert3", &certificates[2])
                .str("db", database.as_deref().unwrap_or("/etc/pki/nssdb"));
        }
        SmartcardBackend::Passthrough(src) => {
            let dev = chardev(c, src, id)?;
            c.pair("-chardev", dev);
            p.str("driver", "ccid-card-passthru")
                .str("chardev", &format!("char{id}"));
        }
    }
    let controller = match &sc.info.address {
        Some(Address::Ccid { controller, .. }) => *controller,
        _ => 0,
    };
    let ccid = address::controller_alias(c.def, ControllerType::Ccid, controller)?;
    p.str("id", id).str("bus", &format!("{ccid}.0"));
    c.device(&p);
    Ok(())
}

/// The watchdog device and what QEMU does when it fires (`dump` is done by libvirt after
/// QEMU pauses).
pub fn watchdogs(c: &mut Cmd) -> Result<()> {
    for w in &c.def.devices.watchdogs {
        let mut p = Props::new();
        p.str("driver", w.model.as_xml())
            .str("id", alias(&w.info, "watchdog")?);
        address::add(&mut p, c.def, &w.info, None)?;
        c.device(&p);
        let action = match w.action {
            WatchdogAction::Dump => WatchdogAction::Pause,
            a => a,
        };
        c.pair("-watchdog-action", action.as_xml());
    }
    Ok(())
}

pub fn memballoon(c: &mut Cmd) -> Result<()> {
    let Some(b) = &c.def.devices.memballoon else {
        return Ok(());
    };
    let flavour = match b.model {
        MemballoonModel::None | MemballoonModel::Xen => return Ok(()),
        MemballoonModel::Virtio => Flavour::Plain,
        MemballoonModel::VirtioTransitional => Flavour::Transitional,
        MemballoonModel::VirtioNonTransitional => Flavour::NonTransitional,
    };
    let mut p = virtio::props("virtio-balloon", &b.info, flavour, &b.virtio, true)?;
    p.str("id", alias(&b.info, "memballoon")?)
        .opt_bool("deflate-on-oom", b.autodeflate)
        .opt_bool("free-page-reporting", b.free_page_reporting);
    address::add(&mut p, c.def, &b.info, None)?;
    c.device(&p);
    Ok(())
}

/// Entropy sources: the backend object (after its chardev for EGD) and the device.
pub fn rngs(c: &mut Cmd) -> Result<()> {
    for r in &c.def.devices.rngs {
        let id = alias(&r.info, "rng")?;
        let obj = format!("obj{id}");
        let mut o = Props::new();
        match &r.backend {
            RngBackend::Random { path } => {
                o.str("qom-type", "rng-random")
                    .str("id", &obj)
                    .str("filename", path.as_deref().unwrap_or("/dev/random"));
            }
            RngBackend::Egd(src) => {
                let dev = chardev(c, src, id)?;
                c.pair("-chardev", dev);
                o.str("qom-type", "rng-egd")
                    .str("id", &obj)
                    .str("chardev", &format!("char{id}"));
            }
            RngBackend::Builtin => {
                o.str("qom-type", "rng-builtin").str("id", &obj);
            }
        }
        c.object(&o);
        let flavour = match r.model {
            RngModel::Virtio => Flavour::Plain,
            RngModel::VirtioTransitional => Flavour::Transitional,
            RngModel::VirtioNonTransitional => Flavour::NonTransitional,
        };
        let mut p = virtio::props("virtio-rng", &r.info, flavour, &r.virtio, true)?;
        let rate = r.rate.filter(|rate| rate.bytes > 0);
        p.str("rng", &obj)
            .str("id", id)
            .opt_num("max-bytes", rate.map(|x| x.bytes))
            .opt_num(
                "period",
                rate.map(|x| x.period.filter(|p| *p > 0).unwrap_or(1000)),
            );
        address::add(&mut p, c.def, &r.info, None)?;
        c.device(&p);
    }
    Ok(())
}

/// Inter-VM shared memory: a `/dev/shm` backend for `ivshmem-plain`, a server chardev
/// for `ivshmem-doorbell`.
pub fn shmems(c: &mut Cmd) -> Result<()> {
    for s in &c.def.devices.shmems {
        let id = alias(&s.info, "shmem")?;
        if let Some(size) = s.size {
            if size & size.wrapping_sub(1) != 0 {
                return Err(xml_err("shmem size must be a power of two"));
            }
            if size < 1024 * 1024 {
                return Err(xml_err("shmem size must be at least 1 MiB (1024 KiB)"));
            }
        }
        if !matches!(s.info.address, Some(Address::Pci(_))) {
            return Err(unsupported(
                "only 'pci' addresses are supported for the shared memory device",
            ));
        }
        let server = s.server.is_some();
        let memdev = format!("shmmem-{id}");
        match s.model {
            ShmemModel::Ivshmem => {
                return Err(unsupported(
                    "the 'ivshmem' model is not supported by this QEMU binary",
                ))
            }
            ShmemModel::IvshmemPlain => {
                let mut o = Props::new();
                o.str("qom-type", "memory-backend-file")
                    .str("id", &memdev)
                    .str("mem-path", &format!("/dev/shm/{}", s.name))
                    .num("size", s.size.unwrap_or(0))
                    .bool("share", true);
                c.object(&o);
            }
            ShmemModel::IvshmemDoorbell => {}
        }
        let master = match (server, s.role) {
            (false, Some(ShmemRole::Master)) => Some(true),
            (false, Some(ShmemRole::Peer)) => Some(false),
            _ => None,
        };
        let mut p = Props::new();
        p.str("driver", s.model.as_xml())
            .str("id", id)
            .opt_str("chardev", server.then(|| format!("char{id}")).as_deref())
            .opt_str("memdev", (!server).then_some(memdev.as_str()))
            .opt_on_off("master", master)
            .opt_num(
                "vectors",
                s.msi.as_ref().map(|m| m.vectors).filter(|v| *v != 0),
            )
            .opt_bool("ioeventfd", s.msi.as_ref().and_then(|m| m.ioeventfd));
        address::add(&mut p, c.def, &s.info, None)?;
        c.device(&p);
        if let Some(path) = &s.server {
            let path = path
                .clone()
                .unwrap_or_else(|| format!("/var/lib/rvirt/shmem-{}-sock", s.name));
            c.pair(
                "-chardev",
                format!("socket,id=char{id},path={}", escape_comma(&path)),
            );
        }
    }
    Ok(())
}

fn xml_err(msg: &str) -> rvirt_core::Error {
    rvirt_core::Error::new(
        rvirt_core::ErrorDomain::QEMU,
        rvirt_core::ErrorCode::XML_ERROR,
        Some(msg.to_string()),
    )
}
