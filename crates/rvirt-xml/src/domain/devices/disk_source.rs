//! Storage sources: what a disk (or a backing image, or an iSCSI host device) reads its data
//! from — local paths, storage-pool volumes, network protocols, NVMe controllers and
//! vhost-user sockets — together with the per-source extras libvirt keeps with them
//! (authentication, encryption, persistent reservations, slices, security labels).
//!
//! Host entries, authentication and the device security label are shared with host devices
//! (iSCSI) and character devices, so they are public here.

use crate::domain::ctx::{FormatCtx, ParseCtx};
use crate::domain::info::PciAddress;
use crate::error::{unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;

mod extras;
use super::chr_source::Reconnect;
pub use extras::{
    AuthType, DeviceSeclabel, Encryption, EncryptionEngine, EncryptionFormat, Reservations,
    ReservationsMode, SecretLookup, SecretUsageType, StorageAuth,
};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

xml_enum! {
    /// How a storage source is reached (`<disk type=...>`, `<backingStore type=...>`).
    pub enum DiskType {
        File = "file",
        Block = "block",
        Dir = "dir",
        Network = "network",
        Volume = "volume",
        Nvme = "nvme",
        VhostUser = "vhostuser",
    }
}

xml_enum! {
    /// Image formats libvirt knows (`<driver type=...>`, `<format type=...>`).
    pub enum StorageFormat {
        Raw = "raw",
        Dir = "dir",
        Bochs = "bochs",
        Cloop = "cloop",
        Dmg = "dmg",
        Iso = "iso",
        Vpc = "vpc",
        Vdi = "vdi",
        Fat = "fat",
        Vhd = "vhd",
        Ploop = "ploop",
        Cow = "cow",
        Qcow = "qcow",
        Qcow2 = "qcow2",
        Qed = "qed",
        Vmdk = "vmdk",
    }
}

xml_enum! {
    pub enum NetProtocol {
        Nbd = "nbd",
        Rbd = "rbd",
        Sheepdog = "sheepdog",
        Gluster = "gluster",
        Iscsi = "iscsi",
        Http = "http",
        Https = "https",
        Ftp = "ftp",
        Ftps = "ftps",
        Tftp = "tftp",
        Ssh = "ssh",
        Vxhs = "vxhs",
        Nfs = "nfs",
    }
}

impl NetProtocol {
    /// The port a host of this protocol gets when none is given (libvirt fills it in at
    /// parse time, so it is printed back).
    pub fn default_port(self) -> Option<u32> {
        match self {
            NetProtocol::Nbd => Some(10809),
            NetProtocol::Sheepdog => Some(7000),
            NetProtocol::Gluster => Some(24007),
            NetProtocol::Iscsi => Some(3260),
            NetProtocol::Http => Some(80),
            NetProtocol::Https => Some(443),
            NetProtocol::Ftp => Some(21),
            NetProtocol::Ftps => Some(990),
            NetProtocol::Tftp => Some(69),
            NetProtocol::Ssh => Some(22),
            NetProtocol::Vxhs => Some(9999),
            NetProtocol::Rbd | NetProtocol::Nfs => None,
        }
    }
}

xml_enum! {
    pub enum HostTransport {
        Tcp = "tcp",
        Unix = "unix",
        Rdma = "rdma",
    }
}

xml_enum! {
    /// What to do when the source is missing at start-up.
    pub enum StartupPolicy {
        Mandatory = "mandatory",
        Requisite = "requisite",
        Optional = "optional",
    }
}

xml_enum! {
    /// How a pool volume (iSCSI) is handed to the guest.
    pub enum VolumeMode {
        Host = "host",
        Direct = "direct",
    }
}

/// One `<host>` of a network source.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SourceHost {
    pub name: Option<String>,
    /// 0 means "not given".
    pub port: u32,
    pub transport: Option<HostTransport>,
    pub socket: Option<String>,
}

