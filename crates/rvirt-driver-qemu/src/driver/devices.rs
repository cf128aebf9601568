//! Changing a domain's devices: `attach-device`, `detach-device`, `update-device` and the
//! convenience commands built on them, on the persistent definition, on the running guest,
//! or both.
//!
//! A new device is completed exactly as at define time: its XML goes into the domain's
//! XML and the whole domain is parsed again with the driver's defaults, so it gets the
//! model, controller and PCI address libvirt would give it (existing devices keep theirs).
//! For the running guest its QEMU arguments are the ones the command builder would write
//! at start for the completed definition (`-blockdev`, `-netdev`, `-device`), sent over
//! QMP as `blockdev-add`, `netdev_add` and `device_add`: a hot-plugged device is the same
//! hardware as a cold-plugged one. Unplugging waits for QEMU's DEVICE_DELETED, as libvirt.

use super::lifecycle::{monitor, qmp_error};
use super::Inner;
use crate::command::{FdNeed, FdSource};
use crate::domobj::{not_running, Domain};
use crate::store;
use rvirt_core::types::flags::affect::{CONFIG, LIVE};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::disk::{Disk, DiskDevice};
use rvirt_xml::domain::devices::rng::RngBackend;
use rvirt_xml::domain::devices::{Interface, Rng};
use rvirt_xml::domain::{DomainDef, FormatCtx, ParseCtx};
use rvirt_xml::tree::{parse_document, Element};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a detach waits for the guest to let go of the device (libvirt's default).
const UNPLUG_WAIT: Duration = Duration::from_secs(5);

fn invalid(msg: impl Into<String>) -> Error {
    Error::operation_invalid(ErrorDomain::QEMU, msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::CONFIG_UNSUPPORTED,
        Some(msg.into()),
    )
}

/// Which definitions a call changes, after libvirt's rules for `flags`.
fn targets(active: bool, persistent: bool, flags: u32) -> Result<(bool, bool)> {
    let (mut live, config) = (flags & LIVE != 0, flags & CONFIG != 0);
    if !live && !config {
        // VIR_DOMAIN_AFFECT_CURRENT: the running guest if it runs, else the definition.
        live = active;
        return Ok((live, !active));
    }
    if live && !active {
        return Err(invalid("domain is not running"));
    }
    if config && !persistent {
        return Err(invalid("cannot modify device on transient domain"));
    }
    Ok((live, config))
}

/// The device element of `xml`, with its family.
fn device_element(xml: &str) -> Result<Element> {
    let el = parse_document(xml, "device_definition").map_err(|e| {
        let mut err: Error = e.into();
        err.domain = ErrorDomain::DOMAIN;
        err
    })?;
    Ok(el)
}

/// `def` with the device XML added, completed with the driver's defaults.
fn with_device(inner: &Inner, def: &DomainDef, dev_xml: &str, live: bool) -> Result<DomainDef> {
    let ctx = FormatCtx {
        inactive: !live,
        secure: true,
        migratable: false,
    };
    let mut text = def.format(&ctx);
    let at = text
        .rfind("</devices>")
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "domain XML without <devices>"))?;
    text.insert_str(at, &format!("{}\n", dev_xml.trim()));
    DomainDef::parse(&text, &ParseCtx { inactive: !live }, &inner.defaults)
}

/// libvirt's identity of a disk in a definition: its target name.
fn disk_position(def: &DomainDef, target: &str) -> Option<usize> {
    def.devices
        .disks
        .iter()
        .position(|d| d.target.dev == target)
}

/// libvirt's identity of an interface: its MAC (and the alias, when the XML names one).
fn iface_position(def: &DomainDef, want: &Interface) -> Result<usize> {
    let hits: Vec<usize> = def
        .devices
        .interfaces
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.mac == want.mac && (want.info.alias.is_none() || n.info.alias == want.info.alias)
        })
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::DEVICE_MISSING,
            Some(format!("no device found with MAC address {}", want.mac)),
        )),
        _ => Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_FAILED,
            Some(format!(
                "multiple devices matching MAC address {} found",
                want.mac
            )),
        )),
    }
}

/// Records which descriptors the builder asks for (only their numbers are needed here).
struct Placeholder(i32);

impl FdSource for Placeholder {
    fn fd(&mut self, _need: &FdNeed) -> Result<i32> {
        self.0 += 1;
        Ok(self.0)
    }
}

