//! The simulated world: nodes, their clocks, typed RPC between them, and the
//! history recorder.
//!
//! A node is a *factory* for its main future (as in turmoil): a crash drops all
//! its tasks and a restart calls the factory again. State that must survive a
//! crash lives in the node's durable slot ([`NodeCtx::durable`]), which the
//! world keeps across restarts and wipes when a crash loses state.
//!
//! The world composes parts, each its own module: the [`topology`] (cut
//! links), the [`clocks`], the [`nodes`]' lifecycle, the [`signals`], the
//! active faults ([`active`]) with their [`effect`]s and inverses, and two
//! observers the recorder feeds ([`occupancy`], [`progress`]). The world
//! itself orders the madsim calls those parts ask for.
//!
//! Promises: every node has its own [`NodeClock`], started apart from the
//! others by the world's [`ClockSpread`] (the world node's stays perfect);
//! every random stream is derived from the run seed ([`crate::rng`]); every
//! message is counted ([`crate::net`]); every fault is undone by the inverse
//! it filed, at its end or when the world heals; nothing here knows what a
//! lock is.

mod active;
mod clocks;
mod ctx;
mod effect;
mod nodes;
mod occupancy;
mod progress;
mod rpc;
mod signals;
pub mod topology;
mod triggers;

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock::{ClockSettings, ClockSpread, NodeClock};
use crate::history::{Event, EventKind, History, NodeId, NodeInfo, Role, MAX_EVENTS, TOO_LONG};
use crate::net::Net;
use crate::rng::{self, SimRng};
use crate::time::SimTime;

pub use crate::net::{NetworkSettings, Transport};
pub use ctx::{NodeCtx, RpcError};
pub use effect::{Effect, FaultId};
pub use topology::{Cut, Direction};
pub use triggers::CS_ENTER;

use active::ActiveFaults;
use clocks::Clocks;
use nodes::{DurableSlot, Nodes};
use occupancy::Occupancy;
use progress::Progress;
use signals::Signals;
use topology::Topology;
use triggers::Triggers;

/// The world node: records faults that target no single node, and the run's end.
pub const WORLD: NodeId = NodeId(0);

/// A cheap handle to the world of one run. Create it inside the run's runtime.
#[derive(Clone)]
pub struct World(Arc<Inner>);

/// The parts, each behind its own lock; no lock is held across a madsim call
/// (a restart runs the node's factory at once, and it may call back in).
struct Inner {
    seed: u64,
    /// How far apart the nodes' clocks start (each node draws its own).
    clock_spread: ClockSpread,
    nodes: Mutex<Nodes>,
    clocks: Mutex<Clocks>,
    topology: Mutex<Topology>,
    net: Mutex<Net>,
    signals: Mutex<Signals>,
    triggers: Mutex<Triggers>,
    faults: Mutex<ActiveFaults>,
    occupancy: Mutex<Occupancy>,
    progress: Mutex<Progress>,
    history: Mutex<History>,
    /// The server a design marks as the one clients depend on (fault target).
    primary: Mutex<Option<NodeId>>,
    /// Whether clients may start: held from [`World::hold_clients`] until
    /// [`World::report_ready`].
    ready: Mutex<Gate>,
    server_writes: AtomicU64,
    /// The most events the history may hold ([`MAX_EVENTS`]; tests lower it).
    event_limit: AtomicUsize,
    /// A madsim node that carries messages and runs the world's own tasks
    /// (the fault injector); faults never touch it.
    carrier: madsim::runtime::NodeHandle,
}

/// Whether clients may start. Not a `tokio::sync::watch`: its waiters are
/// spread over notifiers chosen by a thread-local random number, so the
/// order in which they wake (and so the history) would vary between runs.
#[derive(Default)]
enum Gate {
    #[default]
    Open,
    /// Held; the clients waiting, in the order they began to wait.
    Held(Vec<tokio::sync::oneshot::Sender<()>>),
}

fn locked<T>(part: &Mutex<T>) -> MutexGuard<'_, T> {
    part.lock().expect("a world part's lock poisoned")
}

