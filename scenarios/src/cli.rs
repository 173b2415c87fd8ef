//! The command line: raw flags are parsed (clap), then validated into fully
//! built experiments before anything runs or is written.
//!
//! Exit codes (DESIGN.md): 0 no corrupted effect; 1 a corrupted effect was
//! found (`run`, `replay`); 2 bad input, with one line on stderr; 3 an
//! internal error or non-determinism.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

use crate::commands;
use crate::experiment::{Experiment, ExperimentSpec, DEFAULT_DURATION_S, DEFAULT_LIVENESS_S, DEFAULT_TIMEOUT_MS};

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
    /// Run the matrix of algorithms x scenarios and write a report.
    Compare(CompareArgs),
    /// Rebuild a report from saved report directories, merging shards.
    Report(ReportArgs),
    /// Measure simulation speed on one core against a bare madsim RPC loop.
    Bench(BenchArgs),
}

/// Workload options; a scenario file (`--config`) sets them instead.
#[derive(Args, Debug, Clone)]
pub struct WorkloadArgs {
    /// Workload (see `locksim list`); for `compare`, `all` or a comma-separated list.
    #[arg(short = 'w', long, default_value = "inventory", conflicts_with = "config")]
    pub workload: String,
    /// Acquire pattern: try, timeout or blocking [default: the workload's own].
    #[arg(long, value_parser = ["try", "timeout", "blocking"], conflicts_with = "config")]
    pub pattern: Option<String>,
    /// The timeout pattern's bound on one acquire, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS, value_parser = positive_u64, allow_hyphen_values = true, conflicts_with = "config")]
    pub timeout_ms: u64,
    /// Clients re-enter the lock they hold (released when releases match acquisitions).
    #[arg(long, conflicts_with = "config")]
    pub reentrant: bool,
    /// A workload parameter, e.g. --workload-param permits=3 (repeatable; see `locksim list`).
    #[arg(long = "workload-param", value_name = "KEY=VALUE", conflicts_with = "config")]
    pub workload_params: Vec<String>,
    /// After the fault phase every fault is healed; simulated seconds allowed to make progress again.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_LIVENESS_S, value_parser = positive_u64, allow_hyphen_values = true, conflicts_with = "config")]
    pub liveness: u64,
    /// Number of client nodes.
    #[arg(long, default_value_t = 5, value_parser = positive_u32, allow_hyphen_values = true, conflicts_with = "config")]
    pub clients: u32,
    /// Units of stock the inventory starts with.
    #[arg(long, default_value_t = 100_000, value_parser = positive_i64, allow_hyphen_values = true, conflicts_with = "config")]
    pub stock: i64,
    /// Simulated seconds per seed.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_DURATION_S, value_parser = positive_u64, allow_hyphen_values = true, conflicts_with = "config")]
    pub duration: u64,
    /// A design parameter, e.g. --param ttl_ms=5000 (repeatable; see `locksim list`).
    #[arg(long = "param", value_name = "KEY=VALUE", conflicts_with = "config")]
    pub params: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ExperimentArgs {
    /// Locking design (see `locksim list`).
    #[arg(short = 'a', long = "algorithm", required_unless_present = "config")]
    pub algorithm: Option<String>,
    /// Fault scenario (see `locksim list`).
    #[arg(short = 's', long, required_unless_present = "config")]
    pub scenario: Option<String>,
    /// A scenario file that sets everything instead (see scenarios/examples/).
    #[arg(long, value_name = "FILE.toml", conflicts_with_all = ["algorithm", "scenario"])]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub workload: WorkloadArgs,
}

impl ExperimentArgs {
    pub fn experiment(&self) -> Result<Experiment, String> {
        match (&self.config, &self.algorithm, &self.scenario) {
            (Some(path), _, _) => Experiment::new(crate::config::load(path)?),
            (None, Some(a), Some(s)) => Experiment::new(spec(a, s, &self.workload)),
            _ => Err("give -a ALGORITHM and -s SCENARIO, or --config FILE.toml".into()),
        }
    }
}

pub fn spec(algorithm: &str, scenario: &str, w: &WorkloadArgs) -> ExperimentSpec {
    ExperimentSpec {
        algorithm: algorithm.into(),
        scenario: scenario.into(),
        workload: w.workload.clone(),
        clients: w.clients,
        stock: w.stock,
        duration_s: w.duration,
        params: w.params.clone(),
        pattern: w.pattern.clone(),
        timeout_ms: w.timeout_ms,
        reentrant: w.reentrant,
        workload_params: w.workload_params.clone(),
        liveness_s: w.liveness,
        ..ExperimentSpec::default()
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// Number of seeds [default: 100 for run, 50 per cell for compare].
    #[arg(long, value_parser = positive_u64, allow_hyphen_values = true)]
    pub seeds: Option<u64>,
    /// First seed.
    #[arg(long, default_value_t = 0, value_parser = whole_u64, allow_hyphen_values = true)]
    pub seed_start: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = positive_u64, allow_hyphen_values = true)]
    pub jobs: Option<u64>,
}

