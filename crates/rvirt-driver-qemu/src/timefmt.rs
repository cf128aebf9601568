//! Timestamps in the form libvirt writes them into guest logs
//! (`2026-12-07 02:10:28.372+0000`, UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// A time as libvirt's log lines show it.
pub fn log_stamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = rvirt_core::civil::civil_from_days((secs / 86_400) as i64);
    let r = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}.{:03}+0000",
        r / 3600,
        r % 3600 / 60,
        r % 60,
        d.subsec_millis()
    )
}

/// Now, for a log line.
pub fn now_log() -> String {
    log_stamp(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_look_like_libvirts() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_609_428_372);
        assert_eq!(log_stamp(t), "2026-12-07 02:10:28.372+0000");
    }
}
