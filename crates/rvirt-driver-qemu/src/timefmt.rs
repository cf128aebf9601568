//! Timestamps in the form libvirt writes them into guest logs
//! (`2026-12-07 02:10:28.372+0000`, UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to a (year, month, day) date.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A time as libvirt's log lines show it.
pub fn log_stamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil((secs / 86_400) as i64);
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
