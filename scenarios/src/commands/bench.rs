//! `locksim bench`: simulation speed on one core, and what the checkers
//! cost at scale. Wall time is read outside the simulation only.
//!
//! Sections, in the order printed (`--section` runs one):
//! - `checkers`: a built clean history of `--check-events` events
//!   (`sim::check::fixture::inventory_history`) judged, measured and hashed
//!   as a run's is; wall time and memory per event (from the process's
//!   resident set, Linux only). It runs first so the memory peak is its own.
//! - `workloads`: for each workload and each design that runs it, seeds of
//!   the `none` scenario one after another on this thread. A bare madsim
//!   request/response loop over the same network settings is the baseline:
//!   "vs bare" says how much locksim's world (clocks, history, checkers, the
//!   design itself) costs over madsim's own message passing.
//! - `clients`: each design with 10, 100 and 1000 clients (inventory, 10
//!   simulated seconds a seed, 2000 / clients seeds so that each point sends
//!   enough messages to time): wall time per simulated message at each, and
//!   the ratio 1000 to 10 clients; flat cost per message is near 1.

use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use madsim::net::rpc::{hash_str, Request};
use madsim::net::Endpoint;
use sim::runner::run_seed;
use sim::world::NetworkSettings;

use crate::args::{BenchArgs, BenchSection};
use crate::experiment::{Experiment, ExperimentSpec};
use crate::failure::Failure;
use crate::workload::WORKLOADS;

