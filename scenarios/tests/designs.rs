//! Each store-based design against a behaviour its public reference predicts.
//! Hand-written fault plans make each situation happen at a known moment.

use std::time::Duration;

use scenarios::experiment::{Experiment, ExperimentSpec, SeedRun};
use sim::fault::{Fault, FaultPlan, Peers, Shape, Target, TimedFault, Trigger};
use sim::history::{EventKind, Op, Outcome};
use sim::runner::run_seeds;
use sim::time::SimTime;
use sim::world::CS_ENTER;

fn experiment(algorithm: &str, scenario: &str, params: &[&str]) -> Experiment {
    Experiment::new(ExperimentSpec {
        algorithm: algorithm.into(),
        scenario: scenario.into(),
        duration_s: 40,
        params: params.iter().map(|p| p.to_string()).collect(),
        ..ExperimentSpec::default()
    })
    .unwrap()
}

fn at(secs_ms: u64, fault: Fault) -> TimedFault {
    TimedFault { when: None, at: Duration::from_millis(secs_ms), fault }
}

fn plan(faults: Vec<TimedFault>) -> FaultPlan {
    FaultPlan::new(faults)
}

fn acquisitions_after(run: &SeedRun, t: Duration) -> usize {
    let t = SimTime::from_duration(t);
    run.history
        .events
        .iter()
        .filter(|e| e.at > t && matches!(e.kind, EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, .. }))
        .count()
}

fn notes(run: &SeedRun, needle: &str) -> usize {
    run.history
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Note { detail } if detail.contains(needle)))
        .count()
}

/// The holder dies inside its critical section and never comes back.
fn holder_dies() -> FaultPlan {
    plan(vec![at(5_000, Fault::Crash { target: Target::Holder, restart_after: None, durable: true })])
}

#[test]
fn database_without_expiry_never_recovers_from_a_dead_holder_and_a_ttl_hands_the_row_over() {
    // Spring's JdbcLockRegistry relies on a TTL for exactly this: a row whose
    // owner died is only taken over (inside the next acquire) once expired.
    for mode in ["insert", "cas"] {
        let mode = format!("mode={mode}");
        let stuck = experiment("database", "none", &["expiry_ms=0", &mode]).run_with(1, holder_dies()).unwrap();
        assert_eq!(acquisitions_after(&stuck, Duration::from_secs(6)), 0, "{mode}: no expiry yet someone acquired");
        let taken = experiment("database", "none", &[&mode]).run_with(1, holder_dies()).unwrap();
        assert!(
            acquisitions_after(&taken, Duration::from_secs(17)) > 100,
            "{mode}: the expired row was not taken over"
        );
        assert_eq!(notes(&taken, "took over an expired lock row"), 1, "{mode}");
        assert!(taken.verdict.corrupted.is_empty());
        // The liveness phase: after healing (the holder restarts as a new owner)
        // the stuck row still blocks everyone; with expiry, progress resumes at once.
        assert!(stuck.metrics.healed_at.is_some());
        assert_eq!(stuck.metrics.recovery, None, "{mode}: a run without expiry must be flagged as never recovering");
        assert!(taken.metrics.recovery.is_some_and(|t| t.as_duration() < Duration::from_secs(1)), "{mode}");
    }
}

fn jump(target: Target, secs: i64) -> FaultPlan {
    plan(vec![at(2_000, Fault::ClockJump { target, delta_ns: secs * 1_000_000_000 })])
}

#[test]
fn a_database_client_whose_clock_runs_30_s_fast_takes_over_a_live_lock() {
    // Both references judge expiry on the client's clock (ShedLock "assumes
    // application server clocks are synchronized"): a client 30 s ahead sees
    // every row as older than the TTL. With the database's clock
    // (ShedLock's usingDbTime) the same jump changes nothing.
    for mode in ["mode=insert", "mode=cas"] {
        let fast = experiment("database", "none", &[mode]).run_with(3, jump(Target::Client(1), 30)).unwrap();
        assert!(!fast.verdict.overlaps.is_empty(), "{mode}: the fast client never took over a live lock");
        assert!(notes(&fast, "took over an expired lock row") >= 1, "{mode}");
        let db_time = experiment("database", "none", &[mode, "clock=database"]);
        let db_time = db_time.run_with(3, jump(Target::Client(1), 30)).unwrap();
        assert!(db_time.verdict.overlaps.is_empty(), "{mode}: a client's clock reached a db-time lock");
    }
}

