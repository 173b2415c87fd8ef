//! `ephemeral-sequential`: the lock recipe ZooKeeper and etcd users run on a
//! replicated coordination service (`crate::coord`).
//!
//! References: the ZooKeeper recipes document ("Locks"), Apache Curator's
//! `InterProcessMutex` (`LockInternals`, "protection" mode of creates), and
//! etcd's advice to use a lock key's revision as a fencing token.
//!
//! Acquire:
//! 1. open a session if the client has none (sessions live on the service;
//!    the client pings every third of the session timeout);
//! 2. create `/lock/<guid>-lock-` ephemeral + sequential. The GUID is drawn
//!    per acquire; when a create's reply is lost the client lists `/lock` and
//!    adopts the child carrying its GUID before creating again (Curator's
//!    protection mode), so a lost reply never leaves a duplicate in the queue;
//! 3. list `/lock`; the lowest sequence number holds the lock; otherwise call
//!    `exists` with a watch on the next-lower node only (no herd effect: a
//!    release wakes one waiter) and wait for the watch, then list again.
//!
//! Release deletes the node. A node the client could not delete (service
//! unreachable) is remembered by its GUID and deleted before it can queue
//! ahead of the client's next attempt; the session's expiry removes it anyway.
//!
//! What the client believes (the `check` before each write, as Curator tells
//! users to watch connection state): it holds the lock while it holds a node
//! and its session is `Connected`. A request or ping that timed out makes it
//! `Suspended` ("may no longer hold the lock"), a "session expired" reply makes
//! it `Lost`. The check reads what the client has learnt, not a clock: a
//! client paused past its session timeout resumes believing it holds the lock
//! until a reply tells it otherwise — the window the fencing option closes.
//!
//! Not modelled: Curator 3.x's client-side LOST timer (at SUSPENDED it starts
//! a timer of the negotiated session timeout and posts LOST when it runs out
//! with no reconnect). The verdicts do not depend on it: `Suspended` already
//! fails the check, exactly as `Lost` does, so the timer can only turn "may
//! have lost it" into "lost it" for a client that hears nothing at all; such
//! a client reaches no replica, so it can neither write nor queue a new node
//! until a reply reaches it, and its first reply after the server expired the
//! session says so (`Lost`, and a new session). Only when a suspended client
//! learns `Lost` differs, and nothing it does depends on that meanwhile. The
//! one exception is a one-way cut that lets the client's pings through and
//! loses the replies: the server keeps the session, Curator would post LOST
//! and give up a lock still granted to it, while this client returns to
//! `Connected` at its first reply, holding a node no one else can hold. The
//! safety verdict is the same; only that client's throughput differs.
//!
//! `fencing=true`: the node's creation zxid (its log index) is the token sent
//! with each write. Nodes are created in log order and the lowest one holds,
//! so tokens grow with every new holder.
//!
//! Defaults: Curator's 60 s session timeout would outlast most faults of a
//! 60 s run; 10 s (ZooKeeper's own client default range is 2-20 ticks of
//! 2 s) lets a paused or partitioned holder's session expire within a run and
//! matches the 10 s TTL the other designs default to. Raft ticks every
//! 100 ms with elections after 1-2 s (etcd's defaults).
//!
//! Simplified: waiting ends on a watch notification or after
//! `watch_recheck_ms` at most, because a notification dies with a reset
//! connection (`sim::net`) and watches live on one replica (a ZooKeeper client would instead
//! re-register its watches with its last zxid when it reconnects).

use rand::Rng;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::history::NodeId;
use sim::rng::SimRng;
use sim::world::{NodeCtx, World};

use crate::coord::client::{ConnState, CoordSession, Failure, SessionConfig};
use crate::coord::proto::{Op, Reply};
use crate::coord::tree::{Child, SessionId, TreeError, Zxid};
use crate::coord::{self, CoordConfig};
use crate::lock::{AcquireMode, Acquired, Client, Connector, Deployment, Design, LockClient, LockFuture, Released};
use crate::params::{ParamReader, ParamSpec, MAX_MS};

pub struct EphemeralDesign;

