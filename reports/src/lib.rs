//! locksim's report sinks. They read run records, summaries, histories and
//! violations (sim's data types) and know nothing of algorithm internals.
//!
//! One producer, several sinks: the caller gathers a comparison's results
//! once into a [`Report`] ([`report`]), and every report file comes out of a
//! [`Sink`] ([`sink`]) as named bytes; the report directory writes them.
//!
//! The data, and what renders it (none of these knows a sink):
//! - [`report`]: the [`Report`]; [`cell`]: its [`CellReport`]s;
//! - [`story`]: how one cell's first violating seed went wrong
//!   ([`ViolationStory`]), with the history it was told from;
//! - [`verdict`]: the answer a report leads with, per scenario: which designs
//!   kept the resource correct, which did not, and what the correct ones cost;
//! - [`table`]: the comparison table, as text;
//! - [`narrative`]: a violation's story in sentences ([`narrative::explain`]);
//! - [`timeline`]: the SVG picture of one history around a violation
//!   ([`timeline::timeline_svg`]); [`window`] and `faults`: where a story
//!   starts, and a history's faults as spans;
//! - [`wilson`]: the 95% interval around "k of n seeds were unsafe";
//! - [`terminal`]: the compact summary `compare` prints (or its JSON form).
//!
//! The sinks (the data above never imports them, so no module cycle):
//! - [`runs_csv`]: `runs.csv`, one row per seed run (the data, read back by `locksim report`);
//! - [`plots`]: `plots/*.svg`, the charts over cells ([`plots::CHARTS`]);
//! - [`stories`]: `timelines/*.svg` and `histories/*.csv` ([`history_csv`]) of each story
//!   and its shrunk case, and `shrunk/*.toml`, the shrunk cases' scenario files;
//! - [`markdown`]: `report.md`, the report a reviewer pastes into a design review;
//! - [`html`]: `report.html`, self-contained, with all of the above inline.
//!
//! [`atomic`] writes a file to a temporary name and renames it, so a reader
//! never sees half a file.

pub mod atomic;
pub mod calibration;
pub mod cell;
mod faults;
pub mod fixture;
pub mod history_csv;
pub mod html;
pub mod markdown;
pub mod narrative;
pub mod plots;
pub mod report;
pub mod runs_csv;
pub mod sink;
pub mod stories;
pub mod story;
mod svg;
pub mod sweep;
pub mod table;
pub mod terminal;
pub mod timeline;
pub mod verdict;
pub mod wilson;
pub mod window;

pub use cell::{CellReport, LatencyProfile};
pub use narrative::explain;
pub use report::Report;
pub use sink::{File, RenderError, Sink};
pub use story::{ShrunkCase, ViolationStory};
pub use timeline::timeline_svg;

/// Every file derived from the report's data, sink by sink, in the order a
/// report directory writes them (after the data itself: [`runs_csv::RunsCsv`]).
/// A new kind of report file is a module with one `impl Sink`, listed here.
pub const VIEWS: &[&dyn Sink] =
    &[&plots::Plots, &stories::Timelines, &stories::Histories, &stories::ShrunkFiles, &markdown::Markdown, &html::Html];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::gc_pause_story;
    use crate::plots::tests::cell;

    #[test]
    fn the_views_name_distinct_relative_files_inside_the_directories_they_own() {
        let (history, violation) = gc_pause_story();
        let cells = vec![cell("cache", "none", 0, 0), cell("cache", "gc-pause", 7, 3)];
        let story = ViolationStory::from_history(
            &cells[1],
            1,
            "cmd",
            history,
            &[violation],
            &[crate::narrative::tests::LOST_UPDATE],
        );
        let report = Report::new("t", "note".into(), cells, vec![&story], vec![]);
        let mut paths: Vec<String> = Vec::new();
        for sink in VIEWS {
            for file in sink.render(&report).unwrap() {
                assert!(!file.path.starts_with('/') && !file.path.contains(".."), "{}", file.path);
                // A file inside an owned directory must be its owner's, or a rerun would delete it.
                let owner = VIEWS.iter().find(|s| s.owns().iter().any(|d| file.path.starts_with(&format!("{d}/"))));
                assert!(
                    owner.is_none_or(|o| std::ptr::addr_eq(*o, *sink)),
                    "{} is in another sink's directory",
                    file.path
                );
                assert!(!paths.contains(&file.path), "{} written twice", file.path);
                paths.push(file.path);
            }
        }
        let stem = &story.file_stem;
        let expected = [
            "plots/safety.svg".to_string(),
            "plots/throughput.svg".into(),
            "plots/latency.svg".into(),
            "plots/messages.svg".into(),
            format!("timelines/{stem}.svg"),
            format!("histories/{stem}.csv"),
            "report.md".into(),
            "report.html".into(),
        ];
        assert_eq!(paths, expected);
    }
}
