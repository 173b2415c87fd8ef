//! A report directory: what `compare` writes and `report` rebuilds.
//!
//! It holds the data — `runs.csv` (one row per seed run) and `manifest.json`
//! (the settings of every cell, so the report can be rebuilt, merged with
//! other shards and resumed) — and every view of it that reports' sinks
//! render ([`reports::VIEWS`]: `plots/*.svg`, `timelines/*.svg` and
//! `histories/*.csv` for each cell's first violating seed, `report.md`,
//! `report.html`). This module gathers the results once ([`gather`]) and
//! writes whatever files the sinks return; it knows none of their formats.
//! Every file is written atomically; rows are kept in cell order, then seed
//! order, so the same runs give the same bytes however they were sharded.

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

use reports::runs_csv::RunsCsv;
use reports::{CellReport, File, RenderError, Report, Sink, ViolationStory};
use sim::record::RunRecord;
use sim::runner::SeedPanic;

use crate::args::Format;
use crate::experiment::{Experiment, ExperimentSpec};
use crate::failure::Failure;
use crate::out_dir;
use crate::shrink::story::shrunk_case;
use crate::sweep::CellResult;

pub const MANIFEST: &str = out_dir::MANIFEST;
pub const RUNS: &str = reports::runs_csv::PATH;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The locksim version that wrote the report.
    pub locksim: String,
    pub cells: Vec<ExperimentSpec>,
    /// The runs each cell's shrink may spend (`None`: `--no-shrink`), so
    /// `locksim report` rebuilds the same shrunk cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrink_runs: Option<u64>,
    /// FNV-1a of the cells' JSON: a hand edit of the settings shows, so a
    /// report is never rebuilt or resumed under settings its rows did not run.
    pub checksum: String,
}

impl Manifest {
    pub fn new(cells: Vec<ExperimentSpec>, shrink_runs: Option<u64>) -> Manifest {
        Manifest { locksim: env!("CARGO_PKG_VERSION").into(), checksum: checksum(&cells), cells, shrink_runs }
    }

    /// Every cell's names, in cell order (for [`cell_of`]).
    pub fn cell_names(&self) -> Vec<[String; 3]> {
        self.cells.iter().map(ExperimentSpec::cell_names).collect()
    }
}

fn checksum(cells: &[ExperimentSpec]) -> String {
    out_dir::checksum(cells)
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
    pub story: Option<ViolationStory>,
    /// Every seed asked for ran (an interrupted sweep leaves a cell partly run).
    pub complete: bool,
}

/// Summarize a cell's records and replay its first violating seed for the
/// story; with `shrink` (a budget of runs, and a bar counting them) the story
/// also tells the smallest case found ([`crate::shrink::story`]). A shrink
/// that fails is said on stderr and leaves the story without a shrunk case.
pub fn cell_output(
    experiment: &Experiment,
    records: Vec<RunRecord>,
    shrink: Option<(u64, &ProgressBar)>,
) -> Result<CellOutput, SeedPanic> {
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
            let story = ViolationStory::from_history(&report, seed, &replay, run.history.clone(), &violations, endings);
            Some(match shrink {
                None => story,
                Some((runs, bar)) => match shrunk_case(experiment, &run, &report, &story, runs, bar) {
                    Ok(case) => story.with_shrunk(case),
                    Err(e) => {
                        eprintln!("could not shrink {replay}: {e}");
                        story
                    }
                },
            })
        }
    };
    Ok(CellOutput { report, records: cell.records, story, complete: true })
}