const PARAMS: &[ParamSpec] = coord::params_with![
    ParamSpec::millis("watch_recheck_ms", 1000, 1, MAX_MS, "longest wait on a watch before listing again"),
    ParamSpec::flag("fencing", false, "send the lock node's creation zxid as a fencing token"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EphemeralConfig {
    pub coord: CoordConfig,
    pub session: SessionConfig,
    pub watch_recheck: Duration,
    pub fencing: bool,
}

impl Design for EphemeralDesign {
    fn name(&self) -> &'static str {
        "ephemeral-sequential"
    }

    fn summary(&self) -> &'static str {
        "ZooKeeper/Curator lock: ephemeral sequential node on a raft ensemble, lowest holds, watch the next-lower"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let (coord, session) = coord::read_params(self.name(), p)?;
        Ok(Arc::new(EphemeralConfig {
            coord,
            session,
            watch_recheck: p.millis("watch_recheck_ms")?,
            fencing: p.flag("fencing")?,
        }))
    }
}

impl Deployment for EphemeralConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        Arc::new(EphemeralConnector {
            replicas: coord::deploy(world, self.coord),
            config: *self,
            sessions: Mutex::new(BTreeMap::new()),
        })
    }
}

struct EphemeralConnector {
    replicas: Arc<[NodeId]>,
    config: EphemeralConfig,
    /// Each client node's session, by incarnation: all its locks share it,
    /// as a process's Curator locks share its ZooKeeper session.
    sessions: Mutex<BTreeMap<NodeId, (u32, CoordSession)>>,
}

impl EphemeralConnector {
    fn session_of(&self, ctx: &NodeCtx) -> CoordSession {
        let mut sessions = self.sessions.lock().expect("sessions poisoned");
        match sessions.get(&ctx.id()) {
            Some((incarnation, session)) if *incarnation == ctx.incarnation() => session.clone(),
            _ => {
                let session = CoordSession::start(ctx, self.replicas.clone(), self.config.session);
                sessions.insert(ctx.id(), (ctx.incarnation(), session.clone()));
                session
            }
        }
    }
}

impl Connector for EphemeralConnector {
    fn connect(&self, ctx: &NodeCtx, _resource: NodeId, lock: &str) -> Client {
        Client::Lock(Box::new(EphemeralLock {
            ctx: ctx.clone(),
            dir: format!("/{lock}"),
            session: self.session_of(ctx),
            config: self.config,
            rng: ctx.rng("ephemeral-lock"),
            held: None,
            orphans: Vec::new(),
        }))
    }
}

/// The sequence number ZooKeeper appends: the name's last ten digits.
fn sequence(name: &str) -> u64 {
    name.len().checked_sub(10).and_then(|i| name[i..].parse().ok()).unwrap_or(u64::MAX)
}

fn prefix(guid: &str) -> String {
    format!("{guid}-lock-")
}

/// How waiting for our turn ended.
enum Turn {
    Held(Zxid),
    /// Our node is gone: only a session expiry deletes it.
    Expired,
    TimedOut,
    Unavailable,
}

struct EphemeralLock {
    ctx: NodeCtx,
    /// The lock's parent node: `/` + the lock's name.
    dir: String,
    session: CoordSession,
    config: EphemeralConfig,
    rng: SimRng,
    /// The name of the node that holds the lock for us.
    /// With the session it was created in: a node's locks share one session,
    /// and a new session opened for another lock must not revive this one.
    held: Option<(String, SessionId)>,
    /// GUIDs of nodes we may have left in the queue, with their session.
    orphans: Vec<(SessionId, String)>,
}

impl EphemeralLock {
    async fn list(&self) -> Result<Vec<Child>, Failure> {
        match self.session.request(Op::GetChildren { path: self.dir.clone() }).await {
            Ok(Reply::Children(children)) => Ok(children),
            Err(Failure::Tree(TreeError::NoNode)) => Ok(Vec::new()),
            Ok(other) => unreachable!("GetChildren replied {other:?}"),
            Err(e) => Err(e),
        }
    }

