//! `transfer`: each operation moves value between two accounts and must
//! hold both accounts' locks (two-resource critical section; the classic
//! deadlock).
//!
//! A client picks two distinct accounts and an amount, takes the two locks
//! (lowest account first with `ordering=true`, the global lock order that
//! prevents deadlock; source first otherwise), reads both balances, thinks,
//! writes both (each write names the version it read), and releases both.
//! If the second lock is not obtained (try or timeout pattern), it releases
//! the first and retries after an exponentially growing, fully jittered
//! backoff: timeouts break deadlocks at the price of retries.
//!
//! Corrupted: a lost update on an account ([`corrupted`]).
//! Deadlocks are found by the wait-for-graph checker ([`sim::deadlock`]).
//! Figures: transfers per second, deadlocks, deadlocks never broken, retries.

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Connector};
use algorithms::params::{ParamReader, ParamSpec, MAX_MS};
use algorithms::resource::{ResourceConfig, WriteRequest};
use sim::deadlock::{deadlocks, DeadlockEnd};
use sim::history::{EventKind, History};
use sim::metrics::{Figure, RunMetrics};
use sim::world::World;

use super::effect::Effects;
use super::lock_use::WorkLock;
use super::{deploy_clients, draw, rate, ClientEnv, Common, Pattern, Workload, WorkloadInfo};

pub mod corrupted;

pub const INFO: WorkloadInfo = WorkloadInfo {
    name: "transfer",
    summary:
        "move value between two accounts holding both locks; corrupted = lost update; without ordering it deadlocks",
    natural_pattern: "blocking (with ordering=false: deadlock; use --pattern timeout to break it)",
    params: PARAMS,
    needs_a_lock: Some(
        "a transfer updates two accounts at once; the resource offers no atomic update of two registers",
    ),
    configure,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec::count("accounts", 3, 2, 1000, "number of accounts (at least 2)"),
    ParamSpec::flag("ordering", true, "take the locks in one global order (prevents deadlock)"),
    ParamSpec::count("balance", 1000, 1, 1_000_000_000_000, "every account's starting balance"),
    ParamSpec::millis("backoff_ms", 20, 1, MAX_MS, "base of the jittered backoff after giving up"),
];

fn configure(common: &Common, p: &ParamReader) -> Result<Arc<dyn Workload>, String> {
    let accounts = p.count("accounts")?;
    Ok(Arc::new(Transfer {
        clients: common.clients,
        pattern: common.pattern(AcquireMode::Blocking),
        accounts: accounts as u32,
        ordering: p.flag("ordering")?,
        balance: p.count("balance")? as i64,
        backoff: p.millis("backoff_ms")?,
    }))
}

#[derive(Clone, Copy, Debug)]
pub struct Transfer {
    clients: u32,
    pattern: Pattern,
    accounts: u32,
    ordering: bool,
    balance: i64,
    backoff: Duration,
}

const THINK: (Duration, Duration) = (Duration::from_millis(5), Duration::from_millis(15));
const IDLE: (Duration, Duration) = (Duration::ZERO, Duration::from_millis(20));

impl Workload for Transfer {
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
        let names: Vec<String> = (0..self.accounts).map(|i| format!("account-{i}")).collect();
        let resource = ResourceConfig { initial: self.balance, registers: self.accounts, check_tokens: true };
        deploy_clients(world, self.clients, resource, design, names.clone(), "transfer", move |mut env| {
            let locks = env.take_locks(&names, settings.pattern);
            settings.client_loop(env, locks)
        });
    }

    fn figures(&self, history: &History, metrics: &RunMetrics) -> Vec<Figure> {
        let transfers = history.events.iter().filter(|e| matches!(e.kind, EventKind::CsExit)).count() as u64;
        let found = deadlocks(history);
        let never = found.iter().filter(|d| d.how == DeadlockEnd::Never).count();
        // Each acquire that gave up (fail or info) sends the transfer back to retry.
        let gave_up = metrics.give_ups();
        vec![
            Figure::new("transfers/s", rate(transfers, history)),
            Figure::new("deadlocks", found.len() as f64),
            Figure::new("deadlocks never broken", never as f64),
            Figure::new("retries", gave_up as f64),
        ]
    }
}

impl Transfer {
    async fn client_loop(self, env: ClientEnv, mut locks: Vec<WorkLock>) {
        let ClientEnv { ctx, resource, mut rng, .. } = env;
        ctx.sleep(draw(&mut rng, IDLE)).await;
        loop {
            let from = rng.gen_range(0..self.accounts as usize);
            let to = (from + rng.gen_range(1..self.accounts as usize)) % self.accounts as usize;
            let amount = rng.gen_range(1..=10);
            let (first, second) = if self.ordering && to < from { (to, from) } else { (from, to) };
            let mut failures = 0u32;
            let tokens = loop {
                if let Some(t1) = locks[first].acquire(&ctx).await {
                    if let Some(t2) = locks[second].acquire(&ctx).await {
                        break (t1, t2);
                    }
                    locks[first].release(&ctx).await;
                }
                failures += 1;
                let cap = self.backoff * 2u32.pow(failures.min(6));
                ctx.sleep(draw(&mut rng, (Duration::ZERO, cap))).await;
            };
            let token = |account: usize| if account == first { tokens.0 } else { tokens.1 };
            let names = vec![locks[first].name().to_string(), locks[second].name().to_string()];
            ctx.record(EventKind::CsEnter { locks: names });
            if let (Ok((a, va)), Ok((b, vb))) =
                (resource.read_fenced(from as u32, token(from)).await, resource.read_fenced(to as u32, token(to)).await)
            {
                ctx.sleep(draw(&mut rng, THINK)).await;
                if locks[first].still_valid(&ctx) && locks[second].still_valid(&ctx) {
                    let debit = WriteRequest {
                        key: from as u32,
                        value: a - amount,
                        token: token(from),
                        read_version: Some(va),
                        ..WriteRequest::default()
                    };
                    let credit = WriteRequest {
                        key: to as u32,
                        value: b + amount,
                        token: token(to),
                        read_version: Some(vb),
                        ..WriteRequest::default()
                    };
                    let _ = resource.send(debit).await;
                    let _ = resource.send(credit).await;
                }
            }
            ctx.record(EventKind::CsExit);
            locks[second].release(&ctx).await;
            locks[first].release(&ctx).await;
            ctx.sleep(draw(&mut rng, IDLE)).await;
        }
    }
}
