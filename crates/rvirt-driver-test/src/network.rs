//! Virtual networks of the test driver.

use crate::domain::Events;
use crate::state::{DriverState, NetworkObj};
use rvirt_core::event::Event;
use rvirt_core::types::event::object_lifecycle as ev;
use rvirt_core::types::flags::list_networks as L;
use rvirt_core::{Error, ErrorCode, ErrorDomain, NetworkRef, Result};
use rvirt_xml::network::NetworkDef;

fn event(n: &NetworkObj, e: i32) -> Event {
    Event::NetworkLifecycle {
        net: n.reference(),
        event: e,
        detail: 0,
    }
}

/// libvirt's list filters for `virConnectListAllNetworks`.
pub fn matches(n: &NetworkObj, f: u32) -> bool {
    let pick =
        |a: u32, b: u32, x: bool| f & (a | b) == 0 || (f & a != 0 && x) || (f & b != 0 && !x);
    pick(L::ACTIVE, L::INACTIVE, n.active)
        && pick(L::PERSISTENT, L::TRANSIENT, n.persistent)
        && pick(L::AUTOSTART, L::NO_AUTOSTART, n.autostart)
}

impl DriverState {
    pub fn net_index(&self, r: &NetworkRef) -> Result<usize> {
        self.networks
            .iter()
            .position(|n| n.def.uuid == r.uuid)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_NETWORK,
                    Some(format!(
                        "no network with matching uuid '{}' ({})",
                        r.uuid.hyphenated(),
                        r.name
                    )),
                )
            })
    }

    pub fn net_by_name(&self, name: &str) -> Result<NetworkRef> {
        self.networks
            .iter()
            .find(|n| n.def.name == name)
            .map(NetworkObj::reference)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_NETWORK,
                    Some(format!("no network with matching name '{name}'")),
                )
            })
    }

    pub fn net_by_uuid(&self, uuid: &uuid::Uuid) -> Result<NetworkRef> {
        self.networks
            .iter()
            .find(|n| n.def.uuid == *uuid)
            .map(NetworkObj::reference)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_NETWORK,
                    Some(format!(
                        "no network with matching uuid '{}'",
                        uuid.hyphenated()
                    )),
                )
            })
    }

    /// Name/UUID conflicts of a new definition; `Some(i)` when it updates network `i`.
    fn net_conflicts(&self, def: &NetworkDef) -> Result<Option<usize>> {
        if let Some(i) = self.networks.iter().position(|n| n.def.uuid == def.uuid) {
            if self.networks[i].def.name != def.name {
                return Err(Error::new(
                    ErrorDomain::NETWORK,
                    ErrorCode::OPERATION_FAILED,
                    Some(format!(
                        "network '{}' is already defined with uuid {}",
                        self.networks[i].def.name,
                        def.uuid.hyphenated()
                    )),
                ));
            }
            return Ok(Some(i));
        }
        if let Some(n) = self.networks.iter().find(|n| n.def.name == def.name) {
            return Err(Error::new(
                ErrorDomain::NETWORK,
                ErrorCode::OPERATION_FAILED,
                Some(format!(
                    "network '{}' already exists with uuid {}",
                    def.name,
                    n.def.uuid.hyphenated()
                )),
            ));
        }
        Ok(None)
    }

    pub fn net_define(&mut self, xml: &str, flags: u32) -> Result<(NetworkRef, Events)> {
        Error::check_flags(ErrorDomain::TEST, flags, 1, "testNetworkDefineXMLFlags")?;
        let def = NetworkDef::parse(xml)?;
        let i = match self.net_conflicts(&def)? {
            Some(i) => {
                let n = &mut self.networks[i];
                if n.active {
                    n.new_def = Some(def);
                } else {
                    n.def = def;
                }
                n.persistent = true;
                i
            }
            None => {
                self.networks.push(NetworkObj {
                    def,
                    new_def: None,
                    active: false,
                    persistent: true,
                    autostart: false,
                });
                self.networks.len() - 1
            }
        };
        let n = &self.networks[i];
        Ok((n.reference(), vec![event(n, ev::DEFINED)]))
    }

    pub fn net_create_xml(&mut self, xml: &str, flags: u32) -> Result<(NetworkRef, Events)> {
        Error::check_flags(ErrorDomain::TEST, flags, 1, "testNetworkCreateXMLFlags")?;
        let def = NetworkDef::parse(xml)?;
        let i = match self.net_conflicts(&def)? {
            Some(i) => {
                if self.networks[i].active {
                    return Err(Error::operation_invalid(
                        ErrorDomain::NETWORK,
                        format!("network is already active as '{}'", def.name),
                    ));
                }
                let n = &mut self.networks[i];
                n.new_def = Some(n.def.clone());
                n.def = def;
                n.active = true;
                i
            }
            None => {
                self.networks.push(NetworkObj {
                    def,
                    new_def: None,
                    active: true,
                    persistent: false,
                    autostart: false,
                });
                self.networks.len() - 1
            }
        };
        let n = &self.networks[i];
        Ok((n.reference(), vec![event(n, ev::STARTED)]))
    }

    pub fn net_undefine(&mut self, r: &NetworkRef) -> Result<Events> {
        let i = self.net_index(r)?;
        let n = &self.networks[i];
        if n.active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("Network '{}' is still running", n.def.name),
            ));
        }
        let e = event(n, ev::UNDEFINED);
        self.networks.remove(i);
        Ok(vec![e])
    }

    pub fn net_start(&mut self, r: &NetworkRef) -> Result<Events> {
        let i = self.net_index(r)?;
        let n = &mut self.networks[i];
        if n.active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("Network '{}' is already running", n.def.name),
            ));
        }
        n.active = true;
        Ok(vec![event(n, ev::STARTED)])
    }

    pub fn net_destroy(&mut self, r: &NetworkRef) -> Result<Events> {
        let i = self.net_index(r)?;
        // The test driver keeps a pending persistent definition pending across a stop: the
        // next start runs the old one again (observed with libvirt 9.0).
        let n = &mut self.networks[i];
        n.active = false;
        let e = event(n, ev::STOPPED);
        if !n.persistent {
            self.networks.remove(i);
        }
        Ok(vec![e])
    }

    pub fn net_xml(&self, r: &NetworkRef, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testNetworkGetXMLDesc")?;
        let i = self.net_index(r)?;
        let n = &self.networks[i];
        Ok(n.def.format(!n.active))
    }

    pub fn net_bridge(&self, r: &NetworkRef) -> Result<String> {
        let i = self.net_index(r)?;
        let n = &self.networks[i];
        n.def.bridge.name.clone().ok_or_else(|| {
            Error::internal(
                ErrorDomain::TEST,
                format!("network '{}' does not have a bridge name.", n.def.name),
            )
        })
    }
}