    /// Create our node (protected by the GUID); `maybe_created` says an
    /// earlier create of this session may have succeeded unseen.
    async fn create(&self, guid: &str, maybe_created: &mut bool) -> Result<Child, Failure> {
        let name = prefix(guid);
        loop {
            if *maybe_created {
                if let Some(mine) = self.list().await?.into_iter().find(|c| c.name.starts_with(&name)) {
                    return Ok(mine);
                }
            }
            let op = Op::Create { path: format!("{}/{}", self.dir, name), ephemeral: true, sequential: true };
            match self.session.request_once(op).await {
                Ok(Reply::Created { path, czxid }) => {
                    return Ok(Child { name: path[self.dir.len() + 1..].to_string(), czxid });
                }
                Err(Failure::Unknown) => *maybe_created = true,
                Err(Failure::Tree(TreeError::NoParent)) => {
                    // Curator's creatingParentsIfNeeded: the lock directory is persistent.
                    let dir = Op::Create { path: self.dir.clone(), ephemeral: false, sequential: false };
                    match self.session.request(dir).await {
                        Ok(_) | Err(Failure::Tree(TreeError::NodeExists)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(other) => unreachable!("Create replied {other:?}"),
                Err(e) => return Err(e),
            }
        }
    }

    /// Delete nodes this session left behind in `children`; the rest remain.
    /// A second node with our own GUID is one too: a create whose outcome
    /// was unknown ("not applied" while still in the log) can be applied
    /// after the list that looked for it, and the client created again.
    async fn drop_orphans(&mut self, children: Vec<Child>, ours: &str) -> Vec<Child> {
        let session = self.session.session();
        self.orphans.retain(|(s, _)| Some(*s) == session);
        let own = prefix(ours.split_once("-lock-").map_or(ours, |(guid, _)| guid));
        let mut kept = Vec::new();
        for child in children {
            let mine =
                child.name.starts_with(&own) || self.orphans.iter().any(|(_, g)| child.name.starts_with(&prefix(g)));
            let orphan = child.name != ours && mine;
            if !orphan {
                kept.push(child);
                continue;
            }
            let path = format!("{}/{}", self.dir, child.name);
            match self.session.request(Op::Delete { path }).await {
                Ok(_) | Err(Failure::Tree(TreeError::NoNode)) => {
                    self.orphans.retain(|(_, g)| !child.name.starts_with(&prefix(g)));
                }
                Err(_) => kept.push(child),
            }
        }
        kept
    }

    async fn wait_turn(&mut self, ours: &Child, deadline: Option<Duration>) -> Turn {
        loop {
            let children = match self.list().await {
                Ok(children) => self.drop_orphans(children, &ours.name).await,
                Err(Failure::Expired) => return Turn::Expired,
                Err(_) => return Turn::Unavailable,
            };
            let mut queue: Vec<&Child> = children.iter().collect();
            // Each name parsed once, not at every comparison (a stable sort either way).
            queue.sort_by_cached_key(|c| sequence(&c.name));
            let Some(position) = queue.iter().position(|c| c.name == ours.name) else { return Turn::Expired };
            if position == 0 {
                return Turn::Held(ours.czxid);
            }
            let left = deadline.map(|d| d.saturating_sub(self.ctx.clock().monotonic()));
            if left == Some(Duration::ZERO) {
                return Turn::TimedOut;
            }
            let previous = format!("{}/{}", self.dir, queue[position - 1].name);
            match self.session.request(Op::Exists { path: previous.clone(), watch: true }).await {
                Ok(Reply::Exists(None)) => {}
                Ok(_) => {
                    let wait = left.map_or(self.config.watch_recheck, |l| l.min(self.config.watch_recheck));
                    self.session.wait_for_watch(&previous, wait).await;
                }
                Err(Failure::Expired) => return Turn::Expired,
                Err(_) => return Turn::Unavailable,
            }
        }
    }

    /// Remember a node we may have left behind; the lock may be ours if it exists.
    fn give_up(&mut self, guid: String, maybe_created: bool) -> Acquired {
        match (maybe_created, self.session.session()) {
            (true, Some(session)) => {
                self.orphans.push((session, guid));
                Acquired::Unknown
            }
            _ => Acquired::Busy,
        }
    }

    async fn acquire_node(&mut self, mode: AcquireMode) -> Acquired {
        self.held = None;
        let now = self.ctx.clock().monotonic();
        let deadline = match mode {
            AcquireMode::Try => Some(now),
            AcquireMode::Timeout(limit) => Some(now + limit),
            AcquireMode::Blocking => None,
        };
        let guid = format!("{:016x}", self.rng.gen::<u64>());
        let mut maybe_created = false;
        loop {
            if self.session.ensure().await.is_err() {
                return Acquired::Busy;
            }
            let ours = match self.create(&guid, &mut maybe_created).await {
                Ok(ours) => ours,
                Err(Failure::Expired) => {
                    maybe_created = false;
                    continue;
                }
                Err(_) => return self.give_up(guid, maybe_created),
            };
            match self.wait_turn(&ours, deadline).await {
                Turn::Held(czxid) => {
                    let Some(session) = self.session.session() else { continue };
                    self.held = Some((ours.name, session));
                    return Acquired::Held { token: self.config.fencing.then_some(czxid) };
                }
                // A new session and a new node (the old one went with the session).
                Turn::Expired => maybe_created = false,
                Turn::TimedOut => {
                    let path = format!("{}/{}", self.dir, ours.name);
                    return match self.session.request(Op::Delete { path }).await {
                        Ok(_) | Err(Failure::Tree(TreeError::NoNode)) | Err(Failure::Expired) => Acquired::Busy,
                        Err(_) => self.give_up(guid, true),
                    };
                }
                Turn::Unavailable => return self.give_up(guid, true),
            }
        }
    }

    async fn release_node(&mut self) -> Released {
        let Some((name, _)) = self.held.take() else { return Released::NotHeld };
        let path = format!("{}/{}", self.dir, name);
        let mut sent_unanswered = false;
        let give_up_at = self.ctx.clock().monotonic() + self.config.session.timeout;
        loop {
            match self.session.request_once(Op::Delete { path: path.clone() }).await {
                Ok(_) => return Released::Released,
                // After a lost reply, NoNode most likely means our own delete worked.
                Err(Failure::Tree(TreeError::NoNode)) if sent_unanswered => return Released::Released,
                Err(Failure::Tree(_)) | Err(Failure::Expired) => return Released::NotHeld,
                Err(Failure::Unknown) if self.ctx.clock().monotonic() < give_up_at => sent_unanswered = true,
                Err(Failure::Unknown | Failure::Unavailable) => {
                    if let Some(session) = self.session.session() {
                        let guid = name.split('-').next().unwrap_or_default().to_string();
                        self.orphans.push((session, guid));
                    }
                    return Released::Unknown;
                }
            }
        }
    }
}

impl LockClient for EphemeralLock {
    fn acquire(&mut self, mode: AcquireMode) -> LockFuture<'_, Acquired> {
        Box::pin(self.acquire_node(mode))
    }

    fn release(&mut self) -> LockFuture<'_, Released> {
        Box::pin(self.release_node())
    }

    fn check(&mut self) -> Option<bool> {
        let ours = self.held.as_ref().is_some_and(|(_, s)| self.session.session() == Some(*s));
        Some(ours && self.session.state() == ConnState::Connected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_are_the_last_ten_digits() {
        assert_eq!(sequence("00000000000000ab-lock-0000000042"), 42);
        assert_eq!(sequence("short"), u64::MAX);
    }

    #[test]
    fn an_even_or_tiny_ensemble_is_refused() {
        let err = |n: &str| {
            crate::configure(&EphemeralDesign, &crate::params::Params::default().with("replicas", n)).err().unwrap()
        };
        assert!(err("4").starts_with("ephemeral-sequential: parameter replicas=4 must be odd"), "{}", err("4"));
        assert_eq!(err("1"), "ephemeral-sequential: parameter replicas=1 must be at least 3");
        assert!(crate::configure(&EphemeralDesign, &crate::params::Params::default().with("replicas", "5")).is_ok());
    }
}
