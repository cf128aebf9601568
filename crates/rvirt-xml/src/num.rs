//! Numbers as libvirt reads them: its `virStrToLong_*` family, the `virXMLProp{UInt,Int,
//! LongLong}` and `virXPath{Int,UInt}` attribute readers, and scaled integers with unit
//! suffixes (`virScaleInteger`).
//!
//! libvirt reads numbers with C's `strtoul`/`strtol` in a fixed base: leading blanks and a
//! sign are accepted, trailing text is not, and some readers wrap a negative number around
//! instead of refusing it. Matching those rules exactly is what makes the same input
//! accepted or refused with the same message, so every reader of numeric attributes in this
//! crate that follows a particular libvirt function uses the one of the same name here. (The
//! generic [`crate::read::ElementExt::num_attr`] is looser, for places where libvirt's
//! reader is equally lenient.)

use crate::error::xml_error;
use crate::read::invalid_value;
use crate::tree::Element;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

/// The blanks C's `isspace` accepts before a number.
const C_SPACE: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/// What `strtoul(s, &end, base)` sees over the whole string: the sign and the magnitude, or
/// `None` when no digits were read, text follows the digits, or the magnitude overflows 64
/// bits (`ERANGE`). `base` 0 picks 16 for `0x`, 8 for a leading `0`, else 10, as C does;
/// base 16 also accepts a `0x` prefix.
pub(crate) fn c_number(s: &str, base: u32) -> Option<(bool, u64)> {
    let t = s.trim_start_matches(C_SPACE);
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

/// `virStrToLong_i`: a signed 32-bit number.
pub(crate) fn to_i(s: &str, base: u32) -> Option<i32> {
    i32::try_from(to_ll(s, base)?).ok()
}

/// `virStrToLong_ui`: unsigned, but a negative number is taken modulo 2^32 (so `-1` is
/// `u32::MAX`), as libvirt does to let `-1` mean "unset".
pub(crate) fn to_ui(s: &str, base: u32) -> Option<u32> {
    match c_number(s, base)? {
        (false, v) => u32::try_from(v).ok(),
        (true, v) => u32::try_from(v).ok().map(u32::wrapping_neg),
    }
}

/// `virStrToLong_uip`: unsigned 32-bit, a minus sign refused.
pub(crate) fn to_uip(s: &str, base: u32) -> Option<u32> {
    u32::try_from(to_ullp(s, base)?).ok()
}

/// `virStrToLong_ll` (and `_l`, long being 64 bits): a signed 64-bit number.
pub(crate) fn to_ll(s: &str, base: u32) -> Option<i64> {
    match c_number(s, base)? {
        (false, v) => i64::try_from(v).ok(),
        (true, v) if v <= i64::MAX as u64 + 1 => Some((v as i64).wrapping_neg()),
        (true, _) => None,
    }
}

/// `virStrToLong_ull`: unsigned 64-bit, a negative number taken modulo 2^64 as `strtoull`
/// does.
pub(crate) fn to_ull(s: &str, base: u32) -> Option<u64> {
    match c_number(s, base)? {
        (false, v) => Some(v),
        (true, v) => Some(v.wrapping_neg()),
    }
}

/// `virStrToLong_ullp` (and `_ulp`): unsigned 64-bit, a minus sign refused.
pub(crate) fn to_ullp(s: &str, base: u32) -> Option<u64> {
    match c_number(s, base)? {
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
    let n = to_uip(v, base)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected non-negative integer value")))?;
    if nonzero && n == 0 {
        return Err(zero_not_permitted(el, name));
    }
    Ok(Some(n))
}

/// `virXMLPropUInt` with `VIR_XML_PROP_REQUIRED`.
pub(crate) fn req_uint_attr(el: &Element, name: &str, base: u32) -> Result<u32> {
    required(el, name, uint_attr(el, name, base, false)?)
}

/// `virXMLPropInt`: an optional signed attribute read in `base`.
pub(crate) fn int_attr(el: &Element, name: &str, base: u32) -> Result<Option<i32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    to_i(v, base)
        .map(Some)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected integer value")))
}

/// `virXMLPropInt` with `VIR_XML_PROP_NONNEGATIVE`: a negative number has its own message.
pub(crate) fn nonneg_int_attr(el: &Element, name: &str, base: u32) -> Result<Option<u32>> {
    match int_attr(el, name, base)? {
        None => Ok(None),
        Some(n) => u32::try_from(n).map(Some).map_err(|_| {
            invalid_value(
                el,
                name,
                el.attr(name).unwrap_or_default(),
                Some("Expected non-negative value"),
            )
        }),
    }
}

/// `virXMLPropLongLong`.
pub(crate) fn llong_attr(el: &Element, name: &str, base: u32) -> Result<Option<i64>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    to_ll(v, base)
        .map(Some)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected long long integer value")))
}

/// `virXMLPropULongLong`: an optional unsigned 64-bit attribute read in `base`.
pub(crate) fn ullong_attr(el: &Element, name: &str, base: u32) -> Result<Option<u64>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    to_ullp(v, base)
        .map(Some)
        .ok_or_else(|| invalid_value(el, name, v, Some("Expected non-negative integer value")))
}

/// The attribute `name` of `el`, required (`VIR_XML_PROP_REQUIRED`'s message).
pub(crate) fn required<T>(el: &Element, name: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| {
        xml_error(format!(
            "Missing required attribute '{name}' in element '{}'",
            el.name
        ))
    })
}

