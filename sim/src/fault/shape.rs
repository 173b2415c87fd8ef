//! Partition shapes: which links a partition cuts.
//!
//! A shape names groups of nodes (or a generator of them, drawn from the
//! seed when the partition starts) and becomes a set of directed cuts
//! ([`crate::world::Cut`]). The generators follow Jepsen's nemeses
//! (`jepsen.nemesis`): `majorities-ring` (the "perfect" variant: the lock
//! servers in a random ring, each hearing only the majority centred on it,
//! so every server sees a majority and no two see the same one),
//! `bridge` (two halves joined by one server that hears both) and
//! `random-halves` (the first, smaller half and the rest, shuffled).
//!
//! Jepsen's clients talk to one database node each; here clients are nodes of
//! their own that talk to every server. For the server-ring shapes each
//! client is placed beside one server (client k beside the k-th server of the
//! shuffled order, wrapping) and hears and is heard by what that server
//! hears and is heard by. The resource (the thing the lock protects) stays
//! reachable from every side in every shape except `isolate` with `from =
//! all`: its safety is the lock's job, not the network's.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::history::NodeId;
use crate::world::{Cut, Direction};

use super::{Peers, Target};

/// Which nodes a partition separates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "kebab-case")]
pub enum Shape {
    /// The `side` nodes cut off from `from` (everyone else, or only the lock
    /// servers); nodes on the side still reach each other.
    Isolate {
        side: Vec<Target>,
        #[serde(default)]
        from: Peers,
    },
    /// Group `a` cut off from group `b` (a node in both is not cut from itself).
    Groups { a: Vec<Target>, b: Vec<Target> },
    /// `node` cut off from `count` lock servers drawn from the seed (never
    /// itself): "client 1 cannot reach masters D and E".
    FromServers { node: Target, count: u32 },
    /// The primary and `clients` clients (holders first) cut off from the
    /// other servers and clients: the split brain of a failover.
    PrimaryWith { clients: u32 },
    /// Jepsen's majorities ring over the lock servers.
    MajoritiesRing,
    /// Jepsen's bridge: two halves of the servers, and one that hears both.
    Bridge,
    /// Jepsen's random halves of the servers.
    RandomHalves,
}

impl Shape {
    /// Whether `one_way` applies: Jepsen's generators say themselves which
    /// way each link is cut (a ring's grudges are one-way by construction).
    pub fn allows_one_way(&self) -> bool {
        !matches!(self, Shape::MajoritiesRing | Shape::Bridge | Shape::RandomHalves)
    }

    /// Every target the shape names.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Shape::Isolate { side, .. } => side.iter().collect(),
            Shape::Groups { a, b } => a.iter().chain(b).collect(),
            Shape::FromServers { node, .. } => vec![node],
            Shape::PrimaryWith { .. } | Shape::MajoritiesRing | Shape::Bridge | Shape::RandomHalves => Vec::new(),
        }
    }

    /// Check the shape can be played: one line saying what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Shape::Isolate { side, .. } if side.is_empty() => {
                Err("a partition needs at least one node on its side".into())
            }
            Shape::Groups { a, b } if a.is_empty() || b.is_empty() => {
                Err("a partition of groups needs at least one node in each group".into())
            }
            Shape::FromServers { count: 0, .. } => Err("count must be at least 1 server".into()),
            _ => Ok(()),
        }
    }
}

/// The nodes a partition can be drawn among, and how to resolve targets.
pub(super) struct Members<'a> {
    pub clients: Vec<NodeId>,
    pub servers: Vec<NodeId>,
    pub resource: Vec<NodeId>,
    pub resolve: &'a mut dyn FnMut(&Target) -> Vec<NodeId>,
    pub shuffle: &'a mut dyn FnMut(&mut Vec<NodeId>),
}

/// What a partition cuts, as cuts and as words (`name` turns ids into names).
pub(super) struct Drawn {
    pub cuts: Vec<Cut>,
    pub describe: String,
    /// The words of its end.
    pub healed: String,
}

const HEALED: &str = "partition healed";

