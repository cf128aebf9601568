#!/bin/bash
# Start a private real libvirtd in its own mount namespace, so that its
# privileged state dirs (/run/libvirt, /etc/libvirt, /var/lib/libvirt,
# /var/log/libvirt, /var/cache/libvirt) do not clash with another libvirtd
# already running on the machine. Socket: /tmp/storage-ref/run/libvirt-sock
set -e
P=/tmp/storage-ref/ns
mkdir -p $P/run $P/etc $P/varlib $P/varlog $P/varcache
[ -f $P/etc/libvirt.conf ] || cp -a /etc/libvirt/. $P/etc/
[ -n "$KEEP" ] || { rm -rf $P/etc/storage; mkdir -p $P/etc/storage; }
unshare -m --propagation private bash -c "
 mount --bind $P/run /run/libvirt
 mount --bind $P/etc /etc/libvirt
 mount --bind $P/varlib /var/lib/libvirt
 mount --bind $P/varlog /var/log/libvirt
 mount --bind $P/varcache /var/cache/libvirt
 LOG_LEVEL=3 LOG_FILTERS='1:storage 1:util.command 3:*' /work/shared/oracle/start-libvirtd.sh /tmp/storage-ref/run
"
