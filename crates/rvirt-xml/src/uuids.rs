//! UUIDs as libvirt reads and makes them.

use crate::error::internal;
use rvirt_core::Result;
use uuid::Uuid;

/// The blanks `g_ascii_isspace` accepts around a UUID.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// libvirt's lenient UUID reader (`virUUIDParse`): 32 hex digits in pairs, with `-` or
/// spaces allowed anywhere between pairs and blanks around the whole.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let b = s.as_bytes();
    let mut pos = b.iter().take_while(|c| is_c_space(**c)).count();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        let c = *b.get(pos)?;
        if c == b'-' || c == b' ' {
            pos += 1;
            continue;
        }
        let hi = (c as char).to_digit(16)?;
        let lo = (*b.get(pos + 1)? as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
        i += 1;
        pos += 2;
    }
    b[pos..]
        .iter()
        .all(|c| is_c_space(*c))
        .then(|| Uuid::from_bytes(out))
}

/// A fresh random (version 4) UUID, as libvirt generates missing identifiers.
pub fn random_uuid() -> Result<Uuid> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| internal(format!("cannot generate a random uuid: {e}")))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_lenient_like_libvirt() {
        let want = parse_uuid("b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3");
        assert!(want.is_some());
        assert_eq!(parse_uuid(" b4a117f18af244a491b87f0d2d4d68a3 "), want);
        assert_eq!(parse_uuid("B4A1 17f1-8af244a491b87f0d2d4d68a3\n"), want);
        assert_eq!(parse_uuid("b4a117f1-8af2-44a4-91b8-7f0d2d4d68a"), None);
        assert_eq!(parse_uuid("bad"), None);
        assert_eq!(parse_uuid("b4a117f18af244a491b87f0d2d4d68a3x"), None);
        assert_eq!(parse_uuid("b-4a117f18af244a491b87f0d2d4d68a3"), None);
        assert_eq!(random_uuid().map(|u| u.get_version_num()).ok(), Some(4));
    }
}
