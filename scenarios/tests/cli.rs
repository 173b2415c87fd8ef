//! The command line's promises: exit codes, one-line errors, JSON fields.

use std::process::{Command, Output};

fn locksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).output().unwrap()
}

/// Bad input: exit 2, nothing on stdout, exactly one line on stderr.
fn assert_bad_input(args: &[&str], mentions: &str) {
    let out = locksim(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(mentions), "{args:?}: '{stderr}' does not mention '{mentions}'");
}

#[test]
fn unknown_names_are_refused_with_the_known_ones() {
    assert_bad_input(
        &["run", "-a", "zookeeper-ish", "-s", "none"],
        "unknown algorithm 'zookeeper-ish' (known: database, cache, redlock",
    );
    assert_bad_input(&["run", "-a", "cache", "-s", "meteor"], "unknown scenario 'meteor'");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "-w", "bank"], "unknown workload 'bank'");
    assert_bad_input(&["compare", "-a", "cache,nope"], "unknown algorithm 'nope'");
    assert_bad_input(&["frobnicate"], "frobnicate");
}

#[test]
fn zero_negative_and_malformed_numbers_are_refused() {
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--seeds", "0"], "--seeds");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--seeds", "-3"], "'-3'");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--seeds", "12x"], "'12x'");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--jobs", "0"], "--jobs");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--clients", "-1"], "--clients");
    assert_bad_input(&["replay", "-a", "cache", "-s", "none", "--seed", "x"], "--seed");
    assert_bad_input(
        &["run", "-a", "cache", "-s", "none", "--seed-start", "18446744073709551615", "--seeds", "2"],
        "--seed-start",
    );
}

#[test]
fn missing_arguments_and_impossible_parameters_are_refused() {
    assert_bad_input(&["run", "-a", "cache"], "--scenario");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--param", "ttl_ms=0"], "ttl_ms=0 must be at least 1");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--param", "ttl=5"], "has no parameter 'ttl'");
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--param", "ttl_ms"], "not key=value");
    assert_bad_input(&["run", "-a", "redlock", "-s", "none", "--param", "masters=4"], "masters=4 must be odd");
    assert_bad_input(&["run", "-a", "redlock", "-s", "none", "--param", "masters=1"], "masters=1 must be at least 3");
    assert_bad_input(&["run", "-a", "database", "-s", "none", "--param", "mode=upsert"], "must be one of: insert, cas");
}

#[test]
fn compare_with_bad_input_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("locksim-cli-{}", std::process::id()));
    assert_bad_input(&["compare", "-s", "none,nope", "--out", dir.to_str().unwrap()], "unknown scenario 'nope'");
    assert!(!dir.exists());
}

#[test]
fn replay_prints_the_verdict_and_exits_1_on_a_corrupted_effect() {
    // Find a violating seed with `run`, then replay it.
    let out = locksim(&["run", "-a", "cache", "-s", "gc-pause", "--seeds", "40", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "gc-pause corrupts the stock within 40 seeds");
    let sweep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["algorithm", "scenario", "workload", "seeds", "overlap_seeds", "unsafe_seeds", "runs", "summary"] {
        assert!(sweep.get(key).is_some(), "run JSON lacks {key}");
    }
    let bad = sweep["runs"].as_array().unwrap().iter().find(|r| r["corrupted"].as_u64() > Some(0)).unwrap();
    let seed = bad["seed"].to_string();
    let out = locksim(&["replay", "-a", "cache", "-s", "gc-pause", "--seed", &seed, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let replay: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replay["trace_hash"], bad["trace_hash"]);
    assert_eq!(replay["corrupted"], bad["corrupted"]);
    let violations = replay["violations"].as_array().unwrap();
    assert!(violations.iter().any(|v| v["kind"] == "lost-update" || v["kind"] == "oversold"));
    assert!(violations.iter().all(|v| !v["clients"].as_array().unwrap().is_empty() && v["at_s"].is_number()));
}

#[test]
fn replay_with_trace_prints_the_timeline() {
    let out = locksim(&["replay", "-a", "cache", "-s", "none", "--seed", "3", "--duration", "2", "--trace"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("acquire ok") && text.contains("enter critical section") && text.contains("run ends"));
}

#[test]
fn list_names_every_design_scenario_and_workload() {
    let out = locksim(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["database", "cache", "redlock", "none", "gc-pause", "partition", "lossy-network", "clock-drift"] {
        assert!(text.contains(name), "list lacks {name}");
    }
    for name in
        ["clock-jump", "crash-restart", "cache-eviction", "failover", "swarm", "inventory", "ttl_ms", "masters=5"]
    {
        assert!(text.contains(name), "list lacks {name}");
    }
}

#[test]
fn workloads_and_patterns_refuse_what_cannot_run() {
    let run = |extra: &[&'static str]| [&["run", "-a", "cache", "-s", "none"][..], extra].concat();
    assert_bad_input(
        &["run", "-a", "optimistic", "-s", "none", "-w", "semaphore"],
        "optimistic cannot run workload 'semaphore': a permit is held over time",
    );
    assert_bad_input(
        &["run", "-a", "optimistic", "-s", "none", "--pattern", "try"],
        "--pattern and --reentrant apply to lock-based designs only",
    );
    assert_bad_input(&run(&["--pattern", "sometimes"]), "sometimes");
    assert_bad_input(
        &run(&["-w", "semaphore", "--workload-param", "permits=5"]),
        "permits=5 must be fewer than --clients 5",
    );
    assert_bad_input(&run(&["-w", "semaphore", "--workload-param", "permits=0"]), "permits=0 must be at least 1");
    assert_bad_input(
        &run(&["-w", "cron", "--workload-param", "ttl_ms=5"]),
        "workload 'cron' has no parameter 'ttl_ms'",
    );
    assert_bad_input(&run(&["-w", "transfer", "--workload-param", "accounts=1"]), "accounts=1 must be at least 2");
    assert_bad_input(
        &run(&["-w", "cron", "--workload-param", "period_ms"]),
        "--workload-param 'period_ms' is not key=value",
    );
    assert_bad_input(&run(&["-w", "cron", "--workload-param", "at_least_ms=1000"]), "at_least_ms must be below");
}

#[test]
fn compare_refuses_two_cells_with_one_name() {
    let file = "examples/transfer-ordered.toml";
    assert_bad_input(&["compare", "--config", file, "--config", file, "--seeds", "1"], "two cells would both be named");
}
