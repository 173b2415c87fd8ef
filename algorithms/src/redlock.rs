//! `redlock`: the Redlock algorithm over N independent Redis masters.
//!
//! Reference: "Distributed Locks with Redis" (redis.io), with the defaults of
//! its reference clients (redlock-py, node-redlock):
//! - N masters (default 5; odd and at least 3), no replication between them;
//! - acquire: take the time, then `SET key value NX PX ttl` on each master in
//!   turn with a per-node timeout small against the TTL (50 ms); the lock is
//!   held when a majority (N/2+1) said OK and the validity time
//!   `ttl - elapsed - drift` is positive, with `drift = ttl * 0.01 + 2 ms`;
//! - otherwise release on all masters and retry after a random delay
//!   (`retry_delay_ms` + up to `retry_jitter_ms`), `retry_count` times;
//! - release: compare-and-delete on every master;
//! - `validity_check=false` (not the article's algorithm: what the check
//!   buys): a majority counts however long the acquisition took;
//! - `recheck`: before each write of the critical section the client checks
//!   its validity time on its own monotonic clock and gives up the write if
//!   it has passed — so a pause before the check is caught and a pause after
//!   it is not, which the timeline shows;
//! - server persistence: `none`, `fsync-always`, and `delayed-restart` (a
//!   restarted master refuses locks for the TTL, as the article advises).
//!
//! Simplified: masters are contacted one after another (the article allows
//! either); the random value is drawn once per acquire call, as redlock-py does.
//!
//! Transport: each master is reached over its own TCP-like connection
//! (`sim::net`), as redis-py and node-redis do: a lost packet delays a SET
//! instead of losing it, and a SET whose call timed out may still land.

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use sim::clock::ClockSettings;
use sim::history::{NodeId, Role};
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use crate::lock::{AcquireMode, Acquired, Client, Connector, Deployment, Design, LockClient, LockFuture, Released};
use crate::params::{ParamReader, ParamSpec, MAX_MS};
use crate::redis::{self, DelIfValue, RedisConfig, ServerRole, SetNxPx};
use crate::retry::{Attempt, Retrier, RetryPolicy};

pub struct RedlockDesign;

/// The mark a client makes when it is granted the lock by exactly a
/// majority of the masters (the case the Redis docs' restart hazard and
/// Kleppmann's clock-jump case need: one master fewer and it had no lock).
pub const BARE_MAJORITY: &str = "bare-majority";

/// The mark a client makes when the first master of a round granted it the
/// key (a stall from here on makes the acquisition slower than the TTL).
pub const GRANTED_ONE: &str = "granted-one";

const PARAMS: &[ParamSpec] = &[
    ParamSpec::count("masters", 5, 3, 99, "independent masters (odd, at least 3)"),
    ParamSpec::millis("ttl_ms", 10_000, 1, MAX_MS, "lock expiry on each master"),
    ParamSpec::millis("node_timeout_ms", 50, 1, MAX_MS, "per-master request timeout"),
    ParamSpec::count("retry_count", 3, 1, 1000, "acquire rounds before giving up"),
    ParamSpec::millis("retry_delay_ms", 200, 1, MAX_MS, "wait between rounds"),
    ParamSpec::millis("retry_jitter_ms", 200, 0, MAX_MS, "random extra wait, 0..=this"),
    ParamSpec::flag("recheck", false, "check validity time before each write"),
    ParamSpec::flag(
        "validity_check",
        true,
        "refuse a majority reached after the validity time (false: count grants only)",
    ),
    ParamSpec::choice("expiry_clock", &["wall", "monotonic"], 0, "masters' clock for expiry: wall | monotonic"),
    redis::eviction(0),
    redis::PRESSURE_CHURN,
    redis::TENANT_KEYS,
    redis::PERSISTENCE,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedlockConfig {
    pub masters: u32,
    pub ttl: Duration,
    pub node_timeout: Duration,
    pub retry: RetryPolicy,
    pub recheck: bool,
    /// Refuse a majority whose validity time has run out (the article's step
    /// 3); without it a slow acquisition holds keys that have expired.
    pub validity_check: bool,
    pub server: RedisConfig,
}

impl RedlockConfig {
    pub fn quorum(&self) -> u32 {
        self.masters / 2 + 1
    }

    /// The clock drift allowance: 1% of the TTL plus 2 ms.
    pub fn drift(&self) -> Duration {
        self.ttl / 100 + Duration::from_millis(2)
    }
}

impl Design for RedlockDesign {
    fn name(&self) -> &'static str {
        "redlock"
    }

    fn summary(&self) -> &'static str {
        "Redlock: majority of N independent masters within the validity time (ttl - elapsed - drift)"
    }

    fn calibrated_by(&self) -> Option<&'static str> {
        Some("redis")
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn marks(&self) -> &'static [&'static str] {
        &[BARE_MAJORITY, GRANTED_ONE]
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let masters = p.count("masters")?;
        if masters % 2 == 0 {
            return Err(format!(
                "redlock: parameter masters={masters} must be odd: with an even count a majority needs {} of {masters}, \
                 so one more master adds a failure without adding tolerance (use {} or {})",
                masters / 2 + 1,
                masters - 1,
                masters + 1
            ));
        }
        let ttl = p.millis("ttl_ms")?;
        let retry_count = p.count("retry_count")?;
        Ok(Arc::new(RedlockConfig {
            masters: masters as u32,
            ttl,
            node_timeout: p.millis("node_timeout_ms")?,
            retry: RetryPolicy::read(p, Some(retry_count as u32))?,
            recheck: p.flag("recheck")?,
            validity_check: p.flag("validity_check")?,
            server: RedisConfig::read(p, ttl)?,
        }))
    }
}

