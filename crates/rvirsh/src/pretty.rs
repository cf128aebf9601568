//! Human-readable sizes and unit suffixes, shared by pool and volume commands and by every
//! option that takes a size.

use rvirt::{Error, ErrorCode, ErrorDomain};

/// Picks the largest binary unit (up to EiB) under which `bytes` is at least 1, as virsh
/// does before printing `"%.2f %s"`.
pub fn pretty_capacity(bytes: u64) -> (f64, &'static str) {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let v = bytes as f64;
    if bytes < 1024 {
        return (v, "B");
    }
    let mut limit: u64 = 1024;
    for (i, unit) in UNITS.iter().enumerate() {
        // The next threshold is 1024^(i+2); EiB is the last unit.
        let next = limit.checked_mul(1024);
        match next {
            Some(n) if bytes >= n && i + 1 < UNITS.len() => limit = n,
            _ => return (v / limit as f64, unit),
        }
    }
    (v / limit as f64, "EiB")
}

/// `"%.2f %s"` of [`pretty_capacity`].
pub fn format_capacity(bytes: u64) -> String {
    let (v, unit) = pretty_capacity(bytes);
    format!("{v:.2} {unit}")
}

/// Applies a unit suffix to `value` the way libvirt scales sizes: no suffix uses `scale`;
/// `b`/`byte`/`bytes` mean 1; `k`,`m`,`g`,`t`,`p`,`e` alone or followed by `iB` are powers
/// of 1024, followed by `B` powers of 1000 (all case-insensitive). The result may not
/// exceed `limit`.
pub fn scale_integer(value: u64, suffix: &str, scale: u64, limit: u64) -> Result<u64, Error> {
    let unknown = || {
        Error::new(
            ErrorDomain::NONE,
            ErrorCode::INVALID_ARG,
            Some(format!("unknown suffix '{suffix}'")),
        )
    };
    let scale = if suffix.is_empty() {
        if scale == 0 {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::INTERNAL_ERROR,
                Some(format!("invalid scale {scale}")),
            ));
        }
        scale
    } else if ["b", "byte", "bytes"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(suffix))
    {
        1
    } else {
        let mut chars = suffix.chars();
        let first = chars.next().map(|c| c.to_ascii_lowercase());
        let rest = chars.as_str();
        let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("iB") {
            1024
        } else if rest.eq_ignore_ascii_case("b") {
            1000
        } else {
            return Err(unknown());
        };
        let power = match first {
            Some('k') => 1,
            Some('m') => 2,
            Some('g') => 3,
            Some('t') => 4,
            Some('p') => 5,
            Some('e') => 6,
            _ => return Err(unknown()),
        };
        base.pow(power)
    };
    if value != 0 && value > limit / scale {
        return Err(Error::new(
            ErrorDomain::NONE,
            ErrorCode::OVERFLOW,
            Some(format!("value too large: {value}{suffix}")),
        ));
    }
    Ok(value * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities() {
        assert_eq!(format_capacity(0), "0.00 B");
        assert_eq!(format_capacity(1000), "1000.00 B");
        assert_eq!(format_capacity(1500), "1.46 KiB");
        assert_eq!(format_capacity(107374182400), "100.00 GiB");
        assert_eq!(format_capacity(547356672), "522.00 MiB");
        assert_eq!(format_capacity(1 << 40), "1.00 TiB");
        assert_eq!(format_capacity(u64::MAX), "16.00 EiB");
    }

    #[test]
    fn suffixes() {
        let m = u64::MAX;
        assert_eq!(scale_integer(5, "", 1024, m).ok(), Some(5120));
        assert_eq!(scale_integer(5, "b", 1024, m).ok(), Some(5));
        assert_eq!(scale_integer(1, "KiB", 1, m).ok(), Some(1024));
        assert_eq!(scale_integer(1, "kb", 1, m).ok(), Some(1000));
        assert_eq!(scale_integer(1, "G", 1, m).ok(), Some(1 << 30));
        let e = scale_integer(10, "X", 1, m).err().map(|e| e.message);
        assert_eq!(e.as_deref(), Some("invalid argument: unknown suffix 'X'"));
        let e = scale_integer(99999999999999, "T", 1, m)
            .err()
            .map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("numerical overflow: value too large: 99999999999999T")
        );
    }
}
