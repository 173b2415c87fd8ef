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
    use sim::history::{Event, FaultKind, FaultPhase, NodeId, NodeInfo, Op, Outcome, Role};
    use sim::time::SimTime;

    pub(crate) const S: u64 = 1_000_000_000;

    pub(crate) fn write(client: u32, prev: i64, value: i64, token: Option<u64>, verdict: WriteVerdict) -> EventKind {
        EventKind::Write { client: NodeId(client), prev, value, token, version: 0, verdict, key: 0, read_version: None }
    }

    fn fault(kind: FaultKind, phase: FaultPhase, detail: &str) -> EventKind {
        EventKind::Fault { kind, phase, detail: detail.into() }
    }

    pub(crate) fn node(name: &str, role: Role) -> NodeInfo {
        NodeInfo { name: name.into(), role }
    }

    /// The story reports' timeline tests draw: client-1 acquires, enters, is
    /// paused 20 s; client-2 acquires and writes meanwhile; client-1 resumes
    /// and writes over it (a lost update). Nodes: 0 world, 1 client-1,
    /// 2 client-2, 3 lock-server, 4 resource.
    pub(crate) fn gc_pause_story() -> (History, Violation) {
        use EventKind::*;
        let events: Vec<(u64, u32, EventKind)> = vec![
            (0, 4, ResourceInit { value: 100, registers: 1 }),
            (10 * S, 1, Invoke { op: Op::Acquire, lock: None }),
            (10 * S + 866_000_000, 1, Complete { op: Op::Acquire, outcome: Outcome::Ok, token: None }),
            (10 * S + 866_000_000, 1, CsEnter { locks: vec![] }),
            (10 * S + 867_000_000, 4, Read { client: NodeId(1), value: 100, version: 0, key: 0 }),
            (10 * S + 870_000_000, 1, fault(FaultKind::Pause, FaultPhase::Start, "gc pause 20.931s")),
            (20 * S, 2, Invoke { op: Op::Acquire, lock: None }),
            (20 * S + 899_000_000, 2, Complete { op: Op::Acquire, outcome: Outcome::Ok, token: None }),
            (20 * S + 899_000_000, 2, CsEnter { locks: vec![] }),
            (20 * S + 901_000_000, 4, Read { client: NodeId(2), value: 100, version: 0, key: 0 }),
            (20 * S + 905_000_000, 4, write(2, 100, 99, None, WriteVerdict::Accepted)),
            (20 * S + 906_000_000, 2, CsExit),
            (20 * S + 906_000_000, 2, Invoke { op: Op::Release, lock: None }),
            (20 * S + 907_000_000, 2, Complete { op: Op::Release, outcome: Outcome::Ok, token: None }),
            (25 * S, 3, fault(FaultKind::Crash, FaultPhase::Start, "lock-server crashes")),
            (26 * S, 3, fault(FaultKind::Crash, FaultPhase::End, "lock-server restarts")),
            (31 * S + 801_000_000, 1, fault(FaultKind::Pause, FaultPhase::End, "gc pause ends")),
            (31 * S + 802_000_000, 4, write(1, 99, 99, None, WriteVerdict::Accepted)),
            (31 * S + 803_000_000, 1, CsExit),
            (31 * S + 803_000_000, 1, Invoke { op: Op::Release, lock: None }),
            (40 * S, 0, End { messages: 10, server_writes: 0 }),
        ];
        let history = History {
            nodes: vec![
                node("world", Role::World),
                node("client-1", Role::Client),
                node("client-2", Role::Client),
                node("lock-server", Role::Server),
                node("resource", Role::Server),
            ],
            events: events.into_iter().map(|(at, n, kind)| Event { at: SimTime(at), node: NodeId(n), kind }).collect(),
        };
        let violation = Violation {
            kind: LOST_UPDATE,
            at: SimTime(31 * S + 802_000_000),
            clients: vec![NodeId(2), NodeId(1)],
            events: vec![10, 17],
        };
        (history, violation)
    }

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
