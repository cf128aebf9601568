//! Typed reading of attributes and child text, with libvirt's error messages.

use crate::error::xml_error;
use crate::tree::Element;
use rvirt_core::Result;
use std::str::FromStr;

/// An enumeration spelled as fixed strings in XML.
pub trait XmlEnum: Sized + Copy {
    fn from_xml(s: &str) -> Option<Self>;
    fn as_xml(&self) -> &'static str;
}

/// Declares an enum with its XML spellings, and implements [`XmlEnum`] and `Display`.
#[macro_export]
macro_rules! xml_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $var,)* }

        impl $crate::read::XmlEnum for $name {
            fn from_xml(s: &str) -> Option<Self> {
                match s {
                    $($s => Some($name::$var),)*
                    _ => None,
                }
            }
            fn as_xml(&self) -> &'static str {
                match self {
                    $($name::$var => $s,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::read::XmlEnum::as_xml(self))
            }
        }
    };
}

/// Typed accessors over [`Element`].
pub trait ElementExt {
    /// A required attribute.
    fn req_attr(&self, name: &str) -> Result<&str>;
    /// An enum attribute; an unknown value is an error naming element, attribute and value.
    fn enum_attr<T: XmlEnum>(&self, name: &str) -> Result<Option<T>>;
    /// A required enum attribute.
    fn req_enum_attr<T: XmlEnum>(&self, name: &str) -> Result<T>;
    /// A numeric attribute (decimal, or hex with `0x` when `T` allows it through [`ParseNum`]).
    fn num_attr<T: ParseNum>(&self, name: &str) -> Result<Option<T>>;
    /// `yes`/`no`.
    fn yes_no_attr(&self, name: &str) -> Result<Option<bool>>;
    /// `on`/`off`.
    fn on_off_attr(&self, name: &str) -> Result<Option<bool>>;
    /// Owned copy of an optional attribute.
    fn string_attr(&self, name: &str) -> Option<String>;
    /// The text of a child element, parsed as a number.
    fn num_child<T: ParseNum>(&self, name: &str) -> Result<Option<T>>;
}

/// Numbers as libvirt's XML reads them: decimal, or `0x` hex.
pub trait ParseNum: Sized + Copy {
    fn parse_num(s: &str) -> Option<Self>;
    /// True for types that accept negative values (changes the error wording).
    const SIGNED: bool;
}

macro_rules! parse_num_impl {
    ($($t:ty: $signed:literal),*) => {$(
        impl ParseNum for $t {
            const SIGNED: bool = $signed;
            fn parse_num(s: &str) -> Option<Self> {
                let s = s.trim();
                if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    <$t>::from_str_radix(h, 16).ok()
                } else {
                    <$t>::from_str(s).ok()
                }
            }
        }
    )*};
}
parse_num_impl!(u8: false, u16: false, u32: false, u64: false, i32: true, i64: true);

impl ElementExt for Element {
    fn req_attr(&self, name: &str) -> Result<&str> {
        self.attr(name).ok_or_else(|| {
            xml_error(format!(
                "Missing required attribute '{name}' in element '{}'",
                self.name
            ))
        })
    }

    fn enum_attr<T: XmlEnum>(&self, name: &str) -> Result<Option<T>> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => T::from_xml(v)
                .map(Some)
                .ok_or_else(|| invalid_value(self, name, v, None)),
        }
    }

    fn req_enum_attr<T: XmlEnum>(&self, name: &str) -> Result<T> {
        let v = self.req_attr(name)?;
        T::from_xml(v).ok_or_else(|| invalid_value(self, name, v, None))
    }

    fn num_attr<T: ParseNum>(&self, name: &str) -> Result<Option<T>> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => T::parse_num(v).map(Some).ok_or_else(|| {
                let expect = if T::SIGNED {
                    "Expected integer value"
                } else {
                    "Expected non-negative integer value"
                };
                invalid_value(self, name, v, Some(expect))
            }),
        }
    }

    fn yes_no_attr(&self, name: &str) -> Result<Option<bool>> {
        match self.attr(name) {
            None => Ok(None),
            Some("yes") => Ok(Some(true)),
            Some("no") => Ok(Some(false)),
            Some(v) => Err(invalid_value(self, name, v, None)),
        }
    }

    fn on_off_attr(&self, name: &str) -> Result<Option<bool>> {
        match self.attr(name) {
            None => Ok(None),
            Some("on") => Ok(Some(true)),
            Some("off") => Ok(Some(false)),
            Some(v) => Err(invalid_value(self, name, v, None)),
        }
    }

    fn string_attr(&self, name: &str) -> Option<String> {
        self.attr(name).map(str::to_string)
    }

    fn num_child<T: ParseNum>(&self, name: &str) -> Result<Option<T>> {
        match self.child(name) {
            None => Ok(None),
            Some(c) => {
                let t = c.text();
                T::parse_num(&t)
                    .map(Some)
                    .ok_or_else(|| xml_error(format!("invalid value '{t}' in element '{name}'")))
            }
        }
    }
}

/// libvirt's generic wording for a bad attribute value.
pub fn invalid_value(
    el: &Element,
    attr: &str,
    value: &str,
    expect: Option<&str>,
) -> rvirt_core::Error {
    match expect {
        Some(x) => xml_error(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{value}'. {x}",
            el.name
        )),
        None => xml_error(format!(
            "Invalid value for attribute '{attr}' in element '{}': '{value}'.",
            el.name
        )),
    }
}
