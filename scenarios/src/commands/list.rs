//! `locksim list`: what can be run.

use std::process::ExitCode;

use crate::experiment::PatternName;
use crate::failure::Failure;
use crate::scenario::SCENARIOS;
use crate::workload::WORKLOADS;

pub fn run() -> Result<ExitCode, Failure> {
    println!("algorithms (-a):");
    for d in algorithms::designs() {
        println!("  {:<24} {}", d.name(), d.summary());
        for p in d.params() {
            println!("      --param {:<28} {}{}", format!("{}={}", p.name, p.default_text()), p.help, p.range_text());
        }
    }
    println!("scenarios (-s):");
    for s in SCENARIOS {
        println!("  {:<24} {}", s.name, s.summary);
        if !s.reproduces.is_empty() {
            println!("      reproduces: {}", s.reproduces);
        }
        for p in s.params {
            println!(
                "      --scenario-param {:<19} {}{}",
                format!("{}={}", p.name, p.default_text()),
                p.help,
                p.range_text()
            );
        }
    }
    println!("workloads (-w):");
    for w in WORKLOADS {
        println!("  {:<24} {}", w.name, w.summary);
        println!("      pattern: {}", w.natural_pattern);
        for p in w.params {
            println!(
                "      --workload-param {:<19} {}{}",
                format!("{}={}", p.name, p.default_text()),
                p.help,
                p.range_text()
            );
        }
        let cannot: Vec<&str> =
            algorithms::designs().iter().filter(|d| w.unsupported(**d).is_some()).map(|d| d.name()).collect();
        if let (false, Some(why)) = (cannot.is_empty(), w.needs_a_lock) {
            println!("      not for {}: {why}", cannot.join(", "));
        }
    }
    println!("patterns (--pattern, for lock-based designs; --reentrant adds nested acquisitions):");
    for pattern in PatternName::ALL {
        println!("  {:<24} {}", pattern.name(), pattern.summary());
    }
    Ok(ExitCode::SUCCESS)
}
