//! Bad input, fuzzed: thousands of mutated scenario files and command
//! lines, drawn from a fixed seed (so the test is itself deterministic), each
//! given to the real binary with `--dry-run`. Whatever the input, the binary
//! must not panic, abort or hang: it accepts the input (exit 0) or refuses it
//! with exit 2, nothing on stdout and one line of at most 300 bytes on stderr.

use rand::seq::SliceRandom;
use rand::Rng;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sim::rng::SimRng;

const FILES: usize = 3000;
const COMMAND_LINES: usize = 2000;
/// Far above any dry run's cost: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);
const MAX_LINE: usize = 300;

/// Values that have broken parsers before: overflows, signs, wrong types, huge text.
fn nasty_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "0",
        "1",
        "-1",
        "3",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854",
        "9223372036854775807",
        "-9223372036854775808",
        "4294967296",
        "1e99",
        "1.5",
        "NaN",
        "\"\"",
        "\"x\"",
        "\"node:nobody\"",
        "\"node:client-0\"",
        "true",
        "[1, 2]",
        "[2, 1]",
        "[1000000000, 1000000000]",
        "[-9223372036854775808, 9223372036854775807]",
        "{}",
        "\"ünïcødé\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("\"{}\"", "x".repeat(20_000)));
    v.push("9".repeat(5_000));
    v
}

fn corpus() -> Vec<String> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut texts: Vec<String> = std::fs::read_dir(examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts.push(
        "algorithm = \"redlock\"\nscenario = \"custom\"\nworkload = \"semaphore\"\nclients = 4\n\
         [workload_params]\npermits = 2\n[[faults]]\nkind = \"partition\"\ntarget = \"node:redis-0\"\n\
         count = [1, 2]\nduration_ms = [100, 5000]\nfrom = \"servers\"\n[[faults]]\nkind = \"network\"\n\
         latency_max_ms = [10, 50]\nloss_percent = [1, 5]\n[[faults]]\nkind = \"clock-drift\"\n\
         drift_ppm = [-5000, 5000]\n"
            .into(),
    );
    texts
}

/// One mutation of a scenario file's text.
fn mutate(rng: &mut SimRng, text: &str, values: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let keys = [
        "algorithm",
        "scenario",
        "workload",
        "clients",
        "stock",
        "duration_s",
        "liveness_s",
        "timeout_ms",
        "pattern",
        "reentrant",
        "ttl_ms",
        "count",
        "duration_ms",
        "at_percent",
        "jump_ms",
        "drift_ppm",
        "target",
        "kind",
        "loss_percent",
        "latency_max_ms",
        "latency_min_ms",
        "masters",
        "permits",
        "colour",
        "config",
        "expiry_ms",
        "lease_ms",
    ];
    for _ in 0..rng.gen_range(1..=3) {
        let at = rng.gen_range(0..=lines.len());
        match rng.gen_range(0..8) {
            // Set a key to a nasty value (replacing the line, or as a new one).
            0..=2 => {
                let line = format!("{} = {}", keys.choose(rng).unwrap(), values.choose(rng).unwrap());
                if at < lines.len() && rng.gen_bool(0.5) {
                    lines[at] = line;
                } else {
                    lines.insert(at, line);
                }
            }
            // Keep the key, change the value.
            3 if at < lines.len() => {
                if let Some((key, _)) = lines[at].split_once('=') {
                    lines[at] = format!("{key}= {}", values.choose(rng).unwrap());
                }
            }
            4 if at < lines.len() => {
                lines.remove(at);
            }
            5 if at < lines.len() => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            6 => lines.insert(
                at,
                ["[[faults]]", "[params]", "[network]", "[workload_params]", "[x]"].choose(rng).unwrap().to_string(),
            ),
            _ => {
                // Cut the file at a random character.
                let joined = lines.join("\n");
                let cut = joined.char_indices().map(|(i, _)| i).collect::<Vec<_>>();
                if let Some(&i) = cut.choose(rng) {
                    return joined[..i].to_string();
                }
            }
        }
    }
    lines.join("\n")
}

