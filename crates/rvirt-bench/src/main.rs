//! `bench`: measures rvirt beside real libvirt 9.0 in the same run and prints ratios.
//!
//! ```sh
//! cargo build --release -p rvirsh -p rvirtd -p rvirt-bench
//! ./target/release/bench all          # or: xml | list | scale | daemon | qemu
//! ```
//!
//! Real libvirt is driven through its own tools (`virsh`, `/usr/bin/python3` with
//! python3-libvirt), so the comparison is what a user would see.

mod daemon;
mod qemu;
mod storage;
mod storage_stream;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs a command `n` times and returns the median wall time.
fn time_cmd(n: usize, prog: &str, args: &[&str], cwd: &Path) -> Result<Duration, String> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let st = Command::new(prog)
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("{prog}: {e}"))?;
        times.push(t.elapsed());
        if !st.success() {
            return Err(format!("{prog} {args:?} failed: {st}"));
        }
    }
    Ok(median(times))
}

/// A binary built beside this one (`rvirsh`, `rvirtd`).
fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name(name)
}

fn rvirsh() -> PathBuf {
    sibling("rvirsh")
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Parse + format of the 200-device domain, in process, versus real libvirt's
/// `virsh define` + `dumpxml` of the same file (whole process).
fn bench_xml() -> Result<(), String> {
    let dir = repo().join("tests/data/test-driver/xml2xml");
    let file = dir.join("199-large-200-devices.xml");
    let xml = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let ctx = rvirt_xml::domain::ParseCtx { inactive: true };
    let fctx = rvirt_xml::domain::FormatCtx {
        inactive: true,
        ..Default::default()
    };
    let defaults = rvirt_driver_test::TestDefaults;
    let iters = 2000;
    let t = Instant::now();
    for _ in 0..iters {
        let def = rvirt_xml::domain::DomainDef::parse(&xml, &ctx, &defaults)
            .map_err(|e| e.to_string())?;
        std::hint::black_box(def.format(&fctx));
    }
    let per = t.elapsed() / iters;
    let per_sec = 1.0 / per.as_secs_f64();
    let cmd = "define 199-large-200-devices.xml; dumpxml 199-large-200-devices";
    let real = time_cmd(15, "virsh", &["-q", "-c", "test:///default", cmd], &dir)?;
    let ours = time_cmd(
        15,
        rvirsh().to_str().unwrap_or("rvirsh"),
        &["-q", "-c", "test:///default", cmd],
        &dir,
    )?;
    println!(
        "xml: parse+format of a 246-device domain: {} each, {per_sec:.0}/s in process",
        ms(per)
    );
    println!(
        "xml: whole process define+dumpxml: rvirsh {} vs virsh {} -> {:.2}x faster",
        ms(ours),
        ms(real),
        real.as_secs_f64() / ours.as_secs_f64()
    );
    Ok(())
}

/// `list --all` whole-process time, rvirsh versus virsh.
fn bench_list() -> Result<(), String> {
    let cwd = repo();
    let real = time_cmd(
        51,
        "virsh",
        &["-c", "test:///default", "list", "--all"],
        &cwd,
    )?;
    let ours = time_cmd(
        51,
        rvirsh().to_str().unwrap_or("rvirsh"),
        &["-c", "test:///default", "list", "--all"],
        &cwd,
    )?;
    println!(
        "list: `list --all` whole process (median of 51): rvirsh {} vs virsh {} -> {:.2} of virsh's time",
        ms(ours),
        ms(real),
        ours.as_secs_f64() / real.as_secs_f64()
    );
    Ok(())
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Defines 10,000 domains in the test driver and lists them; time and peak memory, beside
/// python3-libvirt doing the same against libvirt's own test driver.
fn bench_scale() -> Result<(), String> {
    let n = 10_000;
    let conn = rvirt::Connect::open(Some("test:///default")).map_err(|e| e.to_string())?;
    let t = Instant::now();
    for i in 0..n {
        let xml = format!(
            "<domain type='test'><name>scale{i}</name><memory>65536</memory><os><type>hvm</type></os></domain>"
        );
        conn.domain_define_xml(&xml, 0).map_err(|e| e.to_string())?;
    }
    let define = t.elapsed();
    let t = Instant::now();
    let doms = conn.list_all_domains(0).map_err(|e| e.to_string())?;
    let mut names = 0usize;
    for d in &doms {
        names += d.state().map_err(|e| e.to_string())?.1 as usize + d.name().len();
    }
    std::hint::black_box(names);
    let list = t.elapsed();
    let rss = peak_rss_kib();
    let py = r#"
import libvirt, time
c = libvirt.open('test:///default')
t = time.time()
for i in range(10000):
    c.defineXML("<domain type='test'><name>scale%d</name><memory>65536</memory><os><type>hvm</type></os></domain>" % i)
d = time.time() - t
t = time.time()
doms = c.listAllDomains(0)
for x in doms:
    x.state(); x.name()
l = time.time() - t
hwm = [int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM:')][0]
print(d, l, hwm)
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(py)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    println!(
        "scale: define {n}: rvirt {:.3} s; list+state: {:.3} s; peak RSS {} KiB",
        define.as_secs_f64(),
        list.as_secs_f64(),
        rss
    );
    if f.len() == 3 {
        println!(
            "scale: libvirt (python3-libvirt, test driver): define {:.3} s; list+state {:.3} s; peak RSS {} KiB -> rvirt define {:.1}x faster, list {:.1}x faster",
            f[0],
            f[1],
            f[2] as u64,
            f[0] / define.as_secs_f64(),
            f[1] / list.as_secs_f64()
        );
    } else {
        println!(
            "scale: python3-libvirt run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// One benchmark: prints its figures, or says why it could not run.
type Bench = fn() -> Result<(), String>;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".to_string());
    let run: Vec<(&str, Bench)> = vec![
        ("xml", bench_xml),
        ("list", bench_list),
        ("scale", bench_scale),
        ("daemon", daemon::bench_daemon),
        ("qemu", qemu::bench_qemu),
        ("storage", storage::bench_storage),
        ("stream", storage_stream::bench_storage_stream),
    ];
    let mut failed = false;
    for (name, f) in run {
        if which == "all" || which == name {
            if let Err(e) = f() {
                eprintln!("{name}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
