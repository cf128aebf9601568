//! Daemon benchmarks: rvirtd beside the real libvirtd 9.0, both serving the test driver,
//! started by this run and measured with the same clients.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The two daemons under test, stopped when dropped.
pub(crate) struct Daemons {
    rvirtd: Child,
    rv_root: PathBuf,
    lv_run: PathBuf,
    /// Whether this run started libvirtd (and so must stop it).
    own_libvirtd: bool,
}

impl Daemons {
    pub(crate) fn start() -> Result<Daemons, String> {
        let base = std::env::temp_dir().join(format!("rvirt-bench-{}", std::process::id()));
        let rv_root = base.join("rvirtd");
        std::fs::create_dir_all(&rv_root).map_err(|e| e.to_string())?;
        let exe = super::sibling("rvirtd");
        let rvirtd = Command::new(&exe)
            .arg("--root")
            .arg(&rv_root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        // An already running oracle can be reused (only one system-mode libvirtd fits on a
        // machine, because of its drivers' pid files).
        let (lv_run, own_libvirtd) = match std::env::var_os("RVIRT_BENCH_LIBVIRTD_RUN") {
            Some(dir) => (PathBuf::from(dir), false),
            None => {
                let dir = base.join("libvirtd");
                let script = super::repo().join("scripts/oracle/start-libvirtd.sh");
                let st = Command::new(&script)
                    .arg(&dir)
                    .stdout(Stdio::null())
                    .status()
                    .map_err(|e| format!("{}: {e}", script.display()))?;
                if !st.success() {
                    return Err(format!(
                        "could not start libvirtd ({st}); if one already runs, point \
                         RVIRT_BENCH_LIBVIRTD_RUN at its run directory"
                    ));
                }
                (dir, true)
            }
        };
        let d = Daemons {
            rvirtd,
            rv_root,
            lv_run,
            own_libvirtd,
        };
        for sock in [d.rv_sock(), d.lv_sock()] {
            let t = Instant::now();
            while !sock.exists() {
                if t.elapsed() > Duration::from_secs(10) {
                    return Err(format!("{} did not appear", sock.display()));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(d)
    }

    pub(crate) fn rv_sock(&self) -> PathBuf {
        self.rv_root.join("run/rvirt/rvirt-sock")
    }

    pub(crate) fn lv_sock(&self) -> PathBuf {
        self.lv_run.join("libvirt-sock")
    }

    fn uris(&self) -> [(&'static str, String); 2] {
        [
            ("rvirtd", uri(&self.rv_sock())),
            ("libvirtd", uri(&self.lv_sock())),
        ]
    }

    pub(crate) fn rv_pid(&self) -> u32 {
        self.rvirtd.id()
    }

    pub(crate) fn lv_pid(&self) -> Result<u32, String> {
        let p = self.lv_run.join("libvirtd.pid");
        std::fs::read_to_string(&p)
            .map_err(|e| format!("{}: {e}", p.display()))?
            .trim()
            .parse()
            .map_err(|e| format!("{}: {e}", p.display()))
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        let _ = self.rvirtd.kill();
        let _ = self.rvirtd.wait();
        if self.own_libvirtd {
            let _ = Command::new(super::repo().join("scripts/oracle/stop-libvirtd.sh"))
                .arg(&self.lv_run)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(base) = self.rv_root.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

fn uri(sock: &Path) -> String {
    format!("test+unix:///default?socket={}", sock.display())
}

/// What idle means for the memory figures: nothing happened for this long (rvirtd gives
/// freed memory back after one quiet second; libvirtd is measured after the same wait).
const SETTLE: Duration = Duration::from_secs(2);

/// Resident memory of `pid` in KiB: everything resident (`Rss`, which includes the pages of
/// the program and its libraries that are shared with other processes) and the part that is
/// the process's own (`Pss_Anon`: heap, stacks).
#[derive(Clone, Copy)]
struct Mem {
    rss: u64,
    anon: u64,
}

fn mem_kib(pid: u32) -> Mem {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
            .unwrap_or(0)
    };
    Mem {
        rss: field("Rss:"),
        anon: field("Pss_Anon:"),
    }
}

/// python3-libvirt's calls per second against `uri` with `clients` processes.
fn py_calls(uri: &str, clients: usize) -> Result<f64, String> {
    let script = super::repo().join("crates/rvirt-bench/py/calls.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(uri)
        .arg("2")
        .arg(clients.to_string())
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            format!(
                "calls.py failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
        })
}

/// rvirt's own client API over one connection: lookup + get-info, two calls per round.
fn rust_calls(uri: &str) -> Result<f64, String> {
    let conn = rvirt::Connect::open(Some(uri)).map_err(|e| e.to_string())?;
    let end = Instant::now() + Duration::from_secs(2);
    let t = Instant::now();
    let mut n = 0u64;
    while Instant::now() < end {
        for _ in 0..50 {
            let d = conn
                .domain_lookup_by_name("test")
                .map_err(|e| e.to_string())?;
            std::hint::black_box(d.info().map_err(|e| e.to_string())?);
        }
        n += 100;
    }
    Ok(n as f64 / t.elapsed().as_secs_f64())
}

/// The floor under any call over a UNIX socket on this machine: round trips per second of
/// a 64-byte message to a thread that echoes it back at once (a lookup's call and reply
/// are about that size). No daemon can answer faster than this.
fn bare_round_trips() -> Result<f64, String> {
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    let (mut a, mut b) = UnixStream::pair().map_err(|e| e.to_string())?;
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while b.read_exact(&mut buf).is_ok() {
            if b.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let mut buf = [0u8; 64];
    let end = Instant::now() + Duration::from_secs(2);
    let t = Instant::now();
    let mut n = 0u64;
    while Instant::now() < end {
        for _ in 0..100 {
            a.write_all(&buf).map_err(|e| e.to_string())?;
            a.read_exact(&mut buf).map_err(|e| e.to_string())?;
        }
        n += 100;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    drop(a);
    let _ = echo.join();
    Ok(rate)
}

/// Resident memory of the daemon `pid` with `clients` open connections held by one
/// python3-libvirt process.
fn mem_with_clients(pid: u32, uri: &str, clients: usize) -> Result<Mem, String> {
    let py = format!(
        "import libvirt, sys\nc = [libvirt.open({uri:?}) for _ in range({clients})]\n\
         [x.getVersion() for x in c]\nprint('ready', flush=True)\nsys.stdin.read()\n"
    );
    let mut child = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(py)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    std::thread::sleep(SETTLE);
    let mem = mem_kib(pid);
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"");
    }
    let _ = child.wait();
    if line.trim() != "ready" {
        return Err(format!("{clients} clients could not connect to {uri}"));
    }
    Ok(mem)
}

fn mem_lines(what: &str, rv: Mem, lv: Mem) {
    ratio_line(
        &format!("{what} RSS"),
        "KiB",
        rv.rss as f64,
        lv.rss as f64,
        false,
    );
    ratio_line(
        &format!("{what} own (anonymous) memory"),
        "KiB",
        rv.anon as f64,
        lv.anon as f64,
        false,
    );
}

fn ratio_line(what: &str, unit: &str, rv: f64, lv: f64, higher_is_better: bool) {
    let verdict = if higher_is_better {
        format!("{:.2}x libvirtd", rv / lv)
    } else {
        format!("{:.2} of libvirtd's", rv / lv)
    };
    println!("daemon: {what}: rvirtd {rv:.0} {unit} vs libvirtd {lv:.0} {unit} -> {verdict}");
}

/// Rounds of each throughput figure. On a small VM a client and the daemon sometimes share
/// a CPU and sometimes not, which moves a single run by 2x either way; alternating the two
/// daemons and taking medians keeps the comparison fair.
const ROUNDS: usize = 5;

/// Runs `f` against rvirtd and libvirtd in alternation; the median of each.
fn rounds(
    f: impl Fn(&str) -> Result<f64, String>,
    rv: &str,
    lv: &str,
) -> Result<(f64, f64), String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        if i % 2 == 0 {
            a.push(f(rv)?);
            b.push(f(lv)?);
        } else {
            b.push(f(lv)?);
            a.push(f(rv)?);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    Ok((median(a), median(b)))
}

/// Calls per second, memory and `virsh list --all` time, rvirtd against libvirtd.
pub fn bench_daemon() -> Result<(), String> {
    let d = Daemons::start()?;
    let [(_, rv), (_, lv)] = d.uris();
    // Warm both up once so neither pays for first-connection set-up.
    py_calls(&rv, 1)?;
    py_calls(&lv, 1)?;
    for clients in [1, 8] {
        let (a, b) = rounds(|u| py_calls(u, clients), &rv, &lv)?;
        ratio_line(
            &format!("python3-libvirt lookup+get-info, {clients} client(s), median of {ROUNDS}"),
            "calls/s",
            a,
            b,
            true,
        );
    }
    let floor = {
        let mut v = (0..ROUNDS)
            .map(|_| bare_round_trips())
            .collect::<Result<Vec<_>, _>>()?;
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    println!(
        "daemon: bare UNIX-socket round trip (64 bytes to an echoing thread), median of {ROUNDS}: {floor:.0}/s"
    );
    match rounds(rust_calls, &rv, &lv) {
        Ok((a, b)) => {
            ratio_line(
                &format!("rvirt's Rust API lookup+get-info, 1 connection, median of {ROUNDS}"),
                "calls/s",
                a,
                b,
                true,
            );
            println!(
                "daemon: rvirt's Rust API against rvirtd: {:.2} of the bare round trip",
                a / floor
            );
        }
        Err(e) => println!("daemon: rvirt Rust API over the wire unavailable: {e}"),
    }
    let (rvp, lvp) = (d.rv_pid(), d.lv_pid()?);
    std::thread::sleep(SETTLE);
    mem_lines("idle after the call runs,", mem_kib(rvp), mem_kib(lvp));
    let a = mem_with_clients(rvp, &rv, 200)?;
    let b = mem_with_clients(lvp, &lv, 200)?;
    mem_lines("with 200 clients,", a, b);
    let cwd = super::repo();
    let ta = super::time_cmd(31, "virsh", &["-c", &rv, "list", "--all"], &cwd)?;
    let tb = super::time_cmd(31, "virsh", &["-c", &lv, "list", "--all"], &cwd)?;
    println!(
        "daemon: `virsh list --all` whole process (median of 31): against rvirtd {} vs libvirtd {} -> {:.2} of libvirtd's time",
        super::ms(ta),
        super::ms(tb),
        ta.as_secs_f64() / tb.as_secs_f64()
    );
    let rvirsh = super::sibling("rvirsh");
    let rvirsh = rvirsh.to_str().unwrap_or("rvirsh");
    match super::time_cmd(31, rvirsh, &["-c", &rv, "list", "--all"], &cwd) {
        Ok(tc) => println!(
            "daemon: `rvirsh list --all` against rvirtd: {} -> {:.2} of virsh+libvirtd's time",
            super::ms(tc),
            tc.as_secs_f64() / tb.as_secs_f64()
        ),
        Err(e) => println!("daemon: rvirsh over the wire unavailable: {e}"),
    }
    Ok(())
}
