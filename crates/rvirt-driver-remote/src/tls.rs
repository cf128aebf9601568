//! The `+tls` transport: libvirt's certificate layout and selection rules, a rustls client
//! session, and the one-byte confirmation a libvirt server sends after it checked our
//! certificate.
//!
//! Files (`?pkipath=DIR` replaces all of them with `DIR/cacert.pem`, `DIR/clientcert.pem`,
//! `DIR/clientkey.pem`):
//! - as root: `/etc/pki/CA/cacert.pem`, `/etc/pki/libvirt/clientcert.pem`,
//!   `/etc/pki/libvirt/private/clientkey.pem`;
//! - otherwise the same names under `~/.pki/libvirt/` first, the CA falling back to the
//!   system file on its own and the certificate and key falling back as a pair.
//!
//! The CA certificate is required. A client certificate is optional here, as in libvirt:
//! a server that wants one closes the connection, which reads as a failed confirmation.
//! Before connecting, our own certificate is checked against the CA (skipped with
//! `?no_sanity=1`), so a mismatched pair is reported up front. `?no_verify=1` skips the
//! check of the server's certificate (chain and host name). Server certificates must name
//! the host in a subjectAltName, as rustls requires (a common name alone is not enough).

use crate::target::{Env, Target};
use crate::transport::{socket_pair, spawn_thread, Stderr};
use rustix::event::{PollFd, PollFlags};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::ClientConnection;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rvirt_core::error::os_error_text;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The byte a libvirt server sends once it accepted the client.
const CONFIRMATION: u8 = 1;

/// The files of one TLS identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

const SYSTEM_CA: &str = "/etc/pki/CA/cacert.pem";
const SYSTEM_CERT: &str = "/etc/pki/libvirt/clientcert.pem";
const SYSTEM_KEY: &str = "/etc/pki/libvirt/private/clientkey.pem";

/// libvirt's selection of the client's files.
pub fn locate(pkipath: Option<&Path>, env: &Env, exists: impl Fn(&Path) -> bool) -> Pki {
    if let Some(dir) = pkipath {
        return Pki {
            ca: dir.join("cacert.pem"),
            cert: dir.join("clientcert.pem"),
            key: dir.join("clientkey.pem"),
        };
    }
    let system = Pki {
        ca: PathBuf::from(SYSTEM_CA),
        cert: PathBuf::from(SYSTEM_CERT),
        key: PathBuf::from(SYSTEM_KEY),
    };
    let Some(home) = env.home.as_ref().filter(|_| env.euid != 0) else {
        return system;
    };
    let user = home.join(".pki/libvirt");
    let (ucert, ukey) = (user.join("clientcert.pem"), user.join("clientkey.pem"));
    let ca = user.join("cacert.pem");
    let pair_ok = exists(&ucert) && exists(&ukey);
    Pki {
        ca: if exists(&ca) { ca } else { system.ca },
        cert: if pair_ok { ucert } else { system.cert },
        key: if pair_ok { ukey } else { system.key },
    }
}

fn read_file(what: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::system(
            ErrorDomain::RPC,
            format!("Cannot read {what} '{}'", path.display()),
            &e,
        )
    })
}

fn bad_file(what: &str, path: &Path, why: impl std::fmt::Display) -> Error {
    Error::raw(
        ErrorDomain::RPC,
        ErrorCode::SYSTEM_ERROR,
        format!("Unable to import {what} '{}': {why}", path.display()),
    )
}

