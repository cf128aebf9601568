//! Scaled integers with libvirt's unit suffixes (`unit='GiB'`, `KB`, `bytes`, ...).

use crate::error::xml_error;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// Multiplier for a unit suffix: powers of 1024 for `K`, `KiB`, `k`..., powers of 1000 for
/// `KB`, `MB`...; `b`, `byte`, `bytes` are 1. `None` when the suffix is not a unit.
pub fn unit_scale(unit: &str) -> Option<u64> {
    let lower = unit.to_ascii_lowercase();
    if matches!(lower.as_str(), "b" | "byte" | "bytes") {
        return Some(1);
    }
    let mut chars = lower.chars();
    let power = match chars.next()? {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    let base: u64 = match chars.as_str() {
        "" | "ib" => 1024,
        "b" => 1000,
        _ => return None,
    };
    Some(base.pow(power))
}

/// Parses `value` scaled by `unit` (or by `default_scale` when absent) into a count of the
/// smallest unit, refusing results above `max`. `what` names the element in messages.
pub fn parse_scaled(
    value: &str,
    unit: Option<&str>,
    default_scale: u64,
    max: u64,
    what: &str,
) -> Result<u64> {
    let trimmed = value.trim();
    let n: u64 = trimmed.parse().map_err(|_| {
        xml_error(format!(
            "could not parse '{value}' as a number in element '{what}'"
        ))
    })?;
    let scale = match unit.filter(|u| !u.is_empty()) {
        None => default_scale,
        Some(u) => unit_scale(u).ok_or_else(|| {
            Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::INVALID_ARG,
                Some(format!("unknown suffix '{u}'")),
            )
        })?,
    };
    match n.checked_mul(scale) {
        Some(v) if v <= max => Ok(v),
        _ => Err(Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::OVERFLOW,
            Some(format!("value too large: {value}{}", unit.unwrap_or(""))),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_scale_follows_libvirt_rules() {
        assert_eq!(unit_scale("KiB"), Some(1024));
        assert_eq!(unit_scale("k"), Some(1024));
        assert_eq!(unit_scale("KB"), Some(1000));
        assert_eq!(unit_scale("GiB"), Some(1 << 30));
        assert_eq!(unit_scale("bytes"), Some(1));
        assert_eq!(unit_scale("TB"), Some(1_000_000_000_000));
        assert_eq!(unit_scale("furlongs"), None);
    }

    #[test]
    fn parse_scaled_rejects_overflow() {
        assert!(parse_scaled("99999999999999999", Some("TiB"), 1024, u64::MAX, "memory").is_err());
        assert_eq!(
            parse_scaled("2", Some("MiB"), 1024, u64::MAX, "memory").ok(),
            Some(2 << 20)
        );
    }
}
