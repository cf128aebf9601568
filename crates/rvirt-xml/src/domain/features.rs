//! `<features>`: hypervisor features switched on or off for the guest.

use crate::error::{unsupported, xml_error};
use crate::read::ElementExt;
use crate::tree::Element;
use crate::writer::{on_off, Out};
use rvirt_core::Result;

/// A feature with its settings. The variant order is libvirt's print order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feature {
    Acpi,
    Apic {
        eoi: Option<bool>,
    },
    Pae,
    Hap(bool),
    Viridian,
    Privnet,
    Hyperv {
        mode: String,
        items: Vec<HypervItem>,
    },
    Kvm(Vec<(String, bool, Option<u32>)>),
    Pvspinlock(bool),
    Capabilities {
        policy: String,
        caps: Vec<(String, bool)>,
    },
    Pmu(bool),
    Vmport(bool),
    Gic {
        version: Option<String>,
    },
    Smm {
        on: bool,
        tseg_bytes: Option<u64>,
    },
    Ioapic {
        driver: String,
    },
    Hpt {
        resizing: Option<String>,
        maxpagesize_kib: Option<u64>,
    },
    Vmcoreinfo(bool),
    Htm(bool),
    NestedHv(bool),
    Msrs {
        unknown: String,
    },
    CcfAssist(bool),
    Xen {
        e820_host: Option<bool>,
        passthrough: Option<(bool, Option<String>)>,
    },
    Cfpc(String),
    Sbbc(String),
    Ibs(String),
    Tcg {
        tb_cache_kib: Option<u64>,
    },
}

/// One Hyper-V enlightenment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HypervItem {
    pub name: &'static str,
    pub on: bool,
    /// `retries` for spinlocks.
    pub retries: Option<u32>,
    /// `value` for vendor_id.
    pub value: Option<String>,
    /// `<direct>` under stimer.
    pub direct: Option<bool>,
}

const HYPERV_ORDER: &[&str] = &[
    "relaxed",
    "vapic",
    "spinlocks",
    "vpindex",
    "runtime",
    "synic",
    "stimer",
    "reset",
    "vendor_id",
    "frequencies",
    "reenlightenment",
    "tlbflush",
    "ipi",
    "evmcs",
    "avic",
];
const KVM_ORDER: &[&str] = &[
    "hidden",
    "hint-dedicated",
    "poll-control",
    "pv-ipi",
    "dirty-ring",
];

impl Feature {
    fn rank(&self) -> u8 {
        use Feature::*;
        match self {
            Acpi => 0,
            Apic { .. } => 1,
            Pae => 2,
            Hap(_) => 3,
            Viridian => 4,
            Privnet => 5,
            Hyperv { .. } => 6,
            Kvm(_) => 7,
            Pvspinlock(_) => 8,
            Capabilities { .. } => 9,
            Pmu(_) => 10,
            Vmport(_) => 11,
            Gic { .. } => 12,
            Smm { .. } => 13,
            Ioapic { .. } => 14,
            Hpt { .. } => 15,
            Vmcoreinfo(_) => 16,
            Htm(_) => 17,
            NestedHv(_) => 18,
            Msrs { .. } => 19,
            CcfAssist(_) => 20,
            Xen { .. } => 21,
            Cfpc(_) => 22,
            Sbbc(_) => 23,
            Ibs(_) => 24,
            Tcg { .. } => 25,
        }
    }
}

/// `state='on|off'`, where a missing attribute means on.
fn state(el: &Element) -> Result<bool> {
    Ok(el.on_off_attr("state")?.unwrap_or(true))
}

fn req_state(el: &Element) -> Result<bool> {
    el.on_off_attr("state")?.ok_or_else(|| {
        xml_error(format!(
            "Missing 'state' attribute for HyperV Enlightenment feature '{}'",
            el.name
        ))
    })
}

fn one_of(el: &Element, attr: &str, allowed: &[&str]) -> Result<String> {
    let v = el.req_attr(attr)?;
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(crate::read::invalid_value(el, attr, v, None))
    }
}

/// `<features>` as an ordered set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features(pub Vec<Feature>);

