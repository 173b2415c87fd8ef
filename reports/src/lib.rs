//! locksim's report sinks. They read run records, summaries, histories and
//! violations (sim's data types) and know nothing of algorithm internals.
//!
//! - [`atomic`]: every file is written to a temporary name and renamed, so a
//!   reader never sees half a file.
//! - [`runs_csv`]: one row per seed run; [`history_csv`]: one row per event of a replayed run.
//! - [`markdown`]: the report a reviewer pastes into a design review.
//! - [`wilson`]: the 95% interval around "k of n seeds were unsafe".
//! - [`plots`]: SVG charts over cells: safety matrix, throughput, acquire
//!   latency percentiles, messages per acquisition ([`plots::all`]).
//! - [`timeline`]: the SVG picture of one history around a violation
//!   ([`timeline::timeline_svg`]).
//! - [`narrative`]: the same story in sentences ([`narrative::explain`]).
//! - [`html`]: `report.html`, self-contained, with all of the above inline
//!   ([`html::render`]).

pub mod atomic;
pub mod history_csv;
pub mod html;
pub mod markdown;
pub mod narrative;
pub mod plots;
pub mod runs_csv;
mod svg;
pub mod timeline;
pub mod wilson;

pub use html::ViolationStory;
pub use narrative::explain;
pub use timeline::timeline_svg;

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

    /// Nearest-rank quantiles (as in `sim::metrics`) of latencies in nanoseconds.
    pub fn from_latencies_ns(latencies_ns: &[u64], qs: &[f64]) -> LatencyProfile {
        let mut sorted = latencies_ns.to_vec();
        sorted.sort_unstable();
        let quantiles_ms =
            qs.iter().filter_map(|&q| sim::metrics::quantile(&sorted, q).map(|ns| (q, ns as f64 / 1e6))).collect();
        LatencyProfile { quantiles_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_profile_uses_nearest_rank_and_reports_the_maximum() {
        let ns: Vec<u64> = (1..=100).rev().map(|ms| ms * 1_000_000).collect();
        let p = LatencyProfile::from_latencies_ns(&ns, &LatencyProfile::STANDARD);
        assert_eq!(p.quantiles_ms, vec![(0.5, 50.0), (0.9, 90.0), (0.99, 99.0), (1.0, 100.0)]);
        assert!(LatencyProfile::from_latencies_ns(&[], &LatencyProfile::STANDARD).quantiles_ms.is_empty());
    }
}
