//! `<filesystem>`: a host directory, image or RAM area exported to the guest as a file
//! system (9p, virtiofs, or container mounts).

use super::disk::VirtioModel;
use super::disk_source::{parse_scaled_element, StorageFormat};
use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::read::{invalid_value, ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{on_off, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

xml_enum! {
    pub enum FsType {
        Mount = "mount",
        Block = "block",
        File = "file",
        Template = "template",
        Ram = "ram",
        Bind = "bind",
        Volume = "volume",
    }
}

xml_enum! {
    pub enum FsAccessMode {
        Passthrough = "passthrough",
        Mapped = "mapped",
        Squash = "squash",
    }
}

xml_enum! {
    pub enum FsMultidevs {
        Remap = "remap",
        Forbid = "forbid",
        Warn = "warn",
    }
}

xml_enum! {
    pub enum FsDriverType {
        Path = "path",
        Handle = "handle",
        Loop = "loop",
        Nbd = "nbd",
        Ploop = "ploop",
        Virtiofs = "virtiofs",
    }
}

xml_enum! {
    pub enum FsWrpolicy {
        Immediate = "immediate",
    }
}

xml_enum! {
    pub enum FsCacheMode {
        None = "none",
        Always = "always",
    }
}

xml_enum! {
    pub enum FsSandboxMode {
        Namespace = "namespace",
        Chroot = "chroot",
    }
}

/// `<driver>`: which host-side implementation serves the file system.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FsDriver {
    pub kind: Option<FsDriverType>,
    /// The following three only mean something with an explicit driver type.
    pub format: Option<StorageFormat>,
    pub wrpolicy: Option<FsWrpolicy>,
    pub queue: Option<u64>,
    pub virtio: VirtioOptions,
}

/// `<binary>`: how libvirt runs virtiofsd.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FsBinary {
    pub path: Option<String>,
    pub xattr: Option<bool>,
    pub cache: Option<FsCacheMode>,
    pub sandbox: Option<FsSandboxMode>,
    pub lock_posix: Option<bool>,
    pub lock_flock: Option<bool>,
    pub thread_pool_size: Option<i32>,
}

/// What is exported, by file-system type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsSource {
    /// `dir` (mount, bind), `dev` (block), `file` (file) or `name` (template).
    Path(String),
    /// An externally started virtiofsd's socket.
    Socket(String),
    /// RAM file system size, bytes.
    Ram(u64),
    Volume {
        pool: String,
        volume: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filesystem {
    pub fs_type: FsType,
    pub accessmode: Option<FsAccessMode>,
    pub model: Option<VirtioModel>,
    pub multidevs: Option<FsMultidevs>,
    pub fmode: Option<u32>,
    pub dmode: Option<u32>,
    pub driver: FsDriver,
    /// Only kept for virtiofs.
    pub binary: Option<FsBinary>,
    pub source: Option<FsSource>,
    pub target: String,
    pub readonly: bool,
    pub info: DeviceInfo,
    /// Bytes.
    pub space_hard_limit: Option<u64>,
    pub space_soft_limit: Option<u64>,
}

fn path_attr(ty: FsType) -> Option<&'static str> {
    match ty {
        FsType::Mount | FsType::Bind => Some("dir"),
        FsType::Block => Some("dev"),
        FsType::File => Some("file"),
        FsType::Template => Some("name"),
        FsType::Ram | FsType::Volume => None,
    }
}

fn mode_attr(el: &Element, name: &str) -> Result<Option<u32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = u32::from_str_radix(v.trim(), 8)
        .map_err(|_| invalid_value(el, name, v, Some("Expected non-negative integer value")))?;
    if n > 0o777 {
        return Err(xml_error(format!("invalid {name}: '0{n:o}'")));
    }
    Ok(Some(n))
}

fn parse_source(ty: FsType, s: &Element) -> Result<Option<FsSource>> {
    if let Some(sock) = s.attr("socket") {
        if matches!(ty, FsType::Mount | FsType::Bind) {
            return Ok(Some(FsSource::Socket(sock.to_string())));
        }
    }
    Ok(match ty {
        FsType::Ram => {
            let usage = s
                .attr("usage")
                .ok_or_else(|| xml_error("missing 'usage' attribute for RAM filesystem"))?;
            // virStrToLong_ull (a negative number wraps) and virScaleInteger, in KiB by default.
            let n = crate::num::to_ull(usage, 10).ok_or_else(|| {
                xml_error(format!("cannot parse usage '{usage}' for RAM filesystem"))
            })?;
            let bytes = crate::num::scale_integer(n, s.attr("units"), 1024, u64::MAX)?;
            Some(FsSource::Ram(bytes))
        }
        FsType::Volume => match (s.attr("pool"), s.attr("volume")) {
            (Some(p), Some(v)) => Some(FsSource::Volume {
                pool: p.to_string(),
                volume: v.to_string(),
            }),
            _ => None,
        },
        _ => path_attr(ty)
            .and_then(|a| s.attr(a))
            .map(|p| FsSource::Path(p.to_string())),
    })
}

