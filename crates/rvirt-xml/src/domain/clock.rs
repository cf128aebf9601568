//! `<clock>`: the guest's time base and its timers.

use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::Result;

xml_enum! {
    pub enum TimerName { Platform = "platform", Pit = "pit", Rtc = "rtc", Hpet = "hpet", Tsc = "tsc", Kvmclock = "kvmclock", Hypervclock = "hypervclock", Armvtimer = "armvtimer" }
}
xml_enum! {
    pub enum TickPolicy { Delay = "delay", Catchup = "catchup", Merge = "merge", Discard = "discard" }
}
xml_enum! {
    pub enum TimerTrack { Boot = "boot", Guest = "guest", Wall = "wall", Realtime = "realtime" }
}
xml_enum! {
    pub enum TimerMode { Auto = "auto", Native = "native", Emulate = "emulate", Paravirt = "paravirt", Smpsafe = "smpsafe" }
}

/// Where the guest clock starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClockOffset {
    Utc {
        reset: bool,
    },
    Localtime {
        reset: bool,
    },
    /// `basis` is `utc` or `localtime`.
    Variable {
        adjustment: i64,
        basis: String,
    },
    Timezone(String),
    Absolute(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timer {
    pub name: TimerName,
    pub present: Option<bool>,
    pub tickpolicy: Option<TickPolicy>,
    pub track: Option<TimerTrack>,
    pub frequency: Option<u64>,
    pub mode: Option<TimerMode>,
    pub catchup: Option<(Option<u32>, Option<u32>, Option<u32>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    pub offset: ClockOffset,
    pub timers: Vec<Timer>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            offset: ClockOffset::Utc { reset: false },
            timers: Vec::new(),
        }
    }
}

