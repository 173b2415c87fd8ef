//! `inventory`: clients decrement a shared stock under one lock (the
//! critical-section use). Every client loops acquire -> read stock -> think
//! -> write stock-1 -> release, until the stock reads zero. Right before the
//! write it asks the lock whether it is still valid (designs with a validity
//! time answer), then spends a moment preparing the request: the window in
//! which a pause after the check makes the write stale anyway.
//!
//! The think time (`think_min_ms`..`think_max_ms`, 5-15 ms by default) is
//! how long the lock is held; hazards that need a lock held across a
//! restart, a failover or an expiry want it near the TTL's half.
//!
//! Corrupted: a lost update or more units sold than were in stock
//! ([`corrupted`]). Designs that are not locks run "take one
//! unit if any" as one guarded operation.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Client, Connector};
use algorithms::operator::{GuardedOp, Operated, Operator};
use algorithms::params::{ParamReader, ParamSpec, MAX_MS};
use algorithms::resource::{ResourceConfig, Update};
use sim::check::DEFAULT_LOCK;
use sim::history::{EventKind, History};
use sim::metrics::{Figure, RunMetrics};
use sim::world::World;

use super::effect::Effects;
use super::lock_use::WorkLock;
use super::{deploy_clients, draw, operate_recorded, rate, ClientEnv, Common, Pattern, Workload, WorkloadInfo};

pub mod corrupted;

pub const INFO: WorkloadInfo = WorkloadInfo {
    name: "inventory",
    summary: "critical section: clients decrement a shared stock under the lock; corrupted = lost update or oversold",
    natural_pattern: "blocking (every client waits its turn)",
    params: PARAMS,
    needs_a_lock: None,
    configure,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec::millis("think_min_ms", 5, 0, MAX_MS, "shortest time between the read and the write (the hold)"),
    ParamSpec::millis(
        "think_max_ms",
        15,
        0,
        MAX_MS,
        "longest; near the lock's TTL/2, hazards that need a held lock are reached",
    ),
];

fn configure(common: &Common, p: &ParamReader) -> Result<Arc<dyn Workload>, String> {
    if common.stock < 1 {
        return Err("--stock must be at least 1".into());
    }
    let think = (p.millis("think_min_ms")?, p.millis("think_max_ms")?);
    if think.0 > think.1 {
        return Err("inventory: think_min_ms must not exceed think_max_ms".into());
    }
    Ok(Arc::new(Inventory {
        clients: common.clients,
        stock: common.stock,
        pattern: common.pattern(AcquireMode::Blocking),
        think,
        ..Inventory::default()
    }))
}

/// The inventory workload's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inventory {
    pub clients: u32,
    pub stock: i64,
    pub pattern: Pattern,
    /// Time spent inside the critical section between the read and the write.
    pub think: (Duration, Duration),
    /// Time between the validity check and the write leaving the client
    /// (building and sending the request).
    pub prepare: (Duration, Duration),
    /// Time between releasing and the next acquire.
    pub idle: (Duration, Duration),
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            clients: 5,
            stock: 100_000,
            pattern: Pattern { mode: AcquireMode::Blocking, reentrant: false },
            think: (Duration::from_millis(5), Duration::from_millis(15)),
            prepare: (Duration::from_millis(1), Duration::from_millis(5)),
            idle: (Duration::ZERO, Duration::from_millis(20)),
        }
    }
}

impl Workload for Inventory {
    fn name(&self) -> &'static str {
        INFO.name
    }

    fn marks(&self) -> &'static [&'static str] {
        &[sim::world::CS_ENTER, super::lock_use::LOCK_CHECKED]
    }

    fn effects(&self) -> &'static Effects {
        &corrupted::EFFECTS
    }

    fn deploy(&self, world: &World, design: Arc<dyn Connector>) {
        let settings = *self;
        let resource = ResourceConfig::single(self.stock);
        deploy_clients(
            world,
            self.clients,
            resource,
            design,
            vec![DEFAULT_LOCK.into()],
            "inventory",
            move |mut env| async move {
                match env.clients.pop().expect("one lock") {
                    Client::Operator(operator) => settings.operator_loop(env, operator).await,
                    lock => {
                        let lock = WorkLock::new(lock, None, settings.pattern);
                        settings.client_loop(env, lock).await
                    }
                }
            },
        );
    }

    fn figures(&self, history: &History, metrics: &RunMetrics) -> Vec<Figure> {
        // Every accepted write sold one unit.
        vec![Figure::new("sold/s", rate(metrics.writes_accepted, history))]
    }
}

impl Inventory {
    async fn client_loop(self, env: ClientEnv, mut lock: WorkLock) {
        let ClientEnv { ctx, resource, mut rng, .. } = env;
        ctx.sleep(draw(&mut rng, self.idle)).await;
        loop {
            let Some(token) = lock.acquire(&ctx).await else {
                ctx.sleep(draw(&mut rng, self.idle)).await;
                continue;
            };
            ctx.record(EventKind::CsEnter { locks: vec![] });
            let sold_out = match resource.read_fenced(0, token).await {
                Ok((stock, _)) if stock <= 0 => true,
                Ok((stock, _)) => {
                    ctx.sleep(draw(&mut rng, self.think)).await;
                    if lock.still_valid(&ctx) {
                        ctx.sleep(draw(&mut rng, self.prepare)).await;
                        let _ = resource.write(stock - 1, token, None).await;
                    }
                    false
                }
                Err(_) => false,
            };
            ctx.record(EventKind::CsExit);
            lock.release(&ctx).await;
            if sold_out {
                return;
            }
            ctx.sleep(draw(&mut rng, self.idle)).await;
        }
    }

    /// The same work for a design that is not a lock: "take one unit if any"
    /// as one guarded operation, until the stock is gone.
    async fn operator_loop(self, env: ClientEnv, mut operator: Box<dyn Operator>) {
        let ClientEnv { ctx, mut rng, .. } = env;
        ctx.sleep(draw(&mut rng, self.idle)).await;
        loop {
            let op = GuardedOp { update: Update::TakeOneIfPositive, compute: draw(&mut rng, self.think) };
            if operate_recorded(&ctx, operator.as_mut(), op).await == Operated::Declined {
                return; // sold out
            }
            ctx.sleep(draw(&mut rng, self.idle)).await;
        }
    }
}
