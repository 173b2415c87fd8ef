//! Faults as data, and the injector that plays them (docs/ARCHITECTURE.md, "Contracts").
//!
//! A [`FaultPlan`] is a serializable list of timed faults. Scenarios generate
//! plans from the seed; the injector ([`inject`]) plays a plan in the world,
//! records the start and end of every fault in the history, and ends each
//! fault after its duration. Playing a fault is applying its effects
//! ([`crate::world::Effect`]); the world files their inverses, which the
//! fault's end plays (and healing, if the end has not come). Targets may name a node or be resolved at
//! injection time from the world's state ("the client inside its critical
//! section", "the current master"), which is how faults aim at protocol
//! state; the resolved nodes are recorded, and the choice is deterministic
//! for a seed.
//!
//! A fault starts at its time, or, with a [`Trigger`], at the first mark of
//! a protocol moment after that time ("when a client is granted the lock by
//! a bare majority", "when the holder enters its critical section"; see
//! [`crate::world::World::mark`]), plus an optional delay. A triggered fault
//! may aim at the node that made the mark ([`Target::Triggering`]).
//! Partitions take any [`Shape`]: groups, directed cuts and Jepsen's
//! generators ([`shape`]).
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
use crate::world::{Effect, FaultId, NetworkSettings, World, WORLD};

pub mod shape;
pub use shape::Shape;

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
    /// Every client.
    EveryClient,
    /// The client with this index in deployment order (`client-0` is 0),
    /// wrapping: a plan that names no design's nodes.
    Client(u32),
    /// The lock server with this index in deployment order, wrapping.
    Server(u32),
    /// The node whose mark set off the fault's [`Trigger`].
    Triggering,
}

impl Target {
    /// Whether the target always names exactly one node, as a trigger's `by` must.
    pub fn is_one_node(&self) -> bool {
        matches!(self, Target::Node(_) | Target::Client(_) | Target::Server(_))
    }
}

/// What starts a fault instead of a time: the first `mark` made after the
/// fault's `at` (by `by`, or by any node), then `delay`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The protocol moment ("cs-enter", "lock-checked", "bare-majority"...).
    pub mark: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Target>,
    #[serde(default, skip_serializing_if = "Duration::is_zero")]
    pub delay: Duration,
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
    /// Cut the links `shape` names for a while; with `one_way`, only the
    /// messages from the first group to the second are lost.
    Partition {
        shape: Shape,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        one_way: bool,
        duration: Duration,
    },
    /// Change the network's loss and latency for a while.
    Network { settings: NetworkSettings, duration: Duration },
    /// Step the node's wall clock by `delta_ns` (negative goes back).
    ClockJump { target: Target, delta_ns: i64 },
    /// Change the node's drift rate; back to the previous rate after `duration` if given.
    ClockDrift { target: Target, drift_ppm: i64, duration: Option<Duration> },
    /// Delay every message to or from the node by `extra` for a while (a
    /// latency spike on a host: a slow disk behind a master, a busy NIC).
    Slow { target: Target, extra: Duration, duration: Duration },
    /// Raise a named, design-specific stress on the node for a while (e.g.
    /// "memory-pressure" makes a cache evict keys); nodes without a handler
    /// for the name ignore it.
    Signal { target: Target, name: String, duration: Duration },
    /// Jepsen's clock "strobe": step the node's wall clock by `delta_ns`, then
    /// back, every `period`, for `duration` (an even number of steps, at
    /// least two), so it ends where it started; healing stops it there too.
    ClockStrobe { target: Target, delta_ns: i64, period: Duration, duration: Duration },
}

impl Fault {
    /// The `side` nodes cut off from `from`, both ways, for `duration`.
    pub fn isolate(side: Vec<Target>, from: Peers, duration: Duration) -> Fault {
        Fault::Partition { shape: Shape::Isolate { side, from }, one_way: false, duration }
    }

