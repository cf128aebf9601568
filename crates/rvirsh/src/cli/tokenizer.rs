//! Splitting virsh input into tokens.
//!
//! virsh accepts commands in two shapes: a single *command string* (the one non-option
//! argument, or each line typed in the shell), which is split with shell-like quoting rules,
//! and *argv mode* (two or more arguments), where every argument is already one token. The
//! parser does not care which one it reads from, so both implement [`TokenSource`].

/// What the parser gets when it asks for the next token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// One argument, quotes and escapes already removed.
    Arg(String),
    /// `;`, a newline or a comment ended the current command; more may follow.
    CommandEnd,
    /// Nothing left.
    End,
    /// The input is malformed; the text is what virsh reports after `error: `.
    Error(&'static str),
}

/// A supplier of tokens for the command parser.
pub trait TokenSource {
    fn next_token(&mut self) -> Token;
}

/// Tokenizer for one command string.
///
/// Rules (virsh 9.0): blanks (space, tab) and backslash-newline pairs separate tokens; `;`
/// and newline end a command; a token starting with `#` comments out the rest of the line.
/// Inside a token, `'...'` is literal, `"..."` groups but still honours `\`, and `\x` takes
/// `x` literally. An unterminated `"` or a trailing `\` is an error; an unterminated `'` is
/// not.
pub struct StringTokenizer<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> StringTokenizer<'a> {
    pub fn new(input: &'a str) -> StringTokenizer<'a> {
        StringTokenizer {
            input: input.as_bytes(),
            pos: 0,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.input.get(i).copied()
    }
}

impl TokenSource for StringTokenizer<'_> {
    fn next_token(&mut self) -> Token {
        let mut p = self.pos;
        // Leading blanks and line continuations.
        loop {
            match self.at(p) {
                Some(b' ') | Some(b'\t') => p += 1,
                Some(b'\\') if self.at(p + 1) == Some(b'\n') => p += 2,
                _ => break,
            }
        }
        match self.at(p) {
            None => {
                self.pos = p;
                return Token::End;
            }
            Some(b';') | Some(b'\n') => {
                self.pos = p + 1;
                return Token::CommandEnd;
            }
            Some(b'#') => {
                while let Some(c) = self.at(p) {
                    if c == b'\n' {
                        p += 1;
                        break;
                    }
                    p += 1;
                }
                self.pos = p;
                return Token::CommandEnd;
            }
            Some(_) => {}
        }

        let mut out: Vec<u8> = Vec::new();
        let mut single = false;
        let mut double = false;
        while let Some(c) = self.at(p) {
            if !single && !double && matches!(c, b' ' | b'\t' | b';' | b'\n') {
                break;
            }
            if !double && c == b'\'' {
                single = !single;
                p += 1;
                continue;
            }
            if !single && c == b'\\' {
                p += 1;
                match self.at(p) {
                    None => {
                        self.pos = p;
                        return Token::Error("dangling \\");
                    }
                    Some(b'\n') => {
                        p += 1;
                        continue;
                    }
                    Some(n) => {
                        out.push(n);
                        p += 1;
                        continue;
                    }
                }
            }
            if !single && c == b'"' {
                double = !double;
                p += 1;
                continue;
            }
            out.push(c);
            p += 1;
        }
        self.pos = p;
        if double {
            return Token::Error("missing \"");
        }
        // Only ASCII bytes are ever removed, so the rest is still valid UTF-8.
        Token::Arg(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Tokens from argv mode: each argument verbatim, no separators, no comments.
pub struct ArgvTokenizer {
    args: std::vec::IntoIter<String>,
}

impl ArgvTokenizer {
    pub fn new(args: Vec<String>) -> ArgvTokenizer {
        ArgvTokenizer {
            args: args.into_iter(),
        }
    }
}

impl TokenSource for ArgvTokenizer {
    fn next_token(&mut self) -> Token {
        match self.args.next() {
            Some(a) => Token::Arg(a),
            None => Token::End,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(s: &str) -> Vec<Token> {
        let mut t = StringTokenizer::new(s);
        let mut v = Vec::new();
        loop {
            let tok = t.next_token();
            let stop = matches!(tok, Token::End | Token::Error(_));
            v.push(tok);
            if stop {
                return v;
            }
        }
    }

    fn arg(s: &str) -> Token {
        Token::Arg(s.to_string())
    }

    #[test]
    fn splits_on_blanks() {
        assert_eq!(
            all("  list\t--all  "),
            vec![arg("list"), arg("--all"), Token::End]
        );
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            all(r#"echo "a\"b" 'c\d' e\ f"#),
            vec![
                arg("echo"),
                arg("a\"b"),
                arg("c\\d"),
                arg("e f"),
                Token::End
            ]
        );
        assert_eq!(all(r#"a"b c"d"#), vec![arg("ab cd"), Token::End]);
        assert_eq!(all("''"), vec![arg(""), Token::End]);
        assert_eq!(all("'a b"), vec![arg("a b"), Token::End]);
    }

    #[test]
    fn separators_and_comments() {
        assert_eq!(
            all("a;b\nc"),
            vec![
                arg("a"),
                Token::CommandEnd,
                arg("b"),
                Token::CommandEnd,
                arg("c"),
                Token::End
            ]
        );
        assert_eq!(
            all("echo a # c ; echo b"),
            vec![arg("echo"), arg("a"), Token::CommandEnd, Token::End]
        );
        assert_eq!(all("x#y"), vec![arg("x#y"), Token::End]);
        assert_eq!(
            all("# c\nuri"),
            vec![Token::CommandEnd, arg("uri"), Token::End]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            all("echo \"oops"),
            vec![arg("echo"), Token::Error("missing \"")]
        );
        assert_eq!(
            all("list \\"),
            vec![arg("list"), Token::Error("dangling \\")]
        );
    }

    #[test]
    fn continuation() {
        assert_eq!(all("a\\\nb"), vec![arg("ab"), Token::End]);
        assert_eq!(all("\\\n a"), vec![arg("a"), Token::End]);
    }

    #[test]
    fn argv_is_verbatim() {
        let mut t = ArgvTokenizer::new(vec!["a;b".into(), "#x".into()]);
        assert_eq!(t.next_token(), arg("a;b"));
        assert_eq!(t.next_token(), arg("#x"));
        assert_eq!(t.next_token(), Token::End);
    }

    proptest! {
        #[test]
        fn never_panics_and_always_ends(s in any::<String>()) {
            let mut t = StringTokenizer::new(&s);
            // Every call consumes input or ends, so this terminates.
            for _ in 0..=s.len() + 1 {
                match t.next_token() {
                    Token::End | Token::Error(_) => return Ok(()),
                    _ => {}
                }
            }
            prop_assert!(false, "tokenizer did not end");
        }
    }
}
