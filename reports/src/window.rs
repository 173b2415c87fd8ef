//! Time on a report's global clock: how every report writes it, and which
//! stretch of a history tells the story of a violation.
//!
//! Promise: [`seconds`] is the one way reports write an instant (seconds,
//! three decimals); `story_start` is where the story of a violation begins
//! (its earliest witness, or the involved clients' last acquire before it),
//! and [`default_window`] pads that story on both sides for the timeline.
//! The timeline ([`crate::timeline`]) and the narrative ([`crate::narrative`])
//! both start their stories here, so the picture and the words agree.

use sim::check::Violation;
use sim::history::{EventKind, History, NodeId, Op, Outcome};
use sim::time::SimTime;

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
