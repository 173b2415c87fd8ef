//! The leader-election workload: a client that is elected records `CsEnter`
//! (its term starts) and does its work as accepted writes to the resource (on
//! any register).
//!
//! Checks: the resource accepted no work from a deposed leader. An accepted
//! write by client `c` at time `t` is a violation when another client entered
//! its critical section (was elected) strictly after the start of `c`'s
//! latest term recorded before the write and at or before `t`; and when `c`
//! never entered at all (it was never leader).
//!
//! Promises: one violation per offending write, at the write's time. For a
//! deposed leader: clients = [the first client elected after it, the writer],
//! events = [that client's `CsEnter`, the write]. For a never-elected writer:
//! clients = [the writer], events = [the write]. Exits and crashes do not end
//! a term here: only a newer election deposes. Times are compared, so a rival
//! elected at the very instant `c`'s term started does not depose it, and one
//! elected at the write's instant (even if recorded just after it) does.

use std::collections::HashMap;

use super::{Checker, Violation, ViolationKind};
use crate::history::{EventKind, History, NodeId, WriteVerdict};
use crate::time::SimTime;

pub const LEADER: Checker = Checker { name: "deposed-leader-write", check: deposed_leader_writes };

/// Accepted writes by a client that had been deposed or was never elected.
pub fn deposed_leader_writes(history: &History) -> Vec<Violation> {
    // Every election, in history (and so time) order.
    let elections: Vec<(SimTime, usize, NodeId)> = history
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::CsEnter { .. }))
        .map(|(i, e)| (e.at, i, e.node))
        .collect();
    let mut term_start: HashMap<NodeId, SimTime> = HashMap::new();
    let mut violations = Vec::new();
    for (i, e) in history.events.iter().enumerate() {
        match &e.kind {
            EventKind::CsEnter { .. } => {
                term_start.insert(e.node, e.at);
            }
            EventKind::Write { client, verdict: WriteVerdict::Accepted, .. } => {
                let Some(&start) = term_start.get(client) else {
                    violations.push(Violation {
                        kind: ViolationKind::DeposedLeaderWrite,
                        at: e.at,
                        clients: vec![*client],
                        events: vec![i],
                    });
                    continue;
                };
                let first_after = elections.partition_point(|&(at, _, _)| at <= start);
                let rival = elections[first_after..]
                    .iter()
                    .take_while(|&&(at, _, _)| at <= e.at)
                    .find(|&&(_, _, node)| node != *client);
                if let Some(&(_, enter, other)) = rival {
                    violations.push(Violation {
                        kind: ViolationKind::DeposedLeaderWrite,
                        at: e.at,
                        clients: vec![other, *client],
                        events: vec![enter, i],
                    });
                }
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{accepted, enter, history, rejected};
    use super::*;

    #[test]
    fn a_leader_writing_during_its_term_is_fine() {
        let h = history(vec![
            (1, 1, enter(&[])),
            (2, 3, accepted(1, 0, 1, Some(1), 1)),
            (3, 3, accepted(1, 4, 2, Some(1), 1)),
            (4, 2, enter(&[])),
            (5, 3, accepted(2, 0, 3, Some(2), 2)),
            // Client 0 is elected again: its new term is newer than client 1's.
            (6, 1, enter(&[])),
            (7, 3, accepted(1, 0, 4, Some(3), 3)),
        ]);
        assert!(deposed_leader_writes(&h).is_empty());
    }

    #[test]
    fn an_accepted_write_after_a_rival_was_elected_is_a_deposed_leader_write() {
        let h = history(vec![
            (1, 1, enter(&[])),
            (2, 2, enter(&[])),
            (3, 3, accepted(2, 0, 1, Some(2), 1)),
            (4, 3, accepted(1, 2, 2, Some(1), 2)),
        ]);
        let v = deposed_leader_writes(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, ViolationKind::DeposedLeaderWrite);
        assert_eq!(v[0].at, SimTime(4));
        assert_eq!(v[0].clients, vec![NodeId(2), NodeId(1)]);
        assert_eq!(v[0].events, vec![1, 3]);
    }

    #[test]
    fn a_rejected_write_of_a_deposed_leader_is_fine() {
        let h = history(vec![(1, 1, enter(&[])), (2, 2, enter(&[])), (4, 3, rejected(1, 0, 2, Some(1), 1))]);
        assert!(deposed_leader_writes(&h).is_empty());
    }

    #[test]
    fn only_a_rival_elected_after_the_term_began_and_by_the_write_deposes_the_writer() {
        let h = history(vec![(1, 1, enter(&[])), (4, 3, accepted(1, 0, 2, Some(1), 1)), (4, 2, enter(&[]))]);
        let v = deposed_leader_writes(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].events, vec![2, 1]);
        // Elected at the very instant the writer's term started: not a newer term.
        let h = history(vec![(1, 1, enter(&[])), (1, 2, enter(&[])), (4, 3, accepted(1, 0, 2, Some(1), 1))]);
        assert!(deposed_leader_writes(&h).is_empty());
        // Elected after the write: not a violation.
        let h = history(vec![(1, 1, enter(&[])), (4, 3, accepted(1, 0, 2, Some(1), 1)), (5, 2, enter(&[]))]);
        assert!(deposed_leader_writes(&h).is_empty());
    }

    #[test]
    fn a_write_by_a_client_never_elected_is_a_violation() {
        let h = history(vec![(1, 1, enter(&[])), (2, 3, accepted(2, 0, 1, None, 1))]);
        let v = deposed_leader_writes(&h);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].clients, vec![NodeId(2)]);
        assert_eq!(v[0].events, vec![1]);
    }
}
