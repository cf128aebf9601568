//! CPU and NUMA node sets (`cpuset='0-3,^2,6'`), as libvirt's bitmap parser reads them and
//! its formatter prints them (sorted ranges).

use std::collections::BTreeSet;
use std::fmt;

/// Highest bit index accepted, as libvirt's `VIR_DOMAIN_CPUMASK_LEN`.
pub const MAX_BIT: u32 = 16384;

/// A set of small non-negative integers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bitmap(BTreeSet<u32>);

impl Bitmap {
    pub fn new() -> Bitmap {
        Bitmap::default()
    }

    /// Parses `0-3,^2,6`. Exclusions (`^N`) remove from what came before. `None` when the
    /// text is not a valid set.
    pub fn parse(s: &str) -> Option<Bitmap> {
        let mut set = BTreeSet::new();
        let mut excl = BTreeSet::new();
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        for part in s.split(',') {
            let part = part.trim();
            if let Some(n) = part.strip_prefix('^') {
                excl.insert(num(n)?);
                continue;
            }
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (num(a)?, num(b)?);
                    if a > b {
                        return None;
                    }
                    set.extend(a..=b);
                }
                None => {
                    set.insert(num(part)?);
                }
            }
        }
        for e in excl {
            set.remove(&e);
        }
        Some(Bitmap(set))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, n: u32) -> bool {
        self.0.contains(&n)
    }

    pub fn insert(&mut self, n: u32) {
        self.0.insert(n);
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().copied()
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    pub fn max(&self) -> Option<u32> {
        self.0.iter().next_back().copied()
    }

    /// True when every number `0..n` is in the set.
    pub fn is_all_set(&self, n: u32) -> bool {
        (0..n).all(|i| self.0.contains(&i))
    }

    pub fn intersects(&self, other: &Bitmap) -> bool {
        self.0.intersection(&other.0).next().is_some()
    }
}

fn num(s: &str) -> Option<u32> {
    let n: u32 = s.trim().parse().ok()?;
    (n < MAX_BIT).then_some(n)
}

impl fmt::Display for Bitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut it = self.0.iter().copied().peekable();
        while let Some(start) = it.next() {
            let mut end = start;
            while it.peek() == Some(&(end + 1)) {
                end += 1;
                it.next();
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_with_exclusion_formats_as_ranges() {
        let b = Bitmap::parse("0-3,^2,6").expect("valid");
        assert_eq!(b.to_string(), "0-1,3,6");
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(Bitmap::parse("").is_none());
        assert!(Bitmap::parse("a").is_none());
        assert!(Bitmap::parse("3-1").is_none());
        assert!(Bitmap::parse("99999").is_none());
    }
}
