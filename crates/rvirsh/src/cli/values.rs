//! Reading option values inside command handlers, with virsh's validation messages.
//!
//! Each reader prints its own `error:` line when a value is unusable and returns `Err(())`;
//! the handler then just fails. Numbers follow C `strtol`-style rules: optional leading
//! blanks and sign, decimal digits, and nothing after them.

use crate::cli::defs::{OptKind, EMPTY_OK};
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::pretty::scale_integer;

impl Cmd {
    /// Whether the option was given at all.
    pub fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|o| o.def.name == name)
    }

    /// Presence of a boolean option.
    pub fn flag(&self, name: &str) -> bool {
        self.has(name)
    }

    /// The raw value of an option, if present.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.opts
            .iter()
            .find(|o| o.def.name == name)
            .and_then(|o| o.value.as_deref())
    }

    /// All values of an argv option, in order.
    pub fn argv(&self, name: &str) -> Vec<&str> {
        self.opts
            .iter()
            .filter(|o| o.def.name == name && o.def.kind == OptKind::Argv)
            .filter_map(|o| o.value.as_deref())
            .collect()
    }

    /// A string option; an empty value is an error unless the option accepts it.
    pub fn string(&self, ctl: &mut Ctl, name: &str) -> Result<Option<&str>, ()> {
        let Some(o) = self.opts.iter().find(|o| o.def.name == name) else {
            return Ok(None);
        };
        let v = o.value.as_deref().unwrap_or("");
        if v.is_empty() && o.def.flags & EMPTY_OK == 0 {
            ctl.error(&format!(
                "Failed to get option '{name}': Option argument is empty"
            ));
            return Err(());
        }
        Ok(Some(v))
    }

    /// A string option that must be present (the parser already enforced presence).
    pub fn string_req(&self, ctl: &mut Ctl, name: &str) -> Result<&str, ()> {
        match self.string(ctl, name)? {
            Some(v) => Ok(v),
            None => {
                ctl.error(&format!("Mandatory option not present: {name}"));
                Err(())
            }
        }
    }

    /// Like [`Cmd::string`] but an empty value silently counts as absent.
    pub fn string_quiet(&self, name: &str) -> Option<&str> {
        let o = self.opts.iter().find(|o| o.def.name == name)?;
        let v = o.value.as_deref().unwrap_or("");
        if v.is_empty() && o.def.flags & EMPTY_OK == 0 {
            return None;
        }
        Some(v)
    }

    fn numeric<T>(
        &self,
        ctl: &mut Ctl,
        name: &str,
        conv: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ()> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        match conv(v) {
            Some(n) => Ok(Some(n)),
            None => {
                ctl.error(&format!(
                    "Numeric value '{v}' for <{name}> option is malformed or out of range"
                ));
                Err(())
            }
        }
    }

    /// A signed 32-bit integer, read as `strtol` reads it.
    pub fn int(&self, ctl: &mut Ctl, name: &str) -> Result<Option<i32>, ()> {
        self.numeric(ctl, name, |s| {
            parse_c_long(s).and_then(|v| i32::try_from(v).ok())
        })
    }

    /// An unsigned 32-bit integer; negative numbers are rejected.
    pub fn uint(&self, ctl: &mut Ctl, name: &str) -> Result<Option<u32>, ()> {
        self.numeric(ctl, name, |s| {
            parse_c_unsigned(s, false).and_then(|v| u32::try_from(v).ok())
        })
    }

    /// An unsigned 64-bit integer; negative numbers are rejected.
    pub fn ulonglong(&self, ctl: &mut Ctl, name: &str) -> Result<Option<u64>, ()> {
        self.numeric(ctl, name, |s| parse_c_unsigned(s, false))
    }

    /// An unsigned 64-bit integer where a negative number wraps around as in C (`-1` is
    /// the largest value).
    pub fn ulonglong_wrap(&self, ctl: &mut Ctl, name: &str) -> Result<Option<u64>, ()> {
        self.numeric(ctl, name, |s| parse_c_unsigned(s, true))
    }

    /// A size with an optional unit suffix; `scale` applies when no suffix is given.
    pub fn scaled(
        &self,
        ctl: &mut Ctl,
        name: &str,
        scale: u64,
        max: u64,
    ) -> Result<Option<u64>, ()> {
        let Some(v) = self.raw(name) else {
            return Ok(None);
        };
        let v = v.to_string();
        let bad = |ctl: &mut Ctl| {
            ctl.error(&format!(
                "Scaled numeric value '{v}' for <{name}> option is malformed or out of range"
            ));
        };
        let Some((n, rest)) = split_c_unsigned(&v, false) else {
            bad(ctl);
            return Err(());
        };
        match scale_integer(n, rest, scale, max) {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                bad(ctl);
                ctl.set_error(e);
                Err(())
            }
        }
    }
}

/// Skips the blanks `strtol` skips.
fn skip_space(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
}

/// `strtol(s, &end, 10)` that must consume the whole string.
pub fn parse_c_long(s: &str) -> Option<i64> {
    let t = skip_space(s);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mag: i128 = digits.parse().ok()?;
    let v = if neg { -mag } else { mag };
    i64::try_from(v).ok()
}

/// Splits `s` into the unsigned number at its start and the rest, like `strtoull` with an
/// end pointer. With `allow_negative` false a minus sign makes the number invalid (libvirt's
/// "positive" parsers); with it true negatives wrap as in C.
pub fn split_c_unsigned(s: &str, allow_negative: bool) -> Option<(u64, &str)> {
    let t = skip_space(s);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = body.bytes().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    if neg && !allow_negative {
        return None;
    }
    let mag: u64 = body[..n].parse().ok()?;
    let v = if neg { mag.wrapping_neg() } else { mag };
    Some((v, &body[n..]))
}

/// `strtoull` that must consume the whole string.
pub fn parse_c_unsigned(s: &str, allow_negative: bool) -> Option<u64> {
    match split_c_unsigned(s, allow_negative) {
        Some((v, "")) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_numbers() {
        assert_eq!(parse_c_long(" 42"), Some(42));
        assert_eq!(parse_c_long("-1"), Some(-1));
        assert_eq!(parse_c_long("1x"), None);
        assert_eq!(parse_c_long(""), None);
        assert_eq!(parse_c_long("-"), None);
        assert_eq!(parse_c_unsigned("-1", false), None);
        assert_eq!(parse_c_unsigned("-1", true), Some(u64::MAX));
        assert_eq!(parse_c_unsigned("18446744073709551616", false), None);
        assert_eq!(split_c_unsigned("10KiB", false), Some((10, "KiB")));
        assert_eq!(split_c_unsigned("lots", false), None);
    }
}
