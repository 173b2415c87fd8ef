//! `report.html`: the whole comparison in one file a reviewer opens offline.
//!
//! Promise: [`render`] returns one self-contained HTML5 document: no
//! scripts, no external stylesheets, fonts or images (every chart is inline
//! SVG), so it opens from disk or an email attachment without a server. It
//! holds the title, the note line, the verdict ([`crate::verdict`], as
//! headings and lists: the comparison is the page's one `<table>`), the
//! comparison table (the same columns as `report.md`, from
//! [`crate::table`]), the report's charts ([`crate::plots::all`]), and for
//! each [`crate::ViolationStory`] its replay command, its narrative, its
//! seed's fault plan and its timeline.
//! All text from the caller is escaped.
//!
//! A sweep's page ([`crate::sweep::html`]) starts and holds its maps the same
//! way: `start_page` and `figure` are shared.

use std::fmt::Write as _;

use crate::plots;
use crate::report::Report;
use crate::sink::{File, RenderError, Sink};
use crate::svg::escape;
use crate::table::{rows, COLUMNS};
use crate::verdict::{verdicts, PREAMBLE};

/// The sink of `report.html`.
pub struct Html;

impl Sink for Html {
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        Ok(vec![File::new("report.html", render(report))])
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

/// The page's head (with [`STYLE`]), its `<h1>` and the note under it; the
/// caller writes the rest and `</body></html>`. Shared with a sweep's page.
pub(crate) fn start_page(out: &mut String, title: &str, note: &str) {
    let title = escape(title);
    let _ = writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">");
    let _ = writeln!(out, "<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{title}</h1>\n<p class=\"note\">{}</p>", escape(note));
}

/// A chart inline in `<figure id="ID">` with its caption: `scripts/check-report.sh`
/// finds a chart file's figure by its file stem as the id, and compares the
/// inline SVG with the file.
pub(crate) fn figure(out: &mut String, id: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
        escape(id),
        svg.trim_end(),
        escape(caption)
    );
}

