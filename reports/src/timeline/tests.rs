//! The timeline's tests, on the story every report test shares
//! ([`crate::fixture::gc_pause_story`]).

use super::*;
use crate::plots::tests::assert_valid_svg;
use sim::check::ViolationKind;
use sim::history::{Event, FaultPhase, NodeId, WriteVerdict};

use crate::fixture::{fault, gc_pause_story, write, S};

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
        Event { at: SimTime(5 * S), node: NodeId(0), kind: fault(FaultKind::Partition, FaultPhase::Start, "split") },
    );
    let svg = timeline_svg(&h, &[], Some((SimTime::ZERO, SimTime(40 * S))));
    assert!(svg.contains("client-2 in its critical section 20.899–20.906 s"), "{svg}");
    let band = attr_values(&svg, "<rect", "partition 5.000–40.000 s");
    assert_eq!(band.len(), 1);
    assert!(band[0].contains(&format!(r#"y="{TOP}""#)) && band[0].contains(&format!(r#"height="{}""#, 3.0 * LANE_H)));
}

#[test]
fn empty_histories_and_dangling_witnesses_still_draw() {
    let nowhere =
        Violation { kind: ViolationKind::new("oversold"), at: SimTime(5), clients: vec![NodeId(9)], events: vec![99] };
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

#[test]
fn clock_jumps_and_strobes_are_labelled_by_what_they_did_and_pauses_by_how_long() {
    let (mut h, v) = gc_pause_story();
    let jump = fault(FaultKind::ClockJump, FaultPhase::Start, "client-2 wall clock jumps +44.487s");
    let strobe = "client-1 wall clock strobes between +0s and +3.000s every 0.200s for 10.000s";
    h.events.insert(1, Event { at: SimTime(2 * S), node: NodeId(2), kind: jump });
    h.events.insert(
        2,
        Event { at: SimTime(3 * S), node: NodeId(1), kind: fault(FaultKind::ClockStrobe, FaultPhase::Start, strobe) },
    );
    h.events.insert(
        3,
        Event { at: SimTime(4 * S), node: NodeId(1), kind: fault(FaultKind::ClockStrobe, FaultPhase::End, "") },
    );
    h.events.insert(4, Event { at: SimTime(5 * S), node: NodeId(0), kind: EventKind::Heal });
    let svg = timeline_svg(&h, std::slice::from_ref(&v), Some((SimTime::ZERO, SimTime(40 * S))));
    assert_valid_svg(&svg);
    // The jump's band runs to the heal (3 s) but its label says the jump.
    assert!(svg.contains(">clock jump +44.487 s<"), "{svg}");
    assert!(svg.contains(">clock strobe +3.000 s every 0.200 s<"), "{svg}");
    assert!(svg.contains(">paused 20.931 s<"), "a pause still says how long");
    assert!(svg.contains(">clock fault<"), "the legend names clock faults");
}
