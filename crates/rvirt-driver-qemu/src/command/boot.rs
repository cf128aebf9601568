//! Firmware, clock, power management and boot: `-bios`, `-rtc`, the timer globals,
//! `-no-shutdown`/`-no-acpi`, the PM globals, `-boot` and the direct kernel boot options.

use super::json::escape_comma;
use super::machine::is_q35;
use super::{unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::clock::{ClockOffset, TickPolicy, TimerName, TimerTrack};
use rvirt_xml::domain::os::LoaderType;

/// `-bios FILE` for ROM loaders. (pflash firmware is handed over as block nodes, which this
/// builder does not do yet.)
pub fn loader(c: &mut Cmd) {
    if let Some(l) = &c.def.os.loader {
        if l.kind == Some(LoaderType::Rom) {
            if let Some(p) = &l.path {
                c.pair("-bios", p.clone());
            }
        }
    }
}

/// `%Y-%m-%dT%H:%M:%S` of a UNIX time, in UTC.
fn iso_time(t: i64) -> String {
    let (y, m, d) = rvirt_core::civil::civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `-rtc base=...` with the RTC timer's clock and drift fix, then the PIT tick policy and
/// HPET switch.
pub fn clock(c: &mut Cmd) -> Result<()> {
    let clock = &c.def.clock;
    let mut rtc = match &clock.offset {
        ClockOffset::Utc { .. } => "base=utc".to_string(),
        ClockOffset::Localtime { .. } | ClockOffset::Timezone(_) => "base=localtime".to_string(),
        ClockOffset::Absolute(start) => format!("base={}", iso_time(*start as i64)),
        ClockOffset::Variable { adjustment, basis } => {
            // a localtime basis is turned into an offset from UTC at start
            let local = if basis == "localtime" {
                c.rt.utc_offset
            } else {
                0
            };
            format!("base={}", iso_time(c.rt.now + adjustment + local))
        }
    };
    if let Some(t) = clock.timers.iter().find(|t| t.name == TimerName::Rtc) {
        match t.track {
            None => {}
            Some(TimerTrack::Boot) => {
                return Err(unsupported("unsupported rtc timer track 'boot'"));
            }
            Some(TimerTrack::Guest) => rtc.push_str(",clock=vm"),
            Some(TimerTrack::Wall) => rtc.push_str(",clock=host"),
            Some(TimerTrack::Realtime) => rtc.push_str(",clock=rt"),
        }
        match t.tickpolicy {
            None | Some(TickPolicy::Delay) => {}
            Some(TickPolicy::Catchup) => rtc.push_str(",driftfix=slew"),
            Some(p) => {
                return Err(unsupported(format!(
                    "unsupported rtc timer tickpolicy '{p}'"
                )))
            }
        }
    }
    c.pair("-rtc", rtc);
    for t in &c.def.clock.timers {
        match t.name {
            TimerName::Pit => match t.tickpolicy {
                None | Some(TickPolicy::Delay) => {
                    c.pair("-global", "kvm-pit.lost_tick_policy=delay")
                }
                Some(TickPolicy::Discard) => c.pair("-global", "kvm-pit.lost_tick_policy=discard"),
                Some(TickPolicy::Catchup) => {}
                Some(TickPolicy::Merge) => {
                    return Err(unsupported("unsupported pit tickpolicy 'merge'"));
                }
            },
            TimerName::Hpet if t.present == Some(false) => c.arg("-no-hpet"),
            TimerName::Platform => {
                return Err(unsupported("unsupported timer type (name) 'platform'"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `-no-shutdown` (QEMU then stops instead of exiting, and libvirt applies the lifecycle
/// actions over QMP), `-no-acpi` without the ACPI feature, and the S3/S4 switches.
pub fn pm(c: &mut Cmd) {
    c.arg("-no-shutdown");
    let x86 = matches!(c.def.os.arch.as_deref(), Some("x86_64" | "i686"));
    if x86 && !c.def.features.has_acpi() {
        c.arg("-no-acpi");
    }
    let pm_object = if is_q35(c.def) {
        "ICH9-LPC"
    } else {
        "PIIX4_PM"
    };
    if let Some(s3) = c.def.pm.suspend_to_mem {
        c.pair(
            "-global",
            format!("{pm_object}.disable_s3={}", u8::from(!s3)),
        );
    }
    if let Some(s4) = c.def.pm.suspend_to_disk {
        c.pair(
            "-global",
            format!("{pm_object}.disable_s4={}", u8::from(!s4)),
        );
    }
}

/// `-boot [menu=..,][reboot-timeout=..,][splash-time=..,]strict=on` and the kernel options.
/// The boot order itself is given per device (`bootindex`).
pub fn boot(c: &mut Cmd) {
    let os = &c.def.os;
    let mut b = String::new();
    if let Some((on, timeout)) = os.bootmenu {
        b.push_str(if on { "menu=on," } else { "menu=off," });
        if let Some(t) = timeout {
            b.push_str(&format!("splash-time={t},"));
        }
    }
    if let Some(t) = os.bios_reboot_timeout {
        // libvirt writes reboot-timeout before splash-time.
        let rt = format!("reboot-timeout={t},");
        match b.find("splash-time=") {
            Some(pos) => b.insert_str(pos, &rt),
            None => b.push_str(&rt),
        }
    }
    b.push_str("strict=on");
    c.pair("-boot", b);
    let os = &c.def.os;
    let kernel = [
        ("-kernel", os.kernel.clone()),
        ("-initrd", os.initrd.clone()),
        ("-append", os.cmdline.clone()),
        ("-dtb", os.dtb.clone()),
    ];
    for (opt, v) in kernel {
        if let Some(v) = v {
            c.pair(opt, v);
        }
    }
    if let Some((_, file)) = &c.def.os.acpi_table {
        c.pair(
            "-acpitable",
            format!("sig=SLIC,file={}", escape_comma(file)),
        );
    }
}

/// Which device boots in which place (libvirt's `effectiveBootIndex`): the per-device
/// `<boot order>` when the definition uses those, otherwise the `<os><boot dev>` list
/// given to the first disk, CD-ROM, floppy and NIC.
pub struct BootIndexes {
    pub disks: Vec<u32>,
    pub nets: Vec<u32>,
}

pub fn boot_indexes(def: &rvirt_xml::domain::DomainDef) -> BootIndexes {
    use rvirt_xml::domain::devices::disk::DiskDevice;
    use rvirt_xml::domain::os::BootDev;
    let d = &def.devices;
    let order = |i: &rvirt_xml::domain::info::DeviceInfo| i.boot.as_ref().map_or(0, |b| b.order);
    if rvirt_xml::domain::postparse::has_device_boot(d) {
        return BootIndexes {
            disks: d.disks.iter().map(|x| order(&x.info)).collect(),
            nets: d.interfaces.iter().map(|x| order(&x.info)).collect(),
        };
    }
    let pos = |dev: BootDev| {
        def.os
            .boot
            .iter()
            .position(|b| *b == dev)
            .map_or(0, |p| p as u32 + 1)
    };
    let (mut cd, mut fd, mut hd) = (pos(BootDev::Cdrom), pos(BootDev::Fd), pos(BootDev::Hd));
    let disks = d
        .disks
        .iter()
        .map(|disk| {
            let slot = match disk.device {
                DiskDevice::Cdrom => &mut cd,
                DiskDevice::Floppy => &mut fd,
                DiskDevice::Disk | DiskDevice::Lun => &mut hd,
            };
            std::mem::take(slot)
        })
        .collect();
    let mut nets = vec![0; d.interfaces.len()];
    if let Some(first) = nets.first_mut() {
        *first = pos(BootDev::Network);
    }
    BootIndexes { disks, nets }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_time_is_utc() {
        assert_eq!(super::iso_time(0), "1970-01-01T00:00:00");
        assert_eq!(super::iso_time(951_782_400 + 3661), "2000-02-29T01:01:01");
    }
}
