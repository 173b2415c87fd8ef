//! `locksim sweep`: one or two axes over a grid, N seeds per point, for one
//! or more designs on the same seeds; writes the sweep directory (`runs.csv`,
//! `points.csv`, `boundary.csv`, `report.md`, `manifest.json`) and prints
//! each design's safe-region boundary.
//!
//! Every point is validated before anything runs or is written. Results do
//! not depend on `--jobs`: runs go into slots by their index in one
//! canonical list (design, point, seed) and files are written from it.
//! Not yet here (issue 15's later steps): `--resume`, `locksim report`
//! merging sweep shards, the SVG maps and the HTML page. An interrupted
//! sweep writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;
use serde::{Deserialize, Serialize};

use reports::atomic::write_atomic;
use reports::sweep::boundary::boundary;
use reports::sweep::rows::{self, SweepRow};
use reports::sweep::{page, tables, AxisInfo, DesignMap, PointSummary, SweepReport};
use sim::runner::run_seeds_until;

use crate::args::{SweepArgs, WorkloadArgs};
use crate::failure::Failure;
use crate::grid::{AxisSpec, AxisValues, DesignEntry, Grid, SweepSpec, MAX_RUNS};
use crate::progress;

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
    /// Check the sweep and say how many runs it takes; run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `manifest.json` of a sweep directory.
#[derive(Serialize, Deserialize)]
struct SweepManifest {
    locksim: String,
    kind: String,
    sweep: SweepSpec,
}

const MANIFEST: &str = "manifest.json";
const KIND: &str = "sweep";

pub fn run(args: SweepCommandArgs) -> Result<ExitCode, Failure> {
    let spec = sweep_spec(&args).map_err(Failure::BadInput)?;
    // Bounded before the seed list is built: a file may ask for any count.
    let count = args.seeds.seeds.unwrap_or(spec.seeds);
    if count == 0 || count > MAX_RUNS {
        return Err(Failure::BadInput(format!("seeds = {count}: a sweep runs 1 to {MAX_RUNS} seeds per point")));
    }
    let seeds = args.seeds.seeds(count).map_err(Failure::BadInput)?;
    let grid = Grid::new(SweepSpec { seeds: seeds.len() as u64, ..spec }).map_err(Failure::BadInput)?;
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
    claim(&args.out).map_err(Failure::BadInput)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    eprintln!("sweep: {what}");
    let bar = progress::bar_of(total, "sweep", "runs");
    let per_design = (grid.points.len() * seeds.len()) as u64;
    let tasks: Vec<u64> = (0..total).collect();
    let results = run_seeds_until(
        &tasks,
        args.seeds.jobs(),
        &stop,
        |task| {
            let (d, rest) = ((task / per_design) as usize, task % per_design);
            let (p, s) = ((rest / seeds.len() as u64) as usize, seeds[(rest % seeds.len() as u64) as usize]);
            let experiment = &grid.experiments[d][p];
            experiment.run(s).map(|run| experiment.record(&run))
        },
        || bar.inc(1),
    );
    bar.finish_and_clear();
    if stop.load(Ordering::Relaxed) {
        eprintln!("interrupted: nothing written (a sweep is written when it ends)");
        return Ok(ExitCode::from(130));
    }
    let mut rows = Vec::with_capacity(results.len());
    for (task, result) in results.into_iter().enumerate() {
        let record = result.expect("not interrupted: every run ran").map_err(|e| Failure::Internal(e.to_string()))?;
        let (d, p) = (task / per_design as usize, (task % per_design as usize) / seeds.len());
        rows.push(SweepRow { design: grid.designs[d].clone(), point: p, coords: grid.points[p].clone(), record });
    }
    let report = gather(&grid, &rows, seeds.len());
    write(&args.out, &grid, &rows, &report)?;
    print_summary(&report, &args.out);
    Ok(ExitCode::SUCCESS)
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
    Ok(SweepSpec { title: String::new(), designs, seeds: 20, base, axis })
}

