//! The simulated world: nodes, their clocks, typed RPC between them, and the
//! history recorder.
//!
//! A node is a *factory* for its main future (as in turmoil): a crash drops all
//! its tasks and a restart calls the factory again. State that must survive a
//! crash lives in the node's durable slot ([`NodeCtx::durable`]), which the
//! world keeps across restarts and wipes when a crash loses state.
//!
//! Promises: every node has its own [`NodeClock`]; every random stream is
//! derived from the run seed ([`crate::rng`]); every message is counted
//! ([`crate::net`]); nothing here knows what a lock is.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock::{ClockSettings, NodeClock};
use crate::history::{Event, EventKind, FaultKind, FaultPhase, History, NodeId, NodeInfo, Role, WriteVerdict};
use crate::net::{Envelope, Handler, Net, Payload, Rpc};
use crate::rng::{self, SimRng};
use crate::time::SimTime;

pub use crate::net::NetworkSettings;

/// The world node: records faults that target no single node, and the run's end.
pub const WORLD: NodeId = NodeId(0);

/// A cheap handle to the world of one run. Create it inside the run's runtime.
#[derive(Clone)]
pub struct World(Arc<Inner>);

struct Inner {
    seed: u64,
    nodes: Mutex<Vec<Node>>,
    history: Mutex<History>,
    net: Mutex<Net>,
    signals: Mutex<BTreeMap<(NodeId, &'static str), SignalHandler>>,
    /// The server a design marks as the one clients depend on (fault target).
    primary: Mutex<Option<NodeId>>,
    /// Clients inside their critical section now, kept as events are recorded
    /// (faults aimed at the holder read it).
    in_critical_section: Mutex<BTreeSet<NodeId>>,
    server_writes: AtomicU64,
    /// Signals started and not yet ended, so healing can end them.
    active_signals: Mutex<BTreeSet<(NodeId, String)>>,
    /// When the fault phase ended ([`World::heal`]; `u64::MAX` until then):
    /// only writes judged after that instant count as progress (a resumed
    /// resource judges writes queued during a pause at that instant).
    healed_at: AtomicU64,
    /// Accepted resource writes since healing (the liveness phase's progress).
    progress_after_heal: AtomicU64,
    /// A madsim node that carries messages and runs the world's own tasks
    /// (the fault injector); faults never touch it.
    carrier: madsim::runtime::NodeHandle,
}

struct Node {
    clock: Arc<NodeClock>,
    /// The drift the node started with (healing restores it).
    base_drift_ppm: i64,
    /// `None` for the world node, which runs no tasks.
    sim: Option<SimNode>,
}

struct SimNode {
    id: madsim::task::NodeId,
    durable: Arc<DurableSlot>,
    /// Nested pauses: the node resumes when the last one ends.
    pauses: u32,
    /// A crash has lost this node's disk at some point in the run.
    disk_lost: bool,
    /// Crashed and not restarted yet.
    down: bool,
}

type DurableSlot = Mutex<Option<Arc<dyn Any + Send + Sync>>>;
type SignalHandler = Arc<Mutex<dyn FnMut(bool) + Send>>;

impl World {
    /// A new world for `seed` on `network`. Must be called inside the seed's
    /// madsim runtime.
    pub fn new(seed: u64, network: NetworkSettings) -> World {
        let world = World(Arc::new(Inner {
            seed,
            nodes: Mutex::new(Vec::new()),
            history: Mutex::new(History::default()),
            net: Mutex::new(Net::new(network, rng::stream(seed, "network"))),
            signals: Mutex::new(BTreeMap::new()),
            primary: Mutex::new(None),
            in_critical_section: Mutex::new(BTreeSet::new()),
            server_writes: AtomicU64::new(0),
            active_signals: Mutex::new(BTreeSet::new()),
            healed_at: AtomicU64::new(u64::MAX),
            progress_after_heal: AtomicU64::new(0),
            carrier: madsim::runtime::Handle::current().create_node().name("network").build(),
        }));
        world.nodes().push(Node {
            clock: Arc::new(NodeClock::new(ClockSettings::default())),
            base_drift_ppm: 0,
            sim: None,
        });
        world.history().nodes.push(NodeInfo { name: "world".into(), role: Role::World });
        world
    }

    fn nodes(&self) -> MutexGuard<'_, Vec<Node>> {
        self.0.nodes.lock().expect("world lock poisoned")
    }

