//! Turning tokens into commands with their options, as virsh's command parser does.
//!
//! The whole input is parsed before anything runs: one error (unknown command, bad option,
//! missing required option, quoting error) rejects the input and nothing is executed. The
//! error lines are returned in the order virsh prints them.

use crate::cli::defs::{CmdDef, Group, OptDef, OptKind, ALIAS};
use crate::cli::tokenizer::{Token, TokenSource};

/// One option as given on the command line.
#[derive(Debug, Clone)]
pub struct ParsedOpt {
    pub def: &'static OptDef,
    /// `None` for boolean options.
    pub value: Option<String>,
}

/// A parsed command, ready to run.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub def: &'static CmdDef,
    pub opts: Vec<ParsedOpt>,
}

impl std::fmt::Debug for CmdDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The implicit `--help` every command accepts.
static HELP_OPT: OptDef = OptDef {
    name: "help",
    kind: OptKind::Bool,
    flags: 0,
    help: "",
};

/// Finds a command by exact name, in group order.
pub fn find_command(groups: &'static [Group], name: &str) -> Option<&'static CmdDef> {
    groups
        .iter()
        .flat_map(|g| g.cmds.iter())
        .find(|c| c.name == name)
}

/// Parses everything `src` yields. On failure returns the error texts (without `error: `).
pub fn parse(groups: &'static [Group], src: &mut dyn TokenSource) -> Result<Vec<Cmd>, Vec<String>> {
    let mut cmds = Vec::new();
    loop {
        let (cmd, last) = parse_one(groups, src)?;
        if let Some(c) = cmd {
            cmds.push(c);
        }
        if last == Token::End {
            return Ok(cmds);
        }
    }
}

/// Bit sets over option indexes (virsh limits a command to 64 options).
struct Slots {
    need_arg: u64,
    required: u64,
    seen: u64,
}

fn slots_of(def: &CmdDef) -> Slots {
    let mut s = Slots {
        need_arg: 0,
        required: 0,
        seen: 0,
    };
    for (i, o) in def.opts.iter().enumerate().take(64) {
        if o.required() && !matches!(o.kind, OptKind::Bool | OptKind::Alias(_)) {
            s.required |= 1 << i;
        }
        if o.positional() {
            s.need_arg |= 1 << i;
        }
    }
    s
}

/// Parses one command (up to a command end). Returns the command (None for empty or
/// comment-only input) and the token that ended it (`CommandEnd` or `End`).
fn parse_one(
    groups: &'static [Group],
    src: &mut dyn TokenSource,
) -> Result<(Option<Cmd>, Token), Vec<String>> {
    let mut def: Option<&'static CmdDef> = None;
    let mut opts: Vec<ParsedOpt> = Vec::new();
    let mut slots = Slots {
        need_arg: 0,
        required: 0,
        seen: 0,
    };
    let mut data_only = false;

    let end = loop {
        let tok = match src.next_token() {
            Token::Arg(t) => t,
            Token::Error(e) => return Err(vec![e.to_string()]),
            other => break other,
        };

        let Some(cur) = def else {
            if tok.starts_with('#') {
                // A comment command: the rest of it is ignored.
                let end = loop {
                    match src.next_token() {
                        Token::Arg(_) => continue,
                        Token::Error(e) => return Err(vec![e.to_string()]),
                        other => break other,
                    }
                };
                return Ok((None, end));
            }
            let Some(mut found) = find_command(groups, &tok) else {
                return Err(vec![format!("unknown command: '{tok}'")]);
            };
            if found.flags & ALIAS != 0 {
                if let Some(target) = found.alias_of.and_then(|t| find_command(groups, t)) {
                    found = target;
                }
            }
            slots = slots_of(found);
            def = Some(found);
            continue;
        };

        let bytes = tok.as_bytes();
        let is_option = !data_only
            && bytes.len() > 2
            && bytes[0] == b'-'
            && bytes[1] == b'-'
            && bytes[2].is_ascii_alphanumeric();
        if is_option {
            let (name, mut value) = match tok[2..].split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (tok[2..].to_string(), None),
            };
            let opt = match lookup_option(cur, &name, &mut slots, &mut value) {
                Ok(o) => o,
                Err(None) => continue, // `help` ignores options it does not know
                Err(Some(e)) => return Err(vec![e]),
            };
            if opt.kind == OptKind::Bool {
                if value.is_some() {
                    return Err(vec![format!("invalid '=' after option --{}", opt.name)]);
                }
                opts.push(ParsedOpt {
                    def: opt,
                    value: None,
                });
                continue;
            }
            let value = match value {
                Some(v) => v,
                None => match src.next_token() {
                    Token::Arg(v) => v,
                    Token::Error(e) => return Err(vec![e.to_string()]),
                    _ => {
                        let what = if opt.kind == OptKind::Int {
                            "number"
                        } else {
                            "string"
                        };
                        return Err(vec![format!("expected syntax: --{} <{}>", opt.name, what)]);
                    }
                },
            };
            if opt.kind != OptKind::Argv {
                if let Some((i, _)) = cur.find_opt(opt.name) {
                    slots.need_arg &= !(1u64 << i);
                }
            }
            opts.push(ParsedOpt {
                def: opt,
                value: Some(value),
            });
            continue;
        }
        if !data_only && tok == "--" {
            data_only = true;
            continue;
        }
        // Positional data: the lowest free slot.
        if slots.need_arg == 0 {
            if cur.name == "help" {
                continue;
            }
            return Err(vec![format!("unexpected data '{tok}'")]);
        }
        let i = slots.need_arg.trailing_zeros() as usize;
        let opt = &cur.opts[i];
        if opt.kind != OptKind::Argv {
            slots.need_arg &= !(1u64 << i);
        }
        slots.seen |= 1u64 << i;
        opts.push(ParsedOpt {
            def: opt,
            value: Some(tok),
        });
    };

    let Some(mut cur) = def else {
        return Ok((None, end));
    };

    // `cmd --help` becomes `help cmd`.
    if opts.iter().any(|o| std::ptr::eq(o.def, &HELP_OPT)) {
        if let Some(help) = find_command(groups, "help") {
            if let Some(copt) = help.opts.first() {
                let name = cur.name.to_string();
                cur = help;
                opts = vec![ParsedOpt {
                    def: copt,
                    value: Some(name),
                }];
                slots.required = 0;
            }
        }
    }

    let missing = slots.required & !slots.seen;
    if missing != 0 {
        let errs = cur
            .opts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && missing & (1u64 << i) != 0)
            .map(|(_, o)| match o.kind {
                OptKind::Data | OptKind::Argv => {
                    format!("command '{}' requires <{}> option", cur.name, o.name)
                }
                _ => format!("command '{}' requires --{} option", cur.name, o.name),
            })
            .collect();
        return Err(errs);
    }

    Ok((Some(Cmd { def: cur, opts }), end))
}

