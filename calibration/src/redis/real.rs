//! A case played on a live Redis over real connections (the `redis`
//! crate's synchronous client, one connection per client of the case plus
//! one for setup and the filler).
//!
//! Each case runs in database 9, emptied before and after, with the case's
//! `maxmemory-policy` and `maxmemory-samples 10` (more samples make the
//! approximated LRU pick the idlest key reliably); only [`Op::Fill`] sets a
//! `maxmemory`. The server's settings are
//! put back after every case, whatever it returned.

use std::thread::sleep;
use std::time::Duration;

use redis::{Connection, RedisError, Value};

use super::{policy_name, Case, Op};
use crate::script::Outcome;

const DB: i64 = 9;
/// The filler's values, and how many it writes in each phase of [`fill`].
const FILLER_BYTES: usize = 10_000;
const FILLER_KEYS: usize = 400;

/// Connect to `url` (e.g. `redis://127.0.0.1:6379`); an error says why not.
pub fn connect(url: &str) -> Result<Connection, String> {
    let client = redis::Client::open(url).map_err(|e| format!("{url}: {e}"))?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2)).map_err(|e| format!("{url}: {e}"))?;
    redis::cmd("SELECT").arg(DB).query::<()>(&mut conn).map_err(|e| format!("{url}: {e}"))?;
    Ok(conn)
}

/// The server settings a case changes, to put back.
struct Saved {
    policy: String,
    samples: String,
    maxmemory: String,
}

fn config_get(conn: &mut Connection, name: &str) -> Result<String, RedisError> {
    let pair: Vec<String> = redis::cmd("CONFIG").arg("GET").arg(name).query(conn)?;
    Ok(pair.get(1).cloned().unwrap_or_default())
}

fn config_set(conn: &mut Connection, name: &str, value: &str) -> Result<(), RedisError> {
    redis::cmd("CONFIG").arg("SET").arg(name).arg(value).query(conn)
}

/// Play `case` on the server at `url`; one outcome per step.
pub fn run(url: &str, case: &Case) -> Result<Vec<Outcome>, String> {
    let mut admin = connect(url)?;
    let fail = |e: RedisError| format!("{}: {e}", case.name);
    let saved = Saved {
        policy: config_get(&mut admin, "maxmemory-policy").map_err(fail)?,
        samples: config_get(&mut admin, "maxmemory-samples").map_err(fail)?,
        maxmemory: config_get(&mut admin, "maxmemory").map_err(fail)?,
    };
    let outcomes = play(url, &mut admin, case);
    let restored = (|| {
        config_set(&mut admin, "maxmemory", &saved.maxmemory)?;
        redis::cmd("FLUSHDB").query::<()>(&mut admin)?;
        config_set(&mut admin, "maxmemory-policy", &saved.policy)?;
        config_set(&mut admin, "maxmemory-samples", &saved.samples)
    })();
    restored.map_err(fail)?;
    outcomes
}

fn play(url: &str, admin: &mut Connection, case: &Case) -> Result<Vec<Outcome>, String> {
    let fail = |e: RedisError| format!("{}: {e}", case.name);
    redis::cmd("FLUSHDB").query::<()>(admin).map_err(fail)?;
    config_set(admin, "maxmemory-policy", policy_name(case.server)).map_err(fail)?;
    config_set(admin, "maxmemory-samples", "10").map_err(fail)?;
    let clients = case.steps.iter().filter_map(client_of).max().map_or(0, |c| c + 1);
    let mut conns = (0..clients).map(|_| connect(url)).collect::<Result<Vec<_>, _>>()?;
    let mut outcomes = Vec::new();
    for op in &case.steps {
        outcomes.push(step(admin, &mut conns, op).map_err(fail)?);
    }
    Ok(outcomes)
}

fn client_of(op: &Op) -> Option<usize> {
    match op {
        Op::SetNxPx { client, .. } | Op::DelIfValue { client, .. } => Some(*client),
        _ => None,
    }
}

/// The script the single-instance lock releases with ("Distributed Locks with Redis").
const RELEASE: &str =
    r#"if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end"#;

/// An error reply as an outcome (by its code), anything else as the error it is.
fn replied(result: Result<Outcome, RedisError>) -> Result<Outcome, RedisError> {
    match result {
        Err(e) if e.code() == Some("OOM") => Ok(Outcome::Error("OOM")),
        Err(e) if e.code() == Some("READONLY") => Ok(Outcome::Error("READONLY")),
        other => other,
    }
}

fn step(admin: &mut Connection, conns: &mut [Connection], op: &Op) -> Result<Outcome, RedisError> {
    let value = |client: usize| format!("client-{client}");
    match *op {
        Op::SetNxPx { client, key, ttl_ms } => replied(
            redis::cmd("SET")
                .arg(key)
                .arg(value(client))
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query::<Value>(&mut conns[client])
                .map(|v| Outcome::Set(v != Value::Nil)),
        ),
        Op::DelIfValue { client, key } => replied(
            redis::cmd("EVAL")
                .arg(RELEASE)
                .arg(1)
                .arg(key)
                .arg(value(client))
                .query::<i64>(&mut conns[client])
                .map(|n| Outcome::Deleted(n == 1)),
        ),
        Op::Exists { key } => redis::cmd("EXISTS").arg(key).query::<i64>(admin).map(|n| Outcome::Exists(n == 1)),
        Op::Pttl { key } => redis::cmd("PTTL").arg(key).query::<i64>(admin).map(Outcome::Pttl),
        Op::IdleAtLeast2s { key } => {
            let idle: Option<i64> = redis::cmd("OBJECT").arg("IDLETIME").arg(key).query(admin)?;
            Ok(Outcome::Idle(idle.is_some_and(|s| s >= 2)))
        }
        Op::Fill => fill(admin),
        Op::Wait { ms } => {
            sleep(Duration::from_millis(ms));
            Ok(Outcome::Waited)
        }
    }
}

/// Memory made full: the filler writes [`FILLER_KEYS`] keys without a TTL,
/// `maxmemory` is set 500 KB below what is then used (so memory is over the
/// limit for certain, whatever the connections' buffers hold), and the filler
/// writes on until a write is refused with OOM or another [`FILLER_KEYS`]
/// are written (an LRU policy evicts to make room for each).
fn fill(admin: &mut Connection) -> Result<Outcome, RedisError> {
    let blob = "x".repeat(FILLER_BYTES);
    let write =
        |admin: &mut Connection, i: usize| redis::cmd("SET").arg(format!("filler-{i}")).arg(&blob).query::<()>(admin);
    for i in 0..FILLER_KEYS {
        write(admin, i)?;
    }
    let info: String = redis::cmd("INFO").arg("memory").query(admin)?;
    let used: u64 =
        info.lines().find_map(|l| l.strip_prefix("used_memory:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    config_set(admin, "maxmemory", &used.saturating_sub(500_000).max(1).to_string())?;
    for i in FILLER_KEYS..2 * FILLER_KEYS {
        match write(admin, i) {
            Ok(()) => {}
            Err(e) if e.code() == Some("OOM") => return Ok(Outcome::FillRefused(true)),
            Err(e) => return Err(e),
        }
    }
    Ok(Outcome::FillRefused(false))
}

/// The server's `redis_version`.
pub fn server_version(conn: &mut Connection) -> Result<String, String> {
    let info: String = redis::cmd("INFO").arg("server").query(conn).map_err(|e| e.to_string())?;
    Ok(info.lines().find_map(|l| l.strip_prefix("redis_version:")).unwrap_or("?").trim().to_string())
}
