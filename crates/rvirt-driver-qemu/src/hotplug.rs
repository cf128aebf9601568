//! Devices added to and removed from running domains.

use rvirt_xml::domain::DomainDef;

/// Removes the device called `alias` from a live definition (QEMU reported it gone);
/// false when no device has that alias.
pub fn remove_alias(def: &mut DomainDef, alias: &str) -> bool {
    let d = &mut def.devices;
    let is = |a: &Option<String>| a.as_deref() == Some(alias);
    macro_rules! drop_from {
        ($($v:ident),*) => {{
            let mut found = false;
            $(
                let before = d.$v.len();
                d.$v.retain(|x| !is(&x.info.alias));
                found |= d.$v.len() != before;
            )*
            found
        }};
    }
    drop_from!(
        disks,
        interfaces,
        hostdevs,
        controllers,
        inputs,
        serials,
        consoles,
        channels,
        rngs,
        filesystems,
        redirdevs,
        shmems,
        memories,
        watchdogs
    )
}
