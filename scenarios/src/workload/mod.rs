//! Workloads: the client loops that issue guarded operations (Jepsen's
//! generator + client seam), each with what "corrupted" means for it and the
//! figures that say how well it went.
//!
//! Each workload owns its corrupted effects as data, in its `corrupted`
//! module ([`effect::Effects`]: the kinds' names, the checker, how each
//! story ends), next to the client loop that writes what the checker reads;
//! sim and reports know none of them. Adding a workload takes its own
//! module(s) and one line in [`WORKLOADS`].
//!
//! A workload is configured once from the common settings (clients, the lock
//! pattern) and its own parameters (`--workload-param key=value`), then
//! deployed into each seed's world: it adds the protected resource and the
//! client nodes. Every lock-based design runs every workload; designs that
//! are not locks (optimistic, deterministic ordering) run only the workloads
//! made of single updates, and [`WorkloadInfo::unsupported`] says why not
//! the others.

pub mod cron;
pub mod effect;
pub mod inventory;
pub mod leader;
pub mod lock_use;
pub mod lost_update;
pub mod semaphore;
pub mod transfer;

use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Client, Connector, Design};
use algorithms::operator::{GuardedOp, Operated, Operator};
use algorithms::params::{ParamReader, ParamSpec, Params};
use algorithms::resource::{self, ResourceClient, ResourceConfig};
use sim::clock::ClockSettings;
use sim::history::{EventKind, History, NodeId, Op, Outcome, Role};
use sim::metrics::{Figure, RunMetrics};
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use effect::Effects;

/// A configured workload, ready to be deployed into any number of worlds.
pub trait Workload: Send + Sync {
    fn name(&self) -> &'static str;
    /// The corrupted effects it can suffer, with their checker and how
    /// their stories end (exclusion overlap is always checked).
    fn effects(&self) -> &'static Effects;
    /// Add the protected resource and the client nodes to `world`.
    fn deploy(&self, world: &World, design: Arc<dyn Connector>);
    /// Its own throughput and liveness figures, measured from the history
    /// (and the run's generic metrics, already measured from it).
    fn figures(&self, history: &History, metrics: &RunMetrics) -> Vec<Figure>;
    /// The protocol moments its clients mark for triggered faults when the
    /// design is a lock (every lock workload enters critical sections).
    fn marks(&self) -> &'static [&'static str] {
        &[sim::world::CS_ENTER]
    }
}

/// How clients acquire locks: the pattern and whether they re-enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub mode: AcquireMode,
    pub reentrant: bool,
}

/// Settings every workload shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Common {
    pub clients: u32,
    /// The inventory's starting stock.
    pub stock: i64,
    /// `None`: the workload's natural pattern.
    pub mode: Option<AcquireMode>,
    pub reentrant: bool,
}

impl Common {
    /// The pattern to use, `natural` unless the user chose one.
    pub fn pattern(&self, natural: AcquireMode) -> Pattern {
        Pattern { mode: self.mode.unwrap_or(natural), reentrant: self.reentrant }
    }
}

/// Builds a workload from the common settings and its own parameters.
type Configure = fn(&Common, &ParamReader) -> Result<Arc<dyn Workload>, String>;

/// A registered workload.
pub struct WorkloadInfo {
    pub name: &'static str,
    pub summary: &'static str,
    /// The acquire pattern it uses unless told otherwise, and why.
    pub natural_pattern: &'static str,
    pub params: &'static [ParamSpec],
    /// Why designs that are not locks cannot run it (`None`: they can).
    pub needs_a_lock: Option<&'static str>,
    configure: Configure,
}

impl WorkloadInfo {
    /// Why `design` cannot run this workload, if it cannot.
    pub fn unsupported(&self, design: &dyn Design) -> Option<String> {
        let why = self.needs_a_lock.filter(|_| !design.is_lock())?;
        Some(format!("{} cannot run workload '{}': {why}", design.name(), self.name))
    }

    pub fn configure(&self, common: &Common, params: &Params) -> Result<Arc<dyn Workload>, String> {
        (self.configure)(common, &ParamReader::for_workload(self.name, self.params, params)?)
    }
}

