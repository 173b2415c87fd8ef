//! The shrunk case of a report's story: `compare` (and `report`) shrink each
//! violating cell's first violating seed and tell the smallest case found
//! beside the original.
//!
//! Promise: [`shrunk_case`] keeps the kind [`super::choose_kind`] picks (the
//! first corrupted effect, else the overlap), spends at most its budget of
//! runs (runs, not wall seconds: the same report comes out on every machine
//! and however loaded it is), writes nothing itself, and returns a case whose
//! file text was parsed back and replayed twice with identical hashes,
//! showing the kind ([`super::file::replayed`]); its story is told from that
//! replay.

use indicatif::ProgressBar;
use std::path::Path;
use std::time::Duration;

use reports::{CellReport, ShrunkCase, ViolationStory};

use super::{choose_kind, file, shrink, Budget};
use crate::experiment::{Experiment, SeedRun};
use crate::failure::Failure;
use crate::plan::one_line;

/// Shrink `original` (a violating seed of `experiment`'s `cell`, told as
/// `story`) within `runs` runs; `bar` counts them.
pub fn shrunk_case(
    experiment: &Experiment,
    original: &SeedRun,
    cell: &CellReport,
    story: &ViolationStory,
    runs: u64,
    bar: &ProgressBar,
) -> Result<ShrunkCase, Failure> {
    let kind = choose_kind(original, None)?;
    let budget = Budget { max_runs: runs, max_time: Duration::MAX, other_seeds: 0 };
    let shrunk = shrink(experiment, original, kind, budget, bar)?;
    let header = file::header("compare", &experiment.replay_command(original.seed), &shrunk);
    let text = file::text(&shrunk.spec, &header)?;
    let run = file::replayed(Path::new(&story.shrunk_path()), &text, shrunk.seed, kind)?;
    let violations: Vec<_> = run.verdict.overlaps.iter().chain(&run.verdict.corrupted).cloned().collect();
    let replay = format!("locksim replay --config {} --seed {}", story.shrunk_path(), shrunk.seed);
    let cell = CellReport { scenario: shrunk.spec.scenario.clone(), ..cell.clone() };
    let endings = experiment.workload.effects().kinds;
    let told = ViolationStory::from_history(&cell, shrunk.seed, &replay, run.history, &violations, endings);
    Ok(ShrunkCase {
        kind: kind.to_string(),
        file_text: text,
        seed: shrunk.seed,
        before: shrunk.before.to_string(),
        after: shrunk.after.to_string(),
        runs: shrunk.runs,
        budget_spent: shrunk.exhausted,
        plan: run.plan.faults.iter().map(one_line).collect(),
        story: told,
    })
}
