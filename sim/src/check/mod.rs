//! Checkers: named properties over a history (docs/ARCHITECTURE.md, "Contracts").
//!
//! Each checker reads only the history and returns the violations it found,
//! each with the events that witness it. Safety has two levels:
//! - *exclusion overlap*: two clients inside their critical sections on the
//!   same lock at the same global instant, as each believed
//!   ([`exclusion_overlaps`], the one checker defined here);
//! - *corrupted effect*: the protected resource accepted a write that mutual
//!   exclusion should have prevented. What that means depends on the
//!   workload, so each workload brings its own checker and names its own
//!   kinds of violation ([`ViolationKind`] is open); [`judge`] runs them.
//!
//! [`fixture`] builds small histories by hand for checkers' tests, here and
//! wherever workloads define their checkers.
//!
//! Promises: every checker is a pure function of the history, deterministic,
//! and roughly linear in its length (histories run to ~100k events).

use serde::{Serialize, Serializer};

use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId};
use crate::time::SimTime;

pub mod fixture;

/// What a violation is, by name (kebab-case, as reports and JSON show it).
///
/// Open: sim names only [`EXCLUSION_OVERLAP`]; each workload names the kinds
/// of corrupted effect its checker reports. Two kinds are equal when their
/// names are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ViolationKind(&'static str);

impl ViolationKind {
    pub const fn new(name: &'static str) -> ViolationKind {
        ViolationKind(name)
    }

    pub const fn name(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Serialized as its name alone, e.g. `"exclusion-overlap"`.
impl Serialize for ViolationKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// Two clients inside their critical sections on the same lock at once.
pub const EXCLUSION_OVERLAP: ViolationKind = ViolationKind::new("exclusion-overlap");

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    /// When the violation happened (global simulated time).
    pub at: SimTime,
    /// The clients involved.
    pub clients: Vec<NodeId>,
    /// Indices into `History::events` of the witnessing events.
    pub events: Vec<usize>,
}

/// The two safety levels of one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Verdict {
    pub overlaps: Vec<Violation>,
    pub corrupted: Vec<Violation>,
}

/// A property over a history: the violations it finds, in the order found.
pub type Check = fn(&History) -> Vec<Violation>;

/// Run the overlap checker, then the workload's effect checkers in order.
pub fn judge(history: &History, effects: &[Check]) -> Verdict {
    Verdict {
        overlaps: exclusion_overlaps(history),
        corrupted: effects.iter().flat_map(|check| check(history)).collect(),
    }
}

/// The name of the lock a workload with a single lock uses (events record it
/// as no name at all).
pub const DEFAULT_LOCK: &str = "lock";

/// A client's stay inside its critical section, as it believed.
struct Stay<'h> {
    client: NodeId,
    enter: usize,
    from: SimTime,
    until: SimTime,
    /// The locks it held, sorted and without repeats (the default lock when none is named).
    locks: Vec<&'h str>,
}

