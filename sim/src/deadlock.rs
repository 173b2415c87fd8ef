//! Deadlocks: cycles in the wait-for graph of the clients' lock operations.
//!
//! Built from the history alone:
//! - a client *holds* lock `L` from its `Complete { Acquire, Ok }` (paired
//!   with its latest `Invoke { Acquire, lock: L }`) until its
//!   `Invoke { Release, lock: L }` or its crash;
//! - a client *waits for* lock `L` from its `Invoke { Acquire, lock: L }`
//!   until the matching `Complete` (any outcome), its next acquire invoke, or
//!   its crash;
//! - `c -> h` when `c` waits for a lock that `h` (another client) holds.
//!
//! An unnamed lock is the default lock "lock"; renewals and other operations
//! are ignored. A client waits for one lock at a time, so each new edge is
//! followed until it returns to its start (a cycle) or stops. When a
//! lock has several holders at once (mutual exclusion already broken), the
//! search tries each, and reports the first cycle found.
//!
//! Promises: each cycle is reported once while it stays open (two cycles
//! through the same clients are one), with `since` the time the edge that
//! closed it appeared and `ended` the first event that removed one of its
//! edges, and how ([`DeadlockEnd`]). A cycle is listed starting from its
//! smallest client id, `locks[i]` being what `clients[i]` waits for, held by
//! the next client. Deadlocks are in the order they formed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::check::DEFAULT_LOCK;
use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Op, Outcome};
use crate::time::SimTime;

/// How a deadlock ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlockEnd {
    /// A waiter's acquire ended `fail` or `info` (or a member gave up waiting:
    /// it started another acquire or released a lock meanwhile).
    Timeout,
    /// A waiter's acquire succeeded while the holder still believed it held
    /// the lock (a TTL or lease ran out).
    Expired,
    /// A member crashed.
    Crash,
    /// Still a cycle when the history ends.
    Never,
}

/// A cycle of clients, each waiting for a lock the next one holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deadlock {
    /// The members, in cycle order, starting from the smallest id.
    pub clients: Vec<NodeId>,
    /// `locks[i]` is the lock `clients[i]` waits for, held by `clients[i + 1]`
    /// (the last waits for a lock the first holds).
    pub locks: Vec<String>,
    /// When the edge that closed the cycle appeared.
    pub since: SimTime,
    /// The first event that removed one of its edges (`None`: never).
    pub ended: Option<SimTime>,
    pub how: DeadlockEnd,
}

impl Deadlock {
    /// One line, e.g. "client-1 waits for account-2 held by client-3, client-3
    /// waits for account-1 held by client-1, since 3.200000s; broken by a
    /// timeout at 8.100000s".
    pub fn describe(&self, history: &History) -> String {
        let n = self.clients.len();
        let links: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "{} waits for {} held by {}",
                    history.node_name(self.clients[i]),
                    self.locks.get(i).map_or("?", String::as_str),
                    history.node_name(self.clients[(i + 1) % n])
                )
            })
            .collect();
        let end = match (self.how, self.ended) {
            (DeadlockEnd::Never, _) | (_, None) => "never broken".to_string(),
            (DeadlockEnd::Timeout, Some(t)) => format!("broken by a timeout at {t}"),
            (DeadlockEnd::Expired, Some(t)) => format!("broken when a lock expired at {t}"),
            (DeadlockEnd::Crash, Some(t)) => format!("broken by a crash at {t}"),
        };
        format!("{}, since {}; {end}", links.join(", "), self.since)
    }
}

/// One edge of an open cycle, with the wait and the hold it rests on (the
/// indices of the acquire invoke and of the acquire's `ok`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Edge {
    waiter: NodeId,
    lock: String,
    holder: NodeId,
    wait: usize,
    hold: usize,
}

/// The wait-for state at one point of the history.
#[derive(Default)]
struct WaitFor {
    /// Each client's pending acquire: the lock and the invoke's index.
    waiting: BTreeMap<NodeId, (String, usize)>,
    /// Each client's latest acquire invoke (a `Complete` pairs with it).
    last_acquire: BTreeMap<NodeId, String>,
    /// Each lock's holders, with the index of the `ok` that took it.
    holders: BTreeMap<String, BTreeMap<NodeId, usize>>,
}

impl WaitFor {
    /// The edges out of `c`.
    fn edges_from(&self, c: NodeId) -> Vec<Edge> {
        let Some((lock, wait)) = self.waiting.get(&c) else { return Vec::new() };
        let Some(holders) = self.holders.get(lock) else { return Vec::new() };
        holders
            .iter()
            .filter(|(&h, _)| h != c)
            .map(|(&h, &hold)| Edge { waiter: c, lock: lock.clone(), holder: h, wait: *wait, hold })
            .collect()
    }

