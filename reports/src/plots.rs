//! SVG charts over a comparison's cells, each a standalone SVG document as a
//! `String` (the HTML report inlines them; `compare` may also save them).
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

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::svg::{text_width, PALETTE};
use crate::wilson::{wilson, Interval};
use crate::CellReport;

/// One chart, ready to save as `<file_stem>.svg` or inline into HTML.
#[derive(Clone, Debug)]
pub struct Plot {
    pub file_stem: &'static str,
    pub title: &'static str,
    pub svg: String,
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

/// Rows (designs) and columns (scenarios, with the workload when several are present).
struct Grid {
    designs: Vec<String>,
    columns: Vec<String>,
    several_workloads: bool,
}

impl Grid {
    fn of(cells: &[CellReport]) -> Grid {
        let several_workloads = cells.iter().any(|c| c.workload != cells[0].workload);
        let mut grid = Grid { designs: Vec::new(), columns: Vec::new(), several_workloads };
        for c in cells {
            push_new(&mut grid.designs, &c.algorithm);
            let column = grid.column(c);
            push_new(&mut grid.columns, &column);
        }
        grid
    }

    fn column(&self, c: &CellReport) -> String {
        if self.several_workloads {
            format!("{} / {}", c.scenario, c.workload)
        } else {
            c.scenario.clone()
        }
    }

    fn find<'c>(&self, cells: &'c [CellReport], design: &str, column: &str) -> Option<&'c CellReport> {
        cells.iter().find(|c| c.algorithm == design && self.column(c) == column)
    }
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// Plotters' SVG backend writes `font-size = size / 1.24`; ask for pixels.
fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal)
}

fn bold(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Bold)
}

fn text_style(font: FontDesc<'static>, h: HPos) -> TextStyle<'static> {
    TextStyle::from(font).pos(Pos::new(h, VPos::Center))
}

fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

fn message_svg(title: &str, message: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (480, 80)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(title.to_string(), (10, 20), text_style(bold(14.0), HPos::Left)));
        let _ = root.draw(&Text::new(message.to_string(), (10, 50), text_style(font(12.0), HPos::Left)));
        let _ = root.present();
    }
    svg
}

fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if p == 0.0 || p == 100.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

// ---------------------------------------------------------------------------
// Safety matrix

const CELL_W: i32 = 168;
const HALF_H: i32 = 34;

/// Design x scenario grid: per cell, overlap (top) and corrupted effect
/// (bottom): "k/n", the share, and a bar for its 95% Wilson interval.
pub fn safety_matrix_svg(cells: &[CellReport]) -> String {
    const TITLE: &str = "Safety: seeds with an exclusion overlap (top) and a corrupted effect (bottom)";
    if cells.is_empty() {
        return message_svg(TITLE, "no cells");
    }
    let grid = Grid::of(cells);
    let label_w = grid.designs.iter().map(|d| text_width(d, 13.0)).fold(60.0, f64::max) as i32 + 20;
    let col_w = grid.columns.iter().map(|c| text_width(c, 12.0) as i32 + 12).fold(CELL_W, i32::max);
    let (top, legend_h) = (64, 30);
    let width = (label_w + col_w * grid.columns.len() as i32 + 20).max(text_width(TITLE, 14.0) as i32 + 30);
    let height = top + 2 * HALF_H * grid.designs.len() as i32 + legend_h + 10;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let _ = root.draw(&Text::new(TITLE, (10, 18), text_style(bold(14.0), HPos::Left)));
        for (j, column) in grid.columns.iter().enumerate() {
            let x = label_w + col_w * j as i32 + col_w / 2;
            let _ = root.draw(&Text::new(column.clone(), (x, top - 14), text_style(bold(12.0), HPos::Center)));
        }
        for (i, design) in grid.designs.iter().enumerate() {
            let y = top + 2 * HALF_H * i as i32;
            let _ = root.draw(&Text::new(design.clone(), (10, y + HALF_H), text_style(bold(13.0), HPos::Left)));
            for (j, column) in grid.columns.iter().enumerate() {
                let x = label_w + col_w * j as i32;
                match grid.find(cells, design, column) {
                    Some(c) => {
                        let s = &c.summary;
                        let n = s.seeds as u64;
                        draw_half(&root, (x, y), col_w, "overlap", s.overlap_seeds as u64, n);
                        draw_half(&root, (x, y + HALF_H), col_w, "corrupted", s.unsafe_seeds as u64, n);
                    }
                    None => {
                        let area = [(x, y), (x + col_w, y + 2 * HALF_H)];
                        let _ = root.draw(&Rectangle::new(area, RGBColor(240, 240, 240).filled()));
                        let at = (x + col_w / 2, y + HALF_H);
                        let _ = root.draw(&Text::new("not run", at, text_style(font(11.0), HPos::Center)));
                    }
                }
                let frame = [(x, y), (x + col_w, y + 2 * HALF_H)];
                let _ = root.draw(&Rectangle::new(frame, RGBColor(160, 160, 160)));
            }
        }
        let legend = "Bar: 0-100% of seeds; dark span: 95% Wilson interval; tick: observed share. \
                      Green: no seed failed.";
        let at = (10, height - legend_h / 2 - 4);
        let _ = root.draw(&Text::new(legend, at, text_style(font(11.0), HPos::Left)));
        let _ = root.present();
    }
    svg
}

