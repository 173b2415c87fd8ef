//! The cron workload: clients compete to run scheduled ticks; running tick `k`
//! is an accepted write of value `k` to register 0.
//!
//! Checks: each tick runs at most once. A second (third, ...) accepted write
//! of the same value on register 0 is a tick run twice.
//!
//! Promises: one violation per extra run, at its time, with clients = [the
//! writer of the previous run of that tick, this writer] and events = [both
//! writes]. Rejected writes and other registers are not runs.
//! [`cron_ticks`] also counts the ticks run and missed, for reports.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{Checker, Violation, ViolationKind};
use crate::history::{EventKind, History, NodeId, WriteVerdict};
use crate::time::SimTime;

pub const CRON: Checker = Checker { name: "tick-run-twice", check: ticks_run_twice };

/// What became of the ticks over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronTicks {
    /// Every tick that ran at least once.
    pub run: BTreeSet<i64>,
    /// Extra runs: accepted runs of a tick that had already run (a tick run
    /// three times counts two).
    pub run_twice: u64,
    /// Gaps: ticks between the smallest and the largest tick run that never
    /// ran. Ticks before the first run or after the last are not counted (the
    /// history cannot tell when the schedule started or should have stopped).
    pub missed: u64,
}

/// Every accepted run of a tick on register 0: (event index, time, writer, tick).
fn runs(history: &History) -> impl Iterator<Item = (usize, SimTime, NodeId, i64)> + '_ {
    history.events.iter().enumerate().filter_map(|(i, e)| match e.kind {
        EventKind::Write { client, value, verdict: WriteVerdict::Accepted, key: 0, .. } => {
            Some((i, e.at, client, value))
        }
        _ => None,
    })
}

/// Ticks that ran more than once.
pub fn ticks_run_twice(history: &History) -> Vec<Violation> {
    let mut previous: HashMap<i64, (usize, NodeId)> = HashMap::new();
    let mut violations = Vec::new();
    for (i, at, client, tick) in runs(history) {
        if let Some((earlier, other)) = previous.insert(tick, (i, client)) {
            violations.push(Violation {
                kind: ViolationKind::TickRunTwice,
                at,
                clients: vec![other, client],
                events: vec![earlier, i],
            });
        }
    }
    violations
}

/// Which ticks ran, how many ran again, and how many were skipped.
pub fn cron_ticks(history: &History) -> CronTicks {
    let mut ticks = CronTicks::default();
    for (_, _, _, tick) in runs(history) {
        if !ticks.run.insert(tick) {
            ticks.run_twice += 1;
        }
    }
    if let (Some(&first), Some(&last)) = (ticks.run.first(), ticks.run.last()) {
        let span = (last as i128 - first as i128 + 1) as u64;
        ticks.missed = span - ticks.run.len() as u64;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{accepted, history, rejected};
    use super::*;

    #[test]
    fn each_tick_once_is_fine() {
        let h = history(vec![
            (1, 3, accepted(1, 0, 1, Some(1), 1)),
            (2, 3, accepted(2, 0, 2, Some(2), 2)),
            (3, 3, rejected(1, 0, 2, Some(1), 2)),
            (4, 3, accepted(1, 1, 2, Some(3), 1)),
        ]);
        assert!(ticks_run_twice(&h).is_empty());
        assert_eq!(cron_ticks(&h), CronTicks { run: [1, 2].into(), run_twice: 0, missed: 0 });
    }

    #[test]
    fn a_tick_run_again_is_a_violation_naming_the_previous_run() {
        let h = history(vec![
            (1, 3, accepted(1, 0, 7, Some(1), 1)),
            (2, 3, accepted(2, 0, 7, Some(2), 2)),
            (3, 3, accepted(1, 0, 8, Some(3), 3)),
            (4, 3, accepted(1, 0, 7, Some(4), 4)),
        ]);
        let v = ticks_run_twice(&h);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|v| v.kind == ViolationKind::TickRunTwice));
        assert_eq!(
            (v[0].at, v[0].clients.clone(), v[0].events.clone()),
            (SimTime(2), vec![NodeId(1), NodeId(2)], vec![0, 1])
        );
        assert_eq!(
            (v[1].at, v[1].clients.clone(), v[1].events.clone()),
            (SimTime(4), vec![NodeId(2), NodeId(1)], vec![1, 3])
        );
        assert_eq!(cron_ticks(&h), CronTicks { run: [7, 8].into(), run_twice: 2, missed: 0 });
    }

    #[test]
    fn gaps_between_ticks_run_are_missed() {
        let h = history(vec![
            (1, 3, accepted(1, 0, 3, None, 1)),
            (2, 3, accepted(2, 0, 4, None, 2)),
            (3, 3, accepted(1, 0, 7, None, 3)),
        ]);
        assert_eq!(cron_ticks(&h), CronTicks { run: [3, 4, 7].into(), run_twice: 0, missed: 2 });
        assert_eq!(cron_ticks(&history(vec![])), CronTicks::default());
    }
}
