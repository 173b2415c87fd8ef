//! Fault scenarios: named profiles that turn a seed into a fault plan
//! (Jepsen's nemesis schedule). The plan is data: it is printed with the seed,
//! and the same seed always gives the same plan.
//!
//! Every scenario aims at protocol state where it can: it pauses the client
//! inside its critical section, isolates the primary server or the holder,
//! jumps or strobes the clock of a server or a client while the lock is held. Faults last long
//! enough to matter (no flickering) and happen between 5% and 80% of the run,
//! so its last fifth shows whether the design recovers. Integer arithmetic
//! only, so a plan is the same on every machine.

use rand::Rng;
use std::time::Duration;

use sim::fault::{Fault, FaultPlan, Peers, Target, TimedFault};

use crate::draw::uniform;
use crate::hazards;
use crate::sizes::Sizes;
use algorithms::params::{ParamSpec, Params, MAX_MS};
use sim::rng::SimRng;
use sim::world::NetworkSettings;

pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
    /// The public reference whose hazard it reproduces (hazard scenarios only).
    pub reproduces: &'static str,
    /// The fault sizes a user may fix (`--scenario-param`); each seed draws
    /// the others ([`Sizes`]).
    pub params: &'static [ParamSpec],
    faults: fn(&mut SimRng, Duration, &Sizes) -> Vec<TimedFault>,
}

impl Scenario {
    /// The fault plan of a run lasting `duration`, drawn from `rng`.
    pub fn plan(&self, rng: &mut SimRng, duration: Duration) -> FaultPlan {
        self.plan_with(rng, duration, &Sizes::drawn(self.params))
    }

