//! A client's session with the coordination service: which replica to talk
//! to, the heartbeats that keep the session alive, retries, watch
//! notifications, and what the client knows of its connection.
//!
//! References: the ZooKeeper Programmer's Guide ("ZooKeeper Sessions": the
//! client pings when idle, moves to another server when its server is lost,
//! and learns of an expiry only when it reaches the service again) and
//! Apache Curator's connection states (CONNECTED / SUSPENDED / LOST), which
//! Curator's recipes tell users to treat as "lock may be lost" / "lock lost".
//!
//! Simplified:
//! - every request is an RPC to the replica the client believes leads, over
//!   the world's TCP-like connection to it; a "not leader, try X" reply
//!   moves it to X, a timeout to the next replica (ZooKeeper clients
//!   reconnect likewise). A timeout resets the connection
//!   (`NodeCtx::call_or_reset`): what it still carried is never served, as
//!   ZooKeeper rejects an old connection's requests once the session has
//!   moved, which keeps a session's requests in the order they were sent;
//!   there is no per-request timeout in ZooKeeper's protocol, only the read
//!   timeout after which the client reconnects: `op_timeout_ms` stands for it;
//! - a heartbeat is a ping every third of the session timeout (ZooKeeper
//!   pings after a third of it idle); when one goes unanswered the client
//!   tries other replicas until the next one is due;
//! - the connection state is what the client has *learnt*: a request or ping
//!   that timed out makes it `Suspended`, a "session expired" reply makes it
//!   `Lost`; a client that was paused knows nothing new until a reply or
//!   timeout reaches it after resuming.

use rand::Rng;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

use sim::history::NodeId;
use sim::world::NodeCtx;

use super::proto::{Op, Reply, Request, ServiceError, WatchFired};
use super::tree::{SessionId, TreeError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    pub timeout: Duration,
    /// Client-side timeout of one request.
    pub op_timeout: Duration,
    /// Wait before asking again when no replica knows a leader (an election).
    pub backoff: Duration,
}

/// What the client knows of its session (Curator's connection states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connected,
    /// A request went unanswered: the session may be expiring.
    Suspended,
    /// The service said the session expired (or there is none yet).
    Lost,
}

/// Why a request gave no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The session expired: its ephemeral nodes are gone.
    Expired,
    /// A request went unanswered: it may or may not have taken effect.
    Unknown,
    /// No replica gave a definite answer before the deadline.
    Unavailable,
    Tree(TreeError),
}

struct Conn {
    replica: usize,
    session: Option<SessionId>,
    state: ConnState,
}

/// A client's handle on its session (cheap to clone).
#[derive(Clone)]
pub struct CoordSession {
    ctx: NodeCtx,
    replicas: Arc<[NodeId]>,
    config: SessionConfig,
    conn: Arc<Mutex<Conn>>,
    /// One notification per watched path: a node's locks share its session
    /// (as a process's Curator recipes share its ZooKeeper session) and each
    /// waits for the watch on its own predecessor.
    watches: Arc<Mutex<BTreeMap<String, Arc<Notify>>>>,
    heartbeating: Arc<AtomicBool>,
}

impl CoordSession {
    /// Start a client's session machinery: the watch receiver now, the
    /// heartbeat task with the first [`CoordSession::ensure`], which opens the session.
    pub fn start(ctx: &NodeCtx, replicas: Arc<[NodeId]>, config: SessionConfig) -> CoordSession {
        // ZooKeeper clients shuffle their server list: start at a random replica.
        let replica = ctx.rng("coord-client").gen_range(0..replicas.len());
        let session = CoordSession {
            ctx: ctx.clone(),
            replicas,
            config,
            conn: Arc::new(Mutex::new(Conn { replica, session: None, state: ConnState::Lost })),
            watches: Arc::default(),
            heartbeating: Arc::new(AtomicBool::new(false)),
        };
        let watches = session.watches.clone();
        ctx.serve(move |fired: WatchFired| {
            watches.lock().expect("watches poisoned").entry(fired.path).or_default().notify_one();
            std::future::ready(())
        });
        session
    }

    pub fn state(&self) -> ConnState {
        self.conn.lock().expect("conn poisoned").state
    }

    pub fn session(&self) -> Option<SessionId> {
        self.conn.lock().expect("conn poisoned").session
    }

    /// Record what a reply taught us about `session` (ignored if it is no longer ours).
    fn learn(&self, session: Option<SessionId>, state: ConnState) {
        let mut conn = self.conn.lock().expect("conn poisoned");
        if session.is_some() && conn.session == session {
            conn.state = state;
            if state == ConnState::Lost {
                conn.session = None;
            }
        }
    }

