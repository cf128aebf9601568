//! Naming an x86 CPU the way libvirt 9.0 does: a set of features (from CPUID on the host,
//! or from what QEMU says its `host`/`max` CPU has) is matched against libvirt's CPU
//! models, and the best model plus the features it lacks (`require`) or has too many
//! (`disable`) describe the CPU.
//!
//! The choice reproduces libvirt's, including its quirks, because `virsh capabilities`
//! and `domcapabilities` show it and tools compare it: models are tried from the newest
//! (last in the map) to the oldest, a model of another vendor is skipped, a model whose
//! signature matches the CPU's is preferred, and otherwise the shorter feature list wins,
//! disabled features costing a growing penalty (2, 3, 4, ...). libvirt's penalty loop
//! stops early (it walks the list while shrinking the bound it walks to), so only about
//! half of a long tail of disabled features is charged; that is kept, as it decides
//! between models (`Opteron_G2` rather than `EPYC` for a TCG i686 guest).

use super::cpu_map::{Bits, Model, FEATURES, MODELS, VENDORS};
use super::CpuModel;
use std::collections::HashMap;
use std::sync::OnceLock;

const WORDS: usize = 4;
const _: () = assert!(FEATURES.len() <= WORDS * 64, "FeatureSet is too small");

/// A set of features of [`FEATURES`], by index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeatureSet([u64; WORDS]);

impl FeatureSet {
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub fn remove(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w &= !(1 << (i % 64));
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Features in `self` and not in `other`.
    pub fn minus(&self, other: &FeatureSet) -> FeatureSet {
        let mut out = *self;
        for (a, b) in out.0.iter_mut().zip(other.0.iter()) {
            *a &= !b;
        }
        out
    }

    /// The members in the map's order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..FEATURES.len()).filter(|&i| self.contains(i))
    }

    /// The members' names in the map's order.
    pub fn names(&self) -> Vec<&'static str> {
        self.iter()
            .filter_map(|i| FEATURES.get(i).map(|f| f.name))
            .collect()
    }

    /// A set from libvirt or QEMU feature names; unknown names are ignored (QEMU has
    /// properties, like `kvm-asyncpf`, that libvirt does not model).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> FeatureSet {
        let mut s = FeatureSet::default();
        for n in names {
            if let Some(i) = feature_index(n) {
                s.insert(i);
            }
        }
        s
    }
}

/// The index of a feature by libvirt's name or one of QEMU's spellings.
pub fn feature_index(name: &str) -> Option<usize> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    let map = INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, f) in FEATURES.iter().enumerate() {
            m.insert(f.name, i);
            for a in f.aliases {
                m.entry(*a).or_insert(i);
            }
        }
        m
    });
    map.get(name).copied()
}

/// The bits of feature `i`.
pub fn feature_bits(i: usize) -> Option<Bits> {
    FEATURES.get(i).map(|f| f.bits)
}

/// Whether a feature lives in an MSR rather than in CPUID.
pub fn is_msr_feature(name: &str) -> bool {
    feature_index(name)
        .and_then(feature_bits)
        .is_some_and(|b| matches!(b, Bits::Msr(..)))
}

/// libvirt's vendor name for a CPUID vendor string (`AuthenticAMD` -> `AMD`).
pub fn vendor_name(cpuid_string: &str) -> Option<&'static str> {
    VENDORS
        .iter()
        .find(|(_, s)| *s == cpuid_string)
        .map(|(n, _)| *n)
}

/// Whether libvirt's map knows a CPU model (what `domcapabilities` lists of QEMU's).
pub fn model(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}

/// What is known of a CPU before naming it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuData {
    pub features: FeatureSet,
    /// libvirt's vendor name (`AMD`, `Intel`, `Hygon`).
    pub vendor: Option<&'static str>,
    /// `(family, model, stepping)`.
    pub signature: Option<(u32, u32, u32)>,
}

/// Whether the description is of the host (features may only be added) or of a guest
/// (features may also be disabled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuKind {
    Host,
    Guest,
}

/// A named CPU: model, vendor, then `(feature, disabled)` in libvirt's order (required
/// features, then disabled ones, then features the model dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedCpu {
    pub model: &'static str,
    pub vendor: Option<&'static str>,
    pub features: Vec<(&'static str, bool)>,
}

impl NamedCpu {
    /// `(total, penalty)` as libvirt weighs a candidate.
    fn weight(&self, kind: CpuKind) -> (usize, usize) {
        if kind == CpuKind::Host {
            return (self.features.len(), 0);
        }
        let mut enabled = self.features.len();
        let mut disabled = 0;
        let mut penalty = 2;
        let mut i = 0;
        while i < enabled {
            if self.features.get(i).is_some_and(|(_, d)| *d) {
                enabled -= 1;
                disabled += penalty;
                penalty += 1;
            }
            i += 1;
        }
        (enabled + disabled, disabled)
    }
}

