//! `locksim sweep`: the example sweeps are valid, bad axes are refused with
//! one line before anything is written, results do not depend on `--jobs`,
//! and the cache TTL x pause map shows the boundary the physics predicts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::files;

fn locksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksim-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_example_sweep_is_valid_and_says_how_many_runs_it_takes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 3);
    for file in files {
        let out = locksim(&["sweep", "--config", file.to_str().unwrap(), "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(" runs; nothing run"), "{stdout}");
    }
}

#[test]
fn bad_axes_are_refused_with_one_line_and_nothing_written() {
    let out_dir = scratch("refused");
    let out = out_dir.to_str().unwrap();
    let base = ["sweep", "-a", "cache", "-s", "gc-pause", "--out", out];
    let cases: &[(&[&str], &str)] = &[
        (&["--axis", "param.ttl=1,2"], "cache must declare exactly one of these (it has: ttl_ms"),
        (&["--axis", "param.replica=0,1"], "an axis takes a number"),
        (&["--axis", "colour=1,2"], "names no setting"),
        (&["--axis", "scenario.pause_ms=5..1+1"], "is empty"),
        (&["--axis", "scenario.pause_ms=1..9*1"], "factor must be above 1"),
        (&["--axis", "scenario.pause_ms=1,x"], "'x' is not a whole number"),
        (&["--axis", "scenario.pause_ms=0..100000+1"], "more than 1000 values on one axis (the limit)"),
        (&["--axis", "clients=1..999+1", "--axis", "param.ttl_ms=1..999+1"], "more than 10000 points (the limit)"),
        (&["--axis", "param.ttl_ms=0,1000"], "ttl_ms=0 must be at least 1"),
        (&["--axis", "scenario.pause_ms=100", "--scenario-param", "pause_ms=5"], "the base sets pause_ms too"),
        (&["--axis", "param.ttl_ms=1,2", "--axis", "param.ttl_ms=3"], "both axes are named ttl_ms"),
        (&[], "a sweep has one or two axes, got 0"),
    ];
    for (extra, mentions) in cases {
        let out = locksim(&[&base[..], extra].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{extra:?} printed to stdout");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{extra:?}: {stderr}");
        assert!(stderr.contains(mentions), "{extra:?}: '{stderr}' does not mention '{mentions}'");
        assert!(!out_dir.exists(), "{extra:?} created --out");
    }
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn a_sweep_is_the_same_whatever_jobs_runs_it() {
    let (one, two) = (scratch("jobs1"), scratch("jobs2"));
    for (dir, jobs) in [(&one, "1"), (&two, "2")] {
        let out = locksim(&[
            "sweep",
            "-a",
            "cache,redlock",
            "-s",
            "gc-pause",
            "--duration",
            "10",
            "--seeds",
            "3",
            "--axis",
            "scenario.pause_ms=500,5000",
            "--jobs",
            jobs,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    for file in ["runs.csv", "points.csv", "boundary.csv", "report.md", "manifest.json"] {
        assert_eq!(read(&one, file), read(&two, file), "{file} differs between --jobs 1 and 2");
    }
    // 2 designs x 2 points x 3 seeds, and a header.
    assert_eq!(read(&one, "runs.csv").lines().count(), 13);
}

#[test]
fn the_cache_ttl_x_pause_map_shows_the_boundary_the_physics_predicts() {
    // One pause per seed, of exactly pause_ms, mostly of the holder inside
    // its critical section. A pause shorter than the TTL minus the critical
    // section (the think time, at most 15 ms, plus round trips of a few ms:
    // 100 ms covers it) cannot outlive the lock; one of 1.5 TTLs or more
    // outlives it in some seed. lease-fencing's tokens keep it clean.
    let dir = scratch("physics");
    let out = locksim(&[
        "sweep",
        "-a",
        "cache,lease-fencing",
        "-s",
        "gc-pause",
        "--scenario-param",
        "pauses=1",
        "--duration",
        "20",
        "--seeds",
        "10",
        "--axis",
        "param.ttl_ms|lease_ms=1000,4000",
        "--axis",
        "scenario.pause_ms=250,700,2000,3500,6000,9000",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let points = read(&dir, "points.csv");
    let mut rows = points.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (design, ttl, pause, corrupted) = (col("design"), col("ttl_ms"), col("pause_ms"), col("corrupted_seeds"));
    let mut checked = 0;
    for row in rows {
        let f: Vec<&str> = row.split(',').collect();
        let (ttl, pause, corrupted): (u64, u64, u64) =
            (f[ttl].parse().unwrap(), f[pause].parse().unwrap(), f[corrupted].parse().unwrap());
        if f[design] == "lease-fencing" {
            assert_eq!(corrupted, 0, "lease-fencing corrupted at ttl {ttl}, pause {pause}");
        } else if pause + 100 < ttl {
            assert_eq!(corrupted, 0, "cache corrupted with a {pause} ms pause under a {ttl} ms TTL");
        } else if pause * 2 >= ttl * 3 {
            assert!(corrupted >= 1, "cache stayed clean with a {pause} ms pause over a {ttl} ms TTL");
        }
        checked += 1;
    }
    assert_eq!(checked, 24);
    let boundary = read(&dir, "boundary.csv");
    assert!(boundary.contains("cache,1000,700,10,"), "{boundary}");
    assert!(boundary.contains("cache,4000,3500,10,"), "{boundary}");
    let printed = String::from_utf8_lossy(&out.stdout);
    // The terminal: per ttl_ms, the largest clean pause (the first corrupting one).
    let cache = printed.lines().find(|l| l.starts_with("cache ")).unwrap_or_default();
    assert_eq!(cache.split_whitespace().collect::<Vec<_>>(), ["cache", "700", "(2000)", "3500", "(6000)"], "{printed}");
    let fenced = printed.lines().find(|l| l.starts_with("lease-fencing ")).unwrap_or_default();
    assert_eq!(fenced.split_whitespace().collect::<Vec<_>>(), ["lease-fencing", "all", "all"], "{printed}");
}

#[test]
fn another_report_in_out_is_never_overwritten() {
    let dir = scratch("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = locksim(&[
        "sweep",
        "-a",
        "cache",
        "-s",
        "none",
        "--axis",
        "clients=2,3",
        "--seeds",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read(&dir, "notes.txt"), "mine");
    assert!(!dir.join("runs.csv").exists());
}

#[test]
fn a_sweep_file_asking_for_a_trillion_seeds_is_refused_before_any_is_listed() {
    let file = std::env::temp_dir().join(format!("locksim-sweep-{}-huge.toml", std::process::id()));
    let body = "designs = [\"cache\"]\nseeds = 1000000000000\n[base]\nscenario = \"none\"\n[[axis]]\nkey = \"clients\"\nvalues = [2, 3]\n";
    std::fs::write(&file, body).unwrap();
    let out = locksim(&["sweep", "--config", file.to_str().unwrap(), "--dry-run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a sweep runs 1 to 1000000 seeds per point"), "{stderr}");
    std::fs::remove_file(file).unwrap();
}

/// A small two-design, two-point sweep into `dir` with `extra` flags.
fn small_sweep(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", "-a", "cache,redlock", "-s", "gc-pause", "--duration", "10"];
    args.extend(["--axis", "scenario.pause_ms=500,5000", "--out", dir.to_str().unwrap()]);
    args.extend(extra);
    locksim(&args)
}

fn assert_same_files(a: &Path, b: &Path) {
    let (ta, tb) = (files(a), files(b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>(), "different files");
    for (name, bytes) in &ta {
        assert!(
            bytes == &tb[name],
            "{} differs:\n{}\n---\n{}",
            name.display(),
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&tb[name])
        );
    }
}

#[test]
fn two_shards_merged_equal_the_unsharded_sweep_byte_for_byte() {
    let (whole, low, high, merged) = (scratch("whole"), scratch("shard0"), scratch("shard1"), scratch("merged"));
    let ok = |out: Output| assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    ok(small_sweep(&whole, &["--seeds", "6"]));
    ok(small_sweep(&low, &["--seeds", "3"]));
    ok(small_sweep(&high, &["--seeds", "3", "--seed-start", "3"]));
    let out = locksim(&["report", low.to_str().unwrap(), high.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    ok(out);
    assert!(files(&whole).len() >= 5, "{:?}", files(&whole).keys());
    assert_same_files(&whole, &merged);
    // Merging into one of the shards gives the same again.
    ok(locksim(&["report", low.to_str().unwrap(), high.to_str().unwrap(), "--out", low.to_str().unwrap()]));
    assert_same_files(&whole, &low);
    for dir in [whole, low, high, merged] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn resuming_a_sweep_runs_only_the_missing_seeds_and_equals_a_straight_run() {
    let (straight, resumed) = (scratch("straight"), scratch("resumed"));
    let ok = |out: Output| assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    ok(small_sweep(&straight, &["--seeds", "4"]));
    ok(small_sweep(&resumed, &["--seeds", "2"]));
    // Without --resume, a run that would drop the seeds already there is refused.
    let dropped = small_sweep(&resumed, &["--seeds", "2", "--seed-start", "2"]);
    assert_eq!(dropped.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dropped.stderr).contains("add --resume"));
    let out = small_sweep(&resumed, &["--seeds", "4", "--resume"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(8 already in --out)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(out);
    assert_same_files(&straight, &resumed);
    // Another sweep in the same directory is refused, with or without --resume.
    for extra in [&["--seeds", "4"][..], &["--seeds", "4", "--resume", "--duration", "11"]] {
        let other = locksim(
            &[
                &["sweep", "-a", "cache", "-s", "gc-pause", "--axis", "scenario.pause_ms=500,5000"][..],
                extra,
                &["--out", resumed.to_str().unwrap()],
            ]
            .concat(),
        );
        assert_eq!(other.status.code(), Some(2), "{extra:?}");
        assert!(String::from_utf8_lossy(&other.stderr).contains("holds a sweep with other settings"));
    }
    assert_same_files(&straight, &resumed);
    for dir in [straight, resumed] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn shards_of_different_sweeps_or_kinds_do_not_merge() {
    let (a, b, edited, out) = (scratch("merge-a"), scratch("merge-b"), scratch("merge-edited"), scratch("merge-out"));
    assert_eq!(small_sweep(&a, &["--seeds", "1"]).status.code(), Some(0));
    assert_eq!(small_sweep(&b, &["--seeds", "1", "--clients", "4"]).status.code(), Some(0));
    let refused = |dirs: &[&Path], mentions: &str, code: i32| {
        let mut args = vec!["report".to_string()];
        args.extend(dirs.iter().map(|d| d.to_str().unwrap().to_string()));
        args.extend(["--out".into(), out.to_str().unwrap().into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = locksim(&args);
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(code), "{dirs:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(mentions), "'{stderr}' does not mention '{mentions}'");
        assert!(!out.exists(), "{dirs:?} wrote --out");
    };
    refused(&[&a, &b], "holds a different sweep", 2);
    // A comparison is not a shard of a sweep.
    let compare = scratch("merge-compare");
    let made = locksim(&[
        "compare",
        "-a",
        "cache",
        "-s",
        "none",
        "--seeds",
        "1",
        "--duration",
        "5",
        "--no-shrink",
        "--out",
        compare.to_str().unwrap(),
    ]);
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    refused(&[&a, &compare], "is not a sweep", 2);
    // A hand edit of the manifest shows.
    std::fs::create_dir_all(&edited).unwrap();
    for f in ["runs.csv", "manifest.json"] {
        std::fs::copy(a.join(f), edited.join(f)).unwrap();
    }
    let manifest = read(&edited, "manifest.json").replacen("\"duration_s\": 10", "\"duration_s\": 12", 1);
    std::fs::write(edited.join("manifest.json"), manifest).unwrap();
    refused(&[&a, &edited], "was edited by hand", 2);
    // The same run with another trace hash in one shard: not deterministic (exit 3).
    std::fs::copy(a.join("manifest.json"), edited.join("manifest.json")).unwrap();
    let runs = read(&a, "runs.csv");
    let second = runs.lines().nth(1).unwrap();
    let hash = second.split(',').find(|f| f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit())).unwrap();
    let altered = second.replacen(hash, "0123456789abcdef", 1);
    std::fs::write(edited.join("runs.csv"), runs.replacen(second, &altered, 1)).unwrap();
    refused(&[&a, &edited], "not deterministic", 3);
    for dir in [a, b, edited, compare] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn ctrl_c_saves_the_finished_runs_and_resume_completes_the_sweep() {
    let (dir, straight) = (scratch("sweep-interrupted"), scratch("sweep-uninterrupted"));
    let mut args = vec!["sweep", "-a", "cache,redlock", "-s", "gc-pause", "--duration", "10", "--seeds", "30"];
    args.extend(["--axis", "scenario.pause_ms=500,5000", "--jobs", "1", "--out", dir.to_str().unwrap()]);
    // The handler is installed once the directory is claimed.
    let status = common::interrupted(&args, &dir, std::time::Duration::from_millis(300));
    if status.code() == Some(0) {
        eprintln!("the sweep finished before the interrupt landed; nothing to check");
        return;
    }
    assert_eq!(status.code(), Some(130));
    let rows = read(&dir, "runs.csv").lines().count() - 1;
    assert!(rows < 120, "{rows} rows");
    // No map of a sweep whose points have not all run.
    assert!(!dir.join("report.md").exists() && !dir.join("points.csv").exists());
    args.push("--resume");
    let done = locksim(&args);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    let mut whole = args.clone();
    whole.pop();
    let at = whole.iter().position(|a| *a == dir.to_str().unwrap()).unwrap();
    whole[at] = straight.to_str().unwrap();
    assert_eq!(locksim(&whole).status.code(), Some(0));
    assert_same_files(&straight, &dir);
    for d in [dir, straight] {
        let _ = std::fs::remove_dir_all(d);
    }
}
