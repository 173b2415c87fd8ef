//! Acquire latency quantiles (p50, p90, p99, max) per cell on a log axis,
//! from [`crate::LatencyProfile`] (or the summary's p50 and p99).

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::draw::{bold, color, draw_legend, font, format_ms, message_svg, row_label, text_style};
use super::grid::Grid;
use crate::cell::CellReport;
use crate::svg::text_width;

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
mod tests {
    use super::*;
    use crate::plots::tests::{cell, sample, texts};
    use crate::LatencyProfile;

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
