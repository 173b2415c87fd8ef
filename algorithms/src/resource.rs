//! The protected resource: a storage node holding integer registers (one
//! for most workloads; one per account for `transfer`, one per permit for
//! `semaphore`).
//!
//! A write may carry a fencing token (Kleppmann, "How to do distributed
//! locking"; Chubby's sequencers): when fencing is on, the resource remembers
//! the highest token it has seen on each register, on reads under the lock
//! as on writes, and rejects a write with a lower one. A write
//! may instead carry an expected version (compare-and-set). Every read and
//! every judged write is recorded in the history; the effect checkers read
//! those records, so the resource is where "corrupted" is observed.
//!
//! The register is durable: a crash of the resource node keeps it unless the
//! fault says state is lost.
//!
//! Transport: clients reach it over TCP-like connections (`sim::net`), so a
//! write whose call timed out is not lost: it may land later, after the lock
//! has moved on, which is the delayed write fencing tokens exist for.

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
    /// Every register's starting value.
    pub initial: i64,
    /// How many registers (keys 0..registers); most workloads use one.
    pub registers: u32,
    /// Reject writes whose fencing token is below the highest seen on that register.
    pub check_tokens: bool,
}

impl ResourceConfig {
    /// One register starting at `initial`, fencing on.
    pub fn single(initial: i64) -> ResourceConfig {
        ResourceConfig { initial, registers: 1, check_tokens: true }
    }
}

#[derive(Debug)]
struct Register {
    value: i64,
    version: u64,
    highest_token: Option<u64>,
}

#[derive(Debug)]
struct Store {
    registers: Vec<Register>,
    /// Ordered operations: the sequence number applied next, and those that
    /// arrived ahead of it.
    next_seq: u64,
    early: BTreeMap<u64, (NodeId, Update)>,
}

/// An update the resource (or a design, on the value it read) computes from a
/// register's current value. It is data, not a closure, so it can travel
/// through a replicated log (`deterministic-ordering`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Update {
    /// Decrement the value by one if it is positive (take one unit of stock).
    TakeOneIfPositive,
    /// Raise the value to this if it is lower (mark a cron tick as run).
    AdvanceTo(i64),
}

impl Update {
    /// The value to write, or `None` when there is nothing to do.
    pub fn apply(self, value: i64) -> Option<i64> {
        match self {
            Update::TakeOneIfPositive => (value > 0).then(|| value - 1),
            Update::AdvanceTo(target) => (value < target).then_some(target),
        }
    }
}

/// Apply the update numbered `seq` of an agreed order to register 0, exactly
/// once and in order: earlier numbers first, repeats ignored (several
/// replicas forward every operation). The reply acknowledges receipt.
#[derive(Debug)]
pub struct ApplyInOrder {
    pub seq: u64,
    pub client: NodeId,
    pub op: Update,
}

impl Rpc for ApplyInOrder {
    type Reply = ();
    const NAME: &'static str = "resource.apply-in-order";
}

#[derive(Debug)]
struct Read {
    client: NodeId,
    key: u32,
    /// The reader's fencing token: a read under a lock fences older holders too.
    token: Option<u64>,
}

impl Rpc for Read {
    type Reply = (i64, u64);
    const NAME: &'static str = "resource.read";
}

#[derive(Debug)]
struct Write {
    client: NodeId,
    key: u32,
    value: i64,
    token: Option<u64>,
    expected_version: Option<u64>,
    read_version: Option<u64>,
}

impl Rpc for Write {
    type Reply = WriteVerdict;
    const NAME: &'static str = "resource.write";
}

/// Add the resource node to `world`; returns its id for [`ResourceClient`]s.
pub fn deploy(world: &World, config: ResourceConfig) -> NodeId {
    assert!(config.registers >= 1, "the resource needs a register");
    world.add_node("resource", Role::Resource, ClockSettings::default(), move |ctx: NodeCtx| async move {
        let fresh = std::cell::Cell::new(false);
        let store = ctx.durable(|| {
            fresh.set(true);
            let fresh_register = || Register { value: config.initial, version: 0, highest_token: None };
            Mutex::new(Store {
                registers: (0..config.registers).map(|_| fresh_register()).collect(),
                next_seq: 1,
                early: BTreeMap::new(),
            })
        });
        if fresh.get() {
            ctx.record(EventKind::ResourceInit { value: config.initial, registers: config.registers });
        }
        let (reads, writes) = (store.clone(), store);
        let read_ctx = ctx.clone();
        ctx.serve(move |req: Read| {
            let mut store = reads.lock().expect("store poisoned");
            if let Some(r) = store.registers.get_mut(req.key as usize) {
                fence_read(r, req.token, config.check_tokens);
            }
            // An unknown key reads as a fresh register (never written).
            let (value, version) =
                store.registers.get(req.key as usize).map_or((config.initial, 0), |r| (r.value, r.version));
            read_ctx.record(EventKind::Read { client: req.client, value, version, key: req.key });
            std::future::ready((value, version))
        });
        let (ordered, ordered_ctx) = (writes.clone(), ctx.clone());
        ctx.serve(move |req: ApplyInOrder| {
            apply_in_order(&mut ordered.lock().expect("store poisoned"), req, &ordered_ctx);
            std::future::ready(())
        });
        let write_ctx = ctx.clone();
        ctx.serve(move |req: Write| {
            let mut store = writes.lock().expect("store poisoned");
            let Some(r) = store.registers.get_mut(req.key as usize) else {
                panic!("write to register {} of a resource with {}", req.key, config.registers)
            };
            let prev = r.value;
            let verdict = judge(r, &req, config.check_tokens);
            write_ctx.record(EventKind::Write {
                client: req.client,
                prev,
                value: req.value,
                token: req.token,
                version: r.version,
                verdict,
                key: req.key,
                read_version: req.read_version,
            });
            std::future::ready(verdict)
        });
        std::future::pending::<()>().await
    })
}