#[test]
fn a_jump_of_the_database_servers_clock_does_not_break_a_jdbc_lock_registry_lock() {
    // JdbcLockRegistry stamps CREATED_DATE and its cutoff on the client, so the
    // database's own clock is never read; with db time a forward jump makes
    // the live row look expired. The jump lands as a holder enters its
    // critical section, so there is a live row to break whatever the seed.
    let entered = Trigger { mark: CS_ENTER.into(), by: None, delay: Duration::ZERO };
    let jump = Fault::ClockJump { target: Target::Primary, delta_ns: 30_000_000_000 };
    let jump_in_a_hold = plan(vec![TimedFault::when(Duration::from_secs(2), entered, jump)]);
    // Holds of 200-300 ms (against 5-15 ms by default) so that a waiter's
    // poll (every 100-200 ms) lands inside the broken one.
    let long_holds = |params: &[&str]| {
        Experiment::new(ExperimentSpec {
            algorithm: "database".into(),
            duration_s: 40,
            params: params.iter().map(|p| p.to_string()).collect(),
            workload_params: vec!["think_min_ms=200".into(), "think_max_ms=300".into()],
            ..ExperimentSpec::default()
        })
        .unwrap()
    };
    let client_time = long_holds(&[]);
    let db_time = long_holds(&["clock=database"]);
    let mut broken = 0;
    for seed in 0..4 {
        let run = client_time.run_with(seed, jump_in_a_hold.clone()).unwrap();
        assert!(run.verdict.overlaps.is_empty(), "seed {seed}: the database's clock broke a client-time lock");
        if !db_time.run_with(seed, jump_in_a_hold.clone()).unwrap().verdict.overlaps.is_empty() {
            broken += 1;
        }
    }
    assert_eq!(broken, 4, "a 30 s jump of the database's clock did not break every db-time lock");
}

#[test]
fn database_fencing_tokens_never_repeat_after_a_disk_loss() {
    // The sequence is bumped by every acquire; the restored database restarts
    // it past everything issued, so no two grants ever carry one token.
    let lose_disk = plan(vec![at(
        8_000,
        Fault::Crash { target: Target::Primary, restart_after: Some(Duration::from_secs(1)), durable: false },
    )]);
    for mode in ["mode=insert", "mode=cas"] {
        let run = experiment("database", "none", &[mode, "fencing=true"]).run_with(0, lose_disk.clone()).unwrap();
        let tokens: Vec<(SimTime, u64)> = run
            .history
            .events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token: Some(t) } => Some((e.at, t)),
                _ => None,
            })
            .collect();
        let crash = SimTime::from_duration(Duration::from_secs(8));
        assert!(tokens.iter().any(|(at, _)| *at < crash) && tokens.iter().any(|(at, _)| *at > crash), "{mode}");
        let mut sorted: Vec<u64> = tokens.iter().map(|(_, t)| *t).collect();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), tokens.len(), "{mode}: a fencing token was handed out twice");
        assert!(run.verdict.corrupted.is_empty(), "{mode}: {:?}", run.verdict.corrupted);
    }
}

