//! Editing text in the user's editor: the shared machinery behind `edit`, `net-edit`,
//! `pool-edit`, `desc --edit` and `metadata --edit`.
//!
//! The text goes to `$TMPDIR/virshXXXXXX.xml`, the editor (`$VISUAL`, `$EDITOR`, or a
//! default) runs on it with the terminal attached, and the file is read back. An editor
//! string made only of plain characters is run directly; anything else goes through
//! `sh -c`, so `EDITOR="sed -i s/a/b/"` works as it does with virsh.

use crate::ctl::Ctl;
use rvirt::{Error, ErrorCode, ErrorDomain};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// The editor used when neither `$VISUAL` nor `$EDITOR` is set: Debian's choice, where
/// it exists, else `vi`.
fn default_editor() -> String {
    const DEBIAN: &str = "sensible-editor";
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(DEBIAN).is_file()));
    if found { DEBIAN } else { "vi" }.to_string()
}

/// Largest file virsh reads back (10 MiB).
const MAX_XML_FILE: u64 = 10 * 1024 * 1024;

fn accepted(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-/_.:@".contains(&b))
}

/// A temporary file removed when dropped.
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn display(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `text` to a new private temporary file.
pub fn write_temp(ctl: &mut Ctl, text: &str) -> Option<TempFile> {
    let dir = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".to_string());
    let mut last_err = None;
    for _ in 0..100 {
        let path = PathBuf::from(format!("{dir}/virsh{}.xml", random_suffix()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&path) {
            Ok(mut f) => {
                let tmp = TempFile { path };
                if let Err(e) = f.write_all(text.as_bytes()) {
                    ctl.error(&format!(
                        "write: {}: failed to write to temporary file: {}",
                        tmp.display(),
                        rvirt_core::error::os_error_text(&e)
                    ));
                    return None;
                }
                return Some(tmp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                last_err = Some(e);
                break;
            }
        }
    }
    let why = last_err
        .map(|e| rvirt_core::error::os_error_text(&e))
        .unwrap_or_else(|| "File exists".to_string());
    ctl.error(&format!(
        "g_mkstemp_full: failed to create temporary file: {why}"
    ));
    None
}

/// Six characters from `[A-Za-z0-9]`, as mkstemp uses.
fn random_suffix() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 6];
    if getrandom_fill(&mut bytes).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let seed = t ^ u128::from(std::process::id());
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> (i * 8)) as u8;
        }
    }
    bytes
        .iter()
        .map(|b| CHARS[*b as usize % CHARS.len()] as char)
        .collect()
}

/// Random bytes from the kernel.
fn getrandom_fill(buf: &mut [u8]) -> std::io::Result<()> {
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// Runs the editor on `file`. On failure the error has been printed.
pub fn edit_file(ctl: &mut Ctl, file: &TempFile) -> bool {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| default_editor());
    let fname = file.display();
    let (mut command, shown) = if !accepted(&editor) {
        if !accepted(&fname) {
            ctl.error(&format!(
                "{fname}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)"
            ));
            return false;
        }
        let script = format!("{editor} {fname}");
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(&script);
        (c, format!("sh -c {}", shell_quote(&script)))
    } else {
        let mut c = std::process::Command::new(&editor);
        c.arg(file.path());
        (c, format!("{editor} {fname}"))
    };
    ctl.flush();
    let status = match command.status() {
        Ok(s) => s,
        Err(e) => {
            let program = shown.split(' ').next().unwrap_or("").to_string();
            let why = rvirt_core::error::os_error_text(&e);
            if !program.contains('/') {
                let err = Error::raw(
                    ErrorDomain::NONE,
                    ErrorCode::SYSTEM_ERROR,
                    format!("Cannot find '{program}' in path: {why}"),
                );
                ctl.set_error(err);
                ctl.report_error();
                return false;
            }
            // libvirt forks first; the child reports the failed exec and exits 127.
            ctl.eprint(&format!(
                "libvirt:  error : cannot execute binary {program}: {why}\n"
            ));
            let detail = format!("Child process ({shown}) unexpected exit status 127");
            ctl.set_error(Error::internal(ErrorDomain::NONE, detail));
            ctl.report_error();
            return false;
        }
    };
    if !status.success() {
        let detail = match status.code() {
            Some(c) => format!("Child process ({shown}) unexpected exit status {c}"),
            None => {
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt;
                    format!(
                        "Child process ({shown}) unexpected fatal signal {}",
                        status.signal().unwrap_or(0)
                    )
                }
                #[cfg(not(unix))]
                {
                    format!("Child process ({shown}) unexpected exit status")
                }
            }
        };
        ctl.set_error(Error::internal(ErrorDomain::NONE, detail));
        ctl.report_error();
        return false;
    }
    true
}

