//! From a connection URI to what the remote driver dials, how, and which URI it asks the
//! daemon to open.
//!
//! Everything here is a pure function of the URI, the open flags and a few facts about the
//! local machine ([`Env`]), so each rule is unit-tested without a daemon. The rules follow
//! libvirt's remote driver: the `+transport` suffix picks the transport (a host without one
//! means TLS, no host means a UNIX socket), the query parameters the driver consumes are
//! stripped from the URI sent in `CONNECT_OPEN`, and the ssh transport runs `ssh` with the
//! same argv libvirt builds, so either end may be the real libvirt.

use rvirt_core::types::flags::connect::RO;
use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};
use std::path::{Path, PathBuf};

/// libvirt's default plain TCP port.
pub const TCP_PORT: u16 = 16509;
/// libvirt's default TLS port.
pub const TLS_PORT: u16 = 16514;

/// rvirtd's system socket (`-ro` appended for read-only connections).
pub const RVIRT_SYSTEM_SOCK: &str = "/run/rvirt/rvirt-sock";
/// libvirtd's system socket, spelled with `/var/run` as libvirt spells it (so errors name
/// the same path as libvirt's).
pub const LIBVIRT_SYSTEM_SOCK: &str = "/var/run/libvirt/libvirt-sock";

/// Query parameters the remote driver consumes; the others travel to the daemon inside the
/// URI it is asked to open. Compared without regard to case, as libvirt does.
const CONSUMED: [&str; 17] = [
    "name",
    "command",
    "socket",
    "auth",
    "sshauth",
    "netcat",
    "keyfile",
    "pkipath",
    "known_hosts",
    "known_hosts_verify",
    "tls_priority",
    "mode",
    "proxy",
    "no_sanity",
    "no_verify",
    "no_tty",
    "authfile",
];

/// How the bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Unix,
    Tcp,
    Tls,
    Ssh,
    Ext,
}

impl Transport {
    /// Whether libvirt counts the transport as secure (`virConnectIsSecure`): everything but
    /// plain TCP.
    pub fn is_secure(self) -> bool {
        self != Transport::Tcp
    }
}

/// Facts about the local machine that the rules depend on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    pub euid: u32,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl Env {
    /// The current process's view.
    pub fn current() -> Env {
        Env {
            euid: rustix::process::geteuid().as_raw(),
            xdg_runtime_dir: std::env::var_os("XDG_RUNTIME_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            home: std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The per-user runtime directory (`$XDG_RUNTIME_DIR`, else `~/.cache`, as libvirt and
    /// rvirtd fall back).
    fn runtime_dir(&self) -> PathBuf {
        match (&self.xdg_runtime_dir, &self.home) {
            (Some(d), _) => d.clone(),
            (None, Some(h)) => h.join(".cache"),
            (None, None) => PathBuf::from("/.cache"),
        }
    }
}

/// What to connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// UNIX sockets in order of preference: the first that exists is used; when none does,
    /// the last one is dialled so the error names it.
    Unix(Vec<PathBuf>),
    Tcp {
        host: String,
        port: u16,
    },
    Tls {
        host: String,
        port: u16,
    },
    /// A child process whose standard input and output carry the protocol: `argv[0]` is
    /// the program.
    Command(Vec<String>),
}

/// Everything the driver needs to open a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub transport: Transport,
    pub endpoint: Endpoint,
    /// The URI sent in `CONNECT_OPEN`; empty lets the daemon choose its default.
    pub name: String,
    /// `?pkipath=DIR`: where the TLS files are, instead of the standard locations.
    pub pkipath: Option<PathBuf>,
    /// `?no_verify=1`: skip the server certificate check (TLS), or host key checking (ssh).
    pub no_verify: bool,
    /// `?no_sanity=1`: skip the check of our own TLS certificate against the CA.
    pub no_sanity: bool,
    /// A user's own daemon may be started when none listens (`qemu:///session` and the
    /// like, without `?socket=`), as libvirt starts a session daemon on demand.
    pub autostart: bool,
}

/// The last value of query parameter `name`, compared without case (libvirt's loop over
/// the parameters lets the last one win).
pub fn param<'a>(uri: &'a ConnectUri, name: &str) -> Option<&'a str> {
    uri.params
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn consumed(key: &str) -> bool {
    CONSUMED.iter().any(|c| c.eq_ignore_ascii_case(key))
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::REMOTE,
        ErrorCode::INVALID_ARG,
        Some(detail.into()),
    )
}

