//! `locksim replay`: one seed, run twice on fresh threads. The two histories
//! must hash the same (else exit 3: non-determinism); the verdict and, with
//! `--trace`, the whole timeline are printed. Exit 1 on a corrupted effect.

use serde_json::json;
use std::process::ExitCode;

use sim::check::Violation;
use sim::deadlock::deadlocks;
use sim::history::History;

use crate::args::{Format, ReplayArgs};
use crate::experiment::SeedRun;
use crate::failure::Failure;

pub fn run(args: ReplayArgs) -> Result<ExitCode, Failure> {
    let experiment = args.experiment.experiment()?;
    if args.experiment.dry_run {
        println!("dry run: {} seed {} is valid; nothing ran", experiment.cell().join(" / "), args.seed);
        return Ok(ExitCode::SUCCESS);
    }
    let run = experiment.run(args.seed)?;
    let again = experiment.run(args.seed)?;
    if again.trace_hash != run.trace_hash {
        return Err(Failure::Internal(format!(
            "seed {} is not deterministic: trace {:016x} then {:016x}",
            args.seed, run.trace_hash, again.trace_hash
        )));
    }
    match args.format {
        Format::Json => {
            let out = json!({
                "algorithm": experiment.design.name(),
                "scenario": experiment.spec.scenario,
                "workload": experiment.workload.name(),
                "seed": run.seed,
                "trace_hash": format!("{:016x}", run.trace_hash),
                "overlaps": run.verdict.overlaps.len(),
                "corrupted": run.verdict.corrupted.len(),
                "violations": violations_json(&run),
                "deadlocks": deadlocks(&run.history)
                    .iter()
                    .map(|d| d.describe(&run.history))
                    .collect::<Vec<_>>(),
                "recovery_ms": run.metrics.recovery.map(|t| t.as_secs_f64() * 1e3),
                "figures": run.figures,
                "fault_plan": run.plan,
                "record": experiment.record(&run),
            });
            println!("{}", serde_json::to_string_pretty(&out).expect("serializable"));
        }
        Format::Table => print_table(&run, args.trace),
    }
    Ok(if run.verdict.corrupted.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn all_violations(run: &SeedRun) -> impl Iterator<Item = &Violation> {
    run.verdict.overlaps.iter().chain(&run.verdict.corrupted)
}

fn violations_json(run: &SeedRun) -> Vec<serde_json::Value> {
    let h = &run.history;
    all_violations(run)
        .map(|v| {
            json!({
                "kind": v.kind.name(),
                "at_s": v.at.as_secs_f64(),
                "clients": v.clients.iter().map(|c| h.node_name(*c)).collect::<Vec<_>>(),
                "events": v.events.iter().map(|&i| witness(h, i)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn witness(h: &History, i: usize) -> String {
    let e = &h.events[i];
    format!("{} {} {}", e.at, h.node_name(e.node), h.describe(&e.kind))
}

fn print_table(run: &SeedRun, trace: bool) {
    println!(
        "seed {}  trace_hash {:016x}  overlaps {}  corrupted {}  (replayed twice: identical)",
        run.seed,
        run.trace_hash,
        run.verdict.overlaps.len(),
        run.verdict.corrupted.len()
    );
    if run.plan.faults.is_empty() {
        println!("fault plan: none");
    } else {
        println!("fault plan:");
        for f in &run.plan.faults {
            let fault = serde_json::to_string(&f.fault).expect("serializable");
            match &f.when {
                Some(when) => {
                    let when = serde_json::to_string(when).expect("serializable");
                    println!("  at {:>10.3}s  when {when}  {fault}", f.at.as_secs_f64())
                }
                None => println!("  at {:>10.3}s  {fault}", f.at.as_secs_f64()),
            }
        }
    }
    let h = &run.history;
    for v in all_violations(run) {
        let clients: Vec<&str> = v.clients.iter().map(|c| h.node_name(*c)).collect();
        println!("{} at {}: {}", v.kind.name(), v.at, clients.join(", "));
        for &i in &v.events {
            println!("    {}", witness(h, i));
        }
    }
    for d in deadlocks(h) {
        println!("deadlock: {}", d.describe(h));
    }
    match (run.metrics.healed_at, run.metrics.recovery) {
        (Some(at), Some(after)) => println!("healed at {at}; recovered {after} later"),
        (Some(at), None) => println!("healed at {at}; NEVER RECOVERED (no progress in the liveness phase)"),
        _ => {}
    }
    for f in &run.figures {
        println!("{}: {}", f.name, f.value);
    }
    if trace {
        println!("history:");
        print!("{}", h.render_timeline());
    }
}