#[test]
fn database_fencing_turns_a_paused_holders_stale_write_into_a_rejected_one() {
    // A holder paused past the expiry writes late; with the database sequence as a fencing
    // token (Kleppmann) the resource rejects that write instead of losing an
    // update. Whether a pause lands before the holder's write depends on the
    // seed, so a few seeds are swept.
    let pause = plan(vec![at(5_000, Fault::Pause { target: Target::Holder, duration: Duration::from_secs(15) })]);
    let sweep = |params: &[&str]| {
        let e = experiment("database", "none", params);
        (0..8).map(|seed| e.run_with(seed, pause.clone()).unwrap()).collect::<Vec<_>>()
    };
    let plain = sweep(&[]);
    let fenced = sweep(&["fencing=true"]);
    assert!(plain.iter().all(|r| !r.verdict.overlaps.is_empty()), "a 15 s pause outlasts the 10 s expiry");
    assert!(plain.iter().any(|r| !r.verdict.corrupted.is_empty()), "no stale write corrupted the stock");
    assert!(fenced.iter().all(|r| r.verdict.corrupted.is_empty()), "fencing let a stale write through");
    assert!(fenced.iter().map(|r| r.metrics.writes_rejected).sum::<u64>() >= 1, "no stale write was rejected");
}

#[test]
fn cache_eviction_under_allkeys_lru_takes_the_lock_away_and_noeviction_refuses_instead() {
    let seeds: Vec<u64> = (0..20).collect();
    let sweep = |eviction: &str| {
        let e = experiment("cache", "cache-eviction", &[eviction]);
        run_seeds(
            &seeds,
            2,
            |s| {
                let r = e.run(s).unwrap();
                (r.verdict.overlaps.len(), notes(&r, "evicted key 'lock'"), r.metrics.acquired)
            },
            || {},
        )
    };
    let lru = sweep("eviction=allkeys-lru");
    let none = sweep("eviction=noeviction");
    assert!(lru.iter().filter(|r| r.0 > 0).count() >= 10, "allkeys-lru: {lru:?}");
    assert!(lru.iter().all(|r| r.0 == 0 || r.1 > 0), "an overlap without an eviction: {lru:?}");
    assert!(none.iter().all(|r| r.0 == 0 && r.1 == 0), "noeviction evicted: {none:?}");
    let acquired = |v: &[(usize, usize, u64)]| v.iter().map(|r| r.2).sum::<u64>();
    assert!(acquired(&none) < acquired(&lru), "OOM refusals should cost acquisitions");
}

/// The holder is paused holding the lock while the master crashes; the
/// sentinel fails over to the replica 5 s later.
fn failover_while_held() -> FaultPlan {
    plan(vec![
        at(5_000, Fault::Pause { target: Target::Holder, duration: Duration::from_secs(12) }),
        at(
            5_001,
            Fault::Crash { target: Target::Primary, restart_after: Some(Duration::from_secs(20)), durable: true },
        ),
    ])
}

#[test]
fn cache_failover_loses_a_lock_the_replica_had_not_received() {
    // TTL 15 s outlasts the holder's 12 s pause.
    // Redis docs: replication is asynchronous, so the promoted replica holds
    // the master's state of `lag` ago: a lock taken since is lost (an overlap
    // with the paused holder), or a lock released since lingers until its TTL.
    let seeds = 0..12;
    let lagging = experiment("cache", "none", &["replica=true", "replication_lag_ms=3000", "ttl_ms=15000"]);
    let lost: Vec<_> = seeds.clone().map(|s| lagging.run_with(s, failover_while_held()).unwrap()).collect();
    assert!(lost.iter().all(|r| notes(r, "failing over") == 1));
    assert!(lost.iter().any(|r| !r.verdict.overlaps.is_empty()), "the promoted replica never lacked the lock");
    let prompt = experiment("cache", "none", &["replica=true", "replication_lag_ms=0", "ttl_ms=15000"]);
    for seed in seeds {
        let kept = prompt.run_with(seed, failover_while_held()).unwrap();
        assert_eq!(notes(&kept, "failing over"), 1);
        assert!(kept.verdict.overlaps.is_empty(), "seed {seed}: a replica that had the key lost the lock");
        // The holder's release went to the dead old master; its key expires on
        // the new one at ~20 s, after which clients acquire there.
        assert!(
            acquisitions_after(&kept, Duration::from_secs(21)) > 0,
            "seed {seed}: clients never found the new master"
        );
    }
}

