//! `<sound>` (emulated sound cards with their codecs) and `<audio>` (host audio
//! backends the cards and displays play through).

use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{DeviceInfo, InfoAllow};
use crate::error::{unsupported, xml_error};
use crate::num;
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::Result;

xml_enum! {
    /// Emulated sound card.
    pub enum SoundModel {
        Sb16 = "sb16",
        Es1370 = "es1370",
        Pcspk = "pcspk",
        Ac97 = "ac97",
        Ich6 = "ich6",
        Ich9 = "ich9",
        Usb = "usb",
        Ich7 = "ich7",
    }
}

xml_enum! {
    /// HDA codec attached to an Intel HDA card.
    pub enum SoundCodec { Duplex = "duplex", Micro = "micro", Output = "output" }
}

/// A sound card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sound {
    pub model: SoundModel,
    /// Only kept for the HDA models (ich6, ich9); others ignore `<codec>`.
    pub codecs: Vec<SoundCodec>,
    /// `<audio id=...>`: the backend this card plays through.
    pub audio_id: Option<u32>,
    pub info: DeviceInfo,
}

impl Sound {
    pub fn supports_codecs(model: SoundModel) -> bool {
        matches!(model, SoundModel::Ich6 | SoundModel::Ich9)
    }

    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Sound> {
        let model = el.req_enum_attr::<SoundModel>("model")?;
        let mut codecs = Vec::new();
        if Sound::supports_codecs(model) {
            for c in el.children_named("codec") {
                let t = c.attr("type");
                codecs.push(t.and_then(SoundCodec::from_xml).ok_or_else(|| {
                    unsupported(format!("unknown codec type '{}'", t.unwrap_or("(null)")))
                })?);
            }
        }
        let audio_id = parse_audio_ref(el)?;
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        Ok(Sound {
            model,
            codecs,
            audio_id,
            info,
        })
    }

    /// Sound cards get no defaults from libvirt's post-parse.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("sound").attr("model", self.model);
        for c in &self.codecs {
            o.push(Out::new("codec").attr("type", c));
        }
        if let Some(id) = self.audio_id {
            o.push(Out::new("audio").attr("id", id));
        }
        self.info.format_into(&mut o, ctx);
        o
    }
}

/// Reads the `<audio id=.../>` child that points a sound card or display at an
/// `<audio>` backend (shared with graphics).
pub fn parse_audio_ref(el: &Element) -> Result<Option<u32>> {
    match el.child("audio") {
        None => Ok(None),
        Some(a) => Ok(Some(num::required(
            a,
            "id",
            num::uint_attr(a, "id", 10, true)?,
        )?)),
    }
}

xml_enum! {
    /// Host audio backend.
    pub enum AudioType {
        None = "none",
        Alsa = "alsa",
        CoreAudio = "coreaudio",
        Jack = "jack",
        Oss = "oss",
        PulseAudio = "pulseaudio",
        Sdl = "sdl",
        Spice = "spice",
        File = "file",
        Dbus = "dbus",
    }
}

xml_enum! {
    /// Sample format of fixed audio settings.
    pub enum AudioFormat {
        U8 = "u8",
        S8 = "s8",
        U16 = "u16",
        S16 = "s16",
        U32 = "u32",
        S32 = "s32",
        F32 = "f32",
    }
}

xml_enum! {
    /// Driver SDL uses underneath.
    pub enum SdlAudioDriver { Esd = "esd", Alsa = "alsa", Arts = "arts", PulseAudio = "pulseaudio" }
}

/// `<settings>` of a direction with fixed settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AudioSettings {
    pub frequency: Option<u32>,
    pub channels: Option<u32>,
    pub format: Option<AudioFormat>,
}

/// Backend-specific attributes of `<input>`/`<output>`; which ones are read depends on
/// the audio type.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AudioIoBackend {
    /// alsa, oss.
    pub dev: Option<String>,
    /// coreaudio, oss, sdl.
    pub buffer_count: Option<u32>,
    /// oss.
    pub try_poll: Option<bool>,
    /// jack.
    pub server_name: Option<String>,
    pub client_name: Option<String>,
    pub connect_ports: Option<String>,
    pub exact_name: Option<bool>,
    /// pulseaudio.
    pub name: Option<String>,
    pub stream_name: Option<String>,
    pub latency: Option<u32>,
}

