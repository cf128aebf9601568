//! The driver's files: persistent definitions, autostart links and the status of running
//! domains. Every write is atomic, so a daemon killed at any moment leaves either the old
//! file or the new one.
//!
//! A status file is what a restarted daemon needs to take a running guest back: the live
//! definition (aliases, pty paths, ports), QEMU's pid, the monitor socket, the domain id
//! and state, and the host resources made for it (tap devices).

use crate::fsutil::write_atomic;
use crate::paths::Paths;
use rvirt_core::types::DomainState;
use rvirt_core::{Error, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, DriverDefaults, FormatCtx, ParseCtx};
use rvirt_xml::tree::parse_document;
use std::path::{Path, PathBuf};

fn io_err(action: String, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::QEMU, action, e)
}

/// Saves a persistent definition.
pub fn save_config(paths: &Paths, def: &DomainDef) -> Result<()> {
    let path = paths.config_file(&def.name);
    let text = def.format(&FormatCtx {
        inactive: true,
        secure: true,
        migratable: false,
    });
    write_atomic(&path, text.as_bytes())
        .map_err(|e| io_err(format!("cannot write config file '{}'", path.display()), &e))
}

/// Removes a persistent definition and its autostart link.
pub fn delete_config(paths: &Paths, name: &str) -> Result<()> {
    let _ = std::fs::remove_file(paths.autostart_link(name));
    let path = paths.config_file(name);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(
            format!("cannot remove config {}", path.display()),
            &e,
        )),
    }
}

/// Turns autostart on (a link to the definition, as libvirt keeps it) or off.
pub fn set_autostart(paths: &Paths, name: &str, on: bool) -> Result<()> {
    let link = paths.autostart_link(name);
    if on {
        if let Some(dir) = link.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                io_err(
                    format!("cannot create autostart directory {}", dir.display()),
                    &e,
                )
            })?;
        }
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(paths.config_file(name), &link).map_err(|e| {
            io_err(
                format!(
                    "Failed to create symlink '{}' to '{}'",
                    link.display(),
                    paths.config_file(name).display()
                ),
                &e,
            )
        })
    } else {
        match std::fs::remove_file(&link) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(
                format!("Failed to delete symlink '{}'", link.display()),
                &e,
            )),
        }
    }
}

pub fn autostart(paths: &Paths, name: &str) -> bool {
    std::fs::symlink_metadata(paths.autostart_link(name)).is_ok()
}

/// Every persistent definition in the configuration directory, parsed; a file that does not
/// parse is skipped with a warning (as libvirt skips it), never a reason not to start.
pub fn load_configs(paths: &Paths, defaults: &dyn DriverDefaults) -> Vec<DomainDef> {
    let Ok(dir) = std::fs::read_dir(&paths.config_dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml") && p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| tracing::warn!("cannot read {}: {e}", p.display()))
                .ok()?;
            match DomainDef::parse(&text, &ParseCtx { inactive: true }, defaults) {
                Ok(d) if p.file_stem().is_some_and(|s| *s == *d.name) => Some(d),
                Ok(d) => {
                    tracing::warn!(
                        "{} defines domain '{}', not the one its name says; skipped",
                        p.display(),
                        d.name
                    );
                    None
                }
                Err(e) => {
                    tracing::warn!("{}: {e}", p.display());
                    None
                }
            }
        })
        .collect()
}

/// What a status file records.
#[derive(Clone, Debug)]
pub struct Status {
    pub def: DomainDef,
    pub id: i32,
    pub pid: u32,
    pub state: DomainState,
    pub reason: i32,
    pub monitor: PathBuf,
    pub dir: PathBuf,
    pub taps: Vec<String>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
}

/// Writes a running domain's status file.
pub fn write_status(paths: &Paths, st: &Status) -> Result<()> {
    let path = paths.status_file(&st.def.name);
    let mut text = format!(
        "<domstatus state='{}' reason='{}' pid='{}' id='{}'>\n  <monitor path='{}'/>\n  <dir path='{}'/>\n",
        st.state as i32,
        st.reason,
        st.pid,
        st.id,
        esc(&st.monitor.to_string_lossy()),
        esc(&st.dir.to_string_lossy()),
    );
    for t in &st.taps {
        text.push_str(&format!("  <tap name='{}'/>\n", esc(t)));
    }
    text.push_str(&st.def.format(&FormatCtx {
        inactive: false,
        secure: true,
        migratable: false,
    }));
    text.push_str("</domstatus>\n");
    write_atomic(&path, text.as_bytes())
        .map_err(|e| io_err(format!("cannot write status file '{}'", path.display()), &e))
}