/// Resolves `--name` for `cmd`, following aliases. `Err(None)` means "ignore silently"
/// (the `help` command tolerates unknown options).
fn lookup_option(
    cmd: &'static CmdDef,
    name: &str,
    slots: &mut Slots,
    value: &mut Option<String>,
) -> Result<&'static OptDef, Option<String>> {
    if name == "help" {
        return Ok(&HELP_OPT);
    }
    let mut wanted = name.to_string();
    let mut start = 0;
    loop {
        let hit = cmd
            .opts
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, o)| o.name == wanted);
        let Some((i, opt)) = hit else {
            break;
        };
        if let OptKind::Alias(target) = opt.kind {
            match target.split_once('=') {
                Some((t, v)) => {
                    if value.is_some() {
                        return Err(Some(format!("invalid '=' after option --{}", opt.name)));
                    }
                    *value = Some(v.to_string());
                    wanted = t.to_string();
                }
                None => wanted = target.to_string(),
            }
            start = i + 1;
            continue;
        }
        if i < 64 && slots.seen & (1u64 << i) != 0 && opt.kind != OptKind::Argv {
            return Err(Some(format!("option --{wanted} already seen")));
        }
        if i < 64 {
            slots.seen |= 1u64 << i;
        }
        return Ok(opt);
    }
    if cmd.name == "help" {
        return Err(None);
    }
    Err(Some(format!(
        "command '{}' doesn't support option --{}",
        cmd.name, wanted
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::defs::*;
    use crate::cli::tokenizer::{ArgvTokenizer, StringTokenizer};

    fn nop(_: &mut crate::ctl::Ctl, _: &Cmd) -> bool {
        true
    }

    static DOMINFO: &[OptDef] = &[opt_data("domain", REQ, "d")];
    static SETMEM: &[OptDef] = &[
        opt_data("domain", REQ, "d"),
        opt_alias("kilobytes", "size"),
        opt_int("size", REQ, "s"),
        opt_bool("config", "c"),
    ];
    static ECHO: &[OptDef] = &[
        opt_bool("shell", "s"),
        opt_alias("str", "string"),
        opt_alias("hi", "string=hello"),
        opt_argv("string", 0, "s"),
    ];
    static DUMP: &[OptDef] = &[
        opt_data("domain", REQ, "d"),
        opt_string("xpath", REQ_OPT, "x"),
        opt_bool("wrap", "w"),
    ];
    static HELP: &[OptDef] = &[opt_string("command", 0, "c")];
    static SAVE: &[OptDef] = &[opt_data("domain", REQ, "d"), opt_data("file", REQ, "f")];
    static CMDS: &[CmdDef] = &[
        cmd("dominfo", DOMINFO, nop, "", ""),
        cmd("setmem", SETMEM, nop, "", ""),
        cmd("echo", ECHO, nop, "", ""),
        cmd("dumpxml", DUMP, nop, "", ""),
        cmd("help", HELP, nop, "", ""),
        cmd("save", SAVE, nop, "", ""),
        cmd("list", &[], nop, "", ""),
    ];
    static GROUPS: &[Group] = &[Group {
        name: "Test",
        keyword: "test",
        cmds: CMDS,
    }];

    fn p(s: &str) -> Result<Vec<Cmd>, Vec<String>> {
        parse(GROUPS, &mut StringTokenizer::new(s))
    }

    fn err(s: &str) -> Vec<String> {
        match p(s) {
            Err(e) => e,
            Ok(c) => panic!("parsed: {c:?}"),
        }
    }

    fn vals(c: &Cmd) -> Vec<(String, Option<String>)> {
        c.opts
            .iter()
            .map(|o| (o.def.name.to_string(), o.value.clone()))
            .collect()
    }

    #[test]
    fn positional_and_named() {
        let c = p("setmem test 1G --config").unwrap_or_default();
        assert_eq!(c.len(), 1);
        assert_eq!(
            vals(&c[0]),
            vec![
                ("domain".into(), Some("test".into())),
                ("size".into(), Some("1G".into())),
                ("config".into(), None)
            ]
        );
        let c = p("setmem --kilobytes 5 test").unwrap_or_default();
        assert_eq!(
            vals(&c[0]),
            vec![
                ("size".into(), Some("5".into())),
                ("domain".into(), Some("test".into()))
            ]
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(err("bogus"), vec!["unknown command: 'bogus'"]);
        assert_eq!(
            err("list --bogus"),
            vec!["command 'list' doesn't support option --bogus"]
        );
        assert_eq!(err("list -x"), vec!["unexpected data '-x'"]);
        assert_eq!(
            err("dominfo"),
            vec!["command 'dominfo' requires <domain> option"]
        );
        assert_eq!(
            err("setmem test"),
            vec!["command 'setmem' requires --size option"]
        );
        assert_eq!(
            err("save"),
            vec![
                "command 'save' requires <domain> option",
                "command 'save' requires <file> option"
            ]
        );
        assert_eq!(
            err("dominfo --domain"),
            vec!["expected syntax: --domain <string>"]
        );
        assert_eq!(
            err("setmem test --size"),
            vec!["expected syntax: --size <number>"]
        );
        assert_eq!(
            err("dominfo test --domain test"),
            vec!["option --domain already seen"]
        );
        assert_eq!(
            err("setmem t --config=1 5"),
            vec!["invalid '=' after option --config"]
        );
        assert_eq!(err("echo --hi=x"), vec!["invalid '=' after option --hi"]);
        assert_eq!(err("list; bogus; list"), vec!["unknown command: 'bogus'"]);
        assert_eq!(err("dumpxml test //x"), vec!["unexpected data '//x'"]);
    }

    #[test]
    fn argv_options_absorb_everything() {
        let c = p("echo a --str b -- --c --hi").unwrap_or_default();
        let v = vals(&c[0]);
        assert_eq!(
            v,
            vec![
                ("string".into(), Some("a".into())),
                ("string".into(), Some("b".into())),
                ("string".into(), Some("--c".into())),
                ("string".into(), Some("--hi".into())),
            ]
        );
        let c = p("echo --hi").unwrap_or_default();
        assert_eq!(vals(&c[0]), vec![("string".into(), Some("hello".into()))]);
    }

    #[test]
    fn double_dash_and_equals() {
        let c = p("dominfo -- test").unwrap_or_default();
        assert_eq!(vals(&c[0]), vec![("domain".into(), Some("test".into()))]);
        let c = p("dominfo --domain=test").unwrap_or_default();
        assert_eq!(vals(&c[0]), vec![("domain".into(), Some("test".into()))]);
        let c = p("dominfo --domain=").unwrap_or_default();
        assert_eq!(vals(&c[0]), vec![("domain".into(), Some("".into()))]);
    }

    #[test]
    fn help_option_becomes_help_command() {
        let c = p("save --help").unwrap_or_default();
        assert_eq!(c[0].def.name, "help");
        assert_eq!(vals(&c[0]), vec![("command".into(), Some("save".into()))]);
        // help ignores unknown options and extra data
        let c = p("help --bogus list extra").unwrap_or_default();
        assert_eq!(vals(&c[0]), vec![("command".into(), Some("list".into()))]);
    }

    #[test]
    fn comments_and_empty() {
        assert_eq!(p("").map(|c| c.len()), Ok(0));
        assert_eq!(p(" ; ;").map(|c| c.len()), Ok(0));
        assert_eq!(p("# x; list").map(|c| c.len()), Ok(0));
        assert_eq!(p("list # x").map(|c| c.len()), Ok(1));
        let mut a = ArgvTokenizer::new(vec!["#x".into(), "list".into()]);
        assert_eq!(parse(GROUPS, &mut a).map(|c| c.len()), Ok(0));
    }

    #[test]
    fn quoting_errors_abort() {
        assert_eq!(err("list; echo \"x"), vec!["missing \""]);
    }
}
