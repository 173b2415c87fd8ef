//! The lost update: an accepted write overwrote another accepted write its
//! writer had not seen. Several workloads suffer it (the inventory's stock,
//! the transfer's accounts), each finding it its own way; the kind and the
//! way its story ends are shared, declared once here.
//!
//! The story ends with the overwriting write (the last witness): what its
//! writer last read and how many accepted writes it undid since, or, when
//! the history holds no read of it, the overwritten write (the first
//! witness). The overwritten writer's part of the story ends at its write.

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, History, WriteVerdict};

use super::effect::{at, earlier_witness, event, token, Ending, FinalWrite, PartEnd};

pub const LOST_UPDATE: ViolationKind = ViolationKind::new("lost-update");

pub const ENDING: Ending = Ending {
    kind: LOST_UPDATE,
    final_write: FinalWrite::LastWitness,
    part_ends: PartEnd::AtOwnLastWitness,
    clause: ending,
};

fn ending(history: &History, v: &Violation, final_write: Option<usize>) -> Option<String> {
    let Some(EventKind::Write { client, prev, value, token: t, .. }) = event(history, final_write).map(|e| &e.kind)
    else {
        return None;
    };
    let writer = history.node_name(*client);
    let head = format!("at {} {writer} wrote {value}{} over {prev}", at(v.at), token(*t));
    let idx = final_write.unwrap_or(0);
    // What the writer last read, and how many accepted writes it undid since.
    let read =
        history.events[..idx].iter().rposition(|e| matches!(e.kind, EventKind::Read { client: c, .. } if c == *client));
    if let Some(r) = read {
        let undone = history.events[r..idx]
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. }))
            .count();
        let (n, were) =
            if undone == 1 { ("the write".to_string(), "was") } else { (format!("the {undone} writes"), "were") };
        return Some(format!(
            "{head}, so {n} accepted since its read at {} {were} lost (lost update)",
            at(history.events[r].at)
        ));
    }
    Some(match earlier_witness(history, v, final_write).map(|e| (e.at, &e.kind)) {
        Some((when, EventKind::Write { client: other, .. })) => format!(
            "{head}, which {} had written at {}, so that update was lost (lost update)",
            history.node_name(*other),
            at(when)
        ),
        _ => format!("{head} (lost update)"),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    // The story reports' tests draw, so both tell the same lost update.
    pub(crate) use reports::fixture::{gc_pause_story, node, write, S};
    use sim::history::NodeId;

    #[test]
    fn tells_a_lost_update_in_order_with_the_pause_and_its_length() {
        let (h, v) = gc_pause_story();
        let text = reports::explain(&h, &v, &[ENDING]);
        let expected = "Client-1 acquired the lock at 10.866 s and entered its critical section; \
             client-1 read 100 at 10.867 s; \
             client-1 was paused at 10.870 s for 20.931 s; \
             client-2 acquired the lock at 20.899 s and entered its critical section; \
             client-2 read 100 at 20.901 s; \
             client-2 wrote 99 at 20.905 s; \
             lock-server crashed at 25.000 s and restarted at 26.000 s; \
             client-1 resumed at 31.801 s; \
             at 31.802 s client-1 wrote 99 over 99, \
             so the write accepted since its read at 10.867 s was lost (lost update).";
        assert_eq!(text, expected);

        // Without the reads, the overwritten write is named instead.
        let mut h = h;
        h.events.retain(|e| !matches!(e.kind, EventKind::Read { .. }));
        let v = Violation { events: vec![8, 15], ..v };
        assert!(matches!(h.events[8].kind, EventKind::Write { client: NodeId(2), .. }));
        let text = reports::explain(&h, &v, &[ENDING]);
        assert!(text.ends_with("at 31.802 s client-1 wrote 99 over 99, which client-2 had written at 20.905 s, so that update was lost (lost update)."), "{text}");
    }
}
