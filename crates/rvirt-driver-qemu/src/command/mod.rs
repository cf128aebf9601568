//! Domain definition to QEMU command line: a pure function of the completed definition,
//! the binary's capabilities and the resources prepared for this start.
