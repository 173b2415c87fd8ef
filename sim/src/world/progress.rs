//! The liveness phase's progress: when the fault phase ended, and how many
//! resource writes were accepted after that instant.
//!
//! The recorder feeds every event to [`Progress::observe`]. Only writes
//! judged strictly after the heal instant count: a resumed resource judges
//! the writes queued during a pause at that very instant, and those are not
//! progress made after healing.

use crate::history::{EventKind, WriteVerdict};
use crate::time::SimTime;

#[derive(Default)]
pub(crate) struct Progress {
    /// When [`crate::world::World::heal`] ended the fault phase.
    healed_at: Option<SimTime>,
    accepted_after_heal: u64,
}

impl Progress {
    /// Whether `kind` can count as progress (the recorder skips the lock otherwise).
    pub fn concerns(kind: &EventKind) -> bool {
        matches!(kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. })
    }

    pub fn observe(&mut self, at: SimTime, kind: &EventKind) {
        if let (EventKind::Write { verdict: WriteVerdict::Accepted, .. }, Some(healed_at)) = (kind, self.healed_at) {
            if at > healed_at {
                self.accepted_after_heal += 1;
            }
        }
    }

    pub fn heal_at(&mut self, at: SimTime) {
        self.healed_at = Some(at);
    }

    pub fn healed(&self) -> bool {
        self.healed_at.is_some()
    }

    /// Resource writes accepted after the instant of healing.
    pub fn accepted_after_heal(&self) -> u64 {
        self.accepted_after_heal
    }
}
