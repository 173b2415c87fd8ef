//! The nodes' lifecycle: running, paused (pauses nest), down after a crash,
//! and what survives a crash (the durable slot, whether a disk was lost).
//!
//! This part only keeps the state and says which madsim node to act on; the
//! world makes the madsim calls after releasing it, because a restart runs
//! the node's factory at once and the factory may call back into the world.

use std::any::Any;
use std::sync::{Arc, Mutex};

use crate::history::NodeId;

/// What a node keeps across crashes that keep its disk.
pub(crate) type DurableSlot = Mutex<Option<Arc<dyn Any + Send + Sync>>>;

/// Indexed by node id; `None` for the world node, which runs no tasks.
#[derive(Default)]
pub(crate) struct Nodes {
    nodes: Vec<Option<Node>>,
}

struct Node {
    madsim: madsim::task::NodeId,
    durable: Arc<DurableSlot>,
    /// Nested pauses: the node resumes when the last one ends.
    pauses: u32,
    /// A crash has lost this node's disk at some point in the run.
    disk_lost: bool,
    /// Crashed and not restarted yet.
    down: bool,
}

impl Nodes {
    /// How many nodes there are (the next node gets this id).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Add the world node, which runs no tasks and no fault can target.
    pub fn add_world(&mut self) {
        self.nodes.push(None);
    }

    /// Add a running node.
    pub fn add(&mut self, madsim: madsim::task::NodeId, durable: Arc<DurableSlot>) {
        self.nodes.push(Some(Node { madsim, durable, pauses: 0, disk_lost: false, down: false }));
    }

    fn node(&mut self, id: NodeId) -> &mut Node {
        self.nodes[id.0 as usize].as_mut().expect("the world node cannot be targeted")
    }

    pub fn madsim_id(&mut self, id: NodeId) -> madsim::task::NodeId {
        self.node(id).madsim
    }

    /// Every node's madsim id, in id order (the world node has none).
    pub fn madsim_ids(&self) -> Vec<madsim::task::NodeId> {
        self.nodes.iter().flatten().map(|n| n.madsim).collect()
    }

    pub fn disk_lost(&mut self, id: NodeId) -> bool {
        self.node(id).disk_lost
    }

    /// One more pause; the madsim node to pause if this is the first.
    pub fn pause(&mut self, id: NodeId) -> Option<madsim::task::NodeId> {
        let n = self.node(id);
        n.pauses += 1;
        (n.pauses == 1).then_some(n.madsim)
    }

    /// End one pause; the madsim node to resume if none is left. (A node with
    /// no pause left, e.g. one a crash un-paused, is resumed again: harmless.)
    pub fn resume(&mut self, id: NodeId) -> Option<madsim::task::NodeId> {
        let n = self.node(id);
        n.pauses = n.pauses.saturating_sub(1);
        (n.pauses == 0).then_some(n.madsim)
    }

    /// End every pause at once (healing); the madsim node to resume if it was paused.
    pub fn end_pauses(&mut self, id: NodeId) -> Option<madsim::task::NodeId> {
        let n = self.node(id);
        let paused = n.pauses > 0;
        n.pauses = 0;
        paused.then_some(n.madsim)
    }

    /// Mark the node down (a killed node is paused no more); the madsim node
    /// to kill and its durable slot (for the caller to wipe when the disk is lost).
    pub fn crash(&mut self, id: NodeId, lose_state: bool) -> (madsim::task::NodeId, Arc<DurableSlot>) {
        let n = self.node(id);
        n.pauses = 0;
        n.down = true;
        n.disk_lost |= lose_state;
        (n.madsim, n.durable.clone())
    }

    /// Mark the node up; the madsim node to restart if it was down (a running
    /// node is left alone: restarting it would kill it unrecorded).
    pub fn restart(&mut self, id: NodeId) -> Option<madsim::task::NodeId> {
        let n = self.node(id);
        let was_down = n.down;
        n.down = false;
        // madsim restarts a node unpaused; pauses that began while it was down end here.
        n.pauses = 0;
        was_down.then_some(n.madsim)
    }
}
