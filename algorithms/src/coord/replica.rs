//! One replica of the coordination service: a raft-rs `RawNode` driven by
//! the node's clock and the simulated network, applying the log to the tree,
//! serving clients while it leads, tracking sessions and firing watches.
//!
//! References: raft-rs's `five_mem_node` example (the `Ready` loop: send,
//! apply, persist, advance); the ZooKeeper Programmer's Guide for sessions
//! and watches; ZooKeeper's leader, which alone tracks session liveness and
//! logs the expiry so every replica deletes the same ephemeral nodes.
//!
//! How it is driven:
//! - `tick()` every `tick` of the node's monotonic clock; raft messages
//!   arrive as [`RaftBatch`] requests and are `step()`ped; every call into
//!   raft is followed by the `Ready` loop ([`Replica::after_raft`]).
//! - The log and hard state live in a `MemStorage` kept in the node's durable
//!   slot, so a crash that keeps the disk restarts with the log, and the tree
//!   is rebuilt by replaying it (nothing is ever compacted, so no snapshots).
//! - A replica restarted without its disk stays out of the ensemble (Raft
//!   forbids forgetting the log and the vote; replacing it is a membership
//!   change this model does not make).
//! - `check_quorum` and `pre_vote` are on: a leader cut off from a majority
//!   steps down within an election timeout, and a rejoining replica does not
//!   depose a healthy leader.
//!
//! Determinism: raft-rs draws each randomized election timeout from
//! `rand::thread_rng()`, which rand 0.8 seeds through getrandom 0.2 — a raw
//! `getrandom` syscall that madsim's libc-level hook does not see, so a fresh
//! thread per seed is not enough. raft-rs only redraws the timeout in
//! `reset()`, which runs exactly when the node's (term, role) changes; after
//! every call into raft we check for such a change and overwrite the value
//! with a draw from the node's seeded stream before the next tick reads it.
//!
//! Simplified (and why it stays safe for the lock recipe):
//! - Reads are answered by the leader from its applied state, without a
//!   ReadIndex round. With `check_quorum` a deposed leader stops serving
//!   within an election timeout, far shorter than a session timeout, and a
//!   leader serves only once it has applied an entry of its own term.
//! - Watches live on the replica that registered them and are not
//!   replicated (as in ZooKeeper, where they live on the connected server);
//!   a client moving to another replica re-checks instead of re-registering.
//! - A new leader gives every session a fresh timeout, as ZooKeeper does.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

use raft::eraftpb::Message;
use raft::storage::MemStorage;
use raft::{Config, RawNode, StateRole};
use sim::history::{EventKind, NodeId};
use sim::rng::SimRng;
use sim::world::NodeCtx;

use super::proto::{Op, RaftBatch, Reply, Request, ServiceError, WatchFired};
use super::tree::{Applied, Change, Command, SessionId, Tree, TreeError};
use super::CoordConfig;
use crate::resource::ApplyInOrder;

/// How many times a replica offers an ordered operation to the resource.
const FORWARD_ATTEMPTS: u32 = 50;

/// State shared by the replicas of one world: a measurement, and a cache
/// that spares work without changing what any replica computes.
#[derive(Default)]
pub struct Meter {
    /// The highest log index counted as a server write: each committed
    /// command is counted once, by the first replica that applies it.
    counted: Mutex<u64>,
    /// Log entries already decoded, by log index.
    decoded: Mutex<Decoded>,
}

/// Log entries decoded once for the whole ensemble. Every replica applies
/// every committed entry (and a restarted one replays the whole log), and
/// decoding an entry's JSON was a tenth of a replica's work; all replicas
/// live in one process, so they can share the decoded value. An entry is
/// taken from here only if its term and bytes are those the cached value
/// was decoded from, so a replica applies exactly what it would have
/// decoded itself, even from an entry that was overwritten.
#[derive(Default)]
struct Decoded {
    /// At log index `i`: the entry decoded there last.
    entries: Vec<Option<DecodedEntry>>,
}

#[derive(Clone)]
struct DecodedEntry {
    term: u64,
    /// The bytes it was decoded from.
    data: Vec<u8>,
    logged: Arc<LogEntry>,
}

impl Decoded {
    fn insert(&mut self, index: u64, term: u64, data: Vec<u8>, logged: Arc<LogEntry>) {
        let i = index as usize;
        if self.entries.len() <= i {
            self.entries.resize(i + 1, None);
        }
        self.entries[i] = Some(DecodedEntry { term, data, logged });
    }