fn certs(what: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read_file(what, path)?;
    let v = rustls_pemfile::certs(&mut BufReader::new(bytes.as_slice()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad_file(what, path, e))?;
    if v.is_empty() {
        return Err(bad_file(what, path, "no certificate found"));
    }
    Ok(v)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let what = "private key";
    let bytes = read_file(what, path)?;
    rustls_pemfile::private_key(&mut BufReader::new(bytes.as_slice()))
        .map_err(|e| bad_file(what, path, e))?
        .ok_or_else(|| bad_file(what, path, "no private key found"))
}

/// Accepts any server certificate (`?no_verify=1`) while still checking that the server
/// holds the key of the certificate it presented.
#[derive(Debug)]
struct AnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn internal(why: impl std::fmt::Display) -> Error {
    Error::internal(ErrorDomain::RPC, why.to_string())
}

/// The client configuration for `target`.
fn client_config(target: &Target) -> Result<ClientConfig> {
    let env = Env::current();
    let pki = locate(target.pkipath.as_deref(), &env, |p| p.exists());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for c in certs("CA certificate", &pki.ca)? {
        roots
            .add(c)
            .map_err(|e| bad_file("CA certificate", &pki.ca, e))?;
    }
    let roots = Arc::new(roots);
    // Our own identity, when both files are there.
    let identity = if pki.cert.exists() && pki.key.exists() {
        let chain = certs("certificate", &pki.cert)?;
        let k = key(&pki.key)?;
        if !target.no_sanity {
            check_own_cert(&chain, &roots, &provider, &pki)?;
        }
        Some((chain, k))
    } else {
        None
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(internal)?;
    let builder = if target.no_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCert(provider.clone())))
    } else {
        let v = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(internal)?;
        builder.with_webpki_verifier(v)
    };
    match identity {
        Some((chain, k)) => builder.with_client_auth_cert(chain, k).map_err(|e| {
            Error::raw(
                ErrorDomain::RPC,
                ErrorCode::SYSTEM_ERROR,
                format!(
                    "Unable to use certificate '{}' with key '{}': {e}",
                    pki.cert.display(),
                    pki.key.display()
                ),
            )
        }),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// libvirt's sanity check: our certificate must chain to the CA we trust (the server will
/// use the same CA to check it).
fn check_own_cert(
    chain: &[CertificateDer<'static>],
    roots: &Arc<RootCertStore>,
    provider: &Arc<CryptoProvider>,
    pki: &Pki,
) -> Result<()> {
    let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(internal)?;
    let Some((leaf, rest)) = chain.split_first() else {
        return Ok(());
    };
    verifier
        .verify_client_cert(leaf, rest, UnixTime::now())
        .map(|_| ())
        .map_err(|e| {
            Error::raw(
                ErrorDomain::RPC,
                ErrorCode::SYSTEM_ERROR,
                format!(
                    "Our own certificate {} failed validation against {}: {e}",
                    pki.cert.display(),
                    pki.ca.display()
                ),
            )
        })
}

fn auth_failed(detail: String) -> Error {
    Error::new(ErrorDomain::RPC, ErrorCode::AUTH_FAILED, Some(detail))
}

/// Runs the TLS handshake on `tcp`, reads the server's confirmation byte, then starts the
/// pump thread that carries the session from then on. Returns the connection core's end
/// of the pump's socket pair, and where the pump records why it stopped.
pub fn connect(mut tcp: TcpStream, host: &str, target: &Target) -> Result<(OwnedFd, Arc<Stderr>)> {
    let cfg = client_config(target)?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| internal(format!("invalid server name '{host}': {e}")))?;
    let mut tls = ClientConnection::new(Arc::new(cfg), name)
        .map_err(|e| auth_failed(format!("TLS handshake failed {e}")))?;
    while tls.is_handshaking() {
        tls.complete_io(&mut tcp).map_err(|e| {
            let tls_error = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            match tls_error {
                Some(rustls::Error::InvalidCertificate(_)) => {
                    auth_failed("Failed to verify peer's certificate".to_string())
                }
                // The peer hung up mid-handshake; worded as GnuTLS words it for libvirt.
                _ if e.kind() == std::io::ErrorKind::UnexpectedEof => auth_failed(
                    "TLS handshake failed The TLS connection was non-properly terminated."
                        .to_string(),
                ),
                _ => auth_failed(format!("TLS handshake failed {e}")),
            }
        })?;
    }
    let mut byte = [0u8; 1];
    match rustls::Stream::new(&mut tls, &mut tcp).read(&mut byte) {
        Ok(1) if byte[0] == CONFIRMATION => {}
        Ok(1) => {
            return Err(Error::raw(
                ErrorDomain::RPC,
                ErrorCode::RPC,
                "server verification (of our certificate or IP address) failed",
            ))
        }
        // The server hung up (or sent an alert) instead of confirming: it refused us.
        Ok(_) => return Err(no_confirmation(&std::io::Error::from_raw_os_error(5))),
        Err(e) if e.raw_os_error().is_none() => {
            return Err(no_confirmation(&std::io::Error::from_raw_os_error(5)))
        }
        Err(e) => return Err(no_confirmation(&e)),
    }
    let (ours, theirs) = socket_pair()?;
    let why = Arc::new(Stderr::default());
    let record = why.clone();
    spawn_thread("rvirt-remote-tls", move || {
        if let Err(text) = pump(&mut tls, &mut tcp, &theirs) {
            record.append(text.as_bytes());
        }
        record.finish();
    })?;
    Ok((ours.into(), why))
}

fn no_confirmation(e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::RPC, "Unable to read TLS confirmation", e)
}

