//! Where the QEMU driver keeps things, as libvirt's QEMU driver does under an `rvirt` name:
//! configuration in `/etc/rvirt/qemu`, live status in `/run/rvirt/qemu`, per-domain
//! directories, save images and NVRAM in `/var/lib/rvirt/qemu`, guest logs in
//! `/var/log/rvirt/qemu`, the capability cache in `/var/cache/rvirt/qemu`. A session
//! (unprivileged) driver keeps the same tree under the user's XDG directories. Everything
//! may be moved under one prefix so isolated daemons run side by side.

use std::path::{Path, PathBuf};

/// The driver's directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// `qemu:///system` or `qemu:///session`.
    pub privileged: bool,
    /// Persistent definitions (`NAME.xml`) and `autostart/` links.
    pub config_dir: PathBuf,
    /// Live status files (`NAME.xml`) and pid files of running domains.
    pub state_dir: PathBuf,
    /// Per-domain directories (`domain-ID-NAME`), `save/`, `nvram/`, `dump/`.
    pub lib_dir: PathBuf,
    /// Guest logs (`NAME.log`).
    pub log_dir: PathBuf,
    /// Capability cache.
    pub cache_dir: PathBuf,
}

use rvirt_core::fsutil::under;

impl Paths {
    /// The system driver's directories, optionally under `root`.
    pub fn system(root: Option<&Path>) -> Paths {
        Paths {
            privileged: true,
            config_dir: under(root, "/etc/rvirt/qemu".into()),
            state_dir: under(root, "/run/rvirt/qemu".into()),
            lib_dir: under(root, "/var/lib/rvirt/qemu".into()),
            log_dir: under(root, "/var/log/rvirt/qemu".into()),
            cache_dir: under(root, "/var/cache/rvirt/qemu".into()),
        }
    }

    /// The session driver's directories for the user whose environment this is,
    /// optionally under `root` (libvirt's session layout, `libvirt` renamed `rvirt`).
    pub fn session(root: Option<&Path>) -> Paths {
        let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
        let home = env("HOME").unwrap_or_else(|| PathBuf::from("/"));
        let config = env("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"));
        let cache = env("XDG_CACHE_HOME").unwrap_or_else(|| home.join(".cache"));
        let runtime = env("XDG_RUNTIME_DIR").unwrap_or_else(|| cache.clone());
        Paths {
            privileged: false,
            config_dir: under(root, config.join("rvirt/qemu")),
            state_dir: under(root, runtime.join("rvirt/qemu/run")),
            lib_dir: under(root, config.join("rvirt/qemu/lib")),
            log_dir: under(root, cache.join("rvirt/qemu/log")),
            cache_dir: under(root, cache.join("rvirt/qemu/cache")),
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

    pub fn status_file(&self, name: &str) -> PathBuf {
        self.state_dir.join(format!("{name}.xml"))
    }

    pub fn pid_file(&self, name: &str) -> PathBuf {
        self.state_dir.join(format!("{name}.pid"))
    }

    pub fn log_file(&self, name: &str) -> PathBuf {
        self.log_dir.join(format!("{name}.log"))
    }

    /// A running domain's private directory (monitor socket, master key), named with its
    /// id as libvirt names it.
    pub fn domain_dir(&self, id: i32, name: &str) -> PathBuf {
        self.lib_dir
            .join(format!("domain-{id}-{}", short_name(name)))
    }

    /// `memory_backing_dir`: where file-backed guest memory is created.
    pub fn ram_dir(&self) -> PathBuf {
        self.lib_dir.join("ram")
    }

    /// One running domain's directory under [`Paths::ram_dir`].
    pub fn domain_ram_dir(&self, id: i32, name: &str) -> PathBuf {
        self.ram_dir().join(crate::command::short_name(id, name))
    }

    /// The managed-save image.
    pub fn managed_save_file(&self, name: &str) -> PathBuf {
        self.lib_dir.join("save").join(format!("{name}.save"))
    }

    pub fn capabilities_dir(&self) -> PathBuf {
        self.cache_dir.join("capabilities")
    }
}

/// libvirt shortens long domain names in directory names to 20 characters.
pub fn short_name(name: &str) -> String {
    name.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_paths_move_under_a_root() {
        let p = Paths::system(Some(Path::new("/tmp/r")));
        assert_eq!(
            p.config_file("vm"),
            PathBuf::from("/tmp/r/etc/rvirt/qemu/vm.xml")
        );
        assert_eq!(
            p.domain_dir(3, "vm"),
            PathBuf::from("/tmp/r/var/lib/rvirt/qemu/domain-3-vm")
        );
        assert_eq!(
            Paths::system(None).log_file("vm"),
            PathBuf::from("/var/log/rvirt/qemu/vm.log")
        );
    }

    #[test]
    fn long_names_are_cut_in_directory_names() {
        assert_eq!(
            short_name("a-very-long-domain-name-indeed"),
            "a-very-long-domain-n"
        );
    }
}