impl Filesystem {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Filesystem> {
        let fs_type = el.enum_attr::<FsType>("type")?.unwrap_or(FsType::Mount);
        let accessmode = el.enum_attr("accessmode")?;
        let model = el.enum_attr("model")?;
        let multidevs = el.enum_attr("multidevs")?;
        let fmode = mode_attr(el, "fmode")?;
        let dmode = mode_attr(el, "dmode")?;

        let mut driver = FsDriver::default();
        if let Some(d) = el.child("driver") {
            driver.kind = d.enum_attr("type")?;
            driver.virtio = VirtioOptions::parse(d)?;
            if driver.kind.is_some() {
                driver.format = match d.attr("format") {
                    None => None,
                    Some(f) => Some(StorageFormat::from_xml(f).ok_or_else(|| {
                        unsupported(format!("unknown driver format value '{f}'"))
                    })?),
                };
                driver.wrpolicy = d.enum_attr("wrpolicy")?;
                driver.queue = d.num_attr::<u64>("queue")?.filter(|q| *q != 0);
            }
        }
        let mut binary = None;
        if driver.kind == Some(FsDriverType::Virtiofs) {
            if let Some(b) = el.child("binary") {
                let thread_pool_size = match b.child("thread_pool").and_then(|t| t.attr("size")) {
                    None => None,
                    Some(v) => Some(v.trim().parse::<i32>().map_err(|_| {
                        xml_error(format!("cannot parse thread pool size '{v}' for virtiofs"))
                    })?),
                };
                let lock = b.child("lock");
                binary = Some(FsBinary {
                    path: b.string_attr("path"),
                    xattr: b.on_off_attr("xattr")?,
                    cache: match b.child("cache") {
                        Some(c) => c.enum_attr("mode")?,
                        None => None,
                    },
                    sandbox: match b.child("sandbox") {
                        Some(c) => c.enum_attr("mode")?,
                        None => None,
                    },
                    lock_posix: lock.map(|l| l.on_off_attr("posix")).transpose()?.flatten(),
                    lock_flock: lock.map(|l| l.on_off_attr("flock")).transpose()?.flatten(),
                    thread_pool_size,
                });
            }
        }
        let source = match el.child("source") {
            Some(s) => parse_source(fs_type, s)?,
            None if fs_type == FsType::Ram => {
                return Err(xml_error("missing 'usage' attribute for RAM filesystem"))
            }
            None => None,
        };
        let target = el.child("target").and_then(|t| t.string_attr("dir"));
        let readonly = el.child("readonly").is_some();
        let space = |name: &str| -> Result<Option<u64>> {
            match el.child(name) {
                None => Ok(None),
                Some(c) => Ok(Some(parse_scaled_element(
                    c,
                    &format!("./{name}[1]"),
                    "unit",
                    1,
                    u64::MAX,
                )?)
                .filter(|v| *v != 0)),
            }
        };
        let space_hard_limit = space("space_hard_limit")?;
        let space_soft_limit = space("space_soft_limit")?;

