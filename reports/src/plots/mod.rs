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
mod draw;
mod grid;
mod latency;
mod safety;
#[cfg(test)]
pub(crate) mod tests;

pub use bars::{messages_svg, throughput_svg};
pub use latency::{latency_svg, quantile_name};
pub use safety::safety_matrix_svg;

use crate::report::{CellReport, Report};
use crate::sink::{File, RenderError, Sink};

/// One chart, ready to save as `<file_stem>.svg` or inline into HTML.
#[derive(Clone, Debug)]
pub struct Plot {
    pub file_stem: &'static str,
    pub title: &'static str,
    pub svg: String,
}

impl Plot {
    /// Where the chart is saved in a report directory.
    pub fn path(&self) -> String {
        format!("plots/{}.svg", self.file_stem)
    }
}

/// All charts of a report, in the order the HTML shows them.
pub fn all(cells: &[CellReport]) -> Vec<Plot> {
    vec![
        Plot { file_stem: "safety", title: "Safety per design and scenario", svg: safety_matrix_svg(cells) },
        Plot { file_stem: "throughput", title: "Throughput", svg: throughput_svg(cells) },
        Plot { file_stem: "latency", title: "Acquire latency", svg: latency_svg(cells) },
        Plot { file_stem: "messages", title: "Messages per acquisition", svg: messages_svg(cells) },
    ]
}

/// The sink of `plots/`: every chart of the report, at its [`Plot::path`].
pub struct Plots;

impl Sink for Plots {
    fn render(&self, report: &Report<'_>) -> Result<Vec<File>, RenderError> {
        Ok(report.plots.iter().map(|p| File::new(p.path(), p.svg.as_bytes())).collect())
    }
}
