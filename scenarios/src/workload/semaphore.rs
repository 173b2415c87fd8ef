//! `semaphore`: N permits guard a limited resource (a connection pool, an
//! API quota); a client holds one permit while it uses the pool.
//!
//! How permits are provided: as N locks named `permit-0..N-1`, the natural
//! way for every lock design here (N rows, N cache keys, N Redlock keys, N
//! leases, N lock nodes). A client tries the permits once each, from a random
//! one on, with try-lock; finding all taken, it waits `poll_ms` (plus
//! jitter) and tries again, within its pattern (try: one pass; timeout: until
//! the deadline; blocking: until it gets one). Simplified: ZooKeeper's own
//! semaphore recipe (Curator's `InterProcessSemaphoreV2`, N lowest sequence
//! nodes) and Redisson's counter-based semaphore are not modelled.
//!
//! The pool is the resource: a client opens a session on its permit's
//! register (value 1, stamped with the permit's token) and closes it (value
//! 0). Corrupted: more than N sessions open at once ([`corrupted`]; a
//! superseded holder stays in until its close is answered: the pool checks
//! tokens at open and close only).
//! Figures: pool uses per second, the most sessions ever open.

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Connector};
use algorithms::params::{ParamReader, ParamSpec, MAX_MS};
use algorithms::resource::{ResourceConfig, WriteRequest};
use sim::history::{EventKind, History, WriteVerdict};
use sim::metrics::{Figure, RunMetrics};
use sim::world::World;

use super::effect::Effects;
use super::lock_use::WorkLock;
use super::{deploy_clients, draw, rate, ClientEnv, Common, Pattern, Workload, WorkloadInfo};
use corrupted::{max_open_sessions, session, SessionWrite, CLOSE, OPEN};

pub mod corrupted;

pub const INFO: WorkloadInfo = WorkloadInfo {
    name: "semaphore",
    summary: "N permits guard a pool; clients hold one while using it; corrupted = more than N users at once",
    natural_pattern: "blocking (try every permit, wait, try again)",
    params: PARAMS,
    needs_a_lock: Some("a permit is held over time; an operator holds nothing between its updates"),
    configure,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec::count("permits", 2, 1, 10_000, "permits (N); must be fewer than the clients"),
    ParamSpec::millis("use_min_ms", 20, 0, MAX_MS, "shortest use of the pool"),
    ParamSpec::millis("use_max_ms", 60, 0, MAX_MS, "longest use of the pool"),
    ParamSpec::millis("poll_ms", 50, 1, MAX_MS, "wait before trying the permits again"),
];

fn configure(common: &Common, p: &ParamReader) -> Result<Arc<dyn Workload>, String> {
    let permits = p.count("permits")?;
    if permits >= common.clients as u64 {
        return Err(format!(
            "semaphore: permits={permits} must be fewer than --clients {} (otherwise no client ever waits)",
            common.clients
        ));
    }
    let hold = (p.millis("use_min_ms")?, p.millis("use_max_ms")?);
    if hold.0 > hold.1 {
        return Err("semaphore: use_min_ms must not exceed use_max_ms".into());
    }
    Ok(Arc::new(Semaphore {
        clients: common.clients,
        permits: permits as u32,
        pattern: common.pattern(AcquireMode::Blocking),
        hold,
        poll: p.millis("poll_ms")?,
    }))
}

#[derive(Clone, Copy, Debug)]
pub struct Semaphore {
    clients: u32,
    permits: u32,
    pattern: Pattern,
    hold: (Duration, Duration),
    poll: Duration,
}

const IDLE: (Duration, Duration) = (Duration::ZERO, Duration::from_millis(20));

impl Workload for Semaphore {
    fn name(&self) -> &'static str {
        INFO.name
    }

    fn effects(&self) -> &'static Effects {
        &corrupted::EFFECTS
    }

    fn deploy(&self, world: &World, design: Arc<dyn Connector>) {
        let settings = *self;
        let names: Vec<String> = (0..self.permits).map(|i| format!("permit-{i}")).collect();
        let resource = ResourceConfig { initial: 0, registers: self.permits, check_tokens: true };
        deploy_clients(world, self.clients, resource, design, names.clone(), "semaphore", move |mut env| {
            let permits = env.take_locks(&names, settings.pattern);
            settings.client_loop(env, permits)
        });
    }

    fn figures(&self, history: &History, _metrics: &RunMetrics) -> Vec<Figure> {
        let uses = history.events.iter().filter(|e| matches!(session(&e.kind), Some(SessionWrite::Open { .. }))).count()
            as u64;
        vec![Figure::new("uses/s", rate(uses, history)), Figure::new("max open", max_open_sessions(history) as f64)]
    }
}

impl Semaphore {
    async fn client_loop(self, env: ClientEnv, mut permits: Vec<WorkLock>) {
        let ClientEnv { ctx, resource, mut rng, .. } = env;
        ctx.sleep(draw(&mut rng, IDLE)).await;
        loop {
            let Some((p, token)) = self.take_permit(&ctx, &mut rng, &mut permits).await else {
                ctx.sleep(draw(&mut rng, IDLE)).await;
                continue;
            };
            let key = p as u32;
            ctx.record(EventKind::CsEnter { locks: vec![permits[p].name().to_string()] });
            let open = WriteRequest { key, value: OPEN, token, ..WriteRequest::default() };
            // An open whose reply was lost may have been accepted: use it and close it all the same.
            if let Ok(WriteVerdict::Accepted) | Err(_) = resource.send(open).await {
                ctx.sleep(draw(&mut rng, self.hold)).await;
                // Keep the permit until the pool has the close: releasing it with
                // the session still open would let the pool be over-used.
                while resource.send(WriteRequest { value: CLOSE, ..open }).await.is_err() {}
            }
            ctx.record(EventKind::CsExit);
            permits[p].release(&ctx).await;
            ctx.sleep(draw(&mut rng, IDLE)).await;
        }
    }

    /// Try every permit once, from a random one on; repeat after a poll
    /// wait as the pattern allows. The permit's index and token when held.
    async fn take_permit(
        &self,
        ctx: &sim::world::NodeCtx,
        rng: &mut sim::rng::SimRng,
        permits: &mut [WorkLock],
    ) -> Option<(usize, Option<u64>)> {
        let started = ctx.clock().monotonic();
        loop {
            let (count, first) = (permits.len(), rng.gen_range(0..permits.len()));
            for i in (0..count).map(|k| (first + k) % count) {
                if let Some(token) = permits[i].acquire_with(ctx, AcquireMode::Try).await {
                    return Some((i, token));
                }
            }
            let wait = self.poll + draw(rng, (Duration::ZERO, self.poll));
            match self.pattern.mode {
                AcquireMode::Try => return None,
                AcquireMode::Timeout(limit) if ctx.clock().monotonic() - started + wait > limit => return None,
                _ => ctx.sleep(wait).await,
            }
        }
    }
}
