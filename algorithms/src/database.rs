//! `database`: a lock row in a single relational store, as two JDBC lock
//! libraries write it.
//!
//! References:
//! - `mode=insert`: Spring Integration's `JdbcLockRegistry` over
//!   `DefaultLockRepository` (`INT_LOCK(REGION, LOCK_KEY, CLIENT_ID,
//!   CREATED_DATE)`). Acquire runs `UPDATE INT_LOCK SET CLIENT_ID=?,
//!   CREATED_DATE=? WHERE REGION=? AND LOCK_KEY=? AND (CLIENT_ID=? OR
//!   CREATED_DATE<?)` and, when no row changed, `INSERT`, where a duplicate key
//!   means "held". `CREATED_DATE` and the expiry cutoff (now − TTL) are both
//!   computed on the *client's* clock (`LocalDateTime.now()` in the JVM), so
//!   an expired row is taken over inside `acquire` (no reaper), and a client
//!   whose id already owns the row re-acquires it: a lost reply does not lock
//!   the client out until the TTL passes. Release is `DELETE ... WHERE
//!   CLIENT_ID=?`. `DEFAULT_TTL` is 10 s; `idleBetweenTries` 100 ms. The
//!   registry does not renew by itself (`renewLock` is an explicit call), so
//!   neither does this client. The client id is a UUID per registry, here per
//!   client incarnation: a restarted client is a new id.
//! - `mode=cas`: ShedLock's `JdbcTemplateStorageAccessor` (`shedlock(name,
//!   lock_until, locked_at, locked_by)`). Acquire is `INSERT`, else `UPDATE
//!   shedlock SET lock_until=?, locked_at=?, locked_by=? WHERE name=? AND
//!   lock_until <= ?` with `now` from the client (ShedLock "assumes
//!   application server clocks are synchronized"), so the owner's own row is
//!   refused until `lock_until` (lockAtMostFor = `expiry_ms`) passes. Unlock
//!   is `UPDATE shedlock SET lock_until = ? WHERE name = ?` with the client's
//!   max(now, locked_at + lockAtLeastFor): by name only, so a holder whose
//!   lock expired and was taken over frees its successor's lock.
//!   `clock=database` is `usingDbTime()`: every `now` is the database's
//!   `now()`, and unlock then also checks `locked_by = ?` (as ShedLock's
//!   server-time statements do). In `insert` mode `clock=database` is not a
//!   Spring option: it is a what-if that judges expiry on the database clock.
//!
//! Fencing: a database sequence, bumped by every successful acquire (in both
//! modes, re-acquires included) and never reset, is the fencing token when
//! `fencing=true`. A crash keeps the table (acknowledged commits are never
//! lost). A crash that loses the disk loses the lock rows (a held lock
//! vanishes: the hazard), and the operator who restores the schema restarts
//! the sequence past every value it could have issued (`ALTER SEQUENCE ...
//! RESTART`), modelled as the restart's incarnation in the sequence's high
//! 32 bits; so tokens never repeat. We chose this over "serves nothing until
//! restored" because nothing in a run restores a database, and a lock service
//! that is down for ever hides the question fencing answers.
//!
//! Server model: one database node. Every statement is a transaction that
//! waits `commit_ms` for its commit to be flushed, then applies atomically and
//! replies; a crash before that leaves it uncommitted. Clients reach the
//! database over the simulated TCP-like transport (`sim/src/net/streams.rs`):
//! a lost segment is a retransmission delay and statements arrive in order.
//! Both libraries run each acquire and release in a transaction (Spring's
//! `readCommittedTransactionTemplate` / `defaultTransactionTemplate`,
//! ShedLock's `TransactionTemplate`), so the client sends `COMMIT` only
//! after its statement's reply: a client that timed out (`op_timeout_ms`, a
//! JDBC socket timeout) and closed its connection never commits what had not
//! reached the server, and PostgreSQL rolls back a transaction whose
//! connection ends. So a timed-out request that has not arrived is never
//! applied (the connection is reset, `NodeCtx::call_or_reset`), while one
//! that arrived may commit with its reply lost: the outcome the client cannot
//! know. (A request delayed for seconds and then applied with the timestamps
//! bound when it was sent would rewind `CREATED_DATE`; the transaction is why
//! that cannot happen.) Simplified: a transaction is one round trip (the
//! window where `COMMIT` itself is delayed, with the row locked, is not
//! modelled); one region, no connection pool, no
//! transaction isolation levels (each statement is atomic on its own), no
//! local `ReentrantLock` in front of the row. With `expiry_ms=0` a row never
//! expires: a holder that dies holds the lock for ever, the liveness loss the
//! report shows.
//!
//! Calibrated against a real PostgreSQL 15 by the `calibration` crate's
//! postgres cases: both libraries' statements as their sources send them
//! (the unique-key insert, the compare-and-swap update's rows affected, the
//! owner-checked delete, expiry on the stamping clock, ShedLock's
//! server-time statements and `lockAtLeastFor`), and a slow `COMMIT` whose
//! client times out and closes its connection, which still commits: the
//! outcome the client cannot know, as the model has it.
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
    ParamSpec::choice(
        "mode",
        &["insert", "cas"],
        0,
        "insert (Spring JdbcLockRegistry: update own/expired row, else insert) | cas (ShedLock: update where lock_until <= now)",
    ),
    ParamSpec::choice("clock", &["client", "database"], 0, "whose clock stamps and expires rows: client (both references) | database (ShedLock usingDbTime)"),
    ParamSpec::millis("expiry_ms", 10_000, 0, MAX_MS, "Spring TTL / ShedLock lockAtMostFor; 0 = never expires"),
    ParamSpec::millis("lock_at_least_ms", 0, 0, MAX_MS, "cas: ShedLock lockAtLeastFor (unlock keeps the row until locked_at + this)"),
    ParamSpec::millis("commit_ms", 5, 0, MAX_MS, "commit (WAL flush) latency"),
    ParamSpec::millis("op_timeout_ms", 1000, 1, MAX_MS, "client-side statement timeout"),
    retry::delay(100),
    retry::jitter(100),
    ParamSpec::flag("fencing", false, "hand the database sequence's value to the resource as a fencing token"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Insert,
    Cas,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockSource {
    Client,
    Database,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub mode: Mode,
    pub clock: ClockSource,
    pub expiry: Option<Duration>,
    pub lock_at_least: Duration,
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
        "relational lock row (Spring JdbcLockRegistry insert/update, ShedLock update-where-expired); client-clock expiry"
    }

    fn calibrated_by(&self) -> Option<&'static str> {
        Some("postgres")
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let expiry = p.millis("expiry_ms")?;
        Ok(Arc::new(DatabaseConfig {
            mode: [Mode::Insert, Mode::Cas][p.choice("mode")?],
            clock: [ClockSource::Client, ClockSource::Database][p.choice("clock")?],
            expiry: (!expiry.is_zero()).then_some(expiry),
            lock_at_least: p.millis("lock_at_least_ms")?,
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

/// One lock row. Times are wall-clock nanoseconds on whichever clock stamped
/// them (the client's, or the database's with `clock=database`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    /// `CLIENT_ID` / `locked_by`.
    owner: u64,
    /// `CREATED_DATE` (insert) / `locked_at` (cas).
    locked_at: i64,
    /// cas: `lock_until`; insert: unused (expiry is `CREATED_DATE < cutoff`).
    lock_until: i64,
    /// Bookkeeping for the server's notes only (no such column): the row was
    /// released, so taking it is not a takeover.
    released: bool,
}

#[derive(Debug, Default)]
struct Table {
    rows: BTreeMap<String, Row>,
    /// The fencing sequence's last value (`nextval` adds one).
    seq: u64,
}

impl Table {
    /// A table as the operator restores it after losing the disk: no rows,
    /// the sequence restarted past anything an earlier incarnation issued
    /// (each incarnation issues fewer than 2^32 values).
    fn restored(incarnation: u32) -> Table {
        Table { rows: BTreeMap::new(), seq: u64::from(incarnation) << 32 }
    }

    fn nextval(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// Where a statement's time comes from: bound by the client when it sent the
/// statement, or the database's `now()` when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Bound(i64),
    Database,
}

/// Acquire: `Some(token)` when this owner now holds the lock.
#[derive(Debug)]
pub struct Acquire {
    pub lock: String,
    pub owner: u64,
    /// The statement's `now`.
    pub now: Stamp,
}

impl Rpc for Acquire {
    type Reply = Option<u64>;
    const NAME: &'static str = "database.acquire";
}

/// Release: `true` when a row changed (deleted, or its `lock_until` set).
#[derive(Debug)]
pub struct Release {
    pub lock: String,
    pub owner: u64,
    /// cas: the unlock time ShedLock computes on the client (max(now,
    /// locked_at + lockAtLeastFor)), or the database computes it.
    pub unlock_at: Stamp,
}

impl Rpc for Release {
    type Reply = bool;
    const NAME: &'static str = "database.release";
}

/// `SELECT CLIENT_ID` / `locked_by` of the lock row: its owner, whether or
/// not it has expired; `None` when there is no row. Only the calibration
/// suite sends it.
#[derive(Debug)]
pub struct RowOwner {
    pub lock: String,
}

impl Rpc for RowOwner {
    type Reply = Option<u64>;
    const NAME: &'static str = "database.row-owner";
}

/// What an acquire did.
#[derive(Debug, PartialEq, Eq)]
enum Granted {
    No,
    /// A fresh row, a released one, or this owner's own row again.
    Yes(u64),
    /// Another owner's expired row, taken over.
    TookOver(u64),
}

impl Granted {
    fn token(&self) -> Option<u64> {
        match self {
            Granted::No => None,
            Granted::Yes(t) | Granted::TookOver(t) => Some(*t),
        }
    }
}

/// The nanoseconds a duration spans, saturating (params stay below `MAX_MS`).
fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

fn acquire(table: &mut Table, config: &DatabaseConfig, lock: &str, owner: u64, now: i64) -> Granted {
    let ttl = config.expiry.map(nanos);
    let existing = table.rows.get(lock).copied();
    let (took_over, lock_until) = match (config.mode, existing) {
        (_, None) => (false, ttl.map_or(i64::MAX, |ttl| now.saturating_add(ttl))),
        // UPDATE ... WHERE LOCK_KEY=? AND (CLIENT_ID=? OR CREATED_DATE<?),
        // else INSERT (a duplicate key when the row is someone else's).
        (Mode::Insert, Some(row)) => {
            let cutoff = ttl.map_or(i64::MIN, |ttl| now.saturating_sub(ttl));
            if row.owner == owner {
                (false, i64::MAX)
            } else if row.locked_at < cutoff {
                (true, i64::MAX)
            } else {
                return Granted::No;
            }
        }
        // INSERT (a duplicate key), then UPDATE ... WHERE name=? AND lock_until <= now.
        (Mode::Cas, Some(row)) if row.lock_until <= now => {
            (row.owner != owner && !row.released, ttl.map_or(i64::MAX, |ttl| now.saturating_add(ttl)))
        }
        (Mode::Cas, Some(_)) => return Granted::No,
    };
    table.rows.insert(lock.into(), Row { owner, locked_at: now, lock_until, released: false });
    let token = table.nextval();
    if took_over {
        Granted::TookOver(token)
    } else {
        Granted::Yes(token)
    }
}

/// `unlock_at` is the cas unlock time: the client's, or `None` for the
/// database's (`now` then is the database's `now()`).
fn release(
    table: &mut Table,
    config: &DatabaseConfig,
    lock: &str,
    owner: u64,
    unlock_at: Option<i64>,
    now: i64,
) -> bool {
    let Some(row) = table.rows.get_mut(lock) else { return false };
    match config.mode {
        // DELETE ... WHERE LOCK_KEY=? AND CLIENT_ID=?
        Mode::Insert if row.owner != owner => false,
        Mode::Insert => {
            table.rows.remove(lock);
            true
        }
        // Client time: UPDATE ... SET lock_until=? WHERE name=?, whoever holds
        // the row now. Database time: SET lock_until = CASE WHEN locked_at +
        // lockAtLeastFor > now() ... WHERE name=? AND locked_by=?.
        Mode::Cas => {
            let until = match unlock_at {
                Some(t) => t,
                None if row.owner != owner => return false,
                None => now.max(row.locked_at.saturating_add(nanos(config.lock_at_least))),
            };
            row.lock_until = until;
            row.released = true;
            true
        }
    }
}

/// The database node: serves [`Acquire`], [`Release`] and [`RowOwner`].
pub async fn serve(ctx: NodeCtx, config: DatabaseConfig) {
    // A fresh slot after a lost disk is the operator's restore (see the module doc).
    let incarnation = ctx.incarnation();
    let table = if ctx.disk_lost() {
        ctx.durable(|| Mutex::new(Table::restored(incarnation)))
    } else {
        ctx.durable(|| Mutex::new(Table::default()))
    };
    let resolve = |c: &NodeCtx, stamp: Stamp| match stamp {
        Stamp::Bound(t) => t,
        Stamp::Database => c.clock().wall(),
    };
    let (t, c) = (table.clone(), ctx.clone());
    ctx.serve(move |req: Acquire| {
        let (t, c) = (t.clone(), c.clone());
        async move {
            c.sleep(config.commit).await;
            let now = resolve(&c, req.now);
            let granted = acquire(&mut t.lock().expect("table poisoned"), &config, &req.lock, req.owner, now);
            if granted != Granted::No {
                c.count_server_write();
            }
            if let Granted::TookOver(token) = granted {
                c.record(EventKind::Note { detail: format!("acquire took over an expired lock row (token {token})") });
            }
            granted.token()
        }
    });
    let (t, c) = (table.clone(), ctx.clone());
    ctx.serve(move |req: Release| {
        let (t, c) = (t.clone(), c.clone());
        async move {
            c.sleep(config.commit).await;
            let now = c.clock().wall();
            let unlock_at = match req.unlock_at {
                Stamp::Bound(t) => Some(t),
                Stamp::Database => None,
            };
            let released =
                release(&mut t.lock().expect("table poisoned"), &config, &req.lock, req.owner, unlock_at, now);
            if released {
                c.count_server_write();
            }
            released
        }
    });
    let t = table.clone();
    ctx.serve(move |req: RowOwner| {
        let owner = t.lock().expect("table poisoned").rows.get(&req.lock).map(|row| row.owner);
        async move { owner }
    });
    std::future::pending().await
}

struct DatabaseConnector {
    db: NodeId,
    config: DatabaseConfig,
}

impl Connector for DatabaseConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        // The rng stream is per incarnation, so a restarted client is a new id.
        let mut rng = ctx.rng("database-client");
        Client::Lock(Box::new(DatabaseClient {
            ctx: ctx.clone(),
            lock: lock.into(),
            db: self.db,
            config: self.config,
            owner: rng.gen(),
            locked_at: 0,
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
    /// This client incarnation's id (a UUID in both references).
    owner: u64,
    /// The client-clock time bound into the last acquire (ShedLock's
    /// `lockedAt`, from which the unlock time is computed).
    locked_at: i64,
    rng: SimRng,
}

impl DatabaseClient {
    /// The statement's `now`, bound on this client's clock unless the
    /// database's clock is used.
    fn stamp(&self, client_time: i64) -> Stamp {
        match self.config.clock {
            ClockSource::Client => Stamp::Bound(client_time),
            ClockSource::Database => Stamp::Database,
        }
    }

    async fn acquire_loop(&mut self, mode: AcquireMode) -> Acquired {
        let mut retrier = Retrier::new(&self.ctx, mode, self.config.retry);
        loop {
            let now = self.ctx.clock().wall();
            let req = Acquire { lock: self.lock.clone(), owner: self.owner, now: self.stamp(now) };
            let attempt = match self.ctx.call_or_reset(self.db, req, self.config.op_timeout).await {
                Ok(Some(token)) => {
                    self.locked_at = now;
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

    async fn release_row(&mut self) -> Released {
        let now = self.ctx.clock().wall();
        let unlock_at = self.stamp(now.max(self.locked_at.saturating_add(nanos(self.config.lock_at_least))));
        let req = Release { lock: self.lock.clone(), owner: self.owner, unlock_at };
        match self.ctx.call_or_reset(self.db, req, self.config.op_timeout).await {
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

    const S: i64 = 1_000_000_000;

    fn config(mode: Mode, clock: ClockSource) -> DatabaseConfig {
        DatabaseConfig {
            mode,
            clock,
            expiry: Some(Duration::from_secs(10)),
            lock_at_least: Duration::ZERO,
            commit: Duration::ZERO,
            op_timeout: Duration::from_secs(1),
            retry: RetryPolicy { delay: Duration::from_millis(100), jitter: Duration::ZERO, max_attempts: None },
            fencing: true,
        }
    }

    #[test]
    fn a_jdbc_lock_registry_client_that_lost_its_reply_re_acquires_its_own_row() {
        let (mut t, c) = (Table::default(), config(Mode::Insert, ClockSource::Client));
        assert_eq!(acquire(&mut t, &c, "lock", 1, 0), Granted::Yes(1));
        // The reply was lost; the retry matches CLIENT_ID=? and succeeds.
        assert_eq!(acquire(&mut t, &c, "lock", 1, S), Granted::Yes(2));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 2 * S), Granted::No, "someone else's live row is a duplicate key");
        assert!(!release(&mut t, &c, "lock", 2, None, 0), "DELETE ... AND CLIENT_ID=? only deletes the owner's row");
        assert!(release(&mut t, &c, "lock", 1, None, 0));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 3 * S), Granted::Yes(3));
    }

    #[test]
    fn a_jdbc_lock_registry_row_expires_on_the_acquiring_clients_clock() {
        let (mut t, c) = (Table::default(), config(Mode::Insert, ClockSource::Client));
        assert_eq!(acquire(&mut t, &c, "lock", 1, 100 * S), Granted::Yes(1));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 110 * S), Granted::No, "CREATED_DATE < now - TTL is strict");
        assert_eq!(acquire(&mut t, &c, "lock", 2, 110 * S + 1), Granted::TookOver(2));
        // A client whose clock runs 30 s fast sees a fresh row as expired.
        assert_eq!(acquire(&mut t, &c, "lock", 3, 110 * S + 30 * S + 2), Granted::TookOver(3));
        let never = DatabaseConfig { expiry: None, ..c };
        assert_eq!(acquire(&mut t, &never, "lock", 4, i64::MAX), Granted::No, "without a TTL a row never expires");
    }

    #[test]
    fn shedlock_refuses_even_its_own_row_until_lock_until_passes() {
        let (mut t, c) = (Table::default(), config(Mode::Cas, ClockSource::Client));
        assert_eq!(acquire(&mut t, &c, "lock", 1, 0), Granted::Yes(1));
        assert_eq!(acquire(&mut t, &c, "lock", 1, S), Granted::No, "WHERE lock_until <= now ignores locked_by");
        assert_eq!(acquire(&mut t, &c, "lock", 2, 10 * S - 1), Granted::No);
        assert_eq!(acquire(&mut t, &c, "lock", 2, 10 * S), Granted::TookOver(2), "lock_until <= now is inclusive");
    }

    #[test]
    fn shedlock_unlocks_by_name_only_unless_it_uses_db_time() {
        let (mut t, c) = (Table::default(), config(Mode::Cas, ClockSource::Client));
        assert_eq!(acquire(&mut t, &c, "lock", 1, 0), Granted::Yes(1));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 10 * S), Granted::TookOver(2));
        // The first holder's late unlock frees its successor's live lock.
        assert!(release(&mut t, &c, "lock", 1, Some(11 * S), 0));
        assert_eq!(acquire(&mut t, &c, "lock", 3, 11 * S), Granted::Yes(3), "a released row is not a takeover");

        let (mut t, c) = (Table::default(), config(Mode::Cas, ClockSource::Database));
        assert_eq!(acquire(&mut t, &c, "lock", 1, 0), Granted::Yes(1));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 10 * S), Granted::TookOver(2));
        assert!(!release(&mut t, &c, "lock", 1, None, 11 * S), "usingDbTime's unlock checks locked_by");
        assert_eq!(acquire(&mut t, &c, "lock", 3, 11 * S), Granted::No);
        assert!(release(&mut t, &c, "lock", 2, None, 11 * S));
        assert_eq!(acquire(&mut t, &c, "lock", 3, 11 * S), Granted::Yes(3));
    }

    #[test]
    fn shedlock_lock_at_least_for_keeps_a_released_row_until_locked_at_plus_it() {
        let c = DatabaseConfig { lock_at_least: Duration::from_secs(5), ..config(Mode::Cas, ClockSource::Database) };
        let mut t = Table::default();
        assert_eq!(acquire(&mut t, &c, "lock", 1, 0), Granted::Yes(1));
        assert!(release(&mut t, &c, "lock", 1, None, S));
        assert_eq!(acquire(&mut t, &c, "lock", 2, 5 * S - 1), Granted::No);
        assert_eq!(acquire(&mut t, &c, "lock", 2, 5 * S), Granted::Yes(2));
    }

    #[test]
    fn fencing_tokens_never_repeat_after_a_disk_loss() {
        let c = config(Mode::Insert, ClockSource::Client);
        let mut before = Table::default();
        for i in 0..1000 {
            acquire(&mut before, &c, "lock", i, i as i64 * S);
        }
        // The restart after the loss is incarnation 1 or later.
        let mut after = Table::restored(1);
        let first = acquire(&mut after, &c, "lock", 7, 0).token().unwrap();
        assert!(first > before.seq, "{first} <= {}", before.seq);
        assert!(after.rows.len() == 1, "the restored table starts without the old rows");
    }
}