impl DriverState {
    /// `virNetworkUpdate`: applies the change to copies of the live and/or persistent
    /// definitions, checks that each copy still reads back, then keeps them.
    pub fn net_update(
        &mut self,
        r: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        const LIVE: u32 = 1;
        const CONFIG: u32 = 2;
        Error::check_flags(ErrorDomain::TEST, flags, LIVE | CONFIG, "testNetworkUpdate")?;
        let i = self
            .networks
            .iter()
            .position(|n| n.def.uuid == r.uuid)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_NETWORK,
                    Some(format!(
                        "no network with matching uuid '{}'",
                        r.uuid.hyphenated()
                    )),
                )
            })?;
        let n = &self.networks[i];
        let mut flags = flags;
        if flags & (LIVE | CONFIG) == 0 {
            flags |= if n.active { LIVE } else { CONFIG };
        }
        if !n.active && flags & LIVE != 0 {
            return Err(Error::operation_invalid(
                ErrorDomain::NETWORK,
                "network is not running",
            ));
        }
        if flags & CONFIG != 0 && !n.persistent {
            return Err(Error::operation_invalid(
                ErrorDomain::NETWORK,
                "cannot change persistent config of a transient network",
            ));
        }
        let changed = |base: &NetworkDef, inactive: bool| -> Result<NetworkDef> {
            let mut def = base.clone();
            def.update_section(command, section, parent_index, xml)?;
            // libvirt copies definitions by formatting and parsing them again, which
            // rejects changes that make the whole definition invalid.
            NetworkDef::parse(&def.format(inactive))?;
            Ok(def)
        };
        let live = if flags & LIVE != 0 {
            Some(changed(&n.def, false)?)
        } else {
            None
        };
        let config = if flags & CONFIG != 0 {
            Some(changed(n.new_def.as_ref().unwrap_or(&n.def), true)?)
        } else {
            None
        };
        let n = &mut self.networks[i];
        if let Some(c) = config {
            if n.active {
                n.new_def = Some(c);
            } else {
                n.def = c;
            }
        }
        if let Some(l) = live {
            n.def = l;
        }
        Ok(())
    }
}
