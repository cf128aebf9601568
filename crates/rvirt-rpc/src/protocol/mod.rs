//! The protocol declared once: each procedure is one line of a table binding its number and
//! name to its argument and return types, shared by the client and the server.

pub mod admin;
pub mod qemu;
pub mod remote;
pub mod types;

use crate::xdr::Xdr;

/// A remote procedure: number, name, and the types that travel in its call and reply.
pub trait Procedure {
    /// Program number (REMOTE, QEMU, ...).
    const PROG: u32;
    const NUM: i32;
    const NAME: &'static str;
    /// libvirt runs "high priority" calls even when every normal worker is busy.
    const HIGH_PRIORITY: bool;
    type Args: Xdr + Send + 'static;
    type Ret: Xdr + Send + 'static;
}

/// A server-to-client event message.
pub trait EventMessage {
    const NUM: i32;
    type Msg: Xdr + Send + 'static;
}

/// The round-trip property of one type (see `check_round_trip` in the procedure tables):
/// compared as bytes, because a decoded NaN is not equal to itself.
pub fn round_trip<T: Xdr>(bytes: &[u8]) -> Result<(), String> {
    let Ok(v) = crate::xdr::from_bytes::<T>(bytes) else {
        return Ok(());
    };
    let again = crate::xdr::to_bytes(&v);
    match crate::xdr::from_bytes::<T>(&again) {
        Ok(back) if crate::xdr::to_bytes(&back) == again => Ok(()),
        Ok(_) => Err("encoding is not stable".to_string()),
        Err(e) => Err(format!(
            "a decoded value encodes to bytes that do not decode: {e}"
        )),
    }
}

macro_rules! prio {
    (high) => {
        true
    };
    (low) => {
        false
    };
}
pub(crate) use prio;

/// Declares procedures: `Name = number, Args => Ret, priority;`.
macro_rules! procedures {
    ($prog:expr; $($name:ident = $num:literal, $args:ty => $ret:ty, $prio:ident;)*) => {
        $(
            #[doc = concat!("Procedure ", stringify!($num), ".")]
            pub struct $name;
            impl $crate::protocol::Procedure for $name {
                const PROG: u32 = $prog;
                const NUM: i32 = $num;
                const NAME: &'static str = stringify!($name);
                const HIGH_PRIORITY: bool = $crate::protocol::prio!($prio);
                type Args = $args;
                type Ret = $ret;
            }
        )*

        /// Every declared procedure: `(number, name, high priority)`.
        pub const TABLE: &[(i32, &str, bool)] = &[
            $(($num, stringify!($name), $crate::protocol::prio!($prio)),)*
        ];

        /// The arguments of procedure `n` with every field zero, empty or absent, encoded:
        /// a call every daemon can decode, for probing how each procedure is answered.
        pub fn default_args(n: i32) -> Option<Vec<u8>> {
            match n {
                $($num => Some($crate::xdr::to_bytes(&<$args as Default>::default())),)*
                _ => None,
            }
        }

        /// Decodes `bytes` as procedure `n`'s arguments and as its return value; whatever
        /// decodes must encode to bytes that decode and encode to the same bytes again.
        /// `None` for a procedure not declared; `Some(Err)` names the broken property. For
        /// fuzzing and property tests, so they cover every declared procedure without a list
        /// of their own.
        pub fn check_round_trip(n: i32, bytes: &[u8]) -> Option<Result<(), String>> {
            match n {
                $($num => Some(
                    $crate::protocol::round_trip::<$args>(bytes)
                        .and_then(|()| $crate::protocol::round_trip::<$ret>(bytes))
                        .map_err(|e| format!("{}: {e}", stringify!($name)))
                ),)*
                _ => None,
            }
        }

        /// Whether REMOTE procedure `n` is high priority.
        pub fn is_high_priority(n: i32) -> bool {
            match n {
                $($num => $crate::protocol::prio!($prio),)*
                _ => false,
            }
        }
    };
}
pub(crate) use procedures;

/// Declares event messages: `Name = number, Msg;`.
macro_rules! events {
    ($($name:ident = $num:literal, $msg:ty;)*) => {
        $(
            #[doc = concat!("Event message ", stringify!($num), ".")]
            pub struct $name;
            impl $crate::protocol::EventMessage for $name {
                const NUM: i32 = $num;
                type Msg = $msg;
            }
        )*
    };
}
pub(crate) use events;

#[cfg(test)]
mod tests {
    use super::remote::TABLE;
    use crate::names::remote_procedure_name;

    /// Guards wire compatibility: every declared procedure's number is the number libvirt
    /// gives that name.
    #[test]
    fn declared_numbers_match_libvirt_names() {
        for (num, name, _) in TABLE {
            let upper: String = name
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                    sep.into_iter()
                        .chain(std::iter::once(c.to_ascii_uppercase()))
                })
                .collect();
            assert_eq!(
                remote_procedure_name(*num),
                Some(upper.as_str()),
                "procedure {num}"
            );
        }
        assert!(TABLE.len() > 200);
    }
}
