//! The acquire retry rule shared by lock clients: after a failed attempt,
//! wait a delay plus random jitter (drawn from the client's seeded stream)
//! and try again, within the limits of the acquire mode and the design's
//! retry bound.
//!
//! Outcomes follow Jepsen: once an attempt's outcome was unknown (its reply
//! was lost), a client that gives up reports `Unknown`, since the lock may be
//! its own until it expires.

use rand::Rng;
use std::time::Duration;

use sim::rng::SimRng;
use sim::world::NodeCtx;

use crate::lock::{AcquireMode, Acquired};
use crate::params::{ParamReader, ParamSpec, MAX_MS};

/// How a client retries a failed acquire attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub delay: Duration,
    /// Extra wait drawn uniformly from `0..=jitter`.
    pub jitter: Duration,
    /// Attempts per acquire at most (`None`: no bound but the mode's).
    pub max_attempts: Option<u32>,
}

impl RetryPolicy {
    /// Read `retry_delay_ms` and `retry_jitter_ms`, which every retrying
    /// design declares ([`delay`], [`jitter`]).
    pub fn read(p: &ParamReader, max_attempts: Option<u32>) -> Result<RetryPolicy, String> {
        Ok(RetryPolicy { delay: p.millis("retry_delay_ms")?, jitter: p.millis("retry_jitter_ms")?, max_attempts })
    }
}

/// The declaration of `retry_delay_ms`, with a design's own default.
pub const fn delay(default_ms: u64) -> ParamSpec {
    ParamSpec::millis("retry_delay_ms", default_ms, 1, MAX_MS, "wait between acquire attempts")
}

/// The declaration of `retry_jitter_ms`, with a design's own default.
pub const fn jitter(default_ms: u64) -> ParamSpec {
    ParamSpec::millis("retry_jitter_ms", default_ms, 0, MAX_MS, "random extra wait, 0..=this")
}

/// The result of one acquire attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Held {
        token: Option<u64>,
    },
    Busy,
    /// No answer: the attempt may have taken the lock.
    Unknown,
}

/// The state of one acquire call across its attempts.
pub struct Retrier {
    mode: AcquireMode,
    policy: RetryPolicy,
    started: Duration,
    attempts: u32,
    maybe_held: bool,
}

impl Retrier {
    pub fn new(ctx: &NodeCtx, mode: AcquireMode, policy: RetryPolicy) -> Retrier {
        Retrier { mode, policy, started: ctx.clock().monotonic(), attempts: 0, maybe_held: false }
    }

    /// Judge an attempt: `Some(outcome)` ends the acquire; `None` means the
    /// retry delay has been slept and the caller should attempt again.
    pub async fn judge(&mut self, ctx: &NodeCtx, rng: &mut SimRng, attempt: Attempt) -> Option<Acquired> {
        self.attempts += 1;
        match attempt {
            Attempt::Held { token } => return Some(Acquired::Held { token }),
            Attempt::Busy => {}
            Attempt::Unknown => self.maybe_held = true,
        }
        let gave_up = Some(if self.maybe_held { Acquired::Unknown } else { Acquired::Busy });
        let delay = self.policy.delay + Duration::from_nanos(rng.gen_range(0..=self.policy.jitter.as_nanos() as u64));
        if self.policy.max_attempts.is_some_and(|max| self.attempts >= max) {
            return gave_up;
        }
        match self.mode {
            AcquireMode::Try => return gave_up,
            AcquireMode::Timeout(limit) if ctx.clock().monotonic() - self.started + delay > limit => return gave_up,
            _ => {}
        }
        ctx.sleep(delay).await;
        None
    }
}
