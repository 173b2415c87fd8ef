//! What the inventory can suffer: clients sell one unit at a time from a
//! stock held in register 0, each sale an accepted write of the value it read
//! minus one ([`is_sale`]).
//!
//! Checks: every accepted write decrements the value it replaces by exactly
//! one; one that does not overwrote a decrement it had not seen (a
//! [`LOST_UPDATE`]). Sales beyond the starting stock are [`OVERSOLD`]; a
//! resource that starts again (it lost its state) restarts the count.
//!
//! Promises: each lost update names the previous accepted writer (if any) and
//! this writer, with both writes as witnesses; each oversale names the writer
//! and its write. Rejected writes are not sales. An oversale's story ends
//! with the sale's number against the stock.

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, History, WriteVerdict};

use super::super::effect::{at, event, token, Effects, Ending, FinalWrite, PartEnd};
use super::super::lost_update::{self, LOST_UPDATE};

/// More units were sold than the stock held.
pub const OVERSOLD: ViolationKind = ViolationKind::new("oversold");

pub const EFFECTS: Effects = Effects {
    check: inventory_effects,
    kinds: &[
        lost_update::ENDING,
        Ending {
            kind: OVERSOLD,
            final_write: FinalWrite::LastWitness,
            part_ends: PartEnd::AtViolation,
            clause: oversold_ending,
        },
    ],
};

/// Whether the resource sold a unit: every accepted write is a sale.
pub fn is_sale(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. })
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
            // A resource that lost its state starts again from the full
            // stock: sales count against it from zero, and no write before
            // it is the one the next write replaces.
            EventKind::ResourceInit { value, .. } => {
                stock = Some(*value);
                sold = 0;
                last_write = None;
            }
            sale @ EventKind::Write { client, prev, value, .. } if is_sale(sale) => {
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
                    violations.push(Violation { kind: LOST_UPDATE, at: e.at, clients, events });
                }
                if stock.is_some_and(|s| sold > s) {
                    violations.push(Violation { kind: OVERSOLD, at: e.at, clients: vec![*client], events: vec![i] });
                }
                last_write = Some(i);
            }
            _ => {}
        }
    }
    violations
}

/// "… the resource accepted client-1's write of 98, sale number 2 of a stock of 1 (oversold)".
fn oversold_ending(history: &History, v: &Violation, final_write: Option<usize>) -> Option<String> {
    let Some(EventKind::Write { client, value, token: t, .. }) = event(history, final_write).map(|e| &e.kind) else {
        return None;
    };
    // Count from the resource's last start before the sale, as the check does.
    let idx = final_write.unwrap_or(0);
    let start = history.events[..=idx].iter().rposition(|e| matches!(e.kind, EventKind::ResourceInit { .. }));
    let stock = start.and_then(|i| match history.events[i].kind {
        EventKind::ResourceInit { value, .. } => Some(value),
        _ => None,
    });
    let sold = history.events[start.unwrap_or(0)..=idx].iter().filter(|e| is_sale(&e.kind)).count();
    let of_stock = stock.map(|s| format!(" of a stock of {s}")).unwrap_or_default();
    Some(format!(
        "at {} the resource accepted {}'s write of {value}{}, sale number {sold}{of_stock} (oversold)",
        at(v.at),
        history.node_name(*client),
        token(*t)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::check::fixture::history;
    use sim::history::NodeId;

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
        assert_eq!(v[0].kind, LOST_UPDATE);
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
        assert_eq!(inventory_effects(&h).iter().map(|v| v.kind).collect::<Vec<_>>(), vec![OVERSOLD]);
    }

    #[test]
    fn a_resource_that_starts_again_counts_sales_against_its_new_stock() {
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (1, 3, write(1, 1, 0)),
            (2, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (3, 3, write(2, 1, 0)),
        ]);
        assert!(inventory_effects(&h).is_empty());
        let h = history(vec![
            (0, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (1, 3, write(1, 1, 0)),
            (2, 3, EventKind::ResourceInit { value: 1, registers: 1 }),
            (3, 3, write(2, 1, 0)),
            (4, 3, write(1, 0, -1)),
        ]);
        let v = inventory_effects(&h);
        assert_eq!(v.iter().map(|v| v.kind).collect::<Vec<_>>(), vec![OVERSOLD]);
        let text = reports::explain(&h, &v[0], EFFECTS.kinds);
        assert!(text.ends_with("sale number 2 of a stock of 1 (oversold)."), "{text}");
    }

    #[test]
    fn tells_an_oversell_with_the_stock_and_counts_other_rejections() {
        use crate::workload::lost_update::tests::{gc_pause_story, node, write, S};
        use sim::history::{Event, Role};
        use sim::time::SimTime;
        use EventKind::*;
        let (mut h, _) = gc_pause_story();
        h.events[0].kind = ResourceInit { value: 1, registers: 1 };
        h.events[17].kind = write(1, 99, 98, None, WriteVerdict::Accepted);
        // A third client's write is rejected meanwhile.
        h.nodes.push(node("client-3", Role::Client));
        let rejected = write(5, 99, 98, Some(1), WriteVerdict::StaleToken { highest: 2 });
        h.events.insert(12, Event { at: SimTime(20 * S + 906_000_000), node: NodeId(4), kind: rejected });
        let v =
            Violation { kind: OVERSOLD, at: SimTime(31 * S + 802_000_000), clients: vec![NodeId(1)], events: vec![18] };
        let text = reports::explain(&h, &v, EFFECTS.kinds);
        assert!(
            text.ends_with(
                "at 31.802 s the resource accepted client-1's write of 98, sale number 2 of a stock of 1 (oversold). \
             Meanwhile the resource rejected 1 write of other clients between 10.866 s and 31.802 s."
            ),
            "{text}"
        );
        // Only client-1's story: client-2 is not involved here.
        assert!(!text.contains("client-2 acquired"), "{text}");
        assert!(text.contains("client-1 was paused at 10.870 s for 20.931 s"));
    }
}
