//! An experiment: one design, one fault scenario and one workload, validated
//! once, then run for any seed. A run is (design, workload, fault plan, seed)
//! -> history -> verdict; it always happens on a fresh thread with its own
//! madsim runtime (sim::runner), so the same seed gives the same history.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Deployment, Design};
use algorithms::params::Params;
use sim::check::{judge, Verdict};
use sim::fault::{self, FaultPlan};
use sim::history::History;
use sim::metrics::{Figure, RunMetrics};
use sim::record::RunRecord;
use sim::runner::{run_seed, SeedPanic};
use sim::time::SimTime;
use sim::world::{NetworkSettings, World};

use crate::fault_rules::FaultRule;
use crate::scenario::{self, Scenario};
use crate::workload::inventory::Inventory;
use crate::workload::{self, Common, Workload};

/// An experiment as the user asked for it, before validation. Saved in a
/// report's manifest so the report can be rebuilt, merged and resumed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    pub algorithm: String,
    pub scenario: String,
    pub workload: String,
    pub clients: u32,
    pub stock: i64,
    pub duration_s: u64,
    pub params: Vec<String>,
    #[serde(default)]
    pub network: NetworkSpec,
    /// A custom fault profile named `scenario` (from a scenario file); empty
    /// for a built-in scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
    /// The scenario file this came from, for replay commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// `try`, `timeout` or `blocking`; `None`: the workload's natural pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The `timeout` pattern's bound on one acquire.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Clients re-enter the lock they hold (client-side reentrancy).
    #[serde(default)]
    pub reentrant: bool,
    /// The workload's own parameters, `key=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workload_params: Vec<String>,
    /// After the fault phase, how long the healed world has to make progress.
    #[serde(default = "default_liveness_s")]
    pub liveness_s: u64,
}

impl ExperimentSpec {
    /// The names a report gives this cell: the design with its parameters
    /// (`database(fencing=true)`), the scenario, and the workload with its
    /// parameters and pattern (`transfer(ordering=false,pattern=timeout:500ms)`),
    /// so variants are distinct cells.
    pub fn cell_names(&self) -> [String; 3] {
        // Parsed, so `key = value` and `key=value` name one setting (specs
        // that do not parse never become cells).
        let pairs = |given: &[String]| Params::parse(given).map_or_else(|_| given.to_vec(), |p| p.pairs());
        let mut settings = pairs(&self.workload_params);
        match self.pattern.as_deref() {
            Some("timeout") => settings.push(format!("pattern=timeout:{}ms", self.timeout_ms)),
            Some(p) => settings.push(format!("pattern={p}")),
            None => {}
        }
        if self.reentrant {
            settings.push("reentrant".into());
        }
        [label(&self.algorithm, pairs(&self.params)), self.scenario.clone(), label(&self.workload, settings)]
    }
}

fn label(name: &str, settings: Vec<String>) -> String {
    if settings.is_empty() {
        name.into()
    } else {
        format!("{name}({})", settings.join(","))
    }
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_liveness_s() -> u64 {
    DEFAULT_LIVENESS_S
}

pub const DEFAULT_TIMEOUT_MS: u64 = 1000;
/// Three default TTLs / leases: a lock left by a dead holder has expired by then.
pub const DEFAULT_LIVENESS_S: u64 = 30;
pub const PATTERNS: &[(&str, &str)] = &[
    ("try", "one attempt; returns at once"),
    ("timeout", "retry until --timeout-ms; an unknown outcome is released"),
    ("blocking", "retry until acquired"),
];

/// The network as a scenario file or the manifest states it (a key left out
/// keeps its default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    pub latency_min_ms: u64,
    pub latency_max_ms: u64,
    pub loss_percent: u32,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        let n = NetworkSettings::default();
        NetworkSpec {
            latency_min_ms: n.latency_min.as_millis() as u64,
            latency_max_ms: n.latency_max.as_millis() as u64,
            loss_percent: 0,
        }
    }
}

impl NetworkSpec {
    fn settings(self) -> Result<NetworkSettings, String> {
        if self.latency_min_ms > self.latency_max_ms {
            return Err("network: latency_min_ms must not exceed latency_max_ms".into());
        }
        if self.loss_percent >= 100 {
            return Err("network: loss_percent must be below 100 (nothing would ever arrive)".into());
        }
        Ok(NetworkSettings {
            loss: self.loss_percent as f64 / 100.0,
            latency_min: Duration::from_millis(self.latency_min_ms),
            latency_max: Duration::from_millis(self.latency_max_ms),
        })
    }
}