impl SourceHost {
    pub fn parse(el: &Element) -> Result<SourceHost> {
        let transport = match el.attr("transport") {
            None => None,
            Some(t) => Some(
                HostTransport::from_xml(t)
                    .ok_or_else(|| unsupported(format!("unknown protocol transport type '{t}'")))?,
            ),
        };
        let socket = el.string_attr("socket");
        let is_unix = transport == Some(HostTransport::Unix);
        if is_unix && socket.is_none() {
            return Err(xml_error("missing socket for unix transport"));
        }
        if !is_unix && socket.is_some() {
            let shown = transport.map_or("(null)", |t| t.as_xml());
            return Err(xml_error(format!(
                "transport '{shown}' does not support socket attribute"
            )));
        }
        let mut host = SourceHost {
            transport,
            socket,
            ..Default::default()
        };
        if !is_unix {
            host.name = Some(
                el.string_attr("name")
                    .ok_or_else(|| xml_error("missing name for host"))?,
            );
            if let Some(p) = el.attr("port") {
                host.port = p.trim().parse().map_err(|_| {
                    Error::new(
                        ErrorDomain::DOMAIN,
                        ErrorCode::INVALID_ARG,
                        Some(format!("failed to parse port number '{p}'")),
                    )
                })?;
            }
        }
        Ok(host)
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("host");
        o.set_opt("name", self.name.as_ref());
        if self.port != 0 {
            o.set("port", self.port);
        }
        if let Some(t) = self.transport.filter(|t| *t != HostTransport::Tcp) {
            o.set("transport", t);
        }
        o.set_opt("socket", self.socket.as_ref());
        o
    }
}

/// The part of a file or device the guest sees (`<slice type='storage'>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub offset: u64,
    pub size: u64,
}

/// A network source (`type='network'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkSource {
    pub protocol: NetProtocol,
    /// Export, volume/image or path, depending on the protocol.
    pub name: Option<String>,
    pub query: Option<String>,
    pub tls: Option<bool>,
    pub tls_hostname: Option<String>,
    pub hosts: Vec<SourceHost>,
    pub nfs_user: Option<String>,
    pub nfs_group: Option<String>,
    pub snapshot: Option<String>,
    pub config_file: Option<String>,
    pub initiator_iqn: Option<String>,
    pub ssl_verify: Option<bool>,
    /// HTTP cookies (printed only in secure output, as they may be credentials).
    pub cookies: Vec<(String, String)>,
    pub readahead: Option<u64>,
    pub timeout: Option<u64>,
}