    /// The fault's kind, as plan summaries name it.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Pause { .. } => "pause",
            Fault::Crash { .. } => "crash",
            Fault::Partition { .. } => "partition",
            Fault::Network { .. } => "network",
            Fault::ClockJump { .. } => "clock-jump",
            Fault::ClockDrift { .. } => "clock-drift",
            Fault::Signal { .. } => "signal",
            Fault::Slow { .. } => "slow",
            Fault::ClockStrobe { .. } => "clock-strobe",
        }
    }

    /// Every node the fault names.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Fault::Pause { target, .. }
            | Fault::Crash { target, .. }
            | Fault::ClockJump { target, .. }
            | Fault::ClockDrift { target, .. }
            | Fault::ClockStrobe { target, .. }
            | Fault::Slow { target, .. }
            | Fault::Signal { target, .. } => vec![target],
            Fault::Partition { shape, .. } => shape.targets(),
            Fault::Network { .. } => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedFault {
    /// When the fault starts, in global simulated time; with `when`, when it
    /// starts waiting for its trigger.
    pub at: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Trigger>,
    #[serde(flatten)]
    pub fault: Fault,
}

impl TimedFault {
    /// A fault starting at `at`.
    pub fn at(at: Duration, fault: Fault) -> TimedFault {
        TimedFault { at, when: None, fault }
    }

    /// A fault starting at the first `when` after `at`.
    pub fn when(at: Duration, when: Trigger, fault: Fault) -> TimedFault {
        TimedFault { at, when: Some(when), fault }
    }
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
                Fault::Partition { shape, one_way, .. } => {
                    shape.validate().map_err(|e| format!("fault {i}: {e}"))?;
                    if *one_way && !shape.allows_one_way() {
                        return Err(format!(
                            "fault {i}: one_way does not apply to this shape (it says each link's direction)"
                        ));
                    }
                }
                Fault::ClockJump { delta_ns, .. } | Fault::ClockStrobe { delta_ns, .. }
                    if *delta_ns < 0 && u128::from(delta_ns.unsigned_abs()) > f.at.as_nanos() =>
                {
                    return Err(format!(
                        "fault {i}: delta_ns steps the clock back {:.3}s, more than its age at the fault's start ({:.3}s)",
                        delta_ns.unsigned_abs() as f64 / 1e9,
                        f.at.as_secs_f64()
                    ));
                }
                Fault::ClockStrobe { period, .. } if period.is_zero() => {
                    return Err(format!("fault {i}: a strobe's period must be above zero"));
                }
                _ => {}
            }
            let aims_at_trigger = f.fault.targets().contains(&&Target::Triggering);
            match &f.when {
                None if aims_at_trigger => {
                    return Err(format!("fault {i}: targets the triggering node but has no trigger (add `when`)"));
                }
                Some(Trigger { by: Some(by), .. }) if !by.is_one_node() => {
                    return Err(format!(
                        "fault {i}: a trigger's `by` must name one node (node:NAME, client:N, server:N)"
                    ));
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
            let mut cause = Cause::default();
            if timed.when.is_some() && world.healed() {
                return; // armed after the fault phase: it would never play
            }
            if let Some(trigger) = &timed.when {
                let by = trigger.by.as_ref().map(|t| resolve(&world, &picker, t, None).first().copied());
                // A `by` naming no node of this world (a server index where there are no servers) never fires.
                let fired = match by {
                    Some(None) => None,
                    Some(by) => world.next_mark(&trigger.mark, by).await,
                    None => world.next_mark(&trigger.mark, None).await,
                };
                let Some(node) = fired else {
                    // Healing ended the wait: say so, so a report does not pass off an unplayed fault as survived.
                    let detail = format!(
                        "a {} waiting for '{}' never started (no such mark before healing)",
                        timed.fault.name(),
                        trigger.mark
                    );
                    world.record(WORLD, EventKind::Note { detail });
                    return;
                };
                madsim::time::sleep(trigger.delay).await;
                cause = Cause::mark(&world, node, trigger);
            } else if aims_at_holder(&timed.fault) {
                wait_for_holder(&world).await;
            }
            if !world.healed() {
                play(&world, &picker, timed.fault, cause).await;
            }
        });
    }
}

/// What set a fault off, when a trigger did: the node to aim at and the
/// words the fault's start event ends with.
#[derive(Default)]
struct Cause {
    node: Option<NodeId>,
    words: String,
}

impl Cause {
    fn mark(world: &World, node: NodeId, trigger: &Trigger) -> Cause {
        let after = if trigger.delay.is_zero() {
            "at".to_string()
        } else {
            format!("{:.3}s after", trigger.delay.as_secs_f64())
        };
        Cause { node: Some(node), words: format!(" ({after} {}'s {})", world.node_name(node), trigger.mark) }
    }
}

