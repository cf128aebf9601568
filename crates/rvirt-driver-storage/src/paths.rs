//! Where the storage driver keeps things, as libvirt's does under an `rvirt` name:
//! persistent pool definitions and `autostart/` links in `/etc/rvirt/storage`, the state
//! of active pools in `/run/rvirt/storage`. A session driver uses the user's XDG
//! directories; either may be moved under one prefix.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub privileged: bool,
    /// `NAME.xml` per persistent pool, and `autostart/NAME.xml` links to them.
    pub config_dir: PathBuf,
    /// `NAME.xml` per active pool (`<poolstate>`), and the `autostarted` marker.
    pub state_dir: PathBuf,
}

use rvirt_core::fsutil::under;

impl Paths {
    pub fn system(root: Option<&Path>) -> Paths {
        Paths {
            privileged: true,
            config_dir: under(root, "/etc/rvirt/storage".into()),
            state_dir: under(root, "/run/rvirt/storage".into()),
        }
    }

    pub fn session(root: Option<&Path>) -> Paths {
        let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
        let home = env("HOME").unwrap_or_else(|| PathBuf::from("/"));
        let config = env("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"));
        let cache = env("XDG_CACHE_HOME").unwrap_or_else(|| home.join(".cache"));
        let runtime = env("XDG_RUNTIME_DIR").unwrap_or(cache);
        Paths {
            privileged: false,
            config_dir: under(root, config.join("rvirt/storage")),
            state_dir: under(root, runtime.join("rvirt/storage/run")),
        }
    }

    pub fn config_file(&self, name: &str) -> PathBuf {
        self.config_dir.join(format!("{name}.xml"))
    }

    pub fn autostart_link(&self, name: &str) -> PathBuf {
        self.config_dir
            .join("autostart")
            .join(format!("{name}.xml"))
    }

    pub fn state_file(&self, name: &str) -> PathBuf {
        self.state_dir.join(format!("{name}.xml"))
    }

    /// Present once autostart ran since the host booted (the state directory is on tmpfs),
    /// so a restarted daemon does not start again what a user stopped.
    pub fn autostarted_marker(&self) -> PathBuf {
        self.state_dir.join("autostarted")
    }
}
