//! `database`: a lock row in a single relational store.
//!
//! References: Spring Integration's `JdbcLockRegistry` (insert a row keyed by
//! the lock; a unique-key violation means "held"; delete it to release; a
//! TTL, 10 s by default, after which expired rows are deleted) and ShedLock's
//! JDBC provider (a compare-and-swap `UPDATE ... WHERE` on a permanent row).
//!
//! Server model: one database node whose table is durable (it survives a crash
//! that keeps the disk; acknowledged commits are never lost). Every statement
//! is a transaction that waits `commit_ms` for its commit to be flushed, then
//! applies atomically and replies; a crash before that leaves it uncommitted.
//! Expiry times are read from the database's wall clock (`now()`), and a
//! reaper task on the database deletes expired rows every
//! `reaper_interval_ms`. With `expiry_ms=0` there is no expiry: a holder that
//! dies holds the lock for ever, the liveness loss the report shows.
//!
//! Modes:
//! - `insert`: `INSERT INTO locks(id, owner, expires_at)`; release
//!   `DELETE ... WHERE id = ? AND owner = ?`. The row's auto-increment key is
//!   a fencing token when `fencing=true`.
//! - `cas`: a permanent row; acquire `UPDATE locks SET owner = ?, version =
//!   version + 1 ... WHERE id = ? AND owner IS NULL`; release sets owner back to
//!   NULL where the owner matches. The version is the fencing token.
//!
//! Counted: every committed change is a server write (see `RunRecord::server_writes`).

use rand::Rng;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::ClockSettings;
use sim::history::{EventKind, NodeId, Role};
use sim::net::Rpc;
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use crate::lock::{AcquireMode, Acquired, Client, Connector, Deployment, Design, LockClient, LockFuture, Released};
use crate::params::{ParamReader, ParamSpec, MAX_MS};
use crate::retry::{self, Attempt, Retrier, RetryPolicy};

pub struct DatabaseDesign;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("mode", &["insert", "cas"], 0, "insert (unique key) | cas (update where owner is null)"),
    ParamSpec::millis("expiry_ms", 10_000, 0, MAX_MS, "lock row expiry; 0 = never expires"),
    ParamSpec::millis("reaper_interval_ms", 1000, 1, MAX_MS, "how often expired rows are deleted"),
    ParamSpec::millis("commit_ms", 5, 0, MAX_MS, "commit (WAL flush) latency"),
    ParamSpec::millis("op_timeout_ms", 1000, 1, MAX_MS, "client-side statement timeout"),
    retry::delay(100),
    retry::jitter(100),
    ParamSpec::flag("fencing", false, "hand the row id / version to the resource as a fencing token"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Insert,
    Cas,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub mode: Mode,
    pub expiry: Option<Duration>,
    pub reaper_interval: Duration,
    pub commit: Duration,
    pub op_timeout: Duration,
    pub retry: RetryPolicy,
    pub fencing: bool,
}

impl Design for DatabaseDesign {
    fn name(&self) -> &'static str {
        "database"
    }

    fn summary(&self) -> &'static str {
        "relational lock row: unique-key insert or compare-and-swap update; expiry + reaper"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let expiry = p.millis("expiry_ms")?;
        Ok(Arc::new(DatabaseConfig {
            mode: [Mode::Insert, Mode::Cas][p.choice("mode")?],
            expiry: (!expiry.is_zero()).then_some(expiry),
            reaper_interval: p.millis("reaper_interval_ms")?,
            commit: p.millis("commit_ms")?,
            op_timeout: p.millis("op_timeout_ms")?,
            retry: RetryPolicy::read(p, None)?,
            fencing: p.flag("fencing")?,
        }))
    }
}

impl Deployment for DatabaseConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        let config = *self;
        let db = world.add_node("database", Role::Server, ClockSettings::default(), move |ctx| serve(ctx, config));
        world.set_primary(db);
        Arc::new(DatabaseConnector { db, config })
    }
}

#[derive(Debug, Clone, Copy)]
struct Row {
    owner: Option<u64>,
    /// `insert`: the row's auto-increment id; `cas`: bumped on every acquisition.
    version: u64,
    /// Wall-clock nanoseconds on the database's clock.
    expires_at: Option<i64>,
}

#[derive(Debug, Default)]
struct Table {
    rows: BTreeMap<String, Row>,
    /// The auto-increment sequence (durable, so ids never repeat).
    next_id: u64,
}

/// Acquire: `Some(token)` when this owner now holds the lock.
#[derive(Debug)]
struct Acquire {
    lock: String,
    owner: u64,
    ttl: Option<Duration>,
}

impl Rpc for Acquire {
    type Reply = Option<u64>;
    const NAME: &'static str = "database.acquire";
}

/// Release: `true` when the owner's row was deleted (insert) or cleared (cas).
#[derive(Debug)]
struct Release {
    lock: String,
    owner: u64,
}

impl Rpc for Release {
    type Reply = bool;
    const NAME: &'static str = "database.release";
}

fn acquire(table: &mut Table, mode: Mode, lock: &str, owner: u64, expires_at: Option<i64>) -> Option<u64> {
    match (mode, table.rows.get_mut(lock)) {
        (Mode::Insert, Some(_)) => None, // unique-key violation
        (Mode::Insert, None) => {
            table.next_id += 1;
            table.rows.insert(lock.into(), Row { owner: Some(owner), version: table.next_id, expires_at });
            Some(table.next_id)
        }
        (Mode::Cas, Some(row)) if row.owner.is_some() => None,
        (Mode::Cas, row) => {
            let version = row.map_or(0, |r| r.version) + 1;
            table.rows.insert(lock.into(), Row { owner: Some(owner), version, expires_at });
            Some(version)
        }
    }
}

