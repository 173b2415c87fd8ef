//! `locksim compare`: the matrix designs x scenarios (x workloads) over the same seeds,
//! written as a report directory (see [`crate::report_dir`]).
//!
//! Every experiment is validated before anything runs, so bad input writes
//! nothing. The directory is rewritten after each cell, so an interrupted
//! sweep leaves every finished cell's rows and a valid partial report; Ctrl-C
//! stops starting new seeds, writes what finished (exit 130), and
//! `--resume` continues from the rows already in the directory. Finding
//! violations is its job: it exits 0 when it completes.

use indicatif::MultiProgress;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::args::{spec, CompareArgs, WorkloadArgs};
use crate::experiment::Experiment;
use crate::failure::Failure;
use crate::progress;
use crate::report_dir::{self, cell_output, same_cell, CellOutput, Manifest};
use crate::scenario::SCENARIOS;
use crate::sweep::sweep;
use crate::workload::{workload, WORKLOADS};
use sim::record::RunRecord;

const DEFAULT_SEEDS: u64 = 50;

pub fn run(args: CompareArgs) -> Result<ExitCode, Failure> {
    let all_designs: Vec<&str> = algorithms::designs().iter().map(|d| d.name()).collect();
    let all_scenarios: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let all_workloads: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
    let designs = choose(&args.algorithms, &all_designs, "algorithm")?;
    let scenarios = choose(&args.scenarios, &all_scenarios, "scenario")?;
    let workloads = choose(&args.workload.workload, &all_workloads, "workload")?;
    let experiments = if args.config.is_empty() {
        let mut cells = Vec::new();
        for w in &workloads {
            for d in &designs {
                // A design that cannot run a workload is left out of the matrix, and says why.
                if let Some(why) = workload(w)?.unsupported(algorithms::design(d).expect("chosen from the registry")) {
                    eprintln!("skipped: {why}");
                    continue;
                }
                for s in &scenarios {
                    cells.push(Experiment::new(spec(
                        d,
                        s,
                        &WorkloadArgs { workload: w.to_string(), ..args.workload.clone() },
                    ))?);
                }
            }
        }
        cells
    } else {
        args.config.iter().map(|path| crate::config::load(path)).collect::<Result<Vec<_>, _>>()?
    };
    // Rows find their cell by its names: two cells must not share them.
    let mut names = BTreeSet::new();
    if let Some(twice) = experiments.iter().map(|e| e.cell().join(" / ")).find(|n| !names.insert(n.clone())) {
        return Err(Failure::BadInput(format!(
            "two cells would both be named {twice}: cells are named by design (and its params), scenario and workload (and its settings); make one differ"
        )));
    }
    let seeds = args.sweep.seeds(DEFAULT_SEEDS)?;
    let jobs = args.sweep.jobs();
    if args.dry_run {
        println!("dry run: {} cells x {} seeds are valid; nothing ran or was written", experiments.len(), seeds.len());
        return Ok(ExitCode::SUCCESS);
    }
    let shrink_runs = (!args.no_shrink).then_some(args.shrink_runs);
    let manifest = Manifest::new(experiments.iter().map(|e| e.spec.clone()).collect(), shrink_runs);
    let mut prior = claim_out(&args.out, &manifest, &seeds, args.resume)?;

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // A second handler cannot be installed (e.g. in tests); the sweep then just cannot be interrupted.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));

    let todo_of = |e: &Experiment, prior: &[RunRecord]| -> Vec<u64> {
        let done: BTreeSet<u64> = prior.iter().filter(|r| same_cell(e.cell(), r)).map(|r| r.seed).collect();
        seeds.iter().copied().filter(|s| !done.contains(s)).collect()
    };
    // Two lines for the whole run, redrawn in place and cleared at the end:
    // every cell, and the cell at hand (its seeds, then its shrink). Bars are
    // never added or removed midway, which left stale lines behind.
    let bars = MultiProgress::new();
    let total: usize = experiments.iter().map(|e| todo_of(e, &prior).len()).sum();
    let overall = bars.add(progress::bar(total as u64, "all cells"));
    let current = bars.add(progress::reusable());
    let mut cells = Vec::new();
    for (i, experiment) in experiments.iter().enumerate() {
        let todo = todo_of(experiment, &prior);
        let label = format!("[{}/{}] {}", i + 1, experiments.len(), experiment.cell().join(" / "));
        progress::restart(&current, todo.len() as u64, &label, "seeds");
        let mut records = sweep(experiment, &todo, jobs, &stop, || {
            current.inc(1);
            overall.inc(1);
        })?;
        // An interrupted sweep leaves the cell with some of its seeds only.
        let complete = records.len() == todo.len();
        let (mine, others): (Vec<_>, Vec<_>) = prior.into_iter().partition(|r| same_cell(experiment.cell(), r));
        prior = others;
        records.extend(mine);
        progress::restart(&current, args.shrink_runs, &format!("{label}: shrinking"), "runs");
        let shrink = shrink_runs.filter(|_| !stop.load(Ordering::Relaxed)).map(|runs| (runs, &current));
        let output = cell_output(experiment, records, shrink)?;
        cells.push(CellOutput { complete, ..output });
        report_dir::write(&args.out, &manifest, &report_dir::gather(&manifest, &cells, &prior))?;
        if stop.load(Ordering::Relaxed) {
            current.finish_and_clear();
            overall.finish_and_clear();
            let rows: usize = cells.iter().map(|c| c.records.len()).sum::<usize>() + prior.len();
            eprintln!(
                "interrupted: {rows} seed runs saved in {}; run the same command with --resume to continue",
                args.out.display()
            );
            return Ok(ExitCode::from(130));
        }
    }
    current.finish_and_clear();
    overall.finish_and_clear();
    report_dir::print_summary(&args.out, &report_dir::gather(&manifest, &cells, &prior), args.format);
    Ok(ExitCode::SUCCESS)
}

/// Make `out` this comparison's directory, losing nothing: with `--resume`
/// the rows of the same comparison already there come back; without it, a
/// directory holding another comparison (other cells, or seeds this run
/// would drop) or other files is refused. Rerunning the same comparison
/// over the same or more seeds rewrites it: its runs are deterministic.
fn claim_out(out: &Path, manifest: &Manifest, seeds: &[u64], resume: bool) -> Result<Vec<RunRecord>, String> {
    let shown = out.display();
    if out.join(report_dir::MANIFEST).exists() {
        let (existing, records) = report_dir::load(out)?;
        if existing.cells != manifest.cells {
            let why = if resume { "--resume: " } else { "" };
            return Err(format!(
                "{why}{shown} holds a comparison with other settings; use the same options with --resume, or another --out"
            ));
        }
        if resume {
            return Ok(records);
        }
        if let Some(r) = records.iter().find(|r| !seeds.contains(&r.seed)) {
            return Err(format!(
                "{shown} holds seed {} of this comparison, which this run would drop; add --resume to keep it, or use another --out",
                r.seed
            ));
        }
        return Ok(Vec::new());
    }
    crate::out_dir::claim_empty(out, "locksim report")?;
    Ok(Vec::new())
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
