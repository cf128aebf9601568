//! Virtual CPU count and placement (`<vcpu>`, `<vcpus>`), I/O threads and `<cputune>`.

use crate::bitmap::Bitmap;
use crate::error::{internal, unsupported, xml_error};
use crate::read::{ElementExt, XmlEnum};
use crate::tree::Element;
use crate::writer::{yes_no, Out};
use crate::xml_enum;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};

xml_enum! {
    pub enum Placement { Static = "static", Auto = "auto" }
}

xml_enum! {
    /// Process scheduler policies (`virProcessSchedPolicy`).
    pub enum SchedPolicy { Batch = "batch", Idle = "idle", Fifo = "fifo", Rr = "rr" }
}

/// One vCPU's state as `<vcpus>` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VcpuState {
    pub online: bool,
    pub hotpluggable: Option<bool>,
    pub order: u32,
}

/// `<vcpu>` and `<vcpus>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vcpus {
    pub max: u32,
    /// Online count (`current=`), equal to `max` when not given.
    pub current: u32,
    pub placement: Placement,
    pub cpuset: Option<Bitmap>,
    /// Per-vCPU state, present only when the input had `<vcpus>`.
    pub individual: Option<Vec<VcpuState>>,
}

impl Vcpus {
    /// `n` vCPUs online (the first `n` of the individual states, when there are any).
    pub fn set_online(&mut self, n: u32) {
        self.current = n;
        if let Some(states) = &mut self.individual {
            for (idx, s) in states.iter_mut().enumerate() {
                s.online = (idx as u32) < n;
            }
        }
    }

    /// A new maximum; the online count is cut down to it.
    pub fn set_max(&mut self, n: u32) {
        self.max = n;
        if self.current > n {
            self.current = n;
        }
        if let Some(st) = &mut self.individual {
            st.resize(n as usize, Default::default());
        }
    }
}

impl Default for Vcpus {
    fn default() -> Vcpus {
        Vcpus {
            max: 1,
            current: 1,
            placement: Placement::Static,
            cpuset: None,
            individual: None,
        }
    }
}

impl Vcpus {
    pub fn parse(vcpu: Option<&Element>, vcpus: Option<&Element>) -> Result<Vcpus> {
        let mut v = Vcpus::default();
        if let Some(el) = vcpu {
            let t = el.text();
            let max: u32 = t
                .trim()
                .parse()
                .map_err(|_| xml_error("maximum vcpus count must be an integer"))?;
            if max == 0 {
                // libvirt 9.0 refuses this with an unrelated NUMA message; say what is wrong.
                return Err(unsupported(
                    "a domain needs at least one vCPU, but <vcpu> is 0",
                ));
            }
            v.max = max;
            v.current = max;
            if let Some(c) = el.attr("current") {
                let cur: u32 = c
                    .trim()
                    .parse()
                    .map_err(|_| xml_error("current vcpus count must be an integer"))?;
                if cur > max {
                    return Err(unsupported(
                        "maximum vCPU count must not be less than current vCPU count",
                    ));
                }
                v.current = cur;
            }
            if let Some(p) = el.attr("placement") {
                v.placement = Placement::from_xml(p)
                    .ok_or_else(|| xml_error(format!("Unsupported CPU placement mode '{p}'")))?;
            }
            if let Some(cs) = el.attr("cpuset") {
                let b = Bitmap::parse(cs).ok_or_else(|| {
                    Error::new(
                        ErrorDomain::DOMAIN,
                        ErrorCode::XML_ERROR,
                        Some(format!("Invalid value of 'cpuset': {cs}")),
                    )
                })?;
                if b.is_empty() {
                    return Err(unsupported(format!("Invalid value of 'cpuset': {cs}")));
                }
                v.cpuset = Some(b);
            }
        }
        if let Some(list) = vcpus {
            let mut states = vec![VcpuState::default(); v.max as usize];
            let mut seen = vec![false; v.max as usize];
            for c in list.children_named("vcpu") {
                let id: u32 = c
                    .req_attr("id")?
                    .trim()
                    .parse()
                    .map_err(|_| xml_error("failed to parse vcpu id"))?;
                let idx = id as usize;
                if idx >= states.len() {
                    return Err(unsupported(format!(
                        "vcpu id '{id}' is out of range of maximum vcpu count"
                    )));
                }
                if seen[idx] {
                    return Err(xml_error(format!("duplicate vcpu id '{id}'")));
                }
                seen[idx] = true;
                let enabled = c
                    .yes_no_attr("enabled")?
                    .ok_or_else(|| xml_error("missing vcpu enabled state"))?;
                states[idx] = VcpuState {
                    online: enabled,
                    hotpluggable: c.yes_no_attr("hotpluggable")?,
                    order: c.num_attr::<u32>("order")?.unwrap_or(0),
                };
            }
            v.current = states.iter().filter(|s| s.online).count() as u32;
            v.individual = Some(states);
        }
        Ok(v)
    }

