//! Redis Sentinel: a group of sentinels that watch a master, agree that it
//! is down, elect one of themselves, and fail it over to its replica.
//!
//! Reference: the Redis documentation "High availability with Redis
//! Sentinel" and `sentinel.c` (Redis 7). What is modelled:
//! - **SDOWN**: each sentinel pings the master every `ping_every` (1 s); the
//!   master is subjectively down for it once no ping was answered for
//!   `down_after` (`down-after-milliseconds`).
//! - **ODOWN**: a sentinel with the master SDOWN asks the others
//!   (`SENTINEL is-master-down-by-addr`); the master is objectively down once
//!   at least `quorum` sentinels, itself included, say so.
//! - **Election**: after ODOWN and a random delay under a second (standing
//!   for Redis's randomised timer, which keeps sentinels from standing at
//!   once; it gives up if another sentinel asked for votes meanwhile), the sentinel bumps its current epoch, votes for
//!   itself and asks the others for their vote in that epoch, again every
//!   second for up to 10 s (`sentinel_election_timeout`). A sentinel votes
//!   for the first candidate that asks in an epoch no older than its own
//!   and newer than any it voted in, for a master it knows, whether or not
//!   it sees the master down; a repeated request gets the same answer. The
//!   candidate needs
//!   the votes of a majority of all sentinels, and at least `quorum`. Win or
//!   lose, it does not try again for that master for twice
//!   `failover_timeout` (`failover-timeout`, 180 s by default), and a
//!   sentinel that voted for another waits as long before trying itself;
//!   a new configuration ends the wait (`sentinelResetMaster`).
//! - **Failover**: the leader promotes the replica (`REPLICAOF NO ONE`),
//!   if the replica answers it (else the failover is aborted, as Redis
//!   aborts with no good replica), and
//!   takes the new configuration under its epoch; every sentinel publishes
//!   its configuration and current epoch on the master's and the replica's
//!   hello channel and sends them to the other sentinels (every loop
//!   instead of every 2 s), and takes any configuration with a newer epoch,
//!   from a sentinel or from an instance's channel (so a sentinel cut off
//!   from the others still learns it through the instances).
//! - **Conversion**: a node the configuration says is the replica but that
//!   answers as a master (the old master coming back) is made a replica of
//!   the master (which then sends it its keys, a full sync) once it has
//!   said so for 8 s while the master looks sane (`SENTINEL_PUBLISH_PERIOD`
//!   x 4, which gives a stale sentinel time to hear a newer configuration).
//! - A sentinel keeps its configuration and epochs across a crash
//!   (`sentinel.conf` is rewritten on every change).
//!
//! Simplified: one master with one replica; a sentinel's calls to the master
//! and to the other sentinels are sequential within its loop (Redis sends
//! them asynchronously), each timing out after half a ping period; replica
//! selection is trivial (no `master_link_down_time` limit); a leader waits
//! only a few pings for a promotion whose reply was lost (Redis waits up to
//! `failover-timeout`); the conversion of a returning master is checked
//! every ping, where Redis reads `INFO` every 10 s (its window is a little
//! longer); a master that answers as a replica counts as down after
//! `down_after` (Redis waits 20 s more, two `INFO` periods: it happens
//! here only to a sentinel whose configuration is stale, and that sentinel
//! hears the newer one on the same instance's hello channel within a ping
//! period); the TILT mode is not modelled.
//!
//! Clients ([`MasterAddress`]) ask the sentinels in order and take the
//! first answer (`SENTINEL get-master-addr-by-name`), as Redis's client
//! guidelines say.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use sim::history::{EventKind, NodeId};
use sim::net::Rpc;
use sim::rng::SimRng;
use sim::world::NodeCtx;

use crate::redis::{Announced, BecomeMaster, BecomeReplica, Ping, Pong, Publish};

/// Sentinel settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentinelConfig {
    pub ping_every: Duration,
    pub down_after: Duration,
    /// Sentinels that must agree the master is down (`quorum` in `sentinel monitor`).
    pub quorum: usize,
    pub failover_timeout: Duration,
}

/// How long a replica answering as a master must keep doing so before it is
/// converted back (`SENTINEL_PUBLISH_PERIOD` x 4).
const CONVERT_AFTER: Duration = Duration::from_secs(8);
/// How long a candidate keeps asking for votes (`sentinel_election_timeout`).
const ELECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// How many pings a leader waits for a replica whose promotion reply was lost.
const PROMOTION_PINGS: usize = 3;
/// The random delay before a sentinel starts an election (`SENTINEL_MAX_DESYNC`).
const MAX_DESYNC_MS: u64 = 1_000;

