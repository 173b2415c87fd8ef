//! What `compare` and `report` print when they finish: a compact summary for
//! a terminal ([`text`]), or the same facts for a program ([`json`]).
//!
//! Promise: [`text`] gives one aligned line per cell — its verdict (the
//! corrupted or overlap share with its 95% Wilson interval, or clean: a
//! [`crate::verdict::Class`]), its
//! throughput, p99 acquire latency and messages per acquisition — then the
//! command that replays each cell's first violation (and its shrunk case),
//! then where the report is. It never wraps a table a terminal cannot hold:
//! the full table is in `report.md` and `report.html`. [`json`] holds the
//! same cells with their whole summaries.

use serde::Serialize;
use std::fmt::Write as _;

use crate::cell::CellReport;
use crate::report::Report;
use crate::verdict::{share_of_seeds, Class};
use crate::wilson::{percent, wilson};

/// A cell's verdict in words, with the share that decided it.
fn verdict_text(cell: &CellReport) -> String {
    let s = &cell.summary;
    match Class::of(cell) {
        Class::NotRun => "no seed ran".into(),
        Class::Corrupted => format!("CORRUPTED in {}", share_of_seeds(s.unsafe_seeds, s.seeds)),
        Class::OverlapOnly => format!("overlap in {}, no corrupted write", share_of_seeds(s.overlap_seeds, s.seeds)),
        // At least one seed ran (else NotRun), so the interval exists.
        Class::Clean => {
            let high = wilson(0, s.seeds as u64).map_or(1.0, |i| i.high);
            format!("clean in {} seeds (below {})", s.seeds, percent(high))
        }
    }
}

/// The compact summary; `dir` is where the report was written.
pub fn text(report: &Report<'_>, dir: &str) -> String {
    let header = ["design", "scenario", "workload", "verdict", "acq/s", "p99 acquire", "msgs/acq"];
    let mut rows: Vec<[String; 7]> = vec![header.map(String::from)];
    for c in &report.cells {
        let s = &c.summary;
        rows.push([
            c.algorithm.clone(),
            c.scenario.clone(),
            c.workload.clone(),
            verdict_text(c),
            format!("{:.1}", s.throughput),
            s.acquire_p99_ms.map_or("-".into(), |v| format!("{v:.1} ms")),
            s.messages_per_acquisition.map_or("-".into(), |m| format!("{m:.1}")),
        ]);
    }
    let widths: Vec<usize> =
        (0..header.len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    let _ = writeln!(out, "{}\n{}\n", report.title, report.note);
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            // Names and verdicts read left to right; figures line up on the right.
            .map(|(i, (v, w))| if i < 4 { format!("{v:<w$}") } else { format!("{v:>w$}") })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    let violating = report.first_violations();
    if !violating.is_empty() {
        let _ = writeln!(out, "\nreplay each cell's first violation:");
        for v in violating {
            let _ = writeln!(out, "  {}, seed {}: {}", v.name, v.seed, v.replay);
            if let Some((after, replay)) = v.shrunk() {
                let _ = writeln!(out, "    shrunk to {after} (from {dir}): {replay}");
            }
        }
    }
    let _ = writeln!(out, "\nreport: {dir}/report.html (and report.md, runs.csv, plots/)");
    out
}

/// The summary as data, for `--format json`.
#[derive(Serialize)]
pub struct JsonSummary<'a> {
    pub report_dir: &'a str,
    pub title: &'a str,
    pub note: &'a str,
    pub cells: Vec<JsonCell<'a>>,
}

#[derive(Serialize)]
pub struct JsonCell<'a> {
    pub design: &'a str,
    pub scenario: &'a str,
    pub workload: &'a str,
    pub verdict: Class,
    /// 95% Wilson intervals of the corrupted and overlap shares.
    pub corrupted: Option<JsonShare>,
    pub overlap: Option<JsonShare>,
    pub summary: &'a sim::record::Summary,
    pub first_violation: Option<JsonViolation>,
}

#[derive(Serialize)]
pub struct JsonShare {
    pub seeds: usize,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Serialize)]
pub struct JsonViolation {
    pub seed: u64,
    pub replay: String,
    /// The shrunk case's command, run from the report directory.
    pub shrunk_replay: Option<String>,
}

pub fn json<'a>(report: &'a Report<'_>, dir: &'a str) -> JsonSummary<'a> {
    let interval = |k: usize, n: usize| {
        wilson(k as u64, n as u64).map(|i| JsonShare { seeds: k, share: i.share, low: i.low, high: i.high })
    };
    let violations = report.first_violations();
    let cells = report
        .cells
        .iter()
        .map(|c| {
            let name = format!("{} / {} / {}", c.algorithm, c.scenario, c.workload);
            let first = violations.iter().find(|v| v.name == name);
            JsonCell {
                design: &c.algorithm,
                scenario: &c.scenario,
                workload: &c.workload,
                verdict: Class::of(c),
                corrupted: interval(c.summary.unsafe_seeds, c.summary.seeds),
                overlap: interval(c.summary.overlap_seeds, c.summary.seeds),
                summary: &c.summary,
                first_violation: first.map(|v| JsonViolation {
                    seed: v.seed,
                    replay: v.replay.to_string(),
                    shrunk_replay: v.shrunk().map(|(_, replay)| replay),
                }),
            }
        })
        .collect();
    JsonSummary { report_dir: dir, title: &report.title, note: &report.note, cells }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::cell;

    #[test]
    fn each_cell_is_one_aligned_line_with_its_verdict() {
        let cells = vec![cell("cache", "gc-pause", 7, 3), cell("lease-fencing", "gc-pause", 0, 0)];
        let report = Report::new("locksim comparison", "Seeds 0..=19".into(), cells, vec![], vec![]);
        let out = text(&report, "out");
        let lines: Vec<&str> = out.lines().filter(|l| l.contains("gc-pause")).collect();
        assert_eq!(lines.len(), 2, "{out}");
        // The verdict column starts at the same place on every line.
        let at = |l: &str, word: &str| l.find(word).unwrap();
        assert_eq!(at(lines[0], "CORRUPTED"), at(lines[1], "clean"), "{out}");
        assert!(!out.contains('|'), "no markdown table in the terminal: {out}");
        assert!(out.contains("report: out/report.html"), "{out}");
        let value = serde_json::to_value(json(&report, "out")).unwrap();
        assert_eq!(value["cells"][0]["verdict"], "corrupted");
        assert_eq!(value["cells"][1]["verdict"], "clean");
        assert_eq!(value["cells"][1]["corrupted"]["seeds"], 0);
    }
}
