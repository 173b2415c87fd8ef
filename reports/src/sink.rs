//! The one interface every report file comes through.
//!
//! Promise: a [`Sink`] turns a [`Report`] into named files and does nothing
//! else: no disk, no terminal. Whoever holds the report directory writes each
//! returned [`File`] atomically ([`crate::atomic`]), sink after sink in the
//! order it lists them, each sink's files in the order returned; before a
//! sink's files are written, the subdirectories it [`Sink::owns`] are created
//! and emptied of what an earlier run left there.
//!
//! A new kind of report file is one module with one `impl Sink`, listed in
//! [`crate::VIEWS`]: the report directory learns nothing about its format.

use std::fmt;

use crate::report::Report;

/// One file of a report directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Relative to the report directory, `/`-separated (`plots/safety.svg`).
    pub path: String,
    pub bytes: Vec<u8>,
}

impl File {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> File {
        File { path: path.into(), bytes: bytes.into() }
    }
}

/// A sink could not render one of its files.
#[derive(Debug)]
pub struct RenderError {
    /// The file, as in [`File::path`].
    pub path: String,
    pub cause: String,
}

impl RenderError {
    pub fn new(path: impl Into<String>, cause: impl fmt::Display) -> RenderError {
        RenderError { path: path.into(), cause: cause.to_string() }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot render {}: {}", self.path, self.cause)
    }
}

impl std::error::Error for RenderError {}

/// Something that writes part of a report directory.
pub trait Sink {
    /// Subdirectories that hold this sink's files and nothing else. They are
    /// created even when the sink has no file for them, and emptied first,
    /// so a rerun into the same directory leaves no file of the last run
    /// behind (e.g. the timeline of a cell that no longer fails).
    fn owns(&self) -> &'static [&'static str] {
        &[]
    }

    /// Every file this sink writes for `report`.
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError>;
}
