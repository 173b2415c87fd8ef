//! Corrupted effects as data: what a workload's resource can suffer, declared
//! by the workload itself (docs/ARCHITECTURE.md, "Extension points").
//!
//! A workload's [`Effects`] hold the checker that finds its corrupted effects
//! in a history (sim's [`judge`](sim::check::judge) runs it after the
//! exclusion-overlap checker) and, for every kind of violation it reports,
//! the kind's name (kebab-case, as reports and JSON show it) and how the
//! story of one ends (the narrative's [`Ending`]: its last clause, which
//! witness is the final write told last, and where each involved client's
//! part ends). sim and reports stay generic: neither decodes a workload's
//! writes; the workload's module is the one place that knows what its writes
//! mean.
//!
//! Promise: every violation an [`Effects::check`] returns is of a kind listed
//! in its [`Effects::kinds`].

pub use reports::narrative::{at, token, Ending, FinalWrite, PartEnd};
use sim::check::{Check, Violation};
use sim::history::{Event, History};

/// The corrupted effects one workload can suffer.
pub struct Effects {
    /// Finds them in a history, in the order they happened.
    pub check: Check,
    /// Every kind `check` reports, each with how the story of one ends.
    pub kinds: &'static [Ending],
}

/// The event at index `i` of `history`, if there is one.
pub fn event(history: &History, i: Option<usize>) -> Option<&Event> {
    i.and_then(|i| history.events.get(i))
}

/// The first witness of `v`, unless it is the final write itself (a
/// violation with a single witness has no earlier one).
pub fn earlier_witness<'h>(history: &'h History, v: &Violation, final_write: Option<usize>) -> Option<&'h Event> {
    event(history, v.events.first().copied().filter(|&i| Some(i) != final_write))
}
