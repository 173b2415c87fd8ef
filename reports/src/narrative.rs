//! The story of a violation in words, for a reviewer who has not read the trace.
//!
//! Promise: [`explain`] returns one sentence (plus, when other clients' writes
//! were rejected meanwhile, a second one) built only from the history, that
//! says in time order what the involved clients did from their last
//! successful acquire up to the violation: acquisitions (with their fencing
//! tokens), critical-section entries and exits, releases, the faults that hit
//! them (pauses with their length, crashes, clock jumps and strobes) and faults on
//! servers or the network meanwhile, the writes the resource accepted or
//! rejected (values, tokens, why rejected), and finally what went wrong. Times
//! are global simulated seconds with three decimals and " s" ([`at`]).
//!
//! What went wrong is told by the [`Ending`] of the violation's kind: the
//! narrative knows only sim's exclusion overlap ([`EXCLUSION_OVERLAP`]); the
//! owner of every other kind (a workload, for its corrupted effects) passes
//! its endings in, so reports never decode a workload's writes themselves. A
//! kind without an ending gets a plain last clause naming it.
//!
//! Only the involved clients' stories are told, each from its last acquire
//! before its witnessing event and up to where the ending says its part
//! ends ([`PartEnd`]): for a lost update, the client whose write was
//! overwritten is followed only up to that write, so busy runs still give
//! short stories.

use std::collections::BTreeMap;

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Op, Outcome, WriteVerdict};
use sim::time::SimTime;

use crate::timeline::{fault_spans, last_start_before, seconds, story_start, FaultSpan};

/// How the story of one kind of violation ends, provided by the kind's owner.
#[derive(Clone, Copy)]
pub struct Ending {
    pub kind: ViolationKind,
    /// Which witness, if any, is told last, in the ending clause.
    pub final_write: FinalWrite,
    /// Where each involved client's part of the story ends.
    pub part_ends: PartEnd,
    /// The last clause, from the history, the violation and the index of its
    /// final write; `None` when the witnesses are not what the kind expects
    /// (then a plain clause naming the kind is told).
    pub clause: fn(&History, &Violation, Option<usize>) -> Option<String>,
}

/// Which witness completes the violation and is kept for the ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalWrite {
    /// None: every event is told in its place (an overlap is no write).
    None,
    /// The last witnessing event: the write the resource should not have
    /// accepted, left out of the running story and told in the ending.
    LastWitness,
}

/// Where an involved client's part of the story ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartEnd {
    /// At the violation.
    AtViolation,
    /// At the client's own latest witnessing event (the violation, when it
    /// has none): one whose part was over before the violation, as the
    /// writer of an overwritten update, is not followed further.
    AtOwnLastWitness,
}

/// The one ending the narrative owns: sim's exclusion overlap.
pub const EXCLUSION_OVERLAP: Ending = Ending {
    kind: sim::check::EXCLUSION_OVERLAP,
    final_write: FinalWrite::None,
    part_ends: PartEnd::AtViolation,
    clause: overlap_clause,
};

/// More clauses than this are elided in the middle.
const MAX_CLAUSES: usize = 12;
/// Faults on servers or the network mentioned as context, at most.
const MAX_CONTEXT_FAULTS: usize = 3;

/// A time as every story tells it: "12.345 s".
pub fn at(t: SimTime) -> String {
    format!("{} s", seconds(t))
}

fn duration(from: SimTime, until: SimTime) -> String {
    format!("{:.3} s", until.since(from).as_secs_f64())
}

/// A fencing token as stories mention it: " (token 7)", or nothing.
pub fn token(t: Option<u64>) -> String {
    t.map(|t| format!(" (token {t})")).unwrap_or_default()
}

/// What a clause is about, so that adjacent clauses of one client can merge.
#[derive(Clone, Copy, PartialEq)]
enum Tag {
    Acquired,
    Left,
    Other,
}

