//! Faults as the world sees them: an [`Effect`] changes one part of the world
//! and yields its [`Inverse`], which is kept as data until the fault ends or
//! the world heals.
//!
//! [`World::apply_fault`] plays a fault's effects and files their inverses as
//! one active fault ([`super::active`]); [`World::end_fault`] plays them at the
//! fault's scheduled end; [`World::heal`] plays every inverse still filed, in
//! [`HealOrder`]. A new kind of fault is a new effect here, with its inverse,
//! how healing plays it and where in the heal order; the injector
//! ([`crate::fault`]) only says which effects a fault has and when it ends.
//!
//! A clock jump has no inverse: a clock is not stepped back. A strobe's step
//! away ([`Effect::JumpAway`]) is the one step that is: the strobe always
//! ends where it started, so healing mid-strobe steps the clock back too.

use std::time::Duration;

use crate::history::NodeId;
use crate::net::NetworkSettings;

use super::topology::Cut;
use super::World;

/// One applied fault, to end later (its inverses are filed in [`super::active`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FaultId(pub(super) u64);

/// One change a fault makes to the world.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Stop the node's tasks until the pause ends (pauses nest).
    Pause(NodeId),
    /// Kill the node's tasks; with `lose_state`, wipe its disk (durable slot) too.
    Crash { node: NodeId, lose_state: bool },
    /// Stop the links of the cut (cuts nest).
    Cut(Cut),
    /// Delay every message to or from the node by `extra` (spikes add up).
    Slow { node: NodeId, extra: Duration },
    /// Change the whole network's loss and latency.
    Network(NetworkSettings),
    /// Change the node's clock drift rate.
    Drift { node: NodeId, ppm: i64 },
    /// Step the node's wall clock (never undone).
    Jump { node: NodeId, delta_ns: i64 },
    /// Raise the named signal on the node.
    Signal { node: NodeId, name: String },
    /// Step the node's wall clock by `delta_ns` until the fault ends, which
    /// steps it back (a strobe's step away and back).
    JumpAway { node: NodeId, delta_ns: i64 },
}

/// What undoes an [`Effect`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Inverse {
    /// End one pause of the node.
    Resume(NodeId),
    /// Restart the node if it is down.
    Restart(NodeId),
    /// Restore the links of the cut.
    Restore(Cut),
    /// Take `extra` off the node's messages again.
    Unslow { node: NodeId, extra: Duration },
    /// Set the network back to these settings.
    Network(NetworkSettings),
    /// Set the node's clock drift back to `ppm`.
    Drift { node: NodeId, ppm: i64 },
    /// End the named signal on the node.
    EndSignal { node: NodeId, name: String },
    /// Step the node's wall clock back by `delta_ns`.
    JumpBack { node: NodeId, delta_ns: i64 },
}