/// How much decrypted data may wait for the connection core before the pump stops reading
/// from the server.
const BACKLOG: usize = 1024 * 1024;

fn would_block(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
    )
}

/// Carries the session between the TCP connection and `local` (the pump's end of the
/// socket pair) until either side ends. Decrypted data from the server is written to
/// `local`; what the core writes to its end is encrypted and sent. A server that ends the
/// session shuts `local` down for writing once everything before that reached it, so the
/// core reads an end of file; the core closing its end makes the pump send the TLS
/// closure alert and stop. An error is the reason the session broke, kept for the error
/// message of the call that finds the connection gone.
fn pump(
    tls: &mut ClientConnection,
    tcp: &mut TcpStream,
    local: &UnixStream,
) -> std::result::Result<(), String> {
    let io_text = |e: &std::io::Error| os_error_text(e);
    tcp.set_nonblocking(true).map_err(|e| io_text(&e))?;
    local.set_nonblocking(true).map_err(|e| io_text(&e))?;
    tls.set_buffer_limit(None);
    let mut to_local: Vec<u8> = Vec::new();
    let mut sent = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let mut server_done = false;
    let mut tcp_eof = false;
    loop {
        // Decrypted data, towards the core.
        while !server_done {
            match tls.reader().read(&mut buf) {
                Ok(0) => server_done = true,
                Ok(n) => to_local.extend_from_slice(&buf[..n]),
                Err(e) if would_block(&e) => break,
                // An end of the TCP stream without the closure alert.
                Err(_) => server_done = true,
            }
        }
        while sent < to_local.len() {
            // Never SIGPIPE, whatever the program does with the signal.
            match rustix::net::send(local, &to_local[sent..], rustix::net::SendFlags::NOSIGNAL) {
                Ok(n) => sent += n,
                Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => break,
                // The core is gone.
                Err(_) => return Ok(()),
            }
        }
        if sent == to_local.len() {
            to_local.clear();
            sent = 0;
            if server_done {
                let _ = local.shutdown(std::net::Shutdown::Write);
                return Ok(());
            }
        } else if sent >= BACKLOG {
            to_local.drain(..sent);
            sent = 0;
        }
        // Encrypted data, towards the server.
        while tls.wants_write() {
            match tls.write_tls(tcp) {
                Ok(_) => {}
                Err(e) if would_block(&e) => break,
                Err(e) => return Err(format!("Cannot write data: {}", io_text(&e))),
            }
        }
        let tcp_wants = if tcp_eof || server_done || to_local.len() - sent >= BACKLOG {
            PollFlags::empty()
        } else {
            PollFlags::IN
        } | if tls.wants_write() {
            PollFlags::OUT
        } else {
            PollFlags::empty()
        };
        let local_wants = if tls.wants_write() {
            PollFlags::empty()
        } else {
            PollFlags::IN
        } | if sent < to_local.len() {
            PollFlags::OUT
        } else {
            PollFlags::empty()
        };
        let mut fds = [
            PollFd::new(&*tcp, tcp_wants),
            PollFd::new(local, local_wants),
        ];
        match rustix::event::poll(&mut fds, None) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.to_string()),
        }
        let (tcp_ready, local_ready) = (fds[0].revents(), fds[1].revents());
        let hangup = PollFlags::HUP | PollFlags::ERR;
        if tcp_ready.intersects(PollFlags::IN | hangup) && tcp_wants.contains(PollFlags::IN) {
            match tls.read_tls(tcp) {
                // The reader now reports the end, once what came before is drained.
                Ok(0) => tcp_eof = true,
                Ok(_) => {
                    if let Err(e) = tls.process_new_packets() {
                        // Tell the server why, as a last gasp.
                        let _ = tls.write_tls(tcp);
                        return Err(e.to_string());
                    }
                }
                Err(e) if would_block(&e) => {}
                Err(e) => return Err(format!("Cannot recv data: {}", io_text(&e))),
            }
        }
        if local_ready.intersects(PollFlags::IN | hangup) && local_wants.contains(PollFlags::IN) {
            match (&*local).read(&mut buf) {
                Ok(0) => {
                    close_session(tls, tcp);
                    return Ok(());
                }
                Ok(n) => {
                    // Unlimited buffer: takes everything.
                    let _ = tls.writer().write_all(&buf[..n]);
                }
                Err(e) if would_block(&e) => {}
                Err(_) => {
                    close_session(tls, tcp);
                    return Ok(());
                }
            }
        }
    }
}

