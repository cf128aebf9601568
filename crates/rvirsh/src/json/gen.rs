//! yajl's generator as libvirt configures it: compact, or beautified with two-space
//! indents, `": "` after keys, a newline after every opening bracket (so empty containers
//! come out as `{\n\n}`) and one at the end.

use super::Value;

/// Writes `v` as libvirt's `virJSONValueToString` does.
pub fn to_string(v: &Value, pretty: bool) -> String {
    let mut out = Vec::new();
    write(v, pretty, 0, &mut out);
    if pretty {
        out.push(b'\n');
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn indent(pretty: bool, depth: usize, out: &mut Vec<u8>) {
    if pretty {
        out.extend(std::iter::repeat_n(b' ', 2 * depth));
    }
}

fn write(v: &Value, pretty: bool, depth: usize, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend(b"null"),
        Value::Bool(true) => out.extend(b"true"),
        Value::Bool(false) => out.extend(b"false"),
        Value::Number(n) => out.extend(n.as_bytes()),
        Value::String(s) => string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            open_close(pretty, out, depth, items.iter(), |item, out| {
                write(item, pretty, depth + 1, out)
            });
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            open_close(pretty, out, depth, members.iter(), |(k, item), out| {
                string(k, out);
                out.push(b':');
                if pretty {
                    out.push(b' ');
                }
                write(item, pretty, depth + 1, out)
            });
            out.push(b'}');
        }
    }
}

/// The inside of a container: elements each on an indented line when pretty.
fn open_close<T>(
    pretty: bool,
    out: &mut Vec<u8>,
    depth: usize,
    items: impl Iterator<Item = T>,
    mut each: impl FnMut(T, &mut Vec<u8>),
) {
    if pretty {
        out.push(b'\n');
    }
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
            if pretty {
                out.push(b'\n');
            }
        }
        indent(pretty, depth + 1, out);
        each(item, out);
    }
    if pretty {
        out.push(b'\n');
    }
    indent(pretty, depth, out);
}

/// yajl's escapes: quote, backslash, the named controls, other controls as `\u00XX`
/// (upper-case hex); everything else, `/` and non-ASCII included, as is.
fn string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\r' => out.extend(b"\\r"),
            b'\n' => out.extend(b"\\n"),
            b'\\' => out.extend(b"\\\\"),
            b'"' => out.extend(b"\\\""),
            0x0c => out.extend(b"\\f"),
            0x08 => out.extend(b"\\b"),
            b'\t' => out.extend(b"\\t"),
            0..=0x1f => out.extend(format!("\\u00{c:02X}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}