    fn history(&self) -> MutexGuard<'_, History> {
        self.0.history.lock().expect("history lock poisoned")
    }

    fn net(&self) -> MutexGuard<'_, Net> {
        self.0.net.lock().expect("network lock poisoned")
    }

    /// The named random stream of this run (see [`crate::rng`]).
    pub fn rng(&self, stream: &str) -> SimRng {
        rng::stream(self.0.seed, stream)
    }

    /// Add a node whose main task is `main(ctx)`; it starts at once and again on
    /// every restart.
    pub fn add_node<F, Fut>(&self, name: &str, role: Role, clock: ClockSettings, main: F) -> NodeId
    where
        F: Fn(NodeCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let mut nodes = self.nodes();
        let id = NodeId(nodes.len() as u32);
        let base_drift_ppm = clock.drift_ppm;
        let clock = Arc::new(NodeClock::new(clock));
        let durable: Arc<DurableSlot> = Arc::new(Mutex::new(None));
        let incarnations = Arc::new(AtomicU32::new(0));
        let (world, node_clock, node_durable) = (self.clone(), clock.clone(), durable.clone());
        let main = Arc::new(main);
        let handle = madsim::runtime::Handle::current()
            .create_node()
            .name(name)
            .init(move || {
                let incarnation = incarnations.fetch_add(1, Ordering::Relaxed);
                let ctx = NodeCtx {
                    world: world.clone(),
                    id,
                    incarnation,
                    clock: node_clock.clone(),
                    durable: node_durable.clone(),
                };
                main(ctx)
            })
            .build();
        let sim = SimNode { id: handle.id(), durable, pauses: 0, disk_lost: false, down: false };
        nodes.push(Node { clock, base_drift_ppm, sim: Some(sim) });
        drop(nodes);
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
        self.nodes()[id.0 as usize].clock.clone()
    }

    /// Record an event at the current global time.
    pub fn record(&self, node: NodeId, kind: EventKind) {
        let at = SimTime::now();
        match &kind {
            EventKind::CsEnter { .. } => {
                self.inside().insert(node);
            }
            // A client that crashed inside is out.
            EventKind::CsExit | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                self.inside().remove(&node);
            }
            EventKind::Write { verdict: WriteVerdict::Accepted, .. }
                if at.0 > self.0.healed_at.load(Ordering::Relaxed) =>
            {
                self.0.progress_after_heal.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        self.history().events.push(Event { at, node, kind });
    }

    fn inside(&self) -> MutexGuard<'_, BTreeSet<NodeId>> {
        self.0.in_critical_section.lock().expect("critical-section set poisoned")
    }

    /// Clients inside their critical section now, in id order.
    pub fn clients_in_critical_section(&self) -> Vec<NodeId> {
        self.inside().iter().copied().collect()
    }

    /// Messages sent so far (lost ones included).
    pub fn messages(&self) -> u64 {
        self.net().messages()
    }

    /// Mark `node` as the server clients currently depend on (a master, the
    /// database); faults aimed at `Target::Primary` hit it.
    pub fn set_primary(&self, node: NodeId) {
        *self.0.primary.lock().expect("primary lock poisoned") = Some(node);
    }

    pub fn primary(&self) -> Option<NodeId> {
        *self.0.primary.lock().expect("primary lock poisoned")
    }

    /// Deliver the start (`true`) or end of signal `name` to `node`'s handler,
    /// as a task on that node; a node with no such handler ignores it.
    pub fn signal(&self, node: NodeId, name: &str, start: bool) {
        let mut active = self.0.active_signals.lock().expect("signals poisoned");
        if start {
            active.insert((node, name.to_string()));
        } else {
            active.remove(&(node, name.to_string()));
        }
        drop(active);
        let handler = self
            .0
            .signals
            .lock()
            .expect("signals poisoned")
            .iter()
            .find(|((n, s), _)| *n == node && *s == name)
            .map(|(_, h)| h.clone());
        let Some(handler) = handler else { return };
        let spawner = madsim::runtime::Handle::current()
            .get_node(self.madsim_id(node))
            .expect("every world node exists in madsim");
        spawner.spawn(async move { (handler.lock().expect("signal handler poisoned"))(start) });
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
        self.0.signals.lock().expect("signals poisoned").clear();
        let handle = madsim::runtime::Handle::current();
        let ids: Vec<_> = self.nodes().iter().filter_map(|n| n.sim.as_ref().map(|s| s.id)).collect();
        ids.into_iter().chain([self.0.carrier.id()]).for_each(|id| handle.kill(id));
        // Let the executor see the killed tasks and drop them.
        madsim::time::sleep(Duration::from_millis(1)).await;
        history
    }

    fn sim_node<T>(&self, id: NodeId, f: impl FnOnce(&mut SimNode) -> T) -> T {
        let mut nodes = self.nodes();
        let node = nodes[id.0 as usize].sim.as_mut().expect("the world node cannot be targeted");
        f(node)
    }

    fn madsim_id(&self, id: NodeId) -> madsim::task::NodeId {
        self.sim_node(id, |n| n.id)
    }

    /// Stop running the node's tasks (a GC or VM pause); pauses nest.
    pub fn pause(&self, id: NodeId) {
        if self.sim_node(id, |n| {
            n.pauses += 1;
            n.pauses == 1
        }) {
            madsim::runtime::Handle::current().pause(self.madsim_id(id));
        }
    }

    /// End one pause; the node runs again when no pause is left.
    pub fn resume(&self, id: NodeId) {
        if self.sim_node(id, |n| {
            n.pauses = n.pauses.saturating_sub(1);
            n.pauses == 0
        }) {
            madsim::runtime::Handle::current().resume(self.madsim_id(id));
        }
    }

    /// Kill every task of the node; with `lose_state` its durable slot is wiped too.
    pub fn crash(&self, id: NodeId, lose_state: bool) {
        let (madsim_id, durable) = self.sim_node(id, |n| {
            n.pauses = 0;
            n.down = true;
            n.disk_lost |= lose_state;
            (n.id, n.durable.clone())
        });
        if lose_state {
            *durable.lock().expect("durable slot poisoned") = None;
        }
        self.net().forget_node(id);
        self.0.signals.lock().expect("signals poisoned").retain(|(n, _), _| *n != id);
        madsim::runtime::Handle::current().kill(madsim_id);
    }

    /// Start the node's main task again (after a crash).
    /// A node that is running (never crashed, or already restarted by an
    /// overlapping fault) is left alone: restarting it would kill it unrecorded.
    /// Whether it did restart.
    pub fn restart(&self, id: NodeId) -> bool {
        let was_down = self.sim_node(id, |n| {
            let was_down = n.down;
            n.down = false;
            // madsim restarts a node unpaused; pauses that began while it was down end here.
            n.pauses = 0;
            was_down
        });
        if was_down {
            madsim::runtime::Handle::current().restart(self.madsim_id(id));
        }
        was_down
    }

    /// End the fault phase: resume every paused node, restart every crashed
    /// one, restore every link, the network's `base` settings and every
    /// clock's starting drift, end every signal, and record it. Clock jumps
    /// already taken stay (a clock is not stepped back). Fault actions still
    /// pending afterwards do nothing ([`World::healed`]).
    pub fn heal(&self, base: NetworkSettings) {
        self.0.healed_at.store(SimTime::now().0, Ordering::Relaxed);
        let count = self.node_count();
        for id in (1..count as u32).map(NodeId) {
            let (paused, down) = self.sim_node(id, |n| {
                let paused = n.pauses > 0;
                n.pauses = 0;
                (paused, n.down)
            });
            if paused {
                madsim::runtime::Handle::current().resume(self.madsim_id(id));
            }
            if down {
                self.restart(id);
            }
            let (clock, drift) = {
                let nodes = self.nodes();
                (nodes[id.0 as usize].clock.clone(), nodes[id.0 as usize].base_drift_ppm)
            };
            clock.set_drift(drift);
        }
        let signals = std::mem::take(&mut *self.0.active_signals.lock().expect("signals poisoned"));
        for (node, name) in signals {
            self.signal(node, &name, false);
        }
        let mut net = self.net();
        net.heal_links();
        net.set_settings(base);
        drop(net);
        self.record(WORLD, EventKind::Heal);
    }

    /// Whether [`World::heal`] has ended the fault phase.
    pub fn healed(&self) -> bool {
        self.0.healed_at.load(Ordering::Relaxed) != u64::MAX
    }

    /// Resource writes accepted after the instant of healing.
    pub fn progress_after_heal(&self) -> u64 {
        self.0.progress_after_heal.load(Ordering::Relaxed)
    }

    /// Cut (or restore) every link between `a` and `b`, both directions. Cuts nest.
    pub fn set_link(&self, a: NodeId, b: NodeId, connected: bool) {
        let mut net = self.net();
        net.set_link(a, b, connected);
        net.set_link(b, a, connected);
    }

    /// Change the whole network's loss rate and one-way latency range.
    pub fn set_network(&self, settings: NetworkSettings) {
        self.net().set_settings(settings);
    }

    pub fn network(&self) -> NetworkSettings {
        self.net().settings()
    }

    /// Send `envelope` from `from` to `to` through the network.
    fn transmit(&self, from: NodeId, to: NodeId, envelope: Envelope) {
        let Some(latency) = self.net().route(from, to) else {
            return;
        };
        let world = self.clone();
        self.0.carrier.spawn(async move {
            madsim::time::sleep(latency).await;
            world.deliver(to, envelope);
        });
    }

    fn deliver(&self, to: NodeId, envelope: Envelope) {
        match envelope {
            Envelope::Reply { call, body } => {
                if let Some(waiter) = self.net().take_call(call) {
                    let _ = waiter.send(body);
                }
            }
            Envelope::Request { from, call, service, body } => {
                let Some(handler) = self.net().service(to, service) else {
                    return;
                };
                let node = madsim::runtime::Handle::current()
                    .get_node(self.madsim_id(to))
                    .expect("every world node exists in madsim");
                let world = self.clone();
                // The handler runs on the destination node: paused with it, killed with it.
                node.spawn(async move {
                    let reply = (handler.lock().expect("handler poisoned"))(body);
                    let body = reply.await;
                    world.transmit(to, from, Envelope::Reply { call, body });
                });
            }
        }
    }
}

