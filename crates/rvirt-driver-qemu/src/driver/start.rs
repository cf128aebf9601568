//! Starting a domain: preparing what QEMU needs (its directory, master key, monitor socket,
//! tap devices, VNC ports), building the command line, starting QEMU, connecting to its
//! monitor, reading back what QEMU chose (pty paths), and letting the vCPUs run.
//!
//! A start either completes or leaves nothing behind: no QEMU process, no status file, no
//! tap device (taps vanish with their last descriptor), no domain directory.

use super::Inner;
use crate::caps::QemuCaps;
use crate::domobj::{DomState, Domain, Live};
use crate::events::{self, detail, kind};
use crate::process;
use crate::qmp::Monitor;
use crate::store::{self, Status};
use crate::sys::netdev;
use rvirt_core::types::{reason, DomainState};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::DomainDef;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a start was asked for.
#[derive(Clone, Copy, Debug, Default)]
pub struct StartOpts {
    /// Leave the vCPUs stopped (`--paused`).
    pub paused: bool,
    /// QEMU waits for its state to arrive (`-incoming defer`, a restore): the caller feeds
    /// it, runs the guest and raises the events.
    pub incoming: bool,
}

/// The status file's content for a running domain.
pub fn status_of(st: &DomState) -> Option<Status> {
    let l = st.live.as_ref()?;
    Some(Status {
        def: l.def.clone(),
        id: l.id,
        pid: l.pid,
        state: st.state,
        reason: st.reason,
        monitor: l.dir.join("monitor.sock"),
        dir: l.dir.clone(),
        taps: l.taps.clone(),
    })
}

/// Rewrites a running domain's status file from its state (nothing for a stopped one).
pub fn save_status(inner: &Inner, dom: &Domain) -> Result<()> {
    let st = dom.lock();
    if let Some(s) = status_of(&st) {
        store::write_status(&inner.paths, &s)?;
    }
    Ok(())
}

/// [`save_status`] where a failure must not fail the caller (event handlers): logged.
pub fn save_status_or_warn(inner: &Inner, dom: &Domain) {
    if let Err(e) = save_status(inner, dom) {
        tracing::warn!("{e}");
    }
}

/// What was made for one start, undone on failure by dropping it (taps close with their
/// descriptors; the directory is removed).
struct Prepared {
    dir: PathBuf,
    ram: PathBuf,
    tap_fds: std::collections::HashMap<usize, OwnedFd>,
    taps: Vec<String>,
    keep_dir: bool,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.ram);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn sys_err(action: String, e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::QEMU, action, e)
}

/// libvirt's check that every local disk image exists before QEMU is asked to open it.
fn check_disk_sources(def: &DomainDef) -> Result<()> {
    use rvirt_xml::domain::devices::disk_source::StartupPolicy;
    for d in &def.devices.disks {
        let Some(path) = d.source.path() else {
            continue;
        };
        if d.source.startup_policy == Some(StartupPolicy::Optional) {
            continue;
        }
        if let Err(e) = std::fs::metadata(path) {
            return Err(Error::system(
                ErrorDomain::QEMU,
                format!("Cannot access storage file '{path}'"),
                &e,
            ));
        }
    }
    Ok(())
}

/// The master key libvirt gives every QEMU for secrets passed to it.
fn write_master_key(dir: &Path) -> Result<()> {
    let mut key = [0u8; 32];
    getrandom_bytes(&mut key)?;
    let p = dir.join("master-key.aes");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)
        .map_err(|e| sys_err("failed to write master key file for domain".to_string(), &e))?;
    f.write_all(&key)
        .map_err(|e| sys_err("failed to write master key file for domain".into(), &e))
}

fn getrandom_bytes(buf: &mut [u8]) -> Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| sys_err("cannot read random bytes".into(), &e))
}

