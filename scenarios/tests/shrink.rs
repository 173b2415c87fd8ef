//! `locksim shrink`: a shrunk case replays from its file with the same kind
//! of violation, twice, with identical hashes; a case whose minimum is known
//! shrinks to it; bad input writes nothing and exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    // cache / swarm seed 2 shows overlaps and no corrupted effect.
    refused(
        &["shrink", "-a", "cache", "-s", "swarm", "--seed", "2", "--kind", "corrupted", "--out", o],
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
