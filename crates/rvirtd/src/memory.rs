//! Giving freed memory back to the system.
//!
//! glibc's malloc keeps what a burst of work freed (the QEMU probe at start-up, a crowd of
//! clients that came and went) in its arenas for reuse, so a daemon that was busy once
//! stays big while it idles. Once the daemon has been quiet for a moment it asks malloc
//! to return its free pages; the cost is a walk over the arenas, paid only after a change.

use std::time::{Duration, Instant};

/// How long nothing may change before the free memory is given back.
pub const QUIET: Duration = Duration::from_secs(1);

/// Caps malloc's arenas at one per core, at least two (glibc's default is eight per core). Each
/// arena keeps pages of its own that trimming cannot give back, and the daemon's threads
/// are many (workers, priority workers, I/O) while its cores are few. Called before any
/// thread starts.
pub fn fewer_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = cores.clamp(2, 64) as libc::c_int;
        // SAFETY: mallopt only sets one of glibc's malloc parameters.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Returns malloc's free pages to the system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and shrinks glibc's own arenas, under their locks.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Decides when to give memory back: once after each change of `mark` (what the daemon
/// is doing, in a form that changes when it does) that then holds for [`QUIET`].
pub struct Trimmer<T> {
    last: T,
    changed: Instant,
    trimmed: bool,
}

impl<T: PartialEq> Trimmer<T> {
    pub fn new(mark: T, now: Instant) -> Trimmer<T> {
        Trimmer {
            last: mark,
            changed: now,
            trimmed: false,
        }
    }

    /// Whether to trim now, given what the daemon is doing at `now`.
    pub fn due(&mut self, mark: T, now: Instant) -> bool {
        if mark != self.last {
            self.last = mark;
            self.changed = now;
            self.trimmed = false;
            return false;
        }
        if self.trimmed || now.duration_since(self.changed) < QUIET {
            return false;
        }
        self.trimmed = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_per_change_after_a_quiet_second() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut t = Trimmer::new(0u64, t0);
        assert!(!t.due(0, at(500)));
        assert!(t.due(0, at(1000)), "start-up is a change too");
        assert!(!t.due(0, at(5000)), "nothing changed since");
        assert!(!t.due(1, at(5200)));
        assert!(!t.due(2, at(5400)), "still changing");
        assert!(!t.due(2, at(6300)));
        assert!(t.due(2, at(6400)));
        assert!(!t.due(2, at(9000)));
    }

    /// Resident pages of this test process, in KiB.
    fn rss_kib() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        pages * 4
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn giving_back_returns_freed_heap_pages() {
        // Small blocks come from the heap, not from mmap; a block allocated after them
        // keeps malloc from shrinking the heap's top on its own when they are freed.
        let blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![i as u8; 4000]).collect();
        let pin: Box<[u8]> = Box::new([1u8; 64]);
        drop(blocks);
        let before = rss_kib();
        give_back();
        let after = rss_kib();
        assert!(
            before.saturating_sub(after) >= 32 * 1024,
            "RSS went from {before} KiB to {after} KiB"
        );
        assert_eq!(pin[0], 1);
    }
}
