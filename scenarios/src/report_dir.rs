//! A report directory: what `compare` writes and `report` rebuilds.
//!
//! It holds `manifest.json` (the settings of every cell, so the report can be
//! rebuilt, merged with other shards and resumed), `runs.csv` (one row per
//! seed run), `report.md`, `report.html`, `plots/*.svg`, and for each cell's
//! first violating seed `timelines/*.svg` and `histories/*.csv`. Every file
//! is written atomically; rows are kept in cell order, then seed order, so
//! the same runs give the same bytes however they were sharded.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

use reports::atomic::write_atomic;
use reports::{CellReport, ViolationStory};
use sim::history::History;
use sim::record::RunRecord;
use sim::runner::SeedPanic;

use crate::cli::Failure;
use crate::experiment::{Experiment, ExperimentSpec};
use crate::sweep::CellResult;

pub const MANIFEST: &str = "manifest.json";
pub const RUNS: &str = "runs.csv";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The locksim version that wrote the report.
    pub locksim: String,
    pub cells: Vec<ExperimentSpec>,
}

impl Manifest {
    pub fn new(cells: Vec<ExperimentSpec>) -> Manifest {
        Manifest { locksim: env!("CARGO_PKG_VERSION").into(), cells }
    }

    /// Every cell's names, in cell order (for [`cell_of`]).
    pub fn cell_names(&self) -> Vec<[String; 3]> {
        self.cells.iter().map(ExperimentSpec::cell_names).collect()
    }
}

/// The index of the cell, among `names`, that `r` is a row of.
pub fn cell_of(names: &[[String; 3]], r: &RunRecord) -> Option<usize> {
    names.iter().position(|n| same_cell(n.each_ref().map(String::as_str), r))
}

/// One finished cell, ready to be written.
pub struct CellOutput {
    pub report: CellReport,
    pub records: Vec<RunRecord>,
    /// The first violating seed told as a story, with its history.
    pub story: Option<(ViolationStory, History)>,
}

/// Summarize a cell's records and replay its first violating seed for the story.
pub fn cell_output(experiment: &Experiment, records: Vec<RunRecord>) -> Result<CellOutput, SeedPanic> {
    let cell = CellResult::from_records(records);
    let first = cell.first_violation().map(|r| r.seed);
    let [algorithm, scenario, workload] = experiment.cell().map(String::from);
    let report = CellReport {
        algorithm,
        scenario,
        workload,
        summary: cell.summary,
        first_violation: first.map(|seed| (seed, experiment.replay_command(seed))),
        latency: cell.latency,
    };
    let story = match first {
        None => None,
        Some(seed) => {
            // Sweeps keep only records: replay the seed to get its history back.
            let run = experiment.run(seed)?;
            let violations: Vec<_> = run.verdict.overlaps.iter().chain(&run.verdict.corrupted).cloned().collect();
            let replay = experiment.replay_command(seed);
            let endings = experiment.workload.effects().kinds;
            let story = ViolationStory::from_history(&report, seed, &replay, &run.history, &violations, endings);
            Some((story, run.history))
        }
    };
    Ok(CellOutput { report, records: cell.records, story })
}

/// Read a report directory's manifest and runs; errors are one line (bad input).
pub fn load(dir: &Path) -> Result<(Manifest, Vec<RunRecord>), String> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        format!("cannot read {}: {e} (is {} a locksim report directory?)", manifest_path.display(), dir.display())
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{} is malformed: {e}", manifest_path.display()))?;
    let runs_path = dir.join(RUNS);
    let bytes = std::fs::read(&runs_path).map_err(|e| format!("cannot read {}: {e}", runs_path.display()))?;
    let records =
        reports::runs_csv::from_csv(&bytes).map_err(|e| format!("{} is malformed: {e}", runs_path.display()))?;
    let names = manifest.cell_names();
    for r in &records {
        r.latency_histogram().map_err(|e| format!("{}: seed {}: {e}", runs_path.display(), r.seed))?;
        if cell_of(&names, r).is_none() {
            return Err(format!(
                "{}: row for {} / {} / {} seed {} matches no cell of {MANIFEST}",
                runs_path.display(),
                r.algorithm,
                r.scenario,
                r.workload,
                r.seed
            ));
        }
    }
    Ok((manifest, records))
}

/// Whether `r` is a row of the cell named `cell` ([`ExperimentSpec::cell_names`]).
pub fn same_cell(cell: [&str; 3], r: &RunRecord) -> bool {
    cell == [r.algorithm.as_str(), r.scenario.as_str(), r.workload.as_str()]
}

