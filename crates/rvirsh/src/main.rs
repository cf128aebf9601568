//! rvirsh: a virsh-compatible command-line client for rvirt.
//!
//! The program mirrors virsh's life cycle: read its own options, parse the command given
//! on the command line (as one string or as separate arguments) completely before running
//! anything, connect eagerly only when `-c` named a URI, then either run the parsed
//! commands or enter the interactive shell.

mod cli;
mod commands;
mod console;
mod ctl;
mod editor;
mod fds;
mod help;
mod json;
mod localtime;
mod lookup;
mod pretty;
mod runner;
mod shell;
mod table;
mod xmldump;
mod xpath;

use cli::global::{valid_escape, GlobalParser};
use cli::parser::parse;
use cli::tokenizer::{ArgvTokenizer, StringTokenizer};
use ctl::Ctl;

fn main() {
    let code = run();
    std::process::exit(code);
}

/// Everything `main` does, returning the exit status.
fn run() -> i32 {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut ctl = Ctl::new(commands::GROUPS);

    if !debug_from_env(&mut ctl) {
        return 1;
    }

    let mut gp = GlobalParser::new(args);
    while let Some(item) = gp.next_opt() {
        let opt = match item {
            Ok(o) => o,
            Err(e) => {
                ctl.error(&e.message());
                return 1;
            }
        };
        if let Some(code) = apply_global(&mut ctl, &opt) {
            return code;
        }
    }
    let rest = gp.rest();

    // Parse the command before connecting: a syntax error runs nothing at all.
    let cmds = match rest.len() {
        0 => None,
        1 => {
            if rest[0].is_empty() {
                return 1;
            }
            ctl.debug(1, &format!("commands: \"{}\"\n", rest[0]));
            match parse(ctl.groups, &mut StringTokenizer::new(&rest[0])) {
                Ok(c) => Some(c),
                Err(errs) => return report_parse(&mut ctl, errs),
            }
        }
        _ => match parse(ctl.groups, &mut ArgvTokenizer::new(rest)) {
            Ok(c) => Some(c),
            Err(errs) => return report_parse(&mut ctl, errs),
        },
    };
    if let Some(c) = &cmds {
        runner::debug_parsed(&mut ctl, c);
    }

    // Second look at VIRSH_DEBUG, as virsh does once the options are known.
    if ctl.debug < 0 {
        debug_level_from_env(&mut ctl);
    }

    if ctl.connname.is_some() && !ctl.reconnect(None, false, false) {
        ctl.report_error();
        return 1;
    }
    if ctl.connname.is_none() {
        ctl.connname = std::env::var("VIRSH_DEFAULT_CONNECT_URI")
            .ok()
            .filter(|s| !s.is_empty());
    }

    let code = match cmds {
        Some(cmds) => {
            if runner::run_commands(&mut ctl, &cmds) {
                0
            } else {
                1
            }
        }
        None => {
            ctl.interactive = true;
            shell::run(&mut ctl);
            0
        }
    };
    ctl.flush();
    ctl.disconnect();
    code
}

fn report_parse(ctl: &mut Ctl, errs: Vec<String>) -> i32 {
    for e in errs {
        ctl.error(&e);
    }
    1
}

/// VIRSH_DEBUG and VIRSH_LOG_FILE, read before the options. Returns false when the log
/// file cannot be opened (virsh exits then).
fn debug_from_env(ctl: &mut Ctl) -> bool {
    debug_level_from_env(ctl);
    if let Ok(path) = std::env::var("VIRSH_LOG_FILE") {
        if !path.is_empty() && !open_log(ctl, &path) {
            return false;
        }
    }
    true
}

fn debug_level_from_env(ctl: &mut Ctl) {
    if let Ok(v) = std::env::var("VIRSH_DEBUG") {
        match cli::values::parse_c_long(&v) {
            Some(n) if (0..=4).contains(&n) => ctl.debug = n as i32,
            _ => ctl.error("VIRSH_DEBUG not set with a valid numeric value"),
        }
    }
}

fn open_log(ctl: &mut Ctl, path: &str) -> bool {
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
    {
        Ok(f) => {
            ctl.set_log(f);
            true
        }
        Err(_) => {
            ctl.error("failed to open the log file. check the log file path");
            false
        }
    }
}

/// Applies one global option; `Some(code)` means exit now with that status.
fn apply_global(ctl: &mut Ctl, opt: &cli::global::GlobalOpt) -> Option<i32> {
    let value = opt.value.clone().unwrap_or_default();
    match opt.letter {
        'c' => ctl.connname = Some(value),
        'd' => {
            let Some(n) = cli::values::parse_c_long(&value).and_then(|n| i32::try_from(n).ok())
            else {
                let form = if opt.long { "--debug" } else { "-d" };
                ctl.error(&format!("option {form} takes a numeric argument"));
                return Some(1);
            };
            if (0..=4).contains(&n) {
                ctl.debug = n;
            } else {
                ctl.error(&format!("ignoring debug level {n} out of range [0-4]"));
            }
        }
        'e' if !valid_escape(&value) => {
            ctl.error(&format!("Invalid string '{value}' for escape sequence"));
            return Some(1);
        }
        'e' => ctl.escape = value,
        'h' => {
            ctl.print(&help::usage(ctl.groups));
            ctl.flush();
            return Some(0);
        }
        'k' | 'K' => {
            let form = match (opt.letter, opt.long) {
                ('k', false) => "-k",
                ('k', true) => "--keepalive-interval",
                (_, false) => "-K",
                (_, true) => "--keepalive-count",
            };
            let Some(n) = parse_c_long_base0(&value).and_then(|n| i32::try_from(n).ok()) else {
                ctl.error(&format!("Invalid value for option {form}"));
                return Some(1);
            };
            if n < 0 {
                ctl.error(&format!(
                    "option {form} requires a positive integer argument"
                ));
                return Some(1);
            }
            if opt.letter == 'k' {
                ctl.keepalive_interval = n;
            } else {
                ctl.keepalive_count = n;
            }
            ctl.keepalive_forced = true;
        }
        'l' if !open_log(ctl, &value) => return Some(1),
        'q' => ctl.quiet = true,
        'r' => ctl.readonly = true,
        't' => ctl.timing = true,
        'v' if opt.value.as_deref() != Some("long") => {
            ctl.print(&format!("{}\n", ctl::VERSION));
            ctl.flush();
            return Some(0);
        }
        'v' | 'V' => {
            ctl.print(&help::long_version());
            ctl.flush();
            return Some(0);
        }
        _ => {}
    }
    None
}

/// `strtol(s, NULL, 0)`: decimal, `0x` hex or leading-zero octal, whole string.
fn parse_c_long_base0(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() {
        return None;
    }
    let mag = i128::from_str_radix(digits, radix).ok()?;
    if digits.starts_with(['+', '-']) {
        return None;
    }
    i64::try_from(if neg { -mag } else { mag }).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_c_long_base0;

    #[test]
    fn base0() {
        assert_eq!(parse_c_long_base0("10"), Some(10));
        assert_eq!(parse_c_long_base0("0x10"), Some(16));
        assert_eq!(parse_c_long_base0("010"), Some(8));
        assert_eq!(parse_c_long_base0("0"), Some(0));
        assert_eq!(parse_c_long_base0("-1"), Some(-1));
        assert_eq!(parse_c_long_base0("abc"), None);
    }
}
