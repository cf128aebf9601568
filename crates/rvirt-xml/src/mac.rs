//! Ethernet MAC addresses as libvirt reads, checks, prints and generates them.
//!
//! Interfaces, networks and node devices all carry MACs; keeping the type here lets every
//! model share one parser with libvirt's exact acceptance rules and error texts.

use crate::error::{internal, xml_error};
use rvirt_core::Result;
use std::fmt;
use std::str::FromStr;

/// A 6-byte MAC address. Printed as lowercase, zero-padded, colon-separated hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

/// The prefix QEMU (and libvirt's drivers by default) use for generated addresses.
pub const QEMU_PREFIX: [u8; 3] = [0x52, 0x54, 0x00];

impl MacAddr {
    /// Parses the way libvirt does: six groups of one or two hex digits separated by `:`.
    /// Anything after the sixth group is ignored as long as it starts with a control
    /// character or a space (libvirt stops reading there), so `"52:54:00:00:00:01 x"` is
    /// accepted. `None` when the text is not a MAC.
    pub fn parse(s: &str) -> Option<MacAddr> {
        let b = s.as_bytes();
        let mut pos = 0;
        let mut out = [0u8; 6];
        for (i, slot) in out.iter_mut().enumerate() {
            let start = pos;
            while pos < b.len() && pos - start < 3 && b[pos].is_ascii_hexdigit() {
                pos += 1;
            }
            let len = pos - start;
            if len == 0 || len > 2 {
                return None;
            }
            // Both digits are ASCII hex, so the slice is valid UTF-8 and in range.
            *slot = u8::from_str_radix(&s[start..pos], 16).ok()?;
            if i == 5 {
                return match b.get(pos) {
                    None => Some(MacAddr(out)),
                    Some(&c) if c <= b' ' => Some(MacAddr(out)),
                    Some(_) => None,
                };
            }
            if b.get(pos) != Some(&b':') {
                return None;
            }
            pos += 1;
        }
        None
    }

    /// Parses an interface's `<mac address=...>` with libvirt's error texts: unparsable
    /// text and multicast addresses are both XML errors naming the text as written.
    pub fn parse_unicast(s: &str) -> Result<MacAddr> {
        let mac = MacAddr::parse(s)
            .ok_or_else(|| xml_error(format!("unable to parse mac address '{s}'")))?;
        if mac.is_multicast() {
            return Err(xml_error(format!(
                "expected unicast mac address, found multicast '{s}'"
            )));
        }
        Ok(mac)
    }

    /// True when the group bit (lowest bit of the first octet) is set.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }

    /// True for `00:00:00:00:00:00`.
    pub fn is_all_clear(&self) -> bool {
        self.0 == [0; 6]
    }

    /// A fresh address with the given 3-byte vendor prefix and random low half, as
    /// libvirt generates one for an interface defined without `<mac>`.
    pub fn random_with_prefix(prefix: [u8; 3]) -> Result<MacAddr> {
        let mut low = [0u8; 3];
        getrandom::getrandom(&mut low)
            .map_err(|e| internal(format!("cannot generate a random mac address: {e}")))?;
        Ok(MacAddr([
            prefix[0], prefix[1], prefix[2], low[0], low[1], low[2],
        ]))
    }

    /// A fresh `52:54:00:xx:xx:xx` address.
    pub fn random_qemu() -> Result<MacAddr> {
        MacAddr::random_with_prefix(QEMU_PREFIX)
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// The error of [`MacAddr::from_str`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacParseError(pub String);

impl fmt::Display for MacParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unable to parse mac address '{}'", self.0)
    }
}

impl std::error::Error for MacParseError {}

impl FromStr for MacAddr {
    type Err = MacParseError;
    fn from_str(s: &str) -> std::result::Result<MacAddr, MacParseError> {
        MacAddr::parse(s).ok_or_else(|| MacParseError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_libvirt_forms_and_prints_canonically() {
        let m = MacAddr::parse("52:54:00:0A:b:1").expect("valid");
        assert_eq!(m.to_string(), "52:54:00:0a:0b:01");
        assert!(MacAddr::parse("52:54:00:00:00:01 trailing").is_some());
        assert!(MacAddr::parse("52:54:00:00:00:01\t").is_some());
    }

    #[test]
    fn parse_rejects_malformed() {
        for bad in [
            "",
            "zz",
            "52:54:00:00:00",
            "52:54:00:00:00:01:02",
            "52:54:00:00:00:001",
            "52-54-00-00-00-01",
            " 52:54:00:00:00:01",
            "+2:54:00:00:00:01",
            "0x52:54:00:00:00:01",
            "52:54:00:00:00:01x",
            "52::00:00:00:01",
        ] {
            assert!(MacAddr::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unicast_errors_match_libvirt() {
        let e = MacAddr::parse_unicast("zz").expect_err("bad");
        assert_eq!(e.message, "XML error: unable to parse mac address 'zz'");
        let e = MacAddr::parse_unicast("1:2:3:4:5:6").expect_err("multicast");
        assert_eq!(
            e.message,
            "XML error: expected unicast mac address, found multicast '1:2:3:4:5:6'"
        );
        assert!(MacAddr::parse_unicast("00:00:00:00:00:00").is_ok());
    }

    #[test]
    fn random_qemu_has_prefix_and_is_unicast() {
        let m = MacAddr::random_qemu().expect("random");
        assert_eq!(&m.0[..3], &QEMU_PREFIX);
        assert!(!m.is_multicast());
        assert!(m.to_string().starts_with("52:54:00:"));
    }
}
