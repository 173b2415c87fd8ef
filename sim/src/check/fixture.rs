//! Hand-built histories for checkers' tests (sim's own and those of the
//! workloads, which define their checkers in another crate), and a built one
//! of any length for the checkers' benchmark ([`inventory_history`]).
//!
//! Promise: the shapes are fixed so tests can name nodes by number. In
//! [`history_of`]`(n, ..)` node 0 is the world, nodes 1..=n are the clients
//! `client-0`.., and node n + 1 is the resource; events are given as
//! `(nanoseconds, node, kind)` and kept in the order given.

use crate::history::{
    Event, EventKind, FaultKind, FaultPhase, History, NodeId, NodeInfo, Op, Outcome, Role, WriteVerdict,
};
use crate::time::SimTime;

/// `clients` client nodes between the world and the resource.
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
    judged(client, key, value, token, version, WriteVerdict::Accepted)
}

/// The same write, rejected for a stale token.
pub fn rejected(client: u32, key: u32, value: i64, token: Option<u64>, version: u64) -> EventKind {
    judged(client, key, value, token, version, WriteVerdict::StaleToken { highest: u64::MAX })
}

fn judged(client: u32, key: u32, value: i64, token: Option<u64>, version: u64, verdict: WriteVerdict) -> EventKind {
    EventKind::Write { client: NodeId(client), prev: 0, value, token, version, verdict, key, read_version: None }
}

/// A critical-section entry holding `locks` (none: the default lock).
pub fn enter(locks: &[&str]) -> EventKind {
    EventKind::CsEnter { locks: locks.iter().map(|l| l.to_string()).collect() }
}

/// The start of a crash of the node that records it.
pub fn crash() -> EventKind {
    EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, detail: String::new() }
}

/// A clean inventory run of about `events` events: `clients` clients take
/// turns, each turn eight events (acquire, its grant with a token, entry, a
/// read, a sale written back, exit, release, its completion), a millisecond
/// apart, selling from a stock that lasts. Every checker reads all of it and
/// finds nothing, so its cost is the cost of a full pass.
pub fn inventory_history(events: usize, clients: u32) -> History {
    let clients = clients.max(1);
    let turns = events / 8;
    let resource = clients + 1;
    let mut history = history_of(clients, Vec::new());
    history.events.reserve_exact(1 + turns * 8);
    let stock = turns as i64 + 1;
    history.events.push(Event {
        at: SimTime(0),
        node: NodeId(resource),
        kind: EventKind::ResourceInit { value: stock, registers: 1 },
    });
    let mut at = 0u64;
    for turn in 0..turns as u64 {
        let client = NodeId(1 + (turn % clients as u64) as u32);
        let value = stock - turn as i64;
        let token = Some(turn + 1);
        let kinds = [
            (client, EventKind::Invoke { op: Op::Acquire, lock: None }),
            (client, EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token }),
            (client, EventKind::CsEnter { locks: Vec::new() }),
            (NodeId(resource), EventKind::Read { client, value, version: turn, key: 0 }),
            (
                NodeId(resource),
                EventKind::Write {
                    client,
                    prev: value,
                    value: value - 1,
                    token,
                    version: turn + 1,
                    verdict: WriteVerdict::Accepted,
                    key: 0,
                    read_version: Some(turn),
                },
            ),
            (client, EventKind::CsExit),
            (client, EventKind::Invoke { op: Op::Release, lock: None }),
            (client, EventKind::Complete { op: Op::Release, outcome: Outcome::Ok, token: None }),
        ];
        for (node, kind) in kinds {
            at += 1_000_000;
            history.events.push(Event { at: SimTime(at), node, kind });
        }
    }
    history
}
