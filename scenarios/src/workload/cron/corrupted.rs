//! What cron can suffer: clients compete to run scheduled ticks; running tick
//! `k` is an accepted write of value `k` to register 0 ([`tick_run`]).
//!
//! Checks: each tick runs at most once. A second (third, ...) accepted write
//! of the same value on register 0 is a tick run twice.
//!
//! Promises: one violation per extra run, at its time, with clients = [the
//! writer of the previous run of that tick, this writer] and events = [both
//! writes]. Rejected writes and other registers are not runs. The story ends
//! with the extra run and who had run the tick before. [`cron_ticks`] also
//! counts the ticks run and missed, for the workload's figures.

use std::collections::{BTreeSet, HashMap};

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, History, NodeId, WriteVerdict};
use sim::time::SimTime;

use super::super::effect::{at, earlier_witness, event, token, Effects, Ending, FinalWrite, PartEnd};

/// A scheduled tick ran more than once.
pub const TICK_RUN_TWICE: ViolationKind = ViolationKind::new("tick-run-twice");

pub const EFFECTS: Effects = Effects {
    check: ticks_run_twice,
    kinds: &[Ending {
        kind: TICK_RUN_TWICE,
        final_write: FinalWrite::LastWitness,
        part_ends: PartEnd::AtViolation,
        clause: ending,
    }],
};

/// One run of a tick: who ran it, which tick, with which token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TickRun {
    pub writer: NodeId,
    pub tick: i64,
    pub token: Option<u64>,
}

/// The run of a tick `kind` records, if it is one: an accepted write of the
/// tick's number to register 0.
pub fn tick_run(kind: &EventKind) -> Option<TickRun> {
    match *kind {
        EventKind::Write { client, value, token, verdict: WriteVerdict::Accepted, key: 0, .. } => {
            Some(TickRun { writer: client, tick: value, token })
        }
        _ => None,
    }
}

/// What became of the ticks over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// Every run of a tick: (event index, time, the run).
fn runs(history: &History) -> impl Iterator<Item = (usize, SimTime, TickRun)> + '_ {
    history.events.iter().enumerate().filter_map(|(i, e)| tick_run(&e.kind).map(|run| (i, e.at, run)))
}

/// Ticks that ran more than once.
pub fn ticks_run_twice(history: &History) -> Vec<Violation> {
    let mut previous: HashMap<i64, (usize, NodeId)> = HashMap::new();
    let mut violations = Vec::new();
    for (i, at, run) in runs(history) {
        if let Some((earlier, other)) = previous.insert(run.tick, (i, run.writer)) {
            violations.push(Violation {
                kind: TICK_RUN_TWICE,
                at,
                clients: vec![other, run.writer],
                events: vec![earlier, i],
            });
        }
    }
    violations
}

/// Which ticks ran, how many ran again, and how many were skipped.
pub fn cron_ticks(history: &History) -> CronTicks {
    let mut ticks = CronTicks::default();
    for (_, _, run) in runs(history) {
        if !ticks.run.insert(run.tick) {
            ticks.run_twice += 1;
        }
    }
    if let (Some(&first), Some(&last)) = (ticks.run.first(), ticks.run.last()) {
        let span = (last as i128 - first as i128 + 1) as u64;
        ticks.missed = span - ticks.run.len() as u64;
    }
    ticks
}

/// "… client-2 ran tick 5 again (token 9), which client-0 had run at 5.012 s (tick run twice)".
fn ending(history: &History, v: &Violation, final_write: Option<usize>) -> Option<String> {
    let again = tick_run(&event(history, final_write)?.kind)?;
    let first = earlier_witness(history, v, final_write);
    let before = match first.and_then(|e| tick_run(&e.kind).map(|run| (e.at, run))) {
        Some((when, run)) => format!(", which {} had run at {}", history.node_name(run.writer), at(when)),
        None => String::new(),
    };
    Some(format!(
        "at {} {} ran tick {} again{}{before} (tick run twice)",
        at(v.at),
        history.node_name(again.writer),
        again.tick,
        token(again.token)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::check::fixture::{accepted, history, rejected};

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
        assert!(v.iter().all(|v| v.kind == TICK_RUN_TWICE));
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

    #[test]
    fn the_story_ends_with_the_extra_run_and_the_first() {
        let h = history(vec![
            (1_000_000_000, 3, accepted(1, 0, 7, Some(1), 1)),
            (2_000_000_000, 3, accepted(2, 0, 7, Some(2), 2)),
        ]);
        let v = ticks_run_twice(&h);
        let told = reports::explain(&h, &v[0], EFFECTS.kinds);
        assert!(
            told.ends_with(
                "at 2.000 s client-1 ran tick 7 again (token 2), which client-0 had run at 1.000 s (tick run twice)."
            ),
            "{told}"
        );
    }
}
