//! What libvirt adds to the definition at start, before building the command line, and
//! keeps in the live XML: aliases, storage source indices (the `N` of the
//! `libvirt-N-storage` / `libvirt-N-format` block nodes) and paths of channel sockets.
//!
//! All of it is pure. Probing disk images for backing files is not: the driver puts the
//! detected chains into the disks (as `BackingStore::Image`) before calling [`prepare`],
//! so the chain's images get indices too.

use super::Runtime;
use rvirt_xml::domain::devices::chr::{ChannelTarget, ChrTarget};
use rvirt_xml::domain::devices::chr_source::{ChrSourceData, SourceMode};
use rvirt_xml::domain::devices::disk_source::BackingStore;
use rvirt_xml::domain::DomainDef;

pub use super::aliases::assign as assign_aliases;

/// Fills in aliases, storage indices and channel paths (see the module documentation).
pub fn prepare(def: &mut DomainDef, rt: &Runtime) {
    assign_aliases(def);
    assign_storage_indices(def);
    assign_channel_paths(def, rt);
}

/// libvirt numbers storage sources from 1, walking the disks from the last one back (it
/// prepares host storage in reverse so that dropping an optional disk is safe), each disk's
/// image first and then its backing chain.
pub fn assign_storage_indices(def: &mut DomainDef) {
    let mut next = 1;
    for disk in def.devices.disks.iter_mut().rev() {
        // an empty drive uses up a number too, but has no node to show it on
        let own = next;
        next += 1;
        if super::disk::is_empty(&disk.source) {
            continue;
        }
        disk.source.index = Some(own);
        let mut chain = &mut disk.backing_store;
        while let BackingStore::Image(img) = chain {
            img.index = Some(next);
            next += 1;
            chain = &mut img.backing;
        }
    }
}

/// virtio channels on UNIX sockets without a path listen in the domain's channel
/// directory, under the channel's target name.
pub fn assign_channel_paths(def: &mut DomainDef, rt: &Runtime) {
    for ch in &mut def.devices.channels {
        let name = match &ch.target {
            ChrTarget::Channel(ChannelTarget::Virtio { name, .. }) => name.clone(),
            _ => continue,
        };
        if let ChrSourceData::Unix { mode, path, .. } = &mut ch.source.data {
            if path.is_none() {
                let file = name.unwrap_or_else(|| "unknown.sock".to_string());
                *path = Some(format!("{}/{file}", rt.channel_target_dir));
                *mode = SourceMode::Bind;
            }
        }
    }
}
