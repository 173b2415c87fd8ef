//! What a run cost and achieved, measured from its history.
//!
//! Throughput is successful acquisitions (or, for designs that are not locks,
//! committed operations) per second of simulated time; acquire latency runs
//! from an acquire's (operation's) invoke to its `ok` on the same client;
//! messages count every RPC request and reply sent (lost ones included).
//! Recovery runs from the end of the fault phase (every fault healed) to the
//! first write the protected resource accepted after that instant: the workload made progress
//! again. Workloads add their own [`Figure`]s.

use serde::{Deserialize, Serialize};

use crate::history::{EventKind, History, NodeId, Op, Outcome, WriteVerdict};
use crate::time::SimTime;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Acquires that returned `ok`.
    pub acquired: u64,
    /// Acquires that returned `fail` (the lock was busy, or a try/timeout gave up).
    pub acquire_failed: u64,
    /// Acquires whose outcome is unknown (`info`).
    pub acquire_unknown: u64,
    pub writes_accepted: u64,
    pub writes_rejected: u64,
    pub messages: u64,
    /// State changes applied by lock servers (see `EventKind::End`).
    pub server_writes: u64,
    /// Simulated time the run lasted.
    pub duration: SimTime,
    /// Latency of each successful acquire, in nanoseconds, in completion order.
    pub acquire_latencies_ns: Vec<u64>,
    /// Time spent inside acquire calls, whatever their outcome (the waits).
    pub acquire_wait_ns: u64,
    /// When the fault phase ended (every fault healed), if the run had a liveness phase.
    pub healed_at: Option<SimTime>,
    /// From healing to the first write the resource accepted; `None` when
    /// there was no liveness phase or no progress in it (never recovered).
    pub recovery: Option<SimTime>,
}

impl RunMetrics {
    pub fn measure(history: &History) -> RunMetrics {
        let mut m = RunMetrics { duration: history.end(), ..RunMetrics::default() };
        let mut pending: std::collections::BTreeMap<NodeId, SimTime> = Default::default();
        for e in &history.events {
            match &e.kind {
                EventKind::Invoke { op: Op::Acquire | Op::Operate, .. } => {
                    pending.insert(e.node, e.at);
                }
                EventKind::Complete { op: Op::Acquire | Op::Operate, outcome, .. } => {
                    let started = pending.remove(&e.node);
                    m.acquire_wait_ns += started.map_or(0, |t| e.at.0 - t.0);
                    match outcome {
                        Outcome::Ok => {
                            m.acquired += 1;
                            if let Some(t) = started {
                                m.acquire_latencies_ns.push(e.at.0 - t.0);
                            }
                        }
                        Outcome::Fail => m.acquire_failed += 1,
                        Outcome::Info => m.acquire_unknown += 1,
                    }
                }
                EventKind::Write { verdict, .. } => match verdict {
                    WriteVerdict::Accepted => {
                        m.writes_accepted += 1;
                        // Writes judged at the very instant of healing were queued before it.
                        if let (Some(healed), None) = (m.healed_at, m.recovery) {
                            if e.at > healed {
                                m.recovery = Some(SimTime(e.at.0 - healed.0));
                            }
                        }
                    }
                    _ => m.writes_rejected += 1,
                },
                EventKind::Heal => m.healed_at = Some(e.at),
                EventKind::End { messages, server_writes } => {
                    m.messages = *messages;
                    m.server_writes = *server_writes;
                }
                _ => {}
            }
        }
        m
    }

    /// Successful acquisitions per simulated second.
    pub fn throughput(&self) -> f64 {
        per_second(self.acquired, self.duration)
    }

    /// Acquire calls made (each ends ok, fail or info).
    pub fn attempts(&self) -> u64 {
        self.acquired + self.acquire_failed + self.acquire_unknown
    }

    /// Acquire calls that gave up (fail or info).
    pub fn give_ups(&self) -> u64 {
        self.acquire_failed + self.acquire_unknown
    }
}

/// One of a workload's own figures (e.g. "ticks missed"), measured from the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
}

impl Figure {
    pub fn new(name: &str, value: f64) -> Figure {
        debug_assert!(!name.contains(['=', ';']), "figure names go into `name=value;...` cells");
        Figure { name: name.into(), value }
    }

    /// `name=value;name=value`, for one CSV cell.
    pub fn encode(figures: &[Figure]) -> String {
        figures.iter().map(|f| format!("{}={}", f.name, f.value)).collect::<Vec<_>>().join(";")
    }

    pub fn decode(text: &str) -> Result<Vec<Figure>, String> {
        text.split(';')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (name, value) = part.split_once('=').ok_or_else(|| format!("figure '{part}' is not name=value"))?;
                let value = value.parse().map_err(|_| format!("figure '{part}' has no number"))?;
                Ok(Figure { name: name.into(), value })
            })
            .collect()
    }
}

