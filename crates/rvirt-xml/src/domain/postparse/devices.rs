//! Post-parse steps that span device families: controller order and indexes, disk order,
//! per-device defaults in libvirt's order, implicit controllers and video, the serial
//! console pairing, and the cross-device checks of libvirt's domain validation.

use crate::domain::devices::chr::{self, Chr, ConsoleTargetType};
use crate::domain::devices::controller::{ControllerModel, ControllerType, UsbModel};
use crate::domain::devices::disk::{disk_name_to_index, drive_controller_needs};
use crate::domain::devices::{hostdev, misc, smartcard, Controller, Disk, Video};
use crate::domain::os::OsType;
use crate::domain::DomainDef;
use crate::error::{unsupported, xml_error};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// Puts controllers in libvirt's order: by index within a type, unindexed ones after the
/// last controller of their type; then gives unindexed controllers the lowest free index
/// (USB companions share their master's).
pub fn assign_controller_indexes(list: &mut Vec<Controller>) {
    let parsed = std::mem::take(list);
    for c in parsed {
        let mut insert_at: Option<usize> = None;
        for idx in (0..list.len()).rev() {
            let cur = &list[idx];
            if cur.kind != c.kind {
                continue;
            }
            let Some(new_idx) = c.index else {
                insert_at = Some(idx + 1);
                break;
            };
            let cur_idx = cur.index.unwrap_or(u32::MAX);
            let after_new = cur_idx != u32::MAX && cur_idx > new_idx;
            // A master goes before its companions at the same index.
            let companion_of_new = c.info.master_startport.is_none()
                && cur.info.master_startport.is_some()
                && cur.index == c.index;
            if after_new || companion_of_new {
                insert_at = Some(idx);
            } else if insert_at.is_none() {
                insert_at = Some(idx + 1);
            }
        }
        match insert_at {
            Some(i) => list.insert(i, c),
            None => list.push(c),
        }
    }
    for i in 0..list.len() {
        if list[i].index.is_some() {
            continue;
        }
        if list[i].kind == ControllerType::Usb && list[i].is_usb2_companion() && i > 0 {
            let prev = &list[i - 1];
            if prev.kind == ControllerType::Usb {
                if let Some(pidx) = prev.index {
                    let model = list[i].model;
                    let taken = list.iter().any(|o| {
                        o.kind == ControllerType::Usb && o.index == Some(pidx) && o.model == model
                    });
                    if !taken {
                        list[i].index = Some(pidx);
                        continue;
                    }
                }
            }
        }
        let kind = list[i].kind;
        let free = (0..)
            .find(|n| !list.iter().any(|o| o.kind == kind && o.index == Some(*n)))
            .unwrap_or(0);
        list[i].index = Some(free);
    }
}

/// libvirt's disk insertion order: among disks that name the same bus (as written), by
/// target name.
pub fn sort_disks(list: &mut Vec<Disk>) {
    let parsed = std::mem::take(list);
    for d in parsed {
        let key = disk_name_to_index(&d.target.dev);
        let mut insert_at: Option<usize> = None;
        for idx in (0..list.len()).rev() {
            if list[idx].target.bus != d.target.bus {
                continue;
            }
            if disk_name_to_index(&list[idx].target.dev) > key {
                insert_at = Some(idx);
            } else if insert_at.is_none() {
                insert_at = Some(idx + 1);
            }
        }
        match insert_at {
            Some(i) => list.insert(i, d),
            None => list.push(d),
        }
    }
}

