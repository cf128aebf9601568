//! XDR (RFC 4506) as libvirt's protocol uses it: big-endian, everything padded to 4 bytes.
//!
//! Decoding never trusts a length from the wire: a count or size larger than what is left
//! of the packet is an error before anything is allocated, so a hostile 4-byte length
//! cannot make the decoder reserve gigabytes.

use std::fmt;

/// Why bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XdrError {
    /// The data ended before the value did.
    Truncated { needed: usize, left: usize },
    /// A length or count beyond the protocol's limit or the packet's size.
    TooLong {
        what: &'static str,
        len: u64,
        max: u64,
    },
    /// A string that is not UTF-8.
    NotUtf8,
    /// A discriminant or boolean with a value the type does not have.
    BadValue { what: &'static str, value: i64 },
    /// Bytes left over after the last field.
    Trailing(usize),
}

impl fmt::Display for XdrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XdrError::Truncated { needed, left } => {
                write!(
                    f,
                    "message is truncated: needed {needed} more bytes, {left} left"
                )
            }
            XdrError::TooLong { what, len, max } => {
                write!(f, "{what} of length {len} exceeds the limit of {max}")
            }
            XdrError::NotUtf8 => f.write_str("string is not valid UTF-8"),
            XdrError::BadValue { what, value } => write!(f, "invalid value {value} for {what}"),
            XdrError::Trailing(n) => write!(f, "{n} unexpected bytes after the message payload"),
        }
    }
}

impl std::error::Error for XdrError {}

/// libvirt's `REMOTE_STRING_MAX`: the longest string on the wire.
pub const STRING_MAX: usize = 4_194_304;

fn pad(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// An XDR encoder into a growable buffer.
#[derive(Default, Debug)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn with_buf(buf: Vec<u8>) -> Writer {
        Writer { buf }
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn bool(&mut self, v: bool) {
        self.i32(v as i32);
    }

    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Variable-length opaque data or a string: length, bytes, padding.
    pub fn opaque(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.fixed(b);
    }

    /// Fixed-length opaque data: bytes and padding, no length.
    pub fn fixed(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        self.buf.extend(std::iter::repeat_n(0u8, pad(b.len())));
    }

    pub fn string(&mut self, s: &str) {
        self.opaque(s.as_bytes());
    }
}

/// An XDR decoder over a packet's payload.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], XdrError> {
        if n > self.remaining() {
            return Err(XdrError::Truncated {
                needed: n,
                left: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], XdrError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u32(&mut self) -> Result<u32, XdrError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32, XdrError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, XdrError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, XdrError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    pub fn f64(&mut self) -> Result<f64, XdrError> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    pub fn bool(&mut self) -> Result<bool, XdrError> {
        match self.i32()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(XdrError::BadValue {
                what: "boolean",
                value: v.into(),
            }),
        }
    }

    /// Variable-length opaque data of at most `max` bytes.
    pub fn opaque(&mut self, max: usize) -> Result<&'a [u8], XdrError> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(XdrError::TooLong {
                what: "opaque data",
                len: len as u64,
                max: max as u64,
            });
        }
        self.fixed(len)
    }

    /// Fixed-length opaque data (`len` bytes plus padding).
    pub fn fixed(&mut self, len: usize) -> Result<&'a [u8], XdrError> {
        let data = self.take(len)?;
        self.take(pad(len))?;
        Ok(data)
    }

    pub fn string(&mut self) -> Result<String, XdrError> {
        let b = self.opaque(STRING_MAX)?;
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| XdrError::NotUtf8)
    }

    /// A count for a variable array of at most `max` elements, each at least `min_size`
    /// bytes: refused when the packet cannot possibly hold that many.
    pub fn count(&mut self, max: usize, min_size: usize) -> Result<usize, XdrError> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(XdrError::TooLong {
                what: "array",
                len: n as u64,
                max: max as u64,
            });
        }
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(XdrError::Truncated {
                needed: n * min_size.max(1),
                left: self.remaining(),
            });
        }
        Ok(n)
    }

    /// Succeeds when the whole payload was consumed.
    pub fn finish(&self) -> Result<(), XdrError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(XdrError::Trailing(n)),
        }
    }
}

