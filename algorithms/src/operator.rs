//! The interface of designs that are not locks (docs/ARCHITECTURE.md, "Extension
//! points"): instead of acquire -> operate -> release, the client runs the
//! workload's guarded operation on the protected resource itself, in whatever
//! way the design makes safe (compare-and-set, an agreed order).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::resource::Update;

/// A guarded operation: the update to make to the resource's value (it may
/// find nothing to do, e.g. sold out), and how long the client computes
/// between reading and writing.
#[derive(Clone, Copy, Debug)]
pub struct GuardedOp {
    pub update: Update,
    pub compute: Duration,
}

/// How a guarded operation ended (Jepsen's ok / fail / info, plus "declined").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operated {
    /// Applied exactly once.
    Committed,
    /// The update had nothing to do with the value it saw.
    Declined,
    /// Not applied: the design gave up (too many conflicts, unavailable).
    GaveUp,
    /// No answer: it may or may not have been applied.
    Unknown,
}

/// A future an operator returns; operators run on one node, so no `Send`.
pub type OperatorFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

pub trait Operator {
    fn run(&mut self, op: GuardedOp) -> OperatorFuture<'_, Operated>;
}
