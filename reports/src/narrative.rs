//! The story of a violation in words, for a reviewer who has not read the trace.
//!
//! Promise: [`explain`] returns one sentence (plus, when other clients' writes
//! were rejected meanwhile, a second one) built only from the history, that
//! says in time order what the involved clients did from their last
//! successful acquire up to the violation: acquisitions (with their fencing
//! tokens), critical-section entries and exits, releases, the faults that hit
//! them (pauses with their length, crashes, clock jumps) and faults on
//! servers or the network meanwhile, the writes the resource accepted or
//! rejected (values, tokens, why rejected), and finally what went wrong:
//! the overlap, the overwritten update or the oversold unit. Times are global
//! simulated seconds with three decimals and " s".
//!
//! Only the involved clients' stories are told, each from its last acquire
//! before its witnessing event; a client whose part ended with an earlier
//! witnessing write (the overwritten one of a lost update) is followed only up
//! to that write, so busy runs still give short stories.

use std::collections::BTreeMap;

use sim::check::{Violation, ViolationKind};
use sim::history::{EventKind, FaultKind, FaultPhase, History, NodeId, Op, Outcome, WriteVerdict};
use sim::time::SimTime;

use crate::timeline::{fault_spans, last_start_before, seconds, story_start, FaultSpan};

/// More clauses than this are elided in the middle.
const MAX_CLAUSES: usize = 12;
/// Faults on servers or the network mentioned as context, at most.
const MAX_CONTEXT_FAULTS: usize = 3;

fn at(t: SimTime) -> String {
    format!("{} s", seconds(t))
}

fn duration(from: SimTime, until: SimTime) -> String {
    format!("{:.3} s", until.since(from).as_secs_f64())
}

