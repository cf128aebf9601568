#!/bin/bash
# daemon restart behaviour: which pools come back active. "v ARGS" == virsh -c "$URI" ARGS
. /tmp/storage-ref/transcripts/lib.sh
D=$W/restart; rm -rf $D; mkdir -p $D
run v pool-define-as rs-active dir --target $D/a
run v pool-build rs-active
run v pool-start rs-active
run v pool-define-as rs-auto dir --target $D/b
run v pool-build rs-auto
run v pool-autostart rs-auto
run v pool-create-as rs-transient dir --target $D/c --build
run v vol-create-as rs-transient tv 1M
run v pool-list --all --details
run ls -la $NS/etc/storage $NS/etc/storage/autostart $NS/run/storage
note "restart libvirtd (autostarted marker file present)"
/work/shared/oracle/stop-libvirtd.sh /tmp/storage-ref/run; KEEP=1 /tmp/storage-ref/tools/start-ns.sh 2>/dev/null
run v pool-list --all --details
run v vol-list rs-transient
run ls -la $NS/run/storage
note "restart libvirtd after removing /run/libvirt/storage/autostarted (simulates a reboot)"
/work/shared/oracle/stop-libvirtd.sh /tmp/storage-ref/run; rm -f $NS/run/storage/autostarted; KEEP=1 /tmp/storage-ref/tools/start-ns.sh 2>/dev/null
run v pool-list --all --details
run ls -la $NS/run/storage
note "cleanup"
for p in rs-active rs-auto; do run v pool-destroy $p; run v pool-delete $p; run v pool-undefine $p; done
run v pool-destroy rs-transient
run v pool-list --all
