//! `locksim bench`: simulation speed on one core. For each design, seeds of
//! the `none` scenario run one after another on this thread's worker; wall
//! time is read outside the simulation. A bare madsim request/response loop
//! over the same network settings is the baseline: the ratio says how much
//! locksim's world (clocks, history, checkers, the design itself) costs over
//! madsim's own message passing.

use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use madsim::net::rpc::{hash_str, Request};
use madsim::net::Endpoint;
use sim::runner::run_seed;
use sim::world::NetworkSettings;

use crate::args::BenchArgs;
use crate::experiment::{Experiment, ExperimentSpec};
use crate::failure::Failure;

pub fn run(args: BenchArgs) -> Result<ExitCode, Failure> {
    let defaults = ExperimentSpec::default();
    let sim_seconds = defaults.duration_s as f64 * args.seeds as f64;
    println!(
        "{} seeds x {} s simulated per row, one core; 'vs bare' = messages per wall second relative to a bare madsim RPC loop",
        args.seeds, defaults.duration_s
    );
    println!(
        "{:<24} {:>12} {:>18} {:>16} {:>10}",
        "design", "sim s/wall s", "acquisitions/wall s", "messages/wall s", "vs bare"
    );

    let started = Instant::now();
    let mut bare_messages = 0u64;
    for seed in 0..args.seeds {
        bare_messages += bare_rpc_loop(seed, Duration::from_secs(defaults.duration_s))?;
    }
    let bare_wall = started.elapsed().as_secs_f64();
    let bare_rate = bare_messages as f64 / bare_wall;
    println!("{:<24} {:>12.0} {:>18} {:>16.0} {:>10}", "bare-madsim", sim_seconds / bare_wall, "-", bare_rate, "1.00");

    for design in algorithms::designs() {
        let experiment = Experiment::new(ExperimentSpec { algorithm: design.name().into(), ..defaults.clone() })?;
        let started = Instant::now();
        let (mut acquired, mut messages) = (0u64, 0u64);
        for seed in 0..args.seeds {
            let run = experiment.run(seed)?;
            acquired += run.metrics.acquired;
            messages += run.metrics.messages;
        }
        let wall = started.elapsed().as_secs_f64();
        println!(
            "{:<24} {:>12.0} {:>18.0} {:>16.0} {:>10.2}",
            design.name(),
            sim_seconds / wall,
            acquired as f64 / wall,
            messages as f64 / wall,
            (messages as f64 / wall) / bare_rate
        );
    }
    Ok(ExitCode::SUCCESS)
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