/// Client -> sentinel: which node is the master now?
#[derive(Debug)]
pub struct GetMaster;

impl Rpc for GetMaster {
    type Reply = NodeId;
    const NAME: &'static str = "sentinel.get-master";
}

/// Sentinel -> sentinel: `SENTINEL is-master-down-by-addr`. With a
/// candidate, also a request for this sentinel's vote in `epoch`.
#[derive(Debug)]
struct IsMasterDown {
    master: NodeId,
    epoch: u64,
    candidate: Option<NodeId>,
}

/// Whether the asked sentinel sees the master down, and whom it voted for
/// in which epoch.
#[derive(Debug, Clone, Copy)]
struct DownReply {
    down: bool,
    vote: Option<(NodeId, u64)>,
}

impl Rpc for IsMasterDown {
    type Reply = DownReply;
    const NAME: &'static str = "sentinel.is-master-down";
}

/// Sentinel -> sentinel: the configuration it has and its current epoch
/// (a hello message).
#[derive(Debug)]
struct Hello {
    view: View,
    current_epoch: u64,
}

impl Rpc for Hello {
    type Reply = ();
    const NAME: &'static str = "sentinel.hello";
}

/// Which node is master and which its replica, as of `config_epoch`.
type View = Announced;

/// What a sentinel keeps in `sentinel.conf` (survives a crash).
#[derive(Debug)]
struct Persisted {
    view: View,
    current_epoch: u64,
    /// The last vote: for whom, in which epoch.
    vote: Option<(NodeId, u64)>,
}

/// A sentinel's in-memory state.
struct Watch {
    /// Monotonic time of the master's last answered ping.
    last_ok: Duration,
    /// No failover attempt of our own before this monotonic time.
    no_attempt_before: Duration,
    /// Since when the configured replica has answered as a master.
    replica_claims_master_since: Option<Duration>,
}

/// The main task of sentinel `me` of the group `group` (all sentinels, `me`
/// included), watching `master` with `replica`.
pub fn sentinel(
    config: SentinelConfig,
    me: NodeId,
    group: Vec<NodeId>,
    master: NodeId,
    replica: NodeId,
) -> impl Fn(NodeCtx) -> std::pin::Pin<Box<dyn Future<Output = ()>>> + Send + Sync + 'static {
    move |ctx: NodeCtx| {
        let group = group.clone();
        Box::pin(async move {
            let initial = View { config_epoch: 0, master, replica };
            let saved = ctx.durable(|| Mutex::new(Persisted { view: initial, current_epoch: 0, vote: None }));
            let now = ctx.clock().monotonic();
            let watch =
                Arc::new(Mutex::new(Watch { last_ok: now, no_attempt_before: now, replica_claims_master_since: None }));
            let others: Vec<NodeId> = group.iter().copied().filter(|&s| s != me).collect();
            let rng = Arc::new(Mutex::new(ctx.rng("sentinel")));
            let majority = group.len() / 2 + 1;
            let s = Sentinel { ctx: ctx.clone(), config, me, majority, others, saved, watch, rng };
            s.serve();
            s.watch_loop().await
        })
    }
}

struct Sentinel {
    ctx: NodeCtx,
    config: SentinelConfig,
    me: NodeId,
    majority: usize,
    others: Vec<NodeId>,
    saved: Arc<Mutex<Persisted>>,
    watch: Arc<Mutex<Watch>>,
    rng: Arc<Mutex<SimRng>>,
}

impl Sentinel {
    fn timeout(&self) -> Duration {
        self.config.ping_every / 2
    }

    fn view(&self) -> View {
        self.saved.lock().expect("sentinel poisoned").view
    }

    fn master_sdown(watch: &Watch, now: Duration, config: &SentinelConfig) -> bool {
        now.saturating_sub(watch.last_ok) >= config.down_after
    }

    /// A random delay under [`MAX_DESYNC_MS`].
    fn desync(&self) -> Duration {
        Duration::from_millis(self.rng.lock().expect("sentinel poisoned").gen_range(0..MAX_DESYNC_MS))
    }

    /// After voting for another or attempting a failover: no attempt of our
    /// own for twice the failover timeout, plus the desync.
    fn hold_off(&self, watch: &mut Watch) {
        watch.no_attempt_before = self.ctx.clock().monotonic() + self.config.failover_timeout * 2 + self.desync();
    }

