//! yajl's lexer: tokens, and where in the text each error is reported (some errors point
//! at the offending byte, others just past it, exactly as yajl's offsets do).

/// A token kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Eof,
    LeftBrace,    // {
    RightBrace,   // }
    LeftBracket,  // [
    RightBracket, // ]
    Comma,
    Colon,
    True,
    False,
    Null,
    /// A string; `escapes` says whether it needs decoding.
    Str {
        escapes: bool,
    },
    Number,
    Error(LexError),
}

/// yajl's lexical errors, with its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexError {
    InvalidUtf8,
    InvalidEscapedChar,
    InvalidJsonChar,
    InvalidHexChar,
    InvalidChar,
    InvalidString,
    MissingExponent,
    MissingFraction,
    MissingIntegerAfterMinus,
    UnallowedComment,
}

impl LexError {
    pub fn text(self) -> &'static str {
        match self {
            LexError::InvalidUtf8 => "invalid bytes in UTF8 string.",
            LexError::InvalidEscapedChar => {
                "inside a string, '\\' occurs before a character which it may not."
            }
            LexError::InvalidJsonChar => "invalid character inside string.",
            LexError::InvalidHexChar => {
                "invalid (non-hex) character occurs after '\\u' inside string."
            }
            LexError::InvalidChar => "invalid char in json text.",
            LexError::InvalidString => "invalid string in json text.",
            LexError::MissingExponent => {
                "malformed number, a digit is required after the exponent."
            }
            LexError::MissingFraction => {
                "malformed number, a digit is required after the decimal point."
            }
            LexError::MissingIntegerAfterMinus => {
                "malformed number, a digit is required after the minus sign."
            }
            LexError::UnallowedComment => {
                "probable comment found in input text, comments are not enabled."
            }
        }
    }
}

