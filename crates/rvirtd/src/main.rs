//! `rvirtd`: the rvirt daemon. It serves libvirt's remote protocol on UNIX sockets (and
//! optionally TCP/TLS), so Debian's virsh, python3-libvirt and rvirsh manage rvirt's
//! drivers through it, and libvirt's admin program on the admin socket for virt-admin.

mod admin;
mod client;
mod config;
mod dispatch;
mod logging;
mod memory;
mod server;
mod settings;
mod sys;
mod tls;
mod workers;

use clap::Parser;
use server::{Server, SocketPaths};
use settings::{DaemonSettings, Layout};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Command line, with libvirtd's option names.
#[derive(Parser, Debug)]
#[command(name = "rvirtd", version = "9.0.0", about = "rvirt management daemon")]
struct Args {
    /// Configuration file (libvirtd.conf syntax).
    #[arg(short = 'f', long = "config")]
    config: Option<PathBuf>,
    /// Listen for TCP/IP connections (per listen_tcp/listen_tls).
    #[arg(short = 'l', long)]
    listen: bool,
    /// Exit after this many seconds with no clients.
    #[arg(short = 't', long)]
    timeout: Option<u64>,
    /// Pid file (default: in the runtime directory).
    #[arg(short = 'p', long = "pid-file")]
    pid_file: Option<PathBuf>,
    /// More logging.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Run in the background.
    #[arg(short = 'd', long)]
    daemon: bool,
    /// Put every path (sockets, configuration, state, logs) under this directory.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Serve a single client on standard input and output (used over ssh), then exit.
    #[arg(long)]
    stdio: bool,
}

fn main() -> ExitCode {
    memory::fewer_arenas();
    close_inherited_on_exec();
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rvirtd: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Marks every descriptor the daemon inherited beyond stdio close-on-exec, so that the
/// helpers and guests it starts get none of them (a build tool's jobserver pipe, a test
/// harness's files): LVM's tools, for one, complain about each leaked descriptor, and
/// libvirtd closes them too. The daemon's own descriptors are close-on-exec already.
fn close_inherited_on_exec() {
    use rustix::io::{fcntl_getfd, fcntl_setfd, FdFlags};
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<i32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd > 2)
        .collect();
    for fd in fds {
        // SAFETY: called first thing in `main`, while the process has one thread: each
        // number was listed as open just now, and nothing can close or reuse it during
        // the two fcntl calls (the listing's own directory descriptor, closed by then,
        // only makes them fail with EBADF).
        #[allow(unsafe_code)]
        let b = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        if let Ok(f) = fcntl_getfd(b) {
            let _ = fcntl_setfd(b, f | FdFlags::CLOEXEC);
        }
    }
}

/// Restarts this program in the background without `--daemon` and returns once it
/// serves, or with the reason it could not start.
///
/// The background process reports on its standard output: a `ready` line once its sockets
/// are listening, or nothing before it exits with its error on standard error. A socket
/// file alone proves nothing (it may be left over from a crash, or belong to another
/// daemon), so the parent waits for that word.
fn daemonize() -> Result<(), String> {
    use std::io::{BufRead, Read};
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "-d" && a != "--daemon")
        .collect();
    let mut child = std::process::Command::new(exe)
        .args(&args)
        .env(DETACH_ENV, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the daemon process: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
    }
    match rx.recv_timeout(START_LIMIT) {
        Ok(line) if line.trim() == READY => return Ok(()),
        Ok(_) => {}
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the daemon did not start serving within {} s",
                START_LIMIT.as_secs()
            ));
        }
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let st = child.wait().map_err(|e| e.to_string())?;
    let err = err.trim();
    let err = err.strip_prefix("rvirtd: error: ").unwrap_or(err);
    if err.is_empty() {
        Err(format!("the daemon exited during start-up ({st})"))
    } else {
        Err(err.to_string())
    }
}

/// Set in the environment of the background process `--daemon` starts.
const DETACH_ENV: &str = "RVIRTD_DETACH";
/// How long `--daemon` waits for the background process to serve.
const START_LIMIT: Duration = Duration::from_secs(60);
/// What the background process prints once it serves.
const READY: &str = "ready";

