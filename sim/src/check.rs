//! Checkers: named properties over a history (DESIGN.md, contract 4).
//!
//! Each checker reads only the history and returns the violations it found,
//! each with the events that witness it. Safety has two levels:
//! - *exclusion overlap*: two clients inside their critical section at the
//!   same global instant, as each believed;
//! - *corrupted effect*: the protected resource accepted a write that mutual
//!   exclusion should have prevented (for the inventory: a lost update, or
//!   more units sold than were in stock).

use serde::{Deserialize, Serialize};

use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId, WriteVerdict};
use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// Two clients inside their critical sections at once.
    ExclusionOverlap,
    /// An accepted write overwrote another accepted write it had not seen.
    LostUpdate,
    /// More units were sold than the stock held.
    Oversold,
}

impl ViolationKind {
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::ExclusionOverlap => "exclusion-overlap",
            ViolationKind::LostUpdate => "lost-update",
            ViolationKind::Oversold => "oversold",
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
pub const INVENTORY: Checker = Checker { name: "inventory", check: inventory_effects };

/// Run the overlap checker and the workload's effect checkers.
pub fn judge(history: &History, effects: &[Checker]) -> Verdict {
    Verdict {
        overlaps: (EXCLUSION.check)(history),
        corrupted: effects.iter().flat_map(|c| (c.check)(history)).collect(),
    }
}

/// A client's stay inside its critical section, as it believed.
struct Stay {
    client: NodeId,
    enter: usize,
    from: SimTime,
    until: SimTime,
}

/// Every pair of clients whose critical sections overlap in global time. A
/// section ends at the client's exit, its crash, or the end of the run.
pub fn exclusion_overlaps(history: &History) -> Vec<Violation> {
    let mut stays: Vec<Stay> = Vec::new();
    let mut open: std::collections::BTreeMap<NodeId, usize> = Default::default();
    for (i, e) in history.events.iter().enumerate() {
        match &e.kind {
            EventKind::CsEnter { .. } => {
                open.insert(e.node, stays.len());
                stays.push(Stay { client: e.node, enter: i, from: e.at, until: SimTime(u64::MAX) });
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
    // open at its entry; `active` holds those, pruned as entry times advance.
    let mut violations = Vec::new();
    let mut active: Vec<&Stay> = Vec::new();
    for later in &stays {
        active.retain(|earlier| earlier.until > later.from);
        for earlier in &active {
            if earlier.client != later.client {
                violations.push(Violation {
                    kind: ViolationKind::ExclusionOverlap,
                    at: later.from,
                    clients: vec![earlier.client, later.client],
                    events: vec![earlier.enter, later.enter],
                });
            }
        }
        active.push(later);
    }
    violations
}

/// The inventory's corrupted effects. Every accepted write must decrement the
/// value it replaces by exactly one; one that does not overwrote a decrement it
/// had not seen (a lost update). Sales beyond the starting stock are oversold.
pub fn inventory_effects(history: &History) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut stock: Option<i64> = None;
    let mut sold = 0i64;
    let mut last_write: Option<usize> = None;
    for (i, e) in history.events.iter().enumerate() {
        match &e.kind {
            EventKind::ResourceInit { value, .. } => stock = Some(*value),
            EventKind::Write { client, prev, value, verdict: WriteVerdict::Accepted, .. } => {
                sold += 1;
                if *value != prev - 1 {
                    let mut clients = vec![*client];
                    let mut events = vec![i];
                    if let Some(w) = last_write {
                        if let EventKind::Write { client: other, .. } = history.events[w].kind {
                            clients.insert(0, other);
                        }
                        events.insert(0, w);
                    }
                    violations.push(Violation { kind: ViolationKind::LostUpdate, at: e.at, clients, events });
                }
                if stock.is_some_and(|s| sold > s) {
                    violations.push(Violation {
                        kind: ViolationKind::Oversold,
                        at: e.at,
                        clients: vec![*client],
                        events: vec![i],
                    });
                }
                last_write = Some(i);
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, NodeInfo, Role};

    fn history(events: Vec<(u64, u32, EventKind)>) -> History {
        History {
            nodes: vec![
                NodeInfo { name: "world".into(), role: Role::World },
                NodeInfo { name: "client-0".into(), role: Role::Client },
                NodeInfo { name: "client-1".into(), role: Role::Client },
                NodeInfo { name: "resource".into(), role: Role::Resource },
            ],
            events: events
                .into_iter()
                .map(|(at, node, kind)| Event { at: SimTime(at), node: NodeId(node), kind })
                .collect(),
        }
    }

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
        let h = history(vec![(1, 1, EventKind::CsEnter { locks: vec![] }), (2, 1, crash), (3, 2, EventKind::CsEnter { locks: vec![] })]);
        assert!(exclusion_overlaps(&h).is_empty());
        let h = history(vec![(1, 1, EventKind::CsEnter { locks: vec![] }), (3, 2, EventKind::CsEnter { locks: vec![] }), (4, 2, EventKind::CsExit)]);
        assert_eq!(exclusion_overlaps(&h).len(), 1);
    }

    fn write(client: u32, prev: i64, value: i64) -> EventKind {
        EventKind::Write {
            client: NodeId(client),
            prev,
            value,
            token: None,
            version: 0,
            verdict: WriteVerdict::Accepted,
            key: 0,
            read_version: None,
        }
    }

    #[test]
    fn a_write_based_on_a_stale_read_is_a_lost_update() {
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 10, registers: 1 }),
            (1, 3, write(1, 10, 9)),
            (2, 3, write(2, 9, 9)),
        ]);
        let v = inventory_effects(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, ViolationKind::LostUpdate);
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2)]);
    }

    #[test]
    fn selling_past_the_stock_is_oversold_and_rejected_writes_do_not_count() {
        let rejected = EventKind::Write {
            client: NodeId(2),
            prev: 0,
            value: -1,
            token: Some(1),
            version: 1,
            verdict: WriteVerdict::StaleToken { highest: 2 },
            key: 0,
            read_version: None,
        };
        let h = history(vec![(0, 3, EventKind::ResourceInit { value: 1, registers: 1 }), (1, 3, write(1, 1, 0)), (2, 3, rejected)]);
        assert!(inventory_effects(&h).is_empty());
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (1, 3, write(1, 1, 0)),
            (2, 3, write(2, 0, -1)),
        ]);
        assert_eq!(inventory_effects(&h).iter().map(|v| v.kind).collect::<Vec<_>>(), vec![ViolationKind::Oversold]);
    }
}
