//! `qemu-monitor-command`: a raw QMP (or HMP) command to a guest's monitor, with virsh's
//! wrapping of plain words into a QMP command and its output modes.

use super::define::pass_fds;
use crate::cli::parser::Cmd;
use crate::commands::exclusive_opts;
use crate::ctl::Ctl;
use crate::json::{self, Value};
use crate::lookup::{self, BY_ANY};
use rvirt::qemu::monitor_command;

/// What virsh sends for the command's words (virsh 9.0): the words joined by spaces when
/// that is a JSON object; otherwise `{"execute":FIRST}` with, for further words,
/// `"arguments"` taken from them joined by spaces when that is an object, or from them
/// joined by commas inside braces. `Err` carries the words virsh names in its message and
/// the parse error of the braced form.
pub fn qmp_wrap(words: &[&str]) -> Result<String, (String, String)> {
    let full = words.join(" ");
    if matches!(json::parse(&full), Ok(v) if v.is_object()) {
        return Ok(full);
    }
    let Some((name, rest)) = words.split_first() else {
        return Ok(full);
    };
    let mut members = vec![(b"execute".to_vec(), Value::string(name))];
    if !rest.is_empty() {
        let args = rest.join(" ");
        let value = match json::parse(&args) {
            Ok(v) if v.is_object() => v,
            _ => json::parse(&format!("{{{}}}", rest.join(","))).map_err(|e| (args, e))?,
        };
        members.push((b"arguments".to_vec(), value));
    }
    Ok(json::to_string(&Value::Object(members), false))
}

pub(super) fn cmd_qemu_monitor_command(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let pretty = cmd.flag("pretty");
    let return_value = cmd.flag("return-value");
    if !exclusive_opts(ctl, cmd, "hmp", "pretty")
        || !exclusive_opts(ctl, cmd, "hmp", "return-value")
    {
        return false;
    }
    let Some((dom, _)) = lookup::domain(ctl, cmd, BY_ANY) else {
        return false;
    };
    let words = cmd.argv("cmd");
    let hmp = cmd.flag("hmp");
    let text = if hmp {
        words.join(" ")
    } else {
        match qmp_wrap(&words) {
            Ok(t) => t,
            Err((args, parse_error)) => {
                ctl.error(&format!(
                    "failed to wrap arguments '{args}' into a QMP command wrapper"
                ));
                ctl.set_error(json_error(parse_error));
                return false;
            }
        }
    };
    let flags = if hmp { monitor_command::HMP } else { 0 };
    let Ok(fds) = pass_fds(ctl, cmd) else {
        return false;
    };
    let answer = if fds.is_empty() {
        dom.qemu_monitor_command(&text, flags)
    } else {
        match crate::fds::dup_all(&fds) {
            Ok(files) => dom
                .qemu_monitor_command_with_files(&text, files, flags)
                .map(|(r, _)| r),
            Err(e) => Err(e),
        }
    };
    let result = match answer {
        Ok(r) => r,
        Err(e) => {
            ctl.set_error(e);
            return false;
        }
    };
    print_answer(ctl, &result, pretty, return_value)
}

/// virsh's output: the answer as it came, or re-written as JSON (pretty, or only its
/// `return` member), then trimmed and printed without a newline of its own.
fn print_answer(ctl: &mut Ctl, result: &str, pretty: bool, return_value: bool) -> bool {
    let parsed = if pretty || return_value {
        match json::parse(result) {
            Ok(v) => Some(v),
            Err(e) if return_value => {
                ctl.error("failed to parse JSON returned by qemu");
                ctl.set_error(json_error(e));
                return false;
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let Some(v) = parsed else {
        ctl.print(&format!("{result}\n"));
        return true;
    };
    let shown = if return_value {
        match v.get("return") {
            Some(r) => r,
            None => {
                ctl.error("'return' member missing");
                return false;
            }
        }
    } else {
        &v
    };
    let text = json::to_string(shown, pretty);
    ctl.print(text.trim_matches(|c: char| c.is_ascii_whitespace()));
    true
}

/// libvirt's report of JSON it cannot parse: an internal error of no particular domain.
fn json_error(message: String) -> rvirt::Error {
    rvirt::Error::internal(rvirt::ErrorDomain::NONE, message)
}

#[cfg(test)]
mod tests {
    use super::qmp_wrap;

    /// Every line of `wrap.cases` (words split on TABs, as the recording script's `read
    /// -a` splits them) gives what virsh 9.0 sent for it, recorded in `wrap.out`; an empty
    /// line there means virsh refused to wrap the words.
    #[test]
    fn words_are_wrapped_as_virsh_wraps_them() {
        let cases = include_str!("../../../../../tests/data/virsh-qmp/wrap.cases");
        let sent = include_str!("../../../../../tests/data/virsh-qmp/wrap.out");
        let (cases, sent): (Vec<&str>, Vec<&str>) =
            (cases.lines().collect(), sent.lines().collect());
        assert_eq!(cases.len(), sent.len());
        for (case, want) in cases.iter().zip(&sent) {
            let mut words: Vec<&str> = case.split('\t').filter(|w| !w.is_empty()).collect();
            if words.is_empty() {
                words.push("");
            }
            let got = qmp_wrap(&words);
            if want.is_empty() {
                assert!(got.is_err(), "{case:?}: virsh refused, rvirsh sent {got:?}");
            } else {
                assert_eq!(got.as_deref().ok(), Some(*want), "{case:?}");
            }
        }
    }
}