fn direction(one_way: bool) -> Direction {
    if one_way {
        Direction::OneWay
    } else {
        Direction::BothWays
    }
}

impl Shape {
    /// Draw the partition's cuts now.
    pub(super) fn draw(&self, one_way: bool, m: Members<'_>, name: &dyn Fn(&[NodeId]) -> String) -> Drawn {
        let way = if one_way { " (one way)" } else { "" };
        match self {
            Shape::Isolate { side, from } => {
                let side: Vec<NodeId> = side.iter().flat_map(|t| (m.resolve)(t)).collect();
                let (peers, whom): (Vec<NodeId>, &str) = match from {
                    Peers::All => ([m.clients, m.servers, m.resource].concat(), "everyone else"),
                    Peers::Servers => (m.servers, "the lock servers"),
                };
                let others = peers.into_iter().filter(|n| !side.contains(n)).collect();
                let describe = format!("[{}] cut off from {whom}{way}", name(&side));
                let healed = format!("[{}] healed", name(&side));
                Drawn { cuts: vec![Cut::groups(side, others, direction(one_way))], describe, healed }
            }
            Shape::Groups { a, b } => {
                let a: Vec<NodeId> = a.iter().flat_map(|t| (m.resolve)(t)).collect();
                let b: Vec<NodeId> = b.iter().flat_map(|t| (m.resolve)(t)).collect();
                let describe = format!("[{}] cut off from [{}]{way}", name(&a), name(&b));
                Drawn { cuts: vec![Cut::groups(a, b, direction(one_way))], describe, healed: HEALED.into() }
            }
            Shape::FromServers { node, count } => {
                let node = (m.resolve)(node);
                let mut servers: Vec<NodeId> = m.servers.into_iter().filter(|s| !node.contains(s)).collect();
                (m.shuffle)(&mut servers);
                servers.truncate(*count as usize);
                servers.sort();
                let describe = format!("[{}] cut off from [{}]{way}", name(&node), name(&servers));
                Drawn { cuts: vec![Cut::groups(node, servers, direction(one_way))], describe, healed: HEALED.into() }
            }
            Shape::PrimaryWith { clients } => {
                let mut side = (m.resolve)(&Target::Primary);
                let mut holders = (m.resolve)(&Target::Holder);
                holders.retain(|h| m.clients.contains(h));
                let mut rest: Vec<NodeId> = m.clients.iter().copied().filter(|c| !holders.contains(c)).collect();
                (m.shuffle)(&mut rest);
                let chosen: Vec<NodeId> = holders.into_iter().chain(rest).take(*clients as usize).collect();
                side.extend(chosen);
                let others: Vec<NodeId> =
                    m.servers.iter().chain(&m.clients).copied().filter(|n| !side.contains(n)).collect();
                let describe = format!("[{}] cut off from [{}]{way}", name(&side), name(&others));
                Drawn { cuts: vec![Cut::groups(side, others, direction(one_way))], describe, healed: HEALED.into() }
            }
            Shape::MajoritiesRing => {
                let mut ring = m.servers;
                (m.shuffle)(&mut ring);
                let grudges = majorities_ring(&ring);
                let cuts = grudge_cuts(&grudges, &beside(&ring, &m.clients));
                let describe = format!("majorities ring [{}], clients beside their server", name(&ring));
                Drawn { cuts, describe, healed: HEALED.into() }
            }
            Shape::Bridge => {
                let mut order = m.servers;
                (m.shuffle)(&mut order);
                let half = order.len() / 2;
                let (a, bridge, b) = (&order[..half], order.get(half).copied(), order.get(half + 1..).unwrap_or(&[]));
                let grudges = complete(&[a, b]);
                let cuts = grudge_cuts(&grudges, &beside(&order, &m.clients));
                let bridge: Vec<NodeId> = bridge.into_iter().collect();
                let describe = format!("bridge: [{}] <-> [{}] <-> [{}]", name(a), name(&bridge), name(b));
                Drawn { cuts, describe, healed: HEALED.into() }
            }
            Shape::RandomHalves => {
                let mut order = m.servers;
                (m.shuffle)(&mut order);
                let (a, b) = order.split_at(order.len() / 2);
                let grudges = complete(&[a, b]);
                let cuts = grudge_cuts(&grudges, &beside(&order, &m.clients));
                let describe = format!("halves [{}] | [{}]", name(a), name(b));
                Drawn { cuts, describe, healed: HEALED.into() }
            }
        }
    }
}

