#!/bin/bash
# does an inactive, non-autostart dir pool whose target dir exists come back active after a daemon restart?
. /tmp/storage-ref/transcripts/lib.sh
D=$W/restart2; rm -rf $D; mkdir -p $D/x
run v pool-define-as rs-inactive dir --target $D/x
run v pool-define-as rs-auto-missing dir --target $D/missing
run v pool-autostart rs-auto-missing
run v pool-list --all --details
note "restart libvirtd (marker present)"
/work/shared/oracle/stop-libvirtd.sh /tmp/storage-ref/run; KEEP=1 /tmp/storage-ref/tools/start-ns.sh 2>/dev/null
run v pool-list --all --details
run "grep -E 'error|warn' /tmp/storage-ref/run/libvirtd.log | tail -3"
note "restart libvirtd (marker removed)"
/work/shared/oracle/stop-libvirtd.sh /tmp/storage-ref/run; rm -f $NS/run/storage/autostarted; KEEP=1 /tmp/storage-ref/tools/start-ns.sh 2>/dev/null
run v pool-list --all --details
run "grep -E 'error|warn' /tmp/storage-ref/run/libvirtd.log | tail -3"
run v pool-undefine rs-inactive
run v pool-destroy rs-auto-missing
run v pool-undefine rs-auto-missing
run v pool-list --all
