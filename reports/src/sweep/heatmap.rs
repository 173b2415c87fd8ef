//! The heatmap of one design over a two-axis sweep, for one [`Metric`].
//!
//! Promise: [`heatmap_svg`] returns one valid, self-contained SVG document
//! (no scripts, no external fonts or images) with a cell per point: the
//! first axis's values as columns left to right, the second's as rows with
//! the lowest value at the bottom. Values are labels, evenly spaced whatever
//! their spacing, so a log axis (250, 1000, 4000) reads as evenly as a
//! linear one and no cell is squeezed.
//! - share maps (corrupted, overlap): each cell says `k/n` and the 95%
//!   Wilson interval (`18.1%–56.7%`), pale green when no seed failed and red,
//!   stronger with the share, otherwise (the comparison's safety matrix's
//!   colours); the corrupted map draws the safe-region boundary
//!   ([`super::boundary`]) as a black step line along the top of each
//!   column's clean cells, and its caption says how rare a corruption could
//!   be and go unseen below the line;
//! - value maps: throughput on a linear blue scale, p99 acquire latency on a
//!   log purple scale, each shared by every design's map of the report (the
//!   same colour is the same value on every map); a point with no value is
//!   grey with `–`.
//!
//! Pixels are placed by hand on plotters' drawing area, as the safety matrix
//! does: a heatmap has no axis plotters would lay out better.

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::boundary::boundary;
use super::maps::{Metric, Reading};
use super::SweepReport;
use crate::plots::draw::{bold, font, format_ms, format_value, message_svg, mix, percent, share_fill, text_style};
use crate::svg::text_width;
use crate::wilson::wilson;

const CELL_W: i32 = 104;
const CELL_H: i32 = 44;
/// A point with no value, and a point with no seed.
const MISSING: RGBColor = RGBColor(225, 225, 225);
const FRAME: RGBColor = RGBColor(190, 190, 190);
/// The safe-region boundary: black and thick, over any cell colour.
const BOUNDARY_WIDTH: u32 = 3;

/// The caption of `design`'s map of `metric` (the page's figure caption).
pub fn title(report: &SweepReport, design: usize, metric: Metric) -> String {
    let label = report.designs.get(design).map_or("", |d| d.label.as_str());
    match &report.axes[..] {
        [x, y] => format!("{label}: {} per {} and {}", metric.title().to_lowercase(), x.name, y.name),
        _ => format!("{label}: {}", metric.title().to_lowercase()),
    }
}

