//! `report.md`: the comparison table, the plots, and for each cell's first
//! violating seed how to replay it and what happened, in sentences and as a
//! timeline — ready to paste into a design review. [`render`] is the short
//! form (table and replay commands) that `compare` also prints.

use std::fmt::Write as _;

use crate::html::ViolationStory;
use crate::CellReport;

/// The comparison table's column headings, shared with the HTML report.
pub const COLUMNS: [&str; 15] = [
    "design",
    "scenario",
    "workload",
    "seeds",
    "with overlap",
    "with corrupted effect",
    "acquisitions / sim s",
    "p50 acquire",
    "p99 acquire",
    "messages / acquisition",
    "rejected writes",
    "attempts / give-ups (wait per attempt)",
    "recovery after healing p50 / max",
    "never recovered",
    "workload figures (mean per seed)",
];

/// One table row per cell, as text, in [`COLUMNS`] order.
pub fn rows(cells: &[CellReport]) -> Vec<Vec<String>> {
    cells
        .iter()
        .map(|c| {
            let s = &c.summary;
            let share = |n: usize| format!("{:.1}% ({n})", 100.0 * n as f64 / s.seeds.max(1) as f64);
            let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} ms"));
            vec![
                c.algorithm.clone(),
                c.scenario.clone(),
                c.workload.clone(),
                s.seeds.to_string(),
                share(s.overlap_seeds),
                share(s.unsafe_seeds),
                format!("{:.1}", s.throughput),
                ms(s.acquire_p50_ms),
                ms(s.acquire_p99_ms),
                s.messages_per_acquisition.map_or("-".into(), |m| format!("{m:.1}")),
                s.writes_rejected.to_string(),
                format!("{} / {} ({})", s.attempts, s.give_ups, ms(s.wait_per_attempt_ms)),
                format!("{} / {}", ms(s.recovery_p50_ms), ms(s.recovery_max_ms)),
                share(s.never_recovered),
                s.figures.iter().map(|f| format!("{} {:.2}", f.name, f.value)).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect()
}

pub fn render(title: &str, seeds_note: &str, cells: &[CellReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title}\n\n{seeds_note}\n");
    let _ = writeln!(out, "| {} |", COLUMNS.join(" | "));
    let align: Vec<&str> =
        (0..COLUMNS.len()).map(|i| if i < 3 || i + 1 == COLUMNS.len() { "---" } else { "---:" }).collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in rows(cells) {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    let violating: Vec<_> = cells.iter().filter_map(|c| c.first_violation.as_ref().map(|v| (c, v))).collect();
    if !violating.is_empty() {
        let _ = writeln!(out, "\n## Reproducing the first violation of each cell\n");
        for (c, (seed, command)) in violating {
            let _ = writeln!(out, "- {} / {} / {}, seed {seed}: `{command}`", c.algorithm, c.scenario, c.workload);
        }
    }
    out
}

/// The whole `report.md`: [`render`], then the plots (`(title, relative path)`)
/// and each story with its timeline (`(story, relative path of its SVG)`).
pub fn document(
    title: &str,
    seeds_note: &str,
    cells: &[CellReport],
    plots: &[(String, String)],
    stories: &[(ViolationStory, String)],
) -> String {
    let mut out = render(title, seeds_note, cells);
    if !plots.is_empty() {
        let _ = writeln!(out, "\n## Plots\n");
        for (title, path) in plots {
            let _ = writeln!(out, "![{title}]({path})\n");
        }
    }
    if !stories.is_empty() {
        let _ = writeln!(out, "## What happened\n");
        for (story, timeline) in stories {
            let _ = writeln!(out, "### {}, seed {}\n\n`{}`\n", story.cell, story.seed, story.replay_command);
            for sentence in &story.sentences {
                let _ = writeln!(out, "{sentence}\n");
            }
            let _ = writeln!(out, "![timeline of seed {}]({timeline})\n", story.seed);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::cell;

    #[test]
    fn table_has_one_row_per_cell_and_the_replay_commands() {
        let mut cells = vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3)];
        cells[1].first_violation = Some((4, "locksim replay -a cache -s gc-pause -w inventory --seed 4".into()));
        let md = render("t", "note", &cells);
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
    fn the_document_adds_plots_and_stories_after_the_table() {
        let cells = vec![cell("cache", "gc-pause", 7, 3)];
        let story = ViolationStory {
            cell: "cache / gc-pause / inventory".into(),
            seed: 4,
            replay_command: "locksim replay -a cache -s gc-pause -w inventory --seed 4".into(),
            sentences: vec!["client-2 paused at 1.000 s.".into()],
            timeline_svg: String::new(),
        };
        let plots = vec![("Safety".to_string(), "plots/safety.svg".to_string())];
        let md = document("t", "note", &cells, &plots, &[(story, "timelines/x.svg".into())]);
        let table = md.find("| cache |").unwrap();
        let plot = md.find("![Safety](plots/safety.svg)").unwrap();
        let story = md.find("### cache / gc-pause / inventory, seed 4").unwrap();
        assert!(table < plot && plot < story, "{md}");
        assert!(md.contains("client-2 paused at 1.000 s.") && md.contains("(timelines/x.svg)"));
    }
}
