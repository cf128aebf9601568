//! Adding definitions to the domain list with libvirt's rules: a name belongs to one UUID
//! and a UUID to one name; redefining an existing domain updates it (for the next start if
//! it is running); starting a transient domain over an inactive persistent one of the same
//! identity runs the given definition.

use super::Inner;
use crate::domobj::{DomState, Domain};
use crate::events::{self, detail, kind};
use crate::store;
use rvirt_core::types::DomainState;
use rvirt_core::{DomainRef, Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;
use std::sync::Arc;

fn failed(msg: String) -> Error {
    Error::new(ErrorDomain::QEMU, ErrorCode::OPERATION_FAILED, Some(msg))
}

/// The domain `def` is the same domain as, if any; an error if it clashes with one.
fn same_domain(list: &[Arc<Domain>], def: &DomainDef) -> Result<Option<Arc<Domain>>> {
    for d in list {
        let st = d.lock();
        if st.uuid == def.uuid {
            if st.name != def.name {
                return Err(failed(format!(
                    "domain '{}' is already defined with uuid {}",
                    st.name,
                    def.uuid.hyphenated()
                )));
            }
            return Ok(Some(d.clone()));
        }
        if st.name == def.name {
            return Err(failed(format!(
                "domain '{}' already exists with uuid {}",
                def.name,
                st.uuid.hyphenated()
            )));
        }
    }
    Ok(None)
}

/// `virDomainDefineXML`: stores `def` and returns the domain and whether it is new.
pub fn define(inner: &Inner, def: DomainDef) -> Result<(DomainRef, bool)> {
    let (dom, added) = inner.doms.reserve(|list| -> Result<(Arc<Domain>, bool)> {
        match same_domain(list, &def)? {
            Some(d) => Ok((d, false)),
            None => {
                let d = Domain::new(DomState {
                    name: def.name.clone(),
                    uuid: def.uuid,
                    config: None,
                    live: None,
                    state: DomainState::Shutoff,
                    reason: 0,
                    autostart: false,
                    managed_save: false,
                    removed: false,
                });
                list.push(d.clone());
                Ok((d, true))
            }
        }
    })?;
    if let Err(e) = store::save_config(&inner.paths, &def) {
        if added {
            inner.doms.remove(&def.uuid);
        }
        return Err(e);
    }
    let r = {
        let mut st = dom.lock();
        st.config = Some(def);
        st.reference()
    };
    let d = if added {
        detail::defined::ADDED
    } else {
        detail::defined::UPDATED
    };
    events::lifecycle_event(&inner.events, r.clone(), kind::DEFINED, d);
    Ok((r, added))
}

/// The domain that will run `def` for `virDomainCreateXML`: a new transient domain, or the
/// inactive domain of the same identity. Fails if that domain runs.
pub fn for_create(inner: &Inner, def: &DomainDef) -> Result<(Arc<Domain>, bool)> {
    inner.doms.reserve(|list| -> Result<(Arc<Domain>, bool)> {
        match same_domain(list, def)? {
            Some(d) => {
                if d.lock().is_active() {
                    return Err(Error::operation_invalid(
                        ErrorDomain::QEMU,
                        format!("domain '{}' is already active", def.name),
                    ));
                }
                Ok((d, false))
            }
            None => {
                let d = Domain::new(DomState {
                    name: def.name.clone(),
                    uuid: def.uuid,
                    config: None,
                    live: None,
                    state: DomainState::Shutoff,
                    reason: 0,
                    autostart: false,
                    managed_save: false,
                    removed: false,
                });
                list.push(d.clone());
                Ok((d, true))
            }
        }
    })
}
