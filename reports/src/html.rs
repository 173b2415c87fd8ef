//! `report.html`: the whole comparison in one file a reviewer opens offline.
//!
//! Promise: [`render`] returns one self-contained HTML5 document: no
//! scripts, no external stylesheets, fonts or images (every chart is inline
//! SVG), so it opens from disk or an email attachment without a server. It
//! holds the title, the note line, the comparison table (the same columns as
//! `report.md`), the charts of [`crate::plots::all`], and for each
//! [`ViolationStory`] its replay command, its narrative and its timeline.
//! All text from the caller is escaped.

use std::fmt::Write as _;

use sim::check::Violation;
use sim::history::History;
use sim::time::SimTime;

use crate::svg::escape;
use crate::{markdown, narrative, plots, timeline, CellReport};

/// How one cell's first violating seed went wrong, ready for the report.
#[derive(Clone, Debug)]
pub struct ViolationStory {
    /// "design / scenario / workload".
    pub cell: String,
    pub seed: u64,
    /// The exact `locksim replay ...` command.
    pub replay_command: String,
    /// One paragraph per violation told (see [`ViolationStory::from_history`]).
    pub sentences: Vec<String>,
    /// A standalone SVG document (see [`crate::timeline::timeline_svg`]).
    pub timeline_svg: String,
}

impl ViolationStory {
    /// Tell the story of one seed from its history and all its violations
    /// (overlaps and corrupted effects together): the first exclusion overlap
    /// and the first corrupted effect are explained, and the timeline spans
    /// both, highlighting every violation in that window. `endings` tell how
    /// the stories of the workload's kinds end ([`narrative::explain`]).
    pub fn from_history(
        cell: &CellReport,
        seed: u64,
        replay_command: &str,
        history: &History,
        violations: &[Violation],
        endings: &[narrative::Ending],
    ) -> ViolationStory {
        // The first of each kind, in time order: one paragraph each.
        let mut told: Vec<&Violation> = Vec::new();
        let mut by_time: Vec<&Violation> = violations.iter().collect();
        by_time.sort_by_key(|v| v.at);
        for v in by_time {
            if !told.iter().any(|t| t.kind == v.kind) {
                told.push(v);
            }
        }
        let window = told
            .iter()
            .map(|v| timeline::default_window(history, std::slice::from_ref(*v)))
            .reduce(|(a0, a1), (b0, b1)| (a0.min(b0), a1.max(b1)));
        ViolationStory {
            cell: format!("{} / {} / {}", cell.algorithm, cell.scenario, cell.workload),
            seed,
            replay_command: replay_command.to_string(),
            sentences: told.iter().map(|v| narrative::explain(history, v, endings)).collect(),
            timeline_svg: timeline::timeline_svg(history, violations, window.or(Some((SimTime::ZERO, history.end())))),
        }
    }
}

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0.15em 0.3em; }
.note { color: #555; }
section.story { border-top: 1px solid #ddd; margin-top: 2em; }
";

/// The full report page.
pub fn render(title: &str, note: &str, cells: &[CellReport], stories: &[ViolationStory]) -> String {
    let mut out = String::new();
    let title = escape(title);
    let _ = writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">");
    let _ = writeln!(out, "<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{title}</h1>\n<p class=\"note\">{}</p>", escape(note));

    let _ = writeln!(out, "<h2>Comparison</h2>\n<table>\n<thead><tr>");
    for heading in markdown::COLUMNS {
        let _ = write!(out, "<th>{}</th>", escape(heading));
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for row in markdown::rows(cells) {
        let _ = write!(out, "<tr>");
        for (i, value) in row.iter().enumerate() {
            // The first three columns name the cell; the rest are numbers.
            let class = if i >= 3 { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(value));
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody>\n</table>");

    let _ = writeln!(out, "<h2>Charts</h2>");
    for plot in plots::all(cells) {
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            plot.file_stem,
            plot.svg.trim_end(),
            escape(plot.title)
        );
    }

    if !stories.is_empty() {
        let _ = writeln!(out, "<h2>How each cell first broke</h2>");
    }
    for story in stories {
        let _ = writeln!(out, "<section class=\"story\">\n<h3>{}, seed {}</h3>", escape(&story.cell), story.seed);
        let _ = writeln!(out, "<p>Replay: <code>{}</code></p>", escape(&story.replay_command));
        for paragraph in &story.sentences {
            let _ = writeln!(out, "<p>{}</p>", escape(paragraph));
        }
        let _ = writeln!(out, "<figure>\n{}\n</figure>\n</section>", story.timeline_svg.trim_end());
    }
    let _ = writeln!(out, "</body>\n</html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::tests::LOST_UPDATE;
    use crate::plots::tests::cell;
    use crate::timeline::tests::gc_pause_story;

    #[test]
    fn the_page_is_self_contained_and_holds_table_charts_and_stories() {
        let (history, violation) = gc_pause_story();
        let mut cells = vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3)];
        let command = "locksim replay -a cache -s gc-pause -w inventory --seed 1";
        cells[1].first_violation = Some((1, command.into()));
        let story = ViolationStory::from_history(&cells[1], 1, command, &history, &[violation], &[LOST_UPDATE]);
        let page = render("locksim <comparison>", "Seeds 1..=20 & more", &cells, &[story]);

        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        assert!(page.contains("<h1>locksim &lt;comparison&gt;</h1>"), "title escaped");
        assert!(page.contains("Seeds 1..=20 &amp; more"));
        // Nothing is fetched or run: no scripts, no links, no remote URLs other than the SVG namespace.
        for forbidden in ["<script", "<link", "@import", "url(", "src="] {
            assert!(!page.contains(forbidden), "found {forbidden}");
        }
        assert_eq!(page.matches("http").count(), page.matches("http://www.w3.org/2000/svg").count());
        // Table: a header row and one row per cell.
        assert_eq!(page.matches("<th>").count(), markdown::COLUMNS.len());
        assert_eq!(page.matches("<tr>").count(), 1 + cells.len());
        // Four charts and one timeline, inline.
        assert_eq!(page.matches("<svg").count(), 5);
        assert!(page.contains("<h3>cache / gc-pause / inventory, seed 1</h3>"));
        assert!(page.contains(&format!("<code>{command}</code>")));
        assert!(page.contains("(lost update).</p>"));
    }

    #[test]
    fn a_story_explains_the_first_violation_of_each_kind_and_its_timeline_spans_them() {
        let (history, lost) = gc_pause_story();
        let overlap = Violation {
            kind: sim::check::EXCLUSION_OVERLAP,
            at: SimTime(20_899_000_000),
            clients: vec![sim::history::NodeId(1), sim::history::NodeId(2)],
            events: vec![3, 8],
        };
        let later_overlap = Violation { at: SimTime(30_000_000_000), ..overlap.clone() };
        let c = cell("cache", "gc-pause", 1, 1);
        let violations = [later_overlap, lost.clone(), overlap];
        let story = ViolationStory::from_history(&c, 1, "cmd", &history, &violations, &[LOST_UPDATE]);
        assert_eq!(story.sentences.len(), 2);
        assert!(story.sentences[0].ends_with("(exclusion overlap)."), "{:?}", story.sentences);
        assert!(story.sentences[1].ends_with("(lost update)."));
        assert!(story.timeline_svg.contains("exclusion-overlap 20.899 s"));
        assert!(story.timeline_svg.contains("lost-update 31.802 s"));
    }
}
