//! The fast target the mutation run (`scripts/mutants.sh`) tests every
//! mutant of the safety-critical code against: each hazard on a few seeds
//! (the design its reference names still breaks, the settings that prevent
//! it still hold), and every design, with no fault, keeps exclusion and
//! makes progress. It is the hazard test (`hazards.rs`) cut to seconds:
//! seeds are fixed, so the unmutated tree passes it every time.

mod hazard_cells;

use hazard_cells::{cell, corrupted, describe, experiment, Cell, HAZARDS};
use scenarios::experiment::{Experiment, ExperimentSpec, PatternName};

const BREAK_SEEDS: u64 = 10;
const SAFE_SEEDS: u64 = 20;

#[test]
fn every_hazard_still_breaks_its_design_and_not_the_settings_that_prevent_it() {
    let mut failures = Vec::new();
    for h in HAZARDS {
        if corrupted(h.scenario, &h.breaks, BREAK_SEEDS).is_empty() {
            failures.push(format!("{}: {} no longer corrupts in {BREAK_SEEDS} seeds", h.scenario, describe(&h.breaks)));
        }
        for safe in h.holds {
            let seeds = corrupted(h.scenario, safe, SAFE_SEEDS);
            if !seeds.is_empty() {
                failures.push(format!("{}: {} corrupted seeds {seeds:?}", h.scenario, describe(safe)));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_design_keeps_exclusion_and_makes_progress_with_no_fault() {
    let mut failures = Vec::new();
    for design in algorithms::designs() {
        for workload in ["inventory", "cron"] {
            let cell = Cell { design: design.name(), params: &[], workload, workload_params: &[], pattern: None };
            let e = experiment("none", &cell);
            for seed in 0..3 {
                let run = e.run(seed).unwrap();
                let what = format!("{} -w {workload} seed {seed}", design.name());
                if !run.verdict.overlaps.is_empty() || !run.verdict.corrupted.is_empty() {
                    failures.push(format!("{what}: a violation with no fault"));
                }
                if run.metrics.writes_accepted < 10 {
                    failures.push(format!("{what}: only {} writes accepted", run.metrics.writes_accepted));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_databases_fencing_tokens_stop_a_paused_holders_stale_write() {
    // Spring's lock row has no token; the `fencing` option hands the
    // sequence's value to the resource. Without it a GC pause past the row's
    // expiry corrupts; with it every stale write is rejected (a sequence that
    // repeats a value lets the stale write through: the mutant this kills).
    let unfenced = corrupted("gc-pause", &cell("database", &["fencing=false"]), SAFE_SEEDS);
    assert!(!unfenced.is_empty(), "gc-pause no longer corrupts an unfenced database in {SAFE_SEEDS} seeds");
    let fenced = corrupted("gc-pause", &cell("database", &["fencing=true"]), SAFE_SEEDS);
    assert!(fenced.is_empty(), "fenced database corrupted in seeds {fenced:?}");
}

#[test]
fn an_acquire_with_a_timeout_waits_for_a_busy_lock_instead_of_giving_up_at_once() {
    // With no fault and a 5 s bound, a lock held for milliseconds is always
    // acquired in time: a give-up means the deadline was computed wrong.
    // Redlock's own retry count (node-redlock's `retryCount`) ends some
    // attempts before the bound; the others have none.
    let mut failures = Vec::new();
    for design in ["database", "cache", "redlock", "ephemeral-sequential", "lease-fencing"] {
        let e = Experiment::new(ExperimentSpec {
            algorithm: design.into(),
            scenario: "none".into(),
            pattern: Some(PatternName::Timeout),
            timeout_ms: 5_000,
            ..ExperimentSpec::default()
        })
        .unwrap();
        for seed in 0..2 {
            let m = e.run(seed).unwrap().metrics;
            let attempts = m.acquired + m.acquire_failed + m.acquire_unknown;
            let allowed = if design == "redlock" { attempts / 4 } else { 0 };
            if m.acquire_failed > allowed || m.acquired < 100 {
                failures.push(format!("{design} seed {seed}: {} of {attempts} attempts gave up", m.acquire_failed));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
