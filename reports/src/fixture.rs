//! A hand-built history other crates' tests share: the gc-pause lost
//! update every report test draws ([`gc_pause_story`]), and the event
//! builders it is made of. Test support, public so that workloads' ending
//! tests (in `scenarios`) tell the same story reports' tests draw.

use sim::check::{Violation, ViolationKind};
use sim::history::{
    Event, EventKind, FaultKind, FaultPhase, History, NodeId, NodeInfo, Op, Outcome, Role, WriteVerdict,
};
use sim::time::SimTime;

pub const S: u64 = 1_000_000_000;

pub fn node(name: &str, role: Role) -> NodeInfo {
    NodeInfo { name: name.into(), role }
}

pub fn write(client: u32, prev: i64, value: i64, token: Option<u64>, verdict: WriteVerdict) -> EventKind {
    EventKind::Write { client: NodeId(client), prev, value, token, version: 0, verdict, key: 0, read_version: None }
}

pub fn fault(kind: FaultKind, phase: FaultPhase, detail: &str) -> EventKind {
    EventKind::Fault { kind, phase, detail: detail.into() }
}

/// client-1 acquires, enters, is paused 20 s; client-2 acquires and
/// writes meanwhile; client-1 resumes and writes over it (a lost update).
/// Nodes: 0 world, 1 client-1, 2 client-2, 3 lock-server, 4 resource.
pub fn gc_pause_story() -> (History, Violation) {
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
        kind: ViolationKind::new("lost-update"),
        at: SimTime(31 * S + 802_000_000),
        clients: vec![NodeId(2), NodeId(1)],
        events: vec![10, 17],
    };
    (history, violation)
}