/// A lexer over one buffer. `pos` is the read position; a token is `buf[start..pos]`.
/// [`Tok::Eof`] in the middle of a token means the token continues past the buffer (yajl
/// keeps such a tail for the next chunk).
pub struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    pub start: usize,
    /// The last token ran into the end of the buffer (it starts at `start`).
    pub cut: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8]) -> Lexer<'a> {
        Lexer {
            buf,
            pos: 0,
            start: 0,
            cut: false,
        }
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.buf.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// The next token; `start` is left at its first byte.
    pub fn lex(&mut self) -> Tok {
        let t = self.token();
        self.cut = t == Tok::Eof && self.start < self.buf.len();
        t
    }

    fn token(&mut self) -> Tok {
        loop {
            self.start = self.pos;
            let Some(c) = self.next() else {
                return Tok::Eof;
            };
            return match c {
                b'{' => Tok::LeftBrace,
                b'}' => Tok::RightBrace,
                b'[' => Tok::LeftBracket,
                b']' => Tok::RightBracket,
                b',' => Tok::Comma,
                b':' => Tok::Colon,
                b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => continue,
                b't' => self.word(b"rue", Tok::True),
                b'f' => self.word(b"alse", Tok::False),
                b'n' => self.word(b"ull", Tok::Null),
                b'"' => self.string(),
                b'-' | b'0'..=b'9' => {
                    self.unread();
                    self.number()
                }
                b'/' => {
                    self.unread();
                    Tok::Error(LexError::UnallowedComment)
                }
                _ => Tok::Error(LexError::InvalidChar),
            };
        }
    }

    /// The rest of a keyword; a wrong byte is left unread.
    fn word(&mut self, rest: &[u8], tok: Tok) -> Tok {
        for want in rest {
            let Some(c) = self.next() else {
                return Tok::Eof;
            };
            if c != *want {
                self.unread();
                return Tok::Error(LexError::InvalidString);
            }
        }
        tok
    }

    fn string(&mut self) -> Tok {
        let mut escapes = false;
        loop {
            let Some(c) = self.next() else {
                return Tok::Eof;
            };
            match c {
                b'"' => return Tok::Str { escapes },
                b'\\' => {
                    escapes = true;
                    let Some(e) = self.next() else {
                        return Tok::Eof;
                    };
                    match e {
                        b'u' => {
                            for _ in 0..4 {
                                let Some(h) = self.next() else {
                                    return Tok::Eof;
                                };
                                if !h.is_ascii_hexdigit() {
                                    self.unread();
                                    return Tok::Error(LexError::InvalidHexChar);
                                }
                            }
                        }
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        _ => {
                            self.unread();
                            return Tok::Error(LexError::InvalidEscapedChar);
                        }
                    }
                }
                0..=0x1f => {
                    self.unread();
                    return Tok::Error(LexError::InvalidJsonChar);
                }
                0x80..=0xff => {
                    if let Some(t) = self.utf8_tail(c) {
                        return t;
                    }
                }
                _ => {}
            }
        }
    }

    /// Checks the continuation bytes of a multi-byte UTF-8 character; `Some` ends the
    /// string token (with an error, or at the end of the buffer).
    fn utf8_tail(&mut self, lead: u8) -> Option<Tok> {
        let more = match lead {
            0xc0..=0xdf => 1,
            0xe0..=0xef => 2,
            0xf0..=0xf7 => 3,
            _ => return Some(Tok::Error(LexError::InvalidUtf8)),
        };
        for _ in 0..more {
            let Some(c) = self.next() else {
                return Some(Tok::Eof);
            };
            if c >> 6 != 2 {
                return Some(Tok::Error(LexError::InvalidUtf8));
            }
        }
        None
    }

    fn number(&mut self) -> Tok {
        macro_rules! next_or_eof {
            () => {
                match self.next() {
                    Some(c) => c,
                    None => return Tok::Eof,
                }
            };
        }
        let mut c = next_or_eof!();
        if c == b'-' {
            c = next_or_eof!();
        }
        if c == b'0' {
            c = next_or_eof!();
        } else if c.is_ascii_digit() {
            while c.is_ascii_digit() {
                c = next_or_eof!();
            }
        } else {
            self.unread();
            return Tok::Error(LexError::MissingIntegerAfterMinus);
        }
        if c == b'.' {
            c = next_or_eof!();
            if !c.is_ascii_digit() {
                self.unread();
                return Tok::Error(LexError::MissingFraction);
            }
            while c.is_ascii_digit() {
                c = next_or_eof!();
            }
        }
        if c == b'e' || c == b'E' {
            c = next_or_eof!();
            if c == b'+' || c == b'-' {
                c = next_or_eof!();
            }
            if !c.is_ascii_digit() {
                self.unread();
                return Tok::Error(LexError::MissingExponent);
            }
            while c.is_ascii_digit() {
                c = next_or_eof!();
            }
        }
        self.unread();
        Tok::Number
    }
}

/// Decodes a string token's body (without quotes) as yajl does: a high surrogate without a
/// following `\u` becomes `?`, a pair is combined without checking its second half, and
/// `\u0000` ends the string (libvirt copies it as a C string).
pub fn decode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = body.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let simple = match e {
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => Some(other),
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let mut cp = hex4(body, i);
        i += 4;
        if cp & 0xfc00 == 0xd800 {
            if body.get(i) == Some(&b'\\') && body.get(i + 1) == Some(&b'u') {
                let low = hex4(body, i + 2);
                cp = ((cp & 0x3f) << 10) | ((((cp >> 6) & 0xf) + 1) << 16) | (low & 0x3ff);
                i += 6;
            } else {
                out.push(b'?');
                continue;
            }
        }
        if cp == 0 {
            break;
        }
        utf8(cp, &mut out);
    }
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    out
}

fn hex4(b: &[u8], at: usize) -> u32 {
    (0..4).fold(0, |acc, k| {
        let d = b
            .get(at + k)
            .and_then(|c| (*c as char).to_digit(16))
            .unwrap_or(0);
        acc * 16 + d
    })
}

/// UTF-8 as yajl writes it: any value below 0x200000, surrogates included; larger ones
/// become `?`.
fn utf8(cp: u32, out: &mut Vec<u8>) {
    match cp {
        0..=0x7f => out.push(cp as u8),
        0x80..=0x7ff => out.extend([0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]),
        0x800..=0xffff => out.extend([
            0xe0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        0x10000..=0x1fffff => out.extend([
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]),
        _ => out.push(b'?'),
    }
}
