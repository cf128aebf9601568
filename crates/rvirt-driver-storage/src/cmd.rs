//! Running helper programs (qemu-img, mount, mkfs, scrub) and reporting their failures in
//! libvirt's words, with the whole command line and the helper's own error output.

use rvirt_core::{Error, ErrorDomain, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The absolute path of `prog` on `PATH` (plus the sbin directories a daemon may lack),
/// as libvirt names helpers by absolute path in its messages.
pub fn find(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(prog))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A helper's command line.
pub struct Helper {
    /// What runs.
    exe: String,
    /// The command line as messages show it (`argv[0]` may be a bare name).
    argv: Vec<String>,
}

impl Helper {
    /// `prog` resolved on `PATH`; an absent helper fails when run, naming the program.
    pub fn new(prog: &str) -> Helper {
        let p = find(prog).map_or_else(|| prog.to_string(), |p| p.display().to_string());
        Helper {
            exe: p.clone(),
            argv: vec![p],
        }
    }

    /// A system tool by the path libvirt's Debian build names it (`/sbin/vgcreate`),
    /// where that path exists; found as `new` finds it otherwise.
    pub fn system(prog: &str) -> Helper {
        let sbin = format!("/sbin/{prog}");
        if is_executable(Path::new(&sbin)) {
            return Helper {
                exe: sbin.clone(),
                argv: vec![sbin],
            };
        }
        Helper::new(prog)
    }

    /// `prog` found as `new` finds it, but named bare in messages, as libvirt names
    /// the helpers it runs by name (parted).
    pub fn bare(prog: &str) -> Helper {
        let exe = find(prog).map_or_else(|| prog.to_string(), |p| p.display().to_string());
        Helper {
            exe,
            argv: vec![prog.to_string()],
        }
    }

    pub fn arg(mut self, a: impl Into<String>) -> Helper {
        self.argv.push(a.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, a: I) -> Helper {
        self.argv.extend(a.into_iter().map(Into::into));
        self
    }

    pub fn line(&self) -> String {
        self.argv.join(" ")
    }

    /// Runs it to the end; its standard output on success.
    pub fn run(&self) -> Result<String> {
        tracing::debug!(command = %self.line(), "running helper");
        let out = Command::new(&self.exe)
            .args(&self.argv[1..])
            .stdin(Stdio::null())
            .env("LC_ALL", "C")
            .output()
            .map_err(|e| {
                Error::system(
                    ErrorDomain::NONE,
                    format!("Cannot run program '{}'", self.argv[0]),
                    &e,
                )
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let status = match out.status.code() {
            Some(c) => format!("unexpected exit status {c}"),
            None => "fatal signal".to_string(),
        };
        let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
        if text.is_empty() {
            text = String::from_utf8_lossy(&out.stdout).into_owned();
        }
        let tail = if text.is_empty() {
            String::new()
        } else {
            format!(": {text}")
        };
        Err(Error::internal(
            ErrorDomain::NONE,
            format!("Child process ({}) {status}{tail}", self.line()),
        ))
    }
}
