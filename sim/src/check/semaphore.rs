//! The semaphore workload: a pool resource with N permits (`registers` of its
//! `ResourceInit`) that clients use through sessions. A client holding permit
//! `p` opens a session with an accepted write of 1 to register `p` and closes
//! it with an accepted write of 0 there.
//!
//! Checks: at no time are more than N sessions open on the pool. A session
//! closes at its client's closing write, at its client's crash, or when the
//! pool fences it: an open on register `p` accepted with token `t` revokes
//! every other session on `p` opened with a token lower than `t` (the pool
//! drops the stale connection). A session without a token is never fenced.
//!
//! Promises: one violation per accepted open that leaves more than N sessions
//! open, at its time, with clients = the clients with open sessions and
//! events = the opening writes of those sessions, both in event order. A
//! client holds one session at a time: its next open replaces its earlier
//! session on any register (the close may have been lost on the way). Without
//! a `ResourceInit` the bound is unknown and nothing is reported;
//! [`max_open_sessions`] still counts.

use std::collections::BTreeMap;

use super::{Checker, Violation, ViolationKind};
use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId, WriteVerdict};

pub const SEMAPHORE: Checker = Checker { name: "over-permits", check: over_permits };

/// An open session on one register.
struct Session {
    client: NodeId,
    token: Option<u64>,
    /// The index of its opening write.
    open: usize,
}

/// Replay the sessions: the violations and the most sessions ever open at once.
fn replay(history: &History) -> (Vec<Violation>, u64) {
    let mut permits: Option<u64> = None;
    let mut open: BTreeMap<u32, Vec<Session>> = BTreeMap::new();
    let mut most = 0u64;
    let mut violations = Vec::new();
    for (i, e) in history.events.iter().enumerate() {
        match e.kind {
            EventKind::ResourceInit { registers, .. } => {
                permits = Some(u64::from(registers));
                open.clear(); // the pool lost its state: no session survives
            }
            EventKind::Write { client, value: 1, token, verdict: WriteVerdict::Accepted, key, .. } => {
                // A client uses one session at a time: opening replaces its
                // earlier one wherever it was (its close may have been lost).
                for sessions in open.values_mut() {
                    sessions.retain(|s| s.client != client);
                }
                let sessions = open.entry(key).or_default();
                if let Some(t) = token {
                    sessions.retain(|s| s.token.is_none_or(|old| old >= t));
                }
                sessions.push(Session { client, token, open: i });
                let total = open.values().map(Vec::len).sum::<usize>() as u64;
                most = most.max(total);
                if permits.is_some_and(|n| total > n) {
                    let mut opens: Vec<(usize, NodeId)> = open.values().flatten().map(|s| (s.open, s.client)).collect();
                    opens.sort_unstable();
                    let mut clients: Vec<NodeId> = Vec::new();
                    for &(_, c) in &opens {
                        if !clients.contains(&c) {
                            clients.push(c);
                        }
                    }
                    violations.push(Violation {
                        kind: ViolationKind::OverPermits,
                        at: e.at,
                        clients,
                        events: opens.into_iter().map(|(s, _)| s).collect(),
                    });
                }
            }
            EventKind::Write { client, value: 0, verdict: WriteVerdict::Accepted, key, .. } => {
                if let Some(sessions) = open.get_mut(&key) {
                    sessions.retain(|s| s.client != client);
                }
            }
            EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                for sessions in open.values_mut() {
                    sessions.retain(|s| s.client != e.node);
                }
            }
            _ => {}
        }
    }
    (violations, most)
}

/// Accepted opens that left more sessions open than the pool has permits.
pub fn over_permits(history: &History) -> Vec<Violation> {
    replay(history).0
}

/// The most sessions open on the pool at once over the run.
pub fn max_open_sessions(history: &History) -> u64 {
    replay(history).1
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{accepted, crash, history_of, rejected};
    use super::*;
    use crate::time::SimTime;

    fn init(permits: u32) -> EventKind {
        EventKind::ResourceInit { value: 0, registers: permits }
    }

    #[test]
    fn sessions_within_the_permits_are_fine() {
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, Some(1), 1)),
                (2, 4, accepted(2, 1, 1, Some(2), 1)),
                (3, 4, rejected(3, 1, 1, Some(1), 1)),
                (4, 4, accepted(1, 0, 0, Some(1), 2)),
                (5, 4, accepted(3, 0, 1, Some(3), 3)),
            ],
        );
        assert!(over_permits(&h).is_empty());
        assert_eq!(max_open_sessions(&h), 2);
    }

    #[test]
    fn a_third_session_on_two_permits_is_over_permits() {
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, None, 1)),
                (2, 4, accepted(2, 1, 1, None, 1)),
                (3, 4, accepted(3, 0, 1, None, 2)),
                (4, 4, accepted(2, 1, 0, None, 2)),
                (5, 4, accepted(2, 1, 1, None, 3)),
            ],
        );
        let v = over_permits(&h);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].kind, ViolationKind::OverPermits);
        assert_eq!(v[0].at, SimTime(3));
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2), NodeId(3)]);
        assert_eq!(v[0].events, vec![1, 2, 3]);
        // client-1 (node 2) closed and reopened: three sessions again, in event order.
        assert_eq!(v[1].clients, vec![NodeId(1), NodeId(3), NodeId(2)]);
        assert_eq!(v[1].events, vec![1, 3, 5]);
        assert_eq!(max_open_sessions(&h), 3);
    }

    #[test]
    fn a_higher_token_fences_the_stale_session_on_its_permit() {
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, Some(1), 1)),
                (2, 4, accepted(2, 1, 1, Some(2), 1)),
                (3, 4, accepted(3, 0, 1, Some(3), 2)),
            ],
        );
        assert!(over_permits(&h).is_empty());
        assert_eq!(max_open_sessions(&h), 2);
        // A lower token on the same permit fences nothing.
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, Some(5), 1)),
                (2, 4, accepted(2, 1, 1, Some(2), 1)),
                (3, 4, accepted(3, 0, 1, Some(3), 2)),
            ],
        );
        assert_eq!(over_permits(&h).len(), 1);
    }

    #[test]
    fn a_crash_closes_the_clients_sessions() {
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, None, 1)),
                (2, 4, accepted(2, 1, 1, None, 1)),
                (3, 1, crash()),
                (4, 4, accepted(3, 0, 1, None, 2)),
            ],
        );
        assert!(over_permits(&h).is_empty());
        assert_eq!(max_open_sessions(&h), 2);
    }
}
