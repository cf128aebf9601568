#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine or in CI.
#
# Installs what the tests compare against when it is missing (real libvirt 9.0's virsh,
# python3-libvirt, virt-xml-validate/xmllint, libvirtd and its QEMU driver to run beside
# rvirtd, openssl for test certificates, QEMU and what the test guest is built from), then
# runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v virsh >/dev/null 2>&1 || packages+=(libvirt-clients)
command -v virt-xml-validate >/dev/null 2>&1 || packages+=(libvirt-clients)
command -v xmllint >/dev/null 2>&1 || packages+=(libxml2-utils)
/usr/bin/python3 -c 'import libvirt' >/dev/null 2>&1 || packages+=(python3-libvirt)
[ -x /usr/sbin/libvirtd ] || packages+=(libvirt-daemon)
[ -x /usr/sbin/virtlogd ] || packages+=(libvirt-daemon)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
# The QEMU driver's tests run real guests (built offline from Debian packages by
# tests/guest/build-guest.sh) under Debian's QEMU, beside libvirtd's QEMU driver.
# Debian 12's qemu-system-x86 (7.2, what the goldens were recorded with) breaks a newer
# backported qemu-utils that may already be installed, so the two are installed together at
# qemu-system-x86's version (downgrading qemu-utils if need be).
need_qemu=0
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_qemu=1
[ "$need_qemu" -eq 1 ] || command -v qemu-img >/dev/null 2>&1 || packages+=(qemu-utils)
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || packages+=(libvirt-daemon-driver-qemu)
[ -x /bin/busybox ] || packages+=(busybox-static)
command -v cpio >/dev/null 2>&1 || packages+=(cpio)
command -v as >/dev/null 2>&1 || packages+=(binutils)
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
# The storage driver's tests wipe volumes with scrub (as libvirt does) and make filesystems.
command -v scrub >/dev/null 2>&1 || packages+=(scrub)
command -v mkfs.ext4 >/dev/null 2>&1 || packages+=(e2fsprogs)
# disk pools: parted on loop devices (losetup); logical pools: LVM's tools.
command -v parted >/dev/null 2>&1 || packages+=(parted)
command -v losetup >/dev/null 2>&1 || packages+=(mount)
[ -x /sbin/vgcreate ] || packages+=(lvm2)
if [ ${#packages[@]} -gt 0 ] || [ "$need_qemu" -eq 1 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  if [ "$need_qemu" -eq 1 ]; then
    qemu_version=$(apt-cache policy qemu-system-x86 | awk '/Candidate:/ {print $2}')
    packages+=("qemu-system-x86=$qemu_version" "qemu-utils=$qemu_version")
  fi
  # shellcheck disable=SC2068
  "${sudo_cmd[@]}" apt-get install -y -qq --allow-downgrades --no-install-recommends $(printf '%s\n' "${packages[@]}" | sort -u)
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast "$@"
fi