struct Clause {
    client: Option<NodeId>,
    tag: Tag,
    text: String,
}

/// One or a few sentences saying what happened, in order, up to `violation`,
/// ending as the ending of its kind among `endings` says.
pub fn explain(history: &History, violation: &Violation, endings: &[Ending]) -> String {
    let ending = std::iter::once(&EXCLUSION_OVERLAP)
        .chain(endings)
        .find(|e| e.kind == violation.kind)
        .copied()
        .unwrap_or_else(|| untold(violation.kind));
    let name = |n: NodeId| history.node_name(n).to_string();
    let witness = |i: usize| history.events.get(i);
    let involved = &violation.clients;
    let final_write = match ending.final_write {
        FinalWrite::LastWitness => violation.events.last().copied(),
        FinalWrite::None => None,
    };
    // Each involved client's part of the story: [start, end].
    let mut part: BTreeMap<NodeId, (SimTime, SimTime)> = BTreeMap::new();
    for &c in involved {
        let own: Vec<SimTime> = violation
            .events
            .iter()
            .filter_map(|&i| witness(i))
            .filter(|e| writer_or_node(&e.kind, e.node) == c)
            .map(|e| e.at)
            .collect();
        let end = match ending.part_ends {
            PartEnd::AtOwnLastWitness => own.iter().copied().max().unwrap_or(violation.at),
            PartEnd::AtViolation => violation.at,
        };
        let first_own = own.iter().copied().min().unwrap_or(end);
        let start = last_start_before(history, c, first_own).unwrap_or(first_own);
        part.insert(c, (start, end));
    }
    let story_from = story_start(history, violation);
    let in_part = |c: NodeId, t: SimTime| part.get(&c).is_some_and(|&(s, e)| s <= t && t <= e);

    let faults = fault_spans(history);
    let fault_started_at: BTreeMap<usize, &FaultSpan> = faults.iter().map(|f| (f.start, f)).collect();
    let mut clauses: Vec<Clause> = Vec::new();
    let mut context_faults = 0;
    let mut other_rejected = 0;
    let push = |clauses: &mut Vec<Clause>, client: Option<NodeId>, tag: Tag, text: String| {
        clauses.push(Clause { client, tag, text });
    };
    // A cut or a clock fault that began earlier and still holds when the
    // story starts is part of it (a client cut from two masters before it
    // acquired), told as context.
    let holds_at_start = |i: usize| fault_started_at.get(&i).is_some_and(|f| f.until.is_none_or(|u| u > story_from));
    for (i, e) in history.events.iter().enumerate() {
        let earlier_context = e.at < story_from && holds_at_start(i) && !involved.contains(&e.node);
        if (e.at < story_from && !earlier_context) || e.at > violation.at || Some(i) == final_write {
            continue;
        }
        let c = e.node;
        match &e.kind {
            EventKind::Complete { op: Op::Acquire, outcome: Outcome::Ok, token: t } if in_part(c, e.at) => {
                push(
                    &mut clauses,
                    Some(c),
                    Tag::Acquired,
                    format!("{} acquired the lock at {}{}", name(c), at(e.at), token(*t)),
                );
            }
            EventKind::CsEnter { .. } if in_part(c, e.at) => match clauses.last_mut() {
                Some(last) if last.client == Some(c) && last.tag == Tag::Acquired => {
                    last.text.push_str(" and entered its critical section");
                    last.tag = Tag::Other;
                }
                _ => push(
                    &mut clauses,
                    Some(c),
                    Tag::Other,
                    format!("{} entered its critical section at {}", name(c), at(e.at)),
                ),
            },
            EventKind::CsExit if in_part(c, e.at) => {
                push(
                    &mut clauses,
                    Some(c),
                    Tag::Left,
                    format!("{} left its critical section at {}", name(c), at(e.at)),
                );
            }
            EventKind::Invoke { op: Op::Release, .. } if in_part(c, e.at) => match clauses.last_mut() {
                Some(last) if last.client == Some(c) && last.tag == Tag::Left => {
                    last.text = format!("{} left its critical section and released the lock at {}", name(c), at(e.at));
                    last.tag = Tag::Other;
                }
                _ => push(&mut clauses, Some(c), Tag::Other, format!("{} released the lock at {}", name(c), at(e.at))),
            },
            EventKind::Fault { kind, phase: FaultPhase::Start, .. } => {
                let Some(span) = fault_started_at.get(&i) else { continue };
                if involved.contains(&c) {
                    if in_part(c, e.at) {
                        push(&mut clauses, Some(c), Tag::Other, fault_clause(&name(c), span));
                    }
                } else if context_faults < MAX_CONTEXT_FAULTS && !history.clients().any(|x| x == c) {
                    context_faults += 1;
                    let target = if is_network(*kind) { None } else { Some(name(c)) };
                    push(&mut clauses, None, Tag::Other, context_fault_clause(target, span));
                }
            }
            EventKind::Fault { kind, phase: FaultPhase::End, .. } if in_part(c, e.at) => {
                let what = match kind {
                    FaultKind::Pause => "resumed",
                    FaultKind::Crash => "restarted",
                    _ => continue,
                };
                push(&mut clauses, Some(c), Tag::Other, format!("{} {what} at {}", name(c), at(e.at)));
            }
            EventKind::Read { client, value, .. } if in_part(*client, e.at) => {
                push(
                    &mut clauses,
                    Some(*client),
                    Tag::Other,
                    format!("{} read {value} at {}", name(*client), at(e.at)),
                );
            }
            EventKind::Write { client, value, token: t, verdict, .. } => {
                if in_part(*client, e.at) {
                    let text = match verdict {
                        WriteVerdict::Accepted => {
                            format!("{} wrote {value}{} at {}", name(*client), token(*t), at(e.at))
                        }
                        rejected => format!(
                            "the resource rejected {}'s write of {value}{} at {} ({})",
                            name(*client),
                            token(*t),
                            at(e.at),
                            why_rejected(rejected)
                        ),
                    };
                    push(&mut clauses, Some(*client), Tag::Other, text);
                } else if !matches!(verdict, WriteVerdict::Accepted) {
                    other_rejected += 1;
                }
            }
            _ => {}
        }
    }
    let last = (ending.clause)(history, violation, final_write).unwrap_or_else(|| plain_clause(history, violation));
    clauses.push(Clause { client: None, tag: Tag::Other, text: last });

    let mut texts: Vec<String> = clauses.into_iter().map(|c| c.text).collect();
    if texts.len() > MAX_CLAUSES {
        let (head, tail) = (4, MAX_CLAUSES - 5);
        let elided = texts.len() - head - tail;
        texts.splice(head..texts.len() - tail, [format!("({elided} more events)")]);
    }
    let mut out = capitalize(&texts.join("; "));
    out.push('.');
    if other_rejected > 0 {
        let writes = if other_rejected == 1 { "write" } else { "writes" };
        out.push_str(&format!(
            " Meanwhile the resource rejected {other_rejected} {writes} of other clients between {} and {}.",
            at(story_from),
            at(violation.at)
        ));
    }
    out
}