impl World {
    /// A new world for `seed` on `network`, whose nodes' clocks start apart
    /// by up to `clocks` ([`ClockSpread::NONE`]: perfect clocks). Must be
    /// called inside the seed's madsim runtime.
    pub fn new(seed: u64, network: NetworkSettings, clocks: ClockSpread) -> World {
        let world = World(Arc::new(Inner {
            seed,
            clock_spread: clocks,
            nodes: Mutex::default(),
            clocks: Mutex::default(),
            topology: Mutex::default(),
            net: Mutex::new(Net::new(network, rng::stream(seed, "network"), rng::stream(seed, "network/retransmit"))),
            signals: Mutex::default(),
            triggers: Mutex::default(),
            faults: Mutex::default(),
            occupancy: Mutex::default(),
            progress: Mutex::default(),
            history: Mutex::default(),
            primary: Mutex::new(None),
            ready: Mutex::default(),
            server_writes: AtomicU64::new(0),
            event_limit: AtomicUsize::new(MAX_EVENTS),
            carrier: madsim::runtime::Handle::current().create_node().name("network").build(),
        }));
        world.nodes().add_world();
        // The world node's clock is perfect: it only stamps the world's own faults.
        world.clocks().add(ClockSettings::default());
        world.history().nodes.push(NodeInfo { name: "world".into(), role: Role::World });
        world
    }

