//! The interface of designs that are not locks (DESIGN.md, "Extension
//! points"): instead of acquire -> operate -> release, the client runs the
//! workload's guarded operation on the protected resource itself, in whatever
//! way the design makes safe (compare-and-set, an agreed order).

use std::time::Duration;

use crate::lock::LockFuture;

/// A guarded operation: a pure function from the resource's current value to
/// the value to write (`None`: nothing to do, e.g. sold out), and how long the
/// client computes between reading and writing.
#[derive(Clone, Copy, Debug)]
pub struct GuardedOp {
    pub apply: fn(i64) -> Option<i64>,
    pub compute: Duration,
}

/// How a guarded operation ended (Jepsen's ok / fail / info, plus "declined").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operated {
    /// Applied exactly once.
    Committed,
    /// `apply` had nothing to do with the value it saw.
    Declined,
    /// Not applied: the design gave up (too many conflicts, unavailable).
    GaveUp,
    /// No answer: it may or may not have been applied.
    Unknown,
}

pub trait Operator {
    fn run(&mut self, op: GuardedOp) -> LockFuture<'_, Operated>;
}