/// One half of a matrix cell: label, k/n and share, and the interval bar.
fn draw_half<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    (x, y): (i32, i32),
    w: i32,
    what: &str,
    k: u64,
    n: u64,
) {
    let Some(Interval { share, low, high }) = wilson(k, n) else {
        let at = (x + w / 2, y + HALF_H / 2);
        let _ = root.draw(&Text::new("no seeds", at, text_style(font(11.0), HPos::Center)));
        return;
    };
    // Pale green when no seed failed; otherwise red, stronger with the share.
    let fill = if k == 0 { RGBColor(226, 242, 228) } else { mix((253, 226, 222), (214, 96, 77), share.sqrt()) };
    let _ = root.draw(&Rectangle::new([(x, y), (x + w, y + HALF_H)], fill.filled()));
    let text = format!("{what} {} ({k}/{n})", percent(share));
    let _ = root.draw(&Text::new(text, (x + 8, y + 11), text_style(font(11.0), HPos::Left)));
    // The interval bar: a track for 0-100%, the interval on it, a tick at the share.
    let (bx, by, bw) = (x + 8, y + 24, w - 88);
    let px = |v: f64| bx + (v * bw as f64).round() as i32;
    let _ = root.draw(&Rectangle::new([(bx, by - 1), (bx + bw, by + 1)], RGBColor(150, 150, 150).filled()));
    let _ = root.draw(&Rectangle::new([(px(low), by - 3), (px(high).max(px(low) + 1), by + 3)], BLACK.filled()));
    let _ = root.draw(&PathElement::new(vec![(px(share), by - 6), (px(share), by + 6)], BLACK.stroke_width(2)));
    let range = format!("{}-{}", percent(low), percent(high));
    let _ = root.draw(&Text::new(range, (bx + bw + 6, by), text_style(font(10.0), HPos::Left)));
}

fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

// ---------------------------------------------------------------------------
// Grouped horizontal bars: throughput and messages per acquisition

/// Acquisitions per simulated second, per design (rows) and scenario (colour).
pub fn throughput_svg(cells: &[CellReport]) -> String {
    grouped_bars_svg(
        "Throughput: successful acquisitions per simulated second",
        "acquisitions / simulated s",
        cells,
        |c| (c.summary.acquired > 0 || c.summary.seeds > 0).then_some(c.summary.throughput),
    )
}

/// Messages (RPC requests and replies) per successful acquisition.
pub fn messages_svg(cells: &[CellReport]) -> String {
    grouped_bars_svg(
        "Coordination overhead: messages per successful acquisition",
        "messages / acquisition",
        cells,
        |c| c.summary.messages_per_acquisition,
    )
}

const BAR_H: f64 = 1.0;
const GROUP_GAP: f64 = 0.8;

