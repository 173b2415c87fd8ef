//! `cache`: a lock on a Redis-like cache (see [`crate::redis`] for the server).
//!
//! Reference: the Redis documentation's single-instance pattern in
//! "Distributed Locks with Redis": acquire with `SET resource my_random_value
//! NX PX ttl`, release with the compare-and-delete script. Optionally a
//! replica fed asynchronously and Sentinels that fail over to it
//! ([`crate::sentinel`]).
//!
//! Client model: each acquire draws a fresh random value from the client's
//! seeded stream (the docs' "unique across all clients and all lock
//! requests"); blocking and timed acquires retry every `retry_delay_ms` plus
//! up to `retry_jitter_ms` (redis-py polls every 100 ms; jitter avoids lock
//! step). After a timeout or a READONLY reply the client asks the sentinels
//! where the master is. The value is not a fencing token: the resource cannot
//! tell a stale holder from the current one. Clients reach Redis over the
//! TCP-like transport (`sim/src/net/streams.rs`): a lost segment is a
//! retransmission delay on an ordered connection, not a lost request; a
//! client whose `op_timeout_ms` passes closes its connection (as redis-py
//! and Jedis discard one after a socket timeout), and what it had sent may
//! still be served, so the outcome is unknown to it.
//!
//! Defaults and why: TTL 10 s; server-side expiry on the wall clock, as Redis
//! does; `allkeys-lru`, the policy the Redis docs recommend for a cache (Redis
//! itself ships `noeviction`); the other tenants' keys have no TTL
//! (`tenant_keys=no-ttl`: a cache filled by plain `SET`s, the case in which
//! `volatile-lru` differs from `allkeys-lru`); no persistence (the docs' default of periodic
//! snapshots loses recent keys on a crash just the same); with a replica,
//! three sentinels with quorum 2 (the docs' basic setup), `failover-timeout`
//! 180 s (Redis's default), and `down-after-milliseconds` 5 s (its sample
//! config says 30 s; 5 s is common in production and keeps runs short).

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
use crate::retry::{self, Retrier, RetryPolicy};
use crate::sentinel::{self, MasterAddress, SentinelConfig};

pub struct CacheDesign;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::millis("ttl_ms", 10_000, 1, MAX_MS, "lock expiry (PX), judged on the server's clock"),
    retry::delay(100),
    retry::jitter(100),
    ParamSpec::millis("op_timeout_ms", 100, 1, MAX_MS, "client-side timeout of one request"),
    redis::EXPIRY_CLOCK,
    redis::eviction(2),
    redis::PRESSURE_CHURN,
    redis::TENANT_KEYS,
    redis::PERSISTENCE,
    ParamSpec::flag("replica", false, "add an async replica and sentinels that fail over to it"),
    ParamSpec::millis("replication_lag_ms", 10, 0, MAX_MS, "how long a change takes to reach the replica"),
    ParamSpec::count("sentinels", 3, 1, 9, "sentinels watching the master (with replica=true)"),
    ParamSpec::count("quorum", 2, 1, 9, "sentinels that must agree the master is down (at most `sentinels`)"),
    ParamSpec::millis(
        "down_after_ms",
        5000,
        1,
        MAX_MS,
        "sentinel down-after-milliseconds: master silence before SDOWN",
    ),
    ParamSpec::millis(
        "failover_timeout_ms",
        180_000,
        1,
        MAX_MS,
        "sentinel failover-timeout: no new attempt for twice this",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    pub ttl: Duration,
    pub retry: RetryPolicy,
    pub op_timeout: Duration,
    pub server: RedisConfig,
    /// `Some` when the master has a replica and sentinels.
    pub sentinel: Option<SentinelConfig>,
    pub sentinels: usize,
}

impl Design for CacheDesign {
    fn name(&self) -> &'static str {
        "cache"
    }

    fn summary(&self) -> &'static str {
        "Redis-like cache: SET key value NX PX ttl, compare-and-delete release; eviction, optional replica + sentinel"
    }

    fn calibrated_by(&self) -> Option<&'static str> {
        Some("redis")
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn marks(&self) -> &'static [&'static str] {
        // Only with `replica=true`; without a replica the mark never comes.
        &[redis::MASTER_ACCEPTED]
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let ttl = p.millis("ttl_ms")?;
        let mut server = RedisConfig::read(p, ttl)?;
        server.replication_lag = p.millis("replication_lag_ms")?;
        let (sentinels, quorum) = (p.count("sentinels")? as usize, p.count("quorum")? as usize);
        if quorum > sentinels {
            return Err(format!(
                "cache: quorum={quorum} is more than sentinels={sentinels}; no failover could ever happen (lower quorum)"
            ));
        }
        let sentinel = SentinelConfig {
            ping_every: Duration::from_secs(1),
            down_after: p.millis("down_after_ms")?,
            quorum,
            failover_timeout: p.millis("failover_timeout_ms")?,
        };
        Ok(Arc::new(CacheConfig {
            ttl,
            retry: RetryPolicy::read(p, None)?,
            op_timeout: p.millis("op_timeout_ms")?,
            server,
            sentinel: p.flag("replica")?.then_some(sentinel),
            sentinels,
        }))
    }
}

