//! Interactive mode: commands read line by line, each line parsed and run on its own.
//!
//! On a terminal the line editor provides editing, history and completion of command and
//! option names. When stdin is not a terminal virsh still goes through its line editor,
//! which echoes every line after the prompt; that echo is reproduced so that piped sessions
//! print the same transcript (`virsh # uri⏎test:///default⏎⏎virsh # ⏎`).

use crate::cli::defs::{Group, OptKind, ALIAS, HIDDEN};
use crate::cli::parser::{find_command, parse};
use crate::cli::tokenizer::StringTokenizer;
use crate::ctl::{Ctl, PROGNAME};
use crate::runner::{debug_parsed, run_commands};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

const PROMPT_RW: &str = "virsh # ";
const PROMPT_RO: &str = "virsh > ";
const DEFAULT_HISTSIZE: usize = 500;
const MAX_HISTSIZE: i64 = 500000;

/// Runs the interactive loop until EOF or `quit`.
pub fn run(ctl: &mut Ctl) {
    let history = History::init(ctl);
    if !ctl.quiet {
        ctl.print(&format!(
            "Welcome to {PROGNAME}, the virtualization interactive terminal.\n\n"
        ));
        ctl.print("Type:  'help' for help with commands\n       'quit' to quit\n\n");
    }
    ctl.flush();
    let mut history = history;
    if std::io::stdin().is_terminal() {
        tty_loop(ctl, &mut history);
    } else {
        pipe_loop(ctl, &mut history);
    }
    ctl.print("\n");
    ctl.flush();
    history.save();
}

fn prompt(ctl: &Ctl) -> &'static str {
    if ctl.readonly {
        PROMPT_RO
    } else {
        PROMPT_RW
    }
}

/// Parses and runs one input line (errors affect only this line).
fn run_line(ctl: &mut Ctl, line: &str) {
    match parse(ctl.groups, &mut StringTokenizer::new(line)) {
        Ok(cmds) => {
            debug_parsed(ctl, &cmds);
            run_commands(ctl, &cmds);
        }
        Err(errs) => {
            for e in errs {
                ctl.error(&e);
            }
        }
    }
}

/// Reads lines from a pipe or file. Like virsh's line editor, both `\n` and `\r` end a
/// line, and a last line without terminator still counts.
fn pipe_loop(ctl: &mut Ctl, history: &mut History) {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    while ctl.interactive {
        ctl.print(prompt(ctl));
        ctl.flush();
        let Some(line) = read_line(&mut input) else {
            break;
        };
        let line = expand_tabs(ctl, &line);
        ctl.print(&echo(prompt(ctl), &line, &EchoTerm::from_env()));
        ctl.print("\n");
        if !line.is_empty() {
            history.add(&line);
            run_line(ctl, &line);
        }
        ctl.flush();
    }
}

/// What virsh's line editor needs to know of the terminal to echo a line.
struct EchoTerm {
    /// The terminal cannot move the cursor up (no `TERM`, `dumb`, or a type the terminal
    /// database does not know), so long lines scroll sideways instead of wrapping.
    scrolls: bool,
    width: usize,
}

impl EchoTerm {
    fn from_env() -> EchoTerm {
        let term = std::env::var("TERM").unwrap_or_default();
        let known = !term.is_empty()
            && term != "dumb"
            && term
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && !term.contains('/')
            && TERMINFO_DIRS.iter().any(|d| {
                let first = &term[..1];
                std::path::Path::new(d).join(first).join(&term).exists()
            });
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .filter(|&c| c > 0)
            .unwrap_or(80);
        EchoTerm {
            scrolls: !known,
            width,
        }
    }
}

/// Where the terminal database lives on Debian.
const TERMINFO_DIRS: [&str; 3] = ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"];

