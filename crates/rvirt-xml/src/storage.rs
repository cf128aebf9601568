//! Storage pool (`<pool>`) and storage volume (`<volume>`) documents.
//!
//! Which source elements a pool reads and prints, and which formats it and its volumes
//! accept, depend on the pool type; [`PoolType::options`] holds that table, as libvirt
//! keeps one per backend. Parsing follows libvirt 9.0's rules and messages, with errors in
//! `VIR_FROM_STORAGE`. Sizes are bytes. Figures only a driver knows (pool capacity,
//! allocation and availability; volume keys, paths, physical sizes, timestamps and extents)
//! are plain fields that drivers fill before formatting.

use crate::domain::info::PciAddress;
use crate::error::in_domain;
use crate::num;
use crate::paths::sanitize_path;
use crate::read::invalid_value;
use crate::tree::{parse_document, Element};
use crate::uuids::{parse_uuid, random_uuid};
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use uuid::Uuid;

fn err(code: ErrorCode, msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::STORAGE, code, Some(msg.into()))
}

fn xml_err(msg: impl Into<String>) -> Error {
    err(ErrorCode::XML_ERROR, msg)
}

fn unsupported(msg: impl Into<String>) -> Error {
    err(ErrorCode::CONFIG_UNSUPPORTED, msg)
}

/// Errors of the generic attribute readers belong to the storage document.
fn st(e: Error) -> Error {
    in_domain(e, ErrorDomain::STORAGE)
}

/// XPath `string()` turns empty into absent; libvirt reads most values that way.
fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn child_text(el: &Element, name: &str) -> Option<String> {
    nonempty(el.child(name).map(Element::text))
}

fn child_attr(el: &Element, child: &str, attr: &str) -> Option<String> {
    nonempty(el.child(child).and_then(|c| c.string_attr(attr)))
}

xml_enum! {
    /// `<pool type=...>`: the storage backend.
    pub enum PoolType {
        Dir = "dir", Fs = "fs", Netfs = "netfs", Logical = "logical", Disk = "disk",
        Iscsi = "iscsi", IscsiDirect = "iscsi-direct", Scsi = "scsi", Mpath = "mpath",
        Rbd = "rbd", Sheepdog = "sheepdog", Gluster = "gluster", Zfs = "zfs",
        Vstorage = "vstorage",
    }
}

xml_enum! {
    /// Source formats of `fs` pools.
    pub enum FsFormat {
        Auto = "auto", Ext2 = "ext2", Ext3 = "ext3", Ext4 = "ext4", Ufs = "ufs",
        Iso9660 = "iso9660", Udf = "udf", Gfs = "gfs", Gfs2 = "gfs2", Vfat = "vfat",
        HfsPlus = "hfs+", Xfs = "xfs", Ocfs2 = "ocfs2", Vmfs = "vmfs",
    }
}

xml_enum! {
    /// Source formats of `netfs` pools.
    pub enum NetfsFormat { Auto = "auto", Nfs = "nfs", Glusterfs = "glusterfs", Cifs = "cifs" }
}

xml_enum! {
    /// Partition table types of `disk` pools.
    pub enum DiskFormat {
        Unknown = "unknown", Dos = "dos", Dvh = "dvh", Gpt = "gpt", Mac = "mac", Bsd = "bsd",
        Pc98 = "pc98", Sun = "sun", Lvm2 = "lvm2",
    }
}

xml_enum! {
    /// Source formats of `logical` pools.
    pub enum LogicalFormat { Unknown = "unknown", Lvm2 = "lvm2" }
}

/// A pool's `<source><format type=...>`, typed by the pool's backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolFormat {
    Fs(FsFormat),
    Netfs(NetfsFormat),
    Disk(DiskFormat),
    Logical(LogicalFormat),
}

impl PoolFormat {
    pub fn as_xml(&self) -> &'static str {
        match self {
            PoolFormat::Fs(f) => f.as_xml(),
            PoolFormat::Netfs(f) => f.as_xml(),
            PoolFormat::Disk(f) => f.as_xml(),
            PoolFormat::Logical(f) => f.as_xml(),
        }
    }

    /// Position in the backend's enumeration. libvirt compares these numbers across
    /// backends in one place (the NFS protocol version check), so the quirk needs them.
    fn index(&self) -> usize {
        fn pos<T: XmlEnum + PartialEq>(all: &[T], v: T) -> usize {
            all.iter().position(|x| *x == v).unwrap_or(0)
        }
        use DiskFormat as D;
        use FsFormat as F;
        match *self {
            PoolFormat::Fs(f) => pos(
                &[
                    F::Auto,
                    F::Ext2,
                    F::Ext3,
                    F::Ext4,
                    F::Ufs,
                    F::Iso9660,
                    F::Udf,
                    F::Gfs,
                    F::Gfs2,
                    F::Vfat,
                    F::HfsPlus,
                    F::Xfs,
                    F::Ocfs2,
                    F::Vmfs,
                ],
                f,
            ),
            PoolFormat::Netfs(f) => pos(
                &[
                    NetfsFormat::Auto,
                    NetfsFormat::Nfs,
                    NetfsFormat::Glusterfs,
                    NetfsFormat::Cifs,
                ],
                f,
            ),
            PoolFormat::Disk(f) => pos(
                &[
                    D::Unknown,
                    D::Dos,
                    D::Dvh,
                    D::Gpt,
                    D::Mac,
                    D::Bsd,
                    D::Pc98,
                    D::Sun,
                    D::Lvm2,
                ],
                f,
            ),
            PoolFormat::Logical(f) => pos(&[LogicalFormat::Unknown, LogicalFormat::Lvm2], f),
        }
    }
}

xml_enum! {
    /// Image formats of file-based volumes (libvirt 9.0's list, `none` excluded).
    pub enum FileFormat {
        Raw = "raw", Dir = "dir", Bochs = "bochs", Cloop = "cloop", Dmg = "dmg", Iso = "iso",
        Vpc = "vpc", Vdi = "vdi", Fat = "fat", Vhd = "vhd", Ploop = "ploop", Cow = "cow",
        Qcow = "qcow", Qcow2 = "qcow2", Qed = "qed", Vmdk = "vmdk",
    }
}

