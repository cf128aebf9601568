//! `rvirtd`: the rvirt daemon. It serves libvirt's remote protocol on UNIX sockets (and
//! optionally TCP/TLS), so Debian's virsh, python3-libvirt and rvirsh manage rvirt's
//! drivers through it.

mod client;
mod config;
mod dispatch;
mod logging;
mod server;
mod settings;
mod sys;
mod tls;

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
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rvirtd: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Restarts this program in the background without `--daemon` and returns once it is up.
fn daemonize(layout: &Layout, sock_dir: &std::path::Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "-d" && a != "--daemon")
        .collect();
    let mut child = std::process::Command::new(exe)
        .args(&args)
        .env("RVIRTD_DETACH", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the daemon process: {e}"))?;
    let sock = SocketPaths::in_dir(sock_dir).rw;
    for _ in 0..500 {
        if sock.exists() {
            return Ok(());
        }
        if let Ok(Some(st)) = child.try_wait() {
            return Err(format!(
                "the daemon exited during start-up ({st}); see its log in {}",
                layout.log_dir.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("the daemon did not create its socket in time".to_string())
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
    if args.daemon && std::env::var_os("RVIRTD_DETACH").is_none() {
        return daemonize(&layout, &settings.unix_sock_dir);
    }
    if std::env::var_os("RVIRTD_DETACH").is_some() {
        sys::detach_session();
    }
    logging::init(
        settings.log_level,
        settings.log_outputs.as_deref(),
        settings.log_filters.as_deref(),
        args.verbose,
    )?;
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
    rt.block_on(serve(settings, args.listen, args.timeout))
}

async fn serve_stdio(s: &DaemonSettings) -> Result<(), String> {
    let server = Server::new(s);
    let io = tokio::io::join(tokio::io::stdin(), tokio::io::stdout());
    server.spawn_client(io, false, settings::Auth::None, true);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if server.clients.load(Ordering::SeqCst) == 0 {
            return Ok(());
        }
    }
}

async fn serve(s: DaemonSettings, listen: bool, timeout: Option<u64>) -> Result<(), String> {
    let server = Server::new(&s);
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
    // The admin program is not served yet; connections there get the RPC error for an
    // unknown program.
    tokio::spawn(server::accept_unix(
        server.clone(),
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
        let cfg = tls::server_config(&s)?;
        let l = tokio::net::TcpListener::bind((s.listen_addr.as_str(), s.tls_port))
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", s.listen_addr, s.tls_port))?;
        tokio::spawn(server::accept_tls(server.clone(), l, cfg, s.auth_tls));
    }
    tracing::info!(socket = %paths.rw.display(), "rvirtd ready");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let idle_watch = async {
        let Some(secs) = timeout else {
            return std::future::pending::<()>().await;
        };
        let mut last = server.activity.load(Ordering::SeqCst);
        let mut idle_since = std::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = server.activity.load(Ordering::SeqCst);
            if now != last || server.clients.load(Ordering::SeqCst) > 0 {
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