impl SweepArgs {
    /// The seeds to run, `default_count` of them unless `--seeds` says otherwise.
    pub fn seeds(&self, default_count: u64) -> Result<Vec<u64>, String> {
        let count = self.seeds.unwrap_or(default_count);
        let end = self.seed_start.checked_add(count).ok_or("--seed-start + --seeds is past the largest seed")?;
        Ok((self.seed_start..end).collect())
    }

    pub fn jobs(&self) -> usize {
        self.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize)
    }
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    #[command(flatten)]
    pub sweep: SweepArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// The seed to replay.
    #[arg(long, value_parser = whole_u64, allow_hyphen_values = true)]
    pub seed: u64,
    /// Print the whole history as a timeline (table format).
    #[arg(long)]
    pub trace: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Designs: `all` or a comma-separated list.
    #[arg(short = 'a', long = "algorithm", default_value = "all", conflicts_with = "config")]
    pub algorithms: String,
    /// Scenarios: `all` or a comma-separated list.
    #[arg(short = 's', long = "scenario", default_value = "all", conflicts_with = "config")]
    pub scenarios: String,
    /// Scenario files, one cell each, instead of -a/-s (repeatable; see scenarios/examples/).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    #[command(flatten)]
    pub sweep: SweepArgs,
    /// Report directory.
    #[arg(long, default_value = "locksim-report")]
    pub out: std::path::PathBuf,
    /// Continue an interrupted comparison in --out: seeds already there are not run again.
    #[arg(long)]
    pub resume: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report directories written by `compare` (shards of one comparison).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<std::path::PathBuf>,
    /// Where to write the merged report (may be one of the inputs).
    #[arg(long, default_value = "locksim-report")]
    pub out: std::path::PathBuf,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Seeds per design.
    #[arg(long, default_value_t = 10, value_parser = positive_u64, allow_hyphen_values = true)]
    pub seeds: u64,
}

fn whole_u64(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("must be a whole number (0 or more), got '{s}'"))
}

fn positive_u64(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("must be a whole number of at least 1, got '{s}'")),
    }
}

fn positive_u32(s: &str) -> Result<u32, String> {
    positive_u64(s).and_then(|n| u32::try_from(n).map_err(|_| format!("is too large, got '{s}'")))
}

fn positive_i64(s: &str) -> Result<i64, String> {
    positive_u64(s).and_then(|n| i64::try_from(n).map_err(|_| format!("is too large, got '{s}'")))
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit 2.
    BadInput(String),
    /// A bug or non-determinism: exit 3.
    Internal(String),
}

impl From<String> for Failure {
    fn from(msg: String) -> Self {
        Failure::BadInput(msg)
    }
}

impl From<sim::runner::SeedPanic> for Failure {
    fn from(p: sim::runner::SeedPanic) -> Self {
        Failure::Internal(p.to_string())
    }
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
        Command::Compare(args) => commands::compare::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Bench(args) => commands::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(msg)) => {
            eprintln!("internal error: {msg}");
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
            eprintln!("{} (see `locksim --help`)", first_paragraph(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// clap's message up to its first blank line, folded onto one line.
fn first_paragraph(rendered: &str) -> String {
    rendered.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect::<Vec<_>>().join(" ")
}