impl Features {
    pub fn parse(el: &Element) -> Result<Features> {
        let mut list: Vec<Feature> = Vec::new();
        for f in el.elements() {
            let feat = match f.name.as_str() {
                "acpi" => Feature::Acpi,
                "apic" => Feature::Apic {
                    eoi: f.on_off_attr("eoi")?,
                },
                "pae" => Feature::Pae,
                "hap" => Feature::Hap(state(f)?),
                "viridian" => Feature::Viridian,
                "privnet" => Feature::Privnet,
                "hyperv" => {
                    let mode = match f.attr("mode") {
                        None => "custom".to_string(),
                        Some(_) => one_of(f, "mode", &["custom", "passthrough"])?,
                    };
                    let mut items = Vec::new();
                    for name in HYPERV_ORDER {
                        let Some(c) = f.child(name) else { continue };
                        let on = req_state(c)?;
                        let mut item = HypervItem {
                            name,
                            on,
                            retries: None,
                            value: None,
                            direct: None,
                        };
                        if *name == "spinlocks" && on {
                            let r = c
                                .num_attr::<u32>("retries")?
                                .ok_or_else(|| xml_error("missing HyperV spinlock retry count"))?;
                            if r < 4095 {
                                return Err(xml_error(
                                    "HyperV spinlock retry count must be at least 4095",
                                ));
                            }
                            item.retries = Some(r);
                        }
                        if *name == "vendor_id" && on {
                            let v = c.req_attr("value")?;
                            if v.len() > 12 {
                                return Err(xml_error(
                                    "HyperV vendor_id value must not be more than 12 characters."
                                        .to_string(),
                                ));
                            }
                            item.value = Some(v.to_string());
                        }
                        if *name == "stimer" {
                            if let Some(d) = c.child("direct") {
                                item.direct = Some(req_state(d)?);
                            }
                        }
                        items.push(item);
                    }
                    Feature::Hyperv { mode, items }
                }
                "kvm" => {
                    let mut items = Vec::new();
                    for name in KVM_ORDER {
                        let Some(c) = f.child(name) else { continue };
                        let on = c.on_off_attr("state")?.ok_or_else(|| {
                            xml_error(format!(
                                "missing 'state' attribute for KVM feature '{name}'"
                            ))
                        })?;
                        let size = if *name == "dirty-ring" && on {
                            let s = c.num_attr::<u32>("size")?;
                            if let Some(s) = s {
                                if !s.is_power_of_two() || !(1024..=65536).contains(&s) {
                                    return Err(xml_error(
                                        "dirty ring must be power of 2 and ranges [1024, 65536]",
                                    ));
                                }
                            }
                            s
                        } else {
                            None
                        };
                        items.push((name.to_string(), on, size));
                    }
                    Feature::Kvm(items)
                }
                "pvspinlock" => Feature::Pvspinlock(state(f)?),
                "capabilities" => {
                    let policy = match f.attr("policy") {
                        None => "default".to_string(),
                        Some(_) => one_of(f, "policy", &["default", "allow", "deny"])?,
                    };
                    let mut caps = Vec::new();
                    for c in f.elements() {
                        caps.push((c.name.clone(), state(c)?));
                    }
                    Feature::Capabilities { policy, caps }
                }
                "pmu" => Feature::Pmu(state(f)?),
                "vmport" => Feature::Vmport(state(f)?),
                "gic" => Feature::Gic {
                    version: f.string_attr("version"),
                },
                "smm" => {
                    let on = state(f)?;
                    let tseg = match f.child("tseg") {
                        None => None,
                        Some(t) => Some(crate::num::parse_scaled(
                            &t.text(),
                            t.attr("unit"),
                            1 << 20,
                            u64::MAX,
                            "./features/smm/tseg",
                        )?),
                    };
                    Feature::Smm {
                        on,
                        tseg_bytes: tseg,
                    }
                }
                "ioapic" => Feature::Ioapic {
                    driver: one_of(f, "driver", &["qemu", "kvm"])?,
                },
                "hpt" => {
                    let resizing = match f.attr("resizing") {
                        None => None,
                        Some(_) => {
                            Some(one_of(f, "resizing", &["enabled", "disabled", "required"])?)
                        }
                    };
                    let max = match f.child("maxpagesize") {
                        None => None,
                        Some(m) => Some(crate::domain::memory::parse_size_kib(
                            m,
                            "./features/hpt/maxpagesize",
                        )?),
                    };
                    Feature::Hpt {
                        resizing,
                        maxpagesize_kib: max,
                    }
                }
                "vmcoreinfo" => Feature::Vmcoreinfo(state(f)?),
                "htm" => Feature::Htm(state(f)?),
                "nested-hv" => Feature::NestedHv(state(f)?),
                "msrs" => Feature::Msrs {
                    unknown: one_of(f, "unknown", &["ignore", "fault"])?,
                },
                "ccf-assist" => Feature::CcfAssist(state(f)?),
                "xen" => {
                    let e820 = f
                        .child("e820_host")
                        .map(|c| c.on_off_attr("state"))
                        .transpose()?
                        .flatten();
                    let pt = match f.child("passthrough") {
                        None => None,
                        Some(p) => Some((
                            p.on_off_attr("state")?.unwrap_or(true),
                            p.string_attr("mode"),
                        )),
                    };
                    Feature::Xen {
                        e820_host: e820,
                        passthrough: pt,
                    }
                }
                "cfpc" => Feature::Cfpc(one_of(f, "value", &["broken", "workaround", "fixed"])?),
                "sbbc" => Feature::Sbbc(one_of(f, "value", &["broken", "workaround", "fixed"])?),
                "ibs" => Feature::Ibs(one_of(
                    f,
                    "value",
                    &["broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"],
                )?),
                "tcg" => {
                    let tb = match f.child("tb-cache") {
                        None => None,
                        Some(t) => Some(crate::domain::memory::parse_size_kib(
                            t,
                            "./features/tcg/tb-cache",
                        )?),
                    };
                    Feature::Tcg { tb_cache_kib: tb }
                }
                other => return Err(unsupported(format!("unexpected feature '{other}'"))),
            };
            if let Some(pos) = list.iter().position(|x| x.rank() == feat.rank()) {
                list[pos] = feat;
            } else {
                list.push(feat);
            }
        }
        list.sort_by_key(Feature::rank);
        Ok(Features(list))
    }

