//! Scenario files: every example runs, a replay from a file reproduces its
//! run, and malformed files are refused with one line naming file and key.

use std::path::PathBuf;
use std::process::{Command, Output};

fn locksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).output().unwrap()
}

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    // Scenario files only: sweep files live in examples/sweeps/.
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

#[test]
fn every_example_runs_and_replays_to_the_same_trace() {
    assert!(examples().len() >= 4);
    for file in examples() {
        let f = file.to_str().unwrap();
        let out = locksim(&["run", "--config", f, "--seeds", "2", "--format", "json"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{f}: {}", String::from_utf8_lossy(&out.stderr));
        let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let out = locksim(&["replay", "--config", f, "--seed", "1", "--format", "json"]);
        let replay: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(replay["trace_hash"], run["runs"][1]["trace_hash"], "{f}");
    }
}

/// Write `body` to a scratch file and expect exit 2 with one line mentioning `needles`.
fn refused(body: &str, needles: &[&str]) {
    let path = std::env::temp_dir().join(format!("locksim-config-{}-{}.toml", std::process::id(), needles[0].len()));
    std::fs::write(&path, body).unwrap();
    let out = locksim(&["run", "--config", path.to_str().unwrap(), "--seeds", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{body}\n{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(path.to_str().unwrap()), "does not name the file: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "'{stderr}' does not mention '{needle}'");
    }
    std::fs::remove_file(path).unwrap();
}

#[test]
fn malformed_files_are_refused_naming_the_file_and_key() {
    let head = "algorithm = \"cache\"\nscenario = \"none\"\n";
    refused(&format!("{head}colour = \"blue\"\n"), &["unknown field `colour`", ":3:"]);
    refused(&format!("{head}clients = \"five\"\n"), &["clients = \"five\"", ":3:"]);
    refused(&format!("{head}[network]\nlatency_ms = 3\n"), &["unknown field `latency_ms`"]);
    refused(&format!("{head}[params]\nttl_ms = 0\n"), &["ttl_ms=0 must be at least 1"]);
    refused(&format!("{head}[params]\nttl = 5\n"), &["has no parameter 'ttl'"]);
    refused("algorithm = \"redlock\"\nscenario = \"none\"\n[params]\nmasters = 4\n", &["masters=4 must be odd"]);
    refused(&format!("{head}[[faults]]\nkind = \"pause\"\ncount = [3, 1]\n"), &["faults[0].count = [3, 1]"]);
    refused(&format!("{head}[[faults]]\nkind = \"tornado\"\n"), &["unknown variant `tornado`"]);
    refused(&format!("{head}[[faults]]\nkind = \"clock-jump\"\n"), &["jump_ms is required"]);
    // A backward jump larger than the clock's age at the rule's earliest start (5% of 60 s).
    refused(
        &format!("{head}[[faults]]\nkind = \"clock-jump\"\njump_ms = [-3001, 5000]\nat_percent = [5, 80]\n"),
        &["faults[0].jump_ms = [-3001, 5000]", "3000 ms into the run"],
    );
    refused(
        &format!("{head}[[faults]]\nkind = \"clock-strobe\"\njump_ms = [1000, 2000]\n"),
        &["faults[0].period_ms is required"],
    );
    refused("algorithm = \"cache\"\n", &["scenario is required"]);
    refused(
        &format!("{head}duration_s = 999999999\n"),
        &["duration_s in a scenario file) must be a whole number from 1 to 604800"],
    );
    refused(&format!("{head}duration_s = 18446744073709551615\n"), &[":3:"]);
    refused(&format!("{head}pattern = \"sometimes\"\n"), &["unknown variant `sometimes`", ":3:"]);
    refused(&format!("{head}config = \"x.toml\"\n"), &["config is not a scenario-file key"]);
    refused("algorithm = \"cache\"\nscenario = \"meteor\"\n", &["unknown scenario 'meteor'"]);
    refused(&format!("{head}[network]\nloss_percent = 100\n"), &["loss_percent must be below 100"]);
}

#[test]
fn malformed_partitions_and_triggers_are_refused_naming_the_key() {
    let head = "algorithm = \"redlock\"\nscenario = \"custom\"\n[[faults]]\n";
    let groups = format!("{head}kind = \"partition\"\nshape = \"groups\"\n");
    refused(&format!("{groups}groups = [[\"client:0\"]]\n"), &["faults[0].groups must be two non-empty lists"]);
    refused(&format!("{groups}groups = [[\"client:0\"], []]\n"), &["faults[0].groups must be two non-empty lists"]);
    refused(&format!("{groups}groups = [[\"client:0\"], [\"leader\"]]\n"), &["faults[0].groups: target 'leader'"]);
    refused(&groups, &["faults[0].groups is required for shape = \"groups\""]);
    refused(
        &format!("{groups}groups = [[\"node:client-0\"], [\"node:redis-9\"]]\n"),
        &["faults[0].groups: no node is named 'redis-9'", "redis-4"],
    );
    refused(
        &format!("{head}kind = \"partition\"\nshape = \"majorities-ring\"\none_way = true\n"),
        &["faults[0].one_way does not apply to shape = \"majorities-ring\""],
    );
    refused(
        &format!("{head}kind = \"pause\"\nservers = [1, 2]\n"),
        &["faults[0].servers applies only to shape = \"from-servers\""],
    );
    refused(
        &format!("{head}kind = \"pause\"\nshape = \"bridge\"\n"),
        &["faults[0].shape applies only to kind = \"partition\""],
    );
    refused(
        &format!("{head}kind = \"crash\"\nwhen = \"master-accepted\"\n"),
        &["faults[0].when: redlock with workload inventory never marks 'master-accepted'", "bare-majority"],
    );
    refused(
        &format!("{head}kind = \"pause\"\ntarget = \"triggering\"\n"),
        &["faults[0].target 'triggering' needs when"],
    );
    refused(
        &format!("{head}kind = \"pause\"\nwhen = \"cs-enter\"\nwhen_by = \"every-client\"\n"),
        &["faults[0].when_by = 'every-client': must name one node"],
    );
    refused(&format!("{head}kind = \"pause\"\ndelay_ms = [5, 1]\n"), &["faults[0].delay_ms needs when"]);
    let optimistic =
        "algorithm = \"optimistic\"\nscenario = \"custom\"\n[[faults]]\nkind = \"pause\"\nwhen = \"cs-enter\"\n";
    refused(
        optimistic,
        &["faults[0].when: optimistic with workload inventory never marks 'cs-enter' (it marks: nothing)"],
    );
}

#[test]
fn a_file_and_flags_cannot_be_mixed_and_compare_writes_nothing_on_a_bad_file() {
    let example = examples()[0].clone();
    let out = locksim(&["run", "--config", example.to_str().unwrap(), "-a", "cache"]);
    assert_eq!(out.status.code(), Some(2));
    let bad = std::env::temp_dir().join(format!("locksim-config-bad-{}.toml", std::process::id()));
    std::fs::write(&bad, "algorithm = 3\n").unwrap();
    let dir = std::env::temp_dir().join(format!("locksim-config-out-{}", std::process::id()));
    let out = locksim(&[
        "compare",
        "--config",
        example.to_str().unwrap(),
        "--config",
        bad.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.exists(), "a refused comparison wrote {}", dir.display());
    std::fs::remove_file(bad).unwrap();
}

#[test]
fn a_files_scenario_params_play_as_the_flags_do() {
    let path = std::env::temp_dir().join(format!("locksim-scenario-params-{}.toml", std::process::id()));
    let body = "algorithm = \"cache\"\nscenario = \"session-pause\"\n[scenario_params]\npause_ms = 12000\n";
    std::fs::write(&path, body).unwrap();
    let hash = |out: Output| serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["trace_hash"].clone();
    let from_file = hash(locksim(&["replay", "--config", path.to_str().unwrap(), "--seed", "3", "--format", "json"]));
    let flags = ["replay", "-a", "cache", "-s", "session-pause", "--scenario-param", "pause_ms=12000"];
    let from_flags = hash(locksim(&[&flags[..], &["--seed", "3", "--format", "json"]].concat()));
    assert_eq!(from_file, from_flags);
    assert!(from_file.is_string(), "{from_file}");
    std::fs::remove_file(&path).unwrap();
    refused(
        "algorithm = \"cache\"\nscenario = \"x\"\n[scenario_params]\npause_ms = 5\n[[faults]]\nkind = \"pause\"\n",
        &["scenario_params size a built-in scenario"],
    );
}
