//! Character devices: the `-chardev` backends (in QEMU's `key=value` syntax, not JSON),
//! the QMP monitor, and the serial ports, parallel ports, channels and consoles using them.
//!
//! Listening UNIX sockets are created by the driver and handed over as descriptors, so
//! QEMU never needs write access to the socket directory; files are opened by the driver
//! too (truncated unless `append='on'`) and passed in a descriptor set, which QEMU then
//! always opens for appending.

use super::json::{escape_comma, Props};
use super::{address, alias, unsupported, Cmd, FdNeed};
use rvirt_core::Result;
use rvirt_xml::domain::devices::chr::{
    ChannelTarget, ChrTarget, ConsoleTargetType, SerialTargetModel,
};
use rvirt_xml::domain::devices::chr_source::{
    ChrSource, ChrSourceData, Reconnect, SourceMode, TcpProtocol,
};
use rvirt_xml::domain::devices::Chr;
use rvirt_xml::XmlEnum;

fn reconnect(s: &mut String, r: &Option<Reconnect>) {
    match r.and_then(|r| r.enabled.map(|e| (e, r.timeout))) {
        Some((true, t)) => s.push_str(&format!(",reconnect={t}")),
        Some((false, _)) => s.push_str(",reconnect=0"),
        None => {}
    }
}

/// The `-chardev` value of `src` for the device whose alias is `dev_alias`.
pub fn chardev(c: &mut Cmd, src: &ChrSource, dev_alias: &str) -> Result<String> {
    let id = format!("char{dev_alias}");
    let mut s = match &src.data {
        ChrSourceData::Null => format!("null,id={id}"),
        ChrSourceData::Vc => format!("vc,id={id}"),
        ChrSourceData::Pty { .. } => format!("pty,id={id}"),
        ChrSourceData::Stdio => format!("stdio,id={id}"),
        ChrSourceData::Dev { path } => format!(
            "{},id={id},path={}",
            if dev_alias.starts_with("parallel") {
                "parport"
            } else {
                "tty"
            },
            escape_comma(path.as_deref().unwrap_or(""))
        ),
        ChrSourceData::Pipe { path } => format!(
            "pipe,id={id},path={}",
            escape_comma(path.as_deref().unwrap_or(""))
        ),
        ChrSourceData::File { path, append } if c.rt.pretend => {
            let mut s = format!(
                "file,id={id},path={}",
                escape_comma(path.as_deref().unwrap_or(""))
            );
            if let Some(a) = append {
                s.push_str(if *a { ",append=on" } else { ",append=off" });
            }
            s
        }
        ChrSourceData::File { path, append } => {
            let path = path.clone().unwrap_or_default();
            let fd = c.fd(FdNeed::File {
                alias: id.clone(),
                path,
                append: *append == Some(true),
            })?;
            let set = c.add_fd(fd, &format!("{dev_alias}-source"));
            format!("file,id={id},path={set},append=on")
        }
        ChrSourceData::Udp {
            bind_host,
            bind_service,
            connect_host,
            connect_service,
        } => format!(
            "udp,id={id},host={},port={},localaddr={},localport={}",
            connect_host.as_deref().unwrap_or(""),
            connect_service.as_deref().unwrap_or(""),
            bind_host.as_deref().unwrap_or(""),
            bind_service.as_deref().unwrap_or("0"),
        ),
        ChrSourceData::Tcp {
            mode,
            host,
            service,
            tls,
            reconnect: r,
            protocol,
        } => {
            let mut s = format!(
                "socket,id={id},host={},port={}",
                host.as_deref().unwrap_or(""),
                service.as_deref().unwrap_or("")
            );
            if *protocol == TcpProtocol::Telnet {
                s.push_str(",telnet=on");
            }
            if *mode == SourceMode::Bind {
                s.push_str(",server=on,wait=off");
            }
            reconnect(&mut s, r);
            if *tls == Some(true) {
                return Err(unsupported(
                    "TLS chardevs are not supported by rvirt's QEMU driver yet",
                ));
            }
            s
        }
        ChrSourceData::Unix {
            mode,
            path,
            reconnect: r,
        } => {
            let path = path.clone().unwrap_or_default();
            let mut s = format!("socket,id={id}");
            if *mode == SourceMode::Bind && c.rt.pretend {
                s.push_str(&format!(",path={},server=on,wait=off", escape_comma(&path)));
            } else if *mode == SourceMode::Bind {
                let fd = c.fd(FdNeed::UnixListen {
                    alias: id.clone(),
                    path,
                })?;
                s.push_str(&format!(",fd={fd},server=on,wait=off"));
            } else {
                s.push_str(&format!(",path={}", escape_comma(&path)));
            }
            reconnect(&mut s, r);
            s
        }
        ChrSourceData::Spicevmc => format!("spicevmc,id={id},name=vdagent"),
        ChrSourceData::Spiceport { channel } => format!(
            "spiceport,id={id},name={}",
            channel.as_deref().unwrap_or("")
        ),
        ChrSourceData::QemuVdagent { clipboard, mouse } => {
            let mut s = format!("qemu-vdagent,id={id},name=vdagent");
            if let Some(cb) = clipboard {
                s.push_str(if *cb {
                    ",clipboard=on"
                } else {
                    ",clipboard=off"
                });
            }
            if let Some(m) = mouse {
                s.push_str(&format!(
                    ",mouse={}",
                    if m.as_xml() == "client" { "on" } else { "off" }
                ));
            }
            s
        }
        other => {
            return Err(unsupported(format!(
                "unsupported chardev '{}'",
                chr_type_name(other)
            )))
        }
    };
    if let (Some(log), true) = (&src.log_file, c.rt.pretend) {
        s.push_str(&format!(",logfile={}", escape_comma(log)));
        if let Some(a) = src.log_append {
            s.push_str(if a { ",logappend=on" } else { ",logappend=off" });
        }
    } else if let Some(log) = &src.log_file {
        let fd = c.fd(FdNeed::File {
            alias: format!("{id}-log"),
            path: log.clone(),
            append: src.log_append == Some(true),
        })?;
        let set = c.add_fd(fd, &format!("{dev_alias}-log"));
        s.push_str(&format!(",logfile={set},logappend=on"));
    }
    Ok(s)
}

