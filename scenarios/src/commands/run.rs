//! `locksim run`: many seeds of one experiment, summarized; exit 1 when any
//! seed shows a corrupted effect.

use serde_json::json;
use std::process::ExitCode;

use crate::args::{Format, RunArgs};
use crate::experiment::Experiment;
use crate::failure::Failure;
use crate::progress;
use crate::sweep::{sweep, CellResult};

const DEFAULT_SEEDS: u64 = 100;
/// Violating seeds listed in the table output.
const SHOWN: usize = 10;

pub fn run(args: RunArgs) -> Result<ExitCode, Failure> {
    let experiment = args.experiment.experiment()?;
    let seeds = args.sweep.seeds(DEFAULT_SEEDS)?;
    if args.experiment.dry_run {
        println!("dry run: {} over {} seeds is valid; nothing ran", experiment.cell().join(" / "), seeds.len());
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress::bar(seeds.len() as u64, &experiment.cell().join(" / "));
    let never = std::sync::atomic::AtomicBool::new(false);
    let cell = CellResult::from_records(sweep(&experiment, &seeds, args.sweep.jobs(), &never, || bar.inc(1))?);
    bar.finish_and_clear();
    match args.format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(&to_json(&experiment, &cell)).expect("serializable"))
        }
        Format::Table => print_table(&experiment, &seeds, &cell),
    }
    Ok(if cell.summary.unsafe_seeds > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn to_json(experiment: &Experiment, cell: &CellResult) -> serde_json::Value {
    let [algorithm, scenario, workload] = experiment.cell();
    json!({
        "algorithm": algorithm,
        "scenario": scenario,
        "workload": workload,
        "seeds": cell.summary.seeds,
        "overlap_seeds": cell.summary.overlap_seeds,
        "unsafe_seeds": cell.summary.unsafe_seeds,
        "summary": cell.summary,
        "runs": cell.records,
        "replay": cell.violating().map(|r| experiment.replay_command(r.seed)).collect::<Vec<_>>(),
    })
}

fn print_table(experiment: &Experiment, seeds: &[u64], cell: &CellResult) {
    let s = &cell.summary;
    let pct = |n: usize| 100.0 * n as f64 / s.seeds.max(1) as f64;
    let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1} ms"));
    println!(
        "{} — seeds {}..={} ({}), {} s simulated each, {} clients",
        experiment.cell().join(" / "),
        seeds[0],
        seeds[seeds.len() - 1],
        s.seeds,
        experiment.duration.as_secs(),
        experiment.spec.clients
    );
    println!("  seeds with exclusion overlaps   {:>6} / {} ({:.1}%)", s.overlap_seeds, s.seeds, pct(s.overlap_seeds));
    println!("  seeds with corrupted effects    {:>6} / {} ({:.1}%)", s.unsafe_seeds, s.seeds, pct(s.unsafe_seeds));
    println!("  acquisitions                    {:>6}  ({:.1} per simulated second)", s.acquired, s.throughput);
    println!("  acquire latency p50 / p99       {} / {}", ms(s.acquire_p50_ms), ms(s.acquire_p99_ms));
    let per = |v: Option<f64>| v.map_or("-".to_string(), |m| format!("{m:.1}"));
    println!("  messages per acquisition        {}", per(s.messages_per_acquisition));
    println!("  server writes per acquisition   {}", per(s.server_writes_per_acquisition));
    println!("  writes rejected by the resource {:>6}", s.writes_rejected);
    if experiment.design.is_lock() {
        println!(
            "  acquire attempts / give-ups     {:>6} / {} (mean wait per attempt {})",
            s.attempts,
            s.give_ups,
            ms(s.wait_per_attempt_ms)
        );
    }
    println!(
        "  recovery after healing p50/max  {} / {}; never recovered: {} seed(s)",
        ms(s.recovery_p50_ms),
        ms(s.recovery_max_ms),
        s.never_recovered
    );
    for f in &s.figures {
        println!("  {:<31} {:.2} (mean per seed)", f.name, f.value);
    }
    let violating: Vec<_> = cell.violating().collect();
    if !violating.is_empty() {
        println!("violating seeds ({} in all, first {} shown):", violating.len(), violating.len().min(SHOWN));
        for r in violating.iter().take(SHOWN) {
            println!(
                "  seed {:<6} trace {}  overlaps {:<4} corrupted {:<3} faults: {}",
                r.seed, r.trace_hash, r.overlaps, r.corrupted, r.faults
            );
            println!("      {}", experiment.replay_command(r.seed));
        }
    }
}
