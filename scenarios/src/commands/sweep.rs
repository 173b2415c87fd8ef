//! `locksim sweep`: one or two axes over a grid, N seeds per point, for one
//! or more designs on the same seeds; writes the sweep directory
//! ([`crate::sweep_dir`]) and prints each design's safe-region boundary.
//!
//! Every point is validated before anything runs or is written. Results do
//! not depend on `--jobs`: every run is keyed by (design, point, seed) and
//! files are written in key order. Ctrl-C stops starting runs, saves the
//! rows that finished (exit 130), and `--resume` runs only what is missing.
//! Shards (`--seed-start/--seeds` slices of one sweep) merge with
//! `locksim report`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;

use reports::sweep::boundary::{boundary, BoundaryRow};
use reports::sweep::html;
use reports::sweep::rows::SweepRow;
use reports::sweep::SweepReport;
use sim::runner::run_seeds_until;

use crate::args::{SweepArgs, WorkloadArgs};
use crate::failure::Failure;
use crate::grid::{AxisSpec, AxisValues, DesignEntry, Grid, SweepSpec, DEFAULT_SEEDS, MAX_RUNS};
use crate::progress;
use crate::sweep_dir::{self, Key, SweepManifest};

#[derive(Args, Debug)]
pub struct SweepCommandArgs {
    /// A sweep file: designs, base experiment and axes (see scenarios/examples/sweeps/).
    #[arg(long, value_name = "SWEEP.toml")]
    pub config: Option<PathBuf>,
    /// Designs, comma-separated (instead of --config; --param applies to each).
    #[arg(short = 'a', long = "algorithm", conflicts_with = "config")]
    pub algorithms: Option<String>,
    /// The base scenario (instead of --config).
    #[arg(short = 's', long, conflicts_with = "config")]
    pub scenario: Option<String>,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// An axis, KEY=VALUES: `param.ttl_ms=1000,2000,5000`, `scenario.pause_ms=100..25600*2`,
    /// `workload.think_max_ms=5..50+5` (once or twice; keys: param.NAME[|OTHER], workload.NAME,
    /// scenario.NAME, faults[I].FIELD, or a knob such as clients).
    #[arg(long = "axis", value_name = "KEY=VALUES", conflicts_with = "config")]
    pub axes: Vec<String>,
    #[command(flatten)]
    pub seeds: SweepArgs,
    /// Output directory.
    #[arg(long, default_value = "locksim-sweep")]
    pub out: PathBuf,
    /// Continue an interrupted sweep in --out: runs already there are not run again.
    #[arg(long)]
    pub resume: bool,
    /// Check the sweep and say how many runs it takes; run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: SweepCommandArgs) -> Result<ExitCode, Failure> {
    let spec = sweep_spec(&args).map_err(Failure::BadInput)?;
    // Bounded before the seed list is built: a file may ask for any count.
    let count = args.seeds.seeds.or(spec.seeds).unwrap_or(DEFAULT_SEEDS);
    if count == 0 || count > MAX_RUNS {
        return Err(Failure::BadInput(format!("seeds = {count}: a sweep runs 1 to {MAX_RUNS} seeds per point")));
    }
    let seeds = args.seeds.seeds(count).map_err(Failure::BadInput)?;
    let grid = Grid::new(spec, seeds.len() as u64).map_err(Failure::BadInput)?;
    let total = grid.runs(seeds.len() as u64);
    let shape: Vec<String> = grid.axes.iter().map(|a| format!("{} ({} values)", a.name, a.values.len())).collect();
    let what = format!(
        "{} designs x {} points ({}) x {} seeds = {total} runs",
        grid.designs.len(),
        grid.points.len(),
        shape.join(" x "),
        seeds.len()
    );
    if args.dry_run {
        println!("sweep: {what}; nothing run (--dry-run)");
        return Ok(ExitCode::SUCCESS);
    }
    let manifest = SweepManifest::new(&grid.spec);
    let prior = sweep_dir::claim(&args.out, &grid, &manifest, &seeds, args.resume).map_err(Failure::BadInput)?;
    let mut rows: BTreeMap<Key, SweepRow> = BTreeMap::new();
    for row in prior {
        let key = sweep_dir::key(&grid, &row).expect("load checked every row against the grid");
        rows.insert(key, row);
    }
    // Every (design, point, seed) not already in the directory, in key order.
    let mut todo: Vec<Key> = Vec::new();
    for d in 0..grid.designs.len() {
        for p in 0..grid.points.len() {
            todo.extend(seeds.iter().map(|&s| (d, p, s)).filter(|key| !rows.contains_key(key)));
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    eprintln!(
        "sweep: {what}{}",
        if rows.is_empty() { String::new() } else { format!(" ({} already in --out)", rows.len()) }
    );
    let bar = progress::bar_of(todo.len() as u64, "sweep", "runs");
    let tasks: Vec<u64> = (0..todo.len() as u64).collect();
    let results = run_seeds_until(
        &tasks,
        args.seeds.jobs(),
        &stop,
        |task| {
            let (d, p, seed) = todo[task as usize];
            let experiment = &grid.experiments[d][p];
            experiment.run(seed).map(|run| experiment.record(&run))
        },
        || bar.inc(1),
    );
    bar.finish_and_clear();
    for (&(d, p, seed), result) in todo.iter().zip(results) {
        let Some(result) = result else { continue };
        let record = result?;
        debug_assert_eq!(record.seed, seed);
        rows.insert(
            (d, p, seed),
            SweepRow { design: grid.designs[d].clone(), point: p, coords: grid.points[p].clone(), record },
        );
    }
    let report = sweep_dir::gather(&grid, &rows);
    sweep_dir::write(&args.out, &grid, &manifest, &rows, report.as_ref()).map_err(Failure::Internal)?;
    match report {
        Some(report) if !stop.load(Ordering::Relaxed) => {
            print_summary(&report, &args.out);
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!(
                "interrupted: {} runs saved in {}; run the same command with --resume to finish (the maps are drawn when every point has run)",
                rows.len(),
                args.out.display()
            );
            Ok(ExitCode::from(130))
        }
    }
}

/// The sweep as the file or the flags give it.
fn sweep_spec(args: &SweepCommandArgs) -> Result<SweepSpec, String> {
    if let Some(path) = &args.config {
        return crate::config::load_sweep(path);
    }
    let (Some(designs), Some(scenario)) = (&args.algorithms, &args.scenario) else {
        return Err("give -a DESIGNS, -s SCENARIO and --axis KEY=VALUES, or --config SWEEP.toml".into());
    };
    let mut base = crate::args::spec("", scenario, &args.workload);
    let params = std::mem::take(&mut base.params);
    let designs = designs
        .split(',')
        .map(|d| DesignEntry::With { algorithm: d.trim().to_string(), params: params.clone() })
        .collect();
    let axis = args
        .axes
        .iter()
        .map(|a| {
            let (key, values) = a
                .split_once('=')
                .ok_or_else(|| format!("--axis '{}' is not KEY=VALUES (e.g. --axis param.ttl_ms=1000,2000)", a))?;
            Ok(AxisSpec { key: key.trim().into(), name: None, values: AxisValues::Text(values.into()) })
        })
        .collect::<Result<_, String>>()?;
    Ok(SweepSpec { title: String::new(), designs, seeds: None, base, axis })
}

/// The terminal's answer: per design, where it stayed safe.
/// The terminal's answer, one aligned line per design: per value of the
/// first axis, the largest value of the last with no corrupted seed (and,
/// in brackets, the first that corrupted), so 160 columns hold it.
pub(super) fn print_summary(report: &SweepReport, out: &Path) {
    let along = report.axes.last().map_or("value", |a| a.name.as_str());
    let cell = |b: &BoundaryRow| match (b.safe_up_to, b.first_unsafe) {
        (_, None) => "all".to_string(),
        (None, Some(f)) => format!("none ({f})"),
        (Some(s), Some(f)) => format!("{s} ({f})"),
    };
    let mut rows: Vec<Vec<String>> = vec![match &report.axes[..] {
        [x, _] => {
            std::iter::once("design".to_string()).chain(x.values.iter().map(|v| format!("{}={v}", x.name))).collect()
        }
        _ => vec!["design".into(), along.into()],
    }];
    for design in &report.designs {
        rows.push(
            std::iter::once(design.label.clone())
                .chain(boundary(&report.axes, &design.points).iter().map(cell))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0))
        .collect();
    println!(
        "largest {along} with no corrupted seed (in brackets: the first that corrupted; all: clean everywhere swept)"
    );
    for row in &rows {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", line.join("  ").trim_end());
    }
    println!("report: {} (and report.md, points.csv, boundary.csv, plots/)", out.join(html::PATH).display());
}
