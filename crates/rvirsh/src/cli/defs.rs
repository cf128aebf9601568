//! The shape of the command table: commands, their options and groups.
//!
//! Commands are plain data so that the parser, `help` and shell completion all read the same
//! description, and adding a command is adding one [`CmdDef`] to a group's slice.

use crate::cli::parser::Cmd;
use crate::ctl::Ctl;

/// How an option takes its value, with virsh's parsing consequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptKind {
    /// A flag; `--name=value` is rejected.
    Bool,
    /// A string value; positional unless [`REQ_OPT`].
    String,
    /// A number (only the wording of some errors differs from `String`).
    Int,
    /// A positional argument (may also be given as `--name value`).
    Data,
    /// Takes all remaining positional arguments; may be repeated.
    Argv,
    /// Another name for an option: `"target"` or `"target=value"` (value implied).
    Alias(&'static str),
}

/// The option must be given.
pub const REQ: u8 = 1;
/// An empty value is acceptable.
pub const EMPTY_OK: u8 = 2;
/// The value can only be given as `--name value`, never positionally.
pub const REQ_OPT: u8 = 4;

/// One option of a command.
#[derive(Debug, Clone, Copy)]
pub struct OptDef {
    pub name: &'static str,
    pub kind: OptKind,
    pub flags: u8,
    pub help: &'static str,
}

impl OptDef {
    pub fn required(&self) -> bool {
        self.flags & REQ != 0
    }

    /// True when the option fills a positional slot (virsh's "need_arg" set).
    pub fn positional(&self) -> bool {
        !matches!(self.kind, OptKind::Bool | OptKind::Alias(_)) && self.flags & REQ_OPT == 0
    }
}

/// A command handler: returns whether the command succeeded.
pub type Handler = fn(&mut Ctl, &Cmd) -> bool;

/// The command needs no hypervisor connection.
pub const NOCONNECT: u8 = 1;
/// The entry only names another command (`alias_of`).
pub const ALIAS: u8 = 2;
/// Not listed by `help`.
pub const HIDDEN: u8 = 4;

/// One command.
pub struct CmdDef {
    pub name: &'static str,
    pub opts: &'static [OptDef],
    pub handler: Handler,
    /// One line for listings.
    pub help: &'static str,
    /// Longer text for `help <command>` (may be empty).
    pub desc: &'static str,
    pub flags: u8,
    pub alias_of: Option<&'static str>,
}

/// A named group of commands, as listed by `help`.
pub struct Group {
    pub name: &'static str,
    pub keyword: &'static str,
    pub cmds: &'static [CmdDef],
}

// Short constructors so that command tables read as data.

pub const fn opt_bool(name: &'static str, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Bool,
        flags: 0,
        help,
    }
}

pub const fn opt_data(name: &'static str, flags: u8, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Data,
        flags,
        help,
    }
}

pub const fn opt_string(name: &'static str, flags: u8, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::String,
        flags,
        help,
    }
}

pub const fn opt_int(name: &'static str, flags: u8, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Int,
        flags,
        help,
    }
}

pub const fn opt_argv(name: &'static str, flags: u8, help: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Argv,
        flags,
        help,
    }
}

pub const fn opt_alias(name: &'static str, target: &'static str) -> OptDef {
    OptDef {
        name,
        kind: OptKind::Alias(target),
        flags: 0,
        help: "",
    }
}

/// A regular command that needs a connection.
pub const fn cmd(
    name: &'static str,
    opts: &'static [OptDef],
    handler: Handler,
    help: &'static str,
    desc: &'static str,
) -> CmdDef {
    CmdDef {
        name,
        opts,
        handler,
        help,
        desc,
        flags: 0,
        alias_of: None,
    }
}

impl CmdDef {
    /// The same command marked with extra command flags.
    pub const fn with_flags(self, flags: u8) -> CmdDef {
        CmdDef { flags, ..self }
    }

    pub fn find_opt(&self, name: &str) -> Option<(usize, &'static OptDef)> {
        self.opts.iter().enumerate().find(|(_, o)| o.name == name)
    }
}