impl Deployment for RedlockConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        let masters = (0..self.masters)
            .map(|i| {
                let main = redis::serve(self.server, ServerRole::Master { replica: None });
                world.add_node(&format!("redis-{i}"), Role::Server, ClockSettings::default(), main)
            })
            .collect();
        Arc::new(RedlockConnector { masters, config: *self })
    }
}

struct RedlockConnector {
    masters: Vec<NodeId>,
    config: RedlockConfig,
}

impl Connector for RedlockConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        Client::Lock(Box::new(RedlockClient {
            ctx: ctx.clone(),
            key: lock.into(),
            masters: self.masters.clone(),
            config: self.config,
            rng: ctx.rng("redlock-client"),
            value: None,
            valid_until: None,
        }))
    }
}

struct RedlockClient {
    ctx: NodeCtx,
    /// The lock's key.
    key: String,
    masters: Vec<NodeId>,
    config: RedlockConfig,
    rng: SimRng,
    value: Option<u64>,
    /// The end of the validity time of the lock held, on this client's monotonic clock.
    valid_until: Option<Duration>,
}

impl RedlockClient {
    /// One Redlock round: try every master, then judge quorum and validity.
    async fn round(&mut self, value: u64) -> Attempt {
        let started = self.ctx.clock().monotonic();
        let mut granted = 0;
        for &master in &self.masters {
            let req = SetNxPx { key: self.key.clone(), value, ttl: self.config.ttl };
            if let Ok(Ok(true)) = self.ctx.call(master, req, self.config.node_timeout).await {
                granted += 1;
                if granted == 1 {
                    self.ctx.mark(GRANTED_ONE);
                }
            }
        }
        let elapsed = self.ctx.clock().monotonic() - started;
        let validity = self.config.ttl.checked_sub(elapsed + self.config.drift());
        // Without the validity check a majority counts however long it took.
        let validity = match validity {
            None if !self.config.validity_check => Some(Duration::ZERO),
            v => v,
        };
        let in_time = |v: Duration| !v.is_zero() || !self.config.validity_check;
        match validity {
            Some(validity) if granted >= self.config.quorum() && in_time(validity) => {
                self.valid_until = Some(started + validity);
                if granted == self.config.quorum() {
                    self.ctx.mark(BARE_MAJORITY);
                }
                Attempt::Held { token: None }
            }
            _ => {
                self.unlock_all(value).await;
                Attempt::Busy
            }
        }
    }

    /// Compare-and-delete on every master; how many deleted, and whether any timed out.
    async fn unlock_all(&mut self, value: u64) -> (u32, bool) {
        let (mut deleted, mut timed_out) = (0, false);
        for &master in &self.masters {
            match self.ctx.call(master, DelIfValue { key: self.key.clone(), value }, self.config.node_timeout).await {
                Ok(Ok(true)) => deleted += 1,
                Ok(_) => {}
                Err(_) => timed_out = true,
            }
        }
        (deleted, timed_out)
    }

    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        let value: u64 = self.rng.gen();
        self.value = Some(value);
        self.valid_until = None;
        let mut retrier = Retrier::new(&self.ctx, mode, self.config.retry);
        loop {
            let attempt = self.round(value).await;
            if let Some(outcome) = retrier.judge(&self.ctx, &mut self.rng, attempt).await {
                return outcome;
            }
        }
    }

    async fn release_all(&mut self) -> Released {
        self.valid_until = None;
        let Some(value) = self.value.take() else { return Released::NotHeld };
        match self.unlock_all(value).await {
            (d, _) if d > 0 => Released::Released,
            (_, true) => Released::Unknown,
            _ => Released::NotHeld,
        }
    }
}

impl LockClient for RedlockClient {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_loop(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_all())
    }

    fn check(&mut self) -> Option<bool> {
        self.config.recheck.then(|| self.valid_until.is_some_and(|t| self.ctx.clock().monotonic() < t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_and_drift_follow_the_article() {
        let config = RedlockConfig {
            masters: 5,
            ttl: Duration::from_secs(10),
            node_timeout: Duration::from_millis(50),
            retry: RetryPolicy { delay: Duration::ZERO, jitter: Duration::ZERO, max_attempts: None },
            recheck: false,
            validity_check: true,
            server: RedisConfig::read(
                &ParamReader::new("redlock", PARAMS, &crate::params::Params::default()).unwrap(),
                Duration::from_secs(10),
            )
            .unwrap(),
        };
        assert_eq!(config.quorum(), 3);
        assert_eq!(config.drift(), Duration::from_millis(102));
    }

    #[test]
    fn an_even_or_tiny_master_count_is_refused() {
        let err = |n: &str| {
            crate::configure(&RedlockDesign, &crate::params::Params::default().with("masters", n)).err().unwrap()
        };
        assert!(err("4").starts_with("redlock: parameter masters=4 must be odd"), "{}", err("4"));
        assert_eq!(err("1"), "redlock: parameter masters=1 must be at least 3");
    }
}
