//! A Redis-like server model, shared by the `cache` and `redlock` designs
//! (the Sentinels that fail it over are in [`crate::sentinel`]).
//!
//! References: the Redis documentation for `SET key value NX PX ms`, key
//! expiry, `maxmemory-policy`, persistence (AOF `appendfsync always`),
//! replication, Sentinel; and "Distributed Locks with Redis" for the
//! compare-and-delete release and the "delayed restarts" advice.
//!
//! What is modelled, and how it simplifies:
//! - **Expiry**: a key stores an absolute expiry time read from the server's
//!   own clock, wall clock by default as Redis does (a wall-clock jump makes
//!   keys expire early); `ExpiryClock::Monotonic` compares. Expired keys act
//!   as absent (Redis's lazy + active expiry, as a client sees it).
//! - **Eviction under memory pressure**: the fault signal `memory-pressure`
//!   stands for other tenants writing so fast that the whole cache churns
//!   every `pressure_churn`. Under true LRU a key is then evicted once it has
//!   been idle that long: `allkeys-lru` evicts any such key, `volatile-lru`
//!   only keys with a TTL (a lock always has one), and `noeviction` evicts
//!   nothing but refuses new keys with OOM once memory is full. Redis samples
//!   keys to approximate LRU; we use exact LRU by idle time. Every command
//!   that looks a key up touches its LRU clock, as Redis's `lookupKey` does:
//!   a refused `SET NX` included, so clients polling a held lock keep it
//!   fresh (calibration case `a-failed-set-nx-touches-the-lru-clock`).
//!   What `volatile-lru` does depends on the other tenants' keys
//!   (`tenant_keys`): with `no-ttl` (the default: a cache filled by plain
//!   `SET`s) the lock keys are the only keys it may evict, so once memory
//!   has been full for a churn period every lock key is gone, however
//!   fresh, and writes are refused with OOM, as Redis refuses them when no
//!   key with a TTL is left (calibration case
//!   `volatile-lru-evicts-only-keys-with-a-ttl`); with `ttl` it evicts by
//!   idle time like `allkeys-lru`.
//! - Calibrated against a real Redis 7 by the `calibration` crate's cases.
//! - **Persistence**: `none` keeps keys in memory only (a restart is empty);
//!   `fsync-always` keeps them on disk (they survive a crash that keeps the
//!   disk); `delayed-restart` keeps nothing but refuses to grant locks for
//!   `restart_delay` (the longest TTL) after a restart.
//! - **Replication**: a master forwards each change to its replica after
//!   `replication_lag`, asynchronously (the client's reply does not wait),
//!   as a call over the connection between them that waits up to
//!   `repl-timeout` (60 s, [`REPL_TIMEOUT`]). On the TCP-like transport
//!   (the default) a cut delays changes until the link heals and they arrive
//!   in order, as Redis's replication stream and backlog make a disconnect
//!   of seconds invisible (calibration cases
//!   `a-replica-cut-off-catches-up-when-it-reconnects`,
//!   `a-replica-detached-for-seconds-catches-up-when-reattached`). Not
//!   modelled: a change in flight when either node crashes, or still
//!   undelivered when a cut outlasts `repl-timeout` and the orphaned
//!   connection's retries, is lost for good (Redis would resync, fully if
//!   need be); changes carry the master's sequence number but not its
//!   replication id, so a replica tells changes apart only by number; and on the datagram transport a
//!   lost change is missing (the replica drops a change older than the
//!   newest it applied). A node made a replica discards its keys and gets
//!   the master's whole keyspace (a full sync, as an RDB transfer would).
//!   Not modelled: a master restarted empty (no persistence) does not wipe
//!   its replica by a full sync, as Redis's replication docs warn it would.
//!   Replicas refuse writes (READONLY; calibration case
//!   `a-replica-refuses-writes`).
//! - **Sentinel**: see [`crate::sentinel`] (quorum, election, failover,
//!   conversion of a returning master).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::history::{EventKind, NodeId};
use sim::net::Rpc;
use sim::world::{NodeCtx, RpcError};

