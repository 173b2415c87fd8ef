//! Grouped horizontal bars, one group per design and one bar per scenario:
//! throughput and messages per acquisition.

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::draw::{bold, color, draw_legend, font, format_value, message_svg, row_label, text_style};
use super::grid::Grid;
use crate::cell::CellReport;
use crate::svg::text_width;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::{cell, summary, texts};
    use crate::svg::PALETTE;

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
}
