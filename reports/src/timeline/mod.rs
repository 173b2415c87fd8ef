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
//! - faults as shaded bands: pause, crash, clock jump/drift/strobe and other
//!   node-level faults on that node's lane, partitions and network faults
//!   across the whole chart; each labelled with its name and how long it
//!   lasted, except a clock jump (instantaneous) and a strobe, labelled by
//!   what they did: the jump, the strobe's step and period;
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
//!
//! The pieces: `model` reads what to draw from the history; the window and
//! the time format come from [`crate::window`], the fault spans from
//! `crate::faults`; this module lays them out as SVG.

mod model;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt::Write as _;

use sim::check::Violation;
use sim::history::{EventKind, FaultKind, History};
use sim::time::SimTime;

use crate::svg::escape;
use model::{fault_name, model, SpanKind};

pub use crate::window::{default_window, seconds};

// The story helpers the narrative reads, re-exported where it has always
// found them (they live in `crate::window` and `crate::faults` now).
pub(crate) use crate::faults::{fault_spans, FaultSpan};
pub(crate) use crate::window::{last_start_before, story_start};

const WIDTH: f64 = 1000.0;
const LANE_H: f64 = 34.0;
const TOP: f64 = 64.0;
const AXIS_H: f64 = 34.0;
const LEGEND_H: f64 = 44.0;

fn fault_fill(kind: FaultKind) -> (&'static str, f64) {
    match kind {
        FaultKind::Pause => ("#6b6b6b", 0.30),
        FaultKind::Crash => ("#8b0000", 0.30),
        FaultKind::Partition | FaultKind::Network | FaultKind::Slow => ("#e69f00", 0.16),
        FaultKind::ClockJump | FaultKind::ClockDrift | FaultKind::ClockStrobe => ("#7b3fa0", 0.28),
        #[allow(unreachable_patterns)]
        _ => ("#2b6cb0", 0.22),
    }
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
            // A clock jump is instantaneous (its band runs to the heal): say
            // the jump; a fault that lasts says how long.
            let lasted = if let Some(effect) = &span.effect {
                format!(" {effect}")
            } else if span.until > span.from && span.until < history.end() {
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
        (r##"<rect x="0" y="-6" width="18" height="12" fill="#7b3fa0" fill-opacity="0.28"/>"##, "clock fault"),
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