use crate::params::{ParamReader, ParamSpec, MAX_MS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryClock {
    Wall,
    Monotonic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    NoEviction,
    VolatileLru,
    AllkeysLru,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    None,
    FsyncAlways,
    DelayedRestart,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    pub expiry_clock: ExpiryClock,
    pub eviction: Eviction,
    pub pressure_churn: Duration,
    pub persistence: Persistence,
    /// How long a restarted `delayed-restart` server refuses locks.
    pub restart_delay: Duration,
    pub replication_lag: Duration,
    /// Whether the other tenants' keys have TTLs (`tenant_keys=ttl`), which
    /// decides what `volatile-lru` may evict under memory pressure.
    pub tenant_keys_expire: bool,
}

/// The server parameters `cache` and `redlock` share (read by [`RedisConfig::read`]).
pub const EXPIRY_CLOCK: ParamSpec =
    ParamSpec::choice("expiry_clock", &["wall", "monotonic"], 0, "server clock for expiry: wall | monotonic");
pub const PRESSURE_CHURN: ParamSpec =
    ParamSpec::millis("pressure_churn_ms", 20, 1, MAX_MS, "under memory pressure, keys idle this long are evicted");
pub const TENANT_KEYS: ParamSpec = ParamSpec::choice(
    "tenant_keys",
    &["no-ttl", "ttl"],
    0,
    "memory-pressure: other tenants' keys have no-ttl (volatile-lru evicts only lock keys, then refuses writes) | ttl",
);
pub const PERSISTENCE: ParamSpec = ParamSpec::choice(
    "persistence",
    &["none", "fsync-always", "delayed-restart"],
    0,
    "none | fsync-always | delayed-restart",
);

/// The `eviction` policy, with a design's own default (an index into its options).
pub const fn eviction(default: usize) -> ParamSpec {
    ParamSpec::choice(
        "eviction",
        &["noeviction", "volatile-lru", "allkeys-lru"],
        default,
        "noeviction | volatile-lru | allkeys-lru",
    )
}

impl RedisConfig {
    /// Read the server parameters shared by `cache` and `redlock`
    /// (`expiry_clock`, `eviction`, `pressure_churn_ms`, `tenant_keys`, `persistence`); a
    /// `delayed-restart` server refuses locks for `ttl` after a restart.
    pub fn read(p: &ParamReader, ttl: Duration) -> Result<RedisConfig, String> {
        Ok(RedisConfig {
            expiry_clock: [ExpiryClock::Wall, ExpiryClock::Monotonic][p.choice("expiry_clock")?],
            eviction: [Eviction::NoEviction, Eviction::VolatileLru, Eviction::AllkeysLru][p.choice("eviction")?],
            pressure_churn: p.millis("pressure_churn_ms")?,
            persistence: [Persistence::None, Persistence::FsyncAlways, Persistence::DelayedRestart]
                [p.choice("persistence")?],
            restart_delay: ttl,
            replication_lag: Duration::ZERO,
            tenant_keys_expire: p.choice("tenant_keys")? == 1,
        })
    }
}

/// Errors a Redis server replies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisError {
    /// The server is a replica.
    ReadOnly,
    /// `noeviction` and memory is full.
    OutOfMemory,
    /// A `delayed-restart` server is still refusing locks after its restart.
    Restarting,
}

/// The mark a master with a replica makes when it has set a lock key and
/// the replica does not have it yet (asynchronous replication's window).
pub const MASTER_ACCEPTED: &str = "master-accepted";

/// Redis's `repl-timeout` default (60 s): how long the master waits on its
/// replica's link before it gives the replica up. A shorter wait would close
/// the replication connection during a cut of seconds and lose what it
/// carried, which Redis's backlog makes invisible.
pub const REPL_TIMEOUT: Duration = Duration::from_secs(60);

/// `SET key value NX PX ttl`: `Ok(true)` when set, `Ok(false)` when the key exists.
#[derive(Debug)]
pub struct SetNxPx {
    pub key: String,
    pub value: u64,
    pub ttl: Duration,
}

impl Rpc for SetNxPx {
    type Reply = Result<bool, RedisError>;
    const NAME: &'static str = "redis.set-nx-px";
}

/// The compare-and-delete script: `Ok(true)` when the key held `value` and was deleted.
#[derive(Debug)]
pub struct DelIfValue {
    pub key: String,
    pub value: u64,
}

