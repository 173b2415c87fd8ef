//! A history's faults as spans: each fault from its start to its end.
//!
//! Promise: [`fault_spans`] pairs every fault start with the next end of the
//! same kind on the same node; a heal ends every fault still going, and a
//! fault that never ended has no end. Spans come in the order their faults
//! started. The timeline draws them as bands and the narrative tells them.
//! [`FaultSpan::effect`] reads what a clock fault did from its detail (the
//! injector's wording, `sim::fault`), for labels that say the jump rather
//! than how long the band happens to be.

use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId};
use sim::time::SimTime;

/// A fault from its start to its end (`None`: it never ended).
pub(crate) struct FaultSpan {
    pub node: NodeId,
    pub kind: FaultKind,
    pub from: SimTime,
    pub until: Option<SimTime>,
    pub detail: String,
    /// Index of the start event in `History::events`.
    pub start: usize,
}

impl FaultSpan {
    /// What a clock jump or strobe did, as its label says it: the jump
    /// (`+44.487 s`), or a strobe's step and period (`+3.000 s every 0.200 s`).
    /// `None` for faults whose length is what matters, or a detail not in
    /// the injector's wording.
    pub(crate) fn effect(&self) -> Option<String> {
        match self.kind {
            FaultKind::ClockJump => seconds_after(&self.detail, " jumps "),
            FaultKind::ClockStrobe => {
                let step = seconds_after(&self.detail, " and ")?;
                Some(format!("{step} every {}", seconds_after(&self.detail, " every ")?))
            }
            _ => None,
        }
    }
}

/// The word after `key` in `detail` if it is a number of seconds (`+1.500s`),
/// written with a space before the unit (`+1.500 s`).
fn seconds_after(detail: &str, key: &str) -> Option<String> {
    let (_, rest) = detail.split_once(key)?;
    let number = rest.split_whitespace().next()?.strip_suffix('s')?;
    number.parse::<f64>().ok()?;
    Some(format!("{number} s"))
}

/// Pair each fault start with the next end of the same kind on the same node.
pub(crate) fn fault_spans(history: &History) -> Vec<FaultSpan> {
    let mut spans: Vec<FaultSpan> = Vec::new();
    let mut open: Vec<usize> = Vec::new(); // indices into `spans`, oldest first
    for (i, e) in history.events.iter().enumerate() {
        if let EventKind::Heal = e.kind {
            // Healing ends every fault still going (without an end event of its own).
            open.drain(..).for_each(|s| spans[s].until = Some(e.at));
            continue;
        }
        let EventKind::Fault { kind, phase, detail } = &e.kind else { continue };
        match phase {
            FaultPhase::Start => {
                open.push(spans.len());
                spans.push(FaultSpan {
                    node: e.node,
                    kind: *kind,
                    from: e.at,
                    until: None,
                    detail: detail.clone(),
                    start: i,
                });
            }
            FaultPhase::End => {
                if let Some(pos) = open.iter().position(|&s| spans[s].node == e.node && spans[s].kind == *kind) {
                    spans[open.remove(pos)].until = Some(e.at);
                }
            }
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{fault, gc_pause_story};
    use sim::history::Event;

    #[test]
    fn starts_pair_with_the_next_end_of_their_kind_on_their_node_and_heal_ends_the_rest() {
        let (mut h, _) = gc_pause_story();
        let spans = fault_spans(&h);
        let got: Vec<_> = spans.iter().map(|s| (s.node, s.kind, s.from, s.until, s.start)).collect();
        assert_eq!(
            got,
            vec![
                (NodeId(1), FaultKind::Pause, SimTime(10_870_000_000), Some(SimTime(31_801_000_000)), 5),
                (NodeId(3), FaultKind::Crash, SimTime(25_000_000_000), Some(SimTime(26_000_000_000)), 14),
            ]
        );
        assert_eq!(spans[0].detail, "gc pause 20.931s");
        // A partition that never ends on its own: open until the heal, or for ever without one.
        let split = Event {
            at: SimTime(32_000_000_000),
            node: NodeId(0),
            kind: fault(FaultKind::Partition, FaultPhase::Start, ""),
        };
        h.events.insert(20, split);
        assert_eq!(fault_spans(&h)[2].until, None);
        h.events.insert(21, Event { at: SimTime(35_000_000_000), node: NodeId(0), kind: EventKind::Heal });
        assert_eq!(fault_spans(&h)[2].until, Some(SimTime(35_000_000_000)));
    }

    #[test]
    fn clock_faults_are_told_by_what_they_did() {
        let span = |kind, detail: &str| FaultSpan {
            node: NodeId(1),
            kind,
            from: SimTime::ZERO,
            until: None,
            detail: detail.into(),
            start: 0,
        };
        assert_eq!(
            span(FaultKind::ClockJump, "redis-1, redis-2 wall clock jumps +44.487s").effect().unwrap(),
            "+44.487 s"
        );
        assert_eq!(span(FaultKind::ClockJump, "client-3 wall clock jumps -1.250s").effect().unwrap(), "-1.250 s");
        let strobe = "client-2 wall clock strobes between +0s and +3.000s every 0.200s for 10.000s";
        assert_eq!(span(FaultKind::ClockStrobe, strobe).effect().unwrap(), "+3.000 s every 0.200 s");
        assert_eq!(span(FaultKind::ClockJump, "+1s").effect(), None, "not the injector's wording");
        assert_eq!(span(FaultKind::Pause, "client-1 paused for 1.000s").effect(), None);
    }
}