    fn serve(&self) {
        let saved = self.saved.clone();
        self.ctx.serve(move |_: GetMaster| std::future::ready(saved.lock().expect("sentinel poisoned").view.master));

        let voter = self.clone_handles();
        self.ctx.serve(move |req: IsMasterDown| std::future::ready(voter.answer(req)));

        let adopt = self.clone_handles();
        self.ctx.serve(move |req: Hello| {
            adopt.adopt(req.view);
            let mut p = adopt.saved.lock().expect("sentinel poisoned");
            p.current_epoch = p.current_epoch.max(req.current_epoch);
            std::future::ready(())
        });
    }

    /// `is-master-down-by-addr`: whether we see `req.master` down and,
    /// asked for a vote, whom we voted for (sentinelVoteLeader: only for a
    /// master we know, in an epoch no older than ours, once per epoch).
    fn answer(&self, req: IsMasterDown) -> DownReply {
        let now = self.ctx.clock().monotonic();
        let mut w = self.watch.lock().expect("sentinel poisoned");
        let mut p = self.saved.lock().expect("sentinel poisoned");
        let ours = req.master == p.view.master;
        let down = ours && Sentinel::master_sdown(&w, now, &self.config);
        if let Some(candidate) = req.candidate {
            let fresh = req.epoch >= p.current_epoch;
            p.current_epoch = p.current_epoch.max(req.epoch);
            if ours && fresh && p.vote.is_none_or(|(_, epoch)| epoch < req.epoch) {
                p.vote = Some((candidate, req.epoch));
                if candidate != self.me {
                    self.hold_off(&mut w);
                }
            }
        }
        DownReply { down, vote: p.vote }
    }

    /// Take `view` if it is newer than ours. When it names another master,
    /// the failover hold-off and the conversion timer start afresh, as
    /// `sentinelResetMasterAndChangeAddress` does.
    fn adopt(&self, view: View) {
        let mut w = self.watch.lock().expect("sentinel poisoned");
        let mut p = self.saved.lock().expect("sentinel poisoned");
        if view.config_epoch <= p.view.config_epoch {
            return;
        }
        let moved = view.master != p.view.master;
        p.view = view;
        p.current_epoch = p.current_epoch.max(view.config_epoch);
        if moved {
            let now = self.ctx.clock().monotonic();
            *w = Watch { last_ok: now, no_attempt_before: now, replica_claims_master_since: None };
            self.ctx.world().set_primary(view.master);
        }
    }

    /// Ping `node`, taking a newer configuration its hello channel holds.
    async fn ping(&self, node: NodeId) -> Option<bool> {
        let Pong { master, hello } = self.ctx.call(node, Ping, self.timeout()).await.ok()?;
        if let Some(view) = hello {
            self.adopt(view);
        }
        Some(master)
    }

    fn clone_handles(&self) -> Sentinel {
        Sentinel {
            ctx: self.ctx.clone(),
            config: self.config,
            me: self.me,
            majority: self.majority,
            others: self.others.clone(),
            saved: self.saved.clone(),
            watch: self.watch.clone(),
            rng: self.rng.clone(),
        }
    }

    async fn watch_loop(&self) {
        loop {
            self.ctx.sleep(self.config.ping_every).await;
            let before = self.view();
            let master_ok = self.ping(before.master).await == Some(true);
            let now = self.ctx.clock().monotonic();
            let view = self.view();
            if master_ok && view.master == before.master {
                self.watch.lock().expect("sentinel poisoned").last_ok = now;
            }
            let current_epoch = self.saved.lock().expect("sentinel poisoned").current_epoch;
            for node in [view.master, view.replica] {
                let _ = self.ctx.call(node, Publish(view), self.timeout()).await;
            }
            for &other in &self.others {
                let _ = self.ctx.call(other, Hello { view, current_epoch }, self.timeout()).await;
            }
            let master_ok = master_ok && view.master == before.master;
            if master_ok {
                self.convert_a_replica_claiming_master(view).await;
            } else if Sentinel::master_sdown(&self.watch.lock().expect("sentinel poisoned"), now, &self.config) {
                self.fail_over_if_odown(view).await;
            }
        }
    }

    /// The old master back as a master: once it has claimed so for
    /// [`CONVERT_AFTER`], make it the master's replica.
    async fn convert_a_replica_claiming_master(&self, view: View) {
        let claims = self.ping(view.replica).await == Some(true);
        let now = self.ctx.clock().monotonic();
        let since = {
            let mut w = self.watch.lock().expect("sentinel poisoned");
            if !claims {
                w.replica_claims_master_since = None;
                return;
            }
            *w.replica_claims_master_since.get_or_insert(now)
        };
        if now.saturating_sub(since) < CONVERT_AFTER || self.view() != view {
            return;
        }
        if self.ctx.call(view.replica, BecomeReplica, self.timeout()).await.is_ok()
            && self.ctx.call(view.master, BecomeMaster { replica: Some(view.replica) }, self.timeout()).await.is_ok()
        {
            let detail = format!(
                "sentinel: converted {} to a replica of {}",
                self.ctx.world().node_name(view.replica),
                self.ctx.world().node_name(view.master)
            );
            self.ctx.record(EventKind::Note { detail });
            self.watch.lock().expect("sentinel poisoned").replica_claims_master_since = None;
        }
    }

