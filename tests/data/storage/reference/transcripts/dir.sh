#!/bin/bash
# dir pool transcript. "v ARGS" == virsh -c "$URI" ARGS (see lib.sh)
. /tmp/storage-ref/transcripts/lib.sh
D=$W/dir; rm -rf $D; mkdir -p $D
echo "# v == virsh -c '$URI'"; echo "# daemon's /etc/libvirt is $NS/etc, /run/libvirt is $NS/run (private mount namespace)"; echo
note "define / build / start"
run v pool-define-as dirpool dir --target $D/pool --print-xml
run v pool-define-as dirpool dir --target $D/pool
run ls -la $NS/etc/storage
run cat $NS/etc/storage/dirpool.xml
run v pool-info dirpool
run v pool-dumpxml dirpool
note "error: start a dir pool whose target does not exist, without build"
run v pool-start dirpool
run v pool-build dirpool
run stat -c "'%n %A %a %U %G'" $D/pool
run v pool-build dirpool
run v pool-start dirpool
run ls -la $NS/run/storage
run cat $NS/run/storage/dirpool.xml
run v pool-info dirpool
run v pool-info dirpool --bytes
run df -B1 --output=size,used,avail $D/pool
run stat -f -c "'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a'" $D/pool
run v pool-list --all
run v pool-list --all --details
run v pool-list --all --details --persistent --autostart
run v pool-list --all --transient
run v pool-list --type dir --uuid
run v pool-list --name
run v pool-dumpxml dirpool
run v pool-dumpxml --inactive dirpool
run v pool-uuid dirpool
run v pool-name "\$(v pool-uuid dirpool)"
run v pool-autostart dirpool
run ls -la $NS/etc/storage $NS/etc/storage/autostart
run v pool-info dirpool
run v pool-autostart --disable dirpool
run ls -la $NS/etc/storage/autostart
run v pool-autostart dirpool
note "error cases: pool"
run v pool-start dirpool
run v pool-define-as dirpool dir --target $D/other
cat > $D/dup.xml <<X
<pool type='dir'><name>dirpool</name><target><path>$D/other</path></target></pool>
X
run cat $D/dup.xml
run v pool-define $D/dup.xml
cat > $D/notarget.xml <<X
<pool type='dir'><name>notarget</name></pool>
X
run cat $D/notarget.xml
run v pool-define $D/notarget.xml
cat > $D/notarget2.xml <<X
<pool type='dir'><name>notarget2</name><target></target></pool>
X
run cat $D/notarget2.xml
run v pool-define $D/notarget2.xml
run v pool-define-as notarget3 dir
run v pool-define-as relpath dir --target relative/path
run v pool-dumpxml relpath
run v pool-undefine relpath
run v pool-info nosuchpool
run v pool-start nosuchpool
run v pool-delete dirpool
run v pool-undefine nosuchpool
note "aux pool for --inputpool"
run v pool-create-as auxpool dir --target $D/aux --build
run v pool-list --all --details
run v vol-create-as auxpool auxsrc 8M --format raw
note "volumes"
run v vol-create-as dirpool raw1 10M --format raw
run v vol-create-as dirpool raw1b 10M
run v vol-create-as dirpool raw1c 10M --allocation 10M
run v vol-create-as dirpool raw1d 10M --allocation 2M
run v vol-create-as dirpool q1 20M --format qcow2
run v vol-create-as dirpool q1pm 20M --format qcow2 --prealloc-metadata
run v vol-create-as dirpool rawpm 10M --format raw --prealloc-metadata
run v vol-create-as dirpool q1back 20M --format qcow2 --backing-vol q1 --backing-vol-format qcow2
run v vol-create-as dirpool q1back2 30M --format qcow2 --backing-vol $D/pool/q1
run v vol-create-as dirpool q1back3 --capacity 0 --format qcow2 --backing-vol raw1 --backing-vol-format raw
run v vol-create-as dirpool vmdk1 10M --format vmdk
run v vol-create-as dirpool qed1 10M --format qed
run v vol-create-as dirpool cow1 10M --format cow
run v vol-create-as dirpool vdi1 10M --format vdi
run v vol-create-as dirpool iso1 10M --format iso
run v vol-create-as dirpool ploop1 10M --format ploop
note "error cases: volumes"
run v vol-create-as dirpool "a/b" 10M
run v vol-create-as dirpool neg -- -10M
run v vol-create-as dirpool neg2 -10
run v vol-create-as dirpool huge 100E
run v vol-create-as dirpool huge2 16E
run v vol-create-as dirpool huge3 1000T --format raw
run v vol-create-as dirpool huge4 1000T --format qcow2
run v vol-create-as dirpool badfmt 10M --format foo
run v vol-create-as dirpool raw1 10M
run v vol-create-as dirpool badback 10M --format qcow2 --backing-vol nosuchvol
run v vol-create-as dirpool badback2 10M --format raw --backing-vol q1 --backing-vol-format qcow2
run v vol-create-as nosuchpool x 10M
run v vol-delete nosuchvol --pool dirpool
run v vol-delete $D/pool/nosuchvol
run v vol-info nosuchvol --pool dirpool
run v vol-dumpxml nosuchvol --pool dirpool
run v vol-key nosuchvol --pool dirpool
run v vol-path nosuchvol --pool dirpool
run v vol-name /no/such/key
run v vol-pool /no/such/key
note "listing and info"
run v pool-refresh dirpool
run ls -la --time-style=+ $D/pool
run du -k $D/pool/\*
run v vol-list dirpool
run v vol-list dirpool --details
run v vol-list --pool dirpool --details
run v pool-info dirpool
run v pool-info auxpool
for vol in raw1 raw1c raw1d q1 q1pm q1back q1back2 q1back3 vmdk1 qed1 vdi1 iso1; do
  run v vol-info $vol --pool dirpool
  run v vol-info $vol --pool dirpool --bytes
  run v vol-dumpxml $vol --pool dirpool
  run qemu-img info $D/pool/$vol