/// Where a run's faults come from.
#[derive(Clone)]
pub enum Faults {
    Builtin(&'static Scenario),
    Custom(Vec<FaultRule>),
}

impl Default for ExperimentSpec {
    fn default() -> Self {
        ExperimentSpec {
            algorithm: "cache".into(),
            scenario: "none".into(),
            workload: "inventory".into(),
            clients: Inventory::default().clients,
            stock: Inventory::default().stock,
            pattern: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            reentrant: false,
            workload_params: Vec::new(),
            liveness_s: DEFAULT_LIVENESS_S,
            duration_s: DEFAULT_DURATION_S,
            params: Vec::new(),
            network: NetworkSpec::default(),
            faults: Vec::new(),
            config: None,
        }
    }
}

pub const DEFAULT_DURATION_S: u64 = 60;

/// A validated experiment, ready to run seeds.
#[derive(Clone)]
pub struct Experiment {
    pub spec: ExperimentSpec,
    pub design: &'static dyn Design,
    deployment: Arc<dyn Deployment>,
    pub faults: Faults,
    pub workload: Arc<dyn Workload>,
    pub duration: Duration,
    /// The liveness phase's bound.
    pub liveness: Duration,
    /// How reports name the cell ([`ExperimentSpec::cell_names`]).
    names: [String; 3],
    pub network: NetworkSettings,
}

/// Everything one seed produced.
pub struct SeedRun {
    pub seed: u64,
    pub plan: FaultPlan,
    pub history: History,
    pub verdict: Verdict,
    pub metrics: RunMetrics,
    pub figures: Vec<Figure>,
    pub trace_hash: u64,
}

/// How often the liveness phase looks for progress (its resolution).
const LIVENESS_POLL: Duration = Duration::from_millis(1);

impl Experiment {
    /// Validate `spec`; the error is one line naming what is wrong and how to fix it.
    pub fn new(spec: ExperimentSpec) -> Result<Experiment, String> {
        let design = algorithms::design(&spec.algorithm).ok_or_else(|| {
            let known: Vec<&str> = algorithms::designs().iter().map(|d| d.name()).collect();
            format!("unknown algorithm '{}' (known: {}; see `locksim list`)", spec.algorithm, known.join(", "))
        })?;
        let faults = if spec.faults.is_empty() {
            Faults::Builtin(scenario::scenario(&spec.scenario).ok_or_else(|| {
                let known: Vec<&str> = scenario::SCENARIOS.iter().map(|s| s.name).collect();
                format!("unknown scenario '{}' (known: {}; see `locksim list`)", spec.scenario, known.join(", "))
            })?)
        } else {
            for (i, rule) in spec.faults.iter().enumerate() {
                rule.validate().map_err(|e| format!("faults[{i}].{e}"))?;
            }
            Faults::Custom(spec.faults.clone())
        };
        let network = spec.network.settings()?;
        let info = workload::workload(&spec.workload)?;
        if let Some(why) = info.unsupported(design) {
            return Err(why);
        }
        if spec.clients == 0 {
            return Err("--clients must be at least 1".into());
        }
        if spec.duration_s == 0 {
            return Err("--duration must be at least 1 second".into());
        }
        if spec.liveness_s == 0 {
            return Err("--liveness must be at least 1 second".into());
        }
        let mode = match spec.pattern.as_deref() {
            None => None,
            Some("try") => Some(AcquireMode::Try),
            Some("blocking") => Some(AcquireMode::Blocking),
            Some("timeout") if spec.timeout_ms == 0 => {
                return Err("--timeout-ms must be at least 1 (the timeout pattern's bound)".into())
            }
            Some("timeout") => Some(AcquireMode::Timeout(Duration::from_millis(spec.timeout_ms))),
            Some(other) => return Err(format!("unknown pattern '{other}' (known: try, timeout, blocking)")),
        };
        if (mode.is_some() || spec.reentrant) && !design.is_lock() {
            return Err(format!(
                "{} is not a lock: --pattern and --reentrant apply to lock-based designs only",
                design.name()
            ));
        }
        let deployment = design.configure(&Params::parse(&spec.params)?)?;
        let common = Common { clients: spec.clients, stock: spec.stock, mode, reentrant: spec.reentrant };
        let workload_params = Params::parse_flag(&spec.workload_params, "--workload-param", "permits=3")?;
        let workload = info.configure(&common, &workload_params)?;
        Ok(Experiment {
            design,
            deployment,
            faults,
            workload,
            duration: Duration::from_secs(spec.duration_s),
            liveness: Duration::from_secs(spec.liveness_s),
            names: spec.cell_names(),
            network,
            spec,
        })
    }

