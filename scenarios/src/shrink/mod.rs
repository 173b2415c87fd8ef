//! `locksim shrink`'s search: a failing seed reduced to a smaller case that
//! still fails with the same kind of violation, written as a scenario file
//! with an exact plan ([`crate::plan`]).
//!
//! The seed's plan is written out as an exact plan first (it replays the
//! same history: the plan is only drawn from the seed, never changed by the
//! run). Then, each step keeping only candidates that still fail with the
//! same kind: (1) delete faults ([`ddmin`]); (2) shrink each remaining fault
//! ([`faults`]); (3) fewer clients, a run that ends just after the violation,
//! knobs and workload parameters back to their defaults ([`settings`]); (4)
//! optionally other seeds of the smaller case, keeping the shortest history.
//! The search stops at its budget (runs, wall seconds) with the smallest case
//! found so far. Every candidate is a full run (the same `Experiment::run`
//! as `replay`), so what the search keeps fails by construction.
//!
//! Why a deletion keeps the rest of the history: every random choice comes
//! from a stream named after its purpose (`sim::rng`): the workload's think
//! times and operations, each node's clock, the network's latencies, the
//! fault targets. Deleting a fault does not remove draws from the workload's
//! streams, and each fault is played by its own task that sleeps until its
//! own start (`sim::fault::inject`), so the other faults start when they did.
//! Where it cannot: a fault changes timing, so after the deleted fault's
//! start the nodes do different things at different moments, draw from
//! their streams in a different interleaving, and the network's per-message
//! draws fall on other messages; targets resolved at play time ("the
//! holder", "a random client") are drawn from one shared `faults/targets`
//! stream, so a deleted earlier fault shifts the later faults' picks. The
//! search does not rely on the history staying the same, only on the
//! candidate failing again, which it checks by running it.

pub mod ddmin;
pub mod faults;
pub mod file;
pub mod settings;
pub mod story;

use indicatif::ProgressBar;
use std::time::{Duration, Instant};

use sim::check::Violation;
use sim::fault::{FaultPlan, TimedFault};

use crate::experiment::{Experiment, ExperimentSpec, SeedRun};
use crate::failure::Failure;
use crate::plan::PlanEntry;

/// Which violation a shrink keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// The first corrupted effect (the default when the seed shows one).
    Corrupted,
    /// An exclusion overlap.
    Overlap,
}

/// How far the search may go.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub max_runs: u64,
    pub max_time: Duration,
    /// Other seeds to try with the smaller case (step 4).
    pub other_seeds: u64,
}

/// The size of a case, as the before/after line gives it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    pub faults: usize,
    pub clients: u32,
    /// Simulated time the history spans, in milliseconds.
    pub sim_ms: u64,
    pub events: usize,
}

/// "3 faults, 5 clients, 61.2 simulated s, 12034 events".
impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} fault{}, {} client{}, {:.1} simulated s, {} events",
            self.faults,
            plural(self.faults as u64),
            self.clients,
            plural(u64::from(self.clients)),
            self.sim_ms as f64 / 1000.0,
            self.events
        )
    }
}

impl Size {
    fn of(spec: &ExperimentSpec, run: &SeedRun) -> Size {
        Size {
            faults: run.plan.faults.len(),
            clients: spec.clients,
            sim_ms: run.history.end().as_duration().as_millis() as u64,
            events: run.history.events.len(),
        }
    }
}

/// A shrink's result.
pub struct Shrunk {
    /// The violation kind kept.
    pub kind: &'static str,
    /// The smallest failing case: its spec (with an exact plan) and seed.
    pub spec: ExperimentSpec,
    pub seed: u64,
    pub before: Size,
    pub after: Size,
    pub runs: u64,
    pub wall: Duration,
    /// Whether the budget ran out before the search finished.
    pub exhausted: bool,
}

