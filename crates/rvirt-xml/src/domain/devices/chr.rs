//! Character devices: `<serial>`, `<parallel>`, `<console>` and `<channel>` (libvirt's
//! `virDomainChrDef`), one type for all four because they share the source, the trailer and
//! most rules; the guest side ([`ChrTarget`]) says which of the four a device is.
//!
//! Port numbering needs the sibling devices, so it is not in [`Chr::post_parse`] but in the
//! family-level helpers [`number_ports_after_parse`], [`isa_serial_post_parse`] and
//! [`post_parse_family`], which the domain parser calls in libvirt's order.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{Address, DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::Out;
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

use super::chr_source::{ChrSource, ChrSourceData, ChrType};
use crate::num;

xml_enum! {
    /// Which of the four character device elements a device is.
    pub enum ChrKind {
        Parallel = "parallel",
        Serial = "serial",
        Console = "console",
        Channel = "channel",
    }
}

xml_enum! {
    /// `<serial><target type=...>`; `none` (the default) is not printed.
    pub enum SerialTargetType {
        IsaSerial = "isa-serial",
        UsbSerial = "usb-serial",
        PciSerial = "pci-serial",
        SpaprVioSerial = "spapr-vio-serial",
        SystemSerial = "system-serial",
        SclpSerial = "sclp-serial",
        IsaDebug = "isa-debug",
    }
}

xml_enum! {
    /// `<serial><target><model name=...>`.
    pub enum SerialTargetModel {
        IsaSerial = "isa-serial",
        UsbSerial = "usb-serial",
        PciSerial = "pci-serial",
        SpaprVty = "spapr-vty",
        Pl011 = "pl011",
        Sclpconsole = "sclpconsole",
        Sclplmconsole = "sclplmconsole",
        Uart16550a = "16550a",
        IsaDebugcon = "isa-debugcon",
    }
}

xml_enum! {
    /// `<console><target type=...>`; `none` becomes `serial` in post-parse.
    pub enum ConsoleTargetType {
        None = "none",
        Serial = "serial",
        Xen = "xen",
        Uml = "uml",
        Virtio = "virtio",
        Lxc = "lxc",
        Openvz = "openvz",
        Sclp = "sclp",
        Sclplm = "sclplm",
    }
}

xml_enum! {
    /// The connection state of a virtio channel, reported by a running guest agent.
    pub enum ChrDeviceState {
        Connected = "connected",
        Disconnected = "disconnected",
    }
}

/// The guest side of a `<channel>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelTarget {
    /// `type='none'`, which libvirt accepts and prints back.
    None,
    /// QEMU user-network forwarding of `address:port` in the guest to the source.
    Guestfwd {
        address: Ipv4Addr,
        port: u16,
    },
    Virtio {
        name: Option<String>,
        /// Live state only; never read from a definition.
        state: Option<ChrDeviceState>,
    },
    Xen {
        name: Option<String>,
    },
}

/// The guest side of a character device; also says which element it is.
///
/// Ports are `None` until numbered (libvirt's `-1`); other negative values come from
/// input that libvirt's unsigned reader wrapped around, and are kept as libvirt keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChrTarget {
    Serial {
        target_type: Option<SerialTargetType>,
        model: Option<SerialTargetModel>,
        port: Option<i32>,
    },
    Parallel {
        port: Option<i32>,
    },
    Console {
        target_type: ConsoleTargetType,
        port: Option<i32>,
    },
    Channel(ChannelTarget),
}

/// A serial port, parallel port, console or channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chr {
    pub source: ChrSource,
    pub target: ChrTarget,
    pub info: DeviceInfo,
}

impl Chr {
    pub fn kind(&self) -> ChrKind {
        match self.target {
            ChrTarget::Serial { .. } => ChrKind::Serial,
            ChrTarget::Parallel { .. } => ChrKind::Parallel,
            ChrTarget::Console { .. } => ChrKind::Console,
            ChrTarget::Channel(_) => ChrKind::Channel,
        }
    }

    /// The target port of a serial, parallel or console device (`None` while unnumbered,
    /// and always for channels).
    pub fn port(&self) -> Option<i32> {
        match &self.target {
            ChrTarget::Serial { port, .. }
            | ChrTarget::Parallel { port }
            | ChrTarget::Console { port, .. } => *port,
            ChrTarget::Channel(_) => None,
        }
    }