impl Deployment for CacheConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        let clock = ClockSettings::default();
        let Some(sentinel) = self.sentinel else {
            let master = world.add_node(
                "cache",
                Role::Server,
                clock,
                redis::serve(self.server, ServerRole::Master { replica: None }),
            );
            world.set_primary(master);
            return Arc::new(CacheConnector { master, sentinels: Vec::new(), config: *self });
        };
        // Node ids are assigned in creation order, so nodes can name each other up front.
        let master_id = NodeId(world.node_count() as u32);
        let replica_id = NodeId(master_id.0 + 1);
        let group: Vec<NodeId> = (0..self.sentinels as u32).map(|i| NodeId(master_id.0 + 2 + i)).collect();
        let master = world.add_node(
            "cache-0",
            Role::Server,
            clock,
            redis::serve(self.server, ServerRole::Master { replica: Some(replica_id) }),
        );
        let replica = world.add_node("cache-1", Role::Server, clock, redis::serve(self.server, ServerRole::Replica));
        assert_eq!((master, replica), (master_id, replica_id));
        for (i, &me) in group.iter().enumerate() {
            let main = sentinel::sentinel(sentinel, me, group.clone(), master, replica);
            let name = if group.len() == 1 { "sentinel".to_string() } else { format!("sentinel-{}", i + 1) };
            assert_eq!(world.add_node(&name, Role::Server, clock, main), me);
        }
        world.set_primary(master);
        Arc::new(CacheConnector { master, sentinels: group, config: *self })
    }
}

struct CacheConnector {
    master: NodeId,
    sentinels: Vec<NodeId>,
    config: CacheConfig,
}

impl Connector for CacheConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        Client::Lock(Box::new(CacheClient {
            ctx: ctx.clone(),
            key: lock.into(),
            address: MasterAddress { master: self.master, sentinels: self.sentinels.clone() },
            config: self.config,
            rng: ctx.rng("cache-client"),
            value: None,
        }))
    }
}

struct CacheClient {
    ctx: NodeCtx,
    /// The lock's key.
    key: String,
    address: MasterAddress,
    config: CacheConfig,
    rng: SimRng,
    /// The random value of the current (or last attempted) acquisition.
    value: Option<u64>,
}

impl CacheClient {
    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        let value: u64 = self.rng.gen();
        self.value = Some(value);
        let mut retrier = Retrier::new(&self.ctx, mode, self.config.retry);
        loop {
            let req = SetNxPx { key: self.key.clone(), value, ttl: self.config.ttl };
            let (attempt, refresh) =
                redis::judge_set(self.ctx.call(self.address.master, req, self.config.op_timeout).await);
            if refresh {
                self.address.refresh(&self.ctx, self.config.op_timeout).await;
            }
            if let Some(outcome) = retrier.judge(&self.ctx, &mut self.rng, attempt).await {
                return outcome;
            }
        }
    }

    async fn release_value(&mut self) -> Released {
        let Some(value) = self.value.take() else { return Released::NotHeld };
        let req = DelIfValue { key: self.key.clone(), value };
        match self.ctx.call(self.address.master, req, self.config.op_timeout).await {
            Ok(Ok(true)) => Released::Released,
            Ok(Ok(false)) | Ok(Err(_)) => Released::NotHeld,
            Err(_) => {
                self.address.refresh(&self.ctx, self.config.op_timeout).await;
                Released::Unknown
            }
        }
    }
}

impl LockClient for CacheClient {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_loop(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_parameters_are_refused() {
        let err = |k: &str, v: &str| {
            crate::configure(&CacheDesign, &crate::params::Params::default().with(k, v)).err().unwrap()
        };
        assert_eq!(err("ttl_ms", "0"), "cache: parameter ttl_ms=0 must be at least 1");
        assert_eq!(
            err("eviction", "lfu"),
            "cache: parameter eviction=lfu must be one of: noeviction, volatile-lru, allkeys-lru"
        );
        assert_eq!(err("replica", "maybe"), "cache: parameter replica=maybe must be true or false");
        assert_eq!(
            err("quorum", "4"),
            "cache: quorum=4 is more than sentinels=3; no failover could ever happen (lower quorum)"
        );
    }
}
