//! `lease-fencing`: a lease service that grants a time-limited lease with a
//! fencing token, and a holder that renews it and sends the token with every
//! write.
//!
//! References: Burrows, "The Chubby lock service" (leases, sequencers,
//! lock-delay, §2.9's master epoch) and Kleppmann, "How to do distributed
//! locking" (fencing tokens that increase with every grant; the resource
//! rejects a lower one).
//!
//! Server model: one lease server (Chubby's master) and a replicated store
//! (`crate::coord`, a raft ensemble of `store_replicas`; Chubby's cell keeps
//! its database on Paxos replicas). Each incarnation of the server first
//! takes a new epoch from the store, as a new Chubby master picks a new epoch
//! number: a sequential create, whose zxid is the epoch. Tokens are the epoch
//! in the high 32 bits and a per-incarnation counter in the low ones (the
//! layout of ZooKeeper's zxid), so a token is never reused, even by a server
//! that lost its disk: it keeps nothing on disk. Until it has its epoch it
//! grants nothing. The lease table lives in memory; a restarted server grants
//! nothing for one lease duration (plus `lock_delay_ms`), so a lease it
//! granted before the crash has run out (as a new Chubby master waits out
//! the old master's leases) and a vanished holder's lock-delay is kept. A
//! grant request from the lease's own holder returns its lease, renewed: an
//! acquire is idempotent, so a holder whose grant reply was lost (or whose
//! abandoned request arrived late over TCP) is not locked out by its own
//! lease until it expires (Spring's `JdbcLockRegistry` re-acquires by client
//! id the same way; the holder's owner id is fresh per acquisition). Lease
//! expiry is judged on the server's monotonic clock. With `lock_delay_ms`, a
//! lease that expired without a release (its holder vanished) blocks new
//! grants for that long (Chubby's lock-delay, one minute there; off by
//! default here).
//!
//! Simplified: Chubby writes every lock's state to its database and fails
//! its master over to another replica; here only the epoch is written (once
//! per incarnation, so a grant costs no consensus round and the message
//! counts understate Chubby's), and the one server is down until it
//! restarts. The store matters only when the server starts: its liveness
//! then is the ensemble's (a majority must be up, as for
//! `ephemeral-sequential`).
//!
//! Client model: the holder renews every third of the lease. It considers the
//! lease valid until `sent + lease - drift allowance`, measured on its own
//! monotonic clock from when it sent the (re)grant request, the drift
//! allowance being `lease * drift_bound_ppm / 10^6`; `check()` answers from
//! that, so the workload does not write once the lease may have run out. A
//! client clock slower than the bound believes its lease longer than the
//! server does: then only fencing keeps the resource safe. With
//! `fencing=false` the token is not sent and the resource cannot check it.
//!
//! Transport: grants, renewals and writes travel over TCP-like connections
//! (`sim::net`): a renewal whose call timed out may still reach the server.

use rand::Rng;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::ClockSettings;
use sim::history::{EventKind, NodeId, Op, Outcome, Role};
use sim::net::Rpc;
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use crate::coord::client::{CoordSession, Failure, SessionConfig};
use crate::coord::proto::{Op as StoreOp, Reply as StoreReply};
use crate::coord::tree::TreeError;
use crate::coord::{self, CoordConfig};
use crate::lock::{AcquireMode, Acquired, Client, Connector, Deployment, Design, LockClient, LockFuture, Released};
use crate::params::{ParamReader, ParamSpec, MAX_MS};
use crate::retry::{self, Attempt, Retrier, RetryPolicy};

pub struct LeaseDesign;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::millis("lease_ms", 10_000, 3, MAX_MS, "lease duration (Chubby: 12 s)"),
    ParamSpec::count("drift_bound_ppm", 10_000, 0, 999_999, "clock drift the holder allows for (10000 = 1%)"),
    ParamSpec::flag("fencing", true, "send the token with writes so the resource can reject stale ones"),
    ParamSpec::millis("lock_delay_ms", 0, 0, MAX_MS, "after a lease expires unreleased, grant nothing this long"),
    ParamSpec::millis("op_timeout_ms", 100, 1, MAX_MS, "client-side timeout of one request"),
    coord::replicas_param("store_replicas"),
    retry::delay(100),
    retry::jitter(100),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseConfig {
    pub lease: Duration,
    pub drift_bound_ppm: u64,
    pub fencing: bool,
    pub lock_delay: Duration,
    pub op_timeout: Duration,
    pub retry: RetryPolicy,
    /// The replicated store the server takes its epochs from.
    pub store: CoordConfig,
}

impl LeaseConfig {
    /// How long the holder may use a lease granted (or renewed) by a request it sent.
    fn usable(&self) -> Duration {
        let allowance = self.lease.as_nanos() as u64 * self.drift_bound_ppm / 1_000_000;
        self.lease.saturating_sub(Duration::from_nanos(allowance))
    }
}