    /// Fills libvirt's hotplug defaults: online vCPUs are not hotpluggable, offline ones are.
    pub fn post_parse(&mut self) -> Result<()> {
        if let Some(states) = &mut self.individual {
            for (i, s) in states.iter_mut().enumerate() {
                match s.hotpluggable {
                    None => s.hotpluggable = Some(!s.online),
                    Some(false) if !s.online => {
                        return Err(unsupported(format!(
                            "vcpu '{i}' is both offline and not hotpluggable"
                        )))
                    }
                    _ => {}
                }
            }
        }
        if self.placement == Placement::Auto {
            self.cpuset = None;
        }
        Ok(())
    }

    /// `<vcpu>` then, when per-vCPU state was given, `<vcpus>`.
    pub fn format(&self, out: &mut Out) {
        let mut v = Out::new("vcpu").attr("placement", self.placement);
        if let Some(cs) = &self.cpuset {
            if !cs.is_all_set(crate::bitmap::MAX_BIT) {
                v.set("cpuset", cs);
            }
        }
        if self.current != self.max {
            v.set("current", self.current);
        }
        out.push(v.text(self.max));
        if let Some(states) = &self.individual {
            let mut list = Out::new("vcpus");
            for (i, s) in states.iter().enumerate() {
                let mut c = Out::new("vcpu")
                    .attr("id", i)
                    .attr("enabled", yes_no(s.online));
                c.set_opt("hotpluggable", s.hotpluggable.map(yes_no));
                if s.order != 0 {
                    c.set("order", s.order);
                }
                list.push(c);
            }
            out.push(list);
        }
    }
}

/// One `<iothread>` of `<iothreadids>`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Iothread {
    pub id: u32,
    pub pool_min: Option<i32>,
    pub pool_max: Option<i32>,
    pub poll: Option<(Option<u64>, Option<u64>, Option<u64>)>,
    /// Generated from `<iothreads>N</iothreads>` rather than listed.
    pub autofill: bool,
}

/// `<iothreads>`, `<iothreadids>` and `<defaultiothread>`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Iothreads {
    pub threads: Vec<Iothread>,
    pub default_pool: Option<(Option<i32>, Option<i32>)>,
}

fn pool_attrs(el: &Element) -> Result<(Option<i32>, Option<i32>)> {
    let min = el.num_attr::<i32>("thread_pool_min")?;
    let max = el.num_attr::<i32>("thread_pool_max")?;
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            return Err(unsupported(
                "thread_pool_min must be smaller or equal to thread_pool_max",
            ));
        }
    }
    Ok((min, max))
}