    fn still_there(&self, e: &Edge) -> bool {
        self.waiting.get(&e.waiter).is_some_and(|(lock, wait)| *lock == e.lock && *wait == e.wait)
            && self.holders.get(&e.lock).and_then(|h| h.get(&e.holder)) == Some(&e.hold)
    }

    /// A path of edges from `from` back to `to`, depth first.
    fn path(&self, from: NodeId, to: NodeId, seen: &mut BTreeSet<NodeId>) -> Option<Vec<Edge>> {
        if !seen.insert(from) {
            return None;
        }
        for edge in self.edges_from(from) {
            if edge.holder == to {
                return Some(vec![edge]);
            }
            let next = edge.holder;
            if let Some(mut rest) = self.path(next, to, seen) {
                rest.insert(0, edge);
                return Some(rest);
            }
        }
        None
    }

    /// The cycle `edge` closes, if any: `edge` first, then back to its waiter.
    fn cycle_through(&self, edge: Edge) -> Option<Vec<Edge>> {
        let mut rest = self.path(edge.holder, edge.waiter, &mut BTreeSet::new())?;
        rest.insert(0, edge);
        Some(rest)
    }
}

/// A cycle still open, as the index of its report and its edges.
struct Open {
    report: usize,
    members: BTreeSet<NodeId>,
    edges: Vec<Edge>,
}

fn lock_name(lock: &Option<String>) -> String {
    lock.clone().unwrap_or_else(|| DEFAULT_LOCK.to_string())
}