fn chr_type_name(d: &ChrSourceData) -> &'static str {
    match d {
        ChrSourceData::Nmdm { .. } => "nmdm",
        ChrSourceData::Dbus { .. } => "dbus",
        _ => "unknown",
    }
}

/// The QMP monitor on the socket the driver listens on.
pub fn monitor(c: &mut Cmd) -> Result<()> {
    if c.rt.pretend {
        let path = escape_comma(&format!("{}/monitor.sock", c.rt.lib_dir));
        c.pair(
            "-chardev",
            format!("socket,id=charmonitor,path={path},server=on,wait=off"),
        );
    } else {
        let fd = c.fd(FdNeed::Monitor)?;
        c.pair(
            "-chardev",
            format!("socket,id=charmonitor,fd={fd},server=on,wait=off"),
        );
    }
    c.pair("-mon", "chardev=charmonitor,id=monitor,mode=control");
    Ok(())
}

fn has_spice(c: &Cmd) -> bool {
    c.def
        .devices
        .graphics
        .iter()
        .any(|g| g.type_name() == "spice")
}

/// Serial ports: chardev, then the device (`isa-serial` with its index, `usb-serial`,
/// `pci-serial` with a bus address).
pub fn serials(c: &mut Cmd) -> Result<()> {
    let spice = has_spice(c);
    for s in &c.def.devices.serials {
        if matches!(s.source.data, ChrSourceData::Spiceport { .. }) && !spice {
            continue;
        }
        let id = alias(&s.info, "serial")?;
        let dev = chardev(c, &s.source, id)?;
        c.pair("-chardev", dev);
        let ChrTarget::Serial { model, port, .. } = &s.target else {
            continue;
        };
        let model = model.ok_or_else(|| {
            unsupported("serial devices without a target model are not supported")
        })?;
        let driver = match model {
            SerialTargetModel::IsaSerial
            | SerialTargetModel::UsbSerial
            | SerialTargetModel::PciSerial => model.as_xml(),
            SerialTargetModel::IsaDebugcon => "isa-debugcon",
            other => {
                return Err(unsupported(format!(
                    "'{}' is not supported in this QEMU binary",
                    other.as_xml()
                )))
            }
        };
        let mut p = Props::new();
        p.str("driver", driver)
            .str("chardev", &format!("char{id}"))
            .str("id", id);
        if model == SerialTargetModel::IsaSerial {
            p.num("index", port.unwrap_or(0).max(0));
        }
        address::add(&mut p, c.def, &s.info, None)?;
        c.device(&p);
    }
    Ok(())
}

