//! The protected resource: a storage node holding one integer register.
//!
//! A write may carry a fencing token (Kleppmann, "How to do distributed
//! locking"; Chubby's sequencers): when fencing is on, the resource remembers
//! the highest token it has seen and rejects a write with a lower one. A write
//! may instead carry an expected version (compare-and-set). Every read and
//! every judged write is recorded in the history; the effect checkers read
//! those records, so the resource is where "corrupted" is observed.
//!
//! The register is durable: a crash of the resource node keeps it unless the
//! fault says state is lost.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use sim::clock::ClockSettings;
use sim::history::{EventKind, NodeId, Role, WriteVerdict};
use sim::net::Rpc;
use sim::world::{NodeCtx, RpcError, World};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceConfig {
    pub initial: i64,
    /// Reject writes whose fencing token is below the highest seen.
    pub check_tokens: bool,
}

#[derive(Debug)]
struct Register {
    value: i64,
    version: u64,
    highest_token: Option<u64>,
    /// Ordered operations: the sequence number applied next, and those that
    /// arrived ahead of it.
    next_seq: u64,
    early: BTreeMap<u64, (NodeId, OrderedOp)>,
}

/// An operation the resource applies itself, in an agreed order
/// (`deterministic-ordering`): it travels as data through a replicated log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderedOp {
    /// Decrement the value by one if it is positive (take one unit of stock).
    TakeOneIfPositive,
}

impl OrderedOp {
    pub fn apply(self, value: i64) -> Option<i64> {
        match self {
            OrderedOp::TakeOneIfPositive => (value > 0).then(|| value - 1),
        }
    }
}

/// Apply the operation numbered `seq` of an agreed order, exactly once and
/// in order: earlier numbers first, repeats ignored (several replicas forward
/// every operation). The reply acknowledges receipt.
#[derive(Debug)]
pub struct ApplyInOrder {
    pub seq: u64,
    pub client: NodeId,
    pub op: OrderedOp,
}

impl Rpc for ApplyInOrder {
    type Reply = ();
    const NAME: &'static str = "resource.apply-in-order";
}

#[derive(Debug)]
struct Read {
    client: NodeId,
}

impl Rpc for Read {
    type Reply = (i64, u64);
    const NAME: &'static str = "resource.read";
}

#[derive(Debug)]
struct Write {
    client: NodeId,
    value: i64,
    token: Option<u64>,
    expected_version: Option<u64>,
}

impl Rpc for Write {
    type Reply = WriteVerdict;
    const NAME: &'static str = "resource.write";
}

/// Add the resource node to `world`; returns its id for [`ResourceClient`]s.
pub fn deploy(world: &World, config: ResourceConfig) -> NodeId {
    world.add_node("resource", Role::Resource, ClockSettings::default(), move |ctx: NodeCtx| async move {
        let fresh = std::cell::Cell::new(false);
        let register = ctx.durable(|| {
            fresh.set(true);
            Mutex::new(Register {
                value: config.initial,
                version: 0,
                highest_token: None,
                next_seq: 1,
                early: BTreeMap::new(),
            })
        });
        if fresh.get() {
            ctx.record(EventKind::ResourceInit { value: config.initial });
        }
        let (reads, writes) = (register.clone(), register);
        let read_ctx = ctx.clone();
        ctx.serve(move |req: Read| {
            let r = reads.lock().expect("register poisoned");
            read_ctx.record(EventKind::Read { client: req.client, value: r.value, version: r.version });
            std::future::ready((r.value, r.version))
        });
        let (ordered, ordered_ctx) = (writes.clone(), ctx.clone());
        ctx.serve(move |req: ApplyInOrder| {
            apply_in_order(&mut ordered.lock().expect("register poisoned"), req, &ordered_ctx);
            std::future::ready(())
        });
        let write_ctx = ctx.clone();
        ctx.serve(move |req: Write| {
            let mut r = writes.lock().expect("register poisoned");
            let prev = r.value;
            let verdict = judge(&mut r, &req, config.check_tokens);
            write_ctx.record(EventKind::Write {
                client: req.client,
                prev,
                value: req.value,
                token: req.token,
                version: r.version,
                verdict,
            });
            std::future::ready(verdict)
        });
        std::future::pending::<()>().await
    })
}

