//! One cell of a comparison (design x scenario x workload) as reports see
//! it: its names, its summary over seeds, its first violating seed and its
//! acquire latency quantiles. Every chart, table and story reads cells.

use sim::record::Summary;

/// One cell of a comparison (algorithm x scenario x workload) as reports see it.
#[derive(Clone, Debug)]
pub struct CellReport {
    pub algorithm: String,
    pub scenario: String,
    pub workload: String,
    pub summary: Summary,
    /// The first violating seed and the command that replays it.
    pub first_violation: Option<(u64, String)>,
    /// Acquire latency quantiles pooled over every seed; empty when unknown
    /// (the latency plot then falls back to the summary's p50 and p99).
    pub latency: LatencyProfile,
}

/// Acquire latency quantiles of one cell, for the latency plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencyProfile {
    /// `(q, milliseconds)` pairs with `q` in `(0, 1]`, ascending; `q = 1` is the maximum.
    pub quantiles_ms: Vec<(f64, f64)>,
}

impl LatencyProfile {
    /// The quantiles the latency plot draws: p50, p90, p99 and the maximum.
    pub const STANDARD: [f64; 4] = [0.5, 0.9, 0.99, 1.0];

    /// Nearest-rank quantiles of a latency histogram (merged over seeds).
    pub fn from_histogram(latencies: &sim::metrics::LatencyHistogram, qs: &[f64]) -> LatencyProfile {
        let quantiles_ms = qs.iter().filter_map(|&q| latencies.quantile_ns(q).map(|ns| (q, ns as f64 / 1e6))).collect();
        LatencyProfile { quantiles_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_profile_uses_nearest_rank_and_reports_the_maximum() {
        // 32 values below 32 µs are kept exactly by the histogram.
        let h: sim::metrics::LatencyHistogram = (1..=20).rev().map(|us| us * 1_000).collect();
        let p = LatencyProfile::from_histogram(&h, &LatencyProfile::STANDARD);
        assert_eq!(p.quantiles_ms, vec![(0.5, 0.010), (0.9, 0.018), (0.99, 0.020), (1.0, 0.020)]);
        let empty = sim::metrics::LatencyHistogram::default();
        assert!(LatencyProfile::from_histogram(&empty, &LatencyProfile::STANDARD).quantiles_ms.is_empty());
    }
}
