//! The history of a run: the single source of truth (docs/ARCHITECTURE.md, "Contracts": the history is the truth).
//!
//! Clients, servers, the protected resource and the fault injector record
//! events here, stamped with global simulated time. Checkers, metrics and
//! reports read only the history. Its [`History::trace_hash`] is a stable
//! 64-bit fingerprint: two runs of the same inputs must give the same hash on
//! any machine and with any number of worker threads.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use crate::hash::Fnv64;
use crate::time::SimTime;

/// A node of the world, as an index into [`History::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// What a node is for; checkers look at clients, reports draw one lane each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Client,
    /// A server of the lock service (faults aimed at "servers" hit these).
    Server,
    /// The protected resource; lock-server faults leave it alone.
    Resource,
    /// Node 0: the world itself (the fault injector and the end-of-run record).
    World,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    pub role: Role,
}

/// A lock operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    Acquire,
    Release,
    Renew,
    /// A client-side check that the lock is still valid (e.g. Redlock's
    /// validity time) right before acting on it; recorded as a completion only.
    Check,
    /// A guarded operation run without a lock (optimistic, deterministic
    /// ordering): `ok` committed, `fail` gave up or had nothing to do, `info` unknown.
    Operate,
    /// A reentrant acquisition of a lock the client already holds (nothing
    /// reaches the lock service), and its matching release.
    NestedAcquire,
    NestedRelease,
}

/// Jepsen's three outcomes: `Info` means unknown (a timed-out acquire may hold the lock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Ok,
    Fail,
    Info,
}

/// What the protected resource did with a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum WriteVerdict {
    Accepted,
    /// The write carried a fencing token lower than one already seen.
    StaleToken {
        highest: u64,
    },
    /// The write expected a version the register no longer has.
    VersionMismatch {
        current: u64,
    },
}

/// The kinds of fault the injector records; reports shade them on timelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    Pause,
    Crash,
    Partition,
    Network,
    ClockJump,
    ClockDrift,
    /// A design-specific stress (e.g. memory pressure on a cache).
    Signal,
    /// A wall clock stepped away and back, again and again (Jepsen's strobe).
    ClockStrobe,
    /// Every message to or from a node takes longer (a latency spike).
    Slow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultPhase {
    Start,
    End,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventKind {
    /// A client began a lock operation; `lock` names the lock when a workload
    /// uses several (absent: the workload's one lock).
    Invoke {
        op: Op,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lock: Option<String>,
    },
    /// A lock operation finished; `token` is the fencing token an acquire obtained, if any.
    Complete { op: Op, outcome: Outcome, token: Option<u64> },
    /// The client believes it holds the locks named (absent: the workload's
    /// one lock) and starts its guarded work.
    CsEnter {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        locks: Vec<String>,
    },
    /// The client has finished its guarded work.
    CsExit,
    /// The protected resource's starting value (of each of its `registers`).
    ResourceInit {
        value: i64,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        registers: u32,
    },
    /// The protected resource served a read of register `key`.
    Read {
        client: NodeId,
        value: i64,
        version: u64,
        #[serde(default, skip_serializing_if = "is_zero")]
        key: u32,
    },
    /// The protected resource judged a write to register `key` (accepted or
    /// rejected). `read_version` is the version the client based the write on,
    /// when it says so (recorded, not enforced: checkers use it to spot lost
    /// updates).
    Write {
        client: NodeId,
        prev: i64,
        value: i64,
        token: Option<u64>,
        version: u64,
        verdict: WriteVerdict,
        #[serde(default, skip_serializing_if = "is_zero")]
        key: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_version: Option<u64>,
    },
    /// A fault started or ended on `node` (the world node when it targets no single node).
    Fault { kind: FaultKind, phase: FaultPhase, detail: String },
    /// The fault phase is over: every fault was healed (paused nodes resumed,
    /// crashed ones restarted, links and clocks restored); the liveness phase
    /// that follows expects progress.
    Heal,
    /// The design's service became ready (a coordination ensemble elected
    /// its first leader); clients that wait for it start now.
    Ready,
    /// A server did something notable on its own (evicted a key, promoted a
    /// replica, reaped an expired lock, expired a session).
    Note { detail: String },
    /// The run ended; counters that are not events. `server_writes` counts the
    /// state changes lock servers applied (commits, cache writes, log entries).
    End { messages: u64, server_writes: u64 },
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: SimTime,
    pub node: NodeId,
    pub kind: EventKind,
}

/// The most events one run's history may hold. An event takes about 100
/// bytes (`locksim bench --section checkers` measures it), so a run in flight
/// holds at most about 2 GB; the recorder stops a run that passes it
/// ([`TOO_LONG`]) rather than let it exhaust the machine.
pub const MAX_EVENTS: usize = 20_000_000;

/// How the message of a run stopped at [`MAX_EVENTS`] starts.
pub const TOO_LONG: &str = "the history passed";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub nodes: Vec<NodeInfo>,
    pub events: Vec<Event>,
}