    /// The plan with the sizes `sizes` fixes (read with [`Scenario::sizes`]).
    pub fn plan_with(&self, rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> FaultPlan {
        if self.name == "swarm" {
            return swarm(rng, duration);
        }
        FaultPlan::new((self.faults)(rng, duration, sizes))
    }

    /// The sizes `given` fixes (`key=value` pairs), checked against [`Scenario::params`].
    pub fn sizes(&self, given: &Params) -> Result<Sizes, String> {
        Sizes::read(self.name, self.params, given)
    }
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "none", summary: "no faults: the baseline", reproduces: "", params: &[], faults: |_, _, _| Vec::new() },
    Scenario {
        name: "gc-pause",
        summary: "1-3 process pauses of 50 ms to 25 s, mostly of the client inside its critical section",
        reproduces: "",
        params: GC_PAUSE,
        faults: gc_pauses,
    },
    Scenario {
        name: "partition",
        summary: "1-2 partitions of 5-20 s: the primary isolated, the holder cut from the lock servers, or one server isolated",
        reproduces: "",
        params: &[],
        faults: partitions,
    },
    Scenario {
        name: "lossy-network",
        summary: "1-3 episodes of 3-15 s with 5-30% message loss and latency spikes up to 300 ms",
        reproduces: "",
        params: LOSSY_NETWORK,
        faults: lossy_network,
    },
    Scenario {
        name: "clock-drift",
        summary: "a server's clock runs fast and a client's slow, within (<=1%) or far beyond (5-50%) a 1% bound",
        reproduces: "",
        params: CLOCK_DRIFT,
        faults: clock_drift,
    },
    Scenario {
        name: "clock-jump",
        summary: "a server's wall clock jumps 5-60 s forward, and 0-2 more server or client clocks jump 5-60 s forward or 1-30 s back",
        reproduces: "",
        params: CLOCK_JUMP,
        faults: clock_jumps,
    },
    Scenario {
        name: "clock-strobe",
        summary: "a server's or a client's wall clock strobes by 1-30 s every 50-1000 ms for 5-20 s (Jepsen's strobe)",
        reproduces: "",
        params: &[],
        faults: clock_strobes,
    },
    Scenario {
        name: "crash-restart",
        summary: "1-3 crashes of the primary, a random server or the holder; restart after 1-15 s, disk kept 70% of the time",
        reproduces: "",
        params: &[],
        faults: crashes,
    },
    Scenario {
        name: "cache-eviction",
        summary: "1-3 bursts of 5-20 s of memory pressure on every server (caches evict idle keys per their policy)",
        reproduces: "",
        params: &[],
        faults: memory_pressure,
    },
    Scenario {
        name: "failover",
        summary: "the primary crashes (disk lost half the time) or is isolated for 10-30 s, long enough for a failover",
        reproduces: "",
        params: FAILOVER,
        faults: failover,
    },
    Scenario {
        name: "redlock-restart",
        summary: "client-0 reaches only masters 0-2 (of Redlock's 5); granted by that bare majority, it holds 2-4 s while master 0 restarts",
        reproduces: "Redis docs, Distributed Locks with Redis: crash recovery without persistence (fsync-always or delayed-restart prevent it)",
        params: &[],
        faults: hazards::redlock_restart,
    },
    Scenario {
        name: "redlock-clock-jump",
        summary: "client-0 reaches only masters 0-2; granted by that bare majority, it holds 2-4 s while master 2's clock jumps 15-60 s ahead",
        reproduces: "Kleppmann 2016, How to do distributed locking: the clock-jump case (expiry on a monotonic clock prevents it)",
        params: &[],
        faults: hazards::redlock_clock_jump,
    },
    Scenario {
        name: "pause-after-check",
        summary: "a client that has just checked its lock (right before its write) pauses 15-30 s",
        reproduces: "Kleppmann 2016: the GC pause between the lock check and the write (fencing tokens prevent it)",
        params: hazards::PAUSE_AFTER_CHECK,
        faults: hazards::pause_after_check,
    },
    Scenario {
        name: "session-pause",
        summary: "a client that has just entered its critical section pauses 15-30 s, past its session or lease",
        reproduces: "Jepsen, etcd 3.4.3 (2020): a paused holder outlives its lease (fencing with the revision prevents it)",
        params: hazards::SESSION_PAUSE,
        faults: hazards::session_pause,
    },
    Scenario {
        name: "failover-split-brain",
        summary: "the primary and the holder are cut off together for 20-30 s (run cache with --param replica=true)",
        reproduces: "Redis docs, Sentinel: consistency under partitions (the old master keeps granting; one authority or fencing prevents it)",
        params: &[],
        faults: hazards::failover_split_brain,
    },
    Scenario {
        name: "majorities-ring",
        summary: "majorities-ring partitions of 5-15 s on a start/stop cycle (clients beside a server; try --pattern timeout)",
        reproduces: "Jepsen, Hazelcast 3.8.3 (2017): every server hears a different majority (quorum designs hold)",
        params: &[],
        faults: hazards::majorities_ring,
    },
    Scenario {
        name: "client-clock",
        summary: "the holder's clock runs 20-50% slow and it stalls just past a 10 s lease; two clients' wall clocks jump 5-30 s",
        reproduces: "ShedLock, Chubby, DynamoDB lock client: leases timed on client clocks (fencing, or drift within the bound, prevents it)",
        params: hazards::CLIENT_CLOCK,
        faults: hazards::client_clock,
    },
    Scenario {
        name: "slow-acquire",
        summary: "client-0 reaches only masters 0-2 and stalls 10.5-14 s right after the first granted it the key; then holds the lock 2-4 s",
        reproduces: "Redis docs, Distributed Locks with Redis: the validity time of a slow acquisition (the validity check prevents it)",
        params: hazards::SLOW_ACQUIRE,
        faults: hazards::slow_acquire,
    },
    Scenario {
        name: "swarm",
        summary: "each seed draws its own mix and intensity of every fault above (swarm testing); the mix is printed",
        reproduces: "",
        params: &[],
        faults: |_, _, _| Vec::new(),
    },
];

pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// A clock's rate error, in ppm: slower than 10^6 would stop or reverse it.
const MAX_SLOW_PPM: u64 = 999_999;

const GC_PAUSE: &[ParamSpec] = &[
    ParamSpec::drawn("pauses", 1, 100, "pauses per seed (drawn: 1-3)"),
    ParamSpec::drawn("pause_ms", 1, MAX_MS, "every pause's length (drawn: 50 ms-25 s, evenly over the decades)"),
];
const LOSSY_NETWORK: &[ParamSpec] =
    &[ParamSpec::drawn("loss_percent", 0, 100, "message loss during every episode (drawn: 5-30%)")];
