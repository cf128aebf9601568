//! Host network devices for guest interfaces: tap devices (opened on /dev/net/tun; the
//! descriptor goes to QEMU, and the device disappears when the last descriptor closes, so
//! nothing is left behind when QEMU ends or a start fails), their MAC address and link
//! state, and attaching them to a bridge.
//!
//! These are `ioctl`s on `struct ifreq`; each call below passes a properly sized, zeroed
//! and NUL-terminated `ifreq` that lives for the duration of the call.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `SIOCBRADDIF` (linux/sockios.h), not exported by libc for this target.
const SIOCBRADDIF: libc::c_ulong = 0x89a2;

fn last_os_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

fn ifreq_named(name: &str) -> std::io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("invalid interface name '{name}'"),
        ));
    }
    // SAFETY: ifreq is a plain C struct for which all-zero bytes are a valid value.
    let mut r: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in r.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    Ok(r)
}

fn name_of(r: &libc::ifreq) -> String {
    let bytes: Vec<u8> = r
        .ifr_name
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A socket for interface ioctls.
fn ctl_socket() -> std::io::Result<OwnedFd> {
    // SAFETY: socket(2) with constant arguments; the result is checked before use.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(last_os_error());
    }
    // SAFETY: fd is a new descriptor this function owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn ioctl(fd: &OwnedFd, req: libc::c_ulong, r: &mut libc::ifreq) -> std::io::Result<()> {
    // SAFETY: every request used here takes a pointer to an ifreq, which `r` is, valid and
    // exclusively borrowed for the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), req as _, r as *mut libc::ifreq) };
    if rc < 0 {
        return Err(last_os_error());
    }
    Ok(())
}

/// Creates a tap device named `name` (a `%d` in it lets the kernel pick the number, as
/// `vnet%d`) and returns its descriptor and real name. `vnet_hdr` asks for the virtio
/// header QEMU's virtio-net uses.
pub fn create_tap(name: &str, vnet_hdr: bool) -> std::io::Result<(OwnedFd, String)> {
    let path = CString::new("/dev/net/tun").map_err(std::io::Error::other)?;
    // SAFETY: a NUL-terminated path and constant flags; the result is checked.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(last_os_error());
    }
    // SAFETY: fd is a new descriptor this function owns.
    let tun = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut r = ifreq_named(name)?;
    let mut flags = libc::IFF_TAP | libc::IFF_NO_PI;
    if vnet_hdr {
        flags |= libc::IFF_VNET_HDR;
    }
    r.ifr_ifru.ifru_flags = flags as libc::c_short;
    ioctl(&tun, libc::TUNSETIFF as libc::c_ulong, &mut r)?;
    Ok((tun, name_of(&r)))
}

/// Sets a device's MAC address.
pub fn set_mac(name: &str, mac: [u8; 6]) -> std::io::Result<()> {
    let s = ctl_socket()?;
    let mut r = ifreq_named(name)?;
    // SAFETY: writing the hwaddr member of the union, as SIOCSIFHWADDR reads it.
    unsafe {
        r.ifr_ifru.ifru_hwaddr.sa_family = libc::ARPHRD_ETHER;
        for (d, s) in r.ifr_ifru.ifru_hwaddr.sa_data.iter_mut().zip(mac) {
            *d = s as libc::c_char;
        }
    }
    ioctl(&s, libc::SIOCSIFHWADDR, &mut r)
}

/// Sets a device's MTU.
pub fn set_mtu(name: &str, mtu: u32) -> std::io::Result<()> {
    let s = ctl_socket()?;
    let mut r = ifreq_named(name)?;
    r.ifr_ifru.ifru_mtu = mtu as libc::c_int;
    ioctl(&s, libc::SIOCSIFMTU, &mut r)
}

/// Brings a device up.
pub fn set_up(name: &str) -> std::io::Result<()> {
    let s = ctl_socket()?;
    let mut r = ifreq_named(name)?;
    ioctl(&s, libc::SIOCGIFFLAGS, &mut r)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member just read.
    unsafe {
        r.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
    }
    ioctl(&s, libc::SIOCSIFFLAGS, &mut r)
}

/// The kernel's index of a device.
pub fn index(name: &str) -> std::io::Result<i32> {
    let s = ctl_socket()?;
    let mut r = ifreq_named(name)?;
    ioctl(&s, libc::SIOCGIFINDEX, &mut r)?;
    // SAFETY: SIOCGIFINDEX filled the ifindex member.
    Ok(unsafe { r.ifr_ifru.ifru_ifindex })
}

/// Adds device `port` to bridge `bridge`.
pub fn bridge_add(bridge: &str, port: &str) -> std::io::Result<()> {
    let idx = index(port)?;
    let s = ctl_socket()?;
    let mut r = ifreq_named(bridge)?;
    r.ifr_ifru.ifru_ifindex = idx;
    ioctl(&s, SIOCBRADDIF, &mut r)
}

/// The MTU of a device (from sysfs), for taps that should match their bridge.
pub fn mtu(name: &str) -> Option<u32> {
    std::fs::read_to_string(format!("/sys/class/net/{name}/mtu"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// Whether a device exists.
pub fn exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(ifreq_named("").is_err());
        assert!(ifreq_named("a-name-that-is-too-long").is_err());
        assert!(ifreq_named("vnet%d").is_ok());
    }

    /// Needs CAP_NET_ADMIN and /dev/net/tun; skipped with a reason otherwise.
    #[test]
    fn tap_lives_as_long_as_its_descriptor() {
        let (fd, name) = match create_tap("rvtest%d", true) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("SKIP tap test: cannot create a tap device here: {e}");
                return;
            }
        };
        assert!(name.starts_with("rvtest"), "{name}");
        assert!(exists(&name));
        set_mac(&name, [0xfe, 0x54, 0, 1, 2, 3]).expect("mac");
        set_up(&name).expect("up");
        let mac =
            std::fs::read_to_string(format!("/sys/class/net/{name}/address")).unwrap_or_default();
        assert_eq!(mac.trim(), "fe:54:00:01:02:03");
        drop(fd);
        assert!(!exists(&name), "{name} outlived its descriptor");
    }
}
