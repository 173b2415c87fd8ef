//! Smaller versions of one fault, most promising first: a shorter pause,
//! partition, crash or slowness, a smaller clock jump or drift, an earlier
//! start (so the violation, and the history, may come sooner), a later
//! start (closer to the violation), fewer nodes on a partition's side or in
//! a group. Each candidate is one step; the search keeps the first that still
//! fails and asks again, so repeated halving converges on a small value.

use std::time::Duration;

use sim::fault::{Fault, Shape, Target, TimedFault};

/// Half of `d`, in whole milliseconds; none when `d` is already a millisecond or less.
fn half(d: Duration) -> Option<Duration> {
    let ms = d.as_millis() as u64;
    (ms > 1).then(|| Duration::from_millis(ms / 2))
}

/// Half of a signed amount toward zero; none when it is already small.
fn half_i64(v: i64, smallest: i64) -> Option<i64> {
    (v.abs() > smallest).then_some(v / 2)
}

/// Candidates one step smaller than `f`; `violation` is when the last failing run failed.
pub fn smaller(f: &TimedFault, violation: Duration) -> Vec<TimedFault> {
    let mut out = Vec::new();
    let with = |fault: Fault| TimedFault { fault, ..f.clone() };
    match &f.fault {
        Fault::Pause { target, duration } => {
            out.extend(half(*duration).map(|d| with(Fault::Pause { target: target.clone(), duration: d })));
            out.extend(fewer_targets(target).map(|t| with(Fault::Pause { target: t, duration: *duration })));
        }
        Fault::Crash { target, restart_after, durable } => {
            if let Some(r) = restart_after.and_then(half) {
                out.push(with(Fault::Crash { target: target.clone(), restart_after: Some(r), durable: *durable }));
            }
            if !durable {
                out.push(with(Fault::Crash { target: target.clone(), restart_after: *restart_after, durable: true }));
            }
            out.extend(
                fewer_targets(target)
                    .map(|t| with(Fault::Crash { target: t, restart_after: *restart_after, durable: *durable })),
            );
        }
        Fault::Partition { shape, one_way, duration } => {
            let part = |shape: Shape, duration: Duration| Fault::Partition { shape, one_way: *one_way, duration };
            out.extend(half(*duration).map(|d| with(part(shape.clone(), d))));
            out.extend(smaller_shapes(shape).into_iter().map(|s| with(part(s, *duration))));
        }
        Fault::Network { settings, duration } => {
            out.extend(half(*duration).map(|d| with(Fault::Network { settings: *settings, duration: d })));
            if settings.loss > 0.0 {
                let mut less = *settings;
                less.loss = (settings.loss * 500.0).floor() / 1000.0;
                out.push(with(Fault::Network { settings: less, duration: *duration }));
            }
        }
        Fault::ClockJump { target, delta_ns } => {
            out.extend(
                half_i64(*delta_ns, 1_000_000).map(|d| with(Fault::ClockJump { target: target.clone(), delta_ns: d })),
            );
            out.extend(fewer_targets(target).map(|t| with(Fault::ClockJump { target: t, delta_ns: *delta_ns })));
        }
        Fault::ClockDrift { target, drift_ppm, duration } => {
            let drift = |drift_ppm, duration| Fault::ClockDrift { target: target.clone(), drift_ppm, duration };
            out.extend(half_i64(*drift_ppm, 1).map(|p| with(drift(p, *duration))));
            out.extend(duration.and_then(half).map(|d| with(drift(*drift_ppm, Some(d)))));
        }
        Fault::Slow { target, extra, duration } => {
            let slow = |extra, duration| Fault::Slow { target: target.clone(), extra, duration };
            out.extend(half(*duration).map(|d| with(slow(*extra, d))));
            out.extend(half(*extra).map(|e| with(slow(e, *duration))));
        }
        Fault::Signal { target, name, duration } => {
            out.extend(
                half(*duration)
                    .map(|d| with(Fault::Signal { target: target.clone(), name: name.clone(), duration: d })),
            );
        }
        Fault::ClockStrobe { target, delta_ns, period, duration } => {
            let strobe =
                |delta_ns, duration| Fault::ClockStrobe { target: target.clone(), delta_ns, period: *period, duration };
            // At least two steps (one away, one back).
            if duration.as_millis() >= 4 * period.as_millis() {
                out.extend(half(*duration).map(|d| with(strobe(*delta_ns, d))));
            }
            out.extend(half_i64(*delta_ns, 1_000_000).map(|d| with(strobe(d, *duration))));
        }
    }
    // An earlier start (half the time): the violation, and so the history, may come sooner.
    let earlier = Duration::from_millis(f.at.as_millis() as u64 / 2);
    if f.at >= Duration::from_millis(1000) {
        out.push(TimedFault { at: earlier, ..f.clone() });
    }
    // A later start: halfway to the violation (not for backward clock steps,
    // whose size is bounded by the clock's age at the start).
    if violation > f.at + Duration::from_millis(1) {
        let later = f.at + (violation - f.at) / 2;
        let later = Duration::from_millis(later.as_millis() as u64);
        if later > f.at {
            out.push(TimedFault { at: later, ..f.clone() });
        }
    }
    out
}