xml_enum! {
    /// Partition types of volumes in `disk` pools.
    pub enum DiskVolFormat {
        None = "none", Linux = "linux", Fat16 = "fat16", Fat32 = "fat32",
        LinuxSwap = "linux-swap", LinuxLvm = "linux-lvm", LinuxRaid = "linux-raid",
        Extended = "extended",
    }
}

/// A volume's `<format type=...>`, typed by the pool's backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolFormat {
    File(FileFormat),
    Disk(DiskVolFormat),
}

impl VolFormat {
    pub fn as_xml(&self) -> &'static str {
        match self {
            VolFormat::File(f) => f.as_xml(),
            VolFormat::Disk(f) => f.as_xml(),
        }
    }
}

/// Which formats a backend's volumes take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolFormatKind {
    /// Volumes have no format (block-device backends).
    None,
    /// Image files (`raw` by default).
    File,
    /// Partitions (`none` by default).
    Disk,
}

/// What a backend reads in `<source>`, and its formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    pub host: bool,
    pub device: bool,
    pub dir: bool,
    pub adapter: bool,
    pub name: bool,
    pub initiator: bool,
    /// Network storage: no local target path.
    pub network: bool,
    pub default_format: Option<PoolFormat>,
    pub vol_format: VolFormatKind,
}

impl PoolType {
    /// The `virConnectListAllStoragePools` flag that selects pools of this type.
    pub fn list_flag(self) -> u32 {
        use rvirt_core::types::flags::list_pools as L;
        match self {
            PoolType::Dir => L::DIR,
            PoolType::Fs => L::FS,
            PoolType::Netfs => L::NETFS,
            PoolType::Logical => L::LOGICAL,
            PoolType::Disk => L::DISK,
            PoolType::Iscsi => L::ISCSI,
            PoolType::Scsi => L::SCSI,
            PoolType::Mpath => L::MPATH,
            PoolType::Rbd => L::RBD,
            PoolType::Sheepdog => L::SHEEPDOG,
            PoolType::Gluster => L::GLUSTER,
            PoolType::Zfs => L::ZFS,
            PoolType::Vstorage => L::VSTORAGE,
            PoolType::IscsiDirect => L::ISCSI_DIRECT,
        }
    }

    /// libvirt's per-backend option table.
    pub fn options(self) -> PoolOptions {
        let none = PoolOptions {
            host: false,
            device: false,
            dir: false,
            adapter: false,
            name: false,
            initiator: false,
            network: false,
            default_format: None,
            vol_format: VolFormatKind::None,
        };
        match self {
            PoolType::Logical => PoolOptions {
                name: true,
                device: true,
                default_format: Some(PoolFormat::Logical(LogicalFormat::Lvm2)),
                ..none
            },
            PoolType::Dir => PoolOptions {
                vol_format: VolFormatKind::File,
                ..none
            },
            PoolType::Fs => PoolOptions {
                device: true,
                default_format: Some(PoolFormat::Fs(FsFormat::Auto)),
                vol_format: VolFormatKind::File,
                ..none
            },
            PoolType::Netfs => PoolOptions {
                host: true,
                dir: true,
                default_format: Some(PoolFormat::Netfs(NetfsFormat::Auto)),
                vol_format: VolFormatKind::File,
                ..none
            },
            PoolType::Iscsi => PoolOptions {
                host: true,
                device: true,
                initiator: true,
                ..none
            },
            PoolType::IscsiDirect => PoolOptions {
                host: true,
                device: true,
                network: true,
                initiator: true,
                ..none
            },
            PoolType::Scsi => PoolOptions {
                adapter: true,
                ..none
            },
            PoolType::Rbd => PoolOptions {
                host: true,
                network: true,
                name: true,
                vol_format: VolFormatKind::File,
                ..none
            },
            PoolType::Sheepdog => PoolOptions {
                host: true,
                network: true,
                name: true,
                ..none
            },
            PoolType::Gluster => PoolOptions {
                host: true,
                network: true,
                name: true,
                dir: true,
                vol_format: VolFormatKind::File,
                ..none
            },
            PoolType::Mpath => none,
            PoolType::Disk => PoolOptions {
                device: true,
                default_format: Some(PoolFormat::Disk(DiskFormat::Unknown)),
                vol_format: VolFormatKind::Disk,
                ..none
            },
            PoolType::Zfs => PoolOptions {
                name: true,
                device: true,
                ..none
            },
            PoolType::Vstorage => PoolOptions {
                name: true,
                vol_format: VolFormatKind::File,
                ..none
            },
        }
    }

    /// Network backends have no local `<target>`.
    pub fn has_target(self) -> bool {
        !matches!(
            self,
            PoolType::Rbd | PoolType::Sheepdog | PoolType::Gluster | PoolType::IscsiDirect
        )
    }

    fn parse_format(self, s: &str) -> Option<PoolFormat> {
        match self.options().default_format? {
            PoolFormat::Fs(_) => FsFormat::from_xml(s).map(PoolFormat::Fs),
            PoolFormat::Netfs(_) => NetfsFormat::from_xml(s).map(PoolFormat::Netfs),
            PoolFormat::Disk(_) => DiskFormat::from_xml(s).map(PoolFormat::Disk),
            PoolFormat::Logical(_) => LogicalFormat::from_xml(s).map(PoolFormat::Logical),
        }
    }
}

/// `<permissions>` of a pool target or a volume. `None` fields are "not set" (libvirt's
/// -1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perms {
    pub mode: Option<u32>,
    pub owner: Option<u32>,
    pub group: Option<u32>,
    pub label: Option<String>,
}

