//! What the timeline draws, read from the history in one pass: its lanes,
//! the spans on them (lock holds, critical sections, faults) and the writes
//! the resource judged, already cut to the window.

use std::collections::BTreeMap;

use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Op, Outcome, Role, WriteVerdict};
use sim::time::SimTime;

use crate::faults::{fault_spans, FaultSpan};
use crate::window::seconds;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum SpanKind {
    Hold,
    Critical,
    Fault(FaultKind),
}

/// Something that lasted, on a lane (`None`: across the whole chart).
pub(super) struct Span {
    pub(super) lane: Option<usize>,
    pub(super) from: SimTime,
    pub(super) until: SimTime,
    pub(super) kind: SpanKind,
    pub(super) tip: String,
    /// A fault labelled by what it did rather than how long it lasted (a clock jump, a strobe).
    pub(super) effect: Option<String>,
}

/// A write judged by the resource, on the writing client's lane.
pub(super) struct Mark {
    pub(super) lane: usize,
    pub(super) at: SimTime,
    pub(super) accepted: bool,
    pub(super) tip: String,
}

pub(super) fn fault_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Pause => "paused",
        FaultKind::Crash => "crashed",
        FaultKind::Partition => "partition",
        FaultKind::Network => "network fault",
        FaultKind::ClockJump => "clock jump",
        FaultKind::ClockDrift => "clock drift",
        FaultKind::ClockStrobe => "clock strobe",
        FaultKind::Slow => "slow messages",
        #[allow(unreachable_patterns)] // newer kinds get their debug name
        _ => "fault",
    }
}

fn whole_network(kind: FaultKind) -> bool {
    matches!(kind, FaultKind::Partition | FaultKind::Network)
}

/// Everything drawn, read from the history in one pass.
pub(super) struct Model {
    pub(super) lanes: Vec<(NodeId, String)>,
    pub(super) spans: Vec<Span>,
    pub(super) marks: Vec<Mark>,
}

pub(super) fn model(history: &History, window: (SimTime, SimTime)) -> Model {
    let end = history.end();
    let mut lane_of: BTreeMap<NodeId, usize> = BTreeMap::new();
    let mut lanes: Vec<(NodeId, String)> = Vec::new();
    for client in history.clients() {
        lane_of.insert(client, lanes.len());
        lanes.push((client, history.node_name(client).to_string()));
    }
    // Faults first: they decide which servers get a lane.
    let faults = fault_spans(history);
    let in_window = |from: SimTime, until: SimTime| until >= window.0 && from <= window.1;
    for &FaultSpan { node, kind, from, until, .. } in &faults {
        let until = until.unwrap_or(end);
        let role = history.nodes.get(node.0 as usize).map(|n| n.role);
        let is_server = !matches!(role, Some(Role::Client) | Some(Role::World) | None);
        if is_server && !whole_network(kind) && in_window(from, until) && !lane_of.contains_key(&node) {
            lane_of.insert(node, lanes.len());
            lanes.push((node, history.node_name(node).to_string()));
        }
    }
    let mut spans: Vec<Span> = Vec::new();
    for span in faults {
        let effect = span.effect();
        let FaultSpan { node, kind, from, until, detail, .. } = span;
        let until = until.unwrap_or(end);
        let lane = if whole_network(kind) { None } else { lane_of.get(&node).copied() };
        if lane.is_none() && !whole_network(kind) {
            continue; // a fault on a node without a lane (e.g. outside the window)
        }
        let who = if lane.is_some() { format!("{} ", history.node_name(node)) } else { String::new() };
        let tip = format!("{who}{} {}–{} s: {detail}", fault_name(kind), seconds(from), seconds(until));
        spans.push(Span { lane, from, until, kind: SpanKind::Fault(kind), tip, effect });
    }

    let mut holds: BTreeMap<NodeId, (SimTime, Option<u64>)> = BTreeMap::new();
    let mut criticals: BTreeMap<NodeId, SimTime> = BTreeMap::new();
    let mut marks = Vec::new();
    let close_hold = |spans: &mut Vec<Span>, node: NodeId, (from, token): (SimTime, Option<u64>), until: SimTime| {
        let token = token.map(|t| format!(" (token {t})")).unwrap_or_default();
        let tip = format!("{} holds the lock{token} {}–{} s", history.node_name(node), seconds(from), seconds(until));
        spans.push(Span { lane: lane_of.get(&node).copied(), from, until, kind: SpanKind::Hold, tip, effect: None });
    };
    let close_critical = |spans: &mut Vec<Span>, node: NodeId, from: SimTime, until: SimTime| {
        let tip = format!("{} in its critical section {}–{} s", history.node_name(node), seconds(from), seconds(until));
        let lane = lane_of.get(&node).copied();
        spans.push(Span { lane, from, until, kind: SpanKind::Critical, tip, effect: None });
    };
    for e in &history.events {
        match &e.kind {
            EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token } => {
                if let Some(open) = holds.insert(e.node, (e.at, *token)) {
                    close_hold(&mut spans, e.node, open, e.at); // re-acquired without a release
                }
            }
            EventKind::Invoke { op: Op::Release, .. } => {
                if let Some(open) = holds.remove(&e.node) {
                    close_hold(&mut spans, e.node, open, e.at);
                }
            }
            EventKind::CsEnter { .. } => {
                criticals.insert(e.node, e.at);
            }
            EventKind::CsExit => {
                if let Some(from) = criticals.remove(&e.node) {
                    close_critical(&mut spans, e.node, from, e.at);
                }
            }
            EventKind::Fault { kind: FaultKind::Crash, phase: FaultPhase::Start, .. } => {
                if let Some(open) = holds.remove(&e.node) {
                    close_hold(&mut spans, e.node, open, e.at);
                }
                if let Some(from) = criticals.remove(&e.node) {
                    close_critical(&mut spans, e.node, from, e.at);
                }
            }
            EventKind::Write { client, verdict, .. } => {
                if let Some(&lane) = lane_of.get(client) {
                    let accepted = matches!(verdict, WriteVerdict::Accepted);
                    let tip = format!("{} s: {}", seconds(e.at), history.describe(&e.kind));
                    marks.push(Mark { lane, at: e.at, accepted, tip });
                }
            }
            _ => {}
        }
    }
    for (node, open) in std::mem::take(&mut holds) {
        close_hold(&mut spans, node, open, end);
    }
    for (node, from) in std::mem::take(&mut criticals) {
        close_critical(&mut spans, node, from, end);
    }
    spans.retain(|s| in_window(s.from, s.until));
    marks.retain(|m| in_window(m.at, m.at));
    Model { lanes, spans, marks }
}
