//! locksim's report sinks. They read run records, summaries, histories and
//! violations (sim's data types) and know nothing of algorithm internals.
//!
//! One producer, several sinks: the caller gathers a comparison's results
//! once into a [`Report`] ([`report`]), and every report file comes out of a
//! [`Sink`] ([`sink`]) as named bytes; the report directory writes them.
//!
//! The data and what tells it:
//! - [`report`]: the [`Report`] and its [`CellReport`]s;
//! - [`story`]: how one cell's first violating seed went wrong
//!   ([`ViolationStory`]), with the history it was told from;
//! - [`table`]: the comparison table, as text;
//! - [`narrative`]: a violation's story in sentences ([`narrative::explain`]);
//! - [`window`] and `faults`: where a story starts, and a history's faults as spans;
//! - [`wilson`]: the 95% interval around "k of n seeds were unsafe".
//!
//! The sinks, each in its own module:
//! - [`runs_csv`]: `runs.csv`, one row per seed run (the data, read back by `locksim report`);
//! - [`plots`]: `plots/*.svg`, charts over cells ([`plots::all`]);
//! - [`timeline`]: `timelines/*.svg`, the picture of one history around a
//!   violation ([`timeline::timeline_svg`]);
//! - [`history_csv`]: `histories/*.csv`, one row per event of a story's history;
//! - [`markdown`]: `report.md`, the report a reviewer pastes into a design review;
//! - [`html`]: `report.html`, self-contained, with all of the above inline.
//!
//! [`atomic`] writes a file to a temporary name and renames it, so a reader
//! never sees half a file.

pub mod atomic;
mod faults;
pub mod history_csv;
pub mod html;
pub mod markdown;
pub mod narrative;
pub mod plots;
pub mod report;
pub mod runs_csv;
pub mod sink;
pub mod story;
mod svg;
pub mod table;
pub mod timeline;
pub mod wilson;
pub mod window;

pub use narrative::explain;
pub use report::{CellReport, LatencyProfile, Report};
pub use sink::{File, RenderError, Sink};
pub use story::ViolationStory;
pub use timeline::timeline_svg;

/// Every file derived from the report's data, sink by sink, in the order a
/// report directory writes them (after the data itself: [`runs_csv::RunsCsv`]).
/// A new kind of report file is a module with one `impl Sink`, listed here.
pub const VIEWS: &[&dyn Sink] =
    &[&plots::Plots, &timeline::Timelines, &history_csv::Histories, &markdown::Markdown, &html::Html];
