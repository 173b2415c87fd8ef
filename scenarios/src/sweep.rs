//! Sweeping an experiment over many seeds in parallel. Only flat records are
//! kept per seed (histories are dropped as soon as a seed is judged), so
//! memory stays flat however many seeds run.

use std::sync::atomic::AtomicBool;

use reports::LatencyProfile;
use sim::record::{merged_latencies, RunRecord, Summary};
use sim::runner::{run_seeds_until, SeedPanic};

use crate::experiment::Experiment;

/// The results of one experiment over its seeds.
pub struct CellResult {
    /// In seed order.
    pub records: Vec<RunRecord>,
    pub summary: Summary,
    /// Acquire latency quantiles over every acquisition of every seed.
    pub latency: LatencyProfile,
}

impl CellResult {
    pub fn from_records(mut records: Vec<RunRecord>) -> CellResult {
        records.sort_by_key(|r| r.seed);
        let latency = LatencyProfile::from_histogram(&merged_latencies(&records), &LatencyProfile::STANDARD);
        CellResult { summary: Summary::of(&records), records, latency }
    }

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

/// Run `seeds` of `experiment` on `jobs` threads; `done` after each seed.
/// Once `stop` is set no new seed starts: the records of the seeds that ran
/// come back, in seed order.
pub fn sweep(
    experiment: &Experiment,
    seeds: &[u64],
    jobs: usize,
    stop: &AtomicBool,
    done: impl Fn() + Sync,
) -> Result<Vec<RunRecord>, SeedPanic> {
    run_seeds_until(seeds, jobs, stop, |seed| experiment.run(seed).map(|run| experiment.record(&run)), done)
        .into_iter()
        .flatten()
        .collect()
}