/// Read a report directory's manifest and runs; errors are one line (bad input).
pub fn load(dir: &Path) -> Result<(Manifest, Vec<RunRecord>), String> {
    if crate::sweep_dir::is_sweep(dir) {
        return Err(format!("{} holds a locksim sweep, not a comparison", dir.display()));
    }
    let manifest_path = dir.join(MANIFEST);
    let manifest: Manifest = out_dir::read_manifest(dir, "locksim report")?;
    if manifest.checksum != checksum(&manifest.cells) {
        return Err(format!(
            "{} was edited by hand (its checksum does not match its cells); run `locksim compare` with the settings you want instead",
            manifest_path.display()
        ));
    }
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

/// Gather what every sink reads: the cells in order, their stories, and
/// every row; `pending` rows (of cells not summarized yet, as when a resumed
/// sweep is interrupted) are kept in `runs.csv`.
pub fn gather<'a>(manifest: &Manifest, cells: &'a [CellOutput], pending: &'a [RunRecord]) -> Report<'a> {
    Report::new(
        TITLE,
        note(manifest, cells),
        cells.iter().map(|c| c.report.clone()).collect(),
        cells.iter().filter_map(|c| c.story.as_ref()).collect(),
        cells.iter().flat_map(|c| &c.records).chain(pending).collect(),
    )
    .with_designs(designs(manifest))
}

/// The designs the manifest's cells ran, each once per set of parameters
/// (named as the table names them), in cell order, with what each is, for a
/// design whose server model is calibrated what the committed calibration
/// record says, and every parameter's value it ran with, defaults included:
/// a reader sees the whole configuration, not only what the user changed.
fn designs(manifest: &Manifest) -> Vec<(String, String)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for cell in &manifest.cells {
        if let Some(d) = algorithms::design(&cell.algorithm) {
            let [name, _, _] = cell.cell_names();
            if !seen.iter().any(|(seen, _)| *seen == name) {
                let calibrated = d.calibrated_by().and_then(reports::calibration::recorded_summary);
                let mut what = match calibrated {
                    Some(line) => format!("{} ({line})", d.summary()),
                    None => d.summary().to_string(),
                };
                // The user's values as the cell names parse them; a key given twice never became a cell.
                let given = algorithms::params::Params::parse(&cell.params).map(|p| p.pairs()).unwrap_or_default();
                let values: Vec<String> = d
                    .params()
                    .iter()
                    .map(|spec| {
                        let set = given.iter().find_map(|pair| pair.strip_prefix(&format!("{}=", spec.name)));
                        format!("{}={}", spec.name, set.map_or_else(|| spec.default_text(), String::from))
                    })
                    .collect();
                if !values.is_empty() {
                    what = format!("{what}. Parameters: {}.", values.join(", "));
                }
                seen.push((name, what));
            }
        }
    }
    seen
}

/// Write the whole directory: the data first — `runs.csv`, then
/// `manifest.json`, so a directory with a manifest always has its rows for
/// `--resume` and `report` — then every view of [`reports::VIEWS`].
pub fn write(out: &Path, manifest: &Manifest, report: &Report<'_>) -> Result<(), Failure> {
    std::fs::create_dir_all(out).map_err(|e| Failure::Internal(format!("cannot create {}: {e}", out.display())))?;
    let manifest = ManifestFile(manifest);
    let data: [&dyn Sink; 2] = [&RunsCsv, &manifest];
    for sink in data.into_iter().chain(reports::VIEWS.iter().copied()) {
        write_sink(out, sink, report)?;
    }
    Ok(())
}

/// Render one sink, then write its files into the subdirectories it owns.
fn write_sink(out: &Path, sink: &dyn Sink, report: &Report<'_>) -> Result<(), Failure> {
    let files = sink.render(report).map_err(|RenderError { path, cause }| {
        Failure::Internal(format!("cannot write {path} in {}: {cause}", out.display()))
    })?;
    let files = files.into_iter().map(|File { path, bytes }| (path, bytes)).collect();
    out_dir::write_files(out, sink.owns(), files).map_err(Failure::Internal)
}

/// `manifest.json`: the directory's own file (reports know no experiment settings).
struct ManifestFile<'a>(&'a Manifest);

impl Sink for ManifestFile<'_> {
    fn render(&self, _: &Report<'_>) -> Result<Vec<File>, RenderError> {
        let json = serde_json::to_string_pretty(self.0).expect("manifest serializes");
        Ok(vec![File::new(MANIFEST, json)])
    }
}

const TITLE: &str = "locksim comparison";

/// Print the comparison table and replay commands, and where the report is.
/// Print the compact summary ([`reports::terminal`]), as text or JSON.
pub fn print_summary(out: &Path, report: &Report<'_>, format: Format) {
    let dir = out.display().to_string();
    match format {
        Format::Table => print!("{}", reports::terminal::text(report, &dir)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&reports::terminal::json(report, &dir)).expect("a summary serializes")
        ),
    }
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
    let complete = cells.iter().filter(|c| c.complete).count();
    // A cell interrupted before its first seed ran nothing: it is not "partly run".
    let partly = match cells.iter().filter(|c| !c.complete && !c.records.is_empty()).count() {
        0 => String::new(),
        n => format!(", {n} partly run"),
    };
    let partial = if complete < manifest.cells.len() {
        format!(" Partial report: {complete} of {} cells done{partly}.", manifest.cells.len())
    } else {
        String::new()
    };
    format!("{seeds}, {shape}.{partial}")
}
