//! `leader-election`: clients campaign for one lock; the holder is the
//! leader and does work stamped with its token (its term), then steps down
//! after its tenure and campaigns again later.
//!
//! Reference: the lock-based election of etcd's `concurrency.Election` and
//! Curator's `LeaderLatch`: campaign = acquire, resign = release; the
//! leader's term is its fencing token where the design issues one. The
//! natural pattern is try-lock: a follower that lost re-campaigns after a
//! pause (`campaign_every_ms`), as `LeaderLatch` re-checks on a watch.
//!
//! The leader checks before each unit of work that its tenure has not run
//! out (on its own clock) and that the lock is still valid where the design
//! can tell. Keep the tenure below the TTL of designs whose clients do not
//! renew (cache, database, redlock): with `tenure_ms` past the TTL the lock
//! expires under a working leader and a second one is elected, faults or not.
//!
//! Corrupted: work accepted from a deposed leader, i.e. after another client
//! was elected ([`corrupted`]); two leaders believing at once is the
//! exclusion overlap. Figures: accepted work per second, the share of time
//! with no leader (from the first election on) and the number of elections.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Connector};
use algorithms::params::{ParamReader, ParamSpec, MAX_MS};
use algorithms::resource::ResourceConfig;
use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId};
use sim::metrics::{Figure, RunMetrics};
use sim::time::SimTime;
use sim::world::World;

use super::effect::Effects;
use super::lock_use::WorkLock;
use super::{deploy_clients, draw, rate, ClientEnv, Common, Pattern, Workload, WorkloadInfo};

pub mod corrupted;

pub const INFO: WorkloadInfo = WorkloadInfo {
    name: "leader-election",
    summary: "clients campaign; the leader does token-stamped work; corrupted = work accepted from a deposed leader",
    natural_pattern: "try (campaign, and try again later when someone else leads)",
    params: PARAMS,
    needs_a_lock: Some("leadership is a lock held over time; an operator holds nothing between its updates"),
    configure,
};

const PARAMS: &[ParamSpec] = &[
    ParamSpec::millis(
        "tenure_ms",
        3000,
        1,
        MAX_MS,
        "how long a leader leads before it steps down (keep it below a TTL the design does not renew)",
    ),
    ParamSpec::millis("work_every_ms", 100, 1, MAX_MS, "the leader's interval between units of work"),
    ParamSpec::millis("campaign_every_ms", 200, 1, MAX_MS, "a follower's wait before campaigning again"),
];

fn configure(common: &Common, p: &ParamReader) -> Result<Arc<dyn Workload>, String> {
    Ok(Arc::new(LeaderElection {
        clients: common.clients,
        pattern: common.pattern(AcquireMode::Try),
        tenure: p.millis("tenure_ms")?,
        work_every: p.millis("work_every_ms")?,
        campaign_every: p.millis("campaign_every_ms")?,
    }))
}

#[derive(Clone, Copy, Debug)]
pub struct LeaderElection {
    clients: u32,
    pattern: Pattern,
    tenure: Duration,
    work_every: Duration,
    campaign_every: Duration,
}

/// Time spent building and sending a unit of work after the validity check.
const PREPARE: (Duration, Duration) = (Duration::from_millis(1), Duration::from_millis(5));

impl Workload for LeaderElection {
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
        let resource = ResourceConfig::single(0);
        deploy_clients(world, self.clients, resource, design, vec!["leader".into()], "leader", move |mut env| {
            let lock = WorkLock::new(env.clients.pop().expect("one lock"), None, settings.pattern);
            settings.client_loop(env, lock)
        });
    }

    fn figures(&self, history: &History, metrics: &RunMetrics) -> Vec<Figure> {
        // Every accepted write is a unit of the leader's work.
        let work = metrics.writes_accepted;
        let elections = history.events.iter().filter(|e| matches!(e.kind, EventKind::CsEnter { .. })).count();
        vec![
            Figure::new("work/s", rate(work, history)),
            Figure::new("leaderless %", leaderless_share(history) * 100.0),
            Figure::new("elections", elections as f64),
        ]
    }
}

impl LeaderElection {
    async fn client_loop(self, env: ClientEnv, mut lock: WorkLock) {
        let ClientEnv { ctx, resource, mut rng, .. } = env;
        let jitter = (Duration::ZERO, self.campaign_every);
        ctx.sleep(draw(&mut rng, jitter)).await;
        let mut work = 0i64;
        loop {
            let Some(token) = lock.acquire(&ctx).await else {
                ctx.sleep(self.campaign_every + draw(&mut rng, jitter)).await;
                continue;
            };
            ctx.record(EventKind::CsEnter { locks: vec![] });
            let elected = ctx.clock().monotonic();
            while ctx.clock().monotonic() - elected < self.tenure {
                if !lock.still_valid(&ctx) {
                    break; // the lease ran out: no longer leader
                }
                ctx.sleep(draw(&mut rng, PREPARE)).await;
                work += 1;
                let _ = resource.write(work, token, None).await;
                ctx.sleep(self.work_every).await;
            }
            ctx.record(EventKind::CsExit);
            lock.release(&ctx).await;
            ctx.sleep(self.campaign_every + draw(&mut rng, jitter)).await;
        }
    }
}

/// The share of time, from the first election to the end, when no client
/// believed it led (a crashed leader leads no more).
pub fn leaderless_share(history: &History) -> f64 {
    let mut leaders: std::collections::BTreeSet<NodeId> = Default::default();
    let (mut first, mut since_none, mut none_ns) = (None::<SimTime>, None::<SimTime>, 0u64);
    for e in &history.events {
        let before = leaders.len();
        match &e.kind {
            EventKind::CsEnter { .. } => {
                leaders.insert(e.node);
                first.get_or_insert(e.at);
            }
            EventKind::CsExit | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                leaders.remove(&e.node);
            }
            _ => continue,
        }
        if before > 0 && leaders.is_empty() {
            since_none = Some(e.at);
        } else if before == 0 && !leaders.is_empty() {
            if let Some(t) = since_none.take() {
                none_ns += e.at.0 - t.0;
            }
        }
    }
    let Some(first) = first else { return 1.0 };
    if let Some(t) = since_none {
        none_ns += history.end().0 - t.0;
    }
    let span = history.end().0.saturating_sub(first.0);
    if span == 0 {
        0.0
    } else {
        none_ns as f64 / span as f64
    }
}