impl Clock {
    pub fn parse(el: &Element) -> Result<Clock> {
        let offset_s = el.attr("offset").unwrap_or("utc");
        let adjustment = el.attr("adjustment");
        let offset = match offset_s {
            "utc" | "localtime" => {
                let local = offset_s == "localtime";
                match adjustment {
                    None => {
                        if local {
                            ClockOffset::Localtime { reset: false }
                        } else {
                            ClockOffset::Utc { reset: false }
                        }
                    }
                    Some("reset") => {
                        if local {
                            ClockOffset::Localtime { reset: true }
                        } else {
                            ClockOffset::Utc { reset: true }
                        }
                    }
                    Some(a) => {
                        let adj: i64 = a
                            .trim()
                            .parse()
                            .map_err(|_| xml_error(format!("unknown clock adjustment '{a}'")))?;
                        ClockOffset::Variable {
                            adjustment: adj,
                            basis: offset_s.to_string(),
                        }
                    }
                }
            }
            "variable" => {
                let adj: i64 = match adjustment {
                    None => 0,
                    Some(a) => a
                        .trim()
                        .parse()
                        .map_err(|_| xml_error(format!("unknown clock adjustment '{a}'")))?,
                };
                let basis = match el.attr("basis") {
                    None => "utc".to_string(),
                    Some(b @ ("utc" | "localtime")) => b.to_string(),
                    Some(b) => return Err(unsupported(format!("unknown clock basis '{b}'"))),
                };
                ClockOffset::Variable {
                    adjustment: adj,
                    basis,
                }
            }
            "timezone" => ClockOffset::Timezone(
                el.attr("timezone")
                    .ok_or_else(|| {
                        internal("missing 'timezone' attribute for clock with offset='timezone'")
                    })?
                    .to_string(),
            ),
            "absolute" => {
                let s = el.attr("start").ok_or_else(|| {
                    internal("missing 'start' attribute for clock with offset='absolute'")
                })?;
                ClockOffset::Absolute(
                    s.trim()
                        .parse()
                        .map_err(|_| internal(format!("invalid 'start' value '{s}'")))?,
                )
            }
            other => return Err(unsupported(format!("unknown clock offset '{other}'"))),
        };
        let mut timers = Vec::new();
        for t in el.children_named("timer") {
            let name: TimerName = t.req_enum_attr("name")?;
            let tickpolicy = match t.attr("tickpolicy") {
                None => None,
                Some(p) => Some(
                    TickPolicy::from_xml(p)
                        .ok_or_else(|| unsupported(format!("unknown timer tickpolicy '{p}'")))?,
                ),
            };
            let track = match t.attr("track") {
                None => None,
                Some(p) => Some(
                    TimerTrack::from_xml(p)
                        .ok_or_else(|| unsupported(format!("unknown timer track '{p}'")))?,
                ),
            };
            let mode = match t.attr("mode") {
                None => None,
                Some(p) => Some(
                    TimerMode::from_xml(p)
                        .ok_or_else(|| unsupported(format!("unknown timer mode '{p}'")))?,
                ),
            };
            let frequency = match t.attr("frequency") {
                None => None,
                Some(f) => Some(
                    f.trim()
                        .parse::<u64>()
                        .map_err(|_| xml_error("invalid timer frequency"))?,
                ),
            };
            let catchup = match t.child("catchup") {
                None => None,
                Some(c) => Some((
                    c.num_attr("threshold")?,
                    c.num_attr("slew")?,
                    c.num_attr("limit")?,
                )),
            };
            let timer = Timer {
                name,
                present: t.yes_no_attr("present")?,
                tickpolicy,
                track,
                frequency,
                mode,
                catchup,
            };
            validate_timer(&timer)?;
            timers.push(timer);
        }
        Ok(Clock { offset, timers })
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("clock");
        match &self.offset {
            ClockOffset::Utc { reset } => {
                o.set("offset", "utc");
                if *reset {
                    o.set("adjustment", "reset");
                }
            }
            ClockOffset::Localtime { reset } => {
                o.set("offset", "localtime");
                if *reset {
                    o.set("adjustment", "reset");
                }
            }
            ClockOffset::Variable { adjustment, basis } => {
                o.set("offset", "variable");
                o.set("adjustment", adjustment);
                o.set("basis", basis);
            }
            ClockOffset::Timezone(tz) => {
                o.set("offset", "timezone");
                o.set("timezone", tz);
            }
            ClockOffset::Absolute(s) => {
                o.set("offset", "absolute");
                o.set("start", s);
            }
        }
        for t in &self.timers {
            let mut e = Out::new("timer")
                .attr("name", t.name)
                .attr_opt("present", t.present.map(yes_no))
                .attr_opt("tickpolicy", t.tickpolicy)
                .attr_opt("track", t.track)
                .attr_opt("frequency", t.frequency)
                .attr_opt("mode", t.mode);
            if let Some((th, sl, li)) = t.catchup {
                e.push_nonempty(
                    Out::new("catchup")
                        .attr_opt("threshold", th)
                        .attr_opt("slew", sl)
                        .attr_opt("limit", li),
                );
            }
            o.push(e);
        }
        o
    }
}

fn validate_timer(t: &Timer) -> Result<()> {
    let name = t.name.as_xml();
    if matches!(t.name, TimerName::Kvmclock | TimerName::Hypervclock) && t.tickpolicy.is_some() {
        return Err(unsupported(format!(
            "timer {name} doesn't support setting of timer tickpolicy"
        )));
    }
    if t.catchup.is_some() && t.tickpolicy != Some(TickPolicy::Catchup) {
        return Err(unsupported(
            "setting of timer catchup policies is only supported with tickpolicy='catchup'",
        ));
    }
    if t.name != TimerName::Tsc {
        if t.frequency.is_some() {
            return Err(unsupported(format!(
                "timer {name} doesn't support setting of timer frequency"
            )));
        }
        if t.mode.is_some() {
            return Err(unsupported(format!(
                "timer {name} doesn't support setting of timer mode"
            )));
        }
    }
    if !matches!(t.name, TimerName::Platform | TimerName::Rtc) && t.track.is_some() {
        return Err(unsupported(format!(
            "timer {name} doesn't support setting of timer track"
        )));
    }
    Ok(())
}
