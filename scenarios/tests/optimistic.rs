//! `optimistic` (no lock; compare-and-set at the resource): it may lose
//! availability under faults, never safety, and its conflicts grow with
//! contention.

use scenarios::experiment::{Experiment, ExperimentSpec};
use scenarios::scenario::SCENARIOS;
use sim::runner::run_seeds;

fn experiment(scenario: &str, clients: u32, duration_s: u64) -> Experiment {
    Experiment::new(ExperimentSpec {
        algorithm: "optimistic".into(),
        scenario: scenario.into(),
        clients,
        duration_s,
        ..ExperimentSpec::default()
    })
    .unwrap()
}

#[test]
fn no_scenario_corrupts_the_stock_over_500_seeds() {
    let seeds: Vec<u64> = (0..500).collect();
    for scenario in SCENARIOS {
        let e = experiment(scenario.name, 5, 10);
        let bad: Vec<(u64, usize, usize)> = run_seeds(
            &seeds,
            2,
            |s| {
                let r = e.run(s).unwrap();
                (s, r.verdict.overlaps.len(), r.verdict.corrupted.len())
            },
            || {},
        )
        .into_iter()
        .filter(|r| r.1 + r.2 > 0)
        .collect();
        assert!(bad.is_empty(), "{}: violations in {bad:?}", scenario.name);
    }
}

#[test]
fn conflicts_per_committed_operation_grow_with_contention() {
    let seeds: Vec<u64> = (0..10).collect();
    let conflict_rate = |clients| {
        let e = experiment("none", clients, 20);
        let (committed, conflicts) = run_seeds(
            &seeds,
            2,
            |s| {
                let m = e.run(s).unwrap().metrics;
                (m.acquired, m.writes_rejected)
            },
            || {},
        )
        .into_iter()
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
        assert!(committed > 0);
        conflicts as f64 / committed as f64
    };
    let (two, eight, thirty_two) = (conflict_rate(2), conflict_rate(8), conflict_rate(32));
    assert!(two < eight && eight < thirty_two, "{two:.2} {eight:.2} {thirty_two:.2}");
    assert!(thirty_two > 3.0 * two, "contention should cost far more retries: {two:.2} vs {thirty_two:.2}");
}
