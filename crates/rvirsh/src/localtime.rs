//! Local time for the few places virsh prints it (the default screenshot file name), as the
//! C library's `localtime` would compute it: the zone named by `TZ`, else
//! `/etc/localtime`, read from its compiled TZif file. Zones that cannot be read, and POSIX
//! rule strings in `TZ`, count as UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// A broken-down time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Tm {
    /// strftime's `%Y-%m-%d-%H:%M:%S`.
    pub fn dashed(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}-{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Now, in local time.
pub fn now() -> Tm {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let offset = zone_file()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| utc_offset(&b, secs))
        .unwrap_or(0);
    from_unix(secs + offset)
}

/// The compiled zone file `TZ` names (or `/etc/localtime`).
fn zone_file() -> Option<String> {
    match std::env::var("TZ") {
        Err(_) => Some("/etc/localtime".to_string()),
        Ok(tz) => {
            let name = tz.strip_prefix(':').unwrap_or(&tz);
            if name.is_empty() {
                None
            } else if name.starts_with('/') {
                Some(name.to_string())
            } else if name.contains(['+', '-', ',']) || name.chars().any(|c| c.is_ascii_digit()) {
                // A POSIX rule string ("EST5EDT,M3.2.0,M11.1.0"): not read here.
                None
            } else {
                Some(format!("/usr/share/zoneinfo/{name}"))
            }
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<i64> {
    let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(i32::from_be_bytes(w) as i64)
}

fn be64(b: &[u8], at: usize) -> Option<i64> {
    let w: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(i64::from_be_bytes(w))
}

/// The offset from UTC in effect at `t` according to TZif data: the type of the last
/// transition at or before `t` (the first type before any transition).
fn utc_offset(b: &[u8], t: i64) -> Option<i64> {
    if b.get(..4)? != b"TZif" {
        return None;
    }
    let counts = |at: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (i, v) in c.iter_mut().enumerate() {
            *v = usize::try_from(be32(b, at + 20 + 4 * i)?).ok()?;
        }
        Some(c)
    };
    // ttisut, ttisstd, leap, time, type, char counts.
    let v1 = counts(0)?;
    let v1_len = 44 + v1[3] * 5 + v1[4] * 6 + v1[5] + v1[2] * 8 + v1[1] + v1[0];
    let (base, c, wide) = match b.get(4) {
        Some(v) if *v >= b'2' => (v1_len, counts(v1_len)?, true),
        _ => (0, v1, false),
    };
    let (times, ntypes) = (c[3], c[4]);
    let tsize = if wide { 8 } else { 4 };
    let times_at = base + 44;
    let idx_at = times_at + times * tsize;
    let types_at = idx_at + times;
    let mut ty = 0usize;
    for i in 0..times {
        let at = times_at + i * tsize;
        let when = if wide { be64(b, at)? } else { be32(b, at)? };
        if when > t {
            break;
        }
        ty = usize::from(*b.get(idx_at + i)?);
    }
    if ty >= ntypes {
        return None;
    }
    be32(b, types_at + ty * 6)
}

/// Seconds since the epoch (already shifted to local time) to a broken-down time.
fn from_unix(secs: i64) -> Tm {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = rvirt_core::civil::civil_from_days(days);
    Tm {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: ((rem / 60) % 60) as u32,
        second: (rem % 60) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_down_times() {
        assert_eq!(from_unix(0).dashed(), "1970-01-01-00:00:00");
        assert_eq!(from_unix(951_782_400).dashed(), "2000-02-29-00:00:00");
        assert_eq!(from_unix(1_798_761_599).dashed(), "2026-12-31-23:59:59");
    }

    #[test]
    fn zone_files_give_offsets() {
        // Skipped where the zone database is missing.
        let Ok(paris) = std::fs::read("/usr/share/zoneinfo/Europe/Paris") else {
            return;
        };
        // 2026-01-15 (CET) and 2026-07-15 (CEST).
        assert_eq!(utc_offset(&paris, 1_768_435_200), Some(3600));
        assert_eq!(utc_offset(&paris, 1_784_073_600), Some(7200));
        if let Ok(utc) = std::fs::read("/usr/share/zoneinfo/Etc/UTC") {
            assert_eq!(utc_offset(&utc, 1_768_435_200), Some(0));
        }
        assert_eq!(utc_offset(b"not a zone file", 0), None);
    }
}
