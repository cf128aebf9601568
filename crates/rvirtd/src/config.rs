//! The daemon's configuration file, in libvirtd.conf's syntax and key names, so an existing
//! `libvirtd.conf` works unchanged: `key = "string" | 123 | [ "list", "of", "strings" ]`,
//! `#` comments.

use std::collections::BTreeMap;
use std::fmt;

/// A value in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(i64),
    List(Vec<String>),
}

/// A problem in the file, with the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses the text of a configuration file into its settings.
pub fn parse(text: &str) -> Result<BTreeMap<String, Value>, ConfError> {
    let mut out = BTreeMap::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let err = |line: usize, m: &str| ConfError {
        line,
        message: m.to_string(),
    };
    let skip_blank = |i: &mut usize, line: &mut usize, newlines: bool| {
        while *i < chars.len() {
            match chars[*i] {
                '#' => {
                    while *i < chars.len() && chars[*i] != '\n' {
                        *i += 1;
                    }
                }
                '\n' if newlines => {
                    *line += 1;
                    *i += 1;
                }
                ' ' | '\t' | '\r' => *i += 1,
                _ => break,
            }
        }
    };
    loop {
        skip_blank(&mut i, &mut line, true);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
        {
            i += 1;
        }
        if start == i {
            return Err(err(
                line,
                &format!("expecting a name, found '{}'", chars[i]),
            ));
        }
        let key: String = chars[start..i].iter().collect();
        skip_blank(&mut i, &mut line, false);
        if i >= chars.len() || chars[i] != '=' {
            return Err(err(line, &format!("expecting '=' after '{key}'")));
        }
        i += 1;
        skip_blank(&mut i, &mut line, false);
        let value = if i < chars.len() && chars[i] == '[' {
            i += 1;
            let mut items = Vec::new();
            loop {
                skip_blank(&mut i, &mut line, true);
                if i >= chars.len() {
                    return Err(err(line, &format!("unterminated list for '{key}'")));
                }
                if chars[i] == ']' {
                    i += 1;
                    break;
                }
                items.push(quoted(&chars, &mut i, line)?);
                skip_blank(&mut i, &mut line, true);
                if i < chars.len() && chars[i] == ',' {
                    i += 1;
                }
            }
            Value::List(items)
        } else if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
            Value::Str(quoted(&chars, &mut i, line)?)
        } else {
            let s = i;
            while i < chars.len() && (chars[i] == '-' || chars[i].is_ascii_digit()) {
                i += 1;
            }
            let num: String = chars[s..i].iter().collect();
            Value::Int(
                num.parse()
                    .map_err(|_| err(line, &format!("expecting a value for '{key}'")))?,
            )
        };
        skip_blank(&mut i, &mut line, false);
        if i < chars.len() && !matches!(chars[i], '\n' | ';') {
            return Err(err(
                line,
                &format!("expecting end of line after the value of '{key}'"),
            ));
        }
        if i < chars.len() && chars[i] == ';' {
            i += 1;
        }
        out.insert(key, value);
    }
    Ok(out)
}

fn quoted(chars: &[char], i: &mut usize, line: usize) -> Result<String, ConfError> {
    let q = chars[*i];
    if q != '"' && q != '\'' {
        return Err(ConfError {
            line,
            message: "expecting a quoted string".to_string(),
        });
    }
    *i += 1;
    let start = *i;
    while *i < chars.len() && chars[*i] != q {
        if chars[*i] == '\n' {
            return Err(ConfError {
                line,
                message: "unterminated string".to_string(),
            });
        }
        *i += 1;
    }
    if *i >= chars.len() {
        return Err(ConfError {
            line,
            message: "unterminated string".to_string(),
        });
    }
    let s: String = chars[start..*i].iter().collect();
    *i += 1;
    Ok(s)
}

/// Typed access to parsed settings, with libvirt's wording for type mismatches.
pub struct Settings(pub BTreeMap<String, Value>);

impl Settings {
    pub fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("expected a string for '{key}' parameter")),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Int(n)) => Ok(Some(*n)),
            Some(_) => Err(format!("expected an integer for '{key}' parameter")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, String> {
        Ok(self.int(key)?.map(|n| n != 0))
    }

    pub fn list(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::List(l)) => Ok(Some(l.clone())),
            Some(Value::Str(s)) => Ok(Some(vec![s.clone()])),
            Some(_) => Err(format!("expected a string list for '{key}' parameter")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libvirtd_conf_syntax() {
        let c = parse(
            "# comment\nunix_sock_dir = \"/tmp/x\"\nmax_clients = 5000\nlog_outputs='3:stderr'\ntls_allowed_dn_list = [ \"a\",\n  \"b\" ]\n",
        )
        .expect("valid");
        assert_eq!(c.get("unix_sock_dir"), Some(&Value::Str("/tmp/x".into())));
        assert_eq!(c.get("max_clients"), Some(&Value::Int(5000)));
        assert_eq!(c.get("log_outputs"), Some(&Value::Str("3:stderr".into())));
        assert_eq!(
            c.get("tls_allowed_dn_list"),
            Some(&Value::List(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn reports_the_line_of_a_mistake() {
        let e = parse("a = 1\nb = \"x\ny = 2\n").expect_err("bad");
        assert_eq!(e.line, 2);
        assert!(parse("a 1").is_err());
        assert!(parse("a = [\"x\"").is_err());
    }
}
