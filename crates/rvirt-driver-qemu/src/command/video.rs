//! Video devices. The primary one uses the VGA-compatible variant of its model (`VGA`,
//! `qxl-vga`, `virtio-vga`), secondary ones the plain variant (`qxl`, `virtio-gpu-pci`).

use super::json::Props;
use super::virtio::{self, Flavour};
use super::{address, alias, internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::video::{VideoBackend, VideoModel};
use rvirt_xml::domain::devices::Video;
use rvirt_xml::XmlEnum;

/// QEMU's device name, and whether it is a virtio device (then, whether the name takes
/// the transport suffix).
fn model(c: &Cmd, v: &Video, m: VideoModel) -> Result<(&'static str, Option<bool>)> {
    if v.backend == Some(VideoBackend::Vhostuser) {
        return Err(unsupported(
            "vhost-user video devices are not supported by rvirt's QEMU driver yet",
        ));
    }
    let accel3d = v.accel.as_ref().and_then(|a| a.accel3d) == Some(true);
    let named = if v.primary {
        match m {
            VideoModel::Vga => Some(("VGA", None)),
            VideoModel::Cirrus => Some(("cirrus-vga", None)),
            VideoModel::Vmvga => Some(("vmware-svga", None)),
            VideoModel::Qxl => Some(("qxl-vga", None)),
            VideoModel::Virtio if c.caps.has_device("virtio-vga") => Some((
                if accel3d {
                    "virtio-vga-gl"
                } else {
                    "virtio-vga"
                },
                Some(false),
            )),
            VideoModel::Virtio => Some((
                if accel3d {
                    "virtio-gpu-gl"
                } else {
                    "virtio-gpu"
                },
                Some(true),
            )),
            VideoModel::Bochs => Some(("bochs-display", None)),
            VideoModel::Ramfb => Some(("ramfb", None)),
            _ => None,
        }
    } else {
        match m {
            VideoModel::Qxl => Some(("qxl", None)),
            VideoModel::Virtio => Some((
                if accel3d {
                    "virtio-gpu-gl"
                } else {
                    "virtio-gpu"
                },
                Some(true),
            )),
            _ => None,
        }
    };
    named.ok_or_else(|| internal(format!("invalid model for video type '{}'", m.as_xml())))
}

fn props(c: &Cmd, v: &Video, m: VideoModel) -> Result<Props> {
    let id = alias(&v.info, "video")?;
    let (name, virtio_suffix) = model(c, v, m)?;
    let mut p = match virtio_suffix {
        Some(suffix) => virtio::props(name, &v.info, Flavour::Plain, &v.virtio, suffix)?,
        None => {
            let mut p = Props::new();
            p.str("driver", name);
            p
        }
    };
    p.str("id", id);
    if m == VideoModel::Virtio {
        p.opt_bool("virgl", v.accel.as_ref().and_then(|a| a.accel3d));
    }
    match m {
        VideoModel::Qxl => {
            p.nonzero("max_outputs", v.heads)
                .nonzero("ram_size", u64::from(v.ram) * 1024)
                .nonzero("vram_size", u64::from(v.vram) * 1024)
                .num("vram64_size_mb", v.vram64 / 1024)
                .num("vgamem_mb", v.vgamem / 1024);
        }
        VideoModel::Virtio => {
            p.nonzero("max_outputs", v.heads);
        }
        VideoModel::Vga | VideoModel::Vmvga => {
            p.nonzero("vgamem_mb", v.vram / 1024);
        }
        VideoModel::Bochs => {
            p.nonzero("vgamem", u64::from(v.vram) * 1024);
        }
        _ => {}
    }
    if let Some((x, y)) = v.resolution {
        p.nonzero("xres", x).nonzero("yres", y);
    }
    address::add(&mut p, c.def, &v.info, None)?;
    Ok(p)
}

pub fn videos(c: &mut Cmd) -> Result<()> {
    for v in &c.def.devices.videos {
        let m = v.model.unwrap_or(VideoModel::Cirrus);
        if m == VideoModel::None {
            continue;
        }
        let p = props(c, v, m)?;
        c.device(&p);
    }
    Ok(())
}
