//! `locksim shrink`: a failing seed reduced to a smaller case that fails with
//! the same kind of violation (the search: [`crate::shrink`]), written as a
//! scenario file with an exact plan, checked by replaying it twice from its
//! text before it is written. Prints the replay command and a before/after
//! line; `--format json` gives the same as one object. Exit 0 when the file is
//! written; 2 for bad input (a seed that does not fail, a kind it does not
//! show), nothing written; 3 when the shrunk file does not replay the same.

use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::args::{Format, ShrinkArgs};
use crate::failure::Failure;
use crate::progress;
use crate::shrink::{self, file, Budget};

pub fn run(args: ShrinkArgs) -> Result<ExitCode, Failure> {
    let experiment = args.experiment.experiment()?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(file::default_name(experiment.design.name(), &experiment.spec.scenario, args.seed))
    });
    if args.experiment.dry_run {
        println!("dry run: {} seed {} is valid; nothing ran", experiment.cell().join(" / "), args.seed);
        return Ok(ExitCode::SUCCESS);
    }
    let original = experiment.run(args.seed)?;
    let kind = shrink::choose_kind(&original, args.kind)?;
    let budget = Budget {
        max_runs: args.max_runs,
        max_time: Duration::from_secs(args.max_seconds),
        other_seeds: args.other_seeds,
    };
    let bar = progress::bar_of(args.max_runs, &format!("shrink {}", experiment.cell().join(" / ")), "runs");
    let shrunk = shrink::shrink(&experiment, &original, kind, budget, &bar)?;
    bar.finish_and_clear();
    let original_replay = experiment.replay_command(args.seed);
    let header = file::header("shrink", &original_replay, &shrunk);
    let text = file::text(&shrunk.spec, &header)?;
    let trace_hash = file::check(&out, &text, shrunk.seed, kind)?;
    reports::atomic::write_atomic(&out, text.as_bytes())
        .map_err(|e| Failure::BadInput(format!("cannot write {}: {e} (pick another --out)", out.display())))?;
    let replay = format!("locksim replay --config {} --seed {}", out.display(), shrunk.seed);
    match args.format {
        Format::Json => {
            let value = json!({
                "kind": kind,
                "file": out.display().to_string(),
                "replay": replay,
                "original_replay": original_replay,
                "seed": shrunk.seed,
                "trace_hash": format!("{trace_hash:016x}"),
                "before": shrunk.before,
                "after": shrunk.after,
                "runs": shrunk.runs,
                "wall_s": shrunk.wall.as_secs_f64(),
                "budget_spent": shrunk.exhausted,
            });
            println!("{}", serde_json::to_string_pretty(&value).expect("serializable"));
        }
        Format::Table => {
            println!("wrote {} ({kind})", out.display());
            println!("replay: {replay}");
            println!(
                "before: {}  ->  after: {}  ({} runs, {:.1}s wall{})",
                shrunk.before,
                shrunk.after,
                shrunk.runs,
                shrunk.wall.as_secs_f64(),
                if shrunk.exhausted { "; budget spent, smaller may exist" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