/// Host tap devices for the interfaces that need one (all of them, or only interface
/// `only`): their descriptors and names, by interface index.
pub fn host_taps(def: &mut DomainDef, only: Option<usize>) -> Result<Vec<(OwnedFd, String)>> {
    let mut prep = Prepared {
        dir: PathBuf::new(),
        ram: PathBuf::new(),
        tap_fds: std::collections::HashMap::new(),
        taps: Vec::new(),
        keep_dir: true,
    };
    prepare_network(def, &mut prep, only)?;
    let mut by_index: Vec<(usize, OwnedFd)> = prep.tap_fds.drain().collect();
    by_index.sort_by_key(|(i, _)| *i);
    Ok(by_index
        .into_iter()
        .map(|(_, fd)| fd)
        .zip(prep.taps.clone())
        .collect())
}

/// Host tap devices for the interfaces that need one.
fn prepare_network(def: &mut DomainDef, prep: &mut Prepared, only: Option<usize>) -> Result<()> {
    use rvirt_xml::domain::devices::interface_parts::{NetModel, NetModelKind, NetSource};
    for (index, iface) in def.devices.interfaces.iter_mut().enumerate() {
        if only.is_some_and(|o| o != index) {
            continue;
        }
        let bridge = match &iface.source {
            NetSource::Bridge { bridge } => Some(bridge.clone()),
            NetSource::Ethernet => None,
            _ => continue,
        };
        // libvirt learns the bridge's MTU first (the tap gets the same), so a missing
        // bridge is reported by that step.
        let bridge_mtu = match &bridge {
            Some(br) => Some(netdev::mtu(br).ok_or_else(|| {
                sys_err(
                    format!("Cannot get interface MTU on '{br}'"),
                    &std::io::Error::from_raw_os_error(libc::ENODEV),
                )
            })?),
            None => None,
        };
        let template = iface
            .target_dev
            .clone()
            .unwrap_or_else(|| "vnet%d".to_string());
        let vnet_hdr = matches!(iface.model, Some(NetModel::Known(NetModelKind::Virtio)));
        let (fd, name) = netdev::create_tap(&template, vnet_hdr)
            .map_err(|e| sys_err(format!("Unable to create tap device {template}"), &e))?;
        let mut mac = iface.mac.0;
        // The host side gets the guest's MAC with 0xfe first, so the bridge never takes
        // the guest's address as its own.
        mac[0] = 0xfe;
        netdev::set_mac(&name, mac)
            .map_err(|e| sys_err(format!("Cannot set interface MAC on '{name}'"), &e))?;
        if let Some(br) = &bridge {
            if let Some(mtu) = iface.mtu.or(bridge_mtu) {
                let _ = netdev::set_mtu(&name, mtu);
            }
            netdev::bridge_add(br, &name)
                .map_err(|e| sys_err(format!("Unable to add bridge {br} port {name}"), &e))?;
        }
        netdev::set_up(&name)
            .map_err(|e| sys_err(format!("Cannot set interface flags on '{name}'"), &e))?;
        iface.target_dev = Some(name.clone());
        prep.taps.push(name);
        prep.tap_fds.insert(index, fd);
    }
    Ok(())
}

/// Opens what the command line asks for, in its order.
struct StartFds<'a> {
    listener: &'a UnixListener,
    taps: &'a std::collections::HashMap<usize, OwnedFd>,
    /// Sockets and files opened for chardevs.
    opened: Vec<OwnedFd>,
}

impl crate::command::FdSource for StartFds<'_> {
    fn fd(&mut self, need: &crate::command::FdNeed) -> Result<i32> {
        use crate::command::FdNeed;
        use std::os::fd::AsRawFd;
        match need {
            FdNeed::Monitor => Ok(self.listener.as_raw_fd()),
            FdNeed::Tap { net } => self.taps.get(net).map(|f| f.as_raw_fd()).ok_or_else(|| {
                Error::internal(
                    ErrorDomain::QEMU,
                    format!("no tap device for interface {net}"),
                )
            }),
            FdNeed::UnixListen { path, .. } => {
                let p = Path::new(path);
                if let Some(d) = p.parent() {
                    let _ = std::fs::create_dir_all(d);
                }
                let _ = std::fs::remove_file(p);
                let l = UnixListener::bind(p)
                    .map_err(|e| sys_err(format!("Failed to bind socket to '{path}'"), &e))?;
                let fd = OwnedFd::from(l);
                let n = fd.as_raw_fd();
                self.opened.push(fd);
                Ok(n)
            }
            FdNeed::File { path, append, .. } => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(*append)
                    .truncate(!*append)
                    .open(path)
                    .map_err(|e| sys_err(format!("failed to open chardev file '{path}'"), &e))?;
                let fd = OwnedFd::from(f);
                let n = fd.as_raw_fd();
                self.opened.push(fd);
                Ok(n)
            }
        }
    }
}