/// The kind a shrink keeps: the one asked for, or the first corrupted
/// effect, else the overlap. Bad input (exit 2) when the seed shows none.
pub fn choose_kind(run: &SeedRun, asked: Option<KindArg>) -> Result<&'static str, String> {
    let first = |vs: &[Violation]| vs.first().map(|v| v.kind.name());
    let (corrupted, overlap) = (first(&run.verdict.corrupted), first(&run.verdict.overlaps));
    let shows = || {
        let all: Vec<&str> = run.verdict.overlaps.iter().chain(&run.verdict.corrupted).map(|v| v.kind.name()).collect();
        if all.is_empty() {
            "no violation".to_string()
        } else {
            all.join(", ")
        }
    };
    match asked {
        Some(KindArg::Corrupted) => corrupted
            .ok_or_else(|| format!("seed {} shows no corrupted effect (it shows: {}); try --kind overlap", run.seed, shows())),
        Some(KindArg::Overlap) => overlap
            .ok_or_else(|| format!("seed {} shows no overlap (it shows: {}); try --kind corrupted", run.seed, shows())),
        None => corrupted.or(overlap).ok_or_else(|| {
            format!("seed {} does not fail (no overlap, no corrupted effect): nothing to shrink; pick a failing seed from `locksim run`", run.seed)
        }),
    }
}

/// Whether `run` shows a violation of `kind`, and when its first one was.
fn shows(run: &SeedRun, kind: &str) -> Option<Duration> {
    let all = run.verdict.overlaps.iter().chain(&run.verdict.corrupted);
    all.filter(|v| v.kind.name() == kind).map(|v| v.at.as_duration()).min()
}

/// The spec of `base` playing exactly `plan` (a plan of no fault is the `none` scenario).
pub fn with_plan(base: &ExperimentSpec, plan: &[TimedFault]) -> ExperimentSpec {
    let mut spec = base.clone();
    spec.faults.clear();
    // The plan holds the faults as drawn, sizes included.
    spec.scenario_params.clear();
    spec.config = None;
    spec.plan = plan.iter().cloned().map(PlanEntry).collect();
    if plan.is_empty() {
        spec.scenario = "none".into();
    } else if !spec.scenario.ends_with("-shrunk") {
        spec.scenario = format!("{}-shrunk", spec.scenario);
    }
    spec
}

/// The search's state: the best case so far and the budget spent.
pub struct Search<'a> {
    pub kind: &'static str,
    pub spec: ExperimentSpec,
    pub plan: Vec<TimedFault>,
    pub seed: u64,
    /// When the best case's violation happened.
    pub violation: Duration,
    /// Events in the best case's history.
    pub events: usize,
    best_size: Option<Size>,
    runs: u64,
    started: Instant,
    budget: Budget,
    bar: &'a ProgressBar,
}