    /// The cell's three names: algorithm, scenario, workload (the first and
    /// last with their non-default settings).
    pub fn cell(&self) -> [&str; 3] {
        self.names.each_ref().map(String::as_str)
    }

    /// The fault plan of `seed`.
    pub fn plan(&self, seed: u64) -> FaultPlan {
        let rng = &mut sim::rng::stream(seed, "faults/plan");
        match &self.faults {
            Faults::Builtin(scenario) => scenario.plan(rng, self.duration),
            Faults::Custom(rules) => FaultPlan::new(rules.iter().flat_map(|r| r.draw(rng, self.duration)).collect()),
        }
    }

    /// Run one seed in its own world, with the scenario's fault plan.
    pub fn run(&self, seed: u64) -> Result<SeedRun, SeedPanic> {
        self.run_with(seed, self.plan(seed))
    }

    /// Run one seed with a given fault plan (tests use hand-written plans).
    pub fn run_with(&self, seed: u64, plan: FaultPlan) -> Result<SeedRun, SeedPanic> {
        let (deployment, workload, duration, liveness, network) =
            (self.deployment.clone(), self.workload.clone(), self.duration, self.liveness, self.network);
        let injected = plan.clone();
        // Runs end on their own; the limit only catches a runaway.
        let limit = duration + liveness + Duration::from_secs(3600);
        let history = run_seed(seed, limit, move || async move {
            let world = World::new(seed, network);
            let lock = deployment.deploy(&world);
            workload.deploy(&world, lock);
            fault::inject(&world, &injected);
            madsim::time::sleep(duration).await;
            // The liveness phase (as in TigerBeetle's simulator): heal every
            // fault, then run until the resource accepts a write or the bound passes.
            world.heal(network);
            let deadline = duration + liveness;
            while world.progress_after_heal() == 0 && SimTime::now().as_duration() < deadline {
                madsim::time::sleep(LIVENESS_POLL).await;
            }
            world.finish().await
        })?;
        let effects = self.workload.effects();
        let verdict = judge(&history, &[effects.check]);
        // Each kind found must be declared, or its story would end untold.
        debug_assert!(
            verdict.corrupted.iter().all(|v| effects.kinds.iter().any(|e| e.kind == v.kind)),
            "{} reported a kind of violation its effects do not declare",
            self.workload.name()
        );
        let metrics = RunMetrics::measure(&history);
        let figures = self.workload.figures(&history, &metrics);
        let trace_hash = history.trace_hash();
        Ok(SeedRun { seed, plan, history, verdict, metrics, figures, trace_hash })
    }

    pub fn record(&self, run: &SeedRun) -> RunRecord {
        RunRecord::new(
            self.cell(),
            run.seed,
            scenario::describe(&run.plan),
            run.trace_hash,
            &run.verdict,
            &run.metrics,
            &run.figures,
        )
    }

    /// The command that replays `seed` of this experiment exactly.
    pub fn replay_command(&self, seed: u64) -> String {
        let s = &self.spec;
        if let Some(config) = &s.config {
            return format!("locksim replay --config {config} --seed {seed}");
        }
        let defaults = ExperimentSpec::default();
        let mut cmd = format!("locksim replay -a {} -s {} -w {} --seed {seed}", s.algorithm, s.scenario, s.workload);
        if s.clients != defaults.clients {
            cmd += &format!(" --clients {}", s.clients);
        }
        if s.stock != defaults.stock {
            cmd += &format!(" --stock {}", s.stock);
        }
        if s.duration_s != defaults.duration_s {
            cmd += &format!(" --duration {}", s.duration_s);
        }
        for p in &s.params {
            cmd += &format!(" --param {p}");
        }
        for p in &s.workload_params {
            cmd += &format!(" --workload-param {p}");
        }
        if let Some(pattern) = &s.pattern {
            cmd += &format!(" --pattern {pattern}");
        }
        if s.timeout_ms != defaults.timeout_ms {
            cmd += &format!(" --timeout-ms {}", s.timeout_ms);
        }
        if s.reentrant {
            cmd += " --reentrant";
        }
        if s.liveness_s != defaults.liveness_s {
            cmd += &format!(" --liveness {}", s.liveness_s);
        }
        cmd
    }
}
