//! `optimistic`: no lock at all. A client reads the value and its version,
//! computes, and writes back only if the version is unchanged
//! (compare-and-set at the protected resource); on a conflict it re-reads and
//! retries after a backoff, up to a bound, then gives up.
//!
//! Reference: optimistic concurrency control as in Kung & Robinson (1981) and
//! the version-checked writes of HTTP `If-Match` / etcd `Txn` compare on
//! `mod_revision` / JPA `@Version`. Backoff: exponential from `backoff_ms`
//! with full jitter (AWS Architecture Blog, "Exponential Backoff And
//! Jitter"), capped at 32x.
//!
//! Safety does not depend on time, clocks or pauses: a stale write is
//! rejected by the version check. What contention costs shows as conflicts
//! (rejected writes), retries and give-ups instead of overlaps.
//!
//! Transport: reads and conditional writes go over a TCP-like connection
//! (`sim::net`); a write whose call timed out may still be applied, and its
//! retry then meets a version conflict.

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use sim::history::NodeId;
use sim::rng::SimRng;
use sim::world::{NodeCtx, RpcError, World};

use crate::lock::{Client, Connector, Deployment, Design};
use crate::operator::{GuardedOp, Operated, Operator, OperatorFuture};
use crate::params::{ParamReader, ParamSpec, MAX_MS};
use crate::resource::ResourceClient;

pub struct OptimisticDesign;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::count("max_attempts", 10, 1, 1000, "read-compute-write attempts before giving up"),
    ParamSpec::millis("backoff_ms", 10, 1, MAX_MS, "first backoff after a conflict (doubles, full jitter)"),
    ParamSpec::millis("op_timeout_ms", 100, 1, MAX_MS, "client-side timeout of one request"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptimisticConfig {
    pub max_attempts: u32,
    pub backoff: Duration,
    pub op_timeout: Duration,
}

impl Design for OptimisticDesign {
    fn name(&self) -> &'static str {
        "optimistic"
    }

    fn summary(&self) -> &'static str {
        "no lock: read value + version, compute, compare-and-set; retry with backoff on conflict"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn is_lock(&self) -> bool {
        false
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        Ok(Arc::new(OptimisticConfig {
            max_attempts: p.count("max_attempts")? as u32,
            backoff: p.millis("backoff_ms")?,
            op_timeout: p.millis("op_timeout_ms")?,
        }))
    }
}

/// The optimistic client of one node.
pub struct OptimisticClient {
    ctx: NodeCtx,
    resource: ResourceClient,
    config: OptimisticConfig,
    rng: SimRng,
}

impl OptimisticClient {
    pub fn new(ctx: &NodeCtx, resource: NodeId, config: OptimisticConfig) -> OptimisticClient {
        OptimisticClient {
            ctx: ctx.clone(),
            resource: ResourceClient::new(ctx.clone(), resource, config.op_timeout),
            config,
            rng: ctx.rng("optimistic-client"),
        }
    }

    async fn run_op(&mut self, op: GuardedOp) -> Operated {
        for attempt in 0..self.config.max_attempts {
            let (value, version) = match self.resource.read().await {
                Ok(read) => read,
                Err(RpcError::Timeout) => return Operated::GaveUp,
            };
            let Some(new) = op.update.apply(value) else { return Operated::Declined };
            self.ctx.sleep(op.compute).await;
            match self.resource.write(new, None, Some(version)).await {
                Ok(sim::history::WriteVerdict::Accepted) => return Operated::Committed,
                Ok(_) => {}
                // The write may have landed: retrying blindly could apply it twice.
                Err(RpcError::Timeout) => return Operated::Unknown,
            }
            let cap = self.config.backoff * 2u32.pow(attempt.min(5));
            let wait = self.rng.gen_range(0..=cap.as_nanos() as u64);
            self.ctx.sleep(Duration::from_nanos(wait)).await;
        }
        Operated::GaveUp
    }
}

impl Operator for OptimisticClient {
    fn run(&mut self, op: GuardedOp) -> OperatorFuture<'_, Operated> {
        Box::pin(self.run_op(op))
    }
}

impl Deployment for OptimisticConfig {
    /// No servers: clients talk to the protected resource directly.
    fn deploy(&self, _world: &World) -> Arc<dyn Connector> {
        Arc::new(*self)
    }
}

impl Connector for OptimisticConfig {
    fn connect(&self, ctx: &NodeCtx, resource: NodeId, _lock: &str) -> Client {
        Client::Operator(Box::new(OptimisticClient::new(ctx, resource, *self)))
    }
}
