//! The pseudo-terminals QEMU opened for `pty` character devices: their paths go into the
//! live definition (serial and console `<source path>`, the console's `tty`), where
//! `virsh console` and `virsh ttyconsole` find them.

use rvirt_xml::domain::devices::chr_source::ChrSourceData;
use rvirt_xml::domain::DomainDef;

/// Fills in pty paths; `pty_of` maps a chardev id (`charserial0`) to the path QEMU reported.
pub fn fill(def: &mut DomainDef, pty_of: &dyn Fn(&str) -> Option<String>) {
    let d = &mut def.devices;
    for chr in d
        .serials
        .iter_mut()
        .chain(d.parallels.iter_mut())
        .chain(d.channels.iter_mut())
        .chain(d.consoles.iter_mut())
    {
        let Some(alias) = chr.info.alias.clone() else {
            continue;
        };
        if let ChrSourceData::Pty { path } = &mut chr.source.data {
            if let Some(p) = pty_of(&format!("char{alias}")) {
                *path = Some(p);
            }
        }
    }
}
