//! A PostgreSQL case played on a live server over real connections
//! (`tokio-postgres` on a current-thread runtime; one connection per client
//! of the case plus one for setup).
//!
//! Each case gets a fresh schema `locksim_calibration` holding Spring's
//! `INT_LOCK` and ShedLock's `shedlock` tables as their PostgreSQL schemas
//! declare them, dropped again afterwards whatever the case returned. A
//! setup with `commit_ms` adds a deferred constraint trigger that sleeps at
//! `COMMIT`, so a commit is slow while its statement is not. A library call
//! runs under the client's timeout: past it, the connection is dropped (the
//! socket closes) and the outcome is [`Outcome::Unknown`]; the next step of
//! that client connects again.

use std::future::Future;
use std::time::{Duration, SystemTime};

use algorithms::database::{ClockSource, Mode};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use super::{Case, Op, Setup, LOCK};
use crate::script::Outcome;

const SCHEMA: &str = "locksim_calibration";
/// Spring's `REGION` (its default).
const REGION: &str = "DEFAULT";
/// The advisory lock's key.
const ADVISORY_KEY: i64 = 4_242;

/// The tables as Spring's `schema-postgresql.sql` and ShedLock's README
/// create them.
const TABLES: &str = "CREATE TABLE int_lock (
    lock_key CHAR(36) NOT NULL, region VARCHAR(100) NOT NULL, client_id CHAR(36),
    created_date TIMESTAMP NOT NULL, CONSTRAINT int_lock_pk PRIMARY KEY (lock_key, region));
  CREATE TABLE shedlock (
    name VARCHAR(64) NOT NULL, lock_until TIMESTAMP NOT NULL, locked_at TIMESTAMP NOT NULL,
    locked_by VARCHAR(255) NOT NULL, PRIMARY KEY (name));";

/// A live connection and the task driving it.
struct Connection {
    client: Client,
    driver: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Stop driving the socket: it closes, and the server sees the session end.
        self.driver.abort();
    }
}

/// A connection in the suite's schema.
async fn connect(params: &str) -> Result<Connection, String> {
    let conn = connect_plain(params).await?;
    conn.client.batch_execute(&format!("SET search_path TO {SCHEMA}")).await.map_err(|e| e.to_string())?;
    Ok(conn)
}

/// A current-thread runtime for the suite.
pub fn runtime() -> Result<Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

/// The server's version (`server_version`), or why it could not be reached.
pub fn server_version(rt: &Runtime, params: &str) -> Result<String, String> {
    rt.block_on(async {
        let conn = connect_plain(params).await?;
        let row = conn.client.query_one("SHOW server_version", &[]).await.map_err(|e| e.to_string())?;
        let version: String = row.get(0);
        Ok(version.split_whitespace().next().unwrap_or("?").to_string())
    })
}

