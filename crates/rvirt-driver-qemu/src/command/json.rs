//! The JSON text of `-device`, `-blockdev`, `-netdev`, `-object` and `-audiodev` values.
//!
//! QEMU reads these as JSON; libvirt writes them compactly with keys in the order its code
//! adds them, and tests compare the text byte for byte. So members are written as text, in
//! call order, with libvirt's escaping (quote, backslash and control characters only; `/`
//! and non-ASCII text are left as they are).

use std::fmt::Write;

/// A JSON object under construction. Methods named `opt_*` add nothing for `None`, which is
/// how libvirt's optional property formatters behave.
#[derive(Clone, Debug, Default)]
pub struct Props {
    body: String,
}

impl Props {
    pub fn new() -> Props {
        Props::default()
    }

    fn key(&mut self, k: &str) {
        if !self.body.is_empty() {
            self.body.push(',');
        }
        escape_into(&mut self.body, k);
        self.body.push(':');
    }

    /// A string member.
    pub fn str(&mut self, k: &str, v: &str) -> &mut Props {
        self.key(k);
        escape_into(&mut self.body, v);
        self
    }

    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Props {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }

    /// An integer member.
    pub fn num(&mut self, k: &str, v: impl Into<i128>) -> &mut Props {
        self.key(k);
        let _ = write!(self.body, "{}", v.into());
        self
    }

    pub fn opt_num<T: Into<i128>>(&mut self, k: &str, v: Option<T>) -> &mut Props {
        if let Some(v) = v {
            self.num(k, v);
        }
        self
    }

    /// An integer member left out when zero (libvirt's `p:` and `P:` formatters).
    pub fn nonzero(&mut self, k: &str, v: impl Into<i128>) -> &mut Props {
        let v = v.into();
        if v != 0 {
            self.num(k, v);
        }
        self
    }

    pub fn bool(&mut self, k: &str, v: bool) -> &mut Props {
        self.key(k);
        self.body.push_str(if v { "true" } else { "false" });
        self
    }

    /// A tri-state switch member (`T:` in libvirt): absent, true or false.
    pub fn opt_bool(&mut self, k: &str, v: Option<bool>) -> &mut Props {
        if let Some(v) = v {
            self.bool(k, v);
        }
        self
    }

    /// A tri-state written as the strings "on"/"off" (libvirt's `S:` with `qemuOnOffAuto`).
    pub fn opt_on_off(&mut self, k: &str, v: Option<bool>) -> &mut Props {
        if let Some(v) = v {
            self.str(k, if v { "on" } else { "off" });
        }
        self
    }

    pub fn null(&mut self, k: &str) -> &mut Props {
        self.key(k);
        self.body.push_str("null");
        self
    }

    /// A nested object member.
    pub fn obj(&mut self, k: &str, v: &Props) -> &mut Props {
        self.key(k);
        self.body.push('{');
        self.body.push_str(&v.body);
        self.body.push('}');
        self
    }

    /// A nested object member, left out when the object has no members.
    pub fn nonempty_obj(&mut self, k: &str, v: &Props) -> &mut Props {
        if !v.is_empty() {
            self.obj(k, v);
        }
        self
    }

    /// An array of strings.
    pub fn str_array(&mut self, k: &str, items: &[&str]) -> &mut Props {
        self.key(k);
        self.body.push('[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.body.push(',');
            }
            escape_into(&mut self.body, s);
        }
        self.body.push(']');
        self
    }

    /// An array of JSON values already written as text (numbers, for instance).
    pub fn raw_array(&mut self, k: &str, items: &[String]) -> &mut Props {
        self.key(k);
        self.body.push('[');
        self.body.push_str(&items.join(","));
        self.body.push(']');
        self
    }

    /// Appends the members of `other` after this object's own.
    pub fn append(&mut self, other: &Props) -> &mut Props {
        if !other.body.is_empty() {
            if !self.body.is_empty() {
                self.body.push(',');
            }
            self.body.push_str(&other.body);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The object's text.
    pub fn text(&self) -> String {
        format!("{{{}}}", self.body)
    }
}

/// Appends `s` as a JSON string literal.
fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// QEMU's `key=value,...` option syntax escapes a comma inside a value by doubling it.
pub fn escape_comma(s: &str) -> String {
    s.replace(',', ",,")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_call_order() {
        let mut inner = Props::new();
        inner.bool("direct", true).bool("no-flush", false);
        let mut p = Props::new();
        p.str("driver", "file")
            .num("n", 3u32)
            .obj("cache", &inner)
            .null("backing")
            .opt_str("absent", None);
        assert_eq!(
            p.text(),
            r#"{"driver":"file","n":3,"cache":{"direct":true,"no-flush":false},"backing":null}"#
        );
    }

    #[test]
    fn strings_are_escaped_like_libvirt() {
        let mut p = Props::new();
        p.str("path", "/a\"b\\c\n");
        assert_eq!(p.text(), r#"{"path":"/a\"b\\c\n"}"#);
        assert_eq!(escape_comma("a,b"), "a,,b");
    }
}
