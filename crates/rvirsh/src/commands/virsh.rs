//! Commands about the shell itself: help, echo, cd/pwd, quit/exit and connect. None of
//! them needs a hypervisor connection.

use super::exclusive;
use crate::cli::defs::*;
use crate::cli::parser::{find_command, Cmd};
use crate::ctl::Ctl;
use crate::help;

pub static COMMANDS: &[CmdDef] = &[
    cmd(
        "cd",
        &[opt_string(
            "dir",
            0,
            "where to go (default: the home directory, else /)",
        )],
        cmd_cd,
        "change the working directory",
        "Changes the working directory of the shell (interactive mode only).",
    )
    .with_flags(NOCONNECT),
    cmd(
        "echo",
        &[
            opt_bool("shell", "quote the words for a POSIX shell"),
            opt_bool("xml", "escape the words for XML"),
            opt_bool(
                "split",
                "print each comma-separated part on its own line (,, is a comma)",
            ),
            opt_bool("err", "write to stderr as an error"),
            opt_alias("str", "string"),
            opt_alias("hi", "string=hello"),
            opt_argv("string", 0, "words to print"),
        ],
        cmd_echo,
        "print the arguments back, for testing",
        "Prints its arguments, optionally quoted or escaped; meant for testing the parser.",
    )
    .with_flags(NOCONNECT),
    cmd("exit", &[], cmd_quit, "leave the interactive shell", "").with_flags(NOCONNECT),
    cmd(
        "help",
        &[opt_string(
            "command",
            0,
            "command or group to describe; all commands when omitted",
        )],
        cmd_help,
        "show help",
        "Lists all commands, the commands of one group, or describes one command.",
    )
    .with_flags(NOCONNECT),
    cmd(
        "pwd",
        &[],
        cmd_pwd,
        "show the working directory",
        "Prints the working directory of the shell.",
    )
    .with_flags(NOCONNECT),
    cmd("quit", &[], cmd_quit, "leave the interactive shell", "").with_flags(NOCONNECT),
    cmd(
        "connect",
        &[
            opt_string("name", EMPTY_OK, "URI of the hypervisor"),
            opt_bool("readonly", "open the connection read-only"),
        ],
        cmd_connect,
        "open a new hypervisor connection",
        "Closes the current connection and opens one to the given URI (or the same one again).",
    )
    .with_flags(NOCONNECT),
];

fn cmd_cd(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    if !ctl.interactive {
        ctl.error("cd: command valid only in interactive mode");
        return false;
    }
    let dir = match cmd.string_quiet("dir") {
        Some(d) => d.to_string(),
        None => std::env::var("HOME")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "/".to_string()),
    };
    if let Err(e) = std::env::set_current_dir(&dir) {
        ctl.error(&format!(
            "cd: {}: {dir}",
            rvirt_core::error::os_error_text(&e)
        ));
        return false;
    }
    true
}

fn cmd_pwd(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    match current_dir() {
        Some(d) => {
            ctl.print(&format!("{d}\n"));
            true
        }
        None => {
            ctl.error("pwd: cannot get current directory");
            false
        }
    }
}

/// The working directory, preferring `$PWD` when it names the same directory (so paths
/// through symlinks print as the user knows them).
fn current_dir() -> Option<String> {
    let real = std::env::current_dir().ok()?;
    #[cfg(unix)]
    if let Ok(pwd) = std::env::var("PWD") {
        use std::os::unix::fs::MetadataExt;
        if pwd.starts_with('/') {
            if let (Ok(a), Ok(b)) = (std::fs::metadata(&pwd), std::fs::metadata(&real)) {
                if a.dev() == b.dev() && a.ino() == b.ino() {
                    return Some(pwd);
                }
            }
        }
    }
    Some(real.to_string_lossy().into_owned())
}

fn cmd_quit(ctl: &mut Ctl, _cmd: &Cmd) -> bool {
    ctl.interactive = false;
    true
}

fn cmd_connect(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let ro = cmd.flag("readonly");
    let Ok(name) = cmd.string(ctl, "name") else {
        return false;
    };
    let name = name.map(str::to_string);
    ctl.reconnect(name.as_deref(), ro, true)
}

fn cmd_help(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some(name) = cmd.string_quiet("command") else {
        let text = help::all(ctl.groups);
        ctl.print(&text);
        return true;
    };
    let mut def = find_command(ctl.groups, name);
    if let Some(d) = def {
        if d.flags & ALIAS != 0 {
            def = d.alias_of.and_then(|t| find_command(ctl.groups, t));
        }
    }
    if let Some(d) = def {
        let text = help::command(d);
        ctl.print(&text);
        return true;
    }
    if let Some(g) = ctl
        .groups
        .iter()
        .find(|g| g.name == name || g.keyword == name)
    {
        let text = help::group(g);
        ctl.print(&text);
        return true;
    }
    ctl.error(&format!("command or command group '{name}' doesn't exist"));
    false
}

/// Characters that make a word need quoting for the shell.
const SHELL_META: &str = "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~";

fn shell_escape(s: &str) -> String {
    if !s.is_empty() && !s.contains(|c| SHELL_META.contains(c)) {
        return s.to_string();
    }
    if s.is_empty() {
        return "''".to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn cmd_echo(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let shell = cmd.flag("shell");
    let xml = cmd.flag("xml");
    let split = cmd.flag("split");
    let err = cmd.flag("err");
    if !exclusive(ctl, ("shell", shell), ("xml", xml))
        || !exclusive(ctl, ("shell", shell), ("split", split))
        || !exclusive(ctl, ("xml", xml), ("split", split))
    {
        return false;
    }
    let words = cmd.argv("string");
    if words.is_empty() {
        return true;
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let w = if xml {
            xml_escape(w)
        } else if shell {
            shell_escape(w)
        } else {
            w.to_string()
        };
        if split {
            for part in super::string_to_array(&w) {
                out.push_str(&part);
                out.push('\n');
            }
        } else {
            out.push_str(&w);
        }
    }
    if err {
        ctl.error(&out);
    } else {
        ctl.print(&out);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_escape("plain"), "plain");
        assert_eq!(shell_escape("a b"), "'a b'");
        assert_eq!(shell_escape("it's"), "'it'\\''s'");
        assert_eq!(shell_escape(""), "''");
        assert_eq!(shell_escape("a$b"), "'a$b'");
        assert_eq!(shell_escape("x=y,z"), "x=y,z");
    }

    #[test]
    fn xml_escaping() {
        assert_eq!(xml_escape("<a>&'\""), "&lt;a&gt;&amp;&apos;&quot;");
        assert_eq!(xml_escape("a\x01b"), "ab");
    }
}