/// The arguments of every `-OPT` whose JSON value satisfies `pick`, in command-line order.
fn picked(argv: &[String], opt: &str, pick: &dyn Fn(&Value) -> bool) -> Vec<Value> {
    argv.windows(2)
        .filter(|w| w[0] == opt)
        .filter_map(|w| serde_json::from_str::<Value>(&w[1]).ok())
        .filter(|v| pick(v))
        .collect()
}

/// The QEMU arguments the command builder gives `def` at start.
fn start_args(inner: &Inner, dom: &Domain, def: &DomainDef) -> Result<Vec<String>> {
    let (id, dir) = {
        let st = dom.lock();
        let l = st.live.as_ref().ok_or_else(not_running)?;
        (l.id, l.dir.clone())
    };
    let emulator = def
        .devices
        .emulator
        .clone()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no emulator in the definition"))?;
    let caps = crate::defaults::CapsLookup::caps(&*inner.lookup, &emulator)?;
    let rt = super::start::runtime(inner, id, def, &dir);
    crate::command::build(def, &caps, &rt, &mut Placeholder(1000))
}

/// The highest storage node index in use.
fn max_storage_index(def: &DomainDef) -> u32 {
    use rvirt_xml::domain::devices::disk_source::BackingStore;
    let mut m = 0;
    for d in &def.devices.disks {
        m = m.max(d.source.index.unwrap_or(0));
        let mut b = &d.backing_store;
        while let BackingStore::Image(img) = b {
            m = m.max(img.index.unwrap_or(0));
            b = &img.backing;
        }
    }
    m
}

/// Gives a new disk (and its backing chain) the next storage indices, as libvirt numbers
/// hot-plugged images after everything already there.
fn number_new_disk(disk: &mut Disk, next: &mut u32) {
    use rvirt_xml::domain::devices::disk_source::BackingStore;
    if crate::command::disk_is_empty(&disk.source) {
        return;
    }
    *next += 1;
    disk.source.index = Some(*next);
    let mut b = &mut disk.backing_store;
    while let BackingStore::Image(img) = b {
        *next += 1;
        img.index = Some(*next);
        b = &mut img.backing;
    }
}

/// The lowest `netN` no interface uses.
fn free_net_alias(def: &DomainDef) -> String {
    (0..)
        .map(|i| format!("net{i}"))
        .find(|a| {
            !def.devices
                .interfaces
                .iter()
                .any(|n| n.info.alias.as_deref() == Some(a.as_str()))
        })
        .unwrap_or_else(|| "net0".to_string())
}

fn node_names_of(disk: &Disk) -> Vec<String> {
    use rvirt_xml::domain::devices::disk_source::BackingStore;
    let mut out = Vec::new();
    if let Some(i) = disk.source.index {
        out.push(format!("libvirt-{i}-format"));
        out.push(format!("libvirt-{i}-storage"));
    }
    let mut b = &disk.backing_store;
    while let BackingStore::Image(img) = b {
        if let Some(i) = img.index {
            out.push(format!("libvirt-{i}-format"));
            out.push(format!("libvirt-{i}-storage"));
        }
        b = &img.backing;
    }
    out
}

/// Hot-plugs the new disk of `next` (the live definition with the disk added).
fn plug_disk(
    inner: &Inner,
    dom: &Arc<Domain>,
    mut next: DomainDef,
    cur: &DomainDef,
) -> Result<DomainDef> {
    let pos = next
        .devices
        .disks
        .iter()
        .position(|d| d.info.alias.is_none())
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "the new disk is missing"))?;
    if next.devices.disks[pos].device != DiskDevice::Disk
        && next.devices.disks[pos].device != DiskDevice::Lun
    {
        return Err(unsupported(format!(
            "disk device='{}' cannot be hotplugged.",
            next.devices.disks[pos].device
        )));
    }
    crate::imgprobe::fill_chains(std::slice::from_mut(&mut next.devices.disks[pos]))?;
    let mut idx = max_storage_index(cur);
    number_new_disk(&mut next.devices.disks[pos], &mut idx);
    crate::command::prepare::assign_aliases(&mut next);
    let disk = next.devices.disks[pos].clone();
    let alias = disk
        .info
        .alias
        .clone()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no alias for the new disk"))?;
    let argv = start_args(inner, dom, &next)?;
    let nodes = node_names_of(&disk);
    let blockdevs = picked(&argv, "-blockdev", &|v| {
        v.get("node-name")
            .and_then(|n| n.as_str())
            .is_some_and(|n| nodes.iter().any(|x| x == n))
    });
    let device = picked(&argv, "-device", &|v| {
        v.get("id").and_then(|i| i.as_str()) == Some(&alias)
    })
    .into_iter()
    .next()
    .ok_or_else(|| Error::internal(ErrorDomain::QEMU, format!("no -device for {alias}")))?;
    let m = monitor(dom)?;
    let mut added: Vec<String> = Vec::new();
    let rollback = |added: &[String]| {
        for n in added.iter().rev() {
            let _ = m.execute("blockdev-del", Some(serde_json::json!({ "node-name": n })));
        }
    };
    for b in blockdevs {
        let name = b
            .get("node-name")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        if let Err(e) = m.execute("blockdev-add", Some(b)) {
            rollback(&added);
            return Err(qmp_error(e));
        }
        added.push(name);
    }
    if let Err(e) = m.execute("device_add", Some(device)) {
        rollback(&added);
        return Err(qmp_error(e));
    }
    Ok(next)
}