/// Per-device defaults, family by family.
pub fn post_parse(def: &mut DomainDef) -> Result<()> {
    let env = def.env();
    let d = &mut def.devices;
    for x in &mut d.disks {
        x.post_parse(&env)?;
    }
    for x in &mut d.interfaces {
        x.post_parse(&env)?;
    }
    for x in &mut d.sounds {
        x.post_parse(&env)?;
    }
    for x in &mut d.hostdevs {
        x.post_parse(&env)?;
    }
    for x in &mut d.videos {
        x.post_parse(&env)?;
    }
    for x in &mut d.controllers {
        x.post_parse(&env)?;
    }
    for x in &mut d.smartcards {
        x.post_parse(&env)?;
    }
    chr::isa_serial_post_parse(&mut d.serials)?;
    chr::post_parse_family(&mut d.serials, &env)?;
    chr::post_parse_family(&mut d.parallels, &env)?;
    chr::post_parse_family(&mut d.channels, &env)?;
    chr::post_parse_family(&mut d.consoles, &env)?;
    for x in &mut d.inputs {
        x.post_parse(&env)?;
    }
    for x in &mut d.filesystems {
        x.post_parse(&env)?;
    }
    for x in &mut d.watchdogs {
        x.post_parse(&env)?;
    }
    if let Some(m) = &mut d.memballoon {
        m.post_parse(&env)?;
    }
    if let Some(n) = &mut d.nvram {
        n.post_parse(&env)?;
    }
    for x in &mut d.hubs {
        x.post_parse(&env)?;
    }
    for x in &mut d.shmems {
        x.post_parse(&env)?;
    }
    for x in &mut d.rngs {
        x.post_parse(&env)?;
    }
    for x in &mut d.tpms {
        x.post_parse(&env)?;
    }
    for x in &mut d.panics {
        x.post_parse(&env)?;
    }
    for x in &mut d.memories {
        x.post_parse(&env)?;
    }
    for x in &mut d.redirdevs {
        x.post_parse(&env)?;
    }
    for x in &mut d.graphics {
        x.post_parse(&env)?;
    }
    if let Some(i) = &mut d.iommu {
        i.post_parse(&env)?;
    }
    if let Some(v) = &mut d.vsock {
        v.post_parse(&env)?;
    }
    hostdev::assign_scsi_hostdev_addresses(&d.disks, &d.controllers, &mut d.hostdevs, false);
    Ok(())
}

/// Adds a controller of `kind` with `index` unless one exists, in libvirt's sorted place.
fn maybe_add_controller(list: &mut Vec<Controller>, kind: ControllerType, index: u32) {
    if list
        .iter()
        .any(|c| c.kind == kind && c.index == Some(index))
    {
        return;
    }
    // Implicit controllers go at the end, unlike parsed ones.
    list.push(Controller::new_implicit(kind, index));
}

/// The serial console pairing of HVM guests: console 0 of type serial mirrors serial 0.
fn console_compat(def: &mut DomainDef) -> Result<()> {
    if def.os.os_type != OsType::Hvm {
        return Ok(());
    }
    let d = &mut def.devices;
    if d.consoles
        .iter()
        .skip(1)
        .any(|c| c.console_target_type() == Some(ConsoleTargetType::Serial))
    {
        return Err(unsupported("Only the first console can be a serial port"));
    }
    let first_is_serial = d.consoles.first().is_some_and(|c| {
        matches!(
            c.console_target_type(),
            Some(ConsoleTargetType::Serial | ConsoleTargetType::None)
        )
    });
    if first_is_serial {
        if d.serials.is_empty() {
            let con = d.consoles.remove(0);
            d.serials.insert(0, con.console_into_serial());
            d.consoles.insert(0, Chr::console_stub());
        } else if !d.consoles[0].source_equals(&d.serials[0]) {
            d.consoles[0] = Chr::console_stub();
        }
    } else if d.serials.first().is_some_and(Chr::backs_serial_console) {
        d.consoles.insert(0, Chr::console_stub());
    }
    Ok(())
}

/// Devices libvirt adds on its own: the serial console, controllers that devices sit on,
/// and a video device for graphics.
pub fn implicit(def: &mut DomainDef) -> Result<()> {
    console_compat(def)?;
    let d = &mut def.devices;
    for (kind, max) in drive_controller_needs(&d.disks) {
        for i in 0..=max {
            maybe_add_controller(&mut d.controllers, kind, i);
        }
    }
    let vioserial: Vec<u32> = d
        .channels
        .iter()
        .chain(d.consoles.iter())
        .filter(|c| {
            matches!(
                c.target,
                chr::ChrTarget::Channel(chr::ChannelTarget::Virtio { .. })
            ) || c.console_target_type() == Some(ConsoleTargetType::Virtio)
        })
        .map(|c| match c.info.address {
            Some(crate::domain::info::Address::VirtioSerial { controller, .. }) => controller,
            _ => 0,
        })
        .collect();
    for idx in vioserial {
        maybe_add_controller(&mut d.controllers, ControllerType::VirtioSerial, idx);
    }
    for idx in smartcard::assign_ccid_addresses(&mut d.smartcards) {
        maybe_add_controller(&mut d.controllers, ControllerType::Ccid, idx);
    }
    let scsi_hostdevs: Vec<u32> = d
        .hostdevs
        .iter()
        .filter_map(|h| h.scsi_controller_index())
        .collect();
    for max in scsi_hostdevs {
        for i in 0..=max {
            maybe_add_controller(&mut d.controllers, ControllerType::Scsi, i);
        }
    }
    if !def.devices.graphics.is_empty() && def.devices.videos.is_empty() {
        let mut v = Video::implicit();
        v.post_parse(&def.env())?;
        def.devices.videos.push(v);
    }
    if let Some(v) = def.devices.videos.first_mut() {
        v.make_primary();
    }
    Ok(())
}