impl Perms {
    /// Reads the `<permissions>` child of `parent` (defaults when absent).
    fn parse(parent: Option<&Element>) -> Result<Perms> {
        let Some(p) = parent.and_then(|t| t.child("permissions")) else {
            return Ok(Perms::default());
        };
        let mode = match child_text(p, "mode") {
            None => None,
            Some(m) => {
                let v = num::to_i(&m, 8)
                    .and_then(|v| u32::try_from(v).ok())
                    .filter(|v| v & !0o777 == 0)
                    .ok_or_else(|| xml_err("malformed octal mode"))?;
                Some(v)
            }
        };
        let id = |name: &str, what: &str| -> Result<Option<u32>> {
            let Some(el) = p.child(name) else {
                return Ok(None);
            };
            let t = el.text();
            let bad = || xml_err(format!("malformed {what} element"));
            let (neg, v) = num::c_number(&t, 10).ok_or_else(bad)?;
            if neg {
                return if v == 1 { Ok(None) } else { Err(bad()) };
            }
            let v = u32::try_from(v).map_err(|_| bad())?;
            Ok((v != u32::MAX).then_some(v))
        };
        Ok(Perms {
            mode,
            owner: id("owner", "owner")?,
            group: id("group", "group")?,
            label: child_text(p, "label"),
        })
    }

    fn is_set(&self) -> bool {
        self.mode.is_some() || self.owner.is_some() || self.group.is_some() || self.label.is_some()
    }

    fn format(&self) -> Option<Out> {
        if !self.is_set() {
            return None;
        }
        let mut o = Out::new("permissions");
        if let Some(m) = self.mode {
            o.text_child("mode", format!("0{m:o}"));
        }
        // libvirt prints ids through a signed int.
        if let Some(u) = self.owner {
            o.text_child("owner", u as i32);
        }
        if let Some(g) = self.group {
            o.text_child("group", g as i32);
        }
        o.text_child_opt("label", self.label.as_ref());
        Some(o)
    }
}

/// A secret named by UUID or by usage, as `<secret>` references it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    Uuid(Uuid),
    Usage(String),
}

impl SecretRef {
    fn parse(el: &Element) -> Result<SecretRef> {
        let uuid = el.attr("uuid");
        let usage = el.attr("usage");
        match (uuid, usage) {
            (Some(_), Some(_)) => Err(xml_err("either secret uuid or usage expected")),
            (Some(u), None) => parse_uuid(u)
                .map(SecretRef::Uuid)
                .ok_or_else(|| xml_err(format!("invalid secret uuid '{u}'"))),
            (None, Some(u)) => Ok(SecretRef::Usage(u.to_string())),
            (None, None) => Err(xml_err("missing secret uuid or usage attribute")),
        }
    }

    fn write(&self, o: &mut Out) {
        match self {
            SecretRef::Uuid(u) => o.set("uuid", u.hyphenated()),
            SecretRef::Usage(u) => o.set("usage", u),
        }
    }
}

xml_enum! {
    /// `<auth type=...>` of pool sources.
    pub enum AuthType { Chap = "chap", Ceph = "ceph" }
}

/// `<auth>`: credentials for iSCSI or RBD sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolAuth {
    pub auth_type: AuthType,
    pub username: String,
    /// `type=` of `<secret>`, as written.
    pub secret_type: Option<String>,
    pub secret: SecretRef,
}

impl PoolAuth {
    fn parse(el: &Element) -> Result<PoolAuth> {
        let username = el
            .string_attr("username")
            .ok_or_else(|| xml_err("missing username for auth"))?;
        let auth_type = match el.attr("type") {
            None => None,
            Some(t) => Some(
                AuthType::from_xml(t)
                    .ok_or_else(|| unsupported(format!("unknown auth type '{t}'")))?,
            ),
        };
        let s = el
            .child("secret")
            .ok_or_else(|| xml_err("Missing <secret> element in auth"))?;
        let secret_type = s.string_attr("type");
        let secret = SecretRef::parse(s)?;
        let auth_type = auth_type.ok_or_else(|| unsupported("storage pool missing auth type"))?;
        Ok(PoolAuth {
            auth_type,
            username,
            secret_type,
            secret,
        })
    }

    fn format(&self) -> Out {
        let mut s = Out::new("secret").attr_opt("type", self.secret_type.as_ref());
        self.secret.write(&mut s);
        let mut a = Out::new("auth")
            .attr("type", self.auth_type)
            .attr("username", &self.username);
        a.push(s);
        a
    }
}

/// `<host>` of a pool source; port 0 means "not given".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolHost {
    pub name: String,
    pub port: i32,
}

/// `<device>` of a pool source, with the free extents a driver may report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDevice {
    pub path: String,
    pub part_separator: Option<bool>,
    pub free_extents: Vec<(u64, u64)>,
}

/// `<adapter>` of `scsi` pools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// `type='scsi_host'` (or the legacy untyped form) by name or by parent PCI address.
    ScsiHost {
        name: Option<String>,
        /// Parent PCI address and `unique_id`.
        parent_addr: Option<(PciAddress, i32)>,
    },
    /// `type='fc_host'`: a (v)HBA by WWNN/WWPN.
    FcHost {
        parent: Option<String>,
        parent_wwnn: Option<String>,
        parent_wwpn: Option<String>,
        parent_fabric_wwn: Option<String>,
        managed: Option<bool>,
        wwnn: Option<String>,
        wwpn: Option<String>,
    },
}

/// libvirt's WWN check: 16 hex digits, optionally after `0x`.
fn validate_wwn(w: &str) -> Result<()> {
    let p = w.strip_prefix("0x").unwrap_or(w);
    if p.len() == 16 && p.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorDomain::NONE,
            ErrorCode::INTERNAL_ERROR,
            Some(format!("Malformed wwn: {w}")),
        ))
    }
}