/// Hot-plugs the new interface of `next`.
fn plug_iface(
    inner: &Inner,
    dom: &Arc<Domain>,
    mut next: DomainDef,
    cur: &DomainDef,
) -> Result<(DomainDef, Vec<String>)> {
    let pos = next
        .devices
        .interfaces
        .iter()
        .position(|n| n.info.alias.is_none())
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "the new interface is missing"))?;
    let alias = free_net_alias(cur);
    next.devices.interfaces[pos].info.alias = Some(alias.clone());
    crate::command::prepare::assign_aliases(&mut next);
    // A tap device for bridge and ethernet types, handed to QEMU with getfd.
    let taps = super::start::host_taps(&mut next, Some(pos))?;
    let argv = start_args(inner, dom, &next)?;
    let host_id = format!("host{alias}");
    let netdev = picked(&argv, "-netdev", &|v| {
        v.get("id").and_then(|i| i.as_str()) == Some(&host_id)
    })
    .into_iter()
    .next()
    .ok_or_else(|| Error::internal(ErrorDomain::QEMU, format!("no -netdev for {alias}")))?;
    let device = picked(&argv, "-device", &|v| {
        v.get("id").and_then(|i| i.as_str()) == Some(&alias)
    })
    .into_iter()
    .next()
    .ok_or_else(|| Error::internal(ErrorDomain::QEMU, format!("no -device for {alias}")))?;
    let m = monitor(dom)?;
    let mut netdev = netdev;
    let mut names = Vec::new();
    if let Some((fd, name)) = taps.into_iter().next() {
        let fdname = format!("fd-{alias}");
        m.execute_with_fd(
            "getfd",
            Some(serde_json::json!({ "fdname": fdname })),
            std::os::fd::AsFd::as_fd(&fd),
        )
        .map_err(qmp_error)?;
        netdev["fd"] = Value::String(fdname);
        names.push(name);
    }
    m.execute("netdev_add", Some(netdev)).map_err(qmp_error)?;
    if let Err(e) = m.execute("device_add", Some(device)) {
        let _ = m.execute("netdev_del", Some(serde_json::json!({ "id": host_id })));
        return Err(qmp_error(e));
    }
    Ok((next, names))
}