/// A random command line made of real flags and nasty values.
fn command_line(rng: &mut SimRng, values: &[String]) -> Vec<String> {
    let sub = ["run", "replay", "compare", "report", "list", "nope"].choose(rng).unwrap().to_string();
    let flags = [
        "-a",
        "-s",
        "-w",
        "--seeds",
        "--seed",
        "--seed-start",
        "--jobs",
        "--clients",
        "--stock",
        "--duration",
        "--liveness",
        "--timeout-ms",
        "--pattern",
        "--param",
        "--workload-param",
        "--config",
        "--out",
        "--format",
        "--resume",
        "--reentrant",
        "--trace",
        "--bogus",
    ];
    let words = [
        "cache",
        "redlock",
        "database",
        "all",
        "none",
        "gc-pause",
        "swarm",
        "inventory",
        "cron",
        "transfer",
        "semaphore",
        "ttl_ms=5000",
        "ttl_ms=18446744073709551615",
        "masters=4",
        "permits=9",
        "try",
        "timeout",
        "json",
        "/nonexistent/dir/x",
        "",
    ];
    let mut args = vec![sub.clone()];
    let want = |args: &mut Vec<String>, flag: &str, value: &str| {
        args.push(flag.to_string());
        args.push(value.to_string());
    };
    // Mostly well-formed heads, so the values reach the validators.
    if rng.gen_bool(0.8) && matches!(sub.as_str(), "run" | "replay") {
        want(&mut args, "-a", words[rng.gen_range(0..3)]);
        want(&mut args, "-s", words[rng.gen_range(4..7)]);
        if sub == "replay" {
            want(&mut args, "--seed", "1");
        }
    }
    for _ in 0..rng.gen_range(0..5) {
        let flag = flags.choose(rng).unwrap();
        args.push(flag.to_string());
        if rng.gen_bool(0.85) {
            let value = if rng.gen_bool(0.5) {
                words.choose(rng).unwrap().to_string()
            } else {
                values.choose(rng).unwrap().trim_matches('"').to_string()
            };
            args.push(value);
        }
    }
    args
}

/// Run the binary on `args`, killing it if it hangs; (exit code, stdout, stderr).
fn locksim(args: &[String]) -> (Option<i32>, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_locksim"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > HANG {
            child.kill().unwrap();
            panic!("hung for {HANG:?}: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Exit 0, or exit 2 with nothing on stdout and one short line on stderr.
fn judge(args: &[String], what: &str) -> bool {
    let (code, stdout, stderr) = locksim(args);
    let shown = || {
        format!("{what}\nargs: {:?}", args.iter().map(|a| a.chars().take(80).collect::<String>()).collect::<Vec<_>>())
    };
    match code {
        Some(0) => true,
        Some(2) => {
            assert!(stdout.is_empty(), "refused input printed to stdout: {}", shown());
            let lines: Vec<&str> = stderr.trim_end().lines().collect();
            assert_eq!(lines.len(), 1, "not one line: {stderr}\n{}", shown());
            assert!(
                lines[0].len() <= MAX_LINE,
                "a {}-byte error line: {}\n{}",
                lines[0].len(),
                &lines[0][..200],
                shown()
            );
            assert!(lines[0].starts_with("error") || lines[0].contains("--help"), "{stderr}\n{}", shown());
            false
        }
        other => panic!("exit {other:?} (a panic or abort?): {stderr}\n{}", shown()),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksim-fuzz-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Split `count` cases over two threads; each case is drawn from its own seed.
fn in_parallel(count: usize, case: impl Fn(u64) -> bool + Sync) -> (usize, usize) {
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for part in 0..2u64 {
            let (case, accepted) = (&case, &accepted);
            s.spawn(move || {
                for i in (part..count as u64).step_by(2) {
                    if case(i) {
                        accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let accepted = accepted.into_inner();
    (accepted, count - accepted)
}

#[test]
fn mutated_scenario_files_are_accepted_or_refused_in_one_short_line() {
    let (texts, values, dir) = (corpus(), nasty_values(), scratch("files"));
    let (accepted, refused) = in_parallel(FILES, |i| {
        let rng = &mut sim::rng::stream(i, "fuzz/files");
        let base = texts.choose(rng).unwrap();
        let text = mutate(rng, base, &values);
        let path = dir.join(format!("case-{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let sub = if i % 3 == 0 { "replay" } else { "run" };
        let mut args = vec![sub.to_string(), "--config".into(), path.display().to_string(), "--dry-run".into()];
        if sub == "replay" {
            args.extend(["--seed".into(), "0".into()]);
        }
        let ok = judge(&args, &text.chars().take(2000).collect::<String>());
        std::fs::remove_file(path).unwrap();
        ok
    });
    println!("{FILES} mutated scenario files: {accepted} accepted, {refused} refused");
    // The mutations must reach both sides, or the test tests nothing.
    assert!(accepted > 50 && refused > 500, "{accepted} accepted, {refused} refused");
}

#[test]
fn mutated_command_lines_are_accepted_or_refused_in_one_short_line() {
    let (values, dir) = (nasty_values(), scratch("cli"));
    let (accepted, refused) = in_parallel(COMMAND_LINES, |i| {
        let rng = &mut sim::rng::stream(i, "fuzz/command-lines");
        let mut args = command_line(rng, &values);
        if matches!(args[0].as_str(), "run" | "replay" | "compare") {
            args.push("--dry-run".into());
        }
        // Reports written by accepted lines land in a scratch directory.
        if args[0] == "report" && !args.iter().any(|a| a == "--out") {
            args.extend(["--out".into(), dir.join(format!("out-{i}")).display().to_string()]);
        }
        judge(&args, "")
    });
    println!("{COMMAND_LINES} mutated command lines: {accepted} accepted, {refused} refused");
    assert!(accepted > 20 && refused > 300, "{accepted} accepted, {refused} refused");
    std::fs::remove_dir_all(dir).unwrap();
}