const CLOCK_DRIFT: &[ParamSpec] = &[ParamSpec::drawn(
    "drift_ppm",
    0,
    MAX_SLOW_PPM,
    "how far each drifting clock is off, server fast, client slow (drawn: 1k-10k or 50k-500k ppm)",
)];
const CLOCK_JUMP: &[ParamSpec] = &[ParamSpec::drawn(
    "jump_ms",
    0,
    MAX_MS,
    "every jump's size, forward or back (drawn: 5-60 s forward, 1-30 s back)",
)];
const FAILOVER: &[ParamSpec] =
    &[ParamSpec::drawn("down_ms", 1, MAX_MS, "how long the primary is crashed or isolated (drawn: 10-30 s)")];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// When a fault starts: between 5% and 80% of the run.
fn start(rng: &mut SimRng, duration: Duration) -> Duration {
    uniform(rng, duration / 20, duration * 4 / 5)
}

/// `count` windows of `lo..=hi` each, one after the other, inside the fault
/// period, so faults of one kind never overlap (a partition heals before the
/// next one starts).
fn sequential(
    rng: &mut SimRng,
    duration: Duration,
    count: u32,
    lo: Duration,
    hi: Duration,
) -> Vec<(Duration, Duration)> {
    let slot = (duration * 3 / 4) / count;
    (0..count)
        .map(|i| {
            let length = uniform(rng, lo, hi).min(slot * 9 / 10);
            let begin = duration / 20 + slot * i + uniform(rng, Duration::ZERO, slot - length);
            (begin, length)
        })
        .collect()
}

/// An approximately log-uniform duration: pick a range `(lo_ms, hi_ms, weight)`
/// by weight, then a uniform value inside it. Integer arithmetic only, so the
/// draw is the same on every machine (libm's `ln`/`exp` may differ by an ulp).
fn by_decade(rng: &mut SimRng, ranges: &[(u64, u64, u32)]) -> Duration {
    let total: u32 = ranges.iter().map(|r| r.2).sum();
    let mut pick = rng.gen_range(0..total);
    for &(lo, hi, weight) in ranges {
        if pick < weight {
            return uniform(rng, ms(lo), ms(hi));
        }
        pick -= weight;
    }
    unreachable!("pick is below the total weight")
}

/// Pauses long and short, spread evenly over the decades 50 ms..25 s, so some
/// outlast a 10 s TTL. Four in five hit the lock holder while it is inside its
/// critical section, the moment a pause is most harmful.
fn gc_pauses(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let count = rng.gen_range(1..=3);
    (0..sizes.count("pauses", count))
        .map(|_| {
            let at = start(rng, duration);
            let drawn = by_decade(rng, &[(50, 500, 10), (500, 5_000, 10), (5_000, 25_000, 7)]);
            let pause = sizes.millis("pause_ms", drawn);
            let target = if rng.gen_bool(0.8) { Target::Holder } else { Target::RandomClient };
            TimedFault::at(at, Fault::Pause { target, duration: pause })
        })
        .collect()
}

fn partitions(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let count = rng.gen_range(1..=2);
    sequential(rng, duration, count, secs(5), secs(20))
        .into_iter()
        .map(|(at, length)| {
            let (side, from) = match rng.gen_range(0..20) {
                0..=6 => (Target::Primary, Peers::All),
                7..=13 => (Target::Holder, Peers::Servers),
                _ => (Target::RandomServer, Peers::All),
            };
            TimedFault::at(at, Fault::isolate(vec![side], from, length))
        })
        .collect()
}

fn lossy_network(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let count = rng.gen_range(1..=3);
    sequential(rng, duration, count, secs(3), secs(15))
        .into_iter()
        .map(|(at, length)| {
            let base = NetworkSettings::default();
            let settings = NetworkSettings {
                // An i32 draw, as before sizes could be fixed (the type decides the draw).
                loss: sizes.value("loss_percent", rng.gen_range(5..=30_i32) as u64) as f64 / 100.0,
                latency_min: base.latency_min,
                latency_max: uniform(rng, ms(20), ms(300)),
            };
            TimedFault::at(at, Fault::Network { settings, duration: length })
        })
        .collect()
}

