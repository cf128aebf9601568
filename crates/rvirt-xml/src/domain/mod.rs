//! The domain (`<domain>`) model: a virtual machine's definition.
//!
//! `DomainDef::parse` turns XML text into typed values once; `DomainDef::format` prints the
//! canonical form libvirt prints. Top-level parts live in their own modules; devices live
//! under [`devices`], one module per family.

pub mod ctx;
pub mod devices;
pub mod info;

pub use ctx::{DomainEnv, FormatCtx, ParseCtx};
pub use devices::Devices;
