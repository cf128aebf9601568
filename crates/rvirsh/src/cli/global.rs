//! virsh's own command-line options (before the command), parsed the way GNU
//! `getopt_long` does with virsh's option string: options stop at the first non-option
//! argument or `--`, short options may be clustered (`-qr`) and take their value glued
//! (`-ctest:///default`) or as the next argument, and long options may be abbreviated to
//! any unambiguous prefix.

/// One recognised option occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalOpt {
    /// The short letter (`'c'`, `'d'`, ...), also used for long forms.
    pub letter: char,
    /// The value for options that take one.
    pub value: Option<String>,
    /// Whether the long form was used (some messages name the form).
    pub long: bool,
}

/// What a failed option looks like, worded as virsh reports it (without `error: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobalError {
    MissingArgument(char),
    Unsupported(String),
}

impl GlobalError {
    pub fn message(&self) -> String {
        match self {
            GlobalError::MissingArgument(c) => match long_name(*c) {
                Some(l) => format!("option '-{c}'/'--{l}' requires an argument"),
                None => format!("option '-{c}' requires an argument"),
            },
            GlobalError::Unsupported(s) => format!("unsupported option '{s}'. See --help."),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

const LONG: &[(&str, Arg, char)] = &[
    ("connect", Arg::Required, 'c'),
    ("debug", Arg::Required, 'd'),
    ("escape", Arg::Required, 'e'),
    ("help", Arg::None, 'h'),
    ("keepalive-interval", Arg::Required, 'k'),
    ("keepalive-count", Arg::Required, 'K'),
    ("log", Arg::Required, 'l'),
    ("quiet", Arg::None, 'q'),
    ("readonly", Arg::None, 'r'),
    ("timing", Arg::None, 't'),
    ("version", Arg::Optional, 'v'),
];

fn short_arg(c: char) -> Option<Arg> {
    match c {
        'c' | 'd' | 'e' | 'k' | 'K' | 'l' => Some(Arg::Required),
        'h' | 'q' | 'r' | 't' | 'v' | 'V' => Some(Arg::None),
        _ => None,
    }
}

fn long_name(c: char) -> Option<&'static str> {
    LONG.iter().find(|(_, _, l)| *l == c).map(|(n, _, _)| *n)
}

/// Iterates over the global options of `args` (without the program name). Each item is
/// handled before the next is parsed, since `-h`/`-v` end the program at once and an
/// error stops at the offending option.
pub struct GlobalParser {
    args: Vec<String>,
    idx: usize,
    /// Position inside a short-option cluster (`-qr`).
    cluster: usize,
}

impl GlobalParser {
    pub fn new(args: Vec<String>) -> GlobalParser {
        GlobalParser {
            args,
            idx: 0,
            cluster: 0,
        }
    }

    /// The arguments after the options (the command).
    pub fn rest(self) -> Vec<String> {
        self.args.into_iter().skip(self.idx).collect()
    }

    /// The next option, `None` at the first non-option.
    pub fn next_opt(&mut self) -> Option<Result<GlobalOpt, GlobalError>> {
        if self.cluster > 0 {
            return Some(self.short());
        }
        let arg = self.args.get(self.idx)?.clone();
        if arg == "--" {
            self.idx += 1;
            return None;
        }
        if let Some(body) = arg.strip_prefix("--") {
            self.idx += 1;
            return Some(self.long_opt(body, &arg));
        }
        if arg.len() > 1 && arg.starts_with('-') {
            self.cluster = 1;
            return Some(self.short());
        }
        None
    }

    fn long_opt(&mut self, body: &str, whole: &str) -> Result<GlobalOpt, GlobalError> {
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let exact = LONG.iter().find(|(n, _, _)| *n == name);
        let found = match exact {
            Some(e) => *e,
            None => {
                let cands: Vec<_> = LONG
                    .iter()
                    .filter(|(n, _, _)| n.starts_with(name))
                    .collect();
                match cands.as_slice() {
                    [one] => **one,
                    _ => return Err(GlobalError::Unsupported(whole.to_string())),
                }
            }
        };
        let (_, kind, letter) = found;
        let value = match kind {
            Arg::None => {
                if inline.is_some() {
                    return Err(GlobalError::Unsupported(format!("-{letter}")));
                }
                None
            }
            Arg::Optional => inline,
            Arg::Required => match inline {
                Some(v) => Some(v),
                None => match self.args.get(self.idx) {
                    Some(v) => {
                        self.idx += 1;
                        Some(v.clone())
                    }
                    None => return Err(GlobalError::MissingArgument(letter)),
                },
            },
        };
        Ok(GlobalOpt {
            letter,
            value,
            long: true,
        })
    }

    fn short(&mut self) -> Result<GlobalOpt, GlobalError> {
        let arg: Vec<char> = self
            .args
            .get(self.idx)
            .map(|a| a.chars().collect())
            .unwrap_or_default();
        let c = arg.get(self.cluster).copied().unwrap_or('-');
        self.cluster += 1;
        let at_end = self.cluster >= arg.len();
        let finish = |p: &mut GlobalParser| {
            p.cluster = 0;
            p.idx += 1;
        };
        let Some(kind) = short_arg(c) else {
            if at_end {
                finish(self);
            }
            return Err(GlobalError::Unsupported(format!("-{c}")));
        };
        if kind == Arg::Required {
            let value = if !at_end {
                let v: String = arg[self.cluster..].iter().collect();
                finish(self);
                v
            } else {
                finish(self);
                match self.args.get(self.idx) {
                    Some(v) => {
                        let v = v.clone();
                        self.idx += 1;
                        v
                    }
                    None => return Err(GlobalError::MissingArgument(c)),
                }
            };
            return Ok(GlobalOpt {
                letter: c,
                value: Some(value),
                long: false,
            });
        }
        if at_end {
            finish(self);
        }
        Ok(GlobalOpt {
            letter: c,
            value: None,
            long: false,
        })
    }
}

/// Whether `-e` accepts `s` as console escape: one character other than `^`, or `^`
/// followed by a letter or one of `@[\]^_`.
pub fn valid_escape(s: &str) -> bool {
    let b = s.as_bytes();
    match b {
        [c] => *c != b'^',
        [b'^', c] => c.is_ascii_lowercase() || (b'@'..=b'_').contains(c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(args: &[&str]) -> (Vec<Result<GlobalOpt, GlobalError>>, Vec<String>) {
        let mut p = GlobalParser::new(args.iter().map(|s| s.to_string()).collect());
        let mut v = Vec::new();
        while let Some(o) = p.next_opt() {
            let stop = o.is_err();
            v.push(o);
            if stop {
                break;
            }
        }
        (v, p.rest())
    }

    fn ok(letter: char, value: Option<&str>, long: bool) -> Result<GlobalOpt, GlobalError> {
        Ok(GlobalOpt {
            letter,
            value: value.map(str::to_string),
            long,
        })
    }

    #[test]
    fn forms() {
        let (o, r) = all(&["-qr", "-ctest:///x", "--conn", "u", "uri", "-q"]);
        assert_eq!(
            o,
            vec![
                ok('q', None, false),
                ok('r', None, false),
                ok('c', Some("test:///x"), false),
                ok('c', Some("u"), true)
            ]
        );
        assert_eq!(r, vec!["uri", "-q"]);
        let (o, r) = all(&["--connect=a", "--", "--x"]);
        assert_eq!(o, vec![ok('c', Some("a"), true)]);
        assert_eq!(r, vec!["--x"]);
    }

    #[test]
    fn errors() {
        let msg = |a: &[&str]| {
            all(a)
                .0
                .into_iter()
                .find_map(|r| r.err())
                .map(|e| e.message())
        };
        assert_eq!(
            msg(&["-c"]).as_deref(),
            Some("option '-c'/'--connect' requires an argument")
        );
        assert_eq!(
            msg(&["--log"]).as_deref(),
            Some("option '-l'/'--log' requires an argument")
        );
        assert_eq!(
            msg(&["-Z"]).as_deref(),
            Some("unsupported option '-Z'. See --help.")
        );
        assert_eq!(
            msg(&["--k", "5"]).as_deref(),
            Some("unsupported option '--k'. See --help.")
        );
        assert_eq!(
            msg(&["--help=x"]).as_deref(),
            Some("unsupported option '-h'. See --help.")
        );
    }

    #[test]
    fn version_optional_value() {
        let (o, r) = all(&["--version", "long"]);
        assert_eq!(o, vec![ok('v', None, true)]);
        assert_eq!(r, vec!["long"]);
        let (o, _) = all(&["--ver=long"]);
        assert_eq!(o, vec![ok('v', Some("long"), true)]);
    }

    #[test]
    fn escapes() {
        assert!(valid_escape("x"));
        assert!(valid_escape("^]"));
        assert!(valid_escape("^a"));
        assert!(!valid_escape("^"));
        assert!(!valid_escape("xx"));
    }
}
