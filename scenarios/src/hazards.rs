//! Hazard scenarios: each reproduces one lock hazard a public reference
//! documents, as a fault plan aimed at the protocol moment the hazard needs
//! (a trigger, [`sim::fault::Trigger`]) rather than at a random time.
//!
//! The plans name nodes by role and index ([`Target::Client`],
//! [`Target::Server`]), so they run against every design; a design the
//! hazard does not concern simply meets the same faults. Where a hazard
//! needs a design's deployment (Redlock's five masters, a Redis replica), the
//! summary says so. A fault waiting for a mark the design never makes
//! (Redlock's `bare-majority` under `cache`, `lock-checked` under a workload
//! that never checks) never plays, and the history notes it at healing.
//! Where a hazard needs the lock held longer than the workload's few
//! milliseconds, the holder is paused for 2-4 s right after it entered its
//! critical section (shorter than the 10 s TTLs, so that pause alone breaks
//! nothing); the longer pauses of `pause-after-check`, `session-pause`,
//! `slow-acquire` and `client-clock` are the hazard itself.

use rand::Rng;
use std::time::Duration;

use sim::fault::{Fault, Shape, Target, TimedFault, Trigger};
use sim::rng::SimRng;
use sim::world::CS_ENTER;

use crate::draw::uniform;
use crate::sizes::Sizes;
use crate::workload::lock_use::LOCK_CHECKED;
use algorithms::params::{ParamSpec, MAX_MS};
use algorithms::redlock::{BARE_MAJORITY, GRANTED_ONE};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Client 0 cut off from servers 3 and 4 from `at` until 85% of the run: with
/// Redlock's five masters it can still reach a bare majority (0, 1, 2),
/// while every other client reaches all five.
fn bare_majority_cut(at: Duration, duration: Duration) -> TimedFault {
    let shape = Shape::Groups { a: vec![Target::Client(0)], b: vec![Target::Server(3), Target::Server(4)] };
    TimedFault::at(at, Fault::Partition { shape, one_way: false, duration: (duration * 17 / 20).saturating_sub(at) })
}

/// The moment client 0 enters its critical section after `at`, `delay` later.
fn client_0_enters(delay: Duration) -> Trigger {
    Trigger { mark: CS_ENTER.into(), by: Some(Target::Client(0)), delay }
}

/// The moment Redlock grants client 0 the lock by a bare majority, `delay`
/// later (the grant and its critical section's start are the same instant).
fn client_0_bare_majority(delay: Duration) -> Trigger {
    Trigger { mark: BARE_MAJORITY.into(), by: Some(Target::Client(0)), delay }
}

/// How long after entering its critical section a client is between its
/// read and its write: reads take 2-6 ms (1-3 ms each way), the think time
/// is at least 5 ms (the inventory's defaults).
const AFTER_READ: Duration = Duration::from_millis(6);

/// Hold the lock `hold` longer: pause the client that set the trigger off.
fn hold(rng: &mut SimRng, armed: Duration, trigger: Trigger, lo: Duration, hi: Duration) -> TimedFault {
    held(armed, trigger, uniform(rng, lo, hi))
}

/// A pause of the client that set the trigger off, for `length`.
fn held(armed: Duration, trigger: Trigger, length: Duration) -> TimedFault {
    TimedFault::when(armed, trigger, Fault::Pause { target: Target::Triggering, duration: length })
}

/// The hazard's pause: 15-30 s, or `pause_ms`.
pub const PAUSE_AFTER_CHECK: &[ParamSpec] = &[PAUSE_MS];
pub const SESSION_PAUSE: &[ParamSpec] = &[PAUSE_MS];
const PAUSE_MS: ParamSpec = ParamSpec::drawn("pause_ms", 1, MAX_MS, "the holder's pause (drawn: 15-30 s)");
pub const CLIENT_CLOCK: &[ParamSpec] = &[
    ParamSpec::drawn("drift_ppm", 0, 999_999, "how slow the holder's clock runs (drawn: 200k-500k ppm)"),
    ParamSpec::drawn("stall_ms", 1, MAX_MS, "the holder's stall before its check (drawn: 10.5-14 s)"),
];
pub const SLOW_ACQUIRE: &[ParamSpec] =
    &[ParamSpec::drawn("stall_ms", 1, MAX_MS, "client 0's stall after the first grant (drawn: 10.5-14 s)")];

