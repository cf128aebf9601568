//! Domain definition to QEMU command line: a pure function of the completed definition,
//! the binary's capabilities and the resources prepared for this start.
//!
//! The output is the argument vector libvirt 9.0 gives QEMU, with rvirt's directories.
//! It is golden-tested against command lines recorded from real libvirt
//! (`tests/xml2argv.rs`, `scripts/regen-qemu-golden.py`).
//!
//! How a start uses it:
//! 1. [`prepare::prepare`] fills in what libvirt fills in at start time and keeps in the
//!    live definition: device aliases, storage node indices, channel socket paths. (The
//!    backing chains of disks, which need image probing, are put in by the caller.)
//! 2. [`fd_needs`] says which descriptors QEMU must be handed, in command-line order; the
//!    driver opens them (monitor socket, taps, chardev sockets and files).
//! 3. [`build`] writes the arguments, asking an [`FdSource`] for each descriptor.
//!
//! Each device family has its own module; this one keeps the section order of libvirt's
//! `qemuBuildCommandLine`, which QEMU is sensitive to in places (`-display none` before
//! serial ports, the memory backend before `-numa`, the balloon after host devices...).

mod address;
pub mod aliases;
mod boot;
mod chardev;
mod controller;
mod cpu;
mod devices;
mod disk;
mod graphics;
mod input;
pub mod json;
mod machine;
mod memory;
mod misc;
mod net;
pub mod prepare;
mod sound;
mod video;
mod virtio;

/// Whether a disk has no medium (an empty CD-ROM): it gets no block nodes.
pub use disk::is_empty as disk_is_empty;
pub use prepare::prepare;

use crate::caps::QemuCaps;
use json::Props;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;

/// The qemu.conf settings the command line depends on, with libvirt's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverConf {
    /// `vnc_listen`: the address of VNC servers whose listen has no address.
    pub vnc_listen: String,
    /// `spice_listen`.
    pub spice_listen: String,
    /// `dump_guest_core`.
    pub dump_guest_core: bool,
    /// `set_process_name`: adds `process=qemu:NAME` to `-name`.
    pub set_process_name: bool,
    /// `seccomp_sandbox`: `Some(true)` (default) denies obsolete and privileged system calls,
    /// `Some(false)` passes `-sandbox off`.
    pub seccomp_sandbox: bool,
    /// `log_timestamp`: `-msg timestamp=on`.
    pub log_timestamp: bool,
    /// `memory_backing_dir`: where file-backed guest memory lives.
    pub memory_backing_dir: String,
}

impl Default for DriverConf {
    fn default() -> DriverConf {
        DriverConf {
            vnc_listen: "127.0.0.1".to_string(),
            spice_listen: "127.0.0.1".to_string(),
            dump_guest_core: false,
            set_process_name: false,
            seccomp_sandbox: true,
            log_timestamp: true,
            memory_backing_dir: "/var/lib/rvirt/qemu/ram".to_string(),
        }
    }
}

/// Ports picked at start for a graphics device with `autoport` (the definition's own
/// values are used when these are absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GraphicsPorts {
    pub port: Option<i32>,
    pub tls_port: Option<i32>,
    pub websocket: Option<i32>,
}

/// What is prepared per start, beyond the definition itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runtime {
    /// The domain id this start gets (-1 for a command line only shown, as libvirt's).
    pub domain_id: i32,
    /// `/var/lib/rvirt/qemu/domain-ID-NAME`: the master key, QEMU's home.
    pub lib_dir: String,
    /// `/var/lib/rvirt/qemu/channel/target/domain-ID-NAME`: guest-agent style sockets.
    pub channel_target_dir: String,
    /// libvirt's short name `ID-NAME` (name cut to 20 characters).
    pub short_name: String,
    pub conf: DriverConf,
    /// Per `<graphics>` element, in order.
    pub graphics: Vec<GraphicsPorts>,
    /// The start time (UNIX seconds) a `variable` clock counts its adjustment from.
    pub now: i64,
    /// The host's offset from UTC in seconds, for `basis='localtime'` clocks.
    pub utc_offset: i64,
    /// The command line is only shown, never run (`virConnectDomainXMLToNative`): as in
    /// libvirt's pretend start, QEMU would open the monitor, listening sockets and files
    /// itself by path, nothing is passed as a descriptor but the taps, and disk backing
    /// chains are left as the definition says.
    pub pretend: bool,
}

