//! An experiment: one design, one fault scenario and one workload, validated
//! once, then run for any seed. A run is (design, workload, fault plan, seed)
//! -> history -> verdict; it always happens on a fresh thread with its own
//! madsim runtime (sim::runner), so the same seed gives the same history.

use std::sync::Arc;
use std::time::Duration;

use algorithms::lock::{AcquireMode, Deployment, Design};
use algorithms::params::{quote, Params};
use sim::check::{judge, Verdict};
use sim::clock::ClockSpread;
use sim::fault::{self, FaultPlan, Target};
use sim::history::History;
use sim::metrics::{Figure, RunMetrics};
use sim::record::RunRecord;
use sim::runner::{run_seed, SeedPanic};
use sim::time::SimTime;
use sim::world::{NetworkSettings, Transport, World};

use crate::fault_rules::FaultRule;
use crate::scenario::{self, Scenario};
use crate::sizes::Sizes;
use crate::spec::knobs;
pub use crate::spec::{ExperimentSpec, NetworkSpec, PatternName};
use crate::workload::{self, Common, Workload};

/// Where a run's faults come from.
#[derive(Clone)]
pub enum Faults {
    /// A built-in scenario, with the sizes the spec fixes.
    Builtin(&'static Scenario, Sizes),
    Custom(Vec<FaultRule>),
    /// An exact plan (a scenario file's `[[plan]]`), the same for every seed.
    Exact(FaultPlan),
}

/// Every `node:NAME` target names a node of the world this experiment
/// builds (found by a dry deployment: the world is built, nothing runs).
fn check_named_nodes(
    named: &[(String, String)],
    deployment: &Arc<dyn Deployment>,
    workload: &Arc<dyn Workload>,
    network: NetworkSettings,
) -> Result<(), String> {
    let Some((first, _)) = named.first() else { return Ok(()) };
    let (deployment, workload) = (deployment.clone(), workload.clone());
    let nodes = run_seed(0, Duration::from_secs(1), move || async move {
        let world = World::new(0, network, ClockSpread::NONE);
        workload.deploy(&world, deployment.deploy(&world));
        world.finish().await.nodes.into_iter().skip(1).map(|n| n.name).collect::<Vec<_>>()
    })
    .map_err(|e| format!("{first}: cannot list the world's nodes: {e}"))?;
    for (key, name) in named {
        if !nodes.iter().any(|n| n == name) {
            return Err(format!(
                "{key}: no node is named '{}' in this world (nodes: {})",
                quote(name),
                nodes.join(", ")
            ));
        }
    }
    Ok(())
}

/// The `node:NAME` targets of rules, with the key that names each.
fn rule_nodes(rules: &[FaultRule]) -> Vec<(String, String)> {
    let each = rules.iter().enumerate();
    each.flat_map(|(i, r)| r.named_nodes().into_iter().map(move |(k, n)| (format!("faults[{i}].{k}"), n.to_string())))
        .collect()
}

/// The named-node targets of an exact plan, with the entry that names each.
fn plan_nodes(plan: &FaultPlan) -> Vec<(String, String)> {
    let mut named = Vec::new();
    for (i, f) in plan.faults.iter().enumerate() {
        let by = f.when.as_ref().and_then(|w| w.by.as_ref());
        for target in f.fault.targets().into_iter().chain(by) {
            if let Target::Node(name) = target {
                named.push((format!("plan[{i}]"), name.clone()));
            }
        }
    }
    named
}

/// Every trigger of an exact plan names a mark some design or this workload
/// makes. Unlike rules, a plan may wait for a mark this design never makes:
/// built-in scenarios such as swarm draw such faults (they never start, and
/// the history notes it), and a plan written from a seed must replay it.
fn check_plan_marks(plan: &FaultPlan, workload: &dyn Workload) -> Result<(), String> {
    let mut marks: Vec<&str> = algorithms::designs().iter().flat_map(|d| d.marks().iter().copied()).collect();
    marks.extend(workload.marks());
    marks.sort_unstable();
    marks.dedup();
    for (i, f) in plan.faults.iter().enumerate() {
        match &f.when {
            Some(w) if !marks.contains(&w.mark.as_str()) => {
                return Err(format!(
                    "plan[{i}].when.mark: no design or workload {} marks '{}' (marks: {})",
                    workload.name(),
                    quote(&w.mark),
                    marks.join(", ")
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every trigger waits for a mark this design and workload make: one that
/// never comes would leave its fault unplayed without a word.
fn check_marks(rules: &[FaultRule], design: &dyn Design, workload: &dyn Workload) -> Result<(), String> {
    let mut marks: Vec<&str> = design.marks().to_vec();
    if design.is_lock() {
        marks.extend(workload.marks());
    }
    for (i, rule) in rules.iter().enumerate() {
        match &rule.when {
            Some(mark) if !marks.contains(&mark.as_str()) => {
                return Err(format!(
                    "faults[{i}].when: {} with workload {} never marks '{}' (it marks: {})",
                    design.name(),
                    workload.name(),
                    quote(mark),
                    if marks.is_empty() { "nothing".to_string() } else { marks.join(", ") }
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

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
    pub transport: Transport,
    /// How far apart the nodes' clocks start (each run draws them from its seed).
    pub clocks: ClockSpread,
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
        let builtin = spec.plan.is_empty() && spec.faults.is_empty();
        if !spec.scenario_params.is_empty() && !builtin {
            return Err(
                "scenario_params size a built-in scenario: a file with [[faults]] or [[plan]] sets its sizes there"
                    .into(),
            );
        }
        let faults = if !spec.plan.is_empty() {
            if !spec.faults.is_empty() {
                return Err("give fault rules ([[faults]]) or an exact plan ([[plan]]), not both".into());
            }
            // In file order (sorted by start, stably), so `plan[i]` names the i-th entry.
            let plan = FaultPlan { faults: spec.plan.iter().map(|e| e.0.clone()).collect(), drawn: Vec::new() };
            plan.validate().map_err(|e| format!("plan: {e}"))?;
            Faults::Exact(FaultPlan::new(plan.faults))
        } else if spec.faults.is_empty() {
            let builtin = scenario::scenario(&spec.scenario).ok_or_else(|| {
                let known: Vec<&str> = scenario::SCENARIOS.iter().map(|s| s.name).collect();
                format!("unknown scenario '{}' (known: {}; see `locksim list`)", spec.scenario, known.join(", "))
            })?;
            let given = Params::parse_flag(&spec.scenario_params, "--scenario-param", "pause_ms=2000")?;
            Faults::Builtin(builtin, builtin.sizes(&given)?)
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
        knobs::validate(&spec)?;
        // What depends on the run's length, now that the length is known to be in range.
        for (i, rule) in spec.faults.iter().enumerate() {
            rule.validate_for_run(Duration::from_secs(spec.duration_s)).map_err(|e| format!("faults[{i}].{e}"))?;
        }
        let mode = spec.pattern.map(|p| match p {
            PatternName::Try => AcquireMode::Try,
            PatternName::Blocking => AcquireMode::Blocking,
            PatternName::Timeout => AcquireMode::Timeout(Duration::from_millis(spec.timeout_ms)),
        });
        if (mode.is_some() || spec.reentrant) && !design.is_lock() {
            return Err(format!(
                "{} is not a lock: --pattern and --reentrant apply to lock-based designs only",
                design.name()
            ));
        }
        let deployment = algorithms::configure(design, &Params::parse(&spec.params)?)?;
        let common = Common { clients: spec.clients, stock: spec.stock, mode, reentrant: spec.reentrant };
        let workload_params = Params::parse_flag(&spec.workload_params, "--workload-param", "permits=3")?;
        let workload = info.configure(&common, &workload_params)?;
        match &faults {
            Faults::Custom(rules) => {
                check_marks(rules, design, workload.as_ref())?;
                check_named_nodes(&rule_nodes(rules), &deployment, &workload, network)?;
            }
            Faults::Exact(plan) => {
                check_plan_marks(plan, workload.as_ref())?;
                check_named_nodes(&plan_nodes(plan), &deployment, &workload, network)?;
            }
            Faults::Builtin(..) => {}
        }
        Ok(Experiment {
            design,
            deployment,
            faults,
            workload,
            duration: Duration::from_secs(spec.duration_s),
            liveness: Duration::from_secs(spec.liveness_s),
            names: spec.cell_names(),
            network,
            transport: spec.network.transport,
            clocks: ClockSpread::new(spec.clock_offset_ms, spec.clock_drift_ppm),
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
            Faults::Builtin(scenario, sizes) => scenario.plan_with(rng, self.duration, sizes),
            Faults::Custom(rules) => FaultPlan::new(rules.iter().flat_map(|r| r.draw(rng, self.duration)).collect()),
            Faults::Exact(plan) => plan.clone(),
        }
    }

    /// Run one seed in its own world, with the scenario's fault plan.
    pub fn run(&self, seed: u64) -> Result<SeedRun, SeedPanic> {
        self.run_with(seed, self.plan(seed))
    }

    /// Run one seed with a given fault plan (tests use hand-written plans).
    pub fn run_with(&self, seed: u64, plan: FaultPlan) -> Result<SeedRun, SeedPanic> {
        let (deployment, workload, duration, liveness, network, clocks) =
            (self.deployment.clone(), self.workload.clone(), self.duration, self.liveness, self.network, self.clocks);
        let transport = self.transport;
        let injected = plan.clone();
        // Runs end on their own; the limit only catches a runaway.
        let limit = duration + liveness + Duration::from_secs(3600);
        let history = run_seed(seed, limit, move || async move {
            let world = World::new(seed, network, clocks);
            world.set_transport(transport);
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
        let mut cmd = format!("locksim replay -a {} -s {} -w {} --seed {seed}", s.algorithm, s.scenario, s.workload);
        cmd += &knobs::replay_flags(s);
        for p in &s.params {
            cmd += &format!(" --param {p}");
        }
        for p in &s.workload_params {
            cmd += &format!(" --workload-param {p}");
        }
        for p in &s.scenario_params {
            cmd += &format!(" --scenario-param {p}");
        }
        if let Some(pattern) = s.pattern {
            cmd += &format!(" --pattern {}", pattern.name());
        }
        if s.reentrant {
            cmd += " --reentrant";
        }
        cmd
    }
}