/// Every deadlock of the history, in the order they formed.
pub fn deadlocks(history: &History) -> Vec<Deadlock> {
    let mut state = WaitFor::default();
    let mut found: Vec<Deadlock> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    for (i, e) in history.events.iter().enumerate() {
        let c = e.node;
        // What the event does to the graph: edges it may remove (and what
        // that means for a cycle) and edges it may add.
        let (how, new_edges) = match &e.kind {
            EventKind::Invoke { op: Op::Acquire, lock } => {
                let lock = lock_name(lock);
                state.last_acquire.insert(c, lock.clone());
                state.waiting.insert(c, (lock, i));
                (Some(DeadlockEnd::Timeout), state.edges_from(c))
            }
            EventKind::Invoke { op: Op::Release, lock } => {
                if let Some(holders) = state.holders.get_mut(&lock_name(lock)) {
                    holders.remove(&c);
                }
                (Some(DeadlockEnd::Timeout), Vec::new())
            }
            EventKind::Complete { op: Op::Acquire, outcome, .. } => {
                state.waiting.remove(&c);
                match (outcome, state.last_acquire.get(&c)) {
                    (Outcome::Ok, Some(lock)) => {
                        let lock = lock.clone();
                        state.holders.entry(lock.clone()).or_default().entry(c).or_insert(i);
                        let waiters: Vec<NodeId> =
                            state.waiting.iter().filter(|(&w, (l, _))| w != c && *l == lock).map(|(&w, _)| w).collect();
                        let new_edges = waiters
                            .into_iter()
                            .flat_map(|w| state.edges_from(w))
                            .filter(|edge| edge.holder == c)
                            .collect();
                        (Some(DeadlockEnd::Expired), new_edges)
                    }
                    (Outcome::Ok, None) => (Some(DeadlockEnd::Expired), Vec::new()),
                    _ => (Some(DeadlockEnd::Timeout), Vec::new()),
                }
            }
            EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                state.waiting.remove(&c);
                for holders in state.holders.values_mut() {
                    holders.remove(&c);
                }
                (Some(DeadlockEnd::Crash), Vec::new())
            }
            _ => (None, Vec::new()),
        };
        if let Some(how) = how {
            open.retain(|cycle| {
                if cycle.edges.iter().all(|edge| state.still_there(edge)) {
                    return true;
                }
                found[cycle.report].ended = Some(e.at);
                found[cycle.report].how = how;
                false
            });
        }
        for edge in new_edges {
            let Some(edges) = state.cycle_through(edge) else { continue };
            let members: BTreeSet<NodeId> = edges.iter().map(|edge| edge.waiter).collect();
            if open.iter().any(|cycle| cycle.members == members) {
                continue;
            }
            let first = (0..edges.len()).min_by_key(|&k| edges[k].waiter).unwrap_or(0);
            let in_order = edges[first..].iter().chain(&edges[..first]);
            let (clients, locks) = in_order.map(|edge| (edge.waiter, edge.lock.clone())).unzip();
            open.push(Open { report: found.len(), members, edges });
            found.push(Deadlock { clients, locks, since: e.at, ended: None, how: DeadlockEnd::Never });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture::{crash, history_of};

    fn acquire(lock: &str) -> EventKind {
        EventKind::Invoke { op: Op::Acquire, lock: Some(lock.to_string()) }
    }

    fn release(lock: &str) -> EventKind {
        EventKind::Invoke { op: Op::Release, lock: Some(lock.to_string()) }
    }

    fn done(outcome: Outcome) -> EventKind {
        EventKind::Complete { op: Op::Acquire, outcome, token: None }
    }

    /// Milliseconds of simulated time.
    const MS: u64 = 1_000_000;

    /// client-0 (node 1) takes account-1, client-2 (node 3) takes account-2,
    /// then each asks for the other's: a cycle from 3.200s.
    fn crossed() -> Vec<(u64, u32, EventKind)> {
        vec![
            (1000 * MS, 1, acquire("account-1")),
            (1000 * MS, 1, done(Outcome::Ok)),
            (2000 * MS, 3, acquire("account-2")),
            (2000 * MS, 3, done(Outcome::Ok)),
            (3000 * MS, 1, acquire("account-2")),
            (3200 * MS, 3, acquire("account-1")),
        ]
    }

    #[test]
    fn crossed_acquisitions_deadlock_forever() {
        let mut events = crossed();
        // client-1 waiting behind the cycle neither joins it nor repeats it.
        events.push((4000 * MS, 2, acquire("account-1")));
        let d = deadlocks(&history_of(3, events));
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0],
            Deadlock {
                clients: vec![NodeId(1), NodeId(3)],
                locks: vec!["account-2".into(), "account-1".into()],
                since: SimTime(3200 * MS),
                ended: None,
                how: DeadlockEnd::Never,
            }
        );
    }

    #[test]
    fn a_failed_acquire_breaks_the_deadlock_as_a_timeout() {
        let mut events = crossed();
        events.extend([
            (8100 * MS, 1, done(Outcome::Fail)),
            (8100 * MS, 1, release("account-1")),
            (8200 * MS, 3, done(Outcome::Ok)),
        ]);
        let h = history_of(3, events);
        let d = deadlocks(&h);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].ended, d[0].how), (Some(SimTime(8100 * MS)), DeadlockEnd::Timeout));
        assert_eq!(
            d[0].describe(&h),
            "client-0 waits for account-2 held by client-2, client-2 waits for account-1 held by client-0, \
             since 3.200000s; broken by a timeout at 8.100000s"
        );
    }

    #[test]
    fn an_ok_while_the_holder_still_holds_is_an_expired_lock() {
        let mut events = crossed();
        events.push((7000 * MS, 3, done(Outcome::Ok)));
        let d = deadlocks(&history_of(3, events));
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].ended, d[0].how), (Some(SimTime(7000 * MS)), DeadlockEnd::Expired));
    }

    #[test]
    fn a_crash_of_a_member_breaks_the_deadlock() {
        let mut events = crossed();
        events.push((5000 * MS, 3, crash()));
        // After the crash client-0's wait ends normally: no new cycle.
        events.push((6000 * MS, 1, done(Outcome::Ok)));
        let d = deadlocks(&history_of(3, events));
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].ended, d[0].how), (Some(SimTime(5000 * MS)), DeadlockEnd::Crash));
    }

    #[test]
    fn ordered_acquisition_never_deadlocks() {
        let h = history_of(
            2,
            vec![
                (1, 1, acquire("account-0")),
                (1, 1, done(Outcome::Ok)),
                (2, 2, acquire("account-0")),
                (3, 1, acquire("account-1")),
                (3, 1, done(Outcome::Ok)),
                (4, 1, release("account-1")),
                (4, 1, release("account-0")),
                (5, 2, done(Outcome::Ok)),
                (6, 2, acquire("account-1")),
                (6, 2, done(Outcome::Ok)),
            ],
        );
        assert!(deadlocks(&h).is_empty());
    }

    #[test]
    fn taking_a_lock_already_held_is_no_deadlock() {
        // A reentrant hold: the nested acquire waits for a lock its own client holds.
        let h = history_of(
            2,
            vec![
                (1, 1, acquire("lock")),
                (1, 1, done(Outcome::Ok)),
                (2, 1, EventKind::Invoke { op: Op::Acquire, lock: None }),
                (3, 2, acquire("lock")),
            ],
        );
        assert!(deadlocks(&h).is_empty());
    }

    #[test]
    fn a_cycle_of_three_is_reported_once_from_its_smallest_client() {
        let h = history_of(
            3,
            vec![
                (1, 1, acquire("a")),
                (1, 1, done(Outcome::Ok)),
                (1, 2, acquire("b")),
                (1, 2, done(Outcome::Ok)),
                (1, 3, acquire("c")),
                (1, 3, done(Outcome::Ok)),
                (2, 2, acquire("c")),
                (3, 3, acquire("a")),
                (4, 1, acquire("b")),
            ],
        );
        let d = deadlocks(&h);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].clients, vec![NodeId(1), NodeId(2), NodeId(3)]);
        assert_eq!(d[0].locks, vec!["b".to_string(), "c".into(), "a".into()]);
        assert_eq!(d[0].since, SimTime(4));
    }
}
