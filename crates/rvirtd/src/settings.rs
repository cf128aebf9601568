//! The daemon's effective settings: defaults like libvirtd's, then the configuration file,
//! then the command line. Every path hangs off one layout so `--root DIR` moves them all.

use crate::config::{self, Settings};
use std::path::{Path, PathBuf};

/// Where the daemon keeps its sockets, state, configuration and logs.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Runtime directory: sockets, pid file, live status (`/run/rvirt` or
    /// `$XDG_RUNTIME_DIR/rvirt`).
    pub run_dir: PathBuf,
    /// Persistent configuration (`/etc/rvirt` or `~/.config/rvirt`).
    pub config_dir: PathBuf,
    /// Persistent driver state (`/var/lib/rvirt` or `~/.local/share/rvirt`).
    #[allow(dead_code)] // for the stateful drivers the daemon will host (QEMU, storage)
    pub state_dir: PathBuf,
    /// Logs (`/var/log/rvirt` or `~/.cache/rvirt/log`).
    pub log_dir: PathBuf,
    pub privileged: bool,
    /// The `--root` prefix, for paths that are not in the directories above (TLS
    /// certificates).
    pub root: Option<PathBuf>,
}

impl Layout {
    /// The standard layout for root or a user, optionally moved under `root`.
    pub fn new(privileged: bool, root: Option<&Path>) -> Layout {
        let under = |p: PathBuf| place(root, p);
        if privileged {
            Layout {
                run_dir: under(PathBuf::from("/run/rvirt")),
                config_dir: under(PathBuf::from("/etc/rvirt")),
                state_dir: under(PathBuf::from("/var/lib/rvirt")),
                log_dir: under(PathBuf::from("/var/log/rvirt")),
                privileged,
                root: root.map(Path::to_path_buf),
            }
        } else {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/"));
            let runtime = std::env::var_os("XDG_RUNTIME_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".cache"));
            let config = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".config"));
            let data = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".local/share"));
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".cache"));
            Layout {
                run_dir: under(runtime.join("rvirt")),
                config_dir: under(config.join("rvirt")),
                state_dir: under(data.join("rvirt")),
                log_dir: under(cache.join("rvirt/log")),
                privileged,
                root: root.map(Path::to_path_buf),
            }
        }
    }

    pub fn default_config_file(&self) -> PathBuf {
        self.config_dir.join("rvirtd.conf")
    }

    /// A system path as this daemon sees it: under `--root` when one is given.
    pub fn place(&self, p: impl Into<PathBuf>) -> PathBuf {
        place(self.root.as_deref(), p.into())
    }

    /// Where the daemon logs when it runs in the background and `log_outputs` names no
    /// output (standard error is gone then).
    pub fn default_log_file(&self) -> PathBuf {
        self.log_dir.join("rvirtd.log")
    }
}

/// `p` moved under `root`, if any.
fn place(root: Option<&Path>, p: PathBuf) -> PathBuf {
    match root {
        Some(r) => r.join(p.strip_prefix("/").unwrap_or(&p)),
        None => p,
    }
}

/// Authentication schemes a listener may require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    Sasl,
    Polkit,
}

fn auth(v: Option<String>, key: &str, default: Auth) -> Result<Auth, String> {
    match v.as_deref() {
        None => Ok(default),
        Some("none") => Ok(Auth::None),
        Some("sasl") => Ok(Auth::Sasl),
        Some("polkit") => Ok(Auth::Polkit),
        Some(other) => Err(format!("unknown authentication type '{other}' for '{key}'")),
    }
}

fn perms(v: Option<String>, key: &str, default: u32) -> Result<u32, String> {
    match v {
        None => Ok(default),
        Some(s) => u32::from_str_radix(s.trim_start_matches("0o"), 8)
            .map_err(|_| format!("failed to parse mode '{s}' for '{key}'")),
    }
}

/// Everything the daemon is configured with.
#[derive(Clone, Debug)]
pub struct DaemonSettings {
    pub layout: Layout,
    pub unix_sock_dir: PathBuf,
    pub unix_sock_group: Option<String>,
    pub unix_sock_ro_perms: u32,
    pub unix_sock_rw_perms: u32,
    pub unix_sock_admin_perms: u32,
    pub auth_unix_ro: Auth,
    pub auth_unix_rw: Auth,
    pub auth_tcp: Auth,
    pub auth_tls: Auth,
    pub listen_tcp: bool,
    pub listen_tls: bool,
    pub tcp_port: u16,
    pub tls_port: u16,
    pub listen_addr: String,
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub crl_file: Option<PathBuf>,
    pub tls_no_verify_certificate: bool,
    pub max_clients: usize,
    pub max_workers: usize,
    pub min_workers: usize,
    pub prio_workers: usize,
    pub max_anonymous_clients: usize,
    pub max_client_requests: usize,
    /// The admin server's own limits (`admin_*` keys), as libvirtd has them.
    pub admin: AdminLimits,
    pub keepalive_interval: i64,
    pub keepalive_count: u32,
    pub log_level: Option<u8>,
    pub log_filters: Option<String>,
    pub log_outputs: Option<String>,
}

