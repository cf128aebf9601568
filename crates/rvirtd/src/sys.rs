//! The few OS calls the daemon needs beyond std: user and group names, group ownership of
//! sockets, an exclusive lock on the pid file, and detaching into the background.

use rustix::fs::{flock, FlockOperation};
use std::io::Write;
use std::path::Path;

/// The `(name, id)` entries of /etc/passwd or /etc/group (name, password, id, ...).
fn id_entries(text: &str) -> impl Iterator<Item = (&str, u32)> {
    text.lines().filter_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next();
        Some((name, f.next()?.parse::<u32>().ok()?))
    })
}

/// The name of user or group `id` in `file` (/etc/passwd or /etc/group).
pub fn name_of(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let name = id_entries(&text)
        .find(|(_, i)| *i == id)
        .map(|(n, _)| n.to_string());
    name
}

/// Gives `path` to group `name` (from /etc/group).
pub fn chown_group(path: &Path, name: &str) -> Result<(), String> {
    let groups = std::fs::read_to_string("/etc/group")
        .map_err(|e| format!("cannot read /etc/group: {e}"))?;
    let gid = id_entries(&groups)
        .find(|(n, _)| *n == name)
        .map(|(_, id)| id)
        .ok_or_else(|| format!("unknown group '{name}'"))?;
    std::os::unix::fs::chown(path, None, Some(gid))
        .map_err(|e| format!("cannot chown '{}': {e}", path.display()))
}

/// An exclusively locked pid file, held for the daemon's lifetime; a second daemon using
/// the same runtime directory fails to take it.
pub struct PidFile {
    _file: std::fs::File,
    path: std::path::PathBuf,
}

impl PidFile {
    pub fn acquire(path: &Path) -> Result<PidFile, String> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create '{}': {e}", d.display()))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("cannot open pid file '{}': {e}", path.display()))?;
        flock(&f, FlockOperation::NonBlockingLockExclusive).map_err(|_| {
            let other = std::fs::read_to_string(path).unwrap_or_default();
            format!(
                "another rvirtd is running with pid file '{}' (pid {})",
                path.display(),
                other.trim()
            )
        })?;
        f.set_len(0).map_err(|e| e.to_string())?;
        writeln!(f, "{}", std::process::id()).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
        Ok(PidFile {
            _file: f,
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Starts a new session so the daemon does not die with the terminal it came from.
pub fn detach_session() {
    let _ = rustix::process::setsid();
}
