//! `lease-fencing` against Chubby's and Kleppmann's descriptions: a holder
//! paused past its lease overlaps with the next holder; fencing turns its
//! stale write into a rejected one; a clock slower than the drift bound makes
//! the holder act on an expired lease, and fencing still keeps the resource
//! safe; tokens never repeat, even across a lease-server crash that loses its
//! disk, and the service needs a majority of its store only to start.

use std::time::Duration;

use scenarios::experiment::{Experiment, ExperimentSpec, SeedRun};
use sim::fault::{Fault, FaultPlan, Target, TimedFault};
use sim::history::{EventKind, Op, Outcome, WriteVerdict};

fn experiment(params: &[&str]) -> Experiment {
    Experiment::new(ExperimentSpec {
        algorithm: "lease-fencing".into(),
        scenario: "none".into(),
        duration_s: 50,
        params: params.iter().map(|p| p.to_string()).collect(),
        ..ExperimentSpec::default()
    })
    .unwrap()
}

fn pause_holder(at_s: u64, secs: u64) -> TimedFault {
    TimedFault {
        when: None,
        at: Duration::from_secs(at_s),
        fault: Fault::Pause { target: Target::Holder, duration: Duration::from_secs(secs) },
    }
}

/// Three 11 s pauses of the holder (the lease is 10 s), at 5, 20 and 35 s.
fn long_pauses() -> FaultPlan {
    FaultPlan::new(vec![pause_holder(5, 11), pause_holder(20, 11), pause_holder(35, 11)])
}

fn checks(run: &SeedRun, outcome: Outcome) -> usize {
    run.history.events.iter().filter(|e| e.kind == EventKind::Complete { op: Op::Check, outcome, token: None }).count()
}

#[test]
fn fencing_rejects_the_stale_writes_of_paused_holders_and_without_it_they_corrupt() {
    let seeds = 0..10;
    let fenced: Vec<SeedRun> = seeds.clone().map(|s| experiment(&[]).run_with(s, long_pauses()).unwrap()).collect();
    let open: Vec<SeedRun> =
        seeds.map(|s| experiment(&["fencing=false"]).run_with(s, long_pauses()).unwrap()).collect();
    assert!(fenced.iter().all(|r| !r.verdict.overlaps.is_empty()), "an 11 s pause outlasts a 10 s lease");
    assert!(fenced.iter().all(|r| r.verdict.corrupted.is_empty()), "fencing let a stale write through");
    assert!(fenced.iter().map(|r| r.metrics.writes_rejected).sum::<u64>() >= 1, "no stale write reached the resource");
    assert!(open.iter().any(|r| !r.verdict.corrupted.is_empty()), "without fencing a stale write should corrupt");
    // Most pauses land before the validity check, which then stops the write.
    assert!(fenced.iter().map(|r| checks(r, Outcome::Fail)).sum::<usize>() > 10);
}

/// Every client's clock runs at `drift_ppm` from the start; then the holder stalls 11 s.
fn drifting_clients_and_a_pause(drift_ppm: i64) -> FaultPlan {
    let mut faults: Vec<TimedFault> = (0..5)
        .map(|i| TimedFault {
            when: None,
            at: Duration::from_millis(100),
            fault: Fault::ClockDrift { target: Target::Node(format!("client-{i}")), drift_ppm, duration: None },
        })
        .collect();
    faults.push(pause_holder(5, 11));
    FaultPlan::new(faults)
}

#[test]
fn a_clock_slower_than_the_drift_bound_acts_on_an_expired_lease_and_fencing_still_holds() {
    // 80% slow is far beyond the 1% bound: 11 s of pause read as 2.2 s, the
    // lease still looks valid, and even the renewal (due every 3.3 s on the
    // slow clock, 16.7 s of real time) has not run to find it lost, so the
    // holder writes with a stale token. (At 50% slow the renewal timer expires
    // during the pause and the failed renewal stops the write: renewals are
    // what make modest drift survivable.)
    let e = experiment(&[]);
    let beyond: Vec<SeedRun> = (0..6).map(|s| e.run_with(s, drifting_clients_and_a_pause(-800_000)).unwrap()).collect();
    assert!(beyond.iter().all(|r| r.verdict.corrupted.is_empty()));
    assert!(beyond.iter().all(|r| r.metrics.writes_rejected >= 1), "the stale writes should reach the resource");
    // 0.5% slow is within the bound: the check catches the expired lease
    // (unless the pause landed after the check, in the request's preparation).
    let within: Vec<SeedRun> = (0..6).map(|s| e.run_with(s, drifting_clients_and_a_pause(-5_000)).unwrap()).collect();
    let caught = within.iter().filter(|r| checks(r, Outcome::Fail) >= 1).count();
    assert!(caught >= 4, "the validity check failed after the pause in only {caught} of 6 seeds");
    let stale = |runs: &[SeedRun]| runs.iter().map(|r| r.metrics.writes_rejected).sum::<u64>();
    assert!(stale(&within) < stale(&beyond));
}

#[test]
fn tokens_strictly_increase_even_across_a_lease_server_crash() {
    let crash = FaultPlan::new(vec![TimedFault {
        when: None,
        at: Duration::from_secs(10),
        fault: Fault::Crash { target: Target::Primary, restart_after: Some(Duration::from_secs(2)), durable: true },
    }]);
    let run = experiment(&[]).run_with(7, crash).unwrap();
    let tokens: Vec<u64> = run
        .history
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token } => token,
            _ => None,
        })
        .collect();
    assert!(tokens.len() > 100);
    assert!(tokens.windows(2).all(|w| w[0] < w[1]), "a token was reused or went backwards");
    // The restarted server waits one lease before granting again.
    let restarted = run
        .history
        .events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Fault { .. }) && e.at.0 > 11_000_000_000)
        .unwrap();
    let next_grant = run.history.events[restarted..]
        .iter()
        .find(|e| matches!(e.kind, EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, .. }))
        .unwrap();
    assert!(next_grant.at.0 >= 22_000_000_000, "granted at {} before the grace period ended", next_grant.at);
}

