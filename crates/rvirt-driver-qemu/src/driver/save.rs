//! Saving a running domain's memory and device state to a file, and starting it again
//! from there (`virsh save` / `restore`, and the managed save `virsh managedsave` keeps in
//! the driver's own directory for the next start).
//!
//! The file has libvirt's layout, so images move between rvirt and libvirt: a 92-byte
//! header (magic `LibvirtQemudSave`, version 2, the length of the XML that follows, whether
//! the guest was running, compression 0), the domain's XML (NUL-terminated), then QEMU's
//! migration stream. While it is being written the magic says `LibvirtQemudPart`, so an
//! image cut short by a crash is never restored.

use super::start::{self, StartOpts};
use super::Inner;
use crate::domobj::{not_running, Domain};
use crate::events::{self, detail, kind};
use rvirt_core::types::{reason, DomainState};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, FormatCtx, ParseCtx};
use serde_json::json;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MAGIC: &[u8; 16] = b"LibvirtQemudSave";
const PARTIAL: &[u8; 16] = b"LibvirtQemudPart";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 16 + 4 * 19;

/// A save image's header and definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub xml: String,
    pub was_running: bool,
    /// Where QEMU's migration stream starts.
    pub data_offset: u64,
}

fn sys_err(action: String, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::QEMU, action, e)
}

fn header(xml_len: u32, was_running: bool, magic: &[u8; 16]) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(magic);
    // libvirt writes the header in host byte order.
    for v in [VERSION, xml_len, u32::from(was_running), 0, 0] {
        h.extend_from_slice(&v.to_ne_bytes());
    }
    h.resize(HEADER_LEN, 0);
    h
}

/// Reads and checks an image's header and definition.
pub fn read_image(path: &Path) -> Result<Image> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| sys_err(format!("cannot read domain image '{}'", path.display()), &e))?;
    let mut h = [0u8; HEADER_LEN];
    f.read_exact(&mut h).map_err(|e| {
        sys_err(
            format!("failed to read qemu header of '{}'", path.display()),
            &e,
        )
    })?;
    let bad = |m: &str| {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_FAILED,
            Some(m.to_string()),
        )
    };
    if &h[..16] == PARTIAL {
        return Err(bad("save image is incomplete"));
    }
    if &h[..16] != MAGIC {
        return Err(bad("image magic is incorrect"));
    }
    let word =
        |i: usize| u32::from_ne_bytes([h[16 + 4 * i], h[17 + 4 * i], h[18 + 4 * i], h[19 + 4 * i]]);
    let (version, len, was_running, compressed) = (word(0), word(1), word(2), word(3));
    if version > VERSION {
        return Err(bad(&format!(
            "image version is not supported ({version} > {VERSION})"
        )));
    }
    if compressed != 0 {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::OPERATION_FAILED,
            Some("compressed save images are not supported".to_string()),
        ));
    }
    if len == 0 || len > 64 * 1024 * 1024 {
        return Err(bad("invalid XML length in the save image"));
    }
    let mut xml = vec![0u8; len as usize];
    f.read_exact(&mut xml)
        .map_err(|e| sys_err("failed to read domain XML".to_string(), &e))?;
    let end = xml.iter().position(|b| *b == 0).unwrap_or(xml.len());
    let xml = String::from_utf8(xml[..end].to_vec())
        .map_err(|_| bad("the save image's XML is not UTF-8"))?;
    Ok(Image {
        xml,
        was_running: was_running != 0,
        data_offset: (HEADER_LEN + len as usize) as u64,
    })
}