/// The environment libvirt gives QEMU: the C locale, the daemon's own `LD_PRELOAD`,
/// `LD_LIBRARY_PATH`, `PATH` (`/bin:/usr/bin` when it has none), `HOME`, `USER`, `LOGNAME`
/// and `TMPDIR` where it has them, in that order; then, for the system driver, a home and
/// XDG directories inside the domain's directory (the home taking the passed one's place),
/// for a session driver only the XDG cache directory.
pub(crate) fn qemu_env(dir: &Path, privileged: bool) -> Vec<(String, String)> {
    let d = dir.to_string_lossy();
    let mut env: Vec<(String, String)> = vec![("LC_ALL".into(), "C".into())];
    for name in [
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "TMPDIR",
    ] {
        match std::env::var(name) {
            Ok(v) => env.push((name.into(), v)),
            Err(_) if name == "PATH" => env.push((name.into(), "/bin:/usr/bin".into())),
            Err(_) => {}
        }
    }
    let mut set = |name: &str, value: String| match env.iter_mut().find(|(k, _)| k == name) {
        Some(e) => e.1 = value,
        None => env.push((name.to_string(), value)),
    };
    if privileged {
        set("HOME", d.to_string());
        set("XDG_DATA_HOME", format!("{d}/.local/share"));
        set("XDG_CACHE_HOME", format!("{d}/.cache"));
        set("XDG_CONFIG_HOME", format!("{d}/.config"));
    } else {
        set("XDG_CACHE_HOME", format!("{d}/.cache"));
    }
    env
}

fn open_log(
    inner: &Inner,
    def: &DomainDef,
    caps: &QemuCaps,
    env: &[(String, String)],
    argv: &[String],
) -> Result<(std::fs::File, u64)> {
    let path = inner.paths.log_file(&def.name);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| sys_err(format!("failed to create logfile {}", path.display()), &e))?;
    let uts = rustix::system::uname();
    let (a, b, c) = caps.version;
    let mut text = format!(
        "{}: starting up rvirt version: {}, qemu version: {a}.{b}.{c}{}, kernel: {}, hostname: {}\n",
        crate::timefmt::now_log(),
        env!("CARGO_PKG_VERSION"),
        caps.package,
        uts.release().to_string_lossy(),
        uts.nodename().to_string_lossy(),
    );
    for (k, v) in env {
        text.push_str(&format!("{k}={v} \\\n"));
    }
    text.push_str(&argv.join(" \\\n"));
    text.push('\n');
    f.write_all(text.as_bytes())
        .map_err(|e| sys_err(format!("failed to write logfile {}", path.display()), &e))?;
    let at = f.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((f, at))
}

