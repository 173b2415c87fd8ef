//! Faults as data, and the injector that plays them (DESIGN.md, contract 6).
//!
//! A [`FaultPlan`] is a serializable list of timed faults. Scenarios generate
//! plans from the seed; the injector ([`inject`]) plays a plan in the world,
//! records the start and end of every fault in the history, and undoes each
//! fault after its duration. Targets may name a node or be resolved at
//! injection time from the history ("the client inside its critical section"),
//! which is how faults aim at protocol state; the resolved node is recorded,
//! and the choice is deterministic for a seed.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::valid_drift;
use crate::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Role};
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::world::{NetworkSettings, World, WORLD};

/// Which node a fault hits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A node by name.
    Node(String),
    /// A client that is inside its critical section when the fault starts;
    /// a random client when none is.
    Holder,
    /// Any client, drawn from the seed.
    RandomClient,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum Fault {
    /// Stop the node's tasks (GC pause, VM stall) for a while.
    Pause { target: Target, duration: Duration },
    /// Kill the node; restart it after `restart_after` if given. With
    /// `durable: false` the node's durable state is lost too.
    Crash { target: Target, restart_after: Option<Duration>, durable: bool },
    /// Cut the listed nodes off from every other node for a while
    /// (they can still reach each other).
    Partition { side: Vec<Target>, duration: Duration },
    /// Change the network's loss and latency for a while.
    Network { settings: NetworkSettings, duration: Duration },
    /// Step the node's wall clock by `delta_ns` (negative goes back).
    ClockJump { target: Target, delta_ns: i64 },
    /// Change the node's drift rate; back to the previous rate after `duration` if given.
    ClockDrift { target: Target, drift_ppm: i64, duration: Option<Duration> },
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
}

impl FaultPlan {
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
                Fault::Partition { side, .. } if side.is_empty() => {
                    return Err(format!("fault {i}: a partition needs at least one node on its side"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Play `plan` in `world`: one task per fault, on the world's own (supervisor) node.
pub fn inject(world: &World, plan: &FaultPlan) {
    let picker = Arc::new(Mutex::new(world.rng("faults/targets")));
    for timed in plan.faults.clone() {
        let (world, picker) = (world.clone(), picker.clone());
        madsim::task::spawn(async move {
            let now = SimTime::now().as_duration();
            madsim::time::sleep(timed.at.saturating_sub(now)).await;
            play(&world, &picker, timed.fault).await;
        });
    }
}

async fn play(world: &World, picker: &Mutex<SimRng>, fault: Fault) {
    let resolve = |t: &Target| resolve(world, picker, t);
    let note = |node: NodeId, kind: FaultKind, phase: FaultPhase, detail: String| {
        world.record(node, EventKind::Fault { kind, phase, detail })
    };
    match fault {
        Fault::Pause { target, duration } => {
            let node = resolve(&target);
            let detail = format!("{} paused for {:.3}s", world.node_name(node), duration.as_secs_f64());
            note(node, FaultKind::Pause, FaultPhase::Start, detail);
            world.pause(node);
            madsim::time::sleep(duration).await;
            world.resume(node);
            note(node, FaultKind::Pause, FaultPhase::End, format!("{} resumed", world.node_name(node)));
        }
        Fault::Crash { target, restart_after, durable } => {
            let node = resolve(&target);
            let state = if durable { "state kept" } else { "state lost" };
            note(node, FaultKind::Crash, FaultPhase::Start, format!("{} crashed ({state})", world.node_name(node)));
            world.crash(node, !durable);
            if let Some(after) = restart_after {
                madsim::time::sleep(after).await;
                world.restart(node);
                note(node, FaultKind::Crash, FaultPhase::End, format!("{} restarted", world.node_name(node)));
            }
        }
        Fault::Partition { side, duration } => {
            let side: Vec<NodeId> = side.iter().map(resolve).collect();
            let others: Vec<NodeId> = world
                .nodes_with_role(Role::Client)
                .into_iter()
                .chain(world.nodes_with_role(Role::Server))
                .filter(|n| !side.contains(n))
                .collect();
            let names: Vec<String> = side.iter().map(|n| world.node_name(*n)).collect();
            let detail = format!("[{}] cut off from the rest for {:.3}s", names.join(", "), duration.as_secs_f64());
            note(WORLD, FaultKind::Partition, FaultPhase::Start, detail);
            set_links(world, &side, &others, false);
            madsim::time::sleep(duration).await;
            set_links(world, &side, &others, true);
            note(WORLD, FaultKind::Partition, FaultPhase::End, format!("[{}] healed", names.join(", ")));
        }
        Fault::Network { settings, duration } => {
            let detail = format!(
                "loss {:.1}%, latency {:?}..{:?} for {:.3}s",
                settings.loss * 100.0,
                settings.latency_min,
                settings.latency_max,
                duration.as_secs_f64()
            );
            note(WORLD, FaultKind::Network, FaultPhase::Start, detail);
            let before = world.network();
            world.set_network(settings);
            madsim::time::sleep(duration).await;
            world.set_network(before);
            note(WORLD, FaultKind::Network, FaultPhase::End, "network restored".into());
        }
        Fault::ClockJump { target, delta_ns } => {
            let node = resolve(&target);
            let detail = format!("{} wall clock jumps {:+.3}s", world.node_name(node), delta_ns as f64 / 1e9);
            note(node, FaultKind::ClockJump, FaultPhase::Start, detail);
            world.clock(node).jump(delta_ns);
        }
        Fault::ClockDrift { target, drift_ppm, duration } => {
            let node = resolve(&target);
            let clock = world.clock(node);
            let before = clock.drift_ppm();
            let detail = format!("{} clock drifts {drift_ppm:+} ppm", world.node_name(node));
            note(node, FaultKind::ClockDrift, FaultPhase::Start, detail);
            clock.set_drift(drift_ppm);
            if let Some(duration) = duration {
                madsim::time::sleep(duration).await;
                clock.set_drift(before);
                note(
                    node,
                    FaultKind::ClockDrift,
                    FaultPhase::End,
                    format!("{} clock back to {before:+} ppm", world.node_name(node)),
                );
            }
        }
    }
}

fn set_links(world: &World, side: &[NodeId], others: &[NodeId], connected: bool) {
    for &a in side {
        for &b in others {
            world.set_link(a, b, connected);
        }
    }
}

fn resolve(world: &World, picker: &Mutex<SimRng>, target: &Target) -> NodeId {
    let mut rng = picker.lock().expect("target picker poisoned");
    let clients = world.nodes_with_role(Role::Client);
    match target {
        Target::Node(name) => world.node_id(name).unwrap_or_else(|| panic!("fault targets unknown node {name}")),
        Target::Holder => {
            let holders = world.with_history(clients_in_critical_section);
            *holders.choose(&mut *rng).or_else(|| clients.choose(&mut *rng)).expect("the world has clients")
        }
        Target::RandomClient => *clients.choose(&mut *rng).expect("the world has clients"),
    }
}

/// Clients inside their critical section at the end of `history`, in id order.
/// A client that crashed inside is out.
pub fn clients_in_critical_section(history: &History) -> Vec<NodeId> {
    let mut inside = std::collections::BTreeSet::new();
    for e in &history.events {
        match &e.kind {
            EventKind::CsEnter => {
                inside.insert(e.node);
            }
            EventKind::CsExit | EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                inside.remove(&e.node);
            }
            _ => {}
        }
    }
    inside.into_iter().collect()
}
