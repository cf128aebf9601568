//! What parsing and formatting need to know beyond the element itself.

/// Parse-time options (libvirt's `VIR_DOMAIN_DEF_PARSE_*` that matter to the model).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseCtx {
    /// Parsing a definition (define/create) rather than live status: runtime-only data such
    /// as ids, non-user aliases and live paths is dropped.
    pub inactive: bool,
}

/// Format-time options (libvirt's `VIR_DOMAIN_DEF_FORMAT_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatCtx {
    /// Print the persistent definition, leaving out runtime-only data.
    pub inactive: bool,
    /// Include secrets such as graphics passwords.
    pub secure: bool,
    /// Leave out what would break migration to an older host.
    pub migratable: bool,
}

/// Facts about the whole domain that device defaults depend on (libvirt passes the whole
/// definition to device post-parse; devices only need these).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainEnv {
    /// `<domain type=...>` (test, kvm, qemu, ...).
    pub virt_type: String,
    /// `<os><type>` (hvm, linux, exe, xen, ...).
    pub os_type: String,
    /// `<os><type arch=...>` after defaults.
    pub arch: String,
    /// `<os><type machine=...>`.
    pub machine: Option<String>,
}

impl DomainEnv {
    pub fn is_x86(&self) -> bool {
        matches!(self.arch.as_str(), "i686" | "x86_64")
    }
}