done
run v vol-info $D/pool/raw1
run v vol-info --vol $D/pool/raw1
run v vol-dumpxml $D/pool/q1back
run v vol-path raw1 --pool dirpool
run v vol-key raw1 --pool dirpool
run v vol-name $D/pool/raw1
run v vol-pool $D/pool/raw1
run v vol-pool --uuid $D/pool/raw1
run v vol-path $D/pool/raw1
run v vol-key $D/pool/raw1
note "vol-create from XML with explicit permissions / timestamps"
cat > $D/volperm.xml <<X
<volume>
  <name>permvol</name>
  <capacity unit='MiB'>5</capacity>
  <allocation unit='MiB'>1</allocation>
  <target>
    <format type='raw'/>
    <permissions><mode>0644</mode><owner>1000</owner><group>100</group><label>x</label></permissions>
  </target>
</volume>
X
run cat $D/volperm.xml
run v vol-create dirpool $D/volperm.xml
run stat -c "'%n %a %u %g %s %b'" $D/pool/permvol
run v vol-dumpxml permvol --pool dirpool
cat > $D/volq.xml <<X
<volume type='file'>
  <name>q2compat</name>
  <capacity unit='bytes'>1048576</capacity>
  <target>
    <format type='qcow2'/>
    <compat>0.10</compat>
    <features><lazy_refcounts/></features>
  </target>
</volume>
X
run cat $D/volq.xml
run v vol-create dirpool $D/volq.xml
run v vol-dumpxml q2compat --pool dirpool
run qemu-img info $D/pool/q2compat
cat > $D/volq3.xml <<X
<volume type='file'>
  <name>q3lazy</name>
  <capacity unit='bytes'>1048576</capacity>
  <target>
    <format type='qcow2'/>
    <compat>1.1</compat>
    <features><lazy_refcounts/></features>
    <clusterSize unit='KiB'>128</clusterSize>
  </target>
</volume>
X
run cat $D/volq3.xml
run v vol-create dirpool $D/volq3.xml
run v vol-dumpxml q3lazy --pool dirpool
run qemu-img info $D/pool/q3lazy
note "clone / create-from"
run v vol-clone raw1 raw1clone --pool dirpool
run v vol-clone q1back q1backclone --pool dirpool
run v vol-clone q1pm q1pmclone --pool dirpool --prealloc-metadata
run v vol-clone raw1 raw1 --pool dirpool
run v vol-dumpxml q1backclone --pool dirpool
run qemu-img info $D/pool/q1backclone
cat > $D/fromvol.xml <<X
<volume>
  <name>fromaux</name>
  <capacity unit='MiB'>16</capacity>
  <target>
    <format type='qcow2'/>
  </target>