impl Design for LeaseDesign {
    fn name(&self) -> &'static str {
        "lease-fencing"
    }

    fn summary(&self) -> &'static str {
        "lease with a fencing token (Chubby sequencer, Kleppmann): renewal, expiry, stale tokens rejected"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let drift_bound_ppm = p.count("drift_bound_ppm")?;
        Ok(Arc::new(LeaseConfig {
            lease: p.millis("lease_ms")?,
            drift_bound_ppm,
            fencing: p.flag("fencing")?,
            lock_delay: p.millis("lock_delay_ms")?,
            op_timeout: p.millis("op_timeout_ms")?,
            retry: RetryPolicy::read(p, None)?,
            store: CoordConfig::standard(coord::check_replicas(
                self.name(),
                "store_replicas",
                p.count("store_replicas")?,
            )?),
        }))
    }
}

impl Deployment for LeaseConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        let config = *self;
        let store = coord::deploy(world, config.store);
        let server = world
            .add_node("lease", Role::Server, ClockSettings::default(), move |ctx| serve(ctx, config, store.clone()));
        world.set_primary(server);
        Arc::new(LeaseConnector { server, config })
    }
}

#[derive(Debug)]
struct Grant {
    lock: String,
    owner: u64,
}

impl Rpc for Grant {
    /// The token of the new lease, or `None` when the lock is busy.
    type Reply = Option<u64>;
    const NAME: &'static str = "lease.grant";
}

#[derive(Debug)]
struct Renew {
    lock: String,
    owner: u64,
    token: u64,
}

impl Rpc for Renew {
    /// `true` when the lease is still this holder's and was extended.
    type Reply = bool;
    const NAME: &'static str = "lease.renew";
}

#[derive(Debug)]
struct Release {
    lock: String,
    owner: u64,
    /// `None`: whatever lease this owner holds on the lock (after an acquire
    /// whose reply was lost, the client does not know its token).
    token: Option<u64>,
}

impl Rpc for Release {
    type Reply = bool;
    const NAME: &'static str = "lease.release";
}

/// The current lease, on the server's monotonic clock.
#[derive(Debug, Clone, Copy)]
struct Lease {
    owner: u64,
    token: u64,
    expires: Duration,
}

/// One lease per lock name.
#[derive(Debug)]
struct LeaseTable {
    current: BTreeMap<String, Lease>,
    /// No grant of that lock before this time (lock-delay).
    delayed_until: BTreeMap<String, Duration>,
    /// No grant at all before this time (restart grace).
    blocked_until: Duration,
}

impl LeaseTable {
    fn grantable(&self, lock: &str, now: Duration) -> bool {
        !self.current.contains_key(lock)
            && now >= self.blocked_until
            && self.delayed_until.get(lock).is_none_or(|t| now >= *t)
    }
}

/// This incarnation's tokens: its epoch in the high 32 bits, a counter in the low.
#[derive(Debug)]
struct Tokens {
    epoch: u64,
    last: u32,
}

impl Tokens {
    fn next(&mut self) -> u64 {
        // 4 billion grants in one incarnation would wrap into the next epoch's tokens.
        self.last = self.last.checked_add(1).expect("a lease server's token counter overflowed");
        self.epoch << 32 | u64::from(self.last)
    }
}

/// Where epochs are taken: a sequential create's zxid is the epoch.
const EPOCHS: &str = "/lease-epochs";

