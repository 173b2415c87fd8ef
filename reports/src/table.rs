//! The comparison table, as text: one row per cell, the same columns in
//! `report.md`, `report.html` and the summary `compare` prints.
//!
//! Promise: [`rows`] gives one row per cell, in cell order, each holding
//! exactly [`COLUMNS`] values already formatted (shares with their counts,
//! milliseconds with one decimal, `-` for unknown); the first three columns
//! name the cell, the rest are figures. Each page only adds its own markup.

use crate::cell::CellReport;

/// The comparison table's column headings.
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