/// A connection without the suite's search path (the schema may not exist yet).
async fn connect_plain(params: &str) -> Result<Connection, String> {
    let (client, connection) = tokio::time::timeout(Duration::from_secs(2), tokio_postgres::connect(params, NoTls))
        .await
        .map_err(|_| format!("{params}: no answer in 2 s"))?
        .map_err(|e| format!("{params}: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Connection { client, driver })
}

/// Play `case` on the server `params` names (a libpq-style string, e.g.
/// `host=127.0.0.1 user=postgres dbname=test`); one outcome per step.
pub fn run(rt: &Runtime, params: &str, case: &Case) -> Result<Vec<Outcome>, String> {
    rt.block_on(async {
        let admin = connect_plain(params).await?;
        let fail = |e: tokio_postgres::Error| format!("{}: {e}", case.name);
        admin.client.batch_execute(&setup_sql(&case.server)).await.map_err(fail)?;
        let outcomes = play(params, case).await;
        admin.client.batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")).await.map_err(fail)?;
        outcomes
    })
}

fn setup_sql(setup: &Setup) -> String {
    let mut sql = format!(
        "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}; SET search_path TO {SCHEMA}; {TABLES}"
    );
    if setup.commit_ms > 0 {
        let seconds = setup.commit_ms as f64 / 1000.0;
        sql += &format!(
            "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$;
             CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON int_lock
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
             CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON shedlock
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();"
        );
    }
    sql
}

/// The case's clients: a connection each (made on first use), and the time
/// each bound into its last acquire (ShedLock's `lockedAt`).
struct Clients<'a> {
    params: &'a str,
    setup: Setup,
    conns: Vec<Option<Connection>>,
    reader: Option<Connection>,
    locked_at: Vec<Option<SystemTime>>,
}

async fn play(params: &str, case: &Case) -> Result<Vec<Outcome>, String> {
    let n = case.steps.iter().filter_map(Op::client).max().map_or(0, |c| c + 1);
    let mut clients = Clients {
        params,
        setup: case.server,
        conns: (0..n).map(|_| None).collect(),
        reader: None,
        locked_at: vec![None; n],
    };
    let mut outcomes = Vec::new();
    for op in &case.steps {
        outcomes.push(clients.step(op).await.map_err(|e| format!("{}: {op:?}: {e}", case.name))?);
    }
    Ok(outcomes)
}

/// A server error as an outcome, by the SQLSTATEs the cases expect; any
/// other error is the case failing.
fn sql_error(e: &tokio_postgres::Error) -> Option<Outcome> {
    let code = e.code()?;
    [
        (SqlState::UNIQUE_VIOLATION, "23505"),
        (SqlState::LOCK_NOT_AVAILABLE, "55P03"),
        (SqlState::QUERY_CANCELED, "57014"),
    ]
    .into_iter()
    .find(|(state, _)| state == code)
    .map(|(_, name)| Outcome::Error(name))
}

fn client_id(client: usize) -> String {
    format!("client-{client}")
}

impl Clients<'_> {
    async fn conn(&mut self, client: usize) -> Result<&Client, String> {
        if self.conns[client].is_none() {
            self.conns[client] = Some(connect(self.params).await?);
        }
        Ok(&self.conns[client].as_ref().expect("connected").client)
    }

    /// A library call's outcome, or, when the client's timeout passed first,
    /// the connection dropped not knowing what the server did.
    fn unless_timed_out(&mut self, client: usize, call: Option<Result<Outcome, String>>) -> Result<Outcome, String> {
        call.unwrap_or_else(|| {
            self.conns[client] = None;
            Ok(Outcome::Unknown)
        })
    }

    async fn step(&mut self, op: &Op) -> Result<Outcome, String> {
        let e = |e: tokio_postgres::Error| e.to_string();
        match *op {
            Op::Acquire { client } => {
                let now = SystemTime::now();
                let setup = self.setup;
                let conn = self.conn(client).await?;
                let call = within(setup, acquire(conn, setup, client, now)).await;
                let outcome = self.unless_timed_out(client, call)?;
                if outcome == Outcome::Acquired(true) {
                    self.locked_at[client] = Some(now);
                }
                Ok(outcome)
            }
            Op::Release { client } => {
                let now = SystemTime::now();
                let at_least = Duration::from_millis(self.setup.lock_at_least_ms);
                let unlock_at = self.locked_at[client].map_or(now, |t| (t + at_least).max(now));
                let setup = self.setup;
                let conn = self.conn(client).await?;
                let call = within(setup, release(conn, setup, client, unlock_at)).await;
                self.unless_timed_out(client, call)
            }
            Op::ReadOwner => {
                let library = self.setup.library;
                let conn = self.reader().await?;
                let row = match library {
                    Mode::Insert => {
                        let sql = "SELECT client_id FROM int_lock WHERE region = $1 AND lock_key = $2";
                        conn.query_opt(sql, &[&REGION, &LOCK]).await
                    }
                    Mode::Cas => conn.query_opt("SELECT locked_by FROM shedlock WHERE name = $1", &[&LOCK]).await,
                }
                .map_err(e)?;
                let owner = row.map(|r| r.get::<_, String>(0));
                Ok(Outcome::Owner(owner.and_then(|id| id.trim().strip_prefix("client-")?.parse().ok())))
            }
            Op::Wait { ms } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Outcome::Waited)
            }
            Op::StatementTimeout { client, ms } => {
                self.conn(client).await?.batch_execute(&format!("SET statement_timeout = {ms}")).await.map_err(e)?;
                Ok(Outcome::Waited)
            }
            Op::HoldRowLock { client } => {
                let conn = self.conn(client).await?;
                conn.batch_execute("BEGIN").await.map_err(e)?;
                let rows =
                    conn.query("SELECT 1 FROM int_lock WHERE lock_key = $1 FOR UPDATE", &[&LOCK]).await.map_err(e)?;
                Ok(Outcome::Rows(rows.len() as u64))
            }
            Op::RowLockNowait { client } => {
                let conn = self.conn(client).await?;
                let sql = "SELECT 1 FROM int_lock WHERE lock_key = $1 FOR UPDATE NOWAIT";
                let outcome = match conn.query(sql, &[&LOCK]).await {
                    Ok(rows) => Outcome::Rows(rows.len() as u64),
                    Err(err) => sql_error(&err).ok_or_else(|| err.to_string())?,
                };
                Ok(outcome)
            }
            Op::RowLockSkipLocked { client } => {
                let conn = self.conn(client).await?;
                let sql = "SELECT 1 FROM int_lock WHERE lock_key = $1 FOR UPDATE SKIP LOCKED";
                Ok(Outcome::Rows(conn.query(sql, &[&LOCK]).await.map_err(e)?.len() as u64))
            }
            Op::Commit { client } => {
                self.conn(client).await?.batch_execute("COMMIT").await.map_err(e)?;
                Ok(Outcome::Waited)
            }
            Op::TryAdvisoryLock { client } => {
                let conn = self.conn(client).await?;
                let row = conn.query_one("SELECT pg_try_advisory_lock($1)", &[&ADVISORY_KEY]).await.map_err(e)?;
                Ok(Outcome::Acquired(row.get(0)))
            }
            Op::Disconnect { client } => {
                self.conns[client] = None;
                Ok(Outcome::Waited)
            }
        }
    }

    /// A connection for reads outside every client's session.
    async fn reader(&mut self) -> Result<&Client, String> {
        if self.reader.is_none() {
            self.reader = Some(connect(self.params).await?);
        }
        Ok(&self.reader.as_ref().expect("connected").client)
    }
}