</volume>
X
run cat $D/fromvol.xml
run v vol-create-from dirpool $D/fromvol.xml auxsrc --inputpool auxpool
run v vol-dumpxml fromaux --pool dirpool
run qemu-img info $D/pool/fromaux
cat > $D/fromvol2.xml <<X
<volume>
  <name>fromq1raw</name>
  <capacity unit='MiB'>20</capacity>
  <target>
    <format type='raw'/>
  </target>
</volume>
X
run cat $D/fromvol2.xml
run v vol-create-from auxpool $D/fromvol2.xml q1 --inputpool dirpool
run v vol-dumpxml fromq1raw --pool auxpool
cat > $D/fromvol3.xml <<X
<volume>
  <name>fromq1pm</name>
  <capacity unit='MiB'>20</capacity>
  <target>
    <format type='qcow2'/>
  </target>
</volume>
X
run v vol-create-from dirpool $D/fromvol3.xml raw1 --prealloc-metadata
run v vol-create-from dirpool $D/fromvol3.xml raw1 --inputpool dirpool --prealloc-metadata
run v vol-dumpxml fromq1pm --pool dirpool
run qemu-img info $D/pool/fromq1pm
note "resize"
run v vol-resize raw1 20M --pool dirpool
run v vol-info raw1 --pool dirpool --bytes
run v vol-resize raw1 5M --pool dirpool --delta
run v vol-info raw1 --pool dirpool --bytes
run v vol-resize raw1 10M --pool dirpool
run v vol-resize raw1 10M --pool dirpool --shrink
run v vol-info raw1 --pool dirpool --bytes
run v vol-resize --pool dirpool --delta --shrink raw1 -- -2M
run v vol-info raw1 --pool dirpool --bytes
run v vol-resize --pool dirpool --delta raw1 -- -2M
run v vol-resize raw1 12M --pool dirpool --allocate
run v vol-info raw1 --pool dirpool --bytes
run du -B1 $D/pool/raw1
run v vol-resize raw1 100E --pool dirpool
run v vol-resize raw1 1000T --pool dirpool
run v vol-resize raw1 0 --pool dirpool --shrink
run v vol-resize q1 40M --pool dirpool
run v vol-info q1 --pool dirpool --bytes
run v vol-resize q1 10M --pool dirpool --shrink
run v vol-info q1 --pool dirpool --bytes
run v vol-resize q1 10M --pool dirpool --delta --allocate
note "upload / download"
head -c 300000 /dev/urandom > $D/up.bin
truncate -s 2000000 $D/up.bin
printf 'TAIL-DATA' >> $D/up.bin
run ls -ls $D/up.bin
run v vol-upload raw1 $D/up.bin --pool dirpool
run v vol-download raw1 $D/down.bin --pool dirpool
run ls -ls $D/down.bin
run cmp -n 2000009 $D/up.bin $D/down.bin
run v vol-download raw1 $D/down-sparse.bin --pool dirpool --sparse
run ls -ls $D/down-sparse.bin
run cmp $D/down.bin $D/down-sparse.bin
run v vol-upload raw1d $D/up.bin --pool dirpool --sparse
run ls -ls $D/pool/raw1d
run v vol-download raw1d $D/down2.bin --pool dirpool --offset 1048576 --length 1000
run ls -l $D/down2.bin
run cmp -n 1000 $D/down2.bin "<(tail -c +1048577 $D/up.bin)"
run v vol-upload raw1d $D/up.bin --pool dirpool --offset 9000000
run v vol-upload raw1d $D/up.bin --pool dirpool --offset 9999999 --length 1
run v vol-upload raw1d $D/up.bin --pool dirpool --offset 100000000
run v vol-upload q1 $D/up.bin --pool dirpool
run qemu-img info $D/pool/q1
run v vol-info q1 --pool dirpool --bytes
run v vol-dumpxml q1 --pool dirpool
run v vol-download q1 $D/downq1.bin --pool dirpool
run cmp -n 2000009 $D/up.bin $D/downq1.bin
note "sparse upload/download on fresh sparse volumes"
run v vol-create-as dirpool sp1 10M --allocation 0
run v vol-create-as dirpool sp2 10M --allocation 0
run ls -ls $D/pool/sp1 $D/pool/sp2
run v vol-upload sp1 $D/up.bin --pool dirpool --sparse
run v vol-upload sp2 $D/up.bin --pool dirpool
run ls -ls $D/pool/sp1 $D/pool/sp2
run v vol-info sp1 --pool dirpool --bytes
run v vol-info sp2 --pool dirpool --bytes
run v vol-download sp1 $D/sp1-sparse.bin --pool dirpool --sparse
run v vol-download sp1 $D/sp1-full.bin --pool dirpool
run ls -ls $D/sp1-sparse.bin $D/sp1-full.bin
run cmp $D/sp1-sparse.bin $D/sp1-full.bin
run v vol-info raw1d --pool dirpool --bytes
note "wipe"
run v vol-upload raw1c $D/up.bin --pool dirpool
run v vol-wipe raw1c --pool dirpool
run cmp -n 2000009 $D/up.bin $D/pool/raw1c
run "od -An -tx1 $D/pool/raw1c | sort -u | head"
run ls -ls $D/pool/raw1c
for alg in zero nnsa dod bsi gutmann schneier pfitzner7 pfitzner33 random trim foo; do
  run v vol-wipe raw1c --pool dirpool --algorithm $alg