    /// Sets the target port; no effect on channels.
    pub fn set_port(&mut self, value: Option<i32>) {
        match &mut self.target {
            ChrTarget::Serial { port, .. }
            | ChrTarget::Parallel { port }
            | ChrTarget::Console { port, .. } => *port = value,
            ChrTarget::Channel(_) => {}
        }
    }

    /// The console target type, for consoles.
    pub fn console_target_type(&self) -> Option<ConsoleTargetType> {
        match self.target {
            ChrTarget::Console { target_type, .. } => Some(target_type),
            _ => None,
        }
    }

    /// The serial target type, for serial ports (`None` also for target type none).
    pub fn serial_target_type(&self) -> Option<SerialTargetType> {
        match self.target {
            ChrTarget::Serial { target_type, .. } => target_type,
            _ => None,
        }
    }

    /// Whether two devices' sources are the same endpoint (libvirt's
    /// `virDomainChrSourceDefIsEqual`), as the console/serial pairing needs.
    pub fn source_equals(&self, other: &Chr) -> bool {
        self.source.is_equal(&other.source)
    }

    /// The `<console>` libvirt prints in place of a serial-type console 0: the serial's
    /// source, port and trailer under a console element with target type serial.
    pub fn serial_as_console(&self) -> Chr {
        Chr {
            source: self.source.clone(),
            target: ChrTarget::Console {
                target_type: ConsoleTargetType::Serial,
                port: self.port(),
            },
            info: self.info.clone(),
        }
    }

    /// Whether a serial port of this target type gets a console stub when no console
    /// exists (libvirt does this for ISA, sPAPR VIO, system, SCLP and untyped ports).
    pub fn backs_serial_console(&self) -> bool {
        matches!(
            self.target,
            ChrTarget::Serial {
                target_type: None
                    | Some(
                        SerialTargetType::IsaSerial
                            | SerialTargetType::SpaprVioSerial
                            | SerialTargetType::SystemSerial
                            | SerialTargetType::SclpSerial
                    ),
                ..
            }
        )
    }

    /// A serial-type console 0 with no serial port behind it becomes serial port 0
    /// (untyped target, port 0), keeping its source and trailer.
    pub fn console_into_serial(self) -> Chr {
        Chr {
            source: self.source,
            target: ChrTarget::Serial {
                target_type: None,
                model: None,
                port: Some(0),
            },
            info: self.info,
        }
    }

    /// The placeholder console libvirt keeps at index 0 when console 0 mirrors serial 0;
    /// it is never printed itself (see [`Chr::serial_as_console`]).
    pub fn console_stub() -> Chr {
        Chr {
            source: ChrSource::new(ChrType::Null),
            target: ChrTarget::Console {
                target_type: ConsoleTargetType::Serial,
                port: None,
            },
            info: DeviceInfo::default(),
        }
    }

    /// Reads a `<serial>`, `<parallel>`, `<console>` or `<channel>` element.
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Chr> {
        let ty = match el.attr("type") {
            None => ChrType::Pty,
            Some(t) => ChrType::from_xml(t).ok_or_else(|| {
                unsupported(format!(
                    "unknown type presented to host for character device: {t}"
                ))
            })?,
        };
        let kind = ChrKind::from_xml(&el.name)
            .ok_or_else(|| unsupported(format!("unknown character device type: {}", el.name)))?;
        let target = match el.child("target") {
            Some(t) => parse_target(kind, t, ctx)?,
            None => match kind {
                ChrKind::Channel => {
                    return Err(xml_error(
                        "target type must be specified for channel device",
                    ))
                }
                ChrKind::Serial => ChrTarget::Serial {
                    target_type: None,
                    model: None,
                    port: None,
                },
                ChrKind::Parallel => ChrTarget::Parallel { port: None },
                ChrKind::Console => ChrTarget::Console {
                    target_type: ConsoleTargetType::None,
                    port: None,
                },
            },
        };
        let source = ChrSource::parse(ty, el, ctx, true)?;
        if ty == ChrType::Spicevmc && !spicevmc_target_allowed(&target) {
            return Err(unsupported("spicevmc device type only supports virtio"));
        }
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        let chr = Chr {
            source,
            target,
            info,
        };
        if chr.serial_target_type() == Some(SerialTargetType::UsbSerial)
            && !matches!(chr.info.address, None | Some(Address::Usb { .. }))
        {
            return Err(unsupported("usb-serial requires address of usb type"));
        }
        Ok(chr)
    }

