//! How one cell's first violating seed went wrong: the piece of a report that
//! `report.md`, `report.html`, `timelines/` and `histories/` all tell.
//!
//! Promise: [`ViolationStory::from_history`] explains the first violation of
//! each kind in time order (one paragraph each, [`crate::narrative`]), draws
//! one timeline spanning them all ([`crate::timeline`]), and keeps the
//! history it was told from, so every sink tells the same story. The story
//! names its files ([`ViolationStory::timeline_path`],
//! [`ViolationStory::history_path`]), so the sink that writes a file and the
//! page that links to it agree, and lists the seed's whole fault plan from
//! its history ([`ViolationStory::fault_plan`]), so every page shows it.

use sim::check::Violation;
use sim::history::History;
use sim::time::SimTime;

use crate::cell::CellReport;
use crate::{narrative, timeline};

/// How one cell's first violating seed went wrong, ready for the report.
#[derive(Clone, Debug)]
pub struct ViolationStory {
    /// "design / scenario / workload".
    pub cell: String,
    pub seed: u64,
    /// The exact `locksim replay ...` command.
    pub replay_command: String,
    /// One paragraph per violation told (see [`ViolationStory::from_history`]).
    pub sentences: Vec<String>,
    /// A standalone SVG document (see [`crate::timeline::timeline_svg`]).
    pub timeline_svg: String,
    /// The seed's whole history, the evidence (`histories/*.csv`).
    pub history: History,
    /// The cell's names and the seed, safe as a file name: what
    /// `timelines/` and `histories/` call this story's files.
    pub file_stem: String,
    /// The smallest case `locksim shrink` found that fails the same way.
    pub shrunk: Option<Box<ShrunkCase>>,
}

/// The smallest case found for a story's seed (`compare` shrinks each
/// violating cell's first violating seed): its scenario file with the exact
/// plan, saved at [`ViolationStory::shrunk_path`], and its own story.
#[derive(Clone, Debug)]
pub struct ShrunkCase {
    /// The violation kind the shrink kept (`lost-update`, `exclusion-overlap`...).
    pub kind: String,
    /// The scenario file's text.
    pub file_text: String,
    /// The seed to replay the file with.
    pub seed: u64,
    /// "22 faults, 5 clients, 60.0 simulated s, 6178 events": the original case...
    pub before: String,
    /// ...and the shrunk one.
    pub after: String,
    /// Runs the search tried, and whether its budget ran out first.
    pub runs: u64,
    pub budget_spent: bool,
    /// The shrunk plan, one line per fault.
    pub plan: Vec<String>,
    /// The shrunk case told and drawn like any story (its files are the
    /// story's own with `-shrunk` appended).
    pub story: ViolationStory,
}

impl ShrunkCase {
    /// The replay command, run from the report directory.
    pub fn replay_command(&self, parent: &ViolationStory) -> String {
        format!("locksim replay --config {} --seed {}", parent.shrunk_path(), self.seed)
    }
}

impl ViolationStory {
    /// Tell the story of one seed from its history and all its violations
    /// (overlaps and corrupted effects together): the first exclusion overlap
    /// and the first corrupted effect are explained, and the timeline spans
    /// both, highlighting every violation in that window. `endings` tell how
    /// the stories of the workload's kinds end ([`narrative::explain`]).
    pub fn from_history(
        cell: &CellReport,
        seed: u64,
        replay_command: &str,
        history: History,
        violations: &[Violation],
        endings: &[narrative::Ending],
    ) -> ViolationStory {
        // The first of each kind, in time order: one paragraph each.
        let mut told: Vec<&Violation> = Vec::new();
        let mut by_time: Vec<&Violation> = violations.iter().collect();
        by_time.sort_by_key(|v| v.at);
        for v in by_time {
            if !told.iter().any(|t| t.kind == v.kind) {
                told.push(v);
            }
        }
        let window = told
            .iter()
            .map(|v| timeline::default_window(&history, std::slice::from_ref(*v)))
            .reduce(|(a0, a1), (b0, b1)| (a0.min(b0), a1.max(b1)));
        let file_stem = format!("{}-{}-{}-seed{seed}", cell.algorithm, cell.scenario, cell.workload)
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
        ViolationStory {
            cell: format!("{} / {} / {}", cell.algorithm, cell.scenario, cell.workload),
            seed,
            replay_command: replay_command.to_string(),
            sentences: told.iter().map(|v| narrative::explain(&history, v, endings)).collect(),
            timeline_svg: timeline::timeline_svg(&history, violations, window.or(Some((SimTime::ZERO, history.end())))),
            history,
            file_stem,
            shrunk: None,
        }
    }

