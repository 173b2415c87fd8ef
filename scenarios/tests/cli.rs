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

fn scratch_file(name: &str, body: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("locksim-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn a_misspelled_node_target_is_refused_up_front_not_inside_the_seed() {
    let file = scratch_file(
        "node.toml",
        "algorithm = \"cache\"\nscenario = \"custom\"\n[[faults]]\nkind = \"pause\"\ntarget = \"node:clinet-0\"\n",
    );
    let path = file.to_str().unwrap();
    for sub in [&["run", "--config", path][..], &["replay", "--config", path, "--seed", "0"]] {
        assert_bad_input(
            sub,
            "faults[0].target: no node is named 'clinet-0' in this world (nodes: cache, resource, client-0",
        );
    }
    let good = scratch_file("node-ok.toml", &std::fs::read_to_string(&file).unwrap().replace("clinet", "client"));
    assert_eq!(locksim(&["run", "--config", good.to_str().unwrap(), "--seeds", "1"]).status.code(), Some(0));
    std::fs::remove_file(file).unwrap();
    std::fs::remove_file(good).unwrap();
}

#[test]
fn huge_counts_and_durations_are_refused_before_they_overflow_or_allocate() {
    let base = ["run", "-a", "cache", "-s", "none"];
    let with = |extra: &[&'static str]| base.iter().chain(extra).copied().collect::<Vec<_>>();
    assert_bad_input(&with(&["--seeds", "18446744073709551615"]), "--seeds");
    assert_bad_input(&with(&["--duration", "18446744073709551615"]), "--duration");
    assert_bad_input(&with(&["--liveness", "18446744073709551615"]), "--liveness");
    assert_bad_input(&with(&["--clients", "100000"]), "--clients");
    // Silently overflowed the expiry arithmetic and reported corruption in every seed.
    assert_bad_input(&with(&["--param", "ttl_ms=18446744073709551615"]), "must be at most 604800000");
    assert_bad_input(&with(&["--param", "ttl_ms=9223372036854"]), "must be at most 604800000");
    let file = scratch_file(
        "count.toml",
        "algorithm = \"cache\"\nscenario = \"custom\"\n[[faults]]\nkind = \"pause\"\ncount = [1000000000, 1000000000]\n",
    );
    assert_bad_input(
        &["run", "--config", file.to_str().unwrap()],
        "count = [1000000000, 1000000000]: must lie within 0 to 1000",
    );
    std::fs::remove_file(file).unwrap();
}

#[test]
fn an_unwritable_or_overlong_out_is_the_users_error() {
    let base = ["compare", "-a", "cache", "-s", "none", "--seeds", "1", "--duration", "1", "--out"];
    let long = format!("/tmp/{}", "x".repeat(300));
    assert_bad_input(&base.iter().copied().chain([long.as_str()]).collect::<Vec<_>>(), "--out");
    assert_bad_input(&base.iter().copied().chain(["/proc/locksim-report"]).collect::<Vec<_>>(), "--out");
}

#[test]
fn compare_never_overwrites_another_comparison_or_other_files() {
    let dir = std::env::temp_dir().join(format!("locksim-cli-keep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_str().unwrap();
    let cmp = |extra: &[&str]| {
        let mut args = vec!["compare", "-a", "cache", "-s", "none", "--duration", "1", "--out", out];
        args.extend(extra);
        locksim(&args)
    };
    assert_eq!(cmp(&["--seeds", "2"]).status.code(), Some(0));
    let before = std::fs::read(dir.join("runs.csv")).unwrap();
    // The same comparison over the same or more seeds may rewrite it (runs are deterministic).
    assert_eq!(cmp(&["--seeds", "2"]).status.code(), Some(0));
    assert_bad_input(
        &["compare", "-a", "cache", "-s", "gc-pause", "--duration", "1", "--seeds", "2", "--out", out],
        "holds a comparison with other settings",
    );
    assert_bad_input(
        &["compare", "-a", "cache", "-s", "none", "--duration", "1", "--seeds", "1", "--out", out],
        "holds seed 1 of this comparison, which this run would drop",
    );
    assert_eq!(std::fs::read(dir.join("runs.csv")).unwrap(), before, "a refused comparison changed the report");
    std::fs::remove_dir_all(&dir).unwrap();
    // A directory with other files in it is not a report to overwrite.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    assert_bad_input(
        &["compare", "-a", "cache", "-s", "none", "--out", out],
        "is not empty and holds no locksim report",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_quoting_huge_input_stay_one_short_line() {
    let huge = "z".repeat(100_000);
    for args in [
        vec!["run", "-a", huge.as_str(), "-s", "none"],
        vec!["run", "-a", "cache", "-s", "none", "--param", huge.as_str()],
        vec!["run", "-a", "cache", "-s", "none", "--seeds", huge.as_str()],
    ] {
        let out = locksim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr.trim_end().lines().count(), 1);
        assert!(stderr.len() <= 301, "a {}-byte error", stderr.len());
    }
}

#[test]
fn dry_run_checks_the_input_and_runs_nothing() {
    let out = locksim(&["run", "-a", "cache", "-s", "gc-pause", "--seeds", "1000000", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid; nothing ran"));
    assert_bad_input(&["run", "-a", "cache", "-s", "gc-pause", "--param", "ttl_ms=0", "--dry-run"], "ttl_ms=0");
}

#[test]
fn a_scenario_size_is_checked_and_named_in_the_cell_and_its_replay() {
    assert_bad_input(
        &["run", "-a", "cache", "-s", "gc-pause", "--scenario-param", "pause=5"],
        "scenario 'gc-pause' has no parameter 'pause' (it has: pauses, pause_ms)",
    );
    assert_bad_input(&["run", "-a", "cache", "-s", "gc-pause", "--scenario-param", "pause_ms=0"], "must be at least 1");
    assert_bad_input(&["run", "-a", "cache", "-s", "swarm", "--scenario-param", "pause_ms=9"], "(it has: none)");
    let sized = ["-a", "cache", "-s", "gc-pause", "--scenario-param", "pause_ms=12000", "--seeds", "3"];
    let out = locksim(&[&["run"], &sized[..], &["--format", "json"]].concat());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = run.to_string();
    assert!(text.contains("gc-pause(pause_ms=12000)"), "the cell's scenario names its size: {text}");
    assert!(text.contains("--scenario-param pause_ms=12000"), "the replay command fixes the size: {text}");
    let out = locksim(&[
        "replay",
        "-a",
        "cache",
        "-s",
        "gc-pause",
        "--scenario-param",
        "pause_ms=12000",
        "--seed",
        "2",
        "--format",
        "json",
    ]);
    let replay: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replay["trace_hash"], run["runs"][2]["trace_hash"]);
    let drawn = locksim(&["replay", "-a", "cache", "-s", "gc-pause", "--seed", "2", "--format", "json"]);
    let drawn: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    assert_ne!(drawn["trace_hash"], replay["trace_hash"], "a fixed pause plays another history");
}

#[test]
fn bench_checks_a_built_history_and_says_what_it_cost() {
    let out = locksim(&["bench", "--section", "checkers", "--check-events", "80000"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("a clean inventory history of 80001 events"), "{stdout}");
    assert!(stdout.contains("checked in ") && stdout.contains("bytes/event"), "{stdout}");
    assert_bad_input(&["bench", "--check-events", "5"], "--check-events");
    assert_bad_input(&["bench", "--section", "everything"], "everything");
}

#[test]
fn the_clients_limit_refuses_a_hundred_thousand_clients_in_one_line() {
    assert_bad_input(&["run", "-a", "cache", "-s", "none", "--clients", "100000"], "--clients");
}
