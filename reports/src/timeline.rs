//! The picture that explains a bug: one history as lanes over global time.
//!
//! Promise: [`timeline_svg`] returns one valid, self-contained SVG document
//! drawn only from the history and the violations:
//! - one lane per client, labelled with its node name, and one per server
//!   (or resource) that has a fault inside the window;
//! - on a client's lane, a pale bar while it held the lock (acquire `ok` to
//!   its next release invoke; a crash or the end of the run also ends it) and
//!   a dark bar while it was in its critical section (enter to exit; a crash
//!   also ends it);
//! - the resource's verdict on each write, on the *writing* client's lane: a
//!   green dot if accepted, a red cross if rejected;
//! - faults as shaded bands: pause, crash, clock jump/drift and other
//!   node-level faults on that node's lane, partitions and network faults
//!   across the whole chart;
//! - each violation in the window as a red vertical line with its kind, and
//!   a red ring around each of its witnessing events;
//! - a time axis in seconds. Every shape has a `<title>` tooltip.
//!
//! By default ([`default_window`]) the chart zooms on the first violation:
//! from a little before the start of the involved clients' lock holds (or the
//! earliest witnessing event) to a little after the violation, so the chart
//! stays readable in runs of minutes.
//!
//! Written by hand rather than with plotters: lanes, bands and tooltips are
//! plain rectangles with `<title>` children, which plotters' backend cannot
//! emit, and a lane chart needs none of its axis machinery.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sim::check::Violation;
use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Op, Outcome, Role, WriteVerdict};
use sim::time::SimTime;

use crate::svg::escape;

const WIDTH: f64 = 1000.0;
const LANE_H: f64 = 34.0;
const TOP: f64 = 64.0;
const AXIS_H: f64 = 34.0;
const LEGEND_H: f64 = 44.0;

/// Seconds with three decimals, as every report writes times.
pub fn seconds(t: SimTime) -> String {
    format!("{:.3}", t.as_secs_f64())
}

/// The window the chart shows by default: around the first violation, or
/// the whole run when there is none.
pub fn default_window(history: &History, violations: &[Violation]) -> (SimTime, SimTime) {
    let Some(first) = violations.iter().min_by_key(|v| v.at) else {
        return (SimTime::ZERO, history.end().max(SimTime(1)));
    };
    let from = story_start(history, first);
    let span = first.at.0 - from.0;
    let pad = (span / 8).max(50_000_000); // at least 50 ms either side
    (SimTime(from.0.saturating_sub(pad)), SimTime((first.at.0 + pad).min(history.end().0.max(first.at.0 + 1))))
}

/// Where the story of a violation starts: its earliest witnessing event, or
/// earlier, the last successful acquire (or critical-section entry) of an
/// involved client before the violation.
pub(crate) fn story_start(history: &History, violation: &Violation) -> SimTime {
    let mut from = violation.at;
    for &i in &violation.events {
        if let Some(e) = history.events.get(i) {
            from = from.min(e.at);
        }
    }
    for client in &violation.clients {
        if let Some(at) = last_start_before(history, *client, violation.at) {
            from = from.min(at);
        }
    }
    from
}

/// When `client` last acquired the lock at or before `t`; for designs that
/// take no lock (optimistic, ordered), when it last entered its critical section.
pub(crate) fn last_start_before(history: &History, client: NodeId, t: SimTime) -> Option<SimTime> {
    let mine = || history.events.iter().filter(move |e| e.at <= t && e.node == client);
    mine()
        .filter(|e| matches!(e.kind, EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, .. }))
        .map(|e| e.at)
        .next_back()
        .or_else(|| mine().filter(|e| matches!(e.kind, EventKind::CsEnter { .. })).map(|e| e.at).next_back())
}

#[derive(Clone, Copy, PartialEq)]
enum SpanKind {
    Hold,
    Critical,
    Fault(FaultKind),
}

/// Something that lasted, on a lane (`None`: across the whole chart).
struct Span {
    lane: Option<usize>,
    from: SimTime,
    until: SimTime,
    kind: SpanKind,
    tip: String,
}

/// A write judged by the resource, on the writing client's lane.
struct Mark {
    lane: usize,
    at: SimTime,
    accepted: bool,
    tip: String,
}

