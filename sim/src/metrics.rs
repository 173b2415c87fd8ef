//! What a run cost and achieved, measured from its history.
//!
//! Throughput is successful acquisitions per second of simulated time; acquire
//! latency runs from an acquire's invoke to its `ok` on the same client;
//! messages count every RPC request and reply sent (lost ones included).

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
}

impl RunMetrics {
    pub fn measure(history: &History) -> RunMetrics {
        let mut m = RunMetrics { duration: history.end(), ..RunMetrics::default() };
        let mut pending: std::collections::BTreeMap<NodeId, SimTime> = Default::default();
        for e in &history.events {
            match &e.kind {
                EventKind::Invoke { op: Op::Acquire } => {
                    pending.insert(e.node, e.at);
                }
                EventKind::Complete { op: Op::Acquire, outcome, .. } => {
                    let started = pending.remove(&e.node);
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
                    WriteVerdict::Accepted => m.writes_accepted += 1,
                    _ => m.writes_rejected += 1,
                },
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