/// Whose lane an event belongs to: a write belongs to its writer.
fn writer_or_node(kind: &EventKind, node: NodeId) -> NodeId {
    match kind {
        EventKind::Write { client, .. } => *client,
        _ => node,
    }
}

fn is_network(kind: FaultKind) -> bool {
    matches!(kind, FaultKind::Partition | FaultKind::Network)
}

fn why_rejected(verdict: &WriteVerdict) -> String {
    match verdict {
        WriteVerdict::Accepted => "accepted".into(),
        WriteVerdict::StaleToken { highest } => format!("stale token, highest seen {highest}"),
        WriteVerdict::VersionMismatch { current } => format!("version is now {current}"),
    }
}

fn detail(span: &FaultSpan) -> String {
    if span.detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", span.detail)
    }
}

/// A fault on an involved client.
fn fault_clause(who: &str, span: &FaultSpan) -> String {
    let from = at(span.from);
    match (span.kind, span.until) {
        (FaultKind::Pause, Some(until)) => format!("{who} was paused at {from} for {}", duration(span.from, until)),
        (FaultKind::Pause, None) => format!("{who} was paused at {from} and never resumed"),
        (FaultKind::Crash, _) => format!("{who} crashed at {from}"),
        (FaultKind::ClockJump, _) => format!("{who}'s clock jumped at {from}{}", detail(span)),
        (FaultKind::ClockDrift, _) => format!("{who}'s clock began to drift at {from}{}", detail(span)),
        (FaultKind::ClockStrobe, _) => format!("{who}'s clock began to strobe at {from}{}", detail(span)),
        (FaultKind::Slow, _) => format!("{who}'s messages slowed down at {from}{}", detail(span)),
        (kind, _) => format!("{who} suffered a {kind:?} fault at {from}{}", detail(span)),
    }
}

