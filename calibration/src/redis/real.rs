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
    sync_delay: String,
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
        sync_delay: config_get(&mut admin, "repl-diskless-sync-delay").map_err(fail)?,
        maxmemory: config_get(&mut admin, "maxmemory").map_err(fail)?,
    };
    let outcomes = play(url, &mut admin, case);
    let restored = (|| {
        config_set(&mut admin, "maxmemory", &saved.maxmemory)?;
        redis::cmd("FLUSHDB").query::<()>(&mut admin)?;
        config_set(&mut admin, "maxmemory-policy", &saved.policy)?;
        config_set(&mut admin, "maxmemory-samples", &saved.samples)?;
        config_set(&mut admin, "repl-diskless-sync-delay", &saved.sync_delay)
    })();
    restored.map_err(fail)?;
    outcomes
}

fn play(url: &str, admin: &mut Connection, case: &Case) -> Result<Vec<Outcome>, String> {
    let fail = |e: RedisError| format!("{}: {e}", case.name);
    redis::cmd("FLUSHDB").query::<()>(admin).map_err(fail)?;
    config_set(admin, "maxmemory-policy", policy_name(case.server.policy)).map_err(fail)?;
    config_set(admin, "maxmemory-samples", "10").map_err(fail)?;
    // A replica's first sync starts at once (Redis waits 5 s for more replicas by default).
    config_set(admin, "repl-diskless-sync-delay", "0").map_err(fail)?;
    let clients = case.steps.iter().filter_map(client_of).max().map_or(0, |c| c + 1);
    let mut conns = (0..clients).map(|_| connect(url)).collect::<Result<Vec<_>, _>>()?;
    // Declared after the connections' use ends, dropped (stopped) on every return.
    let replica = if case.server.replica { Some(Replica::start(url)?) } else { None };
    let mut replica_conn = replica.as_ref().map(|r| connect(&r.url)).transpose()?;
    let mut outcomes = Vec::new();
    for op in &case.steps {
        let master = replica.as_ref().map(|r| (r.master.0.as_str(), r.master.1));
        outcomes.push(step(admin, &mut conns, replica_conn.as_mut(), master, op).map_err(fail)?);
    }
    Ok(outcomes)
}

fn client_of(op: &Op) -> Option<usize> {
    match op {
        Op::SetNxPx { client, .. } | Op::DelIfValue { client, .. } | Op::ReplicaSetNxPx { client, .. } => Some(*client),
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

fn set_nx(conn: &mut Connection, client: usize, key: &str, ttl_ms: u64) -> Result<Outcome, RedisError> {
    let value = format!("client-{client}");
    replied(
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query::<Value>(conn)
            .map(|v| Outcome::Set(v != Value::Nil)),
    )
}

fn step(
    admin: &mut Connection,
    conns: &mut [Connection],
    replica: Option<&mut Connection>,
    master: Option<(&str, u16)>,
    op: &Op,
) -> Result<Outcome, RedisError> {
    let value = |client: usize| format!("client-{client}");
    let no_replica = || RedisError::from((redis::ErrorKind::ClientError, "the case's setup has no replica"));
    match *op {
        Op::SetNxPx { client, key, ttl_ms } => set_nx(&mut conns[client], client, key, ttl_ms),
        Op::ReplicaSetNxPx { client, key, ttl_ms } => set_nx(replica.ok_or_else(no_replica)?, client, key, ttl_ms),
        Op::ReplicaExists { key } => {
            let n: i64 = redis::cmd("EXISTS").arg(key).query(replica.ok_or_else(no_replica)?)?;
            Ok(Outcome::Exists(n == 1))
        }
        Op::WaitForReplica { timeout_ms } => {
            let acked: i64 = redis::cmd("WAIT").arg(1).arg(timeout_ms).query(admin)?;
            Ok(Outcome::Rows(acked.max(0) as u64))
        }
        Op::CutReplicaLink => {
            redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("replica").query::<i64>(admin)?;
            Ok(Outcome::Waited)
        }
        Op::DetachReplica => {
            redis::cmd("REPLICAOF").arg("NO").arg("ONE").query::<()>(replica.ok_or_else(no_replica)?)?;
            Ok(Outcome::Waited)
        }
        Op::ReattachReplica => {
            let (host, port) = master.ok_or_else(no_replica)?;
            redis::cmd("REPLICAOF").arg(host).arg(port).query::<()>(replica.ok_or_else(no_replica)?)?;
            Ok(Outcome::Waited)
        }
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

/// A replica of the case's server: a `redis-server` the suite starts on a
/// free port with `--replicaof` the server (no persistence), ready once its
/// link to the master is up; stopped when dropped.
struct Replica {
    child: std::process::Child,
    url: String,
    /// The master's host and port, for `REPLICAOF`.
    master: (String, u16),
}

impl Replica {
    fn start(master_url: &str) -> Result<Replica, String> {
        let info = redis::Client::open(master_url).map_err(|e| e.to_string())?.get_connection_info().addr.clone();
        let redis::ConnectionAddr::Tcp(host, port) = info else {
            return Err(format!("{master_url}: a replica needs a TCP master"));
        };
        // A free port: bind port 0, read what the kernel chose, let it go.
        let free =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?;
        let replica_port = free.port().to_string();
        // One snapshot file for every case's replica, kept between cases: a
        // replica that starts from it resumes with a partial resync, while
        // one starting empty may drop its link once right after its first
        // full sync, and reconnect up to 2 s later (seen in Redis 7.0's log).
        let (dir, rdb) = (std::env::temp_dir(), "locksim-calibration-replica.rdb".to_string());
        let child = std::process::Command::new("redis-server")
            .args(["--port", &replica_port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            // A replica loads the master's snapshot through a file: keep it out of the working directory.
            .args(["--dir", &dir.to_string_lossy(), "--dbfilename", &rdb])
            .args(["--replicaof", host.as_str(), &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start a replica (redis-server --port {replica_port}): {e}"))?;
        let url = format!("redis://127.0.0.1:{replica_port}");
        let replica = Replica { child, url, master: (host, port) };
        // Right after its first full sync a replica may drop the link once
        // and reconnect (a partial resync, up to 2 s later): ready means up
        // on every poll for half a second.
        let (mut up_polls, poll) = (0, Duration::from_millis(50));
        for _ in 0..200 {
            sleep(poll);
            let up = redis::Client::open(replica.url.as_str())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("INFO").arg("replication").query::<String>(&mut c))
                .is_ok_and(|info| info.contains("master_link_status:up"));
            up_polls = if up { up_polls + 1 } else { 0 };
            if up_polls >= 10 {
                return Ok(replica);
            }
        }
        Err(format!("the replica on port {replica_port} did not stay in sync with {master_url} within 10 s"))
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