        if source.is_none() && !matches!(fs_type, FsType::Ram | FsType::Volume) {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::NO_SOURCE,
                target.clone(),
            ));
        }
        let shown_source = match &source {
            Some(FsSource::Path(p)) | Some(FsSource::Socket(p)) => Some(p.clone()),
            _ => None,
        };
        let target = target
            .ok_or_else(|| Error::new(ErrorDomain::DOMAIN, ErrorCode::NO_TARGET, shown_source))?;
        let info = DeviceInfo::parse(
            el,
            ctx,
            InfoAllow {
                boot: true,
                rom: false,
            },
        )?;
        Ok(Filesystem {
            fs_type,
            accessmode,
            model,
            multidevs,
            fmode,
            dmode,
            driver,
            binary,
            source,
            target,
            readonly,
            info,
            space_hard_limit,
            space_soft_limit,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("filesystem")
            .attr("type", self.fs_type)
            .attr_opt("accessmode", self.accessmode)
            .attr_opt("model", self.model)
            .attr_opt("multidevs", self.multidevs)
            .attr_opt("fmode", self.fmode.map(|m| format!("{m:04o}")))
            .attr_opt("dmode", self.dmode.map(|m| format!("{m:04o}")));
        let d = &self.driver;
        let mut dout = Out::new("driver");
        if let Some(k) = d.kind {
            dout.set("type", k);
            dout.set_opt("format", d.format);
            dout.set_opt("wrpolicy", d.wrpolicy);
            dout.set_opt("queue", d.queue);
        }
        d.virtio.write_attrs(&mut dout);
        o.push_nonempty(dout);
        if d.kind == Some(FsDriverType::Virtiofs) {
            if let Some(b) = &self.binary {
                let mut bo = Out::new("binary")
                    .attr_opt("path", b.path.as_ref())
                    .attr_opt("xattr", b.xattr.map(on_off));
                if let Some(c) = b.cache {
                    bo.push(Out::new("cache").attr("mode", c));
                }
                if let Some(s) = b.sandbox {
                    bo.push(Out::new("sandbox").attr("mode", s));
                }
                bo.push_nonempty(
                    Out::new("lock")
                        .attr_opt("posix", b.lock_posix.map(on_off))
                        .attr_opt("flock", b.lock_flock.map(on_off)),
                );
                if let Some(t) = b.thread_pool_size.filter(|t| *t >= 0) {
                    bo.push(Out::new("thread_pool").attr("size", t));
                }
                o.push_nonempty(bo);
            }
        }
        match &self.source {
            None => {}
            Some(FsSource::Path(p)) => {
                if let Some(a) = path_attr(self.fs_type) {
                    o.push(Out::new("source").attr(a, p));
                }
            }
            Some(FsSource::Socket(s)) => o.push(Out::new("source").attr("socket", s)),
            Some(FsSource::Ram(bytes)) => o.push(
                Out::new("source")
                    .attr("usage", bytes / 1024)
                    .attr("units", "KiB"),
            ),
            Some(FsSource::Volume { pool, volume }) => {
                o.push(Out::new("source").attr("pool", pool).attr("volume", volume))
            }
        }
        o.push(Out::new("target").attr("dir", &self.target));
        if self.readonly {
            o.push(Out::new("readonly"));
        }
        self.info.format_into(&mut o, ctx);
        if let Some(h) = self.space_hard_limit {
            o.push(Out::new("space_hard_limit").attr("unit", "bytes").text(h));
        }
        if let Some(s) = self.space_soft_limit {
            o.push(Out::new("space_soft_limit").attr("unit", "bytes").text(s));
        }
        o.keep_open()
    }

    /// libvirt defaults the access mode to passthrough, except for file systems served by
    /// an externally started virtiofsd (socket source).
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        if self.accessmode.is_none() && !matches!(self.source, Some(FsSource::Socket(_))) {
            self.accessmode = Some(FsAccessMode::Passthrough);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Filesystem> {
        let el = parse_document(xml, "d").map_err(Error::from)?;
        Filesystem::parse(&el, &ParseCtx { inactive: true })
    }

    fn roundtrip(xml: &str) -> String {
        let mut f = parse(xml).expect("parse");
        f.post_parse(&DomainEnv::default()).expect("post");
        f.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn post_parse_defaults_access_mode() {
        assert!(
            roundtrip("<filesystem><source dir='/a'/><target dir='b'/></filesystem>")
                .starts_with("<filesystem type='mount' accessmode='passthrough'>")
        );
        assert!(roundtrip(
            "<filesystem><driver type='virtiofs'/><source socket='/s'/><target dir='b'/></filesystem>"
        )
        .starts_with("<filesystem type='mount'>"));
        let ram = roundtrip(
            "<filesystem type='ram'><source usage='1' units='MiB'/><target dir='b'/></filesystem>",
        );
        assert!(ram.contains("<source usage='1024' units='KiB'/>"));
        let modes = roundtrip(
            "<filesystem fmode='644' dmode='0755'><source dir='/a'/><target dir='b'/></filesystem>",
        );
        assert!(modes.contains("fmode='0644' dmode='0755'"));
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<filesystem type='foo'><source dir='/a'/><target dir='b'/></filesystem>",
             "XML error: Invalid value for attribute 'type' in element 'filesystem': 'foo'."),
            ("<filesystem fmode='999'><source dir='/a'/><target dir='b'/></filesystem>",
             "XML error: Invalid value for attribute 'fmode' in element 'filesystem': '999'. Expected non-negative integer value"),
            ("<filesystem fmode='1777'><source dir='/a'/><target dir='b'/></filesystem>",
             "XML error: invalid fmode: '01777'"),
            ("<filesystem><target dir='b'/></filesystem>",
             "missing source information for device b"),
            ("<filesystem><source dir='/a'/></filesystem>",
             "missing target information for device /a"),
            ("<filesystem type='ram'><source usage='x'/><target dir='b'/></filesystem>",
             "XML error: cannot parse usage 'x' for RAM filesystem"),
            ("<filesystem type='ram'><target dir='b'/></filesystem>",
             "XML error: missing 'usage' attribute for RAM filesystem"),
            ("<filesystem type='ram'><source/><target dir='b'/></filesystem>",
             "XML error: missing 'usage' attribute for RAM filesystem"),
            ("<filesystem><driver type='path' format='foo'/><source dir='/a'/><target dir='b'/></filesystem>",
             "unsupported configuration: unknown driver format value 'foo'"),
            ("<filesystem><driver type='virtiofs'/><binary><thread_pool size='x'/></binary><source dir='/a'/><target dir='b'/></filesystem>",
             "XML error: cannot parse thread pool size 'x' for virtiofs"),
            ("<filesystem><source dir='/a'/><target dir='b'/><space_hard_limit>x</space_hard_limit></filesystem>",
             "XML error: Invalid value 'x' for element or attribute './space_hard_limit[1]'"),
        ];
        for (xml, msg) in cases {
            assert_eq!(
                parse(xml).err().map(|e| e.message).as_deref(),
                Some(msg),
                "{xml}"
            );
        }
    }
}
