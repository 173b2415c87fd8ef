//! The lock patterns and the four uses (leader election, cron, semaphore,
//! transfer), each against what its reference predicts.

use std::time::Duration;

use scenarios::experiment::{Experiment, ExperimentSpec, SeedRun};
use scenarios::workload::{cron::corrupted::TICK_RUN_TWICE, leader::corrupted::DEPOSED_LEADER_WRITE};
use sim::deadlock::{deadlocks, DeadlockEnd};
use sim::fault::{Fault, FaultPlan, Target, TimedFault};
use sim::history::{EventKind, Op, Outcome};
use sim::runner::run_seeds;

fn spec(algorithm: &str, workload: &str, workload_params: &[&str]) -> ExperimentSpec {
    ExperimentSpec {
        algorithm: algorithm.into(),
        scenario: "none".into(),
        workload: workload.into(),
        duration_s: 20,
        workload_params: workload_params.iter().map(|p| p.to_string()).collect(),
        ..ExperimentSpec::default()
    }
}

fn runs(e: &Experiment, seeds: std::ops::Range<u64>) -> Vec<SeedRun> {
    let seeds: Vec<u64> = seeds.collect();
    run_seeds(&seeds, 2, |seed| e.run(seed).unwrap(), || {})
}

fn count(run: &SeedRun, wanted: impl Fn(&EventKind) -> bool) -> usize {
    run.history.events.iter().filter(|e| wanted(&e.kind)).count()
}

fn figure(run: &SeedRun, name: &str) -> f64 {
    run.figures.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no figure {name}")).value
}

const LOCK_DESIGNS: &[&str] = &["database", "cache", "redlock", "ephemeral-sequential", "lease-fencing"];

#[test]
fn reentrant_holds_acquire_twice_release_twice_and_the_service_sees_one_of_each() {
    let plain = Experiment::new(spec("cache", "inventory", &[])).unwrap().run(3).unwrap();
    let e = Experiment::new(ExperimentSpec { reentrant: true, ..spec("cache", "inventory", &[]) }).unwrap();
    let run = e.run(3).unwrap();
    let ok =
        |op: Op| move |k: &EventKind| matches!(k, EventKind::Complete { op: o, outcome: Outcome::Ok, .. } if *o == op);
    let entries = count(&run, |k| matches!(k, EventKind::CsEnter { .. }));
    let exits = count(&run, |k| matches!(k, EventKind::CsExit));
    assert!(entries > 200, "only {entries} critical sections");
    assert_eq!(count(&run, ok(Op::Acquire)), entries, "one acquisition of the lock per hold");
    assert_eq!(count(&run, ok(Op::NestedAcquire)), entries, "and one nested acquisition inside it");
    assert_eq!(run.metrics.acquired as usize, entries, "metrics count acquisitions of the lock");
    // Every finished hold released twice, inner first (a run may end inside one hold per client).
    let (nested, outer) = (count(&run, ok(Op::NestedRelease)), count(&run, ok(Op::Release)));
    assert!(nested == outer && outer <= exits && outer + 5 >= exits, "{nested} + {outer} releases, {exits} exits");
    assert!(run.verdict.overlaps.is_empty() && run.verdict.corrupted.is_empty());
    // The cache applied one SET and one DEL per hold, as without reentrancy.
    let writes_per_hold = |r: &SeedRun| {
        let holds = count(r, |k| matches!(k, EventKind::CsEnter { .. }));
        r.metrics.server_writes as f64 / holds as f64
    };
    assert!((writes_per_hold(&run) - writes_per_hold(&plain)).abs() < 0.05);
    assert!((writes_per_hold(&run) - 2.0).abs() < 0.05, "{}", writes_per_hold(&run));
}