/// One direction (`<input>` or `<output>`) of an audio backend.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AudioIo {
    pub mixing_engine: Option<bool>,
    pub fixed_settings: Option<bool>,
    pub voices: Option<u32>,
    pub buffer_length: Option<u32>,
    pub settings: AudioSettings,
    pub backend: AudioIoBackend,
}

/// Backend attributes on the `<audio>` element itself.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AudioBackendAttrs {
    /// oss.
    pub try_mmap: Option<bool>,
    pub exclusive: Option<bool>,
    pub dsp_policy: Option<i32>,
    /// pulseaudio.
    pub server_name: Option<String>,
    /// sdl.
    pub sdl_driver: Option<SdlAudioDriver>,
    /// file.
    pub path: Option<String>,
}

/// A host audio backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audio {
    pub id: u32,
    pub kind: AudioType,
    pub timer_period: Option<u32>,
    pub attrs: AudioBackendAttrs,
    pub input: AudioIo,
    pub output: AudioIo,
}

impl AudioIo {
    fn parse(el: &Element, kind: AudioType) -> Result<AudioIo> {
        let mixing_engine = el.yes_no_attr("mixingEngine")?;
        let fixed_settings = el.yes_no_attr("fixedSettings")?;
        if fixed_settings == Some(true) && mixing_engine != Some(true) {
            return Err(unsupported("fixed audio settings requires mixing engine"));
        }
        let mut io = AudioIo {
            mixing_engine,
            fixed_settings,
            voices: num::uint_attr(el, "voices", 10, true)?,
            buffer_length: num::uint_attr(el, "bufferLength", 10, true)?,
            ..Default::default()
        };
        if let Some(s) = el.child("settings") {
            if fixed_settings != Some(true) {
                return Err(unsupported(
                    "audio settings specified without fixed settings flag",
                ));
            }
            io.settings = AudioSettings {
                frequency: num::uint_attr(s, "frequency", 10, true)?,
                channels: num::uint_attr(s, "channels", 10, true)?,
                format: s.enum_attr("format")?,
            };
        }
        let b = &mut io.backend;
        match kind {
            AudioType::Alsa => b.dev = el.string_attr("dev"),
            AudioType::CoreAudio | AudioType::Sdl => {
                b.buffer_count = num::uint_attr(el, "bufferCount", 10, false)?
            }
            AudioType::Jack => {
                b.server_name = el.string_attr("serverName");
                b.client_name = el.string_attr("clientName");
                b.connect_ports = el.string_attr("connectPorts");
                b.exact_name = el.yes_no_attr("exactName")?;
            }
            AudioType::Oss => {
                b.dev = el.string_attr("dev");
                b.try_poll = el.yes_no_attr("tryPoll")?;
                b.buffer_count = num::uint_attr(el, "bufferCount", 10, false)?;
            }
            AudioType::PulseAudio => {
                b.name = el.string_attr("name");
                b.stream_name = el.string_attr("streamName");
                b.latency = num::uint_attr(el, "latency", 10, false)?;
            }
            AudioType::None | AudioType::Spice | AudioType::File | AudioType::Dbus => {}
        }
        Ok(io)
    }

