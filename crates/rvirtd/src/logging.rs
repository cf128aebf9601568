//! Logging through `tracing`, configured with libvirt's `log_level`, `log_outputs` and
//! `log_filters` conventions (levels 1 debug .. 4 error; outputs `N:stderr` or
//! `N:file:PATH`).

use tracing::Level;

fn level(n: u8) -> Level {
    match n {
        1 => Level::DEBUG,
        2 => Level::INFO,
        3 => Level::WARN,
        _ => Level::ERROR,
    }
}

/// Sets up the global subscriber. `verbose` lowers the level to info like `libvirtd -v`.
pub fn init(
    log_level: Option<u8>,
    outputs: Option<&str>,
    filters: Option<&str>,
    verbose: bool,
) -> Result<(), String> {
    let mut lvl = log_level.unwrap_or(3);
    // libvirt filters narrow by source; the catch-all `*` entry sets the floor here.
    if let Some(f) = filters {
        for item in f.split_whitespace() {
            if let Some((n, "*")) = item.split_once(':') {
                if let Ok(n) = n.parse::<u8>() {
                    lvl = n.clamp(1, 4);
                }
            }
        }
    }
    if verbose {
        lvl = lvl.min(2);
    }
    let mut file = None;
    if let Some(o) = outputs.and_then(|o| o.split_whitespace().next()) {
        let parts: Vec<&str> = o.splitn(3, ':').collect();
        if let Some(n) = parts.first().and_then(|n| n.parse::<u8>().ok()) {
            lvl = n.clamp(1, 4);
        }
        if parts.get(1) == Some(&"file") {
            if let Some(p) = parts.get(2) {
                file = Some(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .map_err(|e| format!("cannot open log file '{p}': {e}"))?,
                );
            }
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_max_level(level(lvl))
        .with_target(false);
    let res = match file {
        Some(f) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
            .try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    res.map_err(|e| format!("cannot set up logging: {e}"))
}
