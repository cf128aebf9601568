//! QEMU driver benchmarks: rvirtd and real libvirtd 9.0 (its QEMU driver) started by this
//! run, the same client (rvirt's Rust API over each daemon's socket) and the same guest
//! (the multiboot stub under TCG, its serial port on a UNIX socket this benchmark listens
//! on, so the boot marker is seen the instant QEMU writes it). Plain QEMU with an
//! equivalent command line is the floor for start latency.

use rvirt_core::event::{DomainEventKind, Event};
use std::io::Read;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const MARKER: &[u8] = b"GUEST-BOOTED";
const ROUNDS: usize = 7;

/// Builds (or reuses) the test guest.
fn stub() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join("rvirt-test-guest");
    let stub = dir.join("stub.elf");
    if stub.exists() {
        return Ok(stub);
    }
    let st = Command::new("bash")
        .arg(super::repo().join("tests/guest/build-guest.sh"))
        .arg(&dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("build-guest.sh: {e}"))?;
    if !st.success() || !stub.exists() {
        return Err("building the test guest failed".into());
    }
    Ok(stub)
}

fn xml(name: &str, stub: &Path, sock: &Path) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel></os>\
         <features><acpi/></features><devices>\
         <serial type='unix'><source mode='connect' path='{}'/></serial>\
         <memballoon model='none'/></devices></domain>",
        stub.display(),
        sock.display()
    )
}