    fn format(&self, name: &str) -> Option<Out> {
        let nz = |v: Option<u32>| v.filter(|v| *v != 0);
        let b = &self.backend;
        let mut o = Out::new(name)
            .attr_opt("mixingEngine", self.mixing_engine.map(yes_no))
            .attr_opt("fixedSettings", self.fixed_settings.map(yes_no))
            .attr_opt("voices", nz(self.voices))
            .attr_opt("bufferLength", nz(self.buffer_length));
        let mut backend: Vec<(&str, String)> = Vec::new();
        let mut add = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                backend.push((k, v));
            }
        };
        // Each backend only fills its own fields, so one order serves them all
        // (oss: dev, bufferCount, tryPoll; jack: serverName ... exactName; ...).
        add("dev", b.dev.clone());
        add("bufferCount", nz(b.buffer_count).map(|v| v.to_string()));
        add("tryPoll", b.try_poll.map(|v| yes_no(v).to_string()));
        add("serverName", b.server_name.clone());
        add("clientName", b.client_name.clone());
        add("connectPorts", b.connect_ports.clone());
        add("exactName", b.exact_name.map(|v| yes_no(v).to_string()));
        add("name", b.name.clone());
        add("streamName", b.stream_name.clone());
        add("latency", nz(b.latency).map(|v| v.to_string()));
        if self.mixing_engine.is_none()
            && self.fixed_settings.is_none()
            && nz(self.voices).is_none()
            && nz(self.buffer_length).is_none()
            && backend.is_empty()
        {
            return None;
        }
        for (k, v) in backend {
            o.set(k, v);
        }
        if self.fixed_settings == Some(true) {
            o.push(
                Out::new("settings")
                    .attr_opt("frequency", nz(self.settings.frequency))
                    .attr_opt("channels", nz(self.settings.channels))
                    .attr_opt("format", self.settings.format),
            );
        }
        Some(o)
    }
}

impl Audio {
    pub fn parse(el: &Element, _ctx: &ParseCtx) -> Result<Audio> {
        let kind = el.req_enum_attr::<AudioType>("type")?;
        let id = num::required(el, "id", num::uint_attr(el, "id", 10, true)?)?;
        let timer_period = num::uint_attr(el, "timerPeriod", 10, true)?;
        let input = match el.child("input") {
            Some(i) => AudioIo::parse(i, kind)?,
            None => AudioIo::default(),
        };
        let output = match el.child("output") {
            Some(o) => AudioIo::parse(o, kind)?,
            None => AudioIo::default(),
        };
        let mut attrs = AudioBackendAttrs::default();
        match kind {
            AudioType::Oss => {
                attrs.try_mmap = el.yes_no_attr("tryMMap")?;
                attrs.exclusive = el.yes_no_attr("exclusive")?;
                if let Some(p) = num::int_attr(el, "dspPolicy", 10)? {
                    if p < 0 {
                        return Err(xml_error(format!("cannot parse 'dspPolicy' value '{p}'")));
                    }
                    attrs.dsp_policy = Some(p);
                }
            }
            AudioType::PulseAudio => attrs.server_name = el.string_attr("serverName"),
            AudioType::Sdl => attrs.sdl_driver = el.enum_attr("driver")?,
            AudioType::File => attrs.path = el.string_attr("path"),
            _ => {}
        }
        Ok(Audio {
            id,
            kind,
            timer_period,
            attrs,
            input,
            output,
        })
    }

    /// Audio backends get no defaults from libvirt's post-parse.
    pub fn post_parse(&mut self, _env: &DomainEnv) -> Result<()> {
        Ok(())
    }

