//! libvirt connection URIs: `driver[+transport]://[user@][host][:port]/path[?query]`.
//!
//! The URI is parsed once into [`ConnectUri`]; drivers match on its typed parts. Query
//! parameters keep their order and are percent-decoded, as libvirt's remote driver expects
//! (`?socket=/path&no_verify=1`).

use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use std::fmt;

/// A parsed libvirt URI.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConnectUri {
    /// The driver part of the scheme (`qemu` in `qemu+ssh`).
    pub driver: String,
    /// The transport part of the scheme (`ssh` in `qemu+ssh`), if any.
    pub transport: Option<String>,
    pub user: Option<String>,
    /// Host name or address; `None` for the local `driver:///path` forms.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The path, including its leading `/` (`/default`, `/system`), possibly empty.
    pub path: String,
    /// Decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    pub fragment: Option<String>,
    original: String,
}

/// The environment variables consulted for a default URI, most specific first.
pub const DEFAULT_URI_VARS: [&str; 2] = ["RVIRT_DEFAULT_URI", "LIBVIRT_DEFAULT_URI"];

impl ConnectUri {
    /// Parses `s`, giving `VIR_ERR_INTERNAL_ERROR` with the offending text as libvirt does
    /// for URIs it cannot parse.
    pub fn parse(s: &str) -> Result<ConnectUri> {
        let bad = |why: &str| {
            Error::new(
                ErrorDomain::URI,
                ErrorCode::INTERNAL_ERROR,
                Some(format!("Unable to parse URI {s}: {why}")),
            )
        };
        let (scheme, rest) = s.split_once(':').ok_or_else(|| bad("no scheme"))?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(bad("invalid scheme"));
        }
        let (driver, transport) = match scheme.split_once('+') {
            Some((d, t)) => (d.to_string(), Some(t.to_string())),
            None => (scheme.to_string(), None),
        };
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(percent_decode(f).map_err(|e| bad(&e))?)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(after) => match after.find('/') {
                Some(i) => (Some(&after[..i]), &after[i..]),
                None => (Some(after), ""),
            },
            None => (None, rest),
        };
        let mut uri = ConnectUri {
            driver,
            transport,
            path: percent_decode(path).map_err(|e| bad(&e))?,
            fragment,
            original: s.to_string(),
            ..Default::default()
        };
        if let Some(auth) = authority {
            let (userinfo, hostport) = match auth.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, auth),
            };
            if let Some(u) = userinfo {
                uri.user = Some(percent_decode(u).map_err(|e| bad(&e))?);
            }
            let (host, port) = split_host_port(hostport).map_err(|e| bad(&e))?;
            uri.host = host;
            uri.port = port;
        }
        if let Some(q) = query {
            for pair in q.split(['&', ';']).filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let k = percent_decode(&k.replace('+', " ")).map_err(|e| bad(&e))?;
                let v = percent_decode(&v.replace('+', " ")).map_err(|e| bad(&e))?;
                uri.params.push((k, v));
            }
        }
        Ok(uri)
    }

    /// The URI exactly as the caller wrote it.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when no host part names a remote machine, so a local driver may serve it.
    pub fn is_local(&self) -> bool {
        self.host.as_deref().is_none_or(str::is_empty) && self.transport.is_none()
    }
}

impl fmt::Display for ConnectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// Picks the URI to use when the caller gave none: the first set default-URI variable.
pub fn default_uri_from_env() -> Option<String> {
    DEFAULT_URI_VARS
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
}

fn split_host_port(hp: &str) -> std::result::Result<(Option<String>, Option<u16>), String> {
    if hp.is_empty() {
        return Ok((None, None));
    }
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| "unterminated IPv6 address".to_string())?;
        (h, after.strip_prefix(':'))
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| format!("invalid port '{p}'"))?,
        ),
    };
    let host = if host.is_empty() {
        None
    } else {
        Some(percent_decode(host)?)
    };
    Ok((host, port))
}

fn percent_decode(s: &str) -> std::result::Result<String, String> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("invalid percent escape at offset {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent escapes do not decode to UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_local_test_uri() {
        let u = ConnectUri::parse("test:///default").expect("valid");
        assert_eq!(u.driver, "test");
        assert_eq!(u.transport, None);
        assert_eq!(u.host, None);
        assert_eq!(u.path, "/default");
        assert!(u.is_local());
    }

    #[test]
    fn parse_remote_uri_with_everything() {
        let u =
            ConnectUri::parse("qemu+ssh://root@example.com:2222/system?keyfile=/k%20f&no_verify=1")
                .expect("valid");
        assert_eq!(u.driver, "qemu");
        assert_eq!(u.transport.as_deref(), Some("ssh"));
        assert_eq!(u.user.as_deref(), Some("root"));
        assert_eq!(u.host.as_deref(), Some("example.com"));
        assert_eq!(u.port, Some(2222));
        assert_eq!(u.path, "/system");
        assert_eq!(u.param("keyfile"), Some("/k f"));
        assert_eq!(u.param("no_verify"), Some("1"));
        assert!(!u.is_local());
    }

    #[test]
    fn parse_unix_socket_param() {
        let u = ConnectUri::parse("test+unix:///default?socket=/tmp/x/sock").expect("valid");
        assert_eq!(u.transport.as_deref(), Some("unix"));
        assert_eq!(u.param("socket"), Some("/tmp/x/sock"));
    }

    #[test]
    fn parse_ipv6_host() {
        let u = ConnectUri::parse("qemu+tcp://[::1]:16509/system").expect("valid");
        assert_eq!(u.host.as_deref(), Some("::1"));
        assert_eq!(u.port, Some(16509));
    }

    #[test]
    fn parse_rejects_missing_scheme_and_bad_port() {
        assert!(ConnectUri::parse("nothing").is_err());
        assert!(ConnectUri::parse("qemu+tcp://h:99999/system").is_err());
        assert!(ConnectUri::parse("1abc:///x").is_err());
        assert!(ConnectUri::parse("test:///a%zz").is_err());
    }
}