fn crash(node: Target, at_s: u64, durable: bool) -> TimedFault {
    TimedFault {
        when: None,
        at: Duration::from_secs(at_s),
        fault: Fault::Crash { target: node, restart_after: Some(Duration::from_secs(2)), durable },
    }
}

fn granted_tokens(run: &SeedRun) -> Vec<(u64, u64)> {
    run.history
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token: Some(t) } => Some((e.at.0, t)),
            _ => None,
        })
        .collect()
}

/// After the restart at 12 s and its 10 s grace, the server grants again,
/// with tokens above every earlier one.
fn assert_grants_resume_with_higher_tokens(run: &SeedRun) {
    let tokens = granted_tokens(run);
    assert!(tokens.windows(2).all(|w| w[0].1 < w[1].1), "a token was reused or went backwards");
    let after = tokens.iter().filter(|(at, _)| *at > 22_000_000_000).count();
    assert!(after > 50, "only {after} grants after the restart");
    assert!(run.verdict.corrupted.is_empty() && run.verdict.overlaps.is_empty());
}

#[test]
fn the_lease_service_keeps_granting_after_its_server_loses_its_disk() {
    // Chubby §2.9: a new master takes a new epoch from the replicated store,
    // so it needs nothing of its own disk to never reuse a token.
    let run = experiment(&[]).run_with(7, FaultPlan::new(vec![crash(Target::Primary, 10, false)])).unwrap();
    assert_grants_resume_with_higher_tokens(&run);
    let epochs = run
        .history
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Note { detail } if detail.contains("took epoch")))
        .count();
    assert_eq!(epochs, 2, "each incarnation takes one epoch");
}

#[test]
fn the_lease_service_keeps_granting_after_one_store_replica_loses_its_disk() {
    // The replica stays out of the ensemble; the other two are a majority,
    // and the restarted server takes its epoch from them.
    let plan = FaultPlan::new(vec![crash(Target::Node("coord-0".into()), 5, false), crash(Target::Primary, 10, false)]);
    for seed in 0..3 {
        assert_grants_resume_with_higher_tokens(&experiment(&[]).run_with(seed, plan.clone()).unwrap());
    }
}

#[test]
fn without_a_majority_of_the_store_a_restarted_lease_server_grants_nothing() {
    // Two of three replicas lose their disks: no epoch, so no grant (and no
    // token reused), as ephemeral-sequential cannot lock without a majority.
    let plan = FaultPlan::new(vec![
        crash(Target::Node("coord-0".into()), 5, false),
        crash(Target::Node("coord-1".into()), 5, false),
        crash(Target::Primary, 10, false),
    ]);
    let run = experiment(&[]).run_with(7, plan).unwrap();
    let after = granted_tokens(&run).iter().filter(|(at, _)| *at > 12_000_000_000).count();
    assert_eq!(after, 0);
    assert!(run.verdict.corrupted.is_empty());
}

#[test]
fn lock_delay_keeps_the_lock_free_after_a_holder_vanishes() {
    // Chubby: after an unexpected holder loss, no grant for lock-delay.
    let vanish = FaultPlan::new(vec![TimedFault {
        when: None,
        at: Duration::from_secs(5),
        fault: Fault::Crash { target: Target::Holder, restart_after: None, durable: true },
    }]);
    let first_grant_after = |params: &[&str]| {
        let run = experiment(params).run_with(3, vanish.clone()).unwrap();
        let crash = run.history.events.iter().find(|e| matches!(e.kind, EventKind::Fault { .. })).unwrap().at;
        run.history
            .events
            .iter()
            .find(|e| {
                e.at > crash && matches!(e.kind, EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, .. })
            })
            .map(|e| e.at.since(crash))
            .unwrap()
    };
    let plain = first_grant_after(&[]);
    let delayed = first_grant_after(&["lock_delay_ms=5000"]);
    assert!(plain < Duration::from_millis(10_300), "{plain:?}: the lease should free the lock after ~10 s");
    assert!(delayed >= plain + Duration::from_millis(4_900), "{delayed:?} vs {plain:?}");
}

#[test]
fn a_holder_whose_grant_reply_was_lost_is_not_locked_out_by_its_own_lease() {
    // The lease server stalls 300 ms, five times: a grant request the lone
    // client gave up on (its timeout is 100 ms) is served when the server
    // resumes, and the reply is lost with the closed connection. The lease
    // is then held under the owner id the client's acquire loop is still
    // using; its next poll must get that lease back (Spring re-acquires by
    // client id), not wait 10 s for it to expire.
    let e = Experiment::new(ExperimentSpec {
        algorithm: "lease-fencing".into(),
        scenario: "none".into(),
        clients: 1,
        duration_s: 30,
        ..ExperimentSpec::default()
    })
    .unwrap();
    let stalls = FaultPlan::new(
        (0..5)
            .map(|i| TimedFault {
                when: None,
                at: Duration::from_millis(10_000 + 2_017 * i),
                fault: Fault::Pause { target: Target::Node("lease".into()), duration: Duration::from_millis(300) },
            })
            .collect(),
    );
    for seed in 0..5 {
        let run = e.run_with(seed, stalls.clone()).unwrap();
        let writes: Vec<u64> = run
            .history
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. }))
            .map(|e| e.at.0)
            .collect();
        let longest = writes.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(longest < 2_000_000_000, "seed {seed}: {longest} ns without a write");
    }
}
