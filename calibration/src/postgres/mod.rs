//! The PostgreSQL suite: the statements the `database` design's two
//! references send (Spring Integration's `DefaultLockRepository`, ShedLock's
//! `JdbcTemplateStorageAccessor` and its PostgreSQL server-time statements),
//! played on a live PostgreSQL 15 ([`real`]) and on `algorithms::database`
//! ([`model`]); and the primitives a lock built on PostgreSQL could use but
//! the design does not (row locks with `NOWAIT` / `SKIP LOCKED`, session
//! advisory locks, `statement_timeout`), checked on the real server only.

use algorithms::database::{ClockSource, Mode};

pub mod cases;
pub mod model;
pub mod real;

/// The one lock every case takes (Spring's `LOCK_KEY`, ShedLock's `name`).
pub const LOCK: &str = "lock";

/// A PostgreSQL case.
pub type Case = crate::script::Case<Op, Setup>;

/// How a case's lock library and server are set up.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// `Insert`: Spring's `JdbcLockRegistry`; `Cas`: ShedLock.
    pub library: Mode,
    /// Whose clock stamps rows: the client's, or the database's (ShedLock's
    /// `usingDbTime()`).
    pub clock: ClockSource,
    /// Spring's TTL / ShedLock's `lockAtMostFor`.
    pub expiry_ms: u64,
    /// ShedLock's `lockAtLeastFor`.
    pub lock_at_least_ms: u64,
    /// How long every commit of a lock row takes: on the real server a
    /// deferred constraint trigger sleeps this long at `COMMIT`; in the model
    /// it is `commit_ms`.
    pub commit_ms: u64,
    /// The client's own limit on each library call (a JDBC socket timeout):
    /// past it the client closes its connection and the outcome is unknown.
    pub client_timeout_ms: u64,
}

/// Spring's `JdbcLockRegistry` with a 10 s TTL, commits as fast as they go.
pub const SPRING: Setup = Setup {
    library: Mode::Insert,
    clock: ClockSource::Client,
    expiry_ms: 10_000,
    lock_at_least_ms: 0,
    commit_ms: 0,
    client_timeout_ms: 2_000,
};

/// ShedLock with client time and a 10 s `lockAtMostFor`.
pub const SHEDLOCK: Setup = Setup { library: Mode::Cas, ..SPRING };

/// One step of a case, on the one lock (`lock`). `client` numbers a
/// connection; its id is `client-N` on the real server and `N + 1` in the
/// model.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// The library's acquire (Spring: `UPDATE ... WHERE CLIENT_ID=? OR
    /// CREATED_DATE<?`, else `INSERT`, in one transaction; ShedLock: `INSERT`,
    /// else `UPDATE ... WHERE lock_until <= ?`, or the server-time upsert).
    Acquire { client: usize },
    /// The library's release (Spring: `DELETE ... AND CLIENT_ID=?`;
    /// ShedLock: `UPDATE ... SET lock_until=? WHERE name=?`, or the server-time
    /// statement that also checks `locked_by`).
    Release { client: usize },
    /// The lock row's owner column, or no row.
    ReadOwner,
    /// Wait this long (real time on the server, simulated in the model).
    Wait { ms: u64 },
    /// `SET statement_timeout = ms` on the client's session.
    StatementTimeout { client: usize, ms: u64 },
    /// `BEGIN; SELECT ... FROM INT_LOCK ... FOR UPDATE`, leaving the
    /// transaction open (the row stays locked).
    HoldRowLock { client: usize },
    /// `SELECT ... FOR UPDATE NOWAIT` in a transaction of its own.
    RowLockNowait { client: usize },
    /// `SELECT ... FOR UPDATE SKIP LOCKED`: the rows it locked.
    RowLockSkipLocked { client: usize },
    /// `COMMIT` the client's open transaction.
    Commit { client: usize },
    /// `SELECT pg_try_advisory_lock(key)` on the client's session.
    TryAdvisoryLock { client: usize },
    /// The client's session ends (its connection is closed).
    Disconnect { client: usize },
}

impl Op {
    /// The client the step runs on, if any.
    pub fn client(&self) -> Option<usize> {
        match *self {
            Op::Acquire { client }
            | Op::Release { client }
            | Op::StatementTimeout { client, .. }
            | Op::HoldRowLock { client }
            | Op::RowLockNowait { client }
            | Op::RowLockSkipLocked { client }
            | Op::Commit { client }
            | Op::TryAdvisoryLock { client }
            | Op::Disconnect { client } => Some(client),
            Op::ReadOwner | Op::Wait { .. } => None,
        }
    }
}
