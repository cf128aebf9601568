//! Calls per second over one connection: `call_rate URI [SECONDS] [THREADS]` runs
//! domain lookup + get-info for "test" in a loop (as the daemon benchmark does), on one
//! or more threads sharing the connection, and prints the rate.

use rvirt_core::driver::ConnectDriver;
use rvirt_core::ConnectUri;
use rvirt_driver_remote::RemoteConnectDriver;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let uri = args
        .next()
        .ok_or("usage: call_rate URI [SECONDS] [THREADS]")?;
    let secs: u64 = args
        .next()
        .map_or(Ok(3), |s| s.parse())
        .map_err(|e| format!("{e}"))?;
    let threads: usize = args
        .next()
        .map_or(Ok(1), |s| s.parse())
        .map_err(|e| format!("{e}"))?;
    let uri = ConnectUri::parse(&uri).map_err(|e| e.to_string())?;
    let d = Arc::new(
        RemoteConnectDriver::default()
            .open(&uri, 0)
            .map_err(|e| e.to_string())?,
    );
    let end = Instant::now() + Duration::from_secs(secs);
    let t = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let d = d.clone();
            std::thread::spawn(move || -> Result<u64, String> {
                let mut n = 0u64;
                while Instant::now() < end {
                    for _ in 0..50 {
                        let dom = d
                            .hypervisor
                            .domain_lookup_by_name("test")
                            .map_err(|e| e.to_string())?;
                        std::hint::black_box(
                            d.hypervisor
                                .domain_get_info(&dom)
                                .map_err(|e| e.to_string())?,
                        );
                    }
                    n += 100;
                }
                Ok(n)
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.join().map_err(|_| "worker panicked")??;
    }
    println!("{:.0} calls/s", total as f64 / t.elapsed().as_secs_f64());
    Ok(())
}