/// `report.designs[design]`'s map of `metric` (see the module docs); a short
/// message instead when the report has not two axes or no such design.
pub fn heatmap_svg(report: &SweepReport, design: usize, metric: Metric) -> String {
    let heading = title(report, design, metric);
    let ([x, y], Some(map)) = (&report.axes[..], report.designs.get(design)) else {
        return message_svg(&heading, "a heatmap needs two axes and a design");
    };
    let (nx, ny) = (x.values.len(), y.values.len());
    if nx == 0 || ny == 0 || map.points.len() != nx * ny {
        return message_svg(&heading, "the points do not fill the grid");
    }
    let scale = Scale::of(report, metric);

    let y_labels = y.values.iter().map(|v| text_width(&v.to_string(), 12.0));
    let label_w = y_labels.fold(text_width(&y.name, 12.0), f64::max) as i32 + 18;
    let col_w = x.values.iter().map(|v| text_width(&v.to_string(), 12.0) as i32 + 12).fold(CELL_W, i32::max);
    let top = 56;
    let grid_bottom = top + CELL_H * ny as i32;
    let legend_top = grid_bottom + 58;
    let legend = scale.legend();
    let legend_w = legend.iter().map(|(_, t)| text_width(t, 11.0) as i32 + 30).sum::<i32>();
    let width = [label_w + col_w * nx as i32 + 20, text_width(&heading, 14.0) as i32 + 30, legend_w + 30, 520]
        .into_iter()
        .max()
        .unwrap_or(0);
    // The notes wrap to the map's width rather than widen it.
    let notes: Vec<String> =
        notes(report, metric, &y.name).iter().flat_map(|n| wrap(n, (width - 20) as f64, 11.0)).collect();
    let height = legend_top + 28 + 16 * notes.len() as i32;

    let cell_left = |ix: usize| label_w + col_w * ix as i32;
    // Row iy from the bottom: the lowest value sits on the bottom row.
    let cell_top = |iy: usize| top + CELL_H * (ny - 1 - iy) as i32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(heading.clone(), (10, 18), text_style(bold(14.0), HPos::Left)));
        let _ = root.draw(&Text::new(y.name.clone(), (10, top - 14), text_style(bold(12.0), HPos::Left)));
        for (iy, vy) in y.values.iter().enumerate() {
            let at = (label_w - 8, cell_top(iy) + CELL_H / 2);
            let _ = root.draw(&Text::new(vy.to_string(), at, text_style(font(12.0), HPos::Right)));
        }
        for (ix, vx) in x.values.iter().enumerate() {
            let at = (cell_left(ix) + col_w / 2, grid_bottom + 14);
            let _ = root.draw(&Text::new(vx.to_string(), at, text_style(font(12.0), HPos::Center)));
        }
        let at = (label_w + col_w * nx as i32 / 2, grid_bottom + 36);
        let _ = root.draw(&Text::new(x.name.clone(), at, text_style(bold(12.0), HPos::Center)));

        for ix in 0..nx {
            for iy in 0..ny {
                let (left, upper) = (cell_left(ix), cell_top(iy));
                let cell = Cell::of(metric.read(&map.points[ix * ny + iy]), &scale);
                let _ = root.draw(&Rectangle::new([(left, upper), (left + col_w, upper + CELL_H)], cell.fill.filled()));
                let ink = ink(cell.fill);
                let centre = left + col_w / 2;
                let lines = cell.lines.len() as i32;
                for (i, (text, strong)) in cell.lines.into_iter().enumerate() {
                    let style = text_style(if strong { bold(13.0) } else { font(11.0) }, HPos::Center).color(&ink);
                    let at = (centre, upper + CELL_H / 2 + 18 * i as i32 - 9 * (lines - 1));
                    let _ = root.draw(&Text::new(text, at, style));
                }
                let _ = root.draw(&Rectangle::new([(left, upper), (left + col_w, upper + CELL_H)], FRAME));
            }
        }

        if metric == Metric::Corrupted {
            // Each column's clean cells end where its first corrupted point starts.
            let rows = boundary(&report.axes, &map.points);
            if rows.iter().any(|b| b.first_unsafe.is_some()) {
                let mut path = Vec::new();
                for (ix, b) in rows.iter().enumerate() {
                    let clean = b.first_unsafe.and_then(|v| y.values.iter().position(|&u| u == v)).unwrap_or(ny);
                    let edge = top + CELL_H * (ny - clean) as i32;
                    path.push((cell_left(ix), edge));
                    path.push((cell_left(ix) + col_w, edge));
                }
                let _ = root.draw(&PathElement::new(path, BLACK.stroke_width(BOUNDARY_WIDTH)));
            }
        }

        let mut at = 10;
        for (fill, text) in legend {
            let _ = root.draw(&Rectangle::new([(at, legend_top - 6), (at + 12, legend_top + 6)], fill.filled()));
            let _ = root.draw(&Rectangle::new([(at, legend_top - 6), (at + 12, legend_top + 6)], FRAME));
            let _ = root.draw(&Text::new(text.clone(), (at + 16, legend_top), text_style(font(11.0), HPos::Left)));
            at += text_width(&text, 11.0) as i32 + 30;
        }
        for (i, note) in notes.into_iter().enumerate() {
            let at = (10, legend_top + 24 + 16 * i as i32);
            let _ = root.draw(&Text::new(note, at, text_style(font(11.0), HPos::Left)));
        }
        let _ = root.present();
    }
    svg
}

/// What a cell shows: its colour and its lines of text (bold or not).
struct Cell {
    fill: RGBColor,
    lines: Vec<(String, bool)>,
}

impl Cell {
    fn of(reading: Reading, scale: &Scale) -> Cell {
        let missing = Cell { fill: MISSING, lines: vec![("–".into(), true)] };
        match reading {
            Reading::Share { k, n, interval: Some(i) } => Cell {
                fill: share_fill(k, i.share),
                lines: vec![(format!("{k}/{n}"), true), (interval_text(i.low, i.high), false)],
            },
            Reading::Share { interval: None, .. } => missing,
            Reading::Value(Some(v)) => Cell { fill: scale.fill(v), lines: vec![(scale.text(v), true)] },
            Reading::Value(None) => missing,
        }
    }
}

/// `18.1%–56.7%`: the bounds of a 95% Wilson interval.
fn interval_text(low: f64, high: f64) -> String {
    format!("{}–{}", percent(low), percent(high))
}