impl Adapter {
    /// `None` for an untyped adapter without a name (rejected later by validation, as in
    /// libvirt, only for backends that need an adapter).
    fn parse(el: &Element) -> Result<Option<Adapter>> {
        let ty = match el.attr("type") {
            None => None,
            Some(t) => match t {
                "scsi_host" | "fc_host" => Some(t),
                _ => {
                    return Err(st(invalid_value(el, "type", t, None)));
                }
            },
        };
        match ty {
            None => {
                if el.attr("wwnn").is_some()
                    || el.attr("wwpn").is_some()
                    || el.attr("parent").is_some()
                {
                    return Err(xml_err(
                        "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'",
                    ));
                }
                if el.child("parentaddr").is_some() {
                    return Err(xml_err(
                        "Use of 'parentaddr' element requires use of the adapter 'type'",
                    ));
                }
                Ok(el.string_attr("name").map(|n| Adapter::ScsiHost {
                    name: Some(n),
                    parent_addr: None,
                }))
            }
            Some("fc_host") => Ok(Some(Adapter::FcHost {
                managed: el.yes_no_attr("managed").map_err(st)?,
                parent: el.string_attr("parent"),
                parent_wwnn: el.string_attr("parent_wwnn"),
                parent_wwpn: el.string_attr("parent_wwpn"),
                parent_fabric_wwn: el.string_attr("parent_fabric_wwn"),
                wwpn: el.string_attr("wwpn"),
                wwnn: el.string_attr("wwnn"),
            })),
            Some(_) => {
                let name = el.string_attr("name");
                let parent_addr = match el.child("parentaddr") {
                    None => None,
                    Some(pa) => {
                        let a = pa
                            .child("address")
                            .ok_or_else(|| xml_err("Missing scsi_host PCI address element"))?;
                        let addr =
                            PciAddress::parse(a).map_err(|e| in_domain(e, ErrorDomain::DEVICE))?;
                        let uid = pa
                            .attr("unique_id")
                            .and_then(|u| num::to_i(u, 10))
                            .filter(|u| *u >= 0)
                            .ok_or_else(|| {
                                xml_err("Missing or invalid scsi adapter 'unique_id' value")
                            })?;
                        Some((addr, uid))
                    }
                };
                Ok(Some(Adapter::ScsiHost { name, parent_addr }))
            }
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            Adapter::FcHost {
                wwnn,
                wwpn,
                parent_wwnn,
                parent_wwpn,
                parent_fabric_wwn,
                ..
            } => {
                let (Some(nn), Some(pn)) = (wwnn, wwpn) else {
                    return Err(xml_err(
                        "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'",
                    ));
                };
                validate_wwn(nn)?;
                validate_wwn(pn)?;
                match (parent_wwnn, parent_wwpn) {
                    (Some(n), None) => {
                        return Err(xml_err(format!(
                        "when providing parent_wwnn='{n}', the parent_wwpn must also be provided"
                    )))
                    }
                    (None, Some(p)) => {
                        return Err(xml_err(format!(
                        "when providing parent_wwpn='{p}', the parent_wwnn must also be provided"
                    )))
                    }
                    _ => {}
                }
                for w in [parent_wwnn, parent_wwpn, parent_fabric_wwn]
                    .into_iter()
                    .flatten()
                {
                    validate_wwn(w)?;
                }
                Ok(())
            }
            Adapter::ScsiHost { name, parent_addr } => match (name, parent_addr) {
                (None, None) => Err(xml_err(
                    "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter",
                )),
                (Some(_), Some(_)) => Err(xml_err(
                    "Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter",
                )),
                _ => Ok(()),
            },
        }
    }

    fn format(&self) -> Out {
        match self {
            Adapter::FcHost {
                parent,
                parent_wwnn,
                parent_wwpn,
                parent_fabric_wwn,
                managed,
                wwnn,
                wwpn,
            } => Out::new("adapter")
                .attr("type", "fc_host")
                .attr_opt("parent", parent.as_ref())
                .attr_opt("parent_wwnn", parent_wwnn.as_ref())
                .attr_opt("parent_wwpn", parent_wwpn.as_ref())
                .attr_opt("parent_fabric_wwn", parent_fabric_wwn.as_ref())
                .attr_opt("managed", managed.map(yes_no))
                .attr("wwnn", wwnn.as_deref().unwrap_or("(null)"))
                .attr("wwpn", wwpn.as_deref().unwrap_or("(null)")),
            Adapter::ScsiHost { name, parent_addr } => {
                let mut a = Out::new("adapter").attr("type", "scsi_host");
                if let Some(n) = name {
                    a.set("name", n);
                } else if let Some((addr, uid)) = parent_addr {
                    let mut pa = Out::new("parentaddr").attr("unique_id", uid);
                    let mut ad = Out::new("address");
                    addr.write_attrs(&mut ad);
                    pa.push(ad);
                    a.push(pa);
                }
                a
            }
        }
    }
}

/// `<source>` of a pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolSource {
    pub hosts: Vec<PoolHost>,
    pub devices: Vec<PoolDevice>,
    pub dir: Option<String>,
    pub adapter: Option<Adapter>,
    pub name: Option<String>,
    pub initiator_iqn: Option<String>,
    pub format: Option<PoolFormat>,
    pub auth: Option<PoolAuth>,
    /// NFS protocol version, as written: libvirt 9.0 keeps the text without checking that
    /// it is a number.
    pub protocol_ver: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
}