impl Iothreads {
    pub fn parse(
        count: Option<&Element>,
        ids: Option<&Element>,
        default: Option<&Element>,
    ) -> Result<Iothreads> {
        let mut it = Iothreads::default();
        let n: u32 = match count {
            None => 0,
            Some(c) => c
                .text()
                .trim()
                .parse()
                .map_err(|_| xml_error("invalid iothreads count"))?,
        };
        if let Some(list) = ids {
            for t in list.children_named("iothread") {
                let id = t.num_attr::<u32>("id")?.ok_or_else(|| {
                    xml_error("Missing required attribute 'id' in element 'iothread'")
                })?;
                if id == 0 {
                    return Err(xml_error("Invalid value for attribute 'id' in element 'iothread': Zero is not permitted"));
                }
                if it.threads.iter().any(|x| x.id == id) {
                    return Err(xml_error(format!("duplicate iothread id '{id}' found")));
                }
                let (pool_min, pool_max) = pool_attrs(t)?;
                let poll = match t.child("poll") {
                    None => None,
                    Some(p) => Some((
                        p.num_attr("max")?,
                        p.num_attr("grow")?,
                        p.num_attr("shrink")?,
                    )),
                };
                it.threads.push(Iothread {
                    id,
                    pool_min,
                    pool_max,
                    poll,
                    autofill: false,
                });
            }
        }
        if (it.threads.len() as u32) < n {
            let mut next = 1;
            while (it.threads.len() as u32) < n {
                while it.threads.iter().any(|x| x.id == next) {
                    next += 1;
                }
                it.threads.push(Iothread {
                    id: next,
                    autofill: true,
                    ..Default::default()
                });
                next += 1;
            }
        }
        if let Some(d) = default {
            it.default_pool = Some(pool_attrs(d)?);
        }
        Ok(it)
    }

    pub fn format(&self, out: &mut Out) {
        if !self.threads.is_empty() {
            out.text_child("iothreads", self.threads.len());
            let explicit = self.threads.iter().any(|t| {
                !t.autofill || t.pool_min.is_some() || t.pool_max.is_some() || t.poll.is_some()
            });
            if explicit {
                let mut ids = Out::new("iothreadids");
                for t in &self.threads {
                    let mut e = Out::new("iothread")
                        .attr("id", t.id)
                        .attr_opt("thread_pool_min", t.pool_min)
                        .attr_opt("thread_pool_max", t.pool_max);
                    if let Some((max, grow, shrink)) = t.poll {
                        e.push(
                            Out::new("poll")
                                .attr_opt("max", max)
                                .attr_opt("grow", grow)
                                .attr_opt("shrink", shrink),
                        );
                    }
                    ids.push(e);
                }
                out.push(ids);
            }
        }
        if let Some((min, max)) = self.default_pool {
            if min.is_some() || max.is_some() {
                out.push(
                    Out::new("defaultiothread")
                        .attr_opt("thread_pool_min", min)
                        .attr_opt("thread_pool_max", max),
                );
            }
        }
    }

    pub fn contains(&self, id: u32) -> bool {
        self.threads.iter().any(|t| t.id == id)
    }
}

/// A scheduler setting for one vCPU, iothread or the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sched {
    pub policy: SchedPolicy,
    pub priority: Option<i32>,
}

/// `<cputune>`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Cputune {
    pub shares: Option<u64>,
    pub period: u64,
    pub quota: i64,
    pub global_period: u64,
    pub global_quota: i64,
    pub emulator_period: u64,
    pub emulator_quota: i64,
    pub iothread_period: u64,
    pub iothread_quota: i64,
    /// `(vcpu id, cpuset)`, sorted by id.
    pub vcpupin: Vec<(u32, Bitmap)>,
    pub emulatorpin: Option<Bitmap>,
    pub iothreadpin: Vec<(u32, Bitmap)>,
    pub emulatorsched: Option<Sched>,
    /// Per vCPU id.
    pub vcpusched: Vec<(u32, Sched)>,
    /// Per iothread id.
    pub iothreadsched: Vec<(u32, Sched)>,
    /// Cache and memory-bandwidth tuning kept as parsed (rarely used, no defaults).
    pub cachetune: Vec<Element>,
    pub memorytune: Vec<Element>,
}

fn tune_num<T: std::str::FromStr>(el: &Element, name: &str, what: &str) -> Result<Option<T>> {
    match el.child(name) {
        None => Ok(None),
        Some(c) => c
            .text()
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| xml_error(format!("can't parse cputune {what} value"))),
    }
}

