//! `<input>`: mice, keyboards, tablets, and host input devices passed through
//! (virtio `passthrough`) or shared (`evdev`).

use super::virtio::VirtioOptions;
use crate::domain::ctx::{DomainEnv, FormatCtx, ParseCtx};
use crate::domain::info::{Address, DeviceInfo, InfoAllow};
use crate::error::{internal, unsupported, xml_error};
use crate::paths::sanitize_path;
use crate::tree::Element;
use crate::writer::{on_off, Out};
use crate::xml_enum;
use crate::{ElementExt, XmlEnum};
use rvirt_core::Result;

xml_enum! {
    /// Kind of input device.
    pub enum InputType {
        Mouse = "mouse",
        Tablet = "tablet",
        Keyboard = "keyboard",
        Passthrough = "passthrough",
        Evdev = "evdev",
    }
}

xml_enum! {
    /// Bus an input device sits on. `None` is printed by leaving `bus=` out.
    pub enum InputBus {
        Ps2 = "ps2",
        Usb = "usb",
        Xen = "xen",
        Parallels = "parallels",
        Virtio = "virtio",
        None = "none",
    }
}

xml_enum! {
    /// virtio device flavour of an input device.
    pub enum InputModel {
        Virtio = "virtio",
        VirtioTransitional = "virtio-transitional",
        VirtioNonTransitional = "virtio-non-transitional",
    }
}

xml_enum! {
    /// Which guest gets exclusive use of an evdev device.
    pub enum InputGrab { All = "all" }
}

xml_enum! {
    /// Key combination that toggles an evdev grab.
    pub enum InputGrabToggle {
        CtrlCtrl = "ctrl-ctrl",
        AltAlt = "alt-alt",
        ShiftShift = "shift-shift",
        MetaMeta = "meta-meta",
        ScrollLock = "scrolllock",
        CtrlScrollLock = "ctrl-scrolllock",
    }
}

/// `<source>` of a passthrough/evdev input device.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InputSource {
    /// Host device node (`evdev=` for passthrough, `dev=` for evdev).
    pub evdev: Option<String>,
    pub grab: Option<InputGrab>,
    pub grab_toggle: Option<InputGrabToggle>,
    pub repeat: Option<bool>,
}

/// An input device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub kind: InputType,
    /// `None` until post-parse picks the default bus for the domain.
    pub bus: Option<InputBus>,
    pub model: Option<InputModel>,
    pub source: InputSource,
    pub virtio: VirtioOptions,
    pub info: DeviceInfo,
}

impl Input {
    pub fn parse(el: &Element, ctx: &ParseCtx) -> Result<Input> {
        let kind_s = el
            .attr("type")
            .ok_or_else(|| internal("missing input device type"))?;
        let kind = InputType::from_xml(kind_s)
            .ok_or_else(|| unsupported(format!("unknown input device type '{kind_s}'")))?;
        let model = match el.attr("model") {
            None => None,
            Some(m) => Some(
                InputModel::from_xml(m)
                    .ok_or_else(|| unsupported(format!("unknown input model '{m}'")))?,
            ),
        };
        let bus = match el.attr("bus") {
            None => None,
            Some(b) => Some(
                InputBus::from_xml(b)
                    .ok_or_else(|| unsupported(format!("unknown input bus type '{b}'")))?,
            ),
        };
        let info = DeviceInfo::parse(el, ctx, InfoAllow::default())?;
        if bus == Some(InputBus::Usb) && !matches!(info.address, None | Some(Address::Usb { .. })) {
            return Err(xml_error("Invalid address for a USB device"));
        }
        let mut source = InputSource::default();
        if let Some(s) = el.child("source") {
            let evdev = match kind {
                InputType::Passthrough => s.attr("evdev"),
                InputType::Evdev => s.attr("dev"),
                _ => None,
            };
            source.evdev = evdev.map(sanitize_path);
            if matches!(kind, InputType::Passthrough | InputType::Evdev) && source.evdev.is_none() {
                return Err(xml_error("Missing evdev path for input device"));
            }
            if kind == InputType::Evdev {
                source.grab = s.enum_attr("grab")?;
                source.grab_toggle = s.enum_attr("grabToggle")?;
                source.repeat = s.on_off_attr("repeat")?;
            }
        }
        let virtio = VirtioOptions::parse_child(el)?;
        Ok(Input {
            kind,
            bus,
            model,
            source,
            virtio,
            info,
        })
    }

    /// Picks the bus when none was given, from the domain's OS type, architecture and
    /// hypervisor (libvirt's generic input post-parse).
    pub fn post_parse(&mut self, env: &DomainEnv) -> Result<()> {
        if self.bus.is_some() {
            return Ok(());
        }
        self.bus = match env.os_type.as_str() {
            "hvm" => Some(
                if matches!(self.kind, InputType::Mouse | InputType::Keyboard)
                    && (env.is_x86() || env.arch.is_empty())
                {
                    InputBus::Ps2
                } else if env.arch.starts_with("s390") || self.kind == InputType::Passthrough {
                    InputBus::Virtio
                } else if self.kind == InputType::Evdev {
                    InputBus::None
                } else {
                    InputBus::Usb
                },
            ),
            "xen" | "xenpvh" => Some(InputBus::Xen),
            _ if matches!(env.virt_type.as_str(), "vz" | "parallels") => Some(InputBus::Parallels),
            _ => None,
        };
        Ok(())
    }

