//! The QEMU driver's defaults: what libvirt's QEMU driver adds to a definition when it is
//! defined (machine type, emulator, implicit controllers and devices, PCI and drive
//! addresses), so `dumpxml` prints what libvirt prints.
