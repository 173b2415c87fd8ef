//! The `cache` design against what its reference predicts.
//!
//! Redis's "Distributed Locks with Redis" warns that a single-instance lock
//! with a TTL is safe only while holders finish within the TTL: a holder
//! paused past its TTL keeps acting after another client acquired. So:
//! no faults -> no violation; GC pauses -> overlaps and lost updates, and each
//! violating seed replays to the same history.

use scenarios::experiment::{Experiment, ExperimentSpec};
use sim::runner::run_seeds;

fn experiment(scenario: &str) -> Experiment {
    Experiment::new(ExperimentSpec { scenario: scenario.into(), ..ExperimentSpec::default() }).unwrap()
}

/// (seed, overlaps, corrupted, trace hash) for seeds 0..200.
fn sweep(e: &Experiment) -> Vec<(u64, usize, usize, u64)> {
    let seeds: Vec<u64> = (0..200).collect();
    run_seeds(
        &seeds,
        2,
        |seed| {
            let run = e.run(seed).unwrap();
            (seed, run.verdict.overlaps.len(), run.verdict.corrupted.len(), run.trace_hash)
        },
        || {},
    )
}

#[test]
fn without_faults_200_seeds_show_no_overlap_and_no_corruption() {
    let runs = sweep(&experiment("none"));
    assert!(runs.iter().all(|r| r.1 == 0 && r.2 == 0), "{:?}", runs.iter().find(|r| r.1 + r.2 > 0));
}

#[test]
fn gc_pauses_past_the_ttl_corrupt_the_stock_and_every_violation_replays() {
    let e = experiment("gc-pause");
    let runs = sweep(&e);
    let violating: Vec<_> = runs.iter().filter(|r| r.1 > 0 || r.2 > 0).collect();
    let corrupted = runs.iter().filter(|r| r.2 > 0).count();
    assert!(corrupted > 0, "no corrupted effect in 200 seeds");
    assert!(violating.len() < runs.len(), "every seed violated: the scenario is not discriminating");
    for &&(seed, overlaps, corrupt, hash) in &violating {
        let again = e.run(seed).unwrap();
        assert_eq!(again.trace_hash, hash, "seed {seed} did not replay");
        assert_eq!((again.verdict.overlaps.len(), again.verdict.corrupted.len()), (overlaps, corrupt));
    }
}

#[test]
fn a_corrupted_effect_needs_an_overlap_first() {
    // Without fencing, a lost update can only come from two clients inside
    // their critical sections at once; the checkers must agree on that.
    let runs = sweep(&experiment("gc-pause"));
    assert!(runs.iter().all(|r| r.2 == 0 || r.1 > 0));
}
