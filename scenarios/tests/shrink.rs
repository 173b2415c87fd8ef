//! `locksim shrink`: a shrunk case replays from its file with the same kind
//! of violation, twice, with identical hashes; a case whose minimum is known
//! shrinks to it; bad input writes nothing and exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::files;

fn locksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksim-shrink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

/// The first seed below 50 of design / scenario (workload inventory) that shows a violation.
fn first_violating(design: &str, scenario: &str) -> u64 {
    let out = locksim(&["run", "-a", design, "-s", scenario, "--seeds", "50", "--format", "json"]);
    let run = json(&out);
    let seeds = run["runs"].as_array().unwrap();
    let bad = seeds.iter().find(|r| r["overlaps"].as_u64() > Some(0) || r["corrupted"].as_u64() > Some(0));
    bad.unwrap_or_else(|| panic!("{design} / {scenario} no longer violates in 50 seeds"))["seed"].as_u64().unwrap()
}

/// Shrink, then replay the written file twice: same kind, same hash, each time.
fn shrinks_and_replays(design: &str, scenario: &str) {
    let seed = first_violating(design, scenario).to_string();
    let file = scratch(&format!("{design}-{scenario}.toml"));
    let f = file.to_str().unwrap();
    let out = shrink(design, scenario, &seed, "40", f);
    assert_eq!(out.status.code(), Some(0), "{design}/{scenario}: {}", String::from_utf8_lossy(&out.stderr));
    let shrunk = json(&out);
    let kind = shrunk["kind"].as_str().unwrap();
    assert!(shrunk["after"]["faults"].as_u64() <= shrunk["before"]["faults"].as_u64(), "{shrunk}");
    let replay_seed = shrunk["seed"].as_u64().unwrap().to_string();
    let mut hashes = Vec::new();
    for _ in 0..2 {
        let replay = json(&locksim(&["replay", "--config", f, "--seed", &replay_seed, "--format", "json"]));
        let kinds: Vec<&str> =
            replay["violations"].as_array().unwrap().iter().map(|v| v["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&kind), "{design}/{scenario}: the shrunk file shows {kinds:?}, not {kind}");
        hashes.push(replay["trace_hash"].clone());
    }
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0], shrunk["trace_hash"], "the file replays the history shrink checked");
}

/// `locksim shrink` of one seed within `max_runs`, writing `out`, answering in JSON.
fn shrink(design: &str, scenario: &str, seed: &str, max_runs: &str, out: &str) -> Output {
    locksim(&[
        "shrink",
        "-a",
        design,
        "-s",
        scenario,
        "--seed",
        seed,
        "--max-runs",
        max_runs,
        "--out",
        out,
        "--format",
        "json",
    ])
}

#[test]
fn a_sample_of_the_default_compares_violating_cells_shrinks_to_files_that_fail_alike() {
    for (design, scenario) in
        [("cache", "swarm"), ("redlock", "gc-pause"), ("cache", "clock-jump"), ("database", "swarm")]
    {
        shrinks_and_replays(design, scenario);
    }
}

