//! locksim's report sinks. They read run records and summaries (sim's data
//! types) and know nothing of algorithm internals.
//!
//! - [`atomic`]: every file is written to a temporary name and renamed, so a
//!   reader never sees half a file.
//! - [`runs_csv`]: one row per seed run.
//! - [`markdown`]: the report a reviewer pastes into a design review.

pub mod atomic;
pub mod markdown;
pub mod runs_csv;

use sim::record::Summary;

/// One cell of a comparison (algorithm x scenario x workload) as reports see it.
#[derive(Clone, Debug)]
pub struct CellReport {
    pub algorithm: String,
    pub scenario: String,
    pub workload: String,
    pub summary: Summary,
    /// The first violating seed and the command that replays it.
    pub first_violation: Option<(u64, String)>,
}