    fn move_to(&self, hint: Option<NodeId>) {
        let mut conn = self.conn.lock().expect("conn poisoned");
        conn.replica = match hint.and_then(|h| self.replicas.iter().position(|r| *r == h)) {
            Some(i) => i,
            None => (conn.replica + 1) % self.replicas.len(),
        };
    }

    /// Send `op` to the leader, following redirects, until a definite answer;
    /// a timeout ends the attempt as `Unknown`.
    async fn attempt(&self, session: Option<SessionId>, op: &Op, deadline: Duration) -> Result<Reply, Failure> {
        loop {
            if self.ctx.clock().monotonic() >= deadline {
                return Err(Failure::Unavailable);
            }
            let to = self.replicas[self.conn.lock().expect("conn poisoned").replica];
            let req = Request { client: self.ctx.id(), session, op: op.clone() };
            match self.ctx.call_or_reset(to, req, self.config.op_timeout).await {
                Ok(Ok(reply)) => {
                    self.learn(session, ConnState::Connected);
                    return Ok(reply);
                }
                Ok(Err(ServiceError::Tree(e))) => {
                    self.learn(session, ConnState::Connected);
                    return Err(Failure::Tree(e));
                }
                Ok(Err(ServiceError::SessionExpired)) => {
                    self.learn(session, ConnState::Lost);
                    return Err(Failure::Expired);
                }
                Ok(Err(ServiceError::NotLeader { hint })) => {
                    self.move_to(hint);
                    if hint.is_none() {
                        self.ctx.sleep(self.config.backoff).await;
                    }
                }
                Ok(Err(ServiceError::NotApplied)) => return Err(Failure::Unknown),
                Err(_) => {
                    self.learn(session, ConnState::Suspended);
                    self.move_to(None);
                    return Err(Failure::Unknown);
                }
            }
        }
    }

    fn deadline(&self) -> Duration {
        // Past the session timeout the session is gone anyway.
        self.ctx.clock().monotonic() + self.config.timeout
    }

    /// Run `op` once in this session: a lost reply is `Unknown` (for
    /// operations that must not be blindly repeated, like a sequential create).
    pub async fn request_once(&self, op: Op) -> Result<Reply, Failure> {
        let session = self.session().ok_or(Failure::Expired)?;
        self.attempt(Some(session), &op, self.deadline()).await
    }

    /// Run an operation that is safe to repeat until a definite answer.
    pub async fn request(&self, op: Op) -> Result<Reply, Failure> {
        let session = self.session().ok_or(Failure::Expired)?;
        let deadline = self.deadline();
        loop {
            match self.attempt(Some(session), &op, deadline).await {
                Err(Failure::Unknown) => continue,
                other => return other,
            }
        }
    }

    /// The current session, opening one if there is none. A create whose
    /// reply was lost leaves a session nobody pings, which simply expires.
    pub async fn ensure(&self) -> Result<SessionId, Failure> {
        // Spawned from the client's own task, so the heartbeats run on (and
        // pause and crash with) the client node; `start` runs while the world
        // builds the node, outside it.
        if !self.heartbeating.swap(true, Ordering::Relaxed) {
            madsim::task::spawn(self.clone().heartbeat());
        }
        if let Some(session) = self.session() {
            return Ok(session);
        }
        let deadline = self.deadline();
        loop {
            match self.attempt(None, &Op::CreateSession { timeout: self.config.timeout }, deadline).await {
                Ok(Reply::Session(id)) => {
                    let mut conn = self.conn.lock().expect("conn poisoned");
                    conn.session = Some(id);
                    conn.state = ConnState::Connected;
                    return Ok(id);
                }
                Err(Failure::Unknown) => continue,
                Ok(_) => unreachable!("CreateSession replies with a session"),
                Err(e) => return Err(e),
            }
        }
    }

    /// Wait for the watch on `path` to fire, at most `max` of this node's clock.
    pub async fn wait_for_watch(&self, path: &str, max: Duration) {
        let notify = self.watches.lock().expect("watches poisoned").entry(path.to_string()).or_default().clone();
        let _ = self.ctx.clock().timeout(max, notify.notified()).await;
        // One-shot: the watch is spent (or given up on); the caller looks again.
        self.watches.lock().expect("watches poisoned").remove(path);
    }

    /// Ping every third of the session timeout; when a ping goes unanswered,
    /// try the other replicas until the next ping is due.
    async fn heartbeat(self) {
        let interval = self.config.timeout / 3;
        loop {
            self.ctx.sleep(interval).await;
            let Some(session) = self.session() else { continue };
            let deadline = self.ctx.clock().monotonic() + interval;
            while let Err(Failure::Unknown | Failure::Tree(_)) = self.attempt(Some(session), &Op::Ping, deadline).await
            {
            }
        }
    }
}
