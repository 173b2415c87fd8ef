//! The command line's arguments, as clap parses them, and how they become
//! experiment specs. Validation beyond a flag's own type and range happens
//! when a spec becomes an [`Experiment`].

use clap::{Args, ValueEnum};

use crate::experiment::{Experiment, ExperimentSpec, PatternName};
use crate::spec::knobs::KnobArgs;

/// Workload options; a scenario file (`--config`) sets them instead.
#[derive(Args, Debug, Clone)]
pub struct WorkloadArgs {
    /// Workload (see `locksim list`); for `compare`, `all` or a comma-separated list.
    #[arg(short = 'w', long, default_value = "inventory", conflicts_with = "config")]
    pub workload: String,
    /// Acquire pattern [default: the workload's own].
    #[arg(long, value_enum, conflicts_with = "config")]
    pub pattern: Option<PatternName>,
    /// Clients re-enter the lock they hold (released when releases match acquisitions).
    #[arg(long, conflicts_with = "config")]
    pub reentrant: bool,
    /// A workload parameter, e.g. --workload-param permits=3 (repeatable; see `locksim list`).
    #[arg(long = "workload-param", value_name = "KEY=VALUE", conflicts_with = "config")]
    pub workload_params: Vec<String>,
    /// A built-in scenario's fault size, fixed instead of drawn per seed, e.g. --scenario-param pause_ms=2000 (repeatable; see `locksim list`).
    #[arg(long = "scenario-param", value_name = "KEY=VALUE", conflicts_with = "config")]
    pub scenario_params: Vec<String>,
    /// A design parameter, e.g. --param ttl_ms=5000 (repeatable; see `locksim list`).
    #[arg(long = "param", value_name = "KEY=VALUE", conflicts_with = "config")]
    pub params: Vec<String>,
    /// Clients, stock, duration, timeout and liveness bounds ([`crate::spec::knobs`]).
    #[command(flatten)]
    pub knobs: KnobArgs,
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
    /// Check the input (flags, scenario file, parameters) and say what would run; run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl ExperimentArgs {
    pub fn experiment(&self) -> Result<Experiment, String> {
        match (&self.config, &self.algorithm, &self.scenario) {
            (Some(path), _, _) => crate::config::load(path),
            (None, Some(a), Some(s)) => Experiment::new(spec(a, s, &self.workload)),
            _ => Err("give -a ALGORITHM and -s SCENARIO, or --config FILE.toml".into()),
        }
    }
}

pub fn spec(algorithm: &str, scenario: &str, w: &WorkloadArgs) -> ExperimentSpec {
    let mut spec = ExperimentSpec {
        algorithm: algorithm.into(),
        scenario: scenario.into(),
        workload: w.workload.clone(),
        params: w.params.clone(),
        pattern: w.pattern,
        reentrant: w.reentrant,
        workload_params: w.workload_params.clone(),
        scenario_params: w.scenario_params.clone(),
        ..ExperimentSpec::default()
    };
    w.knobs.apply(&mut spec);
    spec
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// Number of seeds [default: 100 for run, 50 per cell for compare].
    #[arg(long, value_parser = seed_count, allow_hyphen_values = true)]
    pub seeds: Option<u64>,
    /// First seed.
    #[arg(long, default_value_t = 0, value_parser = whole_u64, allow_hyphen_values = true)]
    pub seed_start: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = job_count, allow_hyphen_values = true)]
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
pub struct ShrinkArgs {
    #[command(flatten)]
    pub experiment: ExperimentArgs,
    /// The failing seed to shrink.
    #[arg(long, value_parser = whole_u64, allow_hyphen_values = true)]
    pub seed: u64,
    /// The violation to keep [default: the first corrupted effect, else the overlap].
    #[arg(long, value_enum)]
    pub kind: Option<crate::shrink::KindArg>,
    /// The most runs the search may make.
    #[arg(long, default_value_t = 400, value_parser = run_count, allow_hyphen_values = true)]
    pub max_runs: u64,
    /// The most wall-clock seconds the search may take.
    #[arg(long, default_value_t = 600, value_parser = run_count, allow_hyphen_values = true)]
    pub max_seconds: u64,
    /// Also try this many other seeds with the smaller case, keeping the shortest history.
    #[arg(long, default_value_t = 0, value_parser = other_seeds, allow_hyphen_values = true)]
    pub other_seeds: u64,
    /// Where to write the shrunk scenario file [default: shrunk-DESIGN-SCENARIO-SEED.toml].
    #[arg(long, value_name = "FILE.toml")]
    pub out: Option<std::path::PathBuf>,
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
    /// Check the input and say what would run; run nothing and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not shrink each violating cell's first violating seed.
    #[arg(long)]
    pub no_shrink: bool,
    /// What to print when done: an aligned summary, or JSON for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Runs each cell's shrink may spend (runs, not seconds: the report is the same on any machine).
    #[arg(long, default_value_t = 40, value_parser = run_count, allow_hyphen_values = true)]
    pub shrink_runs: u64,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Report directories written by `compare` (shards of one comparison).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<std::path::PathBuf>,
    /// Where to write the merged report (may be one of the inputs).
    #[arg(long, default_value = "locksim-report")]
    pub out: std::path::PathBuf,
    /// What to print when done: an aligned summary, or JSON for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Seeds per design and workload (the workloads section).
    #[arg(long, default_value_t = 10, value_parser = seed_count, allow_hyphen_values = true)]
    pub seeds: u64,
    /// Which part to run.
    #[arg(long, value_enum, default_value_t = BenchSection::All)]
    pub section: BenchSection,
    /// Events in the checkers section's built history (1,000 to 100,000,000).
    #[arg(long, default_value_t = 10_000_000, value_parser = check_events, allow_hyphen_values = true)]
    pub check_events: u64,
}

/// The parts of `locksim bench`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchSection {
    All,
    Checkers,
    Workloads,
    Clients,
}

fn check_events(s: &str) -> Result<u64, String> {
    between(s, 1_000, 100_000_000)
}

/// The most seeds one command runs (their records are kept in memory).
pub const MAX_SEEDS: u64 = 1_000_000;
/// The most worker threads.
const MAX_JOBS: u64 = 1024;

fn whole_u64(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| "must be a whole number (0 or more)".to_string())
}

fn between(s: &str, min: u64, max: u64) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    }
}

fn seed_count(s: &str) -> Result<u64, String> {
    between(s, 1, MAX_SEEDS)
}

fn run_count(s: &str) -> Result<u64, String> {
    between(s, 1, MAX_SEEDS)
}

fn other_seeds(s: &str) -> Result<u64, String> {
    between(s, 0, MAX_SEEDS)
}

fn job_count(s: &str) -> Result<u64, String> {
    between(s, 1, MAX_JOBS)
}
