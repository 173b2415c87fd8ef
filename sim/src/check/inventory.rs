//! The inventory workload: clients sell one unit at a time from a stock held
//! in register 0, each sale an accepted write of the value it read minus one.
//!
//! Checks: every accepted write decrements the value it replaces by exactly
//! one; one that does not overwrote a decrement it had not seen (a lost
//! update). Sales beyond the starting stock are oversold.
//!
//! Promises: each lost update names the previous accepted writer (if any) and
//! this writer, with both writes as witnesses; each oversale names the writer
//! and its write. Rejected writes are not sales.

use super::{Checker, Violation, ViolationKind};
use crate::history::{EventKind, History, WriteVerdict};

pub const INVENTORY: Checker = Checker { name: "inventory", check: inventory_effects };

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
    use super::super::fixture::history;
    use super::*;
    use crate::history::NodeId;

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
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (1, 3, write(1, 1, 0)),
            (2, 3, rejected),
        ]);
        assert!(inventory_effects(&h).is_empty());
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (1, 3, write(1, 1, 0)),
            (2, 3, write(2, 0, -1)),
        ]);
        assert_eq!(inventory_effects(&h).iter().map(|v| v.kind).collect::<Vec<_>>(), vec![ViolationKind::Oversold]);
    }
}
