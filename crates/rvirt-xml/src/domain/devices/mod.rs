//! `<devices>`: one module per device family, and the order libvirt prints them in.

pub mod opaque;

pub mod controller;
pub mod disk;
pub mod disk_source;
pub mod filesystem;
pub mod hostdev;
pub mod interface;
pub mod interface_parts;
pub mod lease;
pub mod netdev;
pub mod redirdev;
pub use controller::Controller;
pub use disk::Disk;
pub use filesystem::Filesystem;
pub use hostdev::Hostdev;
pub use interface::Interface;
pub use lease::Lease;
pub use redirdev::{RedirFilter, Redirdev};
pub mod chr;
pub mod chr_source;
pub mod memory;
pub mod misc;
pub mod rng;
pub mod shmem;
pub mod smartcard;
pub mod tpm;
pub mod virtio;
pub use chr::Chr;
pub use memory::Memory;
pub use misc::{Crypto, Hub, Iommu, Memballoon, Nvram, Panic, Vsock, Watchdog};
pub use rng::Rng;
pub use shmem::Shmem;
pub use smartcard::Smartcard;
pub use tpm::Tpm;
pub use virtio::VirtioOptions;
pub mod graphics;
pub mod input;
pub mod sound;
pub mod video;
pub use graphics::Graphics;
pub use input::Input;
pub use sound::{Audio, Sound};
pub use video::Video;
pub mod interface_hostdev;
pub mod netdev_ip;

use super::ctx::{FormatCtx, ParseCtx};
use crate::error::{internal, xml_error};
use crate::tree::Element;
use crate::writer::Out;
use rvirt_core::Result;

// Families still on scaffolding are aliases of `Opaque`; each becomes its own module.

/// All devices of a domain, grouped by family in libvirt's print order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Devices {
    pub emulator: Option<String>,
    pub disks: Vec<Disk>,
    pub controllers: Vec<Controller>,
    pub leases: Vec<Lease>,
    pub filesystems: Vec<Filesystem>,
    pub interfaces: Vec<Interface>,
    pub smartcards: Vec<Smartcard>,
    pub serials: Vec<Chr>,
    pub parallels: Vec<Chr>,
    pub consoles: Vec<Chr>,
    pub channels: Vec<Chr>,
    pub inputs: Vec<Input>,
    pub tpms: Vec<Tpm>,
    pub graphics: Vec<Graphics>,
    pub sounds: Vec<Sound>,
    pub audios: Vec<Audio>,
    pub videos: Vec<Video>,
    pub hostdevs: Vec<Hostdev>,
    pub redirdevs: Vec<Redirdev>,
    pub redirfilter: Option<RedirFilter>,
    pub hubs: Vec<Hub>,
    pub watchdogs: Vec<Watchdog>,
    pub memballoon: Option<Box<Memballoon>>,
    pub rngs: Vec<Rng>,
    pub nvram: Option<Box<Nvram>>,
    pub panics: Vec<Panic>,
    pub shmems: Vec<Shmem>,
    pub memories: Vec<Memory>,
    pub cryptos: Vec<Crypto>,
    pub iommu: Option<Box<Iommu>>,
    pub vsock: Option<Box<Vsock>>,
}

fn single<T>(slot: &mut Option<T>, value: T, err: rvirt_core::Error) -> Result<()> {
    if slot.is_some() {
        return Err(err);
    }
    *slot = Some(value);
    Ok(())
}

