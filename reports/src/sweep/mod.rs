//! A sweep's results as reports read them: axes are names and whole
//! numbers, designs are labels, and each (design, point) has its seeds' run
//! records. Knows nothing of experiments: the scenarios crate gathers a
//! [`SweepReport`] and writes the files these modules render.
//!
//! - [`rows`], `runs.csv`, a row per (design, point, seed), read back exactly;
//! - [`boundary`], the safe-region boundary per design;
//! - [`tables`], `points.csv` and `boundary.csv`;
//! - [`page`], the `report.md` page;
//! - [`maps`], every map of a sweep (`plots/*.svg`): [`heatmap`]s of each
//!   design over two axes, or [`lines`] of every design over one;
//! - [`html`], the self-contained `report.html` page with every map inline.
//!
//! The caller writes a sweep directory from [`maps::maps`] (each [`maps::Map`]
//! at its path), [`html::html`] at [`html::PATH`], and the files above.

use sim::record::{RunRecord, Summary};

use crate::wilson::{wilson, Interval};

pub mod boundary;
pub mod heatmap;
pub mod html;
pub mod lines;
pub mod maps;
pub mod page;
pub mod rows;
pub mod tables;
#[cfg(test)]
mod tests;

/// One axis: its column name, its values, and whether they grow by a factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisInfo {
    pub name: String,
    pub values: Vec<i64>,
    pub log: bool,
}

/// One design's results over the grid, point by point (x-major).
pub struct DesignMap {
    pub label: String,
    pub points: Vec<PointSummary>,
}

/// One (design, point): its coordinates and what its seeds showed.
pub struct PointSummary {
    pub coords: Vec<i64>,
    pub summary: Summary,
    /// The first seed with a corrupted effect, else with an overlap.
    pub first_violating_seed: Option<u64>,
    /// The command that replays that seed (empty when none violated).
    pub replay: String,
}

impl PointSummary {
    pub fn new(coords: Vec<i64>, records: &[RunRecord], replay: impl Fn(u64) -> String) -> PointSummary {
        let first = records
            .iter()
            .find(|r| r.corrupted > 0)
            .or_else(|| records.iter().find(|r| r.overlaps > 0))
            .map(|r| r.seed);
        PointSummary {
            coords,
            summary: Summary::of(records),
            first_violating_seed: first,
            replay: first.map(replay).unwrap_or_default(),
        }
    }

    /// Seeds with a corrupted effect, with the 95% Wilson interval.
    pub fn corrupted(&self) -> Option<Interval> {
        wilson(self.summary.unsafe_seeds as u64, self.summary.seeds as u64)
    }

    /// Seeds with an exclusion overlap, with the 95% Wilson interval.
    pub fn overlap(&self) -> Option<Interval> {
        wilson(self.summary.overlap_seeds as u64, self.summary.seeds as u64)
    }
}

/// Everything a sweep's views render.
pub struct SweepReport {
    pub title: String,
    /// The base experiment in words (scenario, workload, duration).
    pub base: String,
    pub axes: Vec<AxisInfo>,
    pub designs: Vec<DesignMap>,
    pub seeds: usize,
}