/// A fault on a server (`Some(name)`) or the whole network (`None`).
fn context_fault_clause(target: Option<String>, span: &FaultSpan) -> String {
    let lasting = span.until.map(|u| format!(" for {}", duration(span.from, u))).unwrap_or_default();
    let from = at(span.from);
    match (target, span.kind) {
        (None, FaultKind::Partition) => format!("a network partition began at {from}{lasting}{}", detail(span)),
        (None, _) => format!("a network fault began at {from}{lasting}{}", detail(span)),
        (Some(who), FaultKind::Crash) => format!("{who} crashed at {from}{}", restarted(span)),
        (Some(who), FaultKind::Pause) => format!("{who} was paused at {from}{lasting}"),
        (Some(who), FaultKind::ClockJump) => format!("{who}'s clock jumped at {from}{}", detail(span)),
        (Some(who), FaultKind::ClockStrobe) => format!("{who}'s clock began to strobe at {from}{}", detail(span)),
        (Some(who), FaultKind::Slow) => format!("{who}'s messages slowed down at {from}{lasting}{}", detail(span)),
        (Some(who), kind) => format!("{who} suffered a {kind:?} fault at {from}{lasting}{}", detail(span)),
    }
}

fn restarted(span: &FaultSpan) -> String {
    span.until.map(|u| format!(" and restarted at {}", at(u))).unwrap_or_default()
}

/// The ending of a kind no one told the narrative about: every witness told
/// in its place, then a plain clause naming the kind.
fn untold(kind: ViolationKind) -> Ending {
    Ending { kind, final_write: FinalWrite::None, part_ends: PartEnd::AtViolation, clause: |_, _, _| None }
}

fn overlap_clause(history: &History, v: &Violation, _: Option<usize>) -> Option<String> {
    Some(format!(
        "so from {} {} were in their critical sections at once (exclusion overlap)",
        at(v.at),
        involved_names(history, v).join(" and ")
    ))
}

/// The last clause when the kind's ending has none to tell.
fn plain_clause(history: &History, v: &Violation) -> String {
    format!("at {} {} ({})", at(v.at), involved_names(history, v).join(" and "), v.kind.name())
}