    /// Per-device checks libvirt makes when validating a definition.
    pub fn validate(&self, _env: &DomainEnv) -> Result<()> {
        let bus = self.bus.unwrap_or(InputBus::None);
        match self.kind {
            InputType::Passthrough if bus != InputBus::Virtio => {
                return Err(xml_error(
                    "only bus 'virtio' is supported for 'passthrough' input devices",
                ))
            }
            InputType::Evdev if bus != InputBus::None => {
                return Err(unsupported("input evdev doesn't support bus element"))
            }
            _ => {}
        }
        if let Some(m) = self.model {
            if bus != InputBus::Virtio {
                return Err(unsupported(format!(
                    "only bus 'virtio' is supported for input model '{m}'"
                )));
            }
        }
        Ok(())
    }

    pub fn format(&self, ctx: &FormatCtx) -> Out {
        let mut o = Out::new("input").attr("type", self.kind);
        if let Some(b) = self.bus.filter(|b| *b != InputBus::None) {
            o.set("bus", b);
        }
        o.set_opt("model", self.model);
        let mut d = Out::new("driver");
        self.virtio.write_attrs(&mut d);
        o.push_nonempty(d);
        let attr = if self.kind == InputType::Evdev {
            "dev"
        } else {
            "evdev"
        };
        o.push_nonempty(
            Out::new("source")
                .attr_opt(attr, self.source.evdev.as_ref())
                .attr_opt("grab", self.source.grab)
                .attr_opt("grabToggle", self.source.grab_toggle)
                .attr_opt("repeat", self.source.repeat.map(on_off)),
        );
        self.info.format_into(&mut o, ctx);
        o
    }

    /// libvirt leaves PS/2 and Xen keyboards out of migratable XML (older versions add
    /// them implicitly); callers formatting for migration skip devices where this is true.
    pub fn skip_when_migratable(&self) -> bool {
        self.kind == InputType::Keyboard
            && matches!(self.bus, Some(InputBus::Ps2) | Some(InputBus::Xen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::parse_document;

    fn parse(x: &str) -> Result<Input> {
        Input::parse(
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

    fn bus_after(x: &str, e: &DomainEnv) -> Option<InputBus> {
        let mut i = parse(x).expect("ok");
        i.post_parse(e).expect("post-parse");
        i.bus
    }

    #[test]
    fn default_bus_follows_domain() {
        let x86 = env("hvm", "x86_64", "test");
        assert_eq!(
            bus_after("<input type='mouse'/>", &x86),
            Some(InputBus::Ps2)
        );
        assert_eq!(
            bus_after("<input type='keyboard'/>", &x86),
            Some(InputBus::Ps2)
        );
        assert_eq!(
            bus_after("<input type='tablet'/>", &x86),
            Some(InputBus::Usb)
        );
        assert_eq!(
            bus_after(
                "<input type='passthrough'><source evdev='/a'/></input>",
                &x86
            ),
            Some(InputBus::Virtio)
        );
        assert_eq!(
            bus_after("<input type='evdev'><source dev='/a'/></input>", &x86),
            Some(InputBus::None)
        );
        let s390 = env("hvm", "s390x", "test");
        assert_eq!(
            bus_after("<input type='mouse'/>", &s390),
            Some(InputBus::Virtio)
        );
        let arm = env("hvm", "aarch64", "test");
        assert_eq!(
            bus_after("<input type='keyboard'/>", &arm),
            Some(InputBus::Usb)
        );
        assert_eq!(
            bus_after("<input type='mouse'/>", &env("xen", "x86_64", "xen")),
            Some(InputBus::Xen)
        );
        assert_eq!(
            bus_after("<input type='mouse'/>", &env("exe", "x86_64", "vz")),
            Some(InputBus::Parallels)
        );
        assert_eq!(
            bus_after("<input type='mouse' bus='usb'/>", &x86),
            Some(InputBus::Usb)
        );
    }

    #[test]
    fn format_omits_none_bus_and_empty_parts() {
        let mut i = parse("<input type='evdev'><source dev='/dev//input/e2/' grab='all' grabToggle='ctrl-ctrl' repeat='on'/></input>").expect("ok");
        i.post_parse(&env("hvm", "x86_64", "test")).expect("pp");
        assert_eq!(
            i.format(&FormatCtx::default()).render(0),
            "<input type='evdev'>\n  <source dev='/dev/input/e2' grab='all' grabToggle='ctrl-ctrl' repeat='on'/>\n</input>\n"
        );
        let i = parse("<input type='mouse' bus='ps2'><source evdev='/a'/></input>").expect("ok");
        assert_eq!(
            i.format(&FormatCtx::default()).render(0),
            "<input type='mouse' bus='ps2'/>\n"
        );
    }

    #[test]
    fn errors_match_libvirt() {
        let cases = [
            ("<input/>", "internal error: missing input device type"),
            (
                "<input type='joystick'/>",
                "unsupported configuration: unknown input device type 'joystick'",
            ),
            (
                "<input type='mouse' bus='default'/>",
                "unsupported configuration: unknown input bus type 'default'",
            ),
            (
                "<input type='mouse' model='x'/>",
                "unsupported configuration: unknown input model 'x'",
            ),
            (
                "<input type='passthrough'><source/></input>",
                "XML error: Missing evdev path for input device",
            ),
            (
                "<input type='evdev'><source dev='/a' grab='x'/></input>",
                "XML error: Invalid value for attribute 'grab' in element 'source': 'x'.",
            ),
            (
                "<input type='mouse' bus='usb'><address type='pci'/></input>",
                "XML error: Invalid address for a USB device",
            ),
        ];
        for (x, m) in cases {
            assert_eq!(parse(x).expect_err(x).message, m);
        }
        let i = parse("<input type='mouse' model='virtio'/>").expect("ok");
        let mut i2 = i.clone();
        i2.post_parse(&env("hvm", "x86_64", "test")).expect("pp");
        assert_eq!(
            i2.validate(&DomainEnv::default())
                .expect_err("model")
                .message,
            "unsupported configuration: only bus 'virtio' is supported for input model 'virtio'"
        );
    }
}