/// The echo of a piped input line after the prompt, as virsh's line editor draws it once
/// the whole line is in: the line itself, or, on a terminal that cannot wrap and when the
/// prompt and line do not fit, a carriage return, `<`, and the line's tail placed so the
/// cursor sits two thirds of the way across.
fn echo(prompt: &str, line: &str, term: &EchoTerm) -> String {
    let shown: Vec<char> = prompt.chars().chain(line.chars()).collect();
    let total = shown.len();
    if !term.scrolls || total + 2 <= term.width {
        return line.to_string();
    }
    let margin = total.saturating_sub(2 * (term.width / 3));
    let tail: String = shown[(margin + 1).min(total)..].iter().collect();
    format!("\r<{tail}")
}

/// Applies the completion a tab asks for, as virsh's line editor does even when it is not
/// reading from a terminal: a unique completion is inserted with a trailing space, several
/// insert their common prefix, and no progress rings the bell (on stderr).
fn expand_tabs(ctl: &mut Ctl, line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('\t').enumerate() {
        if i > 0 {
            let (start, cands) = candidates(ctl.groups, &out);
            let word = out[start..].to_string();
            let names: Vec<&str> = cands.iter().map(|c| c.trim_end()).collect();
            match names.as_slice() {
                [one] => {
                    out.truncate(start);
                    out.push_str(one);
                    out.push(' ');
                }
                [] => ctl.eprint("\x07"),
                many => {
                    let prefix = common_prefix(many);
                    if prefix.len() > word.len() {
                        out.truncate(start);
                        out.push_str(&prefix);
                    } else {
                        ctl.eprint("\x07");
                    }
                }
            }
        }
        out.push_str(part);
    }
    out
}

fn common_prefix(words: &[&str]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in &words[1..] {
        len = len.min(
            first
                .bytes()
                .zip(w.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    first[..len].to_string()
}

/// One line terminated by `\n` or `\r` (terminator removed); `None` at end of input.
fn read_line(input: &mut dyn BufRead) -> Option<String> {
    let mut bytes = Vec::new();
    let mut got_any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if buf.is_empty() {
            break;
        }
        got_any = true;
        if let Some(pos) = buf.iter().position(|&b| b == b'\n' || b == b'\r') {
            bytes.extend_from_slice(&buf[..pos]);
            input.consume(pos + 1);
            return Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        let n = buf.len();
        bytes.extend_from_slice(buf);
        input.consume(n);
    }
    if got_any {
        Some(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        None
    }
}

fn tty_loop(ctl: &mut Ctl, history: &mut History) {
    use rustyline::error::ReadlineError;
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .max_history_size(history.size.max(1))
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: rustyline::Editor<Completion, rustyline::history::DefaultHistory> =
        match rustyline::Editor::with_config(config) {
            Ok(e) => e,
            Err(_) => return pipe_loop(ctl, history),
        };
    editor.set_helper(Some(Completion { groups: ctl.groups }));
    for l in &history.lines {
        let _ = editor.add_history_entry(l.as_str());
    }
    while ctl.interactive {
        match editor.readline(prompt(ctl)) {
            Ok(line) => {
                if !line.is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                    history.add(&line);
                    run_line(ctl, &line);
                }
                ctl.flush();
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break,
        }
    }
}

/// The line history, kept in the same file virsh uses
/// (`$XDG_CACHE_HOME/libvirt/virsh/history`, by default under `~/.cache`).
struct History {
    path: Option<PathBuf>,
    lines: Vec<String>,
    size: usize,
}

impl History {
    fn init(ctl: &mut Ctl) -> History {
        let mut h = History {
            path: None,
            lines: Vec::new(),
            size: DEFAULT_HISTSIZE,
        };
        if let Ok(v) = std::env::var("VIRSH_HISTSIZE") {
            match crate::cli::values::parse_c_long(&v) {
                None => {
                    ctl.error("Bad $VIRSH_HISTSIZE value.");
                    return h;
                }
                Some(n) if !(0..=MAX_HISTSIZE).contains(&n) => {
                    ctl.error("$VIRSH_HISTSIZE value should be between 0 and 500000");
                    return h;
                }
                Some(n) => h.size = usize::try_from(n).unwrap_or(DEFAULT_HISTSIZE),
            }
        }
        let dir = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                Some(home) => PathBuf::from(home).join(".cache"),
                None => return h,
            },
        };
        let path = dir.join("libvirt").join("virsh").join("history");
        if let Ok(text) = std::fs::read_to_string(&path) {
            h.lines = text.lines().map(str::to_string).collect();
            h.trim();
        }
        h.path = Some(path);
        h
    }

    fn add(&mut self, line: &str) {
        self.lines.push(line.to_string());
        self.trim();
    }

    fn trim(&mut self) {
        if self.lines.len() > self.size {
            let drop = self.lines.len() - self.size;
            self.lines.drain(..drop);
        }
    }

    fn save(&self) {
        let Some(path) = &self.path else {
            return;
        };
        if let Some(dir) = path.parent() {
            if std::fs::create_dir_all(dir).is_err() {
                return;
            }
        }
        let mut text = String::new();
        for l in &self.lines {
            text.push_str(l);
            text.push('\n');
        }
        let _ = std::fs::write(path, text);
    }
}

/// Completes command names (first word) and the options of the command being typed.
struct Completion {
    groups: &'static [Group],
}

impl rustyline::completion::Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = line.get(..pos).unwrap_or(line);
        Ok(candidates(self.groups, before))
    }
}

