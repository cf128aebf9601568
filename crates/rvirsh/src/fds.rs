//! Descriptors named on the command line (`--pass-fds N,M`), duplicated so the call owns
//! copies it may send and close, as libvirt's client duplicates each descriptor it passes.
//! Unsafe code here takes ownership of a descriptor number the kernel just returned (the
//! only other unsafe code of rvirsh installs the console's signal handlers).

use std::os::fd::{FromRawFd, OwnedFd};

/// Duplicates each descriptor (close-on-exec); a number that is not open fails with
/// libvirt's "Cannot duplicate FD N" and the system's reason.
pub fn dup_all(fds: &[i32]) -> rvirt::Result<Vec<OwnedFd>> {
    fds.iter().map(|&fd| dup(fd)).collect()
}

#[allow(unsafe_code)]
fn dup(fd: i32) -> rvirt::Result<OwnedFd> {
    // SAFETY: fcntl with F_DUPFD_CLOEXEC takes any integer and either fails or returns a
    // new descriptor that nothing else owns.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        let e = std::io::Error::last_os_error();
        return Err(rvirt::Error::system(
            rvirt::ErrorDomain::RPC,
            format!("Cannot duplicate FD {fd}"),
            &e,
        ));
    }
    // SAFETY: `new` was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}