/// Quotes an argument the way libvirt shows command lines.
fn shell_quote(s: &str) -> String {
    if accepted(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Reads the edited file back.
pub fn read_back(ctl: &mut Ctl, file: &TempFile) -> Option<String> {
    let r = std::fs::File::open(file.path()).and_then(|f| {
        let mut s = Vec::new();
        f.take(MAX_XML_FILE + 1).read_to_end(&mut s)?;
        Ok(s)
    });
    match r {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => {
            ctl.error(&format!(
                "{}: failed to read temporary file: {}",
                file.display(),
                rvirt_core::error::os_error_text(&e)
            ));
            None
        }
    }
}

/// What the user wants after a failed redefinition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Edit again.
    Reedit,
    /// Give up.
    Abort,
    /// Try the same text again.
    Retry,
    /// Try again without validation.
    Relax,
    /// No terminal to ask on.
    NoTty,
}

/// Asks whether to edit again, on a terminal only (virsh's "Try again?" prompt).
pub fn ask_reedit(ctl: &mut Ctl, msg: &str, relax_avail: bool) -> Answer {
    if !std::io::stdin().is_terminal() {
        return Answer::NoTty;
    }
    ctl.report_error();
    let saved = stty(&["-g"]);
    let _ = stty(&["raw", "-echo"]);
    let choices = if relax_avail {
        "[y,n,i,f,?]"
    } else {
        "[y,n,f,?]"
    };
    let answer = loop {
        ctl.print(&format!("\r{msg} Try again? {choices}: "));
        ctl.flush();
        let mut b = [0u8; 1];
        let c = match std::io::stdin().read(&mut b) {
            Ok(1) => b[0].to_ascii_lowercase(),
            _ => break Answer::Abort,
        };
        match c {
            b'?' => {
                let mut lines = vec![
                    "",
                    "y - yes, open the editor again",
                    "n - no, discard my changes",
                ];
                if relax_avail {
                    lines.push("i - define again without validating the XML");
                }
                lines.push("f - force, define the same XML again");
                lines.push("? - show these choices");
                for l in lines {
                    ctl.print(&format!("{l}\r\n"));
                }
            }
            b'y' => break Answer::Reedit,
            b'n' => break Answer::Abort,
            b'f' => break Answer::Retry,
            b'i' if relax_avail => break Answer::Relax,
            _ => {}
        }
    };
    match saved {
        Some(s) => {
            let _ = stty(&[s.trim()]);
        }
        None => {
            let _ = stty(&["sane"]);
        }
    }
    ctl.print("\r\n");
    ctl.flush();
    answer
}

/// Runs `stty` on the terminal behind stdin; returns its output.
fn stty(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("stty")
        .args(args)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// How an edit session ended.
pub enum EditOutcome<T> {
    /// The user saved the text unchanged.
    NotChanged,
    /// The edited text was applied; `None` when virsh carries on after a failure it could
    /// not ask about (no terminal), which it reports as success.
    Edited(Option<T>),
    /// Something failed; the error has been printed or saved.
    Failed,
}

/// The edit / re-read / re-define cycle virsh uses for XML objects.
///
/// `get` fetches the current text; `define` applies an edited text (its bool argument is
/// true once the user chose to skip validation). `relax` says whether skipping validation
/// is offered.
pub fn edit_loop<T>(
    ctl: &mut Ctl,
    get: &mut dyn FnMut(&mut Ctl) -> Option<String>,
    define: &mut dyn FnMut(&mut Ctl, &str, bool) -> Option<T>,
    relax: bool,
) -> EditOutcome<T> {
    let Some(mut doc) = get(ctl) else {
        return EditOutcome::Failed;
    };
    let Some(tmp) = write_temp(ctl, &doc) else {
        return EditOutcome::Failed;
    };
    let mut relaxed = false;
    'reedit: loop {
        let mut relax_avail = relax;
        if !edit_file(ctl, &tmp) {
            return EditOutcome::Failed;
        }
        let Some(edited) = read_back(ctl, &tmp) else {
            return EditOutcome::Failed;
        };
        if edited == doc {
            return EditOutcome::NotChanged;
        }
        loop {
            let mut msg = None;
            let Some(reread) = get(ctl) else {
                return EditOutcome::Failed;
            };
            if reread != doc {
                msg = Some("The XML configuration was changed by another user.");
                doc = reread;
            }
            let mut result = None;
            if msg.is_none() {
                result = define(ctl, &edited, relaxed);
                if result.is_none() {
                    msg = Some("Failed.");
                }
            }
            let Some(msg) = msg else {
                return EditOutcome::Edited(result);
            };
            match ask_reedit(ctl, msg, relax_avail) {
                Answer::Reedit => continue 'reedit,
                Answer::Retry => continue,
                Answer::Relax if relax_avail => {
                    relaxed = true;
                    relax_avail = false;
                    continue;
                }
                Answer::Relax | Answer::Abort => return EditOutcome::Failed,
                Answer::NoTty => {
                    ctl.error(msg);
                    return EditOutcome::Edited(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_editor_names() {
        assert!(accepted("vi"));
        assert!(accepted("/usr/bin/vim"));
        assert!(!accepted("sed -i s/a/b/"));
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(random_suffix().len(), 6);
    }
}
