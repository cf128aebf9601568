//! `<video>`: the guest display adapter, its memory sizes, heads and acceleration.

use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::num;
use crate::paths::sanitize_path;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::Result;

xml_enum! {
    /// Emulated display adapter.
    pub enum VideoModel {
        Vga = "vga",
        Cirrus = "cirrus",
        Vmvga = "vmvga",
        Xen = "xen",
        Vbox = "vbox",
        Qxl = "qxl",
        Parallels = "parallels",
        Virtio = "virtio",
        Gop = "gop",
        None = "none",
        Bochs = "bochs",
        Ramfb = "ramfb",
    }
}

xml_enum! {
    /// Who implements the device (`<driver name=...>`).
    pub enum VideoBackend { Qemu = "qemu", Vhostuser = "vhostuser" }
}

xml_enum! {
    /// bhyve's VGA configuration mode (`<driver vgaconf=...>`).
    pub enum VgaConf { Io = "io", On = "on", Off = "off" }
}

/// `<acceleration>`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VideoAccel {
    pub accel3d: Option<bool>,
    pub accel2d: Option<bool>,
    pub rendernode: Option<String>,
}

/// A display adapter. Sizes are KiB as in the XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Video {
    /// `None` until post-parse picks the hypervisor's default model.
    pub model: Option<VideoModel>,
    pub ram: u32,
    pub vram: u32,
    pub vram64: u32,
    pub vgamem: u32,
    /// Defaults to 1 when absent; an explicit 0 is kept (and not printed).
    pub heads: u32,
    pub primary: bool,
    pub accel: Option<VideoAccel>,
    /// `<resolution x= y=>`.
    pub resolution: Option<(u32, u32)>,
    pub backend: Option<VideoBackend>,
    pub vgaconf: Option<VgaConf>,
    pub virtio: VirtioOptions,
    pub info: DeviceInfo,
}

/// Rounds up to a power of two as libvirt stores video memory; values that would not
/// fit 32 bits become 0 (libvirt's unsigned field wraps the same way).
pub fn round_up_pow2(v: u32) -> u32 {
    if v == 0 {
        return 0;
    }
    u32::try_from((v as u64).next_power_of_two()).unwrap_or(0)
}