fn signature_matches(m: &Model, sig: (u32, u32, u32)) -> bool {
    m.signatures.iter().any(|&(f, md, st)| {
        f == sig.0 && md == sig.1 && st.is_none_or(|(lo, hi)| (lo..=hi).contains(&sig.2))
    })
}

/// Drops TSX from the Intel CPUs whose TSX is broken, as libvirt does before naming.
fn filter_tsx(data: &mut CpuData) {
    let Some((family, model, stepping)) = data.signature else {
        return;
    };
    if data.vendor == Some("Intel")
        && family == 6
        && ((model == 63 && stepping < 4) || model == 60 || model == 69 || model == 70)
    {
        for f in ["hle", "rtm"] {
            if let Some(i) = feature_index(f) {
                data.features.remove(i);
            }
        }
    }
}

/// The candidate description of `data` as model `m`, with the hypervisor's blockers of
/// that model (features QEMU cannot give it) disabled.
fn candidate(data: &CpuData, m: &'static Model, blockers: &[String], kind: CpuKind) -> NamedCpu {
    let model = FeatureSet::from_names(m.features.iter().copied());
    let required = data.features.minus(&model);
    let mut disabled = model.minus(&data.features);
    for b in blockers {
        if let Some(i) = feature_index(b) {
            if !required.contains(i) {
                disabled.insert(i);
            }
        }
    }
    let mut features: Vec<(&'static str, bool)> = required
        .names()
        .into_iter()
        .map(|n| (n, false))
        .chain(disabled.names().into_iter().map(|n| (n, true)))
        .collect();
    if kind == CpuKind::Guest {
        for r in m.removed {
            if !features.iter().any(|(n, _)| n == r) {
                features.push((r, true));
            }
        }
    }
    NamedCpu {
        model: m.name,
        vendor: data.vendor,
        features,
    }
}

/// Names `data`. `hv` limits the models to those the hypervisor offers (with their
/// blockers); `None` allows every model of the map (the host's own CPU).
pub fn decode(data: &CpuData, kind: CpuKind, hv: Option<&[CpuModel]>) -> Option<NamedCpu> {
    let mut data = data.clone();
    filter_tsx(&mut data);
    let mut best: Option<(&'static Model, NamedCpu)> = None;
    for m in MODELS.iter().rev() {
        let blockers: &[String] = match hv {
            None => &[],
            Some(list) => match list.iter().find(|c| c.name == m.name) {
                Some(c) => &c.unavailable,
                None => continue,
            },
        };
        if let (Some(v), Some(mv)) = (data.vendor, m.vendor) {
            if v != mv {
                continue;
            }
        }
        let cand = candidate(&data, m, blockers, kind);
        match kind {
            CpuKind::Host if !m.decode_host || cand.features.iter().any(|(_, d)| *d) => continue,
            CpuKind::Guest if !m.decode_guest => continue,
            _ => {}
        }
        let better = match &best {
            None => true,
            Some((cur_model, cur)) => {
                let sig = data.signature;
                let cur_sig = sig.is_some_and(|s| signature_matches(cur_model, s));
                let cand_sig = sig.is_some_and(|s| signature_matches(m, s));
                if cur_sig && !cand_sig {
                    false
                } else if !cur_sig && cand_sig {
                    true
                } else {
                    let (c, cd) = cand.weight(kind);
                    let (b, bd) = cur.weight(kind);
                    c < b || (c == b && cd < bd)
                }
            }
        };
        if better {
            best = Some((m, cand));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_resolve() {
        assert!(feature_index("cmp_legacy").is_some());
        assert_eq!(feature_index("cmp-legacy"), feature_index("cmp_legacy"));
        assert_eq!(feature_index("pclmulqdq"), feature_index("pclmuldq"));
        assert_eq!(vendor_name("AuthenticAMD"), Some("AMD"));
        assert!(model("EPYC").is_some());
        assert!(model("EPYC-v1").is_none());
    }

    #[test]
    fn penalty_stops_halfway_as_libvirts() {
        let c = NamedCpu {
            model: "x",
            vendor: None,
            features: [false; 46]
                .iter()
                .map(|d| ("f", *d))
                .chain([("a", true), ("b", true)])
                .collect(),
        };
        // 46 required + 2 disabled: only the first disabled one is charged.
        assert_eq!(c.weight(CpuKind::Guest), (49, 2));
        assert_eq!(c.weight(CpuKind::Host), (48, 0));
    }

    #[test]
    fn a_plain_cpu_is_the_model_it_equals() {
        let m = model("Opteron_G1").expect("model");
        let data = CpuData {
            features: FeatureSet::from_names(m.features.iter().copied()),
            vendor: Some("AMD"),
            signature: Some((15, 6, 1)),
        };
        let c = decode(&data, CpuKind::Host, None).expect("named");
        assert_eq!(c.model, "Opteron_G1");
        assert!(c.features.is_empty());
    }
}