impl PoolSource {
    /// Reads `<source>` for a pool of type `ty` (also the `<source>` documents of
    /// find-storage-pool-sources).
    pub fn parse(el: &Element, ty: PoolType) -> Result<PoolSource> {
        let opts = ty.options();
        let mut src = PoolSource {
            name: child_text(el, "name"),
            ..Default::default()
        };
        if ty == PoolType::Rbd && src.name.is_none() {
            return Err(xml_err("element 'name' is mandatory for RBD pool"));
        }
        if let Some(def) = opts.default_format {
            src.format = Some(match child_attr(el, "format", "type") {
                None => def,
                Some(f) => ty
                    .parse_format(&f)
                    .ok_or_else(|| unsupported(format!("unknown pool format type {f}")))?,
            });
        }
        for h in el.children_named("host") {
            let name = h
                .string_attr("name")
                .ok_or_else(|| xml_err("missing storage pool host name"))?;
            let port = match h.attr("port") {
                None => 0,
                Some(p) => num::to_i(p, 10).ok_or_else(|| {
                    st(invalid_value(h, "port", p, Some("Expected integer value")))
                })?,
            };
            src.hosts.push(PoolHost { name, port });
        }
        src.initiator_iqn = el
            .child("initiator")
            .and_then(|i| child_attr(i, "iqn", "name"));
        for d in el.children_named("device") {
            let path = d
                .string_attr("path")
                .ok_or_else(|| xml_err("missing storage pool source device path"))?;
            let part_separator = d.yes_no_attr("part_separator").map_err(st)?;
            src.devices.push(PoolDevice {
                path,
                part_separator,
                free_extents: Vec::new(),
            });
        }
        src.dir = child_attr(el, "dir", "path").map(|d| sanitize_path(&d));
        if src.dir.is_none() && ty == PoolType::Gluster {
            src.dir = Some("/".to_string());
        }
        if let Some(a) = el.child("adapter") {
            src.adapter = Adapter::parse(a)?;
        }
        if let Some(a) = el.child("auth") {
            src.auth = Some(PoolAuth::parse(a)?);
        }
        if let Some(ver) = child_attr(el, "protocol", "ver") {
            let idx = src.format.map_or(0, |f| f.index());
            if idx != 0 && idx != 1 {
                let shown = [
                    NetfsFormat::Auto,
                    NetfsFormat::Nfs,
                    NetfsFormat::Glusterfs,
                    NetfsFormat::Cifs,
                ]
                .get(idx)
                .map_or("(null)", |f| f.as_xml());
                return Err(unsupported(format!(
                    "storage pool protocol ver unsupported for pool type '{shown}'"
                )));
            }
            src.protocol_ver = Some(ver);
        }
        src.vendor = child_attr(el, "vendor", "name");
        src.product = child_attr(el, "product", "name");
        Ok(src)
    }

    /// Prints `<source>` for a pool of type `ty` (libvirt keeps it open even when empty).
    pub fn format(&self, ty: PoolType) -> Out {
        let opts = ty.options();
        let mut s = Out::new("source").keep_open();
        if opts.host {
            for h in &self.hosts {
                s.push(
                    Out::new("host")
                        .attr("name", &h.name)
                        .attr_opt("port", (h.port != 0).then_some(h.port)),
                );
            }
        }
        if opts.device {
            for d in &self.devices {
                let mut o = Out::new("device")
                    .attr("path", &d.path)
                    .attr_opt("part_separator", d.part_separator.map(yes_no));
                for (a, b) in &d.free_extents {
                    o.push(Out::new("freeExtent").attr("start", a).attr("end", b));
                }
                s.push(o);
            }
        }
        if opts.dir {
            if let Some(d) = &self.dir {
                s.push(Out::new("dir").attr("path", d));
            }
        }
        if opts.adapter {
            if let Some(a) = &self.adapter {
                s.push(a.format());
            }
        }
        if opts.name {
            s.text_child_opt("name", self.name.as_ref());
        }
        if opts.initiator {
            if let Some(iqn) = &self.initiator_iqn {
                let mut i = Out::new("initiator");
                i.push(Out::new("iqn").attr("name", iqn));
                s.push(i);
            }
        }
        if let Some(f) = &self.format {
            s.push(Out::new("format").attr("type", f.as_xml()));
        }
        if let Some(a) = &self.auth {
            s.push(a.format());
        }
        if let Some(v) = &self.protocol_ver {
            s.push(Out::new("protocol").attr("ver", v));
        }
        if let Some(v) = &self.vendor {
            s.push(Out::new("vendor").attr("name", v));
        }
        if let Some(p) = &self.product {
            s.push(Out::new("product").attr("name", p));
        }
        s
    }
}

xml_enum! {
    /// `<refresh><volume allocation=...>`.
    pub enum RefreshAllocation { Default = "default", Capacity = "capacity" }
}

/// A parsed storage pool definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDef {
    pub pool_type: PoolType,
    pub name: String,
    pub uuid: Uuid,
    /// Bytes; filled by the driver (not read from XML).
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    /// `<features><cow state=...>`.
    pub cow: Option<bool>,
    pub source: PoolSource,
    pub target_path: Option<String>,
    pub target_perms: Perms,
    pub refresh: Option<RefreshAllocation>,
}