async fn serve(ctx: NodeCtx, config: LeaseConfig, store: Arc<[NodeId]>) {
    let now = ctx.clock().monotonic();
    // After a restart, leases granted before it may still be in use: wait
    // them out, and the lock-delay a vanished holder's lease would have
    // earned (the table that knew of it is gone).
    let blocked_until = if ctx.incarnation() > 0 { now + config.lease + config.lock_delay } else { now };
    let table =
        Arc::new(Mutex::new(LeaseTable { current: BTreeMap::new(), delayed_until: BTreeMap::new(), blocked_until }));
    // `None` until the store has given this incarnation its epoch: no grant before.
    let tokens: Arc<Mutex<Option<Tokens>>> = Arc::default();

    let (t, c, k) = (table.clone(), ctx.clone(), tokens.clone());
    ctx.serve(move |req: Grant| {
        let now = c.clock().monotonic();
        let mut table = t.lock().expect("lease table poisoned");
        expire(&mut table, &req.lock, now, config.lock_delay, &c);
        let mut tokens = k.lock().expect("tokens poisoned");
        let held_by_asker = table.current.get_mut(&req.lock).filter(|l| l.owner == req.owner);
        let granted = if let Some(lease) = held_by_asker {
            // The holder asking again (the reply to its grant was lost, or a
            // request it gave up on arrived late): the same lease, renewed.
            lease.expires = now + config.lease;
            c.count_server_write();
            Some(lease.token)
        } else {
            match tokens.as_mut() {
                Some(tokens) if table.grantable(&req.lock, now) => {
                    let token = tokens.next();
                    table.current.insert(req.lock, Lease { owner: req.owner, token, expires: now + config.lease });
                    c.count_server_write();
                    Some(token)
                }
                _ => None,
            }
        };
        std::future::ready(granted)
    });
    let (t, c) = (table.clone(), ctx.clone());
    ctx.serve(move |req: Renew| {
        let now = c.clock().monotonic();
        let mut table = t.lock().expect("lease table poisoned");
        expire(&mut table, &req.lock, now, config.lock_delay, &c);
        let renewed = match table.current.get_mut(&req.lock) {
            Some(l) if l.owner == req.owner && l.token == req.token => {
                l.expires = now + config.lease;
                c.count_server_write();
                true
            }
            _ => false,
        };
        std::future::ready(renewed)
    });
    let (t, c) = (table, ctx.clone());
    ctx.serve(move |req: Release| {
        let now = c.clock().monotonic();
        let mut table = t.lock().expect("lease table poisoned");
        expire(&mut table, &req.lock, now, config.lock_delay, &c);
        let released = table
            .current
            .get(&req.lock)
            .is_some_and(|l| l.owner == req.owner && req.token.is_none_or(|t| l.token == t));
        if released {
            table.current.remove(&req.lock);
            c.count_server_write();
        }
        std::future::ready(released)
    });
    let epoch = new_epoch(&ctx, store).await;
    ctx.record(EventKind::Note { detail: format!("lease server took epoch {epoch} from the store") });
    *tokens.lock().expect("tokens poisoned") = Some(Tokens { epoch, last: 0 });
    std::future::pending::<()>().await
}

/// Take a new epoch from the store, retrying until it answers.
async fn new_epoch(ctx: &NodeCtx, store: Arc<[NodeId]>) -> u64 {
    let session_config = SessionConfig::standard();
    let session = CoordSession::start(ctx, store, session_config);
    let create = StoreOp::Create { path: format!("{EPOCHS}/epoch-"), ephemeral: false, sequential: true };
    loop {
        let reply = match session.ensure().await {
            Ok(_) => session.request_once(create.clone()).await,
            Err(e) => Err(e),
        };
        match reply {
            Ok(StoreReply::Created { czxid, .. }) => return czxid,
            Err(Failure::Tree(TreeError::NoParent)) => {
                let dir = StoreOp::Create { path: EPOCHS.into(), ephemeral: false, sequential: false };
                let _ = session.request(dir).await;
            }
            Ok(other) => unreachable!("Create replied {other:?}"),
            // An unknown outcome only burns an epoch: the next one is higher.
            Err(_) => ctx.sleep(session_config.backoff).await,
        }
    }
}

/// Drop an expired lease; its holder vanished, so lock-delay starts.
fn expire(table: &mut LeaseTable, lock: &str, now: Duration, lock_delay: Duration, ctx: &NodeCtx) {
    if let Some(lease) = table.current.get(lock).copied().filter(|l| l.expires <= now) {
        table.current.remove(lock);
        table.delayed_until.insert(lock.into(), lease.expires + lock_delay);
        ctx.record(EventKind::Note { detail: format!("lease with token {} expired without a release", lease.token) });
    }
}

struct LeaseConnector {
    server: NodeId,
    config: LeaseConfig,
}

impl Connector for LeaseConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        let mut rng = ctx.rng("lease-client");
        Client::Lock(Box::new(LeaseClient {
            ctx: ctx.clone(),
            lock: lock.into(),
            server: self.server,
            config: self.config,
            owner: rng.gen(),
            rng,
            held: None,
        }))
    }
}

/// What the holder knows of its lease; shared with its renewal task.
struct Holding {
    token: u64,
    /// Until when (this client's monotonic clock) the lease may be used.
    valid_until: Mutex<Duration>,
    /// Set on release: the renewal task stops.
    released: AtomicBool,
}

struct LeaseClient {
    ctx: NodeCtx,
    lock: String,
    server: NodeId,
    config: LeaseConfig,
    owner: u64,
    rng: SimRng,
    held: Option<Arc<Holding>>,
}