#[test]
fn a_swarm_seed_that_needs_one_clock_jump_shrinks_to_exactly_that_jump() {
    // database / swarm seed 1: 22 faults drawn; its lost update needs a single
    // fault, the holder's clock stepping back ~14 s (its next row is stamped in
    // the past, so another client's cutoff sees it as expired); without
    // faults the seed is clean.
    let clean = json(&locksim(&["replay", "-a", "database", "-s", "none", "--seed", "1", "--format", "json"]));
    assert_eq!(clean["violations"].as_array().unwrap().len(), 0, "the seed fails without faults");
    let file = scratch("one-pause.toml");
    let f = file.to_str().unwrap();
    let out = shrink("database", "swarm", "1", "80", f);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let shrunk = json(&out);
    assert!(shrunk["before"]["faults"].as_u64().unwrap() > 1, "{shrunk}");
    assert_eq!(shrunk["after"]["faults"], 1, "{shrunk}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("[[plan]]").count(), 1, "{text}");
    assert!(text.contains("fault = \"clock-jump\""), "{text}");
}

/// Exit 2, one line on stderr, and nothing at `out`.
fn refused(args: &[&str], out: &Path, needle: &str) {
    let o = locksim(args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{stderr} should mention {needle}");
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
}

#[test]
fn a_clean_seed_a_kind_it_does_not_show_or_a_malformed_plan_is_refused_and_writes_nothing() {
    let out = scratch("refused.toml");
    let o = out.to_str().unwrap();
    refused(&["shrink", "-a", "database", "-s", "none", "--seed", "1", "--out", o], &out, "does not fail");
    // cache / swarm seed 5 shows overlaps and no corrupted effect.
    refused(
        &["shrink", "-a", "cache", "-s", "swarm", "--seed", "5", "--kind", "corrupted", "--out", o],
        &out,
        "no corrupted effect",
    );
    let bad = scratch("bad-plan.toml");
    std::fs::write(
        &bad,
        "algorithm = \"cache\"\nscenario = \"mine\"\n\n[[plan]]\nat_ms = 100\nfault = \"pause\"\ntarget = \"holder\"\nlength_ms = 5\n",
    )
    .unwrap();
    refused(&["shrink", "--config", bad.to_str().unwrap(), "--seed", "0", "--out", o], &out, "plan[0]");
    refused(&["replay", "--config", bad.to_str().unwrap(), "--seed", "0"], &out, "plan[0].");
}

#[test]
fn compare_shrinks_each_violating_cells_first_seed_into_a_file_that_replays_alike_from_the_report() {
    let dir = scratch("compare-report");
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let cells = ["-a", "cache,database", "-s", "none,gc-pause", "-w", "inventory", "--seeds", "4", "--duration", "20"];
    let compare = |out: &str, extra: &[&str]| {
        let mut args = vec!["compare"];
        args.extend(cells);
        args.extend(extra);
        args.extend(["--out", out]);
        let run = locksim(&args);
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    };
    compare(d, &[]);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let originals = md.lines().filter(|l| l.starts_with("- ") && l.contains(": `locksim replay -a ")).count();
    let shrunk: Vec<(String, String)> = md
        .lines()
        .filter_map(|l| l.strip_prefix("  - shrunk to "))
        .map(|l| {
            let command = l.split('`').nth(1).unwrap();
            let words: Vec<&str> = command.split(' ').collect();
            assert_eq!(words[..3], ["locksim", "replay", "--config"], "{command}");
            (words[3].to_string(), words[5].to_string())
        })
        .collect();
    assert!(originals >= 2, "gc-pause should break both designs within 4 seeds:\n{md}");
    assert_eq!(shrunk.len(), originals, "one shrunk case per violating cell:\n{md}");
    assert_eq!(dir.join("shrunk").read_dir().unwrap().count(), shrunk.len());
    for (file, seed) in &shrunk {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let kind = text.split("It shows ").nth(1).unwrap().split('.').next().unwrap();
        let mut hashes = Vec::new();
        for _ in 0..2 {
            // The command as the report prints it: run from the report directory.
            let out = Command::new(env!("CARGO_BIN_EXE_locksim"))
                .args(["replay", "--config", file, "--seed", seed, "--format", "json"])
                .current_dir(&dir)
                .output()
                .unwrap();
            let replay = json(&out);
            let kinds: Vec<&str> =
                replay["violations"].as_array().unwrap().iter().map(|v| v["kind"].as_str().unwrap()).collect();
            assert!(kinds.contains(&kind), "{file}: shows {kinds:?}, not {kind}");
            hashes.push(replay["trace_hash"].clone());
        }
        assert_eq!(hashes[0], hashes[1], "{file}");
    }
    // `locksim report` rebuilds the same shrunk cases, byte for byte.
    let rebuilt = scratch("compare-report-rebuilt");
    let _ = std::fs::remove_dir_all(&rebuilt);
    let out = locksim(&["report", d, "--out", rebuilt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(files(&dir) == files(&rebuilt), "the rebuilt report differs from compare's");
    // --no-shrink: the same report without shrunk cases.
    let plain = scratch("compare-no-shrink");
    let _ = std::fs::remove_dir_all(&plain);
    compare(plain.to_str().unwrap(), &["--no-shrink"]);
    assert!(!plain.join("shrunk").exists());
    let plain_md = std::fs::read_to_string(plain.join("report.md")).unwrap();
    assert!(!plain_md.contains("shrunk to") && !plain_md.contains("smallest case"), "{plain_md}");
    for d in [dir, rebuilt, plain] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_pause_seed_shrinks_to_a_run_ten_times_shorter_within_compares_budget() {
    // database / gc-pause seed 0: its lost update comes at 60 s; alone, one of
    // its three pauses breaks the lock at 12 s. A search that moves a start
    // back and forth without a measure spent 400 runs and kept the 60 s run.
    let file = scratch("pause-budget.toml");
    let out = shrink("database", "gc-pause", "0", "40", file.to_str().unwrap());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let shrunk = json(&out);
    let (before, after) = (&shrunk["before"], &shrunk["after"]);
    assert_eq!(after["faults"], 1, "{shrunk}");
    assert!(after["sim_ms"].as_u64() <= Some(15_000), "{shrunk}");
    assert!(after["events"].as_u64().unwrap() * 10 <= before["events"].as_u64().unwrap(), "{shrunk}");
}
