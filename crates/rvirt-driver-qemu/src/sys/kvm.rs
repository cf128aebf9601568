//! Asking /dev/kvm what it allows.
#![allow(unsafe_code)]

use std::os::fd::AsRawFd;

/// `KVM_CHECK_EXTENSION` (`_IO(0xAE, 0x03)`).
const KVM_CHECK_EXTENSION: libc::c_ulong = 0xAE03;
/// `KVM_CAP_MAX_VCPUS`, and `KVM_CAP_NR_VCPUS` (the recommended count) where the former
/// is 0.
const KVM_CAP_NR_VCPUS: libc::c_int = 9;
const KVM_CAP_MAX_VCPUS: libc::c_int = 66;

fn check(cap: libc::c_int) -> Option<i32> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .ok()?;
    // SAFETY: KVM_CHECK_EXTENSION takes an integer argument and returns an integer; the
    // descriptor is open for the duration of the call.
    let n = unsafe { libc::ioctl(f.as_raw_fd(), KVM_CHECK_EXTENSION as _, cap) };
    (n > 0).then_some(n)
}

/// The largest vCPU count of a KVM guest.
pub fn max_vcpus() -> Option<i32> {
    check(KVM_CAP_MAX_VCPUS).or_else(|| check(KVM_CAP_NR_VCPUS))
}