/// The full report page.
pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    start_page(&mut out, &report.title, &report.note);
    let groups = verdicts(&report.cells);
    if !groups.is_empty() {
        let _ = writeln!(out, "<h2>Verdict</h2>\n<p>{}</p>", escape(PREAMBLE));
        for group in &groups {
            let _ = writeln!(out, "<h3>{}</h3>\n<ul>", escape(&group.label));
            for line in group.lines() {
                let _ = writeln!(out, "<li>{}</li>", escape(&line));
            }
            let _ = writeln!(out, "</ul>");
        }
    }

    let _ = writeln!(out, "<h2>Comparison</h2>\n<table>\n<thead><tr>");
    for heading in COLUMNS {
        let _ = write!(out, "<th>{}</th>", escape(heading));
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for row in rows(&report.cells) {
        let _ = write!(out, "<tr>");
        for (i, value) in row.iter().enumerate() {
            // The first three columns name the cell; the rest are numbers.
            let class = if i >= 3 { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(value));
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody>\n</table>");
    if !report.designs.is_empty() {
        let _ = writeln!(out, "<h2>The designs</h2>\n<dl>");
        for (name, what) in &report.designs {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(what));
        }
        let _ = writeln!(out, "</dl>");
    }

    let _ = writeln!(out, "<h2>Charts</h2>");
    for plot in plots::all(&report.cells) {
        figure(&mut out, plot.file_stem, &plot.svg, plot.title);
    }

    if !report.stories.is_empty() {
        let _ = writeln!(out, "<h2>How each cell first broke</h2>");
    }
    for story in &report.stories {
        let _ = writeln!(out, "<section class=\"story\">\n<h3>{}, seed {}</h3>", escape(&story.cell), story.seed);
        let _ = writeln!(out, "<p>Replay: <code>{}</code></p>", escape(&story.replay_command));
        for paragraph in &story.sentences {
            let _ = writeln!(out, "<p>{}</p>", escape(paragraph));
        }
        let plan = story.fault_plan();
        let _ = writeln!(out, "<p>{}</p>", escape(&crate::markdown::fault_plan_heading(story.seed, plan.len())));
        if !plan.is_empty() {
            let _ = writeln!(out, "<ul>");
            for fault in &plan {
                let _ = writeln!(out, "<li>{}</li>", escape(fault));
            }
            let _ = writeln!(out, "</ul>");
        }
        let _ = writeln!(out, "<figure>\n{}\n</figure>", story.timeline_svg.trim_end());
        if let Some(case) = &story.shrunk {
            let _ = writeln!(out, "<h4>The smallest case found ({})</h4>", escape(&case.kind));
            let _ = writeln!(out, "<p>{}</p>", escape(&crate::markdown::shrunk_line(case)));
            let _ = writeln!(
                out,
                "<p>Replay (from the report directory): <code>{}</code></p>",
                escape(&case.replay_command(story))
            );
            let _ = writeln!(out, "<ul>");
            for fault in &case.plan {
                let _ = writeln!(out, "<li>{}</li>", escape(fault));
            }
            let _ = writeln!(out, "</ul>");
            for paragraph in &case.story.sentences {
                let _ = writeln!(out, "<p>{}</p>", escape(paragraph));
            }
            let _ = writeln!(out, "<figure>\n{}\n</figure>", case.story.timeline_svg.trim_end());
        }
        let _ = writeln!(out, "</section>");
    }
    let _ = writeln!(out, "</body>\n</html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::gc_pause_story;
    use crate::plots::tests::cell;
    use crate::story::ViolationStory;

    #[test]
    fn the_page_is_self_contained_and_holds_table_charts_and_stories() {
        let (history, violation) = gc_pause_story();
        let mut cells = vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3)];
        let command = "locksim replay -a cache -s gc-pause -w inventory --seed 1";
        cells[1].first_violation = Some((1, command.into()));
        let story = ViolationStory::from_history(
            &cells[1],
            1,
            command,
            history,
            &[violation],
            &[crate::narrative::tests::LOST_UPDATE],
        );
        let report = Report::new("locksim <comparison>", "Seeds 1..=20 & more".into(), cells, vec![&story], vec![]);
        let page = render(&report);

        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        assert!(page.contains("<h1>locksim &lt;comparison&gt;</h1>"), "title escaped");
        assert!(page.contains("Seeds 1..=20 &amp; more"));
        // Nothing is fetched or run: no scripts, no links, no remote URLs other than the SVG namespace.
        for forbidden in ["<script", "<link", "@import", "url(", "src="] {
            assert!(!page.contains(forbidden), "found {forbidden}");
        }
        assert_eq!(page.matches("http").count(), page.matches("http://www.w3.org/2000/svg").count());
        // Table: a header row and one row per cell.
        assert_eq!(page.matches("<th>").count(), COLUMNS.len());
        assert_eq!(page.matches("<tr>").count(), 1 + report.cells.len());
        // Four charts and one timeline, inline.
        assert_eq!(page.matches("<svg").count(), 5);
        assert!(page.contains("<h3>cache / gc-pause / inventory, seed 1</h3>"));
        assert!(page.contains(&format!("<code>{command}</code>")));
        assert!(page.contains("(lost update).</p>"));
        // The verdict leads, as headings and lists: the comparison stays the one table.
        let verdict = page.find("<h2>Verdict</h2>").expect("the verdict");
        let corrupted = page.find("<h3>gc-pause</h3>\n<ul>\n<li>No design kept the resource correct in every seed.</li>\n<li>cache: corrupted in 3 of 20 seeds (15.0%, 5.2–36.0%).</li>\n</ul>").expect("gc-pause's verdict");
        assert!(page.find("<h1>").unwrap() < verdict && verdict < corrupted);
        assert!(corrupted < page.find("<table>").unwrap());
        assert_eq!(page.matches("<table").count(), 1);
        // The story lists its seed's faults.
        let faults = page.find("<p>Seed 1 played 2 faults:</p>\n<ul>\n<li>pause of client-1 at 10.870 s for 20.931 s: gc pause 20.931s</li>").expect("the fault plan");
        assert!(page.find("<h3>cache / gc-pause / inventory, seed 1</h3>").unwrap() < faults);
        assert_eq!(Html.render(&report).unwrap(), vec![File::new("report.html", page)]);
    }
}
