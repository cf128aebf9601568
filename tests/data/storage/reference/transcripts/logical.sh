#!/bin/bash
# logical pool transcript (VG on a loop device). "v ARGS" == virsh -c "$URI" ARGS
# NOTE: this kernel has no device-mapper (no /dev/mapper support, no modules),
# so LVM metadata operations work but LV activation/creation through libvirt fails.
. /tmp/storage-ref/transcripts/lib.sh
D=$W/logical; rm -rf $D; mkdir -p $D
truncate -s 256M $D/pv.img; truncate -s 64M $D/pv2.img
LOOP=$(losetup -f --show $D/pv.img)
LOOP2=$(losetup -f --show $D/pv2.img)
echo "# v == virsh -c '$URI'"; echo "# loop devices: $LOOP -> $D/pv.img, $LOOP2 -> $D/pv2.img"; echo
note "error cases"
run v pool-define-as nosrc logical
run v pool-define-as nosrc2 logical --target /dev/foo
run v pool-define-as onlyname logical --source-name somevg --print-xml
run v pool-define-as onlyname logical --source-name somevg
run v pool-dumpxml onlyname
run v pool-build onlyname
run v pool-start onlyname
run v pool-undefine onlyname
note "define / build / start"
run v pool-define-as lvpool logical --source-dev $LOOP --source-name rvirtvg --target /dev/rvirtvg --print-xml
run v pool-define-as lvpool logical --source-dev $LOOP --source-name rvirtvg --target /dev/rvirtvg
run cat $NS/etc/storage/lvpool.xml
run v pool-dumpxml lvpool
run v pool-start lvpool
run v pool-build lvpool
run pvs $LOOP
run vgs rvirtvg
run v pool-build lvpool
run v pool-build lvpool --no-overwrite
run v pool-build lvpool --overwrite
run v pool-start lvpool
run v pool-start lvpool
run v pool-info lvpool
run v pool-info lvpool --bytes
run "vgs --units b --nosuffix -o vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count rvirtvg"
run v pool-list --all
run v pool-list --all --details
run v pool-dumpxml lvpool
run cat $NS/run/storage/lvpool.xml
run v pool-autostart lvpool
run ls -la $NS/etc/storage/autostart
run v pool-refresh lvpool
run v vol-list lvpool --details
note "volumes (creation needs device-mapper: expected to fail here)"
run v vol-create-as lvpool lv1 10M
run v vol-create-as lvpool lv1raw 10M --format raw
run v vol-create-as lvpool lvq 20M --format qcow2
run v vol-create-as lvpool lvpm 20M --prealloc-metadata
run v vol-create-as lvpool lvsparse 20M --allocation 4M
run v vol-create-as lvpool "a/b" 10M
run v vol-create-as lvpool neg -- -10M
run v vol-create-as lvpool huge 100E
run v vol-create-as lvpool big 10G
run v vol-create-as lvpool badfmt 10M --format foo
note "LVs created behind libvirt's back without device-mapper (lvcreate --driverloaded n -an -Zn), then refresh"
run lvcreate --driverloaded n -an -Zn -L 8M -n ext1 rvirtvg
run lvcreate --driverloaded n -an -Zn -L 12M -n ext2 rvirtvg
run lvcreate --driverloaded n -an -Zn -s -L 4M -n ext1snap rvirtvg/ext1
run "lvs --units b --nosuffix -o lv_name,lv_uuid,lv_attr,lv_size,origin,seg_start,seg_size,devices,vg_extent_size rvirtvg"
run v pool-refresh lvpool
run v vol-list lvpool
run v vol-list lvpool --details
run v pool-info lvpool --bytes
for vol in ext1 ext2 ext1snap; do
  run v vol-info $vol --pool lvpool
  run v vol-info $vol --pool lvpool --bytes
  run v vol-dumpxml $vol --pool lvpool
  run v vol-key $vol --pool lvpool
  run v vol-path $vol --pool lvpool
done
run v vol-name /dev/rvirtvg/ext1
run v vol-pool /dev/rvirtvg/ext1
run v vol-name "\$(v vol-key ext1 --pool lvpool)"
run v vol-pool "\$(v vol-key ext1 --pool lvpool)"
run v vol-create-as lvpool ext1 10M
run v vol-clone ext1 ext1clone --pool lvpool
cat > $D/from.xml <<X
<volume><name>fromext</name><capacity unit='MiB'>8</capacity><target><format type='raw'/></target></volume>
X
run v vol-create-from lvpool $D/from.xml ext1 --inputpool lvpool
run v vol-resize ext2 16M --pool lvpool
run v vol-resize ext2 4M --pool lvpool --delta
run v vol-resize ext2 8M --pool lvpool --shrink
echo hello > $D/up.bin
run v vol-upload ext2 $D/up.bin --pool lvpool
run v vol-download ext2 $D/down.bin --pool lvpool
run v vol-wipe ext2 --pool lvpool
run v vol-wipe ext2 --pool lvpool --algorithm dod
run v vol-delete ext1snap --pool lvpool
run v vol-delete nosuchvol --pool lvpool
run v pool-refresh lvpool
run v vol-list lvpool --details
note "source discovery"
run pvcreate -q $LOOP2
run vgcreate -q othervg $LOOP2
run v find-storage-pool-sources logical
run v find-storage-pool-sources-as logical
run v find-storage-pool-sources-as logical --host localhost
cat > $D/srcspec.xml <<X
<source><name>rvirtvg</name></source>
X
run v find-storage-pool-sources logical $D/srcspec.xml
run vgremove -f othervg
run pvremove -q $LOOP2
note "teardown"
run v pool-delete lvpool
run v pool-destroy lvpool
run v pool-info lvpool
run v pool-start lvpool
run "lvremove --driverloaded n -f rvirtvg/ext1snap rvirtvg/ext1 rvirtvg/ext2"
run v pool-start lvpool
run v pool-refresh lvpool
run v vol-list lvpool
run v pool-destroy lvpool
run v pool-delete lvpool
run pvs
run vgs
run v pool-undefine lvpool
run v pool-list --all
losetup -d $LOOP $LOOP2
echo "# loops detached"
