//! The fast target the mutation run (`scripts/mutants.sh`) tests every
//! mutant of the safety-critical code against: each hazard on a few seeds
//! (the design its reference names still breaks, the settings that prevent
//! it still hold), and every design, with no fault, keeps exclusion and
//! makes progress. It is the hazard test (`hazards.rs`) cut to seconds:
//! seeds are fixed, so the unmutated tree passes it every time.

mod hazard_cells;

use hazard_cells::{corrupted, describe, experiment, Cell, HAZARDS};

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
