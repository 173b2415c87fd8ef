//! A replicated coordination service in the mould of ZooKeeper (and etcd):
//! an odd ensemble of replicas agreeing on one log with tikv's raft-rs, a
//! tree of persistent / ephemeral / sequential nodes as the replicated
//! state, client sessions kept alive by heartbeats and expired through the
//! log, and one-shot watches.
//!
//! - [`tree`]: the replicated state machine (ZooKeeper's data model);
//! - [`proto`]: the messages between clients and replicas;
//! - [`replica`]: a replica: raft-rs driven by the node's clock, the leader's
//!   session tracking, watches;
//! - [`client`]: a client's session: finding the leader, heartbeats,
//!   retries, watch notifications, and what the client knows of its session.
//!
//! The lock recipe on top of it is `crate::ephemeral`.

pub mod client;
pub mod proto;
pub mod replica;
pub mod tree;

use std::sync::Arc;
use std::time::Duration;

use sim::clock::ClockSettings;
use sim::history::{NodeId, Role};
use sim::world::World;

use crate::params::ParamReader;
use client::SessionConfig;

/// The service's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoordConfig {
    /// Ensemble size (odd, at least 3).
    pub replicas: u32,
    /// The raft tick, on each replica's own clock.
    pub tick: Duration,
    /// Ticks without a leader before a follower campaigns (raft-rs draws the
    /// actual timeout from `election_ticks..2 * election_ticks`).
    pub election_ticks: usize,
    /// Ticks between a leader's heartbeats.
    pub heartbeat_ticks: usize,
    /// How long a leader waits to see a proposal applied before telling the
    /// client the outcome is unknown.
    pub apply_wait: Duration,
    /// Timeout of one raft batch or watch notification.
    pub raft_timeout: Duration,
    /// Whether the leader is the design's primary (the target of faults
    /// aimed at it): yes when the service is the lock service itself, no
    /// when it is the store behind another server.
    pub leader_is_primary: bool,
}

/// A leader heartbeats its followers every this many ticks.
pub(crate) const HEARTBEAT_TICKS: usize = 2;

// The parameters' defaults, shared by [`params_with`] and [`CoordConfig::standard`].
pub(crate) const DEFAULT_REPLICAS: u64 = 3;
pub(crate) const DEFAULT_SESSION_TIMEOUT_MS: u64 = 10_000;
pub(crate) const DEFAULT_TICK_MS: u64 = 100;
pub(crate) const DEFAULT_ELECTION_TICKS: u64 = 10;
pub(crate) const DEFAULT_OP_TIMEOUT_MS: u64 = 1000;

impl CoordConfig {
    /// An ensemble of `replicas` with the parameters' defaults, for a design
    /// that uses the service only as a store (and so exposes only its size).
    pub fn standard(replicas: u32) -> CoordConfig {
        let op_timeout = Duration::from_millis(DEFAULT_OP_TIMEOUT_MS);
        CoordConfig {
            replicas,
            tick: Duration::from_millis(DEFAULT_TICK_MS),
            election_ticks: DEFAULT_ELECTION_TICKS as usize,
            heartbeat_ticks: HEARTBEAT_TICKS,
            apply_wait: op_timeout,
            raft_timeout: op_timeout,
            leader_is_primary: false,
        }
    }
}

impl SessionConfig {
    /// A session with the parameters' defaults.
    pub fn standard() -> SessionConfig {
        SessionConfig {
            timeout: Duration::from_millis(DEFAULT_SESSION_TIMEOUT_MS),
            op_timeout: Duration::from_millis(DEFAULT_OP_TIMEOUT_MS),
            backoff: Duration::from_millis(DEFAULT_TICK_MS),
        }
    }
}

/// The parameter list of a design built on the service: the service's and
/// the client session's parameters (read by [`read_params`]), then the
/// design's own.
macro_rules! params_with {
    ($($own:expr),* $(,)?) => {
        &[
            $crate::coord::replicas_param("replicas"),
            $crate::params::ParamSpec::millis(
                "session_timeout_ms",
                $crate::coord::DEFAULT_SESSION_TIMEOUT_MS,
                3,
                $crate::params::MAX_MS,
                "client session expiry without heartbeats",
            ),
            $crate::params::ParamSpec::millis("tick_ms", $crate::coord::DEFAULT_TICK_MS, 1, $crate::params::MAX_MS, "raft tick on each replica's clock"),
            $crate::params::ParamSpec::count(
                "election_ticks",
                $crate::coord::DEFAULT_ELECTION_TICKS,
                $crate::coord::HEARTBEAT_TICKS as u64 + 1,
                1000,
                "ticks before a follower campaigns (randomized up to 2x)",
            ),
            $crate::params::ParamSpec::millis("op_timeout_ms", $crate::coord::DEFAULT_OP_TIMEOUT_MS, 1, $crate::params::MAX_MS, "client-side request timeout"),
            $($own),*
        ]
    };
}
pub(crate) use params_with;

/// The ensemble-size parameter, under the name a design gives it.
pub(crate) const fn replicas_param(name: &'static str) -> crate::params::ParamSpec {
    crate::params::ParamSpec::count(name, DEFAULT_REPLICAS, 3, 99, "raft ensemble size (odd, at least 3)")
}

/// Refuse an even ensemble: it adds a failure without adding tolerance.
pub fn check_replicas(design: &str, name: &str, replicas: u64) -> Result<u32, String> {
    if replicas.is_multiple_of(2) {
        return Err(format!(
            "{design}: parameter {name}={replicas} must be odd: a majority of {replicas} is {}, \
             so the extra replica adds a failure without adding tolerance (use {} or {})",
            replicas / 2 + 1,
            replicas - 1,
            replicas + 1
        ));
    }
    Ok(replicas as u32)
}

/// Read the service's and the client session's settings, shared by the
/// designs built on the service (declared by [`params_with`]).
pub fn read_params(design: &str, p: &ParamReader) -> Result<(CoordConfig, SessionConfig), String> {
    let replicas = check_replicas(design, "replicas", p.count("replicas")?)?;
    let tick = p.millis("tick_ms")?;
    let election_ticks = p.count("election_ticks")? as usize;
    let op_timeout = p.millis("op_timeout_ms")?;
    let session_timeout = p.millis("session_timeout_ms")?;
    let coord = CoordConfig {
        replicas,
        tick,
        election_ticks,
        heartbeat_ticks: HEARTBEAT_TICKS,
        apply_wait: op_timeout,
        raft_timeout: op_timeout,
        leader_is_primary: true,
    };
    Ok((coord, SessionConfig { timeout: session_timeout, op_timeout, backoff: tick }))
}

/// Add the ensemble to `world` (nodes `coord-0`..); their node ids, in raft
/// id order. The world holds its clients until the first leader serves.
pub fn deploy(world: &World, config: CoordConfig) -> Arc<[NodeId]> {
    // Every replica must know every peer before the first one starts, and
    // nodes are numbered in the order they are added.
    let first = world.node_count() as u32;
    let peers: Arc<[NodeId]> = (0..config.replicas).map(|i| NodeId(first + i)).collect();
    let meter = Arc::new(replica::Meter::default());
    // Clients start once the first leader serves (`blockUntilConnected`).
    world.hold_clients();
    for i in 0..config.replicas as usize {
        let main = replica::main(config, peers.clone(), i, meter.clone());
        let id = world.add_node(&format!("coord-{i}"), Role::Server, ClockSettings::default(), main);
        assert_eq!(id, peers[i], "replica ids are assigned in order");
    }
    peers
}