/// Why an RPC gave no answer. The caller cannot tell whether the request took
/// effect (Jepsen's `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcError {
    /// No reply within the timeout, as measured on the caller's clock.
    Timeout,
}

/// What a node's tasks see of the world: their identity, clock, RPC and history.
#[derive(Clone)]
pub struct NodeCtx {
    world: World,
    id: NodeId,
    incarnation: u32,
    clock: Arc<NodeClock>,
    durable: Arc<DurableSlot>,
}

impl NodeCtx {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn clock(&self) -> &NodeClock {
        &self.clock
    }

    /// How many times this node has been restarted.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// A random stream private to this node, incarnation and purpose, so a
    /// restarted node does not repeat the values it drew before.
    pub fn rng(&self, purpose: &str) -> SimRng {
        let name = format!("node-{}/{}/{}", self.id.0, self.incarnation, purpose);
        self.world.rng(&name)
    }

    pub fn record(&self, kind: EventKind) {
        self.world.record(self.id, kind);
    }

    /// Sleep for `d` as measured on this node's monotonic clock.
    pub async fn sleep(&self, d: Duration) {
        self.clock.sleep(d).await
    }

    /// Whether a crash has ever lost this node's disk. A server that must not
    /// forget (a raft log, a token counter) checks this at start: a slot
    /// re-created after the loss would look like a fresh disk from then on.
    pub fn disk_lost(&self) -> bool {
        self.world.sim_node(self.id, |n| n.disk_lost)
    }