/// Half the seeds stay within a 1% drift bound (Redlock's drift factor, a
/// lease's usual allowance); half go far beyond it.
fn clock_drift(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let ppm = |rng: &mut SimRng| {
        // Drawn as i64, as before sizes could be fixed: the type decides the draw.
        let drawn: i64 =
            if rng.gen_bool(0.5) { rng.gen_range(1_000..=10_000) } else { rng.gen_range(50_000..=500_000) };
        sizes.value("drift_ppm", drawn as u64) as i64
    };
    let server = if rng.gen_bool(0.5) { Target::Primary } else { Target::RandomServer };
    let mut faults = vec![TimedFault {
        when: None,
        at: start(rng, duration) / 4,
        fault: Fault::ClockDrift { target: server, drift_ppm: ppm(rng), duration: None },
    }];
    if rng.gen_bool(0.5) {
        let slow = -ppm(rng);
        faults.push(TimedFault {
            when: None,
            at: start(rng, duration),
            fault: Fault::ClockDrift { target: Target::Holder, drift_ppm: slow, duration: None },
        });
    }
    faults
}

/// Whose clock a clock fault hits: the primary, any server, the holder or any
/// client, equally often (a client's wall clock matters to designs that
/// judge expiry or schedule work by it).
fn clock_target(rng: &mut SimRng) -> Target {
    match rng.gen_range(0..4) {
        0 => Target::Primary,
        1 => Target::RandomServer,
        2 => Target::Holder,
        _ => Target::RandomClient,
    }
}

/// A server's wall clock jumps forward 5-60 s (a bad NTP server, a VM
/// restored from a snapshot: what expires its keys early), and 0-2 more
/// clocks of servers or clients jump either way: forward 5-60 s, or back
/// 1-30 s (NTP stepping a fast clock back; never further back than the clock
/// has run).
fn clock_jumps(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let server = if rng.gen_bool(0.5) { Target::Primary } else { Target::RandomServer };
    let forward = sizes.millis("jump_ms", uniform(rng, secs(5), secs(60))).as_nanos() as i64;
    let mut faults = vec![TimedFault::at(start(rng, duration), Fault::ClockJump { target: server, delta_ns: forward })];
    for _ in 0..rng.gen_range(0..=2) {
        let target = clock_target(rng);
        let at = start(rng, duration);
        let delta_ns = if rng.gen_bool(0.5) {
            sizes.millis("jump_ms", uniform(rng, secs(5), secs(60))).as_nanos() as i64
        } else {
            -(sizes.millis("jump_ms", uniform(rng, secs(1), secs(30))).min(at).as_nanos() as i64)
        };
        faults.push(TimedFault::at(at, Fault::ClockJump { target, delta_ns }));
    }
    faults.sort_by_key(|f| f.at);
    faults
}

/// Jepsen's strobe: the wall clock flips between its offset and 1-30 s ahead,
/// every 50-1000 ms, for 5-20 s, and ends where it started.
fn clock_strobes(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let target = clock_target(rng);
    let at = start(rng, duration);
    let delta_ns = uniform(rng, secs(1), secs(30)).as_nanos() as i64;
    let period = uniform(rng, ms(50), ms(1_000));
    let length = uniform(rng, secs(5), secs(20));
    vec![TimedFault::at(at, Fault::ClockStrobe { target, delta_ns, period, duration: length })]
}

fn crashes(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let count = rng.gen_range(1..=3);
    sequential(rng, duration, count, secs(1), secs(15))
        .into_iter()
        .map(|(at, down)| {
            let target = match rng.gen_range(0..10) {
                0..=3 => Target::Primary,
                4..=5 => Target::RandomServer,
                _ => Target::Holder,
            };
            let durable = rng.gen_bool(0.7);
            TimedFault::at(at, Fault::Crash { target, restart_after: Some(down), durable })
        })
        .collect()
}

fn memory_pressure(rng: &mut SimRng, duration: Duration, _: &Sizes) -> Vec<TimedFault> {
    let count = rng.gen_range(1..=3);
    sequential(rng, duration, count, secs(5), secs(20))
        .into_iter()
        .map(|(at, length)| TimedFault {
            when: None,
            at,
            fault: Fault::Signal { target: Target::EveryServer, name: "memory-pressure".into(), duration: length },
        })
        .collect()
}

fn failover(rng: &mut SimRng, duration: Duration, sizes: &Sizes) -> Vec<TimedFault> {
    let at = start(rng, duration);
    let down = sizes.millis("down_ms", uniform(rng, secs(10), secs(30)));
    let fault = if rng.gen_bool(0.5) {
        Fault::Crash { target: Target::Primary, restart_after: Some(down), durable: rng.gen_bool(0.5) }
    } else {
        Fault::isolate(vec![Target::Primary], Peers::All, down)
    };
    vec![TimedFault::at(at, fault)]
}

