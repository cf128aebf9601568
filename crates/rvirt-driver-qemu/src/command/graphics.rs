//! Remote and local displays: `-vnc`, `-spice`, `-display sdl`, `-display egl-headless`.
//!
//! Ports picked at start for `autoport` come from the runtime; listen addresses missing in
//! the definition come from qemu.conf (`vnc_listen`, `spice_listen`). Passwords are never
//! put on the command line: libvirt sets them over QMP, QEMU only learns that one is needed.

use super::json::escape_comma;
use super::{internal, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::graphics::{
    ChannelMode, GraphicsKind, GraphicsListen, ListenType, MouseMode, SPICE_CHANNELS,
};
use rvirt_xml::domain::devices::Graphics;
use rvirt_xml::XmlEnum;

/// libvirt allows one display of each kind.
pub fn validate(c: &Cmd) -> Result<()> {
    let count = |name: &str| {
        c.def
            .devices
            .graphics
            .iter()
            .filter(|g| g.type_name() == name)
            .count()
    };
    if ["sdl", "vnc", "spice", "egl-headless"]
        .iter()
        .any(|n| count(n) > 1)
    {
        return Err(unsupported(
            "only 1 graphics device of each type (sdl, vnc, spice, headless) is supported",
        ));
    }
    Ok(())
}

fn first_listen(g: &Graphics) -> Result<&GraphicsListen> {
    g.listens
        .first()
        .ok_or_else(|| internal("missing listen element"))
}

/// `audioN` of the audio backend `id` (the first one when the display names none).
pub fn audio_id(c: &Cmd, id: Option<u32>) -> Result<String> {
    let audios = &c.def.devices.audios;
    let a = match id.filter(|i| *i != 0) {
        Some(i) => audios.iter().find(|a| a.id == i),
        None => audios.first(),
    };
    a.map(|a| format!("audio{}", a.id))
        .ok_or_else(|| internal("unable to find audio backend for sound device"))
}

fn vnc(
    c: &mut Cmd,
    g: &Graphics,
    i: usize,
    v: &rvirt_xml::domain::devices::graphics::Vnc,
) -> Result<()> {
    let listen = first_listen(g)?;
    let ports = c.rt.graphics.get(i).copied().unwrap_or_default();
    let mut o = String::new();
    match listen.kind {
        ListenType::Socket => {
            o.push_str("vnc=unix:");
            o.push_str(&escape_comma(listen.socket.as_deref().unwrap_or("")));
        }
        ListenType::Address | ListenType::Network => {
            let port = ports.port.unwrap_or(v.port);
            if !v.autoport && !(5900..=65535).contains(&port) {
                return Err(unsupported("vnc port must be in range [5900,65535]"));
            }
            let addr = listen
                .address
                .clone()
                .unwrap_or_else(|| c.rt.conf.vnc_listen.clone());
            if addr.contains(':') {
                o.push_str(&format!("[{addr}]"));
            } else {
                o.push_str(&addr);
            }
            o.push_str(&format!(":{}", port - 5900));
            let ws = ports.websocket.unwrap_or(v.websocket);
            if ws > 0 {
                o.push_str(&format!(",websocket={ws}"));
            }
        }
        ListenType::None => o.push_str("none"),
    }
    if let Some(sp) = v.share_policy {
        o.push_str(&format!(",share={}", sp.as_xml()));
    }
    if v.auth.passwd.is_some() {
        o.push_str(",password=on");
    }
    if let Some(pc) = v.power_control {
        o.push_str(if pc {
            ",power-control=on"
        } else {
            ",power-control=off"
        });
    }
    o.push_str(&format!(",audiodev={}", audio_id(c, v.audio_id)?));
    c.pair("-vnc", o);
    if let Some(k) = &v.keymap {
        c.pair("-k", k.clone());
    }
    Ok(())
}

fn spice(
    c: &mut Cmd,
    g: &Graphics,
    i: usize,
    s: &rvirt_xml::domain::devices::graphics::Spice,
) -> Result<()> {
    let listen = first_listen(g)?;
    let ports = c.rt.graphics.get(i).copied().unwrap_or_default();
    let mut o = String::new();
    let (mut secure, mut insecure) = (false, false);
    match listen.kind {
        ListenType::Socket => {
            o.push_str(&format!(
                "unix,addr={},",
                escape_comma(listen.socket.as_deref().unwrap_or(""))
            ));
            insecure = true;
        }
        ListenType::Address | ListenType::Network => {
            let port = ports.port.unwrap_or(s.port);
            let tls = ports.tls_port.unwrap_or(s.tls_port);
            if port > 0 {
                o.push_str(&format!("port={port},"));
                insecure = true;
            }
            if tls > 0 {
                o.push_str(&format!("tls-port={tls},"));
                secure = true;
            }
            if port > 0 || tls > 0 {
                let addr = listen
                    .address
                    .clone()
                    .unwrap_or_else(|| c.rt.conf.spice_listen.clone());
                o.push_str(&format!("addr={addr},"));
            }
        }
        ListenType::None => {
            o.push_str("port=0,");
            insecure = true;
        }
    }
    match s.mouse {
        Some(MouseMode::Server) => o.push_str("agent-mouse=off,"),
        Some(MouseMode::Client) => o.push_str("agent-mouse=on,"),
        None => {}
    }
    if s.auth.passwd.is_none() {
        o.push_str("disable-ticketing=on,");
    }
    if secure {
        return Err(unsupported(
            "SPICE over TLS is not supported by rvirt's QEMU driver yet",
        ));
    }
    match s.default_mode {
        Some(ChannelMode::Secure) => {
            return Err(unsupported(
                "spice defaultMode secure requested in XML configuration, but TLS connection is not available",
            ))
        }
        Some(ChannelMode::Insecure) => {
            if !insecure {
                return Err(unsupported("spice defaultMode insecure requested in XML configuration, but plaintext connection is not available"));
            }
            o.push_str("plaintext-channel=default,");
        }
        _ => {}
    }
    for (name, mode) in SPICE_CHANNELS.iter().zip(s.channels.iter()) {
        match mode {
            Some(ChannelMode::Secure) => {
                return Err(unsupported("spice secure channels set in XML configuration, but TLS connection is not available"))
            }
            Some(ChannelMode::Insecure) => {
                o.push_str(&format!("plaintext-channel={},", name.as_xml()));
            }
            _ => {}
        }
    }
    if let Some(v) = s.image {
        o.push_str(&format!("image-compression={},", v.as_xml()));
    }
    if let Some(v) = s.jpeg {
        o.push_str(&format!("jpeg-wan-compression={},", v.as_xml()));
    }
    if let Some(v) = s.zlib {
        o.push_str(&format!("zlib-glz-wan-compression={},", v.as_xml()));
    }
    if let Some(v) = s.playback {
        o.push_str(if v {
            "playback-compression=on,"
        } else {
            "playback-compression=off,"
        });
    }
    if let Some(v) = s.streaming {
        o.push_str(&format!("streaming-video={},", v.as_xml()));
    }
    if s.copypaste == Some(false) {
        o.push_str("disable-copy-paste=on,");
    }
    if s.filetransfer == Some(false) {
        o.push_str("disable-agent-file-xfer=on,");
    }
    if s.gl == Some(true) {
        o.push_str("gl=on,");
        if let Some(r) = &s.rendernode {
            o.push_str(&format!("rendernode={},", escape_comma(r)));
        }
    }
    o.push_str("seamless-migration=on");
    c.pair("-spice", o);
    if let Some(k) = &s.keymap {
        c.pair("-k", k.clone());
    }
    Ok(())
}

/// Every display, in definition order.
pub fn graphics(c: &mut Cmd) -> Result<()> {
    for (i, g) in c.def.devices.graphics.iter().enumerate() {
        match &g.kind {
            GraphicsKind::Vnc(v) => vnc(c, g, i, v)?,
            GraphicsKind::Spice(s) => spice(c, g, i, s)?,
            GraphicsKind::Sdl { fullscreen, gl, .. } => {
                if *fullscreen {
                    c.arg("-full-screen");
                }
                let mut o = "sdl".to_string();
                if let Some(gl) = gl {
                    o.push_str(if *gl { ",gl=on" } else { ",gl=off" });
                }
                c.pair("-display", o);
            }
            GraphicsKind::EglHeadless { rendernode } => {
                let mut o = "egl-headless".to_string();
                if let Some(r) = rendernode {
                    o.push_str(&format!(",rendernode={}", escape_comma(r)));
                }
                c.pair("-display", o);
            }
            other => {
                return Err(unsupported(format!(
                    "unsupported graphics type '{}'",
                    match other {
                        GraphicsKind::Rdp { .. } => "rdp",
                        GraphicsKind::Desktop { .. } => "desktop",
                        _ => "dbus",
                    }
                )))
            }
        }
    }
    Ok(())
}
