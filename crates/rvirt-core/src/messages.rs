//! The standard text libvirt puts in front of each error code (its `virErrorMsg`).
//! These strings cross the wire and are compared by clients and tests, so they are exact.

use crate::error::ErrorCode;

/// The message template for `code`; `with_info` picks the variant that embeds a detail
/// through a single `%s`.
pub fn template(code: ErrorCode, with_info: bool) -> &'static str {
    let (bare, info) = match code {
        ErrorCode::INTERNAL_ERROR => ("internal error", "internal error: %s"),
        ErrorCode::NO_MEMORY => ("out of memory", "out of memory: %s"),
        ErrorCode::NO_SUPPORT => (
            "this function is not supported by the connection driver",
            "this function is not supported by the connection driver: %s",
        ),
        ErrorCode::NO_CONNECT => (
            "no connection driver available",
            "no connection driver available for %s",
        ),
        ErrorCode::INVALID_CONN => (
            "invalid connection pointer in",
            "invalid connection pointer in %s",
        ),
        ErrorCode::INVALID_DOMAIN => ("invalid domain pointer in", "invalid domain pointer in %s"),
        ErrorCode::INVALID_ARG => ("invalid argument", "invalid argument: %s"),
        ErrorCode::OPERATION_FAILED => ("operation failed", "operation failed: %s"),
        ErrorCode::XML_ERROR => (
            "XML description is invalid or not well formed",
            "XML error: %s",
        ),
        ErrorCode::DOM_EXIST => ("this domain exists already", "domain %s exists already"),
        ErrorCode::OPERATION_DENIED => (
            "operation forbidden for read only access",
            "operation forbidden: %s",
        ),
        ErrorCode::NO_DOMAIN => ("Domain not found", "Domain not found: %s"),
        ErrorCode::NO_NETWORK => ("Network not found", "Network not found: %s"),
        ErrorCode::OPERATION_INVALID => (
            "Requested operation is not valid",
            "Requested operation is not valid: %s",
        ),
        ErrorCode::CONFIG_UNSUPPORTED => {
            ("unsupported configuration", "unsupported configuration: %s")
        }
        ErrorCode::NO_STORAGE_POOL => ("Storage pool not found", "Storage pool not found: %s"),
        ErrorCode::NO_STORAGE_VOL => ("Storage volume not found", "Storage volume not found: %s"),
        ErrorCode::RPC => ("RPC error", "RPC error: %s"),
        ErrorCode::SYSTEM_ERROR => ("", "%s"),
        _ => ("unknown error", "%s"),
    };
    if with_info {
        info
    } else {
        bare
    }
}