impl Search<'_> {
    pub fn spent(&self) -> bool {
        self.runs >= self.budget.max_runs || self.started.elapsed() >= self.budget.max_time
    }

    /// Run `spec` for `seed`: the run if it fails with the kind (none if not,
    /// if the spec is invalid, or if the budget is spent).
    pub fn attempt(&mut self, spec: &ExperimentSpec, seed: u64) -> Result<Option<(SeedRun, Duration)>, Failure> {
        if self.spent() {
            return Ok(None);
        }
        self.runs += 1;
        self.bar.inc(1);
        // A candidate the validation refuses (a clock stepped back past its age) is not a case.
        let Ok(experiment) = Experiment::new(spec.clone()) else { return Ok(None) };
        let run = experiment.run(seed)?;
        Ok(shows(&run, self.kind).map(|at| (run, at)))
    }

    /// Try `spec` with `plan`; keep it if it still fails and is smaller by [`measure`].
    pub fn keep_if_smaller(&mut self, spec: ExperimentSpec, plan: Vec<TimedFault>) -> Result<bool, Failure> {
        let candidate = with_plan(&spec, &plan);
        match self.attempt(&candidate, self.seed)? {
            Some((run, at)) if measure(&plan, at) < measure(&self.plan, self.violation) => {
                self.keep(candidate, plan, &run, at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn keep(&mut self, spec: ExperimentSpec, plan: Vec<TimedFault>, run: &SeedRun, at: Duration) {
        self.violation = at;
        self.events = run.history.events.len();
        self.best_size = Some(Size::of(&spec, run));
        self.spec = spec;
        self.plan = plan;
    }

    /// Try `spec` with `plan`; keep it as the best case if it still fails.
    pub fn keep_if_fails(&mut self, spec: ExperimentSpec, plan: Vec<TimedFault>) -> Result<bool, Failure> {
        let candidate = with_plan(&spec, &plan);
        match self.attempt(&candidate, self.seed)? {
            Some((run, at)) => {
                self.keep(candidate, plan, &run, at);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// The faults' total size, then when the violation came: what a fault
/// shrinking step must make smaller.
fn measure(plan: &[TimedFault], violation: Duration) -> (u64, Duration) {
    (plan.iter().map(|f| faults::size(&f.fault)).sum(), violation)
}

/// Shrink `seed` of `experiment`, keeping violations of `kind` (see [`choose_kind`]).
pub fn shrink(
    experiment: &Experiment,
    original: &SeedRun,
    kind: &'static str,
    budget: Budget,
    bar: &ProgressBar,
) -> Result<Shrunk, Failure> {
    let started = Instant::now();
    let before = Size::of(&experiment.spec, original);
    let plan = original.plan.faults.clone();
    let mut search = Search {
        kind,
        spec: with_plan(&experiment.spec, &plan),
        plan: plan.clone(),
        seed: original.seed,
        violation: shows(original, kind).unwrap_or_default(),
        events: original.history.events.len(),
        best_size: None,
        runs: 0,
        started,
        budget,
        bar,
    };
    // The seed's plan, written out, must fail as the seed did.
    let base = search.spec.clone();
    if !search.keep_if_fails(base.clone(), plan.clone())? {
        return Err(Failure::Internal(format!(
            "seed {}'s fault plan, played as an exact plan, no longer shows {kind}",
            original.seed
        )));
    }
    // (1) Delete faults.
    let spec = search.spec.clone();
    let mut failure = None;
    ddmin::ddmin(search.plan.clone(), &mut |subset: &[TimedFault]| {
        if failure.is_some() {
            return false;
        }
        search.keep_if_fails(spec.clone(), subset.to_vec()).unwrap_or_else(|e| {
            failure = Some(e);
            false
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    // Before the budget goes on shrinking faults: the run ends just after the violation.
    settings::shorten(&mut search)?;
    // (2) and (3) until neither makes the case smaller; then (4) other seeds
    // of the smaller case, keeping the shortest history, and (2)-(3) again on it.
    let mut seeds = 1..=budget.other_seeds;
    loop {
        shrink_steps(&mut search)?;
        let (events, mut moved) = (search.events, false);
        for offset in seeds.by_ref() {
            let seed = original.seed.wrapping_add(offset);
            let spec = search.spec.clone();
            if let Some((run, at)) = search.attempt(&spec, seed)? {
                if run.history.events.len() < events {
                    search.seed = seed;
                    search.events = run.history.events.len();
                    search.violation = at;
                    search.best_size = Some(Size::of(&spec, &run));
                    moved = true;
                }
            }
        }
        if !moved || search.spent() {
            break;
        }
    }
    let after = search.best_size.clone().expect("the first attempt failed, so a case is kept");
    Ok(Shrunk {
        kind,
        exhausted: search.spent(),
        spec: search.spec,
        seed: search.seed,
        before,
        after,
        runs: search.runs,
        wall: started.elapsed(),
    })
}

/// (2) and (3) until neither makes the case smaller: a shorter run or
/// fewer clients may let a fault shrink further, and the other way round.
fn shrink_steps(search: &mut Search) -> Result<(), Failure> {
    loop {
        let events = search.events;
        shrink_faults(search)?;
        settings::shrink(search)?;
        if search.events >= events || search.spent() {
            return Ok(());
        }
    }
}

/// (2) Shrink each remaining fault, greedily, until no candidate makes the
/// case smaller: the faults' total size ([`faults::size`]) falls, or it
/// stays and the violation comes sooner. That order is well founded (both
/// are whole numbers that only fall), so the search cannot move a start back
/// and forth until the budget is gone; and each step that brings the
/// violation sooner also cuts the run just after it, so later candidates
/// are cheaper runs.
fn shrink_faults(search: &mut Search) -> Result<(), Failure> {
    let mut i = 0;
    while i < search.plan.len() && !search.spent() {
        let mut progressed = false;
        for candidate in faults::smaller(&search.plan[i], search.violation) {
            let mut plan = search.plan.clone();
            plan[i] = candidate;
            if plan_valid(&plan) && search.keep_if_smaller(search.spec.clone(), plan)? {
                settings::shorten(search)?;
                progressed = true;
                break;
            }
        }
        if !progressed {
            i += 1;
        }
    }
    Ok(())
}

/// Whether a candidate plan can be played (a shrunk start may not leave a
/// backward clock step larger than the clock's age).
fn plan_valid(plan: &[TimedFault]) -> bool {
    FaultPlan { faults: plan.to_vec(), drawn: Vec::new() }.validate().is_ok()
}
