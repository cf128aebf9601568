//! Audio backends (`-audiodev`, one per `<audio>`) and sound cards. HDA controllers get
//! their codecs as separate devices on the controller's bus; the other cards take the
//! audio backend themselves.

use super::graphics::audio_id;
use super::json::Props;
use super::{address, alias, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::sound::{AudioIo, AudioType, SoundCodec, SoundModel};

fn io_props(kind: AudioType, io: &AudioIo) -> Props {
    let mut p = Props::new();
    p.opt_bool("mixing-engine", io.mixing_engine)
        .opt_bool("fixed-settings", io.fixed_settings)
        .opt_num("voices", io.voices)
        .opt_num("buffer-length", io.buffer_length);
    if io.fixed_settings == Some(true) {
        p.opt_num("frequency", io.settings.frequency)
            .opt_num("channels", io.settings.channels)
            .opt_str(
                "format",
                io.settings.format.map(|f| rvirt_xml::XmlEnum::as_xml(&f)),
            );
    }
    let b = &io.backend;
    match kind {
        AudioType::Alsa => {
            p.opt_str("dev", b.dev.as_deref());
        }
        AudioType::Oss => {
            p.opt_str("dev", b.dev.as_deref())
                .opt_num("buffer-count", b.buffer_count)
                .opt_bool("try-poll", b.try_poll);
        }
        AudioType::CoreAudio | AudioType::Sdl => {
            p.opt_num("buffer-count", b.buffer_count);
        }
        AudioType::Jack => {
            p.opt_str("server-name", b.server_name.as_deref())
                .opt_str("client-name", b.client_name.as_deref())
                .opt_str("connect-ports", b.connect_ports.as_deref())
                .opt_bool("exact-name", b.exact_name);
        }
        AudioType::PulseAudio => {
            p.opt_str("name", b.name.as_deref())
                .opt_str("stream-name", b.stream_name.as_deref())
                .opt_num("latency", b.latency);
        }
        _ => {}
    }
    p
}

pub fn audiodevs(c: &mut Cmd) -> Result<()> {
    for a in &c.def.devices.audios {
        let driver = match a.kind {
            AudioType::None => "none",
            AudioType::Alsa => "alsa",
            AudioType::CoreAudio => "coreaudio",
            AudioType::Jack => "jack",
            AudioType::Oss => "oss",
            AudioType::PulseAudio => "pa",
            AudioType::Sdl => "sdl",
            AudioType::Spice => "spice",
            AudioType::File => "wav",
            AudioType::Dbus => "dbus",
        };
        let mut p = Props::new();
        p.str("id", &format!("audio{}", a.id))
            .str("driver", driver)
            .opt_num("timer-period", a.timer_period)
            .nonempty_obj("in", &io_props(a.kind, &a.input))
            .nonempty_obj("out", &io_props(a.kind, &a.output));
        match a.kind {
            AudioType::File => {
                p.opt_str("path", a.attrs.path.as_deref());
            }
            AudioType::PulseAudio => {
                p.opt_str("server", a.attrs.server_name.as_deref());
            }
            _ => {}
        }
        c.pair("-audiodev", p.text());
    }
    Ok(())
}

pub fn sounds(c: &mut Cmd) -> Result<()> {
    for s in &c.def.devices.sounds {
        let id = alias(&s.info, "sound")?;
        let (driver, codecs) = match s.model {
            SoundModel::Es1370 => ("ES1370", false),
            SoundModel::Ac97 => ("AC97", false),
            SoundModel::Ich6 => ("intel-hda", true),
            SoundModel::Ich9 => ("ich9-intel-hda", true),
            SoundModel::Usb => ("usb-audio", false),
            SoundModel::Sb16 => ("sb16", false),
            SoundModel::Pcspk => {
                // the PC speaker is not a -device; libvirt 9.0 still asks for it this way
                c.pair("-soundhw", "pcspk");
                continue;
            }
            SoundModel::Ich7 => {
                return Err(unsupported(format!(
                    "sound model '{}' is not supported by rvirt's QEMU driver yet",
                    rvirt_xml::XmlEnum::as_xml(&s.model)
                )))
            }
        };
        let audiodev = audio_id(c, s.audio_id)?;
        let mut p = Props::new();
        p.str("driver", driver).str("id", id);
        if !codecs {
            p.str("audiodev", &audiodev);
        }
        address::add(&mut p, c.def, &s.info, None)?;
        c.device(&p);
        if codecs {
            let list: Vec<SoundCodec> = if s.codecs.is_empty() {
                vec![SoundCodec::Duplex]
            } else {
                s.codecs.clone()
            };
            for (cad, codec) in list.iter().enumerate() {
                let driver = match codec {
                    SoundCodec::Duplex => "hda-duplex",
                    SoundCodec::Micro => "hda-micro",
                    SoundCodec::Output => "hda-output",
                };
                let mut p = Props::new();
                p.str("driver", driver)
                    .str("id", &format!("{id}-codec{cad}"))
                    .str("bus", &format!("{id}.0"))
                    .num("cad", cad as u32)
                    .str("audiodev", &audiodev);
                c.device(&p);
            }
        }
    }
    Ok(())
}
