//! `locksim list`: what can be run.

use std::process::ExitCode;

use crate::cli::Failure;
use crate::scenario::SCENARIOS;
use crate::workload::WORKLOADS;

pub fn run() -> Result<ExitCode, Failure> {
    println!("algorithms (-a):");
    for d in algorithms::designs() {
        println!("  {:<24} {}", d.name(), d.summary());
        for p in d.params() {
            println!("      --param {:<28} {}", format!("{}={}", p.name, p.default), p.help);
        }
    }
    println!("scenarios (-s):");
    for s in SCENARIOS {
        println!("  {:<24} {}", s.name, s.summary);
    }
    println!("workloads (-w):");
    for w in WORKLOADS {
        println!("  {:<24} {}", w.name, w.summary);
    }
    Ok(ExitCode::SUCCESS)
}