fn release(table: &mut Table, mode: Mode, lock: &str, owner: u64) -> bool {
    let Some(row) = table.rows.get_mut(lock) else { return false };
    if row.owner != Some(owner) {
        return false;
    }
    match mode {
        Mode::Insert => {
            table.rows.remove(lock);
        }
        Mode::Cas => {
            row.owner = None;
            row.expires_at = None;
        }
    }
    true
}

/// Delete (insert) or clear (cas) rows whose expiry passed; how many.
fn reap(table: &mut Table, mode: Mode, now: i64) -> usize {
    let expired: Vec<String> = table
        .rows
        .iter()
        .filter(|(_, r)| r.owner.is_some() && r.expires_at.is_some_and(|t| t <= now))
        .map(|(k, _)| k.clone())
        .collect();
    for key in &expired {
        match mode {
            Mode::Insert => {
                table.rows.remove(key);
            }
            Mode::Cas => {
                let row = table.rows.get_mut(key).expect("listed above");
                row.owner = None;
                row.expires_at = None;
            }
        }
    }
    expired.len()
}

async fn serve(ctx: NodeCtx, config: DatabaseConfig) {
    let table = ctx.durable(|| Mutex::new(Table::default()));
    let (t, c) = (table.clone(), ctx.clone());
    ctx.serve(move |req: Acquire| {
        let (t, c) = (t.clone(), c.clone());
        async move {
            c.sleep(config.commit).await;
            let expires_at = req.ttl.map(|ttl| c.clock().wall() + ttl.as_nanos() as i64);
            let token = acquire(&mut t.lock().expect("table poisoned"), config.mode, &req.lock, req.owner, expires_at);
            if token.is_some() {
                c.count_server_write();
            }
            token
        }
    });
    let (t, c) = (table.clone(), ctx.clone());
    ctx.serve(move |req: Release| {
        let (t, c) = (t.clone(), c.clone());
        async move {
            c.sleep(config.commit).await;
            let released = release(&mut t.lock().expect("table poisoned"), config.mode, &req.lock, req.owner);
            if released {
                c.count_server_write();
            }
            released
        }
    });
    if config.expiry.is_none() {
        return std::future::pending().await;
    }
    loop {
        ctx.sleep(config.reaper_interval).await;
        ctx.sleep(config.commit).await;
        let reaped = reap(&mut table.lock().expect("table poisoned"), config.mode, ctx.clock().wall());
        if reaped > 0 {
            ctx.count_server_write();
            ctx.record(EventKind::Note { detail: format!("reaper deleted {reaped} expired lock row(s)") });
        }
    }
}

struct DatabaseConnector {
    db: NodeId,
    config: DatabaseConfig,
}

impl Connector for DatabaseConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        let mut rng = ctx.rng("database-client");
        Client::Lock(Box::new(DatabaseClient {
            ctx: ctx.clone(),
            lock: lock.into(),
            db: self.db,
            config: self.config,
            owner: rng.gen(),
            rng,
        }))
    }
}

struct DatabaseClient {
    ctx: NodeCtx,
    /// The lock row's key.
    lock: String,
    db: NodeId,
    config: DatabaseConfig,
    /// This client incarnation's owner id (a UUID in real deployments).
    owner: u64,
    rng: SimRng,
}

impl DatabaseClient {
    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        let mut retrier = Retrier::new(&self.ctx, mode, self.config.retry);
        loop {
            let req = Acquire { lock: self.lock.clone(), owner: self.owner, ttl: self.config.expiry };
            let attempt = match self.ctx.call(self.db, req, self.config.op_timeout).await {
                Ok(Some(token)) => Attempt::Held { token: self.config.fencing.then_some(token) },
                Ok(None) => Attempt::Busy,
                Err(_) => Attempt::Unknown,
            };
            if let Some(outcome) = retrier.judge(&self.ctx, &mut self.rng, attempt).await {
                return outcome;
            }
        }
    }

    async fn release_row(&mut self) -> Released {
        match self
            .ctx
            .call(self.db, Release { lock: self.lock.clone(), owner: self.owner }, self.config.op_timeout)
            .await
        {
            Ok(true) => Released::Released,
            Ok(false) => Released::NotHeld,
            Err(_) => Released::Unknown,
        }
    }
}

impl LockClient for DatabaseClient {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_loop(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_row())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_mode_is_a_unique_key_and_ids_never_repeat() {
        let mut t = Table::default();
        assert_eq!(acquire(&mut t, Mode::Insert, "lock", 1, None), Some(1));
        assert_eq!(acquire(&mut t, Mode::Insert, "lock", 2, None), None);
        assert!(!release(&mut t, Mode::Insert, "lock", 2), "only the owner deletes its row");
        assert!(release(&mut t, Mode::Insert, "lock", 1));
        assert_eq!(acquire(&mut t, Mode::Insert, "lock", 2, None), Some(2));
    }

    #[test]
    fn cas_mode_bumps_the_version_and_the_reaper_frees_expired_rows() {
        let mut t = Table::default();
        assert_eq!(acquire(&mut t, Mode::Cas, "lock", 1, Some(100)), Some(1));
        assert_eq!(acquire(&mut t, Mode::Cas, "lock", 2, Some(100)), None);
        assert_eq!(reap(&mut t, Mode::Cas, 99), 0);
        assert_eq!(reap(&mut t, Mode::Cas, 100), 1);
        assert_eq!(acquire(&mut t, Mode::Cas, "lock", 2, None), Some(2));
        assert_eq!(reap(&mut t, Mode::Cas, i64::MAX), 0, "a row without expiry is never reaped");
    }
}
