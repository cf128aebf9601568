//! Input devices. PS/2 ones are part of the PC machine and need no argument; USB ones
//! plug into a USB port, virtio ones onto a PCI slot, evdev passthrough is an object.

use super::json::Props;
use super::virtio::{self, Flavour};
use super::{address, alias, unsupported, Cmd};
use rvirt_core::Result;
use rvirt_xml::domain::devices::input::{InputBus, InputGrab, InputModel, InputType};

pub fn inputs(c: &mut Cmd) -> Result<()> {
    for input in &c.def.devices.inputs {
        let id = alias(&input.info, "input")?;
        if input.kind == InputType::Evdev {
            let s = &input.source;
            let mut p = Props::new();
            p.str("qom-type", "input-linux")
                .str("id", id)
                .str("evdev", s.evdev.as_deref().unwrap_or(""))
                .opt_bool("repeat", s.repeat);
            if s.grab == Some(InputGrab::All) {
                p.bool("grab_all", true);
            }
            if let Some(t) = s.grab_toggle {
                p.str("grab-toggle", rvirt_xml::XmlEnum::as_xml(&t));
            }
            c.object(&p);
            continue;
        }
        let mut p = match input.bus {
            Some(InputBus::Usb) => {
                let driver = match input.kind {
                    InputType::Mouse => "usb-mouse",
                    InputType::Tablet => "usb-tablet",
                    InputType::Keyboard => "usb-kbd",
                    _ => return Err(unsupported("unsupported USB input device type")),
                };
                let mut p = Props::new();
                p.str("driver", driver).str("id", id);
                p
            }
            Some(InputBus::Virtio) => {
                let base = match input.kind {
                    InputType::Mouse => "virtio-mouse",
                    InputType::Tablet => "virtio-tablet",
                    InputType::Keyboard => "virtio-keyboard",
                    _ => "virtio-input-host",
                };
                let flavour = match (input.kind, input.model) {
                    (InputType::Passthrough, Some(InputModel::VirtioTransitional)) => {
                        Flavour::Transitional
                    }
                    (InputType::Passthrough, Some(InputModel::VirtioNonTransitional)) => {
                        Flavour::NonTransitional
                    }
                    _ => Flavour::Plain,
                };
                let mut p = virtio::props(base, &input.info, flavour, &input.virtio, true)?;
                p.str("id", id);
                if input.kind == InputType::Passthrough {
                    p.opt_str("evdev", input.source.evdev.as_deref());
                }
                p
            }
            _ => continue,
        };
        address::add(&mut p, c.def, &input.info, None)?;
        c.device(&p);
    }
    Ok(())
}
