//! SVG charts over a comparison's cells, each a standalone SVG document as a
//! `String` (the HTML report inlines them; the [`Plots`] sink saves them).
//!
//! Promise: every function returns one valid, self-contained SVG document
//! (no scripts, no external fonts or images) whose rows and columns follow
//! the order in which designs and scenarios first appear in `cells`:
//! - [`safety_matrix_svg`]: design x scenario grid; per cell the share of
//!   seeds with an exclusion overlap and with a corrupted effect, each with
//!   its 95% Wilson interval drawn as a bar and written as numbers;
//! - [`throughput_svg`]: acquisitions per simulated second;
//! - [`latency_svg`]: acquire latency quantiles (p50, p90, p99, max) on a
//!   log axis, from [`crate::LatencyProfile`] (or the summary's p50/p99);
//! - [`messages_svg`]: messages per acquisition, the coordination overhead.
//!
//! Drawn with plotters' SVG backend built without default features: no
//! font-kit, no ttf, no system fonts. Plotters can still lay out text then:
//! its fallback font only *estimates* label sizes (for axis areas), and the
//! SVG backend writes real `<text>` elements in `sans-serif` that the viewer
//! renders with whatever font it has, so nothing needs a font file here.
//! Where plotters' chart model does not fit (the matrix, legends) we place
//! elements in pixels on its drawing area, with our own size estimate.
//!
//! One module per kind of chart (`safety`, `bars`, `latency`); what
//! they share is in `grid` (rows and columns) and `draw` (fonts,
//! colours, legends).

mod bars;
pub(crate) mod draw;
mod grid;
mod latency;
mod safety;
#[cfg(test)]
pub(crate) mod tests;

pub use bars::{messages_svg, throughput_svg};
pub use latency::{latency_svg, quantile_name};
pub use safety::safety_matrix_svg;

use crate::cell::CellReport;
use crate::report::Report;
use crate::sink::{File, RenderError, Sink};

/// One kind of chart: its file, its caption, and how it is drawn.
pub struct Chart {
    pub file_stem: &'static str,
    pub title: &'static str,
    pub draw: fn(&[CellReport]) -> String,
}

impl Chart {
    /// Where the chart is saved in a report directory.
    pub fn path(&self) -> String {
        format!("plots/{}.svg", self.file_stem)
    }
}

/// Every chart of a report, in the order the pages show them.
pub const CHARTS: [Chart; 4] = [
    Chart { file_stem: "safety", title: "Safety per design and scenario", draw: safety_matrix_svg },
    Chart { file_stem: "throughput", title: "Throughput", draw: throughput_svg },
    Chart { file_stem: "latency", title: "Acquire latency", draw: latency_svg },
    Chart { file_stem: "messages", title: "Messages per acquisition", draw: messages_svg },
];

/// One chart drawn, ready to save as `<file_stem>.svg` or inline into HTML.
#[derive(Clone, Debug)]
pub struct Plot {
    pub file_stem: &'static str,
    pub title: &'static str,
    pub svg: String,
}

/// Every chart of [`CHARTS`] drawn over `cells`.
pub fn all(cells: &[CellReport]) -> Vec<Plot> {
    CHARTS.iter().map(|c| Plot { file_stem: c.file_stem, title: c.title, svg: (c.draw)(cells) }).collect()
}

/// The sink of `plots/`: every chart, at its [`Chart::path`].
pub struct Plots;

impl Sink for Plots {
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        Ok(CHARTS.iter().map(|c| File::new(c.path(), (c.draw)(&report.cells))).collect())
    }
}