impl DaemonSettings {
    /// Defaults for `layout`, then what `conf_text` sets.
    pub fn load(layout: Layout, conf_text: Option<&str>) -> Result<DaemonSettings, String> {
        let s = Settings(match conf_text {
            Some(t) => config::parse(t).map_err(|e| e.to_string())?,
            None => Default::default(),
        });
        let pki = if layout.privileged {
            (
                layout.place("/etc/pki/CA/cacert.pem"),
                layout.place("/etc/pki/libvirt/servercert.pem"),
                layout.place("/etc/pki/libvirt/private/serverkey.pem"),
            )
        } else {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/"));
            (
                layout.place(home.join(".pki/libvirt/cacert.pem")),
                layout.place(home.join(".pki/libvirt/servercert.pem")),
                layout.place(home.join(".pki/libvirt/serverkey.pem")),
            )
        };
        let port = |key: &str, default: u16| -> Result<u16, String> {
            match s.string(key)? {
                None => match s.int(key) {
                    Ok(Some(n)) => {
                        u16::try_from(n).map_err(|_| format!("invalid port {n} for '{key}'"))
                    }
                    _ => Ok(default),
                },
                Some(p) => p
                    .parse()
                    .map_err(|_| format!("invalid port '{p}' for '{key}'")),
            }
        };
        let count =
            |key: &str, default: i64| -> Result<i64, String> { Ok(s.int(key)?.unwrap_or(default)) };
        let ca_file = s.string("ca_file")?.map(PathBuf::from).unwrap_or(pki.0);
        // Like libvirt, the CRL beside the CA certificate is used when it exists.
        let crl_file = match s.string("crl_file")? {
            Some(p) => Some(PathBuf::from(p)),
            None => crl_beside(&ca_file),
        };
        for key in ["tls_allowed_dn_list", "sasl_allowed_username_list"] {
            // Silently ignoring an access list would let in clients it is meant to keep out.
            if s.list(key)?.is_some_and(|l| !l.is_empty()) {
                return Err(format!(
                    "'{key}' is not supported by rvirtd yet; remove it, or restrict clients \
                     with the CA instead"
                ));
            }
        }
        Ok(DaemonSettings {
            unix_sock_dir: s
                .string("unix_sock_dir")?
                .map(PathBuf::from)
                .unwrap_or_else(|| layout.run_dir.clone()),
            unix_sock_group: s.string("unix_sock_group")?,
            unix_sock_ro_perms: perms(
                s.string("unix_sock_ro_perms")?,
                "unix_sock_ro_perms",
                0o666,
            )?,
            unix_sock_rw_perms: perms(
                s.string("unix_sock_rw_perms")?,
                "unix_sock_rw_perms",
                if layout.privileged { 0o600 } else { 0o700 },
            )?,
            unix_sock_admin_perms: perms(
                s.string("unix_sock_admin_perms")?,
                "unix_sock_admin_perms",
                0o700,
            )?,
            auth_unix_ro: auth(s.string("auth_unix_ro")?, "auth_unix_ro", Auth::None)?,
            auth_unix_rw: auth(s.string("auth_unix_rw")?, "auth_unix_rw", Auth::None)?,
            auth_tcp: auth(s.string("auth_tcp")?, "auth_tcp", Auth::Sasl)?,
            auth_tls: auth(s.string("auth_tls")?, "auth_tls", Auth::None)?,
            listen_tcp: s.bool("listen_tcp")?.unwrap_or(false),
            // As libvirtd: `--listen` alone means TLS on 16514.
            listen_tls: s.bool("listen_tls")?.unwrap_or(true),
            tcp_port: port("tcp_port", 16509)?,
            tls_port: port("tls_port", 16514)?,
            listen_addr: s
                .string("listen_addr")?
                .unwrap_or_else(|| "127.0.0.1".to_string()),
            ca_file,
            cert_file: s.string("cert_file")?.map(PathBuf::from).unwrap_or(pki.1),
            key_file: s.string("key_file")?.map(PathBuf::from).unwrap_or(pki.2),
            crl_file,
            tls_no_verify_certificate: s.bool("tls_no_verify_certificate")?.unwrap_or(false),
            max_clients: count("max_clients", 5000)?.max(1) as usize,
            max_workers: count("max_workers", 20)?.max(1) as usize,
            min_workers: count("min_workers", 5)?.max(0) as usize,
            prio_workers: count("prio_workers", 5)?.max(0) as usize,
            max_anonymous_clients: count("max_anonymous_clients", 20)?.max(0) as usize,
            admin: AdminLimits {
                max_clients: count("admin_max_clients", 5000)?.max(1) as usize,
                min_workers: count("admin_min_workers", 5)?.max(0) as usize,
                max_workers: count("admin_max_workers", 20)?.max(1) as usize,
                max_client_requests: count("admin_max_client_requests", 5)?.max(1) as usize,
            },
            max_client_requests: count("max_client_requests", 5)?.max(1) as usize,
            keepalive_interval: count("keepalive_interval", 5)?,
            keepalive_count: count("keepalive_count", 5)?.max(0) as u32,
            log_level: s.int("log_level")?.map(|n| n.clamp(1, 4) as u8),
            log_filters: s.string("log_filters")?,
            log_outputs: s.string("log_outputs")?,
            layout,
        })
    }
}

/// The admin server's limits.
#[derive(Clone, Debug)]
pub struct AdminLimits {
    pub max_clients: usize,
    pub min_workers: usize,
    pub max_workers: usize,
    pub max_client_requests: usize,
}

/// `cacrl.pem` in the CA certificate's directory, if there is one.
fn crl_beside(ca_file: &Path) -> Option<PathBuf> {
    let p = ca_file.parent()?.join("cacrl.pem");
    p.exists().then_some(p)
}
