//! Splitting an XPath 1.0 expression into tokens, including the spec's rule that decides
//! whether `*` and the names `and`, `or`, `div`, `mod` are operators.

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Slash,
    DSlash,
    LBracket,
    RBracket,
    LParen,
    RParen,
    At,
    Comma,
    DColon,
    Dot,
    DDot,
    Pipe,
    Plus,
    Minus,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Star,
    /// `*` used as multiplication.
    Mul,
    /// `and`, `or`, `div`, `mod` in operator position.
    OpName(String),
    Name(String),
    Literal(String),
    Number(f64),
    Dollar,
}

/// A syntax error at a byte offset of the expression.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) pos: usize,
    pub(super) message: &'static str,
}

/// Tokens with their byte offsets.
pub(super) type Tokens = Vec<(Tok, usize)>;

pub(super) const INVALID: &str = "Invalid expression";

/// The tokens, or those before a bad one and its error.
pub(super) fn lex(s: &str) -> Result<Tokens, (Tokens, SyntaxError)> {
    let b = s.as_bytes();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let start = i;
        // Whether the previous token allows an operator here (XPath 1.0 §3.7).
        let operator_pos = match out.last() {
            None => false,
            Some((t, _)) => !matches!(
                t,
                Tok::At
                    | Tok::DColon
                    | Tok::LParen
                    | Tok::LBracket
                    | Tok::Comma
                    | Tok::Slash
                    | Tok::DSlash
                    | Tok::Pipe
                    | Tok::Plus
                    | Tok::Minus
                    | Tok::Eq
                    | Tok::Ne
                    | Tok::Lt
                    | Tok::Le
                    | Tok::Gt
                    | Tok::Ge
                    | Tok::Mul
                    | Tok::OpName(_)
                    | Tok::Dollar
            ),
        };
        let two = |t: &[u8]| b[i..].starts_with(t);
        let tok = if two(b"//") {
            i += 2;
            Tok::DSlash
        } else if two(b"::") {
            i += 2;
            Tok::DColon
        } else if two(b"..") {
            i += 2;
            Tok::DDot
        } else if two(b"!=") {
            i += 2;
            Tok::Ne
        } else if two(b"<=") {
            i += 2;
            Tok::Le
        } else if two(b">=") {
            i += 2;
            Tok::Ge
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let (n, len) = number(&s[i..]);
            i += len;
            Tok::Number(n)
        } else if c == b'"' || c == b'\'' {
            match s[i + 1..].find(c as char) {
                Some(end) => {
                    let lit = s[i + 1..i + 1 + end].to_string();
                    i += end + 2;
                    Tok::Literal(lit)
                }
                None => {
                    return Err((
                        out,
                        SyntaxError {
                            pos: s.len(),
                            message: "Unfinished literal",
                        },
                    ))
                }
            }
        } else if is_name_start(s, i) {
            let len = name_len(s, i);
            let mut name = s[i..i + len].to_string();
            i += len;
            // QName or `prefix:*`.
            if b.get(i) == Some(&b':') && b.get(i + 1) != Some(&b':') {
                if is_name_start(s, i + 1) {
                    let l2 = name_len(s, i + 1);
                    name.push_str(&s[i..i + 1 + l2]);
                    i += 1 + l2;
                } else if b.get(i + 1) == Some(&b'*') {
                    name.push_str(":*");
                    i += 2;
                }
            }
            if operator_pos && matches!(name.as_str(), "and" | "or" | "div" | "mod") {
                Tok::OpName(name)
            } else {
                Tok::Name(name)
            }
        } else {
            i += 1;
            match c {
                b'/' => Tok::Slash,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'@' => Tok::At,
                b',' => Tok::Comma,
                b'.' => Tok::Dot,
                b'|' => Tok::Pipe,
                b'+' => Tok::Plus,
                b'-' => Tok::Minus,
                b'=' => Tok::Eq,
                b'<' => Tok::Lt,
                b'>' => Tok::Gt,
                b'$' => Tok::Dollar,
                b'*' if operator_pos => Tok::Mul,
                b'*' => Tok::Star,
                _ => {
                    return Err((
                        out,
                        SyntaxError {
                            pos: start,
                            message: INVALID,
                        },
                    ))
                }
            }
        };
        out.push((tok, start));
    }
    Ok(out)
}

fn is_name_start(s: &str, i: usize) -> bool {
    s[i..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn name_len(s: &str, i: usize) -> usize {
    s[i..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map(|(n, _)| n)
        .unwrap_or(s.len() - i)
}

fn number(s: &str) -> (f64, usize) {
    let len = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map(|(n, _)| n)
        .unwrap_or(s.len());
    (s[..len].parse().unwrap_or(f64::NAN), len)
}