fn token(t: Option<u64>) -> String {
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

/// One or a few sentences saying what happened, in order, up to `violation`.
pub fn explain(history: &History, violation: &Violation) -> String {
    let name = |n: NodeId| history.node_name(n).to_string();
    let witness = |i: usize| history.events.get(i);
    let involved = &violation.clients;
    // The write that completed a lost update or an oversell is told in the last clause.
    let final_write = match violation.kind {
        ViolationKind::LostUpdate
        | ViolationKind::Oversold
        | ViolationKind::DeposedLeaderWrite
        | ViolationKind::TickRunTwice
        | ViolationKind::OverPermits => violation.events.last().copied(),
        ViolationKind::ExclusionOverlap => None,
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
        let end = match violation.kind {
            ViolationKind::LostUpdate => own.iter().copied().max().unwrap_or(violation.at),
            _ => violation.at,
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
    for (i, e) in history.events.iter().enumerate() {
        if e.at < story_from || e.at > violation.at || Some(i) == final_write {
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
    clauses.push(Clause { client: None, tag: Tag::Other, text: ending(history, violation, final_write) });

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
        (Some(who), kind) => format!("{who} suffered a {kind:?} fault at {from}{lasting}{}", detail(span)),
    }
}

fn restarted(span: &FaultSpan) -> String {
    span.until.map(|u| format!(" and restarted at {}", at(u))).unwrap_or_default()
}

/// The last clause: what went wrong.
fn ending(history: &History, v: &Violation, final_write: Option<usize>) -> String {
    let names: Vec<&str> = v.clients.iter().map(|c| history.node_name(*c)).collect();
    let write = final_write.and_then(|i| history.events.get(i));
    match (v.kind, write.map(|e| &e.kind)) {
        (ViolationKind::LostUpdate, Some(EventKind::Write { client, prev, value, token: t, .. })) => {
            let writer = history.node_name(*client);
            let head = format!("at {} {writer} wrote {value}{} over {prev}", at(v.at), token(*t));
            let idx = final_write.unwrap_or(0);
            // What the writer last read, and how many accepted writes it undid since.
            let read = history.events[..idx]
                .iter()
                .rposition(|e| matches!(e.kind, EventKind::Read { client: c, .. } if c == *client));
            if let Some(r) = read {
                let undone = history.events[r..idx]
                    .iter()
                    .filter(|e| matches!(e.kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. }))
                    .count();
                let (n, were) = if undone == 1 {
                    ("the write".to_string(), "was")
                } else {
                    (format!("the {undone} writes"), "were")
                };
                return format!(
                    "{head}, so {n} accepted since its read at {} {were} lost (lost update)",
                    at(history.events[r].at)
                );
            }
            let earlier = v.events.first().filter(|&&i| Some(i) != final_write).and_then(|&i| history.events.get(i));
            match earlier.map(|e| (e.at, &e.kind)) {
                Some((when, EventKind::Write { client: other, .. })) => format!(
                    "{head}, which {} had written at {}, so that update was lost (lost update)",
                    history.node_name(*other),
                    at(when)
                ),
                _ => format!("{head} (lost update)"),
            }
        }
        (ViolationKind::Oversold, Some(EventKind::Write { client, value, token: t, .. })) => {
            let stock = history.events.iter().find_map(|e| match e.kind {
                EventKind::ResourceInit { value, .. } => Some(value),
                _ => None,
            });
            let idx = final_write.unwrap_or(0);
            let sold = history.events[..=idx]
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Write { verdict: WriteVerdict::Accepted, .. }))
                .count();
            let of_stock = stock.map(|s| format!(" of a stock of {s}")).unwrap_or_default();
            format!(
                "at {} the resource accepted {}'s write of {value}{}, sale number {sold}{of_stock} (oversold)",
                at(v.at),
                history.node_name(*client),
                token(*t)
            )
        }
        (ViolationKind::ExclusionOverlap, _) => {
            format!(
                "so from {} {} were in their critical sections at once (exclusion overlap)",
                at(v.at),
                names.join(" and ")
            )
        }
        (ViolationKind::DeposedLeaderWrite, Some(EventKind::Write { client, token: t, .. })) => {
            let elected = v.events.first().filter(|&&i| Some(i) != final_write).and_then(|&i| history.events.get(i));
            let since = elected
                .map(|e| format!(" although {} had been elected at {}", history.node_name(e.node), at(e.at)))
                .unwrap_or_default();
            format!(
                "at {} the resource accepted work from {}{}{since} (work from a deposed leader)",
                at(v.at),
                history.node_name(*client),
                token(*t)
            )
        }
        (ViolationKind::TickRunTwice, Some(EventKind::Write { client, value, token: t, .. })) => {
            let first = v.events.first().filter(|&&i| Some(i) != final_write).and_then(|&i| history.events.get(i));
            let before = match first.map(|e| &e.kind) {
                Some(EventKind::Write { client: other, .. }) => {
                    format!(", which {} had run at {}", history.node_name(*other), at(first.expect("matched").at))
                }
                _ => String::new(),
            };
            format!(
                "at {} {} ran tick {value} again{}{before} (tick run twice)",
                at(v.at),
                history.node_name(*client),
                token(*t)
            )
        }
        (ViolationKind::OverPermits, Some(EventKind::Write { client, key, .. })) => format!(
            "at {} the pool accepted {}'s session on permit {key}: {} sessions open at once (over permits)",
            at(v.at),
            history.node_name(*client),
            v.clients.len()
        ),
        (kind, _) => format!("at {} {} ({})", at(v.at), names.join(" and "), kind.name()),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::{fault, gc_pause_story, write};
    use sim::history::Event;

    const S: u64 = 1_000_000_000;

    #[test]
    fn tells_a_lost_update_in_order_with_the_pause_and_its_length() {
        let (h, v) = gc_pause_story();
        let text = explain(&h, &v);
        let expected = "Client-1 acquired the lock at 10.866 s and entered its critical section; \
             client-1 read 100 at 10.867 s; \
             client-1 was paused at 10.870 s for 20.931 s; \
             client-2 acquired the lock at 20.899 s and entered its critical section; \
             client-2 read 100 at 20.901 s; \
             client-2 wrote 99 at 20.905 s; \
             lock-server crashed at 25.000 s and restarted at 26.000 s; \
             client-1 resumed at 31.801 s; \
             at 31.802 s client-1 wrote 99 over 99, \
             so the write accepted since its read at 10.867 s was lost (lost update).";
        assert_eq!(text, expected);

        // Without the reads, the overwritten write is named instead.
        let mut h = h;
        h.events.retain(|e| !matches!(e.kind, EventKind::Read { .. }));
        let v = Violation { events: vec![8, 15], ..v };
        assert!(matches!(h.events[8].kind, EventKind::Write { client: NodeId(2), .. }));
        let text = explain(&h, &v);
        assert!(text.ends_with("at 31.802 s client-1 wrote 99 over 99, which client-2 had written at 20.905 s, so that update was lost (lost update)."), "{text}");
    }

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
            kind: ViolationKind::ExclusionOverlap,
            at: SimTime(20 * S + 899_000_000),
            clients: vec![NodeId(1), NodeId(2)],
            events: vec![3, 8],
        };
        let text = explain(&h, &v);
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
        let text = explain(&h, &v_later);
        assert!(
            text.contains("the resource rejected client-2's write of 99 (token 8) at 20.905 s (version is now 3)"),
            "{text}"
        );
        assert!(text.contains("client-2 left its critical section and released the lock at 20.906 s"), "{text}");
    }

    #[test]
    fn tells_an_oversell_with_the_stock_and_counts_other_rejections() {
        use EventKind::*;
        let (mut h, _) = gc_pause_story();
        h.events[0].kind = ResourceInit { value: 1, registers: 1 };
        h.events[17].kind = write(1, 99, 98, None, WriteVerdict::Accepted);
        // A third client's write is rejected meanwhile.
        h.nodes.push(crate::timeline::tests::node("client-3", sim::history::Role::Client));
        let rejected = write(5, 99, 98, Some(1), WriteVerdict::StaleToken { highest: 2 });
        h.events.insert(12, Event { at: SimTime(20 * S + 906_000_000), node: NodeId(4), kind: rejected });
        let v = Violation {
            kind: ViolationKind::Oversold,
            at: SimTime(31 * S + 802_000_000),
            clients: vec![NodeId(1)],
            events: vec![18],
        };
        let text = explain(&h, &v);
        assert!(
            text.ends_with(
                "at 31.802 s the resource accepted client-1's write of 98, sale number 2 of a stock of 1 (oversold). \
             Meanwhile the resource rejected 1 write of other clients between 10.866 s and 31.802 s."
            ),
            "{text}"
        );
        // Only client-1's story: client-2 is not involved here.
        assert!(!text.contains("client-2 acquired"), "{text}");
        assert!(text.contains("client-1 was paused at 10.870 s for 20.931 s"));
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
        let text = explain(&h, &v);
        assert!(text.contains("more events)"), "{text}");
        assert!(text.contains("client-1's clock jumped at 12.000 s (+1s)"), "{text}");
        assert!(text.ends_with("(lost update)."), "{text}");
        assert!(text.split("; ").count() <= MAX_CLAUSES, "{text}");
    }
}
