//! Column tables as virsh prints them for `list`, `net-list`, `pool-list` and `vol-list`.
//!
//! Every cell is first made safe for a terminal (control bytes and, outside a UTF-8 locale,
//! every non-ASCII byte become `\xNN` escapes) and measured in terminal columns. Cells are
//! separated by three spaces, the last cell is never padded, and the header is followed by a
//! line of dashes as wide as the padded row plus two. In quiet mode the header is left out
//! and does not count towards column widths.

/// How cell bytes are decoded, following the process locale (`LC_ALL`, `LC_CTYPE`, `LANG`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// The C/POSIX locale: only ASCII is printable.
    Ascii,
    /// A UTF-8 locale: valid printable characters are kept and measured by display width.
    Utf8,
}

impl Charset {
    /// The charset the environment selects, as `setlocale(LC_ALL, "")` would.
    pub fn from_env() -> Charset {
        let var = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if var.contains("utf-8") || var.contains("utf8") {
            Charset::Utf8
        } else {
            Charset::Ascii
        }
    }
}

/// Escapes one byte as virsh does: `\x` plus two hex digits, except that bytes >= 0x80 come
/// out as `\xff` (virsh formats a sign-extended char and truncates it).
fn escape_byte(b: u8, out: &mut String) {
    if b >= 0x80 {
        out.push_str("\\xff");
    } else {
        out.push_str(&format!("\\x{b:02x}"));
    }
}

/// Returns the terminal-safe form of `s` and its width in columns.
pub fn safe_encode(s: &str, cs: Charset) -> (String, usize) {
    let bytes = s.as_bytes();
    let mut out = String::new();
    let mut width = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b < 0x20 || b == 0x7f {
                escape_byte(b, &mut out);
                width += 4;
            } else if b == b'\\' && bytes.get(i + 1) == Some(&b'x') {
                out.push_str("\\x5c");
                width += 4;
            } else {
                out.push(b as char);
                width += 1;
            }
            i += 1;
            continue;
        }
        match cs {
            Charset::Ascii => {
                escape_byte(b, &mut out);
                width += 4;
                i += 1;
            }
            Charset::Utf8 => {
                // `s` is a &str, so a multi-byte character always starts here.
                let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                let len = ch.len_utf8();
                if ch.is_control() {
                    for &cb in &bytes[i..i + len] {
                        escape_byte(cb, &mut out);
                        width += 4;
                    }
                } else {
                    out.push(ch);
                    width += unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
                }
                i += len;
            }
        }
    }
    (out, width)
}

/// A table under construction: a header and rows of equal length.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn add_row(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The printed form; `header` false (quiet mode) omits the header and its dashes.
    pub fn render(&self, header: bool, cs: Charset) -> String {
        let n = self.header.len();
        let enc = |r: &Vec<String>| -> Vec<(String, usize)> {
            r.iter().map(|c| safe_encode(c, cs)).collect()
        };
        let head = enc(&self.header);
        let body: Vec<Vec<(String, usize)>> = self.rows.iter().map(enc).collect();
        let mut widths = vec![0usize; n];
        let counted = if header {
            std::iter::once(&head)
                .chain(body.iter())
                .collect::<Vec<_>>()
        } else {
            body.iter().collect()
        };
        for row in counted {
            for (j, (_, w)) in row.iter().enumerate().take(n) {
                widths[j] = widths[j].max(*w);
            }
        }
        let mut out = String::new();
        let print_row = |row: &[(String, usize)], out: &mut String| {
            for (j, (text, w)) in row.iter().enumerate() {
                out.push(' ');
                out.push_str(text);
                if j + 1 < row.len() {
                    let pad = widths.get(j).copied().unwrap_or(0) - w + 2;
                    out.push_str(&" ".repeat(pad));
                }
            }
            out.push('\n');
        };
        if header {
            print_row(&head, &mut out);
            let dashes: usize = widths.iter().map(|w| w + 3).sum();
            out.push_str(&"-".repeat(dashes));
            out.push('\n');
        }
        for row in &body {
            print_row(row, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_table(rows: &[[&str; 3]]) -> Table {
        let mut t = Table::new(&["Id", "Name", "State"]);
        for r in rows {
            t.add_row(r.iter().map(|s| s.to_string()).collect());
        }
        t
    }

    #[test]
    fn default_list() {
        let t = list_table(&[["1", "test", "running"]]);
        assert_eq!(
            t.render(true, Charset::Ascii),
            " Id   Name   State\n----------------------\n 1    test   running\n"
        );
    }

    #[test]
    fn empty_and_quiet() {
        let t = list_table(&[]);
        assert_eq!(
            t.render(true, Charset::Ascii),
            " Id   Name   State\n--------------------\n"
        );
        let t = list_table(&[["1", "test", "running"]]);
        assert_eq!(t.render(false, Charset::Ascii), " 1   test   running\n");
    }

    #[test]
    fn empty_last_cell_keeps_leading_space() {
        let mut t = Table::new(&["Id", "Name", "State", "Title"]);
        t.add_row(vec!["1".into(), "test".into(), "running".into(), "".into()]);
        let out = t.render(true, Charset::Ascii);
        assert!(out.ends_with(" 1    test   running   \n"), "{out:?}");
    }

    #[test]
    fn escapes() {
        assert_eq!(
            safe_encode("a\tb", Charset::Ascii),
            ("a\\x09b".to_string(), 6)
        );
        assert_eq!(
            safe_encode("a\\xb", Charset::Ascii),
            ("a\\x5cxb".to_string(), 7)
        );
        assert_eq!(
            safe_encode("é", Charset::Ascii),
            ("\\xff\\xff".to_string(), 8)
        );
        assert_eq!(safe_encode("dömäin-ü", Charset::Utf8).1, 8);
        assert_eq!(safe_encode("日本語", Charset::Utf8).1, 6);
    }
}