/// Queue an ordered operation and apply every one now in sequence.
fn apply_in_order(r: &mut Register, req: ApplyInOrder, ctx: &NodeCtx) {
    if req.seq >= r.next_seq {
        r.early.insert(req.seq, (req.client, req.op));
    }
    while let Some((client, op)) = r.early.remove(&r.next_seq) {
        r.next_seq += 1;
        let Some(value) = op.apply(r.value) else { continue };
        let prev = std::mem::replace(&mut r.value, value);
        r.version += 1;
        let version = r.version;
        ctx.record(EventKind::Write { client, prev, value, token: None, version, verdict: WriteVerdict::Accepted });
    }
}

/// Decide a write and apply it if accepted.
fn judge(r: &mut Register, req: &Write, check_tokens: bool) -> WriteVerdict {
    if let (true, Some(token), Some(highest)) = (check_tokens, req.token, r.highest_token) {
        if token < highest {
            return WriteVerdict::StaleToken { highest };
        }
    }
    if let Some(expected) = req.expected_version {
        if expected != r.version {
            return WriteVerdict::VersionMismatch { current: r.version };
        }
    }
    if let Some(token) = req.token {
        r.highest_token = Some(r.highest_token.map_or(token, |h| h.max(token)));
    }
    r.value = req.value;
    r.version += 1;
    WriteVerdict::Accepted
}

/// A client's handle on the resource; every call is an RPC from the client's node.
pub struct ResourceClient {
    ctx: NodeCtx,
    resource: NodeId,
    timeout: Duration,
}

impl ResourceClient {
    pub fn new(ctx: NodeCtx, resource: NodeId, timeout: Duration) -> Self {
        ResourceClient { ctx, resource, timeout }
    }

    /// The current value and version.
    pub async fn read(&self) -> Result<(i64, u64), RpcError> {
        let req = Read { client: self.ctx.id() };
        self.ctx.call(self.resource, req, self.timeout).await
    }

    /// Write `value`, with the holder's fencing token and/or the version it expects.
    pub async fn write(
        &self,
        value: i64,
        token: Option<u64>,
        expected_version: Option<u64>,
    ) -> Result<WriteVerdict, RpcError> {
        let req = Write { client: self.ctx.id(), value, token, expected_version };
        self.ctx.call(self.resource, req, self.timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(value: i64, version: u64) -> Register {
        Register { value, version, highest_token: None, next_seq: 1, early: BTreeMap::new() }
    }

    fn write(value: i64, token: Option<u64>, expected_version: Option<u64>) -> Write {
        Write { client: NodeId(1), value, token, expected_version }
    }

    #[test]
    fn fencing_rejects_a_token_below_the_highest_seen() {
        let mut r = register(10, 0);
        assert_eq!(judge(&mut r, &write(9, Some(34), None), true), WriteVerdict::Accepted);
        assert_eq!(judge(&mut r, &write(8, Some(33), None), true), WriteVerdict::StaleToken { highest: 34 });
        assert_eq!(judge(&mut r, &write(8, Some(34), None), true), WriteVerdict::Accepted);
        assert_eq!((r.value, r.version), (8, 2));
        // With checking off, the stale token is accepted (what fencing buys).
        assert_eq!(judge(&mut r, &write(7, Some(1), None), false), WriteVerdict::Accepted);
    }

    #[test]
    fn compare_and_set_rejects_a_changed_version() {
        let mut r = register(10, 3);
        assert_eq!(judge(&mut r, &write(9, None, Some(2)), true), WriteVerdict::VersionMismatch { current: 3 });
        assert_eq!(judge(&mut r, &write(9, None, Some(3)), true), WriteVerdict::Accepted);
        assert_eq!(r.version, 4);
    }
}