impl Runtime {
    /// The system (`qemu:///system`) layout for domain `name` started with id `domain_id`.
    pub fn system(domain_id: i32, name: &str) -> Runtime {
        let short_name = short_name(domain_id, name);
        Runtime {
            domain_id,
            lib_dir: format!("/var/lib/rvirt/qemu/domain-{short_name}"),
            channel_target_dir: format!("/var/lib/rvirt/qemu/channel/target/domain-{short_name}"),
            short_name,
            conf: DriverConf::default(),
            graphics: Vec::new(),
            now: 0,
            utc_offset: 0,
            pretend: false,
        }
    }
}

/// libvirt's `virDomainDefGetShortName`: the id, a dash and at most 20 characters of the
/// name, so directory names stay short enough for UNIX socket paths.
pub fn short_name(domain_id: i32, name: &str) -> String {
    let cut: String = name.chars().take(20).collect();
    format!("{domain_id}-{cut}")
}

/// A descriptor QEMU is handed at start. The builder asks for them in command-line order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FdNeed {
    /// The listening socket of the QMP monitor.
    Monitor,
    /// The tap device of interface number `net` (bridge, network and ethernet types).
    Tap { net: usize },
    /// A listening UNIX socket bound at `path` for the chardev `alias`.
    UnixListen { alias: String, path: String },
    /// The file `path` of a file chardev, opened for appending (`append`) or truncated.
    File {
        alias: String,
        path: String,
        append: bool,
    },
}

/// Hands out the descriptor numbers QEMU will see.
pub trait FdSource {
    fn fd(&mut self, need: &FdNeed) -> Result<i32>;
}

/// An [`FdSource`] that records what is asked and answers with consecutive numbers.
#[derive(Debug, Default)]
pub struct RecordingFds {
    pub first: i32,
    pub needs: Vec<FdNeed>,
}

impl FdSource for RecordingFds {
    fn fd(&mut self, need: &FdNeed) -> Result<i32> {
        let n = self.first + self.needs.len() as i32;
        self.needs.push(need.clone());
        Ok(n)
    }
}

/// The descriptors a start of `def` needs, in the order [`build`] asks for them.
pub fn fd_needs(def: &DomainDef, caps: &QemuCaps, rt: &Runtime) -> Result<Vec<FdNeed>> {
    let mut rec = RecordingFds::default();
    build(def, caps, rt, &mut rec)?;
    Ok(rec.needs)
}

/// The command line being written, with what every section reads.
pub(crate) struct Cmd<'a> {
    pub def: &'a DomainDef,
    pub caps: &'a QemuCaps,
    pub rt: &'a Runtime,
    fds: &'a mut dyn FdSource,
    pub args: Vec<String>,
    /// The next `-add-fd` set number.
    next_fdset: u32,
}

impl Cmd<'_> {
    pub fn arg(&mut self, a: impl Into<String>) {
        self.args.push(a.into());
    }

    pub fn pair(&mut self, opt: &str, value: impl Into<String>) {
        self.args.push(opt.to_string());
        self.args.push(value.into());
    }

    pub fn device(&mut self, p: &Props) {
        self.pair("-device", p.text());
    }

    pub fn object(&mut self, p: &Props) {
        self.pair("-object", p.text());
    }

    pub fn fd(&mut self, need: FdNeed) -> Result<i32> {
        self.fds.fd(&need)
    }

    /// Passes `fd` in a new descriptor set labelled `opaque` and returns the path QEMU
    /// opens it by (libvirt's `qemuFDPass`).
    pub fn add_fd(&mut self, fd: i32, opaque: &str) -> String {
        let set = self.next_fdset;
        self.next_fdset += 1;
        self.pair("-add-fd", format!("set={set},fd={fd},opaque={opaque}"));
        format!("/dev/fdset/{set}")
    }
}