/// Queue an ordered operation and apply every one now in sequence.
fn apply_in_order(store: &mut Store, req: ApplyInOrder, ctx: &NodeCtx) {
    if req.seq >= store.next_seq {
        store.early.insert(req.seq, (req.client, req.op));
    }
    while let Some((client, op)) = store.early.remove(&store.next_seq) {
        store.next_seq += 1;
        let r = &mut store.registers[0];
        let Some(value) = op.apply(r.value) else { continue };
        let prev = std::mem::replace(&mut r.value, value);
        r.version += 1;
        ctx.record(EventKind::Write {
            client,
            prev,
            value,
            token: None,
            version: r.version,
            verdict: WriteVerdict::Accepted,
            key: 0,
            read_version: None,
        });
    }
}

/// A read under a lock with `token`: with checking on, the token counts as seen.
fn fence_read(r: &mut Register, token: Option<u64>, check_tokens: bool) {
    if let (true, Some(token)) = (check_tokens, token) {
        r.highest_token = Some(r.highest_token.map_or(token, |h| h.max(token)));
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

/// A write as a client sends it: the value, the holder's fencing token, the
/// version it expects (compare-and-set), the version it read (recorded only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteRequest {
    pub key: u32,
    pub value: i64,
    pub token: Option<u64>,
    pub expected_version: Option<u64>,
    pub read_version: Option<u64>,
}

impl ResourceClient {
    pub fn new(ctx: NodeCtx, resource: NodeId, timeout: Duration) -> Self {
        ResourceClient { ctx, resource, timeout }
    }

    /// Register 0's current value and version.
    pub async fn read(&self) -> Result<(i64, u64), RpcError> {
        self.read_key(0).await
    }

    /// Register `key`'s current value and version.
    pub async fn read_key(&self, key: u32) -> Result<(i64, u64), RpcError> {
        self.read_fenced(key, None).await
    }

    /// Register `key`'s current value and version, read under a lock whose
    /// fencing token is `token`: with fencing on, the resource counts the
    /// token as seen, so an older holder's write that lands between this read
    /// and this holder's write is rejected (Chubby passes the sequencer with
    /// every operation the lock protects, reads included; a check on writes
    /// alone lets that write through and the read-modify-write lose it).
    pub async fn read_fenced(&self, key: u32, token: Option<u64>) -> Result<(i64, u64), RpcError> {
        let req = Read { client: self.ctx.id(), key, token };
        self.ctx.call(self.resource, req, self.timeout).await
    }

    /// Write `value` to register 0, with the holder's fencing token and/or the version it expects.
    pub async fn write(
        &self,
        value: i64,
        token: Option<u64>,
        expected_version: Option<u64>,
    ) -> Result<WriteVerdict, RpcError> {
        self.send(WriteRequest { value, token, expected_version, ..WriteRequest::default() }).await
    }

    pub async fn send(&self, w: WriteRequest) -> Result<WriteVerdict, RpcError> {
        let req = Write {
            client: self.ctx.id(),
            key: w.key,
            value: w.value,
            token: w.token,
            expected_version: w.expected_version,
            read_version: w.read_version,
        };
        self.ctx.call(self.resource, req, self.timeout).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(value: i64, version: u64) -> Register {
        Register { value, version, highest_token: None }
    }

    fn write(value: i64, token: Option<u64>, expected_version: Option<u64>) -> Write {
        Write { client: NodeId(1), key: 0, value, token, expected_version, read_version: None }
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
    fn a_read_under_a_newer_token_fences_an_older_holders_write() {
        // The new holder (35) has read but not written yet; the old holder's
        // write (34) would land between that read and its write and be lost.
        let mut r = register(10, 0);
        fence_read(&mut r, Some(35), true);
        assert_eq!(judge(&mut r, &write(9, Some(34), None), true), WriteVerdict::StaleToken { highest: 35 });
        assert_eq!(judge(&mut r, &write(9, Some(35), None), true), WriteVerdict::Accepted);
        // Without checking, reads note nothing.
        let mut unchecked = register(10, 0);
        fence_read(&mut unchecked, Some(35), false);
        assert_eq!(judge(&mut unchecked, &write(9, Some(34), None), false), WriteVerdict::Accepted);
    }

    #[test]
    fn compare_and_set_rejects_a_changed_version() {
        let mut r = register(10, 3);
        assert_eq!(judge(&mut r, &write(9, None, Some(2)), true), WriteVerdict::VersionMismatch { current: 3 });
        assert_eq!(judge(&mut r, &write(9, None, Some(3)), true), WriteVerdict::Accepted);
        assert_eq!(r.version, 4);
    }
}
