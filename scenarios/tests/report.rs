//! Report directories: shards merge into exactly the report of one
//! unsharded run, `--resume` continues a sweep, and bad directories are
//! refused with one line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

fn locksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_locksim")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksim-report-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const CELLS: [&str; 6] = ["-a", "cache,database", "-s", "none,gc-pause", "--duration", "20"];

fn compare(out: &Path, extra: &[&str]) {
    let mut args = vec!["compare"];
    args.extend(CELLS);
    args.extend(extra);
    args.extend(["--out", out.to_str().unwrap()]);
    let run = locksim(&args);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

#[test]
fn two_shards_merge_into_the_unsharded_report_and_resume_continues() {
    let whole = scratch("whole");
    compare(&whole, &["--seeds", "8"]);
    let (a, b, merged) = (scratch("shard-a"), scratch("shard-b"), scratch("merged"));
    compare(&a, &["--seed-start", "0", "--seeds", "4"]);
    compare(&b, &["--seed-start", "4", "--seeds", "4"]);
    let out = locksim(&["report", b.to_str().unwrap(), a.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for file in ["runs.csv", "report.md", "report.html", "manifest.json", "plots/safety.svg", "plots/latency.svg"] {
        assert_eq!(read(&whole, file), read(&merged, file), "{file} differs between sharded and unsharded");
    }
    assert!(read(&whole, "report.md").contains("Seeds 0..=7 for every cell"));
    // Both pages lead with the verdict, before the comparison table; each story lists its seed's faults.
    let (md, html) = (read(&whole, "report.md"), read(&whole, "report.html"));
    let verdict = md.find("## Verdict\n").expect("report.md's verdict");
    assert!(verdict < md.find("| design |").unwrap() && md.contains("### gc-pause\n\n- "), "{md}");
    let verdict = html.find("<h2>Verdict</h2>").expect("report.html's verdict");
    assert!(verdict < html.find("<table>").unwrap() && html.contains("<h3>gc-pause</h3>\n<ul>\n<li>"));
    assert!(md.contains(" played ") && md.contains("\n- pause of client-"), "{md}");
    assert!(whole.join("timelines").read_dir().unwrap().count() > 0, "gc-pause should have a violation to draw");

    // Resume: half the seeds, then the rest with --resume.
    let resumed = scratch("resumed");
    compare(&resumed, &["--seeds", "4"]);
    compare(&resumed, &["--seeds", "8", "--resume"]);
    assert_eq!(read(&whole, "runs.csv"), read(&resumed, "runs.csv"));
    assert_eq!(read(&whole, "report.md"), read(&resumed, "report.md"));

    // Resuming with other settings is refused, and nothing is overwritten.
    let before = read(&resumed, "runs.csv");
    let out = locksim(&[
        "compare",
        "-a",
        "cache",
        "-s",
        "none",
        "--seeds",
        "2",
        "--out",
        resumed.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("other settings"));
    assert_eq!(before, read(&resumed, "runs.csv"));

    // Shards of different comparisons do not merge.
    let other = scratch("other");
    compare(&other, &["--seeds", "2", "--clients", "3"]);
    let out =
        locksim(&["report", a.to_str().unwrap(), other.to_str().unwrap(), "--out", scratch("bad").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);

    for d in [whole, a, b, merged, resumed, other] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn each_design_states_every_parameter_it_ran_with_defaults_included() {
    let dir = scratch("params");
    let args = ["compare", "-a", "cache", "-s", "none", "--seeds", "1", "--duration", "5", "--param", "ttl_ms=5000"];
    let run = locksim(&[&args[..], &["--no-shrink", "--out", dir.to_str().unwrap()]].concat());
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let md = read(&dir, "report.md");
    let line =
        md.lines().find(|l| l.starts_with("- **cache(ttl_ms=5000)**: ")).expect("the design, named as its cells");
    // The value set, and the defaults of the rest.
    assert!(line.contains(". Parameters: ttl_ms=5000, ") && line.contains(", replica=false, "), "{line}");
    assert!(line.contains("op_timeout_ms=100") && line.ends_with('.'), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rerun_leaves_no_stale_story_files_and_every_link_in_report_md_resolves() {
    let dir = scratch("rerun");
    compare(&dir, &["--seeds", "2"]);
    for stale in ["timelines/old-seed9.svg", "histories/old-seed9.csv"] {
        std::fs::write(dir.join(stale), "from an earlier run").unwrap();
    }
    compare(&dir, &["--seeds", "2"]);
    for sub in ["timelines", "histories"] {
        let names: Vec<String> =
            dir.join(sub).read_dir().unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(!names.is_empty() && names.iter().all(|n| !n.starts_with("old-")), "{sub}: {names:?}");
    }
    // Each sink names its files and report.md links them by the same names.
    let md = read(&dir, "report.md");
    let links: Vec<&str> = md.split("](").skip(1).map(|rest| rest.split(')').next().unwrap()).collect();
    assert!(links.iter().any(|l| l.starts_with("plots/")) && links.iter().any(|l| l.starts_with("timelines/")));
    for link in links {
        assert!(dir.join(link).is_file(), "report.md links to a missing {link}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_directory_that_is_not_a_report_is_refused_in_one_line() {
    let empty = scratch("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = locksim(&["report", empty.to_str().unwrap(), "--out", scratch("nowhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
    std::fs::write(empty.join("manifest.json"), "{\"cells\": 3}").unwrap();
    let out = locksim(&["report", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed"));
    let _ = std::fs::remove_dir_all(empty);
}

#[test]
fn ctrl_c_leaves_a_valid_partial_report_that_resume_completes() {
    let dir = scratch("interrupted");
    let mut args: Vec<&str> =
        vec!["compare", "-a", "cache,database,redlock", "-s", "none,gc-pause,swarm", "--seeds", "40"];
    args.extend(["--duration", "20", "--out", dir.to_str().unwrap()]);
    // Interrupt once the first cell is on disk.
    let status = common::interrupted(&args, &dir.join("manifest.json"), std::time::Duration::ZERO);
    if status.code() == Some(0) {
        eprintln!("compare finished before the interrupt landed; nothing to check");
        return;
    }
    assert_eq!(status.code(), Some(130));
    let partial = read(&dir, "report.md");
    assert!(partial.contains("Partial report"), "{partial}");
    let rows = read(&dir, "runs.csv").lines().count() - 1;
    assert!((40..9 * 40).contains(&rows), "{rows} rows");
    // Cells run in order: all but the interrupted one have their 40 seeds.
    let partly = if rows.is_multiple_of(40) { "" } else { ", 1 partly run" };
    let expected = format!("Partial report: {} of 9 cells done{partly}.", rows / 40);
    assert!(partial.contains(&expected), "{expected} not in {partial}");

    args.push("--resume");
    let done = locksim(&args);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(read(&dir, "runs.csv").lines().count() - 1, 9 * 40);
    assert!(!read(&dir, "report.md").contains("Partial report"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_hand_edited_manifest_is_refused() {
    let dir = scratch("edited");
    compare(&dir, &["--seeds", "2"]);
    let manifest = read(&dir, "manifest.json");
    assert!(manifest.contains("\"clients\": 5"), "{manifest}");
    // Rows that ran with 5 clients would be reported under 6.
    std::fs::write(dir.join("manifest.json"), manifest.replacen("\"clients\": 5", "\"clients\": 6", 1)).unwrap();
    let out = locksim(&["report", dir.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("was edited by hand"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
