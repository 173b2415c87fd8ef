//! The command line: raw flags are parsed (clap), then validated into fully
//! built experiments before anything runs or is written.
//!
//! Exit codes (docs/ARCHITECTURE.md, "The command line"): 0 no corrupted effect; 1 a corrupted effect was
//! found (`run`, `replay`); 2 bad input, with one line on stderr; 3 an
//! internal error or non-determinism.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use crate::args::{BenchArgs, CompareArgs, ReplayArgs, ReportArgs, RunArgs, ShrinkArgs};
use crate::commands;
use crate::failure::Failure;

#[derive(Parser, Debug)]
#[command(name = "locksim", version, about = "Deterministic simulation testbed for distributed locking designs")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List algorithms, scenarios and workloads.
    List,
    /// Run many seeds of one algorithm under one scenario.
    Run(RunArgs),
    /// Replay one seed exactly (and check that it replays identically).
    Replay(ReplayArgs),
    /// Reduce a failing seed to a smaller case that fails the same way, written as a scenario file.
    Shrink(ShrinkArgs),
    /// Run the matrix of algorithms x scenarios and write a report.
    Compare(CompareArgs),
    /// Sweep one or two settings over a grid, for one or more designs on the same seeds; write safe-region maps.
    Sweep(crate::commands::sweep::SweepCommandArgs),
    /// Rebuild a report from saved report directories, merging shards.
    Report(ReportArgs),
    /// Measure simulation speed on one core against a bare madsim RPC loop.
    Bench(BenchArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(e),
    };
    let result = match cli.command {
        Command::List => commands::list::run(),
        Command::Run(args) => commands::run::run(args),
        Command::Replay(args) => commands::replay::run(args),
        Command::Shrink(args) => commands::shrink::run(args),
        Command::Compare(args) => commands::compare::run(args),
        Command::Sweep(args) => commands::sweep::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Bench(args) => commands::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::BadInput(msg)) => {
            eprintln!("{}", one_line(&format!("error: {msg}")));
            ExitCode::from(2)
        }
        Err(Failure::Internal(msg)) => {
            eprintln!("{}", one_line(&format!("internal error: {msg}")));
            ExitCode::from(3)
        }
    }
}

/// Help and version go to stdout as usual; every parse error becomes one line.
fn parse_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{}", one_line(&format!("{} (see `locksim --help`)", first_paragraph(&e.to_string()))));
            ExitCode::from(2)
        }
    }
}

/// clap's message up to its first blank line, folded onto one line.
fn first_paragraph(rendered: &str) -> String {
    rendered.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect::<Vec<_>>().join(" ")
}

/// The longest error line, in bytes: an error quoting a huge input stays readable.
const MAX_ERROR_LINE: usize = 300;

/// `message` on one line of at most [`MAX_ERROR_LINE`] bytes.
fn one_line(message: &str) -> String {
    let flat = message.replace(['\n', '\r'], " ");
    if flat.len() <= MAX_ERROR_LINE {
        return flat;
    }
    let mut cut = MAX_ERROR_LINE - 3;
    while !flat.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &flat[..cut])
}