/// Where healing plays an inverse: node by node (each node's pauses end, then
/// it restarts, then its clock drift returns, then a strobe's step is
/// stepped back), then the signals by node and
/// name, then the links, then the network. madsim runs the tasks that
/// resumes, restarts and signals make ready in the order they were made
/// ready, so this order is part of every history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum HealOrder<'a> {
    Node(NodeId, NodeStep),
    Signal(NodeId, &'a str),
    Links,
    Network,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NodeStep {
    Resume,
    Restart,
    Drift,
    JumpBack,
}

impl Effect {
    /// Play the effect; its inverse, if it has one.
    fn apply(self, world: &World) -> Option<Inverse> {
        match self {
            Effect::Pause(node) => {
                world.pause(node);
                Some(Inverse::Resume(node))
            }
            Effect::Crash { node, lose_state } => {
                world.crash(node, lose_state);
                // Filed even for a crash with no scheduled restart: healing restarts it.
                Some(Inverse::Restart(node))
            }
            Effect::Cut(cut) => {
                world.topology().cut(&cut);
                Some(Inverse::Restore(cut))
            }
            Effect::Slow { node, extra } => {
                world.topology().slow_down(node, extra);
                Some(Inverse::Unslow { node, extra })
            }
            Effect::Network(settings) => {
                let before = world.network();
                world.set_network(settings);
                Some(Inverse::Network(before))
            }
            Effect::Drift { node, ppm } => {
                let clock = world.clock(node);
                let before = clock.drift_ppm();
                clock.set_drift(ppm);
                Some(Inverse::Drift { node, ppm: before })
            }
            Effect::Jump { node, delta_ns } => {
                world.clock(node).jump(delta_ns);
                None
            }
            Effect::Signal { node, name } => {
                world.signal(node, &name, true);
                Some(Inverse::EndSignal { node, name })
            }
            Effect::JumpAway { node, delta_ns } => {
                world.clock(node).jump(delta_ns);
                Some(Inverse::JumpBack { node, delta_ns })
            }
        }
    }
}

impl Inverse {
    /// Play the inverse at its fault's scheduled end; the node it acted on, if any.
    fn undo(&self, world: &World) -> Option<NodeId> {
        match self {
            Inverse::Resume(node) => {
                world.resume(*node);
                Some(*node)
            }
            // An overlapping crash fault may have restarted the node already.
            Inverse::Restart(node) => world.restart(*node).then_some(*node),
            Inverse::Restore(cut) => {
                world.topology().restore(cut);
                None
            }
            Inverse::Unslow { node, extra } => {
                world.topology().speed_up(*node, *extra);
                Some(*node)
            }
            Inverse::Network(settings) => {
                world.set_network(*settings);
                None
            }
            Inverse::Drift { node, ppm } => {
                world.clock(*node).set_drift(*ppm);
                Some(*node)
            }
            Inverse::EndSignal { node, name } => {
                world.signal(*node, name, false);
                Some(*node)
            }
            Inverse::JumpBack { node, delta_ns } => {
                world.clock(*node).jump(-*delta_ns);
                Some(*node)
            }
        }
    }

    /// Play the inverse while healing. Unlike its scheduled end, healing ends
    /// every pause of a node at once and ends a signal only if it is still
    /// raised (overlapping faults may have ended it); the rest is played as
    /// at the end.
    fn heal(&self, world: &World) {
        match self {
            Inverse::Resume(node) => world.end_pauses(*node),
            Inverse::EndSignal { node, name } => {
                let raised = world.signals().lower(*node, name);
                if raised {
                    world.deliver_signal(*node, name, false);
                }
            }
            _ => {
                self.undo(world);
            }
        }
    }

    fn heal_order(&self) -> HealOrder<'_> {
        match self {
            Inverse::Resume(node) => HealOrder::Node(*node, NodeStep::Resume),
            Inverse::Restart(node) => HealOrder::Node(*node, NodeStep::Restart),
            Inverse::Drift { node, .. } => HealOrder::Node(*node, NodeStep::Drift),
            Inverse::EndSignal { node, name } => HealOrder::Signal(*node, name),
            Inverse::Restore(_) | Inverse::Unslow { .. } => HealOrder::Links,
            Inverse::Network(_) => HealOrder::Network,
            Inverse::JumpBack { node, .. } => HealOrder::Node(*node, NodeStep::JumpBack),
        }
    }
}

/// Play `active` (every inverse still filed, in fault start order) for
/// healing, then bring back what healing restores whether or not a fault
/// still holds it: every node's starting clock drift (a drift fault may have
/// no end) and the `base` network. Those come after the active inverses of
/// their place in the heal order, so they have the last word; setting a
/// clock's drift twice in one instant leaves it as setting it once would.
pub(crate) fn heal(
    world: &World,
    mut active: Vec<Inverse>,
    nodes: impl Iterator<Item = NodeId>,
    base: NetworkSettings,
) {
    let clocks = world.clocks();
    active.extend(nodes.map(|node| Inverse::Drift { node, ppm: clocks.base_drift(node) }));
    drop(clocks);
    active.push(Inverse::Network(base));
    // Stable: equal places keep their order, so the standing restores stay last.
    active.sort_by(|a, b| a.heal_order().cmp(&b.heal_order()));
    for inverse in &active {
        inverse.heal(world);
    }
}

impl World {
    /// Apply a fault's effects in order and file their inverses as one
    /// active fault, to end with [`World::end_fault`] (or by healing).
    pub fn apply_fault(&self, effects: impl IntoIterator<Item = Effect>) -> FaultId {
        let inverses: Vec<Inverse> = effects.into_iter().filter_map(|e| e.apply(self)).collect();
        self.faults().file(inverses)
    }

    /// End fault `id`: play its inverses in order and forget them. `None` when
    /// nothing of it is in effect (healing has undone it); else the nodes its
    /// end acted on, in order (a restart acts only on a node that is down).
    pub fn end_fault(&self, id: FaultId) -> Option<Vec<NodeId>> {
        let inverses = self.faults().take(id)?;
        Some(inverses.iter().filter_map(|i| i.undo(self)).collect())
    }
}
