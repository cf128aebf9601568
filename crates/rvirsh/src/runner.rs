//! Running parsed commands in order, with virsh's bookkeeping around each one: connecting
//! on demand, reporting the saved library error of a failed command, and printing the
//! blank line (or timing) that follows every command.

use crate::cli::defs::NOCONNECT;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;

/// Runs `cmds`; the result is that of the last command run. `quit`/`exit` stop the run.
pub fn run_commands(ctl: &mut Ctl, cmds: &[Cmd]) -> bool {
    let mut ret = true;
    for cmd in cmds {
        let start = std::time::Instant::now();
        ret = if cmd.def.flags & NOCONNECT != 0 || ctl.ensure_connected() {
            (cmd.def.handler)(ctl, cmd)
        } else {
            false
        };
        let elapsed = start.elapsed();
        if !ret {
            ctl.report_error();
        }
        if cmd.def.name == "quit" || cmd.def.name == "exit" {
            return ret;
        }
        if ctl.timing {
            let ms = elapsed.as_secs_f64() * 1000.0;
            ctl.print(&format!("\n(Time: {ms:.3} ms)\n\n"));
        } else {
            ctl.print_extra("\n");
        }
        ctl.flush();
    }
    ret
}

/// The per-option trace virsh prints while parsing (debug level 1 and below).
pub fn debug_parsed(ctl: &mut Ctl, cmds: &[Cmd]) {
    for cmd in cmds {
        debug_options(ctl, cmd);
    }
}

fn debug_options(ctl: &mut Ctl, cmd: &Cmd) {
    for o in &cmd.opts {
        let line = match &o.value {
            Some(v) => format!("{}: {}(optdata): {}\n", cmd.def.name, o.def.name, v),
            None => format!("{}: {}(bool): (none)\n", cmd.def.name, o.def.name),
        };
        ctl.debug(1, &line);
    }
}
