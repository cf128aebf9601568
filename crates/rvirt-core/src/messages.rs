//! The standard text libvirt puts in front of each error code (its `virErrorMsg`).
//! These strings cross the wire and are compared by clients and tests, so they are exact
//! (taken from libvirt 9.0 by calling its own function for every code).

use crate::error::ErrorCode;

/// `(without detail, with detail)` for codes 1..=110; the detail replaces the single `%s`.
const TEXTS: [(&str, &str); 110] = [
    ("internal error", "internal error: %s"),
    ("out of memory", "out of memory: %s"),
    (
        "this function is not supported by the connection driver",
        "this function is not supported by the connection driver: %s",
    ),
    ("unknown host", "unknown host %s"),
    (
        "no connection driver available",
        "no connection driver available for %s",
    ),
    (
        "invalid connection pointer in",
        "invalid connection pointer in %s",
    ),
    ("invalid domain pointer in", "invalid domain pointer in %s"),
    ("invalid argument", "invalid argument: %s"),
    ("operation failed", "operation failed: %s"),
    ("GET operation failed", "GET operation failed: %s"),
    ("POST operation failed", "POST operation failed: %s"),
    (
        "got unknown HTTP error code",
        "got unknown HTTP error code %s",
    ),
    (
        "failed to serialize S-Expr",
        "failed to serialize S-Expr: %s",
    ),
    (
        "could not use Xen hypervisor entry",
        "could not use Xen hypervisor entry %s",
    ),
    ("failed Xen syscall", "failed Xen syscall %s"),
    ("unknown OS type", "unknown OS type %s"),
    (
        "missing kernel information",
        "missing kernel information: %s",
    ),
    (
        "missing root device information",
        "missing root device information in %s",
    ),
    (
        "missing source information for device",
        "missing source information for device %s",
    ),
    (
        "missing target information for device",
        "missing target information for device %s",
    ),
    ("missing name information", "missing name information in %s"),
    (
        "missing operating system information",
        "missing operating system information for %s",
    ),
    (
        "missing devices information",
        "missing devices information for %s",
    ),
    (
        "could not connect to Xen Store",
        "could not connect to Xen Store %s",
    ),
    (
        "too many drivers registered",
        "too many drivers registered in %s",
    ),
    ("library call failed", "library call failed: %s"),
    (
        "XML description is invalid or not well formed",
        "XML error: %s",
    ),
    ("this domain exists already", "domain %s exists already"),
    (
        "operation forbidden for read only access",
        "operation forbidden: %s",
    ),
    (
        "failed to open configuration file",
        "failed to open configuration file %s",
    ),
    (
        "failed to read configuration file",
        "failed to read configuration file %s",
    ),
    (
        "failed to parse configuration file",
        "failed to parse configuration file %s",
    ),
    (
        "configuration file syntax error",
        "configuration file syntax error: %s",
    ),
    (
        "failed to write configuration file",
        "failed to write configuration file: %s",
    ),
    ("parser error", "%s"),
    (
        "invalid network pointer in",
        "invalid network pointer in %s",
    ),
    ("this network exists already", "network %s exists already"),
    ("system call error", "%s"),
    ("RPC error", "%s"),
    ("GNUTLS call error", "%s"),
    (
        "Failed to find the network",
        "Failed to find the network: %s",
    ),
    ("Domain not found", "Domain not found: %s"),
    ("Network not found", "Network not found: %s"),
    ("invalid MAC address", "invalid MAC address: %s"),
    ("authentication failed", "authentication failed: %s"),
    (
        "invalid storage pool pointer in",
        "invalid storage pool pointer in %s",
    ),
    (
        "invalid storage volume pointer in",
        "invalid storage volume pointer in %s",
    ),
    (
        "Failed to find a storage driver",
        "Failed to find a storage driver: %s",
    ),
    ("Storage pool not found", "Storage pool not found: %s"),
    ("Storage volume not found", "Storage volume not found: %s"),
    (
        "Failed to find a node driver",
        "Failed to find a node driver: %s",
    ),
    (
        "invalid node device pointer",
        "invalid node device pointer in %s",
    ),
    ("Node device not found", "Node device not found: %s"),
    ("Security model not found", "Security model not found: %s"),
    (
        "Requested operation is not valid",
        "Requested operation is not valid: %s",
    ),
    (
        "Failed to find the interface",
        "Failed to find the interface: %s",
    ),
    ("Interface not found", "Interface not found: %s"),
    (
        "invalid interface pointer in",
        "invalid interface pointer in %s",
    ),
    (
        "multiple matching interfaces found",
        "multiple matching interfaces found: %s",
    ),
    (
        "Failed to start the nwfilter driver",
        "Failed to start the nwfilter driver: %s",
    ),
    ("Invalid network filter", "Invalid network filter: %s"),
    ("Network filter not found", "Network filter not found: %s"),
    (
        "Error while building firewall",
        "Error while building firewall: %s",
    ),
    (
        "Failed to find a secret storage driver",
        "Failed to find a secret storage driver: %s",
    ),
    ("Invalid secret", "Invalid secret: %s"),
    ("Secret not found", "Secret not found: %s"),
    ("unsupported configuration", "unsupported configuration: %s"),
    (
        "Timed out during operation",
        "Timed out during operation: %s",
    ),
    (
        "Failed to make domain persistent after migration",
        "Failed to make domain persistent after migration: %s",
    ),
    (
        "Hook script execution failed",
        "Hook script execution failed: %s",
    ),
    ("Invalid domain snapshot", "Invalid domain snapshot: %s"),
    ("Domain snapshot not found", "Domain snapshot not found: %s"),
    ("invalid stream pointer", "invalid stream pointer in %s"),
    ("argument unsupported", "argument unsupported: %s"),
    ("Storage pool probe failed", "Storage pool probe failed: %s"),
    (
        "Storage pool already built",
        "Storage pool already built: %s",
    ),
    ("revert requires force", "revert requires force: %s"),
    ("operation aborted", "operation aborted: %s"),
    ("authentication cancelled", "authentication cancelled: %s"),
    ("metadata not found", "metadata not found: %s"),
    ("Unsafe migration", "Unsafe migration: %s"),
    ("numerical overflow", "numerical overflow: %s"),
    ("block copy still active", "block copy still active: %s"),
    ("Operation not supported", "Operation not supported: %s"),
    ("SSH transport error", "SSH transport error: %s"),
    (
        "Guest agent is not responding",
        "Guest agent is not responding: %s",
    ),
    ("resource busy", "resource busy: %s"),
    ("access denied", "access denied: %s"),
    ("error from service", "error from service: %s"),
    (
        "this storage volume exists already",
        "storage volume %s exists already",
    ),
    (
        "the CPU is incompatible with host CPU",
        "the CPU is incompatible with host CPU: %s",
    ),
    (
        "XML document failed to validate against schema",
        "XML document failed to validate against schema: %s",
    ),
    (
        "migration successfully aborted",
        "migration successfully aborted: %s",
    ),
    (
        "authentication unavailable",
        "authentication unavailable: %s",
    ),
    ("Server not found", "Server not found: %s"),
    ("Client not found", "Client not found: %s"),
    (
        "guest agent replied with wrong id to guest-sync command",
        "guest agent replied with wrong id to guest-sync command: %s",
    ),
    ("libssh transport error", "libssh transport error: %s"),
    ("device not found", "device not found: %s"),
    (
        "Invalid network filter binding",
        "Invalid network filter binding: %s",
    ),
    (
        "Network filter binding not found",
        "Network filter binding not found: %s",
    ),
    ("Invalid domain checkpoint", "Invalid domain checkpoint: %s"),
    (
        "Domain checkpoint not found",
        "Domain checkpoint not found: %s",
    ),
    (
        "Domain backup job id not found",
        "Domain backup job id not found: %s",
    ),
    (
        "Invalid network port pointer",
        "Invalid network port pointer: %s",
    ),
    (
        "this network port exists already",
        "network port %s exists already",
    ),
    ("network port not found", "network port not found: %s"),
    ("no hostname found", "no hostname found: %s"),
    ("checkpoint inconsistent", "checkpoint inconsistent: %s"),
    (
        "multiple matching domains found",
        "multiple matching domains found: %s",
    ),
];

/// The message template for `code`; `with_info` picks the variant that embeds a detail.
pub fn template(code: ErrorCode, with_info: bool) -> &'static str {
    let idx = code.0;
    let (bare, info) = if (1..=110).contains(&idx) {
        TEXTS[(idx - 1) as usize]
    } else {
        ("unknown error", "%s")
    };
    if with_info {
        info
    } else {
        bare
    }
}