impl LeaseClient {
    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        // A fresh owner per acquisition: an owner-only release (after a lost
        // grant reply) must not match a later acquisition's lease.
        self.owner = self.rng.gen();
        let mut retrier = Retrier::new(&self.ctx, mode, self.config.retry);
        loop {
            let sent = self.ctx.clock().monotonic();
            let attempt = match self
                .ctx
                .call(self.server, Grant { lock: self.lock.clone(), owner: self.owner }, self.config.op_timeout)
                .await
            {
                Ok(Some(token)) => {
                    let holding = Arc::new(Holding {
                        token,
                        valid_until: Mutex::new(sent + self.config.usable()),
                        released: AtomicBool::new(false),
                    });
                    self.held = Some(holding.clone());
                    let renewal = Renewal {
                        ctx: self.ctx.clone(),
                        server: self.server,
                        lock: self.lock.clone(),
                        owner: self.owner,
                    };
                    madsim::task::spawn(renewal.run(self.config, holding));
                    Attempt::Held { token: self.config.fencing.then_some(token) }
                }
                Ok(None) => Attempt::Busy,
                Err(_) => Attempt::Unknown,
            };
            if let Some(outcome) = retrier.judge(&self.ctx, &mut self.rng, attempt).await {
                return outcome;
            }
        }
    }

    async fn release_lease(&mut self) -> Released {
        let token = self.held.take().map(|holding| {
            holding.released.store(true, Ordering::Relaxed);
            holding.token
        });
        let req = Release { lock: self.lock.clone(), owner: self.owner, token };
        match self.ctx.call(self.server, req, self.config.op_timeout).await {
            Ok(true) => Released::Released,
            Ok(false) => Released::NotHeld,
            Err(_) => Released::Unknown,
        }
    }
}

/// Renew every third of the lease while held; a refused renewal ends the
/// lease for this holder (it stops using it at once).
struct Renewal {
    ctx: NodeCtx,
    server: NodeId,
    lock: String,
    owner: u64,
}

impl Renewal {
    async fn run(self, config: LeaseConfig, holding: Arc<Holding>) {
        let Renewal { ctx, server, lock, owner } = self;
        loop {
            ctx.sleep(config.lease / 3).await;
            if holding.released.load(Ordering::Relaxed) {
                return;
            }
            ctx.record(EventKind::Invoke { op: Op::Renew, lock: None });
            let sent = ctx.clock().monotonic();
            let reply =
                ctx.call(server, Renew { lock: lock.clone(), owner, token: holding.token }, config.op_timeout).await;
            if holding.released.load(Ordering::Relaxed) {
                return;
            }
            let outcome = match reply {
                Ok(true) => {
                    *holding.valid_until.lock().expect("holding poisoned") = sent + config.usable();
                    Outcome::Ok
                }
                Ok(false) => {
                    *holding.valid_until.lock().expect("holding poisoned") = Duration::ZERO;
                    Outcome::Fail
                }
                // Unknown: keep the validity the last success gave.
                Err(_) => Outcome::Info,
            };
            ctx.record(EventKind::Complete { op: Op::Renew, outcome, token: Some(holding.token) });
            if outcome == Outcome::Fail {
                return;
            }
        }
    }
}

impl LockClient for LeaseClient {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_loop(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_lease())
    }

    fn check(&mut self) -> Option<bool> {
        let holding = self.held.as_ref()?;
        let valid_until = *holding.valid_until.lock().expect("holding poisoned");
        Some(self.ctx.clock().monotonic() < valid_until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_allows_for_its_drift_bound() {
        let config = LeaseConfig {
            lease: Duration::from_secs(10),
            drift_bound_ppm: 10_000,
            fencing: true,
            lock_delay: Duration::ZERO,
            op_timeout: Duration::from_millis(100),
            retry: RetryPolicy { delay: Duration::ZERO, jitter: Duration::ZERO, max_attempts: None },
            store: CoordConfig::standard(3),
        };
        assert_eq!(config.usable(), Duration::from_millis(9_900));
    }

    #[test]
    fn every_token_of_a_later_epoch_exceeds_every_token_of_an_earlier_one() {
        let last_of_epoch_1 = Tokens { epoch: 1, last: u32::MAX - 1 }.next();
        let first_of_epoch_2 = Tokens { epoch: 2, last: 0 }.next();
        assert!(last_of_epoch_1 < first_of_epoch_2, "{last_of_epoch_1:#x} vs {first_of_epoch_2:#x}");
        assert_eq!(first_of_epoch_2, 2 << 32 | 1, "the epoch in the high 32 bits, the counter in the low");
    }

    #[test]
    fn impossible_parameters_are_refused() {
        let err = |k: &str, v: &str| {
            crate::configure(&LeaseDesign, &crate::params::Params::default().with(k, v)).err().unwrap()
        };
        assert_eq!(err("lease_ms", "0"), "lease-fencing: parameter lease_ms=0 must be at least 3");
        assert!(err("drift_bound_ppm", "1000000").contains("must be at most 999999"));
        assert!(err("store_replicas", "4").starts_with("lease-fencing: parameter store_replicas=4 must be odd"));
    }
}