/// Sentinels `down` crash at 2 s and stay down; the master crashes at 5 s
/// and stays down.
fn sentinels_then_master_crash(down: &[&str]) -> FaultPlan {
    let crash = |target| Fault::Crash { target, restart_after: None, durable: true };
    let mut faults: Vec<TimedFault> = down.iter().map(|n| at(2_000, crash(Target::Node(n.to_string())))).collect();
    faults.push(at(5_000, crash(Target::Primary)));
    plan(faults)
}

#[test]
fn a_sentinel_without_quorum_or_majority_cannot_fail_over() {
    // Redis docs, Sentinel: `quorum` sentinels must agree the master is down
    // (ODOWN), and the failover needs the votes of a majority of all
    // sentinels. Three sentinels, one or two of them down, then the master.
    let failovers = |params: &[&str], down: &[&str]| -> Vec<usize> {
        let mut all = vec!["replica=true"];
        all.extend_from_slice(params);
        let e = experiment("cache", "none", &all);
        (0..6).map(|s| notes(&e.run_with(s, sentinels_then_master_crash(down)).unwrap(), "failing over")).collect()
    };
    let one_down = ["sentinel-3"];
    assert_eq!(failovers(&["quorum=2"], &one_down), vec![1; 6], "two of three agree and vote: one failover");
    assert_eq!(failovers(&["quorum=3"], &one_down), vec![0; 6], "quorum 3 with a sentinel down never agrees");
    let two_down = ["sentinel-2", "sentinel-3"];
    assert_eq!(failovers(&["quorum=1"], &two_down), vec![0; 6], "one sentinel of three is no majority");
    assert_eq!(failovers(&["sentinels=1", "quorum=1"], &[]), vec![1; 6], "a lone sentinel is its own majority");
}

#[test]
fn a_master_that_returns_after_a_failover_becomes_a_replica_by_full_sync() {
    // Redis docs, Sentinel: a returning old master is reconfigured as a
    // replica of the new one, which resynchronizes it (a full sync). The old
    // master restarts at 25 s; conversion waits 8 s of it claiming master.
    let e = experiment("cache", "none", &["replica=true", "ttl_ms=15000"]);
    for seed in 0..4 {
        let run = e.run_with(seed, failover_while_held()).unwrap();
        assert_eq!(notes(&run, "failing over"), 1, "seed {seed}");
        assert_eq!(notes(&run, "converted cache-0 to a replica of cache-1"), 1, "seed {seed}");
        assert_eq!(notes(&run, "full sync from the master"), 1, "seed {seed}");
    }
}

#[test]
fn a_sentinel_cut_off_from_the_others_learns_the_failover_from_the_instances() {
    // Redis docs, Sentinel: sentinels publish their configuration on every
    // instance's hello channel. sentinel-3 is cut off from the other two
    // sentinels (not from the Redis nodes) while they fail the crashed
    // master over; when the old master restarts, sentinel-3 must take the
    // new configuration from it instead of "converting" the new master back.
    let node = |n: &str| Target::Node(n.into());
    let faults = plan(vec![
        at(
            2_000,
            Fault::Partition {
                shape: Shape::Groups { a: vec![node("sentinel-3")], b: vec![node("sentinel-1"), node("sentinel-2")] },
                one_way: false,
                duration: Duration::from_secs(37),
            },
        ),
        at(
            5_000,
            Fault::Crash { target: Target::Primary, restart_after: Some(Duration::from_secs(15)), durable: true },
        ),
    ]);
    let e = experiment("cache", "none", &["replica=true"]);
    for seed in 0..4 {
        let run = e.run_with(seed, faults.clone()).unwrap();
        assert_eq!(notes(&run, "failing over"), 1, "seed {seed}");
        assert_eq!(notes(&run, "converted cache-1"), 0, "seed {seed}: a stale sentinel undid the failover");
        // Each up-to-date sentinel may send the old master its REPLICAOF.
        assert!(notes(&run, "converted cache-0 to a replica of cache-1") >= 1, "seed {seed}");
    }
}