fn grouped_bars_svg(title: &str, x_desc: &str, cells: &[CellReport], value: fn(&CellReport) -> Option<f64>) -> String {
    if cells.is_empty() {
        return message_svg(title, "no cells");
    }
    let grid = Grid::of(cells);
    let per_group = grid.columns.len() as f64 * BAR_H + GROUP_GAP;
    let total = per_group * grid.designs.len() as f64;
    // Group g spans [top(g) - columns, top(g)] in chart units, first design on top.
    let group_top = |g: usize| total - GROUP_GAP / 2.0 - per_group * g as f64;
    let max = cells.iter().filter_map(value).fold(0.0, f64::max);
    let x_max = if max > 0.0 { max * 1.18 } else { 1.0 };

    let label_w = grid.designs.iter().map(|d| text_width(d, 12.0)).fold(40.0, f64::max) as u32 + 16;
    let legend_w = grid.columns.iter().map(|c| text_width(c, 12.0)).fold(60.0, f64::max) as u32 + 40;
    let bar_px = 15.0;
    let height = (total * bar_px) as u32 + 90;
    let width = 640 + label_w + legend_w;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let (plot_area, legend_area) = root.split_horizontally(width - legend_w);
        let Ok(mut chart) = ChartBuilder::on(&plot_area)
            .caption(title, bold(14.0))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..x_max, 0.0..total)
        else {
            return message_svg(title, "cannot lay out the chart");
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_desc)
            .y_labels(0)
            .label_style(font(12.0))
            .axis_desc_style(font(12.0))
            .draw();
        // Row labels by hand: plotters' formatter only sees its own tick values.
        for (g, design) in grid.designs.iter().enumerate() {
            let centre = group_top(g) - grid.columns.len() as f64 * BAR_H / 2.0;
            row_label(&root, &chart, design, centre);
        }
        let value_style = text_style(font(10.0), HPos::Left);
        for (g, design) in grid.designs.iter().enumerate() {
            for (j, column) in grid.columns.iter().enumerate() {
                let y1 = group_top(g) - j as f64 * BAR_H - 0.1;
                let y0 = y1 - BAR_H + 0.2;
                let yc = (y0 + y1) / 2.0;
                let v = grid.find(cells, design, column).and_then(value);
                let text = match v {
                    Some(v) => {
                        let _ =
                            chart.draw_series(std::iter::once(Rectangle::new([(0.0, y0), (v, y1)], color(j).filled())));
                        format_value(v)
                    }
                    None => "n/a".to_string(),
                };
                let at = v.unwrap_or(0.0);
                let _ = chart.draw_series(std::iter::once(
                    EmptyElement::at((at, yc)) + Text::new(text, (4, 0), value_style.clone()),
                ));
            }
        }
        draw_legend(&legend_area, "scenario", grid.columns.iter().enumerate().map(|(j, c)| (c.clone(), color(j))));
        let _ = root.present();
    }
    svg
}

/// A row's label, right-aligned left of the plot at chart height `y`.
fn row_label<DB: DrawingBackend, X: Ranged>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &ChartContext<DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    label: &str,
    y: f64,
) {
    let (px, py) = chart.backend_coord(&(chart.x_range().start, y));
    let _ = root.draw(&Text::new(label.to_string(), (px - 8, py), text_style(font(12.0), HPos::Right)));
}

fn format_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    heading: &str,
    entries: impl Iterator<Item = (String, RGBColor)>,
) {
    let _ = area.draw(&Text::new(heading.to_string(), (8, 44), text_style(bold(12.0), HPos::Left)));
    for (i, (name, c)) in entries.enumerate() {
        let y = 64 + 18 * i as i32;
        let _ = area.draw(&Rectangle::new([(8, y - 5), (20, y + 5)], c.filled()));
        let _ = area.draw(&Text::new(name, (26, y), text_style(font(12.0), HPos::Left)));
    }
}

// ---------------------------------------------------------------------------
// Latency quantiles

/// The quantiles to draw for a cell: its profile, or the summary's p50/p99.
fn latency_points(c: &CellReport) -> Vec<(f64, f64)> {
    if !c.latency.quantiles_ms.is_empty() {
        return c.latency.quantiles_ms.clone();
    }
    [(0.5, c.summary.acquire_p50_ms), (0.99, c.summary.acquire_p99_ms)]
        .into_iter()
        .filter_map(|(q, v)| v.map(|v| (q, v)))
        .collect()
}

/// `p50`, `p99.9`, `max`.
pub fn quantile_name(q: f64) -> String {
    if q >= 1.0 {
        return "max".into();
    }
    let mut p = format!("{:.3}", 100.0 * q);
    while p.ends_with('0') {
        p.pop();
    }
    format!("p{}", p.trim_end_matches('.'))
}

