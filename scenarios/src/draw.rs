//! Draws for fault plans: integer arithmetic only, so a plan drawn from a
//! seed is the same on every machine.

use rand::Rng;
use std::time::Duration;

use sim::rng::SimRng;

/// A duration drawn uniformly from `lo..=hi`, in whole microseconds.
pub fn uniform(rng: &mut SimRng, lo: Duration, hi: Duration) -> Duration {
    Duration::from_micros(rng.gen_range(lo.as_micros() as u64..=hi.as_micros() as u64))
}
