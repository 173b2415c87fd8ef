//! Hand-built histories for checkers' tests: sim's own and those of the
//! workloads, which define their checkers in another crate.
//!
//! Promise: the shapes are fixed so tests can name nodes by number. In
//! [`history_of`]`(n, ..)` node 0 is the world, nodes 1..=n are the clients
//! `client-0`.., and node n + 1 is the resource; events are given as
//! `(nanoseconds, node, kind)` and kept in the order given.

use crate::history::{Event, EventKind, FaultKind, FaultPhase, History, NodeId, NodeInfo, Role, WriteVerdict};
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
