//! `report.md` of a sweep: what was swept, then per design the safe-region
//! boundary in words and a grid of corrupted seeds per point (`k/n`), so a
//! reviewer can paste the answer.
//!
//! The sentences themselves ([`title`], [`summary_line`], [`boundary_sentences`])
//! are plain text, shared with `report.html` ([`super::html`]), so both pages
//! say the same thing in the same words.

use std::fmt::Write;

use super::boundary::boundary;
use super::{DesignMap, SweepReport};

pub const PATH: &str = "report.md";

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// The page's heading: the report's title, or "Sweep".
pub fn title(report: &SweepReport) -> &str {
    if report.title.is_empty() {
        "Sweep"
    } else {
        &report.title
    }
}

/// The base experiment, the axes and the seeds, in one sentence. `name`
/// quotes an axis name (Markdown puts it in backticks).
pub fn summary_line(report: &SweepReport, name: impl Fn(&str) -> String) -> String {
    let axes: Vec<String> =
        report.axes.iter().map(|a| format!("{} ({} values)", name(&a.name), a.values.len())).collect();
    format!(
        "{}; axes {}; {} seeds per point, the same seeds at every point.",
        report.base,
        axes.join(" x "),
        report.seeds
    )
}

/// Where `design` stayed clean, one sentence per value of the first axis
/// (one in all with one axis), from [`boundary`].
pub fn boundary_sentences(report: &SweepReport, design: &DesignMap) -> Vec<String> {
    let along = report.axes.last().map_or("value", |a| a.name.as_str());
    boundary(&report.axes, &design.points)
        .into_iter()
        .map(|b| {
            let at = b.x.map(|x| format!("at {} = {x}: ", report.axes[0].name)).unwrap_or_default();
            let safe = match (b.safe_up_to, b.first_unsafe) {
                (_, None) => format!("clean at every {along} swept ({} seeds each; corrupted share below {} at 95%)", b.seeds, b.corrupted_high.map_or("-".into(), percent)),
                (None, Some(first)) => format!("corrupted already at the lowest {along} = {first} ({} seeds)", b.first_unsafe_seeds),
                (Some(safe), Some(first)) => format!(
                    "clean up to {along} = {safe} (corrupted share below {} at 95%); corrupted from {first} ({} of its seeds, {}-{})",
                    b.corrupted_high.map_or("-".into(), percent),
                    b.first_unsafe_seeds,
                    b.first_unsafe_share.map_or("-".into(), |i| percent(i.low)),
                    b.first_unsafe_share.map_or("-".into(), |i| percent(i.high)),
                ),
            };
            let again = if b.clean_again_above { "; clean again above it (not monotone)" } else { "" };
            format!("{at}{safe}{again}")
        })
        .collect()
}

pub fn markdown(report: &SweepReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", title(report));
    let _ = writeln!(md, "{}\n", summary_line(report, |name| format!("`{name}`")));
    let _ = writeln!(md, "## Where no seed corrupted the resource\n");
    for design in &report.designs {
        let _ = writeln!(md, "**{}**\n", design.label);
        for sentence in boundary_sentences(report, design) {
            let _ = writeln!(md, "- {sentence}");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Corrupted seeds per point\n");
    for design in &report.designs {
        let _ = writeln!(md, "**{}**\n", design.label);
        match &report.axes[..] {
            [x] => {
                let _ = writeln!(
                    md,
                    "| {} | corrupted | overlap | acquisitions/s | p99 acquire |\n|---:|---:|---:|---:|---:|",
                    x.name
                );
                for p in &design.points {
                    let s = &p.summary;
                    let _ = writeln!(
                        md,
                        "| {} | {}/{} | {}/{} | {:.1} | {} |",
                        p.coords[0],
                        s.unsafe_seeds,
                        s.seeds,
                        s.overlap_seeds,
                        s.seeds,
                        s.throughput,
                        s.acquire_p99_ms.map_or("-".into(), |v| format!("{v:.1} ms"))
                    );
                }
            }
            [x, y] => {
                let _ = write!(md, "| {} \\ {} |", y.name, x.name);
                for v in &x.values {
                    let _ = write!(md, " {v} |");
                }
                let _ = writeln!(md, "\n|---:|{}", "---:|".repeat(x.values.len()));
                for (iy, vy) in y.values.iter().enumerate().rev() {
                    let _ = write!(md, "| {vy} |");
                    for ix in 0..x.values.len() {
                        let s = &design.points[ix * y.values.len() + iy].summary;
                        let _ = write!(md, " {}/{} |", s.unsafe_seeds, s.seeds);
                    }
                    let _ = writeln!(md);
                }
            }
            _ => {}
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "Data: `runs.csv` (every seed), `points.csv` (per point, with Wilson intervals and the replay command of the first violating seed), `boundary.csv`.");
    md
}