#[test]
fn redlock_with_one_master_isolated_stays_safe_and_available() {
    // The article: the algorithm tolerates a minority of failed masters.
    let isolate = plan(vec![at(
        5_000,
        Fault::isolate(vec![Target::Node("redis-2".into())], Peers::All, Duration::from_secs(20)),
    )]);
    let e = experiment("redlock", "none", &[]);
    let seeds: Vec<u64> = (0..20).collect();
    let runs = run_seeds(
        &seeds,
        2,
        |s| {
            let r = e.run_with(s, isolate.clone()).unwrap();
            let during =
                acquisitions_after(&r, Duration::from_secs(6)) - acquisitions_after(&r, Duration::from_secs(25));
            (r.verdict.overlaps.len(), during)
        },
        || {},
    );
    assert!(runs.iter().all(|&(overlaps, during)| overlaps == 0 && during > 50), "{runs:?}");
}

/// Two of three masters restart while the holder is paused holding the lock.
fn majority_restarts_while_held() -> FaultPlan {
    let crash = |name: &str, at_ms| {
        at(
            at_ms,
            Fault::Crash {
                target: Target::Node(name.into()),
                restart_after: Some(Duration::from_millis(500)),
                durable: true,
            },
        )
    };
    plan(vec![
        at(5_000, Fault::Pause { target: Target::Holder, duration: Duration::from_secs(10) }),
        crash("redis-0", 5_100),
        crash("redis-1", 5_200),
    ])
}

#[test]
fn redlock_masters_that_restart_empty_grant_the_lock_twice_unless_restarts_are_delayed() {
    // The article's "Safety arguments / persistence": without fsync a restarted
    // master forgets the lock; delayed restarts or fsync=always prevent it.
    let run = |persistence: &str| {
        let p = format!("persistence={persistence}");
        experiment("redlock", "none", &["masters=3", "ttl_ms=60000", &p])
            .run_with(4, majority_restarts_while_held())
            .unwrap()
    };
    assert!(!run("none").verdict.overlaps.is_empty(), "restarted-empty masters should grant the lock again");
    assert!(run("delayed-restart").verdict.overlaps.is_empty());
    assert!(run("fsync-always").verdict.overlaps.is_empty());
}

#[test]
fn redlock_recheck_catches_a_pause_before_the_check() {
    // A pause past the validity time before the write: with recheck the client
    // sees its validity is gone and does not write.
    // The pause starts as the holder enters its critical section, so it is
    // always between the grant and the check, whatever the seed's timing.
    let entered = Trigger { mark: CS_ENTER.into(), by: None, delay: Duration::ZERO };
    let hold = Fault::Pause { target: Target::Triggering, duration: Duration::from_secs(12) };
    let pause = plan(vec![TimedFault::when(Duration::from_secs(5), entered, hold)]);
    let blind = experiment("redlock", "none", &[]).run_with(5, pause.clone()).unwrap();
    let careful = experiment("redlock", "none", &["recheck=true"]).run_with(5, pause).unwrap();
    let failed_checks = careful
        .history
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Complete { op: Op::Check, outcome: Outcome::Fail, .. }))
        .count();
    assert!(!blind.verdict.corrupted.is_empty(), "without the check the stale write lands");
    assert!(careful.verdict.corrupted.is_empty() && failed_checks >= 1);
}

#[test]
fn without_faults_every_store_design_is_safe_over_500_seeds() {
    let seeds: Vec<u64> = (0..500).collect();
    for algorithm in ["database", "cache", "redlock"] {
        let e = Experiment::new(ExperimentSpec {
            algorithm: algorithm.into(),
            duration_s: 20,
            ..ExperimentSpec::default()
        })
        .unwrap();
        let bad: Vec<u64> = run_seeds(
            &seeds,
            2,
            |s| {
                let r = e.run(s).unwrap();
                (r.verdict.overlaps.len() + r.verdict.corrupted.len() > 0).then_some(s)
            },
            || {},
        )
        .into_iter()
        .flatten()
        .collect();
        assert!(bad.is_empty(), "{algorithm}: violations under no faults in seeds {bad:?}");
    }
}