impl PoolDef {
    /// Parses storage pool XML as libvirt 9.0 does (a missing UUID is generated, a missing
    /// source name defaults to the pool name where the backend uses one).
    pub fn parse(xml: &str) -> Result<PoolDef> {
        let root = parse_document(xml, "storage_pool_definition").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::STORAGE;
            err
        })?;
        PoolDef::from_element(&root)
    }

    pub fn from_element(root: &Element) -> Result<PoolDef> {
        if root.name != "pool" || root.ns.is_some() {
            return Err(Error::new(
                ErrorDomain::XML,
                ErrorCode::XML_ERROR,
                Some(format!(
                    "expecting root element of 'pool', not '{}'",
                    root.name
                )),
            ));
        }
        let ty: PoolType = root.req_enum_attr("type").map_err(st)?;
        let opts = ty.options();
        let mut source = match root.child("source") {
            Some(s) => PoolSource::parse(s, ty)?,
            None => PoolSource {
                format: opts.default_format,
                ..Default::default()
            },
        };
        let mut name = child_text(root, "name");
        if name.is_none() && opts.name {
            name = source.name.clone();
        }
        let name = name.ok_or_else(|| xml_err("missing pool source name element"))?;
        if name.contains('/') {
            return Err(xml_err(format!("name {name} cannot contain '/'")));
        }
        let uuid = match child_text(root, "uuid") {
            None => random_uuid().map_err(st)?,
            Some(u) => parse_uuid(&u).ok_or_else(|| xml_err("malformed uuid element"))?,
        };
        let cow = match root.child("features").and_then(|f| f.child("cow")) {
            None => None,
            Some(c) => {
                let v = c.yes_no_attr("state").map_err(st)?;
                if v.is_some() && !matches!(ty, PoolType::Fs | PoolType::Dir) {
                    return Err(err(
                        ErrorCode::NO_SUPPORT,
                        "cow feature may only be used for 'fs' and 'dir' pools",
                    ));
                }
                v
            }
        };
        if opts.host && source.hosts.is_empty() {
            return Err(xml_err("missing storage pool source host name"));
        }
        if opts.dir && source.dir.is_none() {
            return Err(xml_err("missing storage pool source path"));
        }
        if opts.name && source.name.is_none() {
            source.name = Some(name.clone());
        }
        if opts.adapter {
            match &source.adapter {
                None => return Err(xml_err("missing storage pool source adapter")),
                Some(a) => a.validate()?,
            }
        }
        let only_device = opts.device
            && !(opts.host
                || opts.dir
                || opts.adapter
                || opts.name
                || opts.initiator
                || opts.network);
        if only_device && source.devices.is_empty() {
            return Err(xml_err("missing storage pool source device name"));
        }
        let mut target_path = None;
        let mut target_perms = Perms::default();
        if !opts.network {
            let src_name = source.name.clone().unwrap_or_default();
            let path = match ty {
                PoolType::Logical => format!("/dev/{src_name}"),
                PoolType::Zfs => format!("/dev/zvol/{src_name}"),
                _ => root
                    .child("target")
                    .and_then(|t| child_text(t, "path"))
                    .ok_or_else(|| xml_err("missing storage pool target path"))?,
            };
            target_path = Some(sanitize_path(&path));
            target_perms = Perms::parse(root.child("target"))?;
        }
        if ty == PoolType::IscsiDirect && source.initiator_iqn.is_none() {
            return Err(unsupported("missing initiator IQN"));
        }
        let refresh = match root
            .child("refresh")
            .and_then(|r| r.child("volume"))
            .and_then(|v| nonempty(v.string_attr("allocation")))
        {
            None => None,
            Some(a) => Some(RefreshAllocation::from_xml(&a).ok_or_else(|| {
                unsupported(format!(
                    "unknown storage pool volume refresh allocation type {a}"
                ))
            })?),
        };
        Ok(PoolDef {
            pool_type: ty,
            name,
            uuid,
            capacity: 0,
            allocation: 0,
            available: 0,
            cow,
            source,
            target_path,
            target_perms,
            refresh,
        })
    }

    /// Prints the definition in libvirt's layout.
    pub fn format(&self) -> String {
        self.to_out().render(0)
    }

    pub fn to_out(&self) -> Out {
        let mut p = Out::new("pool").attr("type", self.pool_type);
        p.text_child("name", &self.name);
        p.text_child("uuid", self.uuid.hyphenated());
        let bytes = |n: &str, v: u64| Out::new(n).attr("unit", "bytes").text(v);
        p.push(bytes("capacity", self.capacity));
        p.push(bytes("allocation", self.allocation));
        p.push(bytes("available", self.available));
        if let Some(c) = self.cow {
            let mut f = Out::new("features");
            f.push(Out::new("cow").attr("state", yes_no(c)));
            p.push(f);
        }
        p.push(self.source.format(self.pool_type));
        if self.pool_type.has_target() {
            let mut t = Out::new("target");
            t.text_child_opt("path", self.target_path.as_ref());
            t.push_opt(self.target_perms.format());
            p.push(t.keep_open());
        }
        if let Some(r) = self.refresh {
            let mut o = Out::new("refresh");
            o.push(Out::new("volume").attr("allocation", r));
            p.push(o);
        }
        p
    }
}

// ---------------------------------------------------------------------------------------
// volumes

xml_enum! {
    /// `<volume type=...>`.
    pub enum VolType {
        File = "file", Block = "block", Dir = "dir", Network = "network", Netdir = "netdir",
        Ploop = "ploop",
    }
}

xml_enum! {
    /// qcow2 features of `<target><features>`.
    pub enum VolFeature { LazyRefcounts = "lazy_refcounts", ExtendedL2 = "extended_l2" }
}

xml_enum! {
    pub enum EncryptionFormat { Default = "default", Qcow = "qcow", Luks = "luks", Luks2 = "luks2" }
}

xml_enum! {
    pub enum EncryptionEngine { Qemu = "qemu", Librbd = "librbd" }
}

/// `<cipher>` and `<ivgen>` of LUKS encryption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionInfo {
    pub cipher_name: Option<String>,
    pub cipher_size: u32,
    pub cipher_mode: Option<String>,
    pub cipher_hash: Option<String>,
    pub ivgen_name: Option<String>,
    pub ivgen_hash: Option<String>,
}

/// `<encryption>` of a volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encryption {
    pub format: EncryptionFormat,
    pub engine: Option<EncryptionEngine>,
    /// Passphrase secrets (the only secret type).
    pub secrets: Vec<SecretRef>,
    pub info: EncryptionInfo,
}

impl Encryption {
    pub fn parse(el: &Element) -> Result<Encryption> {
        let format = match nonempty(el.string_attr("format")) {
            None => return Err(xml_err("unknown volume encryption format")),
            Some(f) => EncryptionFormat::from_xml(&f)
                .ok_or_else(|| unsupported(format!("unknown volume encryption format type {f}")))?,
        };
        let engine = el.enum_attr::<EncryptionEngine>("engine").map_err(st)?;
        let mut secrets = Vec::new();
        for s in el.children_named("secret") {
            match nonempty(s.string_attr("type")) {
                None => return Err(xml_err("unknown volume encryption secret type")),
                Some(t) if t == "passphrase" => {}
                Some(t) => {
                    return Err(unsupported(format!(
                        "unknown volume encryption secret type {t}"
                    )))
                }
            }
            secrets.push(SecretRef::parse(s)?);
        }
        let mut info = EncryptionInfo::default();
        if format == EncryptionFormat::Luks {
            if let Some(c) = el.child("cipher") {
                info.cipher_name = Some(
                    c.string_attr("name")
                        .ok_or_else(|| xml_err("cipher info missing 'name' attribute"))?,
                );
                let size = c.req_attr("size").map_err(st)?;
                info.cipher_size = num::to_ullp(size, 10)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| {
                        st(invalid_value(
                            c,
                            "size",
                            size,
                            Some("Expected non-negative integer value"),
                        ))
                    })?;
                info.cipher_mode = c.string_attr("mode");
                info.cipher_hash = c.string_attr("hash");
            }
            if let Some(i) = el.child("ivgen") {
                if info.cipher_name.is_none() {
                    return Err(xml_err("ivgen element found, but cipher is missing"));
                }
                info.ivgen_name = Some(
                    i.string_attr("name")
                        .ok_or_else(|| xml_err("missing ivgen info name string"))?,
                );
                info.ivgen_hash = i.string_attr("hash");
            }
        }
        Ok(Encryption {
            format,
            engine,
            secrets,
            info,
        })
    }

    pub fn format(&self) -> Out {
        let mut e = Out::new("encryption")
            .attr("format", self.format)
            .attr_opt("engine", self.engine)
            .keep_open();
        for s in &self.secrets {
            let mut o = Out::new("secret").attr("type", "passphrase");
            s.write(&mut o);
            e.push(o);
        }
        if self.format == EncryptionFormat::Luks {
            if let Some(n) = &self.info.cipher_name {
                e.push(
                    Out::new("cipher")
                        .attr("name", n)
                        .attr("size", self.info.cipher_size)
                        .attr_opt("mode", self.info.cipher_mode.as_ref())
                        .attr_opt("hash", self.info.cipher_hash.as_ref()),
                );
                if let Some(i) = &self.info.ivgen_name {
                    e.push(
                        Out::new("ivgen")
                            .attr("name", i)
                            .attr_opt("hash", self.info.ivgen_hash.as_ref()),
                    );
                }
            }
        }
        e
    }
}