impl Rpc for DelIfValue {
    type Reply = Result<bool, RedisError>;
    const NAME: &'static str = "redis.del-if-value";
}

/// What `PTTL key` and `OBJECT IDLETIME key` read, without touching the
/// key's LRU clock (both are no-touch lookups in Redis); `None` when the key
/// is absent, expired or evicted. Only the calibration suite sends it.
#[derive(Debug)]
pub struct Inspect {
    pub key: String,
}

/// A live key as [`Inspect`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyState {
    pub value: u64,
    /// Time to live left (`None`: no TTL).
    pub pttl: Option<Duration>,
    /// Time since a command last touched the key.
    pub idle: Duration,
}

impl Rpc for Inspect {
    type Reply = Option<KeyState>;
    const NAME: &'static str = "redis.inspect";
}

/// A change a master forwards to its replica, numbered in order.
#[derive(Debug)]
struct Replicate {
    seq: u64,
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    Set { key: String, value: u64, expires_at: Option<i64> },
    Del { key: String },
}

impl Rpc for Replicate {
    type Reply = ();
    const NAME: &'static str = "redis.replicate";
}

/// A master's whole keyspace for its replica, numbered in the change sequence.
#[derive(Debug)]
struct FullSync {
    seq: u64,
    keys: Vec<(String, Entry)>,
}

impl Rpc for FullSync {
    type Reply = ();
    const NAME: &'static str = "redis.full-sync";
}

/// Sentinel -> server: `PING` (and `INFO`'s role).
#[derive(Debug)]
pub(crate) struct Ping;

/// The reply to [`Ping`]: whether the server is a master, and the newest
/// sentinel configuration published on its `__sentinel__:hello` channel
/// (sentinels subscribe to every instance's, so they learn a configuration
/// through the instances even when cut off from each other).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pong {
    pub(crate) master: bool,
    pub(crate) hello: Option<Announced>,
}

impl Rpc for Ping {
    type Reply = Pong;
    const NAME: &'static str = "redis.ping";
}

/// A sentinel configuration: which node is master and which its replica,
/// as of `config_epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Announced {
    pub(crate) config_epoch: u64,
    pub(crate) master: NodeId,
    pub(crate) replica: NodeId,
}

/// Sentinel -> server: `PUBLISH __sentinel__:hello`. The server keeps the
/// newest (pub/sub keeps nothing across a restart, and neither does this).
#[derive(Debug)]
pub(crate) struct Publish(pub(crate) Announced);

impl Rpc for Publish {
    type Reply = ();
    const NAME: &'static str = "redis.publish-hello";
}

/// Sentinel -> server: become a master (with this replica, if any, which
/// it then sends all its keys: a full sync).
#[derive(Debug)]
pub(crate) struct BecomeMaster {
    pub(crate) replica: Option<NodeId>,
}

impl Rpc for BecomeMaster {
    type Reply = ();
    const NAME: &'static str = "redis.become-master";
}

/// Sentinel -> server: become a replica, discarding your keys (the
/// master's full sync brings its own).
#[derive(Debug)]
pub(crate) struct BecomeReplica;

impl Rpc for BecomeReplica {
    type Reply = ();
    const NAME: &'static str = "redis.become-replica";
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    value: u64,
    /// On the expiry clock, in nanoseconds.
    expires_at: Option<i64>,
    /// Server monotonic time of the last command that touched the key.
    last_access: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerRole {
    Master { replica: Option<NodeId> },
    Replica,
}

#[derive(Debug)]
struct Keyspace {
    keys: BTreeMap<String, Entry>,
    role: ServerRole,
    /// Master: the last change number sent. Replica: the last applied.
    repl_seq: u64,
    /// Server monotonic time when memory pressure started, while it lasts.
    pressure_since: Option<Duration>,
    /// `delayed-restart`: no locks granted before this monotonic time.
    refuse_until: Option<Duration>,
}

/// What the server does to a key when a command touches it.
enum Access {
    Live(Entry),
    Absent,
}

struct Server {
    ctx: NodeCtx,
    config: RedisConfig,
    state: Arc<Mutex<Keyspace>>,
    /// The newest sentinel hello published here.
    hello: Mutex<Option<Announced>>,
}

impl Server {
    fn expiry_now(&self) -> i64 {
        match self.config.expiry_clock {
            ExpiryClock::Wall => self.ctx.clock().wall(),
            ExpiryClock::Monotonic => self.ctx.clock().monotonic().as_nanos() as i64,
        }
    }