pub const WORKLOADS: &[&WorkloadInfo] =
    &[&inventory::INFO, &leader::INFO, &cron::INFO, &semaphore::INFO, &transfer::INFO];

/// The workload called `name`.
pub fn workload(name: &str) -> Result<&'static WorkloadInfo, String> {
    WORKLOADS.iter().copied().find(|w| w.name == name).ok_or_else(|| {
        let known: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
        format!("unknown workload '{name}' (known: {}; see `locksim list`)", known.join(", "))
    })
}

/// What a client node's loop gets: its context, the resource, its locks (one
/// client per lock name, in the order asked for) or its operator.
pub struct ClientEnv {
    pub ctx: NodeCtx,
    pub resource: ResourceClient,
    pub rng: SimRng,
    pub clients: Vec<Client>,
}

impl ClientEnv {
    /// Take this node's clients of the locks `names` (the names it connected
    /// with, in order) as work locks recorded under those names.
    pub fn take_locks(&mut self, names: &[String], pattern: Pattern) -> Vec<lock_use::WorkLock> {
        self.clients
            .drain(..)
            .zip(names)
            .map(|(c, name)| lock_use::WorkLock::new(c, Some(name.clone()), pattern))
            .collect()
    }
}

/// Client-side timeout of one resource request.
pub const RESOURCE_TIMEOUT: Duration = Duration::from_millis(100);

/// Add the resource and `count` client nodes named `client-<i>`; each
/// connects to the design once per name in `locks` and runs `body`.
pub fn deploy_clients<F, Fut>(
    world: &World,
    count: u32,
    resource: ResourceConfig,
    design: Arc<dyn Connector>,
    locks: Vec<String>,
    rng_stream: &'static str,
    body: F,
) where
    F: Fn(ClientEnv) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let resource_id: NodeId = resource::deploy(world, resource);
    for i in 0..count {
        let (design, body, locks) = (design.clone(), body.clone(), locks.clone());
        world.add_node(&format!("client-{i}"), Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let clients = locks.iter().map(|name| design.connect(&ctx, resource_id, name)).collect();
            let env = ClientEnv {
                resource: ResourceClient::new(ctx.clone(), resource_id, RESOURCE_TIMEOUT),
                rng: ctx.rng(rng_stream),
                ctx,
                clients,
            };
            // A design whose service is not up yet holds its clients
            // (`World::hold_clients`): the workload starts when it is ready.
            let body = body.clone();
            async move {
                env.ctx.world().clients_may_start().await;
                body(env).await
            }
        });
    }
}

/// A duration drawn uniformly from `lo..=hi`.
pub fn draw(rng: &mut SimRng, (lo, hi): (Duration, Duration)) -> Duration {
    Duration::from_nanos(rng.gen_range(lo.as_nanos() as u64..=hi.as_nanos() as u64))
}

/// `count` per second of `history`'s length.
pub fn rate(count: u64, history: &History) -> f64 {
    sim::metrics::per_second(count, history.end())
}

/// Run a guarded operation and record invoke and outcome.
pub async fn operate_recorded(ctx: &NodeCtx, operator: &mut dyn Operator, op: GuardedOp) -> Operated {
    ctx.record(EventKind::Invoke { op: Op::Operate, lock: None });
    let result = operator.run(op).await;
    let outcome = match result {
        Operated::Committed => Outcome::Ok,
        Operated::Declined | Operated::GaveUp => Outcome::Fail,
        Operated::Unknown => Outcome::Info,
    };
    ctx.record(EventKind::Complete { op: Op::Operate, outcome, token: None });
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_reads_exactly_the_parameters_it_declares() {
        let common = Common { clients: 5, stock: 100, mode: None, reentrant: false };
        for info in WORKLOADS {
            let none = Params::default();
            let reader = ParamReader::for_workload(info.name, info.params, &none).unwrap();
            (info.configure)(&common, &reader).unwrap_or_else(|e| panic!("{} with its defaults: {e}", info.name));
            assert_eq!(reader.undeclared_or_unread(), Vec::<String>::new(), "{}", info.name);
        }
    }
}
