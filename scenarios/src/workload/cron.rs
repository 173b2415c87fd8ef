//! `cron`: a job scheduled every `period_ms` on every client node must run
//! exactly once per tick (distributed cron).
//!
//! Reference: ShedLock. Every node's scheduler fires on its own wall clock;
//! the node tries the job's lock once (try-lock: a node that finds it taken
//! skips the tick); the lock is held for at most `lockAtMostFor` (here: the
//! design's TTL or lease) and, released early, at least `lockAtLeastFor`
//! (`at_least_ms`, ShedLock's default 0), so a node whose clock is a little
//! behind does not run the same tick again. A scheduler that was paused or
//! whose clock jumped fires late or early, as a delayed Spring task does.
//! Designs that are not locks mark the tick as run with a conditional update
//! ("raise last-run tick to k"), which runs it at most once by construction.
//!
//! The job's effect is a write of the tick number to the resource, stamped
//! with the lock's token. Corrupted: a tick run twice ([`corrupted`]);
//! liveness loss: a tick never run. Figures: the share of due ticks that ran,
//! ticks run twice, ticks missed.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Client, Connector};
use algorithms::operator::{GuardedOp, Operator};
use algorithms::params::{ParamReader, ParamSpec, MAX_MS};
use algorithms::resource::{ResourceConfig, Update};
use sim::history::History;
use sim::metrics::{Figure, RunMetrics};
use sim::world::{NodeCtx, World};

use super::effect::Effects;
use super::lock_use::WorkLock;
use super::{deploy_clients, draw, operate_recorded, ClientEnv, Common, Pattern, Workload, WorkloadInfo};
use corrupted::cron_ticks;
use sim::history::EventKind;

pub mod corrupted;

pub const INFO: WorkloadInfo = WorkloadInfo {
    name: "cron",
    summary: "every node schedules a job each period; it must run once per tick; corrupted = a tick run twice",
    natural_pattern: "try (ShedLock: a node that finds the lock taken skips the tick)",
    params: PARAMS,
    needs_a_lock: None,
    configure,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec::millis("period_ms", 1000, 1, MAX_MS, "the schedule's period (a tick every period)"),
    ParamSpec::millis("job_min_ms", 50, 0, MAX_MS, "shortest job run"),
    ParamSpec::millis("job_max_ms", 150, 0, MAX_MS, "longest job run"),
    ParamSpec::millis("at_least_ms", 0, 0, MAX_MS, "ShedLock lockAtLeastFor: hold the lock at least this long"),
];

fn configure(common: &Common, p: &ParamReader) -> Result<Arc<dyn Workload>, String> {
    let job = (p.millis("job_min_ms")?, p.millis("job_max_ms")?);
    if job.0 > job.1 {
        return Err("cron: job_min_ms must not exceed job_max_ms".into());
    }
    let period = p.millis("period_ms")?;
    let at_least = p.millis("at_least_ms")?;
    if at_least >= period {
        return Err("cron: at_least_ms must be below period_ms (or the next tick finds the lock still held)".into());
    }
    Ok(Arc::new(Cron { clients: common.clients, pattern: common.pattern(AcquireMode::Try), period, job, at_least }))
}

#[derive(Clone, Copy, Debug)]
pub struct Cron {
    clients: u32,
    pattern: Pattern,
    period: Duration,
    job: (Duration, Duration),
    at_least: Duration,
}

impl Workload for Cron {
    fn name(&self) -> &'static str {
        INFO.name
    }

    fn effects(&self) -> &'static Effects {
        &corrupted::EFFECTS
    }

    fn deploy(&self, world: &World, design: Arc<dyn Connector>) {
        let settings = *self;
        deploy_clients(
            world,
            self.clients,
            ResourceConfig::single(0),
            design,
            vec!["cron-job".into()],
            "cron",
            move |mut env| async move {
                let client = env.clients.pop().expect("one lock");
                let mut scheduler = Scheduler { period: settings.period, last: None };
                match client {
                    Client::Operator(mut operator) => loop {
                        let tick = scheduler.next(&env.ctx).await;
                        settings.mark_run(&mut env, operator.as_mut(), tick).await;
                    },
                    lock => {
                        let mut lock = WorkLock::new(lock, None, settings.pattern);
                        loop {
                            let tick = scheduler.next(&env.ctx).await;
                            settings.run_tick(&mut env, &mut lock, tick).await;
                        }
                    }
                }
            },
        );
    }

    fn figures(&self, history: &History, _metrics: &RunMetrics) -> Vec<Figure> {
        let ticks = cron_ticks(history);
        // Tick k is due at k periods of wall time (clients' clocks start at
        // zero); the last period's tick may still be running when the run ends.
        // Ticks due before the design's service was ready are not due: no
        // scheduler had started (`World::hold_clients`).
        let period = self.period.as_nanos();
        let settled = history.end().as_duration().saturating_sub(self.period);
        let last = (settled.as_nanos() / period) as i64;
        let ready = history.events.iter().find(|e| matches!(e.kind, EventKind::Ready)).map(|e| e.at.as_duration());
        let first = ready.map_or(1, |at| (at.as_nanos() / period) as i64 + 1);
        let due = (last - first + 1).max(0) as u64;
        let ran = ticks.run.iter().filter(|t| (first..=last).contains(t)).count() as u64;
        vec![
            Figure::new("ticks run %", if due == 0 { 0.0 } else { ran as f64 * 100.0 / due as f64 }),
            Figure::new("ticks run twice", ticks.run_twice as f64),
            Figure::new("ticks missed", due.saturating_sub(ran) as f64),
        ]
    }
}

impl Cron {
    async fn run_tick(&self, env: &mut ClientEnv, lock: &mut WorkLock, tick: i64) {
        let ctx = &env.ctx;
        let Some(token) = lock.acquire(ctx).await else { return };
        let locked_at = ctx.clock().monotonic();
        ctx.record(EventKind::CsEnter { locks: vec![] });
        ctx.sleep(draw(&mut env.rng, self.job)).await;
        let _ = env.resource.write(tick, token, None).await;
        ctx.record(EventKind::CsExit);
        // lockAtLeastFor: keep the lock until then, even when the job was quicker.
        let held = ctx.clock().monotonic() - locked_at;
        if held < self.at_least {
            ctx.sleep(self.at_least - held).await;
        }
        lock.release(ctx).await;
    }

    async fn mark_run(&self, env: &mut ClientEnv, operator: &mut dyn Operator, tick: i64) {
        let op = GuardedOp { update: Update::AdvanceTo(tick), compute: draw(&mut env.rng, self.job) };
        operate_recorded(&env.ctx, operator, op).await;
    }
}

/// A node's scheduler: fires tick k when its wall clock reaches k periods.
struct Scheduler {
    period: Duration,
    last: Option<i64>,
}

impl Scheduler {
    /// Wait for the next tick and return its number. A clock that jumped
    /// forward fires the tick it was waiting for at once and then the ticks
    /// its clock now reads (early, as far as the others are concerned); one
    /// that jumped back waits for its clock to pass the last tick it fired; a
    /// paused node fires the tick it was waiting for, late.
    async fn next(&mut self, ctx: &NodeCtx) -> i64 {
        let period = self.period.as_nanos() as i64;
        let now = ctx.clock().wall();
        let tick = (now / period + 1).max(self.last.map_or(1, |l| l + 1));
        loop {
            let now = ctx.clock().wall();
            if now >= tick * period {
                break;
            }
            ctx.sleep(Duration::from_nanos((tick * period - now) as u64)).await;
        }
        self.last = Some(tick);
        tick
    }
}
