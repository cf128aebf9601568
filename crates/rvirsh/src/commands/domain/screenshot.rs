//! `screenshot`: a domain's console image through a stream into a file.

use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_ANY};
use std::io::Write;

/// virsh's default file name: the domain's name, the local time and an extension for the
/// MIME types virsh knows.
fn generated_name(domain: &str, mime: &str) -> String {
    let ext = match mime {
        "image/x-portable-pixmap" => ".ppm",
        "image/png" => ".png",
        _ => "",
    };
    format!("{domain}-{}{ext}", crate::localtime::now().dashed())
}

/// Opens the file as virsh does: created new (and removed again if the command fails),
/// or an existing one truncated.
fn create(path: &str) -> Option<(std::fs::File, bool)> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => Some((f, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .ok()
            .map(|f| (f, false)),
        Err(_) => None,
    }
}

pub(super) fn cmd_screenshot(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Ok(file) = cmd.string(ctl, "file") else {
        return false;
    };
    let Ok(screen) = cmd.uint(ctl, "screen") else {
        return false;
    };
    let Some((dom, name)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let st = match dom.connect().new_stream(0) {
        Ok(st) => st,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    let mime = match dom.screenshot(&st, screen.unwrap_or(0), 0) {
        Ok(m) => m,
        Err(e) => {
            ctl.set_error(e);
            ctl.error(&format!("could not take a screenshot of {name}"));
            return false;
        }
    };
    let file = match file {
        Some(f) => f.to_string(),
        None => generated_name(dom.name(), &mime),
    };
    let Some((mut out, created)) = create(&file) else {
        ctl.error(&format!("cannot create file {file}"));
        return false;
    };
    let fail = |ctl: &mut Ctl, msg: String| {
        if created {
            let _ = std::fs::remove_file(&file);
        }
        ctl.error(&msg);
        false
    };
    let received = st.recv_all(|d| {
        out.write_all(d).map_err(|e| {
            rvirt::Error::system(rvirt::ErrorDomain::NONE, "cannot write to stream sink", &e)
        })
    });
    if let Err(e) = received {
        ctl.set_error(e);
        return fail(ctl, format!("could not receive data from domain {name}"));
    }
    drop(out);
    if let Err(e) = st.finish() {
        ctl.set_error(e);
        return fail(ctl, format!("cannot close stream on domain {name}"));
    }
    ctl.print_extra(&format!("Screenshot saved to {file}, with type of {mime}"));
    true
}
