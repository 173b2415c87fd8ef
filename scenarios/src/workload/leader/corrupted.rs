//! What leader election can suffer: a client that is elected records
//! `CsEnter` (its term starts) and does its work as accepted writes to the
//! resource, on any register ([`work`]).
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
//! The story ends with the accepted work and who had been elected since.

use std::collections::HashMap;

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, History, NodeId, WriteVerdict};
use sim::time::SimTime;

use super::super::effect::{at, earlier_witness, event, token, Effects, Ending, FinalWrite, PartEnd};

/// The resource accepted work from a leader after another client was
/// elected (or from a client that was never elected).
pub const DEPOSED_LEADER_WRITE: ViolationKind = ViolationKind::new("deposed-leader-write");

pub const EFFECTS: Effects = Effects {
    check: deposed_leader_writes,
    kinds: &[Ending {
        kind: DEPOSED_LEADER_WRITE,
        final_write: FinalWrite::LastWitness,
        part_ends: PartEnd::AtViolation,
        clause: ending,
    }],
};

/// A unit of a leader's work, if `kind` is one: every accepted write is,
/// and its token is the writer's term where the design issues one.
pub fn work(kind: &EventKind) -> Option<(NodeId, Option<u64>)> {
    match *kind {
        EventKind::Write { client, token, verdict: WriteVerdict::Accepted, .. } => Some((client, token)),
        _ => None,
    }
}

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
        if let EventKind::CsEnter { .. } = e.kind {
            term_start.insert(e.node, e.at);
            continue;
        }
        let Some((client, _)) = work(&e.kind) else { continue };
        let Some(&start) = term_start.get(&client) else {
            violations.push(Violation { kind: DEPOSED_LEADER_WRITE, at: e.at, clients: vec![client], events: vec![i] });
            continue;
        };
        let first_after = elections.partition_point(|&(at, _, _)| at <= start);
        let rival =
            elections[first_after..].iter().take_while(|&&(at, _, _)| at <= e.at).find(|&&(_, _, node)| node != client);
        if let Some(&(_, enter, other)) = rival {
            violations.push(Violation {
                kind: DEPOSED_LEADER_WRITE,
                at: e.at,
                clients: vec![other, client],
                events: vec![enter, i],
            });
        }
    }
    violations
}

/// "… the resource accepted work from client-0 (token 3) although client-1 had been elected at 4.000 s …".
fn ending(history: &History, v: &Violation, final_write: Option<usize>) -> Option<String> {
    let Some(EventKind::Write { client, token: t, .. }) = event(history, final_write).map(|e| &e.kind) else {
        return None;
    };
    let since = earlier_witness(history, v, final_write)
        .map(|e| format!(" although {} had been elected at {}", history.node_name(e.node), at(e.at)))
        .unwrap_or_default();
    Some(format!(
        "at {} the resource accepted work from {}{}{since} (work from a deposed leader)",
        at(v.at),
        history.node_name(*client),
        token(*t)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::check::fixture::{accepted, enter, history, rejected};

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
        assert_eq!(v[0].kind, DEPOSED_LEADER_WRITE);
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

    #[test]
    fn the_story_ends_with_the_accepted_work_and_the_rival_elected_since() {
        let h =
            history(vec![(1, 1, enter(&[])), (2, 2, enter(&[])), (4_000_000_000, 3, accepted(1, 2, 2, Some(1), 2))]);
        let v = deposed_leader_writes(&h);
        let told = reports::explain(&h, &v[0], EFFECTS.kinds);
        assert!(
            told.ends_with(
                "at 4.000 s the resource accepted work from client-0 (token 1) although client-1 had been \
                 elected at 0.000 s (work from a deposed leader)."
            ),
            "{told}"
        );
    }
}
