//! Errors of XML reading, and the helpers every model uses to raise them in libvirt's words.

use rvirt_core::{Error, ErrorCode, ErrorDomain};

/// A document that is not well-formed XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlError {
    /// `message` already carries `(what):line:col:`, the offending line and a caret.
    Malformed {
        message: String,
        line: u32,
        col: u32,
    },
}

impl From<XmlError> for Error {
    fn from(e: XmlError) -> Error {
        match e {
            // libvirt's record leaves the numeric fields unset (-1); the position is in
            // the message.
            XmlError::Malformed { message, .. } => {
                Error::raw(ErrorDomain::XML, ErrorCode::XML_DETAIL, message)
            }
        }
    }
}

/// `VIR_ERR_XML_ERROR` with a detail, raised from the model currently being parsed.
pub fn xml_error(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::DOMAIN,
        ErrorCode::XML_ERROR,
        Some(detail.into()),
    )
}

/// `VIR_ERR_CONFIG_UNSUPPORTED` with a detail.
pub fn unsupported(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::DOMAIN,
        ErrorCode::CONFIG_UNSUPPORTED,
        Some(detail.into()),
    )
}

/// `VIR_ERR_INTERNAL_ERROR` with a detail (libvirt uses it for many XML checks).
pub fn internal(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::DOMAIN,
        ErrorCode::INTERNAL_ERROR,
        Some(detail.into()),
    )
}

/// Re-labels an error raised by shared helpers with the error domain of the document being
/// parsed (network, storage, ...).
pub fn in_domain(mut e: Error, domain: ErrorDomain) -> Error {
    if e.domain == ErrorDomain::DOMAIN {
        e.domain = domain;
    }
    e
}
