//! `report.html` of a sweep: the whole sweep in one file a reviewer opens
//! offline.
//!
//! Promise: [`html`] returns one self-contained HTML5 document: no scripts,
//! no external stylesheets, fonts or images (every map is inline SVG), the
//! comparison page's style ([`crate::html`]). It holds the title, the line
//! saying what was swept, each design's safe-region boundary in the same
//! sentences as `report.md` ([`super::page`]), and every map of
//! [`super::maps::maps`] in its order, each in a `<figure id="<file stem>">`
//! with its title as the caption, as the comparison page holds its charts
//! (`scripts/check-report.sh` finds a map's figure by that id).
//! All text from the caller is escaped.

use std::fmt::Write as _;

use super::maps::maps;
use super::page::{boundary_sentences, summary_line, title};
use super::SweepReport;
use crate::html::{figure, start_page};
use crate::svg::escape;

pub const PATH: &str = "report.html";

/// The full sweep page.
pub fn html(report: &SweepReport) -> String {
    let mut out = String::new();
    start_page(&mut out, title(report), &summary_line(report, str::to_string));

    let _ = writeln!(out, "<h2>Where no seed corrupted the resource</h2>");
    for design in &report.designs {
        let _ = writeln!(out, "<h3>{}</h3>\n<ul>", escape(&design.label));
        for sentence in boundary_sentences(report, design) {
            let _ = writeln!(out, "<li>{}</li>", escape(&sentence));
        }
        let _ = writeln!(out, "</ul>");
    }

    let _ = writeln!(out, "<h2>Maps</h2>");
    for map in maps(report) {
        figure(&mut out, map.file_stem(), &map.svg, &map.title);
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">Data: <code>runs.csv</code> (every seed), <code>points.csv</code> (per point, with \
         Wilson intervals and the replay command of the first violating seed), <code>boundary.csv</code>.</p>"
    );
    let _ = writeln!(out, "</body>\n</html>");
    out
}
