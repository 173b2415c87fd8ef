//! An experiment: one design, one fault scenario and one workload, validated
//! once, then run for any seed. A run is (design, workload, fault plan, seed)
//! -> history -> verdict; it always happens on a fresh thread with its own
//! madsim runtime (sim::runner), so the same seed gives the same history.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{Deployment, Design};
use algorithms::params::Params;
use sim::check::{judge, Verdict};
use sim::fault::{self, FaultPlan};
use sim::history::History;
use sim::metrics::RunMetrics;
use sim::record::RunRecord;
use sim::runner::{run_seed, SeedPanic};
use sim::world::{NetworkSettings, World};

use crate::scenario::{self, Scenario};
use crate::workload::{Inventory, WORKLOADS};

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
}

impl Default for ExperimentSpec {
    fn default() -> Self {
        ExperimentSpec {
            algorithm: "cache".into(),
            scenario: "none".into(),
            workload: "inventory".into(),
            clients: Inventory::default().clients,
            stock: Inventory::default().stock,
            duration_s: DEFAULT_DURATION_S,
            params: Vec::new(),
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
    pub scenario: &'static Scenario,
    pub workload: Inventory,
    pub duration: Duration,
    pub network: NetworkSettings,
}

/// Everything one seed produced.
pub struct SeedRun {
    pub seed: u64,
    pub plan: FaultPlan,
    pub history: History,
    pub verdict: Verdict,
    pub metrics: RunMetrics,
    pub trace_hash: u64,
}

impl Experiment {
    /// Validate `spec`; the error is one line naming what is wrong and how to fix it.
    pub fn new(spec: ExperimentSpec) -> Result<Experiment, String> {
        let design = algorithms::design(&spec.algorithm).ok_or_else(|| {
            let known: Vec<&str> = algorithms::designs().iter().map(|d| d.name()).collect();
            format!("unknown algorithm '{}' (known: {}; see `locksim list`)", spec.algorithm, known.join(", "))
        })?;
        let scenario = scenario::scenario(&spec.scenario).ok_or_else(|| {
            let known: Vec<&str> = scenario::SCENARIOS.iter().map(|s| s.name).collect();
            format!("unknown scenario '{}' (known: {}; see `locksim list`)", spec.scenario, known.join(", "))
        })?;
        if !WORKLOADS.iter().any(|w| w.name == spec.workload) {
            let known: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
            return Err(format!(
                "unknown workload '{}' (known: {}; see `locksim list`)",
                spec.workload,
                known.join(", ")
            ));
        }
        if spec.clients == 0 {
            return Err("--clients must be at least 1".into());
        }
        if spec.stock < 1 {
            return Err("--stock must be at least 1".into());
        }
        if spec.duration_s == 0 {
            return Err("--duration must be at least 1 second".into());
        }
        let deployment = design.configure(&Params::parse(&spec.params)?)?;
        let workload = Inventory { clients: spec.clients, stock: spec.stock, ..Inventory::default() };
        Ok(Experiment {
            design,
            deployment,
            scenario,
            workload,
            duration: Duration::from_secs(spec.duration_s),
            network: NetworkSettings::default(),
            spec,
        })
    }

    /// The cell's three names: algorithm, scenario, workload.
    pub fn cell(&self) -> [&str; 3] {
        [self.design.name(), self.scenario.name, self.workload.name()]
    }

    /// The fault plan of `seed`.
    pub fn plan(&self, seed: u64) -> FaultPlan {
        self.scenario.plan(&mut sim::rng::stream(seed, "faults/plan"), self.duration)
    }

    /// Run one seed in its own world, with the scenario's fault plan.
    pub fn run(&self, seed: u64) -> Result<SeedRun, SeedPanic> {
        self.run_with(seed, self.plan(seed))
    }

    /// Run one seed with a given fault plan (tests use hand-written plans).
    pub fn run_with(&self, seed: u64, plan: FaultPlan) -> Result<SeedRun, SeedPanic> {
        let (deployment, workload, duration, network) =
            (self.deployment.clone(), self.workload, self.duration, self.network);
        let injected = plan.clone();
        // Runs end on their own at `duration`; the limit only catches a runaway.
        let limit = duration + Duration::from_secs(3600);
        let history = run_seed(seed, limit, move || async move {
            let world = World::new(seed, network);
            let lock = deployment.deploy(&world);
            workload.deploy(&world, lock);
            fault::inject(&world, &injected);
            madsim::time::sleep(duration).await;
            world.finish().await
        })?;
        let verdict = judge(&history, self.workload.checkers());
        let metrics = RunMetrics::measure(&history);
        let trace_hash = history.trace_hash();
        Ok(SeedRun { seed, plan, history, verdict, metrics, trace_hash })
    }

    pub fn record(&self, run: &SeedRun) -> RunRecord {
        RunRecord::new(self.cell(), run.seed, scenario::describe(&run.plan), run.trace_hash, &run.verdict, &run.metrics)
    }

    /// The command that replays `seed` of this experiment exactly.
    pub fn replay_command(&self, seed: u64) -> String {
        let s = &self.spec;
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
        cmd
    }
}
