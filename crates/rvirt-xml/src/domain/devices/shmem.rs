//! `<shmem>`: an ivshmem shared memory region, optionally with a doorbell server socket.

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::num::parse_scaled;
use crate::paths::sanitize_path;
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::{on_off, Out};
use crate::xml_enum;
use rvirt_core::Result;

use crate::num;

xml_enum! {
    /// The ivshmem flavour; a missing `<model>` means legacy `ivshmem`.
    pub enum ShmemModel {
        Ivshmem = "ivshmem",
        IvshmemPlain = "ivshmem-plain",
        IvshmemDoorbell = "ivshmem-doorbell",
    }
}

xml_enum! {
    /// Migration role; only read for the non-legacy models.
    pub enum ShmemRole {
        Master = "master",
        Peer = "peer",
    }
}

/// `<msi>`: interrupts for the doorbell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShmemMsi {
    /// 0 leaves the count to the hypervisor.
    pub vectors: u32,
    pub ioeventfd: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shmem {
    pub name: String,
    pub role: Option<ShmemRole>,
    pub model: ShmemModel,
    /// Bytes; libvirt prints whole MiB.
    pub size: Option<u64>,
    /// `Some` when `<server>` is present; the inner value is its socket path.
    pub server: Option<Option<String>>,
    pub msi: Option<ShmemMsi>,
    pub info: DeviceInfo,
}

impl Shmem {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Shmem> {
        let model = match el.child("model") {
            Some(m) => m.enum_attr::<ShmemModel>("type")?,
            None => None,
        }
        .unwrap_or(ShmemModel::Ivshmem);
        let name = el
            .string_attr("name")
            .ok_or_else(|| xml_error("shmem element must contain 'name' attribute"))?;
        let role = if model == ShmemModel::Ivshmem {
            None
        } else {
            el.enum_attr::<ShmemRole>("role")?
        };
        let size = match el.child("size") {
            Some(s) if !s.text().is_empty() => {
                let v = parse_scaled(&s.text(), s.attr("unit"), 1, u64::MAX, "./size[1]")?;
                (v != 0).then_some(v)
            }
            _ => None,
        };
        let server = el
            .child("server")
            .map(|s| s.string_attr("path").map(|p| sanitize_path(&p)));
        let msi = match el.child("msi") {
            None => None,
            Some(m) => Some(ShmemMsi {
                vectors: num::uint_attr(m, "vectors", 0, false)?.unwrap_or(0),
                ioeventfd: m.on_off_attr("ioeventfd")?,
            }),
        };
        if msi.is_some() && server.is_none() {
            return Err(xml_error("msi option is only supported with a server"));
        }
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Shmem {
            name,
            role,
            model,
            size,
            server,
            msi,
            info,
        })
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("shmem")
            .attr("name", &self.name)
            .attr_opt("role", self.role.as_ref());
        o.push(Out::new("model").attr("type", self.model));
        if let Some(s) = self.size {
            o.push(Out::new("size").attr("unit", "M").text(s >> 20));
        }
        if let Some(path) = &self.server {
            o.push(Out::new("server").attr_opt("path", path.as_ref()));
        }
        if let Some(m) = &self.msi {
            o.push(
                Out::new("msi")
                    .attr_opt("vectors", (m.vectors != 0).then_some(m.vectors))
                    .attr_opt("ioeventfd", m.ioeventfd.map(on_off)),
            );
        }
        self.info.format_into(&mut o, ctx);
        o
    }

    /// No device defaults in libvirt's common post-parse.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    /// Define-time checks: the name becomes a file name under /dev/shm.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        if self.name.contains('/') {
            return Err(unsupported("shmem name cannot include '/' character"));
        }
        if self.name == "." {
            return Err(unsupported("shmem name cannot be equal to '.'"));
        }
        if self.name == ".." {
            return Err(unsupported("shmem name cannot be equal to '..'"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(xml: &str) -> Result<Shmem> {
        let el = parse_document(xml, "t").expect("well-formed");
        Shmem::parse(&el, &ParseCtx { inactive: true })
    }

    fn render(s: &Shmem) -> String {
        s.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    #[test]
    fn legacy_model_ignores_role_and_sizes_print_in_mib() {
        let s = parse("<shmem name='a' role='peer'><model type='ivshmem'/><size unit='KiB'>2048</size><server/><msi/></shmem>").expect("ok");
        assert_eq!(
            render(&s),
            "<shmem name='a'>\n  <model type='ivshmem'/>\n  <size unit='M'>2</size>\n  <server/>\n  <msi/>\n</shmem>\n"
        );
        let s = parse("<shmem name='b'/>").expect("ok");
        assert_eq!(
            render(&s),
            "<shmem name='b'>\n  <model type='ivshmem'/>\n</shmem>\n"
        );
        let s = parse("<shmem name='c' role='master'><model type='ivshmem-doorbell'/><server path='/tmp//s/'/><msi vectors='0x10' ioeventfd='on'/></shmem>").expect("ok");
        assert_eq!(
            render(&s),
            "<shmem name='c' role='master'>\n  <model type='ivshmem-doorbell'/>\n  <server path='/tmp/s'/>\n  <msi vectors='16' ioeventfd='on'/>\n</shmem>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let e = |x: &str| parse(x).expect_err("fails").message;
        assert_eq!(
            e("<shmem/>"),
            "XML error: shmem element must contain 'name' attribute"
        );
        assert_eq!(
            e("<shmem name='a'><model type='bogus'/></shmem>"),
            "XML error: Invalid value for attribute 'type' in element 'model': 'bogus'."
        );
        assert_eq!(
            e("<shmem name='a' role='default'><model type='ivshmem-plain'/></shmem>"),
            "XML error: Invalid value for attribute 'role' in element 'shmem': 'default'."
        );
        assert_eq!(
            e("<shmem name='a'><size unit='M'>x</size></shmem>"),
            "XML error: Invalid value 'x' for element or attribute './size[1]'"
        );
        assert_eq!(
            e("<shmem name='a'><size unit='bogus'>1</size></shmem>"),
            "invalid argument: unknown suffix 'bogus'"
        );
        assert_eq!(
            e("<shmem name='a'><size unit='E'>100</size></shmem>"),
            "numerical overflow: value too large: 100E"
        );
        assert_eq!(
            e("<shmem name='a'><msi/></shmem>"),
            "XML error: msi option is only supported with a server"
        );
        let s = parse("<shmem name='..'/>").expect("ok");
        assert_eq!(
            s.validate(&DomainEnv::default()).expect_err("name").message,
            "unsupported configuration: shmem name cannot be equal to '..'"
        );
    }
}
