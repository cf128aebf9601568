#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine or in CI.
#
# Installs what the tests compare against when it is missing (real libvirt 9.0's virsh,
# python3-libvirt, virt-xml-validate/xmllint, libvirtd to run beside rvirtd, openssl for
# test certificates), then runs every test of the workspace.
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
if [ ${#packages[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # shellcheck disable=SC2068
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${packages[@]}" | sort -u)
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast "$@"
fi
