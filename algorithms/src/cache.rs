//! `cache`: a lock on a single Redis-like cache server.
//!
//! Reference: the Redis documentation — `SET` with `NX PX`, and the
//! single-instance pattern of "Distributed Locks with Redis":
//! acquire with `SET resource my_random_value NX PX ttl`; release with the
//! compare-and-delete script
//! `if redis.call("get",KEYS[1]) == ARGV[1] then return redis.call("del",KEYS[1]) else return 0 end`.
//!
//! Server model: a key expires when the server's own **wall clock** passes its
//! expiry time (Redis stores absolute expiry times and compares them with its
//! wall clock). An expired key behaves as absent, which is what Redis's lazy
//! plus active expiry shows a client. Keys live in memory only: a crash loses
//! them all (Redis without persistence).
//!
//! Client model: each acquire draws a fresh random value from the client's
//! seeded stream (the docs' "unique across all clients and all lock
//! requests"); blocking and timed acquires retry after `retry_delay_ms` plus a
//! random jitter up to `retry_jitter_ms` (node-redlock's 200/200 ms style;
//! redis-py polls every 100 ms). The value is not a fencing token: the
//! resource cannot tell a stale holder from a current one.
//!
//! Simplified away (for now): eviction, replication and failover.

use rand::Rng;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::{ClockSettings, WallNanos};
use sim::history::{NodeId, Role};
use sim::net::Rpc;
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use crate::lock::{AcquireMode, Acquired, Connector, Deployment, Design, LockClient, LockFuture, Released};
use crate::params::{ParamReader, ParamSpec, Params};

pub struct CacheDesign;

const PARAMS: &[ParamSpec] = &[
    ParamSpec { name: "ttl_ms", default: "10000", help: "lock expiry (PX), judged on the server's wall clock" },
    ParamSpec { name: "retry_delay_ms", default: "100", help: "wait between acquire attempts" },
    ParamSpec { name: "retry_jitter_ms", default: "100", help: "random extra wait, 0..=this" },
    ParamSpec { name: "op_timeout_ms", default: "100", help: "client-side timeout of one request" },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    pub ttl: Duration,
    pub retry_delay: Duration,
    pub retry_jitter: Duration,
    pub op_timeout: Duration,
}

impl Design for CacheDesign {
    fn name(&self) -> &'static str {
        "cache"
    }

    fn summary(&self) -> &'static str {
        "single Redis-like server: SET key value NX PX ttl, compare-and-delete release"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn configure(&self, params: &Params) -> Result<Arc<dyn Deployment>, String> {
        let p = ParamReader::new(self.name(), PARAMS, params)?;
        Ok(Arc::new(CacheConfig {
            ttl: p.millis_at_least("ttl_ms", 1)?,
            retry_delay: p.millis_at_least("retry_delay_ms", 1)?,
            retry_jitter: p.millis_at_least("retry_jitter_ms", 0)?,
            op_timeout: p.millis_at_least("op_timeout_ms", 1)?,
        }))
    }
}

impl Deployment for CacheConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        let server = world.add_node("cache", Role::Server, ClockSettings::default(), serve_cache);
        Arc::new(CacheConnector { server, config: *self })
    }
}

const LOCK_KEY: &str = "lock";

#[derive(Debug)]
struct SetNxPx {
    key: String,
    value: u64,
    ttl: Duration,
}

impl Rpc for SetNxPx {
    /// `true` when the key was set (Redis replies OK), `false` when it existed (nil).
    type Reply = bool;
    const NAME: &'static str = "cache.set-nx-px";
}

#[derive(Debug)]
struct DelIfValue {
    key: String,
    value: u64,
}

impl Rpc for DelIfValue {
    /// `true` when the key held `value` and was deleted.
    type Reply = bool;
    const NAME: &'static str = "cache.del-if-value";
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    value: u64,
    expires_at: WallNanos,
}

/// The live (unexpired) entry of `key` at wall time `now`, dropping an expired one.
fn live(keys: &mut BTreeMap<String, Entry>, key: &str, now: WallNanos) -> Option<Entry> {
    match keys.get(key) {
        Some(e) if e.expires_at > now => Some(*e),
        Some(_) => {
            keys.remove(key);
            None
        }
        None => None,
    }
}

