#!/usr/bin/python3
"""Record the QEMU driver's golden files from the REAL libvirt 9.0 (libvirtd's QEMU
driver, Debian's qemu-system-x86), so rvirt's QEMU driver is compared with the real thing.

    scripts/regen-qemu-golden.py                 # every case
    scripts/regen-qemu-golden.py 021 net-        # cases whose name contains a word

Needs root (a private libvirtd in a mount namespace of its own, like the tests start it),
qemu-system-x86, qemu-img and libvirt-daemon-driver-qemu.

For tests/data/qemu/cases/CASE.xml (domain name == CASE, fixed UUID and MACs) it writes:
  CASE.libvirt.xml   `virsh dumpxml --inactive` after `define`: the QEMU driver's defaults
                     and addresses (rvirt's post-parse must print the same)
  CASE.args          the command line of `virsh start --paused`, one argument per line,
                     read from /proc/PID/cmdline (or from the domain log when QEMU is gone
                     before it can be read), normalised to what rvirt must produce:
                       * libvirt's directories become rvirt's (/var/lib/libvirt -> /var/lib/rvirt,
                         /run/libvirt -> /run/rvirt, ...), and the domain id in
                         domain-N-NAME directories (and ram/N-NAME memory files) becomes 1
                       * argv[0] is the <emulator> libvirt ran (not a binary a wrapper
                         script of it went on to execute)
                       * file descriptor numbers passed to QEMU become 100, 101, ... in
                         the order they first appear (the test gives rvirt's command
                         builder the same numbers in the same order)
  CASE.live.xml      `virsh dumpxml` while it runs (paused): aliases, pty paths, the VNC
                     port; pty numbers are written as /dev/pts/@N@ and tap names as vnet@N@
  CASE.define-err    virsh's stderr when `define` fails (then nothing else)
  CASE.start-err     virsh's stderr when `start` fails (then no CASE.args)

Fixtures the cases may use (made here, always at the same paths):
  /tmp/rvirt-qemu-golden/disk.raw      16 MiB raw image
  /tmp/rvirt-qemu-golden/disk.qcow2    32 MiB qcow2 image
  /tmp/rvirt-qemu-golden/base.qcow2 + overlay.qcow2 (overlay backed by base, qcow2)
  /tmp/rvirt-qemu-golden/cd.iso        1 MiB file used as a cdrom image
  /tmp/rvirt-qemu-golden/blockdev      symlink to a loop device over a 8 MiB file
  /tmp/rvirt-qemu-golden/stub.elf      the multiboot stub guest (../shared/guest)
  bridge rvgolden0                     an existing Linux bridge for <interface type='bridge'>
  TCP port 5910 is held busy (for the occupied-VNC-port case)
"""
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests/data/qemu/cases")
FIX = "/tmp/rvirt-qemu-golden"


