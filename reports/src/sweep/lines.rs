//! The charts of a one-axis sweep: one per [`Metric`], one line per design.
//!
//! Promise: [`lines_svg`] returns one valid, self-contained SVG document (no
//! scripts, no external fonts or images): the axis's values along x, the
//! metric up y, a line per design in the report's order with a dot per
//! point and a legend of design labels.
//! - x: evenly spaced by index (the values are labels, as on the heatmaps),
//!   or on a log scale when the axis grows by a factor (`log`), so the gaps
//!   between points say how far apart their values are;
//! - share charts (corrupted, overlap): 0-100% of seeds, and each design's
//!   95% Wilson interval as a filled, semi-transparent band around its line
//!   (one polygon per design), so "0 of 20" still shows room up to 16.1%;
//! - throughput on a linear y from 0, p99 acquire latency on a log y; a point
//!   with no value breaks its line rather than dropping to 0.
//!
//! Drawn with plotters' chart model like the comparison's charts (its axes
//! and mesh), with the x labels placed by hand at the points' positions:
//! plotters would pick round ticks between them instead.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::maps::{Metric, Reading};
use super::{AxisInfo, SweepReport};
use crate::plots::draw::{bold, color, draw_legend, font, format_ms, format_value, message_svg, text_style};
use crate::svg::text_width;

/// The opacity of an interval band: the lines and other bands show through.
const BAND_OPACITY: f64 = 0.18;

/// The caption of the chart of `metric` (the page's figure caption).
pub fn title(report: &SweepReport, metric: Metric) -> String {
    let along = report.axes.first().map_or("value", |a| a.name.as_str());
    match metric {
        Metric::Corrupted | Metric::Overlap => format!("{} per {along}, with 95% Wilson intervals", metric.title()),
        Metric::Throughput => format!("{} per {along}", metric.title()),
        Metric::P99 => format!("{} per {along} (log scale)", metric.title()),
    }
}

/// The chart of `metric` over a one-axis `report` (see the module docs); a
/// short message instead when the report has not one axis or nothing to draw.
pub fn lines_svg(report: &SweepReport, metric: Metric) -> String {
    let heading = title(report, metric);
    let [axis] = &report.axes[..] else {
        return message_svg(&heading, "a line chart needs one axis");
    };
    if axis.values.is_empty() || report.designs.iter().any(|d| d.points.len() != axis.values.len()) {
        return message_svg(&heading, "the points do not fill the axis");
    }
    let values = || report.designs.iter().flat_map(|d| d.points.iter()).filter_map(|p| metric.value(p));
    let x = Positions::of(axis);
    match metric {
        Metric::Corrupted | Metric::Overlap => {
            draw(report, metric, &heading, &x, 0.0..1.0, &|v| format!("{:.0}%", 100.0 * v))
        }
        Metric::Throughput => {
            let max = values().fold(0.0, f64::max);
            let top = if max > 0.0 { max * 1.15 } else { 1.0 };
            draw(report, metric, &heading, &x, 0.0..top, &|v| format_value(*v))
        }
        Metric::P99 => {
            let positive = || values().filter(|v| *v > 0.0);
            let (Some(lo), Some(hi)) = (positive().reduce(f64::min), positive().reduce(f64::max)) else {
                return message_svg(&heading, "no successful acquisition at any point");
            };
            draw(report, metric, &heading, &x, (lo / 1.6..hi * 1.6).log_scale(), &|v| format_ms(*v))
        }
    }
}

/// Where each of the axis's values sits along x, in chart units.
struct Positions {
    at: Vec<f64>,
    labels: Vec<String>,
}

impl Positions {
    fn of(axis: &AxisInfo) -> Positions {
        // A log position needs positive values; otherwise they are labels in order.
        let log = axis.log && axis.values.iter().all(|v| *v > 0);
        let at =
            axis.values.iter().enumerate().map(|(i, &v)| if log { (v as f64).log10() } else { i as f64 }).collect();
        Positions { at, labels: axis.values.iter().map(i64::to_string).collect() }
    }