/// A boolean parameter: absent or "0" is false, any other integer true.
fn flag(uri: &ConnectUri, name: &str) -> Result<bool> {
    match param(uri, name) {
        None => Ok(false),
        Some(v) => v.trim().parse::<i64>().map(|n| n != 0).map_err(|_| {
            Error::internal(
                ErrorDomain::REMOTE,
                format!("Failed to parse value of URI component {name}"),
            )
        }),
    }
}

/// Percent-encodes every byte of `s` that is neither alphanumeric nor in `keep`.
fn pct(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URI without the transport, the server part and the consumed parameters, except
/// those named in `keep`: what the daemon is asked to open.
fn stripped_uri(uri: &ConnectUri, keep: &[&str]) -> String {
    let mut s = format!("{}://{}", uri.driver, pct(&uri.path, "-_.!~*'()/:@&=+$,;"));
    let rest: Vec<String> = uri
        .params
        .iter()
        .filter(|(k, _)| !consumed(k) || keep.iter().any(|c| c.eq_ignore_ascii_case(k)))
        .map(|(k, v)| format!("{}={}", pct(k, "-_.!~*'()"), pct(v, "-_.!~*'()")))
        .collect();
    if !rest.is_empty() {
        s.push('?');
        s.push_str(&rest.join("&"));
    }
    if let Some(f) = &uri.fragment {
        s.push('#');
        s.push_str(&pct(f, "-_.!~*'()/?:@&=+$,;"));
    }
    s
}

/// The name sent in `CONNECT_OPEN`: `?name=` verbatim, nothing for the `remote` scheme
/// (the daemon picks), else the stripped URI (`qemu+ssh://root@h/system?no_tty=1` asks for
/// `qemu:///system`).
pub fn open_name(uri: &ConnectUri) -> String {
    if let Some(n) = param(uri, "name") {
        return n.to_string();
    }
    if uri.driver == "remote" {
        return String::new();
    }
    stripped_uri(uri, &[])
}

/// Whether the connection is a per-user ("session") one, for which libvirt looks for the
/// daemon in the user's runtime directory: an unprivileged caller and a `/session` path or
/// a `test+transport` URI.
fn session_mode(uri: &ConnectUri, env: &Env) -> bool {
    env.euid != 0 && (uri.path == "/session" || (uri.driver == "test" && uri.transport.is_some()))
}

/// The local daemon sockets to try when the URI names none: rvirtd's first, then
/// libvirtd's, so an rvirt host and a libvirt host both just work.
pub fn default_sockets(uri: &ConnectUri, flags: u32, env: &Env) -> Vec<PathBuf> {
    if session_mode(uri, env) {
        let rt = env.runtime_dir();
        return vec![rt.join("rvirt/rvirt-sock"), rt.join("libvirt/libvirt-sock")];
    }
    let ro = if flags & RO != 0 { "-ro" } else { "" };
    vec![
        PathBuf::from(format!("{RVIRT_SYSTEM_SOCK}{ro}")),
        PathBuf::from(format!("{LIBVIRT_SYSTEM_SOCK}{ro}")),
    ]
}

/// Picks the socket to dial from the candidates.
pub fn pick_socket(candidates: &[PathBuf]) -> Option<&Path> {
    candidates
        .iter()
        .find(|p| p.exists())
        .or(candidates.last())
        .map(PathBuf::as_path)
}

/// Works out the whole target for `uri` opened with `flags`.
pub fn resolve(uri: &ConnectUri, flags: u32, env: &Env) -> Result<Target> {
    let has_host = uri.host.as_deref().is_some_and(|h| !h.is_empty());
    let transport = match uri.transport.as_deref() {
        None if has_host => Transport::Tls,
        None => Transport::Unix,
        Some("unix") => Transport::Unix,
        Some("tcp") => Transport::Tcp,
        Some("tls") => Transport::Tls,
        Some("ssh") => Transport::Ssh,
        Some("ext") => Transport::Ext,
        Some(t @ ("libssh" | "libssh2")) => {
            return Err(invalid(format!(
                "remote_open: the '{t}' transport is not available in rvirt; use '+ssh', which runs the ssh program"
            )))
        }
        Some(_) => {
            return Err(invalid(
                "remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)",
            ))
        }
    };
    let host = uri
        .host
        .clone()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    let no_verify = flag(uri, "no_verify")?;
    let endpoint = match transport {
        Transport::Unix => Endpoint::Unix(match param(uri, "socket") {
            Some(s) => vec![PathBuf::from(s)],
            None => default_sockets(uri, flags, env),
        }),
        Transport::Tcp => Endpoint::Tcp {
            host,
            port: uri.port.unwrap_or(TCP_PORT),
        },
        Transport::Tls => Endpoint::Tls {
            host,
            port: uri.port.unwrap_or(TLS_PORT),
        },
        Transport::Ssh => Endpoint::Command(ssh_command(uri, flags, env, &host, no_verify)?),
        Transport::Ext => match param(uri, "command") {
            Some(c) if !c.is_empty() => Endpoint::Command(vec![c.to_string()]),
            _ => {
                return Err(invalid(
                    "remote_open: for 'ext' transport, command is required",
                ))
            }
        },
    };
    let autostart = transport == Transport::Unix
        && param(uri, "socket").is_none()
        && session_mode(uri, env)
        && param(uri, "autostart") != Some("0");
    Ok(Target {
        transport,
        endpoint,
        name: open_name(uri),
        pkipath: param(uri, "pkipath").map(PathBuf::from),
        no_verify,
        no_sanity: flag(uri, "no_sanity")?,
        autostart,
    })
}

/// Quotes `s` for a POSIX shell unless it is made only of characters no shell treats
/// specially (then it is left alone, so ordinary values read the same as in libvirt's
/// commands).
pub fn shell_escape(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Escaped for the far side's login shell and then for the `sh -c` it runs.
fn twice(s: &str) -> String {
    shell_escape(&shell_escape(s))
}

/// Which program serves the connection on the far side of ssh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proxy {
    /// `virt-ssh-helper` when the far side has it, else netcat.
    Auto,
    /// `nc -U SOCKET` (rvirt's default).
    Netcat,
    /// `virt-ssh-helper URI`.
    Native,
}

/// Where netcat connects on the far side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FarSocket {
    /// A path given with `?socket=`.
    Path(String),
    /// The default: rvirtd's socket when the far side has one, else libvirtd's. Both are
    /// shell words ready to be placed in the script.
    Default { rvirt: String, libvirt: String },
}

