//! A Redis case played on the model: one `algorithms::redis` server node
//! (the server the `cache` and `redlock` designs deploy, with their default
//! churn) and a client sending the case's operations in order
//! ([`crate::model_world`]). The outcome of each operation is read off the
//! server's reply.

use std::time::Duration;

use algorithms::redis::{
    self, DelIfValue, ExpiryClock, Inspect, Persistence, RedisConfig, RedisError, ServerRole, SetNxPx,
};
use sim::history::NodeId;
use sim::world::{Effect, NodeCtx};

use super::{Case, Op};
use crate::script::Outcome;

/// The churn period the designs use by default (`pressure_churn_ms`).
const CHURN: Duration = Duration::from_millis(20);
const TIMEOUT: Duration = Duration::from_secs(1);

/// The server as the `cache` design configures it, with the case's policy.
fn config(case: &Case) -> RedisConfig {
    RedisConfig {
        expiry_clock: ExpiryClock::Wall,
        eviction: case.server,
        pressure_churn: CHURN,
        persistence: Persistence::None,
        restart_delay: Duration::ZERO,
        replication_lag: Duration::ZERO,
    }
}

/// Play `case` on the model; one outcome per step.
pub fn run(case: &Case) -> Vec<Outcome> {
    let server_main = redis::serve(config(case), ServerRole::Master { replica: None });
    let steps = case.steps.clone();
    crate::model_world::play(case.name, "redis", server_main, move |ctx, server| {
        let steps = steps.clone();
        async move {
            let mut outcomes = Vec::new();
            for op in &steps {
                outcomes.push(step(&ctx, server, op).await);
            }
            outcomes
        }
    })
}

/// The model's value for a client's lock.
fn value(client: usize) -> u64 {
    client as u64 + 1
}

fn error(e: RedisError) -> Outcome {
    Outcome::Error(match e {
        RedisError::OutOfMemory => "OOM",
        RedisError::ReadOnly => "READONLY",
        RedisError::Restarting => "RESTARTING",
    })
}

async fn step(ctx: &NodeCtx, server: NodeId, op: &Op) -> Outcome {
    let inspect = |key: &str| ctx.call(server, Inspect { key: key.into() }, TIMEOUT);
    match *op {
        Op::SetNxPx { client, key, ttl_ms } => {
            let req = SetNxPx { key: key.into(), value: value(client), ttl: Duration::from_millis(ttl_ms) };
            match ctx.call(server, req, TIMEOUT).await.expect("the model answers on a clean network") {
                Ok(set) => Outcome::Set(set),
                Err(e) => error(e),
            }
        }
        Op::DelIfValue { client, key } => {
            let req = DelIfValue { key: key.into(), value: value(client) };
            match ctx.call(server, req, TIMEOUT).await.expect("the model answers on a clean network") {
                Ok(deleted) => Outcome::Deleted(deleted),
                Err(e) => error(e),
            }
        }
        Op::Exists { key } => Outcome::Exists(inspect(key).await.expect("answered").is_some()),
        Op::Pttl { key } => Outcome::Pttl(match inspect(key).await.expect("answered") {
            None => -2,
            Some(k) => k.pttl.map_or(-1, |left| left.as_millis() as i64),
        }),
        Op::IdleAtLeast2s { key } => {
            let state = inspect(key).await.expect("answered");
            Outcome::Idle(state.is_some_and(|k| k.idle >= Duration::from_secs(2)))
        }
        Op::Fill => {
            ctx.world().apply_fault([Effect::Signal { node: server, name: "memory-pressure".into() }]);
            ctx.sleep(CHURN * 2).await;
            let req = SetNxPx { key: "filler".into(), value: 0, ttl: Duration::from_secs(60) };
            let reply = ctx.call(server, req, TIMEOUT).await.expect("the model answers on a clean network");
            Outcome::FillRefused(reply == Err(RedisError::OutOfMemory))
        }
        Op::Wait { ms } => {
            ctx.sleep(Duration::from_millis(ms)).await;
            Outcome::Waited
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::cases::cases;

    /// Every case's model outcomes are the documented ones, except where a
    /// known difference says why not (and then they do differ: a fixed model
    /// must drop the note).
    #[test]
    fn the_model_does_what_the_redis_docs_say_case_by_case() {
        for case in cases() {
            crate::script::check_model(&case, &run(&case)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
