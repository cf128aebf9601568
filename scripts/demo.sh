#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: builds rvirt, builds the small
# test guest (a Linux kernel and a busybox initramfs, from Debian packages), starts an
# isolated rvirtd, defines and starts a real VM under QEMU, shows what the guest prints on
# its serial console until it is up, then shuts it down with an ACPI power-button press.
#
#   ./scripts/demo.sh
#
# Everything it makes lives under target/demo (the daemon runs with --root there); nothing
# is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

packages=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || packages+=(qemu-system-x86 qemu-utils)
[ -x /bin/busybox ] || packages+=(busybox-static)
command -v cpio >/dev/null 2>&1 || packages+=(cpio)
command -v as >/dev/null 2>&1 || packages+=(binutils)
if [ ${#packages[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

echo "== building rvirtd and rvirsh"
cargo build -q --release -p rvirtd -p rvirsh
BIN=$ROOT/target/release
DEMO=$ROOT/target/demo
GUEST=$DEMO/guest
mkdir -p "$GUEST"
echo "== building the test guest (Debian kernel + busybox initramfs)"
bash tests/guest/build-guest.sh "$GUEST" >/dev/null

# As root the daemon serves qemu:///system, as a user qemu:///session; --root keeps every
# path it uses under target/demo either way.
if [ "$(id -u)" -eq 0 ]; then
  URI_PATH=system
  SOCK=$DEMO/root/run/rvirt/rvirt-sock
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run}
else
  URI_PATH=session
  export XDG_RUNTIME_DIR=$DEMO/xdg-run
  mkdir -p "$XDG_RUNTIME_DIR"
  SOCK=$DEMO/root$XDG_RUNTIME_DIR/rvirt/rvirt-sock
fi
URI="qemu+unix:///$URI_PATH?socket=$SOCK"
rm -rf "$DEMO/root"
mkdir -p "$DEMO/root"
echo "== starting rvirtd (--root $DEMO/root)"
"$BIN/rvirtd" --root "$DEMO/root" --daemon
PIDFILE=$(dirname "$SOCK")/rvirtd.pid
cleanup() {
  "$BIN/rvirsh" -q -c "$URI" destroy demo >/dev/null 2>&1 || true
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
}
trap cleanup EXIT

CONSOLE_LOG=$DEMO/console.log
rm -f "$CONSOLE_LOG"
cat > "$DEMO/demo.xml" <<EOF
<domain type='qemu'>
  <name>demo</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST/vmlinuz</kernel>
    <initrd>$GUEST/initrd.gz</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'><log file='$CONSOLE_LOG' append='off'/></serial>
    <console type='pty'/>
  </devices>
</domain>
EOF

R() { "$BIN/rvirsh" -c "$URI" "$@"; }
echo "== rvirsh define / start"
R define "$DEMO/demo.xml"
R start demo
R list --all
echo "== the guest's serial console (booting under QEMU/TCG, a few seconds)"
for _ in $(seq 1 600); do
  grep -q "GUEST-READY" "$CONSOLE_LOG" 2>/dev/null && break
  sleep 0.1
done
grep -a "GUEST-" "$CONSOLE_LOG" || { echo "the guest did not come up"; exit 1; }
echo "== rvirsh dominfo"
R dominfo demo
echo "== rvirsh shutdown (ACPI power button)"
R shutdown demo
for _ in $(seq 1 300); do
  [ "$(R domstate demo | head -1)" = "shut off" ] && break
  sleep 0.1
done
grep -a "GUEST-POWEROFF" "$CONSOLE_LOG" || true
R domstate --reason demo
R undefine demo
echo "== done"
