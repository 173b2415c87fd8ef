//! `report.md` of a sweep: what was swept, then per design the safe-region
//! boundary in words and a grid of corrupted seeds per point (`k/n`), so a
//! reviewer can paste the answer.

use std::fmt::Write;

use super::boundary::boundary;
use super::SweepReport;

pub const PATH: &str = "report.md";

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

pub fn markdown(report: &SweepReport) -> String {
    let mut md = String::new();
    let axes: Vec<String> = report.axes.iter().map(|a| format!("`{}` ({} values)", a.name, a.values.len())).collect();
    let _ = writeln!(md, "# {}\n", if report.title.is_empty() { "Sweep" } else { &report.title });
    let _ = writeln!(
        md,
        "{}; axes {}; {} seeds per point, the same seeds at every point.\n",
        report.base,
        axes.join(" x "),
        report.seeds
    );
    let along = report.axes.last().map_or("value", |a| a.name.as_str());
    let _ = writeln!(md, "## Where no seed corrupted the resource\n");
    for design in &report.designs {
        let _ = writeln!(md, "**{}**\n", design.label);
        for b in boundary(&report.axes, &design.points) {
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
            let _ = writeln!(md, "- {at}{safe}{again}");
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