fn has_usb_model_none(def: &DomainDef) -> bool {
    def.devices.controllers.iter().any(|c| {
        c.kind == ControllerType::Usb && c.model == Some(ControllerModel::Usb(UsbModel::None))
    })
}

fn has_usb(def: &DomainDef) -> bool {
    def.devices.controllers.iter().any(|c| {
        c.kind == ControllerType::Usb && c.model != Some(ControllerModel::Usb(UsbModel::None))
    })
}

/// libvirt's domain validation of what spans devices.
pub fn validate(def: &DomainDef) -> Result<()> {
    let env = def.env();
    let d = &def.devices;
    for x in &d.disks {
        x.validate(&env)?;
    }
    for (i, a) in d.disks.iter().enumerate() {
        for b in &d.disks[i + 1..] {
            if a.target.dev == b.target.dev {
                return Err(xml_error(format!(
                    "target '{}' duplicated for disk sources '{}' and '{}'",
                    a.target.dev,
                    a.source.path().unwrap_or("<null>"),
                    b.source.path().unwrap_or("<null>")
                )));
            }
        }
    }
    for (i, a) in d.controllers.iter().enumerate() {
        if a.kind == ControllerType::Usb {
            continue;
        }
        if d.controllers[i + 1..]
            .iter()
            .any(|b| b.kind == a.kind && b.index == a.index)
        {
            return Err(xml_error(format!(
                "Multiple '{}' controllers with index '{}'",
                a.kind,
                a.index.unwrap_or(0)
            )));
        }
    }
    misc::check_duplicate_panics(&d.panics)?;
    let usb_none = has_usb_model_none(def);
    for x in &d.interfaces {
        x.validate(&env)?;
    }
    for x in &d.hostdevs {
        x.validate(&env)?;
        if usb_none && x.is_usb() {
            return Err(unsupported(
                "Can't add host USB device: USB is disabled in this host",
            ));
        }
    }
    for x in &d.redirdevs {
        x.validate(&env)?;
        if !has_usb(def) {
            return Err(unsupported(
                "cannot add redirected USB device: USB is disabled for this domain",
            ));
        }
    }
    for x in &d.inputs {
        x.validate(&env)?;
        if usb_none && x.bus == Some(crate::domain::devices::input::InputBus::Usb) {
            return Err(unsupported(
                "Can't add USB input device. USB bus is disabled",
            ));
        }
    }
    if usb_none && !d.hubs.is_empty() {
        return Err(unsupported(
            "Can't add USB hub: USB is disabled for this domain",
        ));
    }
    for x in &d.videos {
        x.validate(&env)?;
    }
    if d.videos.iter().filter(|v| v.primary).count() > 1 {
        return Err(unsupported("Only one primary video device is supported"));
    }
    for x in &d.graphics {
        x.validate(&env)?;
    }
    for c in d
        .serials
        .iter()
        .chain(&d.parallels)
        .chain(&d.channels)
        .chain(&d.consoles)
    {
        c.validate(&env)?;
    }
    for x in &d.smartcards {
        x.validate(&env)?;
    }
    for x in &d.rngs {
        x.validate(&env)?;
    }
    for x in &d.memories {
        x.validate(&env)?;
    }
    for x in &d.shmems {
        x.validate(&env)?;
    }
    if let Some(v) = &d.vsock {
        v.validate(&env)?;
    }
    if let Some(i) = &d.iommu {
        i.validate(&env)?;
    }
    if !d.memories.is_empty() && def.max_memory.is_none() {
        return Err(Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::XML_ERROR,
            Some(
                "cannot use/hotplug a memory device when domain 'maxMemory' is not defined"
                    .to_string(),
            ),
        ));
    }
    for a in d.disks.iter().map(|x| &x.info.address) {
        if matches!(a, Some(crate::domain::info::Address::Unassigned)) {
            return Err(unsupported(
                "address of type 'unassigned' is supported only for hostdevs",
            ));
        }
    }
    Ok(())
}