impl NetworkSource {
    fn parse(el: &Element) -> Result<NetworkSource> {
        let protocol: NetProtocol = el.req_enum_attr("protocol")?;
        let name = el.string_attr("name");
        if name.is_none() && protocol != NetProtocol::Nbd {
            return Err(xml_error("missing name for disk source"));
        }
        let tls = el.yes_no_attr("tls")?;
        let query = if matches!(protocol, NetProtocol::Http | NetProtocol::Https) {
            el.string_attr("query")
        } else {
            None
        };
        let mut hosts = Vec::new();
        for h in el.children_named("host") {
            let mut host = SourceHost::parse(h)?;
            if host.port == 0 && host.transport.unwrap_or(HostTransport::Tcp) == HostTransport::Tcp
            {
                host.port = protocol.default_port().unwrap_or(0);
            }
            hosts.push(host);
        }
        let initiator_iqn = el
            .child("initiator")
            .and_then(|i| i.child("iqn"))
            .and_then(|q| q.string_attr("name"));
        let ssl_verify = match el.child("ssl") {
            Some(s) if matches!(protocol, NetProtocol::Https | NetProtocol::Ftps) => {
                s.yes_no_attr("verify")?
            }
            _ => None,
        };
        let mut cookies: Vec<(String, String)> = Vec::new();
        if matches!(protocol, NetProtocol::Http | NetProtocol::Https) {
            if let Some(c) = el.child("cookies") {
                for ck in c.children_named("cookie") {
                    let cname = ck
                        .string_attr("name")
                        .ok_or_else(|| xml_error("missing cookie name"))?;
                    let value = ck.text();
                    if value.is_empty() {
                        return Err(xml_error(format!("missing value for cookie '{cname}'")));
                    }
                    if cookies.iter().any(|(n, _)| *n == cname) {
                        return Err(xml_error(format!("duplicate cookie '{cname}'")));
                    }
                    cookies.push((cname, value));
                }
            }
        }
        let (mut readahead, mut timeout) = (None, None);
        if matches!(
            protocol,
            NetProtocol::Http
                | NetProtocol::Https
                | NetProtocol::Ftp
                | NetProtocol::Ftps
                | NetProtocol::Tftp
        ) {
            let bad = || xml_error("invalid readahead size or timeout");
            if let Some(r) = el.child("readahead").and_then(|r| r.attr("size")) {
                readahead = Some(r.trim().parse::<u64>().map_err(|_| bad())?).filter(|v| *v != 0);
            }
            if let Some(t) = el.child("timeout").and_then(|t| t.attr("seconds")) {
                timeout = Some(t.trim().parse::<u64>().map_err(|_| bad())?).filter(|v| *v != 0);
            }
        }
        let (mut nfs_user, mut nfs_group) = (None, None);
        if protocol == NetProtocol::Nfs {
            if let Some(i) = el.child("identity") {
                nfs_user = i.string_attr("user");
                nfs_group = i.string_attr("group");
            }
        }
        Ok(NetworkSource {
            protocol,
            name,
            query,
            tls,
            tls_hostname: el.string_attr("tlsHostname"),
            hosts,
            nfs_user,
            nfs_group,
            snapshot: el.child("snapshot").and_then(|s| s.string_attr("name")),
            config_file: el.child("config").and_then(|s| s.string_attr("file")),
            initiator_iqn,
            ssl_verify,
            cookies,
            readahead,
            timeout,
        })
    }

    fn write(&self, o: &mut Out, ctx: &FormatCtx) {
        o.set("protocol", self.protocol);
        o.set_opt("name", self.name.as_ref());
        o.set_opt("query", self.query.as_ref());
        o.set_opt("tls", self.tls.map(yes_no));
        o.set_opt("tlsHostname", self.tls_hostname.as_ref());
        for h in &self.hosts {
            o.push(h.format());
        }
        if self.nfs_user.is_some() || self.nfs_group.is_some() {
            o.push(
                Out::new("identity")
                    .attr_opt("user", self.nfs_user.as_ref())
                    .attr_opt("group", self.nfs_group.as_ref()),
            );
        }
        if let Some(s) = &self.snapshot {
            o.push(Out::new("snapshot").attr("name", s));
        }
        if let Some(c) = &self.config_file {
            o.push(Out::new("config").attr("file", c));
        }
        if let Some(i) = &self.initiator_iqn {
            let mut init = Out::new("initiator");
            init.push(Out::new("iqn").attr("name", i));
            o.push(init);
        }
        if let Some(v) = self.ssl_verify {
            o.push(Out::new("ssl").attr("verify", yes_no(v)));
        }
        if ctx.secure && !self.cookies.is_empty() {
            let mut c = Out::new("cookies");
            for (n, v) in &self.cookies {
                c.push(Out::new("cookie").attr("name", n).text(v));
            }
            o.push(c);
        }
        if let Some(r) = self.readahead {
            o.push(Out::new("readahead").attr("size", r));
        }
        if let Some(t) = self.timeout {
            o.push(Out::new("timeout").attr("seconds", t));
        }
    }
}

