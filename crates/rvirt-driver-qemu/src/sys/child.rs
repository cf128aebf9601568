//! Children that must not outlive the daemon: a capability probe's QEMU keeps running when
//! its monitor goes away, so it is killed by the kernel the moment the thread that started
//! it ends (guests, which must outlive the daemon, never get this).
#![allow(unsafe_code)]

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Arranges for the child of `cmd` to get SIGKILL when the spawning thread exits.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: the closure runs in the child between fork and exec and only makes one
    // async-signal-safe system call (prctl), touching no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
