//! The message layer between nodes: loss, latency, services and calls in
//! flight, on madsim's executor and timers. Which links are cut is the
//! world's topology ([`crate::world::topology`]).
//!
//! Why not madsim's `Endpoint`: it sleeps a random 0–5 µs before every send
//! and after every receive, and madsim's `sleep` has a 1 ms floor, so each
//! round trip would carry about 4 ms of latency nobody configured, and a
//! reply that reached a paused node would lose to the caller's timeout on
//! resume. Latency is a figure locksim reports, so messages here take exactly
//! the latency drawn for them (at madsim's 1 ms timer resolution).
//!
//! Semantics (UDP-like, as seen by an RPC layer):
//! - each message is counted when sent, then lost with probability `loss` or
//!   on a link cut at that moment, else delivered after a latency drawn
//!   uniformly from the network settings (messages may overtake each other);
//! - a request runs as a task on the destination node, so a paused node
//!   serves it only after resuming, and a crash drops it;
//! - a request reaching a node that does not (or no longer) serve its type is
//!   dropped; a reply reaching a caller that stopped waiting is dropped.
//!
//! Deliveries run on a dedicated madsim node that faults never touch.

use rand::Rng;
use std::any::Any;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

use crate::history::NodeId;
use crate::rng::SimRng;

/// A request type and its reply. `NAME` identifies the service on a node.
pub trait Rpc: Send + 'static {
    type Reply: Send + 'static;
    const NAME: &'static str;
}

/// The longest one-way latency a scenario may ask for: a minute (network
/// settings and fault rules alike), far inside the nanosecond clocks.
pub const MAX_LATENCY_MS: u64 = 60_000;

/// The network's behaviour: per-message loss probability and one-way latency.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetworkSettings {
    pub loss: f64,
    pub latency_min: Duration,
    pub latency_max: Duration,
}

impl Default for NetworkSettings {
    /// A same-datacenter network: no loss, 1–3 ms one way (madsim's timers
    /// resolve no finer than 1 ms).
    fn default() -> Self {
        NetworkSettings { loss: 0.0, latency_min: Duration::from_millis(1), latency_max: Duration::from_millis(3) }
    }
}

pub(crate) type Payload = Box<dyn Any + Send>;
type ReplyFuture = Pin<Box<dyn Future<Output = Payload> + Send>>;
pub(crate) type Handler = Arc<Mutex<dyn FnMut(Payload) -> ReplyFuture + Send>>;

pub(crate) enum Envelope {
    Request { from: NodeId, call: u64, service: &'static str, body: Payload },
    Reply { call: u64, body: Payload },
}

/// The network's state: settings, services and calls in flight.
pub(crate) struct Net {
    settings: NetworkSettings,
    rng: SimRng,
    services: BTreeMap<(NodeId, &'static str), Handler>,
    /// Calls waiting for a reply: call id -> (caller, where to put the reply).
    waiting: BTreeMap<u64, (NodeId, oneshot::Sender<Payload>)>,
    next_call: u64,
    messages: u64,
}

impl Net {
    pub fn new(settings: NetworkSettings, rng: SimRng) -> Net {
        Net { settings, rng, services: BTreeMap::new(), waiting: BTreeMap::new(), next_call: 0, messages: 0 }
    }

    pub fn settings(&self) -> NetworkSettings {
        self.settings
    }

    pub fn set_settings(&mut self, settings: NetworkSettings) {
        self.settings = settings;
    }

    pub fn messages(&self) -> u64 {
        self.messages
    }

    pub fn serve(&mut self, node: NodeId, service: &'static str, handler: Handler) {
        self.services.insert((node, service), handler);
    }

    pub fn service(&self, node: NodeId, service: &'static str) -> Option<Handler> {
        self.services.get(&(node, service)).cloned()
    }

    /// Register a call by `caller`; the receiver yields its reply.
    pub fn open_call(&mut self, caller: NodeId) -> (u64, oneshot::Receiver<Payload>) {
        let call = self.next_call;
        self.next_call += 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.insert(call, (caller, tx));
        (call, rx)
    }

    pub fn forget_call(&mut self, call: u64) {
        self.waiting.remove(&call);
    }

    pub fn take_call(&mut self, call: u64) -> Option<oneshot::Sender<Payload>> {
        self.waiting.remove(&call).map(|(_, tx)| tx)
    }

    /// Drop every service and waiting call (the end of a run). Handlers hold
    /// node contexts, which hold the world: dropping them breaks that cycle.
    pub fn clear(&mut self) {
        self.services.clear();
        self.waiting.clear();
    }

    /// A crashed node serves nothing and waits for nothing.
    pub fn forget_node(&mut self, node: NodeId) {
        self.services.retain(|(n, _), _| *n != node);
        self.waiting.retain(|_, (caller, _)| *caller != node);
    }

    /// Count a message sent now on a link that is `connected` (or cut) and
    /// decide its fate: the latency after which it arrives, or `None` if it is lost.
    pub fn route(&mut self, connected: bool) -> Option<Duration> {
        self.messages += 1;
        let s = self.settings;
        // Draw for every message, so a cut link does not shift later draws.
        let lost = s.loss > 0.0 && self.rng.gen_bool(s.loss);
        let latency = self.rng.gen_range(s.latency_min..=s.latency_max.max(s.latency_min));
        (!lost && connected).then_some(latency)
    }
}