/// Every pair of clients whose critical sections on a common lock overlap in
/// global time. A section ends at the client's exit, its crash, or the end of
/// the run; a section that names no lock holds the default lock "lock". A
/// pair is reported once, however many locks the two sections share.
pub fn exclusion_overlaps(history: &History) -> Vec<Violation> {
    let mut stays: Vec<Stay> = Vec::new();
    let mut open: std::collections::BTreeMap<NodeId, usize> = Default::default();
    for (i, e) in history.events.iter().enumerate() {
        match &e.kind {
            EventKind::CsEnter { locks } => {
                let mut locks: Vec<&str> = locks.iter().map(String::as_str).collect();
                if locks.is_empty() {
                    locks.push(DEFAULT_LOCK);
                }
                locks.sort_unstable();
                locks.dedup();
                open.insert(e.node, stays.len());
                stays.push(Stay { client: e.node, enter: i, from: e.at, until: SimTime(u64::MAX), locks });
            }
            EventKind::CsExit | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                if let Some(s) = open.remove(&e.node) {
                    stays[s].until = e.at;
                }
            }
            _ => {}
        }
    }
    for s in open.values() {
        stays[*s].until = history.end();
    }
    // Stays are in entry order, so a stay can only overlap earlier ones still
    // open at its entry; `active` holds those per lock, pruned as entry times
    // advance.
    let mut violations = Vec::new();
    let mut active: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    let mut overlapping: Vec<usize> = Vec::new();
    for (index, later) in stays.iter().enumerate() {
        overlapping.clear();
        for lock in &later.locks {
            let earlier = active.entry(lock).or_default();
            earlier.retain(|&s| stays[s].until > later.from);
            overlapping.extend(earlier.iter().copied().filter(|&s| stays[s].client != later.client));
            earlier.push(index);
        }
        // In entry order, each earlier stay once even if it shares several locks.
        overlapping.sort_unstable();
        overlapping.dedup();
        for &s in &overlapping {
            let earlier = &stays[s];
            violations.push(Violation {
                kind: EXCLUSION_OVERLAP,
                at: later.from,
                clients: vec![earlier.client, later.client],
                events: vec![earlier.enter, later.enter],
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::fixture::{enter, history};
    use super::*;

    #[test]
    fn disjoint_sections_do_not_overlap() {
        let h = history(vec![
            (1, 1, EventKind::CsEnter { locks: vec![] }),
            (2, 1, EventKind::CsExit),
            (3, 2, EventKind::CsEnter { locks: vec![] }),
            (4, 2, EventKind::CsExit),
        ]);
        assert!(exclusion_overlaps(&h).is_empty());
    }

    #[test]
    fn nested_sections_overlap_and_name_both_entries() {
        let h = history(vec![
            (1, 1, EventKind::CsEnter { locks: vec![] }),
            (2, 2, EventKind::CsEnter { locks: vec![] }),
            (3, 2, EventKind::CsExit),
            (4, 1, EventKind::CsExit),
        ]);
        let v = exclusion_overlaps(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2)]);
        assert_eq!(v[0].events, vec![0, 1]);
        assert_eq!(v[0].at, SimTime(2));
    }

    #[test]
    fn a_crash_ends_the_section_and_an_unfinished_one_lasts_to_the_end() {
        let crash = EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, detail: String::new() };
        let h = history(vec![
            (1, 1, EventKind::CsEnter { locks: vec![] }),
            (2, 1, crash),
            (3, 2, EventKind::CsEnter { locks: vec![] }),
        ]);
        assert!(exclusion_overlaps(&h).is_empty());
        let h = history(vec![
            (1, 1, EventKind::CsEnter { locks: vec![] }),
            (3, 2, EventKind::CsEnter { locks: vec![] }),
            (4, 2, EventKind::CsExit),
        ]);
        assert_eq!(exclusion_overlaps(&h).len(), 1);
    }

    #[test]
    fn sections_on_different_locks_do_not_overlap() {
        let h = history(vec![(1, 1, enter(&["permit-0"])), (2, 2, enter(&["permit-1"])), (3, 2, EventKind::CsExit)]);
        assert!(exclusion_overlaps(&h).is_empty());
        // The default lock is a lock of its own, named "lock".
        let h = history(vec![(1, 1, enter(&[])), (2, 2, enter(&["permit-0"])), (3, 2, EventKind::CsExit)]);
        assert!(exclusion_overlaps(&h).is_empty());
        let h = history(vec![(1, 1, enter(&[])), (2, 2, enter(&["lock"])), (3, 2, EventKind::CsExit)]);
        assert_eq!(exclusion_overlaps(&h).len(), 1);
    }

    #[test]
    fn sections_sharing_one_lock_overlap_once() {
        let h = history(vec![
            (1, 1, enter(&["account-1", "account-2"])),
            (2, 2, enter(&["account-2", "account-0"])),
            (3, 2, EventKind::CsExit),
            (4, 1, EventKind::CsExit),
        ]);
        let v = exclusion_overlaps(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2)]);
        assert_eq!(v[0].events, vec![0, 1]);
        // Sharing both locks is still one overlapping pair.
        let h = history(vec![
            (1, 1, enter(&["account-1", "account-2"])),
            (2, 2, enter(&["account-2", "account-1"])),
            (3, 2, EventKind::CsExit),
        ]);
        assert_eq!(exclusion_overlaps(&h).len(), 1);
    }

    #[test]
    fn a_section_overlaps_each_earlier_holder_of_its_locks_in_entry_order() {
        let h = super::fixture::history_of(
            3,
            vec![
                (1, 1, enter(&["account-0"])),
                (2, 2, enter(&["account-1"])),
                (3, 3, enter(&["account-1", "account-0"])),
                (4, 3, EventKind::CsExit),
            ],
        );
        let v = exclusion_overlaps(&h);
        assert_eq!(
            v.iter().map(|v| v.clients.clone()).collect::<Vec<_>>(),
            vec![vec![NodeId(1), NodeId(3)], vec![NodeId(2), NodeId(3)]]
        );
    }
}