    /// The entry's decoded value, decoding (and keeping) it if it is not here.
    fn get(&mut self, entry: &raft::eraftpb::Entry) -> Arc<LogEntry> {
        let cached = self.entries.get(entry.index as usize).and_then(Option::as_ref);
        if let Some(cached) = cached {
            if cached.term == entry.term && cached.data[..] == entry.data[..] {
                return cached.logged.clone();
            }
        }
        let logged: Arc<LogEntry> =
            Arc::new(serde_json::from_slice(&entry.data).expect("log entries are written by replicas"));
        self.insert(entry.index, entry.term, entry.data.to_vec(), logged.clone());
        logged
    }
}

/// Where a log entry was proposed, so the proposer can answer its client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Origin {
    replica: u64,
    incarnation: u32,
    seq: u64,
}

#[derive(Serialize, Deserialize)]
struct LogEntry {
    origin: Origin,
    command: Command,
}

/// Messages produced while holding the replica, sent once it is released.
#[derive(Default)]
struct Outbox {
    /// Raft messages by destination raft id, in ascending order (the order
    /// they are sent in). A short sorted list: an ensemble has a few peers.
    raft: Vec<(u64, Vec<Message>)>,
    watches: Vec<(NodeId, String)>,
    /// Ordered operations to hand to the protected resource.
    ordered: Vec<ApplyInOrder>,
}

impl Outbox {
    fn add(&mut self, msgs: Vec<Message>) {
        let Some(first) = msgs.first() else { return };
        // A follower's messages all go to the leader: keep them as they are.
        let to = first.to;
        if msgs.iter().all(|m| m.to == to) {
            match self.raft.binary_search_by_key(&to, |(peer, _)| *peer) {
                Ok(i) => self.raft[i].1.extend(msgs),
                Err(i) => self.raft.insert(i, (to, msgs)),
            }
            return;
        }
        for m in msgs {
            match self.raft.binary_search_by_key(&m.to, |(peer, _)| *peer) {
                Ok(i) => self.raft[i].1.push(m),
                Err(i) => self.raft.insert(i, (m.to, vec![m])),
            }
        }
    }

    /// Take the messages for raft id `to`, if any.
    fn take(&mut self, to: u64) -> Option<Vec<Message>> {
        let i = self.raft.binary_search_by_key(&to, |(peer, _)| *peer).ok()?;
        Some(self.raft.remove(i).1)
    }
}

/// A client request's answer: now, or once its log entry is applied.
enum Answer {
    Now(Result<Reply, ServiceError>),
    Later(oneshot::Receiver<Applied>),
}

struct Replica {
    ctx: NodeCtx,
    config: CoordConfig,
    peers: Arc<[NodeId]>,
    meter: Arc<Meter>,
    node: RawNode<MemStorage>,
    storage: MemStorage,
    tree: Tree,
    election_rng: SimRng,
    /// (term, role) when the election timeout was last drawn.
    drawn_for: Option<(u64, StateRole)>,
    /// While leading: the term and the index of its first entry.
    leading: Option<(u64, u64)>,
    /// Leading and caught up (applied the first entry of its term).
    serving: bool,
    pending: BTreeMap<u64, oneshot::Sender<Applied>>,
    next_seq: u64,
    /// Leader: when each session was last heard from (monotonic clock).
    heard: BTreeMap<SessionId, Duration>,
    /// Leader: sessions whose expiry has been proposed.
    expiring: BTreeSet<SessionId>,
    /// One-shot watches registered here: path -> clients.
    watches: BTreeMap<String, Vec<NodeId>>,
}

impl Replica {
    fn id(&self) -> u64 {
        self.node.raft.id
    }

    fn name(&self, node: NodeId) -> String {
        self.ctx.world().node_name(node)
    }

    /// Overwrite raft-rs's thread_rng election timeout after every reset (see the module doc).
    fn redraw_election_timeout(&mut self) {
        let now = (self.node.raft.term, self.node.raft.state);
        if self.drawn_for != Some(now) {
            self.drawn_for = Some(now);
            let ticks = self.config.election_ticks;
            let timeout = self.election_rng.gen_range(ticks..2 * ticks);
            self.node.raft.set_randomized_election_timeout(timeout);
        }
    }