    /// Promote `replica` if it is a good one: it must answer a ping first
    /// (Redis selects only a connected replica that answered recently, else
    /// `-failover-abort-no-good-slave`). Then `REPLICAOF NO ONE`, and, if
    /// that reply is lost, a few pings for the replica to report itself a
    /// master (`WAIT_PROMOTION`); `false` aborts the failover.
    async fn promote(&self, replica: NodeId) -> bool {
        if self.ping(replica).await.is_none() {
            return false;
        }
        if self.ctx.call(replica, BecomeMaster { replica: None }, self.timeout()).await.is_ok() {
            return true;
        }
        for _ in 0..PROMOTION_PINGS {
            self.ctx.sleep(self.config.ping_every).await;
            if self.ping(replica).await == Some(true) {
                return true;
            }
        }
        false
    }

    /// Ask the others whether the master is down; with a quorum, and if no
    /// attempt is held off, run an election and, won, promote the replica.
    async fn fail_over_if_odown(&self, view: View) {
        let mut down = 1;
        let epoch = self.saved.lock().expect("sentinel poisoned").current_epoch;
        for &other in &self.others {
            let ask = IsMasterDown { master: view.master, epoch, candidate: None };
            if let Ok(reply) = self.ctx.call(other, ask, self.timeout()).await {
                down += usize::from(reply.down);
            }
        }
        if down < self.config.quorum {
            return;
        }
        {
            let mut w = self.watch.lock().expect("sentinel poisoned");
            let now = self.ctx.clock().monotonic();
            if now < w.no_attempt_before {
                return;
            }
            self.hold_off(&mut w);
        }
        self.ctx.sleep(self.desync()).await;
        let epoch = {
            let mut p = self.saved.lock().expect("sentinel poisoned");
            if p.view != view || p.current_epoch > epoch {
                return; // a newer configuration, or another's election, came meanwhile
            }
            // Votes are only ever cast in epochs up to the current one.
            p.current_epoch += 1;
            p.vote = Some((self.me, p.current_epoch));
            p.current_epoch
        };
        // Ask again every second until the election times out
        // (sentinelFailoverWaitStart): a voter answers a repeated request
        // with the vote it already gave.
        let mut voters: Vec<NodeId> = Vec::new();
        let give_up = self.ctx.clock().monotonic() + ELECTION_TIMEOUT.min(self.config.failover_timeout);
        loop {
            for &other in &self.others {
                if voters.contains(&other) {
                    continue;
                }
                let ask = IsMasterDown { master: view.master, epoch, candidate: Some(self.me) };
                if let Ok(reply) = self.ctx.call(other, ask, self.timeout()).await {
                    if reply.vote == Some((self.me, epoch)) {
                        voters.push(other);
                    }
                }
            }
            if 1 + voters.len() >= self.majority.max(self.config.quorum) {
                break;
            }
            let overtaken = {
                let p = self.saved.lock().expect("sentinel poisoned");
                p.view != view || p.current_epoch > epoch
            };
            if overtaken || self.ctx.clock().monotonic() >= give_up {
                return;
            }
            self.ctx.sleep(self.config.ping_every).await;
        }
        let votes = 1 + voters.len();
        if !self.promote(view.replica).await {
            return;
        }
        self.adopt(View { config_epoch: epoch, master: view.replica, replica: view.master });
        let detail = format!(
            "sentinel: {} is down (quorum {}, {votes} votes in epoch {epoch}), failing over to {}",
            self.ctx.world().node_name(view.master),
            self.config.quorum,
            self.ctx.world().node_name(view.replica)
        );
        self.ctx.record(EventKind::Note { detail });
    }
}

/// A client's view of which node is the master, refreshed from the
/// sentinels (when there are any) after a timeout or a READONLY reply: the
/// first sentinel to answer, in order.
pub struct MasterAddress {
    pub master: NodeId,
    pub sentinels: Vec<NodeId>,
}

impl MasterAddress {
    pub async fn refresh(&mut self, ctx: &NodeCtx, timeout: Duration) {
        for &sentinel in &self.sentinels {
            if let Ok(master) = ctx.call(sentinel, GetMaster, timeout).await {
                self.master = master;
                return;
            }
        }
    }
}