def sh(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


def fixtures():
    os.makedirs(FIX, exist_ok=True)
    def img(name, fmt, size, *extra):
        p = os.path.join(FIX, name)
        if not os.path.exists(p):
            sh("qemu-img", "create", "-q", "-f", fmt, *extra, p, size)
    img("disk.raw", "raw", "16M")
    img("disk.qcow2", "qcow2", "32M")
    img("disk2.qcow2", "qcow2", "32M")
    img("disk3.raw", "raw", "16M")
    img("base.qcow2", "qcow2", "32M")
    img("overlay.qcow2", "qcow2", "32M", "-b", os.path.join(FIX, "base.qcow2"), "-F", "qcow2")
    img("cd.iso", "raw", "1M")
    backing = os.path.join(FIX, "loop.img")
    if not os.path.exists(backing):
        sh("truncate", "-s", "8M", backing)
    link = os.path.join(FIX, "blockdev")
    if not (os.path.islink(link) and os.path.exists(link)):
        dev = sh("losetup", "--find", "--show", backing).stdout.strip()
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(dev, link)
    stub = os.path.join(FIX, "stub.elf")
    if not os.path.exists(stub):
        guest = tempfile.mkdtemp()
        sh(os.path.join(ROOT, "tests/guest/build-guest.sh"), guest)
        sh("cp", os.path.join(guest, "stub.elf"), stub)
    if sh("ip", "link", "show", "rvgolden0", check=False).returncode != 0:
        sh("ip", "link", "add", "rvgolden0", "type", "bridge")
        sh("ip", "link", "set", "rvgolden0", "up")


def start_libvirtd(run):
    for d in ["/run/libvirt", "/var/lib/libvirt", "/var/log/libvirt", "/var/cache/libvirt"]:
        os.makedirs(d, exist_ok=True)
        sh("mount", "-t", "tmpfs", "tmpfs", d)
    env = dict(os.environ, LC_ALL="C")
    sh(os.path.join(ROOT, "scripts/oracle/start-libvirtd.sh"), run, env=env)
    return f"qemu+unix:///system?socket={run}/libvirt-sock"


def virsh(uri, *args):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/tmp"}
    return subprocess.run(["virsh", "-q", "-c", uri, *args], text=True, capture_output=True, env=env)


def normalise_args(args):
    fds = {}
    def fd(m):
        n = m.group(2)
        if n not in fds:
            fds[n] = str(100 + len(fds))
        return m.group(1) + fds[n] + m.group(3)
    out = []
    for a in args:
        a = re.sub(r"/var/lib/libvirt/qemu/domain-\d+-", "/var/lib/rvirt/qemu/domain-1-", a)
        # memory-backend-file paths name the domain as ID-NAME (libvirt's short name)
        a = re.sub(r"(/var/lib/libvirt/qemu/ram/)\d+-", r"\g<1>1-", a)
        for d in ["/var/lib/", "/run/", "/var/log/", "/var/cache/", "/etc/"]:
            a = a.replace(d + "libvirt/", d + "rvirt/")
        a = re.sub(r'((?:^|[,"])(?:fd|vhostfd|fdname)(?:=|":")(?:/dev/fdset/)?)(\d+)(\b)', fd, a)
        out.append(a)
    return out


def argv_of(name):
    """QEMU's command line: from /proc while it runs, else from the domain log."""
    pidfile = f"/run/libvirt/qemu/{name}.pid"
    try:
        pid = open(pidfile).read().strip()
        raw = open(f"/proc/{pid}/cmdline", "rb").read()
        if raw:
            return [a.decode() for a in raw.split(b"\0")[:-1]]
    except OSError:
        pass
    log = open(f"/var/log/libvirt/qemu/{name}.log").read()
    line = [l for l in log.splitlines() if "qemu-system-" in l and " -name " in l][-1]
    words = shlex.split(line)
    while words and "=" in words[0] and not words[0].startswith("/"):
        words.pop(0)
    return words


def record(uri, name):
    base = os.path.join(CASES, name)
    for ext in [".libvirt.xml", ".args", ".live.xml", ".define-err", ".start-err"]:
        if os.path.exists(base + ext):
            os.unlink(base + ext)
    r = virsh(uri, "define", base + ".xml")
    if r.returncode != 0:
        open(base + ".define-err", "w").write(r.stderr.replace(CASES + "/", ""))
        return "define-err"
    x = virsh(uri, "dumpxml", "--inactive", name)
    open(base + ".libvirt.xml", "w").write(x.stdout)
    r = virsh(uri, "start", "--paused", name)
    try:
        if r.returncode != 0:
            open(base + ".start-err", "w").write(r.stderr)
            return "start-err"
        args = argv_of(name)
        # argv[0] is what libvirt executed: wrapper scripts such as Debian's
        # qemu-system-i386 exec another binary, which /proc would show instead.
        emulator = re.search(r"<emulator>(.*?)</emulator>", x.stdout)
        if args and emulator:
            args[0] = emulator.group(1)
        args = normalise_args(args)
        open(base + ".args", "w").write("\n".join(args) + "\n")
        live = virsh(uri, "dumpxml", name).stdout
        live = re.sub(r"/dev/pts/\d+", "/dev/pts/@N@", live)
        live = re.sub(r"<target dev='vnet\d+'/>", "<target dev='vnet@N@'/>", live)
        live = re.sub(r"/var/lib/libvirt/qemu/domain-\d+-", "/var/lib/rvirt/qemu/domain-1-", live)
        live = re.sub(r"/var/lib/libvirt/qemu/channel/target/domain-\d+-",
                      "/var/lib/rvirt/qemu/channel/target/domain-1-", live)
        live = re.sub(r"<domain type='(\w+)' id='\d+'>", r"<domain type='\1' id='1'>", live)
        open(base + ".live.xml", "w").write(live)
        return "ok"
    finally:
        virsh(uri, "destroy", name)
        virsh(uri, "undefine", "--nvram", name)


def main():
    if os.geteuid() != 0:
        sys.exit("regen-qemu-golden.py must run as root")
    if "--inside" not in sys.argv:
        os.execvp("unshare", ["unshare", "-m", "--propagation", "private",
                              sys.executable, os.path.abspath(__file__), "--inside", *sys.argv[1:]])
    words = [w for w in sys.argv[1:] if w != "--inside"]
    # One recording at a time: the fixtures, the bridge and port 5910 are shared.
    import fcntl
    lock = open("/tmp/rvirt-qemu-golden.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    fixtures()
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("127.0.0.1", 5910))
    busy.listen(1)
    run = tempfile.mkdtemp(prefix="rvirt-golden-libvirtd-")
    uri = start_libvirtd(run)
    try:
        names = sorted(f[:-4] for f in os.listdir(CASES)
                       if f.endswith(".xml") and not f.endswith((".libvirt.xml", ".live.xml")))
        names = [n for n in names if not words or any(w in n for w in words)]
        for n in names:
            print(f"{n}: {record(uri, n)}", flush=True)
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "scripts/oracle/stop-libvirtd.sh"), run],
                       capture_output=True)


if __name__ == "__main__":
    main()
