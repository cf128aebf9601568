//! yajl's parser states and libvirt's tree building, with yajl's error report.
//!
//! libvirt hands yajl the whole text and then finishes the parse, which yajl does by
//! parsing one more chunk, a single space; errors found then carry offsets into that
//! chunk (so "premature EOF" always points at offset 1). Both steps are modelled.

use super::lex::{decode, LexError, Lexer, Tok};
use super::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    ParseComplete,
    ParseError,
    LexicalError,
    MapStart,
    MapSep,
    MapNeedVal,
    MapGotVal,
    MapNeedKey,
    ArrayStart,
    ArrayGotVal,
    ArrayNeedVal,
}

/// A container being filled, with the key its next value goes under.
enum Frame {
    Object(Vec<(Vec<u8>, Value)>, Option<Vec<u8>>),
    Array(Vec<Value>),
}

struct Parser {
    states: Vec<State>,
    frames: Vec<Frame>,
    root: Option<Value>,
    parse_error: &'static str,
    lex_error: Option<LexError>,
    /// Where the error is reported, in bytes of the chunk being parsed.
    offset: usize,
}

/// Why a value could not be added (libvirt refuses a key already in its object).
struct Cancelled;

impl Parser {
    fn state(&self) -> State {
        self.states.last().copied().unwrap_or(State::ParseError)
    }

    fn set(&mut self, s: State) {
        if let Some(top) = self.states.last_mut() {
            *top = s;
        }
    }

    /// Adds a finished value to its container (or makes it the document).
    fn insert(&mut self, v: Value) -> Result<(), Cancelled> {
        match self.frames.last_mut() {
            None => self.root = Some(v),
            Some(Frame::Array(a)) => a.push(v),
            Some(Frame::Object(m, key)) => {
                let k = key.take().unwrap_or_default();
                m.push((k, v));
            }
        }
        Ok(())
    }