/// What QEMU wrote to the log after `from`, for the error of a failed start.
fn log_tail(inner: &Inner, name: &str, from: u64) -> String {
    let text = std::fs::read(inner.paths.log_file(name)).unwrap_or_default();
    let tail = text.get(from as usize..).unwrap_or_default();
    // QEMU's notes about the ptys it opened are not part of what went wrong (libvirt
    // leaves them out of its error too).
    String::from_utf8_lossy(tail)
        .lines()
        .filter(|l| !l.contains("char device redirected to"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// Reads the pty paths QEMU chose into the live definition.
fn read_ptys(m: &Monitor, def: &mut DomainDef) {
    let Ok(list) = m.execute("query-chardev", None) else {
        return;
    };
    let Some(list) = list.as_array() else { return };
    let pty_of = |label: &str| -> Option<String> {
        list.iter()
            .find(|c| c.get("label").and_then(|l| l.as_str()) == Some(label))
            .and_then(|c| c.get("filename").and_then(|f| f.as_str()))
            .and_then(|f| f.strip_prefix("pty:"))
            .map(str::to_string)
    };
    super::ptys::fill(def, &pty_of);
}

/// What the command builder needs besides the definition, for domain `id` with its
/// directory `dir` (the ports are read from the live definition).
pub fn runtime(inner: &Inner, id: i32, def: &DomainDef, dir: &Path) -> crate::command::Runtime {
    let mut rt = crate::command::Runtime::system(id, &def.name);
    let short = crate::command::short_name(id, &def.name);
    rt.lib_dir = dir.to_string_lossy().into_owned();
    rt.channel_target_dir = inner
        .paths
        .lib_dir
        .join("channel/target")
        .join(format!("domain-{short}"))
        .to_string_lossy()
        .into_owned();
    rt.conf.memory_backing_dir = inner.paths.ram_dir().to_string_lossy().into_owned();
    rt.graphics = super::ports::runtime_ports(def);
    // A variable clock counts its adjustment from now.
    rt.now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    rt
}

/// How often a start is tried again with other display ports when QEMU found the
/// automatically chosen ones taken.
const PORT_RETRIES: usize = 3;

/// Starts `def` as domain `dom` (the caller holds its job and has checked it is inactive).
///
/// A display port is checked free when it is chosen, but QEMU binds it only later: another
/// program (a libvirtd beside us, say) may take it in between. libvirt then fails the
/// start; rvirt tries again with other ports, keeping the domain ID.
pub fn start(inner: &Arc<Inner>, dom: &Arc<Domain>, def: DomainDef, opts: StartOpts) -> Result<()> {
    let id = inner.doms.allocate_id();
    let mut avoid: Vec<u16> = Vec::new();
    let mut attempt = 0;
    loop {
        let mut tried = Vec::new();
        match start_once(inner, dom, def.clone(), opts, id, &avoid, &mut tried) {
            Err(e) if attempt < PORT_RETRIES && !tried.is_empty() && port_taken(&e) => {
                tracing::info!(domain = %def.name, ports = ?tried, "display port taken meanwhile, starting again");
                avoid.extend(tried);
                attempt += 1;
            }
            r => return r,
        }
    }
}

/// Whether a failed start is QEMU finding a listening port taken: VNC says so in the
/// system's words, the SPICE server only that its bind failed.
fn port_taken(e: &Error) -> bool {
    e.message.contains("Address already in use")
        || (e.message.contains("binding socket to") && e.message.contains("failed"))
}

fn start_once(
    inner: &Arc<Inner>,
    dom: &Arc<Domain>,
    def: DomainDef,
    opts: StartOpts,
    id: i32,
    avoid: &[u16],
    tried: &mut Vec<u16>,
) -> Result<()> {
    let emulator = def
        .devices
        .emulator
        .clone()
        .ok_or_else(|| Error::internal(ErrorDomain::QEMU, "no emulator in the definition"))?;
    let caps = crate::defaults::CapsLookup::caps(&*inner.lookup, &emulator)?;
    if def.virt_type.to_string() == "kvm" && !caps.kvm {
        return Err(Error::new(
            ErrorDomain::QEMU,
            ErrorCode::CONFIG_UNSUPPORTED,
            Some(
                "Domain requires KVM, but it is not available. Check that virtualization is \
                 enabled in the host BIOS, and host configuration is setup to load the kvm \
                 modules."
                    .to_string(),
            ),
        ));
    }
    let mut def = def;
    super::volumes::resolve(inner.storage.as_ref(), &mut def.devices.disks)?;
    check_disk_sources(&def)?;
    let dir = inner.paths.domain_dir(id, &def.name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| sys_err(format!("Cannot create directory '{}'", dir.display()), &e))?;
    // File-backed guest memory lives in a directory of the domain's own (removed at stop).
    let ram = inner.paths.domain_ram_dir(id, &def.name);
    let mut prep = Prepared {
        dir: dir.clone(),
        ram: ram.clone(),
        tap_fds: std::collections::HashMap::new(),
        taps: Vec::new(),
        keep_dir: false,
    };
    write_master_key(&dir)?;
    std::fs::create_dir_all(&ram)
        .map_err(|e| sys_err(format!("Cannot create directory '{}'", ram.display()), &e))?;
    let mut live = def.clone();
    live.id = Some(id);
    crate::imgprobe::fill_chains(&mut live.devices.disks)?;
    let rt = runtime(inner, id, &live, &dir);
    crate::command::prepare(&mut live, &rt);
    prepare_network(&mut live, &mut prep, None)?;
    let ports = super::ports::allocate(&mut live, &inner.ports, avoid)?;
    tried.clone_from(&ports);
    let rt = runtime(inner, id, &live, &dir);
    let mon_path = dir.join("monitor.sock");
    let listener = UnixListener::bind(&mon_path).map_err(|e| {
        sys_err(
            format!("Failed to bind socket to '{}'", mon_path.display()),
            &e,
        )
    })?;
    let mut fds = StartFds {
        listener: &listener,
        taps: &prep.tap_fds,
        opened: Vec::new(),
    };
    let argv = match crate::command::build(&live, &caps, &rt, &mut fds) {
        Ok(mut a) => {
            if opts.incoming {
                a.push("-incoming".to_string());
                a.push("defer".to_string());
            }
            a
        }
        Err(e) => {
            inner.ports.release(&ports);
            return Err(e);
        }
    };
    let opened = std::mem::take(&mut fds.opened);
    let mut keep = vec![listener.as_fd()];
    keep.extend(prep.tap_fds.values().map(|f| f.as_fd()));
    keep.extend(opened.iter().map(|f| f.as_fd()));
    let env = qemu_env(&dir, inner.paths.privileged);
    let (log, log_at) = open_log(inner, &live, &caps, &env, &argv)?;
    let spawned = process::spawn(process::Launch {
        argv: &argv,
        env: &env,
        log: OwnedFd::from(log),
        keep: &keep,
        cwd: &dir,
    });
    drop(keep);
    // QEMU has its own copies now; ours would keep a dead QEMU's socket and taps alive.
    drop(opened);
    drop(listener);
    prep.tap_fds.clear();
    let child = match spawned {
        Ok(c) => c,
        Err(e) => {
            inner.ports.release(&ports);
            return Err(e);
        }
    };
    let pid = child.id();
    let uuid = def.uuid;
    let weak = Arc::downgrade(inner);
    let exit = process::watch_child(child, move |_| super::monitor::on_exit(&weak, uuid, pid));
    let _ = std::fs::write(inner.paths.pid_file(&def.name), format!("{pid}"));
    let weak = Arc::downgrade(inner);
    // libvirt tells apart a QEMU gone before the monitor could be reached from one that
    // closed it once reached; so does this.
    let stream = std::os::unix::net::UnixStream::connect(&mon_path);
    let reached = stream.is_ok();
    let connected = stream
        .map_err(|e| crate::qmp::QmpError::Io(e.to_string()))
        .and_then(|s| {
            Monitor::over(
                s,
                Box::new(move |ev| super::monitor::on_event(&weak, uuid, ev)),
                Box::new(|| {}),
            )
        });
    let fail = |why: String| -> Error {
        process::signal(pid, rustix::process::Signal::KILL);
        exit.wait(Duration::from_secs(10));
        let _ = std::fs::remove_file(inner.paths.pid_file(&def.name));
        inner.ports.release(&ports);
        Error::internal(ErrorDomain::QEMU, why)
    };
    let (m, _greeting) = match connected {
        Ok(x) => x,
        Err(e) => {
            // QEMU refused its command line or died: its own words are in the log.
            exit.wait(Duration::from_secs(2));
            let tail = log_tail(inner, &def.name, log_at);
            let what = if reached {
                "qemu unexpectedly closed the monitor"
            } else {
                "process exited while connecting to monitor"
            };
            let why = if tail.is_empty() {
                format!("{what}: {e}")
            } else {
                format!("{what}: {tail}")
            };
            return Err(fail(why));
        }
    };
    read_ptys(&m, &mut live);
    let r = {
        let mut st = dom.lock();
        st.live = Some(Live {
            def: live,
            id,
            pid,
            monitor: Some(m.clone()),
            dir: dir.clone(),
            being_destroyed: false,
            got_shutdown: false,
            fake_reboot: false,
            taps: prep.taps.clone(),
            started: Instant::now(),
            balloon_kib: None,
            exit: Some(exit.clone()),
            saving: false,
            paused_by_us: false,
            unplugging: Vec::new(),
            ports: ports.clone(),
            config_changed: false,
            autodestroy: None,
        });
        st.state = DomainState::Paused;
        st.reason = reason::paused::STARTING_UP;
        st.reference()
    };
    prep.keep_dir = true;
    if let Err(e) = super::pin::apply_at_start(dom) {
        let _ = super::lifecycle::destroy(dom, false);
        return Err(e);
    }
    if opts.incoming {
        let st = dom.lock();
        if let Some(s) = status_of(&st) {
            store::write_status(&inner.paths, &s)?;
        }
        return Ok(());
    }
    if !opts.paused {
        if let Err(e) = m.execute("cont", None) {
            let why = format!("resuming the guest failed: {e}");
            let _ = super::lifecycle::destroy(dom, false);
            return Err(Error::internal(ErrorDomain::QEMU, why));
        }
    }
    {
        let mut st = dom.lock();
        if st.live.is_some() {
            if opts.paused {
                st.state = DomainState::Paused;
                st.reason = reason::paused::USER;
            } else {
                st.state = DomainState::Running;
                st.reason = reason::running::BOOTED;
            }
        }
        if let Some(s) = status_of(&st) {
            store::write_status(&inner.paths, &s)?;
        }
    }
    events::lifecycle_event(
        &inner.events,
        r.clone(),
        kind::STARTED,
        detail::started::BOOTED,
    );
    if opts.paused {
        events::lifecycle_event(&inner.events, r, kind::SUSPENDED, detail::suspended::PAUSED);
    }
    Ok(())
}

/// Starts the persistent domains marked for autostart that are not running.
pub fn autostart_all(inner: &Arc<Inner>) {
    for dom in inner.doms.all() {
        let def = {
            let st = dom.lock();
            if !st.autostart || st.is_active() {
                continue;
            }
            match &st.config {
                Some(d) => d.clone(),
                None => continue,
            }
        };
        let name = def.name.clone();
        let Ok(_job) = dom.begin_job("autostart") else {
            continue;
        };
        let managed = dom.lock().managed_save;
        let res = if managed {
            let file = inner.paths.managed_save_file(&name);
            super::save::read_image(&file).and_then(|img| {
                let saved = super::save::image_def(inner, &img)?;
                super::save::restore_into(inner, &dom, saved, &file, &img, None)?;
                let _ = std::fs::remove_file(&file);
                dom.lock().managed_save = false;
                Ok(())
            })
        } else {
            start(inner, &dom, def, StartOpts::default())
        };
        if let Err(e) = res {
            tracing::error!("failed to autostart VM '{name}': {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(msg: &str) -> Error {
        Error::new(
            ErrorDomain::QEMU,
            ErrorCode::INTERNAL_ERROR,
            Some(msg.into()),
        )
    }

    #[test]
    fn vnc_and_spice_bind_failures_are_ports_taken() {
        // QEMU 7.2's words for each (spice-server prints the first two as warnings).
        assert!(port_taken(&failed(
            "internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -vnc \
             127.0.0.1:0: Failed to bind socket: Address already in use"
        )));
        assert!(port_taken(&failed(
            "qemu-system-x86_64: warning: Spice: ../server/reds.cpp:2585:reds_init_socket: \
             binding socket to 127.0.0.1:5900 failed\nqemu-system-x86_64: failed to \
             initialize spice server"
        )));
        assert!(!port_taken(&failed(
            "qemu-system-x86_64: failed to initialize spice server"
        )));
        assert!(!port_taken(&failed(
            "Could not open '/nonexistent': No such file"
        )));
    }
}
