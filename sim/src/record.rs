//! Flat, serializable results: one [`RunRecord`] per seed run and a
//! [`Summary`] over many. These are what tables, JSON, CSV and reports read.

use serde::{Deserialize, Serialize};

use crate::check::Verdict;
use crate::metrics::{per_second, quantile, Figure, LatencyHistogram, RunMetrics};
use crate::time::SimTime;

/// One seed of one (algorithm, scenario, workload) cell.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub algorithm: String,
    pub scenario: String,
    pub workload: String,
    pub seed: u64,
    /// The seed's faults in a few words (a swarm seed's drawn mix).
    pub faults: String,
    /// 16 hex digits; the same inputs give the same hash on any machine.
    pub trace_hash: String,
    /// Pairs of clients inside their critical sections at once.
    pub overlaps: usize,
    /// Corrupted effects on the protected resource.
    pub corrupted: usize,
    pub acquired: u64,
    pub acquire_failed: u64,
    pub acquire_unknown: u64,
    pub writes_accepted: u64,
    pub writes_rejected: u64,
    pub messages: u64,
    pub server_writes: u64,
    pub sim_seconds: f64,
    pub acquire_p50_ms: Option<f64>,
    pub acquire_p99_ms: Option<f64>,
    /// Every acquire latency of the seed, as a mergeable histogram
    /// ([`LatencyHistogram::encode`]); summaries are computed from these.
    pub acquire_latency_histogram: String,
    /// Seconds clients spent inside acquire calls (the waits), all outcomes.
    #[serde(default)]
    pub acquire_wait_s: f64,
    /// From healing every fault to the first accepted write (empty: no
    /// liveness phase, or no progress in it).
    #[serde(default)]
    pub recovery_ms: Option<f64>,
    /// The liveness phase ended without progress.
    #[serde(default)]
    pub never_recovered: bool,
    /// The workload's own figures, `name=value;...` ([`Figure::encode`]).
    #[serde(default)]
    pub figures: String,
}

impl RunRecord {
    pub fn new(
        cell: [&str; 3],
        seed: u64,
        faults: String,
        trace_hash: u64,
        verdict: &Verdict,
        metrics: &RunMetrics,
        figures: &[Figure],
    ) -> RunRecord {
        let mut sorted = metrics.acquire_latencies_ns.clone();
        sorted.sort_unstable();
        RunRecord {
            algorithm: cell[0].into(),
            scenario: cell[1].into(),
            workload: cell[2].into(),
            seed,
            faults,
            trace_hash: format!("{trace_hash:016x}"),
            overlaps: verdict.overlaps.len(),
            corrupted: verdict.corrupted.len(),
            acquired: metrics.acquired,
            acquire_failed: metrics.acquire_failed,
            acquire_unknown: metrics.acquire_unknown,
            writes_accepted: metrics.writes_accepted,
            writes_rejected: metrics.writes_rejected,
            messages: metrics.messages,
            server_writes: metrics.server_writes,
            sim_seconds: metrics.duration.as_secs_f64(),
            acquire_p50_ms: quantile(&sorted, 0.50).map(ns_to_ms),
            acquire_p99_ms: quantile(&sorted, 0.99).map(ns_to_ms),
            acquire_latency_histogram: sorted.iter().copied().collect::<LatencyHistogram>().encode(),
            acquire_wait_s: metrics.acquire_wait_ns as f64 / 1e9,
            recovery_ms: metrics.recovery.map(|t| ns_to_ms(t.0)),
            never_recovered: metrics.healed_at.is_some() && metrics.recovery.is_none(),
            figures: Figure::encode(figures),
        }
    }

    pub fn latency_histogram(&self) -> Result<LatencyHistogram, String> {
        LatencyHistogram::decode(&self.acquire_latency_histogram)
    }
}

fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// A cell's results over all its seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub seeds: usize,
    /// Seeds with at least one exclusion overlap.
    pub overlap_seeds: usize,
    /// Seeds with at least one corrupted effect.
    pub unsafe_seeds: usize,
    pub acquired: u64,
    pub writes_rejected: u64,
    /// Successful acquisitions per simulated second, over all seeds.
    pub throughput: f64,
    /// Acquire latency percentiles over every acquisition of every seed (from
    /// the merged histograms: within about 3%).
    pub acquire_p50_ms: Option<f64>,
    pub acquire_p99_ms: Option<f64>,
    pub messages_per_acquisition: Option<f64>,
    pub server_writes_per_acquisition: Option<f64>,
    /// Acquire calls (ok + fail + info) and those that gave up (fail + info).
    pub attempts: u64,
    pub give_ups: u64,
    /// Mean time inside an acquire call.
    pub wait_per_attempt_ms: Option<f64>,
    /// Time to recover after healing, median and worst over the seeds that recovered.
    pub recovery_p50_ms: Option<f64>,
    pub recovery_max_ms: Option<f64>,
    /// Seeds whose liveness phase saw no progress.
    pub never_recovered: usize,
    /// Each workload figure's mean over the seeds, in first-seen order.
    pub figures: Vec<Figure>,
}

impl Summary {
    /// Summarize `records`. Adding up in record order keeps the float
    /// results identical for the same records however they were produced.
    pub fn of(records: &[RunRecord]) -> Summary {
        let latencies = merged_latencies(records);
        let acquired: u64 = records.iter().map(|r| r.acquired).sum();
        let messages: u64 = records.iter().map(|r| r.messages).sum();
        let server_writes: u64 = records.iter().map(|r| r.server_writes).sum();
        let per_acquisition = |n: u64| (acquired > 0).then(|| n as f64 / acquired as f64);
        let sim_ns: u64 = records.iter().map(|r| (r.sim_seconds * 1e9).round() as u64).sum();
        let attempts: u64 = records.iter().map(|r| r.acquired + r.acquire_failed + r.acquire_unknown).sum();
        let wait_s: f64 = records.iter().map(|r| r.acquire_wait_s).sum();
        let mut recoveries: Vec<f64> = records.iter().filter_map(|r| r.recovery_ms).collect();
        recoveries.sort_by(f64::total_cmp);
        Summary {
            attempts,
            give_ups: records.iter().map(|r| r.acquire_failed + r.acquire_unknown).sum(),
            wait_per_attempt_ms: (attempts > 0).then(|| wait_s * 1e3 / attempts as f64),
            recovery_p50_ms: recoveries.get(recoveries.len().saturating_sub(1) / 2).copied(),
            recovery_max_ms: recoveries.last().copied(),
            never_recovered: records.iter().filter(|r| r.never_recovered).count(),
            figures: mean_figures(records),
            seeds: records.len(),
            overlap_seeds: records.iter().filter(|r| r.overlaps > 0).count(),
            unsafe_seeds: records.iter().filter(|r| r.corrupted > 0).count(),
            acquired,
            writes_rejected: records.iter().map(|r| r.writes_rejected).sum(),
            throughput: per_second(acquired, SimTime(sim_ns)),
            acquire_p50_ms: latencies.quantile_ns(0.50).map(ns_to_ms),
            acquire_p99_ms: latencies.quantile_ns(0.99).map(ns_to_ms),
            messages_per_acquisition: per_acquisition(messages),
            server_writes_per_acquisition: per_acquisition(server_writes),
        }
    }
}

/// Each figure's mean over the records that have it, in first-seen order
/// (a malformed cell counts as none).
fn mean_figures(records: &[RunRecord]) -> Vec<Figure> {
    let mut sums: Vec<(String, f64, usize)> = Vec::new();
    for figure in records.iter().flat_map(|r| Figure::decode(&r.figures).unwrap_or_default()) {
        match sums.iter_mut().find(|(name, ..)| *name == figure.name) {
            Some((_, sum, n)) => {
                *sum += figure.value;
                *n += 1;
            }
            None => sums.push((figure.name, figure.value, 1)),
        }
    }
    sums.into_iter().map(|(name, sum, n)| Figure { name, value: sum / n as f64 }).collect()
}

/// Every seed's acquire latencies in one histogram (a malformed one counts as empty).
pub fn merged_latencies(records: &[RunRecord]) -> LatencyHistogram {
    let mut all = LatencyHistogram::default();
    for r in records {
        all.merge(&r.latency_histogram().unwrap_or_default());
    }
    all
}
