//! The message layer between nodes: transports, loss, latency, services and
//! calls in flight, on madsim's executor and timers. Which links are cut is
//! the world's topology ([`crate::world::topology`]).
//!
//! Why not madsim's `Endpoint`: it sleeps a random 0–5 µs before every send
//! and after every receive, and madsim's `sleep` has a 1 ms floor, so each
//! round trip would carry about 4 ms of latency nobody configured, and a
//! reply that reached a paused node would lose to the caller's timeout on
//! resume. Latency is a figure locksim reports, so messages here take exactly
//! the latency drawn for them (at madsim's 1 ms timer resolution).
//!
//! Two transports ([`Transport`]):
//! - **stream** (the default: every design's clients and servers talk over
//!   TCP, Redis, PostgreSQL, ZooKeeper and etcd alike): ordered, reliable
//!   connections where a lost segment, or one sent on a cut link, is
//!   retransmitted with Linux's backoff ([`streams`]); a caller's timeout
//!   makes the outcome unknown while the request may still arrive, in order;
//! - **datagram**: each message is lost with probability `loss` or on a link
//!   cut at that moment, else delivered after its latency, and may overtake
//!   an earlier one (UDP; kept for comparison: no design here uses it).
//!
//! On both, each message is counted once when sent (retransmissions are not
//! messages), its first transmission draws its loss and latency from the
//! `network` stream whatever else happens (so a fault does not shift later
//! draws; retransmissions draw from `network/retransmit`), a request runs as
//! a task on the destination node (a paused node serves it only after
//! resuming, a crash drops it), a request reaching a node that does not (or
//! no longer) serve its type is dropped, and a reply reaching a caller that
//! stopped waiting is dropped.
//!
//! Deliveries run on a dedicated madsim node that faults never touch.

pub mod streams;

use rand::Rng;
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

use crate::history::NodeId;
use crate::rng::SimRng;
use streams::{Connection, Streams, Way};

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
    Request { from: NodeId, call: u64, service: &'static str, body: Payload, connection: Connection },
    Reply { call: u64, body: Payload, connection: Connection },
}

impl Envelope {
    /// The connection it travels on, and which way.
    pub fn stream(&self) -> (Connection, Way) {
        match self {
            Envelope::Request { connection, .. } => (*connection, Way::Request),
            Envelope::Reply { connection, .. } => (*connection, Way::Reply),
        }
    }
}

/// A request that reached its node, waiting for the node to take it up.
pub(crate) struct Arrival {
    pub handler: Handler,
    pub body: Payload,
    pub from: NodeId,
    pub call: u64,
    pub connection: Connection,
}

/// A node's requests in the order they arrived, and whether a task of the
/// node is taking them up.
#[derive(Default)]
struct Inbox {
    queue: VecDeque<Arrival>,
    draining: bool,
}

/// How messages travel: see the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    #[default]
    Stream,
    Datagram,
}

/// The network's state: settings, services and calls in flight.
pub(crate) struct Net {
    settings: NetworkSettings,
    transport: Transport,
    rng: SimRng,
    retransmit_rng: SimRng,
    streams: Streams<Envelope>,
    inboxes: BTreeMap<NodeId, Inbox>,
    services: BTreeMap<(NodeId, &'static str), Handler>,
    /// Calls waiting for a reply: call id -> (caller, where to put the reply).
    waiting: BTreeMap<u64, (NodeId, oneshot::Sender<Payload>)>,
    next_call: u64,
    messages: u64,
}

impl Net {
    /// `rng` draws first transmissions, `retransmit_rng` the retransmissions.
    pub fn new(settings: NetworkSettings, rng: SimRng, retransmit_rng: SimRng) -> Net {
        Net {
            settings,
            transport: Transport::default(),
            rng,
            retransmit_rng,
            streams: Streams::default(),
            inboxes: BTreeMap::new(),
            services: BTreeMap::new(),
            waiting: BTreeMap::new(),
            next_call: 0,
            messages: 0,
        }
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    pub fn set_transport(&mut self, transport: Transport) {
        self.transport = transport;
    }

    pub fn streams(&mut self) -> &mut Streams<Envelope> {
        &mut self.streams
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
        self.streams = Streams::default();
        self.inboxes.clear();
    }

    /// Queue a request that reached `node`. True if no task of the node is
    /// taking up its requests: the caller starts one.
    pub fn enqueue(&mut self, node: NodeId, arrival: Arrival) -> bool {
        let inbox = self.inboxes.entry(node).or_default();
        inbox.queue.push_back(arrival);
        !std::mem::replace(&mut inbox.draining, true)
    }

    /// The node's next request; `None` when there is none (its task ends).
    pub fn next_arrival(&mut self, node: NodeId) -> Option<Arrival> {
        let inbox = self.inboxes.get_mut(&node)?;
        let next = inbox.queue.pop_front();
        inbox.draining = next.is_some();
        next
    }

    /// A crashed node serves nothing and waits for nothing.
    /// Its connections are reset, both ways.
    pub fn forget_node(&mut self, node: NodeId) {
        self.services.retain(|(n, _), _| *n != node);
        self.waiting.retain(|_, (caller, _)| *caller != node);
        self.streams.reset_node(node);
        self.inboxes.remove(&node);
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

    /// A retransmission of a segment on a link that is `connected` (or cut)
    /// now: its latency, or `None` if it is lost again. Not a new message.
    pub fn retransmit(&mut self, connected: bool) -> Option<Duration> {
        let s = self.settings;
        let lost = s.loss > 0.0 && self.retransmit_rng.gen_bool(s.loss);
        let latency = self.retransmit_rng.gen_range(s.latency_min..=s.latency_max.max(s.latency_min));
        (!lost && connected).then_some(latency)
    }
}
