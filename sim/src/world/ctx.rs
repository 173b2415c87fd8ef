//! What a node's tasks see of the world: their identity, clock, random
//! streams, durable state, fault signals and the recorder. Typed RPC is in
//! [`super::rpc`].

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::NodeClock;
use crate::history::{EventKind, NodeId};
use crate::rng::SimRng;

use super::nodes::DurableSlot;
use super::signals::SignalHandler;
use super::World;

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
    pub(super) world: World,
    pub(super) id: NodeId,
    incarnation: u32,
    pub(super) clock: Arc<NodeClock>,
    durable: Arc<DurableSlot>,
}

impl NodeCtx {
    pub(super) fn new(
        world: World,
        id: NodeId,
        incarnation: u32,
        clock: Arc<NodeClock>,
        durable: Arc<DurableSlot>,
    ) -> NodeCtx {
        NodeCtx { world, id, incarnation, clock, durable }
    }

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

    /// This node reached the protocol moment `mark` (a moment triggered faults
    /// may wait for, e.g. "bare-majority"); a design declares the marks it
    /// makes ([`crate::world::World::mark`]).
    pub fn mark(&self, mark: &str) {
        self.world.mark(self.id, mark);
    }

    /// Sleep for `d` as measured on this node's monotonic clock.
    pub async fn sleep(&self, d: Duration) {
        self.clock.sleep(d).await
    }

    /// Whether a crash has ever lost this node's disk. A server that must not
    /// forget (a raft log, a token counter) checks this at start: a slot
    /// re-created after the loss would look like a fresh disk from then on.
    pub fn disk_lost(&self) -> bool {
        self.world.nodes().disk_lost(self.id)
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
        self.world.signals().register(self.id, name, handler);
    }
}
