//! `report.md`: the comparison table and how to replay each cell's first
//! violation, ready to paste into a design review.

use std::fmt::Write as _;

use crate::CellReport;

pub fn render(title: &str, seeds_note: &str, cells: &[CellReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title}\n\n{seeds_note}\n");
    let _ = writeln!(
        out,
        "| design | scenario | workload | seeds | with overlap | with corrupted effect | acquisitions / sim s | p50 acquire | p99 acquire | messages / acquisition | rejected writes |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in cells {
        let s = &c.summary;
        let share = |n: usize| format!("{:.1}% ({n})", 100.0 * n as f64 / s.seeds.max(1) as f64);
        let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} ms"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} |",
            c.algorithm,
            c.scenario,
            c.workload,
            s.seeds,
            share(s.overlap_seeds),
            share(s.unsafe_seeds),
            s.throughput,
            ms(s.acquire_p50_ms),
            ms(s.acquire_p99_ms),
            s.messages_per_acquisition.map_or("-".into(), |m| format!("{m:.1}")),
            s.writes_rejected,
        );
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
