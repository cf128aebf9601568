//! `change-media`: eject, insert or replace the medium of a CD-ROM or floppy by sending
//! the disk's element back with its `<source>` changed, as virsh edits it.

use super::find::{domain_tree, find_disk, DiskKind};
use crate::cli::parser::Cmd;
use crate::commands::exclusive;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use crate::xmldump::dump;
use rvirt::flags::device_modify as dm;
use rvirt_xml::tree::{Element, Node};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Eject,
    Insert,
    Update,
}

/// Sets an attribute in place, or adds it at the end, as libxml2's `xmlSetProp`.
fn set_attr(el: &mut Element, k: &str, v: &str) {
    match el.attrs.iter_mut().find(|(name, _)| name == k) {
        Some(a) => a.1 = v.to_string(),
        None => el.attrs.push((k.to_string(), v.to_string())),
    }
}

/// The disk element with its medium changed, or `None` after an error.
fn update_disk(
    ctl: &mut Ctl,
    mut disk: Element,
    source: Option<&str>,
    block: bool,
    target: &str,
    action: Action,
) -> Option<String> {
    if !matches!(disk.attr("device"), Some("cdrom") | Some("floppy")) {
        ctl.error(&format!("The disk device '{target}' is not removable"));
        return None;
    }
    let mut text_node = None;
    let (mut src_at, mut target_at) = (None, None);
    for (i, n) in disk.children.iter().enumerate() {
        match n {
            Node::Text(_) if target_at.is_none() => text_node = Some(i),
            Node::Element(e) if src_at.is_none() && e.name == "source" => src_at = Some(i),
            Node::Element(e) if target_at.is_none() && e.name == "target" => target_at = Some(i),
            _ => {}
        }
        if src_at.is_some() && target_at.is_some() {
            break;
        }
    }
    let (source, block) = match action {
        Action::Eject if src_at.is_none() => {
            ctl.error(&format!("The disk device '{target}' doesn't have media"));
            return None;
        }
        Action::Eject => (None, false),
        _ if source.is_none() => {
            ctl.error("New disk media source was not specified");
            return None;
        }
        _ => (source, block),
    };
    let mut policy = None;
    let text = text_node.and_then(|i| match &disk.children[i] {
        Node::Text(t) => Some(t.clone()),
        _ => None,
    });
    if let Some(i) = src_at {
        if let Node::Element(s) = &disk.children[i] {
            let path = ["file", "dev", "dir", "pool", "name"]
                .iter()
                .find_map(|a| s.attr(a));
            if path.is_some() && action == Action::Insert {
                ctl.error(&format!("The disk device '{target}' already has media"));
                return None;
            }
            policy = s.attr("startupPolicy").map(str::to_string);
        }
        disk.children.remove(i);
        if let Some(t) = target_at.as_mut() {
            if *t > i {
                *t -= 1;
            }
        }
    }
    set_attr(&mut disk, "type", if block { "block" } else { "file" });
    if let Some(path) = source {
        let mut s = Element::new("source");
        s.attrs.push((
            if block { "dev" } else { "file" }.to_string(),
            path.to_string(),
        ));
        if let Some(p) = policy {
            s.attrs.push(("startupPolicy".to_string(), p));
        }
        let at = target_at.unwrap_or(disk.children.len());
        disk.children.insert(at, Node::Element(s));
        if let Some(t) = text {
            disk.children.insert(at + 1, Node::Text(t));
        }
    }
    Some(dump(&disk))
}

pub(crate) fn cmd_change_media(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let (mut eject, insert, mut update) =
        (cmd.flag("eject"), cmd.flag("insert"), cmd.flag("update"));
    let block = cmd.flag("block");
    if !exclusive(ctl, ("eject", eject), ("insert", insert))
        || !exclusive(ctl, ("eject", eject), ("update", update))
        || !exclusive(ctl, ("insert", insert), ("update", update))
        || !exclusive(ctl, ("eject", eject), ("block", block))
    {
        return false;
    }
    let Ok(source) = cmd.string(ctl, "source") else {
        return false;
    };
    if update && source.is_none() {
        update = false;
        eject = true;
    }
    let (action, verb, done) = if eject {
        (Action::Eject, "eject", "Successfully ejected media.")
    } else if insert {
        (Action::Insert, "insert", "Successfully inserted media.")
    } else {
        let _ = update;
        (Action::Update, "update", "Successfully updated media.")
    };
    let (current, live, config) = (cmd.flag("current"), cmd.flag("live"), cmd.flag("config"));
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut flags = 0;
    if config {
        flags |= dm::CONFIG;
    }
    if live {
        flags |= dm::LIVE;
    }
    if cmd.flag("force") {
        flags |= dm::FORCE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(path) = cmd.string_req(ctl, "path") else {
        return false;
    };
    let Some(tree) = domain_tree(ctl, &dom, flags & dm::CONFIG != 0) else {
        return false;
    };
    let Some(disk) = find_disk(ctl, &tree, path, DiskKind::Changeable) else {
        return false;
    };
    let Some(xml) = update_disk(ctl, disk, source, block, path, action) else {
        return false;
    };
    if cmd.flag("print-xml") {
        ctl.print(&xml);
        return true;
    }
    if let Err(e) = dom.update_device_flags(&xml, flags) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to complete action {verb} on media"));
        return false;
    }
    ctl.print(done);
    true
}