/// A value with an XDR form.
pub trait Xdr: Sized {
    fn encode(&self, w: &mut Writer);
    fn decode(r: &mut Reader<'_>) -> Result<Self, XdrError>;
    /// The fewest bytes an encoded value takes (used to bound array counts).
    const MIN_SIZE: usize = 4;
}

impl Xdr for () {
    fn encode(&self, _w: &mut Writer) {}
    fn decode(_r: &mut Reader<'_>) -> Result<(), XdrError> {
        Ok(())
    }
    const MIN_SIZE: usize = 0;
}

macro_rules! xdr_prim {
    ($($t:ty, $w:ident, $min:expr);*) => {$(
        impl Xdr for $t {
            fn encode(&self, w: &mut Writer) {
                w.$w(*self);
            }
            fn decode(r: &mut Reader<'_>) -> Result<$t, XdrError> {
                r.$w()
            }
            const MIN_SIZE: usize = $min;
        }
    )*};
}
xdr_prim!(u32, u32, 4; i32, i32, 4; u64, u64, 8; i64, i64, 8; bool, bool, 4; f64, f64, 8);

impl Xdr for String {
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<String, XdrError> {
        r.string()
    }
}

/// `T *` in XDR: a 0/1 marker, then the value when present. libvirt's nullable strings and
/// nullable object references.
impl<T: Xdr> Xdr for Option<T> {
    fn encode(&self, w: &mut Writer) {
        match self {
            None => w.u32(0),
            Some(v) => {
                w.u32(1);
                v.encode(w);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Option<T>, XdrError> {
        match r.u32()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(r)?)),
            v => Err(XdrError::BadValue {
                what: "optional marker",
                value: v.into(),
            }),
        }
    }
}

/// `T<>` in XDR: a count, then the elements. The protocol's per-field maximum is checked by
/// the caller; the decoder bounds the count by what the packet can hold.
impl<T: Xdr> Xdr for Vec<T> {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.len() as u32);
        for v in self {
            v.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Vec<T>, XdrError> {
        let n = r.count(usize::MAX, T::MIN_SIZE)?;
        let mut v = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            v.push(T::decode(r)?);
        }
        Ok(v)
    }
}

/// `opaque<>`: raw bytes (cpu maps, stream data, security labels as bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opaque(pub Vec<u8>);

impl Xdr for Opaque {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Opaque, XdrError> {
        Ok(Opaque(r.opaque(usize::MAX)?.to_vec()))
    }
}

/// `remote_uuid`: 16 raw bytes, no length.
impl Xdr for uuid::Uuid {
    fn encode(&self, w: &mut Writer) {
        w.fixed(self.as_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Result<uuid::Uuid, XdrError> {
        let b = r.fixed(16)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        Ok(uuid::Uuid::from_bytes(a))
    }
    const MIN_SIZE: usize = 16;
}

/// `char x[N]` / `char x<N>` as rpcgen encodes it: every char in its own 4-byte int.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CharArray(pub Vec<u8>);

impl CharArray {
    /// Encodes a fixed `char[N]`, padding with NULs.
    pub fn encode_fixed(&self, w: &mut Writer, n: usize) {
        for i in 0..n {
            w.i32(i32::from(*self.0.get(i).unwrap_or(&0) as i8));
        }
    }

    pub fn decode_fixed(r: &mut Reader<'_>, n: usize) -> Result<CharArray, XdrError> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(r.i32()? as u8);
        }
        Ok(CharArray(v))
    }

    /// The text up to the first NUL.
    pub fn to_text(&self) -> String {
        let end = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        String::from_utf8_lossy(&self.0[..end]).into_owned()
    }
}

/// `char x<N>`: count, then each char as a 4-byte int.
impl Xdr for CharArray {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.0.len() as u32);
        for b in &self.0 {
            w.i32(i32::from(*b as i8));
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<CharArray, XdrError> {
        let n = r.count(usize::MAX, 4)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(r.i32()? as u8);
        }
        Ok(CharArray(v))
    }
}

/// Encodes a value into a fresh buffer.
pub fn to_bytes<T: Xdr>(v: &T) -> Vec<u8> {
    let mut w = Writer::new();
    v.encode(&mut w);
    w.buf
}

/// Decodes a whole payload into one value; leftover bytes are an error.
pub fn from_bytes<T: Xdr>(b: &[u8]) -> Result<T, XdrError> {
    let mut r = Reader::new(b);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Declares a struct with an XDR form, fields encoded in declaration order.
#[macro_export]
macro_rules! xdr_struct {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name { $($(#[$fm])* pub $f: $t,)* }

        impl $crate::xdr::Xdr for $name {
            #[allow(unused_variables)]
            fn encode(&self, w: &mut $crate::xdr::Writer) {
                $(self.$f.encode(w);)*
            }
            #[allow(unused_variables)]
            fn decode(r: &mut $crate::xdr::Reader<'_>) -> Result<Self, $crate::xdr::XdrError> {
                Ok($name { $($f: <$t as $crate::xdr::Xdr>::decode(r)?,)* })
            }
            const MIN_SIZE: usize = 0 $(+ <$t as $crate::xdr::Xdr>::MIN_SIZE)*;
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_is_padded_to_four_bytes() {
        assert_eq!(to_bytes(&"abcde".to_string()), b"\0\0\0\x05abcde\0\0\0");
    }

    #[test]
    fn nullable_string_has_a_marker() {
        assert_eq!(
            to_bytes(&Some("a".to_string())),
            b"\0\0\0\x01\0\0\0\x01a\0\0\0"
        );
        assert_eq!(to_bytes(&None::<String>), b"\0\0\0\0");
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let bytes = [0xff, 0xff, 0xff, 0xf0];
        assert!(from_bytes::<Vec<u64>>(&bytes).is_err());
        assert!(from_bytes::<String>(&bytes).is_err());
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        assert_eq!(
            from_bytes::<u32>(&[0, 0, 0, 1, 0]),
            Err(XdrError::Trailing(1))
        );
    }
}
