//! Global simulated time, for the history and the checkers only.
//!
//! `SimTime` is nanoseconds since the world started, read from madsim's single
//! global clock. Algorithms never read it to make decisions: they read their
//! node's [`crate::clock::NodeClock`] (docs/ARCHITECTURE.md, "Contracts": nodes own their clocks).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Nanoseconds of global simulated time since the world started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    /// The current global simulated time. Must be called inside a running world.
    pub fn now() -> SimTime {
        SimTime(madsim::time::TimeHandle::current().elapsed().as_nanos() as u64)
    }

    pub fn from_duration(d: Duration) -> SimTime {
        SimTime(d.as_nanos() as u64)
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// The time elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        SimTime(self.0 + d.as_nanos() as u64)
    }
}

/// Seconds with microsecond precision, e.g. `12.031512s`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.0 / 1_000_000_000, (self.0 % 1_000_000_000) / 1_000)
    }
}