    /// libvirt's check when a value arrives for a key: the key must be new.
    fn key_is_free(&self) -> Result<(), Cancelled> {
        if let Some(Frame::Object(m, Some(k))) = self.frames.last() {
            if m.iter().any(|(have, _)| have == k) {
                return Err(Cancelled);
            }
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), Cancelled> {
        let v = match self.frames.pop() {
            Some(Frame::Object(m, _)) => Value::Object(m),
            Some(Frame::Array(a)) => Value::Array(a),
            None => return Ok(()),
        };
        self.insert(v)
    }

    fn fail(&mut self, msg: &'static str) {
        self.set(State::ParseError);
        self.parse_error = msg;
    }

    fn lexical(&mut self, e: LexError) {
        self.set(State::LexicalError);
        self.lex_error = Some(e);
    }

    /// Parses one chunk; `base` bytes at its start are a token carried over from the last
    /// chunk and do not count in offsets. Returns false on an error.
    fn chunk(&mut self, lx: &mut Lexer, base: usize) -> bool {
        let off = |lx: &Lexer| lx.pos.saturating_sub(base);
        loop {
            let state = self.state();
            match state {
                State::ParseError | State::LexicalError => return false,
                State::ParseComplete => {
                    if lx.pos == lx.buf.len() {
                        return true;
                    }
                    let t = lx.lex();
                    self.offset = off(lx);
                    if t != Tok::Eof {
                        self.fail("trailing garbage");
                    } else if lx.start < lx.buf.len() {
                        return true;
                    }
                }
                State::Start | State::MapNeedVal | State::ArrayNeedVal | State::ArrayStart => {
                    let t = lx.lex();
                    self.offset = off(lx);
                    if !self.value(state, t, lx) {
                        if t == Tok::Eof {
                            return true;
                        }
                        continue;
                    }
                }
                State::MapStart | State::MapNeedKey => {
                    let t = lx.lex();
                    self.offset = off(lx);
                    match t {
                        Tok::Eof => return true,
                        Tok::Error(e) => self.lexical(e),
                        Tok::Str { escapes } => {
                            let body = &lx.buf[lx.start + 1..lx.pos - 1];
                            let key = if escapes { decode(body) } else { body.to_vec() };
                            if let Some(Frame::Object(_, k)) = self.frames.last_mut() {
                                *k = Some(key);
                            }
                            self.set(State::MapSep);
                        }
                        Tok::RightBrace if state == State::MapStart => self.end_container(),
                        _ => self.fail("invalid object key (must be a string)"),
                    }
                }
                State::MapSep => {
                    let t = lx.lex();
                    self.offset = off(lx);
                    match t {
                        Tok::Colon => self.set(State::MapNeedVal),
                        Tok::Eof => return true,
                        Tok::Error(e) => self.lexical(e),
                        _ => self.fail("object key and value must be separated by a colon (':')"),
                    }
                }
                State::MapGotVal => {
                    let t = lx.lex();
                    self.offset = off(lx);
                    match t {
                        Tok::RightBrace => self.end_container(),
                        Tok::Comma => self.set(State::MapNeedKey),
                        Tok::Eof => return true,
                        Tok::Error(e) => self.lexical(e),
                        _ => {
                            self.fail("after key and value, inside map, I expect ',' or '}'");
                            // yajl moves the offset back to the start of the token.
                            self.offset = self.offset.saturating_sub(lx.pos - lx.start);
                        }
                    }
                }
                State::ArrayGotVal => {
                    let t = lx.lex();
                    self.offset = off(lx);
                    match t {
                        Tok::RightBracket => self.end_container(),
                        Tok::Comma => self.set(State::ArrayNeedVal),
                        Tok::Eof => return true,
                        Tok::Error(e) => self.lexical(e),
                        _ => self.fail("after array element, I expect ',' or ']'"),
                    }
                }
            }
        }
    }

    /// Handles a token where a value is expected; false when no value was taken (the
    /// end of the chunk, or an error now recorded in the state).
    fn value(&mut self, state: State, t: Tok, lx: &Lexer) -> bool {
        let scalar = match t {
            Tok::Eof => return false,
            Tok::Error(e) => {
                self.lexical(e);
                return false;
            }
            Tok::Str { escapes } => {
                let body = &lx.buf[lx.start + 1..lx.pos - 1];
                Some(Value::String(if escapes {
                    decode(body)
                } else {
                    body.to_vec()
                }))
            }
            Tok::True => Some(Value::Bool(true)),
            Tok::False => Some(Value::Bool(false)),
            Tok::Null => Some(Value::Null),
            Tok::Number => Some(Value::Number(
                String::from_utf8_lossy(&lx.buf[lx.start..lx.pos]).into_owned(),
            )),
            Tok::LeftBrace | Tok::LeftBracket => None,
            Tok::RightBracket if state == State::ArrayStart => {
                self.end_container();
                return false;
            }
            _ => {
                self.fail("unallowed token at this point in JSON text");
                return false;
            }
        };
        if self.key_is_free().is_err() {
            self.fail("client cancelled parse via callback return value");
            return false;
        }
        let push = match scalar {
            Some(v) => {
                if self.insert(v).is_err() {
                    self.fail("client cancelled parse via callback return value");
                    return false;
                }
                None
            }
            None if t == Tok::LeftBrace => {
                self.frames.push(Frame::Object(Vec::new(), None));
                Some(State::MapStart)
            }
            None => {
                self.frames.push(Frame::Array(Vec::new()));
                Some(State::ArrayStart)
            }
        };
        let next = match state {
            State::Start => State::ParseComplete,
            State::MapNeedVal => State::MapGotVal,
            _ => State::ArrayGotVal,
        };
        self.set(next);
        if let Some(s) = push {
            self.states.push(s);
        }
        true
    }

    fn end_container(&mut self) {
        if self.close().is_err() {
            self.fail("client cancelled parse via callback return value");
            return;
        }
        self.states.pop();
    }

    /// yajl's verbose report: the error, then up to 30 bytes either side of the offset
    /// placed so the offset falls under the arrow at column 41.
    fn report(&self, text: &[u8]) -> String {
        let mut out = match self.state() {
            State::ParseError => format!("parse error: {}\n", self.parse_error),
            State::LexicalError => format!(
                "lexical error: {}\n",
                self.lex_error.map(LexError::text).unwrap_or("")
            ),
            _ => "unknown error\n".to_string(),
        };
        let o = self.offset;
        let spaces = if o < 30 { 40 - o } else { 10 };
        let start = o.saturating_sub(30);
        let end = (o + 30).min(text.len());
        let mut line = vec![b' '; spaces];
        line.extend(text.get(start..end).unwrap_or(&[]).iter().map(|&c| {
            if c == b'\n' || c == b'\r' {
                b' '
            } else {
                c
            }
        }));
        out.push_str(&String::from_utf8_lossy(&line));
        out.push('\n');
        out.push_str("                     (right here) ------^\n");
        out
    }
}

/// Parses a document as libvirt's `virJSONValueFromString`: the value, or libvirt's
/// message (`cannot parse json TEXT: ...`, with yajl's report).
pub fn parse(text: &str) -> Result<Value, String> {
    let bytes = text.as_bytes();
    let mut p = Parser {
        states: vec![State::Start],
        frames: Vec::new(),
        root: None,
        parse_error: "",
        lex_error: None,
        offset: 0,
    };
    let mut lx = Lexer::new(bytes);
    let mut ok = p.chunk(&mut lx, 0);
    if ok {
        // The finishing chunk: whatever token was cut off at the end, then one space.
        let pending = match lx.cut {
            true => bytes.get(lx.start..).unwrap_or(&[]),
            false => &[][..],
        };
        let mut buf = pending.to_vec();
        buf.push(b' ');
        let mut lx2 = Lexer::new(&buf);
        ok = p.chunk(&mut lx2, pending.len());
        if ok && p.state() != State::ParseComplete {
            p.fail("premature EOF");
            p.offset = lx2.pos.saturating_sub(pending.len());
            ok = false;
        }
    }
    match (ok, p.root.take()) {
        (true, Some(v)) => Ok(v),
        _ => Err(format!("cannot parse json {text}: {}", p.report(bytes))),
    }
}