/// A file time: seconds and nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub sec: u64,
    pub nsec: u32,
}

/// `<timestamps>` a driver reports for a volume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timestamps {
    pub atime: Option<Timestamp>,
    pub mtime: Option<Timestamp>,
    pub ctime: Option<Timestamp>,
    pub btime: Option<Timestamp>,
}

/// `<target>` (or `<backingStore>`) of a volume.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolTarget {
    pub path: Option<String>,
    pub format: Option<VolFormat>,
    pub perms: Perms,
    pub timestamps: Option<Timestamps>,
    pub encryption: Option<Encryption>,
    pub compat: Option<String>,
    /// Read but never printed (libvirt only uses it at creation).
    pub nocow: bool,
    /// Bytes; 0 is "not given".
    pub cluster_size: u64,
    /// `None` without `<features>`; `Some(empty)` prints `<features/>`.
    pub features: Option<Vec<VolFeature>>,
}

impl VolTarget {
    fn format(&self, name: &str) -> Out {
        let mut t = Out::new(name).keep_open();
        t.text_child_opt("path", self.path.as_ref());
        if let Some(f) = &self.format {
            t.push(Out::new("format").attr("type", f.as_xml()));
        }
        t.push_opt(self.perms.format());
        if let Some(ts) = &self.timestamps {
            let mut o = Out::new("timestamps").keep_open();
            for (n, v) in [
                ("atime", ts.atime),
                ("mtime", ts.mtime),
                ("ctime", ts.ctime),
                ("btime", ts.btime),
            ] {
                if let Some(v) = v {
                    let text = if v.nsec != 0 {
                        format!("{}.{:09}", v.sec, v.nsec)
                    } else {
                        v.sec.to_string()
                    };
                    o.text_child(n, text);
                }
            }
            t.push(o);
        }
        if let Some(e) = &self.encryption {
            t.push(e.format());
        }
        t.text_child_opt("compat", self.compat.as_ref());
        if self.cluster_size > 0 {
            t.push(
                Out::new("clusterSize")
                    .attr("unit", "B")
                    .text(self.cluster_size),
            );
        }
        if let Some(fs) = &self.features {
            let mut o = Out::new("features");
            for f in [VolFeature::LazyRefcounts, VolFeature::ExtendedL2] {
                if fs.contains(&f) {
                    o.push(Out::new(f.as_xml()));
                }
            }
            t.push(o);
        }
        t
    }
}

/// One extent of a volume on a pool device (reported by block-device backends).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extent {
    pub path: String,
    pub start: u64,
    pub end: u64,
}

/// How strictly `<capacity>` is required.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VolParseFlags {
    /// Capacity may be left out (volume upload/clone paths).
    pub no_capacity: bool,
    /// Capacity may be left out when there is a backing store.
    pub opt_capacity: bool,
}

/// A parsed storage volume definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolDef {
    pub vol_type: VolType,
    pub name: String,
    pub key: Option<String>,
    pub extents: Vec<Extent>,
    /// Bytes.
    pub capacity: u64,
    pub allocation: u64,
    /// False when `<allocation>` was not given (allocation then equals capacity).
    pub has_allocation: bool,
    /// Bytes; 0 is "unknown" and not printed.
    pub physical: u64,
    pub target: VolTarget,
    pub backing_store: Option<VolTarget>,
}

/// `virStorageSize`: a size element's text and unit, in bytes.
fn storage_size(text: &str, unit: Option<&str>) -> Result<u64> {
    let v = num::to_ullp(text, 10).ok_or_else(|| xml_err("malformed capacity element"))?;
    num::scale_integer(v, unit, 1, i64::MAX as u64)
}

fn vol_format(kind: VolFormatKind, s: Option<String>) -> Result<Option<VolFormat>> {
    let bad = |f: &str| unsupported(format!("unknown volume format type {f}"));
    Ok(match kind {
        VolFormatKind::None => None,
        VolFormatKind::File => Some(VolFormat::File(match s {
            None => FileFormat::Raw,
            Some(f) => FileFormat::from_xml(&f).ok_or_else(|| bad(&f))?,
        })),
        VolFormatKind::Disk => Some(VolFormat::Disk(match s {
            None => DiskVolFormat::None,
            Some(f) => DiskVolFormat::from_xml(&f).ok_or_else(|| bad(&f))?,
        })),
    })
}

fn check_compat(c: &str) -> Result<()> {
    let ok = match c.split_once('.') {
        Some((a, b)) => num::to_ui(a, 10).is_some() && num::to_ui(b, 10).is_some(),
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(xml_err("forbidden characters in 'compat' attribute"))
    }
}

