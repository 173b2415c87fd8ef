//! Determinism is the product: the same seed gives the same history whatever
//! the worker count, the order seeds run in, or what ran before.

use std::process::Command;

use scenarios::experiment::{Experiment, ExperimentSpec};
use sim::runner::run_seeds;

fn experiment(scenario: &str) -> Experiment {
    Experiment::new(ExperimentSpec { scenario: scenario.into(), duration_s: 30, ..ExperimentSpec::default() }).unwrap()
}

fn hashes(e: &Experiment, seeds: &[u64], jobs: usize) -> Vec<(u64, u64)> {
    let mut out = run_seeds(seeds, jobs, |seed| (seed, e.run(seed).unwrap().trace_hash), || {});
    out.sort();
    out
}

#[test]
fn trace_hashes_do_not_depend_on_jobs_or_seed_order() {
    let e = experiment("gc-pause");
    let seeds: Vec<u64> = (0..24).collect();
    let reversed: Vec<u64> = seeds.iter().rev().copied().collect();
    let one = hashes(&e, &seeds, 1);
    assert_eq!(one, hashes(&e, &seeds, 2));
    assert_eq!(one, hashes(&e, &reversed, 2));
    assert_eq!(one, hashes(&e, &reversed, 5));
    // Different seeds give different worlds.
    let distinct: std::collections::BTreeSet<u64> = one.iter().map(|(_, h)| *h).collect();
    assert_eq!(distinct.len(), seeds.len());
}

#[test]
fn clock_scenarios_are_deterministic_whatever_the_jobs_or_seed_order() {
    let seeds: Vec<u64> = (0..8).collect();
    let reversed: Vec<u64> = seeds.iter().rev().copied().collect();
    for design in ["database", "cache", "lease-fencing"] {
        for scenario in ["clock-jump", "clock-strobe", "clock-drift"] {
            let e = Experiment::new(ExperimentSpec {
                algorithm: design.into(),
                scenario: scenario.into(),
                duration_s: 20,
                ..ExperimentSpec::default()
            })
            .unwrap();
            assert_eq!(hashes(&e, &seeds, 1), hashes(&e, &reversed, 2), "{design} {scenario}");
        }
    }
}

#[test]
fn every_design_is_deterministic_under_swarm() {
    let seeds: Vec<u64> = (0..6).collect();
    for design in algorithms::designs() {
        let e = Experiment::new(ExperimentSpec {
            algorithm: design.name().into(),
            scenario: "swarm".into(),
            duration_s: 20,
            ..ExperimentSpec::default()
        })
        .unwrap();
        let reversed: Vec<u64> = seeds.iter().rev().copied().collect();
        assert_eq!(hashes(&e, &seeds, 1), hashes(&e, &reversed, 2), "{}", design.name());
    }
}

#[test]
fn every_workload_and_pattern_is_deterministic_under_swarm() {
    let seeds: Vec<u64> = (0..4).collect();
    let reversed: Vec<u64> = seeds.iter().rev().copied().collect();
    for workload in scenarios::workload::WORKLOADS {
        for (pattern, reentrant) in [(None, false), (Some(scenarios::experiment::PatternName::Timeout), true)] {
            let e = Experiment::new(ExperimentSpec {
                algorithm: "lease-fencing".into(),
                scenario: "swarm".into(),
                workload: workload.name.into(),
                pattern,
                reentrant,
                duration_s: 15,
                ..ExperimentSpec::default()
            })
            .unwrap();
            assert_eq!(hashes(&e, &seeds, 1), hashes(&e, &reversed, 2), "{} {pattern:?}", workload.name);
        }
    }
}

/// Pinned: the trace hash of one seed on every machine and build. If a change
/// alters behaviour on purpose, update it and say so in the commit; if it
/// changes by itself, determinism is broken.
#[test]
fn pinned_trace_hash_of_cache_none_seed_0() {
    let run = experiment("none").run(0).unwrap();
    assert_eq!(format!("{:016x}", run.trace_hash), PINNED);
}

// Changed with the TCP-like transport (messages ride connections: a loss
// delays a segment instead of dropping it); before it, with the nodes' own
// clocks, this seed gave a65a5f92bc4ea1c6, and with no clock spreads
// e4fceb4b57133307 (pinned since the liveness phase).
const PINNED: &str = "3d3c61a35e5df401";

fn run_json(jobs: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_locksim"))
        .args(["run", "-a", "cache", "-s", "gc-pause", "--seeds", "12", "--duration", "30"])
        .args(["--format", "json", "--jobs", jobs])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_cli_gives_the_same_runs_with_one_or_two_jobs() {
    let (a, b) = (run_json("1"), run_json("2"));
    assert_eq!(a["runs"], b["runs"]);
    assert_eq!(a["runs"].as_array().unwrap().len(), 12);
}

#[test]
fn hazard_scenarios_and_triggered_faults_are_deterministic() {
    let seeds: Vec<u64> = (0..4).collect();
    let reversed: Vec<u64> = seeds.iter().rev().copied().collect();
    let cells = [
        ("redlock", "redlock-restart", vec![]),
        ("redlock", "redlock-clock-jump", vec![]),
        ("redlock", "slow-acquire", vec!["validity_check=false".to_string()]),
        ("lease-fencing", "pause-after-check", vec![]),
        ("lease-fencing", "client-clock", vec![]),
        ("ephemeral-sequential", "session-pause", vec![]),
        ("cache", "failover-split-brain", vec!["replica=true".to_string()]),
        ("cache", "majorities-ring", vec!["replica=true".to_string()]),
    ];
    for (algorithm, scenario, params) in cells {
        let e = Experiment::new(ExperimentSpec {
            algorithm: algorithm.into(),
            scenario: scenario.into(),
            params,
            duration_s: 30,
            ..ExperimentSpec::default()
        })
        .unwrap();
        let one = hashes(&e, &seeds, 1);
        assert_eq!(one, hashes(&e, &reversed, 2), "{algorithm} / {scenario}");
        // Different seeds, different worlds.
        let distinct: std::collections::BTreeSet<u64> = one.iter().map(|(_, h)| *h).collect();
        assert_eq!(distinct.len(), seeds.len(), "{algorithm} / {scenario}");
    }
}
