//! TLS for the `+tls` transport with libvirt's certificate layout: the server presents its
//! certificate, requires a client certificate signed by the CA (unless configured not to),
//! and confirms a verified client with one byte, as libvirt's server does.

use crate::settings::DaemonSettings;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

/// The byte libvirt's server sends inside TLS once the client's certificate checked out.
pub const CONFIRMATION: u8 = 1;

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let f = std::fs::File::open(path)
        .map_err(|e| format!("cannot read certificate '{}': {e}", path.display()))?;
    rustls_pemfile::certs(&mut BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot parse certificate '{}': {e}", path.display()))
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let f = std::fs::File::open(path)
        .map_err(|e| format!("cannot read key '{}': {e}", path.display()))?;
    rustls_pemfile::private_key(&mut BufReader::new(f))
        .map_err(|e| format!("cannot parse key '{}': {e}", path.display()))?
        .ok_or_else(|| format!("no private key in '{}'", path.display()))
}

fn read_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, String> {
    let f = std::fs::File::open(path)
        .map_err(|e| format!("cannot read revocation list '{}': {e}", path.display()))?;
    rustls_pemfile::crls(&mut BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot parse revocation list '{}': {e}", path.display()))
}

/// Builds the server side TLS configuration from the daemon's settings.
pub fn server_config(s: &DaemonSettings) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for c in read_certs(&s.ca_file)? {
        roots
            .add(c)
            .map_err(|e| format!("bad CA certificate '{}': {e}", s.ca_file.display()))?;
    }
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
    if let Some(crl) = &s.crl_file {
        verifier = verifier.with_crls(read_crls(crl)?);
    }
    let verifier = if s.tls_no_verify_certificate {
        verifier.allow_unauthenticated().build()
    } else {
        verifier.build()
    }
    .map_err(|e| format!("cannot set up client certificate checks: {e}"))?;
    let mut cfg = builder
        .with_client_cert_verifier(verifier)
        .with_single_cert(read_certs(&s.cert_file)?, read_key(&s.key_file)?)
        .map_err(|e| format!("bad server certificate or key: {e}"))?;
    // libvirt's client reads the confirmation byte with a single read once the socket is
    // readable; a TLS 1.3 session ticket arriving first would make that read come back
    // empty, so none are sent.
    cfg.send_tls13_tickets = 0;
    Ok(Arc::new(cfg))
}
