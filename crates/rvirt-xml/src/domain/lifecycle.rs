//! What happens on guest power-off, reboot, crash and lock failure, plus `<pm>` and `<perf>`.

use crate::error::unsupported;
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum LifecycleAction {
        Destroy = "destroy", Restart = "restart", RenameRestart = "rename-restart", Preserve = "preserve",
        CoredumpDestroy = "coredump-destroy", CoredumpRestart = "coredump-restart",
    }
}
xml_enum! {
    pub enum LockFailureAction { Poweroff = "poweroff", Restart = "restart", Pause = "pause", Ignore = "ignore" }
}

/// The perf event names in libvirt's order.
pub const PERF_EVENTS: &[&str] = &[
    "cmt",
    "mbmt",
    "mbml",
    "cpu_cycles",
    "instructions",
    "cache_references",
    "cache_misses",
    "branch_instructions",
    "branch_misses",
    "bus_cycles",
    "stalled_cycles_frontend",
    "stalled_cycles_backend",
    "ref_cpu_cycles",
    "cpu_clock",
    "task_clock",
    "page_faults",
    "context_switches",
    "cpu_migrations",
    "page_faults_min",
    "page_faults_maj",
    "alignment_faults",
    "emulation_faults",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    pub on_poweroff: LifecycleAction,
    pub on_reboot: LifecycleAction,
    pub on_crash: LifecycleAction,
    pub on_lockfailure: Option<LockFailureAction>,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            on_poweroff: LifecycleAction::Destroy,
            on_reboot: LifecycleAction::Restart,
            on_crash: LifecycleAction::Destroy,
            on_lockfailure: None,
        }
    }
}

impl Lifecycle {
    pub fn parse(root: &Element) -> Result<Lifecycle> {
        let mut l = Lifecycle::default();
        let action = |name: &str, event: &str| -> Result<Option<LifecycleAction>> {
            match root.child_text(name) {
                None => Ok(None),
                Some(t) => {
                    let a = LifecycleAction::from_xml(t.trim()).ok_or_else(|| {
                        unsupported(format!("unknown {name} action: {}", t.trim()))
                    })?;
                    if event != "crash"
                        && matches!(
                            a,
                            LifecycleAction::CoredumpDestroy | LifecycleAction::CoredumpRestart
                        )
                    {
                        return Err(unsupported(format!(
                            "Lifecycle event '{event}' doesn't support '{}' action",
                            a.as_xml()
                        )));
                    }
                    Ok(Some(a))
                }
            }
        };
        if let Some(a) = action("on_poweroff", "poweroff")? {
            l.on_poweroff = a;
        }
        if let Some(a) = action("on_reboot", "reboot")? {
            l.on_reboot = a;
        }
        if let Some(a) = action("on_crash", "crash")? {
            l.on_crash = a;
        }
        if let Some(t) = root.child_text("on_lockfailure") {
            l.on_lockfailure = Some(LockFailureAction::from_xml(t.trim()).ok_or_else(|| {
                unsupported(format!("unknown on_lockfailure action: {}", t.trim()))
            })?);
        }
        Ok(l)
    }

    pub fn format(&self, out: &mut Out) {
        out.text_child("on_poweroff", self.on_poweroff);
        out.text_child("on_reboot", self.on_reboot);
        out.text_child("on_crash", self.on_crash);
        out.text_child_opt("on_lockfailure", self.on_lockfailure);
    }
}

/// `<pm>`: guest-initiated suspend permissions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pm {
    pub suspend_to_mem: Option<bool>,
    pub suspend_to_disk: Option<bool>,
}

impl Pm {
    pub fn parse(el: &Element) -> Result<Pm> {
        let get = |n: &str| -> Result<Option<bool>> {
            match el.child(n) {
                None => Ok(None),
                Some(c) => c.yes_no_attr("enabled"),
            }
        };
        Ok(Pm {
            suspend_to_mem: get("suspend-to-mem")?,
            suspend_to_disk: get("suspend-to-disk")?,
        })
    }

    pub fn format(&self) -> Option<Out> {
        if self.suspend_to_mem.is_none() && self.suspend_to_disk.is_none() {
            return None;
        }
        let mut o = Out::new("pm");
        if let Some(v) = self.suspend_to_mem {
            o.push(Out::new("suspend-to-mem").attr("enabled", yes_no(v)));
        }
        if let Some(v) = self.suspend_to_disk {
            o.push(Out::new("suspend-to-disk").attr("enabled", yes_no(v)));
        }
        Some(o)
    }
}

/// `<perf>`: host perf counters for the guest, indexed like [`PERF_EVENTS`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perf(pub Vec<(usize, bool)>);

impl Perf {
    pub fn parse(el: &Element) -> Result<Perf> {
        let mut v: Vec<(usize, bool)> = Vec::new();
        for e in el.children_named("event") {
            let name = e.req_attr("name")?;
            let idx = PERF_EVENTS
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| unsupported(format!("unknown perf event '{name}'")))?;
            let enabled = e.yes_no_attr("enabled")?.ok_or_else(|| {
                crate::error::xml_error("Missing required attribute 'enabled' in element 'event'")
            })?;
            if !v.iter().any(|(i, _)| *i == idx) {
                v.push((idx, enabled));
            }
        }
        v.sort_by_key(|(i, _)| *i);
        Ok(Perf(v))
    }

    pub fn format(&self) -> Option<Out> {
        if self.0.is_empty() {
            return None;
        }
        let mut o = Out::new("perf");
        for (i, en) in &self.0 {
            o.push(
                Out::new("event")
                    .attr("name", PERF_EVENTS[*i])
                    .attr("enabled", yes_no(*en)),
            );
        }
        Some(o)
    }
}