async fn serve_cache(ctx: NodeCtx) {
    // In memory only: a restart starts empty.
    let keys: Arc<Mutex<BTreeMap<String, Entry>>> = Arc::default();
    let (set_keys, set_ctx) = (keys.clone(), ctx.clone());
    ctx.serve(move |req: SetNxPx| {
        let now = set_ctx.clock().wall();
        let mut keys = set_keys.lock().expect("cache poisoned");
        let set = live(&mut keys, &req.key, now).is_none();
        if set {
            let expires_at = now + req.ttl.as_nanos() as i64;
            keys.insert(req.key, Entry { value: req.value, expires_at });
        }
        std::future::ready(set)
    });
    let del_ctx = ctx.clone();
    ctx.serve(move |req: DelIfValue| {
        let now = del_ctx.clock().wall();
        let mut keys = keys.lock().expect("cache poisoned");
        let deleted = live(&mut keys, &req.key, now).is_some_and(|e| e.value == req.value);
        if deleted {
            keys.remove(&req.key);
        }
        std::future::ready(deleted)
    });
    std::future::pending::<()>().await
}

struct CacheConnector {
    server: NodeId,
    config: CacheConfig,
}

impl Connector for CacheConnector {
    fn connect(&self, ctx: &NodeCtx) -> Box<dyn LockClient> {
        Box::new(CacheClient {
            ctx: ctx.clone(),
            server: self.server,
            config: self.config,
            rng: ctx.rng("cache-client"),
            value: None,
        })
    }
}

struct CacheClient {
    ctx: NodeCtx,
    server: NodeId,
    config: CacheConfig,
    rng: SimRng,
    /// The random value of the current (or last attempted) acquisition.
    value: Option<u64>,
}

impl CacheClient {
    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        let value: u64 = self.rng.gen();
        self.value = Some(value);
        let started = self.ctx.clock().monotonic();
        // Once an attempt's reply is lost, the key may be ours until it expires.
        let mut maybe_held = false;
        loop {
            let req = SetNxPx { key: LOCK_KEY.into(), value, ttl: self.config.ttl };
            match self.ctx.call(self.server, req, self.config.op_timeout).await {
                Ok(true) => return Acquired::Held { token: None },
                Ok(false) => {}
                Err(_) => maybe_held = true,
            }
            let gave_up = if maybe_held { Acquired::Unknown } else { Acquired::Busy };
            let jitter = self.rng.gen_range(0..=self.config.retry_jitter.as_nanos() as u64);
            let delay = self.config.retry_delay + Duration::from_nanos(jitter);
            match mode {
                AcquireMode::Try => return gave_up,
                AcquireMode::Timeout(limit) => {
                    if self.ctx.clock().monotonic() - started + delay > limit {
                        return gave_up;
                    }
                }
                AcquireMode::Blocking => {}
            }
            self.ctx.sleep(delay).await;
        }
    }

    async fn release_value(&mut self) -> Released {
        let Some(value) = self.value.take() else {
            return Released::NotHeld;
        };
        let req = DelIfValue { key: LOCK_KEY.into(), value };
        match self.ctx.call(self.server, req, self.config.op_timeout).await {
            Ok(true) => Released::Released,
            Ok(false) => Released::NotHeld,
            Err(_) => Released::Unknown,
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
    fn an_expired_key_is_absent_and_dropped() {
        let mut keys = BTreeMap::new();
        keys.insert("k".to_string(), Entry { value: 1, expires_at: 100 });
        assert!(live(&mut keys, "k", 99).is_some());
        assert!(live(&mut keys, "k", 100).is_none());
        assert!(keys.is_empty());
    }

    #[test]
    fn ttl_of_zero_is_refused() {
        let err = CacheDesign.configure(&Params::default().with("ttl_ms", "0")).err().unwrap();
        assert_eq!(err, "cache: parameter ttl_ms=0 must be at least 1");
    }
}
