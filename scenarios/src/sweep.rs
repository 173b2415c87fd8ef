//! Sweeping an experiment over many seeds in parallel. Only flat records and
//! latencies are kept per seed (histories are dropped as soon as a seed is
//! judged), so memory stays flat however many seeds run.

use indicatif::ProgressBar;

use reports::LatencyProfile;
use sim::record::{RunRecord, Summary};
use sim::runner::{run_seeds, SeedPanic};

use crate::experiment::Experiment;

/// The results of one experiment over its seeds.
pub struct CellResult {
    pub records: Vec<RunRecord>,
    pub summary: Summary,
    /// Acquire latency quantiles over every acquisition of every seed.
    pub latency: LatencyProfile,
}

impl CellResult {
    /// Seeds with an exclusion overlap or a corrupted effect, in seed order.
    pub fn violating(&self) -> impl Iterator<Item = &RunRecord> {
        self.records.iter().filter(|r| r.overlaps > 0 || r.corrupted > 0)
    }

    /// The seed that best explains the cell's failures: the first with a
    /// corrupted effect, else the first with an overlap.
    pub fn first_violation(&self) -> Option<&RunRecord> {
        self.records.iter().find(|r| r.corrupted > 0).or_else(|| self.violating().next())
    }
}

pub fn sweep(experiment: &Experiment, seeds: &[u64], jobs: usize, bar: &ProgressBar) -> Result<CellResult, SeedPanic> {
    let outcomes = run_seeds(
        seeds,
        jobs,
        |seed| experiment.run(seed).map(|run| (experiment.record(&run), run.metrics.acquire_latencies_ns)),
        || bar.inc(1),
    );
    let mut records = Vec::with_capacity(outcomes.len());
    let mut latencies = Vec::new();
    for outcome in outcomes {
        let (record, seed_latencies) = outcome?;
        records.push(record);
        latencies.extend(seed_latencies);
    }
    let latency = LatencyProfile::from_latencies_ns(&latencies, &LatencyProfile::STANDARD);
    let summary = Summary::of(&records, latencies);
    Ok(CellResult { records, summary, latency })
}
