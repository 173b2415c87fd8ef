//! A history's faults as spans: each fault from its start to its end.
//!
//! Promise: [`fault_spans`] pairs every fault start with the next end of the
//! same kind on the same node; a heal ends every fault still going, and a
//! fault that never ended has no end. Spans come in the order their faults
//! started. The timeline draws them as bands and the narrative tells them.
//! [`FaultSpan::effect`] reads what a clock fault did from its detail (the
//! injector's wording, `sim::fault`), for labels that say the jump rather
//! than how long the band happens to be.
//!
//! [`fault_plan`] lists the faults a seed played, one line per fault, for a
//! story to show its seed's whole plan (the narrative tells only the faults
//! that touch the violation).

use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Role};
use sim::time::SimTime;

use crate::window::seconds;

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

/// The faults a history played, one line per fault in the order they
/// started: its kind, the nodes it hit (none for a network-wide fault), when
/// it started, how long it lasted (or that the heal ended it, or that
/// nothing did) and the injector's own words: "pause of client-1 at 10.870 s
/// for 20.931 s: gc pause 20.931s". A fault on several nodes (recorded once per node, at one
/// instant and in one detail) is one line.
pub(crate) fn fault_plan(history: &History) -> Vec<String> {
    // Each fault's first span, with every node it hit.
    let mut faults: Vec<(FaultSpan, Vec<NodeId>)> = Vec::new();
    for span in fault_spans(history) {
        match faults.last_mut() {
            Some((first, nodes))
                if first.kind == span.kind && first.from == span.from && first.detail == span.detail =>
            {
                nodes.push(span.node);
                first.until = first.until.zip(span.until).map(|(a, b)| a.max(b));
            }
            _ => {
                let node = span.node;
                faults.push((span, vec![node]));
            }
        }
    }
    let world = |n: &NodeId| history.nodes.get(n.0 as usize).is_some_and(|info| info.role == Role::World);
    // A fault the heal ended was cut short: its length is not the plan's.
    let heal = history.events.iter().find(|e| matches!(e.kind, EventKind::Heal)).map(|e| e.at);
    faults
        .into_iter()
        .map(|(FaultSpan { kind, from, until, detail, .. }, nodes)| {
            let targets: Vec<&str> = nodes.iter().filter(|n| !world(n)).map(|&n| history.node_name(n)).collect();
            let of = if targets.is_empty() { String::new() } else { format!(" of {}", targets.join(", ")) };
            let lasting = match until {
                Some(until) if Some(until) == heal => format!("until the heal at {} s", seconds(until)),
                Some(until) => format!("for {:.3} s", until.since(from).as_secs_f64()),
                None => "never ended".into(),
            };
            let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
            format!("{}{of} at {} s {lasting}{detail}", kind_name(kind), seconds(from))
        })
        .collect()
}

/// A fault kind as scenario files and plan summaries name it (`sim::fault::Fault::name`).
fn kind_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Pause => "pause",
        FaultKind::Crash => "crash",
        FaultKind::Partition => "partition",
        FaultKind::Network => "network",
        FaultKind::ClockJump => "clock-jump",
        FaultKind::ClockDrift => "clock-drift",
        FaultKind::Signal => "signal",
        FaultKind::ClockStrobe => "clock-strobe",
        FaultKind::Slow => "slow",
    }
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
    fn the_fault_plan_lists_each_fault_once_with_its_nodes_start_and_length() {
        let (mut h, _) = gc_pause_story();
        assert_eq!(
            fault_plan(&h),
            [
                "pause of client-1 at 10.870 s for 20.931 s: gc pause 20.931s",
                "crash of lock-server at 25.000 s for 1.000 s: lock-server crashes",
            ]
        );
        // A jump of two nodes is recorded once per node: one line. A
        // network-wide partition names no node; one never ended says so.
        let at = SimTime(32_000_000_000);
        let jump = "client-1, client-2 wall clock jumps +1.500s";
        for (i, n) in [(20, 1), (21, 2)] {
            h.events
                .insert(i, Event { at, node: NodeId(n), kind: fault(FaultKind::ClockJump, FaultPhase::Start, jump) });
        }
        let split = fault(FaultKind::Partition, FaultPhase::Start, "client-1 | rest for 9.000s");
        h.events.insert(22, Event { at, node: NodeId(0), kind: split });
        let plan = fault_plan(&h);
        assert_eq!(plan.len(), 4, "{plan:?}");
        assert_eq!(plan[2], format!("clock-jump of client-1, client-2 at 32.000 s never ended: {jump}"));
        assert_eq!(plan[3], "partition at 32.000 s never ended: client-1 | rest for 9.000s");
        // The heal cuts the partition short: said, not passed off as its length.
        h.events.insert(23, Event { at: SimTime(35_000_000_000), node: NodeId(0), kind: EventKind::Heal });
        assert_eq!(fault_plan(&h)[3], "partition at 32.000 s until the heal at 35.000 s: client-1 | rest for 9.000s");
        assert!(fault_plan(&History { nodes: h.nodes.clone(), events: vec![] }).is_empty());
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