/// A grudge: each server and the servers it no longer hears from.
type Grudges = Vec<(NodeId, BTreeSet<NodeId>)>;

/// Jepsen's `majorities-ring-perfect`: windows of a majority around the
/// ring, each window's middle server hearing only its window.
fn majorities_ring(ring: &[NodeId]) -> Grudges {
    let n = ring.len();
    let majority = n / 2 + 1;
    (0..n)
        .map(|start| {
            let window: BTreeSet<NodeId> = (0..majority).map(|k| ring[(start + k) % n]).collect();
            let middle = ring[(start + majority / 2) % n];
            (middle, ring.iter().copied().filter(|s| !window.contains(s)).collect())
        })
        .collect()
}

/// Jepsen's `complete-grudge`: every node hears only its own component.
fn complete(components: &[&[NodeId]]) -> Grudges {
    let all: Vec<NodeId> = components.iter().flat_map(|c| c.iter().copied()).collect();
    components
        .iter()
        .flat_map(|c| c.iter().map(|&s| (s, all.iter().copied().filter(|o| !c.contains(o)).collect())))
        .collect()
}

/// Each client placed beside a server: client k beside `order[k % n]`.
fn beside(order: &[NodeId], clients: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    if order.is_empty() {
        return Vec::new();
    }
    clients.iter().enumerate().map(|(k, &c)| (c, order[k % order.len()])).collect()
}

/// The directed links a grudge cuts: `from → s` for each server `s` and each
/// server `from` it does not hear; a client beside a server hears and is
/// heard as that server is (client-to-client links are left alone).
fn grudge_cuts(grudges: &Grudges, placed: &[(NodeId, NodeId)]) -> Vec<Cut> {
    let with = |s: NodeId| std::iter::once(s).chain(placed.iter().filter(move |p| p.1 == s).map(|p| p.0));
    let mut cuts = Vec::new();
    for (s, unheard) in grudges {
        for &from in unheard {
            // The unheard server and its clients, to this server and its clients.
            for a in with(from) {
                for b in with(*s) {
                    let both_clients = a != from && b != *s;
                    if !both_clients {
                        cuts.push(Cut::link(a, b));
                    }
                }
            }
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u32) -> Vec<NodeId> {
        (1..=n).map(NodeId).collect()
    }

    #[test]
    fn every_server_of_the_ring_hears_a_majority_and_no_two_the_same() {
        for n in [3, 5, 7] {
            let ring = ids(n);
            let grudges = majorities_ring(&ring);
            assert_eq!(grudges.len(), n as usize, "one grudge per server");
            let heard: BTreeSet<Vec<NodeId>> = grudges
                .iter()
                .map(|(s, unheard)| {
                    let heard: Vec<NodeId> = ring.iter().copied().filter(|o| !unheard.contains(o)).collect();
                    assert!(heard.contains(s), "a server hears itself");
                    assert_eq!(heard.len(), n as usize / 2 + 1, "a bare majority");
                    heard
                })
                .collect();
            assert_eq!(heard.len(), n as usize, "no two servers hear the same majority");
        }
    }

    #[test]
    fn a_client_beside_a_server_shares_its_grudges() {
        let ring = ids(5);
        let client = NodeId(9);
        let cuts = grudge_cuts(&majorities_ring(&ring), &[(client, ring[0])]);
        // ring[0] is the middle of window [4, 0, 1]: it hears only ring[4] and ring[1].
        for unheard in [ring[2], ring[3]] {
            assert!(cuts.contains(&Cut::link(unheard, ring[0])));
            assert!(cuts.contains(&Cut::link(unheard, client)));
        }
        assert!(!cuts.contains(&Cut::link(ring[1], client)));
    }
}
