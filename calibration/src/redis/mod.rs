//! The Redis suite: cases over `SET NX PX`, expiry, the compare-and-delete
//! release, eviction and the LRU clock, played on a live Redis 7
//! ([`real`]) and on `algorithms::redis`, the server the `cache` and
//! `redlock` designs run ([`model`]).

use algorithms::redis::Eviction;

pub mod cases;
pub mod model;
pub mod real;

/// A Redis case.
pub type Case = crate::script::Case<Op, Setup>;

/// How a case's server is set up.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// `maxmemory-policy`.
    pub policy: Eviction,
    /// Whether the server has an asynchronous replica: on the real side a
    /// second `redis-server` the suite starts with `--replicaof` the server
    /// and stops after the case; in the model the `cache` design's
    /// master and replica pair.
    pub replica: bool,
}

/// How long the model's master and replica are cut apart by
/// [`Op::CutReplicaLink`]: a Redis replica reconnects from its replication
/// cron, which runs once a second, so after half a second on average.
pub const LINK_DOWN_MS: u64 = 500;

/// One step of a case. `client` numbers a connection; its lock value is
/// `client-N` on the real server and `N + 1` in the model.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `SET key <client's value> NX PX ttl_ms`.
    SetNxPx { client: usize, key: &'static str, ttl_ms: u64 },
    /// The compare-and-delete script of the single-instance lock:
    /// `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`.
    DelIfValue { client: usize, key: &'static str },
    /// `EXISTS key` (a lookup that does not touch the key's LRU clock).
    Exists { key: &'static str },
    /// `PTTL key`.
    Pttl { key: &'static str },
    /// Whether `OBJECT IDLETIME key` is at least 2 s (Redis keeps the LRU
    /// clock in whole seconds, so only a coarse answer is stable).
    IdleAtLeast2s { key: &'static str },
    /// Another client writes keys without a TTL until memory is full
    /// (`maxmemory` just above what is used): the outcome says whether its
    /// writes were refused with OOM. The model has no byte accounting: it
    /// raises its `memory-pressure` signal (which stays on), waits two churn
    /// periods and writes one new key.
    Fill,
    /// Wait this long (real time on the server, simulated in the model).
    Wait { ms: u64 },
    /// `SET key <client's value> NX PX ttl_ms` sent to the replica.
    ReplicaSetNxPx { client: usize, key: &'static str, ttl_ms: u64 },
    /// `EXISTS key` on the replica.
    ReplicaExists { key: &'static str },
    /// `WAIT 1 timeout_ms` on the master: how many replicas acknowledged
    /// every write so far.
    WaitForReplica { timeout_ms: u64 },
    /// The master drops its replica's connection (`CLIENT KILL TYPE
    /// replica`); the replica reconnects by itself. The model cuts the two
    /// apart for [`LINK_DOWN_MS`].
    CutReplicaLink,
    /// The replica stops replicating (`REPLICAOF NO ONE`); the model cuts
    /// master and replica apart until [`Op::ReattachReplica`].
    DetachReplica,
    /// The replica replicates the master again (`REPLICAOF host port`,
    /// which resumes from the master's backlog when it can).
    ReattachReplica,
}

/// `maxmemory-policy`'s name for a policy.
pub fn policy_name(policy: Eviction) -> &'static str {
    match policy {
        Eviction::NoEviction => "noeviction",
        Eviction::VolatileLru => "volatile-lru",
        Eviction::AllkeysLru => "allkeys-lru",
    }
}