    fn nodes(&self) -> MutexGuard<'_, Nodes> {
        locked(&self.0.nodes)
    }

    fn clocks(&self) -> MutexGuard<'_, Clocks> {
        locked(&self.0.clocks)
    }

    fn topology(&self) -> MutexGuard<'_, Topology> {
        locked(&self.0.topology)
    }

    fn net(&self) -> MutexGuard<'_, Net> {
        locked(&self.0.net)
    }

    fn signals(&self) -> MutexGuard<'_, Signals> {
        locked(&self.0.signals)
    }

    fn faults(&self) -> MutexGuard<'_, ActiveFaults> {
        locked(&self.0.faults)
    }

    fn progress(&self) -> MutexGuard<'_, Progress> {
        locked(&self.0.progress)
    }

    fn history(&self) -> MutexGuard<'_, History> {
        locked(&self.0.history)
    }

    /// The named random stream of this run (see [`crate::rng`]).
    pub fn rng(&self, stream: &str) -> SimRng {
        rng::stream(self.0.seed, stream)
    }

    /// Add a node whose main task is `main(ctx)`; it starts at once and again on
    /// every restart. Its clock starts from `clock` moved by an offset and a
    /// drift drawn from the world's clock spread, on the node's own stream
    /// `clocks/NAME` (so other nodes' draws do not depend on this one).
    pub fn add_node<F, Fut>(&self, name: &str, role: Role, clock: ClockSettings, main: F) -> NodeId
    where
        F: Fn(NodeCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let id = NodeId(self.node_count() as u32);
        let settings = self.0.clock_spread.draw(&mut self.rng(&format!("clocks/{name}")), clock);
        let clock = self.clocks().add(settings);
        let durable: Arc<DurableSlot> = Arc::new(Mutex::new(None));
        let incarnations = Arc::new(AtomicU32::new(0));
        let (world, node_durable) = (self.clone(), durable.clone());
        let main = Arc::new(main);
        let handle = madsim::runtime::Handle::current()
            .create_node()
            .name(name)
            .init(move || {
                let incarnation = incarnations.fetch_add(1, Ordering::Relaxed);
                main(NodeCtx::new(world.clone(), id, incarnation, clock.clone(), node_durable.clone()))
            })
            .build();
        self.nodes().add(handle.id(), durable);
        self.history().nodes.push(NodeInfo { name: name.into(), role });
        id
    }

    /// How many nodes the world has (the next node gets this id).
    pub fn node_count(&self) -> usize {
        self.nodes().len()
    }

    /// All nodes with `role`, in creation order.
    pub fn nodes_with_role(&self, role: Role) -> Vec<NodeId> {
        self.history().nodes.iter().enumerate().filter(|(_, n)| n.role == role).map(|(i, _)| NodeId(i as u32)).collect()
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        let history = self.history();
        history.nodes.iter().position(|n| n.name == name).map(|i| NodeId(i as u32))
    }

    pub fn node_name(&self, id: NodeId) -> String {
        self.history().node_name(id).to_string()
    }

    pub fn clock(&self, id: NodeId) -> Arc<NodeClock> {
        self.clocks().clock(id)
    }

    /// Record an event at the current global time, and let the observers see it.
    pub fn record(&self, node: NodeId, kind: EventKind) {
        let at = SimTime::now();
        // Most events concern neither observer: skip their locks on the hot path.
        if Occupancy::concerns(&kind) {
            locked(&self.0.occupancy).observe(node, &kind);
        }
        if Progress::concerns(&kind) {
            self.progress().observe(at, &kind);
        }
        let enters = matches!(kind, EventKind::CsEnter { .. });
        let mut history = self.history();
        let limit = self.0.event_limit.load(Ordering::Relaxed);
        if history.events.len() >= limit {
            drop(history);
            panic!(
                "{TOO_LONG} {limit} events (about {} MB) at {:.1} simulated s; shorten --duration or use fewer --clients",
                limit / 10_000,
                at.as_duration().as_secs_f64()
            );
        }
        history.events.push(Event { at, node, kind });
        drop(history);
        if enters {
            self.mark(node, CS_ENTER);
        }
    }

    /// Stop the run once the history holds `events` events (instead of
    /// [`MAX_EVENTS`]), as a test of the limit does.
    pub fn limit_events(&self, events: usize) {
        self.0.event_limit.store(events, Ordering::Relaxed);
    }

    /// `node` reached the protocol moment `mark` (see [`triggers`]): fire
    /// the faults waiting for it. Not recorded.
    pub fn mark(&self, node: NodeId, mark: &str) {
        locked(&self.0.triggers).mark(node, mark);
    }

    /// Wait for the next `mark` (by `by`, or by any node); resolves to the
    /// node that made it. Never resolves if the mark never comes.
    pub async fn next_mark(&self, mark: &str, by: Option<NodeId>) -> Option<NodeId> {
        let fired = locked(&self.0.triggers).arm(mark, by);
        fired.await.ok()
    }

    /// Clients inside their critical section now, in id order.
    pub fn clients_in_critical_section(&self) -> Vec<NodeId> {
        locked(&self.0.occupancy).inside()
    }

    /// A design whose service needs time before it can serve (a consensus
    /// ensemble electing its first leader) calls this while deploying:
    /// clients then start once it reports ready, as an application calls
    /// Curator's `blockUntilConnected` or waits for etcd before it schedules work.
    pub fn hold_clients(&self) {
        *locked(&self.0.ready) = Gate::Held(Vec::new());
    }

    /// The service is ready (the first report counts; the world records it).
    pub fn report_ready(&self) {
        let Gate::Held(waiting) = std::mem::replace(&mut *locked(&self.0.ready), Gate::Open) else {
            return;
        };
        self.record(WORLD, EventKind::Ready);
        // In the order the clients started waiting.
        for client in waiting {
            let _ = client.send(());
        }
    }

    /// Resolves once clients may start (at once unless a design holds them).
    pub async fn clients_may_start(&self) {
        let opened = match &mut *locked(&self.0.ready) {
            Gate::Open => return,
            Gate::Held(waiting) => {
                let (open, opened) = tokio::sync::oneshot::channel();
                waiting.push(open);
                opened
            }
        };
        let _ = opened.await;
    }

    /// How messages travel ([`Transport`]); set before the nodes start.
    pub fn set_transport(&self, transport: Transport) {
        self.net().set_transport(transport);
    }

    pub fn transport(&self) -> Transport {
        self.net().transport()
    }

    /// Messages sent so far (lost ones included).
    pub fn messages(&self) -> u64 {
        self.net().messages()
    }

    /// Mark `node` as the server clients currently depend on (a master, the
    /// database); faults aimed at `Target::Primary` hit it.
    pub fn set_primary(&self, node: NodeId) {
        *locked(&self.0.primary) = Some(node);
    }

    pub fn primary(&self) -> Option<NodeId> {
        *locked(&self.0.primary)
    }

    /// Run a task of the world itself (not of any node): it is never paused
    /// or crashed, and it ends with the run.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.0.carrier.spawn(task);
    }

    /// End the run: record the end event and hand back the history.
    ///
    /// Then tear the world down. madsim never frees a task still pending
    /// when its runtime is dropped, and every task holds the world, so a run
    /// would leak its whole world (megabytes per seed over a sweep). Killing
    /// every node wakes its tasks and madsim drops them; the handlers the
    /// world holds (which hold node contexts, which hold the world) are
    /// dropped too.
    pub async fn finish(&self) -> History {
        let server_writes = self.0.server_writes.load(Ordering::Relaxed);
        self.record(WORLD, EventKind::End { messages: self.messages(), server_writes });
        let history = std::mem::take(&mut *self.history());
        self.net().clear();
        self.signals().clear();
        locked(&self.0.triggers).clear();
        let handle = madsim::runtime::Handle::current();
        let ids = self.nodes().madsim_ids();
        ids.into_iter().chain([self.0.carrier.id()]).for_each(|id| handle.kill(id));
        // Let the executor see the killed tasks and drop them.
        madsim::time::sleep(Duration::from_millis(1)).await;
        history
    }

    /// End the fault phase: play the inverse of every fault still in effect
    /// (every paused node resumes, every crashed one restarts, every cut link
    /// and signal ends), bring every clock back to its starting drift and the
    /// network to its `base` settings, and record it. Clock jumps already
    /// taken stay (a clock is not stepped back); only a strobe's step away,
    /// which the strobe itself would have undone, is stepped back. Fault ends still pending
    /// afterwards do nothing ([`World::healed`], [`World::end_fault`]).
    pub fn heal(&self, base: NetworkSettings) {
        self.progress().heal_at(SimTime::now());
        let active = self.faults().take_all();
        let nodes = (1..self.node_count() as u32).map(NodeId);
        effect::heal(self, active, nodes, base);
        debug_assert!(self.topology().is_whole(), "every cut was filed with its inverse");
        self.record(WORLD, EventKind::Heal);
        // Triggered faults still waiting will never play: wake them to say so.
        locked(&self.0.triggers).clear();
    }

    /// Whether [`World::heal`] has ended the fault phase.
    pub fn healed(&self) -> bool {
        self.progress().healed()
    }

    /// Resource writes accepted after the instant of healing.
    pub fn progress_after_heal(&self) -> u64 {
        self.progress().accepted_after_heal()
    }

    pub fn network(&self) -> NetworkSettings {
        self.net().settings()
    }

    // The primitives the effects of faults are made of. They are not public:
    // a fault goes through `apply_fault`, so that it files its inverse.

    /// Change the whole network's loss rate and one-way latency range.
    fn set_network(&self, settings: NetworkSettings) {
        self.net().set_settings(settings);
    }

    /// Stop running the node's tasks (a GC or VM pause); pauses nest.
    fn pause(&self, id: NodeId) {
        let first = self.nodes().pause(id);
        if let Some(madsim_id) = first {
            madsim::runtime::Handle::current().pause(madsim_id);
        }
    }

    /// End one pause; the node runs again when no pause is left.
    fn resume(&self, id: NodeId) {
        let last = self.nodes().resume(id);
        if let Some(madsim_id) = last {
            madsim::runtime::Handle::current().resume(madsim_id);
        }
    }

    /// End every pause of the node at once.
    fn end_pauses(&self, id: NodeId) {
        let paused = self.nodes().end_pauses(id);
        if let Some(madsim_id) = paused {
            madsim::runtime::Handle::current().resume(madsim_id);
        }
    }

    /// Kill every task of the node; with `lose_state` its durable slot is wiped too.
    fn crash(&self, id: NodeId, lose_state: bool) {
        let (madsim_id, durable) = self.nodes().crash(id, lose_state);
        if lose_state {
            *durable.lock().expect("durable slot poisoned") = None;
        }
        self.net().forget_node(id);
        self.signals().forget_node(id);
        madsim::runtime::Handle::current().kill(madsim_id);
    }

    /// Start the node's main task again (after a crash). A node that is
    /// running (never crashed, or already restarted by an overlapping fault)
    /// is left alone. Whether it did restart.
    fn restart(&self, id: NodeId) -> bool {
        let down = self.nodes().restart(id);
        if let Some(madsim_id) = down {
            madsim::runtime::Handle::current().restart(madsim_id);
        }
        down.is_some()
    }

    /// Raise (`start`) or end signal `name` on `node`, and deliver it.
    fn signal(&self, node: NodeId, name: &str, start: bool) {
        if start {
            self.signals().raise(node, name);
        } else {
            self.signals().lower(node, name);
        }
        self.deliver_signal(node, name, start);
    }

    /// Deliver the start (`true`) or end of signal `name` to `node`'s handler,
    /// as a task on that node; a node with no such handler ignores it.
    fn deliver_signal(&self, node: NodeId, name: &str, start: bool) {
        let handler = self.signals().handler(node, name);
        let Some(handler) = handler else { return };
        let spawner = madsim::runtime::Handle::current()
            .get_node(self.madsim_id(node))
            .expect("every world node exists in madsim");
        spawner.spawn(async move { (handler.lock().expect("signal handler poisoned"))(start) });
    }

    fn madsim_id(&self, id: NodeId) -> madsim::task::NodeId {
        self.nodes().madsim_id(id)
    }
}