pub fn run(args: BenchArgs) -> Result<ExitCode, Failure> {
    let all = args.section == BenchSection::All;
    if all || args.section == BenchSection::Checkers {
        checkers(args.check_events)?;
    }
    if all || args.section == BenchSection::Workloads {
        workloads(args.seeds)?;
    }
    if all || args.section == BenchSection::Clients {
        clients_curve()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Judge, measure and hash a built history of `events` events.
fn checkers(events: u64) -> Result<(), Failure> {
    let before = resident_bytes("VmRSS");
    let started = Instant::now();
    let history = sim::check::fixture::inventory_history(events as usize, 100);
    let built = started.elapsed().as_secs_f64();
    let held = resident_bytes("VmRSS");
    let n = history.events.len() as f64;
    let effects = crate::workload::inventory::corrupted::EFFECTS;
    let started = Instant::now();
    let verdict = sim::check::judge(&history, &[effects.check]);
    let judged = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let metrics = sim::metrics::RunMetrics::measure(&history);
    let measured = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let hash = history.trace_hash();
    let hashed = started.elapsed().as_secs_f64();
    let peak = resident_bytes("VmHWM");
    assert!(verdict.overlaps.is_empty() && verdict.corrupted.is_empty(), "the built history is clean");
    assert_eq!(metrics.acquired as f64, (n - 1.0) / 8.0, "every turn acquires once");
    let per_event =
        |bytes: Option<(u64, u64)>| bytes.map_or("-".into(), |(a, b)| format!("{:.0}", b.saturating_sub(a) as f64 / n));
    println!("checkers: a clean inventory history of {} events, 100 clients (trace {hash:016x})", n as u64);
    println!(
        "  built {built:.2} s; judged (overlap + inventory effects) {judged:.2} s; measured {measured:.2} s; trace hash {hashed:.2} s; checked in {:.2} s",
        judged + measured
    );
    println!(
        "  memory: history {} bytes/event held, {} bytes/event at the peak while checking (size_of Event = {})\n",
        per_event(before.zip(held)),
        per_event(before.zip(peak)),
        std::mem::size_of::<sim::history::Event>()
    );
    Ok(())
}

/// The process's resident set (`VmRSS`) or its peak (`VmHWM`) in bytes, where
/// /proc says it.
fn resident_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Every workload x every design that runs it, against the bare baseline.
fn workloads(seeds: u64) -> Result<(), Failure> {
    let defaults = ExperimentSpec::default();
    let sim_seconds = defaults.duration_s as f64 * seeds as f64;
    println!(
        "workloads: {seeds} seeds x {} s simulated per row, one core; 'vs bare' = messages per wall second relative to a bare madsim RPC loop",
        defaults.duration_s
    );
    println!(
        "{:<24} {:<16} {:>12} {:>18} {:>16} {:>10}",
        "design", "workload", "sim s/wall s", "acquisitions/wall s", "messages/wall s", "vs bare"
    );
    let started = Instant::now();
    let mut bare_messages = 0u64;
    for seed in 0..seeds {
        bare_messages += bare_rpc_loop(seed, Duration::from_secs(defaults.duration_s))?;
    }
    let bare_wall = started.elapsed().as_secs_f64();
    let bare_rate = bare_messages as f64 / bare_wall;
    println!(
        "{:<24} {:<16} {:>12.0} {:>18} {:>16.0} {:>10}",
        "bare-madsim",
        "-",
        sim_seconds / bare_wall,
        "-",
        bare_rate,
        "1.00"
    );
    for workload in WORKLOADS {
        for design in algorithms::designs() {
            if workload.unsupported(*design).is_some() {
                continue;
            }
            let spec =
                ExperimentSpec { algorithm: design.name().into(), workload: workload.name.into(), ..defaults.clone() };
            let (wall, acquired, messages) = timed(&Experiment::new(spec)?, seeds)?;
            println!(
                "{:<24} {:<16} {:>12.0} {:>18.0} {:>16.0} {:>10.2}",
                design.name(),
                workload.name,
                sim_seconds / wall,
                acquired as f64 / wall,
                messages as f64 / wall,
                (messages as f64 / wall) / bare_rate
            );
        }
    }
    println!();
    Ok(())
}

/// Wall seconds, acquisitions and messages of `seeds` seeds run in turn.
fn timed(experiment: &Experiment, seeds: u64) -> Result<(f64, u64, u64), Failure> {
    let started = Instant::now();
    let (mut acquired, mut messages) = (0u64, 0u64);
    for seed in 0..seeds {
        let run = experiment.run(seed)?;
        acquired += run.metrics.acquired;
        messages += run.metrics.messages;
    }
    Ok((started.elapsed().as_secs_f64(), acquired, messages))
}

/// Clients counts of the scaling curve.
const CURVE: [u32; 3] = [10, 100, 1000];

/// Each design at 10, 100 and 1000 clients: wall time per simulated message.
fn clients_curve() -> Result<(), Failure> {
    println!("clients: inventory, 2000/clients seeds x 10 s simulated per point, one core; wall microseconds per simulated message (messages sent)");
    println!("{:<24} {:>22} {:>22} {:>22} {:>14}", "design", "10 clients", "100 clients", "1000 clients", "1000 vs 10");
    for design in algorithms::designs() {
        let mut cost = Vec::new();
        let mut cells = Vec::new();
        for clients in CURVE {
            let spec = ExperimentSpec {
                algorithm: design.name().into(),
                clients,
                duration_s: 10,
                ..ExperimentSpec::default()
            };
            let (wall, _, messages) = timed(&Experiment::new(spec)?, (2000 / clients as u64).max(1))?;
            let us = wall * 1e6 / messages.max(1) as f64;
            cost.push(us);
            cells.push(format!("{us:.2} us ({messages})"));
        }
        println!(
            "{:<24} {:>22} {:>22} {:>22} {:>13.2}x",
            design.name(),
            cells[0],
            cells[1],
            cells[2],
            cost[2] / cost[0]
        );
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Ping(u64);

impl Request for Ping {
    type Response = u64;
    const ID: u64 = hash_str("locksim.bench.ping");
}

/// One client calling one server back to back for `duration` of simulated
/// time; returns the messages sent (requests and replies).
fn bare_rpc_loop(seed: u64, duration: Duration) -> Result<u64, Failure> {
    let round_trips = run_seed(seed, duration * 2, move || async move {
        let handle = madsim::runtime::Handle::current();
        let net = NetworkSettings::default();
        madsim::net::NetSim::current().update_config(|c| c.send_latency = net.latency_min..net.latency_max);
        let server_addr: std::net::SocketAddr = "10.9.0.1:7000".parse().expect("valid address");
        handle
            .create_node()
            .ip(server_addr.ip())
            .init(move || async move {
                let ep = Endpoint::bind(server_addr).await.expect("bind");
                ep.add_rpc_handler(|p: Ping| async move { p.0 });
                std::future::pending::<()>().await
            })
            .build();
        let client = handle.create_node().ip("10.9.0.2".parse().expect("valid address")).build();
        client
            .spawn(async move {
                let ep = Endpoint::bind("10.9.0.2:7000").await.expect("bind");
                let deadline = madsim::time::Instant::now() + duration;
                let mut n = 0u64;
                while madsim::time::Instant::now() < deadline {
                    ep.call(server_addr, Ping(n)).await.expect("no faults in the baseline");
                    n += 1;
                }
                n
            })
            .await
            .expect("client task finishes")
    })?;
    Ok(round_trips * 2)
}
