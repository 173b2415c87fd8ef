//! A case played on the model: one `algorithms::redis` server node (the
//! server the `cache` and `redlock` designs deploy, with their default
//! churn) and one client node sending the case's operations in order, in a
//! world with no clock offset or drift and a 1-3 ms network. The outcome of
//! each operation is read off the server's reply; waits are simulated.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use algorithms::redis::{
    self, DelIfValue, ExpiryClock, Inspect, Persistence, RedisConfig, RedisError, ServerRole, SetNxPx,
};
use sim::clock::{ClockSettings, ClockSpread};
use sim::history::{NodeId, Role};
use sim::world::{Effect, NetworkSettings, NodeCtx, World};

use crate::script::{Case, Op, Outcome};

/// The churn period the designs use by default (`pressure_churn_ms`).
const CHURN: Duration = Duration::from_millis(20);
const TIMEOUT: Duration = Duration::from_secs(1);

/// The server as the `cache` design configures it, with the case's policy.
fn config(case: &Case) -> RedisConfig {
    RedisConfig {
        expiry_clock: ExpiryClock::Wall,
        eviction: case.policy,
        pressure_churn: CHURN,
        persistence: Persistence::None,
        restart_delay: Duration::ZERO,
        replication_lag: Duration::ZERO,
    }
}

/// Play `case` on the model; one outcome per step.
pub fn run(case: &Case) -> Vec<Outcome> {
    let name = case.name;
    let case = case.clone();
    let limit = Duration::from_secs(3600);
    sim::runner::run_seed(0, limit, move || async move {
        let world = World::new(0, NetworkSettings::default(), ClockSpread::NONE);
        let perfect = ClockSettings { offset_ns: 0, drift_ppm: 0 };
        let server_main = redis::serve(config(&case), ServerRole::Master { replica: None });
        let server = world.add_node("redis", Role::Server, perfect, server_main);
        let done: Arc<Mutex<Option<Vec<Outcome>>>> = Arc::default();
        let (out, steps) = (done.clone(), case.steps.clone());
        world.add_node("client", Role::Client, perfect, move |ctx: NodeCtx| {
            let (out, steps) = (out.clone(), steps.clone());
            async move {
                let mut outcomes = Vec::new();
                for op in &steps {
                    outcomes.push(step(&ctx, server, op).await);
                }
                *out.lock().expect("outcomes") = Some(outcomes);
            }
        });
        loop {
            if let Some(outcomes) = done.lock().expect("outcomes").take() {
                return outcomes;
            }
            madsim::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .unwrap_or_else(|p| panic!("case {name}: the model panicked: {p}"))
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
    use crate::redis_cases::cases;
    use crate::script::first_disagreement;

    /// Every case's model outcomes are the documented ones, except where a
    /// known difference says why not (and then they do differ: a fixed model
    /// must drop the note).
    #[test]
    fn the_model_does_what_the_redis_docs_say_case_by_case() {
        for case in cases() {
            let got = run(&case);
            let differs = first_disagreement(&got, &case.expect);
            match case.known_difference {
                None => {
                    assert_eq!(differs, None, "{}: the model got {got:?}, the docs say {:?}", case.name, case.expect)
                }
                Some(why) => assert!(differs.is_some(), "{}: agrees now; drop the known difference ({why})", case.name),
            }
        }
    }
}