/// `call` under the client's timeout: `None` if the timeout passed first.
async fn within<F: Future<Output = Result<Outcome, String>>>(setup: Setup, call: F) -> Option<Result<Outcome, String>> {
    tokio::time::timeout(Duration::from_millis(setup.client_timeout_ms), call).await.ok()
}

/// The library's acquire, as its source sends it.
async fn acquire(conn: &Client, setup: Setup, client: usize, now: SystemTime) -> Result<Outcome, String> {
    let id = client_id(client);
    let expiry = Duration::from_millis(setup.expiry_ms);
    let e = |e: tokio_postgres::Error| e.to_string();
    let refused = |err: tokio_postgres::Error| match sql_error(&err) {
        Some(Outcome::Error("23505")) => Ok(false),
        Some(other) => Err(Ok(other)),
        None => Err(Err(err.to_string())),
    };
    match (setup.library, setup.clock) {
        // DefaultLockRepository.acquire, in one read-committed transaction.
        (Mode::Insert, _) => {
            conn.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(e)?;
            let updated = conn
                .execute(
                    "UPDATE int_lock SET client_id = $1, created_date = $2 \
                     WHERE region = $3 AND lock_key = $4 AND (client_id = $1 OR created_date < $5)",
                    &[&id, &now, &REGION, &LOCK, &(now - expiry)],
                )
                .await;
            let held = match updated {
                Ok(rows) if rows > 0 => true,
                Ok(_) => {
                    let inserted = conn
                        .execute(
                            "INSERT INTO int_lock (region, lock_key, client_id, created_date) VALUES ($1, $2, $3, $4)",
                            &[&REGION, &LOCK, &id, &now],
                        )
                        .await;
                    match inserted.map(|_| true).or_else(refused) {
                        Ok(held) => held,
                        Err(outcome) => {
                            let _ = conn.batch_execute("ROLLBACK").await;
                            return outcome;
                        }
                    }
                }
                Err(err) => {
                    let _ = conn.batch_execute("ROLLBACK").await;
                    return sql_error(&err).ok_or_else(|| err.to_string());
                }
            };
            // A refused INSERT aborted the transaction: COMMIT then rolls back.
            match conn.batch_execute("COMMIT").await {
                Ok(()) => Ok(Outcome::Acquired(held)),
                Err(err) => sql_error(&err).ok_or_else(|| err.to_string()),
            }
        }
        // JdbcTemplateStorageAccessor: insertRecord, then updateRecord, each
        // in a transaction of its own (here autocommit).
        (Mode::Cas, ClockSource::Client) => {
            let until = now + expiry;
            let inserted = conn
                .execute(
                    "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) VALUES ($1, $2, $3, $4)",
                    &[&LOCK, &until, &now, &id],
                )
                .await;
            match inserted.map(|_| true).or_else(refused) {
                Ok(true) => return Ok(Outcome::Acquired(true)),
                Ok(false) => {}
                Err(outcome) => return outcome,
            }
            let updated = conn
                .execute(
                    "UPDATE shedlock SET lock_until = $1, locked_at = $2, locked_by = $3 \
                     WHERE name = $4 AND lock_until <= $2",
                    &[&until, &now, &id, &LOCK],
                )
                .await;
            match updated {
                Ok(rows) => Ok(Outcome::Acquired(rows == 1)),
                Err(err) => sql_error(&err).ok_or_else(|| err.to_string()),
            }
        }
        // PostgresSqlServerTimeStatementsSource's upsert.
        (Mode::Cas, ClockSource::Database) => {
            let interval = format!("{} milliseconds", setup.expiry_ms);
            let upserted = conn
                .execute(
                    "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) \
                     VALUES ($1, timezone('utc', CURRENT_TIMESTAMP) + cast($2::text AS interval), \
                             timezone('utc', CURRENT_TIMESTAMP), $3) \
                     ON CONFLICT (name) DO UPDATE SET \
                       lock_until = timezone('utc', CURRENT_TIMESTAMP) + cast($2::text AS interval), \
                       locked_at = timezone('utc', CURRENT_TIMESTAMP), locked_by = $3 \
                     WHERE shedlock.name = $1 AND shedlock.lock_until <= timezone('utc', CURRENT_TIMESTAMP)",
                    &[&LOCK, &interval, &id],
                )
                .await;
            match upserted {
                Ok(rows) => Ok(Outcome::Acquired(rows == 1)),
                Err(err) => sql_error(&err).ok_or_else(|| err.to_string()),
            }
        }
    }
}

