//! Fault scenarios: named profiles that turn a seed into a fault plan
//! (Jepsen's nemesis schedule). The plan is data: it is printed with the seed,
//! and the same seed always gives the same plan.

use rand::Rng;
use std::time::Duration;

use sim::fault::{Fault, FaultPlan, Target, TimedFault};
use sim::rng::SimRng;

pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
    plan: fn(&mut SimRng, Duration) -> FaultPlan,
}

impl Scenario {
    /// The fault plan of a run lasting `duration`, drawn from `rng`.
    pub fn plan(&self, rng: &mut SimRng, duration: Duration) -> FaultPlan {
        (self.plan)(rng, duration)
    }
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "none", summary: "no faults: the baseline", plan: |_, _| FaultPlan::default() },
    Scenario {
        name: "gc-pause",
        summary: "1-3 process pauses of 50 ms to 25 s, mostly of the client inside its critical section",
        plan: gc_pauses,
    },
];

pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// Pauses long and short, spread evenly over the decades 50 ms..25 s, so some
/// outlast a 10 s TTL. Four in five hit the lock holder while it is inside its
/// critical section, the moment a pause is most harmful.
fn gc_pauses(rng: &mut SimRng, duration: Duration) -> FaultPlan {
    let count = rng.gen_range(1..=3);
    let mut faults: Vec<TimedFault> = (0..count)
        .map(|_| {
            let at = uniform(rng, duration / 20, duration * 4 / 5);
            let pause = by_decade(rng, &[(50, 500, 10), (500, 5_000, 10), (5_000, 25_000, 7)]);
            let target = if rng.gen_bool(0.8) { Target::Holder } else { Target::RandomClient };
            TimedFault { at, fault: Fault::Pause { target, duration: pause } }
        })
        .collect();
    faults.sort_by_key(|f| f.at);
    FaultPlan { faults }
}

/// A duration drawn uniformly from `lo..=hi`, in whole microseconds.
pub fn uniform(rng: &mut SimRng, lo: Duration, hi: Duration) -> Duration {
    Duration::from_micros(rng.gen_range(lo.as_micros() as u64..=hi.as_micros() as u64))
}

/// An approximately log-uniform duration: pick a range `(lo_ms, hi_ms, weight)`
/// by weight, then a uniform value inside it. Integer arithmetic only, so the
/// draw is the same on every machine (libm's `ln`/`exp` may differ by an ulp).
fn by_decade(rng: &mut SimRng, ranges: &[(u64, u64, u32)]) -> Duration {
    let total: u32 = ranges.iter().map(|r| r.2).sum();
    let mut pick = rng.gen_range(0..total);
    for &(lo, hi, weight) in ranges {
        if pick < weight {
            return uniform(rng, Duration::from_millis(lo), Duration::from_millis(hi));
        }
        pick -= weight;
    }
    unreachable!("pick is below the total weight")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_pause_plans_are_a_function_of_the_seed() {
        let plan = |seed| {
            scenario("gc-pause").unwrap().plan(&mut sim::rng::stream(seed, "faults/plan"), Duration::from_secs(60))
        };
        assert_eq!(plan(1), plan(1));
        assert_ne!(plan(1), plan(2));
        for seed in 0..50 {
            let p = plan(seed);
            assert!((1..=3).contains(&p.faults.len()));
            assert!(p.faults.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }

    #[test]
    fn some_gc_pauses_outlast_a_ten_second_ttl() {
        let long = (0..100)
            .flat_map(|seed| {
                scenario("gc-pause")
                    .unwrap()
                    .plan(&mut sim::rng::stream(seed, "faults/plan"), Duration::from_secs(60))
                    .faults
            })
            .filter(|f| matches!(f.fault, Fault::Pause { duration, .. } if duration > Duration::from_secs(10)))
            .count();
        assert!(long > 10, "only {long} long pauses in 100 seeds");
    }
}
