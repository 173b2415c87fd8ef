//! What the semaphore can suffer: a pool resource with N permits
//! (`registers` of its `ResourceInit`) that clients use through sessions. A
//! client holding permit `p` opens a session with an accepted write of 1 to
//! register `p` and closes it with an accepted write of 0 there ([`OPEN`],
//! [`CLOSE`]; [`session`] is the one place that reads them back).
//!
//! Checks: at no time are more than N sessions open on the pool. A session
//! closes when its client's closing write is answered (accepted, or rejected
//! for a stale token: either way the client has stopped using the pool) or
//! at its client's crash. A newer holder of the same permit does not close
//! it: the pool checks a token only when a session opens or closes and drops
//! no connection (`algorithms::resource` models no revocation), so a
//! superseded holder still inside goes on using the pool until its close —
//! fencing at the door does not stop a client already in, which is why
//! Kleppmann's fencing checks the token on every operation.
//!
//! Promises: one violation per accepted open that leaves more than N sessions
//! open, at its time, with clients = the clients with open sessions and
//! events = the opening writes of those sessions, both in event order (the
//! offending open last). A client holds one session at a time: its next open
//! replaces its earlier session on any register (the close may have been
//! lost on the way). Without a `ResourceInit` the bound is unknown and
//! nothing is reported; [`max_open_sessions`] still counts. The story ends
//! with the offending open and how many sessions were open.

use std::collections::BTreeMap;

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, WriteVerdict};

use super::super::effect::{at, event, Effects, Ending, FinalWrite, PartEnd};

/// More sessions were open on the pool than it has permits.
pub const OVER_PERMITS: ViolationKind = ViolationKind::new("over-permits");

pub const EFFECTS: Effects = Effects {
    check: over_permits,
    kinds: &[Ending {
        kind: OVER_PERMITS,
        final_write: FinalWrite::LastWitness,
        part_ends: PartEnd::AtViolation,
        clause: ending,
    }],
};

/// The value a client writes to its permit's register to open a session.
pub const OPEN: i64 = 1;
/// The value it writes there to close it.
pub const CLOSE: i64 = 0;

/// What a write to the pool did to a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionWrite {
    /// `client` opened a session on `permit`, stamped with its permit's token.
    Open { client: NodeId, permit: u32, token: Option<u64> },
    /// `client` closed its session on `permit`.
    Close { client: NodeId, permit: u32 },
}

/// The session change `kind` records, if any: accepted writes of [`OPEN`]
/// open; writes of [`CLOSE`] close, accepted or not (the client is done with
/// the pool once its close is answered); rejected opens change nothing.
pub fn session(kind: &EventKind) -> Option<SessionWrite> {
    match *kind {
        EventKind::Write { client, value: OPEN, token, verdict: WriteVerdict::Accepted, key, .. } => {
            Some(SessionWrite::Open { client, permit: key, token })
        }
        EventKind::Write { client, value: CLOSE, key, .. } => Some(SessionWrite::Close { client, permit: key }),
        _ => None,
    }
}

/// An open session on one register.
struct Session {
    client: NodeId,
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
        match (&e.kind, session(&e.kind)) {
            (EventKind::ResourceInit { registers, .. }, _) => {
                permits = Some(u64::from(*registers));
                open.clear(); // the pool lost its state: no session survives
            }
            (_, Some(SessionWrite::Open { client, permit, .. })) => {
                // A client uses one session at a time: opening replaces its
                // earlier one wherever it was (its close may have been lost).
                for sessions in open.values_mut() {
                    sessions.retain(|s| s.client != client);
                }
                open.entry(permit).or_default().push(Session { client, open: i });
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
                        kind: OVER_PERMITS,
                        at: e.at,
                        clients,
                        events: opens.into_iter().map(|(s, _)| s).collect(),
                    });
                }
            }
            (_, Some(SessionWrite::Close { client, permit })) => {
                if let Some(sessions) = open.get_mut(&permit) {
                    sessions.retain(|s| s.client != client);
                }
            }
            (EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. }, _) => {
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

/// "… the pool accepted client-2's session on permit 0: 3 sessions open at once (over permits)".
fn ending(history: &History, v: &Violation, final_write: Option<usize>) -> Option<String> {
    let Some(SessionWrite::Open { client, permit, .. }) = session(&event(history, final_write)?.kind) else {
        return None;
    };
    Some(format!(
        "at {} the pool accepted {}'s session on permit {permit}: {} sessions open at once (over permits)",
        at(v.at),
        history.node_name(client),
        v.clients.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::check::fixture::{accepted, crash, history_of, rejected};
    use sim::time::SimTime;

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
        assert_eq!(v[0].kind, OVER_PERMITS);
        assert_eq!(v[0].at, SimTime(3));
        assert_eq!(v[0].clients, vec![NodeId(1), NodeId(2), NodeId(3)]);
        assert_eq!(v[0].events, vec![1, 2, 3]);
        // client-1 (node 2) closed and reopened: three sessions again, in event order.
        assert_eq!(v[1].clients, vec![NodeId(1), NodeId(3), NodeId(2)]);
        assert_eq!(v[1].events, vec![1, 3, 5]);
        assert_eq!(max_open_sessions(&h), 3);
        let told = reports::explain(&h, &v[1], EFFECTS.kinds);
        assert!(
            told.ends_with(
                "at 0.000 s the pool accepted client-1's session on permit 1: 3 sessions open at once (over permits)."
            ),
            "{told}"
        );
    }

    #[test]
    fn a_superseded_session_stays_open_until_its_close_is_answered() {
        // client-0 (node 1) holds permit 0 with token 1; client-2 takes it over
        // with token 3 while client-0 is still inside: the pool drops nobody,
        // so three sessions are open on two permits.
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, Some(1), 1)),
                (2, 4, accepted(2, 1, 1, Some(2), 1)),
                (3, 4, accepted(3, 0, 1, Some(3), 2)),
            ],
        );
        assert_eq!(over_permits(&h).len(), 1);
        // Once client-0's close is rejected for its stale token it is out: the
        // newer holder's session alone is open on permit 0.
        let h = history_of(
            3,
            vec![
                (0, 4, init(2)),
                (1, 4, accepted(1, 0, 1, Some(1), 1)),
                (2, 4, accepted(2, 1, 1, Some(2), 1)),
                (3, 4, rejected(1, 0, 0, Some(1), 1)),
                (4, 4, accepted(3, 0, 1, Some(3), 2)),
            ],
        );
        assert!(over_permits(&h).is_empty());
        assert_eq!(max_open_sessions(&h), 2);
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
