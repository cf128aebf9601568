//! A domain's XML: printing, converting and editing it.

use crate::cli::parser::Cmd;
use crate::commands::{conn, dump_xml, exclusive_opts, read_file, xpath_opt};
use crate::ctl::Ctl;
use crate::editor::{self, EditOutcome};
use crate::lookup::{self, BY_ANY};
use rvirt::flags;
use rvirt::ErrorCode;

pub(super) fn cmd_dumpxml(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let mut f = 0;
    for (n, bit) in [
        ("inactive", flags::domain_xml::INACTIVE),
        ("security-info", flags::domain_xml::SECURE),
        ("update-cpu", flags::domain_xml::UPDATE_CPU),
        ("migratable", flags::domain_xml::MIGRATABLE),
    ] {
        if cmd.flag(n) {
            f |= bit;
        }
    }
    let wrap = cmd.flag("wrap");
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let Ok(xp) = xpath_opt(cmd) else {
        return false;
    };
    let Some(xml) = ctl.check(dom.xml_desc(f)) else {
        return false;
    };
    dump_xml(ctl, &xml, xp, wrap)
}

pub(super) fn cmd_domxml_to_native(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    if !exclusive_opts(ctl, cmd, "domain", "xml") {
        return false;
    }
    let Ok(format) = cmd.string_req(ctl, "format") else {
        return false;
    };
    let format = format.to_string();
    let Ok(xml_file) = cmd.string(ctl, "xml") else {
        return false;
    };
    let xml_file = xml_file.map(str::to_string);
    let xml = if cmd.has("domain") {
        let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
            return false;
        };
        ctl.check(dom.xml_desc(0))
    } else if let Some(f) = xml_file {
        match read_file(ctl, &f) {
            Some(x) => Some(x),
            None => return false,
        }
    } else {
        ctl.error("need either domain or domain XML");
        return false;
    };
    let Some(xml) = xml else {
        ctl.error("failed to retrieve XML");
        return false;
    };
    match c.domain_xml_to_native(&format, &xml, 0) {
        Ok(native) => {
            ctl.print(&native);
            true
        }
        Err(e) => {
            ctl.set_error(e);
            false
        }
    }
}

pub(super) fn cmd_edit(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(c) = conn(ctl) else { return false };
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let query = flags::domain_xml::SECURE | flags::domain_xml::INACTIVE;
    let validate = !cmd.flag("skip-validate");
    let d = dom.clone();
    let outcome = editor::edit_loop(
        ctl,
        &mut |ctl: &mut Ctl| ctl.check(d.xml_desc(query)),
        &mut |ctl: &mut Ctl, xml: &str, relaxed: bool| {
            let f = if validate && !relaxed {
                flags::define::VALIDATE
            } else {
                0
            };
            match c.domain_define_xml(xml, f) {
                Ok(nd) => Some(nd),
                Err(e) if e.code == ErrorCode::NO_SUPPORT && f != 0 => {
                    ctl.check(c.domain_define_xml(xml, 0))
                }
                Err(e) => {
                    ctl.set_error(e);
                    None
                }
            }
        },
        true,
    );
    match outcome {
        EditOutcome::NotChanged => {
            ctl.print_extra(&format!(
                "Domain '{}' XML configuration not changed.\n",
                dom.name()
            ));
            true
        }
        EditOutcome::Edited(nd) => {
            let name = nd.map(|d| d.name().to_string());
            ctl.print_extra(&format!(
                "Domain '{}' XML configuration edited.\n",
                name.as_deref().unwrap_or("(null)")
            ));
            true
        }
        EditOutcome::Failed => false,
    }
}
