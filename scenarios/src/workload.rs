//! Workloads: the client loops that issue guarded operations (Jepsen's
//! generator + client seam), each with the checkers that know what
//! "corrupted" means for it.
//!
//! `inventory`: every client loops acquire -> read stock -> think -> write
//! stock-1 -> release, until the stock reads zero. Right before the write it
//! asks the lock whether it is still valid (designs with a validity time
//! answer), then spends a moment preparing the request — the window in which a
//! pause after the check makes the write stale anyway. Its checker flags lost
//! updates and overselling (sim::check::inventory_effects).

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Acquired, Client, Connector, LockClient, Released};
use algorithms::operator::{GuardedOp, Operated, Operator};
use algorithms::resource::{self, ResourceClient, ResourceConfig};
use sim::check::{Checker, INVENTORY};
use sim::clock::ClockSettings;
use sim::history::{EventKind, Op, Outcome, Role};
use sim::world::{NodeCtx, World};

/// A registered workload.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub summary: &'static str,
}

pub const WORKLOADS: &[WorkloadInfo] = &[WorkloadInfo {
    name: "inventory",
    summary: "clients decrement a shared stock under the lock; corrupted = lost update or oversold",
}];

/// The inventory workload's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inventory {
    pub clients: u32,
    pub stock: i64,
    /// Time spent inside the critical section between the read and the write.
    pub think: (Duration, Duration),
    /// Time between the validity check and the write leaving the client
    /// (building and sending the request).
    pub prepare: (Duration, Duration),
    /// Time between releasing and the next acquire.
    pub idle: (Duration, Duration),
    /// Client-side timeout of one resource request.
    pub resource_timeout: Duration,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            clients: 5,
            stock: 100_000,
            think: (Duration::from_millis(5), Duration::from_millis(15)),
            prepare: (Duration::from_millis(1), Duration::from_millis(5)),
            idle: (Duration::ZERO, Duration::from_millis(20)),
            resource_timeout: Duration::from_millis(100),
        }
    }
}

impl Inventory {
    pub fn name(&self) -> &'static str {
        "inventory"
    }

    pub fn checkers(&self) -> &'static [Checker] {
        &[INVENTORY]
    }

    /// Add the resource and the client nodes to `world`.
    pub fn deploy(&self, world: &World, lock: Arc<dyn Connector>) {
        let resource = resource::deploy(world, ResourceConfig { initial: self.stock, check_tokens: true });
        for i in 0..self.clients {
            let (lock, settings) = (lock.clone(), *self);
            world.add_node(&format!("client-{i}"), Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
                let client = lock.connect(&ctx, resource);
                let resource = ResourceClient::new(ctx.clone(), resource, settings.resource_timeout);
                async move {
                    match client {
                        Client::Lock(lock) => settings.client_loop(ctx, lock, resource).await,
                        Client::Operator(operator) => settings.operator_loop(ctx, operator).await,
                    }
                }
            });
        }
    }

    async fn client_loop(self, ctx: NodeCtx, mut lock: Box<dyn LockClient>, resource: ResourceClient) {
        let mut rng = ctx.rng("inventory");
        let draw = |rng: &mut sim::rng::SimRng, (lo, hi): (Duration, Duration)| {
            Duration::from_nanos(rng.gen_range(lo.as_nanos() as u64..=hi.as_nanos() as u64))
        };
        ctx.sleep(draw(&mut rng, self.idle)).await;
        loop {
            let Some(token) = acquire_recorded(&ctx, lock.as_mut(), AcquireMode::Blocking).await else {
                ctx.sleep(draw(&mut rng, self.idle)).await;
                continue;
            };
            ctx.record(EventKind::CsEnter);
            let sold_out = match resource.read().await {
                Ok((stock, _)) if stock <= 0 => true,
                Ok((stock, _)) => {
                    ctx.sleep(draw(&mut rng, self.think)).await;
                    if still_valid(&ctx, lock.as_mut()) {
                        ctx.sleep(draw(&mut rng, self.prepare)).await;
                        let _ = resource.write(stock - 1, token, None).await;
                    }
                    false
                }
                Err(_) => false,
            };
            ctx.record(EventKind::CsExit);
            release_recorded(&ctx, lock.as_mut()).await;
            if sold_out {
                return;
            }
            ctx.sleep(draw(&mut rng, self.idle)).await;
        }
    }
}

impl Inventory {
    /// The same work for a design that is not a lock: "take one unit if any"
    /// as one guarded operation, until the stock is gone.
    async fn operator_loop(self, ctx: NodeCtx, mut operator: Box<dyn Operator>) {
        let mut rng = ctx.rng("inventory");
        let draw = |rng: &mut sim::rng::SimRng, (lo, hi): (Duration, Duration)| {
            Duration::from_nanos(rng.gen_range(lo.as_nanos() as u64..=hi.as_nanos() as u64))
        };
        ctx.sleep(draw(&mut rng, self.idle)).await;
        loop {
            ctx.record(EventKind::Invoke { op: Op::Operate });
            let op = GuardedOp { apply: |stock| (stock > 0).then(|| stock - 1), compute: draw(&mut rng, self.think) };
            let result = operator.run(op).await;
            let outcome = match result {
                Operated::Committed => Outcome::Ok,
                Operated::Declined | Operated::GaveUp => Outcome::Fail,
                Operated::Unknown => Outcome::Info,
            };
            ctx.record(EventKind::Complete { op: Op::Operate, outcome, token: None });
            if result == Operated::Declined {
                return; // sold out
            }
            ctx.sleep(draw(&mut rng, self.idle)).await;
        }
    }
}

/// Acquire and record invoke and outcome; `Some(token)` when held.
pub async fn acquire_recorded(ctx: &NodeCtx, lock: &mut dyn LockClient, mode: AcquireMode) -> Option<Option<u64>> {
    ctx.record(EventKind::Invoke { op: Op::Acquire });
    let result = lock.acquire(mode).await;
    let (outcome, token) = match result {
        Acquired::Held { token } => (Outcome::Ok, token),
        Acquired::Busy => (Outcome::Fail, None),
        Acquired::Unknown => (Outcome::Info, None),
    };
    ctx.record(EventKind::Complete { op: Op::Acquire, outcome, token });
    match result {
        Acquired::Held { token } => Some(token),
        _ => None,
    }
}

/// Ask the lock whether it is still valid right before acting on it, and
/// record the answer (designs without such a check always go ahead).
pub fn still_valid(ctx: &NodeCtx, lock: &mut dyn LockClient) -> bool {
    let Some(valid) = lock.check() else { return true };
    let outcome = if valid { Outcome::Ok } else { Outcome::Fail };
    ctx.record(EventKind::Complete { op: Op::Check, outcome, token: None });
    valid
}

/// Release and record invoke and outcome.
pub async fn release_recorded(ctx: &NodeCtx, lock: &mut dyn LockClient) -> Released {
    ctx.record(EventKind::Invoke { op: Op::Release });
    let result = lock.release().await;
    let outcome = match result {
        Released::Released => Outcome::Ok,
        Released::NotHeld => Outcome::Fail,
        Released::Unknown => Outcome::Info,
    };
    ctx.record(EventKind::Complete { op: Op::Release, outcome, token: None });
    result
}
