//! Platform code: the few Linux calls std and rustix do not wrap safely, kept here so the
//! rest of the driver stays plain.

pub mod child;
pub mod kvm;
pub mod netdev;