/// Swarm testing (as TigerBeetle's simulator does): each seed includes each
/// fault family with probability 1/2 (at least one), and each included family
/// draws its own faults, once or twice over. The drawn mix is logged in the plan.
fn swarm(rng: &mut SimRng, duration: Duration) -> FaultPlan {
    let families: Vec<&Scenario> = SCENARIOS.iter().filter(|s| !matches!(s.name, "none" | "swarm")).collect();
    let mut chosen: Vec<&Scenario> = families.iter().copied().filter(|_| rng.gen_bool(0.5)).collect();
    if chosen.is_empty() {
        chosen.push(families[rng.gen_range(0..families.len())]);
    }
    let mut faults = Vec::new();
    let mut drawn = Vec::new();
    for family in chosen {
        let rounds = rng.gen_range(1..=2);
        let before = faults.len();
        for _ in 0..rounds {
            faults.extend((family.faults)(rng, duration, &Sizes::drawn(family.params)));
        }
        drawn.push(format!("{} x{} ({} faults)", family.name, rounds, faults.len() - before));
    }
    faults.sort_by_key(|f| f.at);
    FaultPlan { faults, drawn }
}

/// A one-line summary of a plan, for tables and CSV: the swarm's drawn mix,
/// or the count of each kind of fault.
pub fn describe(plan: &FaultPlan) -> String {
    if !plan.drawn.is_empty() {
        return plan.drawn.join("; ");
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &plan.faults {
        let kind = f.fault.name();
        *counts.entry(kind).or_default() += 1;
    }
    counts.iter().map(|(k, n)| format!("{k} x{n}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(name: &str, seed: u64) -> FaultPlan {
        scenario(name).unwrap().plan(&mut sim::rng::stream(seed, "faults/plan"), secs(60))
    }

    #[test]
    fn every_plan_is_a_function_of_the_seed_and_valid() {
        for s in SCENARIOS {
            assert_eq!(plan(s.name, 1), plan(s.name, 1), "{}", s.name);
            for seed in 0..50 {
                let p = plan(s.name, seed);
                p.validate().unwrap();
                assert!(p.faults.windows(2).all(|w| w[0].at <= w[1].at), "{} unsorted", s.name);
                assert!(p.faults.iter().all(|f| f.at < secs(48)), "{}: a fault starts after 80% of the run", s.name);
                assert_eq!(p.faults.is_empty(), s.name == "none", "{} seed {seed}", s.name);
            }
        }
    }

    fn sized(name: &str, seed: u64, given: &[&str]) -> FaultPlan {
        let s = scenario(name).unwrap();
        let given: Vec<String> = given.iter().map(|g| g.to_string()).collect();
        let sizes = s.sizes(&Params::parse(&given).unwrap()).unwrap();
        s.plan_with(&mut sim::rng::stream(seed, "faults/plan"), secs(60), &sizes)
    }

    /// A value inside `spec`'s range that no draw gives.
    fn unusual(spec: &ParamSpec) -> u64 {
        match spec.kind {
            algorithms::params::Kind::Drawn { min, max } => (min + 4_321).min(max),
            _ => unreachable!("scenario sizes are drawn"),
        }
    }

    #[test]
    fn every_declared_size_changes_the_plan_and_nothing_else() {
        // Fixing a size keeps every fault's start, trigger and target (the
        // same draws in the same order), unless it is a count; and it does
        // change the plan, so the scenario reads it.
        for s in SCENARIOS {
            for spec in s.params {
                let given = format!("{}={}", spec.name, unusual(spec));
                let mut changed = false;
                for seed in 0..50 {
                    let (drawn, fixed) = (plan(s.name, seed), sized(s.name, seed, &[&given]));
                    changed |= drawn != fixed;
                    fixed.validate().unwrap();
                    if spec.name != "pauses" {
                        let shape = |p: &FaultPlan| {
                            p.faults.iter().map(|f| (f.at, f.when.clone(), f.fault.name())).collect::<Vec<_>>()
                        };
                        assert_eq!(shape(&drawn), shape(&fixed), "{} {given} seed {seed}", s.name);
                        let targets = |p: &FaultPlan| {
                            p.faults.iter().map(|f| format!("{:?}", f.fault.targets())).collect::<Vec<_>>()
                        };
                        assert_eq!(targets(&drawn), targets(&fixed), "{} {given} seed {seed}", s.name);
                    }
                }
                assert!(changed, "{}: fixing {given} changed no plan in 50 seeds", s.name);
            }
        }
    }

    #[test]
    fn a_fixed_pause_length_and_count_are_exactly_what_each_gc_pause_plan_holds() {
        for seed in 0..50 {
            let p = sized("gc-pause", seed, &["pause_ms=1600", "pauses=2"]);
            assert_eq!(p.faults.len(), 2, "seed {seed}");
            assert!(p.faults.iter().all(|f| matches!(f.fault, Fault::Pause { duration, .. } if duration == ms(1_600))));
            // The pauses both plans draw start at the same times.
            let starts = |p: &FaultPlan| p.faults.iter().map(|f| f.at).collect::<Vec<_>>();
            let (drawn, fixed) = (starts(&plan("gc-pause", seed)), starts(&p));
            let (fewer, more) = if drawn.len() < 2 { (&drawn, &fixed) } else { (&fixed, &drawn) };
            assert!(fewer.iter().all(|at| more.contains(at)), "seed {seed}: {drawn:?} vs {fixed:?}");
        }
    }

    #[test]
    fn an_unknown_or_out_of_range_size_is_refused_naming_the_known_ones() {
        let gc = scenario("gc-pause").unwrap();
        let err = gc.sizes(&Params::parse(&["pause=5".into()]).unwrap()).unwrap_err();
        assert!(
            err.contains("scenario 'gc-pause' has no parameter 'pause'") && err.contains("pauses, pause_ms"),
            "{err}"
        );
        let err = gc.sizes(&Params::parse(&["pauses=0".into()]).unwrap()).unwrap_err();
        assert!(err.contains("must be at least 1"), "{err}");
        let err = scenario("swarm").unwrap().sizes(&Params::parse(&["pause_ms=5".into()]).unwrap()).unwrap_err();
        assert!(err.contains("(it has: none)"), "{err}");
    }

    #[test]
    fn some_gc_pauses_outlast_a_ten_second_ttl() {
        let long = (0..100)
            .flat_map(|seed| plan("gc-pause", seed).faults)
            .filter(|f| matches!(f.fault, Fault::Pause { duration, .. } if duration > secs(10)))
            .count();
        assert!(long > 10, "only {long} long pauses in 100 seeds");
    }

    #[test]
    fn partitions_of_one_kind_never_overlap() {
        for seed in 0..100 {
            let p = plan("partition", seed);
            for w in p.faults.windows(2) {
                let Fault::Partition { duration, .. } = w[0].fault else { panic!() };
                assert!(w[0].at + duration <= w[1].at, "seed {seed}: {p:?}");
            }
        }
    }

    #[test]
    fn clock_jumps_go_both_ways_and_hit_servers_and_clients() {
        let jumps: Vec<(Target, i64)> = (0..100)
            .flat_map(|seed| plan("clock-jump", seed).faults)
            .map(|f| match f.fault {
                Fault::ClockJump { target, delta_ns } => (target, delta_ns),
                other => panic!("{other:?}"),
            })
            .collect();
        let (back, forward): (Vec<_>, Vec<_>) = jumps.iter().partition(|(_, d)| *d < 0);
        assert!(back.len() > 40 && forward.len() > 40, "{} back, {} forward", back.len(), forward.len());
        assert!(forward.iter().all(|(_, d)| (5_000_000_000..=60_000_000_000).contains(d)));
        assert!(back.iter().all(|(_, d)| (-30_000_000_000..=-1).contains(d)));
        for target in [Target::Primary, Target::RandomServer, Target::Holder, Target::RandomClient] {
            assert!(jumps.iter().any(|(t, _)| *t == target), "never {target:?}");
        }
    }

    #[test]
    fn swarm_draws_different_mixes_and_logs_them() {
        let mixes: std::collections::BTreeSet<String> = (0..40).map(|s| plan("swarm", s).drawn.join(";")).collect();
        assert!(mixes.len() > 20, "swarm mixes barely vary: {mixes:?}");
        assert!(plan("swarm", 3).drawn.iter().all(|d| d.contains(" x")));
    }
}
