//! `virConnectListAllDomains` filtering, shared by every driver: the flags select by
//! activity, persistence, state, managed save, autostart, snapshots and checkpoints, and
//! each pair ("has" and "has not") filters only when one of its two flags is given.

use crate::types::flags::list_domains as L;
use crate::types::DomainState;

/// What the flags look at in one domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomainFacts {
    pub active: bool,
    pub persistent: bool,
    pub state: DomainState,
    pub managed_save: bool,
    pub autostart: bool,
    pub has_snapshot: bool,
    pub has_checkpoint: bool,
}

fn pair(flags: u32, yes: u32, no: u32, value: bool) -> bool {
    if flags & (yes | no) == 0 {
        return true;
    }
    (flags & yes != 0 && value) || (flags & no != 0 && !value)
}

/// Whether a domain with `facts` is listed for `flags`.
pub fn domain_matches(flags: u32, facts: &DomainFacts) -> bool {
    if !pair(flags, L::ACTIVE, L::INACTIVE, facts.active)
        || !pair(flags, L::PERSISTENT, L::TRANSIENT, facts.persistent)
        || !pair(flags, L::MANAGEDSAVE, L::NO_MANAGEDSAVE, facts.managed_save)
        || !pair(flags, L::AUTOSTART, L::NO_AUTOSTART, facts.autostart)
        || !pair(flags, L::HAS_SNAPSHOT, L::NO_SNAPSHOT, facts.has_snapshot)
        || !pair(
            flags,
            L::HAS_CHECKPOINT,
            L::NO_CHECKPOINT,
            facts.has_checkpoint,
        )
    {
        return false;
    }
    if flags & (L::RUNNING | L::PAUSED | L::SHUTOFF | L::OTHER) != 0 {
        return match facts.state {
            DomainState::Running => flags & L::RUNNING != 0,
            DomainState::Paused => flags & L::PAUSED != 0,
            DomainState::Shutoff => flags & L::SHUTOFF != 0,
            _ => flags & L::OTHER != 0,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_filter_only_when_asked() {
        let running = DomainFacts {
            active: true,
            persistent: true,
            state: DomainState::Running,
            ..DomainFacts::default()
        };
        assert!(domain_matches(0, &running));
        assert!(domain_matches(L::ACTIVE, &running));
        assert!(!domain_matches(L::INACTIVE, &running));
        assert!(domain_matches(L::ACTIVE | L::INACTIVE, &running));
        assert!(!domain_matches(L::TRANSIENT, &running));
        assert!(domain_matches(L::RUNNING, &running));
        assert!(!domain_matches(L::PAUSED | L::SHUTOFF, &running));
        assert!(!domain_matches(L::HAS_SNAPSHOT, &running));
    }
}