/// The netcat part of the far-side script: probe whether `nc` needs `-q0` to exit at end
/// of input (Debian's does), then relay the socket.
fn netcat_script(nc: &str, sock: &FarSocket) -> String {
    let nc = twice(nc);
    let (prefix, word) = match sock {
        FarSocket::Path(p) => (String::new(), twice(p)),
        FarSocket::Default { rvirt, libvirt } => (
            format!("S={libvirt}; test -S {rvirt} && S={rvirt}; "),
            "\"$S\"".to_string(),
        ),
    };
    format!(
        "{prefix}if '{nc}' -q 2>&1 | grep \"requires an argument\" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'{nc}' $ARG -U {word}"
    )
}

/// The one command string ssh runs on the far side.
pub fn far_command(
    proxy: Proxy,
    nc: &str,
    sock: &FarSocket,
    helper_uri: &str,
    read_only: bool,
) -> String {
    let helper = format!(
        "virt-ssh-helper {}'{}'",
        if read_only { "-r " } else { "" },
        twice(helper_uri)
    );
    match proxy {
        Proxy::Netcat => format!("sh -c '{}'", netcat_script(nc, sock)),
        Proxy::Native => format!("sh -c '{helper}'"),
        Proxy::Auto => format!(
            "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     {helper}; else    {}; fi'",
            netcat_script(nc, sock)
        ),
    }
}

/// Options of the ssh program line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshOptions<'a> {
    pub program: &'a str,
    pub port: Option<u16>,
    pub user: Option<&'a str>,
    pub keyfile: Option<&'a str>,
    pub no_tty: bool,
    pub no_verify: bool,
    pub host: &'a str,
}