    /// The `Ready` loop, after any call into raft: what to send.
    fn after_raft(&mut self) -> Outbox {
        let mut out = Outbox::default();
        self.redraw_election_timeout();
        while self.node.has_ready() {
            let mut ready = self.node.ready();
            out.add(ready.take_messages());
            self.apply(ready.take_committed_entries(), &mut out);
            self.storage.wl().append(ready.entries()).expect("appending to the in-memory log");
            if let Some(hs) = ready.hs() {
                self.storage.wl().set_hardstate(hs.clone());
            }
            out.add(ready.take_persisted_messages());
            let mut light = self.node.advance(ready);
            if let Some(commit) = light.commit_index() {
                self.storage.wl().mut_hard_state().set_commit(commit);
            }
            out.add(light.take_messages());
            self.apply(light.take_committed_entries(), &mut out);
            self.node.advance_apply();
        }
        self.redraw_election_timeout();
        self.track_leadership();
        out
    }

    fn apply(&mut self, entries: Vec<raft::eraftpb::Entry>, out: &mut Outbox) {
        for entry in entries {
            // A new leader's empty entry carries no command.
            if entry.data.is_empty() {
                continue;
            }
            let logged = self.meter.decoded.lock().expect("meter poisoned").get(&entry);
            {
                let mut counted = self.meter.counted.lock().expect("meter poisoned");
                if entry.index > *counted {
                    *counted = entry.index;
                    self.ctx.count_server_write();
                }
            }
            let mut changes = Vec::new();
            let applied = self.tree.apply(entry.index, &logged.command, &mut changes);
            // Every replica hands each ordered operation to the resource (which
            // applies it once, in order), so a leader's crash loses none.
            if let Applied::Ordered { seq, client, op } = applied {
                out.ordered.push(ApplyInOrder { seq, client, op });
            }
            for change in changes {
                let (path, what) = match change {
                    Change::Created(p) => (p, "created"),
                    Change::Deleted(p) => (p, "deleted"),
                };
                let Some(mut clients) = self.watches.remove(&path) else { continue };
                clients.dedup();
                for client in clients {
                    let detail = format!("watch fired: {path} {what} -> {}", self.name(client));
                    self.ctx.record(EventKind::Note { detail });
                    out.watches.push((client, path.clone()));
                }
            }
            if let Command::ExpireSession { session } = logged.command {
                self.heard.remove(&session);
                self.expiring.remove(&session);
            }
            let o = logged.origin;
            if o.replica == self.id() && o.incarnation == self.ctx.incarnation() {
                if let Some(tx) = self.pending.remove(&o.seq) {
                    let _ = tx.send(applied);
                }
            }
        }
    }

    fn track_leadership(&mut self) {
        let raft = &self.node.raft;
        if raft.state != StateRole::Leader {
            if self.leading.take().is_some() {
                // Answers for proposals of a lost term are unknown to us now.
                self.serving = false;
                self.pending.clear();
                self.heard.clear();
                self.expiring.clear();
            }
            return;
        }
        if self.leading.map(|(term, _)| term) != Some(raft.term) {
            self.leading = Some((raft.term, raft.raft_log.last_index()));
            self.serving = false;
        }
        let (term, first) = self.leading.expect("set above");
        if !self.serving && raft.raft_log.applied >= first {
            self.serving = true;
            let now = self.ctx.clock().monotonic();
            self.heard = self.tree.sessions().map(|(id, _)| (id, now)).collect();
            self.expiring.clear();
            if self.config.leader_is_primary {
                self.ctx.world().set_primary(self.ctx.id());
            }
            self.ctx.world().report_ready();
            let detail = format!("leader elected: {} (term {term})", self.name(self.ctx.id()));
            self.ctx.record(EventKind::Note { detail });
        }
    }

    fn leader_hint(&self) -> Option<NodeId> {
        let leader = self.node.raft.leader_id;
        (leader != 0 && leader != self.id()).then(|| self.peers[leader as usize - 1])
    }

    fn propose(&mut self, command: Command) -> Answer {
        let origin = Origin { replica: self.id(), incarnation: self.ctx.incarnation(), seq: self.next_seq };
        self.next_seq += 1;
        let logged = Arc::new(LogEntry { origin, command });
        let data = serde_json::to_vec(&*logged).expect("commands serialize");
        match self.node.propose(Vec::new(), data.clone()) {
            Ok(()) => {
                // The leader appended it as its last entry, in its term:
                // the replicas that apply it need not decode it.
                let (index, term) = (self.node.raft.raft_log.last_index(), self.node.raft.term);
                self.meter.decoded.lock().expect("meter poisoned").insert(index, term, data, logged);
                let (tx, rx) = oneshot::channel();
                self.pending.insert(origin.seq, tx);
                Answer::Later(rx)
            }
            Err(_) => Answer::Now(Err(ServiceError::NotLeader { hint: self.leader_hint() })),
        }
    }

