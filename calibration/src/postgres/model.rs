//! A PostgreSQL case played on the model: one `algorithms::database` node,
//! configured as the case's library, and a client sending the statements the
//! design's client sends (the same `Acquire` / `Release` requests, the same
//! stamps, its timeout with a connection reset), in order
//! ([`crate::model_world`]). Operations the design has no counterpart for
//! come out [`Outcome::NotModelled`].

use std::collections::BTreeMap;
use std::time::Duration;

use algorithms::database::{self, Acquire, ClockSource, DatabaseConfig, Release, RowOwner, Stamp};
use algorithms::retry::RetryPolicy;
use sim::history::{NodeId, Role};
use sim::world::{NodeCtx, World};

use super::{Case, Op, Setup, LOCK};
use crate::model_world::PERFECT;
use crate::script::Outcome;

const INSPECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The database as the `database` design configures it, set up as the case says.
fn config(setup: &Setup) -> DatabaseConfig {
    DatabaseConfig {
        mode: setup.library,
        clock: setup.clock,
        expiry: Some(Duration::from_millis(setup.expiry_ms)),
        lock_at_least: Duration::from_millis(setup.lock_at_least_ms),
        commit: Duration::from_millis(setup.commit_ms),
        op_timeout: Duration::from_millis(setup.client_timeout_ms),
        // Each step is one library call; the suite retries nothing.
        retry: RetryPolicy { delay: Duration::ZERO, jitter: Duration::ZERO, max_attempts: Some(1) },
        fencing: false,
    }
}

/// The model's id for a client.
fn owner(client: usize) -> u64 {
    client as u64 + 1
}

/// Play `case` on the model; one outcome per step.
pub fn run(case: &Case) -> Vec<Outcome> {
    let config = config(&case.server);
    let steps = case.steps.clone();
    let deploy =
        move |world: &World| world.add_node("database", Role::Server, PERFECT, move |ctx| database::serve(ctx, config));
    crate::model_world::play(case.name, deploy, move |ctx, db| {
        let steps = steps.clone();
        async move {
            let mut clients = Clients { ctx, db, config, locked_at: BTreeMap::new() };
            let mut outcomes = Vec::new();
            for op in &steps {
                outcomes.push(clients.step(op).await);
            }
            outcomes
        }
    })
}

/// The case's clients, as the design's client keeps them: each remembers
/// the time it bound into its last acquire (ShedLock's `lockedAt`).
struct Clients {
    ctx: NodeCtx,
    db: NodeId,
    config: DatabaseConfig,
    locked_at: BTreeMap<usize, i64>,
}

impl Clients {
    fn stamp(&self, client_time: i64) -> Stamp {
        match self.config.clock {
            ClockSource::Client => Stamp::Bound(client_time),
            ClockSource::Database => Stamp::Database,
        }
    }

    async fn step(&mut self, op: &Op) -> Outcome {
        let timeout = self.config.op_timeout;
        match *op {
            Op::Acquire { client } => {
                let now = self.ctx.clock().wall();
                let req = Acquire { lock: LOCK.into(), owner: owner(client), now: self.stamp(now) };
                match self.ctx.call_or_reset(self.db, req, timeout).await {
                    Ok(Some(_)) => {
                        self.locked_at.insert(client, now);
                        Outcome::Acquired(true)
                    }
                    Ok(None) => Outcome::Acquired(false),
                    Err(_) => Outcome::Unknown,
                }
            }
            Op::Release { client } => {
                let now = self.ctx.clock().wall();
                let at_least = i64::try_from(self.config.lock_at_least.as_nanos()).unwrap_or(i64::MAX);
                let locked_at = self.locked_at.get(&client).copied().unwrap_or(now);
                let unlock_at = self.stamp(now.max(locked_at.saturating_add(at_least)));
                let req = Release { lock: LOCK.into(), owner: owner(client), unlock_at };
                match self.ctx.call_or_reset(self.db, req, timeout).await {
                    Ok(released) => Outcome::Released(released),
                    Err(_) => Outcome::Unknown,
                }
            }
            Op::ReadOwner => {
                let row = self.ctx.call(self.db, RowOwner { lock: LOCK.into() }, INSPECT_TIMEOUT).await;
                Outcome::Owner(row.expect("the model answers on a clean network").map(|o| (o - 1) as usize))
            }
            Op::Wait { ms } => {
                self.ctx.sleep(Duration::from_millis(ms)).await;
                Outcome::Waited
            }
            Op::StatementTimeout { .. }
            | Op::HoldRowLock { .. }
            | Op::RowLockNowait { .. }
            | Op::RowLockSkipLocked { .. }
            | Op::Commit { .. }
            | Op::TryAdvisoryLock { .. }
            | Op::Disconnect { .. } => Outcome::NotModelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::cases::cases;

    /// Every case's model outcomes are the documented ones, except where a
    /// known difference says why not, or the case is reference-only.
    #[test]
    fn the_model_does_what_spring_shedlock_and_postgresql_do_case_by_case() {
        for case in cases() {
            crate::script::check_model(&case, &run(&case)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