/// Where the data is, by source type. `None` in a variant that needs an element means the
/// `<source>` element was absent (an empty CD-ROM drive, for instance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    File {
        path: Option<String>,
        fdgroup: Option<String>,
    },
    Block {
        dev: Option<String>,
    },
    Dir {
        dir: Option<String>,
    },
    Network(Option<Box<NetworkSource>>),
    Volume(Option<VolumeSource>),
    Nvme(Option<NvmeSource>),
    VhostUser(Option<VhostUserSource>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeSource {
    pub pool: String,
    pub volume: String,
    pub mode: Option<VolumeMode>,
    /// Where the pool put the volume, learnt when the domain starts; never in the XML,
    /// which keeps naming the pool and volume.
    pub actual: Option<ActualVolume>,
}

/// A volume as the hypervisor opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActualVolume {
    pub path: String,
    /// A block device (an LV or a partition) rather than a file.
    pub block: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NvmeSource {
    /// Absent until post-parse, which defaults it to yes.
    pub managed: Option<bool>,
    pub namespace: u64,
    pub address: PciAddress,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VhostUserSource {
    pub path: String,
    pub reconnect: Option<Reconnect>,
}

/// A storage source with its common extras.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageSource {
    pub kind: SourceKind,
    pub startup_policy: Option<StartupPolicy>,
    /// Position in the backing chain; only in live XML.
    pub index: Option<u32>,
    pub slice: Option<Slice>,
    pub seclabels: Vec<DeviceSeclabel>,
    pub auth: Option<StorageAuth>,
    pub encryption: Option<Encryption>,
    pub reservations: Option<Reservations>,
}

impl StorageSource {
    /// A source of `ty` without a `<source>` element.
    pub fn empty(ty: DiskType) -> StorageSource {
        let kind = match ty {
            DiskType::File => SourceKind::File {
                path: None,
                fdgroup: None,
            },
            DiskType::Block => SourceKind::Block { dev: None },
            DiskType::Dir => SourceKind::Dir { dir: None },
            DiskType::Network => SourceKind::Network(None),
            DiskType::Volume => SourceKind::Volume(None),
            DiskType::Nvme => SourceKind::Nvme(None),
            DiskType::VhostUser => SourceKind::VhostUser(None),
        };
        StorageSource {
            kind,
            startup_policy: None,
            index: None,
            slice: None,
            seclabels: Vec::new(),
            auth: None,
            encryption: None,
            reservations: None,
        }
    }

    pub fn disk_type(&self) -> DiskType {
        match &self.kind {
            SourceKind::File { .. } => DiskType::File,
            SourceKind::Block { .. } => DiskType::Block,
            SourceKind::Dir { .. } => DiskType::Dir,
            SourceKind::Network(_) => DiskType::Network,
            SourceKind::Volume(_) => DiskType::Volume,
            SourceKind::Nvme(_) => DiskType::Nvme,
            SourceKind::VhostUser(_) => DiskType::VhostUser,
        }
    }

    /// The local path, for the source types that have one.
    pub fn path(&self) -> Option<&str> {
        match &self.kind {
            SourceKind::File { path, .. } => path.as_deref(),
            SourceKind::Block { dev } => dev.as_deref(),
            SourceKind::Dir { dir } => dir.as_deref(),
            SourceKind::VhostUser(Some(v)) => Some(&v.path),
            SourceKind::Network(Some(n)) => n.name.as_deref(),
            SourceKind::Volume(Some(v)) => v.actual.as_ref().map(|a| a.path.as_str()),
            _ => None,
        }
    }

    /// True when there is nothing to read from (no media).
    pub fn is_empty(&self) -> bool {
        match &self.kind {
            SourceKind::File { path, .. } => path.is_none(),
            SourceKind::Block { dev } => dev.is_none(),
            SourceKind::Dir { dir } => dir.is_none(),
            SourceKind::Network(n) => n.is_none(),
            SourceKind::Volume(v) => v.is_none(),
            SourceKind::Nvme(n) => n.is_none(),
            SourceKind::VhostUser(v) => v.is_none(),
        }
    }

    /// Reads a source of type `ty` from its `<source>` element. `with_policy` reads
    /// `startupPolicy` and `index` (disk top-level sources, not backing images).
    pub fn parse(
        ty: DiskType,
        el: Option<&Element>,
        ctx: &ParseCtx,
        with_policy: bool,
    ) -> Result<StorageSource> {
        let mut src = StorageSource::empty(ty);
        let Some(el) = el else {
            return Ok(src);
        };
        src.kind = match ty {
            DiskType::File => SourceKind::File {
                path: el.string_attr("file").filter(|p| !p.is_empty()),
                fdgroup: el.string_attr("fdgroup"),
            },
            DiskType::Block => SourceKind::Block {
                dev: el.string_attr("dev").filter(|p| !p.is_empty()),
            },
            DiskType::Dir => SourceKind::Dir {
                dir: el.string_attr("dir").filter(|p| !p.is_empty()),
            },
            DiskType::Network => SourceKind::Network(Some(Box::new(NetworkSource::parse(el)?))),
            DiskType::Volume => {
                let (pool, volume) =
                    match (el.attr("pool"), el.attr("volume")) {
                        (Some(p), Some(v)) => (p.to_string(), v.to_string()),
                        _ => return Err(xml_error(
                            "'pool' and 'volume' must be specified together for 'pool' type source",
                        )),
                    };
                let mode = match el.attr("mode") {
                    None => None,
                    Some(m) => Some(VolumeMode::from_xml(m).ok_or_else(|| {
                        unsupported(format!("unknown source mode '{m}' for volume type disk"))
                    })?),
                };
                SourceKind::Volume(Some(VolumeSource {
                    pool,
                    volume,
                    mode,
                    actual: None,
                }))
            }
            DiskType::Nvme => {
                match el.attr("type") {
                    None => return Err(xml_error("missing 'type' attribute to disk source")),
                    Some("pci") => {}
                    Some(t) => return Err(xml_error(format!("unsupported source type '{t}'"))),
                }
                let ns = el
                    .attr("namespace")
                    .ok_or_else(|| xml_error("missing 'namespace' attribute to disk source"))?;
                let namespace = ns
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| xml_error(format!("malformed namespace '{ns}'")))?;
                let managed = el.yes_no_attr("managed")?;
                let addr = el
                    .child("address")
                    .ok_or_else(|| xml_error("NVMe disk source is missing address"))?;
                SourceKind::Nvme(Some(NvmeSource {
                    managed,
                    namespace,
                    address: PciAddress::parse(addr)?,
                }))
            }
            DiskType::VhostUser => {
                match el.attr("type") {
                    None => {
                        return Err(xml_error(
                            "missing 'type' attribute for vhostuser disk source",
                        ))
                    }
                    Some("unix") => {}
                    Some(_) => {
                        return Err(xml_error(
                            "invalid 'type' attribute for vhostuser disk source",
                        ))
                    }
                }
                let path = el.string_attr("path").ok_or_else(|| {
                    xml_error("missing 'path' attribute for vhostuser disk source")
                })?;
                let reconnect = Reconnect::parse_child(el)?;
                SourceKind::VhostUser(Some(VhostUserSource { path, reconnect }))
            }
        };
        if let Some(s) = el.child("slices").and_then(|s| {
            s.elements()
                .find(|e| e.name == "slice" && e.attr("type") == Some("storage"))
        }) {
            let num = |attr: &str| -> Result<u64> {
                let v = s.attr(attr).unwrap_or("");
                v.trim().parse::<u64>().map_err(|_| {
                    xml_error(format!(
                        "malformed value '{v}' of '{attr}' attribute of slice"
                    ))
                })
            };
            src.slice = Some(Slice {
                offset: num("offset")?,
                size: num("size")?,
            });
        }
        src.seclabels = DeviceSeclabel::parse_all(el, ctx)?;
        src.auth = el.child("auth").map(StorageAuth::parse).transpose()?;
        src.encryption = el.child("encryption").map(Encryption::parse).transpose()?;
        src.reservations = el
            .child("reservations")
            .map(Reservations::parse)
            .transpose()?;
        if with_policy {
            src.startup_policy = el.enum_attr("startupPolicy")?;
            if !ctx.inactive {
                src.index = el.num_attr("index")?;
            }
        }
        Ok(src)
    }

    /// The `<source>` element, or `None` when it would be empty. Auth and encryption are
    /// left out when the disk prints them at its own level (`inner_auth`/`inner_enc` false).
    pub fn format(&self, ctx: &FormatCtx, inner_auth: bool, inner_enc: bool) -> Option<Out> {
        let mut o = Out::new("source");
        match &self.kind {
            SourceKind::File { path, fdgroup } => {
                o.set_opt("file", path.as_ref());
                o.set_opt("fdgroup", fdgroup.as_ref());
            }
            SourceKind::Block { dev } => o.set_opt("dev", dev.as_ref()),
            SourceKind::Dir { dir } => o.set_opt("dir", dir.as_ref()),
            SourceKind::Network(Some(n)) => n.write(&mut o, ctx),
            SourceKind::Volume(Some(v)) => {
                o.set("pool", &v.pool);
                o.set("volume", &v.volume);
                o.set_opt("mode", v.mode);
            }
            SourceKind::Nvme(Some(n)) => {
                o.set("type", "pci");
                o.set_opt("managed", n.managed.map(yes_no));
                o.set("namespace", n.namespace);
                let mut a = Out::new("address");
                n.address.write_attrs(&mut a);
                o.push(a);
            }
            SourceKind::VhostUser(Some(v)) => {
                o.set("type", "unix");
                o.set("path", &v.path);
                o.push_opt(v.reconnect.and_then(|r| r.format()));
            }
            SourceKind::Network(None)
            | SourceKind::Volume(None)
            | SourceKind::Nvme(None)
            | SourceKind::VhostUser(None) => {}
        }
        if let Some(s) = &self.slice {
            let mut slices = Out::new("slices");
            slices.push(
                Out::new("slice")
                    .attr("type", "storage")
                    .attr("offset", s.offset)
                    .attr("size", s.size),
            );
            o.push(slices);
        }
        if !matches!(self.kind, SourceKind::Network(_)) {
            for s in &self.seclabels {
                o.push_opt(s.format(ctx));
            }
        }
        if inner_auth && !matches!(self.kind, SourceKind::Volume(_)) {
            o.push_opt(self.auth.as_ref().map(StorageAuth::format));
        }
        if inner_enc {
            o.push_opt(self.encryption.as_ref().map(Encryption::format));
        }
        o.push_opt(self.reservations.as_ref().map(Reservations::format));
        if !matches!(self.kind, SourceKind::Network(_)) {
            o.set_opt("startupPolicy", self.startup_policy);
        }
        o.set_opt("index", self.index.filter(|i| *i != 0));
        if o.is_empty() {
            None
        } else {
            Some(o)
        }
    }
}