    /// The same story with the smallest case found for it; that case's own
    /// story names its files after this one's.
    pub fn with_shrunk(mut self, mut case: ShrunkCase) -> ViolationStory {
        case.story.file_stem = format!("{}-shrunk", self.file_stem);
        case.story.shrunk = None;
        self.shrunk = Some(Box::new(case));
        self
    }

    /// This story, then its shrunk case's story if there is one: every
    /// story whose timeline and history a report directory holds.
    pub fn with_its_shrunk(&self) -> impl Iterator<Item = &ViolationStory> {
        std::iter::once(self).chain(self.shrunk.as_ref().map(|c| &c.story))
    }

    /// The faults the seed played, one line each in start order (kind,
    /// nodes, start, length and the injector's words), read from its history.
    pub fn fault_plan(&self) -> Vec<String> {
        crate::faults::fault_plan(&self.history)
    }

    /// Where the timeline is saved in a report directory.
    pub fn timeline_path(&self) -> String {
        format!("timelines/{}.svg", self.file_stem)
    }

    /// Where the history is saved in a report directory.
    pub fn history_path(&self) -> String {
        format!("histories/{}.csv", self.file_stem)
    }

    /// Where the shrunk case's scenario file is saved in a report directory.
    pub fn shrunk_path(&self) -> String {
        format!("shrunk/{}.toml", self.file_stem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::gc_pause_story;
    use crate::narrative::tests::LOST_UPDATE;
    use crate::plots::tests::cell;

    #[test]
    fn a_story_explains_the_first_violation_of_each_kind_and_its_timeline_spans_them() {
        let (history, lost) = gc_pause_story();
        let overlap = Violation {
            kind: sim::check::EXCLUSION_OVERLAP,
            at: SimTime(20_899_000_000),
            clients: vec![sim::history::NodeId(1), sim::history::NodeId(2)],
            events: vec![3, 8],
        };
        let later_overlap = Violation { at: SimTime(30_000_000_000), ..overlap.clone() };
        let c = cell("cache", "gc-pause", 1, 1);
        let violations = [later_overlap, lost.clone(), overlap];
        let story = ViolationStory::from_history(&c, 1, "cmd", history, &violations, &[LOST_UPDATE]);
        assert_eq!(story.sentences.len(), 2);
        assert!(story.sentences[0].ends_with("(exclusion overlap)."), "{:?}", story.sentences);
        assert!(story.sentences[1].ends_with("(lost update)."));
        assert!(story.timeline_svg.contains("exclusion-overlap 20.899 s"));
        assert!(story.timeline_svg.contains("lost-update 31.802 s"));
    }

    #[test]
    fn files_are_named_after_the_cell_and_seed_in_safe_characters() {
        let (history, lost) = gc_pause_story();
        let mut c = cell("database(expiry_ms=0)", "gc-pause", 1, 1);
        c.workload = "inventory stock=3".into();
        let story = ViolationStory::from_history(&c, 12, "cmd", history, &[lost], &[LOST_UPDATE]);
        assert_eq!(story.file_stem, "database_expiry_ms_0_-gc-pause-inventory_stock_3-seed12");
        assert_eq!(story.timeline_path(), "timelines/database_expiry_ms_0_-gc-pause-inventory_stock_3-seed12.svg");
        assert_eq!(story.history_path(), "histories/database_expiry_ms_0_-gc-pause-inventory_stock_3-seed12.csv");
    }
}