/// Waits for QEMU's migration to end; its final status.
fn wait_migration(m: &crate::qmp::Monitor, exit: &crate::process::Exit) -> Result<()> {
    let start = Instant::now();
    loop {
        if exit.ended() {
            return Err(not_running());
        }
        let st = m
            .execute("query-migrate", None)
            .map_err(super::lifecycle::qmp_error)?;
        match st.get("status").and_then(|s| s.as_str()) {
            Some("completed") => return Ok(()),
            Some("failed") | Some("cancelled") => {
                let why = st
                    .get("error-desc")
                    .and_then(|e| e.as_str())
                    .unwrap_or("migration failed");
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::OPERATION_FAILED,
                    Some(format!("operation failed: job 'domain save' failed: {why}")),
                ));
            }
            _ => {}
        }
        // Short at first (small guests finish in milliseconds), then easier on QEMU.
        let pause = if start.elapsed() < Duration::from_secs(1) {
            5
        } else {
            50
        };
        std::thread::sleep(Duration::from_millis(pause));
    }
}

/// Saves the running domain to `path` and stops it. The caller holds the job.
pub fn save(
    inner: &Arc<Inner>,
    dom: &Arc<Domain>,
    path: &Path,
    xml_override: Option<&str>,
) -> Result<()> {
    let (was_running, xml, exit) = {
        let st = dom.lock();
        let l = st.live.as_ref().ok_or_else(not_running)?;
        let xml = match xml_override {
            Some(x) => x.to_string(),
            None => l.def.format(&FormatCtx {
                inactive: true,
                secure: true,
                migratable: true,
            }),
        };
        (st.state == DomainState::Running, xml, l.exit.clone())
    };
    let exit = exit.ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no process watcher"))?;
    let m = super::lifecycle::monitor(dom)?;
    if was_running {
        if let Some(l) = dom.lock().live.as_mut() {
            l.paused_by_us = true;
        }
        m.execute("stop", None)
            .map_err(super::lifecycle::qmp_error)?;
        let r = {
            let mut st = dom.lock();
            st.state = DomainState::Paused;
            st.reason = reason::paused::SAVE;
            st.reference()
        };
        events::lifecycle_event(&inner.events, r, kind::SUSPENDED, detail::suspended::PAUSED);
    }
    let resume = |why: Error| -> Error {
        if was_running {
            let _ = m.execute("cont", None);
            let mut st = dom.lock();
            if st.live.is_some() {
                st.state = DomainState::Running;
                st.reason = reason::running::SAVE_CANCELED;
            }
            if let Some(l) = st.live.as_mut() {
                l.paused_by_us = false;
            }
        }
        why
    };
    let mut data = xml.into_bytes();
    data.push(0);
    let written = (|| -> Result<std::fs::File> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| sys_err(format!("Failed to create file '{}'", path.display()), &e))?;
        f.write_all(&header(data.len() as u32, was_running, PARTIAL))
            .and_then(|()| f.write_all(&data))
            .map_err(|e| {
                sys_err(
                    format!(
                        "failed to write header to domain save file '{}'",
                        path.display()
                    ),
                    &e,
                )
            })?;
        Ok(f)
    })();
    let f = match written {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(path);
            return Err(resume(e));
        }
    };
    let migrated = (|| -> Result<()> {
        // Unthrottled: a save should be as fast as the disk allows.
        let _ = m.execute(
            "migrate-set-parameters",
            Some(json!({"max-bandwidth": 9_223_372_036_853_727_232u64})),
        );
        m.execute_with_fd("getfd", Some(json!({"fdname": "migrate"})), f.as_fd())
            .map_err(super::lifecycle::qmp_error)?;
        m.execute("migrate", Some(json!({"uri": "fd:migrate"})))
            .map_err(super::lifecycle::qmp_error)?;
        wait_migration(&m, &exit)
    })();
    if let Err(e) = migrated {
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(resume(e));
    }
    let finalized = (|| -> std::io::Result<()> {
        let mut f = f;
        f.sync_all()?;
        f.seek(SeekFrom::Start(0))?;
        f.write_all(MAGIC)?;
        f.sync_all()
    })();
    if let Err(e) = finalized {
        let _ = std::fs::remove_file(path);
        return Err(resume(sys_err(
            format!("failed to finish '{}'", path.display()),
            &e,
        )));
    }
    {
        let mut st = dom.lock();
        if let Some(l) = st.live.as_mut() {
            l.saving = true;
        }
    }
    // The guest's state is in the file: QEMU ends, and its end counts as "saved".
    let _ = m.with_timeout(Duration::from_secs(5)).execute("quit", None);
    if !exit.wait(Duration::from_secs(10)) {
        if let Some(pid) = dom.lock().live.as_ref().map(|l| l.pid) {
            crate::process::signal(pid, rustix::process::Signal::KILL);
        }
        exit.wait(Duration::from_secs(10));
    }
    Ok(())
}

