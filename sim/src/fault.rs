//! Faults as data, and the injector that plays them (DESIGN.md, contract 6).
//!
//! A [`FaultPlan`] is a serializable list of timed faults. Scenarios generate
//! plans from the seed; the injector ([`inject`]) plays a plan in the world,
//! records the start and end of every fault in the history, and undoes each
//! fault after its duration. Targets may name a node or be resolved at
//! injection time from the world's state ("the client inside its critical
//! section", "the current master"), which is how faults aim at protocol
//! state; the resolved nodes are recorded, and the choice is deterministic
//! for a seed.
//!
//! Crash semantics: a crash always loses a node's memory (its tasks and
//! whatever they held). `durable: true` keeps its disk (the durable slot,
//! `NodeCtx::durable`); `durable: false` loses the disk too.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::valid_drift;
use crate::history::{EventKind, FaultKind, FaultPhase, NodeId, Role};
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::world::{NetworkSettings, World, WORLD};

/// Which node(s) a fault hits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A node by name.
    Node(String),
    /// A client inside its critical section. The fault waits up to
    /// [`HOLDER_WAIT`] for one to be inside, then hits a random client.
    Holder,
    /// Any client, drawn from the seed.
    RandomClient,
    /// The server the design marks as primary (a master, the database); a
    /// random server when it marks none.
    Primary,
    /// Any lock server, drawn from the seed.
    RandomServer,
    /// Every lock server.
    EveryServer,
}

/// Whom a partitioned side is cut off from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Peers {
    /// Every other node (clients, lock servers and the resource).
    #[default]
    All,
    /// Only the lock servers: e.g. a client that can still reach the resource
    /// but no longer the lock service.
    Servers,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum Fault {
    /// Stop the node's tasks (GC pause, VM stall) for a while.
    Pause { target: Target, duration: Duration },
    /// Kill the node; restart it after `restart_after` if given. With
    /// `durable: false` its disk is lost too.
    Crash { target: Target, restart_after: Option<Duration>, durable: bool },
    /// Cut the `side` nodes off from `from` for a while (nodes on the side can
    /// still reach each other).
    Partition {
        side: Vec<Target>,
        #[serde(default)]
        from: Peers,
        duration: Duration,
    },
    /// Change the network's loss and latency for a while.
    Network { settings: NetworkSettings, duration: Duration },
    /// Step the node's wall clock by `delta_ns` (negative goes back).
    ClockJump { target: Target, delta_ns: i64 },
    /// Change the node's drift rate; back to the previous rate after `duration` if given.
    ClockDrift { target: Target, drift_ppm: i64, duration: Option<Duration> },
    /// Raise a named, design-specific stress on the node for a while (e.g.
    /// "memory-pressure" makes a cache evict keys); nodes without a handler
    /// for the name ignore it.
    Signal { target: Target, name: String, duration: Duration },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedFault {
    /// When the fault starts, in global simulated time.
    pub at: Duration,
    #[serde(flatten)]
    pub fault: Fault,
}

/// A run's faults, in start order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    pub faults: Vec<TimedFault>,
    /// Values drawn to build the plan (swarm testing logs its mix here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drawn: Vec<String>,
}

impl FaultPlan {
    /// A plan of these faults (sorted by start time).
    pub fn new(mut faults: Vec<TimedFault>) -> FaultPlan {
        faults.sort_by_key(|f| f.at);
        FaultPlan { faults, drawn: Vec::new() }
    }