async fn play(world: &World, picker: &Mutex<SimRng>, fault: Fault, cause: Cause) {
    let resolve = |t: &Target| resolve(world, picker, t, cause.node);
    let names = |nodes: &[NodeId]| nodes.iter().map(|n| world.node_name(*n)).collect::<Vec<_>>().join(", ");
    let note = |nodes: &[NodeId], kind: FaultKind, phase: FaultPhase, detail: &str| {
        let detail = if phase == FaultPhase::Start { format!("{detail}{}", cause.words) } else { detail.to_string() };
        for &node in nodes {
            world.record(node, EventKind::Fault { kind, phase, detail: detail.clone() });
        }
    };
    match fault {
        Fault::Pause { target, duration } => {
            let nodes = resolve(&target);
            let detail = format!("{} paused for {:.3}s", names(&nodes), duration.as_secs_f64());
            note(&nodes, FaultKind::Pause, FaultPhase::Start, &detail);
            let fault = world.apply_fault(nodes.iter().map(|&n| Effect::Pause(n)));
            let Some(resumed) = ends_after(world, duration, fault).await else { return };
            note(&resumed, FaultKind::Pause, FaultPhase::End, &format!("{} resumed", names(&resumed)));
        }
        Fault::Crash { target, restart_after, durable } => {
            let nodes = resolve(&target);
            let disk = if durable { "disk kept" } else { "disk lost" };
            note(&nodes, FaultKind::Crash, FaultPhase::Start, &format!("{} crashed ({disk})", names(&nodes)));
            let fault = world.apply_fault(nodes.iter().map(|&node| Effect::Crash { node, lose_state: !durable }));
            if let Some(after) = restart_after {
                // An overlapping crash fault may have restarted a node already: it is not restarted again.
                let Some(restarted) = ends_after(world, after, fault).await else { return };
                note(&restarted, FaultKind::Crash, FaultPhase::End, &format!("{} restarted", names(&restarted)));
            }
        }
        Fault::Partition { shape, one_way, duration } => {
            let rng = || picker.lock().expect("target picker poisoned");
            let members = shape::Members {
                clients: world.nodes_with_role(Role::Client),
                servers: world.nodes_with_role(Role::Server),
                resource: world.nodes_with_role(Role::Resource),
                resolve: &mut |t: &Target| resolve(t),
                shuffle: &mut |nodes: &mut Vec<NodeId>| nodes.shuffle(&mut *rng()),
            };
            let drawn = shape.draw(one_way, members, &names);
            let detail = format!("{} for {:.3}s", drawn.describe, duration.as_secs_f64());
            note(&[WORLD], FaultKind::Partition, FaultPhase::Start, &detail);
            let fault = world.apply_fault(drawn.cuts.into_iter().map(Effect::Cut));
            if ends_after(world, duration, fault).await.is_none() {
                return;
            }
            note(&[WORLD], FaultKind::Partition, FaultPhase::End, &drawn.healed);
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
            let fault = world.apply_fault([Effect::Network(settings)]);
            if ends_after(world, duration, fault).await.is_none() {
                return;
            }
            note(&[WORLD], FaultKind::Network, FaultPhase::End, "network restored");
        }
        Fault::ClockJump { target, delta_ns } => {
            let nodes = resolve(&target);
            let detail = format!("{} wall clock jumps {:+.3}s", names(&nodes), delta_ns as f64 / 1e9);
            note(&nodes, FaultKind::ClockJump, FaultPhase::Start, &detail);
            world.apply_fault(nodes.iter().map(|&node| Effect::Jump { node, delta_ns }));
        }
        Fault::ClockDrift { target, drift_ppm, duration } => {
            let nodes = resolve(&target);
            let detail = format!("{} clock drifts {drift_ppm:+} ppm", names(&nodes));
            note(&nodes, FaultKind::ClockDrift, FaultPhase::Start, &detail);
            // Each node's drift goes back to what it was before (healing ends a drift without a duration).
            let fault = world.apply_fault(nodes.iter().map(|&node| Effect::Drift { node, ppm: drift_ppm }));
            if let Some(duration) = duration {
                let Some(restored) = ends_after(world, duration, fault).await else { return };
                let detail = format!("{} clock drift restored", names(&restored));
                note(&restored, FaultKind::ClockDrift, FaultPhase::End, &detail);
            }
        }
        Fault::Slow { target, extra, duration } => {
            let nodes = resolve(&target);
            let detail = format!(
                "{} messages take {:+.3}s more for {:.3}s",
                names(&nodes),
                extra.as_secs_f64(),
                duration.as_secs_f64()
            );
            note(&nodes, FaultKind::Slow, FaultPhase::Start, &detail);
            let fault = world.apply_fault(nodes.iter().map(|&node| Effect::Slow { node, extra }));
            let Some(ended) = ends_after(world, duration, fault).await else { return };
            note(&ended, FaultKind::Slow, FaultPhase::End, &format!("{} messages back to normal", names(&ended)));
        }
        Fault::Signal { target, name, duration } => {
            let nodes = resolve(&target);
            let detail = format!("{name} on {} for {:.3}s", names(&nodes), duration.as_secs_f64());
            note(&nodes, FaultKind::Signal, FaultPhase::Start, &detail);
            let fault = world.apply_fault(nodes.iter().map(|&node| Effect::Signal { node, name: name.clone() }));
            let Some(ended) = ends_after(world, duration, fault).await else { return };
            note(&ended, FaultKind::Signal, FaultPhase::End, &format!("{name} on {} ends", names(&ended)));
        }
        Fault::ClockStrobe { target, delta_ns, period, duration } => {
            let nodes = resolve(&target);
            let detail = format!(
                "{} wall clock strobes between +0s and {:+.3}s every {:.3}s for {:.3}s",
                names(&nodes),
                delta_ns as f64 / 1e9,
                period.as_secs_f64(),
                duration.as_secs_f64()
            );
            note(&nodes, FaultKind::ClockStrobe, FaultPhase::Start, &detail);
            // Each cycle is one step away (filed with its step back, so healing
            // mid-cycle steps back at once) and, a period later, the step back.
            let mut back = Vec::new();
            for cycle in 0..strobe_cycles(period, duration) {
                if cycle > 0 {
                    madsim::time::sleep(period).await;
                    if world.healed() {
                        return; // healed while the clock was back where it started
                    }
                }
                let away = world.apply_fault(nodes.iter().map(|&node| Effect::JumpAway { node, delta_ns }));
                let Some(stepped_back) = ends_after(world, period, away).await else { return };
                back = stepped_back;
            }
            let detail = format!("{} wall clock strobe ends (back where it started)", names(&back));
            note(&back, FaultKind::ClockStrobe, FaultPhase::End, &detail);
        }
    }
}

