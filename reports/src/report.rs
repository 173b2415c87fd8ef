//! What every sink reads: one comparison's results, gathered once.
//!
//! Promise: a [`Report`] holds everything a report file is made of — the
//! title and the note under it, one [`CellReport`] per cell (in cell order),
//! the story of each cell's first violating seed (with its history), every
//! run row for `runs.csv`, and the charts drawn from the cells. Sinks
//! ([`crate::sink`]) only read it, so the same report written twice, or
//! printed, says the same thing.

use sim::record::{RunRecord, Summary};

use crate::plots::{self, Plot};
use crate::story::ViolationStory;

/// One comparison as the sinks see it.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    pub title: String,
    /// The line under the title (which seeds, how long, how many clients).
    pub note: String,
    /// In cell order.
    pub cells: Vec<CellReport>,
    /// Each violating cell's first violating seed, in cell order.
    pub stories: Vec<&'a ViolationStory>,
    /// Every row `runs.csv` keeps, in the order it keeps them.
    pub runs: Vec<&'a RunRecord>,
    /// The charts of [`plots::all`] over `cells`, drawn once for every sink
    /// that shows them.
    pub plots: Vec<Plot>,
}

impl<'a> Report<'a> {
    /// Gather a report; the charts are drawn from `cells` here.
    pub fn new(
        title: &str,
        note: String,
        cells: Vec<CellReport>,
        stories: Vec<&'a ViolationStory>,
        runs: Vec<&'a RunRecord>,
    ) -> Report<'a> {
        let plots = plots::all(&cells);
        Report { title: title.to_string(), note, cells, stories, runs, plots }
    }
}

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
