//! Triggers: faults waiting for a moment of the protocol rather than a time.
//!
//! A design or workload marks a moment worth hitting by name
//! ([`crate::world::NodeCtx::mark`]: "bare-majority", "lock-checked"...), and
//! the world marks "cs-enter" itself whenever a client records that it
//! entered its critical section. A triggered fault waits here for the first
//! mark of its name (from one node, or from any) after it was armed; the mark
//! wakes it with the node that made it, and the injector plays the fault
//! ([`crate::fault`]).
//!
//! Marks are not history events: a mark nobody waits for changes nothing, so
//! adding marks to a design keeps every history. The fault's own start event
//! says which mark set it off. Waking goes through a oneshot channel, which
//! madsim's executor wakes deterministically, so a triggered fault starts at
//! the same instant on every machine.

use tokio::sync::oneshot;

use crate::history::NodeId;

/// The mark the world makes when a client enters its critical section.
pub const CS_ENTER: &str = "cs-enter";

struct Waiting {
    mark: String,
    /// Only a mark by this node fires it; `None`: a mark by any node.
    by: Option<NodeId>,
    fire: oneshot::Sender<NodeId>,
}

/// Faults armed and waiting, in the order they were armed (a mark fires
/// every waiting fault it matches, in that order).
#[derive(Default)]
pub(crate) struct Triggers {
    waiting: Vec<Waiting>,
}

impl Triggers {
    /// Wait for the next `mark` (by `by`, or by anyone): the receiver gets the marking node.
    pub fn arm(&mut self, mark: &str, by: Option<NodeId>) -> oneshot::Receiver<NodeId> {
        let (fire, fired) = oneshot::channel();
        self.waiting.push(Waiting { mark: mark.to_string(), by, fire });
        fired
    }

    /// `node` made `mark`: fire every fault waiting for it.
    pub fn mark(&mut self, node: NodeId, mark: &str) {
        if self.waiting.is_empty() {
            return;
        }
        let (fired, waiting): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.mark == mark && w.by.is_none_or(|by| by == node));
        self.waiting = waiting;
        for w in fired {
            // A dropped receiver is a fault task the run already ended.
            let _ = w.fire.send(node);
        }
    }

    /// Forget every waiting fault (healing, and the end of a run): each
    /// one's receiver sees its sender dropped.
    pub fn clear(&mut self) {
        self.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_fires_the_faults_waiting_for_it_by_that_node_or_anyone() {
        let mut t = Triggers::default();
        let mut any = t.arm("cs-enter", None);
        let mut by_two = t.arm("cs-enter", Some(NodeId(2)));
        let mut other = t.arm("bare-majority", None);
        t.mark(NodeId(1), "cs-enter");
        assert_eq!(any.try_recv(), Ok(NodeId(1)));
        assert!(by_two.try_recv().is_err(), "not node 2's mark");
        t.mark(NodeId(2), "cs-enter");
        assert_eq!(by_two.try_recv(), Ok(NodeId(2)));
        assert!(other.try_recv().is_err());
        assert_eq!(t.waiting.len(), 1, "fired waits are gone");
    }
}