/// Redis docs, "Distributed Locks with Redis", "Performance, crash recovery
/// and fsync": a client holds the lock on a bare majority (A, B, C); one of
/// them (here A, master 0) restarts without persistence, forgets the key,
/// and a second client gets A, D and E. Prevented by
/// `persistence=fsync-always` or `delayed-restart`. The faults wait for
/// Redlock's `bare-majority` mark: other designs meet only the cut (their
/// histories note that the rest never started).
pub fn redlock_restart(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let at = uniform(rng, duration / 10, duration * 3 / 10);
    let armed = at + ms(1);
    let entered = client_0_bare_majority(AFTER_READ);
    let restart_after = uniform(rng, ms(200), ms(800));
    let crash = Fault::Crash { target: Target::Server(0), restart_after: Some(restart_after), durable: true };
    vec![
        bare_majority_cut(at, duration),
        hold(rng, armed, entered.clone(), secs(2), secs(4)),
        TimedFault::when(armed, Trigger { delay: entered.delay + ms(50), ..entered }, crash),
    ]
}

/// Kleppmann, "How to do distributed locking" (2016): a client holds the
/// lock on A, B, C (D and E are unreachable from it); C's clock jumps
/// forward, the key expires there, and a second client gets C, D, E.
/// Prevented by expiry on a monotonic clock (`expiry_clock=monotonic`).
/// Triggered by Redlock's `bare-majority` mark, as `redlock-restart`.
pub fn redlock_clock_jump(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let at = uniform(rng, duration / 10, duration * 3 / 10);
    let armed = at + ms(1);
    let entered = client_0_bare_majority(AFTER_READ);
    let jump = uniform(rng, secs(15), secs(60)).as_nanos() as i64;
    vec![
        bare_majority_cut(at, duration),
        hold(rng, armed, entered.clone(), secs(2), secs(4)),
        TimedFault::when(armed, entered, Fault::ClockJump { target: Target::Server(2), delta_ns: jump }),
    ]
}

/// Kleppmann (2016), "Protecting a resource with a lock": the client checks
/// its lock, then pauses (GC) past the TTL before its write goes out; the
/// lock has passed to another client meanwhile. Prevented by fencing tokens
/// checked at the resource (`lease-fencing` with `fencing=true`).
pub fn pause_after_check(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let armed = uniform(rng, duration / 10, duration / 2);
    let checked = Trigger { mark: LOCK_CHECKED.into(), by: None, delay: Duration::ZERO };
    let pause = sizes.millis("pause_ms", uniform(rng, secs(15), secs(30)));
    vec![held(armed, checked, pause)]
}

/// Jepsen, etcd 3.4.3 (2020): a lock holder paused longer than its lease
/// (session) TTL keeps acting as the holder when it resumes, while the lock
/// went to another client. Prevented by fencing with the lock's revision
/// (`ephemeral-sequential` with `fencing=true`).
pub fn session_pause(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let armed = uniform(rng, duration / 10, duration / 2);
    let entered = Trigger { mark: CS_ENTER.into(), by: None, delay: AFTER_READ };
    let pause = sizes.millis("pause_ms", uniform(rng, secs(15), secs(30)));
    vec![held(armed, entered, pause)]
}

/// Redis docs, Sentinel, "Consistency under partitions": the master is
/// isolated with a client (the holder) while Sentinel promotes the replica;
/// the old master keeps granting the isolated client the lock the others
/// now take from the new one. Needs `cache` with `replica=true`; a design
/// with one authority (no failover) or fencing at the resource prevents it.
pub fn failover_split_brain(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let at = uniform(rng, duration / 10, duration * 2 / 5);
    let length = uniform(rng, secs(20), secs(30));
    vec![TimedFault::at(
        at,
        Fault::Partition { shape: Shape::PrimaryWith { clients: 1 }, one_way: false, duration: length },
    )]
}