/// The library's release, as its source sends it.
async fn release(conn: &Client, setup: Setup, client: usize, unlock_at: SystemTime) -> Result<Outcome, String> {
    let id = client_id(client);
    let changed = match (setup.library, setup.clock) {
        (Mode::Insert, _) => {
            conn.execute(
                "DELETE FROM int_lock WHERE region = $1 AND lock_key = $2 AND client_id = $3",
                &[&REGION, &LOCK, &id],
            )
            .await
        }
        (Mode::Cas, ClockSource::Client) => {
            conn.execute("UPDATE shedlock SET lock_until = $1 WHERE name = $2", &[&unlock_at, &LOCK]).await
        }
        (Mode::Cas, ClockSource::Database) => {
            let interval = format!("{} milliseconds", setup.lock_at_least_ms);
            conn.execute(
                "UPDATE shedlock SET lock_until = CASE \
                   WHEN locked_at + cast($1::text AS interval) > timezone('utc', CURRENT_TIMESTAMP) \
                   THEN locked_at + cast($1::text AS interval) \
                   ELSE timezone('utc', CURRENT_TIMESTAMP) END \
                 WHERE name = $2 AND locked_by = $3",
                &[&interval, &LOCK, &id],
            )
            .await
        }
    };
    match changed {
        Ok(rows) => Ok(Outcome::Released(rows == 1)),
        Err(err) => sql_error(&err).ok_or_else(|| err.to_string()),
    }
}
