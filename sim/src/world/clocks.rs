//! The world's clocks: one [`NodeClock`] per node (the world node's included),
//! and the drift each started with (its deployed settings plus what the
//! world drew for it, see [`crate::clock::ClockSpread`]).
//!
//! Faults change a clock's drift and step its wall reading; healing brings
//! every clock back to its starting drift (the drift a node was deployed
//! with is part of the deployment, not a fault) but never steps a wall clock
//! back: time a node has seen stays seen. The one exception is a strobe's
//! step away, which is part of a fault that always ends where it started.

use std::sync::Arc;

use crate::clock::{ClockSettings, NodeClock};
use crate::history::NodeId;

#[derive(Default)]
pub(crate) struct Clocks {
    /// Indexed by node id: the clock, and the drift it started with.
    clocks: Vec<(Arc<NodeClock>, i64)>,
}

impl Clocks {
    /// The clock of the next node, started from `settings`.
    pub fn add(&mut self, settings: ClockSettings) -> Arc<NodeClock> {
        let clock = Arc::new(NodeClock::new(settings));
        self.clocks.push((clock.clone(), settings.drift_ppm));
        clock
    }

    pub fn clock(&self, node: NodeId) -> Arc<NodeClock> {
        self.clocks[node.0 as usize].0.clone()
    }

    /// The drift `node`'s clock started with.
    pub fn base_drift(&self, node: NodeId) -> i64 {
        self.clocks[node.0 as usize].1
    }
}
