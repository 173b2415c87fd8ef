//! `locksim report DIR...`: rebuild a report from saved report directories,
//! merging shards: of one comparison, or of one sweep ([`merge_sweeps`]).
//! The shards must come from the same comparison or sweep (equal
//! manifests); a seed present in two shards must have the same trace hash
//! (else exit 3: non-determinism). The merged report equals that of one
//! unsharded run over the same seeds (for a sweep, byte for byte).

use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::process::ExitCode;

use sim::record::RunRecord;

use crate::args::ReportArgs;
use crate::experiment::Experiment;
use crate::failure::Failure;
use crate::grid::Grid;
use crate::report_dir::{self, cell_of, cell_output, Manifest};
use crate::sweep_dir::{self, Key};
use reports::sweep::rows::SweepRow;

pub fn run(args: ReportArgs) -> Result<ExitCode, Failure> {
    let sweeps: Vec<bool> = args.dirs.iter().map(|d| sweep_dir::is_sweep(d)).collect();
    if sweeps.contains(&true) {
        if let Some(i) = sweeps.iter().position(|s| !s) {
            return Err(Failure::BadInput(format!(
                "{} is not a sweep but {} is: `locksim report` merges shards of one sweep or of one comparison",
                args.dirs[i].display(),
                args.dirs[sweeps.iter().position(|s| *s).expect("one is")].display()
            )));
        }
        return merge_sweeps(&args);
    }
    let mut manifest: Option<Manifest> = None;
    // (cell index, seed) -> row, so rows come out in cell then seed order.
    let mut rows: BTreeMap<(usize, u64), RunRecord> = BTreeMap::new();
    for dir in &args.dirs {
        let (m, records) = report_dir::load(dir)?;
        let first = manifest.get_or_insert_with(|| m.clone());
        if *first != m {
            return Err(Failure::BadInput(format!(
                "{} holds a different comparison (other designs, scenarios, options or locksim version) than {}",
                dir.display(),
                args.dirs[0].display()
            )));
        }
        let names = first.cell_names();
        for r in records {
            let cell = cell_of(&names, &r).expect("load checked every row's cell");
            match rows.get(&(cell, r.seed)) {
                Some(seen) if seen.trace_hash != r.trace_hash => {
                    return Err(Failure::Internal(format!(
                        "{} / {} / {} seed {} has trace {} in one shard and {} in {}: not deterministic",
                        r.algorithm,
                        r.scenario,
                        r.workload,
                        r.seed,
                        seen.trace_hash,
                        r.trace_hash,
                        dir.display()
                    )));
                }
                Some(_) => {}
                None => {
                    rows.insert((cell, r.seed), r);
                }
            }
        }
    }
    let manifest = manifest.expect("clap requires at least one directory");
    let mut cells = Vec::new();
    for (i, spec) in manifest.cells.iter().enumerate() {
        let experiment = Experiment::new(spec.clone())?;
        let records: Vec<RunRecord> = rows.range((i, 0)..=(i, u64::MAX)).map(|(_, r)| r.clone()).collect();
        if !records.is_empty() {
            let bar = ProgressBar::hidden();
            cells.push(cell_output(&experiment, records, manifest.shrink_runs.map(|runs| (runs, &bar)))?);
        }
    }
    let report = report_dir::gather(&manifest, &cells, &[]);
    report_dir::write(&args.out, &manifest, &report)?;
    report_dir::print_summary(&args.out, &report, args.format);
    Ok(ExitCode::SUCCESS)
}

/// Merge shards of one sweep into `--out`: rows keyed by (design, point,
/// seed), the maps drawn once every point has the same seeds.
fn merge_sweeps(args: &ReportArgs) -> Result<ExitCode, Failure> {
    let manifest = sweep_dir::load_manifest(&args.dirs[0])?;
    let grid = Grid::new(manifest.sweep.clone(), 1)?;
    let mut rows: BTreeMap<Key, SweepRow> = BTreeMap::new();
    for dir in &args.dirs {
        if sweep_dir::load_manifest(dir)? != manifest {
            return Err(Failure::BadInput(format!(
                "{} holds a different sweep (other designs, axes, base or locksim version) than {}",
                dir.display(),
                args.dirs[0].display()
            )));
        }
        let shard = sweep_dir::load_rows(dir, &grid)?;
        for row in shard {
            let key = sweep_dir::key(&grid, &row).expect("load checked every row against the grid");
            match rows.get(&key) {
                Some(seen) if seen.record.trace_hash != row.record.trace_hash => {
                    return Err(Failure::Internal(format!(
                        "{} at point {} seed {} has trace {} in one shard and {} in {}: not deterministic",
                        row.design,
                        row.point,
                        key.2,
                        seen.record.trace_hash,
                        row.record.trace_hash,
                        dir.display()
                    )));
                }
                Some(_) => {}
                None => {
                    rows.insert(key, row);
                }
            }
        }
    }
    if !args.out.join(sweep_dir::MANIFEST).exists() {
        crate::out_dir::claim_empty(&args.out, "locksim sweep")?;
    } else if !sweep_dir::is_sweep(&args.out) {
        return Err(Failure::BadInput(format!(
            "--out {} holds another kind of locksim report; choose another --out",
            args.out.display()
        )));
    }
    let report = sweep_dir::gather(&grid, &rows);
    sweep_dir::write(&args.out, &grid, &manifest, &rows, report.as_ref()).map_err(Failure::Internal)?;
    match report {
        Some(report) => super::sweep::print_summary(&report, &args.out),
        None => eprintln!(
            "{}: the shards' points ran different seeds, so only the rows are written (no maps); finish them with `locksim sweep --resume`",
            args.out.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
