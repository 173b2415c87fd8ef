//! The network's topology: which directed links are cut.
//!
//! Every pair of nodes is connected until a fault cuts the link. A link is
//! directed (`a → b` can be cut while `b → a` still carries messages), and
//! cuts nest: a link cut by two faults carries messages again only when both
//! have restored it. The primitive is a [`Cut`]: every link from a set of
//! nodes to another set, one way or both ways; a single link and a
//! partition of groups are special cases of it.
//!
//! A node can also be slow: every message to or from it takes an extra
//! latency (a host's latency spike), on top of the network's draw.
//!
//! Messages in flight: a message's fate is decided when it is sent
//! ([`crate::world::World`] asks the topology, then the network draws loss
//! and latency). A message that left before a cut started is delivered; one
//! sent while its link is cut is lost, even if the cut ends before the message
//! would have arrived. A request that got through is answered by a reply that
//! is routed when the reply is sent, so a cut that starts while the request is
//! in flight loses the reply, not the request.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::history::NodeId;

/// Whether a cut stops messages from `from` to `to` only, or both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    OneWay,
    BothWays,
}

/// Every link from each node of `from` to each node of `to` (and back, for
/// [`Direction::BothWays`]). A node in both sets is not cut from itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    pub from: Vec<NodeId>,
    pub to: Vec<NodeId>,
    pub direction: Direction,
}

impl Cut {
    /// The links between groups `from` and `to`, in `direction`.
    pub fn groups(from: Vec<NodeId>, to: Vec<NodeId>, direction: Direction) -> Cut {
        Cut { from, to, direction }
    }

    /// The one directed link `from → to`.
    pub fn link(from: NodeId, to: NodeId) -> Cut {
        Cut::groups(vec![from], vec![to], Direction::OneWay)
    }

    /// The link between `a` and `b`, both directions.
    pub fn both_ways(a: NodeId, b: NodeId) -> Cut {
        Cut::groups(vec![a], vec![b], Direction::BothWays)
    }

    /// The directed links this cut stops, with repeats when the sets repeat a
    /// node (each repeat nests one more cut, as overlapping faults would).
    fn links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        let both = self.direction == Direction::BothWays;
        self.from.iter().flat_map(move |&a| {
            self.to.iter().filter(move |&&b| b != a).flat_map(move |&b| {
                let back = both.then_some((b, a));
                std::iter::once((a, b)).chain(back)
            })
        })
    }
}

/// The cut links, each with how many cuts hold it, and the nodes whose
/// messages are slow (a latency spike on a host), with their extra latency.
#[derive(Debug, Default)]
pub(crate) struct Topology {
    cuts: BTreeMap<(NodeId, NodeId), u32>,
    slow: BTreeMap<NodeId, Duration>,
}

impl Topology {
    /// Stop every link of `cut` (nesting on links already cut).
    pub fn cut(&mut self, cut: &Cut) {
        for link in cut.links() {
            *self.cuts.entry(link).or_insert(0) += 1;
        }
    }

    /// Undo one [`Topology::cut`] of `cut`: a link carries messages again when
    /// no cut holds it any more.
    pub fn restore(&mut self, cut: &Cut) {
        for link in cut.links() {
            if let Some(count) = self.cuts.get_mut(&link) {
                *count -= 1;
                if *count == 0 {
                    self.cuts.remove(&link);
                }
            }
        }
    }

    /// Whether a message sent now from `from` to `to` can get through.
    pub fn connected(&self, from: NodeId, to: NodeId) -> bool {
        !self.cuts.contains_key(&(from, to))
    }

    /// Add `extra` latency to every message to or from `node` (spikes nest: they add up).
    pub fn slow_down(&mut self, node: NodeId, extra: Duration) {
        *self.slow.entry(node).or_default() += extra;
    }

    /// Undo one [`Topology::slow_down`].
    pub fn speed_up(&mut self, node: NodeId, extra: Duration) {
        if let Some(left) = self.slow.get_mut(&node) {
            *left = left.saturating_sub(extra);
            if left.is_zero() {
                self.slow.remove(&node);
            }
        }
    }

    /// The latency a message from `from` to `to` takes on top of the network's.
    pub fn extra_latency(&self, from: NodeId, to: NodeId) -> Duration {
        if self.slow.is_empty() {
            return Duration::ZERO;
        }
        let of = |n| self.slow.get(&n).copied().unwrap_or_default();
        of(from) + of(to)
    }

    /// Whether no link is cut or slow.
    pub fn is_whole(&self) -> bool {
        self.cuts.is_empty() && self.slow.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = NodeId(1);
    const B: NodeId = NodeId(2);
    const C: NodeId = NodeId(3);

    #[test]
    fn a_one_way_cut_leaves_the_way_back() {
        let mut t = Topology::default();
        t.cut(&Cut::link(A, B));
        assert!(!t.connected(A, B));
        assert!(t.connected(B, A));
    }

    #[test]
    fn a_group_cut_stops_every_link_between_the_groups_and_none_inside() {
        let mut t = Topology::default();
        t.cut(&Cut::groups(vec![A, B], vec![C], Direction::BothWays));
        for (x, y) in [(A, C), (C, A), (B, C), (C, B)] {
            assert!(!t.connected(x, y), "{x:?} -> {y:?}");
        }
        assert!(t.connected(A, B) && t.connected(B, A));
    }

    #[test]
    fn cuts_nest_and_restore_one_at_a_time() {
        let mut t = Topology::default();
        let (outer, inner) = (Cut::groups(vec![A], vec![B, C], Direction::BothWays), Cut::both_ways(A, B));
        t.cut(&outer);
        t.cut(&inner);
        t.restore(&outer);
        assert!(!t.connected(A, B), "the inner cut still holds A-B");
        assert!(t.connected(A, C));
        t.restore(&inner);
        assert!(t.is_whole());
    }

    #[test]
    fn slow_nodes_add_their_extra_latency_both_ways_and_spikes_add_up() {
        let mut t = Topology::default();
        let ms = Duration::from_millis;
        t.slow_down(A, ms(100));
        t.slow_down(A, ms(50));
        t.slow_down(B, ms(10));
        assert_eq!(t.extra_latency(A, C), ms(150));
        assert_eq!(t.extra_latency(C, A), ms(150));
        assert_eq!(t.extra_latency(A, B), ms(160));
        t.speed_up(A, ms(100));
        assert_eq!(t.extra_latency(C, A), ms(50));
        t.speed_up(A, ms(50));
        t.speed_up(B, ms(10));
        assert!(t.is_whole());
    }
}
