#!/bin/bash
# disk pool transcript (loop devices with dos and gpt labels, partition scanning on). "v ARGS" == virsh -c "$URI" ARGS
. /tmp/storage-ref/transcripts/lib.sh
D=$W/disk; rm -rf $D; mkdir -p $D
truncate -s 128M $D/dos.img; truncate -s 64M $D/gpt.img
LOOP=$(losetup -f -P --show $D/dos.img)
LOOP2=$(losetup -f -P --show $D/gpt.img)
B=$(basename $LOOP); B2=$(basename $LOOP2)
echo "# v == virsh -c '$URI'"; echo "# loop devices (losetup -P): $LOOP -> $D/dos.img, $LOOP2 -> $D/gpt.img"; echo
note "error cases"
run v pool-define-as nodev disk --target /dev
run v pool-define-as badfmt disk --source-dev $LOOP --source-format foo --target /dev
note "dos label pool"
run v pool-define-as diskpool disk --source-dev $LOOP --source-format dos --target /dev --print-xml
run v pool-define-as diskpool disk --source-dev $LOOP --source-format dos --target /dev
run v pool-dumpxml diskpool
run v pool-start diskpool
run v pool-build diskpool
run parted -s $LOOP unit B print
run v pool-build diskpool
run v pool-build diskpool --overwrite
run v pool-start diskpool
run v pool-start diskpool
run v pool-info diskpool
run v pool-info diskpool --bytes
run v pool-list --all --details
run v pool-dumpxml diskpool
run cat $NS/run/storage/diskpool.xml
run v pool-autostart diskpool
run v vol-list diskpool --details
note "volumes"
run v vol-create-as diskpool ${B}p1 10M
run v vol-create-as diskpool ${B}p2 10M --format linux
run v vol-create-as diskpool ${B}p3 20M --format qcow2
run v vol-create-as diskpool ${B}p3 20M --format raw
run v vol-create-as diskpool ${B}p3 20M --format extended
run v vol-create-as diskpool ${B}p5 8M --format fat16
run v vol-create-as diskpool ${B}p6 8M --format linux-swap
run v vol-create-as diskpool ${B}p7 8M --prealloc-metadata
run v vol-create-as diskpool ${B}p7 8M --format linux-lvm
run v vol-create-as diskpool ${B}p4 8M --format linux-raid
run v vol-create-as diskpool ${B}p8 8M
run v vol-create-as diskpool "a/b" 10M
run v vol-create-as diskpool huge 100E
run v vol-create-as diskpool ${B}p8 1G
run v vol-create-as diskpool ${B}p1 10M
run v vol-create-as diskpool ${B}p8 10M --backing-vol ${B}p1
note "wrong partition name (libvirt creates the partition first, then rejects the name and its rollback fails on a kernel without device-mapper)"
run v vol-create-as diskpool myname 10M
run parted -s $LOOP unit B print
run v vol-list diskpool --details
run v pool-info diskpool --bytes
run v pool-refresh diskpool
run v vol-list diskpool --details
run parted -s $LOOP unit B print
run ls -la /dev/${B}\*
run v vol-list diskpool
run v vol-list diskpool --details
run v pool-info diskpool --bytes
run v pool-dumpxml diskpool
for n in 1 2 3 5 6 7 4; do
  run v vol-info ${B}p$n --pool diskpool
  run v vol-info ${B}p$n --pool diskpool --bytes
  run v vol-dumpxml ${B}p$n --pool diskpool
done
run v vol-path ${B}p1 --pool diskpool
run v vol-key ${B}p1 --pool diskpool
run v vol-name /dev/${B}p1
run v vol-pool /dev/${B}p1
run v vol-resize ${B}p1 20M --pool diskpool
head -c 65536 /dev/urandom > $D/up.bin
run v vol-upload ${B}p1 $D/up.bin --pool diskpool
run v vol-download ${B}p1 $D/down.bin --pool diskpool
run ls -l $D/down.bin
run cmp -n 65536 $D/up.bin $D/down.bin
run v vol-download ${B}p1 $D/down-sparse.bin --pool diskpool --sparse
run ls -ls $D/down-sparse.bin
run v vol-wipe ${B}p1 --pool diskpool
run cmp -n 65536 $D/up.bin /dev/${B}p1
run v vol-wipe ${B}p1 --pool diskpool --algorithm zero
run v vol-wipe ${B}p1 --pool diskpool --algorithm nnsa
run v vol-wipe ${B}p1 --pool diskpool --algorithm trim
run v vol-clone ${B}p1 ${B}p8 --pool diskpool
run v vol-clone ${B}p1 clonename --pool diskpool
cat > $D/from.xml <<X
<volume><name>${B}p8</name><capacity unit='MiB'>10</capacity></volume>
X
run cat $D/from.xml
run v vol-create-from diskpool $D/from.xml ${B}p2 --inputpool diskpool
run v vol-list diskpool --details
run v vol-delete ${B}p6 --pool diskpool
run v vol-delete ${B}p3 --pool diskpool
run v vol-delete ${B}p2 --pool diskpool
run v vol-delete ${B}p2 --pool diskpool
run parted -s $LOOP unit B print
run v pool-refresh diskpool
run v vol-list diskpool --details
run v pool-dumpxml diskpool
run v find-storage-pool-sources disk
note "gpt label pool"
cat > $D/gptpool.xml <<X
<pool type='disk'>
  <name>gptpool</name>
  <source>
    <device path='$LOOP2'/>
    <format type='gpt'/>
  </source>
  <target>
    <path>/dev</path>
  </target>
</pool>
X
run cat $D/gptpool.xml
run v pool-define $D/gptpool.xml
run v pool-build gptpool
run v pool-start gptpool
run v pool-dumpxml gptpool
run v vol-create-as gptpool ${B2}p1 10M
run v vol-create-as gptpool ${B2}p2 10M --format linux-swap
run v vol-create-as gptpool ${B2}p3 10M --format extended
run parted -s $LOOP2 unit B print
run v vol-list gptpool --details
run v vol-dumpxml ${B2}p1 --pool gptpool
run v vol-dumpxml ${B2}p2 --pool gptpool
run v pool-dumpxml gptpool
run v pool-info gptpool --bytes
note "label mismatch: start a dos-declared pool on a gpt disk"
run v pool-destroy gptpool
run v pool-define-as mismatch disk --source-dev $LOOP2 --source-format dos --target /dev
run v pool-start mismatch
run v pool-build mismatch
run v pool-undefine mismatch
note "teardown"
run v pool-delete diskpool
run v pool-destroy diskpool
run v pool-delete diskpool
run parted -s $LOOP unit B print
run v pool-undefine diskpool
run v pool-undefine gptpool
run v pool-list --all
losetup -d $LOOP $LOOP2
echo "# loops detached"
