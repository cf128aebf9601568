//! Numbers as libvirt's `virStrToLong_*` family and `virXMLProp{UInt,Int}` read them.
//!
//! libvirt reads most numeric attributes with C's `strtoul`/`strtol` in a fixed base: leading
//! blanks and a sign are accepted, trailing text is not, and some readers wrap negative input
//! around instead of refusing it. Matching those rules exactly is what makes the same input
//! accepted or refused with the same message; the generic reader in `crate::read` is looser
//! (it always accepts `0x` hex), so device families whose attributes libvirt reads in base 10
//! use these instead.

use crate::error::xml_error;
use crate::tree::Element;
use rvirt_core::Result;

/// What `strtoul(s, &end, base)` sees: the sign and the magnitude, or `None` when no digits
/// were read, text follows the digits, or the magnitude overflows 64 bits (`ERANGE`).
/// `base` 0 picks 16 for `0x`, 8 for a leading `0`, else 10, as C does.
fn c_parse(s: &str, base: u32) -> Option<(bool, u64)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let has_hex_prefix = |t: &str| {
        (t.starts_with("0x") || t.starts_with("0X"))
            && t[2..].chars().next().is_some_and(|c| c.is_ascii_hexdigit())
    };
    let (radix, digits) = match base {
        0 if has_hex_prefix(t) => (16, &t[2..]),
        0 if t.starts_with('0') => (8, t),
        0 => (10, t),
        16 if has_hex_prefix(t) => (16, &t[2..]),
        b => (b, t),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().map(|v| (neg, v))
}

/// `virStrToLong_uip`: unsigned, a minus sign refused.
pub(crate) fn to_uip(s: &str, base: u32) -> Option<u32> {
    match c_parse(s, base)? {
        (true, _) => None,
        (false, v) => u32::try_from(v).ok(),
    }
}

/// `virStrToLong_ui`: unsigned, but a negative number is taken modulo 2^32 (so `-1` is
/// `u32::MAX`), as libvirt does to let `-1` mean "unset".
pub(crate) fn to_ui(s: &str, base: u32) -> Option<u32> {
    match c_parse(s, base)? {
        (false, v) => u32::try_from(v).ok(),
        (true, v) => u32::try_from(v).ok().map(u32::wrapping_neg),
    }
}

/// `virStrToLong_i`: a signed 32-bit number.
pub(crate) fn to_i(s: &str, base: u32) -> Option<i32> {
    let (neg, v) = c_parse(s, base)?;
    let v = i64::try_from(v).ok()?;
    i32::try_from(if neg { -v } else { v }).ok()
}

/// `virStrToLong_ullp`: unsigned 64-bit, a minus sign refused.
pub(crate) fn to_ullp(s: &str, base: u32) -> Option<u64> {
    match c_parse(s, base)? {
        (true, _) => None,
        (false, v) => Some(v),
    }
}

/// `virXMLPropUInt`: an optional unsigned attribute read in `base`, with libvirt's messages;
/// `nonzero` refuses 0 as `VIR_XML_PROP_NONZERO` does.
pub(crate) fn uint_attr(el: &Element, name: &str, base: u32, nonzero: bool) -> Result<Option<u32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let n = to_uip(v, base).ok_or_else(|| {
        xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
            el.name
        ))
    })?;
    if nonzero && n == 0 {
        return Err(xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
            el.name
        )));
    }
    Ok(Some(n))
}

/// `virXMLPropUInt` with `VIR_XML_PROP_REQUIRED`.
pub(crate) fn req_uint_attr(el: &Element, name: &str, base: u32) -> Result<u32> {
    uint_attr(el, name, base, false)?.ok_or_else(|| {
        xml_error(format!(
            "Missing required attribute '{name}' in element '{}'",
            el.name
        ))
    })
}

/// `virXMLPropInt`: an optional signed attribute read in `base`.
pub(crate) fn int_attr(el: &Element, name: &str, base: u32) -> Result<Option<i32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    to_i(v, base).map(Some).ok_or_else(|| {
        xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected integer value",
            el.name
        ))
    })
}

/// libvirt's lenient UUID reader (`virUUIDParse`): 32 hex digits, with dashes and spaces
/// allowed between digit pairs and blanks around the whole.
pub(crate) fn parse_uuid(s: &str) -> Option<uuid::Uuid> {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let mut bytes = [0u8; 16];
    let mut it = t.chars().peekable();
    let mut i = 0;
    while i < 16 {
        let c = it.next()?;
        if c == '-' || c == ' ' {
            continue;
        }
        let hi = c.to_digit(16)?;
        let lo = it.next()?.to_digit(16)?;
        bytes[i] = (hi * 16 + lo) as u8;
        i += 1;
    }
    if it.all(|c| c.is_ascii_whitespace()) {
        Some(uuid::Uuid::from_bytes(bytes))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_rules() {
        assert_eq!(to_uip(" +5", 10), Some(5));
        assert_eq!(to_uip("5 ", 10), None);
        assert_eq!(to_uip("0x10", 10), None);
        assert_eq!(to_uip("0x10", 0), Some(16));
        assert_eq!(to_uip("010", 0), Some(8));
        assert_eq!(to_uip("-1", 10), None);
        assert_eq!(to_ui("-1", 10), Some(u32::MAX));
        assert_eq!(to_ui("-2", 10), Some(u32::MAX - 1));
        assert_eq!(to_ui("4294967296", 10), None);
        assert_eq!(to_i("-5", 0), Some(-5));
        assert_eq!(to_i("0x", 0), None);
        assert_eq!(to_i("0", 0), Some(0));
        assert_eq!(to_ullp("18446744073709551615", 10), Some(u64::MAX));
    }

    #[test]
    fn uuid_lenient() {
        let want = parse_uuid("b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3");
        assert!(want.is_some());
        assert_eq!(parse_uuid(" b4a117f18af244a491b87f0d2d4d68a3 "), want);
        assert_eq!(parse_uuid("b4a1 17f1-8af244a491b87f0d2d4d68a3"), want);
        assert_eq!(parse_uuid("bad"), None);
        assert_eq!(parse_uuid("b4a117f18af244a491b87f0d2d4d68a3x"), None);
    }
}
