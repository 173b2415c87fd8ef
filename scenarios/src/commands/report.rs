//! `locksim report DIR...`: rebuild a report from saved report directories,
//! merging shards. The shards must come from the same comparison (equal
//! manifests); a seed present in two shards must have the same trace hash
//! (else exit 3: non-determinism). The merged report's numbers equal those
//! of one unsharded run over the same seeds.

use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::process::ExitCode;

use sim::record::RunRecord;

use crate::args::ReportArgs;
use crate::experiment::Experiment;
use crate::failure::Failure;
use crate::report_dir::{self, cell_of, cell_output, Manifest};

pub fn run(args: ReportArgs) -> Result<ExitCode, Failure> {
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
    report_dir::print_summary(&args.out, &report);
    Ok(ExitCode::SUCCESS)
}