    /// Check the plan can be played: one line saying what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        for (i, f) in self.faults.iter().enumerate() {
            match &f.fault {
                Fault::ClockDrift { drift_ppm, .. } if !valid_drift(*drift_ppm) => {
                    return Err(format!("fault {i}: drift_ppm must be above -1000000 (the clock must move forwards)"));
                }
                Fault::Network { settings, .. } if !(0.0..=1.0).contains(&settings.loss) => {
                    return Err(format!("fault {i}: loss must be between 0 and 1"));
                }
                Fault::Network { settings, .. } if settings.latency_min > settings.latency_max => {
                    return Err(format!("fault {i}: latency_min must not exceed latency_max"));
                }
                Fault::Partition { side, .. } if side.is_empty() => {
                    return Err(format!("fault {i}: a partition needs at least one node on its side"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// How long a fault aimed at the holder waits for a client to be inside its
/// critical section (faults aim at protocol state; between two critical
/// sections nobody holds anything worth hitting).
pub const HOLDER_WAIT: Duration = Duration::from_secs(2);

/// Play `plan` in `world`: one task per fault, on the world's own (supervisor) node.
pub fn inject(world: &World, plan: &FaultPlan) {
    let picker = Arc::new(Mutex::new(world.rng("faults/targets")));
    for timed in plan.faults.clone() {
        let (task_world, picker) = (world.clone(), picker.clone());
        world.spawn(async move {
            let world = task_world;
            let now = SimTime::now().as_duration();
            madsim::time::sleep(timed.at.saturating_sub(now)).await;
            if aims_at_holder(&timed.fault) {
                wait_for_holder(&world).await;
            }
            if !world.healed() {
                play(&world, &picker, timed.fault).await;
            }
        });
    }
}

async fn play(world: &World, picker: &Mutex<SimRng>, fault: Fault) {
    let resolve = |t: &Target| resolve(world, picker, t);
    let names = |nodes: &[NodeId]| nodes.iter().map(|n| world.node_name(*n)).collect::<Vec<_>>().join(", ");
    let note = |nodes: &[NodeId], kind: FaultKind, phase: FaultPhase, detail: &str| {
        for &node in nodes {
            world.record(node, EventKind::Fault { kind, phase, detail: detail.to_string() });
        }
    };
    match fault {
        Fault::Pause { target, duration } => {
            let nodes = resolve(&target);
            let detail = format!("{} paused for {:.3}s", names(&nodes), duration.as_secs_f64());
            note(&nodes, FaultKind::Pause, FaultPhase::Start, &detail);
            nodes.iter().for_each(|n| world.pause(*n));
            if !lasts(world, duration).await {
                return;
            }
            nodes.iter().for_each(|n| world.resume(*n));
            note(&nodes, FaultKind::Pause, FaultPhase::End, &format!("{} resumed", names(&nodes)));
        }
        Fault::Crash { target, restart_after, durable } => {
            let nodes = resolve(&target);
            let disk = if durable { "disk kept" } else { "disk lost" };
            note(&nodes, FaultKind::Crash, FaultPhase::Start, &format!("{} crashed ({disk})", names(&nodes)));
            nodes.iter().for_each(|n| world.crash(*n, !durable));
            if let Some(after) = restart_after {
                if !lasts(world, after).await {
                    return;
                }
                // An overlapping crash fault may have restarted a node already.
                let restarted: Vec<NodeId> = nodes.iter().copied().filter(|n| world.restart(*n)).collect();
                note(&restarted, FaultKind::Crash, FaultPhase::End, &format!("{} restarted", names(&restarted)));
            }
        }
        Fault::Partition { side, from, duration } => {
            let side: Vec<NodeId> = side.iter().flat_map(resolve).collect();
            let roles: &[Role] = match from {
                Peers::All => &[Role::Client, Role::Server, Role::Resource],
                Peers::Servers => &[Role::Server],
            };
            let others: Vec<NodeId> =
                roles.iter().flat_map(|r| world.nodes_with_role(*r)).filter(|n| !side.contains(n)).collect();
            let whom = match from {
                Peers::All => "everyone else",
                Peers::Servers => "the lock servers",
            };
            let detail = format!("[{}] cut off from {whom} for {:.3}s", names(&side), duration.as_secs_f64());
            note(&[WORLD], FaultKind::Partition, FaultPhase::Start, &detail);
            set_links(world, &side, &others, false);
            if !lasts(world, duration).await {
                return;
            }
            set_links(world, &side, &others, true);
            note(&[WORLD], FaultKind::Partition, FaultPhase::End, &format!("[{}] healed", names(&side)));
        }
        Fault::Network { settings, duration } => {
            let detail = format!(
                "loss {:.1}%, latency {:?}..{:?} for {:.3}s",
                settings.loss * 100.0,
                settings.latency_min,
                settings.latency_max,
                duration.as_secs_f64()
            );
            note(&[WORLD], FaultKind::Network, FaultPhase::Start, &detail);
            let before = world.network();
            world.set_network(settings);
            if !lasts(world, duration).await {
                return;
            }
            world.set_network(before);
            note(&[WORLD], FaultKind::Network, FaultPhase::End, "network restored");
        }
        Fault::ClockJump { target, delta_ns } => {
            let nodes = resolve(&target);
            let detail = format!("{} wall clock jumps {:+.3}s", names(&nodes), delta_ns as f64 / 1e9);
            note(&nodes, FaultKind::ClockJump, FaultPhase::Start, &detail);
            nodes.iter().for_each(|n| world.clock(*n).jump(delta_ns));
        }
        Fault::ClockDrift { target, drift_ppm, duration } => {
            let nodes = resolve(&target);
            let before: Vec<i64> = nodes.iter().map(|n| world.clock(*n).drift_ppm()).collect();
            let detail = format!("{} clock drifts {drift_ppm:+} ppm", names(&nodes));
            note(&nodes, FaultKind::ClockDrift, FaultPhase::Start, &detail);
            nodes.iter().for_each(|n| world.clock(*n).set_drift(drift_ppm));
            if let Some(duration) = duration {
                if !lasts(world, duration).await {
                    return;
                }
                nodes.iter().zip(&before).for_each(|(n, ppm)| world.clock(*n).set_drift(*ppm));
                note(
                    &nodes,
                    FaultKind::ClockDrift,
                    FaultPhase::End,
                    &format!("{} clock drift restored", names(&nodes)),
                );
            }
        }
        Fault::Signal { target, name, duration } => {
            let nodes = resolve(&target);
            let detail = format!("{name} on {} for {:.3}s", names(&nodes), duration.as_secs_f64());
            note(&nodes, FaultKind::Signal, FaultPhase::Start, &detail);
            nodes.iter().for_each(|n| world.signal(*n, &name, true));
            if !lasts(world, duration).await {
                return;
            }
            nodes.iter().for_each(|n| world.signal(*n, &name, false));
            note(&nodes, FaultKind::Signal, FaultPhase::End, &format!("{name} on {} ends", names(&nodes)));
        }
    }
}

/// Let a fault last `duration`; `false` when the world was healed meanwhile
/// (healing already undid the fault: its end must not be played).
async fn lasts(world: &World, duration: Duration) -> bool {
    madsim::time::sleep(duration).await;
    !world.healed()
}

fn aims_at_holder(fault: &Fault) -> bool {
    match fault {
        Fault::Pause { target, .. }
        | Fault::Crash { target, .. }
        | Fault::ClockJump { target, .. }
        | Fault::ClockDrift { target, .. }
        | Fault::Signal { target, .. } => *target == Target::Holder,
        Fault::Partition { side, .. } => side.contains(&Target::Holder),
        Fault::Network { .. } => false,
    }
}

async fn wait_for_holder(world: &World) {
    let deadline = SimTime::now() + HOLDER_WAIT;
    while world.clients_in_critical_section().is_empty() && SimTime::now() < deadline {
        madsim::time::sleep(Duration::from_millis(1)).await;
    }
}

fn set_links(world: &World, side: &[NodeId], others: &[NodeId], connected: bool) {
    for &a in side {
        for &b in others {
            world.set_link(a, b, connected);
        }
    }
}

/// The nodes `target` names now. Draws from `picker` only when choosing among several.
fn resolve(world: &World, picker: &Mutex<SimRng>, target: &Target) -> Vec<NodeId> {
    let mut rng = picker.lock().expect("target picker poisoned");
    let clients = world.nodes_with_role(Role::Client);
    let servers = world.nodes_with_role(Role::Server);
    let pick = |rng: &mut SimRng, among: &[NodeId]| among.choose(rng).copied().into_iter().collect::<Vec<_>>();
    match target {
        Target::Node(name) => vec![world.node_id(name).unwrap_or_else(|| panic!("fault targets unknown node {name}"))],
        Target::Holder => {
            let holders = world.clients_in_critical_section();
            if holders.is_empty() {
                pick(&mut rng, &clients)
            } else {
                pick(&mut rng, &holders)
            }
        }
        Target::RandomClient => pick(&mut rng, &clients),
        Target::Primary => world.primary().map_or_else(|| pick(&mut rng, &servers), |p| vec![p]),
        Target::RandomServer => pick(&mut rng, &servers),
        Target::EveryServer => servers,
    }
}