/// The `<backingStore>` of a source.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum BackingStore {
    /// Not given: libvirt may probe the image.
    #[default]
    Unknown,
    /// `<backingStore/>`: the chain ends here.
    End,
    Image(Box<BackingImage>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackingImage {
    pub index: Option<u32>,
    pub format: StorageFormat,
    /// `<metadata_cache><max_size>` of the format, in bytes.
    pub metadata_cache_max: Option<u64>,
    pub source: StorageSource,
    pub backing: BackingStore,
}

/// A scaled integer element (`<x unit='MiB'>N</x>`) read the way libvirt's
/// `virDomainParseScaledValue` does; `xpath` is how libvirt names the element in errors.
/// Returns the value multiplied out to units of 1 (bytes).
pub fn parse_scaled_element(
    el: &Element,
    xpath: &str,
    unit_attr: &str,
    default_scale: u64,
    max: u64,
) -> Result<u64> {
    crate::num::parse_scaled(&el.text(), el.attr(unit_attr), default_scale, max, xpath)
}

/// Parses `<metadata_cache><max_size>` under `el` into bytes.
pub fn parse_metadata_cache(el: &Element) -> Result<Option<u64>> {
    let Some(ms) = el.child("metadata_cache").and_then(|m| m.child("max_size")) else {
        return Ok(None);
    };
    let v = parse_scaled_element(ms, "./metadata_cache/max_size", "unit", 1, u64::MAX)?;
    Ok(Some(v).filter(|v| *v != 0))
}

/// `<metadata_cache>` with the size in bytes.
pub fn format_metadata_cache(bytes: u64) -> Out {
    let mut m = Out::new("metadata_cache");
    m.push(Out::new("max_size").attr("unit", "bytes").text(bytes));
    m
}

impl BackingStore {
    /// Reads the `<backingStore>` child of `parent`, following the chain iteratively so
    /// that a long chain cannot exhaust the stack.
    pub fn parse(parent: &Element, ctx: &ParseCtx) -> Result<BackingStore> {
        let mut images: Vec<BackingImage> = Vec::new();
        let mut cur = parent.child("backingStore");
        let mut tail = BackingStore::Unknown;
        while let Some(el) = cur {
            let Some(ty) = el.attr("type") else {
                tail = BackingStore::End;
                break;
            };
            let index = if ctx.inactive {
                None
            } else {
                el.num_attr::<u32>("index")?
            };
            let fmt_el = el.child("format");
            let Some(fmt) = fmt_el.and_then(|f| f.attr("type")) else {
                return Err(xml_error("missing disk backing store format"));
            };
            let format = match fmt {
                "aio" => StorageFormat::Raw,
                f => StorageFormat::from_xml(f)
                    .ok_or_else(|| xml_error(format!("unknown storage source format '{f}'")))?,
            };
            let metadata_cache_max = match fmt_el {
                Some(f) => parse_metadata_cache(f)?,
                None => None,
            };
            let src_el = el
                .child("source")
                .ok_or_else(|| xml_error("missing disk backing store source"))?;
            let dtype = DiskType::from_xml(ty)
                .ok_or_else(|| xml_error(format!("unknown storage source type '{ty}'")))?;
            let source = StorageSource::parse(dtype, Some(src_el), ctx, false)?;
            images.push(BackingImage {
                index,
                format,
                metadata_cache_max,
                source,
                backing: BackingStore::Unknown,
            });
            cur = el.child("backingStore");
        }
        let mut chain = tail;
        while let Some(mut img) = images.pop() {
            img.backing = chain;
            chain = BackingStore::Image(Box::new(img));
        }
        Ok(chain)
    }

    pub fn format(&self, ctx: &FormatCtx) -> Option<Out> {
        // Built bottom-up for the same reason parsing is iterative.
        let mut links: Vec<&BackingImage> = Vec::new();
        let mut cur = self;
        let tail_end = loop {
            match cur {
                BackingStore::Unknown => break false,
                BackingStore::End => break true,
                BackingStore::Image(img) => {
                    links.push(img);
                    cur = &img.backing;
                }
            }
        };
        let mut below: Option<Out> = tail_end.then(|| Out::new("backingStore"));
        while let Some(img) = links.pop() {
            let mut o = Out::new("backingStore")
                .attr("type", img.source.disk_type())
                .attr_opt("index", img.index.filter(|_| !ctx.inactive));
            let mut f = Out::new("format").attr("type", img.format);
            if let Some(m) = img.metadata_cache_max {
                f.push(format_metadata_cache(m));
            }
            o.push(f);
            o.push(
                img.source
                    .format(ctx, true, true)
                    .unwrap_or_else(|| Out::new("source")),
            );
            o.push_opt(below.take());
            below = Some(o);
        }
        below
    }
}