/// How many times a strobe steps away and back: one cycle per two periods of
/// its duration, and at least one (a zero period counts as one nanosecond).
pub fn strobe_cycles(period: Duration, duration: Duration) -> u64 {
    let two_periods = period.as_nanos().max(1) * 2;
    (duration.as_nanos() / two_periods).clamp(1, u64::MAX as u128) as u64
}

/// Let `fault` last `duration`, then end it: the nodes its end acted on, or
/// `None` when the world was healed meanwhile (healing already undid the
/// fault: its end must not be played or recorded).
async fn ends_after(world: &World, duration: Duration, fault: FaultId) -> Option<Vec<NodeId>> {
    madsim::time::sleep(duration).await;
    world.end_fault(fault)
}

fn aims_at_holder(fault: &Fault) -> bool {
    let holder_side = matches!(fault, Fault::Partition { shape: Shape::PrimaryWith { clients }, .. } if *clients > 0);
    holder_side || fault.targets().contains(&&Target::Holder)
}

async fn wait_for_holder(world: &World) {
    let deadline = SimTime::now() + HOLDER_WAIT;
    while world.clients_in_critical_section().is_empty() && SimTime::now() < deadline {
        madsim::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The nodes `target` names now (`triggering`: the node whose mark set the
/// fault off). Draws from `picker` only when choosing among several.
fn resolve(world: &World, picker: &Mutex<SimRng>, target: &Target, triggering: Option<NodeId>) -> Vec<NodeId> {
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
        Target::EveryClient => clients,
        Target::Client(i) => nth(&clients, *i),
        Target::Server(i) => nth(&servers, *i),
        // Validation refuses the target without a trigger.
        Target::Triggering => triggering.map_or_else(|| pick(&mut rng, &clients), |n| vec![n]),
    }
}

/// The `i`-th of `among`, wrapping (none if `among` is empty).
fn nth(among: &[NodeId], i: u32) -> Vec<NodeId> {
    if among.is_empty() {
        return Vec::new();
    }
    vec![among[i as usize % among.len()]]
}
