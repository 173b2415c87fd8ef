#![allow(dead_code)] // each test target uses part of the table
//! The hazard table shared by the hazard test and the mutation target: each
//! hazard scenario, the design its reference says it breaks, and the designs
//! or settings that prevent it.

use std::sync::atomic::AtomicBool;

use scenarios::experiment::{Experiment, ExperimentSpec, PatternName};
use sim::runner::run_seeds_until;

/// A design with its parameters, and the workload's.
pub struct Cell {
    pub design: &'static str,
    pub params: &'static [&'static str],
    pub workload: &'static str,
    pub workload_params: &'static [&'static str],
    pub pattern: Option<PatternName>,
}

pub const fn cell(design: &'static str, params: &'static [&'static str]) -> Cell {
    Cell { design, params, workload: "inventory", workload_params: &[], pattern: None }
}

pub struct Hazard {
    pub scenario: &'static str,
    pub reference: &'static str,
    /// The design that breaks does so in at least one seed in this many.
    pub breaks_one_in: u64,
    pub breaks: Cell,
    pub holds: &'static [Cell],
}

pub const LEADERS: Cell = Cell {
    design: "cache",
    params: &["replica=true"],
    workload: "leader-election",
    workload_params: &[],
    pattern: None,
};

pub const HAZARDS: &[Hazard] = &[
    Hazard {
        scenario: "redlock-restart",
        reference: "Redis docs, Distributed Locks with Redis: crash recovery and fsync",
        breaks_one_in: 5,
        breaks: cell("redlock", &["persistence=none"]),
        holds: &[cell("redlock", &["persistence=fsync-always"]), cell("redlock", &["persistence=delayed-restart"])],
    },
    Hazard {
        scenario: "redlock-clock-jump",
        reference: "Kleppmann 2016, How to do distributed locking: the clock jump on node C",
        breaks_one_in: 5,
        breaks: cell("redlock", &[]),
        holds: &[cell("redlock", &["expiry_clock=monotonic"])],
    },
    Hazard {
        scenario: "pause-after-check",
        reference: "Kleppmann 2016: a GC pause between the lock check and the write; fencing tokens",
        breaks_one_in: 5,
        breaks: cell("lease-fencing", &["fencing=false"]),
        holds: &[cell("lease-fencing", &["fencing=true"])],
    },
    Hazard {
        scenario: "session-pause",
        reference: "Jepsen, etcd 3.4.3: a paused holder outlives its lease",
        breaks_one_in: 5,
        breaks: cell("ephemeral-sequential", &[]),
        holds: &[cell("ephemeral-sequential", &["fencing=true"])],
    },
    Hazard {
        scenario: "failover-split-brain",
        reference: "Redis docs, Sentinel: consistency under partitions",
        breaks_one_in: 5,
        breaks: cell("cache", &["replica=true"]),
        holds: &[cell("cache", &["replica=false"])],
    },
    Hazard {
        scenario: "majorities-ring",
        reference: "Jepsen, Hazelcast 3.8.3: majorities-ring partitions",
        // Redis Sentinel's quorum, majority vote and 180 s failover-timeout
        // make the split rarer than a lone sentinel's: 30 of 200 seeds.
        breaks_one_in: 10,
        breaks: LEADERS,
        holds: &[
            Cell { design: "redlock", params: &[], ..LEADERS },
            Cell { design: "ephemeral-sequential", params: &[], ..LEADERS },
        ],
    },
    Hazard {
        scenario: "slow-acquire",
        reference: "Redis docs, Distributed Locks with Redis: the validity time (step 3)",
        breaks_one_in: 5,
        breaks: cell("redlock", &["validity_check=false"]),
        holds: &[cell("redlock", &["validity_check=true"])],
    },
    Hazard {
        scenario: "client-clock",
        reference: "ShedLock, Chubby, DynamoDB lock client: leases timed on client clocks",
        breaks_one_in: 5,
        breaks: cell("lease-fencing", &["fencing=false"]),
        holds: &[cell("lease-fencing", &["fencing=true"])],
    },
];

pub fn experiment(scenario: &str, c: &Cell) -> Experiment {
    let strings = |s: &[&str]| s.iter().map(|p| p.to_string()).collect();
    Experiment::new(ExperimentSpec {
        algorithm: c.design.into(),
        scenario: scenario.into(),
        workload: c.workload.into(),
        params: strings(c.params),
        workload_params: strings(c.workload_params),
        pattern: c.pattern,
        ..ExperimentSpec::default()
    })
    .unwrap()
}

/// Seeds `0..seeds` of the cell that corrupted the resource.
pub fn corrupted(scenario: &str, c: &Cell, seeds: u64) -> Vec<u64> {
    let experiment = experiment(scenario, c);
    let seeds: Vec<u64> = (0..seeds).collect();
    let corrupted = run_seeds_until(&seeds, 2, &AtomicBool::new(false), |seed| experiment.run(seed).unwrap(), || {});
    corrupted.into_iter().flatten().filter(|run| !run.verdict.corrupted.is_empty()).map(|run| run.seed).collect()
}

pub fn describe(c: &Cell) -> String {
    format!("{} {:?} -w {} {:?}", c.design, c.params, c.workload, c.workload_params)
}