    /// The node's durable state: created by `init` on first use, kept across
    /// crashes that keep state, and created afresh after one that loses it.
    pub fn durable<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut slot = self.durable.lock().expect("durable slot poisoned");
        if let Some(existing) = slot.as_ref().and_then(|s| s.clone().downcast::<T>().ok()) {
            return existing;
        }
        let fresh = Arc::new(init());
        *slot = Some(fresh.clone());
        fresh
    }

    /// Count one state change applied by this (lock server) node.
    pub fn count_server_write(&self) {
        self.world.0.server_writes.fetch_add(1, Ordering::Relaxed);
    }

    /// Handle the start (`true`) and end (`false`) of fault signal `name`
    /// (e.g. "memory-pressure"), a way for faults to stress a design-specific
    /// mechanism without the injector knowing the design.
    pub fn on_signal(&self, name: &'static str, handler: impl FnMut(bool) + Send + 'static) {
        let handler: SignalHandler = Arc::new(Mutex::new(handler));
        self.world.0.signals.lock().expect("signals poisoned").insert((self.id, name), handler);
    }

    /// Send `req` to node `to` and wait for its reply for at most `timeout` of
    /// this node's clock.
    pub async fn call<R: Rpc>(&self, to: NodeId, req: R, timeout: Duration) -> Result<R::Reply, RpcError> {
        let (call, reply) = self.world.net().open_call(self.id);
        let request = Envelope::Request { from: self.id, call, service: R::NAME, body: Box::new(req) };
        self.world.transmit(self.id, to, request);
        match self.clock.timeout(timeout, reply).await {
            Ok(Ok(body)) => Ok(*body.downcast::<R::Reply>().expect("reply has the service's reply type")),
            _ => {
                self.world.net().forget_call(call);
                Err(RpcError::Timeout)
            }
        }
    }

    /// Serve requests of type `R` on this node with `handler`, one task per
    /// request. The handler runs when the request arrives (not while the node
    /// is paused) and its future's output is the reply.
    pub fn serve<R, F, Fut>(&self, mut handler: F)
    where
        R: Rpc,
        F: FnMut(R) -> Fut + Send + 'static,
        Fut: Future<Output = R::Reply> + Send + 'static,
    {
        let erased: Handler = Arc::new(Mutex::new(move |body: Payload| {
            let req = *body.downcast::<R>().expect("request has the service's type");
            let reply = handler(req);
            Box::pin(async move { Box::new(reply.await) as Payload }) as Pin<Box<dyn Future<Output = Payload> + Send>>
        }));
        self.world.net().serve(self.id, R::NAME, erased);
    }
}