/// Jepsen, Hazelcast 3.8.3 (2017): majorities-ring partitions on a
/// start/stop cycle (every server hears a majority, no two the same one)
/// with try-lock-with-wait clients (`--pattern timeout`). A design whose
/// failover acts on one node's view splits; quorum designs hold.
pub fn majorities_ring(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let mut faults = Vec::new();
    let mut at = uniform(rng, duration / 20, duration / 10);
    while at < duration * 4 / 5 {
        let on = uniform(rng, secs(5), secs(15));
        faults
            .push(TimedFault::at(at, Fault::Partition { shape: Shape::MajoritiesRing, one_way: false, duration: on }));
        at += on + uniform(rng, secs(5), secs(10));
    }
    faults
}

/// Client clocks: ShedLock "assumes application server clocks are
/// synchronized"; Chubby and the DynamoDB lock client time a lease on the
/// client's clock. The holder's clock runs 20-50% slow (far beyond a 1%
/// drift bound) and it stalls a little longer than the lease before checking
/// it: its slow clock says the lease is still valid. Clients 1 and 2 (one
/// may be the holder) have their wall clocks jump, forward or back, 5-30 s. Prevented by fencing at the
/// resource, or by clocks within the design's drift bound.
pub fn client_clock(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let armed = uniform(rng, duration / 10, duration / 2);
    let slow = -(sizes.value("drift_ppm", rng.gen_range(200_000..=500_000_i64) as u64) as i64);
    let entered = Trigger { mark: CS_ENTER.into(), by: None, delay: AFTER_READ };
    let mut faults = vec![
        TimedFault::when(
            armed,
            entered.clone(),
            Fault::ClockDrift { target: Target::Triggering, drift_ppm: slow, duration: None },
        ),
        held(armed, entered, sizes.millis("stall_ms", uniform(rng, ms(10_500), secs(14)))),
    ];
    for client in 1..=2 {
        let sign = if rng.gen_bool(0.5) { 1 } else { -1 };
        let at = uniform(rng, duration * 3 / 5, duration * 4 / 5);
        // A clock is never stepped back past the start of the run.
        let step = uniform(rng, secs(5), secs(30));
        let delta_ns = if sign < 0 { -(step.min(at).as_nanos() as i64) } else { step.as_nanos() as i64 };
        faults.push(TimedFault::at(at, Fault::ClockJump { target: Target::Client(client), delta_ns }));
    }
    faults.sort_by_key(|f| f.at);
    faults
}

/// Redis docs, "Distributed Locks with Redis", step 3: a client that took
/// longer to reach a majority than the keys live must not count it (the
/// validity time `ttl - elapsed - drift`). With the article's per-master
/// timeout (50 ms against a 10 s TTL) slow masters make refusals, not slow
/// grants, so the slow acquisition here is the client's own: client 0, which
/// reaches only masters 0-2, stalls 10.5-14 s right after the first master
/// granted it the key (Redlock's `granted-one` mark), so that key expires
/// before the other two grant theirs, and then holds the lock 2-4 s. The
/// validity check prevents it (`validity_check=false` shows what it buys).
pub fn slow_acquire(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let at = uniform(rng, duration / 10, duration * 3 / 10);
    let armed = at + ms(1);
    let granted = Trigger { mark: GRANTED_ONE.into(), by: Some(Target::Client(0)), delay: Duration::ZERO };
    vec![
        bare_majority_cut(at, duration),
        held(armed, granted, sizes.millis("stall_ms", uniform(rng, ms(10_500), secs(14)))),
        hold(rng, armed, client_0_enters(AFTER_READ), secs(2), secs(4)),
    ]
}