/// The ssh argv in libvirt's order: port, user, key, `-T -e none`, batch mode, host key
/// checking, `--`, the host and the far-side command as one argument.
pub fn ssh_argv(o: &SshOptions<'_>, command: &str) -> Vec<String> {
    let mut v = vec![o.program.to_string()];
    if let Some(p) = o.port {
        v.extend(["-p".to_string(), p.to_string()]);
    }
    if let Some(u) = o.user {
        v.extend(["-l".to_string(), u.to_string()]);
    }
    if let Some(k) = o.keyfile {
        v.extend(["-i".to_string(), k.to_string()]);
    }
    v.extend(["-T", "-e", "none"].map(String::from));
    if o.no_tty {
        v.extend(["-o", "BatchMode=yes"].map(String::from));
    }
    if o.no_verify {
        v.extend(["-o", "StrictHostKeyChecking=no"].map(String::from));
    }
    v.push("--".to_string());
    v.push(o.host.to_string());
    v.push(command.to_string());
    v
}

fn ssh_command(
    uri: &ConnectUri,
    flags: u32,
    env: &Env,
    host: &str,
    no_verify: bool,
) -> Result<Vec<String>> {
    let proxy = match param(uri, "proxy") {
        None | Some("netcat") => Proxy::Netcat,
        Some("auto") => Proxy::Auto,
        Some("native") => Proxy::Native,
        Some(other) => return Err(invalid(format!("Unknown proxy mode '{other}'"))),
    };
    if param(uri, "mode") == Some("direct") {
        return Err(invalid("Cannot use direct socket mode for ssh transport"));
    }
    let netcat = param(uri, "netcat");
    if proxy == Proxy::Native && netcat.is_some() {
        return Err(invalid("netcat path not valid with native proxy mode"));
    }
    let read_only = flags & RO != 0;
    let sock = match param(uri, "socket") {
        Some(s) => FarSocket::Path(s.to_string()),
        None if session_mode(uri, env) => FarSocket::Default {
            rvirt: "\"${XDG_RUNTIME_DIR:-$HOME/.cache}/rvirt/rvirt-sock\"".to_string(),
            libvirt: "\"${XDG_RUNTIME_DIR:-$HOME/.cache}/libvirt/libvirt-sock\"".to_string(),
        },
        None => {
            let ro = if read_only { "-ro" } else { "" };
            FarSocket::Default {
                rvirt: format!("{RVIRT_SYSTEM_SOCK}{ro}"),
                libvirt: format!("{LIBVIRT_SYSTEM_SOCK}{ro}"),
            }
        }
    };
    let command = far_command(
        proxy,
        netcat.unwrap_or("nc"),
        &sock,
        &stripped_uri(uri, &["mode", "socket"]),
        read_only,
    );
    let opts = SshOptions {
        program: param(uri, "command").unwrap_or("ssh"),
        port: uri.port,
        user: uri.user.as_deref().filter(|u| !u.is_empty()),
        keyfile: param(uri, "keyfile"),
        no_tty: flag(uri, "no_tty")?,
        no_verify,
        host,
    };
    Ok(ssh_argv(&opts, &command))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Env {
        Env {
            euid: 0,
            xdg_runtime_dir: None,
            home: Some(PathBuf::from("/root")),
        }
    }

    fn user() -> Env {
        Env {
            euid: 1000,
            xdg_runtime_dir: Some(PathBuf::from("/run/user/1000")),
            home: Some(PathBuf::from("/home/u")),
        }
    }

    fn target(u: &str, flags: u32, env: &Env) -> Target {
        resolve(&ConnectUri::parse(u).expect("uri"), flags, env).expect("target")
    }

    fn err(u: &str) -> Error {
        resolve(&ConnectUri::parse(u).expect("uri"), 0, &root()).expect_err("refused")
    }

    #[test]
    fn unix_with_socket_param() {
        let t = target("test+unix:///default?socket=/tmp/x/sock", 0, &root());
        assert_eq!(t.transport, Transport::Unix);
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![PathBuf::from("/tmp/x/sock")])
        );
        assert_eq!(t.name, "test:///default");
        // An explicit socket is used as given, read-only or not.
        let t = target("test+unix:///default?socket=/tmp/x/sock", RO, &root());
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![PathBuf::from("/tmp/x/sock")])
        );
    }

    #[test]
    fn local_uri_goes_to_the_system_sockets_rvirt_first() {
        let t = target("qemu:///system", 0, &root());
        assert_eq!(t.transport, Transport::Unix);
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/run/rvirt/rvirt-sock"),
                PathBuf::from("/var/run/libvirt/libvirt-sock")
            ])
        );
        assert_eq!(t.name, "qemu:///system");
        let t = target("qemu:///system", RO, &root());
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/run/rvirt/rvirt-sock-ro"),
                PathBuf::from("/var/run/libvirt/libvirt-sock-ro")
            ])
        );
    }

    #[test]
    fn session_uris_use_the_user_runtime_dir() {
        let t = target("qemu:///session", 0, &user());
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/run/user/1000/rvirt/rvirt-sock"),
                PathBuf::from("/run/user/1000/libvirt/libvirt-sock")
            ])
        );
        // test+transport counts as a session URI for an unprivileged caller ...
        let t = target("test+unix:///default", RO, &user());
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/run/user/1000/rvirt/rvirt-sock"),
                PathBuf::from("/run/user/1000/libvirt/libvirt-sock")
            ])
        );
        // ... but root always talks to the system daemon.
        let t = target("qemu:///session", 0, &root());
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/run/rvirt/rvirt-sock"),
                PathBuf::from("/var/run/libvirt/libvirt-sock")
            ])
        );
        // Without XDG_RUNTIME_DIR the cache directory stands in, as for the daemons.
        let mut e = user();
        e.xdg_runtime_dir = None;
        let t = target("qemu:///session", 0, &e);
        assert_eq!(
            t.endpoint,
            Endpoint::Unix(vec![
                PathBuf::from("/home/u/.cache/rvirt/rvirt-sock"),
                PathBuf::from("/home/u/.cache/libvirt/libvirt-sock")
            ])
        );
    }

    #[test]
    fn pick_socket_prefers_the_first_existing() {
        let dir = std::env::temp_dir().join(format!("rvirt-remote-pick-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let a = dir.join("a");
        let b = dir.join("b");
        let c = dir.join("c");
        std::fs::write(&b, "").expect("file");
        let cands = vec![a.clone(), b.clone(), c.clone()];
        assert_eq!(pick_socket(&cands), Some(b.as_path()));
        let cands = vec![a.clone(), c.clone()];
        assert_eq!(pick_socket(&cands), Some(c.as_path()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tcp_and_tls_ports_and_hosts() {
        let t = target("qemu+tcp://example.com/system", 0, &root());
        assert_eq!(
            t.endpoint,
            Endpoint::Tcp {
                host: "example.com".into(),
                port: 16509
            }
        );
        assert!(!t.transport.is_secure());
        let t = target(
            "qemu+tls://example.com:1234/system?pkipath=/p&no_verify=1",
            0,
            &root(),
        );
        assert_eq!(
            t.endpoint,
            Endpoint::Tls {
                host: "example.com".into(),
                port: 1234
            }
        );
        assert_eq!(t.pkipath, Some(PathBuf::from("/p")));
        assert!(t.no_verify);
        assert_eq!(t.name, "qemu:///system");
        // A host without a transport means TLS, as in libvirt.
        let t = target("qemu://example.com/system", 0, &root());
        assert_eq!(t.transport, Transport::Tls);
        let t = target("test+tcp:///default", 0, &root());
        assert_eq!(
            t.endpoint,
            Endpoint::Tcp {
                host: "localhost".into(),
                port: 16509
            }
        );
    }

    #[test]
    fn name_strips_consumed_params_and_keeps_others() {
        let t = target(
            "qemu+ssh://root@h:22/system?no_tty=1&keyfile=/k&foo=bar%20baz&NO_VERIFY=1",
            0,
            &root(),
        );
        assert_eq!(t.name, "qemu:///system?foo=bar%20baz");
        assert!(t.no_verify);
        let t = target("test+unix:///tmp/my%20node.xml?socket=/s", 0, &root());
        assert_eq!(t.name, "test:///tmp/my%20node.xml");
        let t = target(
            "qemu+unix:///system?name=qemu:///session&socket=/s",
            0,
            &root(),
        );
        assert_eq!(t.name, "qemu:///session");
        let t = target("remote+unix:///?socket=/s", 0, &root());
        assert_eq!(t.name, "");
    }

    #[test]
    fn transport_errors_read_like_libvirt() {
        let e = err("test+foo:///default");
        assert_eq!(e.code, ErrorCode::INVALID_ARG);
        assert_eq!(e.domain, ErrorDomain::REMOTE);
        assert_eq!(
            e.message,
            "invalid argument: remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)"
        );
        let e = err("test+ext:///default");
        assert_eq!(
            e.message,
            "invalid argument: remote_open: for 'ext' transport, command is required"
        );
        assert!(err("test+libssh2://h/default").message.contains("+ssh"));
        assert!(err("test+unix:///default?no_verify=yes")
            .message
            .contains("no_verify"));
    }

    #[test]
    fn ext_runs_the_command_alone() {
        let t = target("test+ext:///default?command=/usr/bin/relay", 0, &root());
        assert_eq!(t.endpoint, Endpoint::Command(vec!["/usr/bin/relay".into()]));
        assert_eq!(t.name, "test:///default");
    }

    const NC_SOCK: &str = "if 'nc' -q 2>&1 | grep \"requires an argument\" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U /tmp/socket";

    #[test]
    fn ssh_argv_with_socket_is_libvirts_netcat_command() {
        let t = target(
            "qemu+ssh://root@somehost:2222/system?socket=/tmp/socket&keyfile=/k&no_tty=1&no_verify=1",
            0,
            &root(),
        );
        let Endpoint::Command(argv) = t.endpoint else {
            panic!("command endpoint")
        };
        let expect: Vec<String> = [
            "ssh",
            "-p",
            "2222",
            "-l",
            "root",
            "-i",
            "/k",
            "-T",
            "-e",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "--",
            "somehost",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("sh -c '{NC_SOCK}'")])
        .collect();
        assert_eq!(argv, expect);
        assert_eq!(t.name, "qemu:///system");
    }

    #[test]
    fn ssh_minimal_argv_and_default_socket_choice() {
        let t = target("qemu+ssh://h/system", RO, &root());
        let Endpoint::Command(argv) = t.endpoint else {
            panic!("command endpoint")
        };
        assert_eq!(&argv[..6], &["ssh", "-T", "-e", "none", "--", "h"]);
        assert_eq!(argv.len(), 7);
        assert_eq!(
            argv[6],
            "sh -c 'S=/var/run/libvirt/libvirt-sock-ro; test -S /run/rvirt/rvirt-sock-ro && S=/run/rvirt/rvirt-sock-ro; \
             if 'nc' -q 2>&1 | grep \"requires an argument\" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'nc' $ARG -U \"$S\"'"
        );
    }

    #[test]
    fn ssh_command_and_netcat_params() {
        let t = target(
            "test+ssh://h/default?command=/opt/myssh&netcat=/bin/my%20nc&socket=/s",
            0,
            &root(),
        );
        let Endpoint::Command(argv) = t.endpoint else {
            panic!("command endpoint")
        };
        assert_eq!(argv[0], "/opt/myssh");
        // A value with a space is quoted for both shells it passes through.
        assert!(
            argv[6].contains(r"if '''\''/bin/my nc'\'''' -q"),
            "{}",
            argv[6]
        );
    }

    #[test]
    fn ssh_proxy_modes() {
        // libvirt's own expectation for auto mode, read-only, session socket /tmp/socket.
        let cmd = far_command(
            Proxy::Auto,
            "nc",
            &FarSocket::Path("/tmp/socket".into()),
            "qemu:///session",
            true,
        );
        assert_eq!(
            cmd,
            format!("sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     virt-ssh-helper -r 'qemu:///session'; else    {NC_SOCK}; fi'")
        );
        let t = target("qemu+ssh://h/system?proxy=native", 0, &root());
        let Endpoint::Command(argv) = t.endpoint else {
            panic!("command endpoint")
        };
        assert_eq!(argv[6], "sh -c 'virt-ssh-helper 'qemu:///system''");
        assert!(err("qemu+ssh://h/system?proxy=native&netcat=nc")
            .message
            .contains("netcat path not valid with native proxy mode"));
        assert!(err("qemu+ssh://h/system?mode=direct")
            .message
            .contains("Cannot use direct socket mode for ssh transport"));
    }

    #[test]
    fn shell_escape_leaves_plain_words() {
        assert_eq!(shell_escape("nc"), "nc");
        assert_eq!(shell_escape("/var/run/x-sock"), "/var/run/x-sock");
        assert_eq!(shell_escape("a b"), "'a b'");
        assert_eq!(shell_escape("it's"), "'it'\\''s'");
        assert_eq!(shell_escape(""), "''");
    }
}
