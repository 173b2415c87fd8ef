//! The lock client interface every lock-based design implements, and the
//! design registry's trait (docs/ARCHITECTURE.md, "Extension points").
//!
//! A design is configured once from validated parameters ([`Design::configure`]),
//! then deployed into each seed's world ([`Deployment::deploy`]), which adds its
//! servers and returns a [`Connector`] that gives every client node its own
//! [`LockClient`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sim::history::NodeId;
use sim::world::{NodeCtx, World};

use crate::operator::Operator;
use crate::params::{ParamReader, ParamSpec};

/// A future a lock client returns; clients run on one node, so no `Send`.
pub type LockFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// How long an acquire may keep trying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcquireMode {
    /// One attempt; return at once.
    Try,
    /// Retry until this much time has passed on the client's clock.
    Timeout(Duration),
    /// Retry until acquired.
    Blocking,
}

/// The outcome of an acquire (Jepsen's ok / fail / info).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// The client holds the lock; `token` is its fencing token, if the design issues one.
    Held { token: Option<u64> },
    /// The lock is held by someone else (or the attempt gave up): definitely not held.
    Busy,
    /// No answer: the lock may or may not be held by this client.
    Unknown,
}

/// The outcome of a release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Released {
    Released,
    /// The lock was no longer this client's (it had expired or been taken).
    NotHeld,
    /// No answer.
    Unknown,
}

pub trait LockClient {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired>;
    fn release(&mut self) -> LockFuture<'_, Released>;
    /// Re-check, on the client's own clock, that the lock is still valid right
    /// before acting on it (Redlock's validity time). `None`: the design makes
    /// no such check.
    fn check(&mut self) -> Option<bool> {
        None
    }
}

/// What a client node gets from a design: a lock, or (for designs that are
/// not locks) an operator that runs the guarded operation itself.
pub enum Client {
    Lock(Box<dyn LockClient>),
    Operator(Box<dyn Operator>),
}

/// Gives each client node its own client.
pub trait Connector: Send + Sync {
    /// A client of the lock called `lock` (a workload may use several: one per
    /// account, one per permit; each gets its own client). `resource` is the
    /// protected resource, for designs that operate on it directly.
    fn connect(&self, ctx: &NodeCtx, resource: NodeId, lock: &str) -> Client;
}

/// A configured design, ready to be deployed into any number of worlds.
pub trait Deployment: Send + Sync {
    /// Add the design's servers to `world`; clients connect through the result.
    fn deploy(&self, world: &World) -> Arc<dyn Connector>;
}

/// A locking design, registered by name.
pub trait Design: Send + Sync {
    fn name(&self) -> &'static str;
    /// One line for `locksim list`.
    fn summary(&self) -> &'static str;
    fn params(&self) -> &'static [ParamSpec];
    /// Whether clients get a lock (`Client::Lock`); designs that are not locks
    /// hand out operators and can run only workloads made of single updates.
    fn is_lock(&self) -> bool {
        true
    }
    /// The protocol moments its nodes mark for triggered faults
    /// ([`sim::world::NodeCtx::mark`]), besides those the workload marks.
    fn marks(&self) -> &'static [&'static str] {
        &[]
    }
    /// The calibration suite that checks its server model against a real
    /// server (`redis`, `postgres`; see the `calibration` crate), if any.
    fn calibrated_by(&self) -> Option<&'static str> {
        None
    }
    /// Read the parameters its table ([`Design::params`]) declares (by
    /// [`crate::configure`], which refuses unknown keys first).
    fn configure(&self, params: &ParamReader) -> Result<Arc<dyn Deployment>, String>;
}
