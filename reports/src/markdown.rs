//! `report.md`: the verdict (which designs kept the resource correct in each
//! scenario, and what they cost), the comparison table, the plots, and for
//! each cell's first violating seed how to replay it, its fault plan and what
//! happened, in sentences and as a timeline — ready to paste into a design
//! review. [`summary`] is the short form (verdict, table and replay
//! commands) that `compare` also prints.
//!
//! Promise: [`document`] links the plots and timelines by the paths their own
//! sinks write them to ([`crate::plots::Chart::path`],
//! [`crate::ViolationStory::timeline_path`]), so the links hold in a report
//! directory.

use std::fmt::Write as _;

use crate::plots::CHARTS;
use crate::report::Report;
use crate::sink::{File, RenderError, Sink};
use crate::story::ShrunkCase;
use crate::table::{rows, COLUMNS};
use crate::verdict::{verdicts, PREAMBLE};

/// The sink of `report.md`.
pub struct Markdown;

impl Sink for Markdown {
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        Ok(vec![File::new("report.md", document(report))])
    }
}

/// The title, the note, the verdict, the table, and how to replay each cell's first violation.
pub fn summary(report: &Report<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n\n{}\n", report.title, report.note);
    // The answer first, as lists: the first `|` table of the page is the comparison.
    let groups = verdicts(&report.cells);
    if !groups.is_empty() {
        let _ = writeln!(out, "## Verdict\n\n{PREAMBLE}\n");
        for group in &groups {
            let _ = writeln!(out, "### {}\n", group.label);
            for line in group.lines() {
                let _ = writeln!(out, "- {line}");
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "## Comparison\n");
    }
    let _ = writeln!(out, "| {} |", COLUMNS.join(" | "));
    let align: Vec<&str> =
        (0..COLUMNS.len()).map(|i| if i < 3 || i + 1 == COLUMNS.len() { "---" } else { "---:" }).collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows(&report.cells) {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    if !report.designs.is_empty() {
        let _ = writeln!(out, "\n## The designs\n");
        for (name, what) in &report.designs {
            let _ = writeln!(out, "- **{name}**: {what}");
        }
    }
    let violating = report.first_violations();
    if !violating.is_empty() {
        let _ = writeln!(out, "\n## Reproducing the first violation of each cell\n");
        for v in violating {
            let _ = writeln!(out, "- {}, seed {}: `{}`", v.name, v.seed, v.replay);
            if let Some((after, replay)) = v.shrunk() {
                let _ = writeln!(out, "  - shrunk to {after}: `{replay}`");
            }
        }
        if report.stories.iter().any(|s| s.shrunk.is_some()) {
            let _ = writeln!(out, "\nShrunk cases replay from the report directory (`shrunk/*.toml`).");
        }
    }
    out
}

/// The whole `report.md`: [`summary`], then the plots and each story with its timeline.
pub fn document(report: &Report<'_>) -> String {
    let mut out = summary(report);
    let _ = writeln!(out, "\n## Plots\n");
    for chart in &CHARTS {
        let _ = writeln!(out, "![{}]({})\n", chart.title, chart.path());
    }
    if !report.stories.is_empty() {
        let _ = writeln!(out, "## What happened\n");
        for story in &report.stories {
            let _ = writeln!(out, "### {}, seed {}\n\n`{}`\n", story.cell, story.seed, story.replay_command);
            for sentence in &story.sentences {
                let _ = writeln!(out, "{sentence}\n");
            }
            let plan = story.fault_plan();
            let _ = writeln!(out, "{}\n", fault_plan_heading(story.seed, plan.len()));
            for fault in plan {
                let _ = writeln!(out, "- {fault}");
            }
            let _ = writeln!(out);
            let _ = writeln!(out, "![timeline of seed {}]({})\n", story.seed, story.timeline_path());
            if let Some(case) = &story.shrunk {
                let _ = writeln!(out, "#### The smallest case found ({})\n", case.kind);
                let _ = writeln!(
                    out,
                    "{}\n\n`{}` (from the report directory)\n",
                    shrunk_line(case),
                    case.replay_command(story)
                );
                for fault in &case.plan {
                    let _ = writeln!(out, "- {fault}");
                }
                let _ = writeln!(out);
                for sentence in &case.story.sentences {
                    let _ = writeln!(out, "{sentence}\n");
                }
                let _ = writeln!(out, "![timeline of the shrunk case]({})\n", case.story.timeline_path());
            }
        }
    }
    out
}

/// What introduces a story's fault plan ([`crate::ViolationStory::fault_plan`]):
/// "Seed 4 played 2 faults:", or "Seed 4 played no fault."
pub fn fault_plan_heading(seed: u64, faults: usize) -> String {
    match faults {
        0 => format!("Seed {seed} played no fault."),
        1 => format!("Seed {seed} played 1 fault:"),
        n => format!("Seed {seed} played {n} faults:"),
    }
}

/// "Shrunk from 22 faults, ... to 1 fault, ... in 32 runs." (and whether the budget ran out).
pub fn shrunk_line(case: &ShrunkCase) -> String {
    let spent = if case.budget_spent { "; the budget ran out, a smaller case may exist" } else { "" };
    let plural = if case.runs == 1 { "" } else { "s" };
    format!("Shrunk from {} to {} in {} run{plural}{spent}.", case.before, case.after, case.runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::cell;
    use crate::story::ViolationStory;

    #[test]
    fn table_has_one_row_per_cell_and_the_replay_commands() {
        let mut cells = vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3)];
        cells[1].first_violation = Some((4, "locksim replay -a cache -s gc-pause -w inventory --seed 4".into()));
        let md = summary(&Report::new("t", "note".into(), cells, vec![], vec![]));
        assert!(
            md.contains(
                // Percentiles come from histogram bucket middles (within 3%).
                "| cache | gc-pause | inventory | 20 | 35.0% (7) | 15.0% (3) | 0.2 | 20.2 ms | 40.4 ms | 10.0 | 0 |"
            ),
            "{md}"
        );
        assert_eq!(md.lines().filter(|l| l.starts_with("| cache")).count(), 2);
        assert!(md.contains("seed 4: `locksim replay -a cache -s gc-pause -w inventory --seed 4`"));
    }

    #[test]
    fn the_report_leads_with_the_verdict_as_lists_before_the_comparison_table() {
        let cells = vec![cell("cache", "gc-pause", 7, 3), cell("lease-fencing", "gc-pause", 0, 0)];
        let md = summary(&Report::new("t", "note".into(), cells, vec![], vec![]));
        assert!(md.starts_with("# t\n\nnote\n\n## Verdict\n\n"), "{md}");
        let verdict =
            md.find("### gc-pause\n\n- lease-fencing: correct in all 20 seeds").expect("the safe design first");
        let corrupted = md.find("- cache: corrupted in 3 of 20 seeds (15.0%, 5.2–36.0%).").expect("the corrupted one");
        let table = md.find("## Comparison\n\n| design |").expect("the table");
        assert!(verdict < corrupted && corrupted < table, "{md}");
        // The comparison is the first `|` table: the verdict is no table.
        assert!(!md[..table].lines().any(|l| l.starts_with('|')), "{md}");
    }

    #[test]
    fn the_designs_are_described_after_the_table() {
        let cells = vec![cell("cache", "none", 0, 0)];
        let designs = vec![("cache".to_string(), "SET NX PX on Redis".to_string())];
        let md = summary(&Report::new("t", "note".into(), cells, vec![], vec![]).with_designs(designs));
        let table = md.find("| cache | none").expect("the table");
        let described = md.find("## The designs\n\n- **cache**: SET NX PX on Redis\n").expect("the designs");
        assert!(table < described, "{md}");
    }

    #[test]
    fn the_document_adds_plots_and_stories_after_the_table() {
        let cells = vec![cell("cache", "gc-pause", 7, 3)];
        let story = ViolationStory {
            cell: "cache / gc-pause / inventory".into(),
            seed: 4,
            replay_command: "locksim replay -a cache -s gc-pause -w inventory --seed 4".into(),
            sentences: vec!["client-2 paused at 1.000 s.".into()],
            timeline_svg: String::new(),
            history: Default::default(),
            file_stem: "x".into(),
            shrunk: None,
        };
        let report = Report::new("t", "note".into(), cells, vec![&story], vec![]);
        let md = document(&report);
        let table = md.find("| cache |").unwrap();
        let plot = md.find("![Safety per design and scenario](plots/safety.svg)").unwrap();
        let story = md.find("### cache / gc-pause / inventory, seed 4").unwrap();
        assert!(table < plot && plot < story, "{md}");
        assert!(md.contains("client-2 paused at 1.000 s.") && md.contains("(timelines/x.svg)"));
        assert!(md.contains("Seed 4 played no fault.\n"), "a story without faults says so: {md}");
        assert_eq!(Markdown.render(&report).unwrap(), vec![File::new("report.md", md)]);
    }
}