/// Sends the TLS closure alert (and whatever is still queued), waiting at most a second.
fn close_session(tls: &mut ClientConnection, tcp: &mut TcpStream) {
    tls.send_close_notify();
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_write_timeout(Some(std::time::Duration::from_secs(1)));
    while tls.wants_write() {
        if tls.write_tls(tcp).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkipath_wins() {
        let env = Env {
            euid: 1000,
            home: Some("/home/u".into()),
            ..Env::default()
        };
        let p = locate(Some(Path::new("/p")), &env, |_| true);
        assert_eq!(
            p,
            Pki {
                ca: "/p/cacert.pem".into(),
                cert: "/p/clientcert.pem".into(),
                key: "/p/clientkey.pem".into()
            }
        );
    }

    #[test]
    fn root_uses_the_system_files() {
        let env = Env {
            euid: 0,
            home: Some("/root".into()),
            ..Env::default()
        };
        let p = locate(None, &env, |_| true);
        assert_eq!(p.ca, PathBuf::from(SYSTEM_CA));
        assert_eq!(p.cert, PathBuf::from(SYSTEM_CERT));
        assert_eq!(p.key, PathBuf::from(SYSTEM_KEY));
    }

    #[test]
    fn users_fall_back_per_file_and_per_pair() {
        let env = Env {
            euid: 1000,
            home: Some("/home/u".into()),
            ..Env::default()
        };
        let all = locate(None, &env, |_| true);
        assert_eq!(all.ca, PathBuf::from("/home/u/.pki/libvirt/cacert.pem"));
        assert_eq!(
            all.cert,
            PathBuf::from("/home/u/.pki/libvirt/clientcert.pem")
        );
        assert_eq!(all.key, PathBuf::from("/home/u/.pki/libvirt/clientkey.pem"));
        // Without the user's key, the certificate comes from the system too; the CA stays.
        let no_key = locate(None, &env, |p| !p.ends_with("clientkey.pem"));
        assert_eq!(no_key.ca, PathBuf::from("/home/u/.pki/libvirt/cacert.pem"));
        assert_eq!(no_key.cert, PathBuf::from(SYSTEM_CERT));
        assert_eq!(no_key.key, PathBuf::from(SYSTEM_KEY));
        // Without the user's CA, only the CA falls back.
        let no_ca = locate(None, &env, |p| !p.ends_with("cacert.pem"));
        assert_eq!(no_ca.ca, PathBuf::from(SYSTEM_CA));
        assert_eq!(
            no_ca.cert,
            PathBuf::from("/home/u/.pki/libvirt/clientcert.pem")
        );
    }
}
