//! `deterministic-ordering` (operations applied in a raft log's order): safe
//! in every scenario, every committed operation applied exactly once, and
//! losing the log's majority costs availability, never safety.

use std::time::Duration;

use scenarios::experiment::{Experiment, ExperimentSpec};
use scenarios::scenario::SCENARIOS;
use sim::fault::{Fault, FaultPlan, Target, TimedFault};
use sim::history::{EventKind, Op, Outcome};
use sim::runner::run_seeds;

fn experiment(scenario: &str, duration_s: u64) -> Experiment {
    Experiment::new(ExperimentSpec {
        algorithm: "deterministic-ordering".into(),
        scenario: scenario.into(),
        duration_s,
        ..ExperimentSpec::default()
    })
    .unwrap()
}

#[test]
fn no_scenario_corrupts_the_stock_over_500_seeds_and_each_commit_is_applied_once() {
    let seeds: Vec<u64> = (0..500).collect();
    for scenario in SCENARIOS {
        let e = experiment(scenario.name, 5);
        let bad: Vec<String> = run_seeds(
            &seeds,
            2,
            |s| {
                let r = e.run(s).unwrap();
                let m = &r.metrics;
                // Nothing is applied that was not submitted, and nothing twice: the
                // resource's writes are at most the committed operations, plus those
                // whose outcome is unknown, plus those still in flight at the end.
                let in_flight = in_flight_at_end(&r.history);
                let at_most_once = m.writes_accepted <= m.acquired + m.acquire_unknown + in_flight;
                // Without faults every committed operation reaches the resource
                // (all but the last one or two per client, still on their way).
                let applied = scenario.name != "none" || m.writes_accepted + 2 * 5 >= m.acquired;
                let safe = r.verdict.overlaps.is_empty() && r.verdict.corrupted.is_empty();
                (!(safe && at_most_once && applied)).then(|| {
                    format!(
                        "seed {s}: overlaps {} corrupted {} writes {} committed {} unknown {} in flight {in_flight}",
                        r.verdict.overlaps.len(),
                        r.verdict.corrupted.len(),
                        m.writes_accepted,
                        m.acquired,
                        m.acquire_unknown
                    )
                })
            },
            || {},
        )
        .into_iter()
        .flatten()
        .collect();
        assert!(bad.is_empty(), "{}: {}", scenario.name, bad.join("; "));
    }
}

/// Operations invoked and not completed when the run ended.
fn in_flight_at_end(history: &sim::history::History) -> u64 {
    let mut open = std::collections::BTreeMap::new();
    for e in &history.events {
        match e.kind {
            EventKind::Invoke { op: Op::Operate, .. } => *open.entry(e.node).or_insert(0u64) += 1,
            EventKind::Complete { op: Op::Operate, .. } => *open.entry(e.node).or_insert(1) -= 1,
            _ => {}
        }
    }
    open.values().sum()
}

#[test]
fn losing_the_log_majority_stops_commits_and_a_restart_resumes_them() {
    let crash = |name: &str| TimedFault {
        when: None,
        at: Duration::from_secs(5),
        fault: Fault::Crash {
            target: Target::Node(name.into()),
            restart_after: Some(Duration::from_secs(10)),
            durable: true,
        },
    };
    let run = experiment("none", 30).run_with(1, FaultPlan::new(vec![crash("coord-0"), crash("coord-1")])).unwrap();
    let commits_between = |from: u64, to: u64| {
        run.history
            .events
            .iter()
            .filter(|e| e.at.0 > from * 1_000_000_000 && e.at.0 < to * 1_000_000_000)
            .filter(|e| matches!(e.kind, EventKind::Complete { op: Op::Operate, outcome: Outcome::Ok, .. }))
            .count()
    };
    assert!(commits_between(1, 5) > 100);
    assert_eq!(commits_between(6, 15), 0, "a minority committed");
    assert!(commits_between(20, 30) > 100, "no recovery after the majority returned");
    assert!(run.verdict.corrupted.is_empty() && run.verdict.overlaps.is_empty());
}
