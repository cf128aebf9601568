//! JSON as virsh 9.0 reads and writes it for `qemu-monitor-command`.
//!
//! virsh links libvirt's JSON code, which Debian's 9.0 builds on yajl: the command line is
//! tested for being a JSON object, wrapped into `{"execute":...}` otherwise, and monitor
//! answers are pretty-printed, all with yajl's rules. Users see those rules (which texts
//! count as JSON, the exact "cannot parse json" message with its context and arrow, the
//! beautified layout with `[\n\n  ]` for empty arrays), so this module reproduces them:
//! numbers keep their text, objects their order, duplicate keys are refused, comments are
//! not allowed, and one value is a document.

mod gen;
mod lex;
mod parse;

pub use gen::to_string;
pub use parse::parse;

/// A parsed JSON value. Strings are bytes, since yajl's escapes can produce sequences that
/// are not UTF-8 (a lone low surrogate).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(Vec<u8>),
    Array(Vec<Value>),
    /// Members in document order.
    Object(Vec<(Vec<u8>, Value)>),
}

impl Value {
    /// A string value from text.
    pub fn string(s: &str) -> Value {
        Value::String(s.as_bytes().to_vec())
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The member `key` of an object (`None` for other values, as libvirt's lookup).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
