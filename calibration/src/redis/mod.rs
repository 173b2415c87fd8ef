//! The Redis suite: cases over `SET NX PX`, expiry, the compare-and-delete
//! release, eviction and the LRU clock, played on a live Redis 7
//! ([`real`]) and on `algorithms::redis`, the server the `cache` and
//! `redlock` designs run ([`model`]).

use algorithms::redis::Eviction;

pub mod cases;
pub mod model;
pub mod real;

/// A Redis case: its server is set up with a `maxmemory-policy`.
pub type Case = crate::script::Case<Op, Eviction>;

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
}

/// `maxmemory-policy`'s name for a policy.
pub fn policy_name(policy: Eviction) -> &'static str {
    match policy {
        Eviction::NoEviction => "noeviction",
        Eviction::VolatileLru => "volatile-lru",
        Eviction::AllkeysLru => "allkeys-lru",
    }
}