    /// The x range, with room for a dot and its label at either end.
    fn range(&self) -> std::ops::Range<f64> {
        let lo = self.at.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.at.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo { (hi - lo) * 0.06 } else { 0.5 };
        (lo - pad)..(hi + pad)
    }
}

fn draw<Y>(
    report: &SweepReport,
    metric: Metric,
    heading: &str,
    x: &Positions,
    y_spec: Y,
    y_format: &dyn Fn(&f64) -> String,
) -> String
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let axis_name = report.axes[0].name.as_str();
    let legend_w = report.designs.iter().map(|d| text_width(&d.label, 12.0)).fold(60.0, f64::max) as u32 + 40;
    let width = 640 + legend_w;
    let height = 380;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let (plot_area, legend_area) = root.split_horizontally(width - legend_w);
        let Ok(mut chart) = ChartBuilder::on(&plot_area)
            .caption(heading, bold(14.0))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x.range(), y_spec)
        else {
            return message_svg(heading, "cannot lay out the chart");
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(axis_name)
            .y_desc(y_desc(metric))
            .y_label_formatter(y_format)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(font(12.0))
            .axis_desc_style(font(12.0))
            .draw();
        let (y_lo, y_hi) = (chart.y_range().start, chart.y_range().end);
        // The x labels, one per value at its point, and a light line up from each.
        for (&at, label) in x.at.iter().zip(&x.labels) {
            let rule = PathElement::new(vec![(at, y_lo), (at, y_hi)], RGBColor(235, 235, 235));
            let _ = chart.draw_series(std::iter::once(rule));
            let (px, py) = chart.backend_coord(&(at, y_lo));
            let _ = root.draw(&Text::new(label.clone(), (px, py + 12), text_style(font(12.0), HPos::Center)));
        }

        for (d, design) in report.designs.iter().enumerate() {
            let c = color(d);
            // The band: along the upper bounds, then back along the lower ones.
            let intervals: Vec<(f64, f64, f64)> = (x.at.iter().zip(&design.points))
                .filter_map(|(&at, p)| match metric.read(p) {
                    Reading::Share { interval: Some(i), .. } => Some((at, i.low, i.high)),
                    _ => None,
                })
                .collect();
            if !intervals.is_empty() {
                let band = intervals
                    .iter()
                    .map(|&(at, _, hi)| (at, hi))
                    .chain(intervals.iter().rev().map(|&(at, lo, _)| (at, lo)));
                let _ = chart
                    .draw_series(std::iter::once(Polygon::new(band.collect::<Vec<_>>(), c.mix(BAND_OPACITY).filled())));
            }
            // The line, broken where a point has no value.
            let points: Vec<(f64, Option<f64>)> =
                x.at.iter().copied().zip(design.points.iter().map(|p| metric.value(p))).collect();
            for run in points.split(|(_, v)| v.is_none()).filter(|run| run.len() > 1) {
                let line: Vec<(f64, f64)> = run.iter().filter_map(|&(at, v)| Some((at, v?))).collect();
                let _ = chart.draw_series(std::iter::once(PathElement::new(line, c.stroke_width(2))));
            }
            let dots = points.iter().filter_map(|&(at, v)| Some(Circle::new((at, v?), 3, c.filled())));
            let _ = chart.draw_series(dots);
        }
        draw_legend(
            &legend_area,
            "design",
            report.designs.iter().enumerate().map(|(d, m)| (m.label.clone(), color(d))),
        );
        let _ = root.present();
    }
    svg
}

fn y_desc(metric: Metric) -> &'static str {
    match metric {
        Metric::Corrupted => "seeds with a corrupted effect",
        Metric::Overlap => "seeds with an exclusion overlap",
        Metric::Throughput => "acquisitions / simulated s",
        Metric::P99 => "p99 acquire latency (log scale)",
    }
}
