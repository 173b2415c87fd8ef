//! What the charts share in drawing: fonts in pixels, the palette, the chart
//! that only says why there is nothing to draw, row labels and legends.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::svg::PALETTE;

/// Plotters' SVG backend writes `font-size = size / 1.24`; ask for pixels.
pub(super) fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal)
}

pub(super) fn bold(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Bold)
}

pub(super) fn text_style(font: FontDesc<'static>, h: HPos) -> TextStyle<'static> {
    TextStyle::from(font).pos(Pos::new(h, VPos::Center))
}

pub(super) fn color(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

pub(super) fn message_svg(title: &str, message: &str) -> String {
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

/// A row's label, right-aligned left of the plot at chart height `y`.
pub(super) fn row_label<DB: DrawingBackend, X: Ranged>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &ChartContext<DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    label: &str,
    y: f64,
) {
    let (px, py) = chart.backend_coord(&(chart.x_range().start, y));
    let _ = root.draw(&Text::new(label.to_string(), (px - 8, py), text_style(font(12.0), HPos::Right)));
}

pub(super) fn draw_legend<DB: DrawingBackend>(
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