impl Devices {
    /// Reads `<devices>`. Unknown elements are ignored, as libvirt ignores them.
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Devices> {
        let mut d = Devices::default();
        for c in el.elements() {
            if c.ns.is_some() {
                continue;
            }
            match c.name.as_str() {
                "emulator" if d.emulator.is_none() => {
                    d.emulator = Some(c.text());
                }
                "disk" => d.disks.push(Disk::parse(c, ctx)?),
                "controller" => d.controllers.push(Controller::parse(c, ctx)?),
                "lease" => d.leases.push(Lease::parse(c, ctx)?),
                "filesystem" => d.filesystems.push(Filesystem::parse(c, ctx)?),
                "interface" => d.interfaces.push(Interface::parse(c, ctx)?),
                "smartcard" => d.smartcards.push(Smartcard::parse(c, ctx)?),
                "serial" => d.serials.push(Chr::parse(c, ctx)?),
                "parallel" => d.parallels.push(Chr::parse(c, ctx)?),
                "console" => d.consoles.push(Chr::parse(c, ctx)?),
                "channel" => d.channels.push(Chr::parse(c, ctx)?),
                "input" => d.inputs.push(Input::parse(c, ctx)?),
                "tpm" => {
                    if d.tpms.len() >= 2 {
                        return Err(xml_error(
                            "a maximum of two TPM devices is supported, one of them being a TPM Proxy device",
                        ));
                    }
                    d.tpms.push(Tpm::parse(c, ctx)?)
                }
                "graphics" => d.graphics.push(Graphics::parse(c, ctx)?),
                "sound" => d.sounds.push(Sound::parse(c, ctx)?),
                "audio" => d.audios.push(Audio::parse(c, ctx)?),
                "video" => {
                    // libvirt keeps the primary video first and allows only one.
                    let v = Video::parse(c, ctx)?;
                    if v.primary {
                        if d.videos.first().is_some_and(|f| f.primary) {
                            return Err(crate::error::unsupported(
                                "Only one primary video device is supported",
                            ));
                        }
                        d.videos.insert(0, v);
                    } else {
                        d.videos.push(v);
                    }
                }
                "hostdev" => d.hostdevs.push(Hostdev::parse(c, ctx)?),
                "redirdev" => d.redirdevs.push(Redirdev::parse(c, ctx)?),
                "redirfilter" => single(
                    &mut d.redirfilter,
                    RedirFilter::parse(c, ctx)?,
                    internal("only one set of redirection filter rule is supported"),
                )?,
                "hub" => d.hubs.push(Hub::parse(c, ctx)?),
                "watchdog" => {
                    // libvirt 9.0 keeps a single watchdog.
                    if !d.watchdogs.is_empty() {
                        return Err(internal("only a single watchdog device is supported"));
                    }
                    d.watchdogs.push(Watchdog::parse(c, ctx)?)
                }
                "memballoon" => single(
                    &mut d.memballoon,
                    Box::new(Memballoon::parse(c, ctx)?),
                    internal("only a single memory balloon device is supported"),
                )?,
                "rng" => d.rngs.push(Rng::parse(c, ctx)?),
                "nvram" => single(
                    &mut d.nvram,
                    Box::new(Nvram::parse(c, ctx)?),
                    internal("only a single nvram device is supported"),
                )?,
                "panic" => d.panics.push(Panic::parse(c, ctx)?),
                "shmem" => d.shmems.push(Shmem::parse(c, ctx)?),
                "memory" => d.memories.push(Memory::parse(c, ctx)?),
                // libvirt 9.0 does not know <crypto> and ignores it.
                "crypto" => {}
                "iommu" => single(
                    &mut d.iommu,
                    Box::new(Iommu::parse(c, ctx)?),
                    xml_error("only a single IOMMU device is supported"),
                )?,
                "vsock" => single(
                    &mut d.vsock,
                    Box::new(Vsock::parse(c, ctx)?),
                    xml_error("only a single vsock device is supported"),
                )?,
                _ => {}
            }
        }
        chr::number_ports_after_parse(&mut d.parallels, &mut d.consoles);
        Ok(d)
    }

    /// Formats `<devices>` in libvirt's family order.
    pub fn format(&self, ctx: &FormatCtx) -> Out {
        self.format_with(ctx, false)
    }

    /// Formats `<devices>`; with `mirror_serial_consoles` (HVM guests), a serial-type
    /// console N that has a serial port N prints as a copy of that port, as libvirt does.
    pub fn format_with(&self, ctx: &FormatCtx, mirror_serial_consoles: bool) -> Out {
        let mut o = Out::new("devices");
        o.text_child_opt("emulator", self.emulator.as_ref());
        macro_rules! each {
            ($($field:ident),*) => {$(
                for d in &self.$field {
                    o.push(d.format(ctx));
                }
            )*};
        }
        each!(
            disks,
            controllers,
            leases,
            filesystems,
            interfaces,
            smartcards,
            serials,
            parallels
        );
        for (n, c) in self.consoles.iter().enumerate() {
            let mirrored = mirror_serial_consoles
                && c.console_target_type() == Some(chr::ConsoleTargetType::Serial)
                && n < self.serials.len();
            if mirrored {
                let mut m = self.serials[n].serial_as_console();
                m.set_port(self.serials[n].port());
                o.push(m.format(ctx));
            } else {
                o.push(c.format(ctx));
            }
        }
        each!(channels);
        for i in &self.inputs {
            if !(ctx.migratable && i.skip_when_migratable()) {
                o.push(i.format(ctx));
            }
        }
        each!(tpms, graphics, sounds, audios, videos, hostdevs, redirdevs);
        if let Some(r) = &self.redirfilter {
            o.push_nonempty(r.format(ctx));
        }
        each!(hubs, watchdogs);
        if let Some(m) = &self.memballoon {
            o.push(m.format(ctx));
        }
        each!(rngs);
        if let Some(n) = &self.nvram {
            o.push(n.format(ctx));
        }
        // A panic device with neither model nor trailer prints nothing.
        for p in &self.panics {
            o.push_nonempty(p.format(ctx));
        }
        each!(shmems, memories, cryptos);
        if let Some(i) = &self.iommu {
            o.push(i.format(ctx));
        }
        if let Some(v) = &self.vsock {
            o.push(v.format(ctx));
        }
        o
    }
}
