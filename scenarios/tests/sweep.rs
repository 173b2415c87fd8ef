//! `locksim sweep`: the example sweeps are valid, bad axes are refused with
//! one line before anything is written, results do not depend on `--jobs`,
//! and the cache TTL x pause map shows the boundary the physics predicts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    assert!(printed.contains("ttl_ms=4000: safe to pause_ms=3500, corrupts at 6000"), "{printed}");
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