/// `out` is new, empty, or an earlier sweep's directory (rewritten).
fn claim(out: &Path) -> Result<(), String> {
    let shown = out.display();
    let manifest = out.join(MANIFEST);
    if manifest.exists() {
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("--out {shown}: {e}"))?;
        return match serde_json::from_str::<SweepManifest>(&text) {
            Ok(m) if m.kind == KIND => Ok(()),
            _ => Err(format!("--out {shown} holds another kind of locksim report; choose another --out")),
        };
    }
    if out.exists() {
        let entries = std::fs::read_dir(out).map_err(|e| format!("--out {shown}: {e}"))?;
        if entries.count() > 0 {
            return Err(format!(
                "--out {shown} is not empty and holds no locksim sweep; choose a new or empty directory"
            ));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {shown}: cannot create it: {e}"))
}

fn gather(grid: &Grid, rows: &[SweepRow], seeds: usize) -> SweepReport {
    let per_point = rows.chunks(seeds);
    let mut designs: Vec<DesignMap> =
        grid.designs.iter().map(|label| DesignMap { label: label.clone(), points: Vec::new() }).collect();
    for (i, chunk) in per_point.enumerate() {
        let (d, p) = (i / grid.points.len(), i % grid.points.len());
        let records: Vec<_> = chunk.iter().map(|r| r.record.clone()).collect();
        let experiment = &grid.experiments[d][p];
        designs[d].points.push(PointSummary::new(grid.points[p].clone(), &records, |s| experiment.replay_command(s)));
    }
    let b = &grid.spec.base;
    SweepReport {
        title: grid.spec.title.clone(),
        base: format!("`{}` under `{}`, {} s per seed, {} clients", b.workload, b.scenario, b.duration_s, b.clients),
        axes: grid
            .axes
            .iter()
            .map(|a| AxisInfo { name: a.name.clone(), values: a.values.clone(), log: a.log })
            .collect(),
        designs,
        seeds,
    }
}

fn write(out: &Path, grid: &Grid, rows: &[SweepRow], report: &SweepReport) -> Result<(), Failure> {
    let axes: Vec<String> = grid.axes.iter().map(|a| a.name.clone()).collect();
    let manifest =
        SweepManifest { locksim: env!("CARGO_PKG_VERSION").into(), kind: KIND.into(), sweep: grid.spec.clone() };
    let files: Vec<(&str, Vec<u8>)> = vec![
        (rows::PATH, rows::to_csv(&axes, rows).map_err(internal(rows::PATH))?),
        (tables::POINTS, tables::points_csv(report).map_err(internal(tables::POINTS))?),
        (tables::BOUNDARY, tables::boundary_csv(report).map_err(internal(tables::BOUNDARY))?),
        (page::PATH, page::markdown(report).into_bytes()),
        (MANIFEST, serde_json::to_vec_pretty(&manifest).expect("a manifest serializes")),
    ];
    for (name, bytes) in files {
        write_atomic(&out.join(name), &bytes)
            .map_err(|e| Failure::BadInput(format!("--out {}: cannot write {name}: {e}", out.display())))?;
    }
    Ok(())
}

/// The terminal's answer: per design, where it stayed safe.
fn print_summary(report: &SweepReport, out: &Path) {
    let along = report.axes.last().map_or("value", |a| a.name.as_str());
    for design in &report.designs {
        let rows: Vec<String> = boundary(&report.axes, &design.points)
            .iter()
            .map(|b| {
                let at = b.x.map(|x| format!("{}={x}: ", report.axes[0].name)).unwrap_or_default();
                match (b.safe_up_to, b.first_unsafe) {
                    (_, None) => format!("{at}safe everywhere"),
                    (None, Some(f)) => format!("{at}corrupts from {along}={f}"),
                    (Some(s), Some(f)) => format!("{at}safe to {along}={s}, corrupts at {f}"),
                }
            })
            .collect();
        println!("{:<40} {}", design.label, rows.join("; "));
    }
    println!("report: {}", out.join(page::PATH).display());
}

/// A file that cannot be rendered is locksim's bug.
fn internal<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure::Internal(format!("{what}: {e}"))
}
