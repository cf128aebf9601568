#!/bin/bash
# fs pool transcript (ext4 on a loop device backed by a file in /tmp). "v ARGS" == virsh -c "$URI" ARGS
. /tmp/storage-ref/transcripts/lib.sh
D=$W/fs; rm -rf $D; mkdir -p $D
truncate -s 256M $D/fs.img
LOOP=$(losetup -f --show $D/fs.img)
echo "# v == virsh -c '$URI'"; echo "# daemon's /etc/libvirt is $NS/etc, /run/libvirt is $NS/run (private mount namespace; mounts happen in it)"; echo "# loop device: $LOOP -> $D/fs.img"; echo
LPID=$(cat /tmp/storage-ref/run/libvirtd.pid)
inns() { nsenter -t $LPID -m -- "$@"; }
cat > $D/fspool.xml <<X
<pool type='fs'>
  <name>fspool</name>
  <source>
    <device path='$LOOP'/>
    <format type='ext4'/>
  </source>
  <target>
    <path>$D/mnt</path>
  </target>
</pool>
X
note "error cases first"
cat > $D/nodev.xml <<X
<pool type='fs'><name>nodev</name><source><format type='ext4'/></source><target><path>$D/mnt2</path></target></pool>
X
run cat $D/nodev.xml
run v pool-define $D/nodev.xml
cat > $D/notarget.xml <<X
<pool type='fs'><name>notarget</name><source><device path='$LOOP'/></source></pool>
X
run cat $D/notarget.xml
run v pool-define $D/notarget.xml
run v pool-define-as badfmt fs --source-dev $LOOP --source-format foo --target $D/mnt3
run v pool-define-as fspool-print fs --source-dev $LOOP --source-format ext4 --target $D/mnt --print-xml
note "define / build / start"
run cat $D/fspool.xml
run v pool-define $D/fspool.xml
run v pool-dumpxml fspool
run v pool-start fspool
run v pool-build fspool
run blkid $LOOP
run stat -c "'%n %A %a %U %G'" $D/mnt
run v pool-build fspool
run v pool-build fspool --no-overwrite
run v pool-build fspool --overwrite
run v pool-build fspool --overwrite --no-overwrite
run v pool-start fspool
run inns findmnt $D/mnt
run v pool-start fspool
run v pool-info fspool
run v pool-info fspool --bytes
run inns stat -f -c "'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a'" $D/mnt
run v pool-list --all
run v pool-list --all --details
run v pool-dumpxml fspool
run cat $NS/run/storage/fspool.xml
run cat $NS/etc/storage/fspool.xml
run v pool-autostart fspool
run ls -la $NS/etc/storage/autostart
run v pool-refresh fspool
run v vol-list fspool --details
run inns ls -la $D/mnt
note "aux pool (dir) for --inputpool"
run v pool-create-as fsaux dir --target $D/aux --build
run v vol-create-as fsaux auxsrc 4M --format raw
note "volumes"
run v vol-create-as fspool raw1 10M --format raw
run v vol-create-as fspool rawdef 10M
run v vol-create-as fspool q1 20M --format qcow2
run v vol-create-as fspool q1pm 20M --format qcow2 --prealloc-metadata
run v vol-create-as fspool q1pm2 20M --format qcow2 --prealloc-metadata --allocation 0
run v vol-create-as fspool q1back 20M --format qcow2 --backing-vol q1 --backing-vol-format qcow2
run v vol-create-as fspool "a/b" 10M
run v vol-create-as fspool huge 100E
run v vol-create-as fspool big 1G --format raw
run v vol-create-as fspool badfmt 10M --format foo
run v vol-create-as fspool raw1 10M
run v vol-list fspool
run v vol-list fspool --details
run v pool-info fspool --bytes
for vol in raw1 q1 q1pm q1pm2 q1back; do
  run v vol-info $vol --pool fspool
  run v vol-info $vol --pool fspool --bytes
  run v vol-dumpxml $vol --pool fspool
done
run v vol-path raw1 --pool fspool
run v vol-key raw1 --pool fspool
run v vol-name $D/mnt/raw1
run v vol-pool $D/mnt/raw1
run v vol-clone q1 q1clone --pool fspool
run v vol-dumpxml q1clone --pool fspool
cat > $D/from.xml <<X
<volume><name>fromaux</name><capacity unit='MiB'>4</capacity><target><format type='qcow2'/></target></volume>
X
run cat $D/from.xml
run v vol-create-from fspool $D/from.xml auxsrc --inputpool fsaux
run v vol-dumpxml fromaux --pool fspool
run v vol-resize raw1 20M --pool fspool
run v vol-resize raw1 5M --pool fspool --delta
run v vol-resize raw1 10M --pool fspool --shrink
run v vol-info raw1 --pool fspool --bytes
run v vol-resize q1 30M --pool fspool
run v vol-info q1 --pool fspool --bytes
head -c 100000 /dev/urandom > $D/up.bin
run v vol-upload raw1 $D/up.bin --pool fspool
run v vol-download raw1 $D/down.bin --pool fspool
run cmp -n 100000 $D/up.bin $D/down.bin
run ls -l $D/down.bin
run v vol-wipe raw1 --pool fspool
run v vol-wipe raw1 --pool fspool --algorithm zero
run v vol-wipe raw1 --pool fspool --algorithm dod
run v vol-wipe raw1 --pool fspool --algorithm trim
run v vol-delete raw1 --pool fspool
run v vol-delete raw1 --pool fspool
run v pool-refresh fspool
run v vol-list fspool --details
note "teardown"
run v pool-destroy fsaux
run v pool-delete fspool
run v pool-destroy fspool
run inns findmnt $D/mnt
run v pool-info fspool
run v pool-delete fspool
run ls -la $D
run v pool-start fspool
run v vol-list fspool
run v pool-destroy fspool
run v pool-undefine fspool
run v pool-list --all
losetup -d $LOOP
echo "# loop $LOOP detached"