    /// Look `key` up, removing it if it expired or memory pressure evicted
    /// it, without touching its LRU clock.
    fn access(&self, ks: &mut Keyspace, key: &str) -> Access {
        let Some(entry) = ks.keys.get(key).copied() else { return Access::Absent };
        if entry.expires_at.is_some_and(|t| t <= self.expiry_now()) {
            ks.keys.remove(key);
            // A lock key outliving its holder's use is the moment reports explain.
            let clock = match self.config.expiry_clock {
                ExpiryClock::Wall => "wall",
                ExpiryClock::Monotonic => "monotonic",
            };
            self.ctx.record(EventKind::Note {
                detail: format!("key '{key}' expired (TTL passed on this server's {clock} clock)"),
            });
            return Access::Absent;
        }
        if self.evicted(ks, &entry) {
            ks.keys.remove(key);
            self.ctx.record(EventKind::Note { detail: format!("evicted key '{key}' under memory pressure") });
            self.replicate(ks, Change::Del { key: key.into() });
            return Access::Absent;
        }
        Access::Live(entry)
    }

    /// Look `key` up for a command, touching its LRU clock if it is live, as
    /// Redis's `lookupKey` does for every read and write lookup.
    fn lookup(&self, ks: &mut Keyspace, key: &str) -> Access {
        let found = self.access(ks, key);
        if let Access::Live(_) = found {
            if let Some(entry) = ks.keys.get_mut(key) {
                entry.last_access = self.ctx.clock().monotonic();
            }
        }
        found
    }

    /// Whether LRU churn under memory pressure has pushed `entry` out.
    fn evicted(&self, ks: &Keyspace, entry: &Entry) -> bool {
        let Some(since) = ks.pressure_since else { return false };
        let now = self.ctx.clock().monotonic();
        match self.config.eviction {
            Eviction::NoEviction => false,
            // The lock keys are the only candidates: evicted, the idlest
            // first, as fast as the tenants write, however fresh they are.
            Eviction::VolatileLru if !self.config.tenant_keys_expire => {
                entry.expires_at.is_some() && now.saturating_sub(since) >= self.config.pressure_churn
            }
            Eviction::VolatileLru | Eviction::AllkeysLru => {
                let eligible = self.config.eviction == Eviction::AllkeysLru || entry.expires_at.is_some();
                eligible && now.saturating_sub(entry.last_access.max(since)) >= self.config.pressure_churn
            }
        }
    }

    /// Memory full with nothing the policy may evict: new keys are refused
    /// (`noeviction`, or `volatile-lru` once the tenants' keys without a TTL
    /// fill memory).
    fn out_of_memory(&self, ks: &Keyspace) -> bool {
        let refuses = match self.config.eviction {
            Eviction::NoEviction => true,
            Eviction::VolatileLru => !self.config.tenant_keys_expire,
            Eviction::AllkeysLru => false,
        };
        refuses
            && ks
                .pressure_since
                .is_some_and(|since| self.ctx.clock().monotonic().saturating_sub(since) >= self.config.pressure_churn)
    }

    fn set_nx(&self, req: SetNxPx) -> Result<bool, RedisError> {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        if ks.role == ServerRole::Replica {
            return Err(RedisError::ReadOnly);
        }
        if ks.refuse_until.is_some_and(|t| self.ctx.clock().monotonic() < t) {
            return Err(RedisError::Restarting);
        }
        if let Access::Live(_) = self.lookup(&mut ks, &req.key) {
            return Ok(false);
        }
        if self.out_of_memory(&ks) {
            return Err(RedisError::OutOfMemory);
        }
        let expires_at = Some(self.expiry_now() + req.ttl.as_nanos() as i64);
        let entry = Entry { value: req.value, expires_at, last_access: self.ctx.clock().monotonic() };
        ks.keys.insert(req.key.clone(), entry);
        self.ctx.count_server_write();
        self.replicate(&mut ks, Change::Set { key: req.key, value: req.value, expires_at });
        Ok(true)
    }