/// Starts a domain from a save image: QEMU waits for the incoming migration stream, which
/// is read from the file, then runs if the guest was running when saved (unless
/// `paused`/`running` say otherwise). The caller holds the job.
pub fn restore_into(
    inner: &Arc<Inner>,
    dom: &Arc<Domain>,
    def: DomainDef,
    path: &Path,
    img: &Image,
    run: Option<bool>,
) -> Result<()> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| sys_err(format!("cannot read domain image '{}'", path.display()), &e))?;
    f.seek(SeekFrom::Start(img.data_offset))
        .map_err(|e| sys_err("cannot seek in the save image".into(), &e))?;
    start::start(
        inner,
        dom,
        def,
        StartOpts {
            paused: true,
            incoming: true,
        },
    )?;
    let m = super::lifecycle::monitor(dom)?;
    let exit = dom
        .lock()
        .live
        .as_ref()
        .and_then(|l| l.exit.clone())
        .ok_or_else(not_running)?;
    let loaded = (|| -> Result<()> {
        m.execute_with_fd("getfd", Some(json!({"fdname": "incoming"})), f.as_fd())
            .map_err(super::lifecycle::qmp_error)?;
        m.execute("migrate-incoming", Some(json!({"uri": "fd:incoming"})))
            .map_err(super::lifecycle::qmp_error)?;
        wait_migration(&m, &exit)
    })();
    if let Err(e) = loaded {
        let _ = super::lifecycle::destroy(dom, false);
        return Err(e);
    }
    let running = run.unwrap_or(img.was_running);
    let r = dom.lock().reference();
    events::lifecycle_event(
        &inner.events,
        r.clone(),
        kind::STARTED,
        detail::started::RESTORED,
    );
    if running {
        m.execute("cont", None)
            .map_err(super::lifecycle::qmp_error)?;
        let mut st = dom.lock();
        st.state = DomainState::Running;
        st.reason = reason::running::RESTORED;
    } else {
        let mut st = dom.lock();
        st.state = DomainState::Paused;
        st.reason = reason::paused::USER;
        drop(st);
        events::lifecycle_event(
            &inner.events,
            r,
            kind::SUSPENDED,
            detail::suspended::RESTORED,
        );
    }
    let st = dom.lock();
    if let Some(s) = start::status_of(&st) {
        crate::store::write_status(&inner.paths, &s)?;
    }
    Ok(())
}

/// The definition stored in an image, as a domain definition.
pub fn image_def(inner: &Inner, img: &Image) -> Result<DomainDef> {
    DomainDef::parse(&img.xml, &ParseCtx { inactive: true }, &inner.defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_libvirts_size_and_checked() {
        let h = header(10, true, MAGIC);
        assert_eq!(h.len(), 92);
        let dir = std::env::temp_dir().join(format!("rvirt-save-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("x.save");
        let mut bytes = h;
        bytes.extend_from_slice(b"<domain/>\0");
        bytes.extend_from_slice(b"QEMU stream...");
        std::fs::write(&p, &bytes).expect("write");
        let img = read_image(&p).expect("read");
        assert_eq!(img.xml, "<domain/>");
        assert!(img.was_running);
        assert_eq!(img.data_offset, 102);
        bytes[..16].copy_from_slice(PARTIAL);
        std::fs::write(&p, &bytes).expect("write");
        assert!(read_image(&p)
            .err()
            .map(|e| e.message.contains("incomplete"))
            .unwrap_or(false));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
