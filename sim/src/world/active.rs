//! The faults in effect now, each held as the inverses of what it changed.
//!
//! The injector applies a fault's effects through
//! [`crate::world::World::apply_fault`], which files their inverses here
//! under a [`FaultId`]; the fault's scheduled end takes them out and plays
//! them ([`crate::world::World::end_fault`]), and healing takes out and plays
//! every inverse still filed. Nothing else undoes a fault.

use std::collections::BTreeMap;

use super::effect::{FaultId, Inverse};

#[derive(Default)]
pub(crate) struct ActiveFaults {
    next: u64,
    /// By id, so in the order the faults started.
    active: BTreeMap<FaultId, Vec<Inverse>>,
}

impl ActiveFaults {
    /// File a fault's inverses (in the order its effects were applied).
    pub fn file(&mut self, inverses: Vec<Inverse>) -> FaultId {
        let id = FaultId(self.next);
        self.next += 1;
        if !inverses.is_empty() {
            self.active.insert(id, inverses);
        }
        id
    }

    /// The inverses of fault `id`, if it is still in effect.
    pub fn take(&mut self, id: FaultId) -> Option<Vec<Inverse>> {
        self.active.remove(&id)
    }

    /// Every inverse still filed, faults in start order.
    pub fn take_all(&mut self) -> Vec<Inverse> {
        std::mem::take(&mut self.active).into_values().flatten().collect()
    }
}
