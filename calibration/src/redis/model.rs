//! A Redis case played on the model: one `algorithms::redis` server node
//! (the server the `cache` and `redlock` designs deploy, with their default
//! churn) and a client sending the case's operations in order
//! ([`crate::model_world`]). The outcome of each operation is read off the
//! server's reply.

use std::time::Duration;

use algorithms::redis::{
    self, DelIfValue, ExpiryClock, Inspect, Persistence, RedisConfig, RedisError, ServerRole, SetNxPx,
};
use sim::history::{NodeId, Role};
use sim::world::{Cut, Direction, Effect, FaultId, NodeCtx, World};

use super::{Case, Op, LINK_DOWN_MS};
use crate::model_world::PERFECT;
use crate::script::Outcome;

/// The churn period the designs use by default (`pressure_churn_ms`).
const CHURN: Duration = Duration::from_millis(20);
const TIMEOUT: Duration = Duration::from_secs(1);

/// The replication lag the `cache` design uses by default (`replication_lag_ms`).
const REPLICATION_LAG: Duration = Duration::from_millis(10);

/// The server as the `cache` design configures it, with the case's policy.
fn config(case: &Case) -> RedisConfig {
    RedisConfig {
        expiry_clock: ExpiryClock::Wall,
        eviction: case.server.policy,
        pressure_churn: CHURN,
        persistence: Persistence::None,
        restart_delay: Duration::ZERO,
        replication_lag: REPLICATION_LAG,
        // The suite's filler writes keys without a TTL.
        tenant_keys_expire: false,
    }
}

/// The server nodes of a case.
#[derive(Clone, Copy)]
struct Nodes {
    master: NodeId,
    replica: Option<NodeId>,
}

/// The master alone, or the master and its replica as the `cache` design
/// deploys them (the sentinel is left out: no case fails the master over).
fn deploy(world: &World, config: RedisConfig, replicated: bool) -> Nodes {
    if !replicated {
        let main = redis::serve(config, ServerRole::Master { replica: None });
        return Nodes { master: world.add_node("redis", Role::Server, PERFECT, main), replica: None };
    }
    let replica_id = NodeId(world.node_count() as u32 + 1);
    let main = redis::serve(config, ServerRole::Master { replica: Some(replica_id) });
    let master = world.add_node("redis-0", Role::Server, PERFECT, main);
    let replica = world.add_node("redis-1", Role::Server, PERFECT, redis::serve(config, ServerRole::Replica));
    assert_eq!(replica, replica_id, "node ids follow creation order");
    Nodes { master, replica: Some(replica) }
}

/// Play `case` on the model; one outcome per step.
pub fn run(case: &Case) -> Vec<Outcome> {
    let (config, replicated) = (config(case), case.server.replica);
    let steps = case.steps.clone();
    crate::model_world::play(
        case.name,
        move |world| deploy(world, config, replicated),
        move |ctx, nodes| {
            let steps = steps.clone();
            async move {
                let (mut outcomes, mut detached) = (Vec::new(), None);
                for op in &steps {
                    outcomes.push(step(&ctx, nodes, &mut detached, op).await);
                }
                outcomes
            }
        },
    )
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

async fn set_nx(ctx: &NodeCtx, server: NodeId, client: usize, key: &str, ttl_ms: u64) -> Outcome {
    let req = SetNxPx { key: key.into(), value: value(client), ttl: Duration::from_millis(ttl_ms) };
    match ctx.call(server, req, TIMEOUT).await.expect("the model answers on a clean network") {
        Ok(set) => Outcome::Set(set),
        Err(e) => error(e),
    }
}

/// `detached`: the cut [`Op::DetachReplica`] made, until it is reattached.
async fn step(ctx: &NodeCtx, nodes: Nodes, detached: &mut Option<FaultId>, op: &Op) -> Outcome {
    let server = nodes.master;
    let replica = || nodes.replica.expect("a replica case sets `replica`");
    let inspect = |node: NodeId, key: &str| ctx.call(node, Inspect { key: key.into() }, TIMEOUT);
    match *op {
        Op::SetNxPx { client, key, ttl_ms } => set_nx(ctx, server, client, key, ttl_ms).await,
        Op::ReplicaSetNxPx { client, key, ttl_ms } => set_nx(ctx, replica(), client, key, ttl_ms).await,
        Op::ReplicaExists { key } => Outcome::Exists(inspect(replica(), key).await.expect("answered").is_some()),
        Op::WaitForReplica { .. } => Outcome::NotModelled,
        Op::DetachReplica => {
            let cut = Cut::groups(vec![server], vec![replica()], Direction::BothWays);
            *detached = Some(ctx.world().apply_fault([Effect::Cut(cut)]));
            Outcome::Waited
        }
        Op::ReattachReplica => {
            if let Some(fault) = detached.take() {
                let _ = ctx.world().end_fault(fault);
            }
            Outcome::Waited
        }
        Op::CutReplicaLink => {
            let cut = Cut::groups(vec![server], vec![replica()], Direction::BothWays);
            let fault = ctx.world().apply_fault([Effect::Cut(cut)]);
            let ctx = ctx.clone();
            madsim::task::spawn(async move {
                ctx.sleep(Duration::from_millis(LINK_DOWN_MS)).await;
                let _ = ctx.world().end_fault(fault);
            });
            Outcome::Waited
        }
        Op::DelIfValue { client, key } => {
            let req = DelIfValue { key: key.into(), value: value(client) };
            match ctx.call(server, req, TIMEOUT).await.expect("the model answers on a clean network") {
                Ok(deleted) => Outcome::Deleted(deleted),
                Err(e) => error(e),
            }
        }
        Op::Exists { key } => Outcome::Exists(inspect(server, key).await.expect("answered").is_some()),
        Op::Pttl { key } => Outcome::Pttl(match inspect(server, key).await.expect("answered") {
            None => -2,
            Some(k) => k.pttl.map_or(-1, |left| left.as_millis() as i64),
        }),
        Op::IdleAtLeast2s { key } => {
            let state = inspect(server, key).await.expect("answered");
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