#[test]
fn the_checker_finds_deadlocks_in_transfer_without_lock_ordering_and_none_with_it() {
    // Leases are renewed while their holder waits, so nothing breaks the cycle.
    let unordered = Experiment::new(spec("lease-fencing", "transfer", &["ordering=false"])).unwrap();
    let found: Vec<_> = runs(&unordered, 0..4).iter().flat_map(|r| deadlocks(&r.history)).collect();
    assert!(found.iter().any(|d| d.how == DeadlockEnd::Never && d.clients.len() >= 2), "{found:?}");
    let stuck = runs(&unordered, 0..4);
    assert!(stuck.iter().any(|r| r.metrics.healed_at.is_some() && r.metrics.recovery.is_none()));
    let ordered = Experiment::new(spec("lease-fencing", "transfer", &["ordering=true"])).unwrap();
    for run in runs(&ordered, 0..4) {
        assert!(deadlocks(&run.history).is_empty(), "seed {}", run.seed);
        assert!(figure(&run, "transfers/s") > 5.0, "seed {}", run.seed);
        assert!(run.verdict.corrupted.is_empty());
    }
}

#[test]
fn acquire_timeouts_break_transfer_deadlocks_at_the_price_of_retries() {
    let e = Experiment::new(ExperimentSpec {
        pattern: Some(scenarios::experiment::PatternName::Timeout),
        timeout_ms: 500,
        ..spec("lease-fencing", "transfer", &["ordering=false"])
    })
    .unwrap();
    for run in runs(&e, 0..3) {
        let found = deadlocks(&run.history);
        assert!(!found.is_empty(), "seed {}: no deadlock to break", run.seed);
        assert!(found.iter().all(|d| d.how != DeadlockEnd::Never || d.ended.is_none()), "seed {}", run.seed);
        assert!(found.iter().filter(|d| d.how == DeadlockEnd::Timeout).count() >= found.len() - 1);
        assert!(figure(&run, "retries") > 0.0);
        assert!(run.metrics.recovery.is_some(), "seed {}: timeouts keep transfers going", run.seed);
    }
}

/// client-3 is paused from just before tick 5 until after tick 6 has run.
fn pause_over_a_tick() -> FaultPlan {
    let pause = Fault::Pause { target: Target::Node("client-3".into()), duration: Duration::from_millis(1_900) };
    FaultPlan::new(vec![TimedFault { when: None, at: Duration::from_millis(4_950), fault: pause }])
}

#[test]
fn a_paused_scheduler_runs_a_cron_tick_twice_without_a_tick_aware_design() {
    // ShedLock's hazard: the paused node fires tick 5 late, finds the lock free
    // (tick 5 ran and released long ago) and runs it again.
    let cache = Experiment::new(spec("cache", "cron", &[])).unwrap().run_with(1, pause_over_a_tick()).unwrap();
    let twice: Vec<_> = cache.verdict.corrupted.iter().filter(|v| v.kind == TICK_RUN_TWICE).collect();
    assert_eq!(twice.len(), 1, "{:?}", cache.verdict.corrupted);
    assert_eq!(figure(&cache, "ticks run twice"), 1.0);
    assert_eq!(figure(&cache, "ticks missed"), 0.0);
    // Without the pause, every tick runs exactly once.
    let calm = Experiment::new(spec("cache", "cron", &[])).unwrap().run_with(1, FaultPlan::default()).unwrap();
    assert!(calm.verdict.corrupted.is_empty());
    assert_eq!((figure(&calm, "ticks run %"), figure(&calm, "ticks missed")), (100.0, 0.0));
    // The conditional update ("raise last-run tick to 5") runs it once whatever the pause.
    let optimistic =
        Experiment::new(spec("optimistic", "cron", &[])).unwrap().run_with(1, pause_over_a_tick()).unwrap();
    assert!(optimistic.verdict.corrupted.is_empty(), "{:?}", optimistic.verdict.corrupted);
    assert_eq!(figure(&optimistic, "ticks missed"), 0.0);
}