/// `virDomainAttachDeviceFlags`.
pub fn attach(inner: &Arc<Inner>, dom: &Arc<Domain>, xml: &str, flags: u32) -> Result<()> {
    let el = device_element(xml)?;
    let (active, persistent) = {
        let st = dom.lock();
        (st.is_active(), st.config.is_some())
    };
    let (live, config) = targets(active, persistent, flags)?;
    // Both or neither: the new persistent definition is made (and checked) first.
    let new_config = if config {
        let cfg = dom
            .lock()
            .config
            .clone()
            .ok_or_else(|| invalid("cannot modify device on transient domain"))?;
        check_new_disk_target(&cfg, &el)?;
        let mut next = with_device(inner, &cfg, xml, false)?;
        if el.name == "disk" {
            place_new_disk(&mut next);
        }
        Some(next)
    } else {
        None
    };
    if live {
        let cur = dom
            .lock()
            .live
            .as_ref()
            .map(|l| l.def.clone())
            .ok_or_else(not_running)?;
        check_new_disk_target(&cur, &el)?;
        let mut next = with_device(inner, &cur, xml, true)?;
        if el.name == "disk" {
            place_new_disk(&mut next);
        }
        let (next, taps) = match el.name.as_str() {
            "disk" => (plug_disk(inner, dom, next, &cur)?, Vec::new()),
            "interface" => plug_iface(inner, dom, next, &cur)?,
            other => {
                return Err(unsupported(format!(
                    "live attach of device '{other}' is not supported"
                )))
            }
        };
        let added = {
            let mut st = dom.lock();
            let l = st.live.as_mut().ok_or_else(not_running)?;
            let before: Vec<Option<String>> = all_aliases(&l.def);
            l.def = next;
            l.taps.extend(taps);
            all_aliases(&l.def)
                .into_iter()
                .flatten()
                .find(|a| !before.iter().flatten().any(|b| b == a))
        };
        super::start::save_status(inner, dom)?;
        if let Some(a) = added {
            let r = dom.lock().reference();
            crate::events::device_added_event(&inner.events, r, a);
        }
    }
    if let Some(cfg) = new_config {
        store::save_config(&inner.paths, &cfg)?;
        let mut st = dom.lock();
        st.config = Some(cfg);
        if let Some(l) = st.live.as_mut() {
            l.config_changed = true;
        }
    }
    Ok(())
}

fn all_aliases(def: &DomainDef) -> Vec<Option<String>> {
    let d = &def.devices;
    d.disks
        .iter()
        .map(|x| x.info.alias.clone())
        .chain(d.interfaces.iter().map(|x| x.info.alias.clone()))
        .collect()
}

/// What a detach removes, found in a definition.
enum Found {
    Disk(usize),
    Iface(usize),
    Rng(usize),
}

/// libvirt's identity of an RNG: model, backend and rate, plus the address when one is given.
fn rng_position(def: &DomainDef, want: &Rng) -> Option<usize> {
    let source = |r: &Rng| match &r.backend {
        RngBackend::Random { path } => RngBackend::Random {
            path: Some(path.clone().unwrap_or_else(|| "/dev/random".into())),
        },
        other => other.clone(),
    };
    def.devices.rngs.iter().position(|r| {
        r.model == want.model
            && r.rate == want.rate
            && source(r) == source(want)
            && (want.info.address.is_none() || r.info.address == want.info.address)
    })
}

/// A new disk (parsed last) takes libvirt's place among the disks: after those on its bus
/// with lower target indexes, before the first one on its bus with a higher index.
fn place_new_disk(def: &mut DomainDef) {
    let Some(disk) = def.devices.disks.pop() else {
        return;
    };
    let index = |d: &Disk| {
        rvirt_xml::domain::devices::disk::disk_name_to_index(&d.target.dev).map_or(-1, i64::from)
    };
    let mine = index(&disk);
    let mut at = None;
    for (i, d) in def.devices.disks.iter().enumerate().rev() {
        if d.target.bus != disk.target.bus {
            continue;
        }
        if index(d) > mine {
            at = Some(i);
        } else if at.is_none() {
            at = Some(i + 1);
        }
    }
    let at = at.unwrap_or(def.devices.disks.len());
    def.devices.disks.insert(at, disk);
}

/// An attach may not reuse a disk's target name.
fn check_new_disk_target(def: &DomainDef, el: &Element) -> Result<()> {
    if el.name != "disk" {
        return Ok(());
    }
    let d = Disk::parse(el, &ParseCtx { inactive: false })?;
    if disk_position(def, &d.target.dev).is_some() {
        return Err(invalid(format!("target {} already exists", d.target.dev)));
    }
    Ok(())
}

fn find(def: &DomainDef, el: &Element) -> Result<Found> {
    let ctx = ParseCtx { inactive: false };
    match el.name.as_str() {
        "disk" => {
            let d = Disk::parse(el, &ctx)?;
            disk_position(def, &d.target.dev)
                .map(Found::Disk)
                .ok_or_else(|| {
                    Error::new(
                        ErrorDomain::QEMU,
                        ErrorCode::DEVICE_MISSING,
                        Some(format!("disk {} not found", d.target.dev)),
                    )
                })
        }
        "interface" => {
            let n = Interface::parse(el, &ctx)?;
            iface_position(def, &n).map(Found::Iface)
        }
        "rng" => {
            let r = Rng::parse(el, &ctx)?;
            rng_position(def, &r).map(Found::Rng).ok_or_else(|| {
                Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::DEVICE_MISSING,
                    Some("no matching RNG device was found".into()),
                )
            })
        }
        other => Err(unsupported(format!(
            "detach of device '{other}' is not supported"
        ))),
    }
}

