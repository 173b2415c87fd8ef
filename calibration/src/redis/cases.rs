//! The Redis cases: what `SET NX PX`, expiry, the compare-and-delete
//! release, eviction under `maxmemory` and the LRU clock do, as the Redis
//! documentation says (the `SET`, `EXPIRE`, `PTTL`, `OBJECT` pages; "Key
//! eviction"; "Distributed Locks with Redis") and as the model must.

use algorithms::redis::Eviction;

use super::{Case, Op, Setup};
use crate::script::Outcome;

const LOCK: &str = "lock";
const OTHER: &str = "lock-2";

fn set(client: usize, key: &'static str, ttl_ms: u64) -> Op {
    Op::SetNxPx { client, key, ttl_ms }
}

fn case(name: &'static str, pins: &'static str, steps: Vec<Op>, expect: Vec<Outcome>) -> Case {
    Case::new(name, pins, ALONE, steps, expect)
}

/// A server on its own, with Redis's default policy.
const ALONE: Setup = Setup { policy: Eviction::NoEviction, replica: false };
/// A server with an asynchronous replica.
const REPLICATED: Setup = Setup { replica: true, ..ALONE };

/// Every Redis case, in the order the suite prints them.
pub fn cases() -> Vec<Case> {
    use Outcome::*;
    let wait = |ms| Op::Wait { ms };
    vec![
        case(
            "set-nx-on-a-free-key",
            "SET NX PX sets a missing key with the TTL asked for",
            vec![set(0, LOCK, 10_000), Op::Pttl { key: LOCK }],
            vec![Set(true), Pttl(10_000)],
        ),
        case(
            "set-nx-on-a-held-key",
            "SET NX on an existing key replies nil and leaves it",
            vec![set(0, LOCK, 10_000), set(1, LOCK, 10_000), Op::Pttl { key: LOCK }],
            vec![Set(true), Set(false), Pttl(10_000)],
        ),
        case(
            "the-key-expires-after-px",
            "a key is gone once its PX has passed; another client then gets it",
            vec![set(0, LOCK, 100), wait(250), Op::Exists { key: LOCK }, set(1, LOCK, 10_000)],
            vec![Set(true), Waited, Exists(false), Set(true)],
        ),
        case(
            "a-failed-set-nx-does-not-extend-the-ttl",
            "the TTL counts down from the SET that made the key; a refused SET NX leaves it",
            vec![set(0, LOCK, 1_000), wait(300), set(1, LOCK, 1_000), Op::Pttl { key: LOCK }],
            vec![Set(true), Waited, Set(false), Pttl(700)],
        ),
        case(
            "compare-and-delete-by-the-owner",
            "the release script deletes the key when it holds the caller's value",
            vec![set(0, LOCK, 10_000), Op::DelIfValue { client: 0, key: LOCK }, Op::Exists { key: LOCK }],
            vec![Set(true), Deleted(true), Exists(false)],
        ),
        case(
            "compare-and-delete-by-another-client",
            "the release script leaves a key holding another client's value",
            vec![set(0, LOCK, 10_000), Op::DelIfValue { client: 1, key: LOCK }, Op::Exists { key: LOCK }],
            vec![Set(true), Deleted(false), Exists(true)],
        ),
        case(
            "a-release-after-expiry-spares-the-next-holder",
            "an old holder's release after its TTL does not delete the new holder's key",
            vec![
                set(0, LOCK, 100),
                wait(250),
                set(1, LOCK, 10_000),
                Op::DelIfValue { client: 0, key: LOCK },
                Op::Exists { key: LOCK },
            ],
            vec![Set(true), Waited, Set(true), Deleted(false), Exists(true)],
        ),
        Case {
            server: Setup { policy: Eviction::NoEviction, ..ALONE },
            ..case(
                "noeviction-refuses-new-keys-when-full",
                "noeviction keeps every key and refuses writes with OOM once memory is full",
                vec![set(0, LOCK, 60_000), Op::Fill, Op::Exists { key: LOCK }, set(1, OTHER, 60_000)],
                vec![Set(true), FillRefused(true), Exists(true), Error("OOM")],
            )
        },
        Case {
            server: Setup { policy: Eviction::VolatileLru, ..ALONE },
            ..case(
                "volatile-lru-evicts-only-keys-with-a-ttl",
                "volatile-lru evicts the lock key (it has a TTL), never the filler's keys without one",
                vec![set(0, LOCK, 60_000), Op::Fill, Op::Exists { key: LOCK }],
                vec![Set(true), FillRefused(true), Exists(false)],
            )
        },
        Case {
            server: Setup { policy: Eviction::AllkeysLru, ..ALONE },
            ..case(
                "allkeys-lru-evicts-the-idlest-key-and-never-refuses",
                "allkeys-lru evicts any key, the idlest first, and keeps accepting writes",
                vec![set(0, LOCK, 60_000), wait(2_500), Op::Fill, Op::Exists { key: LOCK }, set(1, OTHER, 60_000)],
                vec![Set(true), Waited, FillRefused(false), Exists(false), Set(true)],
            )
        },
        case(
            "an-untouched-key-grows-idle",
            "OBJECT IDLETIME counts from the last command that touched the key",
            vec![set(0, LOCK, 60_000), wait(3_000), Op::IdleAtLeast2s { key: LOCK }],
            vec![Set(true), Waited, Idle(true)],
        ),
        case(
            "a-failed-set-nx-touches-the-lru-clock",
            "SET NX looks the key up for writing, which touches its LRU clock even when it refuses",
            vec![set(0, LOCK, 60_000), wait(3_000), set(1, LOCK, 60_000), Op::IdleAtLeast2s { key: LOCK }],
            vec![Set(true), Waited, Set(false), Idle(false)],
        ),
        Case {
            server: REPLICATED,
            ..case(
                "a-replica-refuses-writes",
                "a replica is read-only: SET NX on it fails with READONLY (the cache client writes to the master only)",
                vec![Op::ReplicaSetNxPx { client: 0, key: LOCK, ttl_ms: 10_000 }],
                vec![Error("READONLY")],
            )
        },
        Case {
            server: REPLICATED,
            ..case(
                "a-replica-gets-the-lock-key-asynchronously",
                "the master replies before the replica has the key, which arrives shortly after",
                vec![set(0, LOCK, 10_000), wait(200), Op::ReplicaExists { key: LOCK }],
                vec![Set(true), Waited, Exists(true)],
            )
        },
        Case {
            server: REPLICATED,
            ..case(
                "a-key-past-its-ttl-is-absent-on-the-replica",
                "a replica does not serve a lock key whose TTL has passed",
                vec![set(0, LOCK, 200), wait(400), Op::ReplicaExists { key: LOCK }],
                vec![Set(true), Waited, Exists(false)],
            )
        },
        Case {
            server: REPLICATED,
            ..case(
                "wait-returns-once-the-replica-acknowledged",
                "WAIT 1 returns 1 once the replica has every write so far",
                vec![set(0, LOCK, 10_000), Op::WaitForReplica { timeout_ms: 1_000 }],
                vec![Set(true), Rows(1)],
            )
        }
        .not_modelled(
            "the cache design's client never sends WAIT (neither do the Redis lock recipes); the Redis docs add \
             that WAIT does not make Redis strongly consistent: a failover may still pick a replica without the key",
        ),
        Case {
            server: REPLICATED,
            ..case(
                "a-replica-cut-off-catches-up-when-it-reconnects",
                "a write made while the replica's link was down reaches it after it reconnects (partial resync)",
                vec![Op::CutReplicaLink, set(0, LOCK, 10_000), wait(2_500), Op::ReplicaExists { key: LOCK }],
                vec![Waited, Set(true), Waited, Exists(true)],
            )
        },
        Case {
            server: REPLICATED,
            ..case(
                "a-replica-detached-for-seconds-catches-up-when-reattached",
                "REPLICAOF resumes from the master's backlog: writes made while the replica was away reach it",
                vec![
                    Op::DetachReplica,
                    set(0, LOCK, 10_000),
                    wait(2_000),
                    Op::ReattachReplica,
                    wait(2_500),
                    Op::ReplicaExists { key: LOCK },
                ],
                vec![Waited, Set(true), Waited, Waited, Waited, Exists(true)],
            )
        },
    ]
}