/// Tells the parent of a `--daemon` start that the daemon serves, and lets go of the
/// terminal: standard output and error go to /dev/null from here on (logs have their own
/// outputs).
fn report_ready() {
    if std::env::var_os(DETACH_ENV).is_none() {
        return;
    }
    println!("{READY}");
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stdout(&null);
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

fn run(args: Args) -> Result<(), String> {
    // Local URIs this daemon cannot serve must fail, not loop back to the daemon itself.
    rvirt::registry::set_daemon_mode();
    let privileged = rustix::process::geteuid().is_root();
    let layout = Layout::new(privileged, args.root.as_deref());
    let conf_path = args
        .config
        .clone()
        .unwrap_or_else(|| layout.default_config_file());
    let conf_text = match std::fs::read_to_string(&conf_path) {
        Ok(t) => Some(t),
        Err(e) if args.config.is_some() => {
            return Err(format!(
                "cannot read configuration file '{}': {e}",
                conf_path.display()
            ))
        }
        Err(_) => None,
    };
    let settings = DaemonSettings::load(layout.clone(), conf_text.as_deref())
        .map_err(|e| format!("{}: {e}", conf_path.display()))?;
    let detached = std::env::var_os(DETACH_ENV).is_some();
    if args.daemon && !detached {
        return daemonize();
    }
    if detached {
        sys::detach_session();
    }
    logging::init(logging::LogSettings {
        log_level: settings.log_level,
        outputs: settings.log_outputs.as_deref(),
        filters: settings.log_filters.as_deref(),
        verbose: args.verbose,
        fallback: if detached {
            logging::Dest::File(layout.default_log_file().display().to_string())
        } else {
            logging::Dest::Stderr
        },
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(io_threads())
        .max_blocking_threads(settings.max_workers + 5)
        .enable_all()
        .thread_name("rvirtd")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    if args.stdio {
        return rt.block_on(serve_stdio(&settings));
    }
    let pid_path = args
        .pid_file
        .clone()
        .unwrap_or_else(|| settings.layout.run_dir.join("rvirtd.pid"));
    let _pid = sys::PidFile::acquire(&pid_path)?;
    let qemu = start_qemu_driver(privileged, args.root.as_deref());
    rt.block_on(serve(settings, args.listen, args.timeout, qemu))
}

async fn serve_stdio(s: &DaemonSettings) -> Result<(), String> {
    let server = Server::main(s);
    let io = tokio::io::join(tokio::io::stdin(), tokio::io::stdout());
    server.spawn_client(io, false, settings::Auth::None, true);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if server.clients.load(Ordering::SeqCst) == 0 {
            return Ok(());
        }
    }
}

/// The QEMU driver for this daemon's mode (`qemu:///system` as root, `qemu:///session`
/// otherwise): it takes back the guests a previous daemon left running before any client
/// is served.
fn start_qemu_driver(
    privileged: bool,
    root: Option<&std::path::Path>,
) -> std::sync::Arc<rvirt_driver_qemu::QemuConnectDriver> {
    let paths = if privileged {
        rvirt_driver_qemu::paths::Paths::system(root)
    } else {
        rvirt_driver_qemu::paths::Paths::session(root)
    };
    let storage = rvirt_driver_storage::Storage::start(if privileged {
        rvirt_driver_storage::paths::Paths::system(root)
    } else {
        rvirt_driver_storage::paths::Paths::session(root)
    });
    let d = std::sync::Arc::new(rvirt_driver_qemu::QemuConnectDriver::new(
        paths,
        Some(std::sync::Arc::new(move || storage.connection())),
    ));
    rvirt::registry::register(d.clone());
    d
}

async fn serve(
    s: DaemonSettings,
    listen: bool,
    timeout: Option<u64>,
    qemu: std::sync::Arc<rvirt_driver_qemu::QemuConnectDriver>,
) -> Result<(), String> {
    let daemon = admin::Daemon::new(&s, timeout);
    let server = daemon.main.clone();
    let paths = SocketPaths::in_dir(&s.unix_sock_dir);
    let rw = server::bind_unix(
        &paths.rw,
        s.unix_sock_rw_perms,
        s.unix_sock_group.as_deref(),
    )?;
    let ro = server::bind_unix(
        &paths.ro,
        s.unix_sock_ro_perms,
        s.unix_sock_group.as_deref(),
    )?;
    let admin = server::bind_unix(&paths.admin, s.unix_sock_admin_perms, None)?;
    tokio::spawn(server::accept_unix(
        server.clone(),
        rw,
        false,
        s.auth_unix_rw,
    ));
    tokio::spawn(server::accept_unix(
        server.clone(),
        ro,
        true,
        s.auth_unix_ro,
    ));
    tokio::spawn(server::accept_unix(
        daemon.admin.clone(),
        admin,
        false,
        settings::Auth::None,
    ));
    if listen && s.listen_tcp {
        let l = tokio::net::TcpListener::bind((s.listen_addr.as_str(), s.tcp_port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", s.listen_addr, s.tcp_port))?;
        if s.auth_tcp != settings::Auth::None {
            return Err("auth_tcp must be \"none\": rvirtd has no SASL support".to_string());
        }
        tokio::spawn(server::accept_tcp(server.clone(), l, s.auth_tcp));
    }
    if listen && s.listen_tls {
        let cfg = std::sync::Arc::new(std::sync::RwLock::new(tls::server_config(&s)?));
        let l = tokio::net::TcpListener::bind((s.listen_addr.as_str(), s.tls_port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", s.listen_addr, s.tls_port))?;
        *server.tls.lock().unwrap_or_else(|p| p.into_inner()) = Some(server::TlsService {
            config: cfg.clone(),
            settings: s.clone(),
        });
        tokio::spawn(server::accept_tls(server.clone(), l, cfg, s.auth_tls));
    }
    tracing::info!(socket = %paths.rw.display(), "rvirtd ready");
    report_ready();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    // The timeout can be set, changed or turned off (0) through the admin program.
    // The same watch gives freed memory back once things are quiet.
    let idle_watch = async {
        let mut last = daemon.activity();
        let mut idle_since = std::time::Instant::now();
        let mut trimmer = memory::Trimmer::new((last, qemu.settled()), idle_since);
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let secs = daemon.timeout.load(Ordering::SeqCst);
            let now = daemon.activity();
            if trimmer.due((now, qemu.settled()), std::time::Instant::now()) {
                // Quick (a walk over a quiet heap), and a blocking-pool thread would be
                // one more arena to keep.
                memory::give_back();
            }
            // Running guests keep the daemon up, as libvirt's drivers inhibit shutdown.
            if secs == 0 || now != last || daemon.client_count() > 0 || qemu.active_count() > 0 {
                last = now;
                idle_since = std::time::Instant::now();
            } else if idle_since.elapsed() >= Duration::from_secs(secs) {
                return;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
        _ = idle_watch => tracing::info!("no clients for the timeout, exiting"),
    }
    for p in [&paths.rw, &paths.ro, &paths.admin] {
        let _ = std::fs::remove_file(p);
    }
    Ok(())
}

/// Threads for client I/O and the calls answered in place. One suffices for small hosts
/// (calls that may block run on the worker pool, not here) and keeps the daemon lean; big
/// hosts get a few more.
fn io_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / 4).clamp(1, 4)
}