#[test]
fn a_semaphore_never_has_more_holders_than_permits_without_faults() {
    for design in LOCK_DESIGNS {
        let e = Experiment::new(spec(design, "semaphore", &["permits=2"])).unwrap();
        let runs = runs(&e, 0..6);
        for run in &runs {
            assert!(run.verdict.overlaps.is_empty() && run.verdict.corrupted.is_empty(), "{design} seed {}", run.seed);
            assert!(figure(run, "max open") <= 2.0, "{design} seed {}", run.seed);
        }
        // The pool is used to capacity: two sessions at once do happen.
        assert!(runs.iter().any(|r| figure(r, "max open") == 2.0), "{design}: never two permits in use");
    }
}

#[test]
fn leader_election_under_none_has_one_leader_at_a_time_and_little_leaderless_time() {
    for design in LOCK_DESIGNS {
        let e = Experiment::new(spec(design, "leader-election", &[])).unwrap();
        for run in runs(&e, 0..3) {
            assert!(run.verdict.overlaps.is_empty() && run.verdict.corrupted.is_empty(), "{design} seed {}", run.seed);
            assert!(figure(&run, "elections") >= 3.0, "{design}: tenures end and new leaders are elected");
            assert!(figure(&run, "leaderless %") < 20.0, "{design} seed {}: {:?}", run.seed, run.figures);
        }
    }
}

#[test]
fn a_leader_paused_past_its_lock_expiry_has_its_late_work_accepted_only_without_fencing() {
    // The database lock row expires after 10 s; the leader is paused 15 s, a
    // rival is elected, and the old leader resumes and keeps working.
    let long_pause = || {
        let pause = Fault::Pause { target: Target::Holder, duration: Duration::from_secs(15) };
        FaultPlan::new(vec![TimedFault { when: None, at: Duration::from_secs(4), fault: pause }])
    };
    let leader = |fencing: &str| ExperimentSpec {
        params: vec![format!("fencing={fencing}")],
        workload_params: vec!["tenure_ms=30000".into()],
        duration_s: 30,
        ..spec("database", "leader-election", &[])
    };
    let unfenced = Experiment::new(leader("false")).unwrap().run_with(2, long_pause()).unwrap();
    assert!(!unfenced.verdict.overlaps.is_empty(), "the paused leader still believes it leads");
    assert!(unfenced.verdict.corrupted.iter().any(|v| v.kind == DEPOSED_LEADER_WRITE));
    let fenced = Experiment::new(leader("true")).unwrap().run_with(2, long_pause()).unwrap();
    assert!(!fenced.verdict.overlaps.is_empty());
    assert!(fenced.verdict.corrupted.is_empty(), "{:?}", fenced.verdict.corrupted);
    assert!(fenced.metrics.writes_rejected > 0, "the deposed leader's work is rejected by its old token");
}

#[test]
fn designs_that_are_not_locks_say_which_workloads_they_cannot_run() {
    for (design, workload) in [("optimistic", "semaphore"), ("deterministic-ordering", "transfer")] {
        let err = Experiment::new(spec(design, workload, &[])).err().unwrap();
        assert!(err.starts_with(&format!("{design} cannot run workload '{workload}': ")), "{err}");
    }
    assert!(Experiment::new(spec("deterministic-ordering", "cron", &[])).is_ok());
}

#[test]
fn a_tenure_past_an_unrenewed_ttl_elects_a_second_leader_without_any_fault() {
    // The cache lock (TTL 10 s) is never renewed: after 10 s it expires under
    // a working leader. The lease is renewed every third of its length.
    let long_tenure = |design| ExperimentSpec {
        workload_params: vec!["tenure_ms=15000".into()],
        ..spec(design, "leader-election", &[])
    };
    let cache = Experiment::new(long_tenure("cache")).unwrap().run(0).unwrap();
    assert!(!cache.verdict.overlaps.is_empty());
    assert!(cache.verdict.corrupted.iter().any(|v| v.kind == DEPOSED_LEADER_WRITE));
    let lease = Experiment::new(long_tenure("lease-fencing")).unwrap().run(0).unwrap();
    assert!(lease.verdict.overlaps.is_empty() && lease.verdict.corrupted.is_empty());
}
