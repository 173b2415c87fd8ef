//! The sinks of each story's own files: `timelines/*.svg`, the picture
//! ([`crate::timeline`]), and `histories/*.csv`, the evidence
//! ([`crate::history_csv`]), for each story and its shrunk case's story; and
//! `shrunk/*.toml`, the shrunk case's scenario file; at the paths the story
//! names ([`crate::ViolationStory::timeline_path`],
//! [`crate::ViolationStory::history_path`],
//! [`crate::ViolationStory::shrunk_path`]). Each owns its directory, so a
//! rerun leaves no story of a cell that no longer fails.

use crate::history_csv;
use crate::report::Report;
use crate::sink::{File, RenderError, Sink};

/// The sink of `timelines/`: each story's timeline.
pub struct Timelines;

impl Sink for Timelines {
    fn owns(&self) -> &'static [&'static str] {
        &["timelines"]
    }

    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        let all = report.stories.iter().flat_map(|s| s.with_its_shrunk());
        Ok(all.map(|s| File::new(s.timeline_path(), s.timeline_svg.as_bytes())).collect())
    }
}

/// The sink of `histories/`: each story's history, one row per event.
pub struct Histories;

impl Sink for Histories {
    fn owns(&self) -> &'static [&'static str] {
        &["histories"]
    }

    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        report
            .stories
            .iter()
            .flat_map(|s| s.with_its_shrunk())
            .map(|s| {
                let path = s.history_path();
                let bytes = history_csv::to_csv(&s.history).map_err(|e| RenderError::new(&path, e))?;
                Ok(File::new(path, bytes))
            })
            .collect()
    }
}

/// The sink of `shrunk/`: each shrunk case's scenario file.
pub struct ShrunkFiles;

impl Sink for ShrunkFiles {
    fn owns(&self) -> &'static [&'static str] {
        &["shrunk"]
    }

    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        let cases = report.stories.iter().filter_map(|s| s.shrunk.as_ref().map(|c| (s, c)));
        Ok(cases.map(|(s, c)| File::new(s.shrunk_path(), c.file_text.as_bytes())).collect())
    }
}
