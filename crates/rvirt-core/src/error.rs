//! The one error type that crosses every boundary in rvirt.
//!
//! Clients of libvirt switch on the numeric `code` and `domain` of an error, so rvirt keeps
//! libvirt's numbers exactly (`VIR_ERR_NO_DOMAIN` = 42, `VIR_FROM_TEST` = 12, ...) and carries
//! the same extra fields (`str1..3`, `int1..2`) that travel in a `remote_error` on the wire.
//! Codes are newtypes over `i32` rather than closed enums so that a number sent by a newer
//! peer survives a round trip unchanged.

use std::fmt;

macro_rules! numbered {
    ($(#[$m:meta])* $ty:ident { $($name:ident = $num:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct $ty(pub i32);

        impl $ty {
            $(pub const $name: $ty = $ty($num);)*

            /// libvirt's C identifier for this number, when it is one rvirt knows.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($num => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{n}({})", self.0),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

numbered! {
    /// `virErrorNumber`.
    ErrorCode {
        OK = 0, INTERNAL_ERROR = 1, NO_MEMORY = 2, NO_SUPPORT = 3, UNKNOWN_HOST = 4,
        NO_CONNECT = 5, INVALID_CONN = 6, INVALID_DOMAIN = 7, INVALID_ARG = 8,
        OPERATION_FAILED = 9, GET_FAILED = 10, POST_FAILED = 11, HTTP_ERROR = 12,
        SEXPR_SERIAL = 13, NO_XEN = 14, XEN_CALL = 15, OS_TYPE = 16, NO_KERNEL = 17,
        NO_ROOT = 18, NO_SOURCE = 19, NO_TARGET = 20, NO_NAME = 21, NO_OS = 22,
        NO_DEVICE = 23, NO_XENSTORE = 24, DRIVER_FULL = 25, CALL_FAILED = 26,
        XML_ERROR = 27, DOM_EXIST = 28, OPERATION_DENIED = 29, OPEN_FAILED = 30,
        READ_FAILED = 31, PARSE_FAILED = 32, CONF_SYNTAX = 33, WRITE_FAILED = 34,
        XML_DETAIL = 35, INVALID_NETWORK = 36, NETWORK_EXIST = 37, SYSTEM_ERROR = 38,
        RPC = 39, GNUTLS_ERROR = 40, WAR_NO_NETWORK = 41, NO_DOMAIN = 42,
        NO_NETWORK = 43, INVALID_MAC = 44, AUTH_FAILED = 45, INVALID_STORAGE_POOL = 46,
        INVALID_STORAGE_VOL = 47, WAR_NO_STORAGE = 48, NO_STORAGE_POOL = 49,
        NO_STORAGE_VOL = 50, WAR_NO_NODE = 51, INVALID_NODE_DEVICE = 52,
        NO_NODE_DEVICE = 53, NO_SECURITY_MODEL = 54, OPERATION_INVALID = 55,
        WAR_NO_INTERFACE = 56, NO_INTERFACE = 57, INVALID_INTERFACE = 58,
        MULTIPLE_INTERFACES = 59, WAR_NO_NWFILTER = 60, INVALID_NWFILTER = 61,
        NO_NWFILTER = 62, BUILD_FIREWALL = 63, WAR_NO_SECRET = 64, INVALID_SECRET = 65,
        NO_SECRET = 66, CONFIG_UNSUPPORTED = 67, OPERATION_TIMEOUT = 68,
        MIGRATE_PERSIST_FAILED = 69, HOOK_SCRIPT_FAILED = 70,
        INVALID_DOMAIN_SNAPSHOT = 71, NO_DOMAIN_SNAPSHOT = 72, INVALID_STREAM = 73,
        ARGUMENT_UNSUPPORTED = 74, STORAGE_PROBE_FAILED = 75, STORAGE_POOL_BUILT = 76,
        SNAPSHOT_REVERT_RISKY = 77, OPERATION_ABORTED = 78, AUTH_CANCELLED = 79,
        NO_DOMAIN_METADATA = 80, MIGRATE_UNSAFE = 81, OVERFLOW = 82,
        BLOCK_COPY_ACTIVE = 83, OPERATION_UNSUPPORTED = 84, SSH = 85,
        AGENT_UNRESPONSIVE = 86, RESOURCE_BUSY = 87, ACCESS_DENIED = 88,
        DBUS_SERVICE = 89, STORAGE_VOL_EXIST = 90, CPU_INCOMPATIBLE = 91,
        XML_INVALID_SCHEMA = 92, MIGRATE_FINISH_OK = 93, AUTH_UNAVAILABLE = 94,
        NO_SERVER = 95, NO_CLIENT = 96, AGENT_UNSYNCED = 97, LIBSSH = 98,
        DEVICE_MISSING = 99, INVALID_NWFILTER_BINDING = 100, NO_NWFILTER_BINDING = 101,
        INVALID_DOMAIN_CHECKPOINT = 102, NO_DOMAIN_CHECKPOINT = 103,
        NO_DOMAIN_BACKUP = 104, INVALID_NETWORK_PORT = 105, NETWORK_PORT_EXIST = 106,
        NO_NETWORK_PORT = 107, NO_HOSTNAME = 108, CHECKPOINT_INCONSISTENT = 109,
        MULTIPLE_DOMAINS = 110,
    }
}

numbered! {
    /// `virErrorDomain`: which part of libvirt (or rvirt) raised the error.
    ErrorDomain {
        NONE = 0, XEN = 1, XEND = 2, XENSTORE = 3, SEXPR = 4, XML = 5, DOM = 6, RPC = 7,
        PROXY = 8, CONF = 9, QEMU = 10, NET = 11, TEST = 12, REMOTE = 13, OPENVZ = 14,
        XENXM = 15, STATS_LINUX = 16, LXC = 17, STORAGE = 18, NETWORK = 19, DOMAIN = 20,
        UML = 21, NODEDEV = 22, XEN_INOTIFY = 23, SECURITY = 24, VBOX = 25,
        INTERFACE = 26, ONE = 27, ESX = 28, PHYP = 29, SECRET = 30, CPU = 31,
        XENAPI = 32, NWFILTER = 33, HOOK = 34, DOMAIN_SNAPSHOT = 35, AUDIT = 36,
        SYSINFO = 37, STREAMS = 38, VMWARE = 39, EVENT = 40, LIBXL = 41, LOCKING = 42,
        HYPERV = 43, CAPABILITIES = 44, URI = 45, AUTH = 46, DBUS = 47, PARALLELS = 48,
        DEVICE = 49, SSH = 50, LOCKSPACE = 51, INITCTL = 52, IDENTITY = 53, CGROUP = 54,
        ACCESS = 55, SYSTEMD = 56, BHYVE = 57, CRYPTO = 58, FIREWALL = 59, POLKIT = 60,
        THREAD = 61, ADMIN = 62, LOGGING = 63, XENXL = 64, PERF = 65, LIBSSH = 66,
        RESCTRL = 67, FIREWALLD = 68, DOMAIN_CHECKPOINT = 69, TPM = 70, BPF = 71,
        CH = 72,
    }
}

/// `virErrorLevel`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ErrorLevel(pub i32);

impl ErrorLevel {
    pub const NONE: ErrorLevel = ErrorLevel(0);
    pub const WARNING: ErrorLevel = ErrorLevel(1);
    pub const ERROR: ErrorLevel = ErrorLevel(2);
}

/// An error as libvirt reports it: numbers clients switch on, plus a whole-sentence message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Error {
    pub code: ErrorCode,
    pub domain: ErrorDomain,
    pub level: ErrorLevel,
    /// The full text a user sees, already prefixed the way libvirt prefixes it
    /// (for example "Domain not found: no domain with matching name 'x'").
    pub message: String,
    pub str1: Option<String>,
    pub str2: Option<String>,
    pub str3: Option<String>,
    pub int1: i32,
    pub int2: i32,
}

/// Shorthand used across rvirt.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an error the way libvirt's `virReportError` does: the message is the code's
    /// standard prefix, followed by `detail` when there is one.
    pub fn new(domain: ErrorDomain, code: ErrorCode, detail: impl Into<Option<String>>) -> Error {
        let detail: Option<String> = detail.into();
        let template = crate::messages::template(code, detail.is_some());
        let message = match &detail {
            Some(d) => template.replacen("%s", d, 1),
            None => template.to_string(),
        };
        Error {
            code,
            domain,
            level: ErrorLevel::ERROR,
            message,
            str1: Some(template.to_string()),
            str2: detail,
            str3: None,
            int1: -1,
            int2: -1,
        }
    }

    /// An error whose message is used exactly as given, with no standard prefix.
    /// Used for errors received from a peer and for messages libvirt prints bare.
    pub fn raw(domain: ErrorDomain, code: ErrorCode, message: impl Into<String>) -> Error {
        let message = message.into();
        Error {
            code,
            domain,
            level: ErrorLevel::ERROR,
            str1: Some("%s".to_string()),
            str2: Some(message.clone()),
            message,
            str3: None,
            int1: -1,
            int2: -1,
        }
    }

    /// `VIR_ERR_NO_SUPPORT`, the answer of every driver method a driver does not implement.
    pub fn no_support(function: &str) -> Error {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::NO_SUPPORT,
            Some(function.to_string()),
        )
    }

    /// `VIR_ERR_NO_SUPPORT` raised by the public API file of another object family (each
    /// of libvirt's `libvirt-*.c` files reports with its own `VIR_FROM_THIS`).
    pub fn no_support_in(domain: ErrorDomain, function: &str) -> Error {
        let mut e = Error::no_support(function);
        e.domain = domain;
        e
    }

    /// `VIR_ERR_OPERATION_DENIED` for a mutating call on a read-only connection.
    pub fn read_only(function: &str) -> Error {
        Error::new(
            ErrorDomain::NONE,
            ErrorCode::OPERATION_DENIED,
            Some(format!("read only access prevents {function}")),
        )
    }

    /// `VIR_ERR_INVALID_ARG` as libvirt's public-API argument checks raise it: the text is
    /// used bare, without the usual "invalid argument: " prefix, and both integers are 0
    /// (libvirtd's replies to `virCheckFlags` failures carry `int1=0 int2=0`).
    pub fn invalid_arg(domain: ErrorDomain, detail: impl Into<String>) -> Error {
        let mut e = Error::raw(domain, ErrorCode::INVALID_ARG, detail);
        e.int1 = 0;
        e.int2 = 0;
        e
    }

    /// `VIR_ERR_INVALID_ARG` "unsupported flags (0x..) in function ...", libvirt's answer to
    /// flag bits a call does not know (`function` is the driver entry point's name).
    pub fn unsupported_flags(domain: ErrorDomain, flags: u32, function: &str) -> Error {
        let mut e = Error::invalid_arg(
            domain,
            format!("unsupported flags (0x{flags:x}) in function {function}"),
        );
        // libvirt's invalid-argument record names the function and the argument.
        e.str1 = Some(function.to_string());
        e.str2 = Some("flags".to_string());
        e
    }

    /// libvirt's `virCheckFlags`: fails with [`Error::unsupported_flags`] naming only the
    /// bits of `flags` outside `allowed`.
    pub fn check_flags(
        domain: ErrorDomain,
        flags: u32,
        allowed: u32,
        function: &str,
    ) -> Result<()> {
        let rejected = flags & !allowed;
        if rejected != 0 {
            return Err(Error::unsupported_flags(domain, rejected, function));
        }
        Ok(())
    }

    /// `VIR_ERR_OPERATION_INVALID`, for a call that does not apply in the object's state.
    pub fn operation_invalid(domain: ErrorDomain, detail: impl Into<String>) -> Error {
        Error::new(domain, ErrorCode::OPERATION_INVALID, Some(detail.into()))
    }

    /// `VIR_ERR_INTERNAL_ERROR`.
    pub fn internal(domain: ErrorDomain, detail: impl Into<String>) -> Error {
        Error::new(domain, ErrorCode::INTERNAL_ERROR, Some(detail.into()))
    }

    /// `VIR_ERR_SYSTEM_ERROR` from an OS error, as libvirt's `virReportSystemError` words it:
    /// the action, then the OS's own text.
    pub fn system(domain: ErrorDomain, action: impl Into<String>, err: &std::io::Error) -> Error {
        let text = os_error_text(err);
        let mut e = Error::raw(
            domain,
            ErrorCode::SYSTEM_ERROR,
            format!("{}: {text}", action.into()),
        );
        e.int1 = err.raw_os_error().unwrap_or(-1);
        e
    }
}

/// The strerror()-style text of an I/O error, without Rust's " (os error N)" suffix.
pub fn os_error_text(err: &std::io::Error) -> String {
    let s = err.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_with_detail_prefixes_the_standard_text() {
        let e = Error::new(
            ErrorDomain::TEST,
            ErrorCode::NO_DOMAIN,
            Some("no domain with matching name 'x'".to_string()),
        );
        assert_eq!(
            e.message,
            "Domain not found: no domain with matching name 'x'"
        );
        assert_eq!(e.code.0, 42);
        assert_eq!(e.domain.0, 12);
    }

    #[test]
    fn new_without_detail_uses_the_bare_text() {
        let e = Error::new(ErrorDomain::TEST, ErrorCode::NO_DOMAIN, None);
        assert_eq!(e.message, "Domain not found");
    }

    #[test]
    fn unknown_numbers_survive() {
        assert_eq!(ErrorCode(9999).name(), None);
        assert_eq!(ErrorCode::RPC.name(), Some("RPC"));
    }
}
