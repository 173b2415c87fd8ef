//! Fault signals: the handlers nodes register for named, design-specific
//! stresses ([`crate::world::NodeCtx::on_signal`]) and which signals are raised now.
//!
//! A crash drops the node's handlers (its restarted incarnation registers
//! them again) but not the raised signals: a raised signal stays raised until
//! its fault ends it or healing does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::history::NodeId;

pub(crate) type SignalHandler = Arc<Mutex<dyn FnMut(bool) + Send>>;

#[derive(Default)]
pub(crate) struct Signals {
    handlers: BTreeMap<(NodeId, &'static str), SignalHandler>,
    /// Signals started and not yet ended, so healing can end them.
    raised: BTreeSet<(NodeId, String)>,
}

impl Signals {
    pub fn register(&mut self, node: NodeId, name: &'static str, handler: SignalHandler) {
        self.handlers.insert((node, name), handler);
    }

    pub fn handler(&self, node: NodeId, name: &str) -> Option<SignalHandler> {
        self.handlers.iter().find(|((n, s), _)| *n == node && *s == name).map(|(_, h)| h.clone())
    }

    pub fn raise(&mut self, node: NodeId, name: &str) {
        self.raised.insert((node, name.to_string()));
    }

    /// Whether the signal was raised (it is not any more).
    pub fn lower(&mut self, node: NodeId, name: &str) -> bool {
        self.raised.remove(&(node, name.to_string()))
    }

    /// A crashed node handles nothing.
    pub fn forget_node(&mut self, node: NodeId) {
        self.handlers.retain(|(n, _), _| *n != node);
    }

    /// Drop every handler (the end of a run): handlers hold node contexts,
    /// which hold the world.
    pub fn clear(&mut self) {
        self.handlers.clear();
    }
}