/// `VIR_XML_PROP_NONZERO`'s message.
pub(crate) fn zero_not_permitted(el: &Element, name: &str) -> Error {
    xml_error(format!(
        "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
        el.name
    ))
}

/// `virXPathUInt("string(./@name)")` (base 10, `virStrToLong_ui`): `None` when the attribute
/// is absent or empty (XPath `string()` cannot tell them apart), `Some(None)` when malformed.
pub(crate) fn xpath_uint(el: &Element, name: &str) -> Option<Option<u32>> {
    el.attr(name)
        .filter(|v| !v.is_empty())
        .map(|v| to_ui(v, 10))
}

/// `virXPathInt("string(./@name)")` (base 10), with [`xpath_uint`]'s three outcomes.
pub(crate) fn xpath_int(el: &Element, name: &str) -> Option<Option<i32>> {
    el.attr(name).filter(|v| !v.is_empty()).map(|v| to_i(v, 10))
}

/// A number read through XPath `number()`: blanks around, decimal, integral.
pub(crate) fn xpath_number(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let f: f64 = t.parse().ok()?;
    (f.fract() == 0.0 && f.is_finite()).then_some(f as i64)
}

// ---------------------------------------------------------------------------------------
// scaled integers

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

/// `virScaleInteger`: `value` scaled by the unit suffix (by `default_scale` when absent or
/// empty), refusing results above `limit`. Its errors belong to no document, as libvirt's
/// utility code raises them.
pub fn scale_integer(
    value: u64,
    unit: Option<&str>,
    default_scale: u64,
    limit: u64,
) -> Result<u64> {
    let unit = unit.filter(|u| !u.is_empty());
    let scale = match unit {
        None => default_scale,
        Some(u) => unit_scale(u).ok_or_else(|| {
            Error::new(
                ErrorDomain::NONE,
                ErrorCode::INVALID_ARG,
                Some(format!("unknown suffix '{u}'")),
            )
        })?,
    };
    if value != 0 && value > limit / scale {
        return Err(Error::new(
            ErrorDomain::NONE,
            ErrorCode::OVERFLOW,
            Some(format!("value too large: {value}{}", unit.unwrap_or(""))),
        ));
    }
    Ok(value * scale)
}

/// libvirt's `virFormatIntPretty`: a byte count in the largest binary unit that divides
/// it exactly, as `(value, unit)`.
pub fn pretty_size(bytes: u64) -> (u64, &'static str) {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = bytes;
    let mut i = 0;
    while i + 1 < UNITS.len() && v != 0 && v % 1024 == 0 {
        v /= 1024;
        i += 1;
    }
    (v, UNITS[i])
}

/// `virDomainParseScaledValue`: `text` as an unsigned decimal (`virStrToLong_ullp`) scaled
/// by `unit`, with libvirt's message naming the place (`xpath`, e.g. `./memory[1]`).
pub fn parse_scaled(
    text: &str,
    unit: Option<&str>,
    default_scale: u64,
    limit: u64,
    xpath: &str,
) -> Result<u64> {
    let n = to_ullp(text, 10).ok_or_else(|| {
        xml_error(format!(
            "Invalid value '{text}' for element or attribute '{xpath}'"
        ))
    })?;
    scale_integer(n, unit, default_scale, limit)
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
        assert_eq!(to_uip("0x10", 16), Some(16));
        assert_eq!(to_uip("010", 0), Some(8));
        assert_eq!(to_uip("-1", 10), None);
        assert_eq!(to_ui("-1", 10), Some(u32::MAX));
        assert_eq!(to_ui("-5", 10), Some(4294967291));
        assert_eq!(to_ui("4294967296", 10), None);
        assert_eq!(to_ui("1x", 10), None);
        assert_eq!(to_i("-5", 0), Some(-5));
        assert_eq!(to_i("0x", 0), None);
        assert_eq!(to_i("0", 0), Some(0));
        assert_eq!(to_i("2147483648", 10), None);
        assert_eq!(to_ll("-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(to_ll("9223372036854775808", 10), None);
        assert_eq!(to_ullp("18446744073709551615", 10), Some(u64::MAX));
        assert_eq!(to_ullp("-1", 10), None);
        assert_eq!(to_ull("-1", 10), Some(u64::MAX));
        assert_eq!(to_ullp("\u{a0}5", 10), None);
    }

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
    fn pretty_units() {
        assert_eq!(pretty_size(4 << 20), (4, "MiB"));
        assert_eq!(pretty_size(1536 * 1024), (1536, "KiB"));
        assert_eq!(pretty_size(1000), (1000, "B"));
        assert_eq!(pretty_size(0), (0, "B"));
    }

    #[test]
    fn scaled_values_with_libvirt_messages() {
        let e = parse_scaled("99999999999999999", Some("TiB"), 1024, u64::MAX, "./m")
            .expect_err("overflow");
        assert_eq!(
            e.message,
            "numerical overflow: value too large: 99999999999999999TiB"
        );
        assert_eq!(
            parse_scaled(" +2", Some("MiB"), 1024, u64::MAX, "./m").ok(),
            Some(2 << 20)
        );
        assert_eq!(
            parse_scaled("2", Some(""), 1024, u64::MAX, "./m").ok(),
            Some(2048)
        );
        assert_eq!(
            parse_scaled("2x", None, 1024, u64::MAX, "./m")
                .expect_err("bad")
                .message,
            "XML error: Invalid value '2x' for element or attribute './m'"
        );
        assert_eq!(
            scale_integer(1, Some("furlong"), 1, u64::MAX)
                .expect_err("suffix")
                .message,
            "invalid argument: unknown suffix 'furlong'"
        );
    }
}
