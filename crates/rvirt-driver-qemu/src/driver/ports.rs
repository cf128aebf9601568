//! TCP ports for displays: VNC displays with `autoport` get the first free port from 5900
//! up (libvirt's `remote_display_port_min`), never one another domain of this daemon holds
//! or that anything else on the host listens on.

use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::graphics::{GraphicsKind, ListenType};
use rvirt_xml::domain::DomainDef;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The display ports libvirt hands out.
const FIRST: u16 = 5900;
const LAST: u16 = 65535;

/// The address VNC listens on when the definition names none (qemu.conf's `vnc_listen`).
pub const DEFAULT_LISTEN: &str = "127.0.0.1";

/// Ports held by this daemon's running domains.
#[derive(Default)]
pub struct PortSet {
    held: Mutex<BTreeSet<u16>>,
}

fn free_on_host(port: u16) -> bool {
    std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
        && std::net::TcpListener::bind(("::", port)).map_or(true, |_| true)
}

impl PortSet {
    /// Takes the first port that is neither held nor busy nor in `avoid`.
    pub fn take(&self, avoid: &[u16]) -> Result<u16> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        for p in FIRST..=LAST {
            if !held.contains(&p) && !avoid.contains(&p) && free_on_host(p) {
                held.insert(p);
                return Ok(p);
            }
        }
        Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::INTERNAL_ERROR,
            Some("Unable to find an unused port in range 'display' (5900-65535)".to_string()),
        ))
    }

    /// Marks a port held (a domain re-attached after a restart, or a fixed port).
    pub fn hold(&self, port: u16) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(port);
    }

    pub fn release(&self, ports: &[u16]) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        for p in ports {
            held.remove(p);
        }
    }
}

/// Gives every autoport VNC and SPICE display a port and every address listen its
/// address, in the live definition; returns the ports taken (to release when the domain
/// stops). Nothing stays taken when one cannot be had. `avoid` names ports that were
/// free when checked but that QEMU then found taken (another program bound them between
/// the check and QEMU's own bind).
pub fn allocate(def: &mut DomainDef, ports: &PortSet, avoid: &[u16]) -> Result<Vec<u16>> {
    let mut taken = Vec::new();
    let r = allocate_into(def, ports, avoid, &mut taken);
    if r.is_err() {
        ports.release(&taken);
    }
    r.map(|()| taken)
}

fn allocate_into(
    def: &mut DomainDef,
    ports: &PortSet,
    avoid: &[u16],
    taken: &mut Vec<u16>,
) -> Result<()> {
    let mut take = |slot: &mut i32| -> Result<()> {
        let p = ports.take(avoid)?;
        *slot = i32::from(p);
        taken.push(p);
        Ok(())
    };
    for g in def.devices.graphics.iter_mut() {
        match &mut g.kind {
            GraphicsKind::Spice(spice) => {
                // The plain port only: rvirt has no SPICE TLS (qemu.conf's spice_tls off).
                let on_network = g
                    .listens
                    .iter()
                    .all(|l| matches!(l.kind, ListenType::Address | ListenType::Network));
                if spice.autoport && spice.port <= 0 && on_network {
                    take(&mut spice.port)?;
                }
            }
            GraphicsKind::Vnc(vnc) => {
                if vnc.autoport || vnc.port <= 0 {
                    take(&mut vnc.port)?;
                }
                if vnc.websocket == -1 {
                    take(&mut vnc.websocket)?;
                }
            }
            _ => continue,
        }
        // The live definition names the address QEMU listens on (vnc_listen, spice_listen).
        for l in g.listens.iter_mut() {
            if l.kind == ListenType::Address && l.address.is_none() {
                l.address = Some(DEFAULT_LISTEN.to_string());
            }
        }
    }
    Ok(())
}

/// The ports of each `<graphics>` as the command builder wants them.
pub fn runtime_ports(def: &DomainDef) -> Vec<crate::command::GraphicsPorts> {
    def.devices
        .graphics
        .iter()
        .map(|g| match &g.kind {
            GraphicsKind::Vnc(v) => crate::command::GraphicsPorts {
                port: (v.port > 0).then_some(v.port),
                tls_port: None,
                websocket: (v.websocket > 0).then_some(v.websocket),
            },
            GraphicsKind::Spice(s) => crate::command::GraphicsPorts {
                port: (s.port > 0).then_some(s.port),
                tls_port: (s.tls_port > 0).then_some(s.tls_port),
                websocket: None,
            },
            _ => crate::command::GraphicsPorts::default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taking_skips_held_and_avoided_ports() {
        let set = PortSet::default();
        let first = set.take(&[]).expect("a free display port");
        let second = set.take(&[first + 1]).expect("another free display port");
        assert_ne!(second, first, "a held port is not handed out twice");
        assert_ne!(second, first + 1, "an avoided port is skipped");
        set.release(&[first, second]);
        assert!(set.held.lock().map(|h| h.is_empty()).unwrap_or(false));
    }
}