/// One node instead of all of them.
fn fewer_targets(target: &Target) -> Option<Target> {
    match target {
        Target::EveryClient => Some(Target::Client(0)),
        Target::EveryServer => Some(Target::Server(0)),
        _ => None,
    }
}

/// The shape with one node fewer on a side or in a group, or fewer servers or clients.
fn smaller_shapes(shape: &Shape) -> Vec<Shape> {
    let without = |list: &[Target], i: usize| {
        let mut l = list.to_vec();
        l.remove(i);
        l
    };
    match shape {
        Shape::Isolate { side, from } if side.len() > 1 => {
            (0..side.len()).map(|i| Shape::Isolate { side: without(side, i), from: *from }).collect()
        }
        Shape::Isolate { side, from } if side.len() == 1 => {
            fewer_targets(&side[0]).map(|t| Shape::Isolate { side: vec![t], from: *from }).into_iter().collect()
        }
        Shape::Groups { a, b } => {
            let mut out: Vec<Shape> = Vec::new();
            if a.len() > 1 {
                out.extend((0..a.len()).map(|i| Shape::Groups { a: without(a, i), b: b.clone() }));
            }
            if b.len() > 1 {
                out.extend((0..b.len()).map(|i| Shape::Groups { a: a.clone(), b: without(b, i) }));
            }
            out
        }
        Shape::FromServers { node, count } if *count > 1 => {
            vec![Shape::FromServers { node: node.clone(), count: count - 1 }]
        }
        Shape::PrimaryWith { clients } if *clients > 0 => vec![Shape::PrimaryWith { clients: clients - 1 }],
        _ => Vec::new(),
    }
}

/// How large a fault is, for "at most as big": the sum of its durations in ms.
pub fn size(f: &Fault) -> u64 {
    let ms = |d: &Duration| d.as_millis() as u64;
    match f {
        Fault::Pause { duration, .. }
        | Fault::Partition { duration, .. }
        | Fault::Network { duration, .. }
        | Fault::Signal { duration, .. }
        | Fault::ClockStrobe { duration, .. } => ms(duration),
        Fault::Slow { extra, duration, .. } => ms(duration) + ms(extra),
        Fault::Crash { restart_after, .. } => restart_after.as_ref().map_or(0, ms),
        Fault::ClockDrift { duration, .. } => duration.as_ref().map_or(0, ms),
        Fault::ClockJump { delta_ns, .. } => delta_ns.unsigned_abs() / 1_000_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_halves_and_starts_later() {
        let f = TimedFault::at(
            Duration::from_secs(10),
            Fault::Pause { target: Target::Holder, duration: Duration::from_millis(3000) },
        );
        let c = smaller(&f, Duration::from_secs(20));
        assert_eq!(c.len(), 3);
        assert_eq!(size(&c[0].fault), 1500);
        assert_eq!(c[1].at, Duration::from_secs(5));
        assert_eq!(c[2].at, Duration::from_secs(15));
        assert_eq!(smaller(&c[0], Duration::from_secs(10)).len(), 2, "no later start past the violation");
    }

    #[test]
    fn a_group_loses_one_node_at_a_time() {
        let shape = Shape::Groups { a: vec![Target::Client(0), Target::Client(1)], b: vec![Target::Server(0)] };
        assert_eq!(smaller_shapes(&shape).len(), 2);
    }
}