pub fn per_second(count: u64, duration: SimTime) -> f64 {
    if duration.0 == 0 {
        0.0
    } else {
        count as f64 / duration.as_secs_f64()
    }
}

/// The nearest-rank `q`-quantile (0 < q <= 1) of `sorted`, or `None` when empty.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&v, 1.0), Some(100));
        assert_eq!(quantile(&[7], 0.99), Some(7));
        assert_eq!(quantile(&[], 0.5), None);
    }
}

/// A latency histogram that merges exactly: summaries of many seeds (or of
/// shards run on different machines) are computed from the sum of per-seed
/// histograms, so a merged report's percentiles equal an unsharded run's.
///
/// Buckets are log-linear, in whole microseconds: values below 32 µs are
/// exact; above, each power of two is split into 32 buckets (about 3%
/// resolution). Integer arithmetic only. Stored as text, `bucket:count`
/// pairs separated by spaces, in bucket order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: std::collections::BTreeMap<u32, u64>,
}

const SUB_BITS: u32 = 5;

impl LatencyHistogram {
    fn bucket(micros: u64) -> u32 {
        if micros < (1 << SUB_BITS) {
            return micros as u32;
        }
        let exponent = 63 - micros.leading_zeros();
        let sub = (micros >> (exponent - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        ((exponent - SUB_BITS + 1) << SUB_BITS) | sub as u32
    }

    /// The middle of a bucket, in nanoseconds.
    fn middle_ns(bucket: u32) -> u64 {
        let (band, sub) = (bucket >> SUB_BITS, (bucket & ((1 << SUB_BITS) - 1)) as u64);
        if band == 0 {
            return sub * 1_000;
        }
        let shift = band - 1;
        let low = ((1 << SUB_BITS) | sub) << shift;
        (low * 1_000) + ((1u64 << shift) * 1_000) / 2
    }

    pub fn record(&mut self, nanos: u64) {
        *self.counts.entry(Self::bucket(nanos / 1_000)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (b, c) in &other.counts {
            *self.counts.entry(*b).or_default() += c;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The nearest-rank `q`-quantile, as its bucket's middle, in nanoseconds.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (b, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(Self::middle_ns(*b));
            }
        }
        unreachable!("rank is at most the total count")
    }

    pub fn encode(&self) -> String {
        self.counts.iter().map(|(b, c)| format!("{b}:{c}")).collect::<Vec<_>>().join(" ")
    }

    pub fn decode(text: &str) -> Result<LatencyHistogram, String> {
        let mut h = LatencyHistogram::default();
        for pair in text.split_whitespace() {
            let parsed = pair.split_once(':').and_then(|(b, c)| Some((b.parse().ok()?, c.parse().ok()?)));
            let (b, c): (u32, u64) = parsed.ok_or_else(|| format!("bad latency histogram entry '{pair}'"))?;
            *h.counts.entry(b).or_default() += c;
        }
        Ok(h)
    }
}

impl FromIterator<u64> for LatencyHistogram {
    fn from_iter<I: IntoIterator<Item = u64>>(nanos: I) -> Self {
        let mut h = LatencyHistogram::default();
        nanos.into_iter().for_each(|n| h.record(n));
        h
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    #[test]
    fn buckets_are_within_three_percent_and_ordered() {
        let mut last = 0;
        for micros in [1u64, 31, 32, 33, 100, 1_000, 4_567, 1_000_000, 25_000_000] {
            let b = LatencyHistogram::bucket(micros);
            assert!(b >= last, "buckets must grow with the value");
            last = b;
            let mid = LatencyHistogram::middle_ns(b) as f64 / 1_000.0;
            assert!((mid - micros as f64).abs() <= micros as f64 * 0.032 + 0.5, "{micros} µs -> {mid}");
        }
    }

    #[test]
    fn merging_equals_recording_everything_in_one_and_text_round_trips() {
        let a: LatencyHistogram = (1..500u64).map(|i| i * 37_000).collect();
        let b: LatencyHistogram = (1..300u64).map(|i| i * 91_000).collect();
        let all: LatencyHistogram = (1..500u64).map(|i| i * 37_000).chain((1..300u64).map(|i| i * 91_000)).collect();
        let mut merged = a.clone();
        merged.merge(&b);
        assert_eq!(merged, all);
        assert_eq!(LatencyHistogram::decode(&all.encode()).unwrap(), all);
        assert_eq!(all.quantile_ns(0.5), merged.quantile_ns(0.5));
        assert!(LatencyHistogram::decode("3:x").is_err());
    }
}