/// Completions for the end of `before`: where the word being completed starts, and the
/// candidates (each followed by a space). Command names complete the first word, option
/// names the others.
fn candidates(groups: &'static [Group], before: &str) -> (usize, Vec<String>) {
    let pos = before.len();
    // Only the current command (after the last `;`) matters.
    let cur = before.rsplit(';').next().unwrap_or(before);
    let start = pos - cur.len();
    let word_start = cur.rfind([' ', '\t']).map(|i| i + 1).unwrap_or(0);
    let word = &cur[word_start..];
    let first = cur[..word_start].split_whitespace().next();
    let mut out: Vec<String> = match first {
        None => groups
            .iter()
            .flat_map(|g| g.cmds.iter())
            .filter(|c| c.flags & (ALIAS | HIDDEN) == 0 && c.name.starts_with(word))
            .map(|c| format!("{} ", c.name))
            .collect(),
        Some(name) => match find_command(groups, name) {
            Some(def) if word.is_empty() || word.starts_with('-') => def
                .opts
                .iter()
                .filter(|o| !matches!(o.kind, OptKind::Alias(_)))
                .map(|o| format!("--{} ", o.name))
                .filter(|o| o.starts_with(word))
                .collect(),
            _ => Vec::new(),
        },
    };
    out.sort();
    (start + word_start, out)
}

impl rustyline::hint::Hinter for Completion {
    type Hint = String;
}

impl rustyline::highlight::Highlighter for Completion {}

impl rustyline::validate::Validator for Completion {}

impl rustyline::Helper for Completion {}

#[cfg(test)]
mod tests {
    use super::{echo, EchoTerm};

    #[test]
    fn long_lines_scroll_sideways_on_dumb_terminals() {
        let dumb = EchoTerm {
            scrolls: true,
            width: 80,
        };
        let line = format!("echo {}ABCDEFGHIJ", "1234567890".repeat(16));
        // As virsh 9.0 printed it with TERM unset (recorded with od -c).
        let want = format!("\r<0{}ABCDEFGHIJ", "1234567890".repeat(4));
        assert_eq!(echo("virsh # ", &line, &dumb), want);
        assert_eq!(echo("virsh # ", "list", &dumb), "list");
        let wide = EchoTerm {
            scrolls: false,
            width: 80,
        };
        assert_eq!(echo("virsh # ", &line, &wide), line);
    }

    use super::read_line;

    #[test]
    fn line_endings() {
        let mut input: &[u8] = b"a\r\nb\nc";
        let mut lines = Vec::new();
        while let Some(l) = read_line(&mut input) {
            lines.push(l);
        }
        assert_eq!(lines, vec!["a", "", "b", "c"]);
    }
}