/// Parallel ports (`isa-parallel`).
pub fn parallels(c: &mut Cmd) -> Result<()> {
    for par in &c.def.devices.parallels {
        let id = alias(&par.info, "parallel")?;
        let dev = chardev(c, &par.source, id)?;
        c.pair("-chardev", dev);
        let mut p = Props::new();
        p.str("driver", "isa-parallel")
            .str("chardev", &format!("char{id}"))
            .str("id", id);
        c.device(&p);
    }
    Ok(())
}

/// A port on a virtio-serial bus (`virtserialport` for channels, `virtconsole`).
fn virtio_port(c: &Cmd, chr: &Chr, driver: &str, name: Option<&str>) -> Result<Props> {
    let id = alias(&chr.info, "channel")?;
    let mut p = Props::new();
    p.str("driver", driver);
    address::add(&mut p, c.def, &chr.info, None)?;
    p.str("chardev", &format!("char{id}"))
        .str("id", id)
        .opt_str("name", name);
    Ok(p)
}

/// Channels: chardev, then a virtio-serial port, or a user-network forwarding.
pub fn channels(c: &mut Cmd) -> Result<()> {
    for ch in &c.def.devices.channels {
        let id = alias(&ch.info, "channel")?;
        let dev = chardev(c, &ch.source, id)?;
        c.pair("-chardev", dev);
        match &ch.target {
            ChrTarget::Channel(ChannelTarget::Guestfwd { address, port }) => {
                let mut entry = Props::new();
                entry.str("str", &format!("tcp:{address}:{port}-chardev:char{id}"));
                let mut p = Props::new();
                p.str("type", "user");
                p.raw_array("guestfwd", &[entry.text()]).str("id", id);
                c.pair("-netdev", p.text());
            }
            ChrTarget::Channel(ChannelTarget::Virtio { name, .. }) => {
                let spice = matches!(ch.source.data, ChrSourceData::Spicevmc);
                if spice && name.as_deref().is_some_and(|n| n != "com.redhat.spice.0") {
                    return Err(unsupported(format!(
                        "Unsupported spicevmc target name '{}'",
                        name.as_deref().unwrap_or("")
                    )));
                }
                let name = name.as_deref().or(spice.then_some("com.redhat.spice.0"));
                let p = virtio_port(c, ch, "virtserialport", name)?;
                c.device(&p);
            }
            _ => return Err(unsupported("unsupported channel target type")),
        }
    }
    Ok(())
}

/// Consoles: virtio consoles get a port; serial consoles are the serial port itself.
pub fn consoles(c: &mut Cmd) -> Result<()> {
    for con in &c.def.devices.consoles {
        let ChrTarget::Console { target_type, .. } = &con.target else {
            continue;
        };
        match target_type {
            ConsoleTargetType::Serial => {}
            ConsoleTargetType::Virtio => {
                let id = alias(&con.info, "console")?;
                let dev = chardev(c, &con.source, id)?;
                c.pair("-chardev", dev);
                let p = virtio_port(c, con, "virtconsole", None)?;
                c.device(&p);
            }
            other => {
                return Err(unsupported(format!(
                    "unsupported console target type {}",
                    other.as_xml()
                )))
            }
        }
    }
    Ok(())
}