impl VolDef {
    /// Parses volume XML for a pool of type `pool` (which decides the accepted formats).
    pub fn parse(xml: &str, pool: PoolType, flags: VolParseFlags) -> Result<VolDef> {
        let root = parse_document(xml, "storage_volume_definition").map_err(|e| {
            let mut err: Error = e.into();
            err.domain = ErrorDomain::STORAGE;
            err
        })?;
        VolDef::from_element(&root, pool, flags)
    }

    pub fn from_element(root: &Element, pool: PoolType, flags: VolParseFlags) -> Result<VolDef> {
        if root.name != "volume" || root.ns.is_some() {
            return Err(Error::new(
                ErrorDomain::XML,
                ErrorCode::XML_ERROR,
                Some(format!(
                    "expecting root element of 'volume', not '{}'",
                    root.name
                )),
            ));
        }
        let kind = pool.options().vol_format;
        let name =
            child_text(root, "name").ok_or_else(|| xml_err("missing volume name element"))?;
        let key = child_text(root, "key");
        let vol_type = match nonempty(root.string_attr("type")) {
            None => VolType::File,
            Some(t) => VolType::from_xml(&t)
                .ok_or_else(|| unsupported(format!("unknown volume type '{t}'")))?,
        };
        let backing_store = match root.child("backingStore") {
            None => None,
            Some(b) => match child_text(b, "path") {
                None => None,
                Some(path) => Some(VolTarget {
                    path: Some(path),
                    format: vol_format(kind, child_attr(b, "format", "type"))?,
                    perms: Perms::parse(Some(b))?,
                    ..Default::default()
                }),
            },
        };
        let cap_el = root.child("capacity");
        let capacity = match cap_el.and_then(|c| nonempty(Some(c.text()))) {
            Some(t) => storage_size(&t, cap_el.and_then(|c| c.attr("unit")))?,
            None => {
                if !(flags.no_capacity || flags.opt_capacity && backing_store.is_some()) {
                    return Err(xml_err("missing capacity element"));
                }
                0
            }
        };
        let alloc_el = root.child("allocation");
        let (allocation, has_allocation) = match alloc_el.and_then(|a| nonempty(Some(a.text()))) {
            Some(t) => (
                storage_size(&t, alloc_el.and_then(|a| a.attr("unit")))?,
                true,
            ),
            None => (capacity, false),
        };
        let t = root.child("target");
        let mut target = VolTarget {
            path: t.and_then(|t| child_text(t, "path")),
            format: vol_format(kind, t.and_then(|t| child_attr(t, "format", "type")))?,
            perms: Perms::parse(t)?,
            ..Default::default()
        };
        if let Some(t) = t {
            if let Some(e) = t.child("encryption") {
                target.encryption = Some(Encryption::parse(e)?);
            }
            target.compat = child_text(t, "compat");
            if let Some(c) = &target.compat {
                check_compat(c)?;
            }
            target.nocow = t.child("nocow").is_some();
            if let Some(cs) = t.child("clusterSize") {
                if let Some(text) = nonempty(Some(cs.text())) {
                    let v = num::to_ullp(&text, 10).ok_or_else(|| {
                        xml_err(format!(
                            "Invalid value '{text}' for element or attribute './target/clusterSize'"
                        ))
                    })?;
                    target.cluster_size = num::scale_integer(v, cs.attr("unit"), 1, u64::MAX)?;
                }
            }
            if let Some(f) = t.child("features") {
                if target.compat.is_none() {
                    target.compat = Some("1.1".to_string());
                }
                let mut feats = Vec::new();
                for c in f.elements() {
                    let feat = VolFeature::from_xml(&c.name)
                        .ok_or_else(|| unsupported(format!("unsupported feature {}", c.name)))?;
                    if !feats.contains(&feat) {
                        feats.push(feat);
                    }
                }
                target.features = Some(feats);
            }
        }
        Ok(VolDef {
            vol_type,
            name,
            key,
            extents: Vec::new(),
            capacity,
            allocation,
            has_allocation,
            physical: 0,
            target,
            backing_store,
        })
    }

    /// Prints the volume in libvirt's layout.
    pub fn format(&self) -> String {
        self.to_out().render(0)
    }

    pub fn to_out(&self) -> Out {
        let mut v = Out::new("volume").attr("type", self.vol_type);
        v.text_child("name", &self.name);
        v.text_child_opt("key", self.key.as_ref());
        if !self.extents.is_empty() {
            let mut s = Out::new("source");
            let mut cur: Option<Out> = None;
            let mut cur_path: Option<&str> = None;
            for e in &self.extents {
                if cur_path != Some(e.path.as_str()) {
                    if let Some(d) = cur.take() {
                        s.push(d);
                    }
                    cur = Some(Out::new("device").attr("path", &e.path));
                    cur_path = Some(e.path.as_str());
                }
                if let Some(d) = cur.as_mut() {
                    d.push(Out::new("extent").attr("start", e.start).attr("end", e.end));
                }
            }
            if let Some(d) = cur {
                s.push(d);
            }
            v.push(s);
        }
        let bytes = |n: &str, val: u64| Out::new(n).attr("unit", "bytes").text(val);
        v.push(bytes("capacity", self.capacity));
        v.push(bytes("allocation", self.allocation));
        if self.physical != 0 {
            v.push(bytes("physical", self.physical));
        }
        v.push(self.target.format("target"));
        if let Some(b) = &self.backing_store {
            v.push(b.format("backingStore"));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perms_ids() {
        let el = crate::tree::parse_document(
            "<t><permissions><mode>-0</mode><owner>+5</owner><group>-1</group></permissions></t>",
            "t",
        )
        .expect("xml");
        let p = Perms::parse(Some(&el)).expect("ok");
        assert_eq!((p.mode, p.owner, p.group), (Some(0), Some(5), None));
        assert_eq!(
            p.format().map(|o| o.render(0)).unwrap_or_default(),
            "<permissions>\n  <mode>00</mode>\n  <owner>5</owner>\n</permissions>\n"
        );
    }
}