fn cpuset_attr(el: &Element) -> Result<Bitmap> {
    let s = el.req_attr("cpuset")?;
    Bitmap::parse(s).ok_or_else(|| xml_error(format!("Invalid value of 'cpuset': {s}")))
}

fn sched(el: &Element) -> Result<Sched> {
    let p = el.attr("scheduler").ok_or_else(|| {
        xml_error(format!(
            "Missing scheduler attribute in element '{}'",
            el.name
        ))
    })?;
    let policy = SchedPolicy::from_xml(p)
        .ok_or_else(|| xml_error(format!("Invalid scheduler attribute: '{p}'")))?;
    let priority = if matches!(policy, SchedPolicy::Fifo | SchedPolicy::Rr) {
        Some(
            el.attr("priority")
                .ok_or_else(|| xml_error("Missing scheduler priority"))?
                .trim()
                .parse()
                .map_err(|_| xml_error("Invalid value for element priority"))?,
        )
    } else {
        None
    };
    Ok(Sched { policy, priority })
}

fn sched_format(name: &str, attr: &str, id: u32, s: &Sched) -> Out {
    Out::new(name)
        .attr(attr, id)
        .attr("scheduler", s.policy)
        .attr_opt("priority", s.priority)
}

impl Cputune {
    pub fn parse(el: &Element, vcpus: &Vcpus, iothreads: &Iothreads) -> Result<Cputune> {
        let mut c = Cputune {
            shares: tune_num(el, "shares", "shares")?,
            period: tune_num(el, "period", "period")?.unwrap_or(0),
            quota: tune_num(el, "quota", "quota")?.unwrap_or(0),
            global_period: tune_num(el, "global_period", "global period")?.unwrap_or(0),
            global_quota: tune_num(el, "global_quota", "global quota")?.unwrap_or(0),
            emulator_period: tune_num(el, "emulator_period", "emulator period")?.unwrap_or(0),
            emulator_quota: tune_num(el, "emulator_quota", "emulator quota")?.unwrap_or(0),
            iothread_period: tune_num(el, "iothread_period", "iothread period")?.unwrap_or(0),
            iothread_quota: tune_num(el, "iothread_quota", "iothread quota")?.unwrap_or(0),
            ..Default::default()
        };
        for p in el.children_named("vcpupin") {
            let id: u32 = p
                .req_attr("vcpu")?
                .trim()
                .parse()
                .map_err(|_| xml_error("vcpu id must be an unsigned integer or -1"))?;
            if id >= vcpus.max {
                // libvirt only warns about a pin for a vCPU the domain does not have and
                // drops it.
                continue;
            }
            if c.vcpupin.iter().any(|(v, _)| *v == id) {
                return Err(internal("duplicate vcpupin for same vcpu"));
            }
            c.vcpupin.push((id, cpuset_attr(p)?));
        }
        c.vcpupin.sort_by_key(|(v, _)| *v);
        let pins: Vec<&Element> = el.children_named("emulatorpin").collect();
        if pins.len() > 1 {
            return Err(xml_error("only one emulatorpin is supported"));
        }
        if let Some(p) = pins.first() {
            c.emulatorpin = Some(cpuset_attr(p)?);
        }
        for p in el.children_named("iothreadpin") {
            let id: u32 = p
                .req_attr("iothread")?
                .trim()
                .parse()
                .map_err(|_| xml_error("invalid setting for iothread"))?;
            if !iothreads.contains(id) {
                return Err(Error::new(
                    ErrorDomain::DOMAIN,
                    ErrorCode::XML_ERROR,
                    Some(format!("Cannot find 'iothread' : {id}")),
                ));
            }
            if c.iothreadpin.iter().any(|(i, _)| *i == id) {
                return Err(xml_error("duplicate iothreadpin for same iothread"));
            }
            c.iothreadpin.push((id, cpuset_attr(p)?));
        }
        let scheds: Vec<&Element> = el.children_named("emulatorsched").collect();
        if scheds.len() > 1 {
            return Err(xml_error("only one emulatorsched is supported"));
        }
        if let Some(s) = scheds.first() {
            c.emulatorsched = Some(sched(s)?);
        }
        for s in el.children_named("vcpusched") {
            let set = s.req_attr("vcpus")?;
            let ids = Bitmap::parse(set)
                .ok_or_else(|| xml_error(format!("Invalid value of 'vcpus': {set}")))?;
            if ids.is_empty() {
                return Err(xml_error(format!(
                    "'vcpusched' scheduler bitmap '{set}' is empty"
                )));
            }
            let sc = sched(s)?;
            for id in ids.iter() {
                if c.vcpusched.iter().any(|(v, _)| *v == id) {
                    return Err(Error::raw(
                        ErrorDomain::DOMAIN,
                        ErrorCode::XML_DETAIL,
                        "'vcpusched' attributes 'vcpus' must not overlap",
                    ));
                }
                if id < vcpus.max {
                    c.vcpusched.push((id, sc));
                }
            }
        }
        c.vcpusched.sort_by_key(|(v, _)| *v);
        for s in el.children_named("iothreadsched") {
            let set = s.req_attr("iothreads")?;
            let ids = Bitmap::parse(set)
                .ok_or_else(|| xml_error(format!("Invalid value of 'iothreads': {set}")))?;
            let sc = sched(s)?;
            for id in ids.iter() {
                if !iothreads.contains(id) {
                    return Err(xml_error(format!("Cannot find 'iothread' : {id}")));
                }
                if c.iothreadsched.iter().any(|(v, _)| *v == id) {
                    return Err(Error::raw(
                        ErrorDomain::DOMAIN,
                        ErrorCode::XML_DETAIL,
                        "'iothreadsched' attributes 'iothreads' must not overlap",
                    ));
                }
                c.iothreadsched.push((id, sc));
            }
        }
        c.iothreadsched.sort_by_key(|(v, _)| *v);
        c.cachetune = el.children_named("cachetune").cloned().collect();
        c.memorytune = el.children_named("memorytune").cloned().collect();
        Ok(c)
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("cputune");
        o.text_child_opt("shares", self.shares);
        let nz_u = |o: &mut Out, n: &str, v: u64| {
            if v != 0 {
                o.text_child(n, v)
            }
        };
        let nz_i = |o: &mut Out, n: &str, v: i64| {
            if v != 0 {
                o.text_child(n, v)
            }
        };
        nz_u(&mut o, "period", self.period);
        nz_i(&mut o, "quota", self.quota);
        nz_u(&mut o, "global_period", self.global_period);
        nz_i(&mut o, "global_quota", self.global_quota);
        nz_u(&mut o, "emulator_period", self.emulator_period);
        nz_i(&mut o, "emulator_quota", self.emulator_quota);
        nz_u(&mut o, "iothread_period", self.iothread_period);
        nz_i(&mut o, "iothread_quota", self.iothread_quota);
        for (v, set) in &self.vcpupin {
            o.push(Out::new("vcpupin").attr("vcpu", v).attr("cpuset", set));
        }
        if let Some(e) = &self.emulatorpin {
            o.push(Out::new("emulatorpin").attr("cpuset", e));
        }
        for (i, set) in &self.iothreadpin {
            o.push(
                Out::new("iothreadpin")
                    .attr("iothread", i)
                    .attr("cpuset", set),
            );
        }
        if let Some(s) = &self.emulatorsched {
            o.push(
                Out::new("emulatorsched")
                    .attr("scheduler", s.policy)
                    .attr_opt("priority", s.priority),
            );
        }
        for (v, s) in &self.vcpusched {
            o.push(sched_format("vcpusched", "vcpus", *v, s));
        }
        for (i, s) in &self.iothreadsched {
            o.push(sched_format("iothreadsched", "iothreads", *i, s));
        }
        for c in self.cachetune.iter().chain(&self.memorytune) {
            o.push(crate::domain::devices::opaque::Opaque(c.clone()).format(&Default::default()));
        }
        o
    }
}