/// An internal error in libvirt's words (`VIR_ERR_INTERNAL_ERROR`, QEMU domain).
pub(crate) fn internal(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::INTERNAL_ERROR,
        Some(msg.into()),
    )
}

/// `VIR_ERR_CONFIG_UNSUPPORTED` from the QEMU driver.
pub(crate) fn unsupported(msg: impl Into<String>) -> Error {
    Error::new(
        ErrorDomain::QEMU,
        ErrorCode::CONFIG_UNSUPPORTED,
        Some(msg.into()),
    )
}

/// The alias of a device, which [`prepare`] assigns; its absence is a caller bug libvirt
/// reports as an internal error.
pub(crate) fn alias<'d>(
    info: &'d rvirt_xml::domain::info::DeviceInfo,
    what: &str,
) -> Result<&'d str> {
    info.alias
        .as_deref()
        .ok_or_else(|| internal(format!("missing alias for {what} device")))
}

/// QEMU's command line for the prepared definition `def` (see the module documentation).
pub fn build(
    def: &DomainDef,
    caps: &QemuCaps,
    rt: &Runtime,
    fds: &mut dyn FdSource,
) -> Result<Vec<String>> {
    let emulator = def
        .devices
        .emulator
        .clone()
        .unwrap_or_else(|| caps.binary.to_string_lossy().into_owned());
    let mut c = Cmd {
        def,
        caps,
        rt,
        fds,
        args: vec![emulator],
        next_fdset: 0,
    };
    graphics::validate(&c)?;
    machine::name(&mut c);
    c.arg("-S");
    machine::master_key(&mut c);
    machine::machine(&mut c)?;
    machine::accel(&mut c)?;
    cpu::cpu(&mut c)?;
    boot::loader(&mut c);
    memory::memory(&mut c)?;
    cpu::smp(&mut c)?;
    misc::iothreads(&mut c);
    memory::numa(&mut c)?;
    c.pair("-uuid", def.uuid.hyphenated().to_string());
    misc::smbios(&mut c)?;
    misc::vmgenid(&mut c);
    if def.devices.graphics.is_empty() {
        c.pair("-display", "none");
    }
    c.arg("-no-user-config");
    c.arg("-nodefaults");
    chardev::monitor(&mut c)?;
    boot::clock(&mut c)?;
    boot::pm(&mut c);
    boot::boot(&mut c);
    misc::iommu(&mut c);
    controller::global_pci_hole(&mut c)?;
    controller::controllers(&mut c)?;
    // after the controllers: virtio memory devices sit on PCI
    memory::memory_devices(&mut c)?;
    devices::hubs(&mut c)?;
    controller::ccid(&mut c)?;
    disk::disks(&mut c)?;
    devices::filesystems(&mut c)?;
    net::interfaces(&mut c)?;
    devices::smartcards(&mut c)?;
    chardev::serials(&mut c)?;
    chardev::parallels(&mut c)?;
    chardev::channels(&mut c)?;
    chardev::consoles(&mut c)?;
    input::inputs(&mut c)?;
    sound::audiodevs(&mut c)?;
    graphics::graphics(&mut c)?;
    video::videos(&mut c)?;
    sound::sounds(&mut c)?;
    devices::watchdogs(&mut c)?;
    devices::memballoon(&mut c)?;
    devices::rngs(&mut c)?;
    misc::vmcoreinfo(&mut c);
    misc::sandbox(&mut c);
    misc::panics(&mut c);
    devices::shmems(&mut c)?;
    if rt.conf.log_timestamp {
        c.pair("-msg", "timestamp=on");
    }
    Ok(c.args)
}