/// Asks QEMU to unplug `alias` and waits for the guest to let go; then the backends go.
fn unplug(
    inner: &Inner,
    dom: &Arc<Domain>,
    alias: &str,
    backends: &dyn Fn(&crate::qmp::Monitor),
) -> Result<bool> {
    let m = monitor(dom)?;
    {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.unplugging.push(alias.to_string());
        }
    }
    m.execute("device_del", Some(serde_json::json!({ "id": alias })))
        .map_err(qmp_error)?;
    let t = Instant::now();
    loop {
        let gone = dom
            .lock()
            .live
            .as_ref()
            .is_none_or(|l| !l.unplugging.iter().any(|a| a == alias));
        if gone {
            backends(&m);
            super::start::save_status(inner, dom)?;
            return Ok(true);
        }
        if t.elapsed() > UNPLUG_WAIT {
            // The request stands; the device goes when the guest lets it go.
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `virDomainDetachDeviceFlags`.
pub fn detach(inner: &Arc<Inner>, dom: &Arc<Domain>, xml: &str, flags: u32) -> Result<()> {
    let el = device_element(xml)?;
    let (active, persistent) = {
        let st = dom.lock();
        (st.is_active(), st.config.is_some())
    };
    let (live, config) = targets(active, persistent, flags)?;
    let new_config = if config {
        let mut cfg = dom
            .lock()
            .config
            .clone()
            .ok_or_else(|| invalid("cannot modify device on transient domain"))?;
        match find(&cfg, &el)? {
            Found::Disk(i) => {
                cfg.devices.disks.remove(i);
            }
            Found::Iface(i) => {
                cfg.devices.interfaces.remove(i);
            }
            Found::Rng(i) => {
                cfg.devices.rngs.remove(i);
            }
        }
        Some(cfg)
    } else {
        None
    };
    if live {
        let cur = dom
            .lock()
            .live
            .as_ref()
            .map(|l| l.def.clone())
            .ok_or_else(not_running)?;
        match find(&cur, &el)? {
            Found::Disk(i) => {
                let d = &cur.devices.disks[i];
                if d.device == DiskDevice::Cdrom || d.device == DiskDevice::Floppy {
                    return Err(unsupported(format!(
                        "disk device type '{}' cannot be detached",
                        d.device
                    )));
                }
                let alias = d
                    .info
                    .alias
                    .clone()
                    .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "disk without alias"))?;
                let nodes = node_names_of(d);
                unplug(inner, dom, &alias, &|m| {
                    for n in &nodes {
                        let _ =
                            m.execute("blockdev-del", Some(serde_json::json!({ "node-name": n })));
                    }
                })?;
            }
            Found::Iface(i) => {
                let n = &cur.devices.interfaces[i];
                let alias =
                    n.info.alias.clone().ok_or_else(|| {
                        Error::internal(ErrorDomain::QEMU, "interface without alias")
                    })?;
                let host = format!("host{alias}");
                unplug(inner, dom, &alias, &|m| {
                    let _ = m.execute("netdev_del", Some(serde_json::json!({ "id": host })));
                })?;
            }
            Found::Rng(_) => {
                return Err(unsupported("live detach of device 'rng' is not supported"));
            }
        }
    }
    if let Some(cfg) = new_config {
        store::save_config(&inner.paths, &cfg)?;
        let mut st = dom.lock();
        st.config = Some(cfg);
        if let Some(l) = st.live.as_mut() {
            l.config_changed = true;
        }
    }
    Ok(())
}

/// `virDomainDetachDeviceAlias`.
pub fn detach_alias(inner: &Arc<Inner>, dom: &Arc<Domain>, alias: &str, flags: u32) -> Result<()> {
    let xml = {
        let st = dom.lock();
        let def = if flags & CONFIG != 0 || !st.is_active() {
            st.config.as_ref()
        } else {
            st.live.as_ref().map(|l| &l.def)
        };
        let def = def.ok_or_else(|| invalid("domain is not running"))?;
        let ctx = FormatCtx {
            inactive: false,
            secure: true,
            migratable: false,
        };
        let d = &def.devices;
        d.disks
            .iter()
            .find(|x| x.info.alias.as_deref() == Some(alias))
            .map(|x| x.format(&ctx).render(0))
            .or_else(|| {
                d.interfaces
                    .iter()
                    .find(|x| x.info.alias.as_deref() == Some(alias))
                    .map(|x| x.format(&ctx).render(0))
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::DEVICE_MISSING,
                    Some(format!("no device found with alias {alias}")),
                )
            })?
    };
    detach(inner, dom, &xml, flags)
}