impl Video {
    /// The default memory (KiB) of `model` on a given hypervisor, as libvirt assigns it
    /// when `vram` (and `ram` for qxl) is not given.
    pub fn default_ram(model: VideoModel, virt_type: &str) -> u32 {
        match model {
            VideoModel::Vga | VideoModel::Cirrus | VideoModel::Vmvga => match virt_type {
                "vbox" => 8 * 1024,
                "vmware" => 4 * 1024,
                _ => 16 * 1024,
            },
            VideoModel::Bochs => 16 * 1024,
            VideoModel::Xen => 4 * 1024,
            VideoModel::Qxl => 64 * 1024,
            _ => 0,
        }
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Video> {
        let mut v = Video::implicit();
        if let Some(m) = el.child("model") {
            if let Some(t) = m.attr("type") {
                if t != "default" {
                    v.model = Some(
                        VideoModel::from_xml(t)
                            .ok_or_else(|| unsupported(format!("unknown video model '{t}'")))?,
                    );
                }
            }
            // libvirt reads `primary` leniently: anything but "yes" is "no".
            v.primary = m.attr("primary") == Some("yes");
            if let Some(a) = m.child("acceleration") {
                let accel = VideoAccel {
                    accel3d: a.yes_no_attr("accel3d")?,
                    accel2d: a.yes_no_attr("accel2d")?,
                    rendernode: a.attr("rendernode").map(sanitize_path),
                };
                if accel == VideoAccel::default() {
                    return Err(unsupported("missing values for acceleration"));
                }
                v.accel = Some(accel);
            }
            if let Some(r) = m.child("resolution") {
                let x = num::required(r, "x", num::uint_attr(r, "x", 10, false)?)?;
                let y = num::required(r, "y", num::uint_attr(r, "y", 10, false)?)?;
                if x == 0 || y == 0 {
                    return Err(unsupported(
                        "video resolution values must be greater than 0",
                    ));
                }
                v.resolution = Some((x, y));
            }
            let size = |name: &str| -> Result<u32> {
                match m.attr(name) {
                    None => Ok(0),
                    Some(s) => num::to_ullp(s, 10)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| xml_error(format!("cannot parse video {name} '{s}'"))),
                }
            };
            v.ram = size("ram")?;
            v.vram = size("vram")?;
            v.vram64 = size("vram64")?;
            v.vgamem = size("vgamem")?;
            if let Some(h) = m.attr("heads") {
                v.heads = num::to_ullp(h, 10)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| internal(format!("cannot parse video heads '{h}'")))?;
            }
        }
        if let Some(d) = el.child("driver") {
            v.backend = d.enum_attr("name")?;
            v.virtio = VirtioOptions::parse(d)?;
            // libvirt 9.0 drops an unknown vgaconf without error, and its lookup treats the
            // first value (`io`) as unknown too.
            v.vgaconf = d
                .attr("vgaconf")
                .and_then(VgaConf::from_xml)
                .filter(|c| *c != VgaConf::Io);
        }
        v.info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        if v.model == Some(VideoModel::None) {
            v.clear_for_none();
        }
        Ok(v)
    }

    /// A `none` video stands for "no display adapter": libvirt drops every value it
    /// holds (sizes, heads, driver, address) except a user alias. libvirt does this in the
    /// domain post-parse; since `none` must be the only video, doing it here is the same.
    fn clear_for_none(&mut self) {
        let alias = self.info.alias.take();
        *self = Video {
            model: Some(VideoModel::None),
            heads: 0,
            info: DeviceInfo {
                alias,
                ..Default::default()
            },
            ..Video::implicit()
        };
    }

    /// Fills in the model the test hypervisor picks for `<video/>` (xen for Xen/Linux
    /// guests, vga on ppc64, cirrus otherwise), then default memory sizes, and rounds
    /// `ram`/`vram` up to powers of two.
    pub fn post_parse(&mut self, env: &DomainEnv) -> Result<()> {
        let model = *self.model.get_or_insert(match env.os_type.as_str() {
            "xen" | "linux" => VideoModel::Xen,
            _ if env.arch.starts_with("ppc64") => VideoModel::Vga,
            _ => VideoModel::Cirrus,
        });
        if self.ram == 0 && model == VideoModel::Qxl {
            self.ram = Video::default_ram(model, &env.virt_type);
        }
        if self.vram == 0 {
            self.vram = Video::default_ram(model, &env.virt_type);
        }
        self.ram = round_up_pow2(self.ram);
        self.vram = round_up_pow2(self.vram);
        Ok(())
    }

    /// The video device libvirt adds for a domain with graphics but no video (its model is
    /// chosen by [`Video::post_parse`]); also the blank a parsed `<video>` starts from.
    pub fn implicit() -> Video {
        Video {
            model: None,
            ram: 0,
            vram: 0,
            vram64: 0,
            vgamem: 0,
            heads: 1,
            primary: false,
            accel: None,
            resolution: None,
            backend: None,
            vgaconf: None,
            virtio: VirtioOptions::default(),
            info: DeviceInfo::default(),
        }
    }

    /// Marks the first video device primary, unless it is the `none` placeholder.
    pub fn make_primary(&mut self) {
        if self.model != Some(VideoModel::None) {
            self.primary = true;
        }
    }

    /// Per-device checks libvirt makes when validating a definition.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if self.model != Some(VideoModel::Qxl) {
            for (name, v) in [
                ("ram", self.ram),
                ("vram64", self.vram64),
                ("vgamem", self.vgamem),
            ] {
                if v != 0 {
                    return Err(unsupported(format!(
                        "{name} attribute only supported for video type qxl"
                    )));
                }
            }
        }
        if self.backend == Some(VideoBackend::Vhostuser) && self.model != Some(VideoModel::Virtio) {
            return Err(unsupported(
                "'vhostuser' driver is only supported with 'virtio' device",
            ));
        }
        if self.backend != Some(VideoBackend::Vhostuser)
            && self.accel.as_ref().is_some_and(|a| a.rendernode.is_some())
        {
            return Err(unsupported(
                "unsupported rendernode accel attribute without 'vhostuser'",
            ));
        }
        Ok(())
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("video");
        let mut d = Out::new("driver");
        self.virtio.write_attrs(&mut d);
        d.set_opt("vgaconf", self.vgaconf);
        d.set_opt("name", self.backend);
        o.push_nonempty(d);
        let nz = |v: u32| (v != 0).then_some(v);
        let mut m = Out::new("model")
            .attr("type", self.model.map_or("default", |m| m.as_xml()))
            .attr_opt("ram", nz(self.ram))
            .attr_opt("vram", nz(self.vram))
            .attr_opt("vram64", nz(self.vram64))
            .attr_opt("vgamem", nz(self.vgamem))
            .attr_opt("heads", nz(self.heads))
            .attr_opt("primary", self.primary.then_some(yes_no(true)));
        if let Some(a) = &self.accel {
            m.push(
                Out::new("acceleration")
                    .attr_opt("accel3d", a.accel3d.map(yes_no))
                    .attr_opt("accel2d", a.accel2d.map(yes_no))
                    .attr_opt("rendernode", a.rendernode.as_ref()),
            );
        }
        if let Some((x, y)) = self.resolution {
            let mut r = Out::new("resolution");
            if x != 0 && y != 0 {
                r.set("x", x);
                r.set("y", y);
            }
            m.push(r);
        }
        o.push(m);
        self.info.format_into(&mut o, ctx);
        o.keep_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(x: &str) -> Result<Video> {
        Video::parse(
            &parse_document(x, "domain_definition").expect("well-formed"),
            &ParseCtx { inactive: true },
        )
    }

    fn env(os: &str, arch: &str, virt: &str) -> DomainEnv {
        DomainEnv {
            virt_type: virt.into(),
            os_type: os.into(),
            arch: arch.into(),
            machine: None,
        }
    }

    fn after(x: &str, e: &DomainEnv) -> String {
        let mut v = parse(x).expect("ok");
        v.post_parse(e).expect("pp");
        v.format(&FormatCtx::default()).render(0)
    }

    #[test]
    fn post_parse_defaults_and_rounding() {
        let x86 = env("hvm", "x86_64", "test");
        assert_eq!(
            after("<video/>", &x86),
            "<video>\n  <model type='cirrus' vram='16384' heads='1'/>\n</video>\n"
        );
        assert!(after("<video/>", &env("xen", "", "xen")).contains("type='xen' vram='4096'"));
        assert!(
            after("<video/>", &env("hvm", "ppc64le", "test")).contains("type='vga' vram='16384'")
        );
        assert!(after(
            "<video><model type='vga'/></video>",
            &env("hvm", "x86_64", "vmware")
        )
        .contains("vram='4096'"));
        assert!(after(
            "<video><model type='vga'/></video>",
            &env("hvm", "x86_64", "vbox")
        )
        .contains("vram='8192'"));
        assert!(after("<video><model type='qxl'/></video>", &x86)
            .contains("ram='65536' vram='65536' heads='1'"));
        assert!(after(
            "<video><model type='qxl' vram='1000' ram='100' vgamem='100' vram64='100'/></video>",
            &x86
        )
        .contains("ram='128' vram='1024' vram64='100' vgamem='100' heads='1'"));
        assert!(after("<video><model type='ramfb'/></video>", &x86)
            .contains("<model type='ramfb' heads='1'/>"));
        assert!(after("<video><model type='vga' heads='0'/></video>", &x86)
            .contains("<model type='vga' vram='16384'/>"));
        assert_eq!(
            after("<video><model type='none' heads='2' primary='yes'/><alias name='ua-v'/><address type='pci' bus='0x00' slot='0x02'/></video>", &x86),
            "<video>\n  <model type='none'/>\n  <alias name='ua-v'/>\n</video>\n"
        );
        assert_eq!(round_up_pow2(1), 1);
        assert_eq!(round_up_pow2(3_000_000_000), 0);
    }

    #[test]
    fn vgaconf_quirk_and_driver() {
        let x86 = env("hvm", "x86_64", "test");
        assert!(!after(
            "<video><driver vgaconf='io'/><model type='vga'/></video>",
            &x86
        )
        .contains("driver"));
        assert!(after(
            "<video><driver vgaconf='on' iommu='on' name='qemu'/><model type='virtio'/></video>",
            &x86
        )
        .contains("<driver iommu='on' vgaconf='on' name='qemu'/>"));
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            (
                "<video><model type='voodoo2'/></video>",
                "unsupported configuration: unknown video model 'voodoo2'",
            ),
            (
                "<video><model type='vga' vram='x'/></video>",
                "XML error: cannot parse video vram 'x'",
            ),
            (
                "<video><model type='vga' vram='0x10'/></video>",
                "XML error: cannot parse video vram '0x10'",
            ),
            (
                "<video><model type='vga' heads='x'/></video>",
                "internal error: cannot parse video heads 'x'",
            ),
            (
                "<video><model type='vga'><acceleration/></model></video>",
                "unsupported configuration: missing values for acceleration",
            ),
            (
                "<video><model type='virtio'><resolution x='1'/></model></video>",
                "XML error: Missing required attribute 'y' in element 'resolution'",
            ),
            (
                "<video><model type='virtio'><resolution x='0' y='0'/></model></video>",
                "unsupported configuration: video resolution values must be greater than 0",
            ),
            (
                "<video><driver name='x'/><model type='vga'/></video>",
                "XML error: Invalid value for attribute 'name' in element 'driver': 'x'.",
            ),
        ];
        for (x, m) in cases {
            assert_eq!(parse(x).expect_err(x).message, m);
        }
        let v = parse("<video><model type='vga' ram='100'/></video>").expect("ok");
        assert_eq!(
            v.validate(&DomainEnv::default()).expect_err("ram").message,
            "unsupported configuration: ram attribute only supported for video type qxl"
        );
    }
}