    pub fn has_acpi(&self) -> bool {
        self.0.iter().any(|f| matches!(f, Feature::Acpi))
    }

    pub fn format(&self) -> Out {
        let mut o = Out::new("features");
        let st = |name: &str, on: bool| Out::new(name).attr("state", on_off(on));
        for f in &self.0 {
            let e = match f {
                Feature::Acpi => Out::new("acpi"),
                Feature::Apic { eoi } => Out::new("apic").attr_opt("eoi", eoi.map(on_off)),
                Feature::Pae => Out::new("pae"),
                Feature::Hap(on) => st("hap", *on),
                Feature::Viridian => Out::new("viridian"),
                Feature::Privnet => Out::new("privnet"),
                Feature::Hyperv { mode, items } => {
                    let mut h = Out::new("hyperv").attr("mode", mode).keep_open();
                    for it in items {
                        let mut c = st(it.name, it.on);
                        if it.on {
                            c.set_opt("retries", it.retries);
                            c.set_opt("value", it.value.as_ref());
                        }
                        if let Some(d) = it.direct {
                            c.push(st("direct", d));
                        }
                        h.push(c);
                    }
                    h
                }
                Feature::Kvm(items) => {
                    let mut k = Out::new("kvm").keep_open();
                    for (name, on, size) in items {
                        k.push(st(name, *on).attr_opt("size", *size));
                    }
                    k
                }
                Feature::Pvspinlock(on) => st("pvspinlock", *on),
                Feature::Capabilities { policy, caps } => {
                    let mut c = Out::new("capabilities").attr("policy", policy);
                    for (name, on) in caps {
                        c.push(st(name, *on));
                    }
                    c
                }
                Feature::Pmu(on) => st("pmu", *on),
                Feature::Vmport(on) => st("vmport", *on),
                Feature::Gic { version } => Out::new("gic").attr_opt("version", version.as_ref()),
                Feature::Smm { on, tseg_bytes } => {
                    let mut s = st("smm", *on);
                    if let Some(b) = tseg_bytes {
                        let (v, unit) = crate::num::pretty_size(*b);
                        s.push(Out::new("tseg").attr("unit", unit).text(v));
                    }
                    s
                }
                Feature::Ioapic { driver } => Out::new("ioapic").attr("driver", driver),
                Feature::Hpt {
                    resizing,
                    maxpagesize_kib,
                } => {
                    let mut h = Out::new("hpt").attr_opt("resizing", resizing.as_ref());
                    if let Some(m) = maxpagesize_kib {
                        h.push(Out::new("maxpagesize").attr("unit", "KiB").text(m));
                    }
                    h
                }
                Feature::Vmcoreinfo(on) => st("vmcoreinfo", *on),
                Feature::Htm(on) => st("htm", *on),
                Feature::NestedHv(on) => st("nested-hv", *on),
                Feature::Msrs { unknown } => Out::new("msrs").attr("unknown", unknown),
                Feature::CcfAssist(on) => st("ccf-assist", *on),
                Feature::Xen {
                    e820_host,
                    passthrough,
                } => {
                    let mut x = Out::new("xen");
                    if let Some(e) = e820_host {
                        x.push(st("e820_host", *e));
                    }
                    if let Some((on, mode)) = passthrough {
                        x.push(st("passthrough", *on).attr_opt("mode", mode.as_ref()));
                    }
                    x
                }
                Feature::Cfpc(v) => Out::new("cfpc").attr("value", v),
                Feature::Sbbc(v) => Out::new("sbbc").attr("value", v),
                Feature::Ibs(v) => Out::new("ibs").attr("value", v),
                Feature::Tcg { tb_cache_kib } => {
                    let mut t = Out::new("tcg");
                    if let Some(k) = tb_cache_kib {
                        t.push(Out::new("tb-cache").attr("unit", "KiB").text(k));
                    }
                    t
                }
            };
            o.push(e);
        }
        o
    }
}
