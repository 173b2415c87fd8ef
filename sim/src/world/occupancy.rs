//! Who is inside a critical section now, kept from the events as they are
//! recorded, so faults can aim at the holder ([`crate::fault::Target::Holder`]).
//!
//! The recorder feeds every event to [`Occupancy::observe`]; the world itself
//! knows nothing of critical sections.

use std::collections::BTreeSet;

use crate::history::{EventKind, FaultKind, FaultPhase, NodeId};

#[derive(Default)]
pub(crate) struct Occupancy {
    inside: BTreeSet<NodeId>,
}

impl Occupancy {
    /// Whether `kind` can change who is inside (the recorder skips the lock otherwise).
    pub fn concerns(kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::CsEnter { .. }
                | EventKind::CsExit
                | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. }
        )
    }

    pub fn observe(&mut self, node: NodeId, kind: &EventKind) {
        match kind {
            EventKind::CsEnter { .. } => {
                self.inside.insert(node);
            }
            // A client that crashed inside is out.
            EventKind::CsExit | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                self.inside.remove(&node);
            }
            _ => {}
        }
    }

    /// Clients inside their critical section now, in id order.
    pub fn inside(&self) -> Vec<NodeId> {
        self.inside.iter().copied().collect()
    }
}