    fn handle(&mut self, req: Request) -> Answer {
        if !self.serving {
            return Answer::Now(Err(ServiceError::NotLeader { hint: self.leader_hint() }));
        }
        if let Op::CreateSession { timeout } = req.op {
            return self.propose(Command::CreateSession { client: req.client, timeout });
        }
        let live = req.session.filter(|s| self.tree.session(*s).is_some() && !self.expiring.contains(s));
        let Some(session) = live else { return Answer::Now(Err(ServiceError::SessionExpired)) };
        self.heard.insert(session, self.ctx.clock().monotonic());
        Answer::Now(match req.op {
            Op::CreateSession { .. } => unreachable!("handled above"),
            Op::Ping => Ok(Reply::Pong),
            Op::Create { path, ephemeral, sequential } => {
                return self.propose(Command::Create { session, path, ephemeral, sequential })
            }
            Op::Delete { path } => return self.propose(Command::Delete { session, path }),
            Op::Submit { op } => return self.propose(Command::Submit { client: req.client, op }),
            Op::GetChildren { path } => self.tree.children(&path).map(Reply::Children).map_err(ServiceError::Tree),
            Op::Exists { path, watch } => {
                let czxid = self.tree.exists(&path);
                if watch {
                    self.watches.entry(path).or_default().push(req.client);
                }
                Ok(Reply::Exists(czxid))
            }
        })
    }

    /// Leader: propose the expiry of every session not heard from for its timeout.
    fn expire_sessions(&mut self) {
        if !self.serving {
            return;
        }
        let now = self.ctx.clock().monotonic();
        let due: Vec<_> = self
            .tree
            .sessions()
            .filter(|(id, s)| {
                !self.expiring.contains(id) && now.saturating_sub(*self.heard.get(id).unwrap_or(&now)) >= s.timeout
            })
            .collect();
        for (id, session) in due {
            if let Answer::Later(_) = self.propose(Command::ExpireSession { session: id }) {
                self.expiring.insert(id);
                let detail = format!(
                    "session {id} of {} expired: nothing heard for {} ms",
                    self.name(session.client),
                    session.timeout.as_millis()
                );
                self.ctx.record(EventKind::Note { detail });
            }
        }
        // Sessions created since this replica began leading start their clock now.
        for (id, _) in self.tree.sessions().collect::<Vec<_>>() {
            self.heard.entry(id).or_insert(now);
        }
    }
}

fn applied_reply(applied: Applied) -> Result<Reply, ServiceError> {
    match applied {
        Applied::Session(id) => Ok(Reply::Session(id)),
        Applied::Created { path, czxid } => Ok(Reply::Created { path, czxid }),
        Applied::Deleted | Applied::Expired { .. } => Ok(Reply::Deleted),
        Applied::Ordered { seq, .. } => Ok(Reply::Ordered { seq }),
        Applied::Failed(TreeError::SessionExpired) => Err(ServiceError::SessionExpired),
        Applied::Failed(e) => Err(ServiceError::Tree(e)),
    }
}

/// A cheap handle on a running replica, for handlers and tasks.
#[derive(Clone)]
struct Handle {
    replica: Arc<Mutex<Replica>>,
    ctx: NodeCtx,
    peers: Arc<[NodeId]>,
    config: CoordConfig,
}

impl Handle {
    fn lock(&self) -> MutexGuard<'_, Replica> {
        self.replica.lock().expect("replica poisoned")
    }

    /// Send an outbox: each peer's raft messages as one batch, whose reply
    /// carries that peer's answers, which are stepped in turn.
    fn dispatch(&self, out: Outbox) {
        for (to, msgs) in out.raft {
            let (h, peer) = (self.clone(), self.peers[to as usize - 1]);
            madsim::task::spawn(async move {
                let Ok(answers) = h.ctx.call(peer, RaftBatch(msgs), h.config.raft_timeout).await else { return };
                if answers.is_empty() {
                    return;
                }
                let out = {
                    let mut r = h.lock();
                    for m in answers {
                        let _ = r.node.step(m);
                    }
                    r.after_raft()
                };
                h.dispatch(out);
            });
        }
        for ordered in out.ordered {
            let ctx = self.ctx.clone();
            let timeout = self.config.raft_timeout;
            madsim::task::spawn(async move {
                // The resource is the world's node named "resource" (deployed
                // after the ensemble). Retry until it acknowledges, a while.
                let Some(resource) = ctx.world().node_id("resource") else { return };
                let (seq, client, op) = (ordered.seq, ordered.client, ordered.op);
                for _ in 0..FORWARD_ATTEMPTS {
                    if ctx.call(resource, ApplyInOrder { seq, client, op }, timeout).await.is_ok() {
                        return;
                    }
                }
            });
        }
        for (client, path) in out.watches {
            let ctx = self.ctx.clone();
            let timeout = self.config.raft_timeout;
            madsim::task::spawn(async move {
                let _ = ctx.call(client, WatchFired { path }, timeout).await;
            });
        }
    }
}

