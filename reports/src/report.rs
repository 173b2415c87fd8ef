//! What every sink reads: one comparison's results, gathered once.
//!
//! Promise: a [`Report`] holds everything a report file is made of — the
//! title and the note under it, one [`CellReport`] per cell (in cell order),
//! the story of each cell's first violating seed (with its history), and
//! every run row for `runs.csv`. It holds results, not renderings: each sink
//! ([`crate::sink`]) draws what it shows from them, so the same report
//! written twice, or printed, says the same thing.

use sim::record::RunRecord;

use crate::cell::CellReport;
use crate::story::ViolationStory;

/// One comparison as the sinks see it.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    pub title: String,
    /// The line under the title (which seeds, how long, how many clients).
    pub note: String,
    /// In cell order.
    pub cells: Vec<CellReport>,
    /// Each violating cell's first violating seed, in cell order.
    pub stories: Vec<&'a ViolationStory>,
    /// Every row `runs.csv` keeps, in the order it keeps them.
    pub runs: Vec<&'a RunRecord>,
    /// Each design the cells ran, with what it is (its `locksim list`
    /// summary), in cell order: a reader compares like with like.
    pub designs: Vec<(String, String)>,
}

impl<'a> Report<'a> {
    pub fn new(
        title: &str,
        note: String,
        cells: Vec<CellReport>,
        stories: Vec<&'a ViolationStory>,
        runs: Vec<&'a RunRecord>,
    ) -> Report<'a> {
        Report { title: title.to_string(), note, cells, stories, runs, designs: Vec::new() }
    }

    /// The same report, describing `designs` (name, what it is).
    pub fn with_designs(mut self, designs: Vec<(String, String)>) -> Report<'a> {
        self.designs = designs;
        self
    }
}
