//! `locksim compare`: the matrix designs x scenarios over the same seeds,
//! written as a report directory (runs.csv, report.md). Every experiment is
//! validated before anything runs, so bad input writes nothing. Finding
//! violations is its job: it exits 0 when it completes.

use std::process::ExitCode;

use reports::atomic::write_atomic;
use reports::CellReport;

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
    let mut records = Vec::new();
    for (i, experiment) in experiments.iter().enumerate() {
        let label = format!("[{}/{}] {}", i + 1, experiments.len(), experiment.cell().join(" / "));
        let bar = progress::bar(seeds.len() as u64, &label);
        let cell = sweep(experiment, &seeds, jobs, &bar)?;
        bar.finish_and_clear();
        let [algorithm, scenario, workload] = experiment.cell().map(String::from);
        let first_violation = cell.first_violation().map(|r| (r.seed, experiment.replay_command(r.seed)));
        cells.push(CellReport { algorithm, scenario, workload, summary: cell.summary, first_violation });
        records.extend(cell.records);
    }

    let io = |what: &str, e: std::io::Error| {
        Failure::Internal(format!("cannot write {what} in {}: {e}", args.out.display()))
    };
    std::fs::create_dir_all(&args.out).map_err(|e| io("the report directory", e))?;
    let csv = reports::runs_csv::to_csv(&records).map_err(|e| Failure::Internal(e.to_string()))?;
    write_atomic(&args.out.join("runs.csv"), &csv).map_err(|e| io("runs.csv", e))?;
    let note = format!(
        "Seeds {}..={} for every cell, {} s of simulated time each, {} clients.",
        seeds[0],
        seeds[seeds.len() - 1],
        args.workload.duration,
        args.workload.clients
    );
    let md = reports::markdown::render("locksim comparison", &note, &cells);
    write_atomic(&args.out.join("report.md"), md.as_bytes()).map_err(|e| io("report.md", e))?;
    print!("{md}");
    println!("\nreport written to {}", args.out.join("report.md").display());
    Ok(ExitCode::SUCCESS)
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