    fn inspect(&self, req: Inspect) -> Option<KeyState> {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        let Access::Live(entry) = self.access(&mut ks, &req.key) else { return None };
        let left = |at: i64| Duration::from_nanos(at.saturating_sub(self.expiry_now()).max(0) as u64);
        let idle = self.ctx.clock().monotonic().saturating_sub(entry.last_access);
        Some(KeyState { value: entry.value, pttl: entry.expires_at.map(left), idle })
    }

    fn del_if_value(&self, req: DelIfValue) -> Result<bool, RedisError> {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        if ks.role == ServerRole::Replica {
            return Err(RedisError::ReadOnly);
        }
        match self.lookup(&mut ks, &req.key) {
            Access::Live(e) if e.value == req.value => {
                ks.keys.remove(&req.key);
                self.ctx.count_server_write();
                self.replicate(&mut ks, Change::Del { key: req.key });
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Forward a change to the replica after the replication lag, without
    /// making the client wait.
    fn replicate(&self, ks: &mut Keyspace, change: Change) {
        let ServerRole::Master { replica: Some(replica) } = ks.role else { return };
        if matches!(change, Change::Set { .. }) {
            self.ctx.mark(MASTER_ACCEPTED);
        }
        ks.repl_seq += 1;
        let (ctx, seq, lag) = (self.ctx.clone(), ks.repl_seq, self.config.replication_lag);
        madsim::task::spawn(async move {
            ctx.sleep(lag).await;
            let _ = ctx.call(replica, Replicate { seq, change }, REPL_TIMEOUT).await;
        });
    }

    /// Send the replica every key, numbered as the next change, so the
    /// changes after it apply on top (Redis's full resynchronization, as
    /// an RDB snapshot).
    fn full_sync(&self, ks: &mut Keyspace, replica: NodeId) {
        ks.repl_seq += 1;
        let req = FullSync { seq: ks.repl_seq, keys: ks.keys.iter().map(|(k, e)| (k.clone(), *e)).collect() };
        let ctx = self.ctx.clone();
        madsim::task::spawn(async move {
            let _ = ctx.call(replica, req, REPL_TIMEOUT).await;
        });
    }

    fn apply_full_sync(&self, req: FullSync) {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        if ks.role != ServerRole::Replica || req.seq <= ks.repl_seq {
            return;
        }
        ks.repl_seq = req.seq;
        let now = self.ctx.clock().monotonic();
        ks.keys = req.keys.into_iter().map(|(k, e)| (k, Entry { last_access: now, ..e })).collect();
        let detail = format!("full sync from the master: {} keys", ks.keys.len());
        self.ctx.record(EventKind::Note { detail });
    }

    fn apply_replicated(&self, req: Replicate) {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        // Changes arrive out of order on a reordering network; an older one is dropped.
        if ks.role != ServerRole::Replica || req.seq <= ks.repl_seq {
            return;
        }
        ks.repl_seq = req.seq;
        match req.change {
            Change::Set { key, value, expires_at } => {
                ks.keys.insert(key, Entry { value, expires_at, last_access: self.ctx.clock().monotonic() });
            }
            Change::Del { key } => {
                ks.keys.remove(&key);
            }
        }
        self.ctx.count_server_write();
    }

    fn set_pressure(&self, on: bool) {
        let mut ks = self.state.lock().expect("keyspace poisoned");
        if on {
            ks.pressure_since = Some(self.ctx.clock().monotonic());
        } else {
            // Evict what the churn reached before it stopped.
            let keys: Vec<String> = ks.keys.keys().cloned().collect();
            for key in keys {
                self.access(&mut ks, &key);
            }
            ks.pressure_since = None;
        }
    }
}

/// The main task of a Redis-like server node that starts in `role`.
pub fn serve(
    config: RedisConfig,
    role: ServerRole,
) -> impl Fn(NodeCtx) -> std::pin::Pin<Box<dyn Future<Output = ()>>> + Send + Sync + 'static {
    move |ctx: NodeCtx| {
        Box::pin(async move {
            let fresh = || {
                Mutex::new(Keyspace {
                    keys: BTreeMap::new(),
                    role,
                    repl_seq: 0,
                    pressure_since: None,
                    refuse_until: None,
                })
            };
            let state = match config.persistence {
                Persistence::FsyncAlways => ctx.durable(fresh),
                Persistence::None | Persistence::DelayedRestart => Arc::new(fresh()),
            };
            {
                let mut ks = state.lock().expect("keyspace poisoned");
                // Memory pressure was a property of the process that died.
                ks.pressure_since = None;
                if config.persistence == Persistence::DelayedRestart && ctx.incarnation() > 0 {
                    ks.refuse_until = Some(ctx.clock().monotonic() + config.restart_delay);
                }
            }
            let server = Arc::new(Server { ctx: ctx.clone(), config, state, hello: Mutex::new(None) });
            let s = server.clone();
            ctx.serve(move |req: SetNxPx| std::future::ready(s.set_nx(req)));
            let s = server.clone();
            ctx.serve(move |req: DelIfValue| std::future::ready(s.del_if_value(req)));
            let s = server.clone();
            ctx.serve(move |req: Inspect| std::future::ready(s.inspect(req)));
            let s = server.clone();
            ctx.serve(move |req: Replicate| {
                s.apply_replicated(req);
                std::future::ready(())
            });
            let s = server.clone();
            ctx.serve(move |_: Ping| {
                let master = matches!(s.state.lock().expect("keyspace poisoned").role, ServerRole::Master { .. });
                std::future::ready(Pong { master, hello: *s.hello.lock().expect("hello poisoned") })
            });
            let s = server.clone();
            ctx.serve(move |Publish(announced): Publish| {
                let mut hello = s.hello.lock().expect("hello poisoned");
                if hello.is_none_or(|h| h.config_epoch < announced.config_epoch) {
                    *hello = Some(announced);
                }
                std::future::ready(())
            });
            let s = server.clone();
            ctx.serve(move |req: BecomeMaster| {
                let mut ks = s.state.lock().expect("keyspace poisoned");
                let was_master = matches!(ks.role, ServerRole::Master { .. });
                ks.role = ServerRole::Master { replica: req.replica };
                if !was_master {
                    ks.repl_seq = 0;
                    s.ctx.record(EventKind::Note { detail: "promoted to master".into() });
                }
                if let Some(replica) = req.replica {
                    s.full_sync(&mut ks, replica);
                }
                std::future::ready(())
            });
            let s = server.clone();
            ctx.serve(move |req: FullSync| {
                s.apply_full_sync(req);
                std::future::ready(())
            });
            let s = server.clone();
            ctx.serve(move |_: BecomeReplica| {
                let mut ks = s.state.lock().expect("keyspace poisoned");
                ks.role = ServerRole::Replica;
                ks.keys.clear();
                ks.repl_seq = 0;
                s.ctx.record(EventKind::Note { detail: "demoted to replica; keys discarded".into() });
                std::future::ready(())
            });
            let s = server;
            ctx.on_signal("memory-pressure", move |on| s.set_pressure(on));
            std::future::pending::<()>().await
        })
    }
}

/// Outcome of one SET NX attempt as the retry loop sees it; `needs_refresh`
/// says the client should ask the sentinel where the master is.
pub fn judge_set(reply: Result<Result<bool, RedisError>, RpcError>) -> (crate::retry::Attempt, bool) {
    use crate::retry::Attempt;
    match reply {
        Ok(Ok(true)) => (Attempt::Held { token: None }, false),
        Ok(Ok(false)) | Ok(Err(RedisError::OutOfMemory)) | Ok(Err(RedisError::Restarting)) => (Attempt::Busy, false),
        Ok(Err(RedisError::ReadOnly)) => (Attempt::Busy, true),
        Err(RpcError::Timeout) => (Attempt::Unknown, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_that_fail_or_time_out_say_whether_to_ask_the_sentinel() {
        use crate::retry::Attempt;
        assert_eq!(judge_set(Ok(Ok(true))), (Attempt::Held { token: None }, false));
        assert_eq!(judge_set(Ok(Ok(false))), (Attempt::Busy, false));
        assert_eq!(judge_set(Ok(Err(RedisError::ReadOnly))), (Attempt::Busy, true));
        assert_eq!(judge_set(Err(RpcError::Timeout)), (Attempt::Unknown, true));
    }
}