impl History {
    pub fn node_name(&self, id: NodeId) -> &str {
        self.nodes.get(id.0 as usize).map_or("?", |n| n.name.as_str())
    }

    pub fn clients(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes.iter().enumerate().filter(|(_, n)| n.role == Role::Client).map(|(i, _)| NodeId(i as u32))
    }

    /// When the run ended (the time of the last event).
    pub fn end(&self) -> SimTime {
        self.events.last().map_or(SimTime::ZERO, |e| e.at)
    }

    /// A stable fingerprint of the whole history: FNV-1a over its canonical
    /// JSON encoding, which fixes field order and number formatting.
    pub fn trace_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        serde_json::to_writer(&mut h, &self.nodes).expect("hashing cannot fail");
        // Each event is written to a buffer and hashed at once: the same
        // bytes as writing to the hasher, without a call per JSON token.
        let mut buf = Vec::with_capacity(256);
        for event in &self.events {
            buf.clear();
            serde_json::to_writer(&mut buf, event).expect("hashing cannot fail");
            h.update(&buf);
        }
        h.finish()
    }

    /// One line per event: `  12.031512s  client-2   acquire ok token=34`.
    pub fn render_timeline(&self) -> String {
        let mut out = String::new();
        for event in &self.events {
            let _ = writeln!(
                out,
                "{:>14}  {:<10} {}",
                event.at.to_string(),
                self.node_name(event.node),
                self.describe(&event.kind)
            );
        }
        out
    }

    /// A short human description of an event (without time and node).
    pub fn describe(&self, kind: &EventKind) -> String {
        let token = |t: &Option<u64>| t.map(|t| format!(" token={t}")).unwrap_or_default();
        match kind {
            EventKind::Invoke { op, lock: None } => format!("{} invoke", op_name(*op)),
            EventKind::Invoke { op, lock: Some(lock) } => format!("{} {lock} invoke", op_name(*op)),
            EventKind::Complete { op, outcome, token: t } => {
                format!("{} {}{}", op_name(*op), outcome_name(*outcome), token(t))
            }
            EventKind::CsEnter { locks } if locks.is_empty() => "enter critical section".into(),
            EventKind::CsEnter { locks } => format!("enter critical section ({})", locks.join(", ")),
            EventKind::CsExit => "exit critical section".into(),
            EventKind::ResourceInit { value, registers: 1 } => format!("resource starts at {value}"),
            EventKind::ResourceInit { value, registers } => format!("resource starts {registers} registers at {value}"),
            EventKind::Read { client, value, version, key } => {
                format!("read {}by {} -> {value} (version {version})", register(*key), self.node_name(*client))
            }
            EventKind::Write { client, prev, value, token: t, version, verdict, key, .. } => {
                let judged = match verdict {
                    WriteVerdict::Accepted => "accepted".to_string(),
                    WriteVerdict::StaleToken { highest } => {
                        format!("REJECTED (stale token, highest seen {highest})")
                    }
                    WriteVerdict::VersionMismatch { current } => {
                        format!("REJECTED (version is now {current})")
                    }
                };
                format!(
                    "write {}by {} {prev} -> {value}{} at version {version}: {judged}",
                    register(*key),
                    self.node_name(*client),
                    token(t)
                )
            }
            EventKind::Fault { kind, phase, detail } => {
                let phase = match phase {
                    FaultPhase::Start => "starts",
                    FaultPhase::End => "ends",
                };
                format!("fault {kind:?} {phase}: {detail}")
            }
            EventKind::Heal => "every fault healed: the liveness phase begins".into(),
            EventKind::Ready => "the service is ready: clients start".into(),
            EventKind::Note { detail } => detail.clone(),
            EventKind::End { messages, server_writes } => {
                format!("run ends ({messages} messages, {server_writes} server writes)")
            }
        }
    }
}

/// "register 3 " for a keyed register; nothing for the default one.
fn register(key: u32) -> String {
    if key == 0 {
        String::new()
    } else {
        format!("register {key} ")
    }
}

pub fn op_name(op: Op) -> &'static str {
    match op {
        Op::Acquire => "acquire",
        Op::Release => "release",
        Op::Renew => "renew",
        Op::Check => "validity check",
        Op::Operate => "operate",
        Op::NestedAcquire => "nested acquire",
        Op::NestedRelease => "nested release",
    }
}

pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "fail",
        Outcome::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(at: u64) -> History {
        History {
            nodes: vec![NodeInfo { name: "client-0".into(), role: Role::Client }],
            events: vec![Event { at: SimTime(at), node: NodeId(0), kind: EventKind::CsEnter { locks: vec![] } }],
        }
    }

    #[test]
    fn trace_hash_is_pinned_and_sensitive() {
        // Pinned: the encoding must not change silently, or saved seeds stop replaying.
        assert_eq!(history(5).trace_hash(), history(5).trace_hash());
        assert_ne!(history(5).trace_hash(), history(6).trace_hash());
        assert_eq!(format!("{:016x}", history(5).trace_hash()), PINNED_HASH);
    }

    const PINNED_HASH: &str = "d44ea9b18aaae1fc";
}
