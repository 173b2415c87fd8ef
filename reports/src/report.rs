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

    /// Each violating cell's first violating seed, in cell order, with the
    /// command that replays it and the story told of it (absent when none was).
    pub fn first_violations(&self) -> Vec<FirstViolation<'_>> {
        self.cells
            .iter()
            .filter_map(|cell| {
                let (seed, replay) = cell.first_violation.as_ref()?;
                let name = format!("{} / {} / {}", cell.algorithm, cell.scenario, cell.workload);
                let story = self.stories.iter().copied().find(|s| s.cell == name && s.seed == *seed);
                Some(FirstViolation { name, seed: *seed, replay, story })
            })
            .collect()
    }

    /// The same report, describing `designs` (name, what it is).
    pub fn with_designs(mut self, designs: Vec<(String, String)>) -> Report<'a> {
        self.designs = designs;
        self
    }
}

/// A cell's first violating seed, as the pages and the terminal list it.
pub struct FirstViolation<'r> {
    /// `design / scenario / workload`.
    pub name: String,
    pub seed: u64,
    /// The command that replays the seed.
    pub replay: &'r str,
    pub story: Option<&'r ViolationStory>,
}

impl FirstViolation<'_> {
    /// The shrunk case's size in words and the command that replays it
    /// (from the report directory), if the story has one.
    pub fn shrunk(&self) -> Option<(&str, String)> {
        let story = self.story?;
        let case = story.shrunk.as_ref()?;
        Some((&case.after, case.replay_command(story)))
    }
}
