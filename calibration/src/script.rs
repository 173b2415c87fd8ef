//! A calibration case: operations, the outcome each gets, and how two
//! outcomes are compared.

use algorithms::redis::Eviction;

/// How far a real and a modelled time to live may differ: the waits between
/// operations are measured on a loaded 2-core machine (a few ms of
/// scheduling) and a real reply takes a round trip; 50 ms covers both and
/// still tells a key set 100 ms ago from one set 300 ms ago.
pub const TTL_TOLERANCE_MS: i64 = 50;

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

/// What one operation got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `SET NX`: set (`OK`) or not (`nil`).
    Set(bool),
    /// The compare-and-delete script: 1 deleted, 0 not.
    Deleted(bool),
    /// An error reply, by its code (`OOM`, `READONLY`).
    Error(&'static str),
    Exists(bool),
    /// `PTTL`: -2 no key, -1 no TTL, else ms left.
    Pttl(i64),
    Idle(bool),
    /// [`Op::Fill`]: whether the filler's writes were refused.
    FillRefused(bool),
    Waited,
}

impl Outcome {
    /// Whether `self` and `other` say the same (a TTL within [`TTL_TOLERANCE_MS`]).
    pub fn agrees(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Pttl(a), Outcome::Pttl(b)) if *a >= 0 && *b >= 0 => (a - b).abs() <= TTL_TOLERANCE_MS,
            _ => self == other,
        }
    }
}

/// A scripted case.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    /// Which model behaviour it pins (and where the reference says so).
    pub pins: &'static str,
    /// The server's `maxmemory-policy`.
    pub policy: Eviction,
    pub steps: Vec<Op>,
    /// The documented outcome of each step, in order.
    pub expect: Vec<Outcome>,
    /// Why the model differs from Redis here, when it is known to: the suite
    /// prints the case and does not fail on it.
    pub known_difference: Option<&'static str>,
}

/// Whether two lists of outcomes agree step by step; else the first step that does not.
pub fn first_disagreement(a: &[Outcome], b: &[Outcome]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter().zip(b).position(|(x, y)| !x.agrees(y))
}

/// `maxmemory-policy`'s name for a policy.
pub fn policy_name(policy: Eviction) -> &'static str {
    match policy {
        Eviction::NoEviction => "noeviction",
        Eviction::VolatileLru => "volatile-lru",
        Eviction::AllkeysLru => "allkeys-lru",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_agree_within_the_tolerance_and_nothing_else_is_loose() {
        assert!(Outcome::Pttl(900).agrees(&Outcome::Pttl(900 - TTL_TOLERANCE_MS)));
        assert!(!Outcome::Pttl(900).agrees(&Outcome::Pttl(900 - TTL_TOLERANCE_MS - 1)));
        assert!(!Outcome::Pttl(-2).agrees(&Outcome::Pttl(-1)));
        assert!(!Outcome::Set(true).agrees(&Outcome::Set(false)));
        assert_eq!(
            first_disagreement(&[Outcome::Waited, Outcome::Set(true)], &[Outcome::Waited, Outcome::Set(false)]),
            Some(1)
        );
    }
}