fn involved_names<'h>(history: &'h History, v: &Violation) -> Vec<&'h str> {
    v.clients.iter().map(|c| history.node_name(*c)).collect()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fixture::{fault, gc_pause_story, write};
    use sim::history::Event;

    const S: u64 = 1_000_000_000;

    /// A stand-in for the lost-update ending of the workloads that suffer
    /// lost updates (reports know no workload; the real one is tested with
    /// them): the overwriting write is told last, and the overwritten
    /// writer's part ends at its write.
    pub(crate) const LOST_UPDATE: Ending = Ending {
        kind: ViolationKind::new("lost-update"),
        final_write: FinalWrite::LastWitness,
        part_ends: PartEnd::AtOwnLastWitness,
        clause: |_, v, _| Some(format!("at {} an update was lost (lost update)", at(v.at))),
    };

    #[test]
    fn tells_an_overlap_and_mentions_tokens_and_rejections() {
        let (mut h, _) = gc_pause_story();
        // Give the acquires tokens, and make client-2's write a rejected one.
        if let EventKind::Complete { token, .. } = &mut h.events[2].kind {
            *token = Some(7);
        }
        if let EventKind::Complete { token, .. } = &mut h.events[7].kind {
            *token = Some(8);
        }
        h.events[10].kind = write(2, 100, 99, Some(8), WriteVerdict::VersionMismatch { current: 3 });
        // client-2 entered while client-1 was still inside: an overlap at 20.899 s.
        let v = Violation {
            kind: sim::check::EXCLUSION_OVERLAP,
            at: SimTime(20 * S + 899_000_000),
            clients: vec![NodeId(1), NodeId(2)],
            events: vec![3, 8],
        };
        let text = explain(&h, &v, &[]);
        assert!(
            text.starts_with("Client-1 acquired the lock at 10.866 s (token 7) and entered its critical section;"),
            "{text}"
        );
        assert!(text.contains("client-2 acquired the lock at 20.899 s (token 8) and entered"), "{text}");
        assert!(
            text.ends_with(
                "so from 20.899 s client-1 and client-2 were in their critical sections at once (exclusion overlap)."
            ),
            "{text}"
        );
        // The rejected write came after the overlap began: not part of this story.
        assert!(!text.contains("rejected"), "{text}");

        let v_later = Violation { at: SimTime(31 * S + 802_000_000), ..v };
        let text = explain(&h, &v_later, &[]);
        assert!(
            text.contains("the resource rejected client-2's write of 99 (token 8) at 20.905 s (version is now 3)"),
            "{text}"
        );
        assert!(text.contains("client-2 left its critical section and released the lock at 20.906 s"), "{text}");
    }

    #[test]
    fn long_stories_are_elided_in_the_middle_and_crashes_are_told() {
        let (mut h, v) = gc_pause_story();
        // Many clock jumps on client-1 while it is paused.
        for k in 0..20u64 {
            let e = Event {
                at: SimTime(12 * S + k * 100_000_000),
                node: NodeId(1),
                kind: fault(FaultKind::ClockJump, FaultPhase::Start, "+1s"),
            };
            h.events.insert(6, e);
        }
        h.events.sort_by_key(|e| e.at);
        let witness = |pred: &dyn Fn(&EventKind) -> bool| h.events.iter().position(|e| pred(&e.kind)).unwrap();
        let first = witness(&|k| matches!(k, EventKind::Write { client: NodeId(2), .. }));
        let last = witness(&|k| matches!(k, EventKind::Write { client: NodeId(1), .. }));
        let v = Violation { events: vec![first, last], ..v };
        let text = explain(&h, &v, &[LOST_UPDATE]);
        assert!(text.contains("more events)"), "{text}");
        assert!(text.contains("client-1's clock jumped at 12.000 s (+1s)"), "{text}");
        // A strobe is told with what it did.
        let (mut h, v) = gc_pause_story();
        let detail = "client-1 wall clock strobes between +0s and +3.000s every 0.200s for 10.000s";
        h.events.insert(
            6,
            Event {
                at: SimTime(12 * S),
                node: NodeId(1),
                kind: fault(FaultKind::ClockStrobe, FaultPhase::Start, detail),
            },
        );
        let text = explain(&h, &v, &[LOST_UPDATE]);
        assert!(text.contains(&format!("client-1's clock began to strobe at 12.000 s ({detail})")), "{text}");
        assert!(text.ends_with("(lost update)."), "{text}");
        assert!(text.split("; ").count() <= MAX_CLAUSES, "{text}");
    }
}