/// `virDomainUpdateDeviceFlags` for a CD-ROM or floppy's medium.
pub fn update(inner: &Arc<Inner>, dom: &Arc<Domain>, xml: &str, flags: u32) -> Result<()> {
    let el = device_element(xml)?;
    if el.name != "disk" {
        return Err(unsupported(format!(
            "update of device '{}' is not supported",
            el.name
        )));
    }
    let (active, persistent) = {
        let st = dom.lock();
        (st.is_active(), st.config.is_some())
    };
    let (live, config) = targets(active, persistent, flags)?;
    let newdisk = Disk::parse(&el, &ParseCtx { inactive: true })?;
    if config {
        let mut cfg = dom
            .lock()
            .config
            .clone()
            .ok_or_else(|| invalid("cannot modify device on transient domain"))?;
        let i = disk_position(&cfg, &newdisk.target.dev).ok_or_else(|| {
            Error::new(
                ErrorDomain::QEMU,
                ErrorCode::DEVICE_MISSING,
                Some(format!("target {} doesn't exist.", newdisk.target.dev)),
            )
        })?;
        cfg.devices.disks[i].source = newdisk.source.clone();
        store::save_config(&inner.paths, &cfg)?;
        dom.lock().config = Some(cfg);
    }
    if live {
        change_media(inner, dom, &newdisk)?;
    }
    Ok(())
}

/// Swaps the medium of a live CD-ROM or floppy (or ejects it), as libvirt does with
/// blockdev: open the tray, remove the old medium, add and insert the new, close the tray.
fn change_media(inner: &Inner, dom: &Arc<Domain>, newdisk: &Disk) -> Result<()> {
    let cur = dom
        .lock()
        .live
        .as_ref()
        .map(|l| l.def.clone())
        .ok_or_else(not_running)?;
    let i = disk_position(&cur, &newdisk.target.dev).ok_or_else(|| {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::DEVICE_MISSING,
            Some(format!("target {} doesn't exist.", newdisk.target.dev)),
        )
    })?;
    let old = &cur.devices.disks[i];
    if old.device != DiskDevice::Cdrom && old.device != DiskDevice::Floppy {
        return Err(unsupported(
            "disk bus or device type is not supported for media change",
        ));
    }
    let alias = old
        .info
        .alias
        .clone()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "disk without alias"))?;
    let old_nodes = node_names_of(old);
    let mut next = cur.clone();
    next.devices.disks[i].source = newdisk.source.clone();
    next.devices.disks[i].backing_store = Default::default();
    let mut idx = max_storage_index(&cur);
    number_new_disk(&mut next.devices.disks[i], &mut idx);
    let m = monitor(dom)?;
    m.execute(
        "blockdev-open-tray",
        Some(serde_json::json!({ "id": alias, "force": true })),
    )
    .map_err(qmp_error)?;
    m.execute(
        "blockdev-remove-medium",
        Some(serde_json::json!({ "id": alias })),
    )
    .map_err(qmp_error)?;
    if !crate::command::disk_is_empty(&next.devices.disks[i].source) {
        let argv = start_args(inner, dom, &next)?;
        let nodes = node_names_of(&next.devices.disks[i]);
        for b in picked(&argv, "-blockdev", &|v| {
            v.get("node-name")
                .and_then(|n| n.as_str())
                .is_some_and(|n| nodes.iter().any(|x| x == n))
        }) {
            m.execute("blockdev-add", Some(b)).map_err(qmp_error)?;
        }
        let top = format!(
            "libvirt-{}-format",
            next.devices.disks[i].source.index.unwrap_or(0)
        );
        m.execute(
            "blockdev-insert-medium",
            Some(serde_json::json!({ "id": alias, "node-name": top })),
        )
        .map_err(qmp_error)?;
    }
    m.execute(
        "blockdev-close-tray",
        Some(serde_json::json!({ "id": alias })),
    )
    .map_err(qmp_error)?;
    for n in &old_nodes {
        let _ = m.execute("blockdev-del", Some(serde_json::json!({ "node-name": n })));
    }
    {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.def = next;
        }
    }
    super::start::save_status(inner, dom)
}
