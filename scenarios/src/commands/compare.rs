//! `locksim compare`: the matrix designs x scenarios over the same seeds,
//! written as a report directory: `runs.csv` (one row per seed run),
//! `report.md`, `report.html` (self-contained), one SVG per plot, and for
//! each cell's first violating seed its timeline SVG and history CSV.
//!
//! Every experiment is validated before anything runs, so bad input writes
//! nothing. Every file is written atomically. Finding violations is its job:
//! it exits 0 when it completes.

use std::path::Path;
use std::process::ExitCode;

use reports::atomic::write_atomic;
use reports::{CellReport, ViolationStory};

use crate::cli::{spec, CompareArgs, Failure};
use crate::experiment::Experiment;
use crate::progress;
use crate::scenario::SCENARIOS;
use crate::sweep::sweep;

const DEFAULT_SEEDS: u64 = 200;

pub fn run(args: CompareArgs) -> Result<ExitCode, Failure> {
    let all_designs: Vec<&str> = algorithms::designs().iter().map(|d| d.name()).collect();
    let all_scenarios: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let designs = choose(&args.algorithms, &all_designs, "algorithm")?;
    let scenarios = choose(&args.scenarios, &all_scenarios, "scenario")?;
    let experiments = designs
        .iter()
        .flat_map(|d| scenarios.iter().map(move |s| (d, s)))
        .map(|(d, s)| Experiment::new(spec(d, s, &args.workload)))
        .collect::<Result<Vec<_>, _>>()?;
    let seeds = args.sweep.seeds(DEFAULT_SEEDS)?;
    let jobs = args.sweep.jobs();

    let mut cells = Vec::new();
    let mut stories = Vec::new();
    let mut records = Vec::new();
    let mut histories = Vec::new();
    for (i, experiment) in experiments.iter().enumerate() {
        let label = format!("[{}/{}] {}", i + 1, experiments.len(), experiment.cell().join(" / "));
        let bar = progress::bar(seeds.len() as u64, &label);
        let cell = sweep(experiment, &seeds, jobs, &bar)?;
        bar.finish_and_clear();
        let [algorithm, scenario, workload] = experiment.cell().map(String::from);
        let first = cell.first_violation().map(|r| r.seed);
        let report = CellReport {
            algorithm,
            scenario,
            workload,
            summary: cell.summary,
            first_violation: first.map(|seed| (seed, experiment.replay_command(seed))),
            latency: cell.latency,
        };
        if let Some(seed) = first {
            // Replay the seed to get its history back (sweeps keep only records).
            let run = experiment.run(seed)?;
            let violations: Vec<_> = run.verdict.overlaps.iter().chain(&run.verdict.corrupted).cloned().collect();
            let replay = experiment.replay_command(seed);
            stories.push(ViolationStory::from_history(&report, seed, &replay, &run.history, &violations));
            histories.push((format!("{}-seed{seed}", experiment.cell().join("-")), run.history));
        }
        cells.push(report);
        records.extend(cell.records);
    }

    let note = format!(
        "Seeds {}..={} for every cell, {} s of simulated time each, {} clients.",
        seeds[0],
        seeds[seeds.len() - 1],
        args.workload.duration,
        args.workload.clients
    );
    write_report(&args.out, &note, &records, &cells, &stories, &histories)?;
    print!("{}", reports::markdown::render("locksim comparison", &note, &cells));
    println!("\nreport written to {} (and report.html)", args.out.join("report.md").display());
    Ok(ExitCode::SUCCESS)
}

fn write_report(
    out: &Path,
    note: &str,
    records: &[sim::record::RunRecord],
    cells: &[CellReport],
    stories: &[ViolationStory],
    histories: &[(String, sim::history::History)],
) -> Result<(), Failure> {
    let io =
        |what: &str, e: std::io::Error| Failure::Internal(format!("cannot write {what} in {}: {e}", out.display()));
    for dir in ["plots", "timelines", "histories"] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| io(dir, e))?;
    }
    let csv = reports::runs_csv::to_csv(records).map_err(|e| Failure::Internal(e.to_string()))?;
    write_atomic(&out.join("runs.csv"), &csv).map_err(|e| io("runs.csv", e))?;
    for plot in reports::plots::all(cells) {
        let name = format!("plots/{}.svg", plot.file_stem);
        write_atomic(&out.join(&name), plot.svg.as_bytes()).map_err(|e| io(&name, e))?;
    }
    for (story, (stem, history)) in stories.iter().zip(histories) {
        let name = format!("timelines/{stem}.svg");
        write_atomic(&out.join(&name), story.timeline_svg.as_bytes()).map_err(|e| io(&name, e))?;
        let name = format!("histories/{stem}.csv");
        let csv = reports::history_csv::to_csv(history).map_err(|e| Failure::Internal(e.to_string()))?;
        write_atomic(&out.join(&name), &csv).map_err(|e| io(&name, e))?;
    }
    let md = reports::markdown::render("locksim comparison", note, cells);
    write_atomic(&out.join("report.md"), md.as_bytes()).map_err(|e| io("report.md", e))?;
    let html = reports::html::render("locksim comparison", note, cells, stories);
    write_atomic(&out.join("report.html"), html.as_bytes()).map_err(|e| io("report.html", e))
}

/// `all` or a comma-separated list of known names.
fn choose<'a>(given: &str, known: &[&'a str], what: &str) -> Result<Vec<&'a str>, String> {
    if given == "all" {
        return Ok(known.to_vec());
    }
    given
        .split(',')
        .map(|name| {
            known.iter().find(|k| **k == name.trim()).copied().ok_or_else(|| {
                format!("unknown {what} '{}' (known: {}; see `locksim list`)", name.trim(), known.join(", "))
            })
        })
        .collect()
}