/// The main task of replica `index` (raft id `index + 1`) of `peers`.
pub fn main(
    config: CoordConfig,
    peers: Arc<[NodeId]>,
    index: usize,
    meter: Arc<Meter>,
) -> impl Fn(NodeCtx) -> Pin<Box<dyn Future<Output = ()>>> + Send + Sync + 'static {
    move |ctx: NodeCtx| {
        let (peers, meter) = (peers.clone(), meter.clone());
        Box::pin(run(ctx, config, peers, index, meter))
    }
}

async fn run(ctx: NodeCtx, config: CoordConfig, peers: Arc<[NodeId]>, index: usize, meter: Arc<Meter>) {
    let voters: Vec<u64> = (1..=peers.len() as u64).collect();
    let storage = (*ctx.durable(|| MemStorage::new_with_conf_state((voters, Vec::new())))).clone();
    if ctx.disk_lost() {
        // Raft's safety rests on a replica never forgetting its log or its
        // vote: one that lost its disk could vote twice in a term or help
        // "commit" over entries it no longer has (raft-rs refuses to run
        // on). It needs an operator to replace it (a membership change),
        // which this model does not do: it stays out of the ensemble.
        let detail = format!("{} lost its disk: stays out of the ensemble", ctx.world().node_name(ctx.id()));
        ctx.record(EventKind::Note { detail });
        return std::future::pending().await;
    }
    let raft_config = Config {
        id: index as u64 + 1,
        election_tick: config.election_ticks,
        heartbeat_tick: config.heartbeat_ticks,
        check_quorum: true,
        pre_vote: true,
        // Replay the whole committed log into a fresh tree after a restart.
        applied: 0,
        max_size_per_msg: 1 << 20,
        max_inflight_msgs: 256,
        ..Config::default()
    };
    let logger = slog::Logger::root(slog::Discard, slog::o!());
    let node = RawNode::new(&raft_config, storage.clone(), &logger).expect("a valid raft configuration");
    let replica = Replica {
        election_rng: ctx.rng("raft-election"),
        ctx: ctx.clone(),
        config,
        peers: peers.clone(),
        meter,
        node,
        storage,
        tree: Tree::default(),
        drawn_for: None,
        leading: None,
        serving: false,
        pending: BTreeMap::new(),
        next_seq: 0,
        heard: BTreeMap::new(),
        expiring: BTreeSet::new(),
        watches: BTreeMap::new(),
    };
    let h = Handle { replica: Arc::new(Mutex::new(replica)), ctx: ctx.clone(), peers, config };
    let out = h.lock().after_raft();
    h.dispatch(out);

    let handle = h.clone();
    ctx.serve(move |batch: RaftBatch| {
        let from = batch.0.first().map(|m| m.from);
        let mut out = {
            let mut r = handle.lock();
            for m in batch.0 {
                let _ = r.node.step(m);
            }
            r.after_raft()
        };
        let answers = from.and_then(|f| out.take(f)).unwrap_or_default();
        handle.dispatch(out);
        std::future::ready(answers)
    });

    let handle = h.clone();
    ctx.serve(move |req: Request| {
        let (answer, out) = {
            let mut r = handle.lock();
            let answer = r.handle(req);
            (answer, r.after_raft())
        };
        handle.dispatch(out);
        let (ctx, wait) = (handle.ctx.clone(), handle.config.apply_wait);
        async move {
            match answer {
                Answer::Now(reply) => reply,
                Answer::Later(rx) => match ctx.clock().timeout(wait, rx).await {
                    Ok(Ok(applied)) => applied_reply(applied),
                    // Leadership lost, or too slow: the change may still be applied.
                    _ => Err(ServiceError::NotApplied),
                },
            }
        }
    });

    loop {
        ctx.sleep(config.tick).await;
        let out = {
            let mut r = h.lock();
            r.node.tick();
            r.expire_sessions();
            r.after_raft()
        };
        h.dispatch(out);
    }
}