/// `text` in lines no wider than `px` at `font_px` (a word longer than that
/// gets a line of its own).
fn wrap(text: &str, px: f64, font_px: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && text_width(&format!("{line} {word}"), font_px) > px {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// `v` rounded to three significant digits.
fn significant(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return v;
    }
    let unit = 10f64.powi(v.log10().floor() as i32 - 2);
    (v / unit).round() * unit
}

/// Black text on light cells, white on dark ones (perceived luminance).
fn ink(fill: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = fill;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance < 140.0 {
        WHITE
    } else {
        BLACK
    }
}

/// How a metric's values become colours on this report's maps.
enum Scale {
    /// Shares: [`share_fill`], the same as the comparison's.
    Share,
    /// From the lowest to the highest value of any design's point.
    Linear {
        max: f64,
    },
    Log {
        lo: f64,
        hi: f64,
    },
}

const THROUGHPUT_RAMP: ((u8, u8, u8), (u8, u8, u8)) = ((239, 243, 255), (33, 113, 181));
const LATENCY_RAMP: ((u8, u8, u8), (u8, u8, u8)) = ((242, 240, 247), (84, 39, 143));

impl Scale {
    /// Over every design's points, so a colour means one value on every map.
    fn of(report: &SweepReport, metric: Metric) -> Scale {
        let values = || report.designs.iter().flat_map(|d| d.points.iter()).filter_map(|p| metric.value(p));
        match metric {
            Metric::Corrupted | Metric::Overlap => Scale::Share,
            Metric::Throughput => Scale::Linear { max: values().fold(0.0, f64::max) },
            Metric::P99 => {
                let positive = || values().filter(|v| *v > 0.0);
                let lo = positive().reduce(f64::min).unwrap_or(1.0);
                Scale::Log { lo, hi: positive().reduce(f64::max).unwrap_or(lo) }
            }
        }
    }

    /// Where `v` sits from the scale's low end (0) to its high end (1).
    fn position(&self, v: f64) -> f64 {
        match *self {
            Scale::Share => v,
            Scale::Linear { max } if max > 0.0 => v / max,
            Scale::Linear { .. } => 0.0,
            Scale::Log { lo, hi } if hi > lo && v > 0.0 => (v / lo).ln() / (hi / lo).ln(),
            // One value (or none positive): the middle of the scale, not an extreme.
            Scale::Log { .. } => 0.5,
        }
    }

    fn fill(&self, v: f64) -> RGBColor {
        let t = self.position(v);
        match self {
            Scale::Share => share_fill(u64::from(v > 0.0), v),
            Scale::Linear { .. } => mix(THROUGHPUT_RAMP.0, THROUGHPUT_RAMP.1, t),
            Scale::Log { .. } => mix(LATENCY_RAMP.0, LATENCY_RAMP.1, t),
        }
    }

    fn text(&self, v: f64) -> String {
        match self {
            Scale::Share => percent(v),
            Scale::Linear { .. } => format_value(v),
            // Three significant digits: the histogram's p99 is within about 3% anyway.
            Scale::Log { .. } => format_ms(significant(v)),
        }
    }

    /// Swatches from the low end to the high end, each with its value.
    fn legend(&self) -> Vec<(RGBColor, String)> {
        let at = |v: f64| (self.fill(v), self.text(v));
        let mut swatches = match *self {
            Scale::Share => vec![(share_fill(0, 0.0), "no seed failed".to_string())],
            _ => Vec::new(),
        };
        swatches.extend(match *self {
            Scale::Share => [0.05, 0.25, 0.5, 1.0].map(at).to_vec(),
            Scale::Linear { max } => [0.0, 0.25, 0.5, 0.75, 1.0].map(|t| at(t * max)).to_vec(),
            Scale::Log { lo, hi } => [0.0, 0.25, 0.5, 0.75, 1.0].map(|t| at(lo * (hi / lo).powf(t))).to_vec(),
        });
        swatches.dedup_by(|a, b| a.1 == b.1);
        let missing = match self {
            Scale::Share | Scale::Linear { .. } => "–: no seed ran",
            Scale::Log { .. } => "–: no acquisition",
        };
        swatches.push((MISSING, missing.into()));
        swatches
    }
}

/// What the legend's swatches do not say: what a cell's text means and,
/// on the corrupted map, what the boundary promises.
fn notes(report: &SweepReport, metric: Metric, along: &str) -> Vec<String> {
    let unseen = wilson(0, report.seeds as u64).map_or("-".into(), |i| percent(i.high));
    let n = report.seeds;
    match metric {
        Metric::Corrupted => vec![
            "Cell: k/n seeds with a corrupted effect, and the 95% Wilson interval of that share.".into(),
            format!(
                "Black line: the safe-region boundary, on top of the clean cells of each column (up to the highest \
                 {along} with no corrupted seed at or below it); 0/{n} ⇒ below {unseen} at 95%."
            ),
        ],
        Metric::Overlap => {
            vec!["Cell: k/n seeds with an exclusion overlap, and the 95% Wilson interval of that share.".into()]
        }
        Metric::Throughput => vec![
            "Cell: successful acquisitions per simulated second over all seeds; one linear scale for every design."
                .into(),
        ],
        Metric::P99 => {
            vec!["Cell: the 99th percentile of acquire latency over all seeds; one log scale for every design.".into()]
        }
    }
}