    /// Formats the device element.
    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new(self.kind().as_xml()).attr("type", self.source.chr_type());
        if let (ChrTarget::Console { port: Some(0), .. }, ChrSourceData::Pty { path: Some(p) }) =
            (&self.target, &self.source.data)
        {
            if !ctx.inactive {
                o.set("tty", p);
            }
        }
        self.source.format_into(&mut o, ctx);
        o.push(self.format_target(ctx));
        self.info.format_into(&mut o, ctx);
        o
    }

    fn format_target(&self, ctx: &FormatCtx) -> Out {
        let port = |p: &Option<i32>| p.unwrap_or(-1);
        match &self.target {
            ChrTarget::Channel(c) => match c {
                ChannelTarget::None => Out::new("target").attr("type", "none"),
                ChannelTarget::Guestfwd { address, port } => Out::new("target")
                    .attr("type", "guestfwd")
                    .attr("address", address)
                    .attr("port", port),
                ChannelTarget::Virtio { name, state } => {
                    let mut o = Out::new("target")
                        .attr("type", "virtio")
                        .attr_opt("name", name.as_ref());
                    // libvirt tests a parse flag here whose bit is the format "secure"
                    // flag, so the state disappears from secure output.
                    if !ctx.secure {
                        o.set_opt("state", state.as_ref());
                    }
                    o
                }
                ChannelTarget::Xen { name } => Out::new("target")
                    .attr("type", "xen")
                    .attr_opt("name", name.as_ref()),
            },
            ChrTarget::Console {
                target_type,
                port: p,
            } => Out::new("target")
                .attr("type", target_type)
                .attr("port", port(p)),
            ChrTarget::Serial {
                target_type,
                model,
                port: p,
            } => {
                let mut o = Out::new("target")
                    .attr_opt("type", target_type.as_ref())
                    .attr("port", port(p));
                if let Some(m) = model {
                    o.push(Out::new("model").attr("name", m));
                }
                o
            }
            ChrTarget::Parallel { port: p } => Out::new("target").attr("port", port(p)),
        }
    }

    /// Per-device post-parse defaults: a console of target type none becomes a serial
    /// console, and `isa-debug` serial ports exist only on x86. Port numbering needs the
    /// siblings and is done by [`post_parse_family`], which also calls this.
    pub fn post_parse(&mut self, env: &DomainEnv) -> Result<()> {
        match &mut self.target {
            ChrTarget::Console { target_type, .. } if *target_type == ConsoleTargetType::None => {
                *target_type = ConsoleTargetType::Serial;
            }
            ChrTarget::Serial {
                target_type: Some(SerialTargetType::IsaDebug),
                ..
            } if !env.is_x86() => {
                return Err(unsupported(
                    "isa-debug serial type only valid on x86 architecture",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Define-time checks of the source (libvirt's `virDomainChrDefValidate`).
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        let unix_path_optional = matches!(
            self.target,
            ChrTarget::Channel(ChannelTarget::Virtio { .. } | ChannelTarget::Xen { .. })
        );
        self.source.validate(unix_path_optional)
    }
}

/// libvirt compares the numeric target type with the one of a virtio channel whatever the
/// device kind, so a usb-serial port and a xen console also pass.
fn spicevmc_target_allowed(t: &ChrTarget) -> bool {
    matches!(
        t,
        ChrTarget::Channel(ChannelTarget::Virtio { .. })
            | ChrTarget::Serial {
                target_type: Some(SerialTargetType::UsbSerial),
                ..
            }
            | ChrTarget::Console {
                target_type: ConsoleTargetType::Xen,
                ..
            }
    )
}

fn parse_target(kind: ChrKind, t: &Element, ctx: &ParseCtx) -> Result<ChrTarget> {
    let ty = t.attr("type");
    let bad_type = || {
        unsupported(format!(
            "unknown target type '{}' specified for character device",
            ty.unwrap_or("(null)")
        ))
    };
    let model_name = t
        .child("model")
        .and_then(|m| m.attr("name"))
        .filter(|m| !m.is_empty());
    let port = || -> Result<Option<i32>> {
        match t.attr("port") {
            None => Ok(None),
            Some(p) => {
                let n = num::to_ui(p, 10)
                    .ok_or_else(|| xml_error(format!("Invalid port number: {p}")))?
                    as i32;
                Ok((n != -1).then_some(n))
            }
        }
    };
    Ok(match kind {
        ChrKind::Serial => {
            let target_type = match ty {
                None | Some("none") => None,
                Some(v) => Some(SerialTargetType::from_xml(v).ok_or_else(bad_type)?),
            };
            let model = match model_name {
                None | Some("none") => None,
                Some(m) => Some(SerialTargetModel::from_xml(m).ok_or_else(|| {
                    unsupported(format!(
                        "unknown target model '{m}' specified for character device"
                    ))
                })?),
            };
            ChrTarget::Serial {
                target_type,
                model,
                port: port()?,
            }
        }
        ChrKind::Parallel => ChrTarget::Parallel { port: port()? },
        ChrKind::Console => {
            let target_type = match ty {
                None => ConsoleTargetType::None,
                Some(v) => ConsoleTargetType::from_xml(v).ok_or_else(bad_type)?,
            };
            ChrTarget::Console {
                target_type,
                port: port()?,
            }
        }
        ChrKind::Channel => match ty {
            Some("none") => ChrTarget::Channel(ChannelTarget::None),
            Some("guestfwd") => {
                let addr = t.attr("address").ok_or_else(|| {
                    xml_error("guestfwd channel does not define a target address")
                })?;
                let address = parse_ipv4(addr)?;
                let port = num::req_uint_attr(t, "port", 10)?;
                ChrTarget::Channel(ChannelTarget::Guestfwd {
                    address,
                    // libvirt stores the port in the socket address, 16 bits wide.
                    port: port as u16,
                })
            }
            Some("virtio") => {
                let state = if ctx.inactive {
                    None
                } else {
                    t.enum_attr::<ChrDeviceState>("state")?
                };
                ChrTarget::Channel(ChannelTarget::Virtio {
                    name: t.string_attr("name"),
                    state,
                })
            }
            Some("xen") => ChrTarget::Channel(ChannelTarget::Xen {
                name: t.string_attr("name"),
            }),
            _ => return Err(bad_type()),
        },
    })
}

/// A guestfwd address as the resolver libvirt calls reads a numeric host: IPv4 in any
/// `inet_aton` form (`1.2.3` is `1.2.0.3`, parts may be octal or hex); IPv6 is recognised
/// only to be refused.
fn parse_ipv4(s: &str) -> Result<Ipv4Addr> {
    if let Some(a) = inet_aton(s) {
        return Ok(a);
    }
    if s.split('%')
        .next()
        .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok())
    {
        return Err(unsupported("guestfwd channel only supports IPv4 addresses"));
    }
    Err(Error::new(
        ErrorDomain::DOMAIN,
        ErrorCode::SYSTEM_ERROR,
        Some(format!(
            "Cannot parse socket address '{s}': Name or service not known"
        )),
    ))
}

fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        if p.is_empty() || !p.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        nums.push(num::to_ullp(p, 0)?);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|n| *n > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 64 && *last >= (1u64 << rest_bits) {
        return None;
    }
    let mut v: u32 = 0;
    for (i, n) in head.iter().enumerate() {
        v |= (*n as u32) << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(v | *last as u32))
}

/// Numbering libvirt's domain parser does while reading: a parallel port without a port
/// gets one more than the highest among the ports before it, and console ports are their
/// position (whatever the XML said).
pub fn number_ports_after_parse(parallels: &mut [Chr], consoles: &mut [Chr]) {
    for i in 0..parallels.len() {
        if parallels[i].port().is_none() {
            let max = parallels[..i]
                .iter()
                .filter_map(Chr::port)
                .max()
                .unwrap_or(-1);
            parallels[i].set_port(Some(max + 1));
        }
    }
    for (i, c) in consoles.iter_mut().enumerate() {
        c.set_port(Some(i as i32));
    }
}

/// Maximum number of ISA serial ports a PC has.
const MAX_ISA_SERIAL_PORTS: i32 = 4;

/// The domain-level ISA serial step, run before device post-parse: at most four ISA
/// serial ports, no port used twice, and unnumbered ones get the lowest free port.
pub fn isa_serial_post_parse(serials: &mut [Chr]) -> Result<()> {
    let mut used = [false; MAX_ISA_SERIAL_PORTS as usize];
    let mut count = 0;
    for s in serials.iter() {
        if s.serial_target_type() != Some(SerialTargetType::IsaSerial) {
            continue;
        }
        let port = s.port();
        if count >= MAX_ISA_SERIAL_PORTS || port.is_some_and(|p| p >= MAX_ISA_SERIAL_PORTS) {
            return Err(internal(format!(
                "Maximum supported number of ISA serial ports is '{MAX_ISA_SERIAL_PORTS}'"
            )));
        }
        count += 1;
        if let Some(p) = port.filter(|p| *p >= 0) {
            if used[p as usize] {
                return Err(internal(format!("target port '{p}' already allocated")));
            }
            used[p as usize] = true;
        }
    }
    for s in serials.iter_mut() {
        if s.serial_target_type() != Some(SerialTargetType::IsaSerial) || s.port().is_some() {
            continue;
        }
        if let Some(free) = used.iter().position(|u| !u) {
            used[free] = true;
            s.set_port(Some(free as i32));
        }
    }
    Ok(())
}

/// Device post-parse of every device of one kind, in order: [`Chr::post_parse`], then an
/// unnumbered serial, parallel or console port gets one more than the highest port of
/// the whole family.
pub fn post_parse_family(devices: &mut [Chr], env: &DomainEnv) -> Result<()> {
    for i in 0..devices.len() {
        devices[i].post_parse(env)?;
        if devices[i].kind() != ChrKind::Channel && devices[i].port().is_none() {
            let max = devices.iter().filter_map(Chr::port).max().unwrap_or(-1);
            devices[i].set_port(Some(max + 1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    const INACTIVE: ParseCtx = ParseCtx { inactive: true };

    fn parse(xml: &str) -> Result<Chr> {
        let el = parse_document(xml, "t").expect("well-formed");
        Chr::parse(&el, &INACTIVE)
    }

    fn render(c: &Chr) -> String {
        c.format(&FormatCtx {
            inactive: true,
            ..Default::default()
        })
        .render(0)
    }

    fn err(xml: &str) -> String {
        parse(xml).expect_err("should fail").message
    }

    fn env(arch: &str) -> DomainEnv {
        DomainEnv {
            arch: arch.into(),
            os_type: "hvm".into(),
            ..Default::default()
        }
    }

    #[test]
    fn console_parse_and_format() {
        let c =
            parse("<console type='pty'><target type='virtio' port='1'/></console>").expect("ok");
        assert_eq!(c.kind(), ChrKind::Console);
        assert_eq!(
            render(&c),
            "<console type='pty'>\n  <target type='virtio' port='1'/>\n</console>\n"
        );
        let mut c = parse("<console/>").expect("ok");
        assert_eq!(c.console_target_type(), Some(ConsoleTargetType::None));
        c.post_parse(&env("x86_64")).expect("ok");
        assert_eq!(c.console_target_type(), Some(ConsoleTargetType::Serial));
        let mut consoles = vec![c];
        number_ports_after_parse(&mut [], &mut consoles);
        assert_eq!(
            render(&consoles[0]),
            "<console type='pty'>\n  <target type='serial' port='0'/>\n</console>\n"
        );
    }

    #[test]
    fn console_tty_only_live() {
        let el = parse_document(
            "<console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/><target type='serial' port='0'/></console>",
            "t",
        )
        .expect("xml");
        let c = Chr::parse(&el, &ParseCtx { inactive: false }).expect("ok");
        assert_eq!(
            c.format(&FormatCtx::default()).render(0),
            "<console type='pty' tty='/dev/pts/3'>\n  <source path='/dev/pts/3'/>\n  <target type='serial' port='0'/>\n</console>\n"
        );
        assert_eq!(
            render(&c),
            "<console type='pty'>\n  <target type='serial' port='0'/>\n</console>\n"
        );
    }

    #[test]
    fn serial_target_forms() {
        let c = parse("<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>").expect("ok");
        assert_eq!(
            render(&c),
            "<serial type='pty'>\n  <target type='isa-serial' port='0'>\n    <model name='isa-serial'/>\n  </target>\n</serial>\n"
        );
        let c =
            parse("<serial><target type='none' port='-2'><model name='none'/></target></serial>")
                .expect("ok");
        assert_eq!(
            render(&c),
            "<serial type='pty'>\n  <target port='-2'/>\n</serial>\n"
        );
    }

    #[test]
    fn serial_and_console_compat_accessors() {
        let s = parse("<serial type='file'><source path='/a'/><target port='0'/><alias name='ua-s'/></serial>").expect("ok");
        let c = parse("<console type='file'><source path='/a'/><target type='serial'/></console>")
            .expect("ok");
        assert!(s.source_equals(&c));
        let shown = s.serial_as_console();
        assert_eq!(
            render(&shown),
            "<console type='file'>\n  <source path='/a'/>\n  <target type='serial' port='0'/>\n  <alias name='ua-s'/>\n</console>\n"
        );
        let other = parse("<console type='file'><source path='/b'/></console>").expect("ok");
        assert!(!s.source_equals(&other));
        assert!(s.backs_serial_console());
        let usb = parse("<serial><target type='usb-serial'/></serial>").expect("ok");
        assert!(!usb.backs_serial_console());
        let moved = other.console_into_serial();
        assert_eq!(
            render(&moved),
            "<serial type='file'>\n  <source path='/b'/>\n  <target port='0'/>\n</serial>\n"
        );
        assert_eq!(
            Chr::console_stub().console_target_type(),
            Some(ConsoleTargetType::Serial)
        );
    }

    #[test]
    fn channel_targets() {
        let c = parse(
            "<channel type='pty'><target type='guestfwd' address='1.2.3' port='70000'/></channel>",
        )
        .expect("ok");
        assert_eq!(
            render(&c),
            "<channel type='pty'>\n  <target type='guestfwd' address='1.2.0.3' port='4464'/>\n</channel>\n"
        );
        let c = parse(
            "<channel type='unix'><target type='virtio' name='n' state='connected'/></channel>",
        )
        .expect("ok");
        assert_eq!(
            render(&c),
            "<channel type='unix'>\n  <target type='virtio' name='n'/>\n</channel>\n"
        );
        let el = parse_document(
            "<channel type='unix'><target type='virtio' name='n' state='connected'/></channel>",
            "t",
        )
        .expect("xml");
        let live = Chr::parse(&el, &ParseCtx { inactive: false }).expect("ok");
        assert!(live
            .format(&FormatCtx::default())
            .render(0)
            .contains("state='connected'"));
        assert_eq!(inet_aton("010.0.0.1"), Some(Ipv4Addr::new(8, 0, 0, 1)));
        assert_eq!(inet_aton("0x7f.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("1.2.3.256"), None);
    }

    #[test]
    fn parse_errors_match_libvirt() {
        assert_eq!(
            err("<serial type='bogus'/>"),
            "unsupported configuration: unknown type presented to host for character device: bogus"
        );
        assert_eq!(
            err("<serial><target port='x'/></serial>"),
            "XML error: Invalid port number: x"
        );
        assert_eq!(
            err("<serial><target port='0x3'/></serial>"),
            "XML error: Invalid port number: 0x3"
        );
        assert_eq!(
            err("<serial><target type='bogus'/></serial>"),
            "unsupported configuration: unknown target type 'bogus' specified for character device"
        );
        assert_eq!(
            err("<serial><target><model name='bogus'/></target></serial>"),
            "unsupported configuration: unknown target model 'bogus' specified for character device"
        );
        assert_eq!(
            err("<channel type='pty'/>"),
            "XML error: target type must be specified for channel device"
        );
        assert_eq!(
            err("<channel type='pty'><target/></channel>"),
            "unsupported configuration: unknown target type '(null)' specified for character device"
        );
        assert_eq!(
            err("<channel type='pty'><target type='guestfwd' port='1'/></channel>"),
            "XML error: guestfwd channel does not define a target address"
        );
        assert_eq!(
            err("<channel type='pty'><target type='guestfwd' address='::1' port='1'/></channel>"),
            "unsupported configuration: guestfwd channel only supports IPv4 addresses"
        );
        assert_eq!(
            err("<channel type='pty'><target type='guestfwd' address='foo' port='1'/></channel>"),
            "Cannot parse socket address 'foo': Name or service not known"
        );
        assert_eq!(
            err("<channel type='pty'><target type='guestfwd' address='1.2.3.4'/></channel>"),
            "XML error: Missing required attribute 'port' in element 'target'"
        );
        assert_eq!(
            err("<channel type='spicevmc'><target type='guestfwd' address='1.2.3.4' port='5'/></channel>"),
            "unsupported configuration: spicevmc device type only supports virtio"
        );
        assert!(parse("<serial type='spicevmc'><target type='usb-serial'/></serial>").is_ok());
        assert_eq!(
            err("<serial type='pty'><target type='usb-serial'/><address type='pci'/></serial>"),
            "unsupported configuration: usb-serial requires address of usb type"
        );
    }

    #[test]
    fn port_numbering() {
        let mut serials: Vec<Chr> = [
            "<serial type='pty'/>",
            "<serial type='pty'><target port='5'/></serial>",
            "<serial type='pty'><target port='-1'/></serial>",
        ]
        .iter()
        .map(|x| parse(x).expect("ok"))
        .collect();
        post_parse_family(&mut serials, &env("x86_64")).expect("ok");
        let ports: Vec<_> = serials.iter().map(Chr::port).collect();
        assert_eq!(ports, vec![Some(6), Some(5), Some(7)]);

        let mut parallels: Vec<Chr> = [
            "<parallel/>",
            "<parallel><target port='5'/></parallel>",
            "<parallel/>",
        ]
        .iter()
        .map(|x| parse(x).expect("ok"))
        .collect();
        number_ports_after_parse(&mut parallels, &mut []);
        let ports: Vec<_> = parallels.iter().map(Chr::port).collect();
        assert_eq!(ports, vec![Some(0), Some(5), Some(6)]);
    }

    #[test]
    fn isa_serial_rules() {
        let mk = |ports: &[Option<i32>]| -> Vec<Chr> {
            ports
                .iter()
                .map(|p| Chr {
                    source: ChrSource::new(ChrType::Pty),
                    target: ChrTarget::Serial {
                        target_type: Some(SerialTargetType::IsaSerial),
                        model: None,
                        port: *p,
                    },
                    info: DeviceInfo::default(),
                })
                .collect()
        };
        let mut s = mk(&[None, Some(0)]);
        isa_serial_post_parse(&mut s).expect("ok");
        assert_eq!(s[0].port(), Some(1));
        let mut s = mk(&[Some(4)]);
        assert_eq!(
            isa_serial_post_parse(&mut s).expect_err("max").message,
            "internal error: Maximum supported number of ISA serial ports is '4'"
        );
        let mut s = mk(&[None, None, None, None, None]);
        assert!(isa_serial_post_parse(&mut s).is_err());
        let mut s = mk(&[Some(1), Some(1)]);
        assert_eq!(
            isa_serial_post_parse(&mut s).expect_err("dup").message,
            "internal error: target port '1' already allocated"
        );
        let mut d = vec![parse("<serial><target type='isa-debug'/></serial>").expect("ok")];
        assert_eq!(
            post_parse_family(&mut d, &env("aarch64"))
                .expect_err("arch")
                .message,
            "unsupported configuration: isa-debug serial type only valid on x86 architecture"
        );
    }

    #[test]
    fn validation_allows_generated_channel_paths() {
        let c =
            parse("<channel type='unix'><target type='virtio' name='a'/></channel>").expect("ok");
        assert!(c.validate(&env("x86_64")).is_ok());
        let s = parse("<serial type='unix'/>").expect("ok");
        assert_eq!(
            s.validate(&env("x86_64")).expect_err("path").message,
            "internal error: Missing source path attribute for char device"
        );
    }
}
