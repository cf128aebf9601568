//! A domain's description, title and custom metadata.

use crate::cli::parser::Cmd;
use crate::commands::{domain_description, domain_state, exclusive, exclusive_opts};
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::ErrorCode;

pub(super) fn cmd_desc(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let title = cmd.flag("title");
    let edit = cmd.flag("edit");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    let mut query = 0;
    if config {
        f |= flags::affect::CONFIG;
        query |= flags::domain_xml::INACTIVE;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    if domain_state(ctl, &dom).is_none() {
        return false;
    }
    let words = cmd.argv("new-desc");
    let mut desc = if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    };
    let kind = if title {
        flags::metadata::TITLE
    } else {
        flags::metadata::DESCRIPTION
    };
    let what = if title { "title" } else { "description" };
    if !edit && desc.is_none() {
        let Some(text) = domain_description(ctl, &dom, title, query) else {
            return false;
        };
        if !text.is_empty() {
            ctl.print(&text);
        } else if title {
            ctl.print_extra(&format!("No title for domain: {}", dom.name()));
        } else {
            ctl.print_extra(&format!("No description for domain: {}", dom.name()));
        }
        return true;
    }
    // virsh reads the current text first even when it was given a new one, so a query
    // that fails (a transient domain's --config) is the error reported.
    let Some(current_text) = domain_description(ctl, &dom, title, query) else {
        return false;
    };
    if desc.is_none() {
        desc = Some(current_text);
    }
    let mut text = desc.unwrap_or_default();
    if edit {
        let Some(tmp) = editor::write_temp(ctl, &text) else {
            return false;
        };
        if !editor::edit_file(ctl, &tmp) {
            return false;
        }
        let Some(mut edited) = editor::read_back(ctl, &tmp) else {
            return false;
        };
        if title && edited.ends_with('\n') {
            edited.pop();
        }
        if edited == text {
            ctl.print_extra(&format!("Domain {what} not changed\n",));
            return true;
        }
        text = edited;
    }
    if let Err(e) = dom.set_metadata(kind, Some(&text), None, None, f) {
        ctl.set_error(e);
        ctl.error(&format!("Failed to set new domain {what}"));
        return false;
    }
    ctl.print_extra(&format!("Domain {what} updated successfully"));
    true
}

pub(super) fn cmd_metadata(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let config = cmd.flag("config");
    let live = cmd.flag("live");
    let current = cmd.flag("current");
    let edit = cmd.flag("edit");
    let rem = cmd.flag("remove");
    if !exclusive(ctl, ("current", current), ("live", live))
        || !exclusive(ctl, ("current", current), ("config", config))
        || !exclusive_opts(ctl, cmd, "edit", "set")
        || !exclusive_opts(ctl, cmd, "remove", "set")
        || !exclusive_opts(ctl, cmd, "remove", "edit")
    {
        return false;
    }
    let mut f = flags::affect::CURRENT;
    if config {
        f |= flags::affect::CONFIG;
    }
    if live {
        f |= flags::affect::LIVE;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let (Ok(uri), Ok(key), Ok(set)) = (
        cmd.string(ctl, "uri"),
        cmd.string(ctl, "key"),
        cmd.string(ctl, "set"),
    ) else {
        return false;
    };
    if (set.is_some() || edit) && key.is_none() {
        ctl.error("namespace key is required when modifying metadata");
        return false;
    }
    let el = flags::metadata::ELEMENT;
    if set.is_some() || rem {
        if let Err(e) = dom.set_metadata(el, set, key, uri, f) {
            ctl.set_error(e);
            return false;
        }
        ctl.print_extra(if rem {
            "Metadata removed\n"
        } else {
            "Metadata modified\n"
        });
        return true;
    }
    if edit {
        let outcome = editor::edit_loop(
            ctl,
            &mut |ctl: &mut Ctl| match dom.metadata(el, uri, f) {
                Ok(s) => Some(s),
                Err(e) if e.code == ErrorCode::NO_DOMAIN_METADATA => {
                    ctl.reset_error();
                    Some("\n".to_string())
                }
                Err(e) => {
                    ctl.set_error(e);
                    None
                }
            },
            &mut |ctl: &mut Ctl, text: &str, _| {
                ctl.check(dom.set_metadata(el, Some(text), key, uri, f))
            },
            false,
        );
        return match outcome {
            EditOutcome::NotChanged => {
                ctl.print_extra("Metadata not changed");
                true
            }
            EditOutcome::Edited(_) => {
                ctl.print_extra("Metadata modified\n");
                true
            }
            EditOutcome::Failed => false,
        };
    }
    match dom.metadata(el, uri, f) {
        Ok(data) => {
            ctl.print(&format!("{data}\n"));
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}