done
run ls -ls $D/pool/raw1c
run v vol-dumpxml raw1c --pool dirpool
run v vol-wipe q1back --pool dirpool
run qemu-img info $D/pool/q1back
run v vol-dumpxml q1back --pool dirpool
run v vol-wipe q1 --pool dirpool --algorithm zero
run qemu-img info $D/pool/q1
run v vol-wipe raw1d --pool dirpool --algorithm random
run ls -ls $D/pool/raw1d
note "refresh detection of files created behind libvirt's back"
qemu-img create -f qcow2 -o backing_file=$D/pool/raw1,backing_fmt=raw $D/pool/ext-q-backed 10M >/dev/null
qemu-img create -f qcow2 -b raw1 -F raw $D/pool/ext-q-relback >/dev/null 2>&1
qemu-img create -f qcow2 $D/pool/ext-q.img 10M >/dev/null
qemu-img create -f vmdk $D/pool/ext-vmdk 10M >/dev/null
qemu-img create -f vpc $D/pool/ext-vpc 10M >/dev/null
qemu-img create -f luks --object secret,id=s0,data=abc -o key-secret=s0 $D/pool/ext-luks 10M >/dev/null 2>&1
echo hello > $D/pool/ext-text.txt
mkdir $D/pool/ext-subdir
ln -s $D/pool/raw1 $D/pool/ext-symlink
ln -s /nonexistent $D/pool/ext-danglink
mkfifo $D/pool/ext-fifo
touch $D/pool/.hidden
: > $D/pool/ext-empty
run ls -la $D/pool
run v pool-refresh dirpool
run v vol-list dirpool --details
for vol in ext-q-backed ext-q-relback ext-q.img ext-vmdk ext-vpc ext-luks ext-text.txt ext-subdir ext-symlink ext-danglink ext-fifo .hidden ext-empty; do
  run v vol-dumpxml "'$vol'" --pool dirpool
done
note "capabilities"
run v pool-capabilities
run v find-storage-pool-sources dir
run v find-storage-pool-sources-as dir
note "delete"
run v vol-info ext-subdir --pool dirpool
run v vol-delete raw1 --pool dirpool
run v vol-delete $D/pool/q1
run v vol-delete raw1 --pool dirpool
run v vol-delete ext-subdir --pool dirpool
run v vol-delete ext-symlink --pool dirpool
run ls $D/pool/raw1
run v vol-delete raw1clone --pool dirpool --delete-snapshots
run v vol-list dirpool
note "teardown"
run v pool-destroy auxpool
run v pool-list --all
run v pool-undefine dirpool
run v pool-info dirpool
run v pool-dumpxml dirpool
run v pool-list --all --details
run v pool-destroy dirpool
run v pool-info dirpool
run v vol-list dirpool
run v pool-destroy dirpool
run v pool-delete dirpool
run v pool-define-as dirpool dir --target $D/pool
run v pool-delete dirpool
run ls -la $D/pool
run "rm -f $D/pool/* $D/pool/.hidden; rmdir $D/pool/ext-subdir"
run v pool-delete dirpool
run ls -la $D
run v pool-undefine dirpool
run v pool-undefine dirpool
run ls -la $NS/etc/storage $NS/etc/storage/autostart $NS/run/storage
run v pool-list --all