/// Waits on `l` for QEMU's serial connection and then for the marker; when it came.
fn marker_time(l: &UnixListener, limit: Duration) -> Result<Instant, String> {
    let (mut s, _) = l.accept().map_err(|e| format!("serial accept: {e}"))?;
    let _ = s.set_read_timeout(Some(limit));
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = s.read(&mut buf).map_err(|e| format!("serial read: {e}"))?;
        if n == 0 {
            return Err("the guest closed its serial port before the marker".into());
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(MARKER.len()).any(|w| w == MARKER) {
            return Ok(Instant::now());
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Plain QEMU with the hardware libvirt gives the stub: start to marker.
fn plain_qemu(stub: &Path, dir: &Path) -> Result<Duration, String> {
    let sock = dir.join("plain.sock");
    let _ = std::fs::remove_file(&sock);
    let l = UnixListener::bind(&sock).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let mut child = Command::new("/usr/bin/qemu-system-x86_64")
        .args([
            "-machine",
            "pc-i440fx-7.2,usb=off,dump-guest-core=off",
            "-accel",
            "tcg",
            "-cpu",
            "qemu64",
            "-m",
            "64",
            "-smp",
            "1,sockets=1,cores=1,threads=1",
            "-display",
            "none",
            "-no-user-config",
            "-nodefaults",
            "-no-shutdown",
            "-kernel",
        ])
        .arg(stub)
        .args(["-chardev"])
        .arg(format!("socket,id=charserial0,path={}", sock.display()))
        .args([
            "-device",
            "isa-serial,chardev=charserial0,id=serial0,index=0",
            "-device",
            "piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("qemu: {e}"))?;
    let r = marker_time(&l, Duration::from_secs(20)).map(|m| m - t);
    let _ = child.kill();
    let _ = child.wait();
    r
}

/// One daemon's figures.
#[derive(Default)]
struct Figures {
    to_marker: Duration,
    to_running: Duration,
    destroy: Duration,
    exit_to_event: Duration,
    concurrent20: Duration,
    rss20_kib: u64,
    /// `virConnectGetAllDomainStats` (every group) with the 20 guests running.
    domstats20: Duration,
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn qemu_pid_of(uuid: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok())
        .find_map(|e| {
            let pid: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            (String::from_utf8_lossy(&cmd).contains(uuid) && cmd.starts_with(b"/usr/bin/qemu"))
                .then_some(pid)
        })
}

fn measure(uri: &str, daemon_pid: u32, stub: &Path, dir: &Path) -> Result<Figures, String> {
    let conn = rvirt::Connect::open(Some(uri)).map_err(|e| e.to_string())?;
    let mut f = Figures::default();
    let sock = dir.join("serial.sock");
    let (mut marker, mut running, mut destroy, mut event) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Stopped events, as they arrive.
    let (tx, rx) = mpsc::channel::<Instant>();
    let tx = std::sync::Mutex::new(tx);
    conn.domain_event_register_any(
        None,
        rvirt_core::types::event::domain_id::LIFECYCLE,
        Arc::new(move |_, ev: &Event| {
            if let Event::Domain {
                kind: DomainEventKind::Lifecycle { event: 5, .. },
                ..
            } = ev
            {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(Instant::now());
                }
            }
        }),
    )
    .map_err(|e| e.to_string())?;
    for i in 0..ROUNDS {
        let _ = std::fs::remove_file(&sock);
        let l = UnixListener::bind(&sock).map_err(|e| e.to_string())?;
        let x = xml(&format!("bench{i}"), stub, &sock);
        let t = Instant::now();
        let d = conn.domain_create_xml(&x, 0).map_err(|e| e.to_string())?;
        running.push(t.elapsed());
        marker.push(marker_time(&l, Duration::from_secs(20))? - t);
        while rx.try_recv().is_ok() {}
        if i % 2 == 0 {
            let t = Instant::now();
            d.destroy(0).map_err(|e| e.to_string())?;
            destroy.push(t.elapsed());
            let _ = rx.recv_timeout(Duration::from_secs(10));
        } else {
            // ACPI power-off: from QEMU's exit to the stopped event.
            let uuid = d.uuid_string();
            let pid = qemu_pid_of(&uuid).ok_or("QEMU not found")?;
            let fd = rustix::process::pidfd_open(
                rustix::process::Pid::from_raw(pid as i32).ok_or("bad pid")?,
                rustix::process::PidfdFlags::empty(),
            )
            .map_err(|e| e.to_string())?;
            d.shutdown(0).map_err(|e| e.to_string())?;
            let mut fds = [rustix::event::PollFd::new(
                &fd,
                rustix::event::PollFlags::IN,
            )];
            let _ = rustix::event::poll(
                &mut fds,
                Some(&rustix::event::Timespec {
                    tv_sec: 20,
                    tv_nsec: 0,
                }),
            );
            let exited = Instant::now();
            let ev = rx
                .recv_timeout(Duration::from_secs(10))
                .map_err(|_| "no stopped event")?;
            event.push(ev.saturating_duration_since(exited));
        }
    }
    f.to_marker = median(marker);
    f.to_running = median(running);
    f.destroy = median(destroy);
    f.exit_to_event = median(event);
    // Twenty at once.
    let t = Instant::now();
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let (uri, stub, dir) = (uri.to_string(), stub.to_path_buf(), dir.to_path_buf());
            std::thread::spawn(move || -> Result<(), String> {
                let c = rvirt::Connect::open(Some(&uri)).map_err(|e| e.to_string())?;
                let sock = dir.join(format!("c{i}.sock"));
                let _ = std::fs::remove_file(&sock);
                let l = UnixListener::bind(&sock).map_err(|e| e.to_string())?;
                c.domain_create_xml(&xml(&format!("many{i}"), &stub, &sock), 0)
                    .map_err(|e| e.to_string())?;
                marker_time(&l, Duration::from_secs(60)).map(|_| ())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "a starter panicked")??;
    }
    f.concurrent20 = t.elapsed();
    f.rss20_kib = rss_kib(daemon_pid);
    let mut stats = Vec::with_capacity(15);
    for _ in 0..15 {
        let t = Instant::now();
        let recs = conn.all_domain_stats(0, 0).map_err(|e| e.to_string())?;
        stats.push(t.elapsed());
        if recs.len() < 20 {
            return Err(format!("domstats gave {} records, not 20", recs.len()));
        }
    }
    f.domstats20 = median(stats);
    for i in 0..20 {
        if let Ok(d) = conn.domain_lookup_by_name(&format!("many{i}")) {
            let _ = d.destroy(0);
        }
    }
    Ok(f)
}

pub fn bench_qemu() -> Result<(), String> {
    let stub = stub()?;
    let base = std::env::temp_dir().join(format!("rvirt-bench-qemu-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    let d = super::daemon::Daemons::start()?;
    let rv_uri = format!("qemu+unix:///system?socket={}", d.rv_sock().display());
    let lv_uri = format!("qemu+unix:///system?socket={}", d.lv_sock().display());
    let floor = median(
        (0..ROUNDS)
            .map(|_| plain_qemu(&stub, &base))
            .collect::<Result<Vec<_>, _>>()?,
    );
    let rv = measure(&rv_uri, d.rv_pid(), &stub, &base)?;
    let lv = measure(&lv_uri, d.lv_pid()?, &stub, &base)?;
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    println!(
        "qemu: plain QEMU start to boot marker (floor), median of {ROUNDS}: {:.1} ms",
        ms(floor)
    );
    let over = |x: Duration| ms(x) - ms(floor);
    println!(
        "qemu: create to boot marker: rvirtd {:.1} ms (+{:.1} over QEMU) vs libvirtd {:.1} ms (+{:.1}) -> rvirt's overhead is {:.3} of libvirt's (goal <= 0.125)",
        ms(rv.to_marker),
        over(rv.to_marker),
        ms(lv.to_marker),
        over(lv.to_marker),
        over(rv.to_marker).max(0.0) / over(lv.to_marker).max(0.001)
    );
    println!(
        "qemu: create to running (call returns): rvirtd {:.1} ms vs libvirtd {:.1} ms -> {:.3}",
        ms(rv.to_running),
        ms(lv.to_running),
        ms(rv.to_running) / ms(lv.to_running)
    );
    println!(
        "qemu: destroy until shut off: rvirtd {:.1} ms vs libvirtd {:.1} ms -> {:.3} (goal <= 0.1)",
        ms(rv.destroy),
        ms(lv.destroy),
        ms(rv.destroy) / ms(lv.destroy)
    );
    println!(
        "qemu: QEMU exit after ACPI shutdown to the stopped event: rvirtd {:.1} ms vs libvirtd {:.1} ms -> {:.3} (goal <= 0.1)",
        ms(rv.exit_to_event),
        ms(lv.exit_to_event),
        ms(rv.exit_to_event) / ms(lv.exit_to_event).max(0.001)
    );
    println!(
        "qemu: 20 guests created at once until all booted: rvirtd {:.0} ms vs libvirtd {:.0} ms -> {:.2}; daemon RSS with them running: rvirtd {} KiB vs libvirtd {} KiB -> {:.2}",
        ms(rv.concurrent20),
        ms(lv.concurrent20),
        ms(rv.concurrent20) / ms(lv.concurrent20),
        rv.rss20_kib,
        lv.rss20_kib,
        rv.rss20_kib as f64 / lv.rss20_kib.max(1) as f64
    );
    println!(
        "qemu: domstats (all groups) of 20 running guests, median of 15: rvirtd {:.2} ms vs libvirtd {:.2} ms -> {:.3}",
        ms(rv.domstats20),
        ms(lv.domstats20),
        ms(rv.domstats20) / ms(lv.domstats20).max(0.001)
    );
    let _ = std::fs::remove_dir_all(&base);
    Ok(())
}