    pub fn format(&self, _ctx: &FormatCtx) -> Out {
        let a = &self.attrs;
        let mut o = Out::new("audio")
            .attr("id", self.id)
            .attr("type", self.kind)
            .attr_opt("timerPeriod", self.timer_period.filter(|t| *t != 0))
            .attr_opt("tryMMap", a.try_mmap.map(yes_no))
            .attr_opt("exclusive", a.exclusive.map(yes_no))
            .attr_opt("dspPolicy", a.dsp_policy)
            .attr_opt("serverName", a.server_name.as_ref())
            .attr_opt("driver", a.sdl_driver)
            .attr_opt("path", a.path.as_ref());
        o.push_opt(self.input.format("input"));
        o.push_opt(self.output.format("output"));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn el(x: &str) -> Element {
        parse_document(x, "domain_definition").expect("well-formed")
    }

    fn ctx() -> ParseCtx {
        ParseCtx { inactive: true }
    }

    fn fmt_audio(x: &str) -> String {
        Audio::parse(&el(x), &ctx())
            .expect("ok")
            .format(&FormatCtx::default())
            .render(0)
    }

    #[test]
    fn codecs_only_for_hda_models() {
        let s = Sound::parse(
            &el("<sound model='ich7'><codec type='duplex'/></sound>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            s.format(&FormatCtx::default()).render(0),
            "<sound model='ich7'/>\n"
        );
        let s = Sound::parse(
            &el("<sound model='ich9'><codec type='output'/><audio id='2'/><address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/></sound>"),
            &ctx(),
        )
        .expect("ok");
        assert_eq!(
            s.format(&FormatCtx::default()).render(0),
            "<sound model='ich9'>\n  <codec type='output'/>\n  <audio id='2'/>\n  <address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/>\n</sound>\n"
        );
    }

    #[test]
    fn audio_attribute_order_and_settings() {
        assert_eq!(
            fmt_audio("<audio id='1' type='pulseaudio' serverName='/s' timerPeriod='50'><input mixingEngine='yes' fixedSettings='yes' voices='2' bufferLength='100' name='inp' streamName='in' latency='10'><settings frequency='44100' channels='2' format='s16'/></input><output name='out' latency='20'/></audio>"),
            "<audio id='1' type='pulseaudio' timerPeriod='50' serverName='/s'>\n  <input mixingEngine='yes' fixedSettings='yes' voices='2' bufferLength='100' name='inp' streamName='in' latency='10'>\n    <settings frequency='44100' channels='2' format='s16'/>\n  </input>\n  <output name='out' latency='20'/>\n</audio>\n"
        );
        assert_eq!(
            fmt_audio("<audio id='2' type='oss' tryMMap='yes' exclusive='no' dspPolicy='5'><input dev='/dev/dsp0' bufferCount='50' tryPoll='yes'/></audio>"),
            "<audio id='2' type='oss' tryMMap='yes' exclusive='no' dspPolicy='5'>\n  <input dev='/dev/dsp0' bufferCount='50' tryPoll='yes'/>\n</audio>\n"
        );
        assert_eq!(
            fmt_audio("<audio id='1' type='none'><input voices='2' dev='/x' bufferCount='3'/><output/></audio>"),
            "<audio id='1' type='none'>\n  <input voices='2'/>\n</audio>\n"
        );
        assert_eq!(
            fmt_audio("<audio id='1' type='none'><input mixingEngine='yes' fixedSettings='yes'/></audio>"),
            "<audio id='1' type='none'>\n  <input mixingEngine='yes' fixedSettings='yes'>\n    <settings/>\n  </input>\n</audio>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let sound = [
            ("<sound model='soundblaster-live'/>", "XML error: Invalid value for attribute 'model' in element 'sound': 'soundblaster-live'."),
            ("<sound/>", "XML error: Missing required attribute 'model' in element 'sound'"),
            ("<sound model='ich6'><codec/></sound>", "unsupported configuration: unknown codec type '(null)'"),
            ("<sound model='ich6'><audio id='0'/></sound>", "XML error: Invalid value for attribute 'id' in element 'audio': Zero is not permitted"),
        ];
        for (x, m) in sound {
            assert_eq!(Sound::parse(&el(x), &ctx()).expect_err(x).message, m);
        }
        let audio = [
            ("<audio id='1'/>", "XML error: Missing required attribute 'type' in element 'audio'"),
            ("<audio type='none'/>", "XML error: Missing required attribute 'id' in element 'audio'"),
            ("<audio id='1' type='none' timerPeriod='0'/>", "XML error: Invalid value for attribute 'timerPeriod' in element 'audio': Zero is not permitted"),
            ("<audio id='1' type='none'><input mixingEngine='no' fixedSettings='yes'/></audio>", "unsupported configuration: fixed audio settings requires mixing engine"),
            ("<audio id='1' type='none'><input><settings/></input></audio>", "unsupported configuration: audio settings specified without fixed settings flag"),
            ("<audio id='1' type='oss' dspPolicy='-1'/>", "XML error: cannot parse 'dspPolicy' value '-1'"),
            ("<audio id='1' type='sdl' driver='x'/>", "XML error: Invalid value for attribute 'driver' in element 'audio': 'x'."),
        ];
        for (x, m) in audio {
            assert_eq!(Audio::parse(&el(x), &ctx()).expect_err(x).message, m);
        }
    }
}