/// Reads a status file back.
pub fn read_status(path: &Path, defaults: &dyn DriverDefaults) -> Result<Status> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| io_err(format!("cannot read status file '{}'", path.display()), &e))?;
    let root = parse_document(&text, "domstatus").map_err(|e| {
        let e: Error = e.into();
        e
    })?;
    let bad = |what: &str| {
        Error::internal(
            ErrorDomain::QEMU,
            format!("status file '{}': {what}", path.display()),
        )
    };
    if root.name != "domstatus" {
        return Err(bad("not a domstatus document"));
    }
    let num = |k: &str| -> Result<i64> {
        root.attr(k)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(&format!("missing or bad '{k}'")))
    };
    let dom = root.child("domain").ok_or_else(|| bad("no <domain>"))?;
    let def = DomainDef::from_element(dom, &ParseCtx { inactive: false }, defaults)?;
    let path_of = |el: &str| {
        root.child(el)
            .and_then(|m| m.attr("path"))
            .map(PathBuf::from)
            .ok_or_else(|| bad(&format!("no <{el} path>")))
    };
    Ok(Status {
        id: num("id")? as i32,
        pid: num("pid")? as u32,
        state: DomainState::from_i32(num("state")? as i32).ok_or_else(|| bad("bad 'state'"))?,
        reason: num("reason")? as i32,
        monitor: path_of("monitor")?,
        dir: path_of("dir")?,
        taps: root
            .children_named("tap")
            .filter_map(|t| t.attr("name").map(str::to_string))
            .collect(),
        def,
    })
}

/// Status files present (one per domain the last daemon left running).
pub fn status_files(paths: &Paths) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(&paths.state_dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    v.sort();
    v
}

/// Removes what a stopped domain leaves in the state directory.
pub fn remove_status(paths: &Paths, name: &str) {
    let _ = std::fs::remove_file(paths.status_file(name));
    let _ = std::fs::remove_file(paths.pid_file(name));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt_xml::domain::postparse::GenericDefaults;

    const XML: &str = "<domain type='qemu'><name>vm</name>\
        <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><memory>131072</memory>\
        <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os></domain>";

    #[test]
    fn status_round_trips_through_its_file() {
        let dir = std::env::temp_dir().join(format!("rvirt-store-{}", std::process::id()));
        let paths = Paths::system(Some(&dir));
        let defaults = GenericDefaults { arch: "x86_64" };
        let mut def =
            DomainDef::parse(XML, &ParseCtx { inactive: true }, &defaults).expect("parse");
        def.id = Some(4);
        let st = Status {
            def,
            id: 4,
            pid: 1234,
            state: DomainState::Paused,
            reason: 1,
            monitor: "/x/monitor.sock".into(),
            dir: "/x".into(),
            taps: vec!["vnet0".into()],
        };
        write_status(&paths, &st).expect("write");
        let back = read_status(&paths.status_file("vm"), &defaults).expect("read");
        assert_eq!(back.pid, 1234);
        assert_eq!(back.id, 4);
        assert_eq!(back.state, DomainState::Paused);
        assert_eq!(back.taps, vec!["vnet0".to_string()]);
        assert_eq!(back.def.name, "vm");
        assert_eq!(back.def.id, Some(4));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn configs_and_autostart_links() {
        let dir = std::env::temp_dir().join(format!("rvirt-store-cfg-{}", std::process::id()));
        let paths = Paths::system(Some(&dir));
        let defaults = GenericDefaults { arch: "x86_64" };
        let def = DomainDef::parse(XML, &ParseCtx { inactive: true }, &defaults).expect("parse");
        save_config(&paths, &def).expect("save");
        set_autostart(&paths, "vm", true).expect("autostart");
        assert!(autostart(&paths, "vm"));
        let all = load_configs(&paths, &defaults);
        assert_eq!(all.len(), 1);
        delete_config(&paths, "vm").expect("delete");
        assert!(!autostart(&paths, "vm"));
        assert!(load_configs(&paths, &defaults).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
