//! Storage benchmark (issue 5): 1,000 qcow2 volumes made in a `dir` pool, listed with
//! details (each volume's info and path, as `vol-list --details` asks), then deleted,
//! through the same Rust client against rvirtd and against libvirtd in the same run.

use super::daemon::Daemons;
use std::time::{Duration, Instant};

const VOLUMES: usize = 1000;

struct Phases {
    create: Duration,
    list: Duration,
    delete: Duration,
}

fn run(uri: &str, dir: &std::path::Path) -> Result<Phases, String> {
    let e = |e: rvirt::Error| e.message;
    let conn = rvirt::Connect::open(Some(uri)).map_err(e)?;
    let _ = std::fs::remove_dir_all(dir);
    let xml = format!(
        "<pool type='dir'><name>benchpool</name><target><path>{}</path></target></pool>",
        dir.display()
    );
    // WITH_BUILD: the directory is made by the daemon.
    let pool = conn.storage_pool_create_xml(&xml, 1).map_err(e)?;
    let t = Instant::now();
    for i in 0..VOLUMES {
        let v = format!(
            "<volume><name>v{i}.qcow2</name><capacity unit='MiB'>64</capacity>\
             <target><format type='qcow2'/></target></volume>"
        );
        pool.vol_create_xml(&v, 0).map_err(e)?;
    }
    let create = t.elapsed();
    let t = Instant::now();
    let vols = pool.list_all_volumes(0).map_err(e)?;
    for v in &vols {
        v.info().map_err(e)?;
        v.path().map_err(e)?;
    }
    let list = t.elapsed();
    if vols.len() != VOLUMES {
        return Err(format!(
            "{uri}: listed {} volumes, made {VOLUMES}",
            vols.len()
        ));
    }
    let t = Instant::now();
    for v in &vols {
        v.delete(0).map_err(e)?;
    }
    let delete = t.elapsed();
    pool.destroy().map_err(e)?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(Phases {
        create,
        list,
        delete,
    })
}

pub fn bench_storage() -> Result<(), String> {
    let d = Daemons::start()?;
    let base = std::env::temp_dir().join(format!("rvirt-bench-storage-{}", std::process::id()));
    let rv_uri = format!("qemu+unix:///system?socket={}", d.rv_sock().display());
    let lv_uri = format!("qemu+unix:///system?socket={}", d.lv_sock().display());
    let rv = run(&rv_uri, &base.join("rv"))?;
    let lv = run(&lv_uri, &base.join("lv"))?;
    let _ = std::fs::remove_dir_all(&base);
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    for (what, a, b) in [
        ("create", rv.create, lv.create),
        ("list with details", rv.list, lv.list),
        ("delete", rv.delete, lv.delete),
    ] {
        println!(
            "storage: {VOLUMES} qcow2 volumes, {what}: rvirtd {:.0} ms vs libvirtd {:.0} ms -> {:.2}",
            ms(a),
            ms(b),
            ms(a) / ms(b).max(0.001)
        );
    }
    let (ta, tb) = (
        rv.create + rv.list + rv.delete,
        lv.create + lv.list + lv.delete,
    );
    println!(
        "storage: {VOLUMES} qcow2 volumes, total: rvirtd {:.0} ms vs libvirtd {:.0} ms -> {:.2} (goal <= 0.5)",
        ms(ta),
        ms(tb),
        ms(ta) / ms(tb).max(0.001)
    );
    Ok(())
}
