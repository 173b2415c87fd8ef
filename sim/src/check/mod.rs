//! Checkers: named properties over a history (DESIGN.md, contract 4).
//!
//! Each checker reads only the history and returns the violations it found,
//! each with the events that witness it. Safety has two levels:
//! - *exclusion overlap*: two clients inside their critical sections on the
//!   same lock at the same global instant, as each believed;
//! - *corrupted effect*: the protected resource accepted a write that mutual
//!   exclusion should have prevented. Each workload has its own effect
//!   checker, in its own module:
//!   - [`inventory`]: lost decrements and sales beyond the stock;
//!   - [`leader`]: work of a deposed (or never elected) leader accepted;
//!   - [`cron`]: a scheduled tick run more than once;
//!   - [`semaphore`]: more sessions open on the pool than it has permits;
//!   - [`transfer`]: a write based on a version another write had replaced.
//!
//! Promises: every checker is a pure function of the history, deterministic,
//! and roughly linear in its length (histories run to ~100k events).

use serde::{Deserialize, Serialize};

use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId};
use crate::time::SimTime;

pub mod cron;
pub mod inventory;
pub mod leader;
pub mod semaphore;
pub mod transfer;

pub use cron::{cron_ticks, CronTicks, CRON};
pub use inventory::{inventory_effects, INVENTORY};
pub use leader::LEADER;
pub use semaphore::{max_open_sessions, SEMAPHORE};
pub use transfer::TRANSFER;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// Two clients inside their critical sections on the same lock at once.
    ExclusionOverlap,
    /// An accepted write overwrote another accepted write it had not seen.
    LostUpdate,
    /// More units were sold than the stock held.
    Oversold,
    /// The resource accepted work from a leader after another client was
    /// elected (or from a client that was never elected).
    DeposedLeaderWrite,
    /// A scheduled tick ran more than once.
    TickRunTwice,
    /// More sessions were open on the pool than it has permits.
    OverPermits,
}

impl ViolationKind {
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::ExclusionOverlap => "exclusion-overlap",
            ViolationKind::LostUpdate => "lost-update",
            ViolationKind::Oversold => "oversold",
            ViolationKind::DeposedLeaderWrite => "deposed-leader-write",
            ViolationKind::TickRunTwice => "tick-run-twice",
            ViolationKind::OverPermits => "over-permits",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub overlaps: Vec<Violation>,
    pub corrupted: Vec<Violation>,
}

/// A named property over a history.
pub struct Checker {
    pub name: &'static str,
    pub check: fn(&History) -> Vec<Violation>,
}

pub const EXCLUSION: Checker = Checker { name: "exclusion-overlap", check: exclusion_overlaps };

/// Run the overlap checker and the workload's effect checkers.
pub fn judge(history: &History, effects: &[Checker]) -> Verdict {
    Verdict {
        overlaps: (EXCLUSION.check)(history),
        corrupted: effects.iter().flat_map(|c| (c.check)(history)).collect(),
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
                kind: ViolationKind::ExclusionOverlap,
                at: later.from,
                clients: vec![earlier.client, later.client],
                events: vec![earlier.enter, later.enter],
            });
        }
    }
    violations
}

/// Hand-built histories for the checkers' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use crate::history::{Event, EventKind, History, NodeId, NodeInfo, Role, WriteVerdict};
    use crate::time::SimTime;

    /// Node 0 is the world, nodes 1..=clients are `client-0`.., the last is the resource.
    pub fn history_of(clients: u32, events: Vec<(u64, u32, EventKind)>) -> History {
        let mut nodes = vec![NodeInfo { name: "world".into(), role: Role::World }];
        nodes.extend((0..clients).map(|c| NodeInfo { name: format!("client-{c}"), role: Role::Client }));
        nodes.push(NodeInfo { name: "resource".into(), role: Role::Resource });
        History {
            nodes,
            events: events
                .into_iter()
                .map(|(at, node, kind)| Event { at: SimTime(at), node: NodeId(node), kind })
                .collect(),
        }
    }

    /// Two clients (nodes 1 and 2); the resource is node 3.
    pub fn history(events: Vec<(u64, u32, EventKind)>) -> History {
        history_of(2, events)
    }

    /// An accepted write by `client` to register `key` that left it at `version`.
    pub fn accepted(client: u32, key: u32, value: i64, token: Option<u64>, version: u64) -> EventKind {
        EventKind::Write {
            client: NodeId(client),
            prev: 0,
            value,
            token,
            version,
            verdict: WriteVerdict::Accepted,
            key,
            read_version: None,
        }
    }

    /// The same write, rejected for a stale token.
    pub fn rejected(client: u32, key: u32, value: i64, token: Option<u64>, version: u64) -> EventKind {
        EventKind::Write {
            client: NodeId(client),
            prev: 0,
            value,
            token,
            version,
            verdict: WriteVerdict::StaleToken { highest: u64::MAX },
            key,
            read_version: None,
        }
    }

    pub fn enter(locks: &[&str]) -> EventKind {
        EventKind::CsEnter { locks: locks.iter().map(|l| l.to_string()).collect() }
    }

    pub fn crash() -> EventKind {
        EventKind::Fault {
            kind: crate::history::FaultKind::Crash,
            phase: crate::history::FaultPhase::Start,
            detail: String::new(),
        }
    }
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