/// Write the whole directory. `pending` rows (of cells not summarized yet, as
/// when a resumed sweep is interrupted) are kept in `runs.csv`.
pub fn write(out: &Path, manifest: &Manifest, cells: &[CellOutput], pending: &[RunRecord]) -> Result<(), Failure> {
    let io =
        |what: &str, e: std::io::Error| Failure::Internal(format!("cannot write {what} in {}: {e}", out.display()));
    for dir in ["plots", "timelines", "histories"] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| io(dir, e))?;
    }
    let rows: Vec<RunRecord> =
        cells.iter().flat_map(|c| c.records.iter().cloned()).chain(pending.iter().cloned()).collect();
    let csv = reports::runs_csv::to_csv(&rows).map_err(|e| Failure::Internal(e.to_string()))?;
    write_atomic(&out.join(RUNS), &csv).map_err(|e| io(RUNS, e))?;
    let json = serde_json::to_string_pretty(manifest).expect("manifest serializes");
    write_atomic(&out.join(MANIFEST), json.as_bytes()).map_err(|e| io(MANIFEST, e))?;

    let reports: Vec<CellReport> = cells.iter().map(|c| c.report.clone()).collect();
    let mut plots = Vec::new();
    for plot in reports::plots::all(&reports) {
        let name = format!("plots/{}.svg", plot.file_stem);
        write_atomic(&out.join(&name), plot.svg.as_bytes()).map_err(|e| io(&name, e))?;
        plots.push((plot.title.to_string(), name));
    }
    // A rerun into the same directory must not leave the last run's pictures behind.
    for dir in ["timelines", "histories"] {
        for entry in std::fs::read_dir(out.join(dir)).map_err(|e| io(dir, e))?.flatten() {
            std::fs::remove_file(entry.path()).map_err(|e| io(dir, e))?;
        }
    }
    let mut stories = Vec::new();
    for c in cells {
        let Some((story, history)) = &c.story else { continue };
        let r = &c.report;
        let stem = format!("{}-{}-{}-seed{}", r.algorithm, r.scenario, r.workload, story.seed)
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
        let name = format!("timelines/{stem}.svg");
        write_atomic(&out.join(&name), story.timeline_svg.as_bytes()).map_err(|e| io(&name, e))?;
        let name = format!("histories/{stem}.csv");
        let csv = reports::history_csv::to_csv(history).map_err(|e| Failure::Internal(e.to_string()))?;
        write_atomic(&out.join(&name), &csv).map_err(|e| io(&name, e))?;
        stories.push((story.clone(), format!("timelines/{stem}.svg")));
    }
    let note = note(manifest, cells);
    let md = reports::markdown::document(TITLE, &note, &reports, &plots, &stories);
    write_atomic(&out.join("report.md"), md.as_bytes()).map_err(|e| io("report.md", e))?;
    let stories: Vec<ViolationStory> = stories.into_iter().map(|(s, _)| s).collect();
    let html = reports::html::render(TITLE, &note, &reports, &stories);
    write_atomic(&out.join("report.html"), html.as_bytes()).map_err(|e| io("report.html", e))
}

const TITLE: &str = "locksim comparison";

/// Print the comparison table and replay commands, and where the report is.
pub fn print_summary(out: &Path, manifest: &Manifest, cells: &[CellOutput]) {
    let reports: Vec<CellReport> = cells.iter().map(|c| c.report.clone()).collect();
    print!("{}", reports::markdown::render(TITLE, &note(manifest, cells), &reports));
    println!("\nreport written to {} (report.md, report.html, runs.csv, plots/)", out.display());
}

/// The line under the title: which seeds, how long, how many clients.
pub fn note(manifest: &Manifest, cells: &[CellOutput]) -> String {
    let seed_sets: BTreeSet<Vec<u64>> = cells.iter().map(|c| c.records.iter().map(|r| r.seed).collect()).collect();
    let seeds = match seed_sets.iter().next() {
        Some(s) if seed_sets.len() == 1 && !s.is_empty() && s[s.len() - 1] - s[0] + 1 == s.len() as u64 => {
            format!("Seeds {}..={} for every cell", s[0], s[s.len() - 1])
        }
        _ => {
            let counts: BTreeSet<usize> = seed_sets.iter().map(Vec::len).collect();
            format!("{} seeds per cell", counts.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" to "))
        }
    };
    let shapes: BTreeSet<(u64, u32)> = manifest.cells.iter().map(|c| (c.duration_s, c.clients)).collect();
    let shape = match shapes.iter().next() {
        Some((duration, clients)) if shapes.len() == 1 => {
            format!("{duration} s of simulated time each, {clients} clients")
        }
        _ => format!("durations and client counts per cell as in {MANIFEST}"),
    };
    let partial = if cells.len() < manifest.cells.len() {
        format!(" Partial report: {} of {} cells done.", cells.len(), manifest.cells.len())
    } else {
        String::new()
    };
    format!("{seeds}, {shape}.{partial}")
}