fn format_ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} s", trim_number(v / 1000.0))
    } else {
        format!("{} ms", trim_number(v))
    }
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Acquire latency quantiles per cell on a log axis, one row per cell.
pub fn latency_svg(cells: &[CellReport]) -> String {
    const TITLE: &str = "Acquire latency (invoke to ok), quantiles over all seeds";
    let rows: Vec<(String, Vec<(f64, f64)>)> = {
        let grid = Grid::of(cells);
        grid.designs
            .iter()
            .flat_map(|d| grid.columns.iter().map(move |col| (d, col)))
            .filter_map(|(d, col)| grid.find(cells, d, col).map(|c| (format!("{d} / {col}"), latency_points(c))))
            .collect()
    };
    let positive = || rows.iter().flat_map(|(_, p)| p.iter().map(|(_, ms)| *ms)).filter(|ms| *ms > 0.0);
    let (Some(lo), Some(hi)) = (positive().reduce(f64::min), positive().reduce(f64::max)) else {
        return message_svg(TITLE, "no successful acquisition in any cell");
    };
    // Every quantile any cell reports, each with its own colour.
    let mut qs: Vec<f64> = rows.iter().flat_map(|(_, p)| p.iter().map(|(q, _)| *q)).collect();
    qs.sort_by(f64::total_cmp);
    qs.dedup();
    let q_color = |q: f64| color(qs.iter().position(|x| *x == q).unwrap_or(0));

    let n = rows.len() as f64;
    let label_w = rows.iter().map(|(l, _)| text_width(l, 12.0)).fold(40.0, f64::max) as u32 + 16;
    let legend_w = 110;
    let width = 640 + label_w + legend_w;
    let height = (n * 18.0) as u32 + 100;
    // Row r is centred at n - r - 0.5, so the first row is on top.
    let centre = |r: usize| n - r as f64 - 0.5;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let (plot_area, legend_area) = root.split_horizontally(width - legend_w);
        let x_range = (lo / 1.6)..(hi * 1.6);
        let Ok(mut chart) = ChartBuilder::on(&plot_area)
            .caption(TITLE, bold(14.0))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x_range.log_scale(), 0.0..n)
        else {
            return message_svg(TITLE, "cannot lay out the chart");
        };
        let _ = chart
            .configure_mesh()
            .x_desc("latency (log scale)")
            .x_label_formatter(&|v| format_ms(*v))
            .y_labels(0)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(font(12.0))
            .axis_desc_style(font(12.0))
            .draw();
        for (r, (label, points)) in rows.iter().enumerate() {
            let y = centre(r);
            row_label(&root, &chart, label, y);
            let points: Vec<(f64, f64)> = points.iter().copied().filter(|(_, ms)| *ms > 0.0).collect();
            if points.len() > 1 {
                let line = vec![(points[0].1, y), (points[points.len() - 1].1, y)];
                let _ = chart.draw_series(std::iter::once(PathElement::new(line, RGBColor(150, 150, 150))));
            }
            let _ = chart.draw_series(points.iter().map(|&(q, ms)| Circle::new((ms, y), 4, q_color(q).filled())));
            if points.is_empty() {
                let style = text_style(font(10.0), HPos::Left);
                let _ = chart.draw_series(std::iter::once(
                    EmptyElement::at((lo / 1.6, y)) + Text::new("no acquisition", (4, 0), style),
                ));
            }
        }
        draw_legend(&legend_area, "quantile", qs.iter().map(|&q| (quantile_name(q), q_color(q))));
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::LatencyProfile;
    use sim::metrics::LatencyHistogram;
    use sim::record::{RunRecord, Summary};

    /// A summary built through `Summary::of`, so these tests follow sim's fields.
    pub(crate) fn summary(seeds: u64, overlap_seeds: u64, unsafe_seeds: u64, acquired: u64, messages: u64) -> Summary {
        let records: Vec<RunRecord> = (0..seeds)
            .map(|seed| {
                let first = seed == 0;
                let latencies: LatencyHistogram = (1..=acquired).filter(|_| first).map(|i| i * 1_000_000).collect();
                RunRecord {
                    seed,
                    sim_seconds: 10.0,
                    overlaps: usize::from(seed < overlap_seeds),
                    corrupted: usize::from(seed < unsafe_seeds),
                    acquired: if first { acquired } else { 0 },
                    messages: if first { messages } else { 0 },
                    acquire_latency_histogram: latencies.encode(),
                    ..RunRecord::default()
                }
            })
            .collect();
        Summary::of(&records)
    }

    pub(crate) fn cell(algorithm: &str, scenario: &str, overlap: u64, corrupted: u64) -> CellReport {
        CellReport {
            algorithm: algorithm.into(),
            scenario: scenario.into(),
            workload: "inventory".into(),
            summary: summary(20, overlap, corrupted, 40, 400),
            first_violation: None,
            latency: LatencyProfile { quantiles_ms: vec![(0.5, 2.0), (0.9, 5.0), (0.99, 40.0), (1.0, 2500.0)] },
        }
    }

    fn sample() -> Vec<CellReport> {
        vec![
            cell("cache", "none", 0, 0),
            cell("cache", "gc-pause", 7, 3),
            cell("lease-fencing", "none", 0, 0),
            cell("lease-fencing", "gc-pause", 6, 0),
        ]
    }

    /// Structural validity: one root element with the SVG namespace, tags
    /// balanced, no unescaped ampersands.
    pub(crate) fn assert_valid_svg(svg: &str) {
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
        assert!(svg.trim_end().ends_with("</svg>"));
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let close = rest[open..].find('>').expect("unterminated tag") + open;
            let tag = &rest[open + 1..close];
            let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_alphanumeric()).collect();
            if tag.starts_with('/') {
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                stack.push(name);
            }
            rest = &rest[close + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        for (i, _) in svg.match_indices('&') {
            let entity = &svg[i..svg.len().min(i + 6)];
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#"].iter().any(|e| entity.starts_with(e)), "{entity}");
        }
    }

    /// The content of every `<text>` element, trimmed (plotters puts it on its own line).
    pub(crate) fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split("</text>").next()?.trim().to_string()))
            .collect()
    }

    #[test]
    fn every_plot_is_valid_svg_with_its_labels() {
        let cells = sample();
        let plots = all(&cells);
        assert_eq!(
            plots.iter().map(|p| p.file_stem).collect::<Vec<_>>(),
            ["safety", "throughput", "latency", "messages"]
        );
        for p in &plots {
            assert_valid_svg(&p.svg);
            let texts = texts(&p.svg);
            assert!(texts.iter().any(|t| t.contains("lease-fencing")), "{} lacks a design label", p.file_stem);
            assert!(texts.iter().any(|t| t.contains("gc-pause")), "{} lacks a scenario label", p.file_stem);
        }
        for p in all(&[]) {
            assert_valid_svg(&p.svg);
        }
    }

    #[test]
    fn safety_matrix_shows_counts_shares_and_wilson_bounds() {
        let texts = texts(&safety_matrix_svg(&sample()));
        let has = |s: &str| texts.iter().any(|t| t == s);
        // 7 of 20: 35.0%, Wilson 95% [18.1%, 56.7%].
        assert!(has("overlap 35.0% (7/20)"), "{texts:?}");
        assert!(has("18.1%-56.7%"), "{texts:?}");
        assert!(has("corrupted 0% (0/20)"));
        assert!(has("0%-16.1%"), "0 of 20 still leaves up to 16.1%");
    }

    #[test]
    fn bars_are_as_long_as_their_values() {
        let mut cells = vec![cell("a", "s", 0, 0), cell("b", "s", 0, 0)];
        cells[1].summary = summary(20, 0, 0, 80, 400);
        let svg = throughput_svg(&cells);
        // Both cells ran 200 simulated seconds: 0.2 and 0.4 acquisitions per second.
        let labels = texts(&svg);
        assert!(labels.contains(&"0.20".to_string()) && labels.contains(&"0.40".to_string()), "{labels:?}");
        let bar_fill = format!("fill=\"{}\"", crate::svg::hex(PALETTE[0])).to_uppercase();
        let widths: Vec<f64> = svg
            .lines()
            .filter(|l| l.starts_with("<rect") && l.to_uppercase().contains(&bar_fill) && !l.contains("height=\"10\""))
            .map(|l| attr(l, "width"))
            .collect();
        assert_eq!(widths.len(), 2, "{svg}");
        assert!((widths[1] / widths[0] - 2.0).abs() < 0.05, "{widths:?}");
        let labels = texts(&messages_svg(&cells));
        assert!(labels.contains(&"10.0".to_string()) && labels.contains(&"5.00".to_string()), "{labels:?}");
    }

    fn attr(line: &str, name: &str) -> f64 {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn latency_plot_draws_every_quantile_and_falls_back_to_the_summary() {
        let cells = sample();
        let svg = latency_svg(&cells);
        let labels = texts(&svg);
        for name in ["p50", "p90", "p99", "max"] {
            assert!(labels.iter().any(|t| t == name), "legend lacks {name}");
        }
        assert_eq!(svg.matches("<circle").count(), 4 * cells.len());
        let mut bare = cell("cache", "none", 0, 0);
        bare.latency = LatencyProfile::default();
        let svg = latency_svg(&[bare]);
        assert_eq!(svg.matches("<circle").count(), 2, "p50 and p99 from the summary");
        assert_eq!(quantile_name(0.999), "p99.9");
        assert_eq!(format_ms(2500.0), "2.5 s");
    }
}