fn fault_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Pause => "paused",
        FaultKind::Crash => "crashed",
        FaultKind::Partition => "partition",
        FaultKind::Network => "network fault",
        FaultKind::ClockJump => "clock jump",
        FaultKind::ClockDrift => "clock drift",
        #[allow(unreachable_patterns)] // newer kinds get their debug name
        _ => "fault",
    }
}

fn whole_network(kind: FaultKind) -> bool {
    matches!(kind, FaultKind::Partition | FaultKind::Network)
}

fn fault_fill(kind: FaultKind) -> (&'static str, f64) {
    match kind {
        FaultKind::Pause => ("#6b6b6b", 0.30),
        FaultKind::Crash => ("#8b0000", 0.30),
        FaultKind::Partition | FaultKind::Network => ("#e69f00", 0.16),
        FaultKind::ClockJump | FaultKind::ClockDrift => ("#7b3fa0", 0.28),
        #[allow(unreachable_patterns)]
        _ => ("#2b6cb0", 0.22),
    }
}

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

/// Everything drawn, read from the history in one pass.
struct Model {
    lanes: Vec<(NodeId, String)>,
    spans: Vec<Span>,
    marks: Vec<Mark>,
}

fn model(history: &History, window: (SimTime, SimTime)) -> Model {
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
    for FaultSpan { node, kind, from, until, detail, .. } in faults {
        let until = until.unwrap_or(end);
        let lane = if whole_network(kind) { None } else { lane_of.get(&node).copied() };
        if lane.is_none() && !whole_network(kind) {
            continue; // a fault on a node without a lane (e.g. outside the window)
        }
        let who = if lane.is_some() { format!("{} ", history.node_name(node)) } else { String::new() };
        let tip = format!("{who}{} {}–{} s: {detail}", fault_name(kind), seconds(from), seconds(until));
        spans.push(Span { lane, from, until, kind: SpanKind::Fault(kind), tip });
    }

    let mut holds: BTreeMap<NodeId, (SimTime, Option<u64>)> = BTreeMap::new();
    let mut criticals: BTreeMap<NodeId, SimTime> = BTreeMap::new();
    let mut marks = Vec::new();
    let close_hold = |spans: &mut Vec<Span>, node: NodeId, (from, token): (SimTime, Option<u64>), until: SimTime| {
        let token = token.map(|t| format!(" (token {t})")).unwrap_or_default();
        let tip = format!("{} holds the lock{token} {}–{} s", history.node_name(node), seconds(from), seconds(until));
        spans.push(Span { lane: lane_of.get(&node).copied(), from, until, kind: SpanKind::Hold, tip });
    };
    let close_critical = |spans: &mut Vec<Span>, node: NodeId, from: SimTime, until: SimTime| {
        let tip = format!("{} in its critical section {}–{} s", history.node_name(node), seconds(from), seconds(until));
        spans.push(Span { lane: lane_of.get(&node).copied(), from, until, kind: SpanKind::Critical, tip });
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

/// A step of 1, 2 or 5 times a power of ten giving about `target` ticks.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// The SVG timeline of `history`, with `violations` highlighted; `window`
/// defaults to [`default_window`].
pub fn timeline_svg(history: &History, violations: &[Violation], window: Option<(SimTime, SimTime)>) -> String {
    let (w0, w1) = window.unwrap_or_else(|| default_window(history, violations));
    let w1 = if w1 <= w0 { SimTime(w0.0 + 1_000_000) } else { w1 };
    let model = model(history, (w0, w1));

    let label_w = model.lanes.iter().map(|(_, name)| crate::svg::text_width(name, 12.0)).fold(60.0, f64::max) + 20.0;
    let (left, right) = (label_w, WIDTH - 20.0);
    let lanes_h = LANE_H * model.lanes.len().max(1) as f64;
    let height = TOP + lanes_h + AXIS_H + LEGEND_H;
    let x = |t: SimTime| {
        let t = t.clamp(w0, w1);
        left + (t.0 - w0.0) as f64 / (w1.0 - w0.0) as f64 * (right - left)
    };
    let lane_y = |lane: usize| TOP + LANE_H * lane as f64;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{WIDTH}" height="{height}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="18" font-size="14" font-weight="bold">Timeline {}–{} s (global simulated time)</text>"#,
        seconds(w0),
        seconds(w1)
    );

    // Lanes: alternating background and the node name.
    for (i, (_, name)) in model.lanes.iter().enumerate() {
        let y = lane_y(i);
        let fill = if i % 2 == 0 { "#f6f6f6" } else { "#ffffff" };
        let _ = writeln!(s, r#"<rect x="{left}" y="{y}" width="{}" height="{LANE_H}" fill="{fill}"/>"#, right - left);
        let _ =
            writeln!(s, r#"<text x="10" y="{}" dominant-baseline="middle">{}</text>"#, y + LANE_H / 2.0, escape(name));
    }

    // Drawing order, back to front: whole-network faults, lock holds,
    // critical sections, node faults (translucent, so the bars show through),
    // then writes and violations.
    let network_faults = model.spans.iter().filter(|s| matches!(s.kind, SpanKind::Fault(_)) && s.lane.is_none());
    let node_faults = model.spans.iter().filter(|s| matches!(s.kind, SpanKind::Fault(_)) && s.lane.is_some());
    let holds = model.spans.iter().filter(|s| s.kind == SpanKind::Hold);
    let criticals = model.spans.iter().filter(|s| s.kind == SpanKind::Critical);
    for span in network_faults.chain(holds).chain(criticals).chain(node_faults) {
        let (x0, x1) = (x(span.from), x(span.until).max(x(span.from) + 1.5));
        let (y, h) = match (span.kind, span.lane) {
            (SpanKind::Hold, Some(lane)) => (lane_y(lane) + 7.0, LANE_H - 14.0),
            (SpanKind::Critical, Some(lane)) => (lane_y(lane) + 12.0, LANE_H - 24.0),
            (SpanKind::Fault(_), Some(lane)) => (lane_y(lane) + 2.0, LANE_H - 4.0),
            (_, None) => (TOP, lanes_h),
        };
        let (fill, opacity, outline) = match span.kind {
            SpanKind::Hold => ("#9ecae1", 1.0, ""),
            SpanKind::Critical => ("#08519c", 1.0, ""),
            SpanKind::Fault(kind) => {
                let (fill, opacity) = fault_fill(kind);
                (fill, opacity, r#" stroke-dasharray="3,2" stroke-opacity="0.8""#)
            }
        };
        let stroke = if outline.is_empty() { String::new() } else { format!(r#" stroke="{fill}"{outline}"#) };
        let _ = writeln!(
            s,
            r#"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="{h}" fill="{fill}" fill-opacity="{opacity}"{stroke}><title>{}</title></rect>"#,
            x1 - x0,
            escape(&span.tip)
        );
        if let SpanKind::Fault(kind) = span.kind {
            let label_y = if span.lane.is_some() { y + 9.0 } else { TOP - 4.0 };
            let lasted = if span.until > span.from && span.until < history.end() {
                format!(" {:.3} s", span.until.since(span.from).as_secs_f64())
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{label_y}" font-size="9" fill="#333">{}{lasted}</text>"##,
                x0 + 3.0,
                fault_name(kind)
            );
        }
    }
    for m in &model.marks {
        let (cx, cy) = (x(m.at), lane_y(m.lane) + LANE_H / 2.0);
        if m.accepted {
            let _ = writeln!(
                s,
                r##"<circle cx="{cx:.1}" cy="{cy}" r="4.5" fill="#2ca02c" stroke="white"><title>{}</title></circle>"##,
                escape(&m.tip)
            );
        } else {
            let _ = writeln!(
                s,
                r##"<path d="M{:.1},{:.1} l9,9 m0,-9 l-9,9" stroke="#d62728" stroke-width="2.5"><title>{}</title></path>"##,
                cx - 4.5,
                cy - 4.5,
                escape(&m.tip)
            );
        }
    }

    // Violations. A busy run can have hundreds (every entry during a pause
    // overlaps), so only the first of each kind gets a full line, a label and
    // rings around its witnesses (all of them when there are few); the others
    // get a short tick above the lanes, with their tooltip.
    let mut in_view: Vec<&Violation> = violations.iter().filter(|v| v.at >= w0 && v.at <= w1).collect();
    in_view.sort_by_key(|v| v.at);
    let mut labelled: Vec<&Violation> = Vec::new();
    for v in &in_view {
        if in_view.len() <= 4 || !labelled.iter().any(|l| l.kind == v.kind) {
            labelled.push(v);
        }
    }
    for v in &in_view {
        let vx = x(v.at);
        let names: Vec<&str> = v.clients.iter().map(|c| history.node_name(*c)).collect();
        let tip = escape(&format!("{} at {} s: {}", v.kind.name(), seconds(v.at), names.join(", ")));
        let full = labelled.iter().any(|l| std::ptr::eq(*l, *v));
        let (y1, y2) = if full { (TOP - 14.0, TOP + lanes_h) } else { (TOP - 12.0, TOP - 2.0) };
        let _ = writeln!(
            s,
            r##"<line x1="{vx:.1}" y1="{y1}" x2="{vx:.1}" y2="{y2}" stroke="#d62728" stroke-width="{}"><title>{tip}</title></line>"##,
            if full { 2.0 } else { 1.0 }
        );
    }
    for (k, v) in labelled.iter().enumerate() {
        let vx = x(v.at);
        // Labels alternate rows so that close violations stay legible; right-aligned near the edge.
        let anchor = if vx > right - 200.0 { "end" } else { "start" };
        let dx = if anchor == "end" { -4.0 } else { 4.0 };
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{}" fill="#d62728" font-weight="bold" text-anchor="{anchor}">{} {} s</text>"##,
            vx + dx,
            TOP - 18.0 - 12.0 * (k % 2) as f64,
            v.kind.name(),
            seconds(v.at)
        );
        for &i in &v.events {
            let Some(e) = history.events.get(i) else { continue };
            let node = match &e.kind {
                EventKind::Write { client, .. } => *client,
                _ => e.node,
            };
            let Some(lane) = model.lanes.iter().position(|(n, _)| *n == node) else { continue };
            if e.at >= w0 && e.at <= w1 {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{:.1}" cy="{}" r="8" fill="none" stroke="#d62728" stroke-width="1.5"/>"##,
                    x(e.at),
                    lane_y(lane) + LANE_H / 2.0
                );
            }
        }
    }

    // Time axis in seconds.
    let axis_y = TOP + lanes_h;
    let _ = writeln!(s, r#"<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="black"/>"#);
    let span = w1.as_secs_f64() - w0.as_secs_f64();
    let step = nice_step(span, 8.0);
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let mut tick = (w0.as_secs_f64() / step).ceil() * step;
    while tick <= w1.as_secs_f64() + step * 1e-9 {
        let tx = x(SimTime((tick * 1e9).round() as u64));
        let _ = writeln!(
            s,
            r#"<line x1="{tx:.1}" y1="{axis_y}" x2="{tx:.1}" y2="{}" stroke="black"/><text x="{tx:.1}" y="{}" text-anchor="middle" font-size="11">{tick:.decimals$}</text>"#,
            axis_y + 5.0,
            axis_y + 17.0
        );
        tick += step;
    }
    let _ = writeln!(s, r#"<text x="{right}" y="{}" text-anchor="end" font-size="11">seconds</text>"#, axis_y + 30.0);

    // Legend.
    let ly = axis_y + AXIS_H + 8.0;
    let legend = [
        (r##"<rect x="0" y="-5" width="18" height="10" fill="#9ecae1"/>"##, "lock held"),
        (r##"<rect x="0" y="-3" width="18" height="6" fill="#08519c"/>"##, "in critical section"),
        (r##"<circle cx="9" cy="0" r="4.5" fill="#2ca02c"/>"##, "write accepted"),
        (r##"<path d="M4.5,-4.5 l9,9 m0,-9 l-9,9" stroke="#d62728" stroke-width="2.5"/>"##, "write rejected"),
        (r##"<rect x="0" y="-6" width="18" height="12" fill="#6b6b6b" fill-opacity="0.3"/>"##, "fault"),
        (r##"<line x1="9" y1="-7" x2="9" y2="7" stroke="#d62728" stroke-width="2"/>"##, "violation"),
    ];
    let mut lx = left;
    for (shape, label) in legend {
        let _ = writeln!(
            s,
            r#"<g transform="translate({lx:.1},{ly})">{shape}<text x="24" y="0" dominant-baseline="middle" font-size="11">{label}</text></g>"#
        );
        lx += 30.0 + crate::svg::text_width(label, 11.0);
    }
    if in_view.len() > labelled.len() {
        let _ = writeln!(
            s,
            r##"<text x="{left}" y="{}" dominant-baseline="middle" font-size="11" fill="#d62728">{} violations in view: the first of each kind is labelled, the others are ticks above the lanes</text>"##,
            ly + 18.0,
            in_view.len()
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plots::tests::assert_valid_svg;
    use sim::check::ViolationKind;
    use sim::history::{Event, NodeInfo};

    const S: u64 = 1_000_000_000;

    pub(crate) fn node(name: &str, role: Role) -> NodeInfo {
        NodeInfo { name: name.into(), role }
    }

    pub(crate) fn write(client: u32, prev: i64, value: i64, token: Option<u64>, verdict: WriteVerdict) -> EventKind {
        EventKind::Write { client: NodeId(client), prev, value, token, version: 0, verdict, key: 0, read_version: None }
    }

    pub(crate) fn fault(kind: FaultKind, phase: FaultPhase, detail: &str) -> EventKind {
        EventKind::Fault { kind, phase, detail: detail.into() }
    }

    /// client-1 acquires, enters, is paused 20 s; client-2 acquires and
    /// writes meanwhile; client-1 resumes and writes over it (a lost update).
    /// Nodes: 0 world, 1 client-1, 2 client-2, 3 lock-server, 4 resource.
    pub(crate) fn gc_pause_story() -> (History, Violation) {
        use EventKind::*;
        let events: Vec<(u64, u32, EventKind)> = vec![
            (0, 4, ResourceInit { value: 100, registers: 1 }),
            (10 * S, 1, Invoke { op: Op::Acquire, lock: None }),
            (10 * S + 866_000_000, 1, Complete { op: Op::Acquire, outcome: Outcome::Ok, token: None }),
            (10 * S + 866_000_000, 1, CsEnter { locks: vec![] }),
            (10 * S + 867_000_000, 4, Read { client: NodeId(1), value: 100, version: 0, key: 0 }),
            (10 * S + 870_000_000, 1, fault(FaultKind::Pause, FaultPhase::Start, "gc pause 20.931s")),
            (20 * S, 2, Invoke { op: Op::Acquire, lock: None }),
            (20 * S + 899_000_000, 2, Complete { op: Op::Acquire, outcome: Outcome::Ok, token: None }),
            (20 * S + 899_000_000, 2, CsEnter { locks: vec![] }),
            (20 * S + 901_000_000, 4, Read { client: NodeId(2), value: 100, version: 0, key: 0 }),
            (20 * S + 905_000_000, 4, write(2, 100, 99, None, WriteVerdict::Accepted)),
            (20 * S + 906_000_000, 2, CsExit),
            (20 * S + 906_000_000, 2, Invoke { op: Op::Release, lock: None }),
            (20 * S + 907_000_000, 2, Complete { op: Op::Release, outcome: Outcome::Ok, token: None }),
            (25 * S, 3, fault(FaultKind::Crash, FaultPhase::Start, "lock-server crashes")),
            (26 * S, 3, fault(FaultKind::Crash, FaultPhase::End, "lock-server restarts")),
            (31 * S + 801_000_000, 1, fault(FaultKind::Pause, FaultPhase::End, "gc pause ends")),
            (31 * S + 802_000_000, 4, write(1, 99, 99, None, WriteVerdict::Accepted)),
            (31 * S + 803_000_000, 1, CsExit),
            (31 * S + 803_000_000, 1, Invoke { op: Op::Release, lock: None }),
            (40 * S, 0, End { messages: 10, server_writes: 0 }),
        ];
        let history = History {
            nodes: vec![
                node("world", Role::World),
                node("client-1", Role::Client),
                node("client-2", Role::Client),
                node("lock-server", Role::Server),
                node("resource", Role::Server),
            ],
            events: events.into_iter().map(|(at, n, kind)| Event { at: SimTime(at), node: NodeId(n), kind }).collect(),
        };
        let violation = Violation {
            kind: ViolationKind::new("lost-update"),
            at: SimTime(31 * S + 802_000_000),
            clients: vec![NodeId(2), NodeId(1)],
            events: vec![10, 17],
        };
        (history, violation)
    }

    fn attr_values<'a>(svg: &'a str, element: &str, needle: &str) -> Vec<&'a str> {
        svg.lines().filter(|l| l.starts_with(element) && l.contains(needle)).collect()
    }

    #[test]
    fn default_window_starts_before_the_involved_holds_and_ends_after_the_violation() {
        let (h, v) = gc_pause_story();
        let (from, until) = default_window(&h, std::slice::from_ref(&v));
        // client-1's hold began at 10.866 s, before the witnessing writes.
        assert!(from < SimTime(10 * S + 866_000_000) && from > SimTime(7 * S), "{from}");
        assert!(until > v.at && until < SimTime(36 * S), "{until}");
        assert_eq!(default_window(&h, &[]), (SimTime::ZERO, SimTime(40 * S)));
    }

    #[test]
    fn draws_lanes_holds_sections_writes_faults_and_the_violation() {
        let (h, v) = gc_pause_story();
        let svg = timeline_svg(&h, std::slice::from_ref(&v), None);
        assert_valid_svg(&svg);
        // Lanes: both clients, and the crashed lock server; the resource has no fault.
        for name in [">client-1<", ">client-2<", ">lock-server<"] {
            assert!(svg.contains(name), "missing lane {name}");
        }
        assert!(!svg.contains(">resource<"));
        assert_eq!(attr_values(&svg, "<rect", "holds the lock").len(), 2);
        assert_eq!(attr_values(&svg, "<rect", "in its critical section").len(), 2);
        assert_eq!(attr_values(&svg, "<circle", "accepted").len(), 2);
        let pause = svg.find("client-1 paused 10.870–31.801 s").expect("pause band with its times");
        let hold = svg.find("client-1 holds the lock 10.866–31.803 s").expect("client-1's hold");
        assert!(hold < pause, "the translucent pause band is drawn over the hold bar");
        assert!(svg.contains(">paused 20.931 s<"), "the band says how long");
        assert!(svg.contains("lost-update 31.802 s"), "violation label");
        assert_eq!(svg.matches(r#"r="8""#).count(), 2, "a ring around each witnessing write");
    }

    #[test]
    fn writes_sit_on_the_writers_lane_and_rejections_are_crosses() {
        let (mut h, _) = gc_pause_story();
        h.events[17].kind = write(1, 99, 98, Some(1), WriteVerdict::StaleToken { highest: 2 });
        let svg = timeline_svg(&h, &[], None);
        let rejected = attr_values(&svg, "<path", "REJECTED");
        assert_eq!(rejected.len(), 1);
        // client-1 is lane 0: its cross is centred in the first lane.
        let y: f64 = rejected[0].split(',').nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        assert!((y + 4.5 - (TOP + LANE_H / 2.0)).abs() < 0.01, "{y}");
        assert!(rejected[0].contains("write by client-1"));
    }

    #[test]
    fn a_crash_ends_the_critical_section_and_partitions_span_all_lanes() {
        let (mut h, _) = gc_pause_story();
        // client-2 crashes inside its section instead of exiting.
        h.events[11] = Event {
            at: SimTime(20 * S + 906_000_000),
            node: NodeId(2),
            kind: fault(FaultKind::Crash, FaultPhase::Start, ""),
        };
        h.events.insert(
            1,
            Event {
                at: SimTime(5 * S),
                node: NodeId(0),
                kind: fault(FaultKind::Partition, FaultPhase::Start, "split"),
            },
        );
        let svg = timeline_svg(&h, &[], Some((SimTime::ZERO, SimTime(40 * S))));
        assert!(svg.contains("client-2 in its critical section 20.899–20.906 s"), "{svg}");
        let band = attr_values(&svg, "<rect", "partition 5.000–40.000 s");
        assert_eq!(band.len(), 1);
        assert!(
            band[0].contains(&format!(r#"y="{TOP}""#)) && band[0].contains(&format!(r#"height="{}""#, 3.0 * LANE_H))
        );
    }

    #[test]
    fn empty_histories_and_dangling_witnesses_still_draw() {
        let nowhere = Violation {
            kind: ViolationKind::new("oversold"),
            at: SimTime(5),
            clients: vec![NodeId(9)],
            events: vec![99],
        };
        assert_valid_svg(&timeline_svg(&History::default(), &[], None));
        assert_valid_svg(&timeline_svg(&History::default(), std::slice::from_ref(&nowhere), None));
        assert!(crate::narrative::explain(&History::default(), &nowhere, &[]).ends_with("(oversold)."));
    }

    #[test]
    fn the_axis_is_in_seconds_with_nice_ticks() {
        assert_eq!(nice_step(10.0, 8.0), 2.0);
        assert_eq!(nice_step(0.3, 8.0), 0.05);
        let (h, _) = gc_pause_story();
        let svg = timeline_svg(&h, &[], Some((SimTime(10 * S), SimTime(20 * S))));
        for tick in [">10<", ">12<", ">20<"] {
            assert!(svg.contains(tick), "missing tick {tick}");
        }
    }
}
