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

/// Seeds `0..seeds` of a scenario file's cell that corrupted the resource.
fn corrupted_in_file(name: &str, text: &str, seeds: u64) -> Vec<u64> {
    let e = scenarios::config::parse(std::path::Path::new(name), text).unwrap();
    (0..seeds).filter(|&seed| !e.run(seed).unwrap().verdict.corrupted.is_empty()).collect()
}

#[test]
fn a_lease_held_longer_than_itself_is_kept_by_renewing() {
    // Chubby's KeepAlive: a holder renews every third of its 1 s lease, so
    // a 3 s critical section still finds its lease valid at the write. A
    // renewal that stops, comes too late or dates its validity wrong leaves
    // every check failing and nothing sold.
    let e = Experiment::new(ExperimentSpec {
        algorithm: "lease-fencing".into(),
        scenario: "none".into(),
        params: vec!["lease_ms=1000".into()],
        workload_params: vec!["think_min_ms=3000".into(), "think_max_ms=3000".into()],
        ..ExperimentSpec::default()
    })
    .unwrap();
    for seed in 0..2 {
        let m = e.run(seed).unwrap().metrics;
        // 90 simulated seconds of 3 s holds: about 30 writes.
        assert!(m.writes_accepted >= 20, "seed {seed}: only {} writes after renewing holds", m.writes_accepted);
    }
}

#[test]
fn a_lease_holder_paused_past_its_lease_finds_it_expired_before_writing() {
    // Without fencing, the holder's own validity check (Chubby's lease
    // timer on the client) is what stops it writing after a 15-30 s pause
    // past its 10 s lease; a check that always answers yes, or not at all,
    // lets the stale write through.
    let seeds = corrupted("session-pause", &cell("lease-fencing", &["fencing=false"]), SAFE_SEEDS);
    assert!(seeds.is_empty(), "unfenced lease-fencing corrupted after a pause in seeds {seeds:?}");
}

#[test]
fn a_redlock_holder_paused_past_its_validity_rechecks_before_writing() {
    // The Redis docs' validity time, checked again right before the write
    // (`recheck=true`), stops a holder paused past its TTL at the critical
    // section's start; without the recheck it writes anyway.
    let unchecked = corrupted("session-pause", &cell("redlock", &["recheck=false"]), BREAK_SEEDS);
    assert!(!unchecked.is_empty(), "session-pause no longer corrupts redlock without recheck in {BREAK_SEEDS} seeds");
    let rechecked = corrupted("session-pause", &cell("redlock", &["recheck=true"]), SAFE_SEEDS);
    // And a valid lock passes the recheck: with no fault, the writes go through.
    let calm = experiment("none", &cell("redlock", &["recheck=true"])).run(0).unwrap().metrics;
    assert!(
        calm.writes_accepted >= 100,
        "redlock with recheck wrote only {} times with no fault",
        calm.writes_accepted
    );
    assert!(rechecked.is_empty(), "redlock with recheck corrupted in seeds {rechecked:?}");
}

#[test]
fn a_read_under_a_newer_token_fences_off_the_paused_holder() {
    // Kleppmann's fencing with a read-modify-write: the new holder reads
    // under its token, then thinks for 20 s. The old holder, paused right
    // after its check, wakes inside that window; only the token the read
    // left at the resource rejects its write (no write under the new token
    // has happened yet).
    let long_hold = Cell {
        workload_params: &["think_min_ms=20000", "think_max_ms=20000"],
        ..cell("lease-fencing", &["fencing=true"])
    };
    let seeds = corrupted("pause-after-check", &long_hold, SAFE_SEEDS);
    assert!(seeds.is_empty(), "fenced lease-fencing corrupted with long holds in seeds {seeds:?}");
}

#[test]
fn a_holder_cut_off_from_the_ensemble_does_not_write_on_a_lost_session() {
    // Curator: a lock is only as good as the connection state. A holder cut
    // from the ensemble (not from the resource) at its critical section's
    // start is SUSPENDED, then its session expires and another client takes
    // the lock; when it comes to write 15 s later, still cut off, it must
    // see that its connection is not to be trusted. (The whole story ends
    // inside the fault phase: the liveness phase stops at the first write
    // after healing, before the new holder's write would show the lost
    // update.) Checked by hand: with `check` answering yes, 20 of 20 seeds
    // corrupt.
    const FILE: &str = r#"
        algorithm = "ephemeral-sequential"
        scenario = "holder-cut-from-ensemble"
        workload = "inventory"
        duration_s = 80
        [workload_params]
        think_min_ms = 15000
        think_max_ms = 15000
        [[faults]]
        kind = "partition"
        target = "triggering"
        when = "cs-enter"
        from = "servers"
        duration_ms = [20000, 25000]
        at_percent = [10, 30]
    "#;
    let seeds = corrupted_in_file("holder-cut-from-ensemble.toml", FILE, SAFE_SEEDS);
    assert!(seeds.is_empty(), "ephemeral-sequential wrote on a lost session in seeds {seeds:?}");
}
